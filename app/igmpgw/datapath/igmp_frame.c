/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Ethernet framing of every IGMP packet the gateway sends, proxied by a
 * worker or originated by the main lcore: the port owner puts the header on,
 * so one rule (neigh_resolve) picks the destination MAC for both, with the
 * neighbours it learned from ARP and the querier heard on that port.
 */
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "datapath.h"
#include "neigh.h"
#include "upstream.h"

/* The querier, as a neighbour of the port it was heard on only. */
static const struct neigh_hint *
querier_hint(enum gw_role egress, struct neigh_hint *hint)
{
	struct gw_querier q;

	if (gw_querier_read(egress, &q) == 0)
		return NULL;
	hint->addr = q.addr;
	rte_ether_addr_copy(&q.mac, (struct rte_ether_addr *)hint->mac);
	return hint;
}

bool
dp_send_igmp(struct worker *w, enum gw_role egress, struct rte_mbuf *m)
{
	struct gw_port *p = &gw.port[egress];
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint32_t dst = ip->dst_addr;
	const struct neigh_hint *querier;
	struct rte_ether_hdr *eth;
	struct neigh_hint hint;

	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, eth_hdr_len(p));
	if (eth == NULL)
		return false;
	/* Most IGMP goes to groups: the rule needs no querier for them, skip reading it. */
	querier = igmp_is_multicast(dst) ? NULL : querier_hint(egress, &hint);
	if (neigh_resolve(&p->neigh, querier, dst, eth->dst_addr.addr_bytes) == NEIGH_UNKNOWN)
		stats_of(w, egress)->cnt[GW_CNT_neighbor_unknown]++;
	rte_ether_addr_copy(&p->mac, &eth->src_addr);
	if (p->vlan != 0)
		dp_vlan_header(eth, p->igmp_tci);
	else
		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	m->ol_flags = 0;
	stats_of(w, egress)->cnt[GW_CNT_igmp_sent]++;
	send_on_port(w, egress, m);
	return true;
}

/* Packets the main lcore built for role's port (self queries, client reports); returns how many. */
unsigned int
dp_drain_ctrl_tx(struct worker *w, enum gw_role role)
{
	struct rte_mbuf *pkts[BURST];
	unsigned int n = rte_ring_dequeue_burst(gw.port[role].ctrl_tx, (void **)pkts, BURST, NULL);

	for (unsigned int i = 0; i < n; i++) {
		if (!dp_send_igmp(w, role, pkts[i])) {
			stats_of(w, role)->cnt[GW_CNT_no_mbuf]++;
			rte_pktmbuf_free(pkts[i]);
		}
	}
	return n;
}
