/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The membership library's table of records by address (mship_sets.c):
 * random inserts and removes against a plain array that knows which addresses
 * are in, lookups after each, the walk in address order after a sort (holes
 * gone, lower bounds right), removals during a walk leaving the other records
 * in place, and the memory it takes given back; then the library on top of
 * it: the wanted upstream groups its status counts as they change.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "igmp_wire.h"
#include "mship_base.h"
#include "tap.h"

#define N_ADDRS 3000

struct rec {
	uint32_t addr; /* first, as the table wants */
};

static uint64_t rng = 88172645463325252ull;

static uint32_t
next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* The i-th address: ascending in host order, with gaps (and high bits set, as groups). */
static uint32_t
addr_of(uint32_t i)
{
	return htonl(0xe0000000u + i * 7919u);
}

static struct rec *ref[N_ADDRS];
static uint32_t ref_n;

/* Every address is found exactly when the reference holds it, as that record. */
static bool
lookups_agree(const struct mship_table *t)
{
	bool found;
	uint32_t i, pos;

	if (t->n != ref_n)
		return false;
	for (i = 0; i < N_ADDRS; i++) {
		pos = mship_table_find(t, addr_of(i), &found);
		if (found != (ref[i] != NULL) || mship_table_get(t, addr_of(i)) != ref[i])
			return false;
		if (found && t->v[pos] != ref[i])
			return false;
	}
	return true;
}

/* After a sort: the records of the reference in ascending order, no holes; lower bounds. */
static bool
sorted_agrees(struct mship_table *t)
{
	uint32_t i, j = 0, below = 0;

	mship_table_sort(t);
	if (t->len != ref_n)
		return false;
	for (i = 0; i < N_ADDRS; i++) {
		if (mship_table_lower_bound(t, addr_of(i)) != below)
			return false;
		if (ref[i] == NULL)
			continue;
		if (t->v[j++] != ref[i])
			return false;
		below++;
	}
	return mship_table_lower_bound(t, htonl(0xffffffffu)) == ref_n;
}

static bool
toggle(struct mship *m, struct mship_table *t, uint32_t i)
{
	bool found;
	uint32_t pos;

	if (ref[i] != NULL) {
		pos = mship_table_find(t, addr_of(i), &found);
		if (!found)
			return false;
		mship_table_remove(t, pos);
		free(ref[i]);
		ref[i] = NULL;
		ref_n--;
		return true;
	}
	ref[i] = malloc(sizeof(*ref[i]));
	if (ref[i] == NULL)
		return false;
	ref[i]->addr = addr_of(i);
	if (mship_table_insert(m, t, ref[i]) < 0)
		return false;
	ref_n++;
	return true;
}

static void
random_against_reference(struct mship *m)
{
	struct mship_table t = { 0 };
	uint32_t op, bad_op = 0, bad_lookup = 0, bad_sorted = 0, sorts = 0;
	size_t before = mship_memory(m);

	for (op = 1; op <= 200000; op++) {
		/* a bias that fills the table, then empties it, then fills it again */
		uint32_t span = op < 80000 ? N_ADDRS : op < 140000 ? N_ADDRS / 8 : N_ADDRS;

		if (!toggle(m, &t, next_random() % span))
			bad_op++;
		if (op % 997 == 0 && !lookups_agree(&t))
			bad_lookup++;
		if (op % 4999 == 0) {
			sorts++;
			if (!sorted_agrees(&t))
				bad_sorted++;
		}
	}
	CHECK_INT(bad_op, 0, "200 000 random inserts and removes: refused or not found");
	CHECK_INT(bad_lookup, 0, "lookups that disagree with the reference");
	CHECK_INT(bad_sorted, 0, "of %u sorts, walks that disagree with the reference", sorts);
	TAP_CHECK(lookups_agree(&t) && sorted_agrees(&t), "the last state, %u records", ref_n);
	for (op = 0; op < N_ADDRS; op++)
		if (ref[op] != NULL)
			toggle(m, &t, op);
	TAP_CHECK(t.n == 0 && lookups_agree(&t) && sorted_agrees(&t), "emptied");
	mship_table_release(m, &t);
	CHECK_INT(mship_memory(m), before, "memory after the release");
}

/* Removing records during a walk (as the ticks do) leaves the others where they are. */
static void
remove_during_walk(struct mship *m)
{
	static bool ahead[N_ADDRS];
	struct mship_table t = { 0 };
	uint32_t i, seen = 0, bad = 0, last = 0, n_ahead = 0;
	struct rec *r;
	bool found;

	/* in descending order: every insert but the first is out of order */
	for (i = N_ADDRS; i-- > 0;)
		toggle(m, &t, i);
	TAP_CHECK(t.unsorted, "appended out of order: unsorted until a sort");
	TAP_CHECK(sorted_agrees(&t), "sorted: ascending");
	for (i = 0; i < t.len; i++) {
		r = t.v[i];
		if (r == NULL)
			continue;
		if (seen > 0 && ntohl(r->addr) <= last)
			bad++;
		last = ntohl(r->addr);
		seen++;
		if (ahead[(ntohl(r->addr) - 0xe0000000u) / 7919u])
			bad++;
		/* this record, and every third one five slots further on */
		mship_table_remove(&t, mship_table_find(&t, r->addr, &found));
		if (i % 3 == 0 && i + 5 < t.len && t.v[i + 5] != NULL) {
			r = t.v[i + 5];
			ahead[(ntohl(r->addr) - 0xe0000000u) / 7919u] = true;
			n_ahead++;
			mship_table_remove(&t, i + 5);
		}
	}
	CHECK_INT(bad, 0, "records out of order or removed ahead, met during the walk");
	CHECK_INT(t.n, 0, "all removed");
	CHECK_INT(seen + n_ahead, N_ADDRS, "met %u, removed ahead of the walk %u", seen, n_ahead);
	TAP_CHECK(n_ahead > N_ADDRS / 8, "the walk removed records ahead of it");
	for (i = 0; i < N_ADDRS; i++) {
		free(ref[i]);
		ref[i] = NULL;
	}
	ref_n = 0;
	mship_table_sort(&t);
	CHECK_INT(t.len, 0, "the sort squeezes out the holes");
	mship_table_release(m, &t);
}

/* Many records out of order (the radix sort's case), then in order again. */
static void
large_sort(struct mship *m)
{
	enum { N = 300000 };
	struct mship_table t = { 0 };
	struct rec *recs = calloc(N, sizeof(*recs));
	uint32_t i, bad = 0;

	if (recs == NULL) {
		TAP_CHECK(false, "no memory for the records");
		return;
	}
	for (i = 0; i < N; i++) {
		recs[i].addr = htonl(0xe1000000u | ((i * 2654435761u) & 0x00ffffffu));
		if (mship_table_insert(m, &t, &recs[i]) < 0)
			bad++;
	}
	mship_table_sort(&t);
	for (i = 1; i < t.len; i++)
		if (ntohl(*(uint32_t *)t.v[i - 1]) >= ntohl(*(uint32_t *)t.v[i]))
			bad++;
	for (i = 0; i < N; i += 7)
		if (mship_table_get(&t, recs[i].addr) != &recs[i])
			bad++;
	CHECK_INT(t.len, N, "%u scattered records sorted", N);
	CHECK_INT(bad, 0, "refused, out of order or not found after the sort");
	mship_table_release(m, &t);
	free(recs);
}

static void
no_send(void *arg, uint16_t port, uint32_t dst, const uint8_t *igmp, uint16_t len)
{
	(void)arg;
	(void)port;
	(void)dst;
	(void)igmp;
	(void)len;
}

static int
count_wanted(const struct mship_upstream_info *u, void *arg)
{
	*(uint32_t *)arg += u->wanted;
	return 0;
}

/* A v2 report or leave of group from a host on port 0. */
static void
feed_v2(struct mship *m, uint8_t type, uint32_t group, uint64_t now)
{
	uint8_t buf[8];
	struct igmp_msg msg;

	igmp_build_v2(buf, sizeof(buf), type, 0, group);
	if (igmp_parse(buf, sizeof(buf), &msg) == IGMP_OK)
		mship_input(m, 0, htonl(0x0a000002), group, &msg, now);
}

/*
 * The library on the table: joins, leaves (last-member queries, then the
 * record goes), the gateway's own joins, time passing. The wanted upstream
 * groups status shows (kept as they change) are what a walk counts.
 */
static void
upstream_count_kept(const struct mship_ops *ops)
{
	struct mship_config cfg;
	struct mship *m;
	uint32_t step, bad = 0, walked, most = 0;
	uint64_t now = 1000;
	struct mship_upstream_status st;

	mship_config_defaults(&cfg);
	m = mship_create(&cfg, ops);
	if (m == NULL || mship_port_add(m, 0, htonl(0x0a000001), 24, now) != 0 ||
	    mship_set_upstream(m, 1, htonl(0x0a010001), now) != 0) {
		TAP_CHECK(false, "a library with a downstream and an upstream port");
		mship_free(m);
		return;
	}
	for (step = 0; step < 20000; step++) {
		uint32_t op = next_random() % 100, group = addr_of(next_random() % 200);

		if (op < 50)
			feed_v2(m, IGMP_TYPE_V2_REPORT, group, now);
		else if (op < 80)
			feed_v2(m, IGMP_TYPE_LEAVE, group, now);
		else if (op < 85)
			mship_local_join(m, group, NULL, 0, now);
		else if (op < 90)
			mship_local_leave(m, group, now);
		else
			now += next_random() % 3000;
		mship_tick(m, now);
		walked = 0;
		mship_upstream_walk(m, count_wanted, &walked);
		mship_upstream_get(m, &st);
		if (st.n_groups != walked)
			bad++;
		if (walked > most)
			most = walked;
	}
	CHECK_INT(bad, 0, "steps where status's wanted upstream groups differ from a walk's");
	TAP_CHECK(most > 50, "the upstream wanted up to %u groups", most);
	mship_free(m);
}

int
main(void)
{
	const struct mship_ops ops = { .send = no_send };
	struct mship_config cfg;
	struct mship *m;

	mship_config_defaults(&cfg);
	m = mship_create(&cfg, &ops);
	if (m == NULL) {
		TAP_CHECK(false, "mship_create");
		return TAP_DONE();
	}
	random_against_reference(m);
	remove_during_walk(m);
	large_sort(m);
	mship_free(m);
	upstream_count_kept(&ops);
	return TAP_DONE();
}
