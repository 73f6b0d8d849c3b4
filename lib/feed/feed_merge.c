/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Membership tracking's side of the feed: one forwarding entry per group,
 * merged from the group record of every inside port.
 */
#include "feed.h"

/* Adds port's record g of the group to e. */
static void
merge_port(struct feed_entry *e, uint16_t port, const struct mship_group_info *g, uint64_t now)
{
	fwd_mask_t bit = (fwd_mask_t)(1u << port);
	bool exclude = g->mode == MSHIP_EXCLUDE;

	if (exclude)
		e->any_source |= bit;
	for (uint16_t i = 0; i < g->n_sources; i++) {
		const struct mship_source *s = &g->sources[i];
		bool running = s->expires > now;
		uint16_t k;

		/* EXCLUDE lists only matter where the timer is 0; INCLUDE where it runs. */
		if (exclude ? running : !running)
			continue;
		for (k = 0; k < e->n_sources && e->sources[k].addr != s->addr; k++)
			;
		if (k == e->n_sources) {
			if (e->n_sources == FWD_MAX_SOURCES)
				continue;
			e->sources[e->n_sources++] = (struct fwd_source){ .addr = s->addr };
		}
		if (exclude)
			e->sources[k].exclude |= bit;
		else
			e->sources[k].include |= bit;
	}
}

void
feed_merge_group(const struct mship *m, fwd_mask_t ports, uint32_t group, uint64_t now_ms,
		 struct feed_entry *e)
{
	e->any_source = 0;
	e->n_sources = 0;
	for (uint16_t p = 0; p < sizeof(ports) * 8; p++) {
		struct mship_group_info g;

		if ((ports & (1u << p)) != 0 && mship_group_get(m, p, group, &g) == 0)
			merge_port(e, p, &g, now_ms);
	}
}
