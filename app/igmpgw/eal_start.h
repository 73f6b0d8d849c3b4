/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Starting EAL so that every way it can fail ends in one line that says what
 * to do: its options checked for the mistakes EAL answers badly, its log
 * watched during rte_eal_init for the reason behind a bare errno.
 */
#ifndef IGMPGW_EAL_START_H
#define IGMPGW_EAL_START_H

#include <stddef.h>

/*
 * Checks EAL's arguments (argv[1..n_eal)) before anything runs: an
 * application option before "--", --no-huge without -m. On a mistake writes
 * one line to err and returns a negative value.
 */
int gw_eal_check_args(int n_eal, char **argv, char *err, size_t err_len);

/* rte_eal_init(n_eal, argv); on failure one actionable line in err. */
int gw_eal_start(int n_eal, char **argv, char *err, size_t err_len);

/*
 * rte_eal_cleanup, then the hugepage files this process mapped are unlinked:
 * on every exit after rte_eal_init succeeded, so a stop or a failed start gives
 * the memory back. Not --huge-unlink, which would do it at start: secondary
 * processes (dpdk-dumpcap, dpdk-proc-info) attach through those files.
 */
void gw_eal_stop(void);

#endif
