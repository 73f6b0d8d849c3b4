/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The room is one counter changed by compare-and-swap: takes happen only for
 * groups the gateway does not hold yet (kHz at most), never per packet.
 */
#include "group_quota.h"

void
group_quota_init(struct group_quota *q, uint32_t max)
{
	q->max = max;
	__atomic_store_n(&q->used, 0, __ATOMIC_RELAXED);
}

void
group_quota_set_max(struct group_quota *q, uint32_t max)
{
	__atomic_store_n(&q->max, max, __ATOMIC_RELAXED);
}

bool
group_quota_take(struct group_quota *q, uint32_t n)
{
	uint32_t used = __atomic_load_n(&q->used, __ATOMIC_RELAXED);
	/* Read once: a reload may move it meanwhile, and the two tests must agree. */
	uint32_t max = __atomic_load_n(&q->max, __ATOMIC_RELAXED);

	do {
		if (n > max || used > max - n)
			return false;
	} while (!__atomic_compare_exchange_n(&q->used, &used, used + n, true, __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	return true;
}

void
group_quota_force(struct group_quota *q, uint32_t n)
{
	__atomic_fetch_add(&q->used, n, __ATOMIC_ACQ_REL);
}

void
group_quota_give(struct group_quota *q, uint32_t n)
{
	uint32_t used = __atomic_load_n(&q->used, __ATOMIC_RELAXED);

	/* Never below 0: giving back more than was taken is a caller's bug, not a wrap. */
	do {
		if (used == 0)
			return;
	} while (!__atomic_compare_exchange_n(&q->used, &used, used > n ? used - n : 0, true,
					      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
}

uint32_t
group_quota_used(const struct group_quota *q)
{
	return __atomic_load_n(&q->used, __ATOMIC_RELAXED);
}
