/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The asked groups' cost as they grow, in CPU time (a loaded machine moves
 * wall time): ns per join (a distinct group each, in an order that is not the
 * groups' own, as hosts join), the groups view's ordered walk over all of
 * them, and the bytes each group takes. The ratio of a join at N groups to a
 * join at 1 000 is what must stay flat.
 *   build/test/bench/bench_asked
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "asked_groups.h"

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The i-th group: a bijection of [0, 2^28) so every group differs, scattered over 224/4. */
static uint32_t
group_of(uint32_t i)
{
	return htonl(0xe0000000u | ((i * 2654435761u) & 0x0fffffffu));
}

int
main(void)
{
	static const uint32_t sizes[] = { 1000, 100000, 1000000 };
	double base = 0;

	printf("%-10s %12s %14s %14s\n", "groups", "ns / join", "vs 1 000", "walk ms  B/group");
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint32_t n = sizes[k], walked = 0, first = 0;
		struct asked_groups *a = asked_groups_create(n, 8, 260000, NULL, NULL);
		struct asked_port_info info;
		double t0, join_ns, walk_ms;

		if (a == NULL) {
			fprintf(stderr, "bench_asked: cannot create %u groups\n", n);
			return 1;
		}
		t0 = now_ns();
		for (uint32_t i = 0; i < n; i++)
			if (asked_groups_join(a, group_of(i), 1, NULL, 0, 1) != 0) {
				fprintf(stderr, "bench_asked: join %u of %u failed\n", i, n);
				return 1;
			}
		join_ns = (now_ns() - t0) / n;
		if (k == 0)
			base = join_ns;
		t0 = now_ns();
		while (asked_groups_next(a, 0, first, &info)) {
			walked++;
			first = htonl(ntohl(info.group) + 1);
		}
		walk_ms = (now_ns() - t0) / 1e6;
		if (walked != n) {
			fprintf(stderr, "bench_asked: walked %u of %u groups\n", walked, n);
			return 1;
		}
		printf("%-10u %12.1f %14.2f %9.1f %7.0f\n", n, join_ns, join_ns / base, walk_ms,
		       (double)asked_groups_memory(a) / n);
		asked_groups_free(a);
	}
	return 0;
}
