/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who the gateway talks to upstream: the querier the workers learn from
 * queries on each outside (active or standby), read from any lcore, and where the reports and leaves it sends
 * there go (one rule, igmp_proxy_upstream_dst, fed the gateway's querier).
 */
#ifndef IGMPGW_UPSTREAM_H
#define IGMPGW_UPSTREAM_H

#include <stdint.h>

#include "gw.h"
#include "igmp_proxy.h"

/*
 * The querier learned on outside (outside or alt): its address (0 if none),
 * MAC, version and when it was last heard, read consistently.
 */
uint32_t gw_querier_read(enum gw_role outside, struct gw_querier *out);

/* The learned queriers as igmp_proxy_upstream_dst and igmp_proxy_decide ask for them. */
extern const struct igmp_proxy_queriers gw_queriers;

/*
 * Where a report or leave sent on outside goes: the querier, else unicast_dst
 * with unicast_membership_reports, else multicast_dst (0: "multicast").
 */
static inline uint32_t
gw_upstream_dst(enum gw_role outside, uint32_t multicast_dst)
{
	return igmp_proxy_upstream_dst(&gw.cfg.igmp, &gw_queriers, outside, multicast_dst);
}

#endif
