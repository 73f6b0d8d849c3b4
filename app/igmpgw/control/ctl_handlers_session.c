/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control requests about what a client gets to see: the events its session
 * receives, the daemon's log levels, and a trace of the next IGMP packets.
 */
#include <stdio.h>

#include <rte_log.h>

#include "ctl_handlers.h"
#include "gw.h"
#include "trace.h"
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
	case CTL_EV_LINK:
		return true;
	case CTL_EV_OUTSIDE_SELECTED:
		return gw.port[GW_ROLE_ALT].present;
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

const char *
gw_ctl_trace(struct gw_ctl_call *call)
{
	const struct ctl_request *req = call->req;
	uint32_t ports = req->trace_ports;
	json_t *names = json_array();
	const char *error;

	for (int r = 0; r < GW_MAX_PORTS; r++) {
		if (ports != 0 && !(ports & (1u << r)))
			continue;
		if (ports != 0 && !gw.port[r].present) {
			snprintf(call->err, sizeof(call->err),
				 "there is no %s port: the config has no [%s] section", gw_role_name(r),
				 gw_role_name(r));
			json_decref(names);
			return call->err;
		}
		if (gw.port[r].present)
			json_array_append_new(names, json_string(gw_role_name(r)));
	}
	if (ports == 0)
		for (int r = 0; r < GW_MAX_PORTS; r++)
			ports |= gw.port[r].present ? 1u << r : 0;
	error = gw_trace_start(call->session, ports, req->trace_count);
	if (error != NULL) {
		json_decref(names);
		return error;
	}
	json_object_set_new(call->resp, "ports", names);
	json_object_set_new(call->resp, "count", json_integer(req->trace_count));
	return NULL;
}
