/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the forwarding table on a real EAL without hugepages: lookups
 * for any-source groups, INCLUDE and EXCLUDE sources, replace, delete, limits,
 * static routes, bulk lookups, 100 000 groups, index rebuilds (tombstones
 * purged after churn, growth and shrinking with the groups held), and
 * RCU safety (entries and indexes freed only after the readers' quiescent
 * states, and a reader lcore looking up while the main lcore rewrites the
 * table or rebuilds its index).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "fwd_table.h"
#include "tap.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define CHECK_MASK(got, want, ...) do { \
	unsigned int got_ = (got); \
	unsigned int want_ = (want); \
	char what_[200]; \
	snprintf(what_, sizeof(what_), __VA_ARGS__); \
	if (got_ == want_) \
		TAP_CHECK(true, "%s: 0x%04x", what_, got_); \
	else \
		TAP_CHECK(false, "%s: 0x%04x (want 0x%04x)", what_, got_, want_); \
} while (0)

/* Ports as the gateway numbers them: inside is role 2, inside2 role 3 ... */
#define IN1 (1u << 2)
#define IN2 (1u << 3)
#define IN3 (1u << 4)
#define IN4 (1u << 5)

/* What a poisoned (freed) entry reads as: no valid mask in these tests looks like it. */
#define POISON 0xa5

/*
 * Frees from fwd_table.c (linked with --wrap=rte_free) are poisoned first:
 * DPDK's heap is not ASan-instrumented, so without this a reader holding an
 * entry freed too early would read the old, still plausible, masks.
 */
void __real_rte_free(void *p);
void __wrap_rte_free(void *p);

void
__wrap_rte_free(void *p)
{
	size_t size;

	if (p != NULL && rte_malloc_validate(p, &size) == 0)
		memset(p, POISON, size);
	__real_rte_free(p);
}

static struct rte_rcu_qsbr *qsbr;

static uint32_t
ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return htonl((uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Bytes in use on every socket's heap: what fwd_table_memory() has to follow. */
static size_t
heap_used(void)
{
	struct rte_malloc_socket_stats st;
	size_t used = 0;

	for (unsigned int i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			used += st.heap_allocsz_bytes;
	return used;
}

/* Reclaims until nothing more is freed: one call frees a bounded batch. */
static void
reclaim_all(struct fwd_table *t)
{
	size_t before;

	do {
		before = fwd_table_memory(t);
		fwd_table_reclaim(t);
	} while (fwd_table_memory(t) != before);
}

static void
test_any_source_include_exclude(void)
{
	struct fwd_table *t = fwd_table_create("ut_fwd_basic", 64, SOCKET_ID_ANY, qsbr);
	const uint32_t g1 = ip(239, 1, 1, 1), g2 = ip(232, 1, 1, 2), g3 = ip(239, 1, 1, 3);
	const uint32_t g4 = ip(239, 1, 1, 4);
	const uint32_t s1 = ip(10, 0, 0, 1), s2 = ip(192, 0, 2, 7), s3 = ip(10, 0, 0, 3);
	const struct fwd_source incl[] = {
		{ .addr = s2, .include = IN1 | IN2 },   /* given out of order */
		{ .addr = s1, .include = IN1 },
	};
	const struct fwd_source excl[] = {
		{ .addr = s1, .exclude = IN1 },
		{ .addr = s2, .exclude = IN2 | IN3 },
	};
	/* IN1 EXCLUDE {s1}, IN2 INCLUDE {s1, s2}: what the tracker hands over. */
	const struct fwd_source mixed[] = {
		{ .addr = s2, .include = IN2 },
		{ .addr = s1, .include = IN2, .exclude = IN1 },
	};
	int ret;

	TAP_CHECK(t != NULL, "table created (rte_errno %d)", rte_errno);
	if (t == NULL)
		return;
	CHECK_MASK(fwd_table_lookup(t, g1, s1), 0, "empty table: nothing wanted");

	ret = fwd_table_set(t, g1, IN1, NULL, 0);
	TAP_CHECK(ret == 0, "any-source group set (%d)", ret);
	CHECK_MASK(fwd_table_lookup(t, g1, s1), IN1, "any-source group, source s1");
	CHECK_MASK(fwd_table_lookup(t, g1, 0), IN1, "any-source group, source 0.0.0.0");
	CHECK_MASK(fwd_table_lookup(t, g2, s1), 0, "another group: nothing");
	CHECK_MASK(fwd_table_lookup(t, htonl(ntohl(g1) + 1), s1), 0, "group + 1: nothing");

	ret = fwd_table_set(t, g2, 0, incl, ARRAY_LEN(incl));
	TAP_CHECK(ret == 0, "INCLUDE group set (%d)", ret);
	CHECK_MASK(fwd_table_lookup(t, g2, s1), IN1, "INCLUDE: s1 to IN1");
	CHECK_MASK(fwd_table_lookup(t, g2, s2), IN1 | IN2, "INCLUDE: s2 to IN1 and IN2");
	CHECK_MASK(fwd_table_lookup(t, g2, s3), 0, "INCLUDE: other source to nobody");

	ret = fwd_table_set(t, g3, IN1 | IN2 | IN3, excl, ARRAY_LEN(excl));
	TAP_CHECK(ret == 0, "EXCLUDE group set (%d)", ret);
	CHECK_MASK(fwd_table_lookup(t, g3, s1), IN2 | IN3, "EXCLUDE: s1 not to IN1");
	CHECK_MASK(fwd_table_lookup(t, g3, s2), IN1, "EXCLUDE: s2 not to IN2, IN3");
	CHECK_MASK(fwd_table_lookup(t, g3, s3), IN1 | IN2 | IN3, "EXCLUDE: other source to all");

	ret = fwd_table_set(t, g4, IN1, mixed, ARRAY_LEN(mixed));
	TAP_CHECK(ret == 0, "mixed group set (%d)", ret);
	CHECK_MASK(fwd_table_lookup(t, g4, s1), IN2, "IN1 EXCLUDE {s1} + IN2 INCLUDE {s1,s2}: s1");
	CHECK_MASK(fwd_table_lookup(t, g4, s2), IN1 | IN2, "mixed: s2");
	CHECK_MASK(fwd_table_lookup(t, g4, s3), IN1, "mixed: other source");
	TAP_CHECK(fwd_table_count(t) == 4, "count 4 (%u)", fwd_table_count(t));

	/* Refused input leaves the group as it was. */
	ret = fwd_table_set(t, g4, IN3, NULL, 1);
	TAP_CHECK(ret == -EINVAL, "sources NULL with n 1: -EINVAL (%d)", ret);
	{
		static struct fwd_source many[FWD_MAX_SOURCES + 1];

		for (uint32_t i = 0; i < ARRAY_LEN(many); i++)
			many[i] = (struct fwd_source){ .addr = htonl(0x0a000000u + i), .include = IN3 };
		ret = fwd_table_set(t, g4, IN3, many, FWD_MAX_SOURCES + 1);
		TAP_CHECK(ret == -EINVAL, "%d sources: -EINVAL (%d)", FWD_MAX_SOURCES + 1, ret);
	}
	CHECK_MASK(fwd_table_lookup(t, g4, s1), IN2, "refused sets kept the mixed group");

	/* Replace, then delete. */
	ret = fwd_table_set(t, g1, IN2, NULL, 0);
	CHECK_MASK(fwd_table_lookup(t, g1, s1), IN2, "replaced: IN1 -> IN2 (ret %d)", ret);
	TAP_CHECK(fwd_table_count(t) == 4, "replace keeps count 4 (%u)", fwd_table_count(t));
	ret = fwd_table_set(t, g3, 0, excl, ARRAY_LEN(excl));
	CHECK_MASK(fwd_table_lookup(t, g3, s3), 0,
		   "EXCLUDE exceptions without any-source ports: other source to nobody (ret %d)",
		   ret);
	CHECK_MASK(fwd_table_lookup(t, g3, s1), 0, "... and the excluded source to nobody");
	ret = fwd_table_set(t, g2, 0, NULL, 0);
	TAP_CHECK(ret == 0 && fwd_table_count(t) == 3, "delete: ret %d, count 3 (%u)", ret,
		  fwd_table_count(t));
	CHECK_MASK(fwd_table_lookup(t, g2, s2), 0, "deleted group: nobody");
	ret = fwd_table_set(t, g2, 0, NULL, 0);
	TAP_CHECK(ret == 0 && fwd_table_count(t) == 3, "delete again: ret %d, count 3 (%u)", ret,
		  fwd_table_count(t));
	ret = fwd_table_set(t, ip(239, 9, 9, 9), 0, NULL, 0);
	TAP_CHECK(ret == 0 && fwd_table_count(t) == 3,
		  "delete of a group never set: ret %d, count 3 (%u)", ret, fwd_table_count(t));
	ret = fwd_table_set(t, g2, IN4, NULL, 0);
	CHECK_MASK(fwd_table_lookup(t, g2, s2), IN4, "deleted group set again (ret %d)", ret);
	TAP_CHECK(fwd_table_count(t) == 4, "count 4 again (%u)", fwd_table_count(t));
	fwd_table_free(t);
}

/* 256 unsorted sources, half above 128.0.0.0: the table sorts by address, not by bytes. */
static void
test_many_sources(void)
{
	struct fwd_table *t = fwd_table_create("ut_fwd_src", 8, SOCKET_ID_ANY, qsbr);
	static struct fwd_source src[FWD_MAX_SOURCES];
	const uint32_t g = ip(232, 0, 0, 10);
	int wrong = 0;
	int ret;

	TAP_CHECK(t != NULL, "table for many sources created");
	if (t == NULL)
		return;
	srand(7);
	for (uint32_t i = 0; i < FWD_MAX_SOURCES; i++) {
		/* 10.x.y.1 and 200.x.y.1 interleaved, in a shuffled order. */
		uint32_t a = (i % 2 ? 200u : 10u) << 24 | (i * 2654435761u & 0xffff00u) | 1;

		src[i].addr = htonl(a);
		src[i].include = (fwd_mask_t)((i & 0xff) << 2);
		src[i].exclude = (fwd_mask_t)(i % 3 == 0 ? IN1 : 0);
	}
	for (uint32_t i = FWD_MAX_SOURCES - 1; i > 0; i--) {
		uint32_t j = (uint32_t)rand() % (i + 1);
		struct fwd_source tmp = src[i];

		src[i] = src[j];
		src[j] = tmp;
	}
	ret = fwd_table_set(t, g, IN1, src, FWD_MAX_SOURCES);
	TAP_CHECK(ret == 0, "group with %d sources set (%d)", FWD_MAX_SOURCES, ret);
	for (uint32_t i = 0; i < FWD_MAX_SOURCES; i++) {
		fwd_mask_t want = (fwd_mask_t)((IN1 & ~src[i].exclude) | src[i].include);

		if (fwd_table_lookup(t, g, src[i].addr) != want)
			wrong++;
	}
	TAP_CHECK(wrong == 0, "every one of %d sources looked up right (%d wrong)",
		  FWD_MAX_SOURCES, wrong);
	CHECK_MASK(fwd_table_lookup(t, g, ip(10, 0, 0, 2)), IN1, "a source not listed");
	CHECK_MASK(fwd_table_lookup(t, g, ip(255, 255, 255, 255)), IN1,
		   "a source above every listed one");
	CHECK_MASK(fwd_table_lookup(t, g, 0), IN1, "a source below every listed one");
	fwd_table_free(t);
}

static void
test_count_memory(void)
{
	struct fwd_table *t = fwd_table_create("ut_fwd_mem", 1024, SOCKET_ID_ANY, qsbr);
	struct fwd_source src[8];
	size_t empty, full, one_any, one_src, heap0, heap_grew;
	int failed = 0;

	TAP_CHECK(t != NULL, "table for memory created");
	if (t == NULL)
		return;
	empty = fwd_table_memory(t);
	heap0 = heap_used();
	/* 1024 groups need at least a key slot, a bucket share and a pointer each. */
	TAP_CHECK(empty >= 1024 * (4 + 8), "empty table of 1024 groups counts its index: %zu bytes",
		  empty);
	TAP_CHECK(fwd_table_count(t) == 0, "empty table: count 0");

	memset(src, 0, sizeof(src));
	for (int i = 0; i < 8; i++)
		src[i] = (struct fwd_source){ .addr = ip(10, 1, 0, (uint8_t)i + 1), .include = IN2 };
	fwd_table_set(t, ip(239, 0, 0, 1), IN1, NULL, 0);
	one_any = fwd_table_memory(t) - empty;
	fwd_table_set(t, ip(239, 0, 0, 2), IN1, src, 8);
	one_src = fwd_table_memory(t) - empty - one_any;
	TAP_CHECK(one_any == 0 && one_src >= 8 * sizeof(struct fwd_source),
		  "any-source groups live in the index, entries count their sources: %zu bytes "
		  "any-source, %zu with 8 sources", one_any,
		  one_src);
	for (uint32_t i = 3; i <= 1000; i++)
		failed += fwd_table_set(t, htonl(0xef000000u + i), IN1, NULL, 0) != 0;
	full = fwd_table_memory(t);
	heap_grew = heap_used() - heap0;
	TAP_CHECK(failed == 0 && fwd_table_count(t) == 1000,
		  "1000 groups: count %u, %d refused", fwd_table_count(t), failed);
	/* What the heap really gave, headers and rounding included, within 5 %. */
	TAP_CHECK((full - empty) * 100 >= heap_grew * 95 && (full - empty) * 100 <= heap_grew * 105,
		  "1000 groups: memory grew by %zu bytes, the heap by %zu", full - empty, heap_grew);

	for (uint32_t i = 1; i <= 1000; i++)
		fwd_table_set(t, htonl(0xef000000u + i), 0, NULL, 0);
	TAP_CHECK(fwd_table_count(t) == 0, "all deleted: count 0 (%u)", fwd_table_count(t));
	/* No reader is registered: everything retired can go at once. */
	reclaim_all(t);
	TAP_CHECK(fwd_table_memory(t) == empty, "all deleted and reclaimed: %zu bytes again (%zu)",
		  empty, fwd_table_memory(t));
	fwd_table_free(t);
}

/* A full table refuses a new group and stays whole. */
static void
test_capacity(void)
{
	const uint32_t max = 64;
	struct fwd_table *t = fwd_table_create("ut_fwd_cap", max, SOCKET_ID_ANY, qsbr);
	uint32_t base = 0xe8010000u;   /* 232.1.0.0 */
	int failed = 0, wrong = 0;
	int ret;

	TAP_CHECK(t != NULL, "table of %u groups created", max);
	if (t == NULL)
		return;
	for (uint32_t i = 0; i < max; i++)
		failed += fwd_table_set(t, htonl(base + i), IN1, NULL, 0) != 0;
	TAP_CHECK(failed == 0 && fwd_table_count(t) == max, "%u groups fit (%d refused, count %u)",
		  max, failed, fwd_table_count(t));
	ret = fwd_table_set(t, htonl(base + max), IN1, NULL, 0);
	TAP_CHECK(ret == -ENOSPC, "group %u: -ENOSPC (%d)", max + 1, ret);
	TAP_CHECK(fwd_table_count(t) == max, "count still %u (%u)", max, fwd_table_count(t));
	CHECK_MASK(fwd_table_lookup(t, htonl(base + max), 0), 0, "the refused group is absent");
	ret = fwd_table_set(t, htonl(base + 5), IN2, NULL, 0);
	CHECK_MASK(fwd_table_lookup(t, htonl(base + 5), 0), IN2,
		   "a full table still replaces a group it holds (ret %d)", ret);
	for (uint32_t i = 0; i < max; i++)
		wrong += fwd_table_lookup(t, htonl(base + i), 0) != (i == 5 ? IN2 : IN1);
	TAP_CHECK(wrong == 0, "every held group still looked up right (%d wrong)", wrong);

	/* Room made by a delete is usable at once when no reader holds anything. */
	ret = fwd_table_set(t, htonl(base + 7), 0, NULL, 0);
	TAP_CHECK(ret == 0 && fwd_table_count(t) == max - 1, "one deleted (ret %d, count %u)",
		  ret, fwd_table_count(t));
	ret = fwd_table_set(t, htonl(base + max), IN3, NULL, 0);
	TAP_CHECK(ret == 0, "the freed room takes a new group (ret %d)", ret);
	CHECK_MASK(fwd_table_lookup(t, htonl(base + max), 0), IN3, "the new group is there");
	TAP_CHECK(fwd_table_count(t) == max, "count %u (%u)", max, fwd_table_count(t));

	/* Churn at the limit: delete one, add one, a thousand times. */
	failed = 0;
	for (uint32_t i = 0; i < 1000; i++) {
		failed += fwd_table_set(t, htonl(base + max + 0x100 * i), 0, NULL, 0) != 0;
		failed += fwd_table_set(t, htonl(base + max + 0x100 * (i + 1)), IN3, NULL, 0) != 0;
	}
	TAP_CHECK(failed == 0 && fwd_table_count(t) == max,
		  "1000 deletes and adds at the limit: %d refused, count %u", failed,
		  fwd_table_count(t));
	fwd_table_free(t);

	/* Under the index's smallest size: the limit is still the one asked for. */
	t = fwd_table_create("ut_fwd_cap2", 2, SOCKET_ID_ANY, qsbr);
	TAP_CHECK(t != NULL, "table of 2 groups created");
	if (t == NULL)
		return;
	failed = 0;
	for (uint32_t i = 0; i < 2; i++)
		failed += fwd_table_set(t, htonl(base + i), IN1, NULL, 0) != 0;
	ret = fwd_table_set(t, htonl(base + 2), IN1, NULL, 0);
	TAP_CHECK(failed == 0 && ret == -ENOSPC && fwd_table_count(t) == 2,
		  "table of 2: 2 fit, the third -ENOSPC (ret %d, count %u)", ret, fwd_table_count(t));
	fwd_table_free(t);
}

static void
test_create_errors(void)
{
	struct fwd_table *a = fwd_table_create("ut_fwd_two", 16, SOCKET_ID_ANY, qsbr);
	struct fwd_table *b = fwd_table_create("ut_fwd_two", 16, SOCKET_ID_ANY, qsbr);
	int ret;

	TAP_CHECK(a != NULL && b != NULL, "two tables created");
	if (a != NULL && b != NULL) {
		fwd_table_set(a, ip(239, 0, 0, 1), IN1, NULL, 0);
		fwd_table_set(b, ip(239, 0, 0, 1), IN2, NULL, 0);
		CHECK_MASK(fwd_table_lookup(a, ip(239, 0, 0, 1), 0), IN1, "the first table's group");
		CHECK_MASK(fwd_table_lookup(b, ip(239, 0, 0, 1), 0), IN2, "the second table's group");
		ret = fwd_table_set(a, 0, IN1, NULL, 0);
		TAP_CHECK(ret == -EINVAL, "group 0.0.0.0: -EINVAL (%d)", ret);
	}
	fwd_table_free(b);
	fwd_table_free(a);
	a = fwd_table_create("ut_fwd_zero", 0, SOCKET_ID_ANY, qsbr);
	TAP_CHECK(a == NULL && rte_errno == EINVAL, "a table of 0 groups is refused");
	fwd_table_free(a);
	a = fwd_table_create("ut_fwd_huge", FWD_MAX_GROUPS + 1, SOCKET_ID_ANY, qsbr);
	TAP_CHECK(a == NULL && rte_errno == EINVAL, "a table of %u groups is refused",
		  FWD_MAX_GROUPS + 1);
	fwd_table_free(a);
	fwd_table_free(NULL);
	TAP_CHECK(true, "fwd_table_free(NULL) is a no-op");
}

/* The bulk lookup gives what one lookup at a time gives, for every kind of group. */
static void
test_bulk_lookup(void)
{
	struct fwd_table *t = fwd_table_create("ut_fwd_bulk", 512, SOCKET_ID_ANY, qsbr);
	const struct fwd_source src[2] = {
		{ .addr = ip(10, 0, 0, 1), .include = IN2 },
		{ .addr = ip(10, 0, 0, 2), .exclude = IN1 },
	};
	uint32_t groups[FWD_LOOKUP_BULK_MAX], sources[FWD_LOOKUP_BULK_MAX];
	fwd_mask_t ports[FWD_LOOKUP_BULK_MAX];
	int wrong = 0, nonzero = 0, rounds = 0;

	TAP_CHECK(t != NULL, "table for bulk lookups created");
	if (t == NULL)
		return;
	/* 232.2.0.0 + i: every third with sources, every fifth absent; a static /24 on top. */
	for (uint32_t i = 0; i < 400; i++)
		if (i % 5 != 0)
			fwd_table_set(t, htonl(0xe8020000u + i), (fwd_mask_t)(IN1 << (i % 3)),
				      i % 3 == 0 ? src : NULL, i % 3 == 0 ? 2 : 0);
	fwd_table_add_static(t, ip(232, 2, 1, 0), 24, 0, IN4);
	srand(99);
	for (unsigned int n = 1; n <= FWD_LOOKUP_BULK_MAX; n = n * 2 + 1, rounds++) {
		for (unsigned int i = 0; i < n; i++) {
			groups[i] = htonl(0xe8020000u + (uint32_t)rand() % 420);
			sources[i] = ip(10, 0, 0, (uint8_t)(rand() % 3));
		}
		fwd_table_lookup_bulk(t, groups, sources, n, ports);
		for (unsigned int i = 0; i < n; i++) {
			wrong += ports[i] != fwd_table_lookup(t, groups[i], sources[i]);
			nonzero += ports[i] != 0;
		}
	}
	TAP_CHECK(wrong == 0 && nonzero > 0,
		  "%d bursts of 1 to %d lookups agree with single lookups (%d wrong, %d found)",
		  rounds, FWD_LOOKUP_BULK_MAX, wrong, nonzero);
	fwd_table_free(t);
}

/*
 * Deleted groups leave tombstones; new groups past them make the table purge
 * its index. Churn through many distinct groups: every purge keeps the live
 * groups, and the memory returns to the empty table's.
 */
static void
test_purge_churn(void)
{
	const uint32_t max = 64, keep = 40, churn = 20000;
	struct fwd_table *t = fwd_table_create("ut_fwd_churn", max, SOCKET_ID_ANY, qsbr);
	const struct fwd_source one = { .addr = ip(10, 0, 0, 1), .include = IN3 };
	uint32_t base = 0xe8030000u, next = 0x10000;
	int failed = 0, wrong = 0;
	size_t empty;

	TAP_CHECK(t != NULL, "table for churn created");
	if (t == NULL)
		return;
	empty = fwd_table_memory(t);
	for (uint32_t i = 0; i < keep; i++)
		failed += fwd_table_set(t, htonl(base + i), (fwd_mask_t)(IN1 << (i % 2)),
					i % 4 == 0 ? &one : NULL, i % 4 == 0) != 0;
	/* A window of max - keep fresh groups slides along: add the next, drop the oldest. */
	for (uint32_t i = 0; i < churn; i++) {
		uint32_t g = base + next + i;

		if (i >= max - keep)
			failed += fwd_table_set(t, htonl(g - (max - keep)), 0, NULL, 0) != 0;
		failed += fwd_table_set(t, htonl(g), IN2, i % 7 == 0 ? &one : NULL, i % 7 == 0) != 0;
		if (i % 16 == 0)
			reclaim_all(t);
	}
	TAP_CHECK(failed == 0 && fwd_table_count(t) == max,
		  "%u distinct groups through a table of %u: %d refused, count %u", churn, max,
		  failed, fwd_table_count(t));
	TAP_CHECK(fwd_table_rebuilds(t) > 10, "the index was purged (%llu times)",
		  (unsigned long long)fwd_table_rebuilds(t));
	for (uint32_t i = 0; i < keep; i++) {
		fwd_mask_t any = (fwd_mask_t)(IN1 << (i % 2));

		wrong += fwd_table_lookup(t, htonl(base + i), ip(10, 0, 0, 9)) != any;
		if (i % 4 == 0)
			wrong += fwd_table_lookup(t, htonl(base + i), one.addr) != (any | IN3);
	}
	for (uint32_t i = churn - (max - keep); i < churn; i++)
		wrong += fwd_table_lookup(t, htonl(base + next + i), 0) != IN2;
	for (uint32_t i = 0; i < churn - (max - keep); i += 97)
		wrong += fwd_table_lookup(t, htonl(base + next + i), 0) != 0;
	TAP_CHECK(wrong == 0, "after the churn the live groups are all there, the dropped gone "
		  "(%d wrong)", wrong);
	for (uint32_t i = 0; i < keep; i++)
		fwd_table_set(t, htonl(base + i), 0, NULL, 0);
	for (uint32_t i = churn - (max - keep); i < churn; i++)
		fwd_table_set(t, htonl(base + next + i), 0, NULL, 0);
	reclaim_all(t);
	TAP_CHECK(fwd_table_count(t) == 0 && fwd_table_memory(t) == empty,
		  "all deleted and reclaimed: count %u, %zu bytes (%zu empty)", fwd_table_count(t),
		  fwd_table_memory(t), empty);
	fwd_table_free(t);
}

static void
test_static_routes(void)
{
	struct fwd_table *t = fwd_table_create("ut_fwd_static", 64, SOCKET_ID_ANY, qsbr);
	const uint32_t s1 = ip(10, 0, 0, 1), s2 = ip(10, 0, 0, 2);
	const struct fwd_source excl[] = { { .addr = s1, .exclude = IN1 } };
	int ret, n;

	TAP_CHECK(t != NULL, "table for static routes created");
	if (t == NULL)
		return;
	/* 239.1.2.3/16 is 239.1.0.0/16: host bits are ignored. */
	ret = fwd_table_add_static(t, ip(239, 1, 2, 3), 16, 0, IN2);
	TAP_CHECK(ret == 0, "239.1.2.3/16 to IN2 added (%d)", ret);
	CHECK_MASK(fwd_table_lookup(t, ip(239, 1, 0, 0), s1), IN2, "/16: 239.1.0.0");
	CHECK_MASK(fwd_table_lookup(t, ip(239, 1, 255, 255), s2), IN2, "/16: 239.1.255.255");
	CHECK_MASK(fwd_table_lookup(t, ip(239, 2, 0, 0), s1), 0, "/16: 239.2.0.0 outside");
	CHECK_MASK(fwd_table_lookup(t, ip(239, 0, 255, 255), s1), 0, "/16: 239.0.255.255 outside");
	TAP_CHECK(fwd_table_count(t) == 0, "static routes are not counted as groups (%u)",
		  fwd_table_count(t));

	ret = fwd_table_add_static(t, ip(232, 5, 5, 5), 32, s1, IN3);
	TAP_CHECK(ret == 0, "232.5.5.5/32 source 10.0.0.1 to IN3 added (%d)", ret);
	CHECK_MASK(fwd_table_lookup(t, ip(232, 5, 5, 5), s1), IN3, "/32 with source: that source");
	CHECK_MASK(fwd_table_lookup(t, ip(232, 5, 5, 5), s2), 0, "/32 with source: other source");
	CHECK_MASK(fwd_table_lookup(t, ip(232, 5, 5, 4), s1), 0, "/32: the group next to it");

	/* Merged with hash entries: ports add up, a hash EXCLUDE does not cut a static port. */
	ret = fwd_table_set(t, ip(239, 1, 7, 7), IN1, excl, 1);
	TAP_CHECK(ret == 0, "hash entry inside the /16 set (%d)", ret);
	CHECK_MASK(fwd_table_lookup(t, ip(239, 1, 7, 7), s2), IN1 | IN2, "hash IN1 + static IN2");
	CHECK_MASK(fwd_table_lookup(t, ip(239, 1, 7, 7), s1), IN2,
		   "hash excludes s1 from IN1, static IN2 stays");
	ret = fwd_table_set(t, ip(232, 5, 5, 5), IN4, NULL, 0);
	CHECK_MASK(fwd_table_lookup(t, ip(232, 5, 5, 5), s1), IN3 | IN4,
		   "hash IN4 + static IN3 for the source (ret %d)", ret);
	CHECK_MASK(fwd_table_lookup(t, ip(232, 5, 5, 5), s2), IN4, "hash IN4 alone for another");

	ret = fwd_table_add_static(t, ip(224, 0, 0, 0), 4, 0, IN4);
	TAP_CHECK(ret == 0, "224.0.0.0/4 to IN4 added (%d)", ret);
	CHECK_MASK(fwd_table_lookup(t, ip(224, 0, 0, 0), s1), IN4, "/4: 224.0.0.0");
	CHECK_MASK(fwd_table_lookup(t, ip(239, 255, 255, 255), s1), IN4, "/4: 239.255.255.255");
	CHECK_MASK(fwd_table_lookup(t, ip(239, 1, 0, 9), s1), IN2 | IN4, "/4 and /16 together");
	CHECK_MASK(fwd_table_lookup(t, ip(240, 0, 0, 0), s1), 0, "/4: 240.0.0.0 outside");

	ret = fwd_table_add_static(t, ip(239, 0, 0, 1), 33, 0, IN1);
	TAP_CHECK(ret == -EINVAL, "prefix 33: -EINVAL (%d)", ret);
	ret = fwd_table_add_static(t, ip(239, 0, 0, 1), 32, 0, 0);
	TAP_CHECK(ret == -EINVAL, "no ports: -EINVAL (%d)", ret);
	n = 3;
	while (fwd_table_add_static(t, htonl(0xe0000100u + (uint32_t)n), 32, 0, IN1) == 0)
		n++;
	TAP_CHECK(n == FWD_MAX_STATIC, "static routes stop at %d (%d)", FWD_MAX_STATIC, n);
	ret = fwd_table_add_static(t, ip(239, 0, 0, 1), 32, 0, IN1);
	TAP_CHECK(ret == -ENOSPC, "route %d: -ENOSPC (%d)", FWD_MAX_STATIC + 1, ret);
	CHECK_MASK(fwd_table_lookup(t, ip(224, 0, 1, 3), s1), IN1 | IN4, "the last route that fit");
	fwd_table_free(t);

	t = fwd_table_create("ut_fwd_static0", 8, SOCKET_ID_ANY, qsbr);
	if (t == NULL)
		return;
	ret = fwd_table_add_static(t, ip(239, 1, 1, 1), 0, s1, IN1);
	CHECK_MASK(fwd_table_lookup(t, ip(224, 0, 0, 5), s1), IN1,
		   "prefix 0: every group from that source (ret %d)", ret);
	CHECK_MASK(fwd_table_lookup(t, ip(224, 0, 0, 5), s2), 0, "prefix 0: not other sources");
	fwd_table_free(t);
}

static void
test_many_groups(void)
{
	const uint32_t n = 100000;
	struct fwd_table *t = fwd_table_create("ut_fwd_100k", n, SOCKET_ID_ANY, qsbr);
	const struct fwd_source one = { .addr = ip(10, 0, 0, 1), .exclude = IN1 };
	size_t empty;
	int failed = 0, wrong = 0;
	double t0, t1, t2;

	TAP_CHECK(t != NULL, "table of %u groups created", n);
	if (t == NULL)
		return;
	empty = fwd_table_memory(t);
	t0 = now_ms();
	for (uint32_t i = 0; i < n; i++) {
		uint32_t g = htonl(0xe8000000u + i * 7);   /* 232.0.0.0 + 7i */
		fwd_mask_t any = (fwd_mask_t)(IN1 << (i % 4));

		failed += fwd_table_set(t, g, any, i % 10 == 0 ? &one : NULL, i % 10 == 0) != 0;
	}
	t1 = now_ms();
	for (uint32_t i = 0; i < n; i++) {
		uint32_t g = htonl(0xe8000000u + i * 7);
		fwd_mask_t any = (fwd_mask_t)(IN1 << (i % 4));

		wrong += fwd_table_lookup(t, g, ip(10, 0, 0, 2)) != any;
		if (i % 10 == 0)
			wrong += fwd_table_lookup(t, g, one.addr) != (any & ~IN1);
		wrong += fwd_table_lookup(t, htonl(0xe8000000u + i * 7 + 1), 0) != 0;
	}
	t2 = now_ms();
	TAP_CHECK(failed == 0 && fwd_table_count(t) == n, "%u groups inserted (%d refused, count %u)",
		  n, failed, fwd_table_count(t));
	TAP_CHECK(wrong == 0, "%u groups and %u absent ones looked up right (%d wrong)", n, n,
		  wrong);
	/* The index starts small and grows to about 4 slots (64 bytes) a group. */
	TAP_CHECK(fwd_table_rebuilds(t) >= 3 && fwd_table_memory(t) >= empty + (size_t)n * 32,
		  "the index grew with the groups: %llu rebuilds, %zu bytes (%zu empty)",
		  (unsigned long long)fwd_table_rebuilds(t), fwd_table_memory(t), empty);
	printf("# %u inserts %.1f ms, %u lookups %.1f ms, %zu bytes (%zu for the empty table)\n", n,
	       t1 - t0, n + n / 10 + n, t2 - t1, fwd_table_memory(t), empty);
	failed = 0;
	for (uint32_t i = 0; i < n; i++)
		failed += fwd_table_set(t, htonl(0xe8000000u + i * 7), 0, NULL, 0) != 0;
	reclaim_all(t);
	TAP_CHECK(failed == 0 && fwd_table_count(t) == 0 && fwd_table_memory(t) == empty,
		  "all deleted: count %u, %zu bytes (%zu)", fwd_table_count(t), fwd_table_memory(t),
		  empty);
	fwd_table_free(t);
}

/*
 * Deferred free, step by step: a registered reader that has not reported a
 * quiescent state keeps every entry it may hold. The main thread plays the
 * reader (its quiescent reports are plain stores), so the order is exact.
 */
static void
test_rcu_deferred(void)
{
	const unsigned int tid = 7;
	struct fwd_table *t = fwd_table_create("ut_fwd_defer", 64, SOCKET_ID_ANY, qsbr);
	const struct fwd_source src[4] = {
		{ .addr = ip(10, 0, 0, 1), .include = IN1 },
		{ .addr = ip(10, 0, 0, 2), .include = IN1 },
		{ .addr = ip(10, 0, 0, 3), .include = IN1 },
		{ .addr = ip(10, 0, 0, 4), .include = IN1 },
	};
	/* Groups without per-source exceptions allocate nothing: replace allocated entries. */
	const struct fwd_source first[2] = {
		{ .addr = ip(10, 0, 0, 5), .include = IN2 },
		{ .addr = ip(10, 0, 0, 6), .include = IN2 },
	};
	const uint32_t g = ip(239, 3, 3, 3);
	size_t m_any, m_src, m_both;
	int ret;

	TAP_CHECK(t != NULL, "table for deferred frees created");
	if (t == NULL)
		return;
	rte_rcu_qsbr_thread_register(qsbr, tid);
	rte_rcu_qsbr_thread_online(qsbr, tid);

	fwd_table_set(t, g, 0, first, 2);
	m_any = fwd_table_memory(t);
	ret = fwd_table_set(t, g, 0, src, 4);
	m_both = fwd_table_memory(t);
	CHECK_MASK(fwd_table_lookup(t, g, src[2].addr), IN1, "replaced with sources (ret %d)", ret);
	fwd_table_reclaim(t);
	fwd_table_reclaim(t);
	TAP_CHECK(fwd_table_memory(t) == m_both && m_both > m_any,
		  "reader not quiescent: the old entry is kept (%zu bytes, %zu before the replace)",
		  fwd_table_memory(t), m_any);
	rte_rcu_qsbr_quiescent(qsbr, tid);
	fwd_table_reclaim(t);
	m_src = fwd_table_memory(t);
	TAP_CHECK(m_src < m_both, "reader quiescent: the old entry is freed (%zu bytes)", m_src);

	/* A delete too: the entry stays until the next quiescent state. */
	ret = fwd_table_set(t, g, 0, NULL, 0);
	fwd_table_reclaim(t);
	TAP_CHECK(ret == 0 && fwd_table_count(t) == 0 && fwd_table_memory(t) == m_src,
		  "deleted, reader not quiescent: entry kept (%zu bytes)", fwd_table_memory(t));
	rte_rcu_qsbr_quiescent(qsbr, tid);
	fwd_table_reclaim(t);
	TAP_CHECK(fwd_table_memory(t) < m_src, "reader quiescent: deleted entry freed (%zu bytes)",
		  fwd_table_memory(t));

	/* An offline reader holds nothing. */
	fwd_table_set(t, g, 0, first, 2);
	rte_rcu_qsbr_thread_offline(qsbr, tid);
	m_any = fwd_table_memory(t);
	fwd_table_set(t, g, 0, first, 2);
	reclaim_all(t);
	TAP_CHECK(fwd_table_memory(t) == m_any, "offline reader: replaced entry freed at once");
	rte_rcu_qsbr_thread_unregister(qsbr, tid);
	fwd_table_free(t);
}

/* ---- random changes against a model of what the table should hold ---- */

#define MODEL_GROUPS 1000
#define MODEL_MAX 300
#define MODEL_SOURCES 5

struct model_group {
	bool present;
	fwd_mask_t any;
	uint16_t n;
	struct fwd_source src[MODEL_SOURCES];
};

static struct model_group model[MODEL_GROUPS];

static uint32_t
model_group_addr(uint32_t i)
{
	return htonl(0xe8060000u + i * 3);      /* 232.6.0.0 + 3i */
}

static uint32_t
model_source_addr(uint32_t i)
{
	return htonl(0x0a000001u + i);          /* 10.0.0.1 + i; i == MODEL_SOURCES: unlisted */
}

static fwd_mask_t
model_ports(uint32_t g, uint32_t s)
{
	const struct model_group *m = &model[g];

	if (!m->present)
		return 0;
	for (uint16_t i = 0; i < m->n; i++)
		if (m->src[i].addr == model_source_addr(s))
			return (fwd_mask_t)((m->any & ~m->src[i].exclude) | m->src[i].include);
	return m->any;
}

/* Every (group, source) of the model, one at a time and a burst at a time. */
static int
model_wrong(const struct fwd_table *t)
{
	uint32_t groups[FWD_LOOKUP_BULK_MAX], sources[FWD_LOOKUP_BULK_MAX];
	fwd_mask_t got[FWD_LOOKUP_BULK_MAX];
	unsigned int n = 0;
	int wrong = 0;

	for (uint32_t g = 0; g < MODEL_GROUPS; g++) {
		for (uint32_t s = 0; s <= MODEL_SOURCES; s++) {
			wrong += fwd_table_lookup(t, model_group_addr(g), model_source_addr(s)) !=
				model_ports(g, s);
			groups[n] = model_group_addr(g);
			sources[n] = model_source_addr(s);
			if (++n < FWD_LOOKUP_BULK_MAX && !(g == MODEL_GROUPS - 1 && s == MODEL_SOURCES))
				continue;
			fwd_table_lookup_bulk(t, groups, sources, n, got);
			for (unsigned int i = 0; i < n; i++)
				wrong += got[i] != model_ports((ntohl(groups[i]) - 0xe8060000u) / 3,
							       ntohl(sources[i]) - 0x0a000001u);
			n = 0;
		}
	}
	return wrong;
}

static void
test_random_model(void)
{
	struct fwd_table *t = fwd_table_create("ut_fwd_model", MODEL_MAX, SOCKET_ID_ANY, qsbr);
	uint32_t count = 0, x = 2024;
	int mismatched = 0, wrong = 0, checks = 0;
	unsigned int ops = 100000, refused = 0;
	size_t empty;

	TAP_CHECK(t != NULL, "table for the model run created");
	if (t == NULL)
		return;
	empty = fwd_table_memory(t);
	memset(model, 0, sizeof(model));
	for (unsigned int op = 0; op < ops; op++) {
		struct model_group next = { .present = true };
		uint32_t g, r;
		int ret, want;

		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		r = x;
		/* Mostly a small hot set, so groups are replaced and deleted, not only added. */
		g = r % 4 ? (r >> 8) % 50 : (r >> 8) % MODEL_GROUPS;
		/* Cold groups leave more often than they come: the count moves around the limit. */
		if ((r >> 20) % 3 == 0 || (r % 4 == 0 && (r >> 21) % 2)) {
			next.present = false;
		} else {
			next.any = (fwd_mask_t)(((r >> 4) & 0xf) << 2);
			next.n = (uint16_t)((r >> 22) % (MODEL_SOURCES + 1) % 4);
			for (uint16_t i = 0; i < next.n; i++) {
				/* Distinct sources: the same one twice would be ambiguous. */
				next.src[i].addr = model_source_addr(((r >> 26) + i) % MODEL_SOURCES);
				next.src[i].include = (fwd_mask_t)(((r >> (i * 3)) & 0x3) << 6);
				next.src[i].exclude = (fwd_mask_t)(((r >> (i * 5)) & 0x3) << 2);
			}
			if (next.any == 0 && next.n == 0)
				next.present = false;
		}
		if (!next.present) {
			ret = fwd_table_set(t, model_group_addr(g), 0, NULL, 0);
			want = 0;
		} else {
			ret = fwd_table_set(t, model_group_addr(g), next.any, next.src, next.n);
			want = !model[g].present && count == MODEL_MAX ? -ENOSPC : 0;
		}
		if (ret != want) {
			mismatched++;
			continue;
		}
		if (ret == -ENOSPC) {
			refused++;
			continue;
		}
		count += (uint32_t)next.present - (uint32_t)model[g].present;
		model[g] = next;
		if (op % 64 == 0)
			fwd_table_reclaim(t);
		if (op % 5000 == 0) {
			wrong += model_wrong(t);
			checks++;
		}
	}
	wrong += model_wrong(t);
	TAP_CHECK(mismatched == 0, "%u random sets and deletes: every return value as the model's "
		  "(%d differ, %u refused at the limit)", ops, mismatched, refused);
	TAP_CHECK(refused > 0 && fwd_table_rebuilds(t) > 0,
		  "the run met the limit (%u refused) and rebuilt the index (%llu times)", refused,
		  (unsigned long long)fwd_table_rebuilds(t));
	TAP_CHECK(wrong == 0 && fwd_table_count(t) == count,
		  "%d checks of %d lookups each, single and bulk: all as the model (%d wrong, count "
		  "%u of %u)", checks + 1, MODEL_GROUPS * (MODEL_SOURCES + 1) * 2, wrong,
		  fwd_table_count(t), count);
	for (uint32_t g = 0; g < MODEL_GROUPS; g++)
		fwd_table_set(t, model_group_addr(g), 0, NULL, 0);
	reclaim_all(t);
	TAP_CHECK(fwd_table_count(t) == 0 && fwd_table_memory(t) == empty,
		  "all deleted: count %u, %zu bytes (%zu empty)", fwd_table_count(t),
		  fwd_table_memory(t), empty);
	fwd_table_free(t);
}

/* ---- a reader lcore: an RCU reader running one test's pass until stopped ---- */

struct reader {
	unsigned int lcore;         /* also its RCU thread id */
	void (*pass)(void *arg, uint64_t loop);
	void *arg;
	bool stop;                  /* atomic */
	uint64_t loops;             /* atomic */
};

static int
reader_main(void *p)
{
	struct reader *r = p;

	rte_rcu_qsbr_thread_register(qsbr, r->lcore);
	rte_rcu_qsbr_thread_online(qsbr, r->lcore);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		r->pass(r->arg, r->loops);
		__atomic_store_n(&r->loops, r->loops + 1, __ATOMIC_RELAXED);
		/* Holds nothing across passes: what the writer replaced may go. */
		rte_rcu_qsbr_quiescent(qsbr, r->lcore);
	}
	rte_rcu_qsbr_thread_offline(qsbr, r->lcore);
	rte_rcu_qsbr_thread_unregister(qsbr, r->lcore);
	return 0;
}

/* Starts pass on the second lcore and returns once it has run once; false if it cannot. */
static bool
reader_start(struct reader *r, const char *what, void (*pass)(void *, uint64_t), void *arg)
{
	memset(r, 0, sizeof(*r));
	r->lcore = rte_get_next_lcore(-1, 1, 0);
	r->pass = pass;
	r->arg = arg;
	if (r->lcore >= RTE_MAX_LCORE) {
		TAP_CHECK(false, "%s needs a second lcore (-l 0-1)", what);
		return false;
	}
	if (rte_eal_remote_launch(reader_main, r, r->lcore) != 0) {
		TAP_CHECK(false, "%s: reader launched on lcore %u", what, r->lcore);
		return false;
	}
	/* Let the reader come online before the first change. */
	while (__atomic_load_n(&r->loops, __ATOMIC_RELAXED) == 0)
		;
	return true;
}

static void
reader_stop(struct reader *r)
{
	__atomic_store_n(&r->stop, true, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(r->lcore);
}

/* ---- a reader lcore against a writer rewriting the same groups ---- */

#define STRESS_GROUPS 32
#define STRESS_STATES 6
#define STRESS_PROBES 4

struct stress_state {
	fwd_mask_t any;
	uint16_t n;
	struct fwd_source src[FWD_MAX_SOURCES];
};

static struct stress_state states[STRESS_STATES];
static uint32_t probes[STRESS_PROBES];
/* valid[p][m]: m is a result some state (or none) gives for probe p. */
static bool valid[STRESS_PROBES][1u << 16];

struct stress {
	struct fwd_table *t;
	uint32_t groups[STRESS_GROUPS];
	uint64_t bad;
	uint32_t bad_group;
	uint32_t bad_probe;
	fwd_mask_t bad_mask;
};

static fwd_mask_t
state_ports(const struct stress_state *s, uint32_t source)
{
	for (uint16_t i = 0; i < s->n; i++)
		if (s->src[i].addr == source)
			return (fwd_mask_t)((s->any & ~s->src[i].exclude) | s->src[i].include);
	return s->any;
}

/* States of 0 to 256 sources; every mask they produce avoids the poison pattern. */
static void
stress_init(void)
{
	static const uint16_t counts[STRESS_STATES] = { 0, 1, 3, 17, 64, FWD_MAX_SOURCES };

	probes[0] = ip(10, 0, 0, 1);
	probes[1] = ip(10, 0, 0, 2);
	probes[2] = ip(200, 0, 0, 9);
	probes[3] = ip(192, 0, 2, 1);   /* in no state */
	for (int k = 0; k < STRESS_STATES; k++) {
		struct stress_state *s = &states[k];

		s->any = (fwd_mask_t)(k % 2 == 0 ? IN1 << (k / 2) : 0);
		s->n = counts[k];
		for (uint16_t i = 0; i < s->n; i++) {
			uint32_t a = i < 3 ? ntohl(probes[i]) : 0x0b000000u + i * 4099u;

			/* Listed from the top down: the table has to sort them. */
			s->src[s->n - 1 - i] = (struct fwd_source){
				.addr = htonl(a),
				.include = (fwd_mask_t)(IN1 << ((i + k) % 4)),
				.exclude = (fwd_mask_t)(i % 2 == 0 ? s->any : 0),
			};
		}
	}
	for (int p = 0; p < STRESS_PROBES; p++) {
		valid[p][0] = true;   /* the group deleted */
		for (int k = 0; k < STRESS_STATES; k++)
			valid[p][state_ports(&states[k], probes[p])] = true;
	}
}

/* Every group, every probe: the result must be one some state (or none) gives. */
static void
stress_pass(void *arg, uint64_t loop __rte_unused)
{
	struct stress *st = arg;

	for (int g = 0; g < STRESS_GROUPS; g++) {
		for (int p = 0; p < STRESS_PROBES; p++) {
			fwd_mask_t m = fwd_table_lookup(st->t, st->groups[g], probes[p]);

			if (!valid[p][m] && st->bad++ == 0) {
				st->bad_group = st->groups[g];
				st->bad_probe = probes[p];
				st->bad_mask = m;
			}
		}
	}
}

static void
test_rcu_stress(void)
{
	static struct stress st;
	struct reader r;
	int want[STRESS_GROUPS];
	const int ops = 200000;
	int failed = 0, wrong = 0;
	int first_err = 0;
	double t0;

	stress_init();
	st.t = fwd_table_create("ut_fwd_rcu", STRESS_GROUPS, SOCKET_ID_ANY, qsbr);
	TAP_CHECK(st.t != NULL, "table for the RCU run created");
	if (st.t == NULL)
		return;
	for (int g = 0; g < STRESS_GROUPS; g++) {
		st.groups[g] = htonl(0xef050000u + (uint32_t)g);
		want[g] = STRESS_STATES;   /* absent */
	}
	if (!reader_start(&r, "RCU stress", stress_pass, &st)) {
		fwd_table_free(st.t);
		return;
	}
	srand(1234);
	t0 = now_ms();
	for (int i = 0; i < ops; i++) {
		int g = rand() % STRESS_GROUPS;
		int k = rand() % (STRESS_STATES + 1);
		int ret;

		if (k == STRESS_STATES)
			ret = fwd_table_set(st.t, st.groups[g], 0, NULL, 0);
		else
			ret = fwd_table_set(st.t, st.groups[g], states[k].any, states[k].src,
					    states[k].n);
		if (ret != 0) {
			if (failed++ == 0)
				first_err = ret;
		} else {
			want[g] = k;
		}
		if (i % 64 == 0)
			fwd_table_reclaim(st.t);
	}
	reader_stop(&r);
	printf("# %d changes in %.0f ms while the reader made %llu passes of %d lookups\n", ops,
	       now_ms() - t0, (unsigned long long)r.loops, STRESS_GROUPS * STRESS_PROBES);
	TAP_CHECK(failed == 0, "%d changes of %d groups in a table of %d: %d refused (first %d)",
		  ops, STRESS_GROUPS, STRESS_GROUPS, failed, first_err);
	TAP_CHECK(r.loops > 1, "the reader ran during the changes (%llu passes)",
		  (unsigned long long)r.loops);
	TAP_CHECK(st.bad == 0,
		  "every lookup gave a valid mask (%llu bad; first 0x%04x for %08x from %08x)",
		  (unsigned long long)st.bad, st.bad_mask, ntohl(st.bad_group), ntohl(st.bad_probe));
	for (int g = 0; g < STRESS_GROUPS; g++) {
		for (int p = 0; p < STRESS_PROBES; p++) {
			fwd_mask_t m = want[g] == STRESS_STATES ? 0 :
				state_ports(&states[want[g]], probes[p]);

			wrong += fwd_table_lookup(st.t, st.groups[g], probes[p]) != m;
		}
	}
	TAP_CHECK(wrong == 0, "after the run every group holds its last state (%d wrong)", wrong);
	fwd_table_free(st.t);
}

/* ---- a reader lcore while new groups keep purging the index under it ---- */

#define PURGE_STABLE 32

struct purge_stress {
	struct fwd_table *t;
	uint32_t stable[PURGE_STABLE];
	fwd_mask_t want[PURGE_STABLE];
	uint32_t source;
	uint64_t bad;
	uint32_t bad_group;
	fwd_mask_t bad_mask;
};

static void
purge_check(struct purge_stress *st, const fwd_mask_t *got)
{
	for (int g = 0; g < PURGE_STABLE; g++)
		if (got[g] != st->want[g] && st->bad++ == 0) {
			st->bad_group = st->stable[g];
			st->bad_mask = got[g];
		}
}

/*
 * The stable groups never change: whatever the writer does elsewhere, they must
 * be found, by a bulk lookup one pass and one at a time the next.
 */
static void
purge_pass(void *arg, uint64_t loop)
{
	struct purge_stress *st = arg;
	uint32_t sources[PURGE_STABLE];
	fwd_mask_t got[PURGE_STABLE];

	for (int g = 0; g < PURGE_STABLE; g++)
		sources[g] = st->source;
	if (loop % 2 == 0) {
		fwd_table_lookup_bulk(st->t, st->stable, sources, PURGE_STABLE, got);
	} else {
		for (int g = 0; g < PURGE_STABLE; g++)
			got[g] = fwd_table_lookup(st->t, st->stable[g], st->source);
	}
	purge_check(st, got);
}

static void
test_purge_stress(void)
{
	static struct purge_stress st;
	struct reader r;
	const struct fwd_source excl = { .addr = ip(10, 0, 0, 1), .exclude = IN1 };
	const uint32_t window = 32, ops = 200000;
	uint32_t base = 0xe8040000u;
	int failed = 0;
	double t0;

	memset(&st, 0, sizeof(st));
	st.t = fwd_table_create("ut_fwd_pstress", PURGE_STABLE + window, SOCKET_ID_ANY, qsbr);
	st.source = excl.addr;
	TAP_CHECK(st.t != NULL, "table for the purge run created");
	if (st.t == NULL)
		return;
	for (int g = 0; g < PURGE_STABLE; g++) {
		fwd_mask_t any = (fwd_mask_t)((IN1 | IN2) << (g % 3));

		st.stable[g] = htonl(base + (uint32_t)g * 3);
		/* Every other stable group has a per-source entry behind a pointer. */
		failed += fwd_table_set(st.t, st.stable[g], any, g % 2 ? &excl : NULL, g % 2) != 0;
		st.want[g] = g % 2 ? (fwd_mask_t)(any & ~IN1) : any;
	}
	if (!reader_start(&r, "purge stress", purge_pass, &st)) {
		fwd_table_free(st.t);
		return;
	}
	t0 = now_ms();
	for (uint32_t i = 0; i < ops; i++) {
		uint32_t g = base + 0x10000 + i;

		if (i >= window)
			failed += fwd_table_set(st.t, htonl(g - window), 0, NULL, 0) != 0;
		failed += fwd_table_set(st.t, htonl(g), IN3, i % 5 == 0 ? &excl : NULL,
					i % 5 == 0) != 0;
		if (i % 64 == 0)
			fwd_table_reclaim(st.t);
	}
	reader_stop(&r);
	printf("# %u new groups in %.0f ms, %llu rebuilds, while the reader made %llu passes\n", ops,
	       now_ms() - t0, (unsigned long long)fwd_table_rebuilds(st.t),
	       (unsigned long long)r.loops);
	TAP_CHECK(failed == 0, "%u groups added and deleted around %d stable ones: %d refused",
		  ops, PURGE_STABLE, failed);
	TAP_CHECK(fwd_table_rebuilds(st.t) > 100 && r.loops > 1,
		  "the index was purged %llu times while the reader ran %llu passes",
		  (unsigned long long)fwd_table_rebuilds(st.t), (unsigned long long)r.loops);
	TAP_CHECK(st.bad == 0,
		  "the reader always found every stable group (%llu bad; first 0x%04x for %08x)",
		  (unsigned long long)st.bad, st.bad_mask, ntohl(st.bad_group));
	fwd_table_free(st.t);
}

/* ---- static routes replaced whole, deleted one by one ---- */

static void
test_static_replace(void)
{
	struct fwd_table *t = fwd_table_create("ut_fwd_replace", 16, SOCKET_ID_ANY, qsbr);
	const uint32_t s1 = ip(10, 0, 0, 1);
	const struct fwd_route a[] = {
		{ ip(239, 1, 0, 0), 16, 0, IN1 },
		{ ip(232, 5, 5, 5), 32, s1, IN2 },
	};
	const struct fwd_route b[] = { { ip(239, 9, 9, 9), 32, 0, IN3 } };
	const struct fwd_route bad[] = { { ip(239, 7, 0, 0), 16, 0, IN1 }, { ip(239, 8, 0, 0), 33, 0, IN1 } };
	struct fwd_route got[4];
	int ret;

	TAP_CHECK(t != NULL, "table for replaced routes created");
	if (t == NULL)
		return;
	ret = fwd_table_replace_static(t, a, ARRAY_LEN(a));
	TAP_CHECK(ret == 0 && fwd_table_statics(t, got, 4) == 2 && got[0].group == a[0].group &&
		  got[0].prefix_len == 16 && got[1].source == s1 && got[1].ports == IN2,
		  "replace: two routes in force, listed back as given (%d)", ret);
	CHECK_MASK(fwd_table_lookup(t, ip(239, 1, 3, 4), s1), IN1, "replace: set a's /16");
	ret = fwd_table_replace_static(t, b, ARRAY_LEN(b));
	CHECK_MASK(fwd_table_lookup(t, ip(239, 1, 3, 4), s1), 0, "replace by b: a's /16 gone (%d)",
		   ret);
	CHECK_MASK(fwd_table_lookup(t, ip(232, 5, 5, 5), s1), 0, "replace by b: a's /32 gone");
	CHECK_MASK(fwd_table_lookup(t, ip(239, 9, 9, 9), s1), IN3, "replace by b: b's route");
	ret = fwd_table_replace_static(t, bad, ARRAY_LEN(bad));
	TAP_CHECK(ret == -EINVAL, "replace with a bad route: -EINVAL (%d)", ret);
	CHECK_MASK(fwd_table_lookup(t, ip(239, 9, 9, 9), s1), IN3,
		   "a refused replace changes nothing");
	CHECK_MASK(fwd_table_lookup(t, ip(239, 7, 0, 1), s1), 0, "nor adds its good routes");
	ret = fwd_table_add_static(t, ip(239, 1, 0, 0), 16, 0, IN1);
	TAP_CHECK(ret == 0 && fwd_table_statics(t, got, 4) == 2, "add after replace: appended (%d)",
		  ret);
	ret = fwd_table_del_static(t, ip(239, 9, 9, 9), 32, s1);
	TAP_CHECK(ret == -ENOENT, "del: another source is another route, -ENOENT (%d)", ret);
	ret = fwd_table_del_static(t, ip(239, 9, 9, 9), 32, 0);
	TAP_CHECK(ret == 0 && fwd_table_statics(t, got, 4) == 1 && got[0].prefix_len == 16,
		  "del: the route gone, the other kept (%d)", ret);
	CHECK_MASK(fwd_table_lookup(t, ip(239, 9, 9, 9), s1), 0, "del: no longer forwarded");
	CHECK_MASK(fwd_table_lookup(t, ip(239, 1, 0, 9), s1), IN1, "del: the other still is");
	ret = fwd_table_del_static(t, ip(239, 1, 2, 3), 16, 0);
	TAP_CHECK(ret == 0 && fwd_table_statics(t, got, 4) == 0,
		  "del of 239.1.2.3/16 finds 239.1.0.0/16, as add stored it (%d)", ret);
	fwd_table_add_static(t, ip(239, 1, 0, 0), 16, 0, IN1);
	ret = fwd_table_replace_static(t, NULL, 0);
	TAP_CHECK(ret == 0 && fwd_table_statics(t, got, 4) == 0, "replace by none: empty (%d)", ret);
	CHECK_MASK(fwd_table_lookup(t, ip(239, 1, 0, 9), s1), 0, "replace by none: nothing routed");
	fwd_table_free(t);
}

/* max_groups moved on a live table: raised at once, lowered keeps what it holds. */
static void
test_set_max_groups(void)
{
	struct fwd_table *t = fwd_table_create("ut_fwd_maxg", 4, SOCKET_ID_ANY, qsbr);
	int ret, n = 0;

	TAP_CHECK(t != NULL, "table for max_groups created");
	if (t == NULL)
		return;
	while (n < 100 && fwd_table_set(t, htonl(0xef0a0000u + (uint32_t)n), IN1, NULL, 0) == 0)
		n++;
	TAP_CHECK(n == 4, "max 4: four groups taken (%d)", n);
	ret = fwd_table_set_max_groups(t, 3000);
	while (n < 5000 && fwd_table_set(t, htonl(0xef0a0000u + (uint32_t)n), IN1, NULL, 0) == 0)
		n++;
	TAP_CHECK(ret == 0 && n == 3000 && fwd_table_count(t) == 3000,
		  "raised to 3000: up to 3000 groups taken (%d, count %u)", n, fwd_table_count(t));
	ret = fwd_table_set_max_groups(t, 10);
	TAP_CHECK(ret == 0 && fwd_table_count(t) == 3000, "lowered to 10: nothing evicted (%u)",
		  fwd_table_count(t));
	ret = fwd_table_set(t, htonl(0xef0b0000u), IN1, NULL, 0);
	TAP_CHECK(ret == -ENOSPC, "lowered below held: a new group refused (%d)", ret);
	ret = fwd_table_set(t, htonl(0xef0a0005u), IN2, NULL, 0);
	TAP_CHECK(ret == 0, "lowered below held: a held group still changes (%d)", ret);
	for (int g = 0; g < 2995; g++)
		fwd_table_set(t, htonl(0xef0a0000u + (uint32_t)g), 0, NULL, 0);
	ret = fwd_table_set(t, htonl(0xef0b0000u), IN1, NULL, 0);
	TAP_CHECK(ret == 0 && fwd_table_count(t) == 6, "back under the limit: new groups again (%d)",
		  ret);
	for (int g = 2995; g < 3000; g++)
		CHECK_MASK(fwd_table_lookup(t, htonl(0xef0a0000u + (uint32_t)g), 0),
			   g == 5 ? IN2 : IN1, "group %d kept through the shrink", g);
	TAP_CHECK(fwd_table_set_max_groups(t, 0) == -EINVAL, "max_groups 0: -EINVAL");
	fwd_table_free(t);
}

/*
 * A reader looks up a route both sets hold, at opposite ends of them, while
 * the writer swaps the sets: refilling a set a reader still scans would let it
 * miss the route (0), so every lookup must find it.
 */
#define REPLACE_ROUTES 48

struct replace_stress {
	struct fwd_table *t;
	uint32_t stable;
	uint64_t bad;
	fwd_mask_t bad_mask;
};

static void
replace_pass(void *arg, uint64_t loop)
{
	struct replace_stress *st = arg;
	fwd_mask_t m = fwd_table_lookup(st->t, st->stable, 0);

	(void)loop;
	if (m != IN3 && st->bad++ == 0)
		st->bad_mask = m;
}

static void
test_static_replace_stress(void)
{
	static struct replace_stress st;
	static struct fwd_route a[REPLACE_ROUTES], b[REPLACE_ROUTES];
	struct reader r;
	const int ops = 20000;
	int failed = 0;
	double t0;

	memset(&st, 0, sizeof(st));
	st.t = fwd_table_create("ut_fwd_rstress", 8, SOCKET_ID_ANY, qsbr);
	st.stable = ip(239, 200, 0, 1);
	TAP_CHECK(st.t != NULL, "table for the replace run created");
	if (st.t == NULL)
		return;
	for (int i = 0; i < REPLACE_ROUTES; i++) {
		a[i] = (struct fwd_route){ htonl(0xe9000000u + (uint32_t)i), 32, 0, IN1 };
		b[i] = (struct fwd_route){ htonl(0xe9100000u + (uint32_t)i), 32, 0, IN2 };
	}
	a[0] = (struct fwd_route){ st.stable, 32, 0, IN3 };
	b[REPLACE_ROUTES - 1] = a[0];
	failed += fwd_table_replace_static(st.t, a, REPLACE_ROUTES) != 0;
	if (!reader_start(&r, "replace stress", replace_pass, &st)) {
		fwd_table_free(st.t);
		return;
	}
	t0 = now_ms();
	for (int i = 0; i < ops; i++)
		failed += fwd_table_replace_static(st.t, i % 2 ? a : b, REPLACE_ROUTES) != 0;
	reader_stop(&r);
	printf("# %d replaces of %d routes in %.0f ms while the reader made %llu lookups\n", ops,
	       REPLACE_ROUTES, now_ms() - t0, (unsigned long long)r.loops);
	TAP_CHECK(failed == 0 && r.loops > 1, "%d replaces, none refused (%d), reader ran %llu",
		  ops, failed, (unsigned long long)r.loops);
	TAP_CHECK(st.bad == 0, "the route both sets hold was always found (%llu misses, first 0x%04x)",
		  (unsigned long long)st.bad, st.bad_mask);
	fwd_table_free(st.t);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal_argv[] = {
		argv[0], "--no-huge", "-m", "128", "--no-pci", "--no-shconf", "--file-prefix",
		prefix, "-l", "0-1", "--log-level", "lib.eal:error", NULL,
	};
	int eal_argc = (int)ARRAY_LEN(eal_argv) - 1;

	(void)argc;
	/* A reader crashing on a freed entry must not take the lines before it along. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(prefix, sizeof(prefix), "ut_fwd_%ld", (long)getpid());
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		printf("1..0 # SKIP EAL init failed: %s\n", rte_strerror(rte_errno));
		return 0;
	}
	qsbr = rte_zmalloc("ut_qsbr", rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE), RTE_CACHE_LINE_SIZE);
	if (qsbr == NULL || rte_rcu_qsbr_init(qsbr, RTE_MAX_LCORE) != 0) {
		printf("1..0 # SKIP no memory for the RCU variable\n");
		return 0;
	}

	test_any_source_include_exclude();
	test_many_sources();
	test_count_memory();
	test_capacity();
	test_create_errors();
	test_bulk_lookup();
	test_purge_churn();
	test_static_routes();
	test_many_groups();
	test_random_model();
	test_rcu_deferred();
	test_rcu_stress();
	test_purge_stress();
	test_static_replace();
	test_set_max_groups();
	test_static_replace_stress();

	rte_free(qsbr);
	rte_eal_cleanup();
	return TAP_DONE();
}
