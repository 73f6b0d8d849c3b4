/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket (docs/control-protocol.md), served on the main lcore
 * without ever blocking: requests, responses, and the events it takes from
 * the event sink (events.h) for its subscribers.
 */
#ifndef IGMPGW_CTL_SERVER_H
#define IGMPGW_CTL_SERVER_H

#include <stddef.h>

#include <jansson.h>

#include "ctl_proto.h"
#include "gw_config.h"

/* Opens the socket of [control]; no-op when it is "none". */
int gw_ctl_open(char *err, size_t err_len);

/* Accepts, reads, answers and flushes whatever is ready; never waits. */
void gw_ctl_poll(void);

/* A reload's limits.control_requests_per_client (checked by rl_rate_init before). */
void gw_ctl_set_request_rate(const struct gw_rate *r);

/* Closes every client and the socket, and removes the socket file. */
void gw_ctl_close(void);

#endif
