/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proxy (RFC 4605) on the upstream port, queries heard there: answers as an
 * RFC 3376 host gives them (§5.2; RFC 2236 §3 for a v1/v2 querier) and the
 * older version querier present timers that set the host compatibility mode
 * (§7.2.1).
 */
#include <string.h>

#include "mship_roles.h"

/* The current-state record of u (§5.2): IS_IN(A) or IS_EX(Y). */
static void
report_current_state(struct mship *m, const struct mship_up_group *u)
{
	mship_report_record(m, u->mode == MSHIP_INCLUDE ? IGMP_REC_IS_IN : IGMP_REC_IS_EX, u->addr,
			    &u->src);
}

/* Answer to a general query: the current state of every wanted group, packed. */
void
mship_proxy_answer_general(struct mship *m)
{
	const struct mship_up_group *u;
	uint32_t i;

	mship_table_sort(&m->up_groups);
	for (i = 0; i < m->up_groups.len; i++) {
		u = m->up_groups.v[i];
		if (u != NULL && mship_up_wanted(u))
			report_current_state(m, u);
	}
}

/*
 * Answer to group (and source) specific queries of u (§5.2): the current
 * state, or for queried sources Q: INCLUDE(A) -> IS_IN(A*Q), EXCLUDE(Y) ->
 * IS_IN(Q-Y); nothing when that is empty.
 */
void
mship_proxy_answer_group(struct mship *m, struct mship_up_group *u)
{
	struct mship_addrs *set = &m->merge_a;

	if (!mship_up_wanted(u))
		goto done;
	if (mship_up_compat(m) < 3) {
		mship_send_old_report(m, u->addr, mship_up_compat(m));
		goto done;
	}
	if (u->resp_group) {
		report_current_state(m, u);
	} else {
		if (u->mode == MSHIP_INCLUDE)
			mship_addrs_intersect(set, &u->src, &u->qsrc);
		else
			mship_addrs_minus(set, &u->qsrc, &u->src);
		if (set->n > 0)
			mship_report_record(m, IGMP_REC_IS_IN, u->addr, set);
	}
done:
	u->resp_group = false;
	u->qsrc.n = 0;
}

/* Adds a query's sources to u's pending answer; too many makes it a group answer. */
static void
add_queried_sources(struct mship *m, struct mship_up_group *u, const struct igmp_msg *msg)
{
	uint32_t i, n = msg->n_sources, total = u->qsrc.n + n;

	if (total > m->cfg.max_sources_per_group || mship_addrs_reserve(m, &u->qsrc, total) < 0) {
		u->resp_group = true;
		u->qsrc.n = 0;
		return;
	}
	for (i = 0; i < n; i++)
		memcpy(&u->qsrc.v[u->qsrc.n++], msg->sources + 4 * (size_t)i, 4);
	u->qsrc.n = mship_sort_unique(u->qsrc.v, u->qsrc.n);
}

/* §5.2 rules 3-5 for a group-specific or group-and-source-specific query. */
static void
schedule_group_answer(struct mship *m, struct mship_up_group *u, const struct igmp_msg *msg,
		      uint64_t at)
{
	uint16_t n = msg->version == 3 ? msg->n_sources : 0;

	if (u->resp_at == 0) {
		u->resp_group = n == 0;
		u->qsrc.n = 0;
		if (n > 0)
			add_queried_sources(m, u, msg);
		u->resp_at = at;
	} else {
		if (n == 0 || u->resp_group || u->qsrc.n == 0) {
			u->resp_group = true;
			u->qsrc.n = 0;
		} else {
			add_queried_sources(m, u, msg);
		}
		u->resp_at = mship_earliest(u->resp_at, at);
	}
	mship_arm(m, u->resp_at);
}

/* §5.2 for a v3 host: one timer for general queries, one per group for the others. */
static void
answer_v3_query(struct mship *m, const struct igmp_msg *msg, uint64_t at)
{
	struct mship_up_group *u;

	/* rule 1: a general answer due sooner covers this query too */
	if (m->up_general_resp != 0 && m->up_general_resp <= at)
		return;
	if (msg->group == 0) {
		m->up_general_resp = at; /* rule 2 */
		mship_arm(m, at);
		return;
	}
	u = mship_table_get(&m->up_groups, msg->group);
	if (u != NULL && mship_up_wanted(u))
		schedule_group_answer(m, u, msg, at);
}

/* RFC 2236 §3 for a v1/v2 host: a report per queried group, each at its own random delay. */
static void
answer_old_query(struct mship *m, const struct igmp_msg *msg, uint64_t now, uint64_t max_ms)
{
	struct mship_up_group *u;
	uint32_t i;

	for (i = 0; i < m->up_groups.len; i++) {
		u = m->up_groups.v[i];
		if (u == NULL || !mship_up_wanted(u) || (msg->group != 0 && msg->group != u->addr))
			continue;
		u->resp_group = true;
		u->resp_at = mship_earliest(u->resp_at, now + mship_random_below(m, max_ms));
		mship_arm(m, u->resp_at);
	}
}

/* Everything pending upstream is dropped (compatibility change, new upstream port). */
void
mship_proxy_cancel_pending(struct mship *m)
{
	struct mship_up_group *u;
	uint32_t i;

	m->up_general_resp = 0;
	m->up_rtx_at = 0;
	for (i = 0; i < m->up_groups.len; i++) {
		u = m->up_groups.v[i];
		if (u == NULL)
			continue;
		u->mode_rtx = 0;
		u->n_rtx = 0;
		u->old_rtx = 0;
		u->report_next = 0;
		u->resp_at = 0;
		u->resp_group = false;
		u->qsrc.n = 0;
		mship_up_group_reap(m, i);
	}
}

/*
 * §7.2.1: v1 queries and v2 general queries start the older version querier
 * present timers (RV * QI + the query's max response time); a change of mode
 * cancels every pending report and answer. Then the query is answered.
 */
void
mship_proxy_query(struct mship *m, uint32_t src, const struct igmp_msg *msg, uint64_t now)
{
	uint64_t max_ms = (uint64_t)msg->max_resp_ds * 100;
	uint64_t ovqp_at = now + mship_ovqpi(m, max_ms);
	uint8_t before = mship_up_compat(m);

	m->up_querier = src;
	if (msg->version == 1) {
		m->up_v1_querier = ovqp_at;
		mship_arm(m, ovqp_at);
	} else if (msg->version == 2 && msg->group == 0) {
		m->up_v2_querier = ovqp_at;
		mship_arm(m, ovqp_at);
	}
	if (mship_up_compat(m) != before)
		mship_proxy_cancel_pending(m);
	if (max_ms == 0)
		max_ms = 1;
	if (mship_up_compat(m) == 3)
		answer_v3_query(m, msg, now + mship_random_below(m, max_ms));
	else
		answer_old_query(m, msg, now, max_ms);
}

/* §7.2.1: the older version querier present timers run out; back to a newer mode. */
void
mship_proxy_compat_tick(struct mship *m, uint64_t now)
{
	uint8_t before = mship_up_compat(m);

	if (mship_expired(m->up_v1_querier, now))
		m->up_v1_querier = 0;
	if (mship_expired(m->up_v2_querier, now))
		m->up_v2_querier = 0;
	mship_arm(m, m->up_v1_querier);
	mship_arm(m, m->up_v2_querier);
	if (mship_up_compat(m) != before)
		mship_proxy_cancel_pending(m);
}

