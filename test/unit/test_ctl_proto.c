/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the control protocol (lib/ctl/): every command and field
 * parsed, every rejection provoked and its sentence checked for the field it
 * names, ids of every JSON type echoed, hostile lines survived, and events
 * built from packets the wire codec built and parsed, read back field by field.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "ctl_proto.h"
#include "tap.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Big (items are inline): one instance, reused by every case. */
static struct ctl_request req;
static char err[CTL_ERR_LEN];

static uint32_t
addr(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return htonl((uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d);
}

static void *
xmalloc(size_t len)
{
	void *p = malloc(len > 0 ? len : 1);

	if (p == NULL) {
		perror("malloc");
		exit(2);
	}
	return p;
}

/*
 * Parses from an exact-size heap copy, so a sanitizer build catches any read
 * past len. Releases the previous request first.
 */
static int
parse_n(const char *line, size_t len)
{
	char *p = xmalloc(len);
	int ret;

	ctl_request_release(&req);
	memcpy(p, line, len);
	memset(err, 0x55, sizeof(err));
	ret = ctl_request_parse(p, len, &req, err, sizeof(err));
	free(p);
	return ret;
}

static int
parse(const char *line)
{
	return parse_n(line, strlen(line));
}

/* An error a client can be sent: one non-empty line of printable ASCII, a valid JSON string. */
static bool
err_sane(const char *e)
{
	size_t i, n = strnlen(e, CTL_ERR_LEN);
	json_t *s;

	if (n == 0 || n == CTL_ERR_LEN)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)e[i] < 0x20 || (unsigned char)e[i] >= 0x7f)
			return false;
	s = json_string(e);
	json_decref(s);
	return s != NULL;
}

/* The line is refused, and the sentence names each needle (NULL ends the list). */
static void
expect_err(const char *what, const char *line, size_t len, const char *n1, const char *n2)
{
	int ret = parse_n(line, len);
	bool named = ret < 0 && strstr(err, n1) != NULL && (n2 == NULL || strstr(err, n2) != NULL);

	TAP_CHECK(ret < 0 && named && err_sane(err), "%s: refused: %s", what,
		  ret < 0 ? err : "(accepted)");
	if (!named && ret < 0)
		fprintf(stderr, "  want '%s'%s%s%s in: %s\n", n1, n2 != NULL ? " and '" : "",
			n2 != NULL ? n2 : "", n2 != NULL ? "'" : "", err);
}

#define EXPECT_ERR(what, line, n1, n2) expect_err(what, line, strlen(line), n1, n2)

static bool
expect_ok(const char *line)
{
	int ret = parse(line);

	if (ret < 0)
		fprintf(stderr, "  refused %s: %s\n", line, err);
	return ret == 0;
}

static const char *
jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "(missing)";
}

/* A dumped line for a TAP description: without its newline, "(none)" for NULL. */
static const char *
show(const char *line)
{
	static char buf[1024];

	if (line == NULL)
		return "(none)";
	snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(line, "\n"), line);
	return buf;
}

/* json_equal against a value written as JSON text. */
static bool
json_is(const json_t *v, const char *text)
{
	json_t *want = json_loads(text, JSON_DECODE_ANY, NULL);
	bool eq = v != NULL && want != NULL && json_equal(v, want);

	json_decref(want);
	return eq;
}

/* A growable text buffer for building long request lines. */
struct sbuf {
	char *p;
	size_t len;
	size_t cap;
};

static void
sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p != NULL ? b->p + b->len : NULL,
			      b->p != NULL ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			exit(2);
		if (b->p != NULL && b->len + (size_t)n < b->cap)
			break;
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL)
			exit(2);
	}
	b->len += (size_t)n;
}

/* {"cmd":"report","items":[n items]} with groups 232.0.x.y, each with n_src sources. */
static char *
items_line(const char *cmd, size_t n_items, size_t n_src)
{
	struct sbuf b = { 0 };
	size_t i, j;

	sb_add(&b, "{\"cmd\":\"%s\",\"items\":[", cmd);
	for (i = 0; i < n_items; i++) {
		sb_add(&b, "%s{\"group\":\"232.0.%zu.%zu\",\"sources\":[", i > 0 ? "," : "",
		       i / 256, i % 256);
		for (j = 0; j < n_src; j++)
			sb_add(&b, "%s\"10.1.%zu.%zu\"", j > 0 ? "," : "", j / 256, j % 256 + 1);
		sb_add(&b, "]}");
	}
	sb_add(&b, "]}");
	return b.p;
}

static void
test_names(void)
{
	int c;

	for (c = 0; c < CTL_CMD_COUNT; c++) {
		/* One line whose fields suit every command: each name must parse to its code. */
		char line[256];

		snprintf(line, sizeof(line),
			 "{\"cmd\":\"%s\",\"port\":\"alt\",\"items\":[{\"group\":\"232.1.1.1\"}],"
			 "\"events\":[\"query\"],\"level\":\"info\",\"group\":\"239.1.0.0/16\","
			 "\"ports\":[\"inside\"]}", ctl_cmd_name(c));
		TAP_CHECK(expect_ok(line) && req.cmd == (enum ctl_cmd)c,
			  "cmd '%s' parses to its code %d", ctl_cmd_name(c), c);
	}
	/* The privilege table: what changes the gateway is for admins, what apps do for members. */
	static const enum ctl_cmd admin_cmds[] = {
		CTL_SELECT_OUTSIDE, CTL_LOG_LEVEL, CTL_RELOAD, CTL_MROUTE_ADD, CTL_MROUTE_DEL,
	};
	static const enum ctl_cmd member_cmds[] = {
		CTL_STATUS, CTL_STATS, CTL_GROUPS, CTL_REPORT, CTL_LEAVE, CTL_SUBSCRIBE,
		CTL_UNSUBSCRIBE, CTL_TRACE, CTL_MROUTE_SHOW,
	};

	for (size_t i = 0; i < sizeof(admin_cmds) / sizeof(admin_cmds[0]); i++)
		TAP_CHECK(ctl_cmd_level(admin_cmds[i]) == CTL_LEVEL_ADMIN, "cmd '%s' needs admin",
			  ctl_cmd_name(admin_cmds[i]));
	for (size_t i = 0; i < sizeof(member_cmds) / sizeof(member_cmds[0]); i++)
		TAP_CHECK(ctl_cmd_level(member_cmds[i]) == CTL_LEVEL_MEMBER, "cmd '%s' is for members",
			  ctl_cmd_name(member_cmds[i]));
	TAP_CHECK(ctl_cmd_level(CTL_CMD_COUNT) == CTL_LEVEL_ADMIN,
		  "an out-of-range cmd needs admin (fails closed)");
	TAP_CHECK(strcmp(ctl_cmd_name(CTL_CMD_COUNT), "unknown") == 0 &&
		  strcmp(ctl_cmd_name((enum ctl_cmd)-1), "unknown") == 0,
		  "out-of-range cmd is named 'unknown'");
	TAP_CHECK(strcmp(ctl_event_name(CTL_EV_QUERY), "query") == 0 &&
		  strcmp(ctl_event_name(CTL_EV_MEMBERSHIP_REPORT), "membership_report") == 0 &&
		  strcmp(ctl_event_name(CTL_EV_COUNT), "unknown") == 0,
		  "event names as in the protocol doc");
}

static void
test_commands(void)
{
	TAP_CHECK(expect_ok("{\"cmd\":\"status\"}") && req.cmd == CTL_STATUS && req.id == NULL,
		  "status, no id");
	TAP_CHECK(expect_ok(" {\"cmd\" : \"stats\"}\r") && req.cmd == CTL_STATS,
		  "stats with spaces and a CR from a CRLF client");
	TAP_CHECK(expect_ok("{\"cmd\":\"status\",\"foo\":[1,{\"x\":null}],\"items\":\"junk\","
			    "\"port\":7}") && req.cmd == CTL_STATUS,
		  "unknown and unused fields are ignored");

	TAP_CHECK(expect_ok("{\"cmd\":\"select_outside\",\"port\":\"outside\"}") &&
		  req.cmd == CTL_SELECT_OUTSIDE && req.port == GW_ROLE_OUTSIDE,
		  "select_outside outside");
	TAP_CHECK(expect_ok("{\"port\":\"alt\",\"cmd\":\"select_outside\"}") &&
		  req.cmd == CTL_SELECT_OUTSIDE && req.port == GW_ROLE_ALT,
		  "select_outside alt (fields in any order)");

	TAP_CHECK(expect_ok("{\"cmd\":\"report\",\"items\":[{\"group\":\"232.1.1.1\"},"
			    "{\"group\":\"239.255.255.255\",\"sources\":[\"10.0.0.1\",\"192.168.7.9\"]},"
			    "{\"group\":\"224.0.1.0\",\"sources\":[]},"
			    "{\"group\":\"225.1.2.3\",\"sources\":null,\"extra\":1}]}") &&
		  req.cmd == CTL_REPORT && req.n_items == 4 &&
		  req.items[0].group == addr(232, 1, 1, 1) && req.items[0].n_sources == 0 &&
		  req.items[1].group == addr(239, 255, 255, 255) && req.items[1].n_sources == 2 &&
		  req.items[1].sources[0] == addr(10, 0, 0, 1) &&
		  req.items[1].sources[1] == addr(192, 168, 7, 9) &&
		  req.items[2].group == addr(224, 0, 1, 0) && req.items[2].n_sources == 0 &&
		  req.items[3].group == addr(225, 1, 2, 3) && req.items[3].n_sources == 0,
		  "report: groups and sources in order, [] and null mean no sources");
	TAP_CHECK(expect_ok("{\"cmd\":\"leave\",\"items\":[{\"group\":\"232.9.9.9\","
			    "\"sources\":[\"1.2.3.4\"]}]}") &&
		  req.cmd == CTL_LEAVE && req.n_items == 1 &&
		  req.items[0].group == addr(232, 9, 9, 9) && req.items[0].n_sources == 1 &&
		  req.items[0].sources[0] == addr(1, 2, 3, 4),
		  "leave with a source");

	TAP_CHECK(expect_ok("{\"cmd\":\"subscribe\",\"events\":[\"query\"]}") &&
		  req.cmd == CTL_SUBSCRIBE && req.events == 1u << CTL_EV_QUERY,
		  "subscribe query");
	TAP_CHECK(expect_ok("{\"cmd\":\"subscribe\",\"events\":[\"membership_report\"]}") &&
		  req.events == 1u << CTL_EV_MEMBERSHIP_REPORT,
		  "subscribe membership_report");
	TAP_CHECK(expect_ok("{\"cmd\":\"unsubscribe\",\"events\":[\"membership_report\","
			    "\"query\",\"query\"]}") &&
		  req.cmd == CTL_UNSUBSCRIBE &&
		  req.events == (1u << CTL_EV_QUERY | 1u << CTL_EV_MEMBERSHIP_REPORT),
		  "unsubscribe both, a repeat is harmless");
}

static void
test_log_level(void)
{
	static const struct {
		const char *name;
		int level;
	} levels[] = {
		{ "emerg", RTE_LOG_EMERG },
		{ "alert", RTE_LOG_ALERT },
		{ "crit", RTE_LOG_CRIT },
		{ "err", RTE_LOG_ERR },
		{ "warning", RTE_LOG_WARNING },
		{ "notice", RTE_LOG_NOTICE },
		{ "info", RTE_LOG_INFO },
		{ "debug", RTE_LOG_DEBUG },
	};
	char line[128];
	size_t i;

	for (i = 0; i < ARRAY_LEN(levels); i++) {
		snprintf(line, sizeof(line), "{\"cmd\":\"log_level\",\"level\":\"%s\"}",
			 levels[i].name);
		TAP_CHECK(expect_ok(line) && req.cmd == CTL_LOG_LEVEL &&
			  req.log_level == levels[i].level &&
			  strcmp(req.log_type, "igmpgw.*") == 0,
			  "level '%s' is RTE_LOG level %d, type defaults to igmpgw.*",
			  levels[i].name, levels[i].level);
		snprintf(line, sizeof(line), "{\"cmd\":\"log_level\",\"level\":%d}",
			 levels[i].level);
		TAP_CHECK(expect_ok(line) && req.log_level == levels[i].level,
			  "level %d as a number", levels[i].level);
	}
	TAP_CHECK(expect_ok("{\"cmd\":\"log_level\",\"level\":\"debug\",\"type\":\"igmpgw.ctl\"}") &&
		  strcmp(req.log_type, "igmpgw.ctl") == 0, "type pattern kept");
	TAP_CHECK(expect_ok("{\"cmd\":\"log_level\",\"level\":\"debug\",\"type\":null}") &&
		  strcmp(req.log_type, "igmpgw.*") == 0, "type null means the default");
	snprintf(line, sizeof(line), "{\"cmd\":\"log_level\",\"level\":1,\"type\":\"%.63s\"}",
		 "pmd.net.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	TAP_CHECK(expect_ok(line) && strlen(req.log_type) == 63, "63-character type accepted");
	snprintf(line, sizeof(line), "{\"cmd\":\"log_level\",\"level\":1,\"type\":\"%.64s\"}",
		 "pmd.net.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	EXPECT_ERR("64-character type", line, "\"type\"", "63");
	EXPECT_ERR("empty type", "{\"cmd\":\"log_level\",\"level\":1,\"type\":\"\"}", "\"type\"",
		   NULL);
	EXPECT_ERR("type with a space", "{\"cmd\":\"log_level\",\"level\":1,\"type\":\"a b\"}",
		   "\"type\"", NULL);
	EXPECT_ERR("type with a newline", "{\"cmd\":\"log_level\",\"level\":1,\"type\":\"a\\nb\"}",
		   "\"type\"", NULL);
	EXPECT_ERR("type not a string", "{\"cmd\":\"log_level\",\"level\":1,\"type\":5}",
		   "\"type\"", NULL);
	EXPECT_ERR("level missing", "{\"cmd\":\"log_level\"}", "\"level\"", "debug");
	EXPECT_ERR("level 0", "{\"cmd\":\"log_level\",\"level\":0}", "\"level\"", "not 0");
	EXPECT_ERR("level 9", "{\"cmd\":\"log_level\",\"level\":9}", "\"level\"", "1..8");
	EXPECT_ERR("level -1", "{\"cmd\":\"log_level\",\"level\":-1}", "\"level\"", "-1");
	EXPECT_ERR("level INT64_MAX", "{\"cmd\":\"log_level\",\"level\":9223372036854775807}",
		   "\"level\"", "9223372036854775807");
	EXPECT_ERR("level 3.0 (a real)", "{\"cmd\":\"log_level\",\"level\":3.0}", "\"level\"",
		   "a number");
	EXPECT_ERR("level true", "{\"cmd\":\"log_level\",\"level\":true}", "\"level\"", "true");
	EXPECT_ERR("level 'warn'", "{\"cmd\":\"log_level\",\"level\":\"warn\"}", "\"level\"",
		   "'warn'");
	EXPECT_ERR("level 'DEBUG' (names are lower case)",
		   "{\"cmd\":\"log_level\",\"level\":\"DEBUG\"}", "'DEBUG'", "warning");
}

static void
test_request_errors(void)
{
	static const char *const not_addrs[] = {
		"", "x", "232.1.1", "232.1.1.1.1", "232.1.1.256", "232.01.1.1", " 232.1.1.1",
		"232.1.1.1 ", "0xe8.1.1.1", "232.1.1.1/32", "::1", "232.1.1.1000000000000000000",
	};
	char line[256], want[96];
	size_t i;

	EXPECT_ERR("not JSON", "{\"cmd\":", "not JSON", "column");
	EXPECT_ERR("trailing garbage", "{\"cmd\":\"status\"} x", "not JSON", "column");
	EXPECT_ERR("two objects on a line", "{\"cmd\":\"status\"}{\"cmd\":\"stats\"}", "not JSON",
		   NULL);
	EXPECT_ERR("duplicate key", "{\"cmd\":\"status\",\"cmd\":\"leave\"}", "duplicate",
		   "\"cmd\"");
	EXPECT_ERR("a list", "[{\"cmd\":\"status\"}]", "JSON object", "a list");
	EXPECT_ERR("a string", "\"status\"", "JSON object", "a string");
	EXPECT_ERR("a number", "42", "JSON object", NULL);
	EXPECT_ERR("null", "null", "JSON object", "null");
	EXPECT_ERR("empty line", "", "empty", NULL);
	EXPECT_ERR("blank line", " \t \r", "empty", NULL);
	EXPECT_ERR("missing cmd", "{\"id\":1}", "missing \"cmd\"", "log_level");
	EXPECT_ERR("cmd not a string", "{\"cmd\":5}", "\"cmd\" must be a string", "an integer");
	EXPECT_ERR("cmd null", "{\"cmd\":null}", "\"cmd\"", "null");
	EXPECT_ERR("unknown cmd", "{\"cmd\":\"foo\"}", "unknown cmd 'foo'",
		   "one of status, stats, select_outside, report, leave, subscribe, unsubscribe, log_level");
	EXPECT_ERR("cmd in upper case", "{\"cmd\":\"STATUS\"}", "'STATUS'", NULL);
	EXPECT_ERR("cmd with a prefix match", "{\"cmd\":\"stat\"}", "'stat'", NULL);
	EXPECT_ERR("cmd with a newline", "{\"cmd\":\"a\\nb\"}", "'a\\x0ab'", NULL);

	EXPECT_ERR("port missing", "{\"cmd\":\"select_outside\"}", "\"port\"", "\"alt\"");
	EXPECT_ERR("port inside", "{\"cmd\":\"select_outside\",\"port\":\"inside\"}",
		   "\"port\" must be \"outside\" or \"alt\"", "'inside'");
	EXPECT_ERR("port a number", "{\"cmd\":\"select_outside\",\"port\":1}", "\"port\"",
		   "an integer");
	EXPECT_ERR("port in upper case", "{\"cmd\":\"select_outside\",\"port\":\"ALT\"}",
		   "\"port\"", "'ALT'");

	EXPECT_ERR("items missing", "{\"cmd\":\"report\"}", "\"items\"", "256");
	EXPECT_ERR("items an object", "{\"cmd\":\"report\",\"items\":{\"group\":\"232.1.1.1\"}}",
		   "\"items\" must be a non-empty list of at most 256 items", "an object");
	EXPECT_ERR("items empty", "{\"cmd\":\"leave\",\"items\":[]}",
		   "\"items\" must be a non-empty list of at most 256 items", "got 0");
	EXPECT_ERR("item a string", "{\"cmd\":\"report\",\"items\":[\"232.1.1.1\"]}",
		   "items[0] must be an object", "a string");
	EXPECT_ERR("item 3 not an object",
		   "{\"cmd\":\"report\",\"items\":[{\"group\":\"232.1.1.1\"},{\"group\":\"232.1.1.2\"},"
		   "{\"group\":\"232.1.1.3\"},[]]}", "items[3]", "a list");
	EXPECT_ERR("group missing", "{\"cmd\":\"report\",\"items\":[{\"sources\":[]}]}",
		   "items[0]", "\"group\"");
	EXPECT_ERR("group a number", "{\"cmd\":\"report\",\"items\":[{\"group\":3925868801}]}",
		   "items[0].group", "an integer");
	EXPECT_ERR("group unicast",
		   "{\"cmd\":\"report\",\"items\":[{\"group\":\"232.1.1.1\"},{\"group\":\"232.1.1.2\"},"
		   "{\"group\":\"232.1.1.3\"},{\"group\":\"10.0.0.1\"}]}",
		   "items[3].group: '10.0.0.1' is not a multicast address", NULL);
	EXPECT_ERR("group class E", "{\"cmd\":\"report\",\"items\":[{\"group\":\"240.0.0.1\"}]}",
		   "items[0].group: '240.0.0.1' is not a multicast", NULL);
	EXPECT_ERR("group 224.0.0.22", "{\"cmd\":\"leave\",\"items\":[{\"group\":\"224.0.0.22\"}]}",
		   "items[0].group: '224.0.0.22'", "link-local");
	EXPECT_ERR("group 224.0.0.0", "{\"cmd\":\"leave\",\"items\":[{\"group\":\"224.0.0.0\"}]}",
		   "items[0].group", "link-local");
	EXPECT_ERR("group 224.0.0.255",
		   "{\"cmd\":\"report\",\"items\":[{\"group\":\"224.0.0.255\"}]}",
		   "items[0].group", "link-local");

	for (i = 0; i < ARRAY_LEN(not_addrs); i++) {
		snprintf(line, sizeof(line),
			 "{\"cmd\":\"report\",\"items\":[{\"group\":\"%s\"}]}", not_addrs[i]);
		snprintf(want, sizeof(want), "items[0].group: '%s' is not an IPv4 address",
			 not_addrs[i]);
		EXPECT_ERR("group not an address", line, want, NULL);
	}

	EXPECT_ERR("sources a string",
		   "{\"cmd\":\"report\",\"items\":[{\"group\":\"232.1.1.1\",\"sources\":\"10.0.0.1\"}]}",
		   "items[0].sources must be a list", "a string");
	EXPECT_ERR("source 2 not an address",
		   "{\"cmd\":\"report\",\"items\":[{\"group\":\"232.1.1.1\","
		   "\"sources\":[\"10.0.0.1\",\"10.0.0.2\",\"x\"]}]}",
		   "items[0].sources[2]: 'x' is not an IPv4 address", NULL);
	EXPECT_ERR("source a number",
		   "{\"cmd\":\"report\",\"items\":[{\"group\":\"232.1.1.1\",\"sources\":[1]}]}",
		   "items[0].sources[0]", "an integer");
	EXPECT_ERR("source 0.0.0.0",
		   "{\"cmd\":\"report\",\"items\":[{\"group\":\"232.1.1.1\",\"sources\":[\"0.0.0.0\"]}]}",
		   "items[0].sources[0]: '0.0.0.0' is not a unicast address", NULL);
	EXPECT_ERR("source multicast",
		   "{\"cmd\":\"leave\",\"items\":[{\"group\":\"232.1.1.1\"},{\"group\":\"232.1.1.1\","
		   "\"sources\":[\"1.1.1.1\",\"232.1.1.1\"]}]}",
		   "items[1].sources[1]: '232.1.1.1' is not a unicast address", NULL);
	EXPECT_ERR("source broadcast",
		   "{\"cmd\":\"report\",\"items\":[{\"group\":\"232.1.1.1\","
		   "\"sources\":[\"255.255.255.255\"]}]}",
		   "items[0].sources[0]", "unicast");
	EXPECT_ERR("source listed twice",
		   "{\"cmd\":\"report\",\"items\":[{\"group\":\"232.1.1.1\","
		   "\"sources\":[\"10.0.0.1\",\"10.0.0.2\",\"10.0.0.1\"]}]}",
		   "items[0].sources[2]: '10.0.0.1'", "twice");
	TAP_CHECK(expect_ok("{\"cmd\":\"report\",\"items\":[{\"group\":\"232.1.1.1\","
			    "\"sources\":[\"255.255.255.254\",\"0.0.0.1\",\"223.255.255.255\","
			    "\"240.0.0.1\"]}]}") && req.items[0].n_sources == 4,
		  "sources next to the forbidden ones are accepted");

	EXPECT_ERR("events missing", "{\"cmd\":\"subscribe\"}", "\"events\"",
		   "query, membership_report");
	EXPECT_ERR("events a string", "{\"cmd\":\"subscribe\",\"events\":\"query\"}",
		   "\"events\" must be a non-empty list", "a string");
	EXPECT_ERR("events empty", "{\"cmd\":\"unsubscribe\",\"events\":[]}",
		   "\"events\" must be a non-empty list", "[]");
	EXPECT_ERR("event a number", "{\"cmd\":\"subscribe\",\"events\":[\"query\",1]}",
		   "events[1]", "an integer");
	EXPECT_ERR("event unknown", "{\"cmd\":\"subscribe\",\"events\":[\"query\",\"missed\"]}",
		   "events[1]: unknown event 'missed'", "one of query, membership_report");
}

static void
test_limits(void)
{
	char *line;

	line = items_line("report", IGMPGW_MAX_ITEMS, 0);
	TAP_CHECK(expect_ok(line) && req.n_items == IGMPGW_MAX_ITEMS &&
		  req.items[IGMPGW_MAX_ITEMS - 1].group == addr(232, 0, 0, 255),
		  "256 items accepted");
	free(line);
	line = items_line("leave", IGMPGW_MAX_ITEMS + 1, 0);
	EXPECT_ERR("257 items", line, "\"items\"", "got 257");
	free(line);

	line = items_line("report", 1, IGMPGW_MAX_SOURCES);
	TAP_CHECK(expect_ok(line) && req.items[0].n_sources == IGMPGW_MAX_SOURCES &&
		  req.items[0].sources[63] == addr(10, 1, 0, 64),
		  "64 sources accepted");
	free(line);
	line = items_line("report", 2, IGMPGW_MAX_SOURCES + 1);
	EXPECT_ERR("65 sources", line, "items[0].sources: at most 64 sources", "got 65");
	free(line);

	/* The fullest request there is: every item with every source. */
	line = items_line("report", IGMPGW_MAX_ITEMS, IGMPGW_MAX_SOURCES);
	TAP_CHECK(strlen(line) > IGMPGW_REQUEST_MAX_LINE,
		  "256 items x 64 sources exceed a line (%zu bytes)",
		  strlen(line));
	free(line);
	line = items_line("report", 40, IGMPGW_MAX_SOURCES);
	TAP_CHECK(expect_ok(line) && req.n_items == 40 && req.items[39].n_sources == 64,
		  "40 items x 64 sources in %zu bytes", strlen(line));
	free(line);

	line = xmalloc(IGMPGW_REQUEST_MAX_LINE + 1);
	memset(line, ' ', IGMPGW_REQUEST_MAX_LINE + 1);
	memcpy(line, "{\"cmd\":\"status\"}", 16);
	TAP_CHECK(parse_n(line, IGMPGW_REQUEST_MAX_LINE) == 0 && req.cmd == CTL_STATUS,
		  "a line of exactly %d bytes is parsed", IGMPGW_REQUEST_MAX_LINE);
	expect_err("a line of one byte more", line, IGMPGW_REQUEST_MAX_LINE + 1, "longer than 65536",
		   NULL);
	free(line);
}

/* ids of every JSON type, echoed through the response the server would send. */
static void
test_ids(void)
{
	static const char *const ids[] = {
		"1", "-5", "0", "9223372036854775807", "1.5", "-1e300", "\"abc\"", "\"\"",
		"\"\\u00e9\\n\\\"\"", "null", "true", "false", "[]", "[1,\"x\",null]", "{}",
		"{\"a\":[1,{\"b\":2}]}",
	};
	json_t *resp, *back;
	char line[256];
	size_t i, len;
	char *text;
	bool ok;

	for (i = 0; i < ARRAY_LEN(ids); i++) {
		snprintf(line, sizeof(line), "{\"id\":%s,\"cmd\":\"status\"}", ids[i]);
		ok = expect_ok(line) && json_is(req.id, ids[i]);

		resp = ctl_ok_response(req.id);
		text = ctl_dump_line(resp, &len);
		back = text != NULL ? json_loadb(text, len, JSON_DECODE_ANY, NULL) : NULL;
		TAP_CHECK(ok && back != NULL && json_is(json_object_get(back, "id"), ids[i]) &&
			  json_is_true(json_object_get(back, "ok")),
			  "id %s kept and echoed: %s", ids[i], show(text));
		json_decref(back);
		free(text);
		json_decref(resp);
	}

	TAP_CHECK(parse("{\"id\":\"x7\",\"cmd\":\"nope\"}") < 0 && json_is(req.id, "\"x7\""),
		  "id kept when the cmd is unknown");
	resp = ctl_error_response(req.id, err);
	text = ctl_dump_line(resp, &len);
	TAP_CHECK(text != NULL &&
		  strncmp(text, "{\"ok\":false,\"id\":\"x7\",\"error\":\"unknown cmd 'nope'", 49) == 0,
		  "error response carries the id: %s", show(text));
	free(text);
	json_decref(resp);

	TAP_CHECK(parse("{\"cmd\":\"report\",\"items\":[{\"group\":\"1.1.1.1\"}],\"id\":[2]}") < 0 &&
		  json_is(req.id, "[2]"), "id kept when a field is wrong, even after it");
	TAP_CHECK(parse("{\"cmd\":\"status\"}") == 0 && req.id == NULL, "no id, NULL id");
	TAP_CHECK(parse("[{\"id\":1}]") < 0 && req.id == NULL, "no id from a line that is not an object");
	TAP_CHECK(parse("{\"id\":1,") < 0 && req.id == NULL, "no id from a line that is not JSON");

	/* The id outlives the parsed document: the server answers after parse returned. */
	TAP_CHECK(parse("{\"id\":{\"deep\":[1,2,3]},\"cmd\":\"stats\"}") == 0 &&
		  json_is(req.id, "{\"deep\":[1,2,3]}") && req.id->refcount == 1,
		  "id owned by the request alone");
	ctl_request_release(&req);
	TAP_CHECK(req.id == NULL, "release clears the id");
	ctl_request_release(&req);
	ctl_request_release(NULL);
	TAP_CHECK(true, "release twice and release(NULL) are harmless");
}

static void
test_responses(void)
{
	json_t *resp, *id = json_integer(5);
	char *text;
	size_t len = 0;

	resp = ctl_ok_response(NULL);
	text = ctl_dump_line(resp, &len);
	TAP_CHECK(text != NULL && strcmp(text, "{\"ok\":true}\n") == 0 && len == 12,
		  "ok response without id is {\"ok\":true} and a newline");
	free(text);
	json_object_set_new(resp, "active_outside", json_string("alt"));
	text = ctl_dump_line(resp, NULL);
	TAP_CHECK(text != NULL && strcmp(text, "{\"ok\":true,\"active_outside\":\"alt\"}\n") == 0,
		  "fields added after ok");
	free(text);
	json_decref(resp);

	resp = ctl_ok_response(id);
	text = ctl_dump_line(resp, &len);
	TAP_CHECK(text != NULL && strcmp(text, "{\"ok\":true,\"id\":5}\n") == 0,
		  "ok response with id");
	free(text);
	json_decref(resp);

	resp = ctl_error_response(NULL, "\"items\" must be a list");
	text = ctl_dump_line(resp, &len);
	TAP_CHECK(text != NULL &&
		  strcmp(text, "{\"ok\":false,\"error\":\"\\\"items\\\" must be a list\"}\n") == 0 &&
		  len == strlen(text), "error response without id: %s", show(text));
	free(text);
	json_decref(resp);

	resp = ctl_error_response(id, "bad \xff byte");
	TAP_CHECK(resp != NULL && strcmp(jstr(resp, "error"), "bad ? byte") == 0 &&
		  json_equal(json_object_get(resp, "id"), id),
		  "error text that is not UTF-8 is still sent: '%s'", jstr(resp, "error"));
	json_decref(resp);
	TAP_CHECK(id->refcount == 1, "responses hold their own reference to the id");
	json_decref(id);

	TAP_CHECK(ctl_dump_line(NULL, &len) == NULL, "dump of NULL is NULL");
	resp = json_pack("{s:s, s:f}", "s", "line\nbreak", "r", 0.1);
	text = ctl_dump_line(resp, &len);
	TAP_CHECK(text != NULL && strcmp(text, "{\"s\":\"line\\nbreak\",\"r\":0.1}\n") == 0,
		  "a dumped line has one newline, at its end, and short reals: %s", show(text));
	free(text);
	json_decref(resp);
}

/* Lines built to hurt: too big, too deep, NULs, bytes that are not UTF-8. */
static void
test_hostile(void)
{
	static const char status_nul[] = "{\"cmd\":\"status\"}\0{\"cmd\":\"leave\"}";
	struct sbuf b = { 0 };
	char *long_cmd;
	size_t i;

	EXPECT_ERR("integer beyond 64 bits",
		   "{\"cmd\":\"log_level\",\"level\":99999999999999999999}", "not JSON",
		   "too big integer");
	EXPECT_ERR("real beyond double", "{\"cmd\":\"status\",\"id\":1e400}", "not JSON",
		   "overflow");
	TAP_CHECK(expect_ok("{\"cmd\":\"status\",\"id\":1e308}") &&
		  json_real_value(req.id) == 1e308, "1e308 id kept");
	expect_err("NUL after a valid object", status_nul, sizeof(status_nul) - 1, "NUL", "16");
	expect_err("NUL inside a string", "{\"cmd\":\"sta\0tus\"}", 17, "NUL", "offset 11");
	expect_err("NUL only", "\0", 1, "NUL", NULL);
	EXPECT_ERR("escaped NUL in cmd", "{\"cmd\":\"stat\\u0000us\"}", "not JSON", NULL);
	EXPECT_ERR("byte 0xff", "{\"cmd\":\"\xff\"}", "not JSON", "0xff");
	EXPECT_ERR("overlong UTF-8", "{\"cmd\":\"\xc0\xaf\"}", "not JSON", NULL);
	EXPECT_ERR("truncated UTF-8", "{\"cmd\":\"\xe2\x82\"}", "not JSON", NULL);
	EXPECT_ERR("UTF-16 surrogate escape alone", "{\"cmd\":\"\\ud800\"}", "not JSON", NULL);
	EXPECT_ERR("valid UTF-8 in an unknown cmd", "{\"cmd\":\"stat\xc3\xbcs\"}",
		   "unknown cmd 'stat\\xc3\\xbcs'", NULL);
	EXPECT_ERR("raw control byte in a string", "{\"cmd\":\"a\x01\"}", "not JSON", NULL);
	EXPECT_ERR("raw newline inside", "{\"cmd\":\n\"nope\"}", "unknown cmd", NULL);

	for (i = 0; i < 5000; i++)
		sb_add(&b, "x");
	long_cmd = xmalloc(b.len + 32);
	snprintf(long_cmd, b.len + 32, "{\"cmd\":\"%s\"}", b.p);
	EXPECT_ERR("5000-byte cmd is quoted cut short", long_cmd, "unknown cmd 'xxxx", "...'");
	/* It lists every cmd's name (about 140 bytes of them): bounded, not growing with the input. */
	TAP_CHECK(strlen(err) < 300, "and the sentence stays short (%zu bytes)", strlen(err));
	free(long_cmd);
	b.len = 0;

	for (i = 0; i < 100000; i++)
		sb_add(&b, "[");
	expect_err("100000 nested lists (and too long)", b.p, b.len, "longer", NULL);
	expect_err("60000 nested lists", b.p, 60000, "not JSON", "depth");
	b.len = 0;
	sb_add(&b, "{\"cmd\":\"status\",\"id\":");
	for (i = 0; i < 1000; i++)
		sb_add(&b, "[");
	for (i = 0; i < 1000; i++)
		sb_add(&b, "]");
	sb_add(&b, "}");
	TAP_CHECK(parse_n(b.p, b.len) == 0 && json_is_array(req.id), "1000-deep id kept");
	b.len = 0;
	sb_add(&b, "{\"cmd\":\"report\",\"items\":[{\"group\":\"232.1.1.1\",\"sources\":[");
	for (i = 0; i < 5000; i++)
		sb_add(&b, "%s\"10.0.%zu.%zu\"", i > 0 ? "," : "", i / 200, i % 200 + 1);
	sb_add(&b, "]}]}");
	expect_err("5000 sources", b.p, b.len, "at most 64 sources", "got 5000");
	free(b.p);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* After any parse: a sane error, or a request within every limit, and a response that dumps. */
static bool
outcome_sane(int ret)
{
	json_t *resp;
	char *text;
	bool ok;
	int i;

	if (ret < 0) {
		if (!err_sane(err))
			return false;
		resp = ctl_error_response(req.id, err);
	} else {
		if ((unsigned int)req.cmd >= CTL_CMD_COUNT || req.n_items > IGMPGW_MAX_ITEMS ||
		    req.events >> CTL_EV_COUNT != 0 || req.log_level < 0 || req.log_level > 8 ||
		    memchr(req.log_type, '\0', sizeof(req.log_type)) == NULL)
			return false;
		for (i = 0; i < req.n_items; i++)
			if (req.items[i].n_sources > IGMPGW_MAX_SOURCES)
				return false;
		resp = ctl_ok_response(req.id);
	}
	text = ctl_dump_line(resp, NULL);
	ok = text != NULL;
	free(text);
	json_decref(resp);
	return ok;
}

/*
 * Every prefix of a few valid lines, then random mutations of them: nothing
 * crashes (the sanitizer build watches reads), every outcome is sane.
 */
static void
test_mutations(void)
{
	static const char *const seeds[] = {
		("{\"id\":1,\"cmd\":\"report\",\"items\":[{\"group\":\"232.1.1.1\","
		 "\"sources\":[\"10.0.0.1\",\"10.0.0.2\"]},{\"group\":\"239.1.2.3\"}]}"),
		"{\"cmd\":\"log_level\",\"level\":\"debug\",\"type\":\"igmpgw.*\",\"id\":[\"a\"]}",
		"{\"cmd\":\"subscribe\",\"events\":[\"query\",\"membership_report\"],\"id\":null}",
		"{\"cmd\":\"select_outside\",\"port\":\"alt\",\"id\":{\"n\":1.5e3}}",
	};
	static const char special[] = "{}[]\",:\\ 0\xff\x00\n.-e";
	size_t s, n, i, pos, fails = 0, accepted = 0, total = 0;
	char buf[512];
	int iter, ret;
	char c;

	for (s = 0; s < ARRAY_LEN(seeds); s++) {
		n = strlen(seeds[s]);
		for (i = 0; i <= n; i++) {
			total++;
			if (!outcome_sane(parse_n(seeds[s], i)) || (i == n && req.id == NULL))
				fails++;
		}
	}
	TAP_CHECK(fails == 0, "every prefix of %zu seed lines: %zu parses, %zu bad outcomes",
		  ARRAY_LEN(seeds), total, fails);

	total = 0;
	for (iter = 0; iter < 40000; iter++) {
		s = rng() % ARRAY_LEN(seeds);
		n = strlen(seeds[s]);
		memcpy(buf, seeds[s], n);
		for (i = 0; i < 1 + rng() % 4; i++) {
			pos = rng() % n;
			c = rng() % 2 ? special[rng() % (sizeof(special) - 1)] : (char)rng();

			switch (rng() % 3) {
			case 0:
				buf[pos] = c;
				break;
			case 1:
				if (n + 1 < sizeof(buf)) {
					memmove(buf + pos + 1, buf + pos, n - pos);
					buf[pos] = c;
					n++;
				}
				break;
			default:
				memmove(buf + pos, buf + pos + 1, n - pos - 1);
				n--;
				break;
			}
		}
		ret = parse_n(buf, n);
		total++;
		accepted += ret == 0;
		if (!outcome_sane(ret))
			fails++;
	}
	TAP_CHECK(fails == 0 && accepted > 0 && accepted < total,
		  "%zu mutated lines: %zu accepted, %zu bad outcomes", total, accepted, fails);
}

/* Frames an IGMP message in the gateway's IPv4 header and parses it back, as the daemon would. */
static bool
packet(uint8_t *pkt, size_t cap, const uint8_t *igmp, size_t len, uint32_t src,
       struct igmp_ipv4 *ip, struct igmp_msg *msg)
{
	size_t hdr = igmp_build_ipv4_header(pkt, cap, src, addr(224, 0, 0, 1), (uint16_t)len);

	if (hdr == 0 || len == 0 || hdr + len > cap)
		return false;
	memcpy(pkt + hdr, igmp, len);
	return igmp_packet_parse(pkt, hdr + len, ip, msg) == IGMP_OK;
}

/*
 * The event an IGMP message raises as a client reads it: framed and parsed by
 * the codec, built, dumped to *line and parsed back. NULL when any step fails.
 */
static json_t *
event_of(const uint8_t *igmp, size_t len, uint32_t src, enum gw_role role,
	 enum ctl_event_kind *kind, char **line)
{
	uint8_t pkt[IGMP_IP_HDR_LEN + 1500];
	struct igmp_ipv4 ip;
	struct igmp_msg msg;
	json_t *ev, *back = NULL;
	size_t n;

	*line = NULL;
	if (!packet(pkt, sizeof(pkt), igmp, len, src, &ip, &msg))
		return NULL;
	ev = ctl_event_from_igmp(role, &ip, &msg, kind);
	*line = ctl_dump_line(ev, &n);
	if (*line != NULL)
		back = json_loadb(*line, n, 0, NULL);
	json_decref(ev);
	return back;
}

static void
test_query_events(void)
{
	static const uint32_t srcs[] = { 0x0100000a, 0x0200000a, 0x030000c0 };
	enum ctl_event_kind kind;
	uint8_t igmp[256];
	json_t *ev;
	char *line;
	size_t len;

	len = igmp_build_v2(igmp, sizeof(igmp), IGMP_TYPE_QUERY, 100, 0);
	kind = CTL_EV_COUNT;
	ev = event_of(igmp, len, addr(10, 200, 1, 1), GW_ROLE_OUTSIDE, &kind, &line);
	TAP_CHECK(ev != NULL && kind == CTL_EV_QUERY && line != NULL &&
		  strcmp(line, "{\"event\":\"query\",\"port\":\"outside\",\"querier\":\"10.200.1.1\","
			 "\"version\":2,\"group\":\"0.0.0.0\",\"max_resp_time\":10.0}\n") == 0,
		  "v2 general query event: %s", show(line));
	free(line);
	json_decref(ev);

	len = igmp_build_v2(igmp, sizeof(igmp), IGMP_TYPE_QUERY, 0, 0);
	ev = event_of(igmp, len, addr(10, 0, 0, 254), GW_ROLE_ALT, &kind, &line);
	TAP_CHECK(ev != NULL && strcmp(jstr(ev, "event"), "query") == 0 &&
		  strcmp(jstr(ev, "port"), "alt") == 0 &&
		  strcmp(jstr(ev, "querier"), "10.0.0.254") == 0 &&
		  json_integer_value(json_object_get(ev, "version")) == 1 &&
		  json_real_value(json_object_get(ev, "max_resp_time")) == 10.0 &&
		  json_object_size(ev) == 6,
		  "v1 query on alt: version 1, 10 s: %s", show(line));
	free(line);
	json_decref(ev);

	len = igmp_build_v2(igmp, sizeof(igmp), IGMP_TYPE_QUERY, 1, addr(232, 1, 2, 3));
	ev = event_of(igmp, len, addr(10, 0, 0, 1), GW_ROLE_OUTSIDE, &kind, &line);
	TAP_CHECK(ev != NULL && strcmp(jstr(ev, "group"), "232.1.2.3") == 0 &&
		  json_integer_value(json_object_get(ev, "version")) == 2 &&
		  json_real_value(json_object_get(ev, "max_resp_time")) == 0.1 &&
		  strstr(line, "\"max_resp_time\":0.1}") != NULL,
		  "v2 group query, 0.1 s: %s", show(line));
	free(line);
	json_decref(ev);

	/* Max resp code 0x8a and QQIC 0x90 are the floating point forms (RFC 3376 §4.1.1). */
	len = igmp_build_v3_query(igmp, sizeof(igmp), 0x8a, addr(224, 0, 0, 251), true, 2, 0x90,
				  srcs, ARRAY_LEN(srcs));
	ev = event_of(igmp, len, addr(10, 200, 1, 1), GW_ROLE_OUTSIDE, &kind, &line);
	TAP_CHECK(ev != NULL && kind == CTL_EV_QUERY &&
		  strcmp(jstr(ev, "querier"), "10.200.1.1") == 0 &&
		  json_integer_value(json_object_get(ev, "version")) == 3 &&
		  strcmp(jstr(ev, "group"), "224.0.0.251") == 0 &&
		  json_real_value(json_object_get(ev, "max_resp_time")) ==
		  igmp_code_decode(0x8a) / 10.0 &&
		  json_is_true(json_object_get(ev, "s_flag")) &&
		  json_integer_value(json_object_get(ev, "qrv")) == 2 &&
		  json_integer_value(json_object_get(ev, "qqic")) == igmp_code_decode(0x90) &&
		  json_is(json_object_get(ev, "sources"),
			  "[\"10.0.0.1\",\"10.0.0.2\",\"192.0.0.3\"]") &&
		  json_object_size(ev) == 10,
		  "v3 group-and-source query: %s", show(line));
	free(line);
	json_decref(ev);

	len = igmp_build_v3_query(igmp, sizeof(igmp), 100, 0, false, 0, 125, NULL, 0);
	ev = event_of(igmp, len, addr(10, 200, 1, 1), GW_ROLE_OUTSIDE, &kind, &line);
	TAP_CHECK(ev != NULL && line != NULL &&
		  strcmp(line, "{\"event\":\"query\",\"port\":\"outside\",\"querier\":\"10.200.1.1\","
			 "\"version\":3,\"group\":\"0.0.0.0\",\"max_resp_time\":10.0,"
			 "\"s_flag\":false,\"qrv\":0,\"qqic\":125,\"sources\":[]}\n") == 0,
		  "v3 general query event: %s", show(line));
	free(line);
	json_decref(ev);
}

static void
test_report_events(void)
{
	static const struct {
		uint8_t type;
		const char *message;
		enum gw_role role;
	} v2[] = {
		{ IGMP_TYPE_V1_REPORT, "v1_report", GW_ROLE_OUTSIDE },
		{ IGMP_TYPE_V2_REPORT, "v2_report", GW_ROLE_ALT },
		{ IGMP_TYPE_LEAVE, "leave", GW_ROLE_INSIDE },
	};
	static const uint32_t s1[] = { 0x0100000a, 0x0200000a };
	static const uint32_t s2[] = { 0x0900000a };
	static const uint8_t aux[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct igmp_record_spec recs[] = {
		{ IGMP_REC_IS_IN, addr(232, 1, 1, 1), s1, 2, NULL, 0 },
		{ IGMP_REC_IS_EX, addr(232, 1, 1, 2), NULL, 0, NULL, 0 },
		{ IGMP_REC_TO_IN, addr(232, 1, 1, 3), s2, 1, aux, 2 },
		{ IGMP_REC_TO_EX, addr(232, 1, 1, 4), s2, 1, NULL, 0 },
		{ IGMP_REC_ALLOW, addr(232, 1, 1, 5), s1, 2, NULL, 0 },
		{ IGMP_REC_BLOCK, addr(232, 1, 1, 6), s2, 1, NULL, 0 },
		{ 7, addr(232, 1, 1, 7), NULL, 0, NULL, 0 },
		{ 0, addr(232, 1, 1, 8), NULL, 0, NULL, 0 },
	};
	static const char *const want_items =
		"[{\"group\":\"232.1.1.1\",\"sources\":[\"10.0.0.1\",\"10.0.0.2\"],\"record\":\"is_in\"},"
		"{\"group\":\"232.1.1.2\",\"sources\":[],\"record\":\"is_ex\"},"
		"{\"group\":\"232.1.1.3\",\"sources\":[\"10.0.0.9\"],\"record\":\"to_in\"},"
		"{\"group\":\"232.1.1.4\",\"sources\":[\"10.0.0.9\"],\"record\":\"to_ex\"},"
		"{\"group\":\"232.1.1.5\",\"sources\":[\"10.0.0.1\",\"10.0.0.2\"],\"record\":\"allow\"},"
		"{\"group\":\"232.1.1.6\",\"sources\":[\"10.0.0.9\"],\"record\":\"block\"},"
		"{\"group\":\"232.1.1.7\",\"sources\":[],\"record\":7},"
		"{\"group\":\"232.1.1.8\",\"sources\":[],\"record\":0}]";
	/* A record with 300 sources: more than a request may carry, all reported. */
	static uint32_t many[300];
	struct igmp_record_spec big = {
		IGMP_REC_ALLOW, addr(232, 7, 7, 7), many, ARRAY_LEN(many), NULL, 0
	};
	/* A v3 report without records is still a report a client may want to see. */
	uint8_t empty[8] = { IGMP_TYPE_V3_REPORT, 0, 0, 0, 0, 0, 0, 0 };
	uint16_t next = 0, next_src = 0, ck;
	enum ctl_event_kind kind;
	uint8_t igmp[1400];
	json_t *ev, *items;
	size_t i, len;
	char *line;

	for (i = 0; i < ARRAY_LEN(v2); i++) {
		len = igmp_build_v2(igmp, sizeof(igmp), v2[i].type, 0, addr(239, 1, 2, 3));
		kind = CTL_EV_COUNT;
		ev = event_of(igmp, len, addr(10, 200, 1, 7), v2[i].role, &kind, &line);
		TAP_CHECK(ev != NULL && kind == CTL_EV_MEMBERSHIP_REPORT &&
			  strcmp(jstr(ev, "event"), "membership_report") == 0 &&
			  strcmp(jstr(ev, "port"), gw_role_name(v2[i].role)) == 0 &&
			  strcmp(jstr(ev, "from"), "10.200.1.7") == 0 &&
			  strcmp(jstr(ev, "message"), v2[i].message) == 0 &&
			  json_is(json_object_get(ev, "items"),
				  "[{\"group\":\"239.1.2.3\",\"sources\":[]}]") &&
			  json_object_size(ev) == 5,
			  "%s event: %s", v2[i].message, show(line));
		free(line);
		json_decref(ev);
	}

	len = igmp_build_v3_report(igmp, sizeof(igmp), 1400, recs, ARRAY_LEN(recs), &next,
				   &next_src);
	kind = CTL_EV_COUNT;
	ev = event_of(igmp, len, addr(10, 200, 1, 8), GW_ROLE_OUTSIDE, &kind, &line);
	items = json_object_get(ev, "items");
	TAP_CHECK(next == ARRAY_LEN(recs) && ev != NULL && kind == CTL_EV_MEMBERSHIP_REPORT &&
		  strcmp(jstr(ev, "from"), "10.200.1.8") == 0 &&
		  strcmp(jstr(ev, "message"), "v3_report") == 0 &&
		  strcmp(jstr(ev, "port"), "outside") == 0 && json_is(items, want_items),
		  "v3 report: every record type, sources in order, aux data skipped");
	if (ev != NULL && !json_is(items, want_items))
		fprintf(stderr, "  got %s\n", line);
	free(line);
	json_decref(ev);

	for (i = 0; i < ARRAY_LEN(many); i++)
		many[i] = addr(10, 3, (uint8_t)(i / 250), (uint8_t)(i % 250 + 1));
	next = next_src = 0;
	len = igmp_build_v3_report(igmp, sizeof(igmp), sizeof(igmp), &big, 1, &next, &next_src);
	ev = event_of(igmp, len, addr(10, 200, 1, 9), GW_ROLE_OUTSIDE, &kind, &line);
	items = json_array_get(json_object_get(ev, "items"), 0);
	TAP_CHECK(next == 1 && ev != NULL && json_array_size(json_object_get(items, "sources")) == 300 &&
		  strcmp(json_string_value(json_array_get(json_object_get(items, "sources"), 299)),
			 "10.3.1.50") == 0, "v3 record of 300 sources: all in the event");
	free(line);
	json_decref(ev);

	ck = igmp_inet_checksum(empty, sizeof(empty));
	empty[2] = (uint8_t)(ck >> 8);
	empty[3] = (uint8_t)ck;
	ev = event_of(empty, sizeof(empty), addr(10, 200, 1, 7), GW_ROLE_OUTSIDE, &kind, &line);
	TAP_CHECK(ev != NULL && json_is(json_object_get(ev, "items"), "[]") &&
		  strcmp(jstr(ev, "message"), "v3_report") == 0,
		  "v3 report without records: %s", show(line));
	free(line);
	json_decref(ev);
}

static void
test_no_event(void)
{
	struct igmp_ipv4 ip = { .src = addr(10, 0, 0, 1) };
	struct igmp_msg msg = { .type = 0x30, .len = 8 };
	enum ctl_event_kind kind = CTL_EV_COUNT;
	json_t *ev;
	uint8_t igmp[8], pkt[64];
	size_t len;

	TAP_CHECK(ctl_event_from_igmp(GW_ROLE_OUTSIDE, &ip, &msg, &kind) == NULL &&
		  kind == CTL_EV_COUNT, "type 0x30 raises no event and leaves kind alone");
	/* The codec refuses unknown types; what it could read still raises nothing. */
	len = igmp_build_v2(igmp, sizeof(igmp), 0x30, 0, addr(232, 1, 1, 1));
	TAP_CHECK(!packet(pkt, sizeof(pkt), igmp, len, addr(10, 0, 0, 1), &ip, &msg) &&
		  ctl_event_from_igmp(GW_ROLE_OUTSIDE, &ip, &msg, &kind) == NULL,
		  "an unknown type from the wire raises no event");
	TAP_CHECK(ctl_event_from_igmp(GW_ROLE_OUTSIDE, NULL, &msg, &kind) == NULL &&
		  ctl_event_from_igmp(GW_ROLE_OUTSIDE, &ip, NULL, &kind) == NULL,
		  "NULL packet raises no event");
	msg.type = IGMP_TYPE_V2_REPORT;
	msg.group = addr(232, 1, 1, 1);
	ev = ctl_event_from_igmp(GW_ROLE_OUTSIDE, &ip, &msg, NULL);
	TAP_CHECK(ev != NULL && strcmp(jstr(ev, "message"), "v2_report") == 0,
		  "kind may be NULL");
	json_decref(ev);
}

/*
 * Events raised as plain structs: group events become the lines tracking used
 * to build itself, and a packet's event struct gives the same JSON as the
 * packet in one go.
 */
static void
test_event_structs(void)
{
	struct ctl_event e = { .kind = CTL_EV_GROUP_ADDED, .port = GW_ROLE_INSIDE + 1,
			       .group = addr(239, 1, 2, 3) };
	struct igmp_ipv4 ip = { .src = addr(10, 0, 0, 1) };
	struct igmp_msg msg = { .type = IGMP_TYPE_V2_REPORT, .group = addr(232, 1, 1, 1) };
	json_t *ev, *direct;
	char *line;

	ev = ctl_event_json(&e);
	line = ctl_dump_line(ev, NULL);
	TAP_CHECK(line != NULL && strcmp(line, "{\"event\":\"group_added\",\"port\":\"inside2\","
					 "\"group\":\"239.1.2.3\"}\n") == 0,
		  "group_added event: %s", show(line));
	free(line);
	json_decref(ev);
	e.kind = CTL_EV_GROUP_REMOVED;
	e.port = GW_ROLE_INSIDE;
	ev = ctl_event_json(&e);
	line = ctl_dump_line(ev, NULL);
	TAP_CHECK(line != NULL && strcmp(line, "{\"event\":\"group_removed\",\"port\":\"inside\","
					 "\"group\":\"239.1.2.3\"}\n") == 0,
		  "group_removed event: %s", show(line));
	free(line);
	json_decref(ev);

	e.kind = CTL_EV_QUERY;
	TAP_CHECK(ctl_event_json(&e) == NULL, "a query event without its packet has no JSON");
	e.kind = CTL_EV_COUNT;
	TAP_CHECK(ctl_event_json(&e) == NULL && ctl_event_json(NULL) == NULL,
		  "an unknown kind, or no event, has no JSON");

	memset(&e, 0x5a, sizeof(e));
	TAP_CHECK(ctl_event_of_igmp(GW_ROLE_ALT, &ip, &msg, &e) &&
		  e.kind == CTL_EV_MEMBERSHIP_REPORT && e.port == GW_ROLE_ALT && e.ip == &ip &&
		  e.msg == &msg && e.to == NULL && e.trace == NULL,
		  "a report's event struct points at its packet, and at no one session (a struct "
		  "full of garbage before)");
	ev = ctl_event_json(&e);
	direct = ctl_event_from_igmp(GW_ROLE_ALT, &ip, &msg, NULL);
	TAP_CHECK(ev != NULL && json_equal(ev, direct), "and gives the packet's JSON");
	json_decref(ev);
	json_decref(direct);
	msg.type = 0x30;
	TAP_CHECK(!ctl_event_of_igmp(GW_ROLE_ALT, &ip, &msg, &e) &&
		  !ctl_event_of_igmp(GW_ROLE_ALT, NULL, &msg, &e),
		  "a packet that raises no event fills no struct");
}

/* trace: the request, and its events built from igmp_trace_fill's records. */
static void
test_trace(void)
{
	uint8_t pkt[IGMP_IP_HDR_LEN + 64], igmp[IGMP_V2_LEN];
	uint32_t srcs[] = { addr(10, 1, 1, 1), addr(10, 1, 1, 2) };
	struct igmp_record_spec spec[] = {
		{ .type = IGMP_REC_TO_EX, .group = addr(239, 1, 1, 1) },
		{ .type = IGMP_REC_ALLOW, .group = addr(232, 1, 1, 1), .sources = srcs,
		  .n_sources = 2 },
	};
	struct igmp_proxy_decision d = {
		.reason = PROXY_SENT, .egress = PROXY_EGRESS_ACTIVE_OUTSIDE, .dst = addr(239, 2, 2, 2),
	};
	struct ctl_event ev = { .kind = CTL_EV_TRACE, .seconds = 1.5 };
	struct igmp_trace_rec r;
	struct igmp_ipv4 ip;
	struct igmp_msg msg;
	uint16_t next = 0, next_src = 0;
	size_t len;
	json_t *o;

	TAP_CHECK(expect_ok("{\"cmd\":\"trace\"}") && req.cmd == CTL_TRACE && req.trace_ports == 0 &&
		  req.trace_count == IGMPGW_TRACE_DEFAULT_COUNT, "trace: every port, default count");
	TAP_CHECK(expect_ok("{\"cmd\":\"trace\",\"port\":\"inside2\",\"count\":3}") &&
		  req.trace_ports == 1u << (GW_ROLE_INSIDE + 1) && req.trace_count == 3,
		  "trace inside2 3");
	TAP_CHECK(expect_ok("{\"cmd\":\"trace\",\"port\":\"outside\",\"count\":null}") &&
		  req.trace_ports == 1u << GW_ROLE_OUTSIDE &&
		  req.trace_count == IGMPGW_TRACE_DEFAULT_COUNT, "trace outside, count null");
	EXPECT_ERR("trace on a port that is no role", "{\"cmd\":\"trace\",\"port\":\"eth0\"}",
		   "'eth0' is not a port", NULL);
	EXPECT_ERR("trace count 0", "{\"cmd\":\"trace\",\"count\":0}", "\"count\"", "1..");
	EXPECT_ERR("trace count too big", "{\"cmd\":\"trace\",\"count\":100001}", "\"count\"", NULL);
	EXPECT_ERR("trace count a string", "{\"cmd\":\"trace\",\"count\":\"5\"}", "\"count\"", NULL);
	EXPECT_ERR("trace port a number", "{\"cmd\":\"trace\",\"port\":2}", "\"port\"", "not an integer");

	igmp_build_v2(igmp, sizeof(igmp), IGMP_TYPE_V2_REPORT, 0, addr(239, 2, 2, 2));
	TAP_CHECK(packet(pkt, sizeof(pkt), igmp, sizeof(igmp), addr(10, 0, 0, 9), &ip, &msg),
		  "a v2 report framed");
	igmp_trace_fill(&r, GW_ROLE_INSIDE, pkt, IGMP_IP_HDR_LEN + sizeof(igmp), &ip, &msg,
			IGMP_OK, &d);
	ev.trace = &r;
	o = ctl_event_json(&ev);
	TAP_CHECK(o != NULL && json_is(o, "{\"event\":\"trace\",\"port\":\"inside\",\"time\":1.5,"
				       "\"from\":\"10.0.0.9\",\"to\":\"224.0.0.1\",\"message\":"
				       "\"v2_report\",\"type\":22,\"version\":2,\"length\":8,"
				       "\"group\":\"239.2.2.2\",\"decision\":\"sent\",\"reason\":"
				       "\"proxied\",\"stage\":\"proxy\",\"egress\":\"active_outside\","
				       "\"egress_to\":\"239.2.2.2\"}"),
		  "a v2 report proxied: what came, where it went, why");
	json_decref(o);

	d = (struct igmp_proxy_decision){ .reason = PROXY_SWITCHED_OFF };
	len = igmp_build_v3_report(pkt + IGMP_IP_HDR_LEN, sizeof(pkt) - IGMP_IP_HDR_LEN, 64, spec, 2,
				   &next, &next_src);
	igmp_build_ipv4_header(pkt, sizeof(pkt), addr(10, 0, 0, 9), addr(224, 0, 0, 22),
			       (uint16_t)len);
	TAP_CHECK(igmp_packet_parse(pkt, IGMP_IP_HDR_LEN + len, &ip, &msg) == IGMP_OK,
		  "a v3 report framed");
	igmp_trace_fill(&r, GW_ROLE_INSIDE, pkt, IGMP_IP_HDR_LEN + len, &ip, &msg, IGMP_OK, &d);
	o = ctl_event_json(&ev);
	TAP_CHECK(o != NULL && json_is(json_object_get(o, "records"),
				       "[{\"record\":\"to_ex\",\"group\":\"239.1.1.1\",\"sources\":0},"
				       "{\"record\":\"allow\",\"group\":\"232.1.1.1\",\"sources\":2}]") &&
		  strcmp(jstr(o, "decision"), "dropped") == 0 &&
		  strcmp(jstr(o, "reason"), "switched_off") == 0 &&
		  json_object_get(o, "egress") == NULL && json_object_get(o, "group") == NULL,
		  "a v3 report switched off: its records, dropped, the proxy's reason");
	json_decref(o);

	/* A bad checksum: read from the bytes, the wire error as the reason. */
	pkt[IGMP_IP_HDR_LEN + 2] ^= 0xff;
	TAP_CHECK(igmp_packet_parse(pkt, IGMP_IP_HDR_LEN + len, &ip, &msg) ==
		  IGMP_ERR_BAD_IGMP_CHECKSUM, "the checksum broken");
	memset(&ip, 0xa5, sizeof(ip));
	memset(&msg, 0xa5, sizeof(msg));
	igmp_trace_fill(&r, GW_ROLE_OUTSIDE, pkt, IGMP_IP_HDR_LEN + len, &ip, &msg,
			IGMP_ERR_BAD_IGMP_CHECKSUM, NULL);
	o = ctl_event_json(&ev);
	TAP_CHECK(o != NULL && strcmp(jstr(o, "port"), "outside") == 0 &&
		  strcmp(jstr(o, "from"), "10.0.0.9") == 0 &&
		  strcmp(jstr(o, "message"), "v3_report") == 0 &&
		  strcmp(jstr(o, "decision"), "dropped") == 0 &&
		  strcmp(jstr(o, "reason"), "bad_igmp_checksum") == 0 &&
		  strcmp(jstr(o, "stage"), "wire") == 0 && json_object_get(o, "records") == NULL,
		  "a bad checksum: dropped by the codec, its error named");
	json_decref(o);
	igmp_trace_fill(&r, GW_ROLE_INSIDE, pkt, 10, &ip, &msg, IGMP_ERR_TRUNCATED_IP_HEADER, NULL);
	o = ctl_event_json(&ev);
	TAP_CHECK(o != NULL && strcmp(jstr(o, "from"), "0.0.0.0") == 0 &&
		  strcmp(jstr(o, "message"), "unknown") == 0 &&
		  strcmp(jstr(o, "reason"), "truncated_ip_header") == 0,
		  "10 bytes: nothing read past them");
	json_decref(o);

	ev = (struct ctl_event){ .kind = CTL_EV_TRACE_END, .traced = 3, .dropped = 1 };
	o = ctl_event_json(&ev);
	TAP_CHECK(o != NULL && json_is(o, "{\"event\":\"trace_end\",\"traced\":3,\"dropped\":1}"),
		  "trace_end: how many shown, how many lost");
	json_decref(o);
	TAP_CHECK(strcmp(ctl_event_name(CTL_EV_TRACE), "trace") == 0 &&
		  strcmp(ctl_event_name(CTL_EV_TRACE_END), "trace_end") == 0 &&
		  CTL_EV_TRACE < 32, "trace kinds: named, and a bit of a session mask");
	EXPECT_ERR("trace is not subscribable", "{\"cmd\":\"subscribe\",\"events\":[\"trace\"]}",
		   "trace", NULL);
}

/* The cursor of "groups" pages: what the gateway writes reads back, nothing else does. */
static void
test_cursor(void)
{
	static const char *const bad[] = {
		"", "inside", "inside/", "/239.1.1.1", "outside", "alt/", "upstream/239.1.1.1",
		"inside/239.1.1.1#", "inside/239.1.1.1#0", "inside/239.1.1.1#01", "inside/239.1.1.1#-1",
		"inside/239.1.1.1#+1", "inside/239.1.1.1# 1", "inside/239.1.1.1#1 ", "inside/239.1.1.1#1x",
		"inside/239.1.1.1#65536", "inside/239.1.1.1#1#2", "inside#1/239.1.1.1",
		"inside17/239.1.1.1", "inside0/239.1.1.1", "Inside/239.1.1.1", "inside//239.1.1.1",
		"inside/239.1.1", "inside/239.1.1.1.1", "inside/239.1.1.256", "inside/239.01.1.1",
		"inside/239.1.1.1 ", " inside/239.1.1.1", "inside/239.1.1.1/", "inside:239.1.1.1",
		"inside2/0x7f.1.1.1", "inside3/255.255.255.255x",
	};
	const uint32_t groups[] = { 0, addr(224, 0, 1, 0), addr(239, 255, 254, 253), 0xffffffff };
	const uint16_t ranks[] = { 0, 1, 65, 65535 };
	struct ctl_cursor cur, back;
	char buf[IGMPGW_CURSOR_LEN];
	bool all = true;

	for (int r = 0; r < GW_MAX_PORTS; r++) {
		for (size_t g = 0; g < ARRAY_LEN(groups) * ARRAY_LEN(ranks); g++) {
			int n;

			cur = (struct ctl_cursor){ .port = (enum gw_role)r, .group = groups[g % 4],
						   .rank = ranks[g / 4] };
			memset(&back, 0xff, sizeof(back));
			n = ctl_cursor_format(&cur, buf, sizeof(buf));
			if (n <= 0 || (size_t)n != strlen(buf) ||
			    ctl_cursor_parse(buf, (size_t)n, &back) != 0 || back.port != cur.port ||
			    back.group != cur.group || back.rank != cur.rank ||
			    (cur.rank == 0) != (strchr(buf, '#') == NULL)) {
				fprintf(stderr, "  cursor %d/%08x#%u: '%s' (%d)\n", r, groups[g % 4],
					cur.rank, buf, n);
				all = false;
			}
		}
	}
	TAP_CHECK(all, "every port (outside and alt hold the static joins), group and rank, "
		  "edges included, reads back as written; rank 0 writes no '#'");
	cur = (struct ctl_cursor){ .port = GW_MAX_PORTS - 1, .group = 0xffffffff, .rank = 65535 };
	TAP_CHECK(ctl_cursor_format(&cur, buf, sizeof(buf)) ==
		  (int)strlen("inside16/255.255.255.255#65535") &&
		  strcmp(buf, "inside16/255.255.255.255#65535") == 0,
		  "the longest cursor fits IGMPGW_CURSOR_LEN: %s", buf);
	TAP_CHECK(ctl_cursor_format(&cur, buf, strlen("inside16/255.255.255.255#65535")) < 0,
		  "a buffer one byte short is refused");
	TAP_CHECK(ctl_cursor_parse("outside/239.1.1.1#65", 20, &back) == 0 &&
		  back.port == GW_ROLE_OUTSIDE && back.rank == 65, "a static join's cursor");
	cur.port = GW_MAX_PORTS;
	TAP_CHECK(ctl_cursor_format(&cur, buf, sizeof(buf)) < 0, "a role past the last");
	TAP_CHECK(ctl_cursor_format(NULL, buf, sizeof(buf)) < 0, "NULL cursor");
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		TAP_CHECK(ctl_cursor_parse(bad[i], strlen(bad[i]), &back) < 0,
			  "cursor '%s' refused", bad[i]);
	TAP_CHECK(ctl_cursor_parse("inside/239.1.1.1\0x", 18, &back) < 0, "a NUL inside refused");
	TAP_CHECK(ctl_cursor_parse("inside/239.1.1.1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 48, &back) < 0,
		  "a cursor longer than IGMPGW_CURSOR_LEN refused");
	TAP_CHECK(ctl_cursor_parse("inside/239.1.1.17", 16, &back) == 0 &&
		  back.group == addr(239, 1, 1, 1), "only len bytes are read");
	TAP_CHECK(ctl_cursor_parse(NULL, 0, &back) < 0, "NULL text refused");

	/* In a request. */
	TAP_CHECK(expect_ok("{\"cmd\":\"groups\"}") && !req.paged &&
		  req.cursor.port == GW_ROLE_OUTSIDE && req.cursor.group == 0 && req.cursor.rank == 0,
		  "groups without limit or cursor: the whole table from the start");
	TAP_CHECK(expect_ok("{\"cmd\":\"groups\",\"limit\":7}") && req.paged && req.limit == 7 &&
		  req.cursor.port == GW_ROLE_OUTSIDE && req.cursor.group == 0,
		  "a limit alone: the first page");
	TAP_CHECK(expect_ok("{\"cmd\":\"groups\",\"cursor\":null}") && req.paged &&
		  req.limit == IGMPGW_GROUPS_PAGE_DEFAULT && req.cursor.group == 0,
		  "cursor null: the first page of the default size");
	TAP_CHECK(expect_ok("{\"cmd\":\"groups\",\"cursor\":\"inside3/239.2.3.4\",\"limit\":4096}") &&
		  req.paged && req.limit == IGMPGW_GROUPS_PAGE_MAX && req.cursor.port == GW_ROLE_INSIDE + 2 &&
		  req.cursor.group == addr(239, 2, 3, 4), "a cursor and the largest limit");
	TAP_CHECK(expect_ok("{\"cmd\":\"groups\",\"limit\":1}") && req.limit == 1,
		  "the smallest limit");
	EXPECT_ERR("limit 0", "{\"cmd\":\"groups\",\"limit\":0}", "\"limit\"", "4096");
	EXPECT_ERR("limit over the maximum", "{\"cmd\":\"groups\",\"limit\":4097}", "\"limit\"",
		   "4097");
	EXPECT_ERR("negative limit", "{\"cmd\":\"groups\",\"limit\":-1}", "\"limit\"", NULL);
	EXPECT_ERR("limit as a string", "{\"cmd\":\"groups\",\"limit\":\"10\"}", "\"limit\"",
		   "a string");
	EXPECT_ERR("limit as a real", "{\"cmd\":\"groups\",\"limit\":1.5}", "\"limit\"", NULL);
	EXPECT_ERR("huge limit", "{\"cmd\":\"groups\",\"limit\":99999999999999999}", "\"limit\"",
		   NULL);
	EXPECT_ERR("cursor as a number", "{\"cmd\":\"groups\",\"cursor\":5}", "\"cursor\"",
		   "an integer");
	EXPECT_ERR("cursor of no port", "{\"cmd\":\"groups\",\"cursor\":\"upstream/1.2.3.4\"}",
		   "\"cursor\"", "upstream/1.2.3.4");
	/* jansson itself refuses \u0000; ctl_cursor_parse() would too (checked above). */
	EXPECT_ERR("cursor with a NUL", "{\"cmd\":\"groups\",\"cursor\":\"inside/1.2.3.4\\u0000\"}",
		   "not JSON", NULL);
	{
		struct sbuf b = { 0 };

		sb_add(&b, "{\"cmd\":\"groups\",\"cursor\":\"inside/");
		for (int i = 0; i < 5000; i++)
			sb_add(&b, "9");
		sb_add(&b, "\"}");
		EXPECT_ERR("cursor of 5000 bytes, quoted short", b.p, "\"cursor\"", "...");
		free(b.p);
	}
}

/* mroute_add, mroute_del: the route's fields, as [mroute] would give them. */
static void
test_routes(void)
{
	TAP_CHECK(expect_ok("{\"cmd\":\"mroute_add\",\"group\":\"239.1.2.0/24\","
			    "\"source\":\"10.0.0.1\",\"ports\":[\"inside\",\"inside3\"]}") &&
		  req.cmd == CTL_MROUTE_ADD && req.route.group == htonl(0xef010200) &&
		  req.route.prefix_len == 24 && req.route.source == htonl(0x0a000001) &&
		  req.route.ports == ((1u << GW_ROLE_INSIDE) | (1u << (GW_ROLE_INSIDE + 2))),
		  "mroute_add: group/24, source and two ports");
	TAP_CHECK(expect_ok("{\"cmd\":\"mroute_del\",\"group\":\"239.1.2.3\"}") &&
		  req.route.prefix_len == 32 && req.route.source == 0 && req.route.ports == 0,
		  "mroute_del: a group alone is /32 from any source");
	TAP_CHECK(expect_ok("{\"cmd\":\"mroute_show\"}") && req.cmd == CTL_MROUTE_SHOW,
		  "mroute_show takes nothing");
	TAP_CHECK(expect_ok("{\"cmd\":\"reload\"}") && req.cmd == CTL_RELOAD, "reload");
	EXPECT_ERR("mroute_add without group", "{\"cmd\":\"mroute_add\",\"ports\":[\"inside\"]}",
		   "\"group\"", NULL);
	EXPECT_ERR("mroute_add of a unicast group",
		   "{\"cmd\":\"mroute_add\",\"group\":\"10.1.1.1\",\"ports\":[\"inside\"]}",
		   "not a multicast group", NULL);
	EXPECT_ERR("mroute_add with prefix 33",
		   "{\"cmd\":\"mroute_add\",\"group\":\"239.1.1.1/33\",\"ports\":[\"inside\"]}",
		   "prefix length", NULL);
	EXPECT_ERR("mroute_add with prefix 'x'",
		   "{\"cmd\":\"mroute_add\",\"group\":\"239.1.1.1/x\",\"ports\":[\"inside\"]}",
		   "prefix length", NULL);
	EXPECT_ERR("mroute_add to the outside",
		   "{\"cmd\":\"mroute_add\",\"group\":\"239.1.1.1\",\"ports\":[\"outside\"]}",
		   "not an inside port", NULL);
	EXPECT_ERR("mroute_add without ports", "{\"cmd\":\"mroute_add\",\"group\":\"239.1.1.1\"}",
		   "\"ports\"", NULL);
	EXPECT_ERR("mroute_del from a multicast source",
		   "{\"cmd\":\"mroute_del\",\"group\":\"239.1.1.1\",\"source\":\"239.0.0.1\"}",
		   "not a unicast address", NULL);
}

int
main(void)
{
	test_names();
	test_commands();
	test_log_level();
	test_request_errors();
	test_limits();
	test_ids();
	test_responses();
	test_hostile();
	test_mutations();
	test_query_events();
	test_report_events();
	test_no_event();
	test_event_structs();
	test_cursor();
	test_trace();
	test_routes();
	ctl_request_release(&req);
	return TAP_DONE();
}
