/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How many mbufs a NUMA socket's pools need, from what its ports really hold:
 * every RX descriptor is filled with an mbuf, every TX descriptor may hold one
 * until the NIC is done with it, each lcore's mempool cache may hold 1.5 times
 * its size, each worker holds a received burst and a TX buffer per port and
 * per twin, and the rings between lcores may be full. Pure (no EAL calls), so
 * it is unit tested with the queue counts of boxes the lab does not have.
 */
#ifndef IGMPGW_POOLSIZE_H
#define IGMPGW_POOLSIZE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The least mbufs a packet pool gets, however small the config: a single
 * af_packet port with one queue pair still takes a burst of IGMP copies, the
 * main lcore's originated packets and a dumpcap attach without running dry.
 */
#define POOLSIZE_FLOOR 8191u
/* The same for each replica pool (an Ethernet header, an indirect mbuf). */
#define POOLSIZE_REPLICA_FLOOR 4095u

/* One port (an ethdev) on the socket, with the queues it was given. */
struct poolsize_port {
	uint16_t n_rxq;
	uint16_t rx_desc;       /* per RX queue, after the PMD's limits */
	uint16_t n_txq;
	uint16_t tx_desc;
	/* Mbufs the PMD keeps whatever the traffic (net_pcap's infinite_rx: the files' frames). */
	uint32_t held;
	/* Kernel twins receiving into this socket's pool (one per config section on the port). */
	uint16_t n_twins;
	uint16_t twin_desc;     /* each twin's RX and TX descriptors */
};

/* What the socket's lcores and rings add to the ports. */
struct poolsize_lcores {
	unsigned int n_workers;
	unsigned int cache;      /* each lcore's mempool cache size (workers and the main lcore) */
	unsigned int burst;      /* a worker's RX burst and each of its TX buffers */
	unsigned int handoff;    /* each port's ring to its owner worker */
	unsigned int ctrl_tx;    /* each port's ring of packets the main lcore originates */
	unsigned int events;     /* the workers' ring of IGMP copies to the main lcore */
};

/* The sizes, with the parts they were summed from (log lines, tests). */
struct poolsize {
	uint64_t rx;             /* RX descriptors */
	uint64_t tx;             /* TX descriptors */
	uint64_t twins;          /* the twins' RX and TX descriptors */
	uint64_t caches;         /* lcore caches */
	uint64_t inflight;       /* bursts and TX buffers the workers hold */
	uint64_t rings;          /* handoff, ctrl_tx and events rings full */
	uint64_t held;           /* what the PMDs keep (pcap infinite_rx) */
	uint64_t sum;            /* all of the above */
	uint32_t mbufs;          /* the packet pool: sum, at least POOLSIZE_FLOOR */
	/* Each replica pool: TX descriptors, TX buffers, handoff rings and caches. */
	uint32_t replicas;
	bool too_many;           /* more than a mempool takes (UINT32_MAX objects) */
};

/* Sizes the pools of one socket from its n_ports ports and its lcores. */
void poolsize_compute(const struct poolsize_port *ports, unsigned int n_ports,
		      const struct poolsize_lcores *lc, struct poolsize *out);

#endif
