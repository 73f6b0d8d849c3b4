/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ports' link state, learned where each PMD can tell it, and what the
 * kernel does behind the drivers' backs: a log line, a counter, a `link`
 * event and the status' link on every change; on link up the inside queries
 * again and the active outside re-reports the whole membership.
 *
 * Who tells what (DPDK 22.11):
 * - net_tap reports link changes as interrupts (intr_conf.lsc, set in
 *   ports.c): the callback runs on EAL's interrupt thread and only flags the
 *   port; the main lcore reads the link.
 * - net_af_packet's link is "up" for ever: its kernel interface is followed
 *   instead, by netlink (RTM_NEWLINK/RTM_DELLINK on its ifindex, read each
 *   control period without blocking) and its flags (IFF_UP, IFF_RUNNING: a
 *   veth whose far end is down has no carrier), as a real NIC notices a
 *   pulled cable.
 * - net_pcap and net_null never change. Every port is also polled every
 *   POLL_PERIOD_MS, whatever its PMD, in case an event was missed.
 * An interface deleted and re-created under its name gets its port re-bound
 * (af_packet's stop/start does not reopen its sockets: link_rebind.c makes a
 * new ethdev on it), a deleted twin is made again; until then the port is
 * down like any other.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "ctl_proto.h"
#include "events.h"
#include "gw.h"
#include "gw_failover.h"
#include "link_rebind.h"
#include "link_watch.h"
#include "tracking.h"

#define GW_LOG_PART control

/* At most this long between two looks at a port whose PMD says nothing by itself. */
#define POLL_PERIOD_MS 250

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
static int netlink_fd = -1;
/* Ports (bit per role) whose PMD raised a link interrupt: the EAL interrupt thread sets. */
static uint32_t lsc_pending;

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
	return p->link_up;
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
raise_link(enum gw_role role, bool up)
{
	struct ctl_event e = { .kind = CTL_EV_LINK, .port = role, .up = up,
			       .vlan = gw.port[role].vlan };

	gw_event_raise(&e);
}

/* The port's link as a whole changed: said once, counted, raised, and acted on. */
static void
link_changed(struct gw_port *p, bool up)
{
	enum gw_role role = p->role;

	p->link_up = up;
	raise_link(role, up);
	if (!up) {
		p->stats[GW_STATS_MAIN].cnt[GW_CNT_link_lost]++;
		GW_LOG(WARNING, "%s: link down%s; membership state is kept", gw_role_name(role),
		       role == gw_active_outside() ? " on the active outside" : "");
		return;
	}
	GW_LOG(NOTICE, "%s: link up", gw_role_name(role));
	if (gw_role_is_inside(role))
		gw_tracking_link_up(role, gw_now_ms());
	else
		gw_upstream_report_all(role, gw_now_ms());
}

/* The port's kernel interface as found now: said once a change. */
static void
note_port(struct gw_port *p, enum gw_link_state s)
{
	const char *role = gw_role_name(p->role);

	if (s == p->link_state)
		return;
	if (s == GW_LINK_up)
		GW_LOG(NOTICE, "%s: interface %s is up again", role, p->ifname);
	else if (s == GW_LINK_down)
		GW_LOG(WARNING, "%s: interface %s is %s: the port sends and receives nothing",
		       role, p->ifname, state_help[s]);
	else if (s == GW_LINK_gone)
		GW_LOG(WARNING, "%s: interface %s was %s: the port is cut off until an interface of that name comes back (it is then re-bound)",
		       role, p->ifname, state_help[s]);
	else
		GW_LOG(WARNING, "%s: interface %s was %s, and the port could not be re-bound to it: it stays cut off until that works or igmpgw is restarted",
		       role, p->ifname, state_help[s]);
	p->link_state = (uint8_t)s;
}

static void
note_twin(struct gw_port *p, enum gw_link_state s)
{
	const char *role = gw_role_name(p->role);

	if (s == GW_LINK_replaced)
		s = GW_LINK_gone; /* a twin is ours: whoever made another is a stranger */
	if (s == p->twin_state)
		return;
	if (s == GW_LINK_up)
		GW_LOG(NOTICE, "%s: kernel twin %s is up again", role, p->twin_ifname);
	else
		GW_LOG(WARNING, "%s: kernel twin %s is %s: ARP, ping and SSH to the gateway are cut there%s",
		       role, p->twin_ifname, state_help[s],
		       s == GW_LINK_down ? " (ip link set ... up brings it back)" :
					   " (it is made again)");
	if (p->twin_state == GW_LINK_up)
		p->stats[GW_STATS_MAIN].cnt[GW_CNT_twin_lost]++;
	p->twin_state = (uint8_t)s;
}

/*
 * An interface deleted and re-created under its name (a new ifindex) gets the
 * port re-bound to it, a deleted twin is made again (link_rebind.c); both are
 * then looked at afresh.
 */
static void
check_kernel(struct gw_port *p)
{
	enum gw_link_state s;

	if (p->ifindex != 0) {
		s = kernel_state(p->ifindex, p->ifname);
		if (s == GW_LINK_replaced && gw_link_rebind_port(p))
			s = kernel_state(p->ifindex, p->ifname);
		note_port(p, s);
	}
	if (p->twin_ifindex != 0) {
		note_twin(p, kernel_state(p->twin_ifindex, p->twin_ifname));
		if (p->twin_state == GW_LINK_gone && gw_link_rebind_twin(p))
			note_twin(p, kernel_state(p->twin_ifindex, p->twin_ifname));
	}
}

static void
check_port(struct gw_port *p)
{
	struct rte_eth_link link;
	bool up;

	check_kernel(p);
	up = rte_eth_link_get_nowait(p->port_id, &link) == 0 && link.link_status &&
		(p->ifindex == 0 || p->link_state == GW_LINK_up);
	if (up != p->link_up)
		link_changed(p, up);
}

static int
on_lsc(uint16_t port_id, enum rte_eth_event_type type __rte_unused, void *arg,
       void *ret_param __rte_unused)
{
	uintptr_t role = (uintptr_t)arg;

	if (role < GW_MAX_PORTS && gw.port[role].port_id == port_id)
		__atomic_fetch_or(&lsc_pending, 1u << role, __ATOMIC_RELEASE);
	return 0;
}

static void
netlink_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };

	netlink_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (netlink_fd < 0)
		return;
	if (bind(netlink_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		GW_LOG(NOTICE, "no netlink link events (%s): link changes seen within %d ms",
		       strerror(errno), POLL_PERIOD_MS);
		close(netlink_fd);
		netlink_fd = -1;
	}
}

/* Ports (bit per role) whose kernel interface or twin netlink spoke of since the last call. */
static uint32_t
netlink_changed(void)
{
	char buf[8192] __rte_aligned(4);
	uint32_t changed = 0;
	ssize_t n;

	if (netlink_fd < 0)
		return 0;
	while ((n = recv(netlink_fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		const struct nlmsghdr *h;
		unsigned int len = (unsigned int)n; /* NLMSG_OK compares it with a __u32 */

		for (h = (const struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			const struct ifinfomsg *ifi = NLMSG_DATA(h);

			if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK)
				continue;
			/* A message too short for its ifinfomsg is not read past its end. */
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
				continue;
			for (int r = 0; r < GW_MAX_PORTS; r++) {
				const struct gw_port *p = &gw.port[r];

				if (p->present && ifi->ifi_index > 0 &&
				    ((unsigned int)ifi->ifi_index == p->ifindex ||
				     (unsigned int)ifi->ifi_index == p->twin_ifindex))
					changed |= 1u << r;
			}
		}
	}
	/* ENOBUFS: events were lost; look at every port. */
	if (n < 0 && errno == ENOBUFS)
		changed = UINT32_MAX;
	return changed;
}

void
gw_link_watch_init(void)
{
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		struct gw_port *p = &gw.port[r];
		struct rte_eth_link link;

		if (!p->present)
			continue;
		p->ifindex = p->ifname[0] != '\0' ? if_nametoindex(p->ifname) : 0;
		p->twin_ifindex = p->twin_id != GW_NO_PORT ? if_nametoindex(p->twin_ifname) : 0;
		p->link_state = GW_LINK_up;
		p->twin_state = GW_LINK_up;
		check_kernel(p);
		p->link_up = rte_eth_link_get_nowait(p->port_id, &link) == 0 && link.link_status &&
			(p->ifindex == 0 || p->link_state == GW_LINK_up);
		if (!p->link_up)
			GW_LOG(WARNING, "%s: link down at start", gw_role_name(r));
		rte_eth_dev_callback_register(p->port_id, RTE_ETH_EVENT_INTR_LSC, on_lsc,
					      (void *)(uintptr_t)r);
	}
	netlink_open();
}

void
gw_link_watch_poll(uint64_t now_tsc)
{
	static uint64_t next;
	uint32_t due = __atomic_exchange_n(&lsc_pending, 0, __ATOMIC_ACQUIRE) | netlink_changed();

	if (now_tsc >= next) {
		next = now_tsc + rte_get_tsc_hz() / 1000 * POLL_PERIOD_MS;
		due = UINT32_MAX;
	}
	for (int r = 0; r < GW_MAX_PORTS && due != 0; r++)
		if (gw.port[r].present && (due & (1u << r)))
			check_port(&gw.port[r]);
}
