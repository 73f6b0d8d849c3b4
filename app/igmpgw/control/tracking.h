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

/* Creates the state per config; before the workers start. */
int gw_tracking_init(char *err, size_t err_len);

/* True when tracking is on: the workers then hand every inside IGMP packet over. */
bool gw_tracking_enabled(void);

/* The membership state, where the static joins are held too; NULL when tracking is off. */
struct mship *gw_tracking_state(void);

/* A valid IGMP packet received on role (inside, or a query on the active outside). */
void gw_tracking_input(enum gw_role role, const struct igmp_ipv4 *ip, const struct igmp_msg *msg,
		       uint64_t now_ms);

/* The active outside changed: the merged state is reported there from now on. */
void gw_tracking_upstream_changed(uint64_t now_ms);

/* Timers; call every few milliseconds. */
void gw_tracking_poll(uint64_t now_ms);

/*
 * The groups table for the control socket's "groups" request, a slice at a
 * time: appends to list the group records from *pos on, at most max of them,
 * and moves *pos to the first record left out. Returns true while records
 * remain from *pos on; false (pos then means nothing) at the end of the table.
 */
bool gw_tracking_groups_next(struct ctl_cursor *pos, uint32_t max, json_t *list,
			     uint64_t now_ms);

/* Adds the joins tracking refused to n, by limit. */
void gw_tracking_refused(uint64_t n[GW_LIMIT_COUNT]);

/* Counts and memory for status. */
json_t *gw_tracking_status(void);

void gw_tracking_close(void);

#endif
