/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Ethernet destination of an IPv4 packet the gateway sends on a port, by
 * one rule, and the neighbours that rule learns from the ARP the port
 * receives. The table has one writer (the lcore that owns the port) and any
 * number of lock-free readers: a sequence count a slot, so a reader never sees
 * one neighbour's address with another's MAC. Pure: no EAL.
 */
#ifndef IGMPGW_NEIGH_H
#define IGMPGW_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#define NEIGH_MAC_LEN 6
/* Direct-mapped and small: IGMP goes to few unicast hosts (unicast_dst, the querier). */
#define NEIGH_SLOTS 16

struct neigh_slot {
	uint32_t seq;                 /* odd while the writer rewrites the slot */
	uint32_t addr;                /* network order, 0: empty */
	uint8_t mac[NEIGH_MAC_LEN];
};

/* One port's neighbours; all zero is an empty table. */
struct neigh_table {
	struct neigh_slot slot[NEIGH_SLOTS];
};

/*
 * Records that addr (network order) is at mac; 0.0.0.0 is ignored. The one
 * writer only. Returns whether the table changed (a refresh writes nothing).
 */
bool neigh_learn(struct neigh_table *t, uint32_t addr, const uint8_t mac[NEIGH_MAC_LEN]);

/* addr's MAC into mac if the table holds it. Any lcore, without locks. */
bool neigh_lookup(const struct neigh_table *t, uint32_t addr, uint8_t mac[NEIGH_MAC_LEN]);

/* A neighbour known apart from the table: the querier, whose MAC came with its queries. */
struct neigh_hint {
	uint32_t addr;                /* network order, 0: none */
	uint8_t mac[NEIGH_MAC_LEN];
};

/* How neigh_resolve found the MAC. */
enum neigh_found {
	NEIGH_MULTICAST,              /* the group's own MAC (RFC 1112 §6.4) */
	NEIGH_HINT,                   /* dst is the hint's address */
	NEIGH_LEARNED,                /* from the table */
	NEIGH_UNKNOWN,                /* broadcast: callers count it (neighbor_unknown) */
};

/*
 * The one rule for the destination MAC of an IPv4 packet the gateway sends on
 * the port whose neighbours t holds: a multicast dst its RFC 1112 MAC, else
 * the hint's MAC when dst is the hint (which may be NULL), else the learned
 * neighbour's, else broadcast, which still reaches a Linux neighbour (it
 * accepts broadcast frames to its own address).
 */
enum neigh_found neigh_resolve(const struct neigh_table *t, const struct neigh_hint *hint,
			       uint32_t dst, uint8_t mac[NEIGH_MAC_LEN]);

#endif
