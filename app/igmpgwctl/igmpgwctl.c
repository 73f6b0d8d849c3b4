/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmpgwctl: the operator's command line to a running igmpgw, over its
 * control socket (docs/control-protocol.md) through the client library.
 * Human-readable tables by default, the gateway's JSON with --json.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include <jansson.h>

#include "igmpgw_client.h"
#include "igmpgw_proto.h"

#define PROG "igmpgwctl"
#define EXIT_FAIL 1
#define EXIT_USAGE 2

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct ctl_opts {
	const char *socket;
	bool json;
};

struct command {
	const char *name;
	int (*run)(const struct ctl_opts *o, int argc, char **argv);
	const char *args;
	const char *help;
};

static volatile sig_atomic_t stop_requested;

/* Each event kind and the config key that makes the gateway raise it. */
static const struct {
	const char *name;
	const char *switch_key;
} event_kinds[] = {
#define EVENT_KIND(code, name, key) { name, key },
	IGMPGW_EVENTS(EVENT_KIND)
#undef EVENT_KIND
};

/* The gateway's level names, numbered from IGMPGW_LOG_LEVEL_MIN. */
static const char *const log_levels[] = {
#define LOG_LEVEL(code, name) name,
	IGMPGW_LOG_LEVELS(LOG_LEVEL)
#undef LOG_LEVEL
};
#define LOG_LEVEL_MAX (IGMPGW_LOG_LEVEL_MIN + (int)ARRAY_LEN(log_levels) - 1)

static void usage(FILE *out);

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on stderr saying what is wrong with the command line; returns the exit status. */
static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (" PROG " help shows the usage)\n");
	return EXIT_USAGE;
}

/* "a, b, c" from n names at stride bytes apart, for messages that list the choices. */
static const char *
names_join(char *out, size_t cap, const void *names, size_t stride, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && len < cap; i++) {
		const char *name = *(const char *const *)((const char *)names + i * stride);
		int w = snprintf(out + len, cap - len, "%s%s", i == 0 ? "" : ", ", name);

		if (w < 0)
			break;
		len += (size_t)w;
	}
	return out;
}

/* ---- talking to the gateway ---- */

static struct igmpgw_client *
open_client(const struct ctl_opts *o)
{
	struct igmpgw_client *c = igmpgw_client_connect(o->socket);

	if (c == NULL)
		fprintf(stderr, PROG ": cannot connect to %s: %s (is igmpgw running?)\n",
			igmpgw_client_socket_path(o->socket), strerror(errno));
	return c;
}

/* Prints why a request failed; true when resp is a success. */
static bool
response_ok(const json_t *resp)
{
	const char *err;

	if (resp == NULL) {
		fprintf(stderr, PROG ": no answer from the gateway: %s\n", strerror(errno));
		return false;
	}
	err = igmpgw_client_error(resp);
	if (err != NULL) {
		fprintf(stderr, PROG ": %s\n", err);
		return false;
	}
	return true;
}

/* The gateway's object as one line, without the id the library added. */
static void
print_json(json_t *obj)
{
	char *text;

	json_object_del(obj, "id");
	text = json_dumps(obj, JSON_COMPACT);
	if (text != NULL) {
		puts(text);
		free(text);
	}
	fflush(stdout);
}

/*
 * Common end of a one-request command: the error or the JSON is printed here,
 * the human form by show(). Releases resp.
 */
static int
finish(const struct ctl_opts *o, json_t *resp, void (*show)(const json_t *resp))
{
	int rc = EXIT_SUCCESS;

	if (!response_ok(resp)) {
		/* --json users still get the gateway's refusal as JSON on stdout. */
		if (o->json && resp != NULL)
			print_json(resp);
		rc = EXIT_FAIL;
	} else if (o->json) {
		print_json(resp);
	} else if (show != NULL) {
		show(resp);
	}
	json_decref(resp);
	return rc;
}

/* ---- formatting ---- */

/* Any JSON value as table text: strings bare, booleans yes/no, null "-". */
static const char *
value_str(const json_t *v, char *buf, size_t len)
{
	char *text;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_string_value(v);
	case JSON_TRUE:
		return "yes";
	case JSON_FALSE:
		return "no";
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	case JSON_REAL:
		snprintf(buf, len, "%g", json_real_value(v));
		return buf;
	case JSON_OBJECT:
	case JSON_ARRAY:
		text = json_dumps(v, JSON_COMPACT);
		snprintf(buf, len, "%s", text != NULL ? text : "?");
		free(text);
		return buf;
	case JSON_NULL:
	default:
		break;
	}
	return v == NULL ? "?" : "-";
}

static void
format_duration(json_int_t s, char *buf, size_t len)
{
	if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", (long long)s / 60, (long long)s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm%02llds", (long long)s / 3600,
			 (long long)s / 60 % 60, (long long)s % 60);
	else
		snprintf(buf, len, "%lldd%02lldh%02lldm", (long long)s / 86400,
			 (long long)s / 3600 % 24, (long long)s / 60 % 60);
}

/* Key/value lines of an object, keys padded to one column. */
static void
print_object_lines(const char *indent, const json_t *obj)
{
	const char *key;
	json_t *v;
	size_t width = 0;
	char buf[256];

	json_object_foreach((json_t *)obj, key, v) {
		if (strlen(key) > width)
			width = strlen(key);
	}
	json_object_foreach((json_t *)obj, key, v)
		printf("%s%-*s  %s\n", indent, (int)width, key, value_str(v, buf, sizeof(buf)));
}

/* One row per object in rows, one column per name in cols (headers in upper case). */
static void
print_table(const json_t *rows, const char *const *cols, size_t n_cols)
{
	size_t width[16] = { 0 };
	char buf[256];
	size_t i;
	json_t *row;

	for (size_t k = 0; k < n_cols && k < ARRAY_LEN(width); k++)
		width[k] = strlen(cols[k]);
	json_array_foreach(rows, i, row) {
		for (size_t k = 0; k < n_cols && k < ARRAY_LEN(width); k++) {
			size_t w = strlen(value_str(json_object_get(row, cols[k]), buf, sizeof(buf)));

			w = w == 0 ? 1 : w;

			if (w > width[k])
				width[k] = w;
		}
	}
	for (size_t k = 0; k < n_cols && k < ARRAY_LEN(width); k++) {
		for (const char *p = cols[k]; *p != '\0'; p++)
			putchar(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
		printf("%*s", k + 1 < n_cols ? (int)(width[k] - strlen(cols[k]) + 2) : 0, "");
	}
	putchar('\n');
	json_array_foreach(rows, i, row) {
		for (size_t k = 0; k < n_cols && k < ARRAY_LEN(width); k++) {
			const char *s = value_str(json_object_get(row, cols[k]), buf, sizeof(buf));

			/* An empty cell would shift the columns for anyone splitting on blanks. */
			if (s[0] == '\0')
				s = "-";

			if (k + 1 < n_cols)
				printf("%-*s  ", (int)width[k], s);
			else
				printf("%s", s);
		}
		putchar('\n');
	}
}

/* ---- status ---- */

static void
show_querier(const json_t *q)
{
	char buf[64];
	char age[32];
	const json_t *v;

	if (!json_is_object(q)) {
		printf("querier: none heard yet\n");
		return;
	}
	printf("querier: %s", value_str(json_object_get(q, "address"), buf, sizeof(buf)));
	v = json_object_get(q, "mac");
	if (v != NULL)
		printf(" (%s)", value_str(v, buf, sizeof(buf)));
	v = json_object_get(q, "version");
	if (v != NULL)
		printf(" IGMPv%s", value_str(v, buf, sizeof(buf)));
	v = json_object_get(q, "port");
	if (v != NULL)
		printf(" on %s", value_str(v, buf, sizeof(buf)));
	v = json_object_get(q, "age");
	if (json_is_number(v)) {
		format_duration((json_int_t)json_number_value(v), age, sizeof(age));
		printf(", heard %s ago", age);
	}
	putchar('\n');
}

/* A status member: an object as indented key/value lines, anything else on one line. */
static void
show_section(const char *title, const json_t *v)
{
	char buf[256];

	if (json_is_object(v)) {
		printf("\n%s:\n", title);
		print_object_lines("  ", v);
	} else if (v != NULL) {
		printf("\n%s: %s\n", title, value_str(v, buf, sizeof(buf)));
	}
}

/* Tracking's scalars as a section, then who queries each inside port; counters are in stats. */
static void
show_tracking(const json_t *t)
{
	json_t *shown, *q;
	char buf[64];
	size_t i;

	if (!json_is_object(t))
		return;
	shown = json_deep_copy(t);
	json_object_del(shown, "counters");
	json_object_del(shown, "queriers");
	show_section("tracking", shown);
	json_decref(shown);
	json_array_foreach(json_object_get(t, "queriers"), i, q) {
		printf("  querier on %-8s ",
		       value_str(json_object_get(q, "port"), buf, sizeof(buf)));
		if (json_is_true(json_object_get(q, "we_query")))
			printf("this gateway\n");
		else
			printf("%s (we take over if it goes silent)\n",
			       value_str(json_object_get(q, "querier"), buf, sizeof(buf)));
	}
}

/* The paced send queues, one row per port: how deep, how fast, what they sent and dropped. */
static void
show_tx_queues(const json_t *queues)
{
	static const char *const cols[] = {
		"role", "depth", "max_depth", "bound", "rate_pps", "burst", "queued", "sent",
		"dropped_full",
	};
	json_t *rows = json_array();
	const char *role;
	json_t *q;

	json_object_foreach((json_t *)queues, role, q) {
		json_t *row = json_deep_copy(q);

		json_object_set_new(row, "role", json_string(role));
		json_array_append_new(rows, row);
	}
	if (json_array_size(rows) > 0) {
		printf("\nsend queues:\n");
		print_table(rows, cols, ARRAY_LEN(cols));
	}
	json_decref(rows);
}

static void
show_status(const json_t *resp)
{
	static const char *const port_cols[] = {
		"role", "port_id", "name", "link", "address", "mac", "twin", "active",
	};
	const json_t *ports = json_object_get(resp, "ports");
	const json_t *v;
	char buf[64];
	char up[32];

	printf("igmpgw %s", value_str(json_object_get(resp, "version"), buf, sizeof(buf)));
	v = json_object_get(resp, "uptime");
	if (json_is_number(v)) {
		format_duration((json_int_t)json_number_value(v), up, sizeof(up));
		printf(", up %s", up);
	}
	printf(", active outside: %s\n\n",
	       value_str(json_object_get(resp, "active_outside"), buf, sizeof(buf)));
	if (json_is_array(ports))
		print_table(ports, port_cols, ARRAY_LEN(port_cols));
	putchar('\n');
	show_querier(json_object_get(resp, "querier"));
	show_section("switches", json_object_get(resp, "igmp"));
	show_section("exception", json_object_get(resp, "exception"));
	show_section("forwarding", json_object_get(resp, "forwarding"));
	show_tracking(json_object_get(resp, "tracking"));
	show_tx_queues(json_object_get(resp, "tx_queues"));
}

static int
cmd_status(const struct ctl_opts *o, int argc, char **argv)
{
	struct igmpgw_client *c;
	int rc;

	(void)argv;
	if (argc > 1)
		return usage_error("status takes no arguments");
	c = open_client(o);
	if (c == NULL)
		return EXIT_FAIL;
	rc = finish(o, igmpgw_client_status(c), show_status);
	igmpgw_client_close(c);
	return rc;
}

/* ---- stats ---- */

static bool show_all_counters;

static bool
is_nonzero(const json_t *v)
{
	return !(json_is_number(v) && json_number_value(v) == 0) && !json_is_false(v) &&
		!json_is_null(v);
}

/* Counters as rows, ports as columns: the counters every port shares line up. */
static void
show_stats(const json_t *resp)
{
	const json_t *ports = json_object_get(resp, "ports");
	const json_t *control = json_object_get(resp, "control");
	json_t *names = json_object();   /* counter name -> shown, in first-seen order */
	const char *role;
	const char *name;
	json_t *counters;
	json_t *v;
	size_t name_width = strlen("counter");
	size_t shown_rows = 0;
	char buf[64];

	if (names == NULL)
		return;
	json_object_foreach((json_t *)ports, role, counters) {
		json_object_foreach(counters, name, v) {
			bool shown = show_all_counters || is_nonzero(v) ||
				json_is_true(json_object_get(names, name));

			json_object_set_new(names, name, json_boolean(shown));
		}
	}
	json_object_foreach(names, name, v) {
		if (json_is_true(v) && strlen(name) > name_width)
			name_width = strlen(name);
	}

	if (json_object_size(ports) > 0) {
		printf("%-*s", (int)name_width, "COUNTER");
		json_object_foreach((json_t *)ports, role, counters)
			printf("  %12s", role);
		putchar('\n');
	}
	json_object_foreach(names, name, v) {
		if (!json_is_true(v))
			continue;
		shown_rows++;
		printf("%-*s", (int)name_width, name);
		json_object_foreach((json_t *)ports, role, counters) {
			json_t *cv = json_object_get(counters, name);

			printf("  %12s", cv == NULL ? "-" : value_str(cv, buf, sizeof(buf)));
		}
		putchar('\n');
	}
	if (shown_rows == 0 && json_object_size(names) > 0)
		printf("(every counter is zero; --all shows them)\n");
	json_decref(names);

	if (json_is_object(control)) {
		const char *sep = "";

		printf("\ncontrol:");
		json_object_foreach((json_t *)control, name, v) {
			printf("%s %s %s", sep, name, value_str(v, buf, sizeof(buf)));
			sep = ",";
		}
		putchar('\n');
	}
}

static int
cmd_stats(const struct ctl_opts *o, int argc, char **argv)
{
	struct igmpgw_client *c;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0 || strcmp(argv[i], "-a") == 0)
			show_all_counters = true;
		else
			return usage_error("stats: unexpected argument '%s'", argv[i]);
	}
	c = open_client(o);
	if (c == NULL)
		return EXIT_FAIL;
	rc = finish(o, igmpgw_client_stats(c), show_stats);
	igmpgw_client_close(c);
	return rc;
}

/* ---- select-outside ---- */

static void
show_active_outside(const json_t *resp)
{
	char buf[64];

	printf("active outside: %s\n",
	       value_str(json_object_get(resp, "active_outside"), buf, sizeof(buf)));
}

static int
cmd_select_outside(const struct ctl_opts *o, int argc, char **argv)
{
	struct igmpgw_client *c;
	int rc;

	if (argc != 2)
		return usage_error("select-outside takes one argument, outside or alt");
	if (strcmp(argv[1], "outside") != 0 && strcmp(argv[1], "alt") != 0)
		return usage_error("select-outside: '%s' is neither outside nor alt", argv[1]);
	c = open_client(o);
	if (c == NULL)
		return EXIT_FAIL;
	rc = finish(o, igmpgw_client_select_outside(c, argv[1]), show_active_outside);
	igmpgw_client_close(c);
	return rc;
}

/* ---- report, leave ---- */

static void
show_sent(const json_t *resp)
{
	const json_t *packets = json_object_get(resp, "packets");
	const char *dest = json_string_value(json_object_get(resp, "destination"));
	char buf[64];

	printf("sent %s packet%s", value_str(packets, buf, sizeof(buf)),
	       json_integer_value(packets) == 1 ? "" : "s");
	/* "multicast", or the unicast address the special unicast mode used. */
	if (dest != NULL && strcmp(dest, "multicast") == 0)
		printf(" by multicast\n");
	else
		printf(" to %s\n", dest != NULL ? dest : "?");
}

static int
cmd_items(const struct ctl_opts *o, int argc, char **argv, bool leave)
{
	const char *cmd = argv[0];
	struct igmpgw_item **parsed;
	struct igmpgw_item *items;
	size_t n = (size_t)argc - 1;
	struct igmpgw_client *c;
	int rc = EXIT_USAGE;
	char err[256];

	if (n == 0)
		return usage_error("%s needs at least one membership, G or G@S[,S...]", cmd);
	if (n > IGMPGW_MAX_ITEMS) {
		fprintf(stderr, PROG ": %s: %zu memberships, the gateway takes at most %d at once\n",
			cmd, n, IGMPGW_MAX_ITEMS);
		return EXIT_USAGE;
	}
	parsed = calloc(n, sizeof(*parsed));
	items = calloc(n, sizeof(*items));
	if (parsed == NULL || items == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		rc = EXIT_FAIL;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		parsed[i] = igmpgw_item_parse(argv[i + 1], err, sizeof(err));
		if (parsed[i] == NULL) {
			fprintf(stderr, PROG ": %s: %s\n", cmd, err);
			goto out;
		}
		items[i] = *parsed[i];
	}
	c = open_client(o);
	if (c == NULL) {
		rc = EXIT_FAIL;
		goto out;
	}
	rc = finish(o, leave ? igmpgw_client_leave(c, items, n) : igmpgw_client_report(c, items, n),
		    show_sent);
	igmpgw_client_close(c);
out:
	for (size_t i = 0; parsed != NULL && i < n; i++)
		free(parsed[i]);
	free(parsed);
	free(items);
	return rc;
}

static int
cmd_report(const struct ctl_opts *o, int argc, char **argv)
{
	return cmd_items(o, argc, argv, false);
}

static int
cmd_leave(const struct ctl_opts *o, int argc, char **argv)
{
	return cmd_items(o, argc, argv, true);
}

/* ---- groups ---- */

/* "ADDR:SECONDS,..." for a group's sources: no blanks, so the table splits cleanly. */
static json_t *
sources_cell(const json_t *sources)
{
	char cell[4096];
	size_t len = 0;
	size_t i;
	json_t *s;

	cell[0] = '\0';
	json_array_foreach(sources, i, s) {
		const char *a = json_string_value(json_object_get(s, "address"));
		const json_t *timer = json_object_get(s, "timer");
		int n;

		if (json_is_number(timer))
			n = snprintf(cell + len, sizeof(cell) - len, "%s%s:%.1fs",
				     i == 0 ? "" : ",", a != NULL ? a : "?", json_number_value(timer));
		else
			n = snprintf(cell + len, sizeof(cell) - len, "%s%s", i == 0 ? "" : ",",
				     a != NULL ? a : "?");
		if (n < 0 || (size_t)n >= sizeof(cell) - len) {
			/* Hundreds of sources: say how many rather than cut one in half. */
			snprintf(cell, sizeof(cell), "%zu_sources", json_array_size(sources));
			break;
		}
		len += (size_t)n;
	}
	return json_string(cell[0] != '\0' ? cell : "-");
}

static void
show_groups(const json_t *resp)
{
	static const char *const cols[] = {
		"port", "group", "mode", "sources", "timer", "compat", "last_reporter",
	};
	const json_t *groups = json_object_get(resp, "groups");
	json_t *rows;
	json_t *g;
	size_t i;
	char buf[64];

	if (!json_is_true(json_object_get(resp, "tracking"))) {
		printf("membership tracking is off ([proxy] track_membership)\n");
		return;
	}
	if (json_array_size(groups) == 0) {
		printf("no group has members\n");
		return;
	}
	rows = json_array();
	if (rows == NULL)
		return;
	json_array_foreach(groups, i, g) {
		const json_t *timer = json_object_get(g, "timer");
		const json_t *compat = json_object_get(g, "compat");
		char t[32];
		char v[32];

		if (json_is_number(timer))
			snprintf(t, sizeof(t), "%.1fs", json_number_value(timer));
		else
			snprintf(t, sizeof(t), "-");
		if (json_is_integer(compat))
			snprintf(v, sizeof(v), "v%" JSON_INTEGER_FORMAT,
				 json_integer_value(compat));
		else
			snprintf(v, sizeof(v), "%s", value_str(compat, buf, sizeof(buf)));
		/* A member the gateway left out becomes null, which print_table shows as "-". */
		json_array_append_new(rows, json_pack("{s:O?, s:O?, s:O?, s:o, s:s, s:s, s:O?}",
						      "port", json_object_get(g, "port"),
						      "group", json_object_get(g, "group"),
						      "mode", json_object_get(g, "mode"),
						      "sources", sources_cell(json_object_get(g, "sources")),
						      "timer", t, "compat", v,
						      "last_reporter", json_object_get(g, "last_reporter")));
	}
	print_table(rows, cols, ARRAY_LEN(cols));
	json_decref(rows);
}

static int
cmd_groups(const struct ctl_opts *o, int argc, char **argv)
{
	struct igmpgw_client *c;
	int rc;

	(void)argv;
	if (argc > 1)
		return usage_error("groups takes no arguments");
	c = open_client(o);
	if (c == NULL)
		return EXIT_FAIL;
	/* Page by page: a table of any size, and no single answer holds the gateway long. */
	rc = finish(o, igmpgw_client_groups(c), show_groups);
	igmpgw_client_close(c);
	return rc;
}

/* ---- events ---- */

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* "G@S,S" for a membership item of an event. */
static void
print_event_item(const json_t *item)
{
	const json_t *sources = json_object_get(item, "sources");
	const json_t *record = json_object_get(item, "record");
	char buf[64];
	size_t i;
	json_t *s;

	printf(" %s", value_str(json_object_get(item, "group"), buf, sizeof(buf)));
	json_array_foreach(sources, i, s)
		printf("%c%s", i == 0 ? '@' : ',', value_str(s, buf, sizeof(buf)));
	if (record != NULL)
		printf("(%s)", value_str(record, buf, sizeof(buf)));
}

/* One line per event: time, kind, then what the kind says; unknown kinds as key=value. */
static void
print_event(const json_t *ev)
{
	const char *kind = json_string_value(json_object_get(ev, "event"));
	struct timeval tv;
	struct tm tm;
	char buf[256];
	const char *key;
	json_t *v;
	size_t i;

	if (kind == NULL)
		kind = "?";
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	printf("%02d:%02d:%02d.%03ld %s", tm.tm_hour, tm.tm_min, tm.tm_sec,
	       (long)(tv.tv_usec / 1000), kind);
	if (strcmp(kind, IGMPGW_EVENT_NAME_QUERY) == 0) {
		const json_t *group = json_object_get(ev, "group");

		printf(" on %s", value_str(json_object_get(ev, "port"), buf, sizeof(buf)));
		printf(" from %s", value_str(json_object_get(ev, "querier"), buf, sizeof(buf)));
		printf(" v%s", value_str(json_object_get(ev, "version"), buf, sizeof(buf)));
		if (json_is_string(group) && strcmp(json_string_value(group), "0.0.0.0") != 0)
			printf(" group %s", json_string_value(group));
		else
			printf(" general");
		json_array_foreach(json_object_get(ev, "sources"), i, v)
			printf("%c%s", i == 0 ? '@' : ',', value_str(v, buf, sizeof(buf)));
		printf(" max_resp %ss",
		       value_str(json_object_get(ev, "max_resp_time"), buf, sizeof(buf)));
		/* v3 only: robustness, interval, and "suppress router-side processing". */
		if (json_object_get(ev, "qrv") != NULL)
			printf(" qrv %s", value_str(json_object_get(ev, "qrv"), buf, sizeof(buf)));
		if (json_object_get(ev, "qqic") != NULL)
			printf(" qqic %ss", value_str(json_object_get(ev, "qqic"), buf, sizeof(buf)));
		if (json_is_true(json_object_get(ev, "s_flag")))
			printf(" s_flag");
		putchar('\n');
		return;
	}
	if (strcmp(kind, IGMPGW_EVENT_NAME_GROUP_ADDED) == 0 ||
	    strcmp(kind, IGMPGW_EVENT_NAME_GROUP_REMOVED) == 0) {
		printf(" %s", value_str(json_object_get(ev, "group"), buf, sizeof(buf)));
		printf(" on %s\n", value_str(json_object_get(ev, "port"), buf, sizeof(buf)));
		return;
	}
	if (strcmp(kind, IGMPGW_EVENT_NAME_MEMBERSHIP_REPORT) == 0) {
		json_t *item;

		printf(" on %s", value_str(json_object_get(ev, "port"), buf, sizeof(buf)));
		printf(" from %s", value_str(json_object_get(ev, "from"), buf, sizeof(buf)));
		printf(" %s:", value_str(json_object_get(ev, "message"), buf, sizeof(buf)));
		json_array_foreach(json_object_get(ev, "items"), i, item)
			print_event_item(item);
		putchar('\n');
		return;
	}
	json_object_foreach((json_t *)ev, key, v) {
		if (strcmp(key, "event") != 0)
			printf(" %s=%s", key, value_str(v, buf, sizeof(buf)));
	}
	putchar('\n');
}

static int
cmd_events(const struct ctl_opts *o, int argc, char **argv)
{
	const char *events[ARRAY_LEN(event_kinds)];
	struct sigaction sa = { .sa_handler = on_signal };
	size_t n = 0;
	struct igmpgw_client *c;
	json_t *resp;
	json_t *inactive;
	json_t *v;
	size_t i;
	char buf[64];
	int rc = EXIT_SUCCESS;

	for (int a = 1; a < argc; a++) {
		size_t k;

		for (k = 0; k < ARRAY_LEN(event_kinds); k++) {
			if (strcmp(argv[a], event_kinds[k].name) == 0)
				break;
		}
		if (k == ARRAY_LEN(event_kinds)) {
			char names[256];

			return usage_error("events: '%s' is not an event (%s)", argv[a],
					   names_join(names, sizeof(names), &event_kinds[0].name,
						      sizeof(event_kinds[0]), ARRAY_LEN(event_kinds)));
		}
		for (i = 0; i < n && events[i] != event_kinds[k].name; i++)
			;
		if (i == n)
			events[n++] = event_kinds[k].name;
	}
	if (n == 0) {
		for (; n < ARRAY_LEN(event_kinds); n++)
			events[n] = event_kinds[n].name;
	}

	/* Before subscribing, so a signal at any moment ends it cleanly. No SA_RESTART: Ctrl-C
	 * must wake the wait for the next event. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	c = open_client(o);
	if (c == NULL)
		return stop_requested ? EXIT_SUCCESS : EXIT_FAIL;
	resp = igmpgw_client_subscribe(c, events, n);
	if (resp == NULL && stop_requested) {
		igmpgw_client_close(c);
		return EXIT_SUCCESS;
	}
	if (!response_ok(resp)) {
		json_decref(resp);
		igmpgw_client_close(c);
		return EXIT_FAIL;
	}
	inactive = json_object_get(resp, "inactive");
	json_array_foreach(inactive, i, v) {
		const char *name = value_str(v, buf, sizeof(buf));
		const char *key = "its config switch";

		for (size_t k = 0; k < ARRAY_LEN(event_kinds); k++)
			if (strcmp(name, event_kinds[k].name) == 0)
				key = event_kinds[k].switch_key;
		fprintf(stderr, PROG ": %s events are off in the gateway (%s): none will come\n",
			name, key);
	}
	if (o->json)
		print_json(resp);
	json_decref(resp);

	while (!stop_requested) {
		json_t *ev = igmpgw_client_next_event(c, -1);

		if (ev == NULL) {
			if (errno == EINTR)
				continue;
			if (errno == ECONNRESET)
				fprintf(stderr, PROG ": the gateway closed the connection\n");
			else
				fprintf(stderr, PROG ": reading events: %s\n", strerror(errno));
			rc = EXIT_FAIL;
			break;
		}
		if (o->json)
			print_json(ev);
		else
			print_event(ev);
		fflush(stdout);
		json_decref(ev);
	}
	igmpgw_client_close(c);
	return rc;
}

/* ---- log-level ---- */

static int
cmd_log_level(const struct ctl_opts *o, int argc, char **argv)
{
	struct igmpgw_client *c;
	const char *level;
	const char *type;
	bool known = false;
	char names[256];
	char *end;
	long num;
	int rc;

	if (argc < 2 || argc > 3)
		return usage_error("log-level takes LEVEL and an optional TYPE pattern");
	level = argv[1];
	type = argc == 3 ? argv[2] : NULL;
	for (size_t k = 0; k < ARRAY_LEN(log_levels); k++) {
		if (strcasecmp(level, log_levels[k]) == 0) {
			level = log_levels[k];
			known = true;
		}
	}
	errno = 0;
	num = strtol(level, &end, 10);
	if (!known && (end == level || *end != '\0' || errno != 0 || num < IGMPGW_LOG_LEVEL_MIN ||
		       num > LOG_LEVEL_MAX)) {
		names_join(names, sizeof(names), log_levels, sizeof(log_levels[0]),
			   ARRAY_LEN(log_levels));
		return usage_error("log-level: '%s' is not a level (%s or %d..%d)", level, names,
				   IGMPGW_LOG_LEVEL_MIN, LOG_LEVEL_MAX);
	}
	/* The gateway keeps the pattern in a field of IGMPGW_LOG_TYPE_LEN bytes, NUL included. */
	if (type != NULL && (type[0] == '\0' || strlen(type) > IGMPGW_LOG_TYPE_LEN - 1))
		return usage_error("log-level: the TYPE pattern must have 1 to %d characters",
				   IGMPGW_LOG_TYPE_LEN - 1);
	c = open_client(o);
	if (c == NULL)
		return EXIT_FAIL;
	rc = finish(o, igmpgw_client_log_level(c, level, type), NULL);
	igmpgw_client_close(c);
	return rc;
}

static int
cmd_help(const struct ctl_opts *o, int argc, char **argv)
{
	(void)o;
	(void)argc;
	(void)argv;
	usage(stdout);
	return EXIT_SUCCESS;
}

static const struct command commands[] = {
	{ "status", cmd_status, "",
	  "ports, active outside, querier and [igmp] switches" },
	{ "stats", cmd_stats, "[--all]",
	  "per-port counters (non-zero ones unless --all)" },
	{ "select-outside", cmd_select_outside, "outside|alt",
	  "make that port the active outside" },
	{ "report", cmd_report, "G[@S[,S...]]...",
	  "send membership reports on the active outside" },
	{ "leave", cmd_leave, "G[@S[,S...]]...",
	  "send leaves on the active outside" },
	{ "groups", cmd_groups, "",
	  "groups with members per inside port, sources and timers" },
	{ "events", cmd_events, "[EVENT...]",
	  "print events, one line each, until Ctrl-C (default: all)" },
	{ "log-level", cmd_log_level, "LEVEL [TYPE]",
	  "set the log level of TYPE (default " IGMPGW_LOG_TYPE_DEFAULT ")" },
	{ "help", cmd_help, "", "print this help" },
};

static void
usage(FILE *out)
{
	char names[256];

	fprintf(out,
		"Usage: " PROG " [-s SOCKET] [--json] COMMAND [ARGS]\n"
		"Controls a running igmpgw through its control socket.\n"
		"\n"
		"  -s, --socket SOCKET  the gateway's control socket (default $"
		IGMPGW_CLIENT_SOCKET_ENV " or " IGMPGW_DEFAULT_SOCKET ")\n"
		"  -j, --json           print the gateway's JSON response lines as they are\n"
		"  -h, --help           print this help and exit\n"
		"  -V, --version        print the version and exit\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
		char head[64];

		snprintf(head, sizeof(head), "%s %s", commands[i].name, commands[i].args);
		fprintf(out, "  %-44s %s\n", head, commands[i].help);
	}
	fprintf(out,
		"\n"
		"G is a multicast group, S a unicast source: 232.1.1.1 232.1.1.2@10.0.0.1,10.0.0.2\n"
		"LEVEL is %s or %d..%d.\n"
		"EVENT is one of these, raised when the config switch beside it is on:\n",
		names_join(names, sizeof(names), log_levels, sizeof(log_levels[0]),
			   ARRAY_LEN(log_levels)),
		IGMPGW_LOG_LEVEL_MIN, LOG_LEVEL_MAX);
	for (size_t i = 0; i < ARRAY_LEN(event_kinds); i++)
		fprintf(out, "  %-18s %s\n", event_kinds[i].name, event_kinds[i].switch_key);
	fprintf(out,
		"Exit status: 0 done, 1 the gateway refused or cannot be reached, 2 usage error.\n");
}

int
main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_opts o = { .socket = NULL, .json = false };
	int opt;

	/* '+': options stop at the command, whose own options (stats --all) come after it. */
	while ((opt = getopt_long(argc, argv, "+s:jhV", long_opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (optarg[0] == '\0')
				return usage_error("the socket path is empty");
			o.socket = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf(PROG " " IGMPGW_VERSION "\n");
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0)
			return commands[i].run(&o, argc - optind, argv + optind);
	}
	return usage_error("unknown command '%s'", argv[optind]);
}
