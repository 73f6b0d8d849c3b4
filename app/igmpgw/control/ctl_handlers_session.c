/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control requests about what a client gets to see: the events its session
 * receives, and the daemon's log levels.
 */
#include <rte_log.h>

#include "ctl_handlers.h"
#include "gw.h"
#include "tracking.h"

#define GW_LOG_PART ctl

/* Whether events of kind come at all with this config. */
static bool
event_switch_on(enum ctl_event_kind kind)
{
	switch (kind) {
	case CTL_EV_QUERY:
		return gw.cfg.igmp.query_notify;
	case CTL_EV_MEMBERSHIP_REPORT:
		return gw.cfg.igmp.membership_reports_from_network;
	case CTL_EV_GROUP_ADDED:
	case CTL_EV_GROUP_REMOVED:
		return gw_tracking_enabled();
	default:
		return false;
	}
}

const char *
gw_ctl_subscribe(struct gw_ctl_call *call)
{
	const struct ctl_request *req = call->req;
	uint32_t *mask = &call->session->events;
	json_t *events = json_array();
	json_t *inactive = json_array();

	if (req->cmd == CTL_SUBSCRIBE)
		*mask |= req->events;
	else
		*mask &= ~req->events;
	for (int k = 0; k < CTL_EV_COUNT; k++) {
		if (!(*mask & (1u << k)))
			continue;
		json_array_append_new(events, json_string(ctl_event_name(k)));
		if (!event_switch_on(k))
			json_array_append_new(inactive, json_string(ctl_event_name(k)));
	}
	json_object_set_new(call->resp, "events", events);
	if (req->cmd == CTL_SUBSCRIBE)
		json_object_set_new(call->resp, "inactive", inactive);
	else
		json_decref(inactive);
	return NULL;
}

const char *
gw_ctl_log_level(struct gw_ctl_call *call)
{
	const struct ctl_request *req = call->req;

	if (rte_log_set_level_pattern(req->log_type, (uint32_t)req->log_level) < 0)
		return "cannot set that log level";
	GW_LOG(NOTICE, "log level of %s set to %d (control request)", req->log_type,
	       req->log_level);
	return NULL;
}
