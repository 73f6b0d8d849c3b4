/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A bounded, paced queue of IGMP messages in front of a sink that can be full
 * (the main lcore's ring to the workers): messages wait here instead of being
 * lost, and leave at most rate_pps a second with bursts of up to burst.
 * Pure: no threads, no clock reads; the caller passes the time.
 */
#ifndef IGMPGW_TX_PACER_H
#define IGMPGW_TX_PACER_H

#include <stddef.h>
#include <stdint.h>

struct tx_pacer_config {
	uint32_t bound;     /* messages held at most; more are dropped and counted */
	uint32_t rate_pps;  /* messages released a second; 0: as fast as the sink takes them */
	uint32_t burst;     /* messages released back to back after a quiet time (>= 1) */
};

/* Counters, one definition for code, status and docs. */
#define TX_PACER_COUNTERS(X) \
	X(TX_PACER_QUEUED, "queued", "messages taken into the queue") \
	X(TX_PACER_SENT, "sent", "messages handed to the sink") \
	X(TX_PACER_DROPPED_FULL, "dropped_full", "messages refused: the queue held its bound") \
	X(TX_PACER_MERGED, "merged", \
	  "messages merged into the one waiting last (coalesced: no place in the queue)") \
	X(TX_PACER_DROPPED_UNSENDABLE, "dropped_unsendable", \
	  "messages the sink refused for good (no such port, too big)")

enum tx_pacer_counter {
#define TX_PACER_COUNTER_ENUM(code, name, help) code,
	TX_PACER_COUNTERS(TX_PACER_COUNTER_ENUM)
#undef TX_PACER_COUNTER_ENUM
	TX_PACER_CTR_COUNT
};

/* Stable name of a counter ("dropped_full"); "invalid" out of range. */
const char *tx_pacer_counter_name(enum tx_pacer_counter c);

/*
 * Hands one message to the sink. Returns 0 when it took it, -EAGAIN when it is
 * full for now (the message stays first in the queue), any other negative
 * errno when it can never take it (the message is dropped and counted).
 */
typedef int (*tx_pacer_send_fn)(void *arg, uint16_t port, uint32_t dst, const uint8_t *msg,
				uint16_t len);

struct tx_pacer;

/* Returns NULL and sets errno (EINVAL: bound or burst 0; ENOMEM). */
struct tx_pacer *tx_pacer_create(const struct tx_pacer_config *cfg);

/* Frees the queue and whatever it still holds. NULL is fine. */
void tx_pacer_free(struct tx_pacer *q);

/* Appends a copy of msg. Returns 0, -ENOBUFS (bound reached: counted) or -ENOMEM. */
int tx_pacer_enqueue(struct tx_pacer *q, uint16_t port, uint32_t dst, const uint8_t *msg,
		     uint16_t len);

/*
 * Combines next into last, the message waiting last in the queue, in place
 * (up to room bytes): returns last's new length, or 0 when they do not
 * combine. last keeps its place, so next overtakes nothing and nothing
 * overtakes it.
 */
typedef uint16_t (*tx_pacer_merge_fn)(uint8_t *last, uint16_t last_len, uint16_t room,
				      const uint8_t *next, uint16_t next_len);

/*
 * Coalescing: offers msg to merge with the message waiting last when that one
 * has the same port and dst and was queued by this function; a merged message
 * is counted (merged) and takes no place. Otherwise as tx_pacer_enqueue, the
 * copy keeping room bytes (>= len) for what later merges into it.
 */
int tx_pacer_enqueue_merge(struct tx_pacer *q, uint16_t port, uint32_t dst, const uint8_t *msg,
			   uint16_t len, uint16_t room, tx_pacer_merge_fn merge);

/*
 * Sends queued messages in order while the rate allows and the sink takes
 * them. now_us: microseconds on any clock that never goes back. Returns the
 * number sent.
 */
uint32_t tx_pacer_drain(struct tx_pacer *q, uint64_t now_us, tx_pacer_send_fn send, void *arg);

/* Messages waiting, the most that ever waited, and room left before the bound. */
uint32_t tx_pacer_depth(const struct tx_pacer *q);
uint32_t tx_pacer_max_depth(const struct tx_pacer *q);
uint32_t tx_pacer_room(const struct tx_pacer *q);

const struct tx_pacer_config *tx_pacer_config(const struct tx_pacer *q);

uint64_t tx_pacer_counter(const struct tx_pacer *q, enum tx_pacer_counter c);

/* Bytes held by the queue, the struct itself included. */
size_t tx_pacer_memory(const struct tx_pacer *q);

#endif
