/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Querier on a downstream port (RFC 3376 §6.1 - §6.6): startup and periodic
 * general queries, the election by lowest address with the other querier
 * present timer, adoption of the elected querier's QRV and QQIC (bounded), and the
 * group-specific and group-and-source-specific queries the §6.4 tables ask
 * for, with their retransmissions and S flag (§6.6.3).
 */
#include "mship_roles.h"

/* Sends the general query due now and schedules the next: startup spacing first, then QI. */
static void
general_query_due(struct mship *m, uint16_t port, uint64_t now)
{
	struct mship_port *p = &m->port[port];

	mship_send_general_query(m, port);
	if (p->startup_left > 0)
		p->startup_left--;
	p->query_next = now + (p->startup_left > 0 ? m->cfg.startup_query_interval_ms :
				p->qi_ms);
	mship_arm(m, p->query_next);
}

/* Back to the configured robustness and interval: ours count again. */
static void
use_own_values(struct mship *m, struct mship_port *p)
{
	p->rv = m->cfg.robustness;
	p->qi_ms = m->cfg.query_interval_ms;
}

void
mship_querier_start(struct mship *m, uint16_t port, uint64_t now)
{
	struct mship_port *p = &m->port[port];

	use_own_values(m, p);
	p->querier = m->cfg.querier_enabled;
	if (!p->querier)
		return;
	p->startup_left = m->cfg.startup_query_count;
	general_query_due(m, port, now);
}

/* Another router queries now: our pending group queries stop with our general ones. */
static void
cancel_group_queries(struct mship *m, struct mship_port *p)
{
	struct mship_group *g;
	uint32_t i;
	uint16_t j;

	for (i = 0; i < p->groups.len; i++) {
		g = p->groups.v[i];
		if (g == NULL)
			continue;
		g->gq_left = 0;
		g->gq_next = 0;
		g->gsq_next = 0;
		for (j = 0; j < g->n_src; j++)
			g->src[j].query_rtx = 0;
		mship_group_rearm(m, g);
	}
}

static void
lose_election(struct mship *m, uint16_t port, uint32_t winner)
{
	struct mship_port *p = &m->port[port];

	p->querier = false;
	p->startup_left = 0;
	p->query_next = 0;
	cancel_group_queries(m, p);
	mship_count(m, MSHIP_CTR_QUERIER_LOST);
	mship_event_raise(m, MSHIP_EV_QUERIER_LOST, port, winner);
}

/*
 * §4.1.6, §4.1.7: a non-querier takes the querier's QRV and QQI unless they
 * are 0, up to the configured maxima.
 */
static void
adopt_values(const struct mship *m, struct mship_port *p, const struct igmp_msg *msg)
{
	uint64_t qi_ms = (uint64_t)msg->qqi_s * 1000;

	if (msg->version != 3)
		return;
	if (msg->qrv != 0)
		p->rv = msg->qrv < m->cfg.max_adopted_robustness ? msg->qrv :
			m->cfg.max_adopted_robustness;
	if (qi_ms != 0)
		p->qi_ms = qi_ms < m->cfg.max_adopted_query_interval_ms ? (uint32_t)qi_ms :
			m->cfg.max_adopted_query_interval_ms;
}

/*
 * §6.6.2: a query from a lower address makes us non-querier for the Other
 * Querier Present Interval, RV * QI + QRI / 2. A query from 0.0.0.0 (a
 * snooping switch without an address) elects nobody.
 */
void
mship_querier_query(struct mship *m, uint16_t port, uint32_t src, const struct igmp_msg *msg,
		    uint64_t now)
{
	struct mship_port *p = &m->port[port];

	if (src == 0 || mship_addr_cmp(src, p->addr) >= 0)
		return;
	if (p->querier)
		lose_election(m, port, src);
	if (p->other_timer == 0 || mship_addr_cmp(src, p->other_querier) <= 0) {
		p->other_querier = src;
		adopt_values(m, p, msg);
	}
	p->other_timer = now + mship_oqpi(m, p);
	mship_arm(m, p->other_timer);
}

/* §6.6.2: the other querier went quiet: we query again, from a general query now. */
static void
other_querier_gone(struct mship *m, uint16_t port, uint64_t now)
{
	struct mship_port *p = &m->port[port];

	p->other_timer = 0;
	p->other_querier = 0;
	use_own_values(m, p);
	if (!m->cfg.querier_enabled)
		return;
	p->querier = true;
	mship_count(m, MSHIP_CTR_QUERIER_ELECTED);
	mship_event_raise(m, MSHIP_EV_QUERIER_ELECTED, port, p->addr);
	general_query_due(m, port, now);
}

void
mship_querier_tick(struct mship *m, uint16_t port, uint64_t now)
{
	struct mship_port *p = &m->port[port];

	if (mship_expired(p->other_timer, now))
		other_querier_gone(m, port, now);
	else
		mship_arm(m, p->other_timer);
	if (!p->querier)
		return;
	if (mship_expired(p->query_next, now))
		general_query_due(m, port, now);
	else
		mship_arm(m, p->query_next);
}

/* One Q(G); §6.6.3.1: S set while the group timer is above LMQT (a report came back). */
static void
send_group_query(struct mship *m, uint16_t port, struct mship_group *g, uint64_t now)
{
	mship_send_group_query(m, port, g->addr, g->group_timer > now + mship_lmqt(m));
	g->gq_left--;
	g->gq_next = g->gq_left > 0 ? now + m->cfg.last_member_query_interval_ms : 0;
}

/*
 * The table's "Send Q(G)" (§6.6.3.1): lower the group timer to LMQT, send now
 * and LMQC - 1 more every LMQI. Only the querier does it; IGMPv1 has no
 * group-specific query.
 */
void
mship_querier_group(struct mship *m, uint16_t port, struct mship_group *g, uint64_t now)
{
	uint64_t lmqt_at = now + mship_lmqt(m);

	if (!m->port[port].querier || m->cfg.querier_version < 2)
		return;
	if (g->group_timer > lmqt_at)
		g->group_timer = lmqt_at;
	g->gq_left = m->cfg.last_member_query_count;
	send_group_query(m, port, g, now);
	mship_group_rearm(m, g);
}

/*
 * One round of Q(G,A) (§6.6.3.2): the sources with retransmissions left go in
 * two messages, S set for those whose timer is above LMQT again, S clear for
 * the rest; an empty message is not sent.
 */
static void
send_group_source_query(struct mship *m, uint16_t port, struct mship_group *g, uint64_t now)
{
	uint64_t lmqt_at = now + mship_lmqt(m);
	uint32_t n_set = 0, n_clear = 0;
	bool more = false;
	uint16_t i;

	for (i = 0; i < g->n_src; i++) {
		struct mship_source *s = &g->src[i];

		if (s->query_rtx == 0)
			continue;
		if (s->expires > lmqt_at)
			m->query_src[n_set++] = s->addr;
		else
			m->query_src2[n_clear++] = s->addr;
		s->query_rtx--;
		more |= s->query_rtx > 0;
	}
	mship_send_group_source_query(m, port, g->addr, true, m->query_src, n_set);
	mship_send_group_source_query(m, port, g->addr, false, m->query_src2, n_clear);
	g->gsq_next = more ? now + m->cfg.last_member_query_interval_ms : 0;
}

/*
 * The table's "Send Q(G,X)" (§6.6.3.2): each source of X whose timer is above
 * LMQT gets LMQC transmissions and its timer lowered to LMQT; then a query
 * goes now (with any sources still pending from an earlier one) and again
 * every LMQI. Needs IGMPv3 queries.
 */
void
mship_querier_group_sources(struct mship *m, uint16_t port, struct mship_group *g,
			    const uint32_t *cand, uint32_t n, uint64_t now)
{
	uint64_t lmqt_at = now + mship_lmqt(m);
	struct mship_source *src;
	uint32_t i;

	if (!m->port[port].querier || m->cfg.querier_version < 3)
		return;
	for (i = 0; i < n; i++) {
		src = mship_group_source(g, cand[i]);
		if (src == NULL || src->expires <= lmqt_at)
			continue;
		src->expires = lmqt_at;
		src->query_rtx = m->cfg.last_member_query_count;
	}
	/* cand may be m->query_src, which the query below reuses: it is done with */
	send_group_source_query(m, port, g, now);
	mship_group_rearm(m, g);
}

void
mship_querier_retransmit(struct mship *m, uint16_t port, struct mship_group *g, uint64_t now)
{
	/* same order as the table rows send them: Q(G,A) before Q(G) */
	if (mship_expired(g->gsq_next, now))
		send_group_source_query(m, port, g, now);
	if (g->gq_left > 0 && mship_expired(g->gq_next, now))
		send_group_query(m, port, g, now);
}
