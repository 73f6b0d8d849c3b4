/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmpgwctl events: subscribes and prints each event on one line (or as
 * the gateway's JSON) until Ctrl-C or the gateway goes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "cmds.h"

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
run_events(const struct ctl_opts *o, int argc, char **argv)
{
	const char *events[ARRAY_LEN(event_kinds)];
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

	stop_on_signals();
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

const struct command cmd_events = {
	"events", run_events, "[EVENT...]",
	"print events, one line each, until Ctrl-C (default: all)",
};
