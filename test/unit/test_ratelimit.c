/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the token buckets and the bounded host table on a fake clock:
 * the burst passes then the rate holds, over any window and at TSC-like
 * clock rates; the table never grows past its capacity whatever the sources,
 * evicts the least recently seen host of a set, and flags a host's first drop
 * once a log period.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ratelimit.h"
#include "tap.h"

#define HZ_NS 1000000000ull     /* a nanosecond clock */
#define HZ_TSC 2899999999ull    /* a TSC: not a round number */

/* Packets offered every step for secs seconds; returns how many passed. */
static uint64_t
offer(struct rl_bucket *b, const struct rl_rate *r, uint64_t hz, uint64_t *now, uint32_t pps,
      uint32_t secs)
{
	uint64_t step = hz / pps, passed = 0;

	for (uint64_t i = 0; i < (uint64_t)pps * secs; i++) {
		*now += step;
		passed += rl_bucket_take(b, r, *now);
	}
	return passed;
}

static void
test_bucket(uint64_t hz, const char *clock)
{
	struct rl_rate r;
	struct rl_bucket b;
	uint64_t now = 12345;
	uint32_t burst_passed = 0;
	uint64_t flood;

	CHECK_INT(rl_rate_init(&r, 50, 20, hz), 0, "%s: 50/s burst 20 accepted", clock);
	rl_bucket_init(&b, &r, now);
	/* All at once: the burst passes, nothing more. */
	for (int i = 0; i < 100; i++)
		burst_passed += rl_bucket_take(&b, &r, now);
	CHECK_INT(burst_passed, 20, "%s: a burst at one instant passes burst", clock);
	/* 10 000/s for 5 s: the rate, give or take the token a truncated step loses. */
	flood = offer(&b, &r, hz, &now, 10000, 5);
	TAP_CHECK(flood >= 249 && flood <= 250, "%s: 10k/s for 5 s cut to 50/s (%lu)", clock,
		  (unsigned long)flood);
	/* Below the rate everything passes. */
	CHECK_INT(offer(&b, &r, hz, &now, 40, 3), 120, "%s: 40/s under 50/s all pass", clock);
	/* A long quiet time fills the bucket to burst, not beyond. */
	now += 3600 * hz;
	burst_passed = 0;
	for (int i = 0; i < 100; i++)
		burst_passed += rl_bucket_take(&b, &r, now);
	CHECK_INT(burst_passed, 20, "%s: an hour's quiet gives burst again, no more", clock);
}

static void
test_bucket_edges(void)
{
	struct rl_rate r;
	struct rl_bucket b;
	uint64_t now = 1000;
	int passed = 0;

	CHECK_INT(rl_rate_init(&r, 10, 0, HZ_NS), -EINVAL, "burst 0 refused");
	CHECK_INT(rl_rate_init(&r, 10, 5, 0), -EINVAL, "hz 0 refused");
	CHECK_INT(rl_rate_init(&r, 0, 0, HZ_NS), 0, "rate 0: no limit");
	rl_bucket_init(&b, &r, now);
	for (int i = 0; i < 100000; i++)
		passed += rl_bucket_take(&b, &r, now);
	CHECK_INT(passed, 100000, "rate 0 passes everything");

	/* A clock that goes back neither adds tokens nor underflows. */
	rl_rate_init(&r, 1, 1, HZ_NS);
	rl_bucket_init(&b, &r, now);
	TAP_CHECK(rl_bucket_take(&b, &r, now), "1/s burst 1: the first passes");
	TAP_CHECK(!rl_bucket_take(&b, &r, now - 500), "a clock going back gives no token");
	TAP_CHECK(!rl_bucket_take(&b, &r, now - 500 + HZ_NS / 2), "half a second: still none");
	TAP_CHECK(rl_bucket_take(&b, &r, now - 500 + HZ_NS), "a second later: one");

	/* The largest rate and burst on a TSC clock stay exact. */
	CHECK_INT(rl_rate_init(&r, 10000000, 1000000, HZ_TSC), 0, "10M/s burst 1M on a TSC");
	rl_bucket_init(&b, &r, 0);
	passed = 0;
	for (int i = 0; i < 2000000; i++)
		passed += rl_bucket_take(&b, &r, 0);
	CHECK_INT(passed, 1000000, "burst of 1M at one instant");
}

static void
test_table_rate_per_host(void)
{
	struct rl_rate r;
	struct rl_host_table *t;
	uint64_t now = 0, hz = HZ_NS;
	uint32_t passed_a = 0, passed_b = 0, first = 0;
	bool ev;

	rl_rate_init(&r, 50, 20, hz);
	t = rl_host_table_create(64, &r, hz);
	TAP_CHECK(t != NULL, "table of 64 hosts");
	/* Host A floods 10k/s for 2 s, host B sends 10/s in between. */
	for (uint32_t i = 0; i < 20000; i++) {
		enum rl_verdict v;

		now += hz / 10000;
		v = rl_host_take(t, 0x0a000001, now, &ev);
		passed_a += v == RL_PASS;
		first += v == RL_DROP_FIRST;
		if (i % 1000 == 0)
			passed_b += rl_host_take(t, 0x0a000002, now, &ev) == RL_PASS;
	}
	/* Its bucket started at its first packet, 100 us in: one token short of 2 s. */
	CHECK_INT(passed_a, 20 + 2 * 50 - 1, "flooder: burst + 2 s at 50/s");
	CHECK_INT(passed_b, 20, "the other host: every one of its 20");
	CHECK_INT(first, 2, "flooder's first drop flagged once a second for 2 s");
	CHECK_INT(rl_host_table_used(t), 2, "two hosts held");
	rl_host_table_free(t);
}

/* A reload's new rate: the table keeps its hosts and their buckets' tokens. */
static void
test_table_new_rate(void)
{
	struct rl_rate r, slow;
	struct rl_host_table *t;
	uint64_t now = 0, hz = HZ_NS;
	uint32_t passed = 0;
	bool ev;

	rl_rate_init(&r, 100, 10, hz);
	rl_rate_init(&slow, 5, 2, hz);
	t = rl_host_table_create(64, &r, hz);
	for (int i = 0; i < 5; i++)
		rl_host_take_rate(t, &r, 0x0a000001, now, &ev);
	CHECK_INT(rl_host_table_used(t), 1, "one host held");
	/* 10 s at 1000/s: at the old rate 100/s, now at 5/s burst 2. */
	for (uint32_t i = 0; i < 10000; i++) {
		now += hz / 1000;
		passed += rl_host_take_rate(t, &slow, 0x0a000001, now, &ev) == RL_PASS;
	}
	TAP_CHECK(passed >= 50 && passed <= 52,
		  "the new rate holds at once (burst capped to 2, then 5/s): %u in 10 s", passed);
	CHECK_INT(rl_host_table_used(t), 1, "the same host, not a new slot");
	rl_host_table_free(t);
}

static void
test_table_bounded(void)
{
	struct rl_rate r;
	struct rl_host_table *t;
	uint64_t now = 0;
	uint32_t evictions = 0;
	bool ev;

	rl_rate_init(&r, 1, 1, HZ_NS);
	t = rl_host_table_create(100, &r, HZ_NS);
	CHECK_INT(rl_host_table_capacity(t), 128, "capacity rounded to a power of two");
	/* A real host keeps talking while a million spoofed sources come by once each. */
	for (uint32_t i = 0; i < 1000000; i++) {
		now += 100;
		rl_host_take(t, 0xc0a80000u + i * 7919u, now, &ev);
		evictions += ev;
		if (i % 50 == 0)
			rl_host_take(t, 0x0a000005, now, &ev), evictions += ev;
	}
	CHECK_INT(rl_host_table_used(t), 128, "a million sources fill the table, no more");
	TAP_CHECK(evictions >= 1000000 - 128, "the rest took the least recently seen slots (%u)",
		  evictions);
	/* The real host was seen recently in its set: still there, its bucket spent. */
	/* 0.1 s at 1/s burst 1 since its first packet: a bucket of its own is empty. */
	now += 100;
	TAP_CHECK(rl_host_take(t, 0x0a000005, now, &ev) == RL_DROP,
		  "the busy host kept its slot and its empty bucket");
	TAP_CHECK(!ev, "it evicted nobody");
	TAP_CHECK(rl_host_table_memory(t) > 128 * 16, "memory reported");
	rl_host_table_free(t);

	TAP_CHECK(rl_host_table_create(0, &r, 1) == NULL && errno == EINVAL, "capacity 0 refused");
}

/* The hosts of a subnet (network order: they differ in the top byte) spread over the sets. */
static void
test_subnet_spreads(void)
{
	struct rl_rate r;
	struct rl_host_table *t;
	uint32_t evictions = 0;
	bool ev;

	rl_rate_init(&r, 1, 1, HZ_NS);
	t = rl_host_table_create(4096, &r, HZ_NS);
	for (uint32_t i = 1; i < 255; i++) {
		rl_host_take(t, htonl(0x0a000000u | i), i, &ev);
		evictions += ev;
	}
	CHECK_INT(evictions, 0, "254 hosts of 10.0.0.0/24 in a 4096-host table evict nobody");
	CHECK_INT(rl_host_table_used(t), 254, "each holds its own slot");
	rl_host_table_free(t);
}

static void
test_lru_in_set(void)
{
	struct rl_rate r;
	struct rl_host_table *t;
	uint32_t addr[RL_WAYS + 1];
	bool ev;

	rl_rate_init(&r, 1, 1, HZ_NS);
	t = rl_host_table_create(RL_WAYS, &r, HZ_NS); /* one set: every host competes */
	for (uint32_t i = 0; i <= RL_WAYS; i++)
		addr[i] = 0x0a000100 + i;
	for (uint32_t i = 0; i < RL_WAYS; i++)
		rl_host_take(t, addr[i], 10 + i, &ev);
	/* Host 0 is seen again: host 1 is now the least recently seen. */
	rl_host_take(t, addr[0], 100, &ev);
	rl_host_take(t, addr[RL_WAYS], 101, &ev);
	TAP_CHECK(ev, "a ninth host evicts one");
	CHECK_INT(rl_host_take(t, addr[0], 102, &ev), RL_DROP,
		  "host 0 (seen recently) kept its spent bucket");
	TAP_CHECK(!ev, "no eviction for a held host");
	CHECK_INT(rl_host_take(t, addr[1], 103, &ev), RL_PASS,
		  "host 1 (least recently seen) was evicted: back with a full bucket");
	TAP_CHECK(ev, "and its return evicted another");
	rl_host_table_free(t);
}

/* The shared bucket: the burst at one instant, then the rate over any window. */
static void
test_shared_bucket(uint64_t hz, const char *clock)
{
	struct rl_shared_rate r;
	struct rl_shared_bucket b;
	uint64_t now = 777, passed = 0, step = hz / 10000;

	CHECK_INT(rl_shared_rate_init(&r, 20, 3, hz), 0, "%s: shared 20/s burst 3 accepted", clock);
	rl_shared_bucket_init(&b);
	for (int i = 0; i < 100; i++)
		passed += rl_shared_take(&b, &r, now);
	CHECK_INT(passed, 3, "%s: shared: a burst at one instant passes burst", clock);
	/* 10 000/s for 5 s: 20/s, never more in any second than the rate and the burst. */
	passed = 0;
	for (int sec = 0; sec < 5; sec++) {
		uint64_t this_sec = 0;

		for (int i = 0; i < 10000; i++) {
			now += step;
			this_sec += rl_shared_take(&b, &r, now);
		}
		TAP_CHECK(this_sec <= 20 + 3, "%s: shared: second %d passed %lu <= rate + burst",
			  clock, sec, (unsigned long)this_sec);
		passed += this_sec;
	}
	TAP_CHECK(passed >= 99 && passed <= 100, "%s: shared: 10k/s for 5 s cut to 20/s (%lu)",
		  clock, (unsigned long)passed);
	/* A long quiet time gives a full burst again, not more. */
	now += 3600 * hz;
	passed = 0;
	for (int i = 0; i < 100; i++)
		passed += rl_shared_take(&b, &r, now);
	CHECK_INT(passed, 3, "%s: shared: after an hour the burst, not more", clock);
	CHECK_INT(rl_shared_rate_init(&r, 0, 0, hz), 0, "%s: shared: no limit", clock);
	TAP_CHECK(rl_shared_take(&b, &r, now), "%s: shared: no limit passes", clock);
	CHECK_INT(rl_shared_rate_init(&r, 5, 0, hz), -EINVAL, "%s: shared: burst 0 refused", clock);
}

#define RACERS 4

struct racer {
	struct rl_shared_bucket *b;
	const struct rl_shared_rate *r;
	uint64_t passed;
};

static void *
race(void *arg)
{
	struct racer *x = arg;

	for (int i = 0; i < 200000; i++)
		x->passed += rl_shared_take(x->b, x->r, 1000000 + (uint64_t)(i / 1000) * 1000);
	return NULL;
}

/*
 * Threads taking at once never take more than the bucket holds: 200 ms of a
 * 1 kHz clock at 50/s burst 10 is 10 + 50 x 0.2 = 20 tokens, whoever takes them.
 */
static void
test_shared_bucket_threads(void)
{
	struct rl_shared_rate r;
	struct rl_shared_bucket b;
	struct racer x[RACERS];
	pthread_t t[RACERS];
	uint64_t total = 0;

	rl_shared_rate_init(&r, 50, 10, 1000000);
	rl_shared_bucket_init(&b);
	for (int i = 0; i < RACERS; i++) {
		x[i] = (struct racer){ .b = &b, .r = &r };
		pthread_create(&t[i], NULL, race, &x[i]);
	}
	for (int i = 0; i < RACERS; i++) {
		pthread_join(t[i], NULL);
		total += x[i].passed;
	}
	/* The clock runs from 1 s to 1.199 s: at most 10 + 50 x 0.199 + 1. */
	TAP_CHECK(total >= 19 && total <= 20, "shared: %d threads took %lu tokens of 20", RACERS,
		  (unsigned long)total);
}

int
main(void)
{
	test_shared_bucket(HZ_NS, "ns clock");
	test_shared_bucket(HZ_TSC, "TSC clock");
	test_shared_bucket_threads();
	test_bucket(HZ_NS, "ns clock");
	test_bucket(HZ_TSC, "TSC clock");
	test_bucket_edges();
	test_table_rate_per_host();
	test_table_new_rate();
	test_table_bounded();
	test_subnet_spreads();
	test_lru_in_set();
	return TAP_DONE();
}
