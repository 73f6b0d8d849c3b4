/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the paced queue on a fake clock and a fake sink with room for
 * a few messages (the ring to the workers): nothing is lost to a full sink,
 * order is kept, the bound drops and counts, the rate and burst hold.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MICRO_S 1000000ull

#include "tap.h"
#include "tx_pacer.h"

#define N_MSGS 16000
#define RING 1024

/* A ring of RING messages that the fake worker empties by take_per_step. */
struct sink {
	uint32_t in_ring;
	uint32_t received;
	uint32_t next_seq;          /* the sequence number expected next */
	bool out_of_order;
	int fail_with;              /* non-zero: every send returns this */
	uint32_t last_len;
	uint16_t last_port;
	uint32_t last_dst;
};

static int
sink_send(void *arg, uint16_t port, uint32_t dst, const uint8_t *msg, uint16_t len)
{
	struct sink *s = arg;
	uint32_t seq;

	if (s->fail_with != 0)
		return s->fail_with;
	if (s->in_ring == RING)
		return -EAGAIN;
	memcpy(&seq, msg, sizeof(seq));
	if (seq != s->next_seq)
		s->out_of_order = true;
	s->next_seq = seq + 1;
	s->in_ring++;
	s->received++;
	s->last_len = len;
	s->last_port = port;
	s->last_dst = dst;
	return 0;
}

static void
worker_takes(struct sink *s, uint32_t n)
{
	s->in_ring = s->in_ring > n ? s->in_ring - n : 0;
}

static int
put(struct tx_pacer *q, uint32_t seq, uint16_t len)
{
	uint8_t msg[64] = { 0 };

	memcpy(msg, &seq, sizeof(seq));
	return tx_pacer_enqueue(q, 3, seq * 7, msg, len);
}

static void
test_nothing_lost_to_a_full_ring(void)
{
	struct tx_pacer_config cfg = { .bound = 2 * N_MSGS, .rate_pps = 0, .burst = 1 };
	struct tx_pacer *q = tx_pacer_create(&cfg);
	struct sink s = { 0 };
	uint64_t now = 0;
	uint32_t i, steps = 0;
	int fails = 0;
	size_t empty;

	TAP_CHECK(q != NULL, "created with bound %u, no rate limit", cfg.bound);
	empty = tx_pacer_memory(q);
	/* What the proxy did at 16 000 groups: everything at once. */
	for (i = 0; i < N_MSGS; i++)
		fails += put(q, i, 8) != 0;
	TAP_CHECK(fails == 0 && tx_pacer_depth(q) == N_MSGS, "%u messages queued at once",
		  tx_pacer_depth(q));
	while (tx_pacer_depth(q) > 0 && steps++ < 100000) {
		tx_pacer_drain(q, now, sink_send, &s);
		worker_takes(&s, 32);
		now += 500;
	}
	TAP_CHECK(s.received == N_MSGS && !s.out_of_order,
		  "every message reached the ring, in order (%u)", s.received);
	TAP_CHECK(tx_pacer_counter(q, TX_PACER_QUEUED) == N_MSGS &&
		  tx_pacer_counter(q, TX_PACER_SENT) == N_MSGS &&
		  tx_pacer_counter(q, TX_PACER_DROPPED_FULL) == 0,
		  "counters: queued %llu sent %llu dropped_full %llu",
		  (unsigned long long)tx_pacer_counter(q, TX_PACER_QUEUED),
		  (unsigned long long)tx_pacer_counter(q, TX_PACER_SENT),
		  (unsigned long long)tx_pacer_counter(q, TX_PACER_DROPPED_FULL));
	TAP_CHECK(tx_pacer_max_depth(q) == N_MSGS, "max depth %u", tx_pacer_max_depth(q));
	TAP_CHECK(s.last_port == 3 && s.last_dst == (N_MSGS - 1) * 7 && s.last_len == 8,
		  "port, destination and length travel with the message");
	TAP_CHECK(tx_pacer_memory(q) == empty && tx_pacer_depth(q) == 0,
		  "empty again");
	tx_pacer_free(q);
}

static void
test_bound(void)
{
	struct tx_pacer_config cfg = { .bound = 100, .rate_pps = 0, .burst = 1 };
	struct tx_pacer *q = tx_pacer_create(&cfg);
	size_t empty = tx_pacer_memory(q);
	struct sink s = { .fail_with = -EAGAIN };
	uint32_t i;
	int ret = 0;

	for (i = 0; i < 100; i++)
		ret |= put(q, i, 40);
	TAP_CHECK(ret == 0 && tx_pacer_room(q) == 0, "100 messages fill a bound of 100");
	TAP_CHECK(tx_pacer_memory(q) > empty + 100 * 40, "memory counts the messages held");
	TAP_CHECK(put(q, 100, 40) == -ENOBUFS, "the 101st is refused");
	TAP_CHECK(tx_pacer_counter(q, TX_PACER_DROPPED_FULL) == 1 &&
		  tx_pacer_counter(q, TX_PACER_QUEUED) == 100, "and counted as dropped_full");
	tx_pacer_drain(q, 0, sink_send, &s);
	TAP_CHECK(tx_pacer_depth(q) == 100, "a sink that is full keeps them all queued");
	s.fail_with = -EMSGSIZE;
	tx_pacer_drain(q, 0, sink_send, &s);
	TAP_CHECK(tx_pacer_depth(q) == 0 &&
		  tx_pacer_counter(q, TX_PACER_DROPPED_UNSENDABLE) == 100 &&
		  tx_pacer_counter(q, TX_PACER_SENT) == 0,
		  "a sink that can never take them: dropped_unsendable");
	TAP_CHECK(tx_pacer_memory(q) == empty, "memory back to the empty queue's");
	for (i = 0; i < 5; i++)
		put(q, i, 8);
	tx_pacer_free(q);
	TAP_CHECK(true, "freed with messages still queued");
}

static void
test_rate(void)
{
	struct tx_pacer_config cfg = { .bound = 100000, .rate_pps = 2000, .burst = 50 };
	struct tx_pacer *q = tx_pacer_create(&cfg);
	struct sink s = { 0 };
	uint64_t now = 1000000;
	uint32_t i, sent;

	for (i = 0; i < 10000; i++)
		put(q, i, 8);
	sent = tx_pacer_drain(q, now, sink_send, &s);
	TAP_CHECK(sent == 50, "a full bucket: a burst of 50 at once (%u)", sent);
	sent = tx_pacer_drain(q, now, sink_send, &s);
	TAP_CHECK(sent == 0, "then nothing at the same instant");
	worker_takes(&s, RING);
	sent = tx_pacer_drain(q, now + 499, sink_send, &s);
	TAP_CHECK(sent == 0, "not before 1/2000 s");
	sent = tx_pacer_drain(q, now + 500, sink_send, &s);
	TAP_CHECK(sent == 1, "one after 500 us");
	/* a second of polls every 500 us: 2000 more, whatever the poll period */
	sent = 0;
	for (i = 1; i <= 2000; i++) {
		sent += tx_pacer_drain(q, now + 500 + i * 500, sink_send, &s);
		worker_takes(&s, RING);
	}
	TAP_CHECK(sent == 2000, "2000 in the next second (%u)", sent);
	sent = 0;
	now += 500 + 2000 * 500;
	for (i = 1; i <= 7; i++) {
		sent += tx_pacer_drain(q, now + i * 1429, sink_send, &s);
		worker_takes(&s, RING);
	}
	TAP_CHECK(sent == 20, "uneven polls keep the fractions (%u in 10 ms)", sent);
	now += 7 * 1429;
	sent = tx_pacer_drain(q, now + 3600ULL * 1000000, sink_send, &s);
	TAP_CHECK(sent == 50, "after an hour's quiet: one burst, not an hour's worth (%u)", sent);
	TAP_CHECK(!s.out_of_order, "in order throughout");
	tx_pacer_free(q);
}

static void
test_config(void)
{
	struct tx_pacer_config cfg = { .bound = 0, .rate_pps = 10, .burst = 1 };

	errno = 0;
	TAP_CHECK(tx_pacer_create(&cfg) == NULL && errno == EINVAL, "bound 0 refused");
	cfg.bound = 1;
	cfg.burst = 0;
	errno = 0;
	TAP_CHECK(tx_pacer_create(&cfg) == NULL && errno == EINVAL, "burst 0 refused");
	TAP_CHECK(strcmp(tx_pacer_counter_name(TX_PACER_DROPPED_FULL), "dropped_full") == 0 &&
		  strcmp(tx_pacer_counter_name(TX_PACER_CTR_COUNT), "invalid") == 0,
		  "counter names");
}

/* The test's merge: bytes appended, as the gateway appends v3 records. */
static uint16_t
concat(uint8_t *last, uint16_t last_len, uint16_t room, const uint8_t *next, uint16_t next_len)
{
	if (last_len + next_len > room)
		return 0;
	memcpy(last + last_len, next, next_len);
	return last_len + next_len;
}

static char sent_log[256];

static int
log_send(void *arg, uint16_t port, uint32_t dst, const uint8_t *msg, uint16_t len)
{
	(void)arg;
	snprintf(sent_log + strlen(sent_log), sizeof(sent_log) - strlen(sent_log), "%s%u/%u:%.*s",
		 sent_log[0] != '\0' ? " " : "", port, dst, (int)len, (const char *)msg);
	return 0;
}

static int
put_str(struct tx_pacer *q, bool merge, uint32_t dst, const char *text)
{
	uint16_t len = (uint16_t)strlen(text);

	return merge ? tx_pacer_enqueue_merge(q, 1, dst, (const uint8_t *)text, len, 4, concat) :
		tx_pacer_enqueue(q, 1, dst, (const uint8_t *)text, len);
}

/*
 * Coalescing: what waits last takes what follows for the same port and
 * destination, up to its room; a message queued otherwise or for another
 * destination ends the merging; the order sent is the order queued.
 */
static void
test_merge(void)
{
	struct tx_pacer_config cfg = { .bound = 8, .rate_pps = 1, .burst = 1 };
	struct tx_pacer *q = tx_pacer_create(&cfg);

	sent_log[0] = '\0';
	put_str(q, true, 9, "A");
	CHECK_INT(tx_pacer_drain(q, 0, log_send, NULL), 1, "the first goes at once");
	put_str(q, true, 9, "B");
	put_str(q, true, 9, "C");
	CHECK_INT(tx_pacer_depth(q), 1, "C merged into the waiting B");
	put_str(q, false, 9, "X");
	put_str(q, true, 9, "D");
	CHECK_INT(tx_pacer_depth(q), 3, "D does not merge into X, queued without room");
	put_str(q, true, 9, "E");
	put_str(q, true, 9, "F");
	put_str(q, true, 9, "G");
	put_str(q, true, 9, "H");
	put_str(q, true, 8, "I");
	put_str(q, true, 9, "J");
	CHECK_INT(tx_pacer_depth(q), 6, "D takes E F G up to its room; H, I (another dst), J queue");
	CHECK_INT(tx_pacer_counter(q, TX_PACER_MERGED), 4, "merged counted");
	CHECK_INT(tx_pacer_counter(q, TX_PACER_QUEUED), 7, "queued counts what took a place");
	for (uint64_t t = 1; t <= 10; t++)
		tx_pacer_drain(q, t * MICRO_S, log_send, NULL);
	TAP_CHECK(strcmp(sent_log, "1/9:A 1/9:BC 1/9:X 1/9:DEFG 1/9:H 1/8:I 1/9:J") == 0,
		  "sent in queued order, merged: %s", sent_log);
	CHECK_INT(tx_pacer_depth(q), 0, "nothing left");
	put_str(q, true, 9, "K");
	put_str(q, true, 9, "L");
	CHECK_INT(tx_pacer_depth(q), 1, "an emptied queue merges again");
	tx_pacer_free(q);
}

int
main(void)
{
	test_merge();
	test_nothing_lost_to_a_full_ring();
	test_bound();
	test_rate();
	test_config();
	return TAP_DONE();
}
