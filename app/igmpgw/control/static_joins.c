/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Static upstream joins ([join]): see static_joins.h. The reports go through
 * gw_send_membership, the path of client report requests, so they leave by
 * the active outside's paced queue, unicast to the querier where configured.
 */
#include <errno.h>
#include <string.h>

#include "static_joins.h"
#include "originate.h"

#define GW_LOG_PART control

/* Unsolicited reports at start and after a switch (RFC 3376 §8.1: the robustness variable). */
#define JOIN_UNSOLICITED_COUNT 2
#define JOIN_UNSOLICITED_INTERVAL_MS 1000

static uint8_t unsolicited_left = JOIN_UNSOLICITED_COUNT;
static uint64_t unsolicited_next;
/* Joins a query asked for, answered at the next poll: bit i = join i. */
static uint64_t asked_mask;

static void
join_item(const struct gw_join *j, struct ctl_item *it)
{
	it->group = j->group;
	it->n_sources = j->n_sources;
	memcpy(it->sources, j->sources, j->n_sources * sizeof(j->sources[0]));
}

/* Reports the joins of mask; false when the queue had no room (tried again later). */
static bool
report(uint64_t mask)
{
	static struct ctl_item items[GW_MAX_JOINS]; /* large: off the stack */
	const struct gw_join_config *c = &gw.cfg.join;
	uint16_t n = 0;
	uint32_t dst;
	int ret;

	for (uint16_t i = 0; i < c->n; i++)
		if (mask & (UINT64_C(1) << i))
			join_item(&c->joins[i], &items[n++]);
	if (n == 0)
		return true;
	ret = gw_send_membership(items, n, false, &dst);
	if (ret == -ENOBUFS)
		return false;
	if (ret < 0)
		GW_LOG(WARNING, "cannot report %u static joins on %s: %s", n,
		       gw_role_name(gw_active_outside()), strerror(-ret));
	return true;
}

static uint64_t
all_joins(void)
{
	uint16_t n = gw.cfg.join.n;

	return n >= 64 ? UINT64_MAX : (UINT64_C(1) << n) - 1;
}

void
gw_joins_upstream_changed(void)
{
	unsolicited_left = JOIN_UNSOLICITED_COUNT;
	unsolicited_next = 0;
}

void
gw_joins_query(enum gw_role role, const struct igmp_msg *msg)
{
	const struct gw_join_config *c = &gw.cfg.join;

	if (role != gw_active_outside() || msg->type != IGMP_TYPE_QUERY)
		return;
	/* A general query asks for everything, a group-specific one for its group. */
	for (uint16_t i = 0; i < c->n; i++)
		if (msg->group == 0 || msg->group == c->joins[i].group)
			asked_mask |= UINT64_C(1) << i;
}

void
gw_joins_poll(uint64_t now_ms)
{
	if (gw.cfg.join.n == 0)
		return;
	if (unsolicited_left > 0 && now_ms >= unsolicited_next) {
		if (!report(all_joins()))
			return;
		if (unsolicited_left == JOIN_UNSOLICITED_COUNT)
			GW_LOG(INFO, "reported %u static joins on %s", gw.cfg.join.n,
			       gw_role_name(gw_active_outside()));
		unsolicited_left--;
		unsolicited_next = now_ms + JOIN_UNSOLICITED_INTERVAL_MS;
		asked_mask = 0;
	}
	if (asked_mask != 0 && report(asked_mask))
		asked_mask = 0;
}
