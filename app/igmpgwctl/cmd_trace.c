/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmpgwctl trace [PORT] [N]: the next N IGMP packets the gateway receives
 * (on PORT), one line each with the decision taken and its reason, then it
 * exits. Ctrl-C ends it sooner (the gateway stops the trace when we go).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/*
 * "12.345 inside 10.200.0.11 > 239.1.1.1 v2_report 239.1.1.1: sent to
 * active_outside 239.1.1.1 (proxied)", or "...: dropped (wire: bad_igmp_checksum)".
 */
static void
print_trace(const json_t *ev)
{
	const json_t *records = json_object_get(ev, "records");
	const json_t *rec;
	char a[64], b[64], c[64];
	size_t i;

	printf("%s %s %s > %s %s", value_str(json_object_get(ev, "time"), a, sizeof(a)),
	       value_str(json_object_get(ev, "port"), b, sizeof(b)),
	       value_str(json_object_get(ev, "from"), c, sizeof(c)),
	       value_str(json_object_get(ev, "to"), a, sizeof(a)),
	       value_str(json_object_get(ev, "message"), b, sizeof(b)));
	if (json_object_get(ev, "version") != NULL)
		printf(" v%s", value_str(json_object_get(ev, "version"), a, sizeof(a)));
	if (records != NULL) {
		json_array_foreach(records, i, rec)
			printf(" %s(%s,%s sources)", value_str(json_object_get(rec, "group"), a, sizeof(a)),
			       value_str(json_object_get(rec, "record"), b, sizeof(b)),
			       value_str(json_object_get(rec, "sources"), c, sizeof(c)));
		if (json_integer_value(json_object_get(ev, "n_records")) > (json_int_t)i)
			printf(" (+%lld records)",
			       (long long)(json_integer_value(json_object_get(ev, "n_records")) -
					   (json_int_t)i));
	} else {
		printf(" %s", value_str(json_object_get(ev, "group"), a, sizeof(a)));
	}
	printf(": %s", value_str(json_object_get(ev, "decision"), a, sizeof(a)));
	if (json_object_get(ev, "egress") != NULL)
		printf(" to %s %s", value_str(json_object_get(ev, "egress"), a, sizeof(a)),
		       value_str(json_object_get(ev, "egress_to"), b, sizeof(b)));
	printf(" (%s%s)\n",
	       strcmp(json_string_value(json_object_get(ev, "stage")) ?: "", "wire") == 0 ?
	       "wire: " : "", value_str(json_object_get(ev, "reason"), c, sizeof(c)));
}

static int
run_trace(const struct ctl_opts *o, int argc, char **argv)
{
	const char *port = NULL;
	unsigned long count = 0;
	struct igmpgw_client *c;
	json_t *resp;
	int rc = EXIT_FAIL;

	for (int a = 1; a < argc; a++) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(argv[a], &end, 10);
		if (argv[a][0] >= '0' && argv[a][0] <= '9' && *end == '\0' && errno == 0) {
			if (count != 0 || v < 1 || v > IGMPGW_TRACE_MAX_COUNT)
				return usage_error("trace: N must be given once, 1..%d packets, not '%s'",
						   IGMPGW_TRACE_MAX_COUNT, argv[a]);
			count = v;
		} else if (port == NULL) {
			port = argv[a];
		} else {
			return usage_error("trace: one PORT at most ('%s' and '%s')", port, argv[a]);
		}
	}
	stop_on_signals();
	c = open_client(o);
	if (c == NULL)
		return stop_requested ? EXIT_SUCCESS : EXIT_FAIL;
	resp = igmpgw_client_trace(c, port, (unsigned int)count);
	if (!response_ok(resp)) {
		json_decref(resp);
		igmpgw_client_close(c);
		return stop_requested ? EXIT_SUCCESS : EXIT_FAIL;
	}
	if (o->json)
		print_json(resp);
	json_decref(resp);
	fflush(stdout);

	while (!stop_requested) {
		json_t *ev = igmpgw_client_next_event(c, -1);
		const char *kind;

		if (ev == NULL) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, PROG ": %s\n", errno == ECONNRESET ?
				"the gateway closed the connection" : strerror(errno));
			break;
		}
		kind = json_string_value(json_object_get(ev, "event"));
		if (o->json)
			print_json(ev);
		else if (kind != NULL && strcmp(kind, IGMPGW_EVENT_NAME_TRACE) == 0)
			print_trace(ev);
		else if (kind != NULL && strcmp(kind, IGMPGW_EVENT_NAME_TRACE_END) == 0)
			printf("trace done: %lld packets, %lld not recorded (trace_dropped)\n",
			       (long long)json_integer_value(json_object_get(ev, "traced")),
			       (long long)json_integer_value(json_object_get(ev, "dropped")));
		else if (kind != NULL && strcmp(kind, IGMPGW_EVENT_NAME_MISSED) == 0)
			printf("missed %lld lines: this terminal read too slowly\n",
			       (long long)json_integer_value(json_object_get(ev, "count")));
		fflush(stdout);
		if (kind != NULL && strcmp(kind, IGMPGW_EVENT_NAME_TRACE_END) == 0) {
			rc = EXIT_SUCCESS;
			json_decref(ev);
			break;
		}
		json_decref(ev);
	}
	if (stop_requested)
		rc = EXIT_SUCCESS;
	igmpgw_client_close(c);
	return rc;
}

const struct command cmd_trace = {
	"trace", run_trace, "[PORT] [N]",
	"show the next N IGMP packets received (on PORT; default every port, N "
	STR(IGMPGW_TRACE_DEFAULT_COUNT) ") with the decision taken and its reason",
};
