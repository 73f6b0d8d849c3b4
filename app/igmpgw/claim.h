/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Claiming the box's interfaces before anything touches them: the kernel
 * interface (or PCI device) behind each port and each kernel twin's name are
 * locked, so a second igmpgw on the same ports refuses instead of cutting the
 * running one off (a TAP probe of an existing twin joins it as a queue, and its
 * close sets the twin down).
 */
#ifndef IGMPGW_CLAIM_H
#define IGMPGW_CLAIM_H

#include <stddef.h>

#include "gw_config.h"

/*
 * Before rte_eal_init: finds the interface behind every configured port and
 * every --vdev of the EAL arguments (eal_argv[1..eal_argc)), refuses one
 * interface under two roles, locks each interface and twin name, and records
 * the ports' kernel interfaces in gw.port[] for the link watch. On failure
 * writes one line to err and returns a negative value (nothing was touched).
 */
int gw_claim_ports(const struct gw_config *cfg, int eal_argc, char **eal_argv, char *err,
		   size_t err_len);

/*
 * What gw_claim_ports checks without locking or opening anything (--check):
 * one interface under two roles. A running gateway on the same ports is fine.
 */
int gw_claim_check(const struct gw_config *cfg, int eal_argc, char **eal_argv, char *err,
		   size_t err_len);

/* Drops the locks and their files (at a clean stop). */
void gw_claim_release(void);

#endif
