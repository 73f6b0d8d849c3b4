/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The memberships the gateway itself asked for upstream in goIGMP's modes
 * (translated special unicast reports, client report requests), per inside
 * port, until their leave or until they go unrefreshed for the group
 * membership interval. It feeds the forwarding table when membership tracking
 * is off. Pure: no threads, no clock reads; the caller passes now.
 */
#ifndef IGMPGW_ASKED_GROUPS_H
#define IGMPGW_ASKED_GROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwd_types.h"

/* Sources one group may hold at most, whatever asked_groups_create() is given. */
#define ASKED_MAX_SOURCES FWD_MAX_SOURCES

struct asked_groups;

/* How a port's ask came, kept per port (the last one) for the groups view. */
#define ASKED_VIA_LIST(X) \
	X(UNKNOWN, "unknown") \
	X(TRANSLATED, "translated") /* a special unicast report, translated upstream */ \
	X(PROXIED, "proxied")       /* a multicast report passed upstream (proxy_in_to_out) */ \
	X(CLIENT, "client")         /* a control client's report request */

enum asked_via {
#define ASKED_VIA_ENUM(code, name) ASKED_VIA_##code,
	ASKED_VIA_LIST(ASKED_VIA_ENUM)
#undef ASKED_VIA_ENUM
	ASKED_VIA_COUNT
};

/* "translated", "proxied", "client"; "unknown" for anything else. */
const char *asked_via_name(enum asked_via via);

/*
 * Who asked: how (kept per port), and the address the ask came from (network
 * order; 0: none, a client). The address is kept for the group's last ask
 * only: the view shows it for the port that made it, 0 for the others.
 */
struct asked_origin {
	enum asked_via via;
	uint32_t from;
};

/* Called for every group whose wanted ports changed. */
typedef void (*asked_changed_fn)(void *arg, uint32_t group);

/* max_sources (up to ASKED_MAX_SOURCES): the sources one group may hold. */
struct asked_groups *asked_groups_create(uint32_t max_groups, uint16_t max_sources,
					 uint64_t lifetime_ms, asked_changed_fn changed, void *arg);
void asked_groups_free(struct asked_groups *a);

/* A new lifetime (a reload's timers): from the next join or refresh on; held deadlines stay. */
void asked_groups_set_lifetime(struct asked_groups *a, uint64_t lifetime_ms);

/*
 * ports asked for group: from any source (n_sources 0) or from these sources.
 * Refreshes the lifetime. Returns 0, or -ENOSPC when max_groups is full,
 * -E2BIG when the group's source list would pass max_sources, -ENOMEM: the
 * state held stays as it was.
 */
int asked_groups_join(struct asked_groups *a, uint32_t group, fwd_mask_t ports,
		      const uint32_t *sources, uint16_t n_sources, uint64_t now_ms);

/* The same, noting origin as the last ask of each port in ports (NULL: unknown). */
int asked_groups_join_from(struct asked_groups *a, uint32_t group, fwd_mask_t ports,
			   const uint32_t *sources, uint16_t n_sources, uint64_t now_ms,
			   const struct asked_origin *origin);

/* ports left group (n_sources 0) or stopped wanting these sources. */
void asked_groups_leave(struct asked_groups *a, uint32_t group, fwd_mask_t ports,
			const uint32_t *sources, uint16_t n_sources);

/* Drops what went unrefreshed for the lifetime. */
void asked_groups_expire(struct asked_groups *a, uint64_t now_ms);

/*
 * The wanted ports of group as the forwarding table takes them: any_source
 * plus per-source includes (src must hold ASKED_MAX_SOURCES). False if none.
 */
bool asked_groups_get(const struct asked_groups *a, uint32_t group, fwd_mask_t *any_source,
		      struct fwd_source *src, uint16_t *n_sources);

/* What one port asked for of one group, as the groups view shows it. */
struct asked_port_info {
	uint32_t group;                        /* network order */
	fwd_mask_t ports;                      /* every port asking for the group */
	bool any_source;                       /* this port asked for every source */
	uint16_t n_sources;                    /* and these sources (when not any_source) */
	uint32_t sources[ASKED_MAX_SOURCES];
	uint64_t expires;                      /* ms: the ask ends unless refreshed */
	struct asked_origin origin;            /* its last ask (from: see struct asked_origin) */
};

/*
 * The ordered walk the groups view pages with: fills *info with the first
 * group port asked for whose address is not below first (both compared in
 * host order; first in network order). False when there is none. Groups that
 * come and go do not move the others, so walking on from just past the last
 * group shown never shows one twice nor misses one that stayed. O(log n) to
 * find the place, then one step per group held (of any port) up to the one
 * found; the first call after groups came or went first sorts them, O(n).
 */
bool asked_groups_next(struct asked_groups *a, uint16_t port, uint32_t first,
		       struct asked_port_info *info);

uint32_t asked_groups_count(const struct asked_groups *a);
/* Groups port asks for (what a walk of asked_groups_next would count), without a walk. */
uint32_t asked_groups_port_count(const struct asked_groups *a, uint16_t port);
/* Bytes the tables take as far as they are used (they grow up to max_groups). */
size_t asked_groups_memory(const struct asked_groups *a);

#endif
