/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bottom layer of the membership library: its state, and what every role
 * builds on (source sets and sorted tables, group records, deadlines, and the
 * output: messages built and sent, counters, events). Nothing here knows of
 * the router, querier or proxy (mship_roles.h), which sit on top of it, under
 * the public API (membership.h). Callers use membership.h only.
 */
#ifndef IGMPGW_MSHIP_BASE_H
#define IGMPGW_MSHIP_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "igmp_wire.h"
#include "membership.h"

/* What one merge adds up: every downstream port, and the gateway's own membership. */
#define MSHIP_MERGE_SHARES (MSHIP_MAX_DOWNSTREAM + 1)
/* Largest source list one merged group can hold: every share's whole list. */
#define MSHIP_MAX_SOURCES_LIMIT (UINT16_MAX / MSHIP_MERGE_SHARES)

/*
 * A table of records by address: lookups through a hash, walks in address
 * order after mship_table_sort(). Every record type kept in one starts with
 * its uint32_t address (network order). Slots [0, len) of v hold the records
 * and, for records removed since the last sort, holes (NULL) that walks skip;
 * a removal during a walk leaves the others where they are. Records inserted
 * since the last sort are at the end, out of order until it.
 */
struct mship_table {
	uint32_t n;                 /* records */
	uint32_t len;               /* slots of v in use, holes included */
	uint32_t cap;               /* slots of v and key */
	bool unsorted;              /* something was appended out of address order */
	uint8_t hbits;              /* the hash has 2^hbits slots; 0: none yet */
	void **v;
	uint32_t *key;              /* host order address of each slot's record, holes too */
	uint64_t *hash;             /* key << 32 | slot + 1 of a record; 0: empty */
};

/* A set of addresses sorted in host order; values stay in network order. */
struct mship_addrs {
	uint32_t n;
	uint32_t cap;
	uint32_t *v;
};

/*
 * One host's share of a group on a fast-leave port, from its own reports:
 * any source (v1/v2 reports, IS_EX, TO_EX: the sources it excludes are not
 * kept) or the sources it includes. It lasts GMI from its last report.
 */
struct mship_host {
	uint32_t addr;              /* first: sorted by address; the report's source */
	bool any;                   /* an EXCLUDE-mode (any source) member */
	uint64_t expires;
	struct mship_addrs src;     /* INCLUDE: the sources it reports */
};

/* A group record of a downstream port (RFC 3376 §6.2.1). */
struct mship_group {
	uint32_t addr;              /* first: see struct mship_table */
	uint8_t mode;               /* enum mship_mode */
	uint8_t gq_left;            /* Q(G) transmissions left */
	uint16_t n_src;
	uint16_t cap_src;
	uint32_t last_reporter;
	uint64_t group_timer;
	uint64_t v1_host;           /* older version host present timers */
	uint64_t v2_host;
	uint64_t gq_next;           /* next Q(G) retransmission */
	uint64_t gsq_next;          /* next Q(G,A) retransmission */
	uint64_t due;               /* earliest timer of the record and its sources */
	struct mship_source *src;   /* sorted by address, host order */
	bool hosts_untracked;       /* fast leave: its host table overflowed */
	uint16_t n_hosts;
	uint16_t cap_hosts;
	struct mship_host *hosts;   /* fast leave: sorted by address, host order */
};

/* Per port: downstream router and querier state. */
struct mship_port {
	bool downstream;
	bool querier;               /* we are the querier here */
	uint8_t startup_left;
	uint8_t rv;                 /* robustness in use */
	uint32_t qi_ms;             /* query interval in use */
	uint32_t addr;              /* ours */
	uint32_t mask;              /* host order */
	uint32_t other_querier;
	uint64_t other_timer;       /* other querier present */
	uint64_t query_next;        /* next general query */
	bool fast_leave;            /* track hosts; leave at once when the last one goes */
	struct mship_table groups;  /* struct mship_group */
};

/*
 * The gateway's own membership of a group on the upstream (a static join), as
 * an application's socket on the proxy would hold it: one more share of the
 * merge, with no timers (it lasts until mship_local_leave).
 */
struct mship_local {
	uint32_t addr;              /* first: see struct mship_table */
	uint8_t mode;               /* EXCLUDE {} (any source) or INCLUDE {src} */
	struct mship_addrs src;
};

/* Per-source retransmission state of the upstream state-change reports (§5.1). */
struct mship_up_rtx {
	uint32_t addr;
	uint8_t left;
};

/* A group of the merged state, reported upstream as a host would (RFC 4605). */
struct mship_up_group {
	uint32_t addr;              /* first: see struct mship_table */
	uint8_t mode;               /* enum mship_mode */
	uint8_t mode_rtx;           /* filter mode change reports left */
	uint8_t old_rtx;            /* v1/v2 unsolicited reports left */
	bool resp_group;            /* pending answer covers the whole group */
	uint64_t report_next;       /* next unsolicited report */
	uint64_t resp_at;           /* pending answer to a query for this group */
	struct mship_addrs src;     /* INCLUDE: wanted; EXCLUDE: excluded */
	struct mship_addrs qsrc;    /* sources asked by pending group-and-source queries */
	uint32_t n_rtx;
	uint32_t cap_rtx;
	struct mship_up_rtx *rtx;   /* sorted by address */
};

struct mship {
	struct mship_config cfg;
	struct mship_ops ops;
	struct mship_port port[MSHIP_MAX_PORTS];
	uint8_t n_down;
	uint32_t n_groups;          /* group records of all downstream ports */
	uint64_t next_due;          /* lower bound of every deadline */
	bool ticking;               /* inside mship_tick() */
	uint64_t rng;
	size_t mem;
	uint64_t ctr[MSHIP_CTR_COUNT];

	/* upstream, host side */
	uint16_t up_port;
	uint32_t up_addr;
	uint32_t up_querier;
	uint64_t up_v1_querier;
	uint64_t up_v2_querier;
	uint64_t up_general_resp;
	struct mship_table up_groups; /* struct mship_up_group */
	uint32_t n_up_wanted;         /* of them, wanted: kept as they change, for status */
	struct mship_table local;     /* struct mship_local */

	/* scratch, sized from the limits at create time */
	uint8_t *msg;               /* max_msg_len: one message being built */
	uint32_t *rec_src;          /* max_sources: a record's sources, sorted */
	struct mship_source *next_src; /* 2 * max_sources: a group's next source list */
	uint32_t *query_src;        /* max_sources: candidates of Q(G,A), then query lists */
	uint32_t *query_src2;       /* max_sources */
	struct mship_addrs merge_port; /* max_sources: one port's share of a merge */
	struct mship_addrs merge_a; /* MAX_DOWNSTREAM * max_sources: merge work sets */
	struct mship_addrs merge_b;
	struct mship_addrs merge_c;

	/*
	 * State-change reports and answers of one tick, packed into as few
	 * messages as max_msg_len allows (RFC 3376 §4.2.16): the records of the
	 * message being filled, their sources copied.
	 */
	struct igmp_record_spec *batch;  /* max_msg_len / 8 */
	uint32_t *batch_src;             /* max_msg_len / 4 */
	uint16_t batch_n;
	uint16_t batch_n_src;
	uint32_t batch_len;              /* IGMP bytes of the message so far */
	uint64_t up_rtx_at;              /* the retransmission slot v3 groups share; 0: none */
};

/* ---- mship_sets.c: memory accounting, sorted tables, address sets ---- */
void *mship_realloc(struct mship *m, void *p, size_t old_size, size_t new_size);
void mship_release(struct mship *m, void *p, size_t size);

/* The slot of addr's record, or len when there is none (*found says which). */
uint32_t mship_table_find(const struct mship_table *t, uint32_t addr, bool *found);
void *mship_table_get(const struct mship_table *t, uint32_t addr);
/* Adds rec, whose address is not in t, at the end: 0 or -ENOMEM. */
int mship_table_insert(struct mship *m, struct mship_table *t, void *rec);
/* Leaves a hole at slot pos: the other slots stay. */
void mship_table_remove(struct mship_table *t, uint32_t pos);
/* Squeezes out the holes and puts v in address order (cheap when it is). */
void mship_table_sort(struct mship_table *t);
/* After a sort: the first slot whose address is not below addr in host order. */
uint32_t mship_table_lower_bound(const struct mship_table *t, uint32_t addr);
void mship_table_release(struct mship *m, struct mship_table *t);

int mship_addr_cmp(uint32_t a, uint32_t b);
/*
 * Binary search of n elements stride bytes apart, each starting with its
 * address: the index of addr, or where it would go (*found says which).
 */
uint32_t mship_sorted_find(const void *base, size_t stride, uint32_t n, uint32_t addr,
			   bool *found);
uint32_t mship_addrs_find(const uint32_t *v, uint32_t n, uint32_t addr, bool *found);
bool mship_addrs_has(const struct mship_addrs *s, uint32_t addr);
int mship_addrs_reserve(struct mship *m, struct mship_addrs *s, uint32_t n);
void mship_addrs_release(struct mship *m, struct mship_addrs *s);
void mship_addrs_copy(struct mship_addrs *dst, const struct mship_addrs *src);
void mship_addrs_union(struct mship_addrs *dst, const struct mship_addrs *a,
		       const struct mship_addrs *b);
void mship_addrs_intersect(struct mship_addrs *dst, const struct mship_addrs *a,
			   const struct mship_addrs *b);
void mship_addrs_minus(struct mship_addrs *dst, const struct mship_addrs *a,
		       const struct mship_addrs *b);
bool mship_addrs_equal(const struct mship_addrs *a, const struct mship_addrs *b);
uint32_t mship_sort_unique(uint32_t *v, uint32_t n);

/* ---- mship_records.c: group records of the downstream ports and of the merged state ---- */
bool mship_group_trackable(uint32_t group);
struct mship_group *mship_group_create(struct mship *m, uint16_t port, uint32_t group,
				       enum mship_counter *why);
void mship_group_discard(struct mship *m, uint16_t port, struct mship_group *g);
void mship_group_release(struct mship *m, struct mship_group *g);
int mship_group_reserve_sources(struct mship *m, struct mship_group *g, uint32_t n);
uint32_t mship_group_source_find(const struct mship_group *g, uint32_t addr, bool *found);
struct mship_source *mship_group_source(struct mship_group *g, uint32_t addr);
bool mship_source_forwards(uint8_t mode, const struct mship_source *s);
bool mship_group_forwards(const struct mship_group *g, uint32_t source);
bool mship_group_empty(const struct mship_group *g);
uint8_t mship_group_compat(const struct mship *m, const struct mship_group *g);
void mship_group_rearm(struct mship *m, struct mship_group *g);

/* ---- mship_hosts.c: the hosts of a group on a fast-leave port ---- */
void mship_hosts_note(struct mship *m, uint16_t port, struct mship_group *g, uint32_t host,
		      uint8_t type, const uint32_t *b, uint32_t nb, uint64_t now);
void mship_hosts_expire(struct mship *m, struct mship_group *g, uint64_t now);
bool mship_hosts_any_source(const struct mship_group *g);
bool mship_hosts_want_source(const struct mship_group *g, uint32_t source);
void mship_hosts_release(struct mship *m, struct mship_group *g);

bool mship_up_wanted(const struct mship_up_group *u);
bool mship_up_pending(const struct mship_up_group *u);
uint8_t mship_up_compat(const struct mship *m);
struct mship_up_group *mship_up_group_new(struct mship *m, uint32_t group);
bool mship_up_group_reap(struct mship *m, uint32_t pos);
void mship_up_groups_release(struct mship *m);

/* ---- mship_deadlines.c (and inline here): timers, random delays ---- */
static inline void
mship_arm(struct mship *m, uint64_t deadline)
{
	if (deadline != 0 && deadline < m->next_due)
		m->next_due = deadline;
}

/* Earlier of two deadlines where 0 means none. */
static inline uint64_t
mship_earliest(uint64_t a, uint64_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

/* A deadline that has passed (0: not running). */
static inline bool
mship_expired(uint64_t deadline, uint64_t now)
{
	return deadline != 0 && deadline <= now;
}

uint32_t mship_random(struct mship *m);
uint64_t mship_random_below(struct mship *m, uint64_t bound);

/* The RFC 3376 §8 intervals (mship_timers.h) with the values in use, milliseconds. */
uint64_t mship_gmi(const struct mship *m, const struct mship_port *p);
uint64_t mship_lmqt(const struct mship *m);
uint64_t mship_ohpi(const struct mship *m, const struct mship_port *p);
uint64_t mship_oqpi(const struct mship *m, const struct mship_port *p);
uint64_t mship_ovqpi(const struct mship *m, uint64_t max_resp_ms);

/* ---- mship_output.c: what leaves the library (messages, counters, events, changes) ---- */
void mship_count(struct mship *m, enum mship_counter c);
void mship_event_raise(struct mship *m, enum mship_event ev, uint16_t port, uint32_t addr);
void mship_changed(struct mship *m, uint16_t port, uint32_t group);

/* Queries of the configured version, on a downstream port. */
void mship_send_general_query(struct mship *m, uint16_t port);
void mship_send_group_query(struct mship *m, uint16_t port, uint32_t group, bool s_flag);
void mship_send_group_source_query(struct mship *m, uint16_t port, uint32_t group, bool s_flag,
				   const uint32_t *sources, uint32_t n);

/*
 * Upstream v3 reports: records are packed into the report being filled
 * (RFC 3376 §4.2.16), which goes out when full and at mship_report_flush().
 */
void mship_report_record(struct mship *m, uint8_t type, uint32_t group,
			 const struct mship_addrs *sources);
void mship_report_flush(struct mship *m);
/* Upstream v1/v2 messages: a membership report (version 1 or 2), a leave. */
void mship_send_old_report(struct mship *m, uint32_t group, uint8_t version);
void mship_send_leave(struct mship *m, uint32_t group);

#endif
