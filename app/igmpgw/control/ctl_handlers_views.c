/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control requests that show the gateway: status and stats (the views of
 * views.c, as telemetry shows them too) and the groups view (groups_view.c).
 */
#include <jansson.h>

#include "ctl_handlers.h"
#include "groups_view.h"
#include "views.h"

const char *
gw_ctl_status(struct gw_ctl_call *call)
{
	json_object_update_new(call->resp, gw_view_status());
	return NULL;
}

/* The stats view, and the control socket's own counters. */
const char *
gw_ctl_stats(struct gw_ctl_call *call)
{
	const struct gw_ctl_server_stats *s = call->server;

	json_object_set_new(call->resp, "ports", gw_view_stats());
	json_object_set_new(call->resp, "control",
			    json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "clients", (int)s->clients,
				      "events_sent", (json_int_t)s->events_sent, "events_dropped",
				      (json_int_t)s->events_dropped, "clients_refused",
				      (json_int_t)s->clients_refused, "clients_timed_out",
				      (json_int_t)s->clients_timed_out, "requests_refused",
				      (json_int_t)s->requests_refused, "clients_denied",
				      (json_int_t)s->clients_denied, "requests_denied",
				      (json_int_t)s->requests_denied));
	return NULL;
}

/* The groups view (tracked, asked, static), written by the server a slice at a time. */
const char *
gw_ctl_groups(struct gw_ctl_call *call)
{
	json_object_update_new(call->resp, gw_groups_modes());
	call->table_key = "groups";
	call->table_next = gw_groups_next;
	return NULL;
}
