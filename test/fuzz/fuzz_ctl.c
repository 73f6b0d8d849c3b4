/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the control protocol (lib/ctl/ctl_proto.h), all three
 * directions:
 *  - requests: any line goes through ctl_request_parse(); an error is one
 *    printable sentence, a request that parses is written back in the
 *    documented form and must parse to the same request again;
 *  - responses: the error and ok responses built for it (with its id) are one
 *    compact line that reads back as the same object;
 *  - events: the input as an IPv4 packet (checksums repaired) that parses
 *    raises the documented event on every role, one line, reading back whole.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ctl_proto.h"
#include "fuzz_common.h"

static struct ctl_request req, again;
static uint8_t pkt[UINT16_MAX + 1];

static void
check_error_text(const char *err)
{
	size_t i, n = strnlen(err, CTL_ERR_LEN);

	FUZZ_ASSERT(n > 0 && n < CTL_ERR_LEN);
	for (i = 0; i < n; i++)
		FUZZ_ASSERT((unsigned char)err[i] >= 0x20 && (unsigned char)err[i] < 0x7f);
}

/* jansson writes reals with 15 digits: only ids without reals read back exactly. */
static bool
has_real(const json_t *v)
{
	const char *key;
	json_t *e;
	size_t i;

	if (json_is_real(v))
		return true;
	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if (has_real(e))
				return true;
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, e)
			if (has_real(e))
				return true;
	}
	return false;
}

/* obj must go out as one compact line and read back as itself. */
static void
check_line(const json_t *obj)
{
	json_t *back;
	size_t len = 0;
	char *line;

	FUZZ_ASSERT(obj != NULL);
	line = ctl_dump_line(obj, &len);
	FUZZ_ASSERT(line != NULL && len >= 2);
	FUZZ_ASSERT(line[len - 1] == '\n' && line[len] == '\0');
	FUZZ_ASSERT(memchr(line, '\n', len - 1) == NULL);
	back = json_loadb(line, len - 1, JSON_REJECT_DUPLICATES, NULL);
	FUZZ_ASSERT(json_is_object(back));
	if (!has_real(obj))
		FUZZ_ASSERT(json_equal(back, obj));
	json_decref(back);
	free(line);
}

static json_t *
addr_string(uint32_t a)
{
	char text[INET_ADDRSTRLEN];

	FUZZ_ASSERT(inet_ntop(AF_INET, &a, text, sizeof(text)) != NULL);
	return json_string(text);
}

static bool
string_is_addr(const json_t *v, uint32_t a)
{
	uint32_t got;

	return json_is_string(v) && inet_pton(AF_INET, json_string_value(v), &got) == 1 &&
	       got == a;
}

/* The request in the documented form, as a client that means it would write it. */
static json_t *
canonical(const struct ctl_request *r)
{
	json_t *o = json_object(), *items, *item, *srcs, *evs;
	uint16_t i, j;
	int k;

	json_object_set_new(o, "cmd", json_string(ctl_cmd_name(r->cmd)));
	switch (r->cmd) {
	case CTL_SELECT_OUTSIDE:
		json_object_set_new(o, "port", json_string(gw_role_name(r->port)));
		break;
	case CTL_REPORT:
	case CTL_LEAVE:
		items = json_array();
		for (i = 0; i < r->n_items; i++) {
			item = json_object();
			srcs = json_array();
			json_object_set_new(item, "group", addr_string(r->items[i].group));
			for (j = 0; j < r->items[i].n_sources; j++)
				json_array_append_new(srcs, addr_string(r->items[i].sources[j]));
			json_object_set_new(item, "sources", srcs);
			json_array_append_new(items, item);
		}
		json_object_set_new(o, "items", items);
		break;
	case CTL_SUBSCRIBE:
	case CTL_UNSUBSCRIBE:
		evs = json_array();
		for (k = 0; k < CTL_EV_COUNT; k++)
			if (r->events & (UINT32_C(1) << k))
				json_array_append_new(evs, json_string(ctl_event_name(k)));
		json_object_set_new(o, "events", evs);
		break;
	case CTL_LOG_LEVEL:
		json_object_set_new(o, "level", json_integer(r->log_level));
		json_object_set_new(o, "type", json_string(r->log_type));
		break;
	case CTL_GROUPS:
		if (r->paged) {
			char cur[IGMPGW_CURSOR_LEN];

			FUZZ_ASSERT(ctl_cursor_format(&r->cursor, cur, sizeof(cur)) > 0);
			json_object_set_new(o, "limit", json_integer(r->limit));
			json_object_set_new(o, "cursor", json_string(cur));
		}
		break;
	default:
		break;
	}
	return o;
}

/* What a parsed request may hold, whatever the line was. */
static void
check_request(const struct ctl_request *r)
{
	uint16_t i, j, k;

	FUZZ_ASSERT((unsigned int)r->cmd < CTL_CMD_COUNT);
	FUZZ_ASSERT(r->port == GW_ROLE_OUTSIDE || r->port == GW_ROLE_ALT);
	FUZZ_ASSERT(r->n_items <= IGMPGW_MAX_ITEMS);
	if (r->cmd == CTL_REPORT || r->cmd == CTL_LEAVE)
		FUZZ_ASSERT(r->n_items > 0);
	for (i = 0; i < r->n_items; i++) {
		const struct ctl_item *it = &r->items[i];

		FUZZ_ASSERT(igmp_is_multicast(it->group) && !igmp_is_link_local_group(it->group));
		FUZZ_ASSERT(it->n_sources <= IGMPGW_MAX_SOURCES);
		for (j = 0; j < it->n_sources; j++) {
			FUZZ_ASSERT(it->sources[j] != 0 && it->sources[j] != UINT32_MAX &&
				    !igmp_is_multicast(it->sources[j]));
			for (k = 0; k < j; k++)
				FUZZ_ASSERT(it->sources[k] != it->sources[j]);
		}
	}
	FUZZ_ASSERT(r->events < (UINT32_C(1) << CTL_EV_COUNT));
	if (r->cmd == CTL_SUBSCRIBE || r->cmd == CTL_UNSUBSCRIBE)
		FUZZ_ASSERT(r->events != 0);
	if (r->cmd == CTL_LOG_LEVEL)
		FUZZ_ASSERT(r->log_level >= 1 && r->log_level <= 8);
	FUZZ_ASSERT(memchr(r->log_type, '\0', sizeof(r->log_type)) != NULL);
	if (r->cmd == CTL_GROUPS) {
		/* Any role: the groups view pages over outside and alt too (static joins, routes). */
		FUZZ_ASSERT((unsigned int)r->cursor.port < GW_MAX_PORTS);
		FUZZ_ASSERT(r->limit >= 1 && r->limit <= IGMPGW_GROUPS_PAGE_MAX);
	}
}

static void
check_same_request(const struct ctl_request *a, const struct ctl_request *b)
{
	uint16_t i;

	FUZZ_ASSERT(a->cmd == b->cmd && a->n_items == b->n_items && a->events == b->events);
	if (a->cmd == CTL_SELECT_OUTSIDE)
		FUZZ_ASSERT(a->port == b->port);
	if (a->cmd == CTL_LOG_LEVEL)
		FUZZ_ASSERT(a->log_level == b->log_level &&
			    strcmp(a->log_type, b->log_type) == 0);
	if (a->cmd == CTL_GROUPS)
		FUZZ_ASSERT(a->paged == b->paged && a->limit == b->limit &&
			    a->cursor.port == b->cursor.port && a->cursor.group == b->cursor.group);
	for (i = 0; i < a->n_items; i++) {
		FUZZ_ASSERT(a->items[i].group == b->items[i].group);
		FUZZ_ASSERT(a->items[i].n_sources == b->items[i].n_sources);
		FUZZ_ASSERT(memcmp(a->items[i].sources, b->items[i].sources,
				   a->items[i].n_sources * sizeof(uint32_t)) == 0);
	}
}

static void
check_responses(const json_t *id, const char *err)
{
	json_t *resp;

	resp = ctl_error_response((json_t *)id, err);
	FUZZ_ASSERT(resp != NULL);
	FUZZ_ASSERT(json_is_false(json_object_get(resp, "ok")));
	FUZZ_ASSERT(json_is_string(json_object_get(resp, "error")));
	if (id != NULL)
		FUZZ_ASSERT(json_equal(json_object_get(resp, "id"), (json_t *)id));
	check_line(resp);
	json_decref(resp);

	resp = ctl_ok_response((json_t *)id);
	FUZZ_ASSERT(resp != NULL && json_is_true(json_object_get(resp, "ok")));
	check_line(resp);
	json_decref(resp);
}

static void
fuzz_request(const uint8_t *data, size_t size)
{
	char err[CTL_ERR_LEN], small[8], text[CTL_ERR_LEN];
	json_t *canon;
	char *line;
	size_t len;
	int ret, ret2;

	ret = ctl_request_parse((const char *)data, size, &req, err, sizeof(err));
	if (ret < 0) {
		check_error_text(err);
		check_responses(req.id, err);
	} else {
		FUZZ_ASSERT(ret == 0);
		check_request(&req);
		check_responses(req.id, NULL);
		canon = canonical(&req);
		line = ctl_dump_line(canon, &len);
		FUZZ_ASSERT(line != NULL);
		ret2 = ctl_request_parse(line, len - 1, &again, err, sizeof(err));
		if (ret2 != 0)
			fprintf(stderr, "canonical form refused: %s: %s", err, line);
		FUZZ_ASSERT(ret2 == 0);
		check_same_request(&req, &again);
		ctl_request_release(&again);
		free(line);
		json_decref(canon);
	}
	ctl_request_release(&req);

	/* A caller without room for the sentence gets the same verdict, cut or not at all. */
	FUZZ_ASSERT(ctl_request_parse((const char *)data, size, &req, NULL, 0) == ret);
	ctl_request_release(&req);
	FUZZ_ASSERT(ctl_request_parse((const char *)data, size, &req, small, sizeof(small)) == ret);
	FUZZ_ASSERT(memchr(small, '\0', sizeof(small)) != NULL);
	ctl_request_release(&req);

	/* Any text as an error message, invalid UTF-8 included, still makes a response. */
	len = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
	memcpy(text, data, len);
	text[len] = '\0';
	check_responses(NULL, text);
}

static void
check_event(enum gw_role role, const struct igmp_ipv4 *ip, const struct igmp_msg *msg)
{
	enum ctl_event_kind kind = CTL_EV_COUNT;
	struct igmp_record rec;
	json_t *ev, *items, *item;
	size_t pos = 0, i = 0;

	ev = ctl_event_from_igmp(role, ip, msg, &kind);
	switch (msg->type) {
	case IGMP_TYPE_QUERY:
		FUZZ_ASSERT(ev != NULL && kind == CTL_EV_QUERY);
		FUZZ_ASSERT(string_is_addr(json_object_get(ev, "querier"), ip->src));
		FUZZ_ASSERT(string_is_addr(json_object_get(ev, "group"), msg->group));
		FUZZ_ASSERT(json_integer_value(json_object_get(ev, "version")) == msg->version);
		if (msg->version == 3)
			FUZZ_ASSERT(json_array_size(json_object_get(ev, "sources")) ==
				    msg->n_sources);
		break;
	case IGMP_TYPE_V1_REPORT:
	case IGMP_TYPE_V2_REPORT:
	case IGMP_TYPE_LEAVE:
	case IGMP_TYPE_V3_REPORT:
		FUZZ_ASSERT(ev != NULL && kind == CTL_EV_MEMBERSHIP_REPORT);
		FUZZ_ASSERT(string_is_addr(json_object_get(ev, "from"), ip->src));
		items = json_object_get(ev, "items");
		if (msg->type != IGMP_TYPE_V3_REPORT) {
			FUZZ_ASSERT(json_array_size(items) == 1);
			FUZZ_ASSERT(string_is_addr(json_object_get(json_array_get(items, 0), "group"),
						   msg->group));
			break;
		}
		FUZZ_ASSERT(json_array_size(items) == msg->n_records);
		while (igmp_record_next(msg, &pos, &rec)) {
			item = json_array_get(items, i++);
			FUZZ_ASSERT(string_is_addr(json_object_get(item, "group"), rec.group));
			FUZZ_ASSERT(json_array_size(json_object_get(item, "sources")) ==
				    rec.n_sources);
			/* Types RFC 3376 names by name, the others by number. */
			if (rec.type >= IGMP_REC_IS_IN && rec.type <= IGMP_REC_BLOCK)
				FUZZ_ASSERT(json_is_string(json_object_get(item, "record")));
			else
				FUZZ_ASSERT(json_integer_value(json_object_get(item, "record")) ==
					    rec.type);
		}
		break;
	default:
		FUZZ_ASSERT(ev == NULL);
		return;
	}
	FUZZ_ASSERT(json_is_string(json_object_get(ev, "event")));
	FUZZ_ASSERT(strcmp(json_string_value(json_object_get(ev, "event")),
			   ctl_event_name(kind)) == 0);
	FUZZ_ASSERT(strcmp(json_string_value(json_object_get(ev, "port")),
			   gw_role_name(role)) == 0);
	check_line(ev);
	json_decref(ev);
}

static void
fuzz_event(const uint8_t *data, size_t size)
{
	static const enum gw_role roles[] = { GW_ROLE_OUTSIDE, GW_ROLE_ALT, GW_ROLE_INSIDE,
					      GW_ROLE_INSIDE + GW_MAX_INSIDE - 1 };
	struct igmp_ipv4 ip;
	struct igmp_msg msg;
	size_t i;

	FUZZ_ASSERT(ctl_event_from_igmp(GW_ROLE_OUTSIDE, NULL, NULL, NULL) == NULL);
	if (size > sizeof(pkt))
		return;
	memcpy(pkt, data, size);
	fuzz_repair_ipv4(pkt, size);
	if (igmp_packet_parse(pkt, size, &ip, &msg) != IGMP_OK)
		return;
	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		check_event(roles[i], &ip, &msg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_request(data, size);
	fuzz_event(data, size);
	return 0;
}
