/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Membership items in igmpgwctl's text form, "G" or "G@S[,S...]", checked as
 * the gateway checks them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "igmp_wire.h"
#include "igmpgw_client.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* ---- membership items ---- */

static void
set_err(char *err, size_t err_len, const char *fmt, const char *what)
{
	if (err != NULL && err_len > 0)
		snprintf(err, err_len, fmt, what);
}

/* Parses one dotted quad of at most len characters into *addr (network order). */
static bool
parse_addr(const char *text, size_t len, struct in_addr *addr)
{
	char buf[INET_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return inet_pton(AF_INET, buf, addr) == 1;
}

struct igmpgw_item *
igmpgw_item_parse(const char *text, char *err, size_t err_len)
{
	struct in_addr group;
	struct in_addr sources[IGMPGW_MAX_SOURCES];
	size_t n_sources = 0;
	const char *at;
	const char *p;
	struct igmpgw_item *item;
	const char **src_ptrs;
	char *strings;

	if (text == NULL) {
		set_err(err, err_len, "%s", "no membership given");
		errno = EINVAL;
		return NULL;
	}
	at = strchr(text, '@');
	if (!parse_addr(text, at != NULL ? (size_t)(at - text) : strlen(text), &group)) {
		set_err(err, err_len, "'%s': the group is not an IPv4 address", text);
		errno = EINVAL;
		return NULL;
	}
	if (!igmp_is_multicast(group.s_addr)) {
		set_err(err, err_len, "'%s': the group is not a multicast address", text);
		errno = EINVAL;
		return NULL;
	}
	/* 224.0.0.0/24 carries the link's own control traffic: nobody joins it. */
	if (igmp_is_link_local_group(group.s_addr)) {
		set_err(err, err_len, "'%s': the group is a link-local control group (224.0.0.0/24)",
			text);
		errno = EINVAL;
		return NULL;
	}
	for (p = at != NULL ? at + 1 : NULL; p != NULL; ) {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		struct in_addr s;
		uint32_t h;

		if (n_sources == IGMPGW_MAX_SOURCES) {
			set_err(err, err_len, "'%s': more than " STR(IGMPGW_MAX_SOURCES) " sources", text);
			errno = EINVAL;
			return NULL;
		}
		if (!parse_addr(p, len, &s)) {
			set_err(err, err_len, "'%s': a source is not an IPv4 address", text);
			errno = EINVAL;
			return NULL;
		}
		h = ntohl(s.s_addr);
		if (h == 0 || h == UINT32_MAX || igmp_is_multicast_or_reserved(s.s_addr)) {
			set_err(err, err_len, "'%s': a source is not a unicast address", text);
			errno = EINVAL;
			return NULL;
		}
		for (size_t i = 0; i < n_sources; i++) {
			if (sources[i].s_addr == s.s_addr) {
				set_err(err, err_len, "'%s': a source is listed twice", text);
				errno = EINVAL;
				return NULL;
			}
		}
		sources[n_sources++] = s;
		p = comma != NULL ? comma + 1 : NULL;
	}

	/* One block: the item, the source pointers, then the strings. */
	item = malloc(sizeof(*item) + n_sources * sizeof(char *) +
		      (n_sources + 1) * INET_ADDRSTRLEN);
	if (item == NULL)
		return NULL;
	src_ptrs = (const char **)(item + 1);
	strings = (char *)(src_ptrs + n_sources);
	inet_ntop(AF_INET, &group, strings, INET_ADDRSTRLEN);
	item->group = strings;
	for (size_t i = 0; i < n_sources; i++) {
		char *s = strings + (i + 1) * INET_ADDRSTRLEN;

		inet_ntop(AF_INET, &sources[i], s, INET_ADDRSTRLEN);
		src_ptrs[i] = s;
	}
	item->sources = n_sources > 0 ? src_ptrs : NULL;
	item->n_sources = n_sources;
	return item;
}
