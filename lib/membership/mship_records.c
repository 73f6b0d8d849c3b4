/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Membership library, bottom layer: the group records. A downstream port's
 * records (RFC 3376 §6.2.1) with their sources, limits and earliest deadline;
 * the merged state's records (RFC 4605) that the proxy reports upstream.
 * Records are created, looked up and freed here; what they mean is the roles'.
 */
#include <errno.h>
#include <string.h>

#include "mship_base.h"

/* 224.0.0.0/4 less 224.0.0.0/24: link-local groups are never tracked nor reported. */
bool
mship_group_trackable(uint32_t group)
{
	return igmp_is_multicast(group) && !igmp_is_link_local_group(group);
}

/* A new, empty INCLUDE record for group at pos, or NULL with the refusal reason in *why. */
struct mship_group *
mship_group_create(struct mship *m, uint16_t port, uint32_t group, enum mship_counter *why)
{
	struct mship_port *p = &m->port[port];
	struct mship_group *g;

	if (m->n_groups >= m->cfg.max_groups) {
		*why = MSHIP_CTR_REFUSED_MAX_GROUPS;
		return NULL;
	}
	if (p->groups.n >= m->cfg.max_groups_per_port) {
		*why = MSHIP_CTR_REFUSED_MAX_GROUPS_PER_PORT;
		return NULL;
	}
	g = mship_realloc(m, NULL, 0, sizeof(*g));
	if (g == NULL) {
		*why = MSHIP_CTR_REFUSED_NO_MEMORY;
		return NULL;
	}
	memset(g, 0, sizeof(*g));
	g->addr = group;
	g->mode = MSHIP_INCLUDE;
	g->due = UINT64_MAX;
	if (mship_table_insert(m, &p->groups, g) < 0) {
		mship_release(m, g, sizeof(*g));
		*why = MSHIP_CTR_REFUSED_NO_MEMORY;
		return NULL;
	}
	m->n_groups++;
	return g;
}

void
mship_group_release(struct mship *m, struct mship_group *g)
{
	mship_hosts_release(m, g);
	mship_release(m, g->src, (size_t)g->cap_src * sizeof(*g->src));
	mship_release(m, g, sizeof(*g));
}

/* Takes g out of its port's table and frees it; no one is told (the caller does). */
void
mship_group_discard(struct mship *m, uint16_t port, struct mship_group *g)
{
	struct mship_port *p = &m->port[port];
	bool found;
	uint32_t pos = mship_table_find(&p->groups, g->addr, &found);

	if (found)
		mship_table_remove(&p->groups, pos);
	m->n_groups--;
	mship_group_release(m, g);
}

int
mship_group_reserve_sources(struct mship *m, struct mship_group *g, uint32_t n)
{
	struct mship_source *v;
	uint32_t cap;

	if (n <= g->cap_src)
		return 0;
	if (n > m->cfg.max_sources_per_group)
		return -ENOSPC; /* the caller checks the limit first; never outgrow it */
	cap = g->cap_src == 0 ? 4 : g->cap_src;
	while (cap < n)
		cap *= 2;
	if (cap > m->cfg.max_sources_per_group)
		cap = m->cfg.max_sources_per_group;
	v = mship_realloc(m, g->src, g->cap_src * sizeof(*v), cap * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	g->src = v;
	g->cap_src = (uint16_t)cap;
	return 0;
}

/* Index of addr in g's sources, or where it would go. */
uint32_t
mship_group_source_find(const struct mship_group *g, uint32_t addr, bool *found)
{
	return mship_sorted_find(g->src, sizeof(g->src[0]), g->n_src, addr, found);
}

struct mship_source *
mship_group_source(struct mship_group *g, uint32_t addr)
{
	bool found;
	uint32_t i = mship_group_source_find(g, addr, &found);

	return found ? &g->src[i] : NULL;
}

/* §6.3: whether a source is forwarded, given the mode and its record (NULL: not listed). */
bool
mship_source_forwards(uint8_t mode, const struct mship_source *s)
{
	if (mode == MSHIP_INCLUDE)
		return s != NULL && s->expires != 0;
	return s == NULL || s->expires != 0;
}

bool
mship_group_forwards(const struct mship_group *g, uint32_t source)
{
	bool found;
	uint32_t i = mship_group_source_find(g, source, &found);

	return mship_source_forwards(g->mode, found ? &g->src[i] : NULL);
}

/* A record ends INCLUDE with no source: it holds nothing any more (§6.2.1). */
bool
mship_group_empty(const struct mship_group *g)
{
	return g->mode == MSHIP_INCLUDE && g->n_src == 0;
}

/* §7.3.2 Group Compatibility Mode, never above the version we are configured to speak. */
uint8_t
mship_group_compat(const struct mship *m, const struct mship_group *g)
{
	uint8_t v = g->v1_host != 0 ? 1 : g->v2_host != 0 ? 2 : 3;

	return v < m->cfg.querier_version ? v : m->cfg.querier_version;
}

/* Recomputes g's earliest deadline after a change and arms it. */
void
mship_group_rearm(struct mship *m, struct mship_group *g)
{
	uint64_t due = 0;
	uint16_t i;

	due = mship_earliest(due, g->group_timer);
	due = mship_earliest(due, g->v1_host);
	due = mship_earliest(due, g->v2_host);
	if (g->gq_left > 0)
		due = mship_earliest(due, g->gq_next);
	due = mship_earliest(due, g->gsq_next);
	for (i = 0; i < g->n_src; i++)
		due = mship_earliest(due, g->src[i].expires);
	g->due = due != 0 ? due : UINT64_MAX;
	mship_arm(m, g->due);
}

/* ---- the merged state's records ---- */

/* Reported upstream as a member: EXCLUDE, or INCLUDE with sources. */
bool
mship_up_wanted(const struct mship_up_group *u)
{
	return u->mode == MSHIP_EXCLUDE || u->src.n > 0;
}

/* Reports still to send for u. */
bool
mship_up_pending(const struct mship_up_group *u)
{
	return u->mode_rtx > 0 || u->n_rtx > 0 || u->old_rtx > 0;
}

/* §7.2.1 Host Compatibility Mode on the upstream. */
uint8_t
mship_up_compat(const struct mship *m)
{
	return m->up_v1_querier != 0 ? 1 : m->up_v2_querier != 0 ? 2 : 3;
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
bool
mship_up_group_reap(struct mship *m, uint32_t pos)
{
	struct mship_up_group *u = m->up_groups.v[pos];

	if (mship_up_wanted(u) || mship_up_pending(u))
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
struct mship_up_group *
mship_up_group_new(struct mship *m, uint32_t group)
{
	struct mship_up_group *u, *old;
	uint32_t i;

	if (m->up_groups.n >= m->cfg.max_groups) {
		for (i = 0; i < m->up_groups.len; i++) {
			old = m->up_groups.v[i];
			if (old != NULL && !mship_up_wanted(old))
				break;
		}
		if (i == m->up_groups.len)
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
	if (mship_table_insert(m, &m->up_groups, u) < 0) {
		mship_release(m, u, sizeof(*u));
		return NULL;
	}
	return u;
}

void
mship_up_groups_release(struct mship *m)
{
	uint32_t i;

	for (i = 0; i < m->up_groups.len; i++)
		if (m->up_groups.v[i] != NULL)
			up_group_release(m, m->up_groups.v[i]);
	mship_table_release(m, &m->up_groups);
}
