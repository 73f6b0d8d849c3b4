/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control side of the multicast fast path. Without membership tracking the
 * table follows what the gateway itself asked for upstream: the special
 * unicast reports it translated for an inside port and the reports clients
 * requested, until their leave or until the group membership interval passes
 * without a refresh, so the fast path replaces SMCRoute in goIGMP's deployment.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "asked_groups.h"
#include "forwarding.h"
#include "gw.h"

#define POLL_PERIOD_MS 100

static struct asked_groups *asked;

/* Publishes the asked ports of one group to the workers' table. */
static void
asked_changed(void *arg __rte_unused, uint32_t group)
{
	struct fwd_source src[ASKED_MAX_SOURCES];
	fwd_mask_t any;
	uint16_t n;
	int ret;

	asked_groups_get(asked, group, &any, src, &n);
	ret = fwd_table_set(gw.fwd, group, any, src, n);
	if (ret < 0)
		GW_LOG(WARNING, "forwarding: cannot set a group: %s", strerror(-ret));
}

static int
create_qsbr(void)
{
	size_t size = rte_rcu_qsbr_get_memsize(GW_MAX_WORKERS);

	gw.qsbr = rte_zmalloc_socket("igmpgw_qsbr", size, RTE_CACHE_LINE_SIZE,
				     (int)rte_socket_id());
	if (gw.qsbr == NULL)
		return -ENOMEM;
	return rte_rcu_qsbr_init(gw.qsbr, GW_MAX_WORKERS);
}

int
gw_forwarding_init(char *err, size_t err_len)
{
	const struct gw_config *cfg = &gw.cfg;
	const struct gw_querier_config *q = &cfg->querier;
	int ret;

	for (int r = GW_ROLE_INSIDE; r < GW_MAX_PORTS; r++)
		if (gw.port[r].present)
			gw.inside_mask |= (fwd_mask_t)(1u << r);
	if (!cfg->forward.enabled)
		return 0;

	ret = create_qsbr();
	if (ret < 0) {
		snprintf(err, err_len, "config: forward.enabled: no memory for RCU: %s",
			 strerror(-ret));
		return ret;
	}
	gw.fwd = fwd_table_create("igmpgw_fwd", cfg->limits.max_groups, (int)rte_socket_id(),
				  gw.qsbr);
	if (gw.fwd == NULL) {
		snprintf(err, err_len,
			 "config: limits.max_groups: no memory for a forwarding table of %u groups",
			 cfg->limits.max_groups);
		return -ENOMEM;
	}
	for (uint16_t i = 0; i < cfg->forward.n_mroutes; i++) {
		const struct gw_mroute *rt = &cfg->forward.mroutes[i];

		ret = fwd_table_add_static(gw.fwd, rt->group, rt->prefix_len, rt->source, rt->ports);
		if (ret < 0) {
			snprintf(err, err_len, "config: [mroute]: route %u: %s", i, strerror(-ret));
			return ret;
		}
	}
	if (!cfg->track_membership) {
		/* RFC 3376 §8.4 group membership interval. */
		uint64_t gmi = (uint64_t)q->robustness * q->query_interval_ms +
			q->query_response_interval_ms;

		asked = asked_groups_create(cfg->limits.max_groups, gmi, asked_changed, NULL);
		if (asked == NULL) {
			snprintf(err, err_len, "config: limits.max_groups: out of memory");
			return -ENOMEM;
		}
		gw.feed_asked = true;
	}
	GW_LOG(INFO, "forwarding on: %u static routes, up to %u groups, fed by %s",
	       cfg->forward.n_mroutes, cfg->limits.max_groups,
	       cfg->track_membership ? "membership tracking" : "the reports the gateway passes upstream");
	return 0;
}

static void
asked_join(fwd_mask_t ports, uint32_t group, const uint32_t *sources, uint16_t n, uint64_t now)
{
	if (asked_groups_join(asked, group, ports, sources, n, now) < 0)
		GW_LOG(NOTICE, "forwarding: group table full (limits.max_groups): a join was refused");
}

/* Applies one v3 record the way a router would read it, without the exclusions. */
static void
asked_record(fwd_mask_t port, const struct igmp_record *rec, uint64_t now)
{
	uint32_t sources[ASKED_MAX_SOURCES];
	uint16_t n = rec->n_sources < ASKED_MAX_SOURCES ? rec->n_sources : ASKED_MAX_SOURCES;

	memcpy(sources, rec->sources, (size_t)n * 4);
	switch (rec->type) {
	case IGMP_REC_IS_IN:
	case IGMP_REC_ALLOW:
	case IGMP_REC_TO_IN:
		if (n > 0)
			asked_join(port, rec->group, sources, n, now);
		else if (rec->type == IGMP_REC_TO_IN)
			asked_groups_leave(asked, rec->group, port, NULL, 0);
		break;
	case IGMP_REC_IS_EX:
	case IGMP_REC_TO_EX:
		asked_join(port, rec->group, NULL, 0, now);
		break;
	case IGMP_REC_BLOCK:
		asked_groups_leave(asked, rec->group, port, sources, n);
		break;
	default:
		break;
	}
}

void
gw_forwarding_asked(enum gw_role role, const struct igmp_msg *msg, uint64_t now_ms)
{
	fwd_mask_t port = (fwd_mask_t)(1u << role);
	struct igmp_record rec;
	size_t pos = 0;

	if (asked == NULL)
		return;
	switch (msg->type) {
	case IGMP_TYPE_V1_REPORT:
	case IGMP_TYPE_V2_REPORT:
		asked_join(port, msg->group, NULL, 0, now_ms);
		break;
	case IGMP_TYPE_LEAVE:
		asked_groups_leave(asked, msg->group, port, NULL, 0);
		break;
	case IGMP_TYPE_V3_REPORT:
		while (igmp_record_next(msg, &pos, &rec))
			asked_record(port, &rec, now_ms);
		break;
	default:
		break;
	}
}

uint16_t
gw_forwarding_client(const struct ctl_item *items, uint16_t n, bool leave, uint64_t now_ms,
		     struct ctl_item *taken)
{
	uint16_t n_taken = 0;

	for (uint16_t i = 0; i < n; i++) {
		uint16_t n_src = items[i].n_sources < ASKED_MAX_SOURCES ? items[i].n_sources :
			ASKED_MAX_SOURCES;

		if (asked != NULL && !leave &&
		    asked_groups_join(asked, items[i].group, gw.inside_mask, items[i].sources, n_src,
				      now_ms) < 0)
			continue;
		if (asked != NULL && leave)
			asked_groups_leave(asked, items[i].group, gw.inside_mask, items[i].sources,
					   n_src);
		taken[n_taken++] = items[i];
	}
	return n_taken;
}

void
gw_forwarding_poll(uint64_t now_ms)
{
	static uint64_t next;

	if (gw.fwd == NULL || now_ms < next)
		return;
	next = now_ms + POLL_PERIOD_MS;
	if (asked != NULL)
		asked_groups_expire(asked, now_ms);
	fwd_table_reclaim(gw.fwd);
}

json_t *
gw_forwarding_status(void)
{
	json_t *st;

	if (gw.fwd == NULL)
		return json_pack("{s:b}", "enabled", 0);
	st = json_pack("{s:b, s:i, s:i, s:I, s:s}", "enabled", 1, "groups",
		       (int)fwd_table_count(gw.fwd), "static_routes",
		       (int)gw.cfg.forward.n_mroutes, "memory_bytes",
		       (json_int_t)fwd_table_memory(gw.fwd), "fed_by",
		       gw.cfg.track_membership ? "membership" : "asked_upstream");
	/* What the goIGMP-mode bookkeeping that feeds the table takes besides. */
	if (st != NULL && asked != NULL) {
		json_object_set_new(st, "asked_groups", json_integer(asked_groups_count(asked)));
		json_object_set_new(st, "asked_memory_bytes",
				    json_integer((json_int_t)asked_groups_memory(asked)));
	}
	return st;
}

void
gw_forwarding_close(void)
{
	asked_groups_free(asked);
	asked = NULL;
	fwd_table_free(gw.fwd);
	gw.fwd = NULL;
	rte_free(gw.qsbr);
	gw.qsbr = NULL;
}
