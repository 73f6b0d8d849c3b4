/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The paced queue: a FIFO of copied messages and a token bucket counted in
 * millionths of a message, so any rate works on a microsecond clock.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "tx_pacer.h"

#define MICRO 1000000u

struct tx_msg {
	STAILQ_ENTRY(tx_msg) next;
	uint16_t port;
	uint16_t len;
	uint16_t room;              /* data's size: more than len where merges may grow it */
	uint32_t dst;
	uint8_t data[];
};

struct tx_pacer {
	struct tx_pacer_config cfg;
	STAILQ_HEAD(, tx_msg) msgs;
	struct tx_msg *last;        /* the message queued last; NULL: empty */
	uint32_t depth;
	uint32_t max_depth;
	size_t bytes;               /* held by the messages */
	uint64_t tokens;            /* millionths of a message */
	uint64_t last_us;           /* when tokens were last topped up */
	bool started;
	uint64_t ctr[TX_PACER_CTR_COUNT];
};

static const char *const counter_names[TX_PACER_CTR_COUNT] = {
#define TX_PACER_COUNTER_NAME(code, name, help) [code] = name,
	TX_PACER_COUNTERS(TX_PACER_COUNTER_NAME)
#undef TX_PACER_COUNTER_NAME
};

const char *
tx_pacer_counter_name(enum tx_pacer_counter c)
{
	return (unsigned int)c < TX_PACER_CTR_COUNT ? counter_names[c] : "invalid";
}

struct tx_pacer *
tx_pacer_create(const struct tx_pacer_config *cfg)
{
	struct tx_pacer *q;

	if (cfg == NULL || cfg->bound == 0 || cfg->burst == 0) {
		errno = EINVAL;
		return NULL;
	}
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return NULL;
	q->cfg = *cfg;
	STAILQ_INIT(&q->msgs);
	q->tokens = (uint64_t)cfg->burst * MICRO;
	return q;
}

static void
pop(struct tx_pacer *q)
{
	struct tx_msg *e = STAILQ_FIRST(&q->msgs);

	STAILQ_REMOVE_HEAD(&q->msgs, next);
	if (e == q->last)
		q->last = NULL;
	q->depth--;
	q->bytes -= sizeof(*e) + e->room;
	free(e);
}

void
tx_pacer_free(struct tx_pacer *q)
{
	if (q == NULL)
		return;
	while (!STAILQ_EMPTY(&q->msgs))
		pop(q);
	free(q);
}

static int
append(struct tx_pacer *q, uint16_t port, uint32_t dst, const uint8_t *msg, uint16_t len,
       uint16_t room)
{
	struct tx_msg *e;

	if (q->depth >= q->cfg.bound) {
		q->ctr[TX_PACER_DROPPED_FULL]++;
		return -ENOBUFS;
	}
	e = malloc(sizeof(*e) + room);
	if (e == NULL)
		return -ENOMEM;
	e->port = port;
	e->len = len;
	e->room = room;
	e->dst = dst;
	memcpy(e->data, msg, len);
	STAILQ_INSERT_TAIL(&q->msgs, e, next);
	q->last = e;
	q->depth++;
	q->bytes += sizeof(*e) + room;
	if (q->depth > q->max_depth)
		q->max_depth = q->depth;
	q->ctr[TX_PACER_QUEUED]++;
	return 0;
}

int
tx_pacer_enqueue(struct tx_pacer *q, uint16_t port, uint32_t dst, const uint8_t *msg,
		 uint16_t len)
{
	return append(q, port, dst, msg, len, len);
}

int
tx_pacer_enqueue_merge(struct tx_pacer *q, uint16_t port, uint32_t dst, const uint8_t *msg,
		       uint16_t len, uint16_t room, tx_pacer_merge_fn merge)
{
	struct tx_msg *e = q->last;

	if (e != NULL && e->port == port && e->dst == dst && e->room > e->len) {
		uint16_t merged = merge(e->data, e->len, e->room, msg, len);

		if (merged != 0) {
			e->len = merged;
			q->ctr[TX_PACER_MERGED]++;
			return 0;
		}
	}
	return append(q, port, dst, msg, len, room > len ? room : len);
}

/* Tops the bucket up for the time since the last call, to at most burst. */
static void
refill(struct tx_pacer *q, uint64_t now_us)
{
	uint64_t full = (uint64_t)q->cfg.burst * MICRO;

	if (!q->started || now_us < q->last_us) {
		q->started = true;
		q->last_us = now_us;
		return;
	}
	/* Past a full bucket's worth of time the bucket is full: no overflow either way. */
	if ((now_us - q->last_us) >= full / q->cfg.rate_pps + 1)
		q->tokens = full;
	else
		q->tokens += (now_us - q->last_us) * q->cfg.rate_pps;
	if (q->tokens > full)
		q->tokens = full;
	q->last_us = now_us;
}

uint32_t
tx_pacer_drain(struct tx_pacer *q, uint64_t now_us, tx_pacer_send_fn send, void *arg)
{
	uint32_t sent = 0;
	struct tx_msg *e;
	int ret;

	if (q->cfg.rate_pps != 0)
		refill(q, now_us);
	while ((e = STAILQ_FIRST(&q->msgs)) != NULL) {
		if (q->cfg.rate_pps != 0 && q->tokens < MICRO)
			break;
		ret = send(arg, e->port, e->dst, e->data, e->len);
		if (ret == -EAGAIN)
			break;
		if (ret < 0) {
			q->ctr[TX_PACER_DROPPED_UNSENDABLE]++;
		} else {
			q->ctr[TX_PACER_SENT]++;
			sent++;
			if (q->cfg.rate_pps != 0)
				q->tokens -= MICRO;
		}
		pop(q);
	}
	return sent;
}

uint32_t
tx_pacer_depth(const struct tx_pacer *q)
{
	return q->depth;
}

uint32_t
tx_pacer_max_depth(const struct tx_pacer *q)
{
	return q->max_depth;
}

uint32_t
tx_pacer_room(const struct tx_pacer *q)
{
	return q->cfg.bound - q->depth;
}

const struct tx_pacer_config *
tx_pacer_config(const struct tx_pacer *q)
{
	return &q->cfg;
}

uint64_t
tx_pacer_counter(const struct tx_pacer *q, enum tx_pacer_counter c)
{
	return (unsigned int)c < TX_PACER_CTR_COUNT ? q->ctr[c] : 0;
}

size_t
tx_pacer_memory(const struct tx_pacer *q)
{
	return sizeof(*q) + q->bytes;
}
