/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry as a surface of the status views: a table of endpoints, one
 * handler that builds the endpoint's view and converts it. A parameter names
 * a part of the view ("/igmpgw/stats,inside2"): what a reply too big for
 * telemetry's 16 KB points to instead of its members (docs/telemetry.md).
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_telemetry.h>

#include "groups_view.h"
#include "gw.h"
#include "hold.h"
#include "tel_json.h"
#include "telemetry.h"
#include "views.h"

#define GW_LOG_PART control

struct tel_endpoint {
	const char *cmd;
	json_t *(*view)(void);        /* must be safe to build off the main lcore */
	bool flat;                    /* every leaf in one dict, "mempool/NAME/in_use" */
	const char *help;
};

static const struct tel_endpoint endpoints[] = {
	{ "/igmpgw/stats", gw_view_stats, false,
	  "Datapath counters per port. Parameter: a port role (optional)" },
	{ "/igmpgw/ports", gw_view_ports, false,
	  "The gateway's ports: role, name, MAC, address, twin. Parameter: a role" },
	{ "/igmpgw/querier", gw_view_querier, false,
	  "The querier learned on the active outside. No parameters" },
	{ "/igmpgw/config", gw_view_config, false,
	  "The effective [igmp] switches, version, uptime. No parameters" },
	{ "/igmpgw/workers", gw_view_workers, false,
	  "The worker lcores: lcore, socket, packets, idle share, sleeps. No parameters" },
	{ "/igmpgw/resources", gw_view_resources, true,
	  "Mbufs in use per mempool, entries waiting per ring. No parameters" },
	/* A snapshot the main lcore refreshes each second: the table itself is its own. */
	{ "/igmpgw/groups", gw_view_groups, false,
	  "Groups per source (tracked, asked, static) and the first records. No parameters" },
};

static int
tel_view(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct tel_endpoint *e = NULL;
	json_t *view;
	int rc;

	for (size_t i = 0; i < RTE_DIM(endpoints) && e == NULL; i++)
		if (strcmp(cmd, endpoints[i].cmd) == 0)
			e = &endpoints[i];
	if (e == NULL)
		return -EINVAL;
	gw_views_lock(); /* not while a re-bind removes an ethdev (hold.h) */
	view = e->view();
	gw_views_unlock();
	if (view == NULL)
		return -ENOMEM;
	rc = tel_json_reply(cmd, params, view, e->flat, d);
	json_decref(view);
	return rc;
}

void
gw_telemetry_register(void)
{
	for (size_t i = 0; i < RTE_DIM(endpoints); i++)
		if (rte_telemetry_register_cmd(endpoints[i].cmd, tel_view, endpoints[i].help) != 0)
			GW_LOG(WARNING, "telemetry refused to register %s", endpoints[i].cmd);
}
