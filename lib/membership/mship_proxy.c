/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proxy (RFC 4605) on the upstream port: the downstream ports' states merged
 * by the rules of RFC 3376 §3.2, and reported upstream as an RFC 3376 host
 * would report its interface state: unsolicited state-change reports with
 * robustness retransmissions (§5.1), answers to queries (§5.2), and older
 * querier compatibility (§7.2.1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "membership.h"
#include "mship_internal.h"

static bool
up_wanted(const struct mship_up_group *u)
{
	return u->mode == MSHIP_EXCLUDE || u->src.n > 0;
}

/* §7.2.1 Host Compatibility Mode on the upstream. */
static uint8_t
up_compat(const struct mship *m)
{
	return m->up_v1_querier != 0 ? 1 : m->up_v2_querier != 0 ? 2 : 3;
}

static bool
up_pending(const struct mship_up_group *u)
{
	return u->mode_rtx > 0 || u->n_rtx > 0 || u->old_rtx > 0;
}

static void
up_group_release(struct mship *m, struct mship_up_group *u)
{
	mship_addrs_release(m, &u->src);
	mship_addrs_release(m, &u->qsrc);
	mship_release(m, u->rtx, u->cap_rtx * sizeof(*u->rtx));
	mship_release(m, u, sizeof(*u));
}

/* Frees the record at pos when nobody wants the group and nothing is left to send. */
static bool
up_group_reap(struct mship *m, uint32_t pos)
{
	struct mship_up_group *u = m->up_groups.v[pos];

	if (up_wanted(u) || up_pending(u))
		return false;
	mship_table_remove(&m->up_groups, pos);
	up_group_release(m, u);
	return true;
}

/*
 * A record for a newly merged group. The table never holds more than
 * max_groups: wanted groups are at most the distinct downstream groups, so when
 * it is full a record only finishing its leave reports makes room.
 */
static struct mship_up_group *
up_group_new(struct mship *m, uint32_t group)
{
	struct mship_up_group *u, *old;
	uint32_t i, pos;
	bool found;

	if (m->up_groups.n >= m->cfg.max_groups) {
		for (i = 0; i < m->up_groups.n; i++) {
			old = m->up_groups.v[i];
			if (!up_wanted(old))
				break;
		}
		if (i == m->up_groups.n)
			return NULL;
		mship_table_remove(&m->up_groups, i);
		up_group_release(m, old);
	}
	u = mship_realloc(m, NULL, 0, sizeof(*u));
	if (u == NULL)
		return NULL;
	memset(u, 0, sizeof(*u));
	u->addr = group;
	u->mode = MSHIP_INCLUDE;
	pos = mship_table_find(&m->up_groups, group, &found);
	if (mship_table_insert(m, &m->up_groups, pos, u) < 0) {
		mship_release(m, u, sizeof(*u));
		return NULL;
	}
	return u;
}

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

/*
 * RFC 3376 §3.2 over the downstream ports: any EXCLUDE makes EXCLUDE with the
 * intersection of the exclude lists minus every included source; else INCLUDE
 * with the union. Returns the list (a scratch set, valid until the next merge).
 */
static const struct mship_addrs *
merge_group(struct mship *m, uint32_t group, uint8_t *mode)
{
	struct mship_addrs *inc = &m->merge_a, *ex = &m->merge_b, *tmp = &m->merge_c;
	struct mship_addrs *share = &m->merge_port;
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
		if (g->mode == MSHIP_INCLUDE) {
			mship_addrs_union(tmp, inc, share);
			swap_sets(&inc, &tmp);
		} else if (!any_ex) {
			mship_addrs_copy(ex, share);
			any_ex = true;
		} else {
			mship_addrs_intersect(tmp, ex, share);
			swap_sets(&ex, &tmp);
		}
	}
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
	uint32_t bound = MSHIP_MAX_DOWNSTREAM * (uint32_t)m->cfg.max_sources_per_group;
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

/* Builds and sends v3 reports of the records, as many messages as they need. */
static void
send_v3_records(struct mship *m, const struct igmp_record_spec *specs, uint16_t n)
{
	uint16_t next = 0, next_src = 0;
	size_t len;

	while (next < n) {
		len = igmp_build_v3_report(m->msg, m->cfg.max_msg_len, m->cfg.max_msg_len, specs, n,
					   &next, &next_src);
		mship_emit(m, m->up_port, htonl(IGMP_ALL_V3_ROUTERS), m->msg, len,
			   MSHIP_CTR_TX_V3_REPORT);
		if (len == 0)
			break;
	}
}

/* Sends the report being filled, if it has records. */
static void
batch_flush(struct mship *m)
{
	if (m->batch_n > 0)
		send_v3_records(m, m->batch, m->batch_n);
	m->batch_n = 0;
	m->batch_n_src = 0;
	m->batch_len = IGMP_V3_REPORT_MIN_LEN;
}

/*
 * Adds a record to the report being filled (RFC 3376 §4.2.16): a record that
 * does not fit sends the report first; one too big for any report goes out
 * alone, split (or cut, for an EXCLUDE record) by the builder.
 */
static void
batch_add(struct mship *m, const struct igmp_record_spec *spec)
{
	uint32_t size = IGMP_V3_RECORD_MIN_LEN + 4u * spec->n_sources;
	struct igmp_record_spec *out;

	if (m->batch_n == 0)
		m->batch_len = IGMP_V3_REPORT_MIN_LEN;
	if (m->batch_len + size > m->cfg.max_msg_len)
		batch_flush(m);
	if (m->batch_len + size > m->cfg.max_msg_len) {
		send_v3_records(m, spec, 1);
		return;
	}
	out = &m->batch[m->batch_n++];
	*out = *spec;
	out->sources = &m->batch_src[m->batch_n_src];
	if (spec->n_sources > 0) /* a record without sources may have none to point at */
		memcpy(&m->batch_src[m->batch_n_src], spec->sources, 4u * spec->n_sources);
	m->batch_n_src = (uint16_t)(m->batch_n_src + spec->n_sources);
	m->batch_len += size;
}

static void
spec_fill(struct igmp_record_spec *spec, uint8_t type, uint32_t group,
	  const struct mship_addrs *set)
{
	memset(spec, 0, sizeof(*spec));
	spec->type = type;
	spec->group = group;
	spec->sources = set->v;
	spec->n_sources = (uint16_t)set->n;
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
	struct igmp_record_spec specs[2];
	uint32_t i, n = 0;

	allow->n = 0;
	block->n = 0;
	if (u->mode_rtx > 0) {
		spec_fill(&specs[n++], u->mode == MSHIP_INCLUDE ? IGMP_REC_TO_IN : IGMP_REC_TO_EX,
			  u->addr, &u->src);
		u->mode_rtx--;
	} else {
		for (i = 0; i < u->n_rtx; i++) {
			struct mship_addrs *to = up_forwards(u, u->rtx[i].addr) ? allow : block;

			to->v[to->n++] = u->rtx[i].addr;
		}
		if (allow->n > 0)
			spec_fill(&specs[n++], IGMP_REC_ALLOW, u->addr, allow);
		if (block->n > 0)
			spec_fill(&specs[n++], IGMP_REC_BLOCK, u->addr, block);
	}
	rtx_consume(u);
	for (i = 0; i < n; i++)
		batch_add(m, &specs[i]);
	if (up_pending(u))
		schedule_retransmission(m, u, now);
	else
		u->report_next = 0;
}

/* A v1 or v2 membership report for u's group, to the group (RFC 2236 §3). */
static void
emit_old_report(struct mship *m, const struct mship_up_group *u)
{
	bool v1 = up_compat(m) == 1;
	size_t len = igmp_build_v2(m->msg, m->cfg.max_msg_len,
				   v1 ? IGMP_TYPE_V1_REPORT : IGMP_TYPE_V2_REPORT, 0, u->addr);

	mship_emit(m, m->up_port, u->addr, m->msg, len,
		   v1 ? MSHIP_CTR_TX_V1_REPORT : MSHIP_CTR_TX_V2_REPORT);
}

static void
send_old_report(struct mship *m, struct mship_up_group *u, uint64_t now)
{
	emit_old_report(m, u);
	if (u->old_rtx > 0)
		u->old_rtx--;
	if (u->old_rtx > 0)
		schedule_report(m, u, m->cfg.unsolicited_report_interval_v2_ms, now);
	else
		u->report_next = 0;
}

/* A v2 leave for u's group, to all routers (RFC 2236 §3). */
static void
send_leave(struct mship *m, const struct mship_up_group *u)
{
	size_t len = igmp_build_v2(m->msg, m->cfg.max_msg_len, IGMP_TYPE_LEAVE, 0, u->addr);

	mship_emit(m, m->up_port, htonl(IGMP_ALL_ROUTERS), m->msg, len, MSHIP_CTR_TX_LEAVE);
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
		if (up_compat(m) == 2)
			send_leave(m, u);
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
	pos = mship_table_find(&m->up_groups, group, &found);
	u = found ? m->up_groups.v[pos] : NULL;
	if (u == NULL && mode == MSHIP_INCLUDE && next->n == 0)
		return;
	if (u != NULL && u->mode == mode && mship_addrs_equal(&u->src, next))
		return;
	if (u == NULL)
		u = up_group_new(m, group);
	if (u == NULL || mship_addrs_reserve(m, &u->src, next->n) < 0) {
		mship_count(m, MSHIP_CTR_REFUSED_NO_MEMORY);
		return;
	}
	was = up_wanted(u);
	if (m->up_port != MSHIP_NO_PORT && up_compat(m) == 3)
		note_v3_change(m, u, mode, next);
	mship_addrs_copy(&u->src, next);
	u->mode = mode;
	is = up_wanted(u);
	raise_join_leave(m, u, was, is);
	if (m->up_port != MSHIP_NO_PORT) {
		if (up_compat(m) == 3)
			report_at_once(m, u, now);
		else
			report_old_change(m, u, was, is, now);
	}
	pos = mship_table_find(&m->up_groups, group, &found);
	up_group_reap(m, pos);
}

/* The current-state record of u (§5.2): IS_IN(A) or IS_EX(Y). */
static void
current_state_spec(struct igmp_record_spec *spec, const struct mship_up_group *u)
{
	spec_fill(spec, u->mode == MSHIP_INCLUDE ? IGMP_REC_IS_IN : IGMP_REC_IS_EX, u->addr,
		  &u->src);
}

/* Answer to a general query: the current state of every wanted group, packed. */
static void
answer_general(struct mship *m)
{
	struct igmp_record_spec spec;
	const struct mship_up_group *u;
	uint32_t i;

	for (i = 0; i < m->up_groups.n; i++) {
		u = m->up_groups.v[i];
		if (!up_wanted(u))
			continue;
		current_state_spec(&spec, u);
		batch_add(m, &spec);
	}
}

/*
 * Answer to group (and source) specific queries of u (§5.2): the current
 * state, or for queried sources Q: INCLUDE(A) -> IS_IN(A*Q), EXCLUDE(Y) ->
 * IS_IN(Q-Y); nothing when that is empty.
 */
static void
answer_group(struct mship *m, struct mship_up_group *u)
{
	struct mship_addrs *set = &m->merge_a;
	struct igmp_record_spec spec;

	if (!up_wanted(u))
		goto done;
	if (up_compat(m) < 3) {
		emit_old_report(m, u);
		goto done;
	}
	if (u->resp_group) {
		current_state_spec(&spec, u);
	} else {
		if (u->mode == MSHIP_INCLUDE)
			mship_addrs_intersect(set, &u->src, &u->qsrc);
		else
			mship_addrs_minus(set, &u->qsrc, &u->src);
		if (set->n == 0)
			goto done;
		spec_fill(&spec, IGMP_REC_IS_IN, u->addr, set);
	}
	batch_add(m, &spec);
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
	if (u != NULL && up_wanted(u))
		schedule_group_answer(m, u, msg, at);
}

/* RFC 2236 §3 for a v1/v2 host: a report per queried group, each at its own random delay. */
static void
answer_old_query(struct mship *m, const struct igmp_msg *msg, uint64_t now, uint64_t max_ms)
{
	struct mship_up_group *u;
	uint32_t i;

	for (i = 0; i < m->up_groups.n; i++) {
		u = m->up_groups.v[i];
		if (!up_wanted(u) || (msg->group != 0 && msg->group != u->addr))
			continue;
		u->resp_group = true;
		u->resp_at = mship_earliest(u->resp_at, now + mship_random_below(m, max_ms));
		mship_arm(m, u->resp_at);
	}
}

/* Everything pending upstream is dropped (compatibility change, new upstream port). */
static void
cancel_pending(struct mship *m)
{
	struct mship_up_group *u;
	uint32_t i = 0;

	m->up_general_resp = 0;
	m->up_rtx_at = 0;
	while (i < m->up_groups.n) {
		u = m->up_groups.v[i];
		u->mode_rtx = 0;
		u->n_rtx = 0;
		u->old_rtx = 0;
		u->report_next = 0;
		u->resp_at = 0;
		u->resp_group = false;
		u->qsrc.n = 0;
		if (!up_group_reap(m, i))
			i++;
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
	uint64_t ovqp_at = now + mship_older_querier_present_interval_ms(
		m->cfg.robustness, m->cfg.query_interval_ms, max_ms);
	uint8_t before = up_compat(m);

	m->up_querier = src;
	if (msg->version == 1) {
		m->up_v1_querier = ovqp_at;
		mship_arm(m, ovqp_at);
	} else if (msg->version == 2 && msg->group == 0) {
		m->up_v2_querier = ovqp_at;
		mship_arm(m, ovqp_at);
	}
	if (up_compat(m) != before)
		cancel_pending(m);
	if (max_ms == 0)
		max_ms = 1;
	if (up_compat(m) == 3)
		answer_v3_query(m, msg, now + mship_random_below(m, max_ms));
	else
		answer_old_query(m, msg, now, max_ms);
}

static void
tick_compat(struct mship *m, uint64_t now)
{
	uint8_t before = up_compat(m);

	if (mship_expired(m->up_v1_querier, now))
		m->up_v1_querier = 0;
	if (mship_expired(m->up_v2_querier, now))
		m->up_v2_querier = 0;
	mship_arm(m, m->up_v1_querier);
	mship_arm(m, m->up_v2_querier);
	if (up_compat(m) != before)
		cancel_pending(m);
}

/* Runs u's due answer and report; returns false when u was freed. */
static bool
tick_group(struct mship *m, uint32_t pos, uint64_t now)
{
	struct mship_up_group *u = m->up_groups.v[pos];

	if (mship_expired(u->resp_at, now)) {
		u->resp_at = 0;
		answer_group(m, u);
	}
	if (mship_expired(u->report_next, now)) {
		if (up_compat(m) == 3)
			send_state_change(m, u, now);
		else
			send_old_report(m, u, now);
	}
	if (up_group_reap(m, pos))
		return false;
	mship_arm(m, u->resp_at);
	mship_arm(m, u->report_next);
	return true;
}

void
mship_proxy_tick(struct mship *m, uint64_t now)
{
	uint32_t i = 0;

	tick_compat(m, now);
	if (mship_expired(m->up_general_resp, now)) {
		m->up_general_resp = 0;
		answer_general(m);
	}
	mship_arm(m, m->up_general_resp);
	while (i < m->up_groups.n)
		if (tick_group(m, i, now))
			i++;
	batch_flush(m);
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
	cancel_pending(m);
	if (m->up_port == MSHIP_NO_PORT)
		return;
	for (i = 0; i < m->up_groups.n; i++) {
		u = m->up_groups.v[i];
		if (u->mode == MSHIP_EXCLUDE)
			mode_change_pending(m, u);
		else
			sources_changed(m, u, &u->src);
		report_at_once(m, u, now);
	}
}

void
mship_proxy_release(struct mship *m)
{
	uint32_t i;

	for (i = 0; i < m->up_groups.n; i++)
		up_group_release(m, m->up_groups.v[i]);
	mship_table_release(m, &m->up_groups);
}
