/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Membership tracking's cost as a port's groups grow, in CPU time (a loaded
 * machine moves wall time): ns per join (a v2 report for a distinct group on
 * one downstream port, in an order that is not the groups' own, as hosts
 * join, with an upstream to report to), the tick that follows them (the
 * merged state reported upstream), one ordered walk of the port's groups,
 * ns per group to delete them all (the port goes, they are left upstream), and the bytes each group takes. The ratio of a join at N
 * groups to a join at 1 000 is what must stay flat.
 *   build/test/bench/bench_mship
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "igmp_wire.h"
#include "membership.h"

#define DOWN 0
#define UP 1

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The i-th group: a bijection of [0, 2^24) so every group differs, scattered over 225/8. */
static uint32_t
group_of(uint32_t i)
{
	return htonl(0xe1000000u | ((i * 2654435761u) & 0x00ffffffu));
}

static uint64_t sent;

static void
count_send(void *arg, uint16_t port, uint32_t dst, const uint8_t *igmp, uint16_t len)
{
	(void)arg;
	(void)port;
	(void)dst;
	(void)igmp;
	(void)len;
	sent++;
}

static volatile uint32_t seen; /* so the walk reads every record */

static int
count_group(const struct mship_group_info *g, void *arg)
{
	seen = g->group ^ g->last_reporter;
	(*(uint32_t *)arg)++;
	return 0;
}

/* Feeds a v2 report (or leave) of group from a host on the downstream port. */
static enum mship_counter
feed(struct mship *m, uint8_t type, uint32_t group, uint64_t now)
{
	uint8_t buf[8];
	struct igmp_msg msg;

	igmp_build_v2(buf, sizeof(buf), type, 0, group);
	if (igmp_parse(buf, sizeof(buf), &msg) != IGMP_OK)
		return MSHIP_CTR_COUNT;
	return mship_input(m, DOWN, htonl(0x0a000002), group, &msg, now);
}

int
main(void)
{
	static const uint32_t sizes[] = { 1000, 100000, 1000000 };
	const struct mship_ops ops = { .send = count_send };
	double base = 0;

	printf("%-10s %10s %9s %10s %9s %10s %8s\n", "groups", "ns / join", "vs 1 000",
	       "tick ms", "walk ms", "ns / leave", "B/group");
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint32_t n = sizes[k], walked = 0;
		struct mship_config cfg;
		struct mship *m;
		double t0, join_ns, tick_ms, walk_ms, leave_ns, bytes;
		uint64_t now = 1000;

		mship_config_defaults(&cfg);
		cfg.querier_enabled = false;
		cfg.max_groups = n;
		cfg.max_groups_per_port = n;
		m = mship_create(&cfg, &ops);
		if (m == NULL || mship_port_add(m, DOWN, htonl(0x0a000001), 24, now) != 0 ||
		    mship_set_upstream(m, UP, htonl(0x0a010001), now) != 0) {
			fprintf(stderr, "bench_mship: cannot set up %u groups\n", n);
			return 1;
		}
		t0 = now_ns();
		for (uint32_t i = 0; i < n; i++)
			if (feed(m, IGMP_TYPE_V2_REPORT, group_of(i), now) != MSHIP_CTR_ACCEPTED) {
				fprintf(stderr, "bench_mship: join %u of %u refused\n", i, n);
				return 1;
			}
		join_ns = (now_ns() - t0) / n;
		if (k == 0)
			base = join_ns;
		bytes = (double)mship_memory(m) / n;
		now += 10;
		t0 = now_ns();
		mship_tick(m, now);
		tick_ms = (now_ns() - t0) / 1e6;
		t0 = now_ns();
		mship_group_walk(m, DOWN, count_group, &walked);
		walk_ms = (now_ns() - t0) / 1e6;
		if (walked != n || mship_group_count(m, DOWN) != n) {
			fprintf(stderr, "bench_mship: walked %u of %u groups\n", walked, n);
			return 1;
		}
		/* the port goes: every group is deleted and left upstream */
		t0 = now_ns();
		mship_port_del(m, DOWN, now);
		mship_tick(m, now + 10);
		leave_ns = (now_ns() - t0) / n;
		if (mship_group_count(m, MSHIP_ALL_PORTS) != 0) {
			fprintf(stderr, "bench_mship: groups left after the port went\n");
			return 1;
		}
		printf("%-10u %10.1f %9.2f %10.1f %9.1f %10.1f %8.0f\n", n, join_ns,
		       join_ns / base, tick_ms, walk_ms, leave_ns, bytes);
		fflush(stdout);
		mship_free(m);
	}
	return 0;
}
