/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The active outside on the main lcore: feeds lib/failover what is known of
 * both outsides (link as link_watch found it, the querier each one's owner
 * worker learned), carries out its decisions and the operator's, and owes
 * the upstream the whole membership after a switch or a link coming back.
 */
#include <arpa/inet.h>
#include <string.h>

#include <rte_cycles.h>

#include "ctl_proto.h"
#include "events.h"
#include "failover.h"
#include "gw_failover.h"
#include "membership.h"
#include "mship_timers.h"
#include "originate.h"
#include "static_joins.h"
#include "table_feed.h"
#include "tracking.h"
#include "upstream.h"

#define GW_LOG_PART control

static struct failover fo;
static enum failover_reason last_reason = FAILOVER_NONE;
static uint64_t lost_items; /* reports or leaves the send queue could not take */

/* Items collected for one burst of reports or leaves (large: off the stack). */
static struct ctl_item items[IGMPGW_MAX_ITEMS];
static uint16_t n_items;

static void
flush_items(enum gw_role role, bool leave)
{
	uint32_t room = gw_originate_room(role);
	uint16_t n = n_items;
	uint32_t dst;

	if (n_items == 0)
		return;
	/* What the queue cannot take now is lost, counted: the upstream's next query heals it. */
	if (room < n)
		n = (uint16_t)room;
	if (n > 0 && gw_send_membership_on(role, items, n, leave, &dst) < 0)
		n = 0;
	lost_items += n_items - n;
	n_items = 0;
}

static void
add_item(enum gw_role role, bool leave, uint32_t group, const uint32_t *sources,
	 uint16_t n_sources)
{
	struct ctl_item *it = &items[n_items++];

	if (n_sources > IGMPGW_MAX_SOURCES)
		n_sources = IGMPGW_MAX_SOURCES;
	it->group = group;
	it->n_sources = n_sources;
	if (n_sources > 0)
		memcpy(it->sources, sources, n_sources * sizeof(*sources));
	if (n_items == IGMPGW_MAX_ITEMS)
		flush_items(role, leave);
}

/* goIGMP's modes: each group asked for upstream once, as the first inside port asking asked. */
static void
add_asked(enum gw_role role, bool leave)
{
	static struct asked_port_info info; /* large: off the stack */

	for (int r = GW_ROLE_INSIDE; r < GW_MAX_PORTS; r++) {
		uint32_t first = 0;

		if (!gw.port[r].present)
			continue;
		while (gw_feed_asked_next(r, htonl(first), &info)) {
			fwd_mask_t lower = (fwd_mask_t)((1u << r) - 1);

			if ((info.ports & lower & gw.inside_mask) == 0)
				add_item(role, leave, info.group, info.sources,
					 info.any_source ? 0 : info.n_sources);
			if (ntohl(info.group) == UINT32_MAX)
				break;
			first = ntohl(info.group) + 1;
		}
	}
}

struct leave_walk {
	enum gw_role role;
};

static int
add_merged_leave(const struct mship_upstream_info *u, void *arg)
{
	const struct leave_walk *w = arg;

	if (u->wanted)
		add_item(w->role, true, u->group, u->sources,
			 u->mode == MSHIP_INCLUDE ? u->n_sources : 0);
	return 0;
}

/* Leaves for everything the gateway held on role (it is no longer the active outside). */
static void
leave_all(enum gw_role role)
{
	struct leave_walk w = { .role = role };

	if (gw_tracking_enabled())
		mship_upstream_walk(gw_tracking_state(), add_merged_leave, &w);
	else
		add_asked(role, true);
	flush_items(role, true);
}

void
gw_upstream_report_all(enum gw_role role, uint64_t now_ms)
{
	if (role != gw_active_outside())
		return;
	if (gw_tracking_enabled()) {
		gw_tracking_link_up(role, now_ms);
	} else {
		add_asked(role, false);
		flush_items(role, false);
	}
	gw_joins_upstream_changed(now_ms);
}

static void
raise_selected(enum gw_role from, enum gw_role to, enum failover_reason why)
{
	struct ctl_event e = {
		.kind = CTL_EV_OUTSIDE_SELECTED,
		.port = to,
		.from = from,
		.to_port = to,
		.reason = failover_reason_name(why),
	};

	gw_event_raise(&e);
}

/* The one switch: tracking and the joins move, goIGMP's asked groups are re-sent, leaves follow. */
static void
switch_outside(enum gw_role to, enum failover_reason why, uint64_t now_ms)
{
	enum gw_role from = gw_active_outside();

	last_reason = why;
	if (to == from)
		return;
	GW_LOG(NOTICE, "active outside is now %s (was %s): %s", gw_role_name(to),
	       gw_role_name(from), why == FAILOVER_CONTROL ? "control request" :
	       why == FAILOVER_LINK ? "its link went down" :
	       why == FAILOVER_QUERIER ? "its querier went quiet" : "the primary is back");
	__atomic_store_n(&gw.active_outside, (uint8_t)to, __ATOMIC_RELAXED);
	gw_tracking_upstream_changed(now_ms);
	gw_joins_upstream_changed(now_ms);
	if (!gw_tracking_enabled()) {
		add_asked(to, false);
		flush_items(to, false);
	}
	if (gw.cfg.igmp.failover_leave_old && gw.port[from].link_up)
		leave_all(from);
	raise_selected(from, to, why);
}

/*
 * [querier]'s other querier present interval: how long a side that became
 * active waits to hear a querier at all (the grace).
 */
static uint64_t
own_querier_present_ms(const struct gw_querier_config *q)
{
	return mship_other_querier_present_interval_ms(q->robustness, q->query_interval_ms,
						       q->query_response_interval_ms);
}

void
gw_failover_set_timers(const struct gw_config *next)
{
	fo.querier_grace_ms = own_querier_present_ms(&next->querier);
}

void
gw_failover_init(void)
{
	const struct gw_igmp_config *c = &gw.cfg.igmp;

	failover_init(&fo, (enum failover_mode)c->failover, c->failover_revert,
		      (uint64_t)c->failover_hold_down * 1000, own_querier_present_ms(&gw.cfg.querier),
		      (uint8_t)c->active_outside, gw_now_ms());
}

/*
 * RFC 3376 §8.5 for the querier heard on a side: RV * QI + QRI / 2 from what
 * its last general query said (QRV and QQI, adopted up to [querier]'s
 * max_adopted_* as §4.1.6 and §4.1.7 have a non-querier do; Max Resp Time),
 * [querier]'s own values for what it did not say (v1, v2, zeros).
 */
uint64_t
gw_failover_querier_present_ms(const struct gw_querier *q)
{
	const struct gw_querier_config *c = &gw.cfg.querier;
	uint32_t rv = c->robustness;
	uint32_t qi_ms = c->query_interval_ms;
	uint32_t qri_ms = c->query_response_interval_ms;

	if (q->qrv != 0)
		rv = RTE_MIN((uint32_t)q->qrv, c->max_adopted_robustness);
	if (q->qqi_s != 0)
		qi_ms = (uint32_t)RTE_MIN((uint64_t)q->qqi_s * 1000, c->max_adopted_query_interval_ms);
	if (q->max_resp_ds != 0)
		qri_ms = q->max_resp_ds * 100;
	return mship_other_querier_present_interval_ms(rv, qi_ms, qri_ms);
}

/* Whether role's querier is present; *went_quiet: heard since role became active, quiet now. */
static bool
querier_heard(enum gw_role role, bool *went_quiet)
{
	uint64_t tsc_per_ms = rte_get_tsc_hz() / 1000;
	struct gw_querier q;
	uint64_t heard_ms;
	bool present;

	*went_quiet = false;
	if (gw_querier_read(role, &q) == 0)
		return false;
	present = (rte_rdtsc() - q.heard_tsc) / tsc_per_ms < gw_failover_querier_present_ms(&q);
	heard_ms = q.heard_tsc > gw.start_tsc ? (q.heard_tsc - gw.start_tsc) / tsc_per_ms : 0;
	*went_quiet = !present && heard_ms >= fo.active_since_ms;
	return present;
}

void
gw_failover_poll(uint64_t now_ms)
{
	struct failover_side side[FAILOVER_SIDES] = { 0 };
	enum failover_reason why;

	if (fo.mode == FAILOVER_MODE_OFF)
		return;
	for (int r = 0; r < FAILOVER_SIDES; r++) {
		side[r].present = gw.port[r].present;
		side[r].link_up = gw.port[r].present && gw.port[r].link_up;
		side[r].querier = side[r].present && querier_heard(r, &side[r].querier_went_quiet);
	}
	why = failover_decide(&fo, side, now_ms);
	if (why != FAILOVER_NONE)
		switch_outside((enum gw_role)fo.active, why, now_ms);
}

void
gw_failover_select(enum gw_role role, uint64_t now_ms)
{
	failover_select(&fo, (uint8_t)role, now_ms);
	switch_outside(role, FAILOVER_CONTROL, now_ms);
}

json_t *
gw_failover_status(void)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:s, s:b, s:b, s:i, s:I}", "mode",
			 gw_failover_mode_name(gw.cfg.igmp.failover), "primary",
			 gw_role_name((enum gw_role)fo.primary), "active",
			 gw_role_name(gw_active_outside()), "switches", (json_int_t)fo.switches,
			 "last_reason", failover_reason_name(last_reason), "revert", fo.revert,
			 "leave_old", gw.cfg.igmp.failover_leave_old, "hold_down",
			 (int)gw.cfg.igmp.failover_hold_down, "lost_messages",
			 (json_int_t)lost_items);
}
