/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which outside is active, on the main lcore: automatic upstream failover
 * ([igmp] failover, decided by lib/failover from the links and the queriers
 * heard on both outsides), the operator's select_outside, and what a switch
 * or a link coming back up owes the upstream (the whole membership reported,
 * leaves on the side left).
 */
#ifndef IGMPGW_GW_FAILOVER_H
#define IGMPGW_GW_FAILOVER_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "gw.h"

/* From the config; after the ports and tracking are set up. */
void gw_failover_init(void);

/* A reload's [querier] timers: the other querier present interval and the grace follow. */
void gw_failover_set_timers(const struct gw_config *next);

/*
 * How long the querier q, heard on an outside, counts as present after its
 * last query: RFC 3376 §8.5 from the QRV, QQI and Max Resp Time of its last
 * general query, [querier]'s own values for what it did not say.
 */
uint64_t gw_failover_querier_present_ms(const struct gw_querier *q);

/* Decides and switches when due; every control period, and after a link change. */
void gw_failover_poll(uint64_t now_ms);

/* select_outside: role becomes the primary (until the next reload) and the active one. */
void gw_failover_select(enum gw_role role, uint64_t now_ms);

/*
 * Reports the whole membership the gateway holds upstream on outside role
 * (tracking: the merged state, robustness times; goIGMP's modes: the groups
 * asked for, as asked; and the [join] groups), as after its link came up.
 */
void gw_upstream_report_all(enum gw_role role, uint64_t now_ms);

/* {mode, primary, active, switches, last_reason, revert, hold_down} for status. */
json_t *gw_failover_status(void);

#endif
