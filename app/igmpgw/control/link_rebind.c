/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Re-binding what the kernel took away and gave back (link_rebind.h). An
 * af_packet port's sockets stay bound to the ifindex they opened: a deleted
 * and re-created veth (same name, new ifindex) is never seen again by them,
 * and af_packet's stop/start does not reopen them. So the port gets a new
 * ethdev on the new interface (datapath/ports.c: probed, configured as at
 * start, started), and only the move to it and the removal of the old one
 * happen with the workers held, for a few milliseconds. The port's role,
 * queues, MAC, twin, counters and membership state stay; the link comes up
 * through link_watch.c as after any flap (startup queries inside, the whole
 * membership re-reported on the active outside).
 */
#include <net/if.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "gw.h"
#include "hold.h"
#include "link_rebind.h"
#include "ports.h"

#define GW_LOG_PART control

/* A worker that does not answer a hold this soon is stuck: nothing is changed. */
#define HOLD_TIMEOUT_MS 1000
#define RETRY_MS 2000

enum what { PORT, TWIN, WHATS };

static struct {
	uint64_t next_try_ms;
	bool failure_said;
} tries[GW_MAX_PORTS][WHATS];

static double
ms_since(uint64_t tsc)
{
	return (double)(rte_rdtsc() - tsc) * 1000.0 / (double)rte_get_tsc_hz();
}

/* Whether to try now; a try is then due again in RETRY_MS. */
static bool
due(enum gw_role role, enum what what)
{
	uint64_t now = gw_now_ms();

	if (now < tries[role][what].next_try_ms)
		return false;
	tries[role][what].next_try_ms = now + RETRY_MS;
	return true;
}

static void
failed(struct gw_port *p, enum what what, const char *why)
{
	p->stats[GW_STATS_MAIN].cnt[GW_CNT_rebind_failed]++;
	if (tries[p->role][what].failure_said)
		return;
	tries[p->role][what].failure_said = true;
	GW_LOG(WARNING, "%s: cannot re-bind %s %s: %s; tried again every %d s without saying so",
	       gw_role_name(p->role), what == PORT ? "to the re-created interface" : "the kernel twin",
	       what == PORT ? p->ifname : p->twin_ifname, why, RETRY_MS / 1000);
}

static bool
af_packet(const struct gw_port *p)
{
	struct rte_eth_dev_info info;

	return rte_eth_dev_info_get(p->port_id, &info) == 0 &&
		strcmp(info.driver_name, "net_af_packet") == 0;
}

bool
gw_link_rebind_port(struct gw_port *p)
{
	uint64_t t0 = rte_rdtsc();
	unsigned int ifindex;
	char err[256];
	uint16_t new_id;
	double held_ms;
	uint64_t t_hold;

	/* The trunk head re-binds the ethdev its VLAN sections share, whichever noticed. */
	p = &gw.port[p->trunk];
	if (!due(p->role, PORT))
		return p->ifindex == if_nametoindex(p->ifname);
	if (!af_packet(p)) {
		failed(p, PORT, "only af_packet ports are re-bound (igmpgw must be restarted)");
		return false;
	}
	ifindex = if_nametoindex(p->ifname);
	if (ifindex == 0)
		return false; /* gone again meanwhile */
	if (gw_port_rebind_open(p->role, &new_id, err, sizeof(err)) < 0) {
		failed(p, PORT, err);
		return false;
	}
	t_hold = rte_rdtsc();
	if (gw_workers_hold(HOLD_TIMEOUT_MS) < 0) {
		gw_port_rebind_drop(new_id);
		failed(p, PORT, "a worker did not pause for it");
		return false;
	}
	gw_port_rebind_move(p->role, new_id);
	gw_workers_release();
	held_ms = ms_since(t_hold);
	for (int r = 0; r < GW_MAX_PORTS; r++)
		if (gw.port[r].present && gw.port[r].trunk == p->role)
			gw.port[r].ifindex = ifindex;
	tries[p->role][PORT].failure_said = false;
	tries[p->role][PORT].next_try_ms = 0;
	p->stats[GW_STATS_MAIN].cnt[GW_CNT_port_rebound]++;
	GW_LOG(NOTICE, "%s: re-bound to the re-created interface %s (ifindex %u) as port %u (%s) in %.1f ms, the workers held %.1f ms; membership state kept",
	       gw_role_name(p->role), p->ifname, ifindex, new_id, p->name, ms_since(t0), held_ms);
	return true;
}

bool
gw_link_rebind_twin(struct gw_port *p)
{
	uint64_t t0 = rte_rdtsc();
	char err[256];
	int ret;

	if (!due(p->role, TWIN))
		return false;
	if (gw_workers_hold(HOLD_TIMEOUT_MS) < 0) {
		failed(p, TWIN, "a worker did not pause for it");
		return false;
	}
	ret = gw_twin_rebind(p->role, err, sizeof(err));
	gw_workers_release();
	if (ret < 0) {
		failed(p, TWIN, err);
		return false;
	}
	p->twin_ifindex = if_nametoindex(p->twin_ifname);
	tries[p->role][TWIN].failure_said = false;
	tries[p->role][TWIN].next_try_ms = 0;
	p->stats[GW_STATS_MAIN].cnt[GW_CNT_twin_rebound]++;
	GW_LOG(NOTICE, "%s: kernel twin %s made again (ifindex %u) in %.1f ms",
	       gw_role_name(p->role), p->twin_ifname, p->twin_ifindex, ms_since(t0));
	return true;
}
