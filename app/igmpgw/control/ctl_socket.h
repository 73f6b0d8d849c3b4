/* SPDX-License-Identifier: BSD-3-Clause */
/* The control socket's listening end ([control] socket, group). */
#ifndef IGMPGW_CTL_SOCKET_H
#define IGMPGW_CTL_SOCKET_H

#include <stddef.h>

#include "gw_config.h"

/*
 * Listens on cfg->socket (non-blocking, mode 0660, cfg->group's when set),
 * creating its directory. Returns the fd, or a negative errno with one line
 * naming the key and the reason in err.
 */
int gw_ctl_listen(const struct gw_control_config *cfg, char *err, size_t err_len);

#endif
