/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Membership tracking in the daemon ([proxy] track_membership): the membership
 * library on the main lcore, fed with the IGMP the workers hand over, its
 * queries and reports sent through the ctrl_tx ring, its state feeding the
 * forwarding table and the control socket.
 */
#ifndef IGMPGW_TRACKING_H
#define IGMPGW_TRACKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ctl_proto.h"
#include "gw.h"
#include "gw_config.h"
#include "igmp_wire.h"
#include "membership.h"

/*
 * Tracking's own counters beside the membership library's (both in the status
 * view's tracking counters): the forwarding table refusing what tracking holds.
 */
#define GW_TRACKING_COUNTERS(X) \
	X(forwarding_refused_max_groups, \
	  "groups tracking holds that the forwarding table refused: its limits.max_groups reached (should stay 0)") \
	X(forwarding_no_memory, \
	  "groups tracking holds that the forwarding table had no memory for (should stay 0)")

/* Creates the state per config; before the workers start. */
int gw_tracking_init(char *err, size_t err_len);

/* True when tracking is on: the workers then hand every inside IGMP packet over. */
bool gw_tracking_enabled(void);

/* The membership state, where the static joins are held too; NULL when tracking is off. */
struct mship *gw_tracking_state(void);

/* A valid IGMP packet received on role (inside, or a query on the active outside). */
void gw_tracking_input(enum gw_role role, const struct igmp_ipv4 *ip, const struct igmp_msg *msg,
		       uint64_t now_ms);

/*
 * role's link came back up: an inside port starts its startup queries again,
 * the active outside hears the whole merged state again. State is kept.
 */
void gw_tracking_link_up(enum gw_role role, uint64_t now_ms);

/* The active outside changed: the merged state is reported there from now on. */
void gw_tracking_upstream_changed(uint64_t now_ms);

/* A reload: cfg's querier timers and [limits] from now on, the state kept. 0 or -EINVAL. */
int gw_tracking_reconfigure(const struct gw_config *cfg);

/* Timers; call every few milliseconds. */
void gw_tracking_poll(uint64_t now_ms);

/*
 * The groups view's walk over the tracked groups of role (groups_view.c):
 * the first group (network order) not below first in host order; false at
 * the end or without tracking. Then its record: 0, or -ENOENT.
 */
bool gw_tracking_next_group(enum gw_role role, uint32_t first, uint32_t *group);
int gw_tracking_group_get(enum gw_role role, uint32_t group, struct mship_group_info *info);

/* Adds the joins tracking refused to n, by limit. */
void gw_tracking_refused(uint64_t n[GW_LIMIT_COUNT]);

/* Counts and memory for status. */
json_t *gw_tracking_status(void);

void gw_tracking_close(void);

#endif
