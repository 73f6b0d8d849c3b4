/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Notices what happens to the ports' kernel interfaces and twins behind the
 * drivers' backs, and says so: a log line, a counter, the status' link.
 * Re-binding a replaced interface is left to the link-state work: af_packet's
 * stop/start does not reopen its sockets.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "gw.h"
#include "link_watch.h"

#define GW_LOG_PART control

#define WATCH_PERIOD_MS 1000

static const char *const state_names[] = {
#define GW_LINK_STATE_NAME(name, help) #name,
	GW_LINK_STATES(GW_LINK_STATE_NAME)
#undef GW_LINK_STATE_NAME
};

static const char *const state_help[] = {
#define GW_LINK_STATE_HELP(name, help) help,
	GW_LINK_STATES(GW_LINK_STATE_HELP)
#undef GW_LINK_STATE_HELP
};

static int ioctl_fd = -1;

const char *
gw_link_state_name(const struct gw_port *p, bool twin)
{
	if (twin ? p->twin_ifindex == 0 : p->ifindex == 0)
		return "";
	return state_names[twin ? p->twin_state : p->link_state];
}

bool
gw_port_link_up(const struct gw_port *p)
{
	struct rte_eth_link link;

	if (p->ifindex != 0 && p->link_state != GW_LINK_up)
		return false;
	return rte_eth_link_get_nowait(p->port_id, &link) == 0 && link.link_status;
}

/* What became of the interface that had ifindex and name when the port opened it. */
static enum gw_link_state
kernel_state(unsigned int ifindex, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (if_indextoname(ifindex, ifr.ifr_name) == NULL)
		return if_nametoindex(name) != 0 ? GW_LINK_replaced : GW_LINK_gone;
	if (ioctl_fd < 0)
		ioctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ioctl_fd < 0 || ioctl(ioctl_fd, SIOCGIFFLAGS, &ifr) < 0)
		return GW_LINK_up; /* cannot tell: say nothing rather than something false */
	return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING) ? GW_LINK_up :
									     GW_LINK_down;
}

static void
check_port(struct gw_port *p)
{
	struct gw_port_stats *st = &p->stats[GW_STATS_MAIN];
	const char *role = gw_role_name(p->role);
	enum gw_link_state s;

	if (p->ifindex != 0) {
		s = kernel_state(p->ifindex, p->ifname);
		if (s != p->link_state) {
			if (s == GW_LINK_up)
				GW_LOG(NOTICE, "%s: interface %s is up again", role, p->ifname);
			else if (s == GW_LINK_down)
				GW_LOG(WARNING, "%s: interface %s is %s: the port sends and receives nothing",
				       role, p->ifname, state_help[s]);
			else
				GW_LOG(WARNING, "%s: interface %s was %s: the port stays cut off from it until igmpgw is restarted",
				       role, p->ifname, state_help[s]);
			if (p->link_state == GW_LINK_up)
				st->cnt[GW_CNT_link_lost]++;
			p->link_state = (uint8_t)s;
		}
	}
	if (p->twin_ifindex != 0) {
		s = kernel_state(p->twin_ifindex, p->twin_ifname);
		if (s == GW_LINK_replaced)
			s = GW_LINK_gone; /* a twin is ours: whoever made another is a stranger */
		if (s != p->twin_state) {
			if (s == GW_LINK_up)
				GW_LOG(NOTICE, "%s: kernel twin %s is up again", role, p->twin_ifname);
			else
				GW_LOG(WARNING, "%s: kernel twin %s is %s: ARP, ping and SSH to the gateway are cut there%s",
				       role, p->twin_ifname, state_help[s],
				       s == GW_LINK_down ? " (ip link set ... up brings it back)" : "");
			if (p->twin_state == GW_LINK_up)
				st->cnt[GW_CNT_twin_lost]++;
			p->twin_state = (uint8_t)s;
		}
	}
}

void
gw_link_watch_init(void)
{
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		struct gw_port *p = &gw.port[r];

		if (!p->present)
			continue;
		p->ifindex = p->ifname[0] != '\0' ? if_nametoindex(p->ifname) : 0;
		p->twin_ifindex = p->twin_id != GW_NO_PORT ? if_nametoindex(p->twin_ifname) : 0;
		p->link_state = GW_LINK_up;
		p->twin_state = GW_LINK_up;
	}
}

void
gw_link_watch_poll(uint64_t now_tsc)
{
	static uint64_t next;

	if (now_tsc < next)
		return;
	next = now_tsc + rte_get_tsc_hz() / 1000 * WATCH_PERIOD_MS;
	for (int r = 0; r < GW_MAX_PORTS; r++)
		if (gw.port[r].present)
			check_port(&gw.port[r]);
}
