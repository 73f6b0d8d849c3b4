/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmpgwctl reload and mroute: the running configuration. reload reads the
 * gateway's file again (as SIGHUP does, but the refusal comes back here and
 * the exit status says it); mroute add/del/show are smcroutectl's add/del/show
 * for the gateway's static routes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"

static void
show_reload(const json_t *resp)
{
	const json_t *changed = json_object_get(resp, "changed");
	const json_t *v;
	size_t i;

	if (json_array_size(changed) == 0) {
		printf("reloaded: nothing changed\n");
		return;
	}
	printf("reloaded: changed");
	json_array_foreach(changed, i, v)
		printf(" [%s]", json_string_value(v));
	printf("\n");
}

static int
run_reload(const struct ctl_opts *o, int argc, char **argv)
{
	json_t *req;
	int rc;

	(void)argv;
	if (argc != 1)
		return usage_error("reload takes no arguments");
	req = json_pack("{s:s}", "cmd", "reload");
	rc = request_and_show(o, ask_request, req, show_reload);
	json_decref(req);
	return rc;
}

const struct command cmd_reload = {
	"reload", run_reload, "",
	"read the config file again and apply what may change live (as SIGHUP)",
};

static void
show_routes(const json_t *resp)
{
	static const char *const cols[] = { "group", "source", "ports", "origin", "name" };
	const json_t *routes = json_object_get(resp, "routes");
	json_t *rows = json_array();
	const json_t *r;
	size_t i;

	json_array_foreach(routes, i, r) {
		char group[32], ports[128] = "";
		const json_t *p;
		size_t k;

		snprintf(group, sizeof(group), "%s/%lld",
			 json_string_value(json_object_get(r, "group")),
			 (long long)json_integer_value(json_object_get(r, "prefix_len")));
		json_array_foreach(json_object_get(r, "ports"), k, p)
			snprintf(ports + strlen(ports), sizeof(ports) - strlen(ports), "%s%s",
				 k == 0 ? "" : ",", json_string_value(p));
		json_array_append_new(rows, json_pack("{s:s, s:O, s:s, s:O, s:O}", "group", group,
						      "source", json_object_get(r, "source"),
						      "ports", ports, "origin",
						      json_object_get(r, "origin"), "name",
						      json_object_get(r, "name")));
	}
	if (json_array_size(rows) == 0)
		printf("no static routes\n");
	else
		print_table(rows, cols, ARRAY_LEN(cols));
	json_decref(rows);
}

/*
 * "GROUP[/LEN] [source ADDR] [to PORT...]", as [mroute] writes a route: the
 * gateway checks the values, this only puts them in their fields.
 */
static int
route_request(const char *cmd, int argc, char **argv, bool want_ports, json_t **out)
{
	json_t *req = json_pack("{s:s, s:s}", "cmd", cmd, "group", argv[0]);
	json_t *ports = json_array();
	int i = 1;

	if (i < argc && strcmp(argv[i], "source") == 0) {
		if (i + 1 >= argc) {
			json_decref(req);
			json_decref(ports);
			return usage_error("mroute: 'source' needs an address");
		}
		json_object_set_new(req, "source", json_string(argv[i + 1]));
		i += 2;
	}
	if (want_ports) {
		if (i >= argc || strcmp(argv[i], "to") != 0 || i + 1 >= argc) {
			json_decref(req);
			json_decref(ports);
			return usage_error("mroute add: expected GROUP[/LEN] [source ADDR] to PORT...");
		}
		for (i++; i < argc; i++)
			json_array_append_new(ports, json_string(argv[i]));
		json_object_set_new(req, "ports", ports);
	} else {
		json_decref(ports);
	}
	if (i != argc) {
		json_decref(req);
		return usage_error("mroute: unexpected '%s'", argv[i]);
	}
	*out = req;
	return 0;
}

static int
run_mroute(const struct ctl_opts *o, int argc, char **argv)
{
	json_t *req = NULL;
	int rc;

	if (argc < 2)
		return usage_error("mroute takes add, del or show");
	if (strcmp(argv[1], "show") == 0) {
		if (argc != 2)
			return usage_error("mroute show takes no arguments");
		req = json_pack("{s:s}", "cmd", "mroute_show");
	} else if (strcmp(argv[1], "add") == 0 || strcmp(argv[1], "del") == 0) {
		bool add = argv[1][0] == 'a';

		if (argc < 3)
			return usage_error("mroute %s: expected GROUP[/LEN]", argv[1]);
		rc = route_request(add ? "mroute_add" : "mroute_del", argc - 2, argv + 2, add, &req);
		if (rc != 0)
			return rc;
	} else {
		return usage_error("mroute: '%s' is not add, del or show", argv[1]);
	}
	rc = request_and_show(o, ask_request, req, show_routes);
	json_decref(req);
	return rc;
}

const struct command cmd_mroute = {
	"mroute", run_mroute, "add|del|show [ROUTE]",
	"static routes at run time: add G[/LEN] [source S] to PORT..., del G[/LEN] [source S], "
	"show (a reload keeps them unless the file names the same route)",
};
