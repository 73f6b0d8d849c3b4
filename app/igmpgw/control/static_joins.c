/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Static upstream joins ([join]): see static_joins.h. The joins are the
 * gateway's own membership in the membership library's upstream host state
 * (mship_local_join): tracking's with track_membership, so the upstream state
 * is the union of the inside members and the joins; else a state of their
 * own with no downstream port. Either way the library reports them, answers
 * the queries and follows the upstream's compatibility mode (v3 IS_EX{} or
 * IS_IN{sources}, v2 or v1 reports), as for every report the proxy sends.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "membership.h"
#include "originate.h"
#include "static_joins.h"
#include "tracking.h"

#define GW_LOG_PART control

/* Where the joins are held: tracking's state, or own. */
static struct mship *state;
/* Without tracking: the joins' own upstream host state. */
static struct mship *own;
static bool tried;

static void
on_send(void *arg __rte_unused, uint16_t port, uint32_t dst, const uint8_t *igmp, uint16_t len)
{
	gw_originate_upstream((enum gw_role)port, dst, igmp, len);
}

/* A state of their own for the joins, with the RFC 3376 defaults of a host. */
static struct mship *
own_state(void)
{
	struct mship_ops ops = { .send = on_send };
	struct mship_config mc;
	uint16_t max_src = 1;

	for (uint16_t i = 0; i < gw.cfg.join.n; i++)
		if (gw.cfg.join.joins[i].n_sources > max_src)
			max_src = gw.cfg.join.joins[i].n_sources;
	mship_config_defaults(&mc);
	mc.max_groups = GW_MAX_JOINS;
	mc.max_groups_per_port = GW_MAX_JOINS;
	mc.max_sources_per_group = max_src;
	mc.max_msg_len = gw_upstream_max_msg();
	mc.random_seed = rte_rdtsc();
	return mship_create(&mc, &ops);
}

/* At the first poll, once tracking (if on) exists: hands every join to the state. */
static void
joins_start(uint64_t now_ms)
{
	enum gw_role up = gw_active_outside();
	uint16_t held = 0;

	tried = true;
	state = gw_tracking_state();
	if (state == NULL) {
		own = own_state();
		if (own == NULL) {
			GW_LOG(ERR, "cannot hold the %u static joins: %s", gw.cfg.join.n,
			       strerror(errno));
			return;
		}
		mship_set_upstream(own, (uint16_t)up, gw.port[up].addr, now_ms);
		state = own;
	}
	for (uint16_t i = 0; i < gw.cfg.join.n; i++) {
		const struct gw_join *j = &gw.cfg.join.joins[i];
		int ret = mship_local_join(state, j->group, j->sources, j->n_sources, now_ms);

		if (ret < 0)
			GW_LOG(WARNING, "cannot hold static join %s: %s", j->name, strerror(-ret));
		else
			held++;
	}
	GW_LOG(INFO, "reported %u static joins on %s", held, gw_role_name(up));
}

void
gw_joins_upstream_changed(uint64_t now_ms)
{
	enum gw_role up = gw_active_outside();

	/* Tracking's state moves with tracking (gw_tracking_upstream_changed). */
	if (own != NULL)
		mship_set_upstream(own, (uint16_t)up, gw.port[up].addr, now_ms);
}

void
gw_joins_query(enum gw_role role, const struct igmp_ipv4 *ip, const struct igmp_msg *msg,
	       uint64_t now_ms)
{
	/* With tracking, tracking's input has it already. */
	if (own != NULL && msg->type == IGMP_TYPE_QUERY)
		mship_input(own, (uint16_t)role, ip->src, ip->dst, msg, now_ms);
}

void
gw_joins_poll(uint64_t now_ms)
{
	if (gw.cfg.join.n == 0)
		return;
	if (!tried)
		joins_start(now_ms);
	if (own != NULL && mship_next_timer(own) <= now_ms)
		mship_tick(own, now_ms);
}

void
gw_joins_close(void)
{
	mship_free(own);
	own = NULL;
	state = NULL;
	tried = false;
}
