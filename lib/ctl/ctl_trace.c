/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The trace request's events (docs/control-protocol.md, "trace"): one line
 * per IGMP packet traced, what came in and the decision with its reason (the
 * counter it was counted under), and a last line when the trace is over.
 */
#include <jansson.h>

#include "ctl_proto.h"

static json_t *
record_json(const struct igmp_trace_group *g)
{
	return json_pack("{s:o, s:o, s:i}", "record", ctl_record_type_json(g->type), "group",
			 ctl_addr_json(g->group), "sources", (int)g->n_sources);
}

static const char *
egress_name(const struct igmp_trace_rec *r)
{
	switch (r->egress) {
	case PROXY_EGRESS_INSIDE:
		return "inside";
	case PROXY_EGRESS_ACTIVE_OUTSIDE:
		return "active_outside";
	default:
		return NULL;
	}
}

json_t *
ctl_trace_json(const struct ctl_event *ev)
{
	const struct igmp_trace_rec *r = ev->trace;
	json_t *o = json_object();
	int bad = 0;

	if (o == NULL)
		return NULL;
	bad |= json_object_set_new(o, "event", json_string(IGMPGW_EVENT_NAME_TRACE));
	bad |= json_object_set_new(o, "port", json_string(gw_role_name((enum gw_role)r->role)));
	bad |= json_object_set_new(o, "time", json_real(ev->seconds));
	bad |= json_object_set_new(o, "from", ctl_addr_json(r->src));
	bad |= json_object_set_new(o, "to", ctl_addr_json(r->dst));
	bad |= json_object_set_new(o, "message", json_string(igmp_type_name(r->type)));
	bad |= json_object_set_new(o, "type", json_integer(r->type));
	if (r->version != 0)
		bad |= json_object_set_new(o, "version", json_integer(r->version));
	bad |= json_object_set_new(o, "length", json_integer(r->len));
	if (r->type == IGMP_TYPE_V3_REPORT && r->wire_error == IGMP_OK) {
		json_t *list = json_array();

		for (uint8_t i = 0; i < r->n_groups; i++)
			bad |= json_array_append_new(list, record_json(&r->groups[i]));
		bad |= json_object_set_new(o, "records", list);
		bad |= json_object_set_new(o, "n_records", json_integer(r->n_items));
	} else {
		bad |= json_object_set_new(o, "group", ctl_addr_json(r->group));
		if (r->type == IGMP_TYPE_QUERY && r->version == 3)
			bad |= json_object_set_new(o, "sources", json_integer(r->n_items));
	}
	bad |= json_object_set_new(o, "decision",
				   json_string(igmp_trace_sent(r) ? "sent" : "dropped"));
	bad |= json_object_set_new(o, "reason", json_string(igmp_trace_reason_name(r)));
	bad |= json_object_set_new(o, "stage",
				   json_string(r->wire_error != IGMP_OK ? "wire" : "proxy"));
	if (igmp_trace_sent(r)) {
		bad |= json_object_set_new(o, "egress", json_string(egress_name(r)));
		bad |= json_object_set_new(o, "egress_to", ctl_addr_json(r->egress_dst));
	}
	if (bad != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
ctl_trace_end_json(const struct ctl_event *ev)
{
	return json_pack("{s:s, s:I, s:I}", "event", IGMPGW_EVENT_NAME_TRACE_END, "traced",
			 (json_int_t)ev->traced, "dropped", (json_int_t)ev->dropped);
}
