/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The destination MAC rule row by row, the table's learning, and its promise
 * to readers on other threads: an address never comes back with another's MAC.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "neigh.h"
#include "tap.h"

static const uint8_t BCAST[NEIGH_MAC_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static uint32_t
ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* The lab's plan: 02:00 and the address's four bytes. */
static void
mac_of(uint32_t addr, uint8_t mac[NEIGH_MAC_LEN])
{
	mac[0] = 0x02;
	mac[1] = 0x00;
	memcpy(mac + 2, &addr, 4);
}

static bool
same(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, NEIGH_MAC_LEN) == 0;
}

static void
test_resolve(void)
{
	static struct neigh_table t;
	struct neigh_hint q = { .addr = ip("10.200.1.1") };
	uint8_t mac[NEIGH_MAC_LEN], want[NEIGH_MAC_LEN];
	const uint8_t group_mac[NEIGH_MAC_LEN] = { 0x01, 0x00, 0x5e, 0x01, 0x02, 0x03 };
	const uint8_t v3_mac[NEIGH_MAC_LEN] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x16 };

	mac_of(q.addr, q.mac);
	/* 239.129.2.3: the high bit of the second byte does not reach the MAC. */
	TAP_CHECK(neigh_resolve(&t, &q, ip("239.129.2.3"), mac) == NEIGH_MULTICAST &&
		  same(mac, group_mac), "multicast: RFC 1112 mapping, 23 bits");
	TAP_CHECK(neigh_resolve(&t, NULL, ip("224.0.0.22"), mac) == NEIGH_MULTICAST &&
		  same(mac, v3_mac), "224.0.0.22: 01:00:5e:00:00:16");
	TAP_CHECK(neigh_resolve(&t, &q, q.addr, mac) == NEIGH_HINT && same(mac, q.mac),
		  "the hint's address: the hint's MAC");
	TAP_CHECK(neigh_resolve(&t, &q, ip("10.200.1.10"), mac) == NEIGH_UNKNOWN &&
		  same(mac, BCAST), "unknown unicast: broadcast, reported unknown");
	TAP_CHECK(neigh_resolve(&t, NULL, 0, mac) == NEIGH_UNKNOWN && same(mac, BCAST),
		  "0.0.0.0 is nobody's, not the empty slots'");

	mac_of(ip("10.200.1.10"), want);
	TAP_CHECK(neigh_learn(&t, ip("10.200.1.10"), want), "learning a new neighbour changes the table");
	TAP_CHECK(!neigh_learn(&t, ip("10.200.1.10"), want), "a refresh changes nothing");
	TAP_CHECK(neigh_resolve(&t, &q, ip("10.200.1.10"), mac) == NEIGH_LEARNED &&
		  same(mac, want), "a learned neighbour: its MAC");
	TAP_CHECK(neigh_resolve(&t, NULL, ip("10.200.1.10"), mac) == NEIGH_LEARNED,
		  "learned without a hint too");

	/* The hint wins over the table: it is heard more recently than ARP is. */
	neigh_learn(&t, q.addr, BCAST);
	TAP_CHECK(neigh_resolve(&t, &q, q.addr, mac) == NEIGH_HINT && same(mac, q.mac),
		  "the hint before the table");
	TAP_CHECK(!neigh_learn(&t, 0, want), "0.0.0.0 is never learned");
}

static void
test_slots(void)
{
	static struct neigh_table t;
	uint32_t a = ip("10.0.0.1"), b = htonl(ntohl(a) + NEIGH_SLOTS);
	uint8_t ma[NEIGH_MAC_LEN], mb[NEIGH_MAC_LEN], mac[NEIGH_MAC_LEN];

	mac_of(a, ma);
	mac_of(b, mb);
	neigh_learn(&t, a, ma);
	neigh_learn(&t, b, mb);
	TAP_CHECK(!neigh_lookup(&t, a, mac), "a colliding address replaces the older one");
	TAP_CHECK(neigh_lookup(&t, b, mac) && same(mac, mb), "the newer one is found");
	mb[5] ^= 1;
	TAP_CHECK(neigh_learn(&t, b, mb) && neigh_lookup(&t, b, mac) && same(mac, mb),
		  "a neighbour that moved to another MAC is updated");
}

/* One writer swapping two addresses that share a slot; readers must never mix them. */
#define ROUNDS 2000000

static struct neigh_table shared;
static volatile bool writer_done;

static void *
writer(void *arg)
{
	const uint32_t *addrs = arg;
	uint8_t mac[NEIGH_MAC_LEN];

	for (int i = 0; i < ROUNDS; i++) {
		mac_of(addrs[i & 1], mac);
		neigh_learn(&shared, addrs[i & 1], mac);
	}
	writer_done = true;
	return NULL;
}

static void
test_readers_see_no_torn_entry(void)
{
	uint32_t addrs[2] = { ip("10.1.0.1"), htonl(ntohl(ip("10.1.0.1")) + NEIGH_SLOTS) };
	unsigned long lookups = 0, found = 0, torn = 0;
	uint8_t mac[NEIGH_MAC_LEN], want[NEIGH_MAC_LEN];
	pthread_t th;

	pthread_create(&th, NULL, writer, addrs);
	while (!writer_done) {
		for (int k = 0; k < 2; k++) {
			lookups++;
			if (!neigh_lookup(&shared, addrs[k], mac))
				continue;
			found++;
			mac_of(addrs[k], want);
			if (!same(mac, want))
				torn++;
		}
	}
	pthread_join(th, NULL);
	TAP_CHECK(found > 0, "the reader found entries while the writer ran (%lu of %lu)", found,
		  lookups);
	TAP_CHECK(torn == 0, "no address came back with the other's MAC (%lu torn)", torn);
}

int
main(void)
{
	test_resolve();
	test_slots();
	test_readers_see_no_torn_entry();
	return TAP_DONE();
}
