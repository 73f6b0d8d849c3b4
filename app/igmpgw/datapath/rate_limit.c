/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * [limits] igmp_rate_per_host and igmp_rate_per_port on the IGMP an inside
 * port receives. All of a port's IGMP reaches its owner worker (handoff.c),
 * so one bucket per port and one host table per port, written by the owner
 * alone, hold the configured rate whatever the number of workers: no split,
 * no locks. The tables are allocated here at start; workers never allocate.
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
	struct rl_host_table *hosts;     /* NULL: no per-host limit */
};

static struct rl_rate host_rate;
static struct rl_rate port_rate;
static struct port_rate rate[GW_MAX_PORTS];

int
dp_rate_init(char *err, size_t err_len)
{
	const struct gw_limits_config *l = &gw.cfg.limits;
	uint64_t hz = rte_get_tsc_hz();

	if (rl_rate_init(&host_rate, l->igmp_rate_per_host.per_sec, l->igmp_rate_per_host.burst,
			 hz) < 0)
		return gw_fail(err, err_len, "config: limits.igmp_rate_per_host: burst too large");
	if (rl_rate_init(&port_rate, l->igmp_rate_per_port.per_sec, l->igmp_rate_per_port.burst,
			 hz) < 0)
		return gw_fail(err, err_len, "config: limits.igmp_rate_per_port: burst too large");
	gw.rate_log = rte_ring_create_elem("igmpgw_rate_log", sizeof(uint64_t), RATE_LOG_RING,
					   (int)rte_socket_id(), RING_F_SC_DEQ);
	if (gw.rate_log == NULL)
		return gw_fail(err, err_len, "EAL: cannot create the rate limit ring: %s",
			       rte_strerror(rte_errno));
	for (int r = GW_ROLE_INSIDE; r < GW_MAX_PORTS; r++) {
		if (!gw.port[r].present || !gw_role_is_inside(r))
			continue;
		rl_bucket_init(&rate[r].port, &port_rate, rte_rdtsc());
		if (host_rate.per_sec == 0)
			continue;
		rate[r].hosts = rl_host_table_create(l->igmp_rate_hosts, &host_rate,
						     GW_RATE_LOG_PERIOD_S * hz);
		if (rate[r].hosts == NULL)
			return gw_fail(err, err_len,
				       "config: limits.igmp_rate_hosts: no memory for %s's %u hosts",
				       gw_role_name(r), l->igmp_rate_hosts);
	}
	return 0;
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
	struct port_rate *pr = &rate[role];
	struct gw_port_stats *st;
	bool evicted;

	if (!gw_role_is_inside(role))
		return true;
	st = stats_of(w, role);
	if (pr->hosts != NULL) {
		enum rl_verdict v = rl_host_take(pr->hosts, src, w->burst_tsc, &evicted);

		if (evicted)
			st->cnt[GW_CNT_igmp_rate_hosts_evicted]++;
		if (v != RL_PASS) {
			st->cnt[GW_CNT_igmp_rate_host_dropped]++;
			if (v == RL_DROP_FIRST)
				tell_main(role, src);
			return false;
		}
	}
	if (!rl_bucket_take(&pr->port, &port_rate, w->burst_tsc)) {
		st->cnt[GW_CNT_igmp_rate_port_dropped]++;
		return false;
	}
	return true;
}
