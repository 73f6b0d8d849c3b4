/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The memberships the gateway itself asked for upstream in goIGMP's modes
 * (translated special unicast reports, client report requests), per inside
 * port, until their leave or until they go unrefreshed for the group
 * membership interval. It feeds the forwarding table when membership tracking
 * is off. Pure: no threads, no clock reads; the caller passes now.
 */
#ifndef IGMPGW_ASKED_GROUPS_H
#define IGMPGW_ASKED_GROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwd_types.h"

/* Sources one group may hold at most, whatever asked_groups_create() is given. */
#define ASKED_MAX_SOURCES FWD_MAX_SOURCES

struct asked_groups;

/* Called for every group whose wanted ports changed. */
typedef void (*asked_changed_fn)(void *arg, uint32_t group);

/* max_sources (up to ASKED_MAX_SOURCES): the sources one group may hold. */
struct asked_groups *asked_groups_create(uint32_t max_groups, uint16_t max_sources,
					 uint64_t lifetime_ms, asked_changed_fn changed, void *arg);
void asked_groups_free(struct asked_groups *a);

/*
 * ports asked for group: from any source (n_sources 0) or from these sources.
 * Refreshes the lifetime. Returns 0, or -ENOSPC when max_groups is full,
 * -E2BIG when the group's source list would pass max_sources, -ENOMEM: the
 * state held stays as it was.
 */
int asked_groups_join(struct asked_groups *a, uint32_t group, fwd_mask_t ports,
		      const uint32_t *sources, uint16_t n_sources, uint64_t now_ms);

/* ports left group (n_sources 0) or stopped wanting these sources. */
void asked_groups_leave(struct asked_groups *a, uint32_t group, fwd_mask_t ports,
			const uint32_t *sources, uint16_t n_sources);

/* Drops what went unrefreshed for the lifetime. */
void asked_groups_expire(struct asked_groups *a, uint64_t now_ms);

/*
 * The wanted ports of group as the forwarding table takes them: any_source
 * plus per-source includes (src must hold ASKED_MAX_SOURCES). False if none.
 */
bool asked_groups_get(const struct asked_groups *a, uint32_t group, fwd_mask_t *any_source,
		      struct fwd_source *src, uint16_t *n_sources);

uint32_t asked_groups_count(const struct asked_groups *a);
/* Bytes the tables take as far as they are used (they grow up to max_groups). */
size_t asked_groups_memory(const struct asked_groups *a);

#endif
