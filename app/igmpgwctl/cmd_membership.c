/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmpgwctl's requests that act upstream: select-outside, and the
 * memberships a client reports or leaves on the active outside.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"

static void
show_active_outside(const json_t *resp)
{
	char buf[64];

	printf("active outside: %s\n",
	       value_str(json_object_get(resp, "active_outside"), buf, sizeof(buf)));
}

static json_t *
ask_select_outside(struct igmpgw_client *c, void *port)
{
	return igmpgw_client_select_outside(c, port);
}

static int
run_select_outside(const struct ctl_opts *o, int argc, char **argv)
{
	if (argc != 2)
		return usage_error("select-outside takes one argument, outside or alt");
	if (strcmp(argv[1], "outside") != 0 && strcmp(argv[1], "alt") != 0)
		return usage_error("select-outside: '%s' is neither outside nor alt", argv[1]);
	return request_and_show(o, ask_select_outside, argv[1], show_active_outside);
}


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

struct items_req {
	const struct igmpgw_item *items;
	size_t n;
	bool leave;
};

static json_t *
ask_items(struct igmpgw_client *c, void *arg)
{
	const struct items_req *r = arg;

	return r->leave ? igmpgw_client_leave(c, r->items, r->n) :
			  igmpgw_client_report(c, r->items, r->n);
}

static int
run_items(const struct ctl_opts *o, int argc, char **argv, bool leave)
{
	const char *cmd = argv[0];
	struct igmpgw_item **parsed;
	struct igmpgw_item *items;
	size_t n = (size_t)argc - 1;
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
	rc = request_and_show(o, ask_items, &(struct items_req){ items, n, leave }, show_sent);
out:
	for (size_t i = 0; parsed != NULL && i < n; i++)
		free(parsed[i]);
	free(parsed);
	free(items);
	return rc;
}

static int
run_report(const struct ctl_opts *o, int argc, char **argv)
{
	return run_items(o, argc, argv, false);
}

static int
run_leave(const struct ctl_opts *o, int argc, char **argv)
{
	return run_items(o, argc, argv, true);
}

const struct command cmd_select_outside = {
	"select-outside", run_select_outside, "outside|alt",
	"make that port the active outside",
};

const struct command cmd_report = {
	"report", run_report, "G[@S[,S...]]...",
	"send membership reports on the active outside",
};

const struct command cmd_leave = {
	"leave", run_leave, "G[@S[,S...]]...",
	"send leaves on the active outside",
};
