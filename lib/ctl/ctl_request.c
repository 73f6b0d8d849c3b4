/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control protocol's requests (docs/control-protocol.md): a line
 * validated into struct ctl_request, with one clear sentence per mistake that
 * quotes the client's own bytes safely. No sockets, no EAL: fuzzed and unit
 * tested alone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl_proto.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A client's value quoted back in an error: long enough to recognise, short enough to fit. */
#define QUOTE_MAX 40
#define QUOTE_LEN (QUOTE_MAX * 4 + 4)
/* jansson's own sentence, which may quote the offending token. */
#define JERR_QUOTE_MAX 120
#define PATH_LEN 64

static const char *const cmd_names[CTL_CMD_COUNT] = {
#define CTL_CMD_NAME(code, name, level) [CTL_##code] = name,
	IGMPGW_COMMANDS(CTL_CMD_NAME)
#undef CTL_CMD_NAME
};

/* The privilege table: each request's level, from its line in the protocol's list. */
static const enum ctl_level cmd_levels[CTL_CMD_COUNT] = {
#define CTL_CMD_LEVEL(code, name, level) [CTL_##code] = CTL_LEVEL_##level,
	IGMPGW_COMMANDS(CTL_CMD_LEVEL)
#undef CTL_CMD_LEVEL
};

static const char *const event_names[CTL_EV_COUNT] = {
#define CTL_EV_NAME(code, name, key) [CTL_EV_##code] = name,
	IGMPGW_EVENTS(CTL_EV_NAME)
#undef CTL_EV_NAME
};

/* Index is level - IGMPGW_LOG_LEVEL_MIN; the names are rte_log's own (RTE_LOG_ERR is "err"). */
static const char *const level_names[] = {
#define CTL_LEVEL_NAME(code, name) name,
	IGMPGW_LOG_LEVELS(CTL_LEVEL_NAME)
#undef CTL_LEVEL_NAME
};

const char *
ctl_cmd_name(enum ctl_cmd cmd)
{
	return (unsigned int)cmd < CTL_CMD_COUNT ? cmd_names[cmd] : "unknown";
}

enum ctl_level
ctl_cmd_level(enum ctl_cmd cmd)
{
	return (unsigned int)cmd < CTL_CMD_COUNT ? cmd_levels[cmd] : CTL_LEVEL_ADMIN;
}

const char *
ctl_event_name(enum ctl_event_kind kind)
{
	if (kind == CTL_EV_TRACE)
		return IGMPGW_EVENT_NAME_TRACE;
	if (kind == CTL_EV_TRACE_END)
		return IGMPGW_EVENT_NAME_TRACE_END;
	return (unsigned int)kind < CTL_EV_COUNT ? event_names[kind] : "unknown";
}

static int
fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && err_len > 0) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/*
 * Copies a client's bytes for an error message: printable ASCII as is, the
 * rest as \xNN, cut after QUOTE_MAX bytes. The result is always one line of
 * valid UTF-8, so the error itself can be sent back as a JSON string.
 */
static const char *
quote(char *out, size_t cap, const char *s, size_t len, size_t max)
{
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; i < len && i < max && o + 5 < cap; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			snprintf(out + o, cap - o, "\\x%02x", c);
			o += 4;
		}
	}
	if (i < len && o + 4 <= cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

static const char *
quote_str(char *out, size_t cap, const json_t *s)
{
	return quote(out, cap, json_string_value(s), json_string_length(s), QUOTE_MAX);
}

/* What a client sent instead, for "must be X, not Y" sentences. */
static const char *
type_desc(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "a list";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	case JSON_NULL:
	default:
		return "null";
	}
}

/* "a, b, c": the choices in an error come from the same tables the parser uses. */
static const char *
names_join(char *out, size_t cap, const char *const *names, size_t n)
{
	size_t i, o = 0;
	int w;

	out[0] = '\0';
	for (i = 0; i < n && o < cap; i++) {
		w = snprintf(out + o, cap - o, "%s%s", i > 0 ? ", " : "", names[i]);
		if (w < 0)
			break;
		o += (size_t)w;
	}
	return out;
}

/* Index of the JSON string s in names, or -1. */
static int
name_lookup(const json_t *s, const char *const *names, size_t n)
{
	const char *v = json_string_value(s);
	size_t len = json_string_length(s);
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], v, len) == 0)
			return (int)i;
	return -1;
}

static bool
is_blank(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r' && line[i] != '\n')
			return false;
	return true;
}

static bool
addr_is_unicast_source(uint32_t a)
{
	return a != htonl(INADDR_ANY) && a != htonl(INADDR_BROADCAST) && !igmp_is_multicast(a);
}

/* A dotted quad string at path, e.g. "items[3].group". */
static int
addr_parse(const json_t *v, const char *path, uint32_t *addr, char *err, size_t err_len)
{
	char text[INET_ADDRSTRLEN];
	char q[QUOTE_LEN];
	size_t len;

	if (!json_is_string(v))
		return fail(err, err_len, "%s must be an IPv4 address string, not %s", path,
			    type_desc(v));
	len = json_string_length(v);
	/* inet_pton is strict (four decimal parts, no leading zeros) and reads a C string. */
	if (len >= sizeof(text) || strlen(json_string_value(v)) != len)
		goto bad;
	memcpy(text, json_string_value(v), len + 1);
	if (inet_pton(AF_INET, text, addr) == 1)
		return 0;
bad:
	return fail(err, err_len, "%s: '%s' is not an IPv4 address", path,
		    quote_str(q, sizeof(q), v));
}

static int
port_parse(const json_t *root, struct ctl_request *req, char *err, size_t err_len)
{
	const char *const choices[] = {
		gw_role_name(GW_ROLE_OUTSIDE),
		gw_role_name(GW_ROLE_ALT),
	};
	const enum gw_role roles[] = { GW_ROLE_OUTSIDE, GW_ROLE_ALT };
	const json_t *port = json_object_get(root, "port");
	char q[QUOTE_LEN];
	int i;

	if (port == NULL)
		return fail(err, err_len, "missing \"port\": it must be \"%s\" or \"%s\"",
			    choices[0], choices[1]);
	if (!json_is_string(port))
		return fail(err, err_len, "\"port\" must be \"%s\" or \"%s\", not %s",
			    choices[0], choices[1], type_desc(port));
	i = name_lookup(port, choices, ARRAY_LEN(choices));
	if (i < 0)
		return fail(err, err_len, "\"port\" must be \"%s\" or \"%s\", not '%s'",
			    choices[0], choices[1], quote_str(q, sizeof(q), port));
	req->port = roles[i];
	return 0;
}

static int
sources_parse(const json_t *sources, size_t idx, struct ctl_item *item, char *err,
	      size_t err_len)
{
	char path[PATH_LEN];
	char q[QUOTE_LEN];
	const json_t *s;
	size_t i, j, n;
	uint32_t a;
	int ret;

	/* Go clients marshal an empty slice as null: it means "no sources" too. */
	if (sources == NULL || json_is_null(sources))
		return 0;
	if (!json_is_array(sources))
		return fail(err, err_len,
			    "items[%zu].sources must be a list of IPv4 addresses, not %s", idx,
			    type_desc(sources));
	n = json_array_size(sources);
	if (n > IGMPGW_MAX_SOURCES)
		return fail(err, err_len, "items[%zu].sources: at most %d sources (got %zu)", idx,
			    IGMPGW_MAX_SOURCES, n);
	json_array_foreach(sources, i, s) {
		snprintf(path, sizeof(path), "items[%zu].sources[%zu]", idx, i);
		ret = addr_parse(s, path, &a, err, err_len);
		if (ret < 0)
			return ret;
		if (!addr_is_unicast_source(a))
			return fail(err, err_len, "%s: '%s' is not a unicast address", path,
				    quote_str(q, sizeof(q), s));
		/* A source listed twice would be counted twice in an IGMPv3 record. */
		for (j = 0; j < i; j++)
			if (item->sources[j] == a)
				return fail(err, err_len, "%s: '%s' is listed twice", path,
					    quote_str(q, sizeof(q), s));
		item->sources[i] = a;
	}
	item->n_sources = (uint16_t)n;
	return 0;
}

static int
item_parse(const json_t *it, size_t idx, struct ctl_item *item, char *err, size_t err_len)
{
	const json_t *group;
	char path[PATH_LEN];
	char q[QUOTE_LEN];
	int ret;

	if (!json_is_object(it))
		return fail(err, err_len,
			    "items[%zu] must be an object like {\"group\": \"232.1.1.1\"}, not %s",
			    idx, type_desc(it));
	group = json_object_get(it, "group");
	if (group == NULL)
		return fail(err, err_len, "items[%zu]: missing \"group\"", idx);
	snprintf(path, sizeof(path), "items[%zu].group", idx);
	ret = addr_parse(group, path, &item->group, err, err_len);
	if (ret < 0)
		return ret;
	if (!igmp_is_multicast(item->group))
		return fail(err, err_len, "%s: '%s' is not a multicast address (224.0.0.0/4)", path,
			    quote_str(q, sizeof(q), group));
	if (igmp_is_link_local_group(item->group))
		return fail(err, err_len,
			    "%s: '%s' is a link-local control group (224.0.0.0/24), which clients cannot join or leave",
			    path, quote_str(q, sizeof(q), group));
	return sources_parse(json_object_get(it, "sources"), idx, item, err, err_len);
}

static int
items_parse(const json_t *root, struct ctl_request *req, char *err, size_t err_len)
{
	const json_t *items = json_object_get(root, "items");
	const json_t *it;
	size_t i, n;
	int ret;

	if (items == NULL)
		return fail(err, err_len,
			    "missing \"items\": a non-empty list of at most %d items",
			    IGMPGW_MAX_ITEMS);
	if (!json_is_array(items))
		return fail(err, err_len,
			    "\"items\" must be a non-empty list of at most %d items, not %s",
			    IGMPGW_MAX_ITEMS, type_desc(items));
	n = json_array_size(items);
	if (n == 0 || n > IGMPGW_MAX_ITEMS)
		return fail(err, err_len,
			    "\"items\" must be a non-empty list of at most %d items (got %zu)",
			    IGMPGW_MAX_ITEMS, n);
	json_array_foreach(items, i, it) {
		ret = item_parse(it, i, &req->items[i], err, err_len);
		if (ret < 0)
			return ret;
	}
	req->n_items = (uint16_t)n;
	return 0;
}

static int
events_parse(const json_t *root, struct ctl_request *req, char *err, size_t err_len)
{
	const json_t *events = json_object_get(root, "events");
	char names[128];
	char q[QUOTE_LEN];
	const json_t *e;
	size_t i;
	int k;

	names_join(names, sizeof(names), event_names, CTL_EV_COUNT);
	if (events == NULL)
		return fail(err, err_len, "missing \"events\": a non-empty list of %s", names);
	if (!json_is_array(events))
		return fail(err, err_len, "\"events\" must be a non-empty list of %s, not %s",
			    names, type_desc(events));
	if (json_array_size(events) == 0)
		return fail(err, err_len, "\"events\" must be a non-empty list of %s, not []",
			    names);
	json_array_foreach(events, i, e) {
		if (!json_is_string(e))
			return fail(err, err_len, "events[%zu] must be one of %s, not %s", i, names,
				    type_desc(e));
		k = name_lookup(e, event_names, CTL_EV_COUNT);
		if (k < 0)
			return fail(err, err_len, "events[%zu]: unknown event '%s' (one of %s)", i,
				    quote_str(q, sizeof(q), e), names);
		req->events |= UINT32_C(1) << k;
	}
	return 0;
}

/* rte_log takes globs and regexes; a pattern is printable, without spaces. */
static bool
log_type_ok(const json_t *t)
{
	const char *s = json_string_value(t);
	size_t len = json_string_length(t);
	size_t i;

	if (len == 0 || len >= sizeof(((struct ctl_request *)NULL)->log_type))
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

static int
log_level_parse(const json_t *root, struct ctl_request *req, char *err, size_t err_len)
{
	const json_t *level = json_object_get(root, "level");
	const json_t *type = json_object_get(root, "type");
	const int max = IGMPGW_LOG_LEVEL_MIN + (int)ARRAY_LEN(level_names) - 1;
	char names[128];
	char q[QUOTE_LEN];
	json_int_t v;
	int i;

	names_join(names, sizeof(names), level_names, ARRAY_LEN(level_names));
	if (level == NULL)
		return fail(err, err_len, "missing \"level\": one of %s, or %d..%d", names,
			    IGMPGW_LOG_LEVEL_MIN, max);
	if (json_is_integer(level)) {
		v = json_integer_value(level);
		if (v < IGMPGW_LOG_LEVEL_MIN || v > max)
			return fail(err, err_len, "\"level\" must be one of %s, or %d..%d, not %lld",
				    names, IGMPGW_LOG_LEVEL_MIN, max, (long long)v);
		req->log_level = (int)v;
	} else if (json_is_string(level)) {
		i = name_lookup(level, level_names, ARRAY_LEN(level_names));
		if (i < 0)
			return fail(err, err_len, "\"level\": unknown level '%s' (one of %s, or %d..%d)",
				    quote_str(q, sizeof(q), level), names, IGMPGW_LOG_LEVEL_MIN, max);
		req->log_level = IGMPGW_LOG_LEVEL_MIN + i;
	} else {
		return fail(err, err_len, "\"level\" must be one of %s, or %d..%d, not %s", names,
			    IGMPGW_LOG_LEVEL_MIN, max, type_desc(level));
	}

	if (type == NULL || json_is_null(type))
		return 0;
	if (!json_is_string(type) || !log_type_ok(type))
		return fail(err, err_len,
			    "\"type\" must be a log type pattern of 1 to %zu printable characters without spaces, like \"%s\"",
			    sizeof(req->log_type) - 1, IGMPGW_LOG_TYPE_DEFAULT);
	memcpy(req->log_type, json_string_value(type), json_string_length(type) + 1);
	return 0;
}

/* groups: the whole table, or one page of it with "limit" and "cursor". */
static int
groups_parse(const json_t *root, struct ctl_request *req, char *err, size_t err_len)
{
	const json_t *limit = json_object_get(root, "limit");
	const json_t *cursor = json_object_get(root, "cursor");
	char q[QUOTE_LEN];

	/* The table's start: the first role, its first group. */
	req->cursor = (struct ctl_cursor){ .port = GW_ROLE_OUTSIDE, .group = 0, .rank = 0 };
	req->limit = IGMPGW_GROUPS_PAGE_DEFAULT;
	req->paged = limit != NULL || cursor != NULL;
	if (limit != NULL) {
		json_int_t v = json_is_integer(limit) ? json_integer_value(limit) : 0;

		if (!json_is_integer(limit))
			return fail(err, err_len, "\"limit\" must be a number of groups, 1..%d, not %s",
				    IGMPGW_GROUPS_PAGE_MAX, type_desc(limit));
		if (v < 1 || v > IGMPGW_GROUPS_PAGE_MAX)
			return fail(err, err_len, "\"limit\" must be 1..%d groups, not %lld",
				    IGMPGW_GROUPS_PAGE_MAX, (long long)v);
		req->limit = (uint32_t)v;
	}
	if (cursor == NULL || json_is_null(cursor))
		return 0;
	if (!json_is_string(cursor))
		return fail(err, err_len, "\"cursor\" must be the string a previous answer gave, "
			    "or null, not %s", type_desc(cursor));
	if (ctl_cursor_parse(json_string_value(cursor), json_string_length(cursor),
			     &req->cursor) < 0)
		return fail(err, err_len, "\"cursor\": '%s' is not a cursor a groups answer gave",
			    quote_str(q, sizeof(q), cursor));
	return 0;
}

/* trace: "port" (a role; none: every port) and "count" (packets to show). */
static int
trace_parse(const json_t *root, struct ctl_request *req, char *err, size_t err_len)
{
	const json_t *port = json_object_get(root, "port");
	const json_t *count = json_object_get(root, "count");
	char q[QUOTE_LEN];

	req->trace_ports = 0;
	req->trace_count = IGMPGW_TRACE_DEFAULT_COUNT;
	if (port != NULL && !json_is_null(port)) {
		int r;

		if (!json_is_string(port))
			return fail(err, err_len, "\"port\" must be a port name like \"%s\", not %s",
				    gw_role_name(GW_ROLE_INSIDE), type_desc(port));
		for (r = 0; r < GW_MAX_PORTS; r++) {
			const char *name = gw_role_name((enum gw_role)r);

			if (strlen(name) == json_string_length(port) &&
			    memcmp(name, json_string_value(port), strlen(name)) == 0)
				break;
		}
		if (r == GW_MAX_PORTS)
			return fail(err, err_len, "\"port\": '%s' is not a port (outside, alt, inside, "
				    "inside2 .. inside%d)", quote_str(q, sizeof(q), port), GW_MAX_INSIDE);
		req->trace_ports = 1u << r;
	}
	if (count == NULL || json_is_null(count))
		return 0;
	if (!json_is_integer(count) || json_integer_value(count) < 1 ||
	    json_integer_value(count) > IGMPGW_TRACE_MAX_COUNT)
		return fail(err, err_len, "\"count\" must be a number of packets, 1..%d",
			    IGMPGW_TRACE_MAX_COUNT);
	req->trace_count = (uint32_t)json_integer_value(count);
	return 0;
}

/*
 * mroute_add, mroute_del: "group" as "239.1.2.0/24" (no /LEN: /32), "source"
 * (none or null: any), and for mroute_add "ports", the inside ports.
 */
static int
route_parse(const json_t *root, struct ctl_request *req, char *err, size_t err_len)
{
	const json_t *group = json_object_get(root, "group");
	const json_t *source = json_object_get(root, "source");
	const json_t *ports = json_object_get(root, "ports");
	struct gw_mroute *rt = &req->route;
	char text[INET_ADDRSTRLEN + 4];
	char q[QUOTE_LEN];
	const json_t *p;
	char *slash;
	size_t i;

	rt->prefix_len = 32;
	if (group == NULL || !json_is_string(group) ||
	    json_string_length(group) >= sizeof(text))
		return fail(err, err_len, "\"group\" must be a multicast group like \"239.1.2.3\" "
			    "or a prefix like \"239.1.0.0/16\"");
	memcpy(text, json_string_value(group), json_string_length(group) + 1);
	slash = strchr(text, '/');
	if (slash != NULL) {
		char *end;
		long len = strtol(slash + 1, &end, 10);

		if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || len < 4 || len > 32)
			return fail(err, err_len, "\"group\": '%s': the prefix length must be 4..32",
				    quote_str(q, sizeof(q), group));
		rt->prefix_len = (uint8_t)len;
		*slash = '\0';
	}
	if (inet_pton(AF_INET, text, &rt->group) != 1 || !igmp_is_multicast(rt->group))
		return fail(err, err_len, "\"group\": '%s' is not a multicast group or prefix",
			    quote_str(q, sizeof(q), group));
	if (source != NULL && !json_is_null(source)) {
		if (addr_parse(source, "\"source\"", &rt->source, err, err_len) < 0)
			return -1;
		if (!addr_is_unicast_source(rt->source))
			return fail(err, err_len, "\"source\": '%s' is not a unicast address",
				    quote_str(q, sizeof(q), source));
	}
	if (req->cmd != CTL_MROUTE_ADD)
		return 0;
	if (ports == NULL || !json_is_array(ports) || json_array_size(ports) == 0)
		return fail(err, err_len, "\"ports\" must be a list of inside ports, like [\"%s\"]",
			    gw_role_name(GW_ROLE_INSIDE));
	json_array_foreach(ports, i, p) {
		int r;

		for (r = GW_ROLE_INSIDE; r < GW_MAX_PORTS; r++) {
			const char *name = gw_role_name((enum gw_role)r);

			if (json_is_string(p) && strlen(name) == json_string_length(p) &&
			    memcmp(name, json_string_value(p), strlen(name)) == 0)
				break;
		}
		if (r == GW_MAX_PORTS)
			return fail(err, err_len, "\"ports\"[%zu]: not an inside port (inside, "
				    "inside2 .. inside%d)", i, GW_MAX_INSIDE);
		rt->ports |= 1u << r;
	}
	return 0;
}

static int
request_fields_parse(const json_t *root, struct ctl_request *req, char *err, size_t err_len)
{
	const json_t *cmd = json_object_get(root, "cmd");
	char names[256];
	char q[QUOTE_LEN];
	int c;

	names_join(names, sizeof(names), cmd_names, CTL_CMD_COUNT);
	if (cmd == NULL)
		return fail(err, err_len, "missing \"cmd\" (one of %s)", names);
	if (!json_is_string(cmd))
		return fail(err, err_len, "\"cmd\" must be a string (one of %s), not %s", names,
			    type_desc(cmd));
	c = name_lookup(cmd, cmd_names, CTL_CMD_COUNT);
	if (c < 0)
		return fail(err, err_len, "unknown cmd '%s' (one of %s)",
			    quote_str(q, sizeof(q), cmd), names);
	req->cmd = (enum ctl_cmd)c;

	/* Fields a command does not use are ignored, so newer clients work with older daemons. */
	switch (req->cmd) {
	case CTL_SELECT_OUTSIDE:
		return port_parse(root, req, err, err_len);
	case CTL_REPORT:
	case CTL_LEAVE:
		return items_parse(root, req, err, err_len);
	case CTL_SUBSCRIBE:
	case CTL_UNSUBSCRIBE:
		return events_parse(root, req, err, err_len);
	case CTL_LOG_LEVEL:
		return log_level_parse(root, req, err, err_len);
	case CTL_GROUPS:
		return groups_parse(root, req, err, err_len);
	case CTL_TRACE:
		return trace_parse(root, req, err, err_len);
	case CTL_MROUTE_ADD:
	case CTL_MROUTE_DEL:
		return route_parse(root, req, err, err_len);
	case CTL_STATUS:
	case CTL_STATS:
	case CTL_RELOAD:
	case CTL_MROUTE_SHOW:
	case CTL_CMD_COUNT:
		break;
	}
	return 0;
}

int
ctl_request_parse(const char *line, size_t len, struct ctl_request *req, char *err,
		  size_t err_len)
{
	json_error_t jerr;
	const char *nul;
	char q[JERR_QUOTE_MAX * 4 + 4];
	json_t *root, *id;
	int ret;

	memset(req, 0, sizeof(*req));
	req->port = GW_ROLE_OUTSIDE;
	snprintf(req->log_type, sizeof(req->log_type), "%s", IGMPGW_LOG_TYPE_DEFAULT);
	if (err != NULL && err_len > 0)
		err[0] = '\0';
	if (line == NULL)
		len = 0;

	if (len > IGMPGW_REQUEST_MAX_LINE)
		return fail(err, err_len, "request line longer than %d bytes", IGMPGW_REQUEST_MAX_LINE);
	/* jansson reads a NUL as the end of input; say what is wrong instead. */
	nul = len > 0 ? memchr(line, '\0', len) : NULL;
	if (nul != NULL)
		return fail(err, err_len, "not JSON: NUL byte at offset %zu",
			    (size_t)(nul - line));
	if (is_blank(line, len))
		return fail(err, err_len, "empty line: a request is one JSON object per line");

	root = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (root == NULL)
		return fail(err, err_len, "not JSON: %s at column %d",
			    quote(q, sizeof(q), jerr.text, strnlen(jerr.text, sizeof(jerr.text)),
				  JERR_QUOTE_MAX),
			    jerr.column);
	if (!json_is_object(root)) {
		ret = fail(err, err_len, "a request must be a JSON object, not %s",
			   type_desc(root));
		json_decref(root);
		return ret;
	}
	id = json_object_get(root, "id");
	if (id != NULL)
		req->id = json_incref(id);
	ret = request_fields_parse(root, req, err, err_len);
	json_decref(root);
	return ret;
}

void
ctl_request_release(struct ctl_request *req)
{
	if (req == NULL)
		return;
	json_decref(req->id);
	req->id = NULL;
}
