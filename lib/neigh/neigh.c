/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Destination MACs and the ARP-learned neighbour table; the sequence count is
 * DPDK's rte_seqcount done with the compiler's atomics, so the module needs no
 * EAL and its unit test no DPDK.
 */
#include <arpa/inet.h>
#include <string.h>

#include "igmp_wire.h"
#include "neigh.h"

static struct neigh_slot *
slot_of(struct neigh_table *t, uint32_t addr)
{
	return &t->slot[ntohl(addr) % NEIGH_SLOTS];
}

bool
neigh_learn(struct neigh_table *t, uint32_t addr, const uint8_t mac[NEIGH_MAC_LEN])
{
	struct neigh_slot *s = slot_of(t, addr);
	uint32_t seq = s->seq;        /* one writer: its own value */

	if (addr == 0 || (s->addr == addr && memcmp(s->mac, mac, NEIGH_MAC_LEN) == 0))
		return false;
	__atomic_store_n(&s->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&s->addr, addr, __ATOMIC_RELAXED);
	for (int i = 0; i < NEIGH_MAC_LEN; i++)
		__atomic_store_n(&s->mac[i], mac[i], __ATOMIC_RELAXED);
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELEASE);
	return true;
}

bool
neigh_lookup(const struct neigh_table *t, uint32_t addr, uint8_t mac[NEIGH_MAC_LEN])
{
	const struct neigh_slot *s = &t->slot[ntohl(addr) % NEIGH_SLOTS];
	uint8_t copy[NEIGH_MAC_LEN];
	uint32_t seq, held;

	if (addr == 0)
		return false;
	for (;;) {
		seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		held = __atomic_load_n(&s->addr, __ATOMIC_RELAXED);
		for (int i = 0; i < NEIGH_MAC_LEN; i++)
			copy[i] = __atomic_load_n(&s->mac[i], __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if ((seq & 1) == 0 && __atomic_load_n(&s->seq, __ATOMIC_RELAXED) == seq)
			break;
	}
	if (held != addr)
		return false;
	memcpy(mac, copy, NEIGH_MAC_LEN);
	return true;
}

/* RFC 1112 §6.4: 01:00:5e and the group's low 23 bits. */
static void
multicast_mac(uint32_t group, uint8_t mac[NEIGH_MAC_LEN])
{
	const uint8_t *a = (const uint8_t *)&group;

	mac[0] = 0x01;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = a[1] & 0x7f;
	mac[4] = a[2];
	mac[5] = a[3];
}

enum neigh_found
neigh_resolve(const struct neigh_table *t, const struct neigh_hint *hint, uint32_t dst,
	      uint8_t mac[NEIGH_MAC_LEN])
{
	if (igmp_is_multicast(dst)) {
		multicast_mac(dst, mac);
		return NEIGH_MULTICAST;
	}
	if (hint != NULL && hint->addr == dst && dst != 0) {
		memcpy(mac, hint->mac, NEIGH_MAC_LEN);
		return NEIGH_HINT;
	}
	if (neigh_lookup(t, dst, mac))
		return NEIGH_LEARNED;
	memset(mac, 0xff, NEIGH_MAC_LEN);
	return NEIGH_UNKNOWN;
}
