/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control requests that change the running configuration: reload (the file
 * again, like SIGHUP) and the run-time static routes (mroute_add, mroute_del,
 * mroute_show, like smcroutectl add/del/show). Changes are admin requests
 * (their LEVEL in IGMPGW_COMMANDS); mroute_show is a read-only view.
 */
#include <stdio.h>

#include "ctl_handlers.h"
#include "gw.h"
#include "mroutes.h"
#include "reload.h"

const char *
gw_ctl_reload(struct gw_ctl_call *call)
{
	json_t *changed = json_array();

	if (gw_reload("control request", changed, call->err, sizeof(call->err)) < 0) {
		json_decref(changed);
		return call->err;
	}
	json_object_set_new(call->resp, "changed", changed);
	return NULL;
}

const char *
gw_ctl_mroute(struct gw_ctl_call *call)
{
	const struct ctl_request *req = call->req;
	const struct gw_mroute *rt = &req->route;
	int ret = 0;

	if (req->cmd == CTL_MROUTE_ADD)
		ret = gw_mroute_add(rt, call->err, sizeof(call->err));
	else if (req->cmd == CTL_MROUTE_DEL)
		ret = gw_mroute_del(rt->group, rt->prefix_len, rt->source, call->err,
				    sizeof(call->err));
	if (ret < 0)
		return call->err;
	json_object_set_new(call->resp, "routes", gw_mroutes_json());
	return NULL;
}
