/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Token buckets (a rate a second and a burst) and a bounded table of one
 * bucket per host address, for the datapath's IGMP input limits. Pure: no
 * EAL, no threads, no clock reads: the caller passes the time in ticks of a
 * clock of hz ticks a second (the TSC in the gateway, a fake one in tests).
 * Integer arithmetic only. One writer per bucket or table, no locks.
 */
#ifndef IGMPGW_RATELIMIT_H
#define IGMPGW_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A rate as configured, turned into the clock's units once. */
struct rl_rate {
	uint32_t per_sec;    /* tokens a second; 0: no limit */
	uint32_t burst;      /* the bucket's size in tokens (>= 1) */
	uint64_t hz;         /* one token in token-ticks */
	uint64_t full;       /* burst * hz: the bucket's size in token-ticks */
	uint64_t fill_ticks; /* ticks an empty bucket takes to fill */
};

/* A bucket counts tokens in token-ticks (1 token = hz of them): exact for any rate. */
struct rl_bucket {
	uint64_t tokens;
	uint64_t last;       /* clock when tokens were last topped up */
};

/* Returns 0, or -EINVAL for burst 0 with a rate, hz 0, or a bucket that overflows. */
int rl_rate_init(struct rl_rate *r, uint32_t per_sec, uint32_t burst, uint64_t hz);

/* A full bucket at now. */
void rl_bucket_init(struct rl_bucket *b, const struct rl_rate *r, uint64_t now);

/*
 * Takes one token: true when there was one (pass), false when the bucket is
 * empty (drop). Always true when the rate is 0. A clock that went back only
 * restarts the top-up from now.
 */
bool rl_bucket_take(struct rl_bucket *b, const struct rl_rate *r, uint64_t now);

/*
 * A bucket several threads take from at once, lock-free (the workers relaying
 * reports upstream and the main lcore's paced queue share one per outside, so
 * the port's rate holds whatever sends): the generic cell rate algorithm, one
 * 64-bit word (the theoretical arrival time) changed by compare-and-swap.
 * Never more than burst + rate x (t - t0) tokens in any window [t0, t].
 */
struct rl_shared_rate {
	uint32_t per_sec;    /* 0: no limit */
	uint64_t interval;   /* ticks a token, rounded up: the rate is never passed */
	uint64_t tolerance;  /* (burst - 1) x interval: how far ahead the word may run */
};

struct rl_shared_bucket {
	uint64_t tat;        /* when the bucket is next empty of a whole burst's debt */
};

/* Returns 0, or -EINVAL for burst 0 with a rate, hz 0 or hz < per_sec. */
int rl_shared_rate_init(struct rl_shared_rate *r, uint32_t per_sec, uint32_t burst, uint64_t hz);

/* A full bucket (burst tokens at any now). */
void rl_shared_bucket_init(struct rl_shared_bucket *b);

/*
 * Takes one token at now, from any thread: true when there was one. Always true
 * when the rate is 0. Threads whose clocks lag one another only make it stricter.
 */
bool rl_shared_take(struct rl_shared_bucket *b, const struct rl_shared_rate *r, uint64_t now);

/*
 * A bounded table of host buckets, allocated once: a host not in it takes the
 * slot of the least recently seen host of its set (RL_WAYS hosts a set), so
 * spoofed sources evict each other and never grow it. An evicted host comes
 * back with a full bucket; with a table sized for the real hosts, an attacker
 * rotating sources only pushes out other spoofed ones and hosts long quiet.
 */
#define RL_WAYS 8

enum rl_verdict {
	RL_PASS,
	RL_DROP,            /* over the host's rate */
	RL_DROP_FIRST,      /* over it, and the host's first drop this log period */
};

struct rl_host_table;

/*
 * capacity: hosts held at most (rounded up to a power of two, >= RL_WAYS);
 * log_period: ticks between two RL_DROP_FIRST of the same host.
 * Returns NULL and sets errno (EINVAL, ENOMEM).
 */
struct rl_host_table *rl_host_table_create(uint32_t capacity, const struct rl_rate *rate,
					   uint64_t log_period);
void rl_host_table_free(struct rl_host_table *t);

/* Takes a token from addr's bucket; *evicted set when another host lost its slot. */
enum rl_verdict rl_host_take(struct rl_host_table *t, uint32_t addr, uint64_t now,
			     bool *evicted);

/*
 * The same at rate, the rate in force now (a reload changes it without
 * emptying the table): buckets keep their tokens, capped at the new burst.
 */
enum rl_verdict rl_host_take_rate(struct rl_host_table *t, const struct rl_rate *rate,
				  uint32_t addr, uint64_t now, bool *evicted);

/* Hosts the table holds at most, and now. */
uint32_t rl_host_table_capacity(const struct rl_host_table *t);
uint32_t rl_host_table_used(const struct rl_host_table *t);

/* Bytes the table holds, the struct included. */
size_t rl_host_table_memory(const struct rl_host_table *t);

#endif
