/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the forwarding table is fed with, as pure logic: with membership
 * tracking, each group's entry merged from every inside port's state; in
 * goIGMP's modes, the groups the gateway itself asked for upstream, bounded by
 * [limits] max_groups. No EAL, no threads, no clock reads: the caller passes
 * now, and publishes the entries (the daemon's table_feed.c and tracking.c).
 */
#ifndef IGMPGW_FEED_H
#define IGMPGW_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "asked_groups.h"
#include "fwd_types.h"
#include "group_quota.h"
#include "igmp_wire.h"
#include "membership.h"

/* One group's entry, as fwd_table_set() takes it; empty (any_source 0, no sources) removes it. */
struct feed_entry {
	fwd_mask_t any_source;
	uint16_t n_sources;
	struct fwd_source sources[FWD_MAX_SOURCES];
};

/*
 * Membership tracking: the entry of group merged from the state of each port
 * in ports (bit i = port i) at now. A port in EXCLUDE mode wants every source
 * but those whose source timer stopped; a port in INCLUDE mode wants the
 * sources whose timer still runs (RFC 3376 §6.3); a timer that ran out and
 * was not yet ticked away already counts as stopped. Sources past
 * FWD_MAX_SOURCES are left out.
 */
void feed_merge_group(const struct mship *m, fwd_mask_t ports, uint32_t group, uint64_t now_ms,
		      struct feed_entry *e);

/* goIGMP's modes: what the gateway asked for upstream, per port, and its bounds. */
struct feed_asked;

/* Publishes group's new entry to the workers; a negative return is counted as no_memory. */
typedef int (*feed_publish_fn)(void *arg, uint32_t group, const struct feed_entry *e);
/* Whether the workers' table holds group (so a join for it needs no room). */
typedef bool (*feed_holds_fn)(const void *arg, uint32_t group);

struct feed_asked_config {
	uint32_t max_groups;
	uint16_t max_sources;         /* per group, 1..FWD_MAX_SOURCES */
	uint64_t lifetime_ms;         /* the group membership interval: unrefreshed, a port's ask ends */
	fwd_mask_t client_ports;      /* the ports a client's request asks for: every inside port */
	feed_publish_fn publish;
	feed_holds_fn holds;
	void *arg;                    /* for publish and holds */
};

/* NULL with errno set (EINVAL for a bad config, ENOMEM). */
struct feed_asked *feed_asked_create(const struct feed_asked_config *cfg);
void feed_asked_free(struct feed_asked *f);

/*
 * The room under max_groups shared with the workers: a worker takes room
 * before it passes upstream a report for a group the workers' table does not
 * hold (igmp_proxy_limits.quota).
 */
struct group_quota *feed_asked_quota(struct feed_asked *f);

/*
 * A v1/v2 report, leave or v3 report the gateway passed upstream for port,
 * read the way a router would, without the exclusions: IS_EX/TO_EX join from
 * any source, IS_IN/ALLOW/TO_IN join the sources listed (TO_IN {} leaves),
 * BLOCK and leave let go. admitted: the room the worker took for it; what the
 * report added to the table settles it (room left over goes back, a group
 * added without room takes it). origin: how it came (translated or proxied)
 * and from which host, for the groups view.
 */
void feed_asked_report(struct feed_asked *f, uint16_t port, const struct igmp_msg *msg,
		       uint32_t admitted, uint64_t now_ms, const struct asked_origin *origin);

/*
 * A client's report request for group (from sources, or any source with
 * n_sources 0) on client_ports. Takes room first, as a worker would. Returns
 * 0 when the group is held, or -ENOSPC (max_groups), -E2BIG (the group's
 * sources would pass max_sources), -ENOMEM: then nothing changed, and the
 * request must not go upstream.
 */
int feed_asked_client_join(struct feed_asked *f, uint32_t group, const uint32_t *sources,
			   uint16_t n_sources, uint64_t now_ms);

/* A client's leave request: client_ports stop wanting group (n_sources 0) or these sources. */
void feed_asked_client_leave(struct feed_asked *f, uint32_t group, const uint32_t *sources,
			     uint16_t n_sources);

/* The groups view's ordered walk over what port asked for: see asked_groups_next(). */
bool feed_asked_next(const struct feed_asked *f, uint16_t port, uint32_t first,
		     struct asked_port_info *info);
/* Groups port asks for, kept as they come and go (no walk). */
uint32_t feed_asked_port_count(const struct feed_asked *f, uint16_t port);

/* A new lifetime_ms (a reload's [querier] timers), for joins and refreshes from now on. */
void feed_asked_set_lifetime(struct feed_asked *f, uint64_t lifetime_ms);

/* Ends the asks that went unrefreshed for lifetime_ms. */
void feed_asked_expire(struct feed_asked *f, uint64_t now_ms);

/*
 * Groups removed since the last call. Their room is not given back here: a
 * worker may still act on a view that held them; the caller gives it back
 * with group_quota_give() once no worker can (after an RCU grace period).
 */
uint32_t feed_asked_take_removed(struct feed_asked *f);

struct feed_asked_stats {
	uint32_t groups;              /* groups asked for */
	size_t memory_bytes;
	uint32_t room_taken;          /* room under max_groups held or admitted */
	/* Joins refused here by [limits] key (client requests, sources piling up on a group). */
	uint64_t refused_max_groups;
	uint64_t refused_max_sources_per_group;
	uint64_t no_memory;           /* joins or publishes that failed for memory */
};

void feed_asked_stats(const struct feed_asked *f, struct feed_asked_stats *st);

#endif
