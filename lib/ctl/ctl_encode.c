/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the gateway writes in the control protocol (docs/control-protocol.md):
 * responses, the JSON of events (from the plain struct producers raise), and
 * lines. Pure (jansson only): fuzzed and unit tested alone.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl_proto.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* 15 significant digits print 0.1 s as 0.1, not 0.10000000000000001. */
#define DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))


/* {"ok": ok, "id": id}: "ok" first and the id next, so a reader finds both at a glance. */
static json_t *
response_new(json_t *id, bool ok)
{
	json_t *resp = json_object();

	if (resp == NULL)
		return NULL;
	if (json_object_set_new(resp, "ok", json_boolean(ok)) < 0 ||
	    (id != NULL && json_object_set(resp, "id", id) < 0)) {
		json_decref(resp);
		return NULL;
	}
	return resp;
}

json_t *
ctl_error_response(json_t *id, const char *msg)
{
	json_t *resp = response_new(id, false);
	char safe[CTL_ERR_LEN];
	json_t *text;

	if (resp == NULL)
		return NULL;
	if (msg == NULL)
		msg = "internal error";
	text = json_string(msg);
	/* jansson refuses invalid UTF-8; an error must still get its sentence out. */
	if (text == NULL) {
		size_t i, n = strnlen(msg, sizeof(safe) - 1);

		for (i = 0; i < n; i++)
			safe[i] = (unsigned char)msg[i] >= 0x20 && (unsigned char)msg[i] < 0x7f ?
				  msg[i] : '?';
		safe[n] = '\0';
		text = json_string(safe);
	}
	if (json_object_set_new(resp, "error", text) < 0) {
		json_decref(resp);
		return NULL;
	}
	return resp;
}

json_t *
ctl_ok_response(json_t *id)
{
	return response_new(id, true);
}

/* n addresses stored back to back in network order, as in queries and records. */
static json_t *
addr_list_json(const uint8_t *p, uint16_t n)
{
	json_t *list = json_array();
	uint32_t a;
	uint16_t i;

	if (list == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		memcpy(&a, p + (size_t)i * 4, sizeof(a));
		if (json_array_append_new(list, ctl_addr_json(a)) < 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

/* json_object_set_new() takes a NULL value as a failure: one check at the end covers all. */
static json_t *
event_new(enum ctl_event_kind kind, enum gw_role role)
{
	json_t *ev = json_object();

	if (ev == NULL)
		return NULL;
	if (json_object_set_new(ev, "event", json_string(ctl_event_name(kind))) < 0 ||
	    json_object_set_new(ev, "port", json_string(gw_role_name(role))) < 0) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

static json_t *
query_event(enum gw_role role, const struct igmp_ipv4 *ip, const struct igmp_msg *msg)
{
	json_t *ev = event_new(CTL_EV_QUERY, role);
	int bad = 0;

	if (ev == NULL)
		return NULL;
	bad |= json_object_set_new(ev, "querier", ctl_addr_json(ip->src));
	bad |= json_object_set_new(ev, "version", json_integer(msg->version));
	bad |= json_object_set_new(ev, "group", ctl_addr_json(msg->group));
	bad |= json_object_set_new(ev, "max_resp_time", json_real(msg->max_resp_ds / 10.0));
	if (msg->version == 3) {
		bad |= json_object_set_new(ev, "s_flag", json_boolean(msg->s_flag));
		bad |= json_object_set_new(ev, "qrv", json_integer(msg->qrv));
		bad |= json_object_set_new(ev, "qqic", json_integer(msg->qqi_s));
		bad |= json_object_set_new(ev, "sources",
					   addr_list_json(msg->sources, msg->n_sources));
	}
	if (bad != 0) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

/* {"group": G, "sources": [...]} plus "record" for v3 records (record_type < 0: none). */
static json_t *
item_json(uint32_t group, const uint8_t *sources, uint16_t n_sources, int record_type)
{
	json_t *item = json_object();
	int bad = 0;

	if (item == NULL)
		return NULL;
	bad |= json_object_set_new(item, "group", ctl_addr_json(group));
	bad |= json_object_set_new(item, "sources", addr_list_json(sources, n_sources));
	if (record_type >= 0)
		bad |= json_object_set_new(item, "record", ctl_record_type_json((uint8_t)record_type));
	if (bad != 0) {
		json_decref(item);
		return NULL;
	}
	return item;
}

static json_t *
report_event(enum gw_role role, const struct igmp_ipv4 *ip, const struct igmp_msg *msg)
{
	json_t *ev = event_new(CTL_EV_MEMBERSHIP_REPORT, role);
	json_t *items = json_array();
	struct igmp_record rec;
	const char *message;
	size_t pos = 0;
	int bad = 0;

	if (ev == NULL || items == NULL)
		goto fail;
	switch (msg->type) {
	case IGMP_TYPE_V1_REPORT:
		message = "v1_report";
		break;
	case IGMP_TYPE_V2_REPORT:
		message = "v2_report";
		break;
	case IGMP_TYPE_LEAVE:
		message = "leave";
		break;
	default:
		message = "v3_report";
		break;
	}
	if (msg->type == IGMP_TYPE_V3_REPORT) {
		while (igmp_record_next(msg, &pos, &rec))
			bad |= json_array_append_new(items, item_json(rec.group, rec.sources,
								      rec.n_sources, rec.type));
	} else {
		bad |= json_array_append_new(items, item_json(msg->group, NULL, 0, -1));
	}
	bad |= json_object_set_new(ev, "from", ctl_addr_json(ip->src));
	bad |= json_object_set_new(ev, "message", json_string(message));
	bad |= json_object_set_new(ev, "items", items);
	items = NULL;
	if (bad != 0)
		goto fail;
	return ev;
fail:
	json_decref(items);
	json_decref(ev);
	return NULL;
}

bool
ctl_event_of_igmp(enum gw_role role, const struct igmp_ipv4 *ip, const struct igmp_msg *msg,
		  struct ctl_event *ev)
{
	enum ctl_event_kind kind;

	if (ip == NULL || msg == NULL || ev == NULL)
		return false;
	switch (msg->type) {
	case IGMP_TYPE_QUERY:
		kind = CTL_EV_QUERY;
		break;
	case IGMP_TYPE_V1_REPORT:
	case IGMP_TYPE_V2_REPORT:
	case IGMP_TYPE_LEAVE:
	case IGMP_TYPE_V3_REPORT:
		kind = CTL_EV_MEMBERSHIP_REPORT;
		break;
	default:
		return false;
	}
	/* Whole: the fields this kind does not use (to: every subscriber) are zero. */
	*ev = (struct ctl_event){
		.kind = kind,
		.port = role,
		.group = msg->group,
		.ip = ip,
		.msg = msg,
	};
	return true;
}

/* {"event": "group_added", "port": P, "group": G}, and its group_removed twin. */
static json_t *
group_event(const struct ctl_event *e)
{
	json_t *ev = event_new(e->kind, e->port);

	if (ev == NULL)
		return NULL;
	if (json_object_set_new(ev, "group", ctl_addr_json(e->group)) < 0) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

json_t *
ctl_event_json(const struct ctl_event *ev)
{
	if (ev == NULL)
		return NULL;
	switch (ev->kind) {
	case CTL_EV_QUERY:
		return ev->ip != NULL && ev->msg != NULL ? query_event(ev->port, ev->ip, ev->msg) :
		       NULL;
	case CTL_EV_MEMBERSHIP_REPORT:
		return ev->ip != NULL && ev->msg != NULL ? report_event(ev->port, ev->ip, ev->msg) :
		       NULL;
	case CTL_EV_GROUP_ADDED:
	case CTL_EV_GROUP_REMOVED:
		return group_event(ev);
	case CTL_EV_LINK:
		return json_pack("{s:s, s:s, s:i, s:b}", "event", ctl_event_name(ev->kind), "port",
				 gw_role_name(ev->port), "vlan", ev->vlan, "up", ev->up);
	case CTL_EV_OUTSIDE_SELECTED:
		return json_pack("{s:s, s:s, s:s, s:s}", "event", ctl_event_name(ev->kind), "from",
				 gw_role_name(ev->from), "to", gw_role_name(ev->to_port), "reason",
				 ev->reason != NULL ? ev->reason : "");
	case CTL_EV_TRACE:
		return ev->trace != NULL ? ctl_trace_json(ev) : NULL;
	case CTL_EV_TRACE_END:
		return ctl_trace_end_json(ev);
	default:
		return NULL;
	}
}

json_t *
ctl_event_from_igmp(enum gw_role role, const struct igmp_ipv4 *ip, const struct igmp_msg *msg,
		    enum ctl_event_kind *kind)
{
	struct ctl_event e;
	json_t *ev;

	if (!ctl_event_of_igmp(role, ip, msg, &e))
		return NULL;
	ev = ctl_event_json(&e);
	if (ev != NULL && kind != NULL)
		*kind = e.kind;
	return ev;
}

json_t *
ctl_missed_event(uint64_t count)
{
	return json_pack("{s:s, s:I}", "event", IGMPGW_EVENT_NAME_MISSED, "count",
			 (json_int_t)count);
}

char *
ctl_dump_line(const json_t *obj, size_t *len)
{
	size_t n, m;
	char *line;

	if (obj == NULL)
		return NULL;
	/* Sized first, so the buffer is plain malloc whatever allocator jansson was given. */
	n = json_dumpb(obj, NULL, 0, DUMP_FLAGS);
	if (n == 0)
		return NULL;
	line = malloc(n + 2);
	if (line == NULL)
		return NULL;
	m = json_dumpb(obj, line, n, DUMP_FLAGS);
	if (m != n) {
		free(line);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	if (len != NULL)
		*len = n + 1;
	return line;
}
