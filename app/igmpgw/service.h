/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmpgw as a systemd service (Type=notify): readiness, stopping and the
 * watchdog through sd_notify. Built without libsystemd (meson option
 * systemd), or started without NOTIFY_SOCKET, every call does nothing.
 */
#ifndef IGMPGW_SERVICE_H
#define IGMPGW_SERVICE_H

#include <stdint.h>

/*
 * Before the workers start: reads the watchdog's interval (WATCHDOG_USEC) and
 * the test-only stall knob IGMPGW_TEST_STALL_WORKER=INDEX@SECONDS (worker
 * INDEX stops polling SECONDS after start, as a stuck one would).
 */
void gw_service_init(void);

/* Ports up, workers launched, control socket listening: READY=1. */
void gw_service_ready(unsigned int n_workers);

/*
 * Main lcore, every pass of its loop: feeds the watchdog when every worker's
 * loop counter advanced since the last feed; a worker that did not is logged
 * (once) and the watchdog starves until systemd restarts the gateway.
 */
void gw_service_poll(uint64_t now_tsc);

/* The stop began: STOPPING=1. */
void gw_service_stopping(void);

/* Worker side of the stall knob: the TSC at which worker stops polling, 0 = never. */
uint64_t gw_service_stall_tsc(unsigned int worker);

/* Worker side of the stall knob: stops polling (RCU offline) until the gateway stops. */
void gw_service_stall(unsigned int worker);

#endif
