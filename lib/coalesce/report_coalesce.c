/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A FIFO of waiting messages and an index of the v1/v2 ones by group (chained
 * buckets), so a group's later state finds its waiting message at once.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "igmp_wire.h"
#include "report_coalesce.h"

/* Memory bound: v3 reports keep a port's MTU of room each, v1/v2 ones 8 bytes. */
#define BYTES_A_PLACE 256

enum kind {
	KIND_V2,        /* v1/v2 report or leave, open: a later one rebuilds it */
	KIND_V3,        /* v3 report: records merged in */
	KIND_OTHER,     /* anything else, or a v2 one closed: sent as it is */
};

struct entry {
	STAILQ_ENTRY(entry) next;
	struct entry *hnext;        /* KIND_V2: the group's index chain */
	uint32_t dst;
	uint32_t group;             /* KIND_V2 */
	uint64_t epoch;             /* KIND_V2: v3 reports taken before it */
	uint8_t kind;
	uint8_t type;               /* KIND_V2: the group's latest message type */
	uint16_t len;
	uint16_t size;              /* data's size */
	uint8_t data[];
};

struct rcoal {
	STAILQ_HEAD(, entry) fifo;
	struct entry *last;
	struct entry **index;
	uint32_t index_mask;
	uint32_t bound;
	uint32_t depth;
	uint16_t room;
	uint64_t v3_epoch;          /* v3 reports taken: a v2 message older than one is closed */
	size_t bytes;
	uint64_t ctr[RCOAL_CTR_COUNT];
	uint8_t scratch[UINT16_MAX];
};

static const char *const counter_names[RCOAL_CTR_COUNT] = {
#define RCOAL_COUNTER_NAME(code, name, help) [code] = name,
	RCOAL_COUNTERS(RCOAL_COUNTER_NAME)
#undef RCOAL_COUNTER_NAME
};

const char *
rcoal_counter_name(enum rcoal_counter c)
{
	return (unsigned int)c < RCOAL_CTR_COUNT ? counter_names[c] : "invalid";
}

struct rcoal *
rcoal_create(uint32_t bound, uint16_t room)
{
	struct rcoal *c;
	uint32_t buckets = 64;

	if (bound == 0 || room < IGMP_V3_REPORT_MIN_LEN) {
		errno = EINVAL;
		return NULL;
	}
	while (buckets < bound && buckets < (1u << 20))
		buckets <<= 1;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->index = calloc(buckets, sizeof(*c->index));
	if (c->index == NULL) {
		free(c);
		return NULL;
	}
	STAILQ_INIT(&c->fifo);
	c->index_mask = buckets - 1;
	c->bound = bound;
	c->room = room;
	return c;
}

static struct entry **
bucket(const struct rcoal *c, uint32_t group)
{
	return &c->index[(group * 2654435769u) & c->index_mask];
}

void
rcoal_pop(struct rcoal *c)
{
	struct entry *e = STAILQ_FIRST(&c->fifo);

	if (e == NULL)
		return;
	if (e->kind == KIND_V2) {
		struct entry **p = bucket(c, e->group);

		while (*p != e)
			p = &(*p)->hnext;
		*p = e->hnext;
	}
	STAILQ_REMOVE_HEAD(&c->fifo, next);
	if (e == c->last)
		c->last = NULL;
	c->depth--;
	c->bytes -= sizeof(*e) + e->size;
	free(e);
}

void
rcoal_free(struct rcoal *c)
{
	if (c == NULL)
		return;
	while (!STAILQ_EMPTY(&c->fifo))
		rcoal_pop(c);
	free(c->index);
	free(c);
}

static struct entry *
append(struct rcoal *c, enum kind kind, uint32_t dst, const uint8_t *msg, uint16_t len,
       uint16_t size)
{
	struct entry *e;

	if (c->depth >= c->bound ||
	    c->bytes + sizeof(*e) + size > (size_t)c->bound * BYTES_A_PLACE) {
		c->ctr[RCOAL_DROPPED_FULL]++;
		errno = ENOBUFS;
		return NULL;
	}
	e = calloc(1, sizeof(*e) + size);
	if (e == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	e->kind = (uint8_t)kind;
	e->dst = dst;
	e->len = len;
	e->size = size;
	memcpy(e->data, msg, len);
	STAILQ_INSERT_TAIL(&c->fifo, e, next);
	c->last = e;
	c->depth++;
	c->bytes += sizeof(*e) + size;
	c->ctr[RCOAL_QUEUED]++;
	return e;
}

static uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The length of the v3 record at p (avail bytes there), 0 when it does not fit. */
static uint32_t
record_len(const uint8_t *p, uint32_t avail)
{
	uint32_t len;

	if (avail < 8)
		return 0;
	len = 8 + 4u * ((uint32_t)p[2] << 8 | p[3]) + 4u * p[1];
	return len <= avail ? len : 0;
}

/* Whether the report's records fill it exactly. */
static bool
v3_well_formed(const uint8_t *msg, uint16_t len)
{
	uint32_t n = (uint32_t)msg[6] << 8 | msg[7], off = IGMP_V3_REPORT_MIN_LEN;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t rl = record_len(msg + off, len - off);

		if (rl == 0)
			return false;
		off += rl;
	}
	return off == len;
}

/* The last record of group in the v3 report msg, or NULL. */
static const uint8_t *
last_record_of(const uint8_t *msg, uint16_t len, uint32_t group, uint32_t *rec_len)
{
	uint32_t n = (uint32_t)msg[6] << 8 | msg[7], off = IGMP_V3_REPORT_MIN_LEN;
	const uint8_t *found = NULL;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t rl = record_len(msg + off, len - off);

		if (get32(msg + off + 4) == group) {
			found = msg + off;
			*rec_len = rl;
		}
		off += rl;
	}
	return found;
}

static void
set_records_and_sum(uint8_t *msg, uint16_t len, uint32_t records)
{
	uint16_t sum;

	msg[6] = (uint8_t)(records >> 8);
	msg[7] = (uint8_t)records;
	msg[2] = msg[3] = 0;
	sum = igmp_inet_checksum(msg, len);
	msg[2] = (uint8_t)(sum >> 8);
	msg[3] = (uint8_t)sum;
}

uint16_t
rcoal_merge_v3(uint8_t *last, uint16_t last_len, uint16_t room, const uint8_t *next,
	       uint16_t next_len)
{
	uint32_t records;

	if (last_len < IGMP_V3_REPORT_MIN_LEN || next_len < IGMP_V3_REPORT_MIN_LEN ||
	    last[0] != IGMP_TYPE_V3_REPORT || next[0] != IGMP_TYPE_V3_REPORT ||
	    (uint32_t)last_len + next_len - IGMP_V3_REPORT_MIN_LEN > room)
		return 0;
	records = ((uint32_t)last[6] << 8 | last[7]) + ((uint32_t)next[6] << 8 | next[7]);
	if (records > UINT16_MAX)
		return 0;
	memcpy(last + last_len, next + IGMP_V3_REPORT_MIN_LEN, next_len - IGMP_V3_REPORT_MIN_LEN);
	last_len += next_len - IGMP_V3_REPORT_MIN_LEN;
	set_records_and_sum(last, last_len, records);
	return last_len;
}

/*
 * next without the records that repeat the last record last holds for their
 * group (or an earlier record of next itself, the same way), into out.
 */
static uint16_t
drop_repeats(const uint8_t *last, uint16_t last_len, const uint8_t *next, uint16_t next_len,
	     uint8_t *out)
{
	uint32_t n = (uint32_t)next[6] << 8 | next[7], off = IGMP_V3_REPORT_MIN_LEN;
	uint16_t out_len = IGMP_V3_REPORT_MIN_LEN;
	uint32_t kept = 0;

	memcpy(out, next, IGMP_V3_REPORT_MIN_LEN);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t rl = record_len(next + off, next_len - off), prev_len = 0;
		uint32_t group = get32(next + off + 4);
		/* next's own kept records come later than last's. */
		const uint8_t *prev = last_record_of(out, out_len, group, &prev_len);

		if (prev == NULL)
			prev = last_record_of(last, last_len, group, &prev_len);
		if (prev == NULL || prev_len != rl || memcmp(prev, next + off, rl) != 0) {
			memcpy(out + out_len, next + off, rl);
			out_len = (uint16_t)(out_len + rl);
			kept++;
			out[6] = (uint8_t)(kept >> 8);
			out[7] = (uint8_t)kept;
		}
		off += rl;
	}
	return out_len;
}

static int
add_v3(struct rcoal *c, uint32_t dst, const uint8_t *msg, uint16_t len)
{
	struct entry *e = c->last;

	if (!v3_well_formed(msg, len) || len > c->room) {
		c->ctr[RCOAL_INVALID]++;
		return -EINVAL;
	}
	c->v3_epoch++;
	if (e != NULL && e->kind == KIND_V3 && e->dst == dst) {
		uint16_t kept = drop_repeats(e->data, e->len, msg, len, c->scratch);
		uint16_t merged = kept == IGMP_V3_REPORT_MIN_LEN ?
			e->len : rcoal_merge_v3(e->data, e->len, e->size, c->scratch, kept);

		if (merged != 0) {
			e->len = merged;
			c->ctr[RCOAL_MERGED]++;
			return 1;
		}
	}
	return append(c, KIND_V3, dst, msg, len, c->room) != NULL ? 0 : -errno;
}

static int
add_v2(struct rcoal *c, uint32_t dst, const uint8_t *msg, uint16_t len)
{
	uint32_t group = get32(msg + 4);
	struct entry *e;

	if (len != IGMP_V2_LEN) {
		c->ctr[RCOAL_INVALID]++;
		return -EINVAL;
	}
	for (e = *bucket(c, group); e != NULL; e = e->hnext) {
		if (e->group != group || e->epoch != c->v3_epoch)
			continue;
		/* The group's waiting message says its latest state, in its place. */
		e->type = msg[0];
		e->dst = dst;
		igmp_build_v2(e->data, e->size, e->type, 0, group);
		c->ctr[RCOAL_MERGED]++;
		return 1;
	}
	e = append(c, KIND_V2, dst, msg, len, len);
	if (e == NULL)
		return -errno;
	e->group = group;
	e->type = msg[0];
	e->epoch = c->v3_epoch;
	/* A group has one open message: an older, closed one leaves the chain. */
	for (struct entry **p = bucket(c, group); *p != NULL; p = &(*p)->hnext) {
		if ((*p)->group == group) {
			struct entry *old = *p;

			*p = old->hnext;
			old->kind = KIND_OTHER;
			break;
		}
	}
	e->hnext = *bucket(c, group);
	*bucket(c, group) = e;
	return 0;
}

int
rcoal_add(struct rcoal *c, uint32_t dst, const uint8_t *msg, uint16_t len)
{
	if (len < 1) {
		c->ctr[RCOAL_INVALID]++;
		return -EINVAL;
	}
	switch (msg[0]) {
	case IGMP_TYPE_V1_REPORT:
	case IGMP_TYPE_V2_REPORT:
	case IGMP_TYPE_LEAVE:
		return add_v2(c, dst, msg, len);
	case IGMP_TYPE_V3_REPORT:
		if (len < IGMP_V3_REPORT_MIN_LEN) {
			c->ctr[RCOAL_INVALID]++;
			return -EINVAL;
		}
		return add_v3(c, dst, msg, len);
	default:
		if (len > c->room) {
			c->ctr[RCOAL_INVALID]++;
			return -EINVAL;
		}
		return append(c, KIND_OTHER, dst, msg, len, len) != NULL ? 0 : -errno;
	}
}

uint16_t
rcoal_peek(const struct rcoal *c, uint32_t *dst, uint8_t *buf, uint16_t cap)
{
	const struct entry *e = STAILQ_FIRST(&c->fifo);

	if (e == NULL || cap < e->len)
		return 0;
	*dst = e->dst;
	memcpy(buf, e->data, e->len);
	return e->len;
}

uint32_t
rcoal_depth(const struct rcoal *c)
{
	return c->depth;
}

uint64_t
rcoal_counter(const struct rcoal *c, enum rcoal_counter k)
{
	return (unsigned int)k < RCOAL_CTR_COUNT ? c->ctr[k] : 0;
}

size_t
rcoal_memory(const struct rcoal *c)
{
	return sizeof(*c) + (c->index_mask + 1) * sizeof(*c->index) + c->bytes;
}
