/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proxy (RFC 4605) on the upstream port: the downstream ports' states merged
 * by the rules of RFC 3376 §3.2, and reported upstream as an RFC 3376 host
 * would report its interface state: unsolicited state-change reports with
 * robustness retransmissions (§5.1). Answers to queries and older querier
 * compatibility are mship_proxy_query.c's.
 */
#include <errno.h>
#include <string.h>

#include "mship_roles.h"

/* One port's share of the merge: INCLUDE: its sources; EXCLUDE: those at zero (excluded). */
static void
port_share(const struct mship_group *g, struct mship_addrs *out)
{
	uint16_t i;

	out->n = 0;
	for (i = 0; i < g->n_src; i++)
		if (g->mode == MSHIP_INCLUDE || g->src[i].expires == 0)
			out->v[out->n++] = g->src[i].addr;
}

static void
swap_sets(struct mship_addrs **a, struct mship_addrs **b)
{
	struct mship_addrs *t = *a;

	*a = *b;
	*b = t;
}

/* Adds one share (its mode, its list) to the merge being built in *inc and *ex; *tmp is spare. */
static void
merge_share(uint8_t mode, const struct mship_addrs *share, struct mship_addrs **inc,
	    struct mship_addrs **ex, struct mship_addrs **tmp, bool *any_ex)
{
	if (mode == MSHIP_INCLUDE) {
		mship_addrs_union(*tmp, *inc, share);
		swap_sets(inc, tmp);
	} else if (!*any_ex) {
		mship_addrs_copy(*ex, share);
		*any_ex = true;
	} else {
		mship_addrs_intersect(*tmp, *ex, share);
		swap_sets(ex, tmp);
	}
}

/*
 * RFC 3376 §3.2 over the downstream ports and the gateway's own membership:
 * any EXCLUDE makes EXCLUDE with the intersection of the exclude lists minus
 * every included source; else INCLUDE with the union. Returns the list (a
 * scratch set, valid until the next merge).
 */
static const struct mship_addrs *
merge_group(struct mship *m, uint32_t group, uint8_t *mode)
{
	struct mship_addrs *inc = &m->merge_a, *ex = &m->merge_b, *tmp = &m->merge_c;
	struct mship_addrs *share = &m->merge_port;
	const struct mship_local *own;
	const struct mship_group *g;
	bool any_ex = false;
	uint16_t i;

	inc->n = 0;
	ex->n = 0;
	for (i = 0; i < MSHIP_MAX_PORTS; i++) {
		if (!m->port[i].downstream)
			continue;
		g = mship_table_get(&m->port[i].groups, group);
		if (g == NULL)
			continue;
		port_share(g, share);
		merge_share(g->mode, share, &inc, &ex, &tmp, &any_ex);
	}
	own = mship_table_get(&m->local, group);
	if (own != NULL)
		merge_share(own->mode, &own->src, &inc, &ex, &tmp, &any_ex);
	*mode = any_ex ? MSHIP_EXCLUDE : MSHIP_INCLUDE;
	if (!any_ex)
		return inc;
	mship_addrs_minus(tmp, ex, inc);
	return tmp;
}

/* Index of addr in u's retransmission list, or where it would go. */
static uint32_t
rtx_find(const struct mship_up_group *u, uint32_t addr, bool *found)
{
	return mship_sorted_find(u->rtx, sizeof(u->rtx[0]), u->n_rtx, addr, found);
}

/* Gives addr a fresh count of retransmissions; -ENOSPC past the bound, -ENOMEM. */
static int
rtx_set(struct mship *m, struct mship_up_group *u, uint32_t addr)
{
	uint32_t bound = MSHIP_MERGE_SHARES * (uint32_t)m->cfg.max_sources_per_group;
	struct mship_up_rtx *v;
	uint32_t pos, cap;
	bool found;

	pos = rtx_find(u, addr, &found);
	if (!found) {
		if (u->n_rtx == bound)
			return -ENOSPC;
		if (u->n_rtx == u->cap_rtx) {
			cap = u->cap_rtx == 0 ? 4 : u->cap_rtx * 2;
			cap = cap > bound ? bound : cap;
			v = mship_realloc(m, u->rtx, u->cap_rtx * sizeof(*v), cap * sizeof(*v));
			if (v == NULL)
				return -ENOMEM;
			u->rtx = v;
			u->cap_rtx = cap;
		}
		memmove(&u->rtx[pos + 1], &u->rtx[pos], (u->n_rtx - pos) * sizeof(*u->rtx));
		u->n_rtx++;
		u->rtx[pos].addr = addr;
	}
	u->rtx[pos].left = m->cfg.robustness;
	return 0;
}

/* A filter mode change record carries the whole state: source changes fold into it. */
static void
mode_change_pending(struct mship *m, struct mship_up_group *u)
{
	u->mode_rtx = m->cfg.robustness;
	u->n_rtx = 0;
}

/* Marks every source of set for retransmission; falls back to a mode change record. */
static void
sources_changed(struct mship *m, struct mship_up_group *u, const struct mship_addrs *set)
{
	uint32_t i;

	for (i = 0; i < set->n; i++) {
		if (rtx_set(m, u, set->v[i]) < 0) {
			mode_change_pending(m, u);
			return;
		}
	}
}

/*
 * §5.1: what the change from u's state to (mode, next) must report. A filter
 * mode change becomes TO_IN/TO_EX; a source list change gives every source in
 * the difference robustness retransmissions in ALLOW or BLOCK records.
 */
static void
note_v3_change(struct mship *m, struct mship_up_group *u, uint8_t mode,
	       const struct mship_addrs *next)
{
	uint32_t i;

	if (u->mode != mode) {
		mode_change_pending(m, u);
		return;
	}
	for (i = 0; i < next->n; i++) {
		if (!mship_addrs_has(&u->src, next->v[i]) && rtx_set(m, u, next->v[i]) < 0) {
			mode_change_pending(m, u);
			return;
		}
	}
	for (i = 0; i < u->src.n; i++) {
		if (!mship_addrs_has(next, u->src.v[i]) && rtx_set(m, u, u->src.v[i]) < 0) {
			mode_change_pending(m, u);
			return;
		}
	}
}

/* Whether the current state forwards source: ALLOW or BLOCK for a retransmitted one. */
static bool
up_forwards(const struct mship_up_group *u, uint32_t source)
{
	return mship_addrs_has(&u->src, source) == (u->mode == MSHIP_INCLUDE);
}

/* One retransmission round: every source's count goes down; spent ones go. */
static void
rtx_consume(struct mship_up_group *u)
{
	uint32_t i, out = 0;

	for (i = 0; i < u->n_rtx; i++)
		if (--u->rtx[i].left > 0)
			u->rtx[out++] = u->rtx[i];
	u->n_rtx = out;
}

/* Next retransmission at a random point of (0, interval] (§5.1). */
static void
schedule_report(struct mship *m, struct mship_up_group *u, uint32_t interval_ms, uint64_t now)
{
	u->report_next = now + 1 + mship_random_below(m, interval_ms);
	mship_arm(m, u->report_next);
}

/*
 * Next v3 retransmission: every group waiting for one shares a slot at a
 * random point of (0, URI], so their records share reports.
 */
static void
schedule_retransmission(struct mship *m, struct mship_up_group *u, uint64_t now)
{
	if (m->up_rtx_at <= now)
		m->up_rtx_at = now + 1 + mship_random_below(m, m->cfg.unsolicited_report_interval_ms);
	u->report_next = m->up_rtx_at;
	mship_arm(m, u->report_next);
}

/*
 * A change is reported at the next tick, "now": changes from a burst of
 * messages then share reports, and each still goes out at once (§5.1).
 */
static void
report_at_once(struct mship *m, struct mship_up_group *u, uint64_t now)
{
	u->report_next = now > 0 ? now : 1;
	/* Within a tick the proxy's part runs last and sends it: no deadline left behind. */
	if (!m->ticking)
		mship_arm(m, u->report_next);
}

/*
 * Sends u's pending v3 state-change report (§5.1): the filter mode change
 * record if one is pending, else ALLOW and BLOCK of the sources with
 * retransmissions left, each judged against the current state.
 */
static void
send_state_change(struct mship *m, struct mship_up_group *u, uint64_t now)
{
	struct mship_addrs *allow = &m->merge_a, *block = &m->merge_b;
	uint32_t i;

	allow->n = 0;
	block->n = 0;
	if (u->mode_rtx > 0) {
		mship_report_record(m, u->mode == MSHIP_INCLUDE ? IGMP_REC_TO_IN : IGMP_REC_TO_EX,
				    u->addr, &u->src);
		u->mode_rtx--;
	} else {
		for (i = 0; i < u->n_rtx; i++) {
			struct mship_addrs *to = up_forwards(u, u->rtx[i].addr) ? allow : block;

			to->v[to->n++] = u->rtx[i].addr;
		}
		if (allow->n > 0)
			mship_report_record(m, IGMP_REC_ALLOW, u->addr, allow);
		if (block->n > 0)
			mship_report_record(m, IGMP_REC_BLOCK, u->addr, block);
	}
	rtx_consume(u);
	if (mship_up_pending(u))
		schedule_retransmission(m, u, now);
	else
		u->report_next = 0;
}

static void
send_old_report(struct mship *m, struct mship_up_group *u, uint64_t now)
{
	mship_send_old_report(m, u->addr, mship_up_compat(m));
	if (u->old_rtx > 0)
		u->old_rtx--;
	if (u->old_rtx > 0)
		schedule_report(m, u, m->cfg.unsolicited_report_interval_v2_ms, now);
	else
		u->report_next = 0;
}

/* v1/v2 compatibility: report on join (robustness times), leave (v2 only) when it goes. */
static void
report_old_change(struct mship *m, struct mship_up_group *u, bool was, bool is, uint64_t now)
{
	if (!was && is) {
		u->old_rtx = m->cfg.robustness;
		report_at_once(m, u, now);
	} else if (was && !is) {
		u->old_rtx = 0;
		u->report_next = 0;
		if (mship_up_compat(m) == 2)
			mship_send_leave(m, u->addr);
	}
}

static void
raise_join_leave(struct mship *m, const struct mship_up_group *u, bool was, bool is)
{
	if (!was && is) {
		mship_count(m, MSHIP_CTR_UPSTREAM_JOINS);
		mship_event_raise(m, MSHIP_EV_UPSTREAM_JOINED, m->up_port, u->addr);
	} else if (was && !is) {
		mship_count(m, MSHIP_CTR_UPSTREAM_LEAVES);
		mship_event_raise(m, MSHIP_EV_UPSTREAM_LEFT, m->up_port, u->addr);
	}
}

/*
 * Recomputes the merged state of group after a downstream change and, when it
 * differs from what was reported, reports the difference upstream.
 */
void
mship_proxy_refresh(struct mship *m, uint32_t group, uint64_t now)
{
	const struct mship_addrs *next;
	struct mship_up_group *u;
	bool found, was, is;
	uint8_t mode;
	uint32_t pos;

	next = merge_group(m, group, &mode);
	u = mship_table_get(&m->up_groups, group);
	if (u == NULL && mode == MSHIP_INCLUDE && next->n == 0)
		return;
	if (u != NULL && u->mode == mode && mship_addrs_equal(&u->src, next))
		return;
	if (u == NULL)
		u = mship_up_group_new(m, group);
	if (u == NULL || mship_addrs_reserve(m, &u->src, next->n) < 0) {
		mship_count(m, MSHIP_CTR_REFUSED_NO_MEMORY);
		return;
	}
	was = mship_up_wanted(u);
	if (m->up_port != MSHIP_NO_PORT && mship_up_compat(m) == 3)
		note_v3_change(m, u, mode, next);
	mship_addrs_copy(&u->src, next);
	u->mode = mode;
	is = mship_up_wanted(u);
	if (was != is)
		m->n_up_wanted = is ? m->n_up_wanted + 1 : m->n_up_wanted - 1;
	raise_join_leave(m, u, was, is);
	if (m->up_port != MSHIP_NO_PORT) {
		if (mship_up_compat(m) == 3)
			report_at_once(m, u, now);
		else
			report_old_change(m, u, was, is, now);
	}
	pos = mship_table_find(&m->up_groups, group, &found);
	mship_up_group_reap(m, pos);
}

/* Runs u's due answer and report; returns false when u was freed. */
static bool
tick_group(struct mship *m, uint32_t pos, uint64_t now)
{
	struct mship_up_group *u = m->up_groups.v[pos];

	if (mship_expired(u->resp_at, now)) {
		u->resp_at = 0;
		mship_proxy_answer_group(m, u);
	}
	if (mship_expired(u->report_next, now)) {
		if (mship_up_compat(m) == 3)
			send_state_change(m, u, now);
		else
			send_old_report(m, u, now);
	}
	if (mship_up_group_reap(m, pos))
		return false;
	mship_arm(m, u->resp_at);
	mship_arm(m, u->report_next);
	return true;
}

/*
 * Everything due upstream: compatibility timers, answers, state-change
 * reports. The records of one tick leave packed together (§4.2.16).
 */
void
mship_proxy_tick(struct mship *m, uint64_t now)
{
	uint32_t i;

	mship_proxy_compat_tick(m, now);
	if (mship_expired(m->up_general_resp, now)) {
		m->up_general_resp = 0;
		mship_proxy_answer_general(m);
	}
	mship_arm(m, m->up_general_resp);
	/* in address order: the records of one tick are packed in that order */
	mship_table_sort(&m->up_groups);
	for (i = 0; i < m->up_groups.len; i++)
		if (m->up_groups.v[i] != NULL)
			tick_group(m, i, now);
	mship_report_flush(m);
}

/*
 * New upstream port (or none): nothing pending carries over, the host
 * compatibility mode starts at v3, and the whole merged state goes out as
 * unsolicited reports, as for groups just joined (RFC 4605 §4.2).
 */
void
mship_proxy_upstream_changed(struct mship *m, uint64_t now)
{
	struct mship_up_group *u;
	uint32_t i;

	m->up_v1_querier = 0;
	m->up_v2_querier = 0;
	m->up_querier = 0;
	mship_proxy_cancel_pending(m);
	if (m->up_port == MSHIP_NO_PORT)
		return;
	mship_table_sort(&m->up_groups);
	for (i = 0; i < m->up_groups.len; i++) {
		u = m->up_groups.v[i];
		if (u == NULL)
			continue;
		if (u->mode == MSHIP_EXCLUDE)
			mode_change_pending(m, u);
		else
			sources_changed(m, u, &u->src);
		report_at_once(m, u, now);
	}
}

