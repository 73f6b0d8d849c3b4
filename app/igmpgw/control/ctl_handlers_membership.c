/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control requests that change what the gateway asks for upstream: which
 * outside is active, and the reports and leaves a client hands over.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ctl_handlers.h"
#include "gw.h"
#include "gw_failover.h"
#include "originate.h"
#include "static_joins.h"
#include "table_feed.h"
#include "tracking.h"

#define GW_LOG_PART ctl

static json_t *
ipv4_json(uint32_t addr)
{
	char buf[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, buf, sizeof(buf));
	return json_string(buf);
}

const char *
gw_ctl_select_outside(struct gw_ctl_call *call)
{
	const struct ctl_request *req = call->req;

	if (!gw.port[req->port].present)
		return "there is no alt port: the config has no [alt] section";
	/* The choice is the primary until the next reload: failover reverts to it. */
	gw_failover_select(req->port, gw_now_ms());
	json_object_set_new(call->resp, "active_outside", json_string(gw_role_name(req->port)));
	return NULL;
}

/* The groups of req's items that are not in taken (kept in order by gw_feed_client). */
static json_t *
refused_json(const struct ctl_request *req, const struct ctl_item *taken, uint16_t n_taken)
{
	json_t *list = json_array();
	uint16_t k = 0;

	for (uint16_t i = 0; i < req->n_items; i++) {
		if (k < n_taken && taken[k].group == req->items[i].group) {
			k++;
			continue;
		}
		json_array_append_new(list, ipv4_json(req->items[i].group));
	}
	return list;
}

/*
 * What the gateway reports upstream passes the active outside's allow/deny
 * and the SSM range, whoever asks: a client's report naming what they refuse
 * is refused whole, with the group and the reason. Leaves always pass.
 */
static const char *
policy_refusal(struct gw_ctl_call *call)
{
	const struct ctl_request *req = call->req;
	enum gw_role up = gw_active_outside();
	const struct acl *acl = gw.cfg.port[up].acl;
	char g[INET_ADDRSTRLEN], s[INET_ADDRSTRLEN];

	for (uint16_t i = 0; i < req->n_items; i++) {
		const struct ctl_item *it = &req->items[i];

		inet_ntop(AF_INET, &it->group, g, sizeof(g));
		if (it->n_sources == 0 && gw.cfg.igmp.ssm &&
		    acl_prefix_contains(&gw.cfg.igmp.ssm_range, it->group)) {
			snprintf(call->err, sizeof(call->err),
				 "report refused: %s is in igmp.ssm_range, join it with sources; nothing was sent",
				 g);
			return call->err;
		}
		if (it->n_sources == 0 && !acl_permits(acl, it->group, ACL_ANY_SOURCE)) {
			snprintf(call->err, sizeof(call->err),
				 "report refused: %s (any source) is denied by %s's allow/deny; nothing was sent",
				 g, gw_role_name(up));
			return call->err;
		}
		for (uint16_t k = 0; k < it->n_sources; k++) {
			if (acl_permits(acl, it->group, it->sources[k]))
				continue;
			inet_ntop(AF_INET, &it->sources[k], s, sizeof(s));
			snprintf(call->err, sizeof(call->err),
				 "report refused: %s from %s is denied by %s's allow/deny; nothing was sent",
				 g, s, gw_role_name(up));
			return call->err;
		}
	}
	return NULL;
}

const char *
gw_ctl_membership(struct gw_ctl_call *call)
{
	static struct ctl_item taken[IGMPGW_MAX_ITEMS]; /* large: off the stack */
	const struct ctl_request *req = call->req;
	bool leave = req->cmd == CTL_LEAVE;
	uint32_t room = gw_originate_room(gw_active_outside());
	uint16_t n_taken;
	uint32_t dst;
	int packets;

	if (leave && !gw.cfg.igmp.leave_to_network)
		return "leave is off: set [igmp] leave_to_network = yes";
	if (!leave && !gw.cfg.igmp.membership_reports_to_network)
		return "report is off: set [igmp] membership_reports_to_network = yes";
	if (!leave && policy_refusal(call) != NULL)
		return call->err;
	/* All or nothing: a request the send queue cannot take whole changes nothing. */
	if (room < req->n_items) {
		snprintf(call->err, sizeof(call->err), "could not queue the packets: the send queue "
			 "has room for %u, nothing was sent or applied; retry later", room);
		return call->err;
	}
	n_taken = gw_feed_client(req->items, req->n_items, leave, gw_now_ms(), taken);
	packets = gw_send_membership(taken, n_taken, leave, &dst);
	if (packets < 0) {
		/* Cannot happen after the check above; say so rather than hide it. */
		snprintf(call->err, sizeof(call->err), "could not queue the packets: %s",
			 strerror(-packets));
		return call->err;
	}
	if (n_taken < req->n_items)
		json_object_set_new(call->resp, "refused", refused_json(req, taken, n_taken));
	json_object_set_new(call->resp, "packets", json_integer(packets));
	json_object_set_new(call->resp, "destination", dst == 0 ? json_string("multicast") :
			    ipv4_json(dst));
	return NULL;
}
