/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The multicast forwarding table: which downstream ports want (G, S). Workers
 * read it without locks; one writer (the main lcore) changes it group by group,
 * and what it replaces is freed only after every reader has passed a
 * quiescent state (rte_rcu QSBR).
 */
#ifndef IGMPGW_FWD_TABLE_H
#define IGMPGW_FWD_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_rcu_qsbr.h>

#include "fwd_types.h"

#define FWD_MAX_STATIC 64
/* Groups one table can be created for (the config's [limits] max_groups stops lower). */
#define FWD_MAX_GROUPS (1u << 24)
/* Lookups fwd_table_lookup_bulk takes at once. */
#define FWD_LOOKUP_BULK_MAX 64

struct fwd_table;

/*
 * Creates a table for 1 to FWD_MAX_GROUPS groups on socket. Readers must be
 * registered with qsbr and report quiescent states. name labels its memory.
 */
struct fwd_table *fwd_table_create(const char *name, uint32_t max_groups, int socket,
				   struct rte_rcu_qsbr *qsbr);
/* Frees the table; no reader may use it any more. */
void fwd_table_free(struct fwd_table *t);

/*
 * Writer: sets the ports that want group (any_source, plus per-source
 * exceptions, sorted or not). An empty set removes the group. Returns 0, or
 * -ENOSPC when the table is full, -EINVAL (also for group 0.0.0.0), -ENOMEM.
 */
int fwd_table_set(struct fwd_table *t, uint32_t group, fwd_mask_t any_source,
		  const struct fwd_source *sources, uint16_t n_sources);

/* A static route (smcroute's mroute): group/prefix_len from source (0 = any) to ports. */
struct fwd_route {
	uint32_t group;                /* network order */
	uint8_t prefix_len;
	uint32_t source;               /* network order, 0 = any */
	fwd_mask_t ports;
};

/* Writer: appends a static route. 0, -EINVAL, or -ENOSPC past FWD_MAX_STATIC. */
int fwd_table_add_static(struct fwd_table *t, uint32_t group, uint8_t prefix_len,
			 uint32_t source, fwd_mask_t ports);

/*
 * Writer: the static routes become routes[0..n-1], all at once: a reader sees
 * the old set or the new one, never a mix. Waits for the readers to leave the
 * set before the last (RCU), so call it from the control side only. 0, or
 * -EINVAL (nothing changed) for a bad route or n past FWD_MAX_STATIC.
 */
int fwd_table_replace_static(struct fwd_table *t, const struct fwd_route *routes, uint16_t n);

/* Writer: removes the static route of exactly group/prefix_len and source. 0 or -ENOENT. */
int fwd_table_del_static(struct fwd_table *t, uint32_t group, uint8_t prefix_len,
			 uint32_t source);

/* The static routes in force: copies up to max into routes, returns how many there are. */
uint16_t fwd_table_statics(const struct fwd_table *t, struct fwd_route *routes, uint16_t max);

/*
 * Writer: groups the table takes from now on (1..FWD_MAX_GROUPS). Lowered
 * below what it holds, it keeps every group and refuses new ones until under;
 * the index never shrinks its bound, so the groups held always fit.
 */
int fwd_table_set_max_groups(struct fwd_table *t, uint32_t max_groups);

/* Writer: frees what readers can no longer see; call now and then. */
void fwd_table_reclaim(struct fwd_table *t);

/* Reader: the ports that want (group, source); 0 when none. */
fwd_mask_t fwd_table_lookup(const struct fwd_table *t, uint32_t group, uint32_t source);

/*
 * Reader: the same for n <= FWD_LOOKUP_BULK_MAX (group, source) pairs, their
 * cache misses overlapped: ports[i] for groups[i], sources[i].
 */
void fwd_table_lookup_bulk(const struct fwd_table *t, const uint32_t *groups,
			   const uint32_t *sources, unsigned int n, fwd_mask_t *ports);

/* Reader: whether group has an entry of its own (static routes aside). */
bool fwd_table_holds(const struct fwd_table *t, uint32_t group);

/* Groups held (static routes excluded) and bytes used. */
uint32_t fwd_table_count(const struct fwd_table *t);
size_t fwd_table_memory(const struct fwd_table *t);
/* Times the index was rebuilt: to drop deleted groups' slots, or to grow or shrink. */
uint64_t fwd_table_rebuilds(const struct fwd_table *t);

#endif
