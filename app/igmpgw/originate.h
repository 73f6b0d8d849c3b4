/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IGMP the gateway originates on the main lcore (self queries, the reports
 * and leaves clients ask for): built here, sent by worker 0 via the ctrl_tx ring.
 */
#ifndef IGMPGW_ORIGINATE_H
#define IGMPGW_ORIGINATE_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl_proto.h"
#include "gw.h"

/*
 * Queues one IGMP message (bare bytes) for role, to dst, behind the gateway's
 * IPv4 header and Ethernet header. Returns 0, or a negative errno.
 */
int gw_originate_igmp(enum gw_role role, uint32_t dst, const uint8_t *igmp, uint16_t len);

/*
 * Sends membership reports (leave = false) or leaves for items on the active
 * outside: v2 messages for items without sources, v3 records for items with
 * them; unicast to the querier with unicast_membership_reports. Returns the
 * number of packets queued or a negative errno; *dst gets the unicast
 * destination used, 0 when multicast.
 */
int gw_send_membership(const struct ctl_item *items, uint16_t n, bool leave, uint32_t *dst);

/* The learned querier's address (0 if none) and MAC, read consistently. */
uint32_t gw_querier_read(struct gw_querier *out);

#endif
