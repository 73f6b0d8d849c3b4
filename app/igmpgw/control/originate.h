/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IGMP the gateway originates on the main lcore (self queries, the reports
 * and leaves clients ask for): built here up to the IPv4 header, framed and
 * sent by the port's owner via the ctrl_tx ring.
 */
#ifndef IGMPGW_ORIGINATE_H
#define IGMPGW_ORIGINATE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "ctl_proto.h"
#include "gw.h"
#include "upstream.h"   /* gw_querier_read, for the callers that report the querier */

/* Creates a paced send queue for every present port; before anything is sent. */
int gw_originate_init(char *err, size_t err_len);

/*
 * Queues one IGMP message (bare bytes) for role, to dst, behind the gateway's
 * IPv4 header and Ethernet header: it leaves, in order, as the port's paced
 * queue and the ring to worker 0 allow. Returns 0, -ENODEV (no such port) or
 * -ENOBUFS (the queue holds its bound: dropped and counted).
 */
int gw_originate_igmp(enum gw_role role, uint32_t dst, const uint8_t *igmp, uint16_t len);

/*
 * The same for a report or leave on an outside port: it goes where
 * gw_upstream_dst says (the querier, unicast_dst) instead of multicast_dst.
 */
int gw_originate_upstream(enum gw_role role, uint32_t multicast_dst, const uint8_t *igmp,
			  uint16_t len);

/* Moves what the queues may send now onto the ring; every control period. */
void gw_originate_poll(void);

/* IGMP bytes one message may have on role: its MTU less the IPv4 header with router alert. */
uint16_t gw_igmp_max_msg(enum gw_role role);

/* Upstream reports fit the smaller MTU of the outside ports (either may become active). */
uint16_t gw_upstream_max_msg(void);

/* Messages role's queue can still take. */
uint32_t gw_originate_room(enum gw_role role);

/* Messages waiting in role's paced queue. */
uint32_t gw_originate_depth(enum gw_role role);

/* Each queue's depth, bound, pace and counters, by role, for status. */
json_t *gw_originate_status(void);

void gw_originate_close(void);

/*
 * Sends membership reports (leave = false) or leaves for items on the active
 * outside: v2 messages for items without sources, v3 records for items with
 * them; unicast to the querier with unicast_membership_reports. Returns the
 * number of packets queued or a negative errno; *dst gets the unicast
 * destination used, 0 when multicast.
 */
int gw_send_membership(const struct ctl_item *items, uint16_t n, bool leave, uint32_t *dst);

/* The same on the outside role, active or not (failover's leaves on the old one). */
int gw_send_membership_on(enum gw_role role, const struct ctl_item *items, uint16_t n,
			  bool leave, uint32_t *dst);

#endif
