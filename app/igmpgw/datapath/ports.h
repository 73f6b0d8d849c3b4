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

/*
 * Re-binding a port (a trunk head) to the interface now under its name, on
 * the main lcore: _open makes and starts the new ethdev (the workers run on;
 * a failure changes nothing, one line in err), _move (workers held, hold.h)
 * moves the trunk's ports to it and removes the old one; _drop removes one.
 * gw_twin_rebind (workers held) makes a deleted kernel twin again; on failure
 * the port has no twin.
 */
int gw_port_rebind_open(enum gw_role role, uint16_t *new_id, char *err, size_t err_len);
void gw_port_rebind_move(enum gw_role role, uint16_t new_id);
void gw_port_rebind_drop(uint16_t port_id);
int gw_twin_rebind(enum gw_role role, char *err, size_t err_len);

/* Stops and closes every port and twin (twins' kernel interfaces go away). */
void gw_ports_close(void);

#endif
