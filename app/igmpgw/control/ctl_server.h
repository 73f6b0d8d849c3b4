/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket (docs/control-protocol.md), served on the main lcore
 * without ever blocking: requests, responses and event fan-out.
 */
#ifndef IGMPGW_CTL_SERVER_H
#define IGMPGW_CTL_SERVER_H

#include <stddef.h>

#include <jansson.h>

#include "ctl_proto.h"

/* Opens the socket of [control]; no-op when it is "none". */
int gw_ctl_open(char *err, size_t err_len);

/* Accepts, reads, answers and flushes whatever is ready; never waits. */
void gw_ctl_poll(void);

/* Queues an event line for every client subscribed to kind. Takes a reference to ev. */
void gw_ctl_publish(enum ctl_event_kind kind, json_t *ev);

/* Closes every client and the socket, and removes the socket file. */
void gw_ctl_close(void);

#endif
