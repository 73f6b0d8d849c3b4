/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Token buckets in token-ticks, and the host table: set-associative, RL_WAYS
 * hosts a set, the least recently seen of a set gives way to a new host.
 */
#include <errno.h>
#include <stdlib.h>

#include "ratelimit.h"

int
rl_rate_init(struct rl_rate *r, uint32_t per_sec, uint32_t burst, uint64_t hz)
{
	*r = (struct rl_rate){ .per_sec = per_sec, .burst = burst };
	if (per_sec == 0)
		return 0;
	if (burst == 0 || hz == 0 || hz > UINT64_MAX / burst)
		return -EINVAL;
	r->hz = hz;
	r->full = (uint64_t)burst * hz;
	r->fill_ticks = r->full / per_sec + 1;
	return 0;
}

void
rl_bucket_init(struct rl_bucket *b, const struct rl_rate *r, uint64_t now)
{
	b->tokens = r->full;
	b->last = now;
}

bool
rl_bucket_take(struct rl_bucket *b, const struct rl_rate *r, uint64_t now)
{
	if (r->per_sec == 0)
		return true;
	if (now >= b->last) {
		/* Past a whole fill the bucket is full: no product that can overflow. */
		if (now - b->last >= r->fill_ticks)
			b->tokens = r->full;
		else
			b->tokens += (now - b->last) * r->per_sec;
		if (b->tokens > r->full)
			b->tokens = r->full;
	}
	b->last = now;
	if (b->tokens < r->hz)
		return false;
	b->tokens -= r->hz;
	return true;
}

int
rl_shared_rate_init(struct rl_shared_rate *r, uint32_t per_sec, uint32_t burst, uint64_t hz)
{
	*r = (struct rl_shared_rate){ .per_sec = per_sec };
	if (per_sec == 0)
		return 0;
	if (burst == 0 || hz < per_sec)
		return -EINVAL;
	r->interval = (hz + per_sec - 1) / per_sec;
	if (r->interval > UINT64_MAX / 4 / burst)
		return -EINVAL;
	r->tolerance = (uint64_t)(burst - 1) * r->interval;
	return 0;
}

void
rl_shared_bucket_init(struct rl_shared_bucket *b)
{
	__atomic_store_n(&b->tat, 0, __ATOMIC_RELAXED);
}

bool
rl_shared_take(struct rl_shared_bucket *b, const struct rl_shared_rate *r, uint64_t now)
{
	uint64_t tat = __atomic_load_n(&b->tat, __ATOMIC_RELAXED);
	uint64_t start;

	if (r->per_sec == 0)
		return true;
	do {
		/* An idle bucket restarts at now: the debt never goes below a full bucket. */
		start = tat > now ? tat : now;
		if (start - now > r->tolerance)
			return false;
	} while (!__atomic_compare_exchange_n(&b->tat, &tat, start + r->interval, true,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return true;
}

struct rl_host {
	uint32_t addr;
	bool used;
	uint64_t seen;              /* last packet: the eviction order */
	uint64_t logged;            /* last RL_DROP_FIRST */
	bool ever_logged;
	struct rl_bucket bucket;
};

struct rl_host_table {
	struct rl_rate rate;
	uint64_t log_period;
	uint32_t set_mask;          /* sets - 1 */
	uint32_t used;
	struct rl_host host[];      /* sets * RL_WAYS */
};

struct rl_host_table *
rl_host_table_create(uint32_t capacity, const struct rl_rate *rate, uint64_t log_period)
{
	struct rl_host_table *t;
	uint32_t sets = 1;

	if (capacity == 0 || capacity > (1u << 24) || rate == NULL) {
		errno = EINVAL;
		return NULL;
	}
	while (sets * RL_WAYS < capacity)
		sets <<= 1;
	t = calloc(1, sizeof(*t) + (size_t)sets * RL_WAYS * sizeof(t->host[0]));
	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	t->rate = *rate;
	t->log_period = log_period;
	t->set_mask = sets - 1;
	return t;
}

void
rl_host_table_free(struct rl_host_table *t)
{
	free(t);
}

static struct rl_host *
set_of(struct rl_host_table *t, uint32_t addr)
{
	/*
	 * A full mix (every input bit reaches every output bit): the address is
	 * in network order, so a subnet's hosts differ in its top byte, which a
	 * multiply alone would carry only into bits the mask throws away (every
	 * host of a /24 landed in one set and evicted each other).
	 */
	uint32_t x = addr;

	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return &t->host[(size_t)(x & t->set_mask) * RL_WAYS];
}

static struct rl_host *
find_or_take(struct rl_host_table *t, const struct rl_rate *rate, uint32_t addr, uint64_t now,
	     bool *evicted)
{
	struct rl_host *set = set_of(t, addr);
	struct rl_host *victim = NULL;

	*evicted = false;
	for (int i = 0; i < RL_WAYS; i++) {
		if (set[i].used && set[i].addr == addr)
			return &set[i];
		if (!set[i].used) {
			if (victim == NULL || victim->used)
				victim = &set[i];
		} else if (victim == NULL || (victim->used && set[i].seen < victim->seen)) {
			victim = &set[i];
		}
	}
	if (victim->used)
		*evicted = true;
	else
		t->used++;
	*victim = (struct rl_host){ .addr = addr, .used = true };
	rl_bucket_init(&victim->bucket, rate, now);
	return victim;
}

enum rl_verdict
rl_host_take_rate(struct rl_host_table *t, const struct rl_rate *rate, uint32_t addr,
		  uint64_t now, bool *evicted)
{
	struct rl_host *h = find_or_take(t, rate, addr, now, evicted);

	h->seen = now;
	if (rl_bucket_take(&h->bucket, rate, now))
		return RL_PASS;
	if (h->ever_logged && now - h->logged < t->log_period)
		return RL_DROP;
	h->ever_logged = true;
	h->logged = now;
	return RL_DROP_FIRST;
}

enum rl_verdict
rl_host_take(struct rl_host_table *t, uint32_t addr, uint64_t now, bool *evicted)
{
	return rl_host_take_rate(t, &t->rate, addr, now, evicted);
}

uint32_t
rl_host_table_capacity(const struct rl_host_table *t)
{
	return (t->set_mask + 1) * RL_WAYS;
}

uint32_t
rl_host_table_used(const struct rl_host_table *t)
{
	return t->used;
}

size_t
rl_host_table_memory(const struct rl_host_table *t)
{
	return sizeof(*t) + (size_t)rl_host_table_capacity(t) * sizeof(t->host[0]);
}
