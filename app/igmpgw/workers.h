/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which worker polls which (port, rx queue), which owns each port and which
 * tx queue each worker sends on: decided once at start, after the ports are
 * open, and read-only while the workers run (gw.worker, gw.port[].owner).
 */
#ifndef IGMPGW_WORKERS_H
#define IGMPGW_WORKERS_H

#include <stddef.h>

/*
 * The rings between lcores, full, are mbufs the pools must hold besides the
 * ports' descriptors (ports.c sizes the pools with them).
 */
/* Frames other workers hand a port's owner: a few bursts of every worker. */
#define GW_HANDOFF_RING_SIZE 4096
/* IGMP packets the main lcore originates on a port, for its owner to frame. */
#define GW_CTRL_TX_RING_SIZE 1024
/* Copies of IGMP frames the workers raise events with, to the main lcore. */
#define GW_EVENT_RING_SIZE 1024

/*
 * Spreads every port's rx queues over the worker lcores, gives each port an
 * owner and creates the rings to it. On failure writes one line to err and
 * returns a negative value.
 */
int gw_workers_plan(char *err, size_t err_len);

/* Frees the rings gw_workers_plan made, and what waits in them (no worker runs). */
void gw_workers_close(void);

#endif
