/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exception path: what is neither IGMP nor multicast data we forward goes
 * to the port's kernel twin, and what the kernel sends on the twin leaves by
 * the port (but its IGMP: the gateway owns IGMP on the wire). The ARP that
 * passes on the way in teaches the port's neighbour table.
 */
#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "datapath.h"
#include "neigh.h"

/*
 * ARP senders, so IGMP to a unicast address finds its MAC. The port's owner
 * is the table's one writer: other workers' frames for the kernel reach it
 * (and the twin, which has one queue) through its hand-over ring.
 */
static void
glean_arp(struct gw_port *p, struct rte_mbuf *m)
{
	const struct rte_arp_hdr *arp;

	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + sizeof(*arp))
		return;
	arp = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return;
	neigh_learn(&p->neigh, arp->arp_data.arp_sip, arp->arp_data.arp_sha.addr_bytes);
}

void
dp_to_kernel(struct worker *w, enum gw_role role, struct rte_mbuf *m)
{
	struct gw_port *p = &gw.port[role];
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	if (p->twin_id != GW_NO_PORT && !owns(w, role)) {
		dp_handoff(w, role, m, DP_HANDOFF_KERNEL);
		return;
	}
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP))
		glean_arp(p, m);
	if (p->twin_id == GW_NO_PORT) {
		stats_of(w, role)->cnt[GW_CNT_exception_dropped]++;
		rte_pktmbuf_free(m);
		return;
	}
	stats_of(w, role)->cnt[GW_CNT_to_kernel]++;
	rte_eth_tx_buffer(p->twin_id, 0, w->tx.twin[role], m);
}

void
dp_from_kernel(struct worker *w, enum gw_role role, struct rte_mbuf *m)
{
	struct gw_port_stats *st = stats_of(w, role);
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	if (rte_pktmbuf_data_len(m) < sizeof(*eth)) {
		st->cnt[GW_CNT_runt_frames]++;
		rte_pktmbuf_free(m);
		return;
	}
	/* The gateway owns IGMP on the wire: the kernel's own reports stay home. */
	if (is_igmp(m, eth)) {
		st->cnt[GW_CNT_kernel_igmp_dropped]++;
		rte_pktmbuf_free(m);
		return;
	}
	/* The twin is untagged: its frames take the section's VLAN on the way out. */
	if (gw.port[role].vlan != 0 && !dp_vlan_tag(&gw.port[role], &m, gw.port[role].tci)) {
		st->cnt[GW_CNT_vlan_insert_failed]++;
		rte_pktmbuf_free(m);
		return;
	}
	st->cnt[GW_CNT_from_kernel]++;
	send_on_port(w, role, m);
}
