/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmpgwctl groups: the groups view as one table, read from the gateway page
 * by page: tracked, asked for upstream and static, with where each goes.
 */
#include <stdio.h>

#include "cmds.h"


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

/* "inside,inside2" for the ports a group's data goes to; "-" for none. */
static json_t *
ports_cell(const json_t *ports)
{
	char cell[256];
	size_t len = 0;
	size_t i;
	json_t *p;

	cell[0] = '\0';
	json_array_foreach(ports, i, p) {
		int n = snprintf(cell + len, sizeof(cell) - len, "%s%s", i == 0 ? "" : ",",
				 json_is_string(p) ? json_string_value(p) : "?");

		if (n < 0 || (size_t)n >= sizeof(cell) - len)
			break;
		len += (size_t)n;
	}
	return json_string(cell[0] != '\0' ? cell : "-");
}

/* Where a record came from: the last reporter, the host that asked, or the config entry. */
static json_t *
origin_cell(const json_t *g)
{
	const char *via = json_string_value(json_object_get(g, "via"));
	const json_t *name = json_object_get(g, "name");
	char cell[128];

	if (json_is_string(name)) {
		/* As the config's own errors name it: "mroute.NAME", "join.NAME". */
		snprintf(cell, sizeof(cell), "%s.%s", via != NULL ? via : "?", json_string_value(name));
		return json_string(cell);
	}
	if (json_object_get(g, "last_reporter") != NULL)
		return json_incref(json_object_get(g, "last_reporter"));
	return json_incref(json_object_get(g, "from"));
}

static void
show_groups(const json_t *resp)
{
	static const char *const cols[] = {
		"port", "group", "source", "via", "to", "mode", "sources", "timer", "compat",
		"origin",
	};
	const json_t *groups = json_object_get(resp, "groups");
	json_t *rows;
	json_t *g;
	size_t i;
	char buf[64];

	if (json_array_size(groups) == 0) {
		printf("no groups: none tracked%s, no [mroute] or [join]\n",
		       json_is_true(json_object_get(resp, "tracking")) ? "" : " or asked for upstream");
		return;
	}
	rows = json_array();
	if (rows == NULL)
		return;
	json_array_foreach(groups, i, g) {
		const json_t *timer = json_object_get(g, "timer");
		const json_t *compat = json_object_get(g, "compat");
		const json_t *plen = json_object_get(g, "prefix_len");
		const char *group = json_string_value(json_object_get(g, "group"));
		char t[32];
		char v[32];
		char gr[48];

		if (json_is_number(timer))
			snprintf(t, sizeof(t), "%.1fs", json_number_value(timer));
		else
			snprintf(t, sizeof(t), "-");
		if (json_is_integer(compat))
			snprintf(v, sizeof(v), "v%" JSON_INTEGER_FORMAT,
				 json_integer_value(compat));
		else
			snprintf(v, sizeof(v), "%s", value_str(compat, buf, sizeof(buf)));
		/* A route's prefix as the config writes it; a single group as an address. */
		if (json_is_integer(plen) && json_integer_value(plen) != 32)
			snprintf(gr, sizeof(gr), "%s/%" JSON_INTEGER_FORMAT, group != NULL ? group : "?",
				 json_integer_value(plen));
		else
			snprintf(gr, sizeof(gr), "%s", group != NULL ? group : "?");
		/* A member the gateway left out becomes null, which print_table shows as "-". */
		json_array_append_new(rows, json_pack("{s:O?, s:s, s:O?, s:O?, s:o, s:O?, s:o, s:s, "
						      "s:s, s:o?}",
						      "port", json_object_get(g, "port"),
						      "group", gr,
						      "source", json_object_get(g, "source"),
						      "via", json_object_get(g, "via"),
						      "to", ports_cell(json_object_get(g, "ports")),
						      "mode", json_object_get(g, "mode"),
						      "sources", sources_cell(json_object_get(g, "sources")),
						      "timer", t, "compat", v,
						      "origin", origin_cell(g)));
	}
	print_table(rows, cols, ARRAY_LEN(cols));
	json_decref(rows);
}

/* Page by page: a table of any size, and no single answer holds the gateway long. */
static json_t *
ask_groups(struct igmpgw_client *c, void *arg)
{
	(void)arg;
	return igmpgw_client_groups(c);
}

static int
run_groups(const struct ctl_opts *o, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return usage_error("groups takes no arguments");
	return request_and_show(o, ask_groups, NULL, show_groups);
}

const struct command cmd_groups = {
	"groups", run_groups, "",
	"groups per port: tracked, asked upstream, static; where they go, where from",
};
