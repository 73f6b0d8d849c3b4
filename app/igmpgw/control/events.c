/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event sink: a short list of subscribers, and the debug log line of each
 * event ("event {...}", its protocol JSON), which works without any client.
 */
#include <errno.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_log.h>

#include "events.h"
#include "gw.h"

#define GW_LOG_PART control

/* The control socket, and room for the next surfaces (metrics, a second socket). */
#define GW_EVENT_SINKS 4

static struct {
	gw_event_sink_fn fn;
	void *arg;
} sinks[GW_EVENT_SINKS];

int
gw_events_subscribe(gw_event_sink_fn fn, void *arg)
{
	for (unsigned int i = 0; i < RTE_DIM(sinks); i++) {
		if (sinks[i].fn != NULL)
			continue;
		sinks[i].fn = fn;
		sinks[i].arg = arg;
		return 0;
	}
	return -ENOSPC;
}

void
gw_events_unsubscribe(gw_event_sink_fn fn, void *arg)
{
	for (unsigned int i = 0; i < RTE_DIM(sinks); i++)
		if (sinks[i].fn == fn && sinks[i].arg == arg)
			sinks[i].fn = NULL;
}

void
gw_event_raise(const struct ctl_event *ev)
{
	if (rte_log_can_log(gw_logtype_control, RTE_LOG_DEBUG)) {
		json_t *o = ctl_event_json(ev);
		char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

		GW_LOG(DEBUG, "event %s", text != NULL ? text : "?");
		free(text);
		json_decref(o);
	}
	for (unsigned int i = 0; i < RTE_DIM(sinks); i++)
		if (sinks[i].fn != NULL)
			sinks[i].fn(ev, sinks[i].arg);
}
