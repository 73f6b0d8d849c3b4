/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy a reload changes live, on the main lcore. The workers read the
 * ACLs, the SSM range and the IGMP input rates through one block (struct
 * gw_policy) published with an RCU pointer swap on gw.qsbr, the variable the
 * forwarding table's readers already report to: the old block and the ACLs it
 * pointed to are freed once every worker has passed a quiescent state. Then
 * what the new policy refuses is removed from the state held before it, as if
 * its members had left: tracked groups and sources (the membership library
 * sends the upstream change and clears the forwarding), and in goIGMP's modes
 * the groups asked for upstream (left there).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_rcu_qsbr.h>

#include "membership.h"
#include "originate.h"
#include "reload_policy.h"
#include "table_feed.h"
#include "tracking.h"

#define GW_LOG_PART main

/* Reloads whose old policy may still be read; one more waits for the oldest. */
#define RETIRED_MAX 8

static struct retired {
	uint64_t token;
	struct gw_policy *block;
	struct acl *acl[GW_MAX_PORTS];
	struct acl_set *accept_from[GW_MAX_PORTS];
} retired[RETIRED_MAX];
static unsigned int n_retired;

struct gw_policy *
gw_policy_prepare(const struct gw_config *next, char *err, size_t err_len)
{
	struct gw_policy *p = calloc(1, sizeof(*p));
	struct rl_rate ctl_rate;

	if (p == NULL) {
		gw_fail(err, err_len, "config: no memory for the policy; nothing was applied");
		return NULL;
	}
	for (int r = 0; r < GW_MAX_PORTS; r++)
		p->acl[r] = next->port[r].acl;
	p->ssm = next->igmp.ssm;
	p->ssm_range = next->igmp.ssm_range;
	if (rl_rate_init(&ctl_rate, next->limits.control_requests_per_client.per_sec,
			 next->limits.control_requests_per_client.burst, rte_get_tsc_hz()) < 0) {
		gw_fail(err, err_len, "config: limits.control_requests_per_client: burst too large");
		free(p);
		return NULL;
	}
	if (dp_rate_params(&next->limits, &p->host_rate, &p->port_rate, err, err_len) < 0 ||
	    dp_rate_tables(&next->limits, err, err_len) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

void
gw_policy_discard(struct gw_policy *p)
{
	free(p);
}

static void
release(struct retired *r)
{
	free(r->block);
	for (int i = 0; i < GW_MAX_PORTS; i++) {
		acl_free(r->acl[i]);
		acl_set_free(r->accept_from[i]);
	}
	memset(r, 0, sizeof(*r));
}

int
gw_policy_start(char *err, size_t err_len)
{
	struct gw_policy *p = gw_policy_prepare(&gw.cfg, err, err_len);

	if (p == NULL)
		return -1;
	__atomic_store_n(&gw.policy, p, __ATOMIC_RELEASE);
	return 0;
}

static bool purge_due;
static uint64_t purge_token;

void
gw_policy_purge_after_grace(void)
{
	purge_token = retired[n_retired - 1].token;
	purge_due = true;
}

bool
gw_policy_purge_ready(void)
{
	if (!purge_due || rte_rcu_qsbr_check(gw.qsbr, purge_token, false) != 1)
		return false;
	purge_due = false;
	return true;
}

void
gw_policy_purge_logged(uint64_t now_ms)
{
	uint32_t removed = gw_policy_purge(now_ms);

	if (removed > 0)
		GW_LOG(NOTICE, "reload: %u groups (or their sources) the new allow/deny or ssm_range refuses removed as if left (counted acl_removed)",
		       removed);
}

void
gw_policy_poll(void)
{
	unsigned int done = 0;

	/* In the order retired: a later grace period never ends before an earlier one. */
	while (done < n_retired && rte_rcu_qsbr_check(gw.qsbr, retired[done].token, false) == 1)
		release(&retired[done++]);
	if (done == 0)
		return;
	memmove(retired, retired + done, (n_retired - done) * sizeof(retired[0]));
	memset(retired + n_retired - done, 0, done * sizeof(retired[0]));
	n_retired -= done;
}

void
gw_policy_install(struct gw_policy *p, const struct gw_config *old)
{
	struct retired *r;

	if (n_retired == RETIRED_MAX) {
		/* Reloads faster than the workers pass quiescent states: wait for them. */
		rte_rcu_qsbr_synchronize(gw.qsbr, RTE_QSBR_THRID_INVALID);
		gw_policy_poll();
	}
	r = &retired[n_retired++];
	r->block = (struct gw_policy *)(uintptr_t)__atomic_exchange_n(&gw.policy, p,
								       __ATOMIC_ACQ_REL);
	for (int i = 0; i < GW_MAX_PORTS; i++) {
		r->acl[i] = old->port[i].acl;
		r->accept_from[i] = old->port[i].accept_from;
	}
	r->token = rte_rcu_qsbr_start(gw.qsbr);
}

void
gw_policy_close(void)
{
	if (n_retired > 0)
		rte_rcu_qsbr_synchronize(gw.qsbr, RTE_QSBR_THRID_INVALID);
	for (unsigned int i = 0; i < n_retired; i++)
		release(&retired[i]);
	n_retired = 0;
	free((void *)(uintptr_t)gw.policy);
	gw.policy = NULL;
}

/* ---- what the new policy refuses, removed as if left ---- */

/* A record to remove: the group (n_sources 0) or these sources of it (at src[first]). */
struct removal {
	uint16_t port;
	uint32_t group;
	uint32_t first;
	uint16_t n_sources;
};

static struct {
	struct removal *v;
	uint32_t n, cap;
	uint32_t *src;
	uint32_t n_src, cap_src;
	struct acl_policy policy;      /* for the port being walked */
	uint16_t port;
	bool no_memory;
} purge;

static bool
grow(void **v, uint32_t *cap, uint32_t need, size_t size)
{
	uint32_t cap2 = *cap == 0 ? 64 : *cap;
	void *n;

	if (need <= *cap)
		return true;
	while (cap2 < need)
		cap2 *= 2;
	n = realloc(*v, (size_t)cap2 * size);
	if (n == NULL)
		return false;
	*v = n;
	*cap = cap2;
	return true;
}

/* Notes what of one record the policy refuses (sources: its INCLUDE sources, NULL: any). */
static void
note(uint16_t port, uint32_t group, bool any_source, const uint32_t *sources,
     const struct mship_source *msources, uint16_t n)
{
	struct removal *rm;
	uint32_t first = purge.n_src;
	uint16_t refused = 0;

	if (!grow((void **)&purge.v, &purge.cap, purge.n + 1, sizeof(*purge.v)) ||
	    !grow((void **)&purge.src, &purge.cap_src, purge.n_src + n, sizeof(uint32_t))) {
		purge.no_memory = true;
		return;
	}
	if (!any_source) {
		for (uint16_t i = 0; i < n; i++) {
			uint32_t s = sources != NULL ? sources[i] : msources[i].addr;

			if (!acl_policy_permits(&purge.policy, group, s))
				purge.src[purge.n_src + refused++] = s;
		}
		if (refused == 0)
			return;
	} else if (acl_policy_permits(&purge.policy, group, ACL_ANY_SOURCE)) {
		return;
	}
	rm = &purge.v[purge.n++];
	*rm = (struct removal){ .port = port, .group = group };
	/* Every source refused: the whole record goes, as after its last member's leave. */
	if (!any_source && refused < n) {
		rm->first = first;
		rm->n_sources = refused;
		purge.n_src += refused;
	}
}

static int
note_tracked(const struct mship_group_info *g, void *arg __rte_unused)
{
	note(g->port, g->group, g->mode == MSHIP_EXCLUDE, NULL, g->sources, g->n_sources);
	return 0;
}

static void
policy_for(uint16_t port)
{
	const struct gw_policy *p = gw.policy;

	purge.policy = (struct acl_policy){
		.acl = { p->acl[port], p->acl[gw_active_outside()] },
		.ssm = p->ssm,
		.ssm_range = p->ssm_range,
	};
}

/* One removal on port: its acl_removed counter (the main lcore's slot). */
static uint32_t
counted(uint16_t port)
{
	gw.port[port].stats[GW_STATS_MAIN].cnt[GW_CNT_acl_removed]++;
	return 1;
}

static uint32_t
purge_tracked(uint64_t now_ms)
{
	struct mship *m = gw_tracking_state();
	uint32_t removed = 0;

	for (int r = GW_ROLE_INSIDE; r < GW_MAX_PORTS; r++) {
		if (!gw.port[r].present)
			continue;
		policy_for((uint16_t)r);
		mship_group_walk(m, (uint16_t)r, note_tracked, NULL);
	}
	for (uint32_t i = 0; i < purge.n; i++) {
		const struct removal *rm = &purge.v[i];

		if (mship_group_remove(m, rm->port, rm->group, purge.src + rm->first, rm->n_sources,
				       now_ms) == 0)
			removed += counted(rm->port);
	}
	return removed;
}

/*
 * goIGMP's modes: the asks of each inside port the policy refuses end as a
 * leave from that port would end them, and the upstream hears the leave
 * unless another inside port still asks for the group.
 */
static uint32_t
purge_asked(uint64_t now_ms)
{
	static struct asked_port_info info; /* large: off the stack */
	static struct ctl_item item;
	uint32_t removed = 0;

	for (int r = GW_ROLE_INSIDE; r < GW_MAX_PORTS; r++) {
		uint32_t next = 0;

		if (!gw.port[r].present)
			continue;
		policy_for((uint16_t)r);
		while (gw_feed_asked_next((enum gw_role)r, next, &info)) {
			note((uint16_t)r, info.group, info.any_source, info.sources, NULL,
			     info.any_source ? 0 : info.n_sources);
			if (info.group == 0xffffffffu)
				break;
			next = htonl(ntohl(info.group) + 1);
		}
	}
	for (uint32_t i = 0; i < purge.n; i++) {
		const struct removal *rm = &purge.v[i];
		struct igmp_record_spec rec = {
			.type = rm->n_sources == 0 ? IGMP_REC_TO_IN : IGMP_REC_BLOCK,
			.group = rm->group,
			.sources = purge.src + rm->first,
			.n_sources = rm->n_sources,
		};
		uint8_t buf[IGMP_V3_REPORT_MIN_LEN + IGMP_V3_RECORD_MIN_LEN +
			    4 * IGMPGW_MAX_SOURCES];
		struct igmp_ipv4 ip = { .src = gw.port[rm->port].addr,
					.dst = htonl(IGMP_ALL_V3_ROUTERS) };
		uint16_t next = 0, next_src = 0, n = rm->n_sources;
		struct igmp_msg msg;
		fwd_mask_t others;
		uint32_t dst;
		size_t len;

		if (n > IGMPGW_MAX_SOURCES)
			n = rec.n_sources = IGMPGW_MAX_SOURCES;
		len = igmp_build_v3_report(buf, sizeof(buf), sizeof(buf), &rec, 1, &next,
					   &next_src);
		if (len == 0 || igmp_parse(buf, len, &msg) != IGMP_OK)
			continue;
		/* Who else asks for it, read before this port's ask goes. */
		others = 0;
		if (gw_feed_asked_next((enum gw_role)rm->port, rm->group, &info) &&
		    info.group == rm->group)
			others = info.ports & ~(fwd_mask_t)(1u << rm->port);
		gw_feed_asked((enum gw_role)rm->port, &ip, &msg, 0, now_ms);
		removed += counted(rm->port);
		if (others != 0)
			continue;
		item.group = rm->group;
		item.n_sources = n;
		memcpy(item.sources, purge.src + rm->first, n * sizeof(uint32_t));
		gw_send_membership(&item, 1, true, &dst);
	}
	return removed;
}

uint32_t
gw_policy_purge(uint64_t now_ms)
{
	uint32_t removed;

	purge.n = 0;
	purge.n_src = 0;
	purge.no_memory = false;
	if (gw_tracking_enabled())
		removed = purge_tracked(now_ms);
	else
		removed = purge_asked(now_ms);
	if (purge.no_memory)
		GW_LOG(WARNING, "reload: no memory to list every group the new policy refuses: some stay until they expire");
	free(purge.v);
	free(purge.src);
	memset(&purge, 0, sizeof(purge));
	return removed;
}
