/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cursor of paged "groups" answers, "inside2/239.1.2.3" or
 * "inside2/239.1.2.3#3": written by the gateway, read back from the client's
 * next request.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"

int
ctl_cursor_format(const struct ctl_cursor *cur, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];
	int n;

	if (cur == NULL || buf == NULL || (unsigned int)cur->port >= GW_MAX_PORTS)
		return -1;
	inet_ntop(AF_INET, &cur->group, a, sizeof(a));
	if (cur->rank == 0)
		n = snprintf(buf, len, "%s/%s", gw_role_name(cur->port), a);
	else
		n = snprintf(buf, len, "%s/%s#%u", gw_role_name(cur->port), a, cur->rank);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

int
ctl_cursor_parse(const char *text, size_t len, struct ctl_cursor *cur)
{
	char copy[IGMPGW_CURSOR_LEN];
	char *slash, *hash;
	unsigned long rank = 0;

	if (text == NULL || len == 0 || len >= sizeof(copy) || memchr(text, '\0', len) != NULL)
		return -1;
	memcpy(copy, text, len);
	copy[len] = '\0';
	slash = strchr(copy, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	hash = strchr(slash + 1, '#');
	if (hash != NULL) {
		char *end;

		*hash = '\0';
		/* As written: 1..65535 in decimal digits, nothing else (no sign, no blank). */
		if (hash[1] < '1' || hash[1] > '9')
			return -1;
		rank = strtoul(hash + 1, &end, 10);
		if (*end != '\0' || rank > UINT16_MAX)
			return -1;
	}
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		if (strcmp(copy, gw_role_name(r)) != 0)
			continue;
		/* inet_pton is strict: four decimal parts, nothing after them. */
		if (inet_pton(AF_INET, slash + 1, &cur->group) != 1)
			return -1;
		cur->port = (enum gw_role)r;
		cur->rank = (uint16_t)rank;
		return 0;
	}
	return -1;
}
