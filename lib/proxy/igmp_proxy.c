/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * goIGMP's proxy modes (ProxyOutToIn, ProxyInToOut, UnicastProxyInToOut,
 * UnicastMembershipReports, QueryNotify, MembershipReportFromNetwork) as a
 * pure function, with the destinations the RFCs ask for.
 */
#include <arpa/inet.h>

#include "igmp_proxy.h"

static const char *const reason_names[] = {
#define IGMP_PROXY_REASON_NAME(code, name) [code] = name,
	IGMP_PROXY_REASONS(IGMP_PROXY_REASON_NAME)
#undef IGMP_PROXY_REASON_NAME
};

const char *
igmp_proxy_reason_name(enum igmp_proxy_reason reason)
{
	return (unsigned int)reason < PROXY_REASON_COUNT ? reason_names[reason] : "invalid";
}

bool
igmp_proxy_is_control_group(uint32_t addr)
{
	uint32_t a = ntohl(addr);

	return a == IGMP_ALL_SYSTEMS || a == IGMP_ALL_ROUTERS || a == IGMP_ALL_V3_ROUTERS;
}

static bool
is_report(uint8_t type)
{
	return type == IGMP_TYPE_V1_REPORT || type == IGMP_TYPE_V2_REPORT ||
		type == IGMP_TYPE_V3_REPORT || type == IGMP_TYPE_LEAVE;
}

/* A v1/v2 report or leave must name a group hosts may join (RFC 2236 §6: never 224.0.0.1). */
static bool
is_reportable_group(const struct igmp_msg *msg)
{
	if (msg->type == IGMP_TYPE_V3_REPORT)
		return true;
	return igmp_is_multicast(msg->group) && ntohl(msg->group) != IGMP_ALL_SYSTEMS;
}

/*
 * Multicast IGMP worth proxying: goIGMP's three groups, plus what the RFCs
 * send elsewhere: v1/v2 reports and group-specific queries go to the group itself.
 */
static bool
is_proxied_destination(const struct igmp_ipv4 *ip, const struct igmp_msg *msg)
{
	if (igmp_proxy_is_control_group(ip->dst))
		return true;
	return msg->group != 0 && ip->dst == msg->group && igmp_is_multicast(ip->dst);
}

/* RFC 2236 / RFC 3376 destinations of a report or leave sent as multicast. */
static uint32_t
multicast_destination(const struct igmp_msg *msg)
{
	switch (msg->type) {
	case IGMP_TYPE_LEAVE:
		return htonl(IGMP_ALL_ROUTERS);
	case IGMP_TYPE_V3_REPORT:
		return htonl(IGMP_ALL_V3_ROUTERS);
	default:
		return msg->group;
	}
}

uint32_t
igmp_proxy_upstream_dst(const struct gw_igmp_config *cfg, const struct igmp_proxy_queriers *queriers,
			enum gw_role outside, uint32_t multicast_dst)
{
	uint32_t querier;

	if (!cfg->unicast_membership_reports)
		return multicast_dst;
	querier = queriers != NULL ? queriers->addr(queriers->ctx, outside) : 0;
	if (querier != 0)
		return querier;
	if (cfg->unicast_dst != 0)
		return cfg->unicast_dst;
	return multicast_dst;
}

static void
route_upstream(const struct gw_igmp_config *cfg, const struct igmp_proxy_ingress *in,
	       const struct igmp_msg *msg, const struct igmp_proxy_queriers *queriers,
	       struct igmp_proxy_decision *d)
{
	d->egress = PROXY_EGRESS_ACTIVE_OUTSIDE;
	d->dst = igmp_proxy_upstream_dst(cfg, queriers, in->upstream, multicast_destination(msg));
}

/* A v3 record that makes a router hold the group: any source, or sources to include. */
static bool
record_holds_group(const struct igmp_record *rec)
{
	switch (rec->type) {
	case IGMP_REC_IS_EX:
	case IGMP_REC_TO_EX:
		return true;
	case IGMP_REC_IS_IN:
	case IGMP_REC_TO_IN:
	case IGMP_REC_ALLOW:
		return rec->n_sources > 0;
	default:
		return false;
	}
}

/*
 * Whether a report bound upstream fits the limits: leaves and refreshes of
 * held groups always do; groups not held yet need room in the quota, taken
 * here. A group named twice takes room twice: the holder gives the extra back.
 */
static bool
admit(const struct igmp_proxy_limits *lim, const struct igmp_msg *msg,
      struct igmp_proxy_decision *d)
{
	struct igmp_record rec;
	uint32_t fresh = 0;
	size_t pos = 0;

	switch (msg->type) {
	case IGMP_TYPE_V1_REPORT:
	case IGMP_TYPE_V2_REPORT:
		fresh = !lim->holds(lim->set, msg->group);
		break;
	case IGMP_TYPE_V3_REPORT:
		while (igmp_record_next(msg, &pos, &rec)) {
			if (!record_holds_group(&rec))
				continue;
			if (rec.type != IGMP_REC_IS_EX && rec.type != IGMP_REC_TO_EX &&
			    rec.n_sources > lim->max_sources) {
				d->reason = PROXY_REFUSED_MAX_SOURCES;
				return false;
			}
			fresh += !lim->holds(lim->set, rec.group);
		}
		break;
	default:
		break;
	}
	if (fresh > 0 && !group_quota_take(lim->quota, fresh)) {
		d->reason = PROXY_REFUSED_MAX_GROUPS;
		return false;
	}
	d->admitted = (uint16_t)fresh;
	return true;
}

static void
decide_outside(const struct gw_igmp_config *cfg, const struct igmp_ipv4 *ip,
	       const struct igmp_msg *msg, struct igmp_proxy_decision *d)
{
	if (msg->type == IGMP_TYPE_QUERY) {
		if (!igmp_is_multicast(ip->dst)) {
			d->reason = PROXY_UNICAST_QUERY;
			return;
		}
		d->learn_querier = true;
		d->event_query = cfg->query_notify;
	} else if (is_report(msg->type)) {
		if (!is_reportable_group(msg)) {
			d->reason = PROXY_BAD_GROUP;
			return;
		}
		d->event_report = cfg->membership_reports_from_network;
	} else {
		d->reason = PROXY_UNKNOWN_TYPE;
		return;
	}
	if (!cfg->proxy_out_to_in) {
		d->reason = PROXY_SWITCHED_OFF;
		return;
	}
	if (!is_proxied_destination(ip, msg)) {
		d->reason = PROXY_NOT_PROXIED_GROUP;
		return;
	}
	d->reason = PROXY_SENT;
	d->egress = PROXY_EGRESS_INSIDE;
	d->dst = ip->dst;
}

static void
decide_inside(const struct gw_igmp_config *cfg, const struct igmp_proxy_ingress *in,
	      const struct igmp_ipv4 *ip, const struct igmp_msg *msg,
	      const struct igmp_proxy_queriers *queriers, const struct igmp_proxy_limits *limits,
	      struct igmp_proxy_decision *d)
{
	bool unicast_to_us = ip->dst == in->addr;

	if (!unicast_to_us && !igmp_is_multicast(ip->dst)) {
		d->reason = PROXY_NOT_FOR_US;
		return;
	}
	if (msg->type == IGMP_TYPE_QUERY) {
		/* A proxy never forwards queries upstream (RFC 4605 §4.1). */
		d->reason = unicast_to_us ? PROXY_UNICAST_QUERY : PROXY_QUERY_FROM_INSIDE;
		return;
	}
	if (!is_report(msg->type)) {
		d->reason = PROXY_UNKNOWN_TYPE;
		return;
	}
	if (!is_reportable_group(msg)) {
		d->reason = PROXY_BAD_GROUP;
		return;
	}
	if (unicast_to_us) {
		if (!cfg->unicast_proxy_in_to_out) {
			d->reason = PROXY_SWITCHED_OFF;
			return;
		}
		d->reason = PROXY_TRANSLATED;
	} else {
		if (!cfg->proxy_in_to_out) {
			d->reason = PROXY_SWITCHED_OFF;
			return;
		}
		if (!is_proxied_destination(ip, msg)) {
			d->reason = PROXY_NOT_PROXIED_GROUP;
			return;
		}
		d->reason = PROXY_SENT;
	}
	if (limits != NULL && !admit(limits, msg, d))
		return;
	route_upstream(cfg, in, msg, queriers, d);
}

void
igmp_proxy_decide(const struct gw_igmp_config *cfg, const struct igmp_proxy_ingress *in,
		  const struct igmp_ipv4 *ip, const struct igmp_msg *msg,
		  const struct igmp_proxy_queriers *queriers,
		  const struct igmp_proxy_limits *limits, struct igmp_proxy_decision *d)
{
	*d = (struct igmp_proxy_decision){ .reason = PROXY_SWITCHED_OFF };

	if (ip->src == in->addr) {
		d->reason = PROXY_OWN_PACKET;
		return;
	}
	if (gw_role_is_inside(in->role)) {
		decide_inside(cfg, in, ip, msg, queriers, limits, d);
		return;
	}
	if (!in->active) {
		/* Heard, not proxied: failover needs to know the standby side has a querier. */
		d->learn_querier = msg->type == IGMP_TYPE_QUERY && igmp_is_multicast(ip->dst);
		d->reason = PROXY_INACTIVE_OUTSIDE;
		return;
	}
	decide_outside(cfg, ip, msg, d);
}
