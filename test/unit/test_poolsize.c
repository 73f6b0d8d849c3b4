/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempool sizing with the queue counts of the lab and of boxes it lacks: the
 * sums are worked out by hand in the comments, so a change to the rule shows
 * here as a changed number, not as a pool that runs dry on a 16-core box.
 */
#include <string.h>

#include "poolsize.h"
#include "tap.h"

/* igmpgw's own figures (ports.c, workers.c, main.c, datapath.h). */
static const struct poolsize_lcores lab = {
	.n_workers = 1, .cache = 256, .burst = 32, .handoff = 4096, .ctrl_tx = 1024, .events = 1024,
};

static struct poolsize_port
port(uint16_t queues, uint16_t desc, uint16_t twins)
{
	return (struct poolsize_port){
		.n_rxq = queues, .rx_desc = desc, .n_txq = queues, .tx_desc = desc,
		.n_twins = twins, .twin_desc = 1024,
	};
}

/* The lab: outside, alt and inside on af_packet, one queue pair each, a twin each. */
static void
test_lab_one_worker(void)
{
	struct poolsize_port p[3] = { port(1, 1024, 1), port(1, 1024, 1), port(1, 1024, 1) };
	struct poolsize s;

	poolsize_compute(p, 3, &lab, &s);
	CHECK_INT(s.rx, 3 * 1024, "lab, 1 worker: rx descriptors");
	CHECK_INT(s.tx, 3 * 1024, "lab, 1 worker: tx descriptors");
	CHECK_INT(s.twins, 3 * 2 * 1024, "lab, 1 worker: twins' rx and tx");
	CHECK_INT(s.caches, 2 * 384, "lab, 1 worker: caches of the worker and the main lcore");
	/* A burst, the copies' spares, a 32-frame TX buffer on each port and twin. */
	CHECK_INT(s.inflight, 2 * 32 + 6 * 32, "lab, 1 worker: in flight");
	CHECK_INT(s.rings, 3 * (4096 + 1024) + 1024, "lab, 1 worker: rings");
	CHECK_INT(s.mbufs, 29696, "lab, 1 worker: the pool");
	CHECK_INT(s.replicas, 3072 + 192 + 3 * 4096 + 768, "lab, 1 worker: each replica pool");
	TAP_CHECK(!s.too_many, "lab, 1 worker: fits a mempool");
}

/* The same lab with 2 workers: af_packet gets qpairs=2 on every port. */
static void
test_lab_two_workers(void)
{
	struct poolsize_lcores lc = lab;
	struct poolsize_port p[3] = { port(2, 1024, 1), port(2, 1024, 1), port(2, 1024, 1) };
	struct poolsize s;

	lc.n_workers = 2;
	poolsize_compute(p, 3, &lc, &s);
	/* 6144 rx + 6144 tx + 6144 twins + 1152 caches + 2 * 256 + 16384 rings. */
	CHECK_INT(s.mbufs, 6144 + 6144 + 6144 + 1152 + 512 + 16384, "lab, 2 workers: the pool");
}

/* A 16-core box: 16 workers, 4 ports with 16 RSS queues each (1024 descriptors), a twin each. */
static void
test_sixteen_workers_four_ports(void)
{
	struct poolsize_lcores lc = lab;
	struct poolsize_port p[4];
	struct poolsize s;

	for (int i = 0; i < 4; i++)
		p[i] = port(16, 1024, 1);
	lc.n_workers = 16;
	poolsize_compute(p, 4, &lc, &s);
	CHECK_INT(s.rx, 4 * 16 * 1024, "16 workers x 4 ports: rx descriptors");
	CHECK_INT(s.tx, 4 * 16 * 1024, "16 workers x 4 ports: tx descriptors");
	CHECK_INT(s.caches, 17 * 384, "16 workers x 4 ports: 17 lcore caches");
	CHECK_INT(s.inflight, 16 * (2 * 32 + 8 * 32), "16 workers x 4 ports: bursts and tx buffers");
	CHECK_INT(s.rings, 4 * 5120 + 1024, "16 workers x 4 ports: rings");
	CHECK_INT(s.mbufs, 172416, "16 workers x 4 ports: the pool (the old fixed 32767 is a fifth)");
	CHECK_INT(s.replicas, 65536 + 16 * 256 + 4 * 4096 + 6528,
		  "16 workers x 4 ports: each replica pool (the old 16383 is a sixth)");
	TAP_CHECK(!s.too_many, "16 workers x 4 ports: fits a mempool");
}

/* Doubling workers on RSS ports doubles the descriptors the pool must fill. */
static void
test_grows_with_workers(void)
{
	struct poolsize_lcores lc = lab;
	struct poolsize_port p8[4], p16[4];
	struct poolsize s8, s16;

	for (int i = 0; i < 4; i++) {
		p8[i] = port(8, 1024, 1);
		p16[i] = port(16, 1024, 1);
	}
	lc.n_workers = 8;
	poolsize_compute(p8, 4, &lc, &s8);
	lc.n_workers = 16;
	poolsize_compute(p16, 4, &lc, &s16);
	CHECK_INT(s16.rx + s16.tx, 2 * (s8.rx + s8.tx), "8 -> 16 workers: descriptors double");
	TAP_CHECK(s16.mbufs > s8.mbufs, "8 -> 16 workers: the pool grows (%u -> %u)", s8.mbufs,
		  s16.mbufs);
}

/* A small config gets the floor, not a pool that a burst of IGMP copies empties. */
static void
test_floor(void)
{
	struct poolsize_lcores lc = { .n_workers = 1, .cache = 32, .burst = 32 };
	struct poolsize_port p = port(1, 128, 0);
	struct poolsize s;

	poolsize_compute(&p, 1, &lc, &s);
	TAP_CHECK(s.sum < POOLSIZE_FLOOR, "one small port: the sum (%llu) is under the floor",
		  (unsigned long long)s.sum);
	CHECK_INT(s.mbufs, POOLSIZE_FLOOR, "one small port: the pool is the floor");
	CHECK_INT(s.replicas, POOLSIZE_REPLICA_FLOOR, "one small port: the replica pools' floor");
	poolsize_compute(NULL, 0, &lab, &s);
	CHECK_INT(s.mbufs, POOLSIZE_FLOOR, "no port on the socket: the floor");
}

/* net_pcap's infinite_rx keeps its files' frames in mbufs: they add one for one. */
static void
test_pcap_held(void)
{
	struct poolsize_lcores lc = lab;
	struct poolsize_port p[2] = { port(2, 1024, 0), port(2, 1024, 0) };
	struct poolsize without, with;

	lc.n_workers = 2;
	poolsize_compute(p, 2, &lc, &without);
	p[0].held = 24576;
	poolsize_compute(p, 2, &lc, &with);
	CHECK_INT(with.mbufs - without.mbufs, 24576, "infinite_rx: the pcap's frames are added");
	CHECK_INT(with.replicas, without.replicas, "infinite_rx: the replica pools do not change");
}

/* A config no mempool can hold says so instead of wrapping around. */
static void
test_too_many(void)
{
	struct poolsize_port p[2] = { port(65535, 65535, 0), port(65535, 65535, 0) };
	struct poolsize s;

	poolsize_compute(p, 2, &lab, &s);
	TAP_CHECK(s.too_many, "2 ports of 65535 queues of 65535 descriptors: too many");
	CHECK_INT(s.mbufs, UINT32_MAX, "too many: the pool size saturates");
}

int
main(void)
{
	test_lab_one_worker();
	test_lab_two_workers();
	test_sixteen_workers_four_ports();
	test_grows_with_workers();
	test_floor();
	test_pcap_held();
	test_too_many();
	return TAP_DONE();
}
