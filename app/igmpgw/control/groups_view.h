/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The groups view, in every mode: the groups tracked (membership tracking),
 * the groups the gateway asked for upstream (goIGMP's modes: special reports
 * it translated, reports it proxied, client requests) and the static [mroute]
 * routes and [join]s, each with the ports its data goes to and where it came
 * from. The control socket pages it; telemetry reads a snapshot.
 */
#ifndef IGMPGW_GROUPS_VIEW_H
#define IGMPGW_GROUPS_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "ctl_proto.h"

/*
 * The table a slice at a time, in cursor order (struct ctl_cursor): appends
 * to list the records from *pos on, at most max of them, and moves *pos to
 * the first record left out. Returns true while records remain from *pos
 * on; false (pos then means nothing) at the end. Main lcore only.
 */
bool gw_groups_next(struct ctl_cursor *pos, uint32_t max, json_t *list, uint64_t now_ms);

/* {tracking, forwarding}: what the view's records depend on. Main lcore only. */
json_t *gw_groups_modes(void);

/* Refreshes the telemetry snapshot once a second; every control period, main lcore. */
void gw_groups_poll(uint64_t now_ms);

/*
 * The last snapshot, for telemetry's thread: the modes, records per source
 * and the first GW_GROUPS_SNAPSHOT records. A new reference.
 */
#define GW_GROUPS_SNAPSHOT 16
json_t *gw_view_groups(void);

void gw_groups_close(void);

#endif
