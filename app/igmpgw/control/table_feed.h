/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control side of the multicast data fast path: creates the forwarding
 * table, loads the static routes, and keeps it in step with what feeds it
 * (the memberships the gateway asked for upstream, when tracking is off).
 */
#ifndef IGMPGW_TABLE_FEED_H
#define IGMPGW_TABLE_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "asked_groups.h"
#include "ctl_proto.h"
#include "gw.h"
#include "gw_config.h"
#include "igmp_wire.h"

/* Sets up forwarding per [forward]; before the workers start. */
int gw_feed_init(char *err, size_t err_len);

/*
 * A report or leave the gateway passed upstream for an inside port, as it
 * came in (ip: to the gateway's address when translated); admitted: the room
 * under max_groups the worker took for it (igmp_proxy_decision).
 */
void gw_feed_asked(enum gw_role role, const struct igmp_ipv4 *ip, const struct igmp_msg *msg,
		   uint32_t admitted, uint64_t now_ms);

/*
 * The ports the fast path sends group's data to, from any source or from one
 * of sources (static routes included); 0 when forwarding is off.
 */
fwd_mask_t gw_feed_ports(uint32_t group, const uint32_t *sources, uint16_t n_sources);

/*
 * The groups view's walk over what role asked for upstream (goIGMP modes):
 * the first group not below first, host order. False at the end, or when
 * tracking is on (nothing is asked then).
 */
bool gw_feed_asked_next(enum gw_role role, uint32_t first, struct asked_port_info *info);
/* Groups role asks for (goIGMP's modes), without a walk. */
uint32_t gw_feed_asked_count(enum gw_role role);

/*
 * Reports or leaves a client asked for, on behalf of every inside port: copies
 * into taken the items the table took (all leaves; joins unless the table is
 * full) and returns their count. Only those may be sent upstream, so the
 * table and the upstream agree. With tracking (no such table) every item is taken.
 */
uint16_t gw_feed_client(const struct ctl_item *items, uint16_t n, bool leave,
			      uint64_t now_ms, struct ctl_item *taken);

/* Expiry and memory reclaim; call every few milliseconds. */
void gw_feed_poll(uint64_t now_ms);

/* Adds the joins refused here (client requests, held groups' sources) to n, by limit. */
void gw_feed_refused(uint64_t n[GW_LIMIT_COUNT]);

/* {"enabled", "groups", "static_routes", "memory_bytes", ...} for status. */
json_t *gw_feed_status(void);

/*
 * A reload's [limits]: the forwarding table and the room under max_groups
 * take the new max_groups at once (lowered below what is held: new groups
 * refused until under, nothing evicted).
 */
void gw_feed_set_limits(const struct gw_limits_config *l);

/* goIGMP's modes: a reload's [querier] timers give the asked groups a new lifetime (the GMI). */
void gw_feed_set_timers(const struct gw_querier_config *q);

/* fw's static routes replace those in the forwarding table, all at once. 0 or -EINVAL. */
int gw_feed_set_routes(const struct gw_forward_config *fw);

/* After the workers have stopped. */
void gw_feed_close(void);

#endif
