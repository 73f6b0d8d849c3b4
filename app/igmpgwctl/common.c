/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every igmpgwctl command shares: the protocol's event and level names,
 * usage errors, and one request's way to the gateway and back.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"

const struct event_kind event_kinds[N_EVENT_KINDS] = {
#define EVENT_KIND(code, name, key) { name, key },
	IGMPGW_EVENTS(EVENT_KIND)
#undef EVENT_KIND
};

const char *const log_levels[N_LOG_LEVELS] = {
#define LOG_LEVEL(code, name) name,
	IGMPGW_LOG_LEVELS(LOG_LEVEL)
#undef LOG_LEVEL
};

int
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

const char *
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

struct igmpgw_client *
open_client(const struct ctl_opts *o)
{
	struct igmpgw_client *c = igmpgw_client_connect(o->socket);

	if (c == NULL)
		fprintf(stderr, PROG ": cannot connect to %s: %s (is igmpgw running?)\n",
			igmpgw_client_socket_path(o->socket), strerror(errno));
	return c;
}

bool
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

void
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

int
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

int
request_and_show(const struct ctl_opts *o, json_t *(*ask)(struct igmpgw_client *c, void *arg),
		 void *arg, void (*show)(const json_t *resp))
{
	struct igmpgw_client *c = open_client(o);
	int rc;

	if (c == NULL)
		return EXIT_FAIL;
	rc = finish(o, ask(c, arg), show);
	igmpgw_client_close(c);
	return rc;
}

json_t *
ask_request(struct igmpgw_client *c, void *req)
{
	/* A reload re-reads and checks the whole file: it may take longer than a lookup. */
	return igmpgw_client_request(c, req, 2 * IGMPGW_CLIENT_TIMEOUT_MS);
}

volatile sig_atomic_t stop_requested;

static void
on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

void
stop_on_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
