/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Membership library, bottom layer: explicit host tracking for fast leave.
 * On a fast-leave port each group record also keeps which hosts reported it
 * (the reports' source addresses) and what each one asked for, so the router
 * can tell a leave of the last host from a leave of one of several without
 * asking with last-member queries. Bounded per group: a group that hears from
 * one host more than the table holds stops being tracked host by host.
 */
#include <string.h>

#include "mship_base.h"

static void
host_release(struct mship *m, struct mship_host *h)
{
	mship_addrs_release(m, &h->src);
}

static void
host_remove(struct mship *m, struct mship_group *g, uint32_t i)
{
	host_release(m, &g->hosts[i]);
	memmove(&g->hosts[i], &g->hosts[i + 1], (g->n_hosts - i - 1) * sizeof(*g->hosts));
	g->n_hosts--;
}

/* Gives up tracking g host by host: its leaves go the RFC way from now on. */
static void
hosts_give_up(struct mship *m, struct mship_group *g)
{
	if (!g->hosts_untracked)
		mship_count(m, MSHIP_CTR_HOSTS_UNTRACKED);
	mship_hosts_release(m, g);
	g->hosts_untracked = true;
}

/* The entry of host in g, added (empty, INCLUDE {}) when missing; NULL when there is no room. */
static struct mship_host *
host_get(struct mship *m, struct mship_group *g, uint32_t host)
{
	struct mship_host *v;
	uint32_t cap, i;
	bool found;

	i = mship_sorted_find(g->hosts, sizeof(*g->hosts), g->n_hosts, host, &found);
	if (found)
		return &g->hosts[i];
	if (g->n_hosts >= m->cfg.max_hosts_per_group)
		return NULL;
	if (g->n_hosts == g->cap_hosts) {
		cap = g->cap_hosts == 0 ? 2 : 2u * g->cap_hosts;
		if (cap > m->cfg.max_hosts_per_group)
			cap = m->cfg.max_hosts_per_group;
		v = mship_realloc(m, g->hosts, g->cap_hosts * sizeof(*v), cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		g->hosts = v;
		g->cap_hosts = (uint16_t)cap;
	}
	memmove(&g->hosts[i + 1], &g->hosts[i], (g->n_hosts - i) * sizeof(*g->hosts));
	memset(&g->hosts[i], 0, sizeof(*g->hosts));
	g->hosts[i].addr = host;
	g->n_hosts++;
	return &g->hosts[i];
}

/* h's sources become its sources plus b (add) or less b (!add); b sorted, unique. */
static int
host_sources_change(struct mship *m, struct mship_host *h, const uint32_t *b, uint32_t nb,
		    bool add)
{
	uint32_t i, j, n;
	bool found;

	if (!add) {
		for (i = 0, n = 0; i < h->src.n; i++) {
			mship_addrs_find(b, nb, h->src.v[i], &found);
			if (!found)
				h->src.v[n++] = h->src.v[i];
		}
		h->src.n = n;
		return 0;
	}
	if (h->src.n + nb > m->cfg.max_sources_per_group)
		return -1;
	if (mship_addrs_reserve(m, &h->src, h->src.n + nb) < 0)
		return -1;
	for (j = 0; j < nb; j++) {
		i = mship_addrs_find(h->src.v, h->src.n, b[j], &found);
		if (found)
			continue;
		memmove(&h->src.v[i + 1], &h->src.v[i], (h->src.n - i) * sizeof(*h->src.v));
		h->src.v[i] = b[j];
		h->src.n++;
	}
	return 0;
}

/*
 * What one group record (type, after compatibility translation; sources b)
 * from host says about that host's own membership:
 *   v1/v2 report, IS_EX(B), TO_EX(B) -> any source (the excluded list is not kept)
 *   IS_IN(B), TO_IN(B), leave        -> INCLUDE(B)
 *   ALLOW(B)                         -> INCLUDE(A+B), or any source still
 *   BLOCK(B)                         -> INCLUDE(A-B), or any source still
 * A host left with INCLUDE({}) is no member any more and leaves the table.
 */
void
mship_hosts_note(struct mship *m, uint16_t port, struct mship_group *g, uint32_t host,
		 uint8_t type, const uint32_t *b, uint32_t nb, uint64_t now)
{
	struct mship_host *h;
	bool found;
	uint32_t i;
	int ret = 0;

	if (g->hosts_untracked)
		return;
	mship_hosts_expire(m, g, now);
	switch (type) {
	case IGMP_REC_IS_IN:
	case IGMP_REC_TO_IN:
		if (nb == 0) {
			i = mship_sorted_find(g->hosts, sizeof(*g->hosts), g->n_hosts, host, &found);
			if (found)
				host_remove(m, g, i);
			return;
		}
		h = host_get(m, g, host);
		if (h == NULL)
			break;
		h->any = false;
		h->src.n = 0;
		ret = host_sources_change(m, h, b, nb, true);
		break;
	case IGMP_REC_IS_EX:
	case IGMP_REC_TO_EX:
		h = host_get(m, g, host);
		if (h == NULL)
			break;
		h->any = true;
		h->src.n = 0;
		break;
	case IGMP_REC_ALLOW:
		h = host_get(m, g, host);
		if (h == NULL)
			break;
		if (!h->any)
			ret = host_sources_change(m, h, b, nb, true);
		break;
	case IGMP_REC_BLOCK:
		i = mship_sorted_find(g->hosts, sizeof(*g->hosts), g->n_hosts, host, &found);
		if (!found)
			return;
		h = &g->hosts[i];
		if (h->any)
			return; /* blocking sources of any source: still a member */
		host_sources_change(m, h, b, nb, false);
		if (h->src.n == 0)
			host_remove(m, g, i);
		return;
	default:
		return;
	}
	if (h == NULL || ret < 0) {
		hosts_give_up(m, g);
		return;
	}
	h->expires = now + mship_gmi(m, &m->port[port]);
}

/* Drops the hosts not heard from for GMI: their membership timed out. */
void
mship_hosts_expire(struct mship *m, struct mship_group *g, uint64_t now)
{
	uint32_t i = 0;

	while (i < g->n_hosts) {
		if (mship_expired(g->hosts[i].expires, now))
			host_remove(m, g, i);
		else
			i++;
	}
}

bool
mship_hosts_any_source(const struct mship_group *g)
{
	uint16_t i;

	for (i = 0; i < g->n_hosts; i++)
		if (g->hosts[i].any)
			return true;
	return false;
}

/* Whether some tracked host asks for source (any-source hosts do). */
bool
mship_hosts_want_source(const struct mship_group *g, uint32_t source)
{
	uint16_t i;

	for (i = 0; i < g->n_hosts; i++)
		if (g->hosts[i].any || mship_addrs_has(&g->hosts[i].src, source))
			return true;
	return false;
}

void
mship_hosts_release(struct mship *m, struct mship_group *g)
{
	uint16_t i;

	for (i = 0; i < g->n_hosts; i++)
		host_release(m, &g->hosts[i]);
	mship_release(m, g->hosts, (size_t)g->cap_hosts * sizeof(*g->hosts));
	g->hosts = NULL;
	g->n_hosts = 0;
	g->cap_hosts = 0;
}
