/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmpgwctl status: ports, active outside, querier, switches, forwarding,
 * tracking, the send queues and the workers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"

static void
show_querier(const json_t *q)
{
	char buf[64];
	char age[32];
	const json_t *v;
	const char *key;
	json_t *o;

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
	/* The standby outside's querier: failover needs it heard. */
	json_object_foreach((json_t *)json_object_get(q, "outsides"), key, o) {
		if (strcmp(key, value_str(json_object_get(q, "port"), buf, sizeof(buf))) == 0)
			continue;
		printf("querier on %s: %s\n", key,
		       json_is_null(json_object_get(o, "address")) ? "none heard yet" :
		       value_str(json_object_get(o, "address"), buf, sizeof(buf)));
	}
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

/* "outside:0,inside:1": a worker's (port, rx queue) pairs in one cell. */
static json_t *
queues_cell(const json_t *queues)
{
	char buf[256] = "";
	size_t len = 0;
	size_t i;
	json_t *q;

	json_array_foreach(queues, i, q) {
		int n = snprintf(buf + len, sizeof(buf) - len, "%s%s:%" JSON_INTEGER_FORMAT,
				 i == 0 ? "" : ",", json_string_value(json_object_get(q, "port")),
				 json_integer_value(json_object_get(q, "queue")));

		if (n < 0 || (size_t)n >= sizeof(buf) - len)
			break;
		len += (size_t)n;
	}
	return json_string(len == 0 ? "-" : buf);
}

/* The worker lcores, one row each: where they run, what they poll and moved, how idle they are. */
static void
show_workers(const json_t *workers)
{
	static const char *const cols[] = {
		"worker", "lcore", "socket", "rx_packets", "tx_packets", "idle", "sleeps", "queues",
	};
	json_t *rows;
	size_t i;
	json_t *w;

	if (!json_is_array(workers) || json_array_size(workers) == 0)
		return;
	rows = json_array();
	json_array_foreach(workers, i, w) {
		json_t *row = json_deep_copy(w);

		json_object_set_new(row, "queues", queues_cell(json_object_get(w, "queues")));
		json_array_append_new(rows, row);
	}
	printf("\nworkers:\n");
	print_table(rows, cols, ARRAY_LEN(cols));
	json_decref(rows);
}

static void
show_status(const json_t *resp)
{
	static const char *const port_cols[] = {
		"role", "port_id", "name", "vlan", "link", "address", "mac", "twin", "active",
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
	show_section("failover", json_object_get(resp, "failover"));
	show_section("exception", json_object_get(resp, "exception"));
	show_section("forwarding", json_object_get(resp, "forwarding"));
	show_tracking(json_object_get(resp, "tracking"));
	show_tx_queues(json_object_get(resp, "tx_queues"));
	show_workers(json_object_get(resp, "workers"));
}

/* The request, for request_and_show. */
static json_t *
ask_status(struct igmpgw_client *c, void *arg)
{
	(void)arg;
	return igmpgw_client_status(c);
}

static int
run_status(const struct ctl_opts *o, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return usage_error("status takes no arguments");
	return request_and_show(o, ask_status, NULL, show_status);
}

const struct command cmd_status = {
	"status", run_status, "",
	"ports, active outside, querier and [igmp] switches",
};
