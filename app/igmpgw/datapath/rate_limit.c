/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * [limits] igmp_rate_per_host and igmp_rate_per_port on the IGMP an inside
 * port receives. All of a port's IGMP reaches its owner worker (handoff.c),
 * so one bucket per port and one host table per port, written by the owner
 * alone, hold the configured rate whatever the number of workers: no split,
 * no locks. The tables are allocated here on the main lcore (at start, or by
 * the reload that first sets a host rate); workers never allocate. The rates
 * come from the published policy block (gw_policy()), so a reload changes
 * them without emptying the tables.
 * A host's first drop of a log period is handed to the main lcore to log.
 */

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ring.h>

#include "datapath.h"
#include "ratelimit.h"

#define RATE_LOG_RING 256

struct port_rate {
	struct rl_bucket port;           /* the owner's alone */
	struct rl_host_table *hosts;     /* NULL: no per-host limit yet; atomic (a reload adds it) */
};

static struct port_rate rate[GW_MAX_PORTS];

int
dp_rate_params(const struct gw_limits_config *l, struct rl_rate *host, struct rl_rate *port,
	       char *err, size_t err_len)
{
	uint64_t hz = rte_get_tsc_hz();

	if (rl_rate_init(host, l->igmp_rate_per_host.per_sec, l->igmp_rate_per_host.burst,
			 hz) < 0)
		return gw_fail(err, err_len, "config: limits.igmp_rate_per_host: burst too large");
	if (rl_rate_init(port, l->igmp_rate_per_port.per_sec, l->igmp_rate_per_port.burst,
			 hz) < 0)
		return gw_fail(err, err_len, "config: limits.igmp_rate_per_port: burst too large");
	return 0;
}

int
dp_rate_tables(const struct gw_limits_config *l, char *err, size_t err_len)
{
	struct rl_rate host, port;

	if (dp_rate_params(l, &host, &port, err, err_len) < 0)
		return -1;
	if (host.per_sec == 0)
		return 0;
	for (int r = GW_ROLE_INSIDE; r < GW_MAX_PORTS; r++) {
		struct rl_host_table *t;

		if (!gw.port[r].present || rate[r].hosts != NULL)
			continue;
		t = rl_host_table_create(l->igmp_rate_hosts, &host,
					 GW_RATE_LOG_PERIOD_S * rte_get_tsc_hz());
		if (t == NULL)
			return gw_fail(err, err_len,
				       "config: limits.igmp_rate_hosts: no memory for %s's %u hosts",
				       gw_role_name(r), l->igmp_rate_hosts);
		/* Zeroed before it is seen: the owner may take it from its next packet. */
		__atomic_store_n(&rate[r].hosts, t, __ATOMIC_RELEASE);
	}
	return 0;
}

int
dp_rate_init(char *err, size_t err_len)
{
	const struct gw_limits_config *l = &gw.cfg.limits;
	struct rl_rate host, port;

	if (dp_rate_params(l, &host, &port, err, err_len) < 0)
		return -1;
	gw.rate_log = rte_ring_create_elem("igmpgw_rate_log", sizeof(uint64_t), RATE_LOG_RING,
					   (int)rte_socket_id(), RING_F_SC_DEQ);
	if (gw.rate_log == NULL)
		return gw_fail(err, err_len, "EAL: cannot create the rate limit ring: %s",
			       rte_strerror(rte_errno));
	for (int r = GW_ROLE_INSIDE; r < GW_MAX_PORTS; r++)
		if (gw.port[r].present && gw_role_is_inside(r))
			rl_bucket_init(&rate[r].port, &port, rte_rdtsc());
	return dp_rate_tables(l, err, err_len);
}

void
dp_rate_close(void)
{
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		rl_host_table_free(rate[r].hosts);
		rate[r].hosts = NULL;
	}
	rte_ring_free(gw.rate_log);
	gw.rate_log = NULL;
}

/* Hands (port, host) to the main lcore to log; a full ring only loses the line. */
static void
tell_main(enum gw_role role, uint32_t src)
{
	uint64_t rec = ((uint64_t)role << 32) | src;

	rte_ring_enqueue_elem(gw.rate_log, &rec, sizeof(rec));
}

bool
dp_igmp_rate_admit(struct worker *w, enum gw_role role, uint32_t src)
{
	const struct gw_policy *pol = gw_policy(); /* the rates in force: RCU, a reload swaps them */
	struct port_rate *pr = &rate[role];
	struct rl_host_table *hosts;
	struct gw_port_stats *st;
	bool evicted;

	if (!gw_role_is_inside(role))
		return true;
	st = stats_of(w, role);
	hosts = __atomic_load_n(&pr->hosts, __ATOMIC_ACQUIRE);
	if (hosts != NULL && pol->host_rate.per_sec != 0) {
		enum rl_verdict v = rl_host_take_rate(hosts, &pol->host_rate, src, w->burst_tsc,
						      &evicted);

		if (evicted)
			st->cnt[GW_CNT_igmp_rate_hosts_evicted]++;
		if (v != RL_PASS) {
			st->cnt[GW_CNT_igmp_rate_host_dropped]++;
			if (v == RL_DROP_FIRST)
				tell_main(role, src);
			return false;
		}
	}
	if (!rl_bucket_take(&pr->port, &pol->port_rate, w->burst_tsc)) {
		st->cnt[GW_CNT_igmp_rate_port_dropped]++;
		return false;
	}
	return true;
}
