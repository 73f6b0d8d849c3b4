/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmpgwctl stats: every port's counters side by side, the non-zero ones
 * unless --all, and the control socket's own.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"

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

/* The request, for request_and_show. */
static json_t *
ask_stats(struct igmpgw_client *c, void *arg)
{
	(void)arg;
	return igmpgw_client_stats(c);
}

static int
run_stats(const struct ctl_opts *o, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0 || strcmp(argv[i], "-a") == 0)
			show_all_counters = true;
		else
			return usage_error("stats: unexpected argument '%s'", argv[i]);
	}
	return request_and_show(o, ask_stats, NULL, show_stats);
}

const struct command cmd_stats = {
	"stats", run_stats, "[--all]",
	"per-port counters (non-zero ones unless --all)",
};
