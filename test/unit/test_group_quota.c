/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of group_quota: takes are all or nothing, gives never wrap, and
 * several threads racing for the last room (the workers of issue 14) get
 * exactly the room there is, never more.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "group_quota.h"
#include "tap.h"

#define THREADS 4
#define TRIES 100000

static void
test_take_give(void)
{
	struct group_quota q;

	group_quota_init(&q, 3);
	TAP_CHECK(group_quota_take(&q, 2) && group_quota_used(&q) == 2, "take 2 of 3");
	TAP_CHECK(!group_quota_take(&q, 2) && group_quota_used(&q) == 2,
		  "take 2 more: refused whole, nothing taken (used %u)", group_quota_used(&q));
	TAP_CHECK(group_quota_take(&q, 1) && group_quota_used(&q) == 3, "the last one fits");
	TAP_CHECK(!group_quota_take(&q, 1), "full: refused");
	TAP_CHECK(group_quota_take(&q, 0), "taking nothing always works");
	group_quota_give(&q, 1);
	TAP_CHECK(group_quota_take(&q, 1), "room given back is taken again");
	group_quota_force(&q, 1);
	TAP_CHECK(group_quota_used(&q) == 4, "force passes max (used %u)", group_quota_used(&q));
	TAP_CHECK(!group_quota_take(&q, 1), "over max: refused");
	group_quota_give(&q, 10);
	TAP_CHECK(group_quota_used(&q) == 0, "give stops at 0 (used %u)", group_quota_used(&q));
	TAP_CHECK(!group_quota_take(&q, UINT32_MAX), "a take beyond max never wraps");
}

/* A reload moves max: raised, room at once; lowered below used, nothing taken away. */
static void
test_set_max(void)
{
	struct group_quota q;

	group_quota_init(&q, 2);
	TAP_CHECK(group_quota_take(&q, 2) && !group_quota_take(&q, 1), "max 2: full at 2");
	group_quota_set_max(&q, 4);
	TAP_CHECK(group_quota_take(&q, 2) && group_quota_used(&q) == 4, "raised to 4: two more");
	group_quota_set_max(&q, 1);
	TAP_CHECK(group_quota_used(&q) == 4 && !group_quota_take(&q, 1),
		  "lowered to 1 below the 4 held: nothing taken away, new ones refused");
	group_quota_give(&q, 3);
	TAP_CHECK(!group_quota_take(&q, 1), "at 1 of 1: still refused");
	group_quota_give(&q, 1);
	TAP_CHECK(group_quota_take(&q, 1), "under the lowered max again: taken");
}

struct racer {
	struct group_quota *q;
	pthread_barrier_t *start;
	unsigned int won;
};

/* Takes one at a time, gives back every third it won: churn at the limit. */
static void *
race(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->start);
	for (unsigned int i = 0; i < TRIES; i++) {
		if (!group_quota_take(r->q, 1 + i % 2))
			continue;
		r->won += 1 + i % 2;
		if (r->won % 3 == 0) {
			group_quota_give(r->q, 1);
			r->won--;
		}
	}
	return NULL;
}

static void
test_race(void)
{
	struct group_quota q;
	struct racer r[THREADS];
	pthread_t t[THREADS];
	pthread_barrier_t start;
	unsigned int sum = 0;

	group_quota_init(&q, 1000);
	pthread_barrier_init(&start, NULL, THREADS);
	for (int i = 0; i < THREADS; i++) {
		r[i] = (struct racer){ .q = &q, .start = &start };
		pthread_create(&t[i], NULL, race, &r[i]);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		sum += r[i].won;
	}
	pthread_barrier_destroy(&start);
	TAP_CHECK(sum == group_quota_used(&q) && sum <= 1000,
		  "%d threads racing: they hold %u, the quota says %u, max 1000", THREADS, sum,
		  group_quota_used(&q));
}

int
main(void)
{
	test_take_give();
	test_set_max();
	test_race();
	return TAP_DONE();
}
