/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Room for new groups under a limit, shared by every lcore that admits them:
 * a worker takes room before it passes upstream a report for a group the
 * gateway does not hold yet, the main lcore gives it back when the group is
 * gone. Lock-free, and a take is all or nothing, so however many workers race
 * the groups held plus those admitted in flight never pass the limit.
 */
#ifndef IGMPGW_GROUP_QUOTA_H
#define IGMPGW_GROUP_QUOTA_H

#include <stdbool.h>
#include <stdint.h>

struct group_quota {
	uint32_t used;       /* groups held, plus groups admitted and not yet held */
	uint32_t max;
};

void group_quota_init(struct group_quota *q, uint32_t max);

/*
 * A reload's new max: raised, room at once; lowered below what is used, takes
 * fail until enough is given back (nothing is taken away).
 */
void group_quota_set_max(struct group_quota *q, uint32_t max);

/* Takes room for n more groups: true, or false (nothing taken) when it would pass max. */
bool group_quota_take(struct group_quota *q, uint32_t n);

/* Takes room for n groups whatever max says: a group held again that had room until now. */
void group_quota_force(struct group_quota *q, uint32_t n);

/* Gives room for n groups back. */
void group_quota_give(struct group_quota *q, uint32_t n);

uint32_t group_quota_used(const struct group_quota *q);

#endif
