/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Router side of RFC 3376 on a downstream port: group records built from the
 * reports of §6.4.1 and §6.4.2, their source and group timers (§6.2, §6.5),
 * older-version host compatibility (§7.3.2), and timer lowering on queries
 * heard from another router (§6.6.1).
 */
#include <errno.h>
#include <string.h>

#include "mship_roles.h"

/* What one row of the §6.4 tables does to a source, by whether A holds it and B reports it. */
enum src_action {
	ACT_KEEP,          /* timer unchanged */
	ACT_DELETE,        /* "Delete (...)" */
	ACT_GMI,           /* "(...)=GMI" */
	ACT_ZERO,          /* "(...)=0": excluded */
	ACT_GROUP_TIMER,   /* "(...)=Group Timer" */
	ACT_SKIP,          /* not added to the list */
};

/* Which sources are candidates of the row's "Send Q(G,...)". */
#define Q_BOTH 1           /* held and reported */
#define Q_HELD 2           /* held, not reported */
#define Q_NEW 4            /* reported, not held */

struct table_row {
	uint8_t both;      /* source in A and B */
	uint8_t held;      /* in A only */
	uint8_t reported;  /* in B only */
	uint8_t query;     /* Q_* */
	uint8_t mode;      /* new router filter mode */
	bool group_gmi;    /* Group Timer=GMI */
	bool query_group;  /* Send Q(G) */
};

/*
 * RFC 3376 §6.4.1 and §6.4.2, one entry per row. A is the source list held
 * (EXCLUDE: X with running timers and Y at zero), B the record's sources.
 * Q(G,...) candidates in EXCLUDE mode are narrowed to X by the querier, which
 * only queries sources whose timer is above LMQT (§6.6.3.2).
 */
static const struct table_row table_rows[3][IGMP_REC_BLOCK + 1] = {
	[MSHIP_INCLUDE] = {
		/* INCLUDE(A) IS_IN(B) -> INCLUDE(A+B); (B)=GMI */
		[IGMP_REC_IS_IN] = { .both = ACT_GMI, .held = ACT_KEEP, .reported = ACT_GMI,
				     .mode = MSHIP_INCLUDE },
		/* INCLUDE(A) IS_EX(B) -> EXCLUDE(A*B,B-A); (B-A)=0, Delete(A-B), GT=GMI */
		[IGMP_REC_IS_EX] = { .both = ACT_KEEP, .held = ACT_DELETE, .reported = ACT_ZERO,
				     .mode = MSHIP_EXCLUDE, .group_gmi = true },
		/* INCLUDE(A) TO_IN(B) -> INCLUDE(A+B); (B)=GMI, Send Q(G,A-B) */
		[IGMP_REC_TO_IN] = { .both = ACT_GMI, .held = ACT_KEEP, .reported = ACT_GMI,
				     .query = Q_HELD, .mode = MSHIP_INCLUDE },
		/*
		 * INCLUDE(A) TO_EX(B) -> EXCLUDE(A*B,B-A); (B-A)=0, Delete(A-B),
		 * Send Q(G,A*B), GT=GMI
		 */
		[IGMP_REC_TO_EX] = { .both = ACT_KEEP, .held = ACT_DELETE, .reported = ACT_ZERO,
				     .query = Q_BOTH, .mode = MSHIP_EXCLUDE, .group_gmi = true },
		/* INCLUDE(A) ALLOW(B) -> INCLUDE(A+B); (B)=GMI */
		[IGMP_REC_ALLOW] = { .both = ACT_GMI, .held = ACT_KEEP, .reported = ACT_GMI,
				     .mode = MSHIP_INCLUDE },
		/* INCLUDE(A) BLOCK(B) -> INCLUDE(A); Send Q(G,A*B) */
		[IGMP_REC_BLOCK] = { .both = ACT_KEEP, .held = ACT_KEEP, .reported = ACT_SKIP,
				     .query = Q_BOTH, .mode = MSHIP_INCLUDE },
	},
	[MSHIP_EXCLUDE] = {
		/* EXCLUDE(X,Y) IS_IN(A) -> EXCLUDE(X+A,Y-A); (A)=GMI */
		[IGMP_REC_IS_IN] = { .both = ACT_GMI, .held = ACT_KEEP, .reported = ACT_GMI,
				     .mode = MSHIP_EXCLUDE },
		/*
		 * EXCLUDE(X,Y) IS_EX(A) -> EXCLUDE(A-Y,Y*A); (A-X-Y)=GMI, Delete(X-A),
		 * Delete(Y-A), GT=GMI
		 */
		[IGMP_REC_IS_EX] = { .both = ACT_KEEP, .held = ACT_DELETE, .reported = ACT_GMI,
				     .mode = MSHIP_EXCLUDE, .group_gmi = true },
		/* EXCLUDE(X,Y) TO_IN(A) -> EXCLUDE(X+A,Y-A); (A)=GMI, Send Q(G,X-A), Send Q(G) */
		[IGMP_REC_TO_IN] = { .both = ACT_GMI, .held = ACT_KEEP, .reported = ACT_GMI,
				     .query = Q_HELD, .mode = MSHIP_EXCLUDE, .query_group = true },
		/*
		 * EXCLUDE(X,Y) TO_EX(A) -> EXCLUDE(A-Y,Y*A); (A-X-Y)=Group Timer,
		 * Delete(X-A), Delete(Y-A), Send Q(G,A-Y), GT=GMI
		 */
		[IGMP_REC_TO_EX] = { .both = ACT_KEEP, .held = ACT_DELETE, .reported = ACT_GROUP_TIMER,
				     .query = Q_BOTH | Q_NEW, .mode = MSHIP_EXCLUDE, .group_gmi = true },
		/* EXCLUDE(X,Y) ALLOW(A) -> EXCLUDE(X+A,Y-A); (A)=GMI */
		[IGMP_REC_ALLOW] = { .both = ACT_GMI, .held = ACT_KEEP, .reported = ACT_GMI,
				     .mode = MSHIP_EXCLUDE },
		/* EXCLUDE(X,Y) BLOCK(A) -> EXCLUDE(X+(A-Y),Y); (A-X-Y)=Group Timer, Send Q(G,A-Y) */
		[IGMP_REC_BLOCK] = { .both = ACT_KEEP, .held = ACT_KEEP, .reported = ACT_GROUP_TIMER,
				     .query = Q_BOTH | Q_NEW, .mode = MSHIP_EXCLUDE },
	},
};

/* Removes a record that held state, telling the caller and the proxy. */
static void
group_delete(struct mship *m, uint16_t port, struct mship_group *g, uint64_t now)
{
	uint32_t group = g->addr;

	mship_group_discard(m, port, g);
	mship_count(m, MSHIP_CTR_GROUPS_REMOVED);
	mship_event_raise(m, MSHIP_EV_GROUP_REMOVED, port, group);
	mship_changed(m, port, group);
	mship_proxy_refresh(m, group, now);
}

/* After a change to g: delete it if empty, else re-arm and tell who needs to know. */
static void
group_settle(struct mship *m, uint16_t port, struct mship_group *g, bool added,
	     bool fwd_changed, uint64_t now)
{
	if (mship_group_empty(g)) {
		group_delete(m, port, g, now);
		return;
	}
	mship_group_rearm(m, g);
	if (added) {
		mship_count(m, MSHIP_CTR_GROUPS_ADDED);
		mship_event_raise(m, MSHIP_EV_GROUP_ADDED, port, g->addr);
	}
	if (added || fwd_changed) {
		mship_changed(m, port, g->addr);
		mship_proxy_refresh(m, g->addr, now);
	}
}

/* The next source list of a record, and what the row asks around it. */
struct row_result {
	uint32_t n;                  /* entries in m->next_src */
	uint32_t n_query;            /* Q(G,...) candidates in m->query_src */
	bool fwd_changed;
};

/* Applies one action to a source; returns false when the source leaves the list. */
static bool
act_on_source(uint8_t act, struct mship_source *s, uint64_t gmi_at, uint64_t group_timer)
{
	switch (act) {
	case ACT_KEEP:
		return true;
	case ACT_GMI:
		s->expires = gmi_at;
		return true;
	case ACT_ZERO:
		s->expires = 0;
		s->query_rtx = 0;
		return true;
	case ACT_GROUP_TIMER:
		s->expires = group_timer;
		return true;
	default:
		return false;
	}
}

/*
 * Walks A (g's sources, or none) and B together in address order, writing the
 * row's next source list to m->next_src and its query candidates to
 * m->query_src. Changes nothing in g, so a refusal leaves the record intact.
 */
static void
row_apply(struct mship *m, const struct mship_group *g, const struct table_row *row,
	  const uint32_t *b, uint32_t nb, uint64_t gmi_at, struct row_result *res)
{
	uint8_t old_mode = g != NULL ? g->mode : MSHIP_INCLUDE;
	uint64_t group_timer = g != NULL ? g->group_timer : 0;
	uint32_t na = g != NULL ? g->n_src : 0;
	uint32_t i = 0, j = 0;
	struct mship_source s, *held;
	uint8_t act, qbit;
	int c;

	memset(res, 0, sizeof(*res));
	res->fwd_changed = g != NULL && old_mode != row->mode;
	while (i < na || j < nb) {
		if (i == na)
			c = 1;
		else if (j == nb)
			c = -1;
		else
			c = mship_addr_cmp(g->src[i].addr, b[j]);
		if (c <= 0) {
			held = &g->src[i++];
			s = *held;
			act = c == 0 ? row->both : row->held;
			qbit = c == 0 ? Q_BOTH : Q_HELD;
			if (c == 0)
				j++;
		} else {
			held = NULL;
			memset(&s, 0, sizeof(s));
			s.addr = b[j++];
			act = row->reported;
			qbit = Q_NEW;
		}
		if (act_on_source(act, &s, gmi_at, group_timer)) {
			m->next_src[res->n++] = s;
			if ((row->query & qbit) != 0)
				m->query_src[res->n_query++] = s.addr;
		}
		if (mship_source_forwards(old_mode, held) !=
		    mship_source_forwards(row->mode, act == ACT_DELETE || act == ACT_SKIP ? NULL : &s))
			res->fwd_changed = true;
	}
}

/* Installs the row result into g (whose source array has room). */
static void
row_commit(struct mship *m, struct mship_group *g, const struct table_row *row,
	   const struct row_result *res, uint64_t gmi_at)
{
	if (res->n > 0)
		memcpy(g->src, m->next_src, res->n * sizeof(*g->src));
	g->n_src = (uint16_t)res->n;
	g->mode = row->mode;
	if (row->group_gmi)
		g->group_timer = gmi_at;
	if (g->mode == MSHIP_INCLUDE) {
		/* INCLUDE mode uses no group timer and asks no group query */
		g->group_timer = 0;
		g->gq_left = 0;
	}
}

/*
 * Fast leave: a record that may end a host's membership (a leave is TO_IN {}).
 * Joins and refreshes take the RFC rows on fast-leave ports as anywhere.
 */
static bool
fast_leave_record(const struct mship_port *p, const struct mship_group *g, uint8_t type)
{
	return p->fast_leave && g != NULL && !g->hosts_untracked &&
	       (type == IGMP_REC_TO_IN || type == IGMP_REC_BLOCK);
}

/*
 * Fast leave: cuts g down at once to what its tracked hosts still report, in
 * place of the row's last-member queries. A host on any source keeps the
 * record as it is; otherwise it becomes INCLUDE with the running sources some
 * host reports, which is INCLUDE {} (deleted by the caller) when no host is
 * left. Returns whether forwarding changed.
 */
static bool
hosts_cut(struct mship *m, struct mship_group *g, uint64_t now)
{
	bool changed = false;
	uint16_t i, out = 0;

	mship_hosts_expire(m, g, now);
	if (mship_hosts_any_source(g))
		return false;
	for (i = 0; i < g->n_src; i++) {
		if (g->src[i].expires != 0 && mship_hosts_want_source(g, g->src[i].addr))
			g->src[out++] = g->src[i];
		else if (g->src[i].expires != 0)
			changed = true;
	}
	g->n_src = out;
	if (g->mode == MSHIP_EXCLUDE) {
		g->mode = MSHIP_INCLUDE;
		g->group_timer = 0;
		g->gq_left = 0;
		g->gq_next = 0;
		changed = true;
	}
	return changed;
}

/*
 * One group record of type (already translated for compatibility) with the
 * sorted, unique sources b, from reporter: the §6.4 row, its timers and its
 * queries. Returns accepted or the refusal reason (counted here).
 */
static enum mship_counter
record_apply(struct mship *m, uint16_t port, uint32_t reporter, uint8_t type, uint32_t group,
	     const uint32_t *b, uint32_t nb, uint64_t now)
{
	struct mship_port *p = &m->port[port];
	uint64_t gmi_at = now + mship_gmi(m, p);
	const struct table_row *row;
	enum mship_counter why = MSHIP_CTR_ACCEPTED;
	struct row_result res;
	struct mship_group *g;
	bool added = false, fast;

	g = mship_table_get(&p->groups, group);
	fast = fast_leave_record(p, g, type);
	row = &table_rows[g != NULL ? g->mode : MSHIP_INCLUDE][type];
	row_apply(m, g, row, b, nb, gmi_at, &res);
	if (res.n > m->cfg.max_sources_per_group) {
		why = MSHIP_CTR_REFUSED_MAX_SOURCES;
		goto refused;
	}
	if (g == NULL) {
		if (row->mode == MSHIP_INCLUDE && res.n == 0)
			return MSHIP_CTR_ACCEPTED; /* INCLUDE({}) is no state to hold */
		g = mship_group_create(m, port, group, &why);
		if (g == NULL)
			goto refused;
		added = true;
	}
	if (mship_group_reserve_sources(m, g, res.n) < 0) {
		if (added)
			mship_group_discard(m, port, g);
		why = MSHIP_CTR_REFUSED_NO_MEMORY;
		goto refused;
	}
	row_commit(m, g, row, &res, gmi_at);
	g->last_reporter = reporter;
	if (p->fast_leave)
		mship_hosts_note(m, port, g, reporter, type, b, nb, now);
	if (fast && !g->hosts_untracked) {
		mship_count(m, MSHIP_CTR_FAST_LEAVES);
		res.fwd_changed |= hosts_cut(m, g, now);
		group_settle(m, port, g, added, res.fwd_changed, now);
		return MSHIP_CTR_ACCEPTED;
	}
	if (res.n_query > 0)
		mship_querier_group_sources(m, port, g, m->query_src, res.n_query, now);
	if (row->query_group)
		mship_querier_group(m, port, g, now);
	group_settle(m, port, g, added, res.fwd_changed, now);
	return MSHIP_CTR_ACCEPTED;

refused:
	mship_count(m, why);
	return why;
}

/*
 * Copies a record's sources into m->rec_src, sorted and unique. A row that
 * never adds reported sources (INCLUDE + BLOCK) only needs those held, so a
 * long list is narrowed to them instead of being refused. Returns the count,
 * or -1 when the record names more sources than a group may hold.
 */
static int32_t
record_sources(struct mship *m, const struct mship_group *g, const struct table_row *row,
	       const uint8_t *sources, uint16_t n)
{
	uint32_t i, out = 0, a;
	bool held;

	for (i = 0; i < n; i++) {
		memcpy(&a, sources + 4 * (size_t)i, 4);
		if (row->reported == ACT_SKIP) {
			if (g == NULL)
				continue;
			mship_group_source_find(g, a, &held);
			if (!held)
				continue;
		}
		if (out == m->cfg.max_sources_per_group)
			return -1;
		m->rec_src[out++] = a;
	}
	return (int32_t)mship_sort_unique(m->rec_src, out);
}

/*
 * §7.3.2: in IGMPv2 compatibility BLOCK is ignored and TO_EX loses its
 * sources; in IGMPv1 TO_IN is ignored too. Returns false to ignore the record.
 */
static bool
compat_translate(uint8_t compat, uint8_t *type, uint16_t *n_sources)
{
	if (compat <= 2 && *type == IGMP_REC_BLOCK)
		return false;
	if (compat == 1 && *type == IGMP_REC_TO_IN)
		return false;
	if (compat <= 2 && *type == IGMP_REC_TO_EX)
		*n_sources = 0;
	return true;
}

static enum mship_counter
v3_record(struct mship *m, uint16_t port, uint32_t reporter, const struct igmp_record *rec,
	  uint64_t now)
{
	const struct mship_group *g;
	uint8_t type = rec->type, compat = m->cfg.querier_version;
	uint16_t n = rec->n_sources;
	int32_t nb;

	mship_count(m, MSHIP_CTR_RX_RECORD);
	if (!mship_group_trackable(rec->group))
		return MSHIP_CTR_IGNORED_BAD_GROUP;
	/* RFC 3376 §4.2.12: unknown record types are ignored */
	if (type < IGMP_REC_IS_IN || type > IGMP_REC_BLOCK)
		return MSHIP_CTR_IGNORED_TYPE;
	g = mship_table_get(&m->port[port].groups, rec->group);
	if (g != NULL)
		compat = mship_group_compat(m, g);
	if (!compat_translate(compat, &type, &n))
		return MSHIP_CTR_IGNORED_COMPAT;
	nb = record_sources(m, g, &table_rows[g != NULL ? g->mode : MSHIP_INCLUDE][type],
			    rec->sources, n);
	if (nb < 0) {
		mship_count(m, MSHIP_CTR_REFUSED_MAX_SOURCES);
		return MSHIP_CTR_REFUSED_MAX_SOURCES;
	}
	return record_apply(m, port, reporter, type, rec->group, m->rec_src, (uint32_t)nb, now);
}

/* Counts a message's outcome; refusals were counted where they happened. */
static enum mship_counter
outcome(struct mship *m, enum mship_counter c)
{
	if (c < MSHIP_CTR_REFUSED_MAX_GROUPS)
		mship_count(m, c);
	return c;
}

/*
 * A v3 report: each record on its own. The message counts as accepted and
 * each record that was ignored or refused counts its reason; the first such
 * reason is returned.
 */
static enum mship_counter
v3_report(struct mship *m, uint16_t port, uint32_t src, const struct igmp_msg *msg,
	  uint64_t now)
{
	enum mship_counter res = MSHIP_CTR_ACCEPTED, rc;
	struct igmp_record rec;
	size_t pos = 0;

	mship_count(m, MSHIP_CTR_RX_V3_REPORT);
	mship_count(m, MSHIP_CTR_ACCEPTED);
	while (igmp_record_next(msg, &pos, &rec)) {
		rc = v3_record(m, port, src, &rec, now);
		if (rc == MSHIP_CTR_ACCEPTED)
			continue;
		if (res == MSHIP_CTR_ACCEPTED)
			res = rc;
		if (rc < MSHIP_CTR_REFUSED_MAX_GROUPS)
			mship_count(m, rc);
	}
	return res;
}

/* §7.3.2: v1 and v2 reports are IS_EX({}) and start the older version host present timer. */
static enum mship_counter
old_report(struct mship *m, uint16_t port, uint32_t src, uint32_t group, uint8_t version,
	   uint64_t now)
{
	struct mship_port *p = &m->port[port];
	enum mship_counter rc;
	struct mship_group *g;

	mship_count(m, version == 1 ? MSHIP_CTR_RX_V1_REPORT : MSHIP_CTR_RX_V2_REPORT);
	if (!mship_group_trackable(group))
		return outcome(m, MSHIP_CTR_IGNORED_BAD_GROUP);
	rc = record_apply(m, port, src, IGMP_REC_IS_EX, group, NULL, 0, now);
	g = mship_table_get(&p->groups, group);
	if (rc != MSHIP_CTR_ACCEPTED || g == NULL)
		return outcome(m, rc);
	if (version == 1)
		g->v1_host = now + mship_ohpi(m, p);
	else
		g->v2_host = now + mship_ohpi(m, p);
	mship_group_rearm(m, g);
	return outcome(m, rc);
}

/* §7.3.2: a leave is TO_IN({}), ignored in IGMPv1 compatibility. */
static enum mship_counter
leave(struct mship *m, uint16_t port, uint32_t src, uint32_t group, uint64_t now)
{
	const struct mship_group *g;

	mship_count(m, MSHIP_CTR_RX_LEAVE);
	if (!mship_group_trackable(group))
		return outcome(m, MSHIP_CTR_IGNORED_BAD_GROUP);
	g = mship_table_get(&m->port[port].groups, group);
	if (g == NULL)
		return outcome(m, MSHIP_CTR_ACCEPTED);
	if (mship_group_compat(m, g) == 1)
		return outcome(m, MSHIP_CTR_IGNORED_COMPAT);
	return outcome(m, record_apply(m, port, src, IGMP_REC_TO_IN, group, NULL, 0, now));
}

enum mship_counter
mship_router_report(struct mship *m, uint16_t port, uint32_t src, const struct igmp_msg *msg,
		    uint64_t now)
{
	switch (msg->type) {
	case IGMP_TYPE_V1_REPORT:
		return old_report(m, port, src, msg->group, 1, now);
	case IGMP_TYPE_V2_REPORT:
		return old_report(m, port, src, msg->group, 2, now);
	case IGMP_TYPE_LEAVE:
		return leave(m, port, src, msg->group, now);
	case IGMP_TYPE_V3_REPORT:
		return v3_report(m, port, src, msg, now);
	default:
		return outcome(m, MSHIP_CTR_IGNORED_TYPE);
	}
}

/*
 * §6.6.1: a group-specific or group-and-source-specific query heard with the
 * S flag clear lowers the group or source timers to LMQT, so every router
 * times the group out together with the querier.
 */
void
mship_router_query(struct mship *m, uint16_t port, const struct igmp_msg *msg, uint64_t now)
{
	struct mship_group *g;
	struct mship_source *src;
	uint64_t lmqt_at = now + mship_lmqt(m);
	uint16_t n = msg->version == 3 ? msg->n_sources : 0;
	uint32_t i, a;

	if (msg->group == 0 || (msg->version == 3 && msg->s_flag))
		return;
	g = mship_table_get(&m->port[port].groups, msg->group);
	if (g == NULL)
		return;
	if (n == 0) {
		if (g->mode == MSHIP_EXCLUDE && g->group_timer > lmqt_at)
			g->group_timer = lmqt_at;
	} else {
		for (i = 0; i < n; i++) {
			memcpy(&a, msg->sources + 4 * (size_t)i, 4);
			src = mship_group_source(g, a);
			if (src != NULL && src->expires > lmqt_at)
				src->expires = lmqt_at;
		}
	}
	mship_group_rearm(m, g);
}

/* Source timers that ran out: dropped in INCLUDE, kept at zero (excluded) in EXCLUDE. */
static bool
expire_sources(struct mship_group *g, uint64_t now)
{
	bool changed = false;
	uint16_t i, out = 0;

	for (i = 0; i < g->n_src; i++) {
		if (mship_expired(g->src[i].expires, now)) {
			changed = true;
			if (g->mode == MSHIP_INCLUDE)
				continue;
			g->src[i].expires = 0;
			g->src[i].query_rtx = 0;
		}
		g->src[out++] = g->src[i];
	}
	g->n_src = out;
	return changed;
}

/* §6.5: group timer out in EXCLUDE: back to INCLUDE with the sources still running. */
static bool
expire_group_timer(struct mship_group *g, uint64_t now)
{
	uint16_t i, out = 0;

	if (g->mode != MSHIP_EXCLUDE || !mship_expired(g->group_timer, now))
		return false;
	for (i = 0; i < g->n_src; i++)
		if (g->src[i].expires != 0)
			g->src[out++] = g->src[i];
	g->n_src = out;
	g->mode = MSHIP_INCLUDE;
	g->group_timer = 0;
	g->gq_left = 0;
	g->gq_next = 0;
	return true;
}

/* Runs g's due timers; returns false when g was deleted. */
static bool
group_expire(struct mship *m, uint16_t port, struct mship_group *g, uint64_t now)
{
	bool changed;

	if (mship_expired(g->v1_host, now))
		g->v1_host = 0;
	if (mship_expired(g->v2_host, now))
		g->v2_host = 0;
	changed = expire_sources(g, now);
	changed |= expire_group_timer(g, now);
	if (mship_group_empty(g)) {
		group_delete(m, port, g, now);
		return false;
	}
	if (changed) {
		mship_changed(m, port, g->addr);
		mship_proxy_refresh(m, g->addr, now);
	}
	return true;
}

void
mship_router_tick(struct mship *m, uint16_t port, uint64_t now)
{
	struct mship_table *t = &m->port[port].groups;
	struct mship_group *g;
	uint32_t i;

	/* in address order: what expires together is reported upstream in that order */
	mship_table_sort(t);
	for (i = 0; i < t->len; i++) {
		g = t->v[i];
		if (g == NULL)
			continue;
		if (g->due > now) {
			mship_arm(m, g->due);
			continue;
		}
		if (!group_expire(m, port, g, now))
			continue; /* deleted */
		mship_querier_retransmit(m, port, g, now);
		mship_group_rearm(m, g);
	}
}

void
mship_router_flush(struct mship *m, uint16_t port, uint64_t now)
{
	struct mship_table *t = &m->port[port].groups;

	uint32_t i;

	/* in address order, so the upstream hears of the groups in that order */
	mship_table_sort(t);
	for (i = 0; i < t->len; i++)
		if (t->v[i] != NULL)
			group_delete(m, port, t->v[i], now);
}

int
mship_router_remove(struct mship *m, uint16_t port, uint32_t group, const uint32_t *sources,
		    uint16_t n_sources, uint64_t now)
{
	struct mship_table *t = &m->port[port].groups;
	struct mship_group *g;
	uint32_t pos;
	bool found;

	pos = mship_table_find(t, group, &found);
	if (!found)
		return -ENOENT;
	g = t->v[pos];
	if (n_sources == 0) {
		group_delete(m, port, g, now);
		return 0;
	}
	if (g->mode != MSHIP_INCLUDE)
		return -EINVAL;
	/* Their timers run out now: the expiry drops them, and the record once empty. */
	for (uint16_t i = 0; i < g->n_src; i++)
		for (uint16_t k = 0; k < n_sources; k++)
			if (g->src[i].addr == sources[k])
				g->src[i].expires = now != 0 ? now : 1;
	if (group_expire(m, port, g, now))
		mship_group_rearm(m, g);
	return 0;
}
