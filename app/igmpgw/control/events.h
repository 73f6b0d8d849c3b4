/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's event sink. Events flow one way: producers (the main loop's
 * packet events, tracking's group events) raise a struct ctl_event here and
 * know nothing of who listens; subscribers (the control socket) take it and
 * shape it as they need. Main lcore only.
 */
#ifndef IGMPGW_EVENTS_H
#define IGMPGW_EVENTS_H

#include "ctl_proto.h"

/* Called for every event raised; ev lives for the call only. */
typedef void (*gw_event_sink_fn)(const struct ctl_event *ev, void *arg);

/* Adds a subscriber: 0, or -ENOSPC when GW_EVENT_SINKS are taken. */
int gw_events_subscribe(gw_event_sink_fn fn, void *arg);

/* Removes the subscriber fn with arg; no-op when it is not there. */
void gw_events_unsubscribe(gw_event_sink_fn fn, void *arg);

/* Hands ev to every subscriber, in subscription order; logs it at debug level. */
void gw_event_raise(const struct ctl_event *ev);

#endif
