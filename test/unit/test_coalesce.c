/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the upstream coalescing queue: a group's v1/v2 messages
 * collapse into its waiting one (the latest state, rebuilt with a right
 * checksum), an unmerged one leaves byte for byte, v3 reports merge up to the
 * room, a repeated record is dropped, nothing overtakes (a leave never passes
 * a v3 join of its group), the bound holds; and on random sequences the last
 * message each group sends is the last it was given.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "igmp_wire.h"
#include "report_coalesce.h"
#include "tap.h"

#define ROOM 1480
#define G(n) htonl(0xe8000000u + (n))     /* 232.0.0.n */

static uint16_t
v2(uint8_t *buf, uint8_t type, uint32_t group)
{
	return (uint16_t)igmp_build_v2(buf, IGMP_V2_LEN, type, 0, group);
}

static uint16_t
v3(uint8_t *buf, uint8_t rec_type, uint32_t group, const uint32_t *src, uint16_t n_src)
{
	struct igmp_record_spec spec = {
		.type = rec_type, .group = group, .sources = src, .n_sources = n_src,
	};
	uint16_t next = 0, next_src = 0;

	return (uint16_t)igmp_build_v3_report(buf, ROOM, ROOM, &spec, 1, &next, &next_src);
}

static bool
checksum_ok(const uint8_t *msg, uint16_t len)
{
	return igmp_inet_checksum(msg, len) == 0;
}

static uint16_t
pop(struct rcoal *c, uint8_t *buf, uint32_t *dst)
{
	uint16_t len = rcoal_peek(c, dst, buf, ROOM);

	if (len != 0)
		rcoal_pop(c);
	return len;
}

static uint32_t
group_of(const uint8_t *msg)
{
	uint32_t g;

	memcpy(&g, msg + 4, sizeof(g));
	return g;
}

static void
test_v2_per_group(void)
{
	struct rcoal *c = rcoal_create(16, ROOM);
	uint8_t m[ROOM], out[ROOM];
	uint32_t dst;
	uint16_t len;

	/* Host sent max resp 7 (odd but valid): unmerged, it leaves as it came. */
	igmp_build_v2(m, sizeof(m), IGMP_TYPE_V2_REPORT, 7, G(1));
	CHECK_INT(rcoal_add(c, G(1), m, IGMP_V2_LEN), 0, "report G1 queued");
	CHECK_INT(rcoal_add(c, G(2), m, v2(m, IGMP_TYPE_V2_REPORT, G(2))), 0, "report G2 queued");
	for (int i = 0; i < 100; i++)
		rcoal_add(c, G(2), m, v2(m, IGMP_TYPE_V2_REPORT, G(2)));
	CHECK_INT(rcoal_add(c, htonl(IGMP_ALL_ROUTERS), m, v2(m, IGMP_TYPE_LEAVE, G(2))), 1,
		  "leave G2 merged into G2's report");
	CHECK_INT(rcoal_depth(c), 2, "two groups, two messages");
	CHECK_INT(rcoal_counter(c, RCOAL_MERGED), 101, "merged counted");
	len = pop(c, out, &dst);
	igmp_build_v2(m, sizeof(m), IGMP_TYPE_V2_REPORT, 7, G(1));
	TAP_CHECK(len == IGMP_V2_LEN && memcmp(out, m, len) == 0 && dst == G(1),
		  "G1's report leaves first, byte for byte");
	len = pop(c, out, &dst);
	TAP_CHECK(len == IGMP_V2_LEN && out[0] == IGMP_TYPE_LEAVE && group_of(out) == G(2) &&
		  dst == htonl(IGMP_ALL_ROUTERS) && checksum_ok(out, len),
		  "G2 leaves as a leave (its last state), rebuilt with a right checksum");
	CHECK_INT(pop(c, out, &dst), 0, "then nothing");
	/* Once sent, a group's next message takes a new place. */
	CHECK_INT(rcoal_add(c, G(2), m, v2(m, IGMP_TYPE_V2_REPORT, G(2))), 0,
		  "a report after the sent leave is queued anew");
	rcoal_free(c);
}

static void
test_no_overtaking(void)
{
	struct rcoal *c = rcoal_create(16, ROOM);
	uint8_t m[ROOM], out[ROOM];
	uint32_t dst, s = htonl(0x0a000001);

	rcoal_add(c, G(1), m, v2(m, IGMP_TYPE_V2_REPORT, G(1)));
	rcoal_add(c, 1, m, v3(m, IGMP_REC_ALLOW, G(1), &s, 1));
	CHECK_INT(rcoal_add(c, 2, m, v2(m, IGMP_TYPE_LEAVE, G(1))), 0,
		  "a leave after a v3 report does not merge back past it");
	CHECK_INT(rcoal_depth(c), 3, "three messages wait");
	pop(c, out, &dst);
	TAP_CHECK(out[0] == IGMP_TYPE_V2_REPORT, "the report first");
	pop(c, out, &dst);
	TAP_CHECK(out[0] == IGMP_TYPE_V3_REPORT, "then the v3 report");
	pop(c, out, &dst);
	TAP_CHECK(out[0] == IGMP_TYPE_LEAVE, "the leave last");
	/* A closed message of the group leaves the index: the new one is the open one. */
	rcoal_add(c, G(1), m, v2(m, IGMP_TYPE_V2_REPORT, G(1)));
	rcoal_add(c, 1, m, v3(m, IGMP_REC_ALLOW, G(1), &s, 1));
	rcoal_add(c, 2, m, v2(m, IGMP_TYPE_LEAVE, G(1)));
	CHECK_INT(rcoal_add(c, G(1), m, v2(m, IGMP_TYPE_V2_REPORT, G(1))), 1,
		  "a report merges into the open leave, not the closed report");
	pop(c, out, &dst);
	TAP_CHECK(out[0] == IGMP_TYPE_V2_REPORT, "closed report first");
	pop(c, out, &dst);
	pop(c, out, &dst);
	TAP_CHECK(out[0] == IGMP_TYPE_V2_REPORT && group_of(out) == G(1),
		  "the open one became the report");
	CHECK_INT(rcoal_depth(c), 0, "empty");
	rcoal_free(c);
}

static void
test_v3_merge(void)
{
	struct rcoal *c = rcoal_create(4, 48);
	uint8_t m[ROOM], out[ROOM];
	uint32_t dst, s[2] = { htonl(0x0a000001), htonl(0x0a000002) };
	uint16_t len;

	CHECK_INT(rcoal_add(c, 9, m, v3(m, IGMP_REC_IS_EX, G(1), NULL, 0)), 0, "v3 queued");
	CHECK_INT(rcoal_add(c, 9, m, v3(m, IGMP_REC_IS_EX, G(1), NULL, 0)), 1,
		  "the same record again merged (dropped)");
	CHECK_INT(rcoal_add(c, 9, m, v3(m, IGMP_REC_ALLOW, G(2), s, 2)), 1,
		  "another group's record merged");
	CHECK_INT(rcoal_add(c, 9, m, v3(m, IGMP_REC_IS_EX, G(1), NULL, 0)), 1,
		  "G1's record repeats G1's last: dropped");
	CHECK_INT(rcoal_add(c, 9, m, v3(m, IGMP_REC_TO_IN, G(1), NULL, 0)), 1,
		  "G1's leave appended");
	CHECK_INT(rcoal_add(c, 9, m, v3(m, IGMP_REC_IS_EX, G(1), NULL, 0)), 1,
		  "G1's join again, after its leave: appended, not dropped");
	CHECK_INT(rcoal_add(c, 9, m, v3(m, IGMP_REC_IS_EX, G(3), NULL, 0)), 0,
		  "past the room (48 bytes): a message of its own");
	CHECK_INT(rcoal_add(c, 8, m, v3(m, IGMP_REC_IS_EX, G(4), NULL, 0)), 0,
		  "another destination: a message of its own");
	len = pop(c, out, &dst);
	CHECK_INT(len, 8 + 8 + 16 + 8 + 8, "merged: G1 IS_EX, G2 ALLOW{2}, G1 TO_IN, G1 IS_EX");
	CHECK_INT(out[7], 4, "four records");
	TAP_CHECK(checksum_ok(out, len), "merged report's checksum right");
	TAP_CHECK(out[8] == IGMP_REC_IS_EX && out[32] == IGMP_REC_TO_IN &&
		  out[40] == IGMP_REC_IS_EX, "in order");
	CHECK_INT(rcoal_add(c, 9, m, 7), -EINVAL, "a truncated v3 report refused");
	m[7] = 3;
	CHECK_INT(rcoal_add(c, 9, m, 16), -EINVAL, "records past the end refused");
	CHECK_INT(rcoal_counter(c, RCOAL_INVALID), 2, "invalid counted");
	rcoal_free(c);
}

static void
test_bound(void)
{
	struct rcoal *c = rcoal_create(3, ROOM);
	uint8_t m[ROOM];

	for (uint32_t g = 1; g <= 3; g++)
		rcoal_add(c, G(g), m, v2(m, IGMP_TYPE_V2_REPORT, G(g)));
	CHECK_INT(rcoal_add(c, G(4), m, v2(m, IGMP_TYPE_V2_REPORT, G(4))), -ENOBUFS,
		  "a fourth group refused at bound 3");
	CHECK_INT(rcoal_add(c, G(2), m, v2(m, IGMP_TYPE_LEAVE, G(2))), 1,
		  "a waiting group's leave still merges when full");
	CHECK_INT(rcoal_counter(c, RCOAL_DROPPED_FULL), 1, "dropped_full counted");
	TAP_CHECK(rcoal_memory(c) > 3 * IGMP_V2_LEN, "memory reported");
	rcoal_free(c);
}

/* Random v1/v2 traffic over 8 groups, drained now and then: each group's last state holds. */
static void
test_random_last_state(void)
{
	uint8_t sent_last[9] = { 0 }, want_last[9] = { 0 };
	bool ok = true, order_ok = true;
	uint32_t given = 0, sent = 0;

	srand(16);
	for (int round = 0; round < 200; round++) {
		struct rcoal *c = rcoal_create(64, ROOM);
		uint8_t m[ROOM], out[ROOM];
		uint32_t dst;
		uint16_t len;

		for (int i = 0; i < 2000; i++) {
			uint32_t g = 1 + (uint32_t)rand() % 8;
			uint8_t type = rand() % 2 ? IGMP_TYPE_V2_REPORT : IGMP_TYPE_LEAVE;

			if (rand() % 50 == 0 && (len = pop(c, out, &dst)) != 0) {
				sent++;
				order_ok &= checksum_ok(out, len);
				sent_last[ntohl(group_of(out)) & 0xff] = out[0];
			}
			rcoal_add(c, g, m, v2(m, type, G(g)));
			want_last[g] = type;
			given++;
		}
		while ((len = pop(c, out, &dst)) != 0) {
			sent++;
			sent_last[ntohl(group_of(out)) & 0xff] = out[0];
		}
		ok &= memcmp(sent_last, want_last, sizeof(want_last)) == 0;
		rcoal_free(c);
	}
	TAP_CHECK(ok, "every group's last message sent is the last given (200 runs)");
	TAP_CHECK(order_ok, "every message sent has a right checksum");
	TAP_CHECK(sent < given / 10, "coalesced: %u sent of %u given", sent, given);
}

int
main(void)
{
	test_v2_per_group();
	test_no_overtaking();
	test_v3_merge();
	test_bound();
	test_random_last_state();
	return TAP_DONE();
}
