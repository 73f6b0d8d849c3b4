/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * limits.upstream_reports_per_second for what the workers relay or translate
 * upstream in goIGMP's modes: the reports over the rate, which workers hand
 * to the main lcore, coalesced per outside (lib/coalesce) and fed in order to
 * the outside's paced queue (originate.c).
 */
#ifndef IGMPGW_UPSTREAM_PACE_H
#define IGMPGW_UPSTREAM_PACE_H

#include <stddef.h>

#include <jansson.h>

#include "gw.h"

/* After gw_originate_init: the outsides' queues are sized from their MTU. */
int gw_upstream_pace_init(char *err, size_t err_len);

/* Takes what the workers handed over, feeds the paced queues; each main loop pass. */
void gw_upstream_pace_poll(void);

/* status upstream_coalescing: each outside's queue (an empty object without the limit). */
json_t *gw_upstream_pace_status(void);

void gw_upstream_pace_close(void);

#endif
