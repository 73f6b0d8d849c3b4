/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Membership library, top: the read-only views of the public API (what a
 * port wants, its group records, its querier, the merged upstream state,
 * counters and memory). They read the bottom layer's records and call no role.
 */
#include <errno.h>
#include <string.h>

#include "mship_base.h"

uint64_t
mship_counter(const struct mship *m, enum mship_counter c)
{
	if (m == NULL || (unsigned int)c >= MSHIP_CTR_COUNT)
		return 0;
	return m->ctr[c];
}

static const struct mship_group *
find_group(const struct mship *m, uint16_t port, uint32_t group)
{
	if (port >= MSHIP_MAX_PORTS || !m->port[port].downstream)
		return NULL;
	return mship_table_get(&m->port[port].groups, group);
}

bool
mship_wants(const struct mship *m, uint16_t port, uint32_t group, uint32_t source)
{
	const struct mship_group *g = find_group(m, port, group);

	return g != NULL && mship_group_forwards(g, source);
}

static void
fill_group_info(const struct mship *m, uint16_t port, const struct mship_group *g,
		struct mship_group_info *info)
{
	memset(info, 0, sizeof(*info));
	info->port = port;
	info->group = g->addr;
	info->mode = (enum mship_mode)g->mode;
	info->compat = mship_group_compat(m, g);
	info->group_query_rtx = g->gq_left;
	info->last_reporter = g->last_reporter;
	info->expires = g->group_timer;
	info->v1_host_expires = g->v1_host;
	info->v2_host_expires = g->v2_host;
	info->n_sources = g->n_src;
	info->sources = g->src;
	info->n_hosts = g->n_hosts;
	info->hosts_untracked = g->hosts_untracked;
}

int
mship_group_walk(const struct mship *m, uint16_t port, mship_group_fn fn, void *arg)
{
	return mship_group_walk_from(m, port, 0, fn, arg);
}

int
mship_group_walk_from(const struct mship *m, uint16_t port, uint32_t first, mship_group_fn fn,
		      void *arg)
{
	const struct mship_table *t;
	struct mship_group_info info;
	uint32_t i;
	int rc;

	if (port >= MSHIP_MAX_PORTS || !m->port[port].downstream)
		return -ENOENT;
	/* the order is kept lazily: a walk after a change sorts first */
	t = &m->port[port].groups;
	mship_table_sort((struct mship_table *)t);
	for (i = mship_table_lower_bound(t, first); i < t->len; i++) {
		if (t->v[i] == NULL)
			continue;
		fill_group_info(m, port, t->v[i], &info);
		rc = fn(&info, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
mship_group_get(const struct mship *m, uint16_t port, uint32_t group,
		struct mship_group_info *info)
{
	const struct mship_group *g = find_group(m, port, group);

	if (g == NULL)
		return -ENOENT;
	fill_group_info(m, port, g, info);
	return 0;
}

uint32_t
mship_group_count(const struct mship *m, uint16_t port)
{
	if (port == MSHIP_ALL_PORTS)
		return m->n_groups;
	if (port >= MSHIP_MAX_PORTS || !m->port[port].downstream)
		return 0;
	return m->port[port].groups.n;
}

int
mship_querier_get(const struct mship *m, uint16_t port, struct mship_querier_info *info)
{
	const struct mship_port *p;

	if (port >= MSHIP_MAX_PORTS || !m->port[port].downstream)
		return -ENOENT;
	p = &m->port[port];
	memset(info, 0, sizeof(*info));
	info->querier = p->querier;
	info->querier_addr = p->querier ? p->addr : p->other_querier;
	info->other_expires = p->other_timer;
	info->next_query = p->querier ? p->query_next : 0;
	info->startup_left = p->startup_left;
	info->robustness = p->rv;
	info->query_interval_ms = p->qi_ms;
	return 0;
}

int
mship_upstream_walk(const struct mship *m, mship_upstream_fn fn, void *arg)
{
	const struct mship_up_group *u;
	struct mship_upstream_info info;
	uint32_t i;
	int rc;

	mship_table_sort((struct mship_table *)&m->up_groups);
	for (i = 0; i < m->up_groups.len; i++) {
		u = m->up_groups.v[i];
		if (u == NULL)
			continue;
		memset(&info, 0, sizeof(info));
		info.group = u->addr;
		info.mode = (enum mship_mode)u->mode;
		info.wanted = mship_up_wanted(u);
		info.change_rtx = u->mode_rtx;
		info.n_sources = (uint16_t)u->src.n;
		info.sources = u->src.v;
		rc = fn(&info, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void
mship_upstream_get(const struct mship *m, struct mship_upstream_status *st)
{
	memset(st, 0, sizeof(*st));
	st->port = m->up_port;
	st->compat = mship_up_compat(m);
	st->querier_addr = m->up_querier;
	st->v1_querier_expires = m->up_v1_querier;
	st->v2_querier_expires = m->up_v2_querier;
	st->general_response_at = m->up_general_resp;
	st->n_groups = m->n_up_wanted;
}

size_t
mship_memory(const struct mship *m)
{
	return m->mem;
}

