/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Opening the configured ports (vdev devargs, PCI address or an existing
 * ethdev), their mempools, and their kernel twins for the exception path.
 */
#ifndef IGMPGW_PORTS_H
#define IGMPGW_PORTS_H

#include <stddef.h>

#include "gw_config.h"

/*
 * Opens, configures and starts every configured port and its twin, with the
 * rx and tx queues n_workers workers want, as far as each PMD offers them
 * (gw.port[].n_rxq, n_txq). On failure writes one line naming the key and the
 * reason to err and returns a negative value.
 */
int gw_ports_open(unsigned int n_workers, char *err, size_t err_len);

/* The kernel twin's interface name for role: "igw-outside". */
void gw_twin_ifname(enum gw_role role, char *buf, size_t len);

/* Stops and closes every port and twin (twins' kernel interfaces go away). */
void gw_ports_close(void);

#endif
