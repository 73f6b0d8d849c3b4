/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * 802.1Q sub-ports: a trunk's frames are told apart by VLAN on the way in
 * (the tag selects the section, and comes off: everything after sees an
 * untagged frame of that section) and tagged on the way out. The PMD strips
 * and inserts where it offers to (ethconf), software does it otherwise.
 */
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_net.h>

#include "datapath.h"

#define VID_MASK 0x0fff

static inline bool
is_tag_type(uint16_t be_type)
{
	return be_type == RTE_BE16(RTE_ETHER_TYPE_VLAN) || be_type == RTE_BE16(RTE_ETHER_TYPE_QINQ);
}

/* Drops a frame the trunk has no section for, counted on the head. */
static uint8_t
drop(struct worker *w, enum gw_role head, struct rte_mbuf *m, enum gw_counter why)
{
	struct gw_port_stats *st = stats_of(w, head);

	st->cnt[GW_CNT_rx_packets]++;
	st->cnt[why]++;
	rte_pktmbuf_free(m);
	return GW_VID_NONE;
}

uint8_t
dp_vlan_ingress(struct worker *w, enum gw_role head, struct rte_mbuf *m)
{
	const struct gw_port *h = &gw.port[head];
	struct rte_ether_hdr *eth;
	uint16_t vid = 0;
	uint8_t role;

	/*
	 * af_packet sets RX_VLAN_STRIPPED even where it puts the tag back in the
	 * frame (strip off): the flag counts only where the strip was asked for.
	 */
	if (h->vlan_strip && (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) != 0)
		vid = m->vlan_tci & VID_MASK;
	m->ol_flags &= ~(RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED);
	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*eth))) {
		/* A runt: the section's per-frame path counts it, or none takes it here. */
		role = h->vid_role[vid];
		return role == GW_VID_NONE ? drop(w, head, m, GW_CNT_runt_frames) : role;
	}
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_QINQ))
		return drop(w, head, m, GW_CNT_vlan_qinq);
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_VLAN)) {
		const struct rte_vlan_hdr *vh = (const struct rte_vlan_hdr *)(eth + 1);

		if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*vh)))
			return drop(w, head, m, GW_CNT_runt_frames);
		/* A second tag (QinQ whose outer TPID the kernel rewrote, or stacked 0x8100). */
		if (vid != 0 || is_tag_type(vh->eth_proto))
			return drop(w, head, m, GW_CNT_vlan_qinq);
		vid = rte_be_to_cpu_16(vh->vlan_tci) & VID_MASK;
		memmove(rte_pktmbuf_mtod_offset(m, uint8_t *, sizeof(struct rte_vlan_hdr)), eth,
			2 * RTE_ETHER_ADDR_LEN);
		rte_pktmbuf_adj(m, sizeof(struct rte_vlan_hdr));
	}
	role = h->vid_role[vid];
	if (unlikely(role == GW_VID_NONE))
		return drop(w, head, m, GW_CNT_unknown_vlan);
	return role;
}

bool
dp_vlan_tag(const struct gw_port *p, struct rte_mbuf **m, uint16_t tci)
{
	(*m)->vlan_tci = tci;
	if (p->vlan_insert) {
		(*m)->ol_flags |= RTE_MBUF_F_TX_VLAN;
		return true;
	}
	(*m)->ol_flags &= ~RTE_MBUF_F_TX_VLAN;
	return rte_vlan_insert(m) == 0;
}

void
dp_vlan_header(struct rte_ether_hdr *eth, uint16_t tci)
{
	struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_VLAN);
	vh->vlan_tci = rte_cpu_to_be_16(tci);
	vh->eth_proto = RTE_BE16(RTE_ETHER_TYPE_IPV4);
}
