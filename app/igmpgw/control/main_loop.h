/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Main-lcore control work: events raised by the workers,
 * self queries, and rate-limited logging of what the datapath dropped.
 */
#ifndef IGMPGW_MAIN_LOOP_H
#define IGMPGW_MAIN_LOOP_H

#include <stdint.h>

/* One round of control work; call every few milliseconds until gw.quit. */
void gw_control_poll(uint64_t now_tsc);

/* Handles every event the workers have raised so far. */
void gw_control_drain_events(void);

/* Frees what the control plane holds (pending events). */
void gw_control_cleanup(void);

#endif
