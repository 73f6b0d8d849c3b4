/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control side of the multicast fast path. Without membership tracking the
 * table follows what the gateway itself asked for upstream (lib/feed's
 * feed_asked: the special unicast reports it translated for an inside port and
 * the reports clients requested, until their leave or until the group
 * membership interval passes without a refresh), so the fast path replaces
 * SMCRoute in goIGMP's deployment. This file is its adapter: tables, RCU,
 * clock and status.
 *
 * Those asked groups are also what bounds goIGMP's modes, forwarding on or
 * off: they are published to the workers in an RCU table (the forwarding
 * table itself when forwarding is on), and a worker passes a report for a
 * group not in it only after taking room under max_groups in a quota shared
 * by every lcore (igmp_proxy_limits). The main lcore turns the room a worker
 * took into a held group when it applies the report, and gives the room of a
 * group back only once no worker can still be acting on a view that held it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "feed.h"
#include "group_quota.h"
#include "gw.h"
#include "mship_timers.h"
#include "table_feed.h"

#define GW_LOG_PART control

#define POLL_PERIOD_MS 100
/* Batches of removed groups whose room waits for a grace period. */
#define RELEASE_SLOTS 64

static struct feed_asked *asked;

/*
 * Room of removed groups on its way back (see release_room): batches in
 * removal order, each waiting for the grace period that started after it.
 */
static struct {
	uint64_t token;
	uint32_t n;
	bool due;
} releases[RELEASE_SLOTS];
static unsigned int release_head, release_n;
/* Removed groups not yet in a batch (every slot was taken). */
static uint32_t removed;

/* Publishes the asked ports of one group to the workers' table (arg). */
static int
asked_publish(void *arg, uint32_t group, const struct feed_entry *e)
{
	return fwd_table_set(arg, group, e->any_source, e->sources, e->n_sources);
}

/* Whether the workers' table (set) holds group: for the feed and for the workers' limits. */
static bool
held_holds(const void *set, uint32_t group)
{
	return fwd_table_holds(set, group);
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

static int
fwd_init(char *err, size_t err_len)
{
	const struct gw_config *cfg = &gw.cfg;
	int ret;

	if (!cfg->forward.enabled)
		return 0;

	gw.fwd = fwd_table_create("igmpgw_fwd", cfg->limits.max_groups, (int)rte_socket_id(),
				  gw.qsbr);
	if (gw.fwd == NULL) {
		snprintf(err, err_len,
			 "config: limits.max_groups: no memory for a forwarding table of %u groups",
			 cfg->limits.max_groups);
		return -ENOMEM;
	}
	ret = gw_feed_set_routes(&cfg->forward);
	if (ret < 0) {
		snprintf(err, err_len, "config: [mroute]: %s", strerror(-ret));
		return ret;
	}
	GW_LOG(INFO, "forwarding on: %u static routes, up to %u groups, fed by %s",
	       cfg->forward.n_mroutes, cfg->limits.max_groups,
	       cfg->track_membership ? "membership tracking" : "the reports the gateway passes upstream");
	return 0;
}

/*
 * goIGMP's modes: the groups the gateway asks for upstream, published to the
 * workers (in the forwarding table when there is one) and bounded by [limits].
 */
/* What an asked group lives unrefreshed: the group membership interval of [querier]. */
static uint64_t
asked_lifetime_ms(const struct gw_querier_config *q)
{
	return mship_group_membership_interval_ms(q->robustness, q->query_interval_ms,
						  q->query_response_interval_ms);
}

static int
asked_init(char *err, size_t err_len)
{
	const struct gw_config *cfg = &gw.cfg;
	uint64_t gmi = asked_lifetime_ms(&cfg->querier);

	if (cfg->track_membership)
		return 0;
	gw.held = gw.fwd;
	if (gw.held == NULL)
		gw.held = fwd_table_create("igmpgw_held", cfg->limits.max_groups,
					   (int)rte_socket_id(), gw.qsbr);
	if (gw.held != NULL)
		asked = feed_asked_create(&(struct feed_asked_config){
			.max_groups = cfg->limits.max_groups,
			.max_sources = (uint16_t)cfg->limits.max_sources_per_group,
			.lifetime_ms = gmi,
			.client_ports = gw.inside_mask,
			.publish = asked_publish,
			.holds = held_holds,
			.arg = gw.held,
		});
	if (gw.held == NULL || asked == NULL) {
		snprintf(err, err_len, "config: limits.max_groups: out of memory for %u groups",
			 cfg->limits.max_groups);
		return -ENOMEM;
	}
	gw.upstream_limits = (struct igmp_proxy_limits){
		.holds = held_holds,
		.set = gw.held,
		.quota = feed_asked_quota(asked),
		.max_sources = (uint16_t)cfg->limits.max_sources_per_group,
	};
	gw.feed_asked = true;
	return 0;
}

void
gw_feed_set_timers(const struct gw_querier_config *q)
{
	if (asked != NULL)
		feed_asked_set_lifetime(asked, asked_lifetime_ms(q));
}

void
gw_feed_set_limits(const struct gw_limits_config *l)
{
	if (gw.fwd != NULL)
		fwd_table_set_max_groups(gw.fwd, l->max_groups);
	if (gw.held != NULL && gw.held != gw.fwd)
		fwd_table_set_max_groups(gw.held, l->max_groups);
	if (asked != NULL)
		group_quota_set_max(feed_asked_quota(asked), l->max_groups);
}

int
gw_feed_set_routes(const struct gw_forward_config *fw)
{
	struct fwd_route routes[GW_MAX_MROUTES];

	if (gw.fwd == NULL)
		return 0;
	for (uint16_t i = 0; i < fw->n_mroutes; i++) {
		const struct gw_mroute *rt = &fw->mroutes[i];

		routes[i] = (struct fwd_route){ rt->group, rt->prefix_len, rt->source, rt->ports };
	}
	return fwd_table_replace_static(gw.fwd, routes, fw->n_mroutes);
}

int
gw_feed_init(char *err, size_t err_len)
{
	int ret;

	for (int r = GW_ROLE_INSIDE; r < GW_MAX_PORTS; r++)
		if (gw.port[r].present)
			gw.inside_mask |= (fwd_mask_t)(1u << r);
	/* Always: the policy block a reload swaps (control/reload_policy.c) waits on it too. */
	ret = create_qsbr();
	if (ret < 0)
		return gw_fail(err, err_len, "EAL: no memory for RCU: %s", strerror(-ret));
	ret = fwd_init(err, err_len);
	return ret < 0 ? ret : asked_init(err, err_len);
}

/*
 * Gives back the room of removed groups once no worker can still be acting on
 * a view that held them: after a grace period of the workers' RCU, and one
 * control round later, once that round's drain has taken every event a worker
 * raised before it went quiescent (a refresh passed for a removed group is
 * held again on the room that was still taken: the limit is never passed).
 */
static void
release_room(void)
{
	unsigned int i;

	removed += feed_asked_take_removed(asked);
	while (release_n > 0 && releases[release_head].due) {
		group_quota_give(feed_asked_quota(asked), releases[release_head].n);
		release_head = (release_head + 1) % RELEASE_SLOTS;
		release_n--;
	}
	for (i = 0; i < release_n; i++) {
		unsigned int k = (release_head + i) % RELEASE_SLOTS;

		if (rte_rcu_qsbr_check(gw.qsbr, releases[k].token, false) != 1)
			break;
		releases[k].due = true;
	}
	if (removed > 0 && release_n < RELEASE_SLOTS) {
		unsigned int k = (release_head + release_n) % RELEASE_SLOTS;

		releases[k].token = rte_rcu_qsbr_start(gw.qsbr);
		releases[k].n = removed;
		releases[k].due = false;
		release_n++;
		removed = 0;
	}
}

void
gw_feed_asked(enum gw_role role, const struct igmp_ipv4 *ip, const struct igmp_msg *msg,
	      uint32_t admitted, uint64_t now_ms)
{
	/* A report to the gateway's own address is a special one it translated. */
	struct asked_origin origin = {
		.via = igmp_is_multicast(ip->dst) ? ASKED_VIA_PROXIED : ASKED_VIA_TRANSLATED,
		.from = ip->src,
	};

	if (asked != NULL)
		feed_asked_report(asked, (uint16_t)role, msg, admitted, now_ms, &origin);
}

fwd_mask_t
gw_feed_ports(uint32_t group, const uint32_t *sources, uint16_t n_sources)
{
	fwd_mask_t ports;

	/* The main lcore writes the table: it reads it without RCU. */
	if (gw.fwd == NULL)
		return 0;
	ports = fwd_table_lookup(gw.fwd, group, 0);
	for (uint16_t i = 0; i < n_sources; i++)
		ports |= fwd_table_lookup(gw.fwd, group, sources[i]);
	return ports;
}

bool
gw_feed_asked_next(enum gw_role role, uint32_t first, struct asked_port_info *info)
{
	return asked != NULL && feed_asked_next(asked, (uint16_t)role, first, info);
}

uint32_t
gw_feed_asked_count(enum gw_role role)
{
	return asked == NULL ? 0 : feed_asked_port_count(asked, (uint16_t)role);
}

uint16_t
gw_feed_client(const struct ctl_item *items, uint16_t n, bool leave, uint64_t now_ms,
		     struct ctl_item *taken)
{
	uint16_t n_taken = 0;

	for (uint16_t i = 0; i < n; i++) {
		const struct ctl_item *it = &items[i];
		bool took = true;

		if (asked != NULL && leave)
			feed_asked_client_leave(asked, it->group, it->sources, it->n_sources);
		else if (asked != NULL)
			took = feed_asked_client_join(asked, it->group, it->sources, it->n_sources,
						      now_ms) == 0;
		if (took)
			taken[n_taken++] = *it;
	}
	return n_taken;
}

void
gw_feed_poll(uint64_t now_ms)
{
	static uint64_t next;

	if (asked != NULL)
		release_room();
	if (now_ms < next)
		return;
	next = now_ms + POLL_PERIOD_MS;
	if (asked != NULL)
		feed_asked_expire(asked, now_ms);
	if (gw.fwd != NULL)
		fwd_table_reclaim(gw.fwd);
	if (gw.held != NULL && gw.held != gw.fwd)
		fwd_table_reclaim(gw.held);
}

/* The joins the asked groups refused, by [limits] key (none is refused per port). */
static void
asked_refused(uint64_t n[GW_LIMIT_COUNT])
{
	struct feed_asked_stats st;

	feed_asked_stats(asked, &st);
	n[GW_LIMIT_MAX_GROUPS] += st.refused_max_groups;
	n[GW_LIMIT_MAX_SOURCES_PER_GROUP] += st.refused_max_sources_per_group;
}

void
gw_feed_refused(uint64_t n[GW_LIMIT_COUNT])
{
	if (asked != NULL)
		asked_refused(n);
}

/* The goIGMP-mode bookkeeping of what the gateway asked for upstream, and its bounds. */
static void
asked_status(json_t *st)
{
	uint64_t refused[GW_LIMIT_COUNT] = { 0 };
	json_t *ref = json_object();
	struct feed_asked_stats as;

	feed_asked_stats(asked, &as);
	asked_refused(refused);
	for (int l = 0; l < GW_LIMIT_COUNT; l++)
		json_object_set_new(ref, gw_limit_key(l), json_integer((json_int_t)refused[l]));
	json_object_set_new(ref, "no_memory", json_integer((json_int_t)as.no_memory));
	json_object_set_new(st, "asked_groups", json_integer(as.groups));
	json_object_set_new(st, "asked_memory_bytes", json_integer((json_int_t)as.memory_bytes));
	json_object_set_new(st, "asked_room_taken", json_integer(as.room_taken));
	json_object_set_new(st, "asked_refused", ref);
}

json_t *
gw_feed_status(void)
{
	json_t *st;

	if (gw.fwd == NULL)
		st = json_pack("{s:b}", "enabled", 0);
	else
		st = json_pack("{s:b, s:i, s:i, s:I, s:s}", "enabled", 1, "groups",
			       (int)fwd_table_count(gw.fwd), "static_routes",
			       (int)gw.cfg.forward.n_mroutes, "memory_bytes",
			       (json_int_t)fwd_table_memory(gw.fwd), "fed_by",
			       gw.cfg.track_membership ? "membership" : "asked_upstream");
	if (st != NULL && asked != NULL)
		asked_status(st);
	return st;
}

void
gw_feed_close(void)
{
	feed_asked_free(asked);
	asked = NULL;
	if (gw.held != gw.fwd)
		fwd_table_free(gw.held);
	gw.held = NULL;
	fwd_table_free(gw.fwd);
	gw.fwd = NULL;
	rte_free(gw.qsbr);
	gw.qsbr = NULL;
}
