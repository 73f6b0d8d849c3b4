/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cursor of paged "groups" answers, "inside2/239.1.2.3": written by the
 * gateway, read back from the client's next request.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ctl_proto.h"

int
ctl_cursor_format(const struct ctl_cursor *cur, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];
	int n;

	if (cur == NULL || buf == NULL || !gw_role_is_inside(cur->port) ||
	    (unsigned int)cur->port >= GW_MAX_PORTS)
		return -1;
	inet_ntop(AF_INET, &cur->group, a, sizeof(a));
	n = snprintf(buf, len, "%s/%s", gw_role_name(cur->port), a);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

int
ctl_cursor_parse(const char *text, size_t len, struct ctl_cursor *cur)
{
	char copy[IGMPGW_CURSOR_LEN];
	char *slash;

	if (text == NULL || len == 0 || len >= sizeof(copy) || memchr(text, '\0', len) != NULL)
		return -1;
	memcpy(copy, text, len);
	copy[len] = '\0';
	slash = strchr(copy, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	for (int r = GW_ROLE_INSIDE; r < GW_MAX_PORTS; r++) {
		if (strcmp(copy, gw_role_name(r)) != 0)
			continue;
		/* inet_pton is strict: four decimal parts, nothing after them. */
		if (inet_pton(AF_INET, slash + 1, &cur->group) != 1)
			return -1;
		cur->port = (enum gw_role)r;
		return 0;
	}
	return -1;
}
