/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The poll-mode datapath: each worker owns one rx/tx queue on every port and
 * every kernel twin, and runs classify -> IGMP stage / exception -> tx.
 */
#ifndef IGMPGW_WORKER_H
#define IGMPGW_WORKER_H

#include <stdint.h>

struct gw_worker_args {
	unsigned int index;           /* worker number: queue id and stats slot */
};

/* lcore entry point; returns when gw.quit is set. */
int gw_worker_main(void *arg);

#endif
