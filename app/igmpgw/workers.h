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
 * Spreads every port's rx queues over the worker lcores, gives each port an
 * owner and creates the rings to it. On failure writes one line to err and
 * returns a negative value.
 */
int gw_workers_plan(char *err, size_t err_len);

/* Frees the rings gw_workers_plan made, and what waits in them (no worker runs). */
void gw_workers_close(void);

#endif
