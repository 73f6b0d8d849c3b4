/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Membership tracking on the main lcore: the membership library's router side
 * and querier on every inside port and its RFC 4605 proxy on the active
 * outside. What it sends goes out through gw_originate_igmp; what it decides
 * about (port, group) is written into the forwarding table at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_random.h>

#include "events.h"
#include "feed.h"
#include "table_feed.h"
#include "gw.h"
#include "membership.h"
#include "originate.h"
#include "tracking.h"
#include "upstream.h"

#define GW_LOG_PART tracking

static struct mship *mship;
/* Groups the forwarding table refused (full), or could not take (no memory). */
static uint64_t fwd_refused, fwd_failed;

static void
ipv4_str(uint32_t addr, char *buf, size_t len)
{
	inet_ntop(AF_INET, &addr, buf, len);
}

/* Upstream reports go unicast to the querier with unicast_membership_reports, as goIGMP's did. */
static void
on_send(void *arg __rte_unused, uint16_t port, uint32_t dst, const uint8_t *igmp, uint16_t len)
{
	if (!gw_role_is_inside(port) && igmp[0] != IGMP_TYPE_QUERY)
		gw_originate_upstream((enum gw_role)port, dst, igmp, len);
	else
		gw_originate_igmp((enum gw_role)port, dst, igmp, len);
}

/* Rebuilds the forwarding entry of group from every inside port's state. */
static void
on_changed(void *arg __rte_unused, uint16_t port __rte_unused, uint32_t group)
{
	static struct feed_entry e; /* large: off the stack */
	int ret;

	if (gw.fwd == NULL)
		return;
	feed_merge_group(mship, gw.inside_mask, group, gw_now_ms(), &e);
	/* Counted, never logged here: control.c summarises refusals once a period. */
	ret = fwd_table_set(gw.fwd, group, e.any_source, e.sources, e.n_sources);
	if (ret == -ENOSPC)
		fwd_refused++;
	else if (ret < 0)
		fwd_failed++;
}

/* Logged here; the group events are raised for whoever subscribes (the control socket). */
static void
on_event(void *arg __rte_unused, enum mship_event ev, uint16_t port, uint32_t addr)
{
	struct ctl_event e = { .port = (enum gw_role)port, .group = addr };
	char a[INET_ADDRSTRLEN];

	ipv4_str(addr, a, sizeof(a));
	GW_LOG(INFO, "%s: %s %s", gw_role_name((enum gw_role)port), mship_event_name(ev), a);
	switch (ev) {
	case MSHIP_EV_GROUP_ADDED:
		e.kind = CTL_EV_GROUP_ADDED;
		break;
	case MSHIP_EV_GROUP_REMOVED:
		e.kind = CTL_EV_GROUP_REMOVED;
		break;
	default:
		return;
	}
	gw_event_raise(&e);
}

static uint32_t
on_random(void *arg __rte_unused)
{
	return (uint32_t)rte_rand();
}

/* accept_from: reports from other subnets taken on this inside port. */
static bool
on_accept_foreign(void *arg __rte_unused, uint16_t port, uint32_t src)
{
	return port < GW_MAX_PORTS && acl_set_contains(gw.cfg.port[port].accept_from, src);
}

bool
gw_tracking_enabled(void)
{
	return mship != NULL;
}

struct mship *
gw_tracking_state(void)
{
	return mship;
}

/* The membership state's configuration from the gateway's. */
static void
mship_config_of(const struct gw_config *cfg, struct mship_config *mc)
{
	const struct gw_querier_config *q = &cfg->querier;
	const struct gw_limits_config *l = &cfg->limits;

	mship_config_defaults(mc);
	mc->robustness = (uint8_t)q->robustness;
	mc->startup_query_count = (uint8_t)q->robustness;
	mc->last_member_query_count = (uint8_t)q->last_member_query_count;
	mc->querier_version = q->version;
	mc->querier_enabled = q->enabled;
	mc->query_interval_ms = q->query_interval_ms;
	mc->query_response_interval_ms = q->query_response_interval_ms;
	mc->max_adopted_robustness = (uint8_t)q->max_adopted_robustness;
	mc->max_adopted_query_interval_ms = q->max_adopted_query_interval_ms;
	mc->startup_query_interval_ms = mship_startup_query_interval_ms(q->query_interval_ms);
	mc->last_member_query_interval_ms = q->last_member_query_interval_ms;
	mc->max_groups = l->max_groups;
	mc->max_groups_per_port = l->max_groups_per_port;
	mc->max_sources_per_group = (uint16_t)l->max_sources_per_group;
	mc->max_msg_len = gw_upstream_max_msg();
}

int
gw_tracking_reconfigure(const struct gw_config *cfg)
{
	struct mship_config mc;

	if (mship == NULL)
		return 0;
	mship_config_of(cfg, &mc);
	return mship_set_config(mship, &mc);
}

int
gw_tracking_init(char *err, size_t err_len)
{
	const struct gw_querier_config *q = &gw.cfg.querier;
	struct mship_ops ops = {
		.send = on_send,
		.changed = on_changed,
		.event = on_event,
		.random = on_random,
		.accept_foreign = on_accept_foreign,
	};
	struct mship_config mc;
	uint64_t now = gw_now_ms();
	int ret;

	if (!gw.cfg.track_membership)
		return 0;
	mship_config_of(&gw.cfg, &mc);
	mship = mship_create(&mc, &ops);
	if (mship == NULL) {
		snprintf(err, err_len, "config: proxy.track_membership: cannot create the state: %s",
			 strerror(errno));
		return -ENOMEM;
	}
	for (int r = GW_ROLE_INSIDE; r < GW_MAX_PORTS; r++) {
		const struct gw_port *p = &gw.port[r];

		if (!p->present)
			continue;
		ret = mship_port_add(mship, (uint16_t)r, p->addr, p->prefix_len, now);
		if (ret < 0) {
			snprintf(err, err_len, "config: %s: cannot track it: %s", gw_role_name(r),
				 strerror(-ret));
			return ret;
		}
		mship_port_fast_leave(mship, (uint16_t)r, gw.cfg.port[r].fast_leave);
	}
	gw_tracking_upstream_changed(now);
	GW_LOG(INFO, "tracking membership on %u inside port(s), querier %s (v%u)",
	       __builtin_popcount(gw.inside_mask), q->enabled ? "on" : "off", q->version);
	return 0;
}

void
gw_tracking_upstream_changed(uint64_t now_ms)
{
	enum gw_role up = gw_active_outside();

	if (mship != NULL)
		mship_set_upstream(mship, (uint16_t)up, gw.port[up].addr, now_ms);
}

void
gw_tracking_link_up(enum gw_role role, uint64_t now_ms)
{
	if (mship == NULL)
		return;
	if (gw_role_is_inside(role))
		mship_port_link_up(mship, (uint16_t)role, now_ms);
	else if (role == gw_active_outside())
		mship_upstream_link_up(mship, now_ms);
}

void
gw_tracking_input(enum gw_role role, const struct igmp_ipv4 *ip, const struct igmp_msg *msg,
		  uint64_t now_ms)
{
	if (mship != NULL)
		mship_input(mship, (uint16_t)role, ip->src, ip->dst, msg, now_ms);
}

void
gw_tracking_poll(uint64_t now_ms)
{
	uint64_t next;

	if (mship == NULL)
		return;
	next = mship_next_timer(mship);
	if (next != 0 && next <= now_ms)
		mship_tick(mship, now_ms);
}

/* Seconds left on a deadline, for people; 0 when stopped. */
static json_t *
seconds_left(uint64_t deadline, uint64_t now)
{
	return json_real(deadline > now ? (double)(deadline - now) / 1000.0 : 0.0);
}

static int
first_group(const struct mship_group_info *g, void *arg)
{
	*(uint32_t *)arg = g->group;
	return 1;
}

bool
gw_tracking_next_group(enum gw_role role, uint32_t first, uint32_t *group)
{
	return mship != NULL &&
		mship_group_walk_from(mship, (uint16_t)role, first, first_group, group) == 1;
}

int
gw_tracking_group_get(enum gw_role role, uint32_t group, struct mship_group_info *info)
{
	return mship == NULL ? -ENOENT : mship_group_get(mship, (uint16_t)role, group, info);
}

/* Who queries each inside port: the gateway, or another querier that won the election. */
static json_t *
queriers_json(void)
{
	uint64_t now = gw_now_ms();
	json_t *list = json_array();

	for (int r = GW_ROLE_INSIDE; r < GW_MAX_PORTS; r++) {
		struct mship_querier_info q;
		char a[INET_ADDRSTRLEN];

		if (!gw.port[r].present || mship_querier_get(mship, (uint16_t)r, &q) != 0)
			continue;
		ipv4_str(q.querier_addr, a, sizeof(a));
		json_array_append_new(list,
				      json_pack("{s:s, s:b, s:s, s:o, s:i, s:i}", "port",
						gw_role_name(r), "we_query", q.querier, "querier", a,
						"other_present_timer", seconds_left(q.other_expires, now),
						"robustness", q.robustness, "query_interval_ms",
						(int)q.query_interval_ms));
	}
	return list;
}

void
gw_tracking_refused(uint64_t n[GW_LIMIT_COUNT])
{
	if (mship == NULL)
		return;
	n[GW_LIMIT_MAX_GROUPS] += mship_counter(mship, MSHIP_CTR_REFUSED_MAX_GROUPS) + fwd_refused;
	n[GW_LIMIT_MAX_GROUPS_PER_PORT] += mship_counter(mship, MSHIP_CTR_REFUSED_MAX_GROUPS_PER_PORT);
	n[GW_LIMIT_MAX_SOURCES_PER_GROUP] += mship_counter(mship, MSHIP_CTR_REFUSED_MAX_SOURCES);
}

json_t *
gw_tracking_status(void)
{
	struct mship_upstream_status up;
	json_t *counters;

	if (mship == NULL)
		return json_pack("{s:b}", "enabled", 0);
	counters = json_object();
	for (int c = 0; c < MSHIP_CTR_COUNT; c++)
		json_object_set_new(counters, mship_counter_name(c),
				    json_integer((json_int_t)mship_counter(mship, c)));
	/* The forwarding table's own refusals of what tracking holds (GW_TRACKING_COUNTERS). */
	json_object_set_new(counters, "forwarding_refused_max_groups",
			    json_integer((json_int_t)fwd_refused));
	json_object_set_new(counters, "forwarding_no_memory", json_integer((json_int_t)fwd_failed));
	mship_upstream_get(mship, &up);
	return json_pack("{s:b, s:i, s:i, s:i, s:I, s:o, s:o}", "enabled", 1, "groups",
			 (int)mship_group_count(mship, MSHIP_ALL_PORTS), "upstream_groups",
			 (int)up.n_groups, "upstream_compat", up.compat, "memory_bytes",
			 (json_int_t)mship_memory(mship), "queriers", queriers_json(),
			 "counters", counters);
}

void
gw_tracking_close(void)
{
	mship_free(mship);
	mship = NULL;
}
