/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multicast data replication: traffic to joined groups arriving on the active
 * outside is looked up a burst at a time in the forwarding table and sent to
 * the inside ports that want it, TTL - 1, every replica with its port's own
 * Ethernet source. The fast path: no logs, no locks, everything counted.
 */
#include <assert.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>

#include "datapath.h"

/*
 * What a router checks before it touches a header (RFC 1812 §5.2.2, less the
 * checksum, which the TTL update carries over): version 4, a header of at
 * least 20 bytes, and a total length that covers it and fits the frame.
 */
static inline bool
ipv4_header_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	uint16_t total = rte_be_to_cpu_16(ip->total_length);

	return (ip->version_ihl >> 4) == 4 && (ip->version_ihl & 0x0f) >= 5 &&
		total >= (ip->version_ihl & 0x0f) * 4u &&
		total <= rte_pktmbuf_pkt_len(m) - sizeof(struct rte_ether_hdr);
}

/* TTL - 1 with the checksum updated incrementally (RFC 1624): TTL is the high byte. */
static void
decrement_ttl(struct rte_ipv4_hdr *ip)
{
	uint32_t sum = rte_be_to_cpu_16(ip->hdr_checksum) + 0x0100;

	ip->time_to_live--;
	ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)(sum + (sum >> 16)));
}

/*
 * Replicas of IP packets up to this many bytes are copies in one fresh mbuf;
 * longer ones (jumbo frames) are a header mbuf chained to a clone of the
 * packet: two allocations, a chain, and the shared mbuf's reference count
 * taken and given back atomically, for the null or NIC driver to walk and
 * free. Measured with scripts/bench-forward.sh --profile (AMD EPYC guest, 2
 * cores under a load of ~20, 2026-12-08; igmpgw / ipv4_multicast from the pcap
 * driver's share): at 64 B copies made 2 ports 1.20-1.36x (chains: 0.89x)
 * and 4 ports 1.80-2.41x; at 1400 B copies were no slower than chains, 2
 * ports 0.82-0.97x against 0.86-0.97x, 4 ports 1.37-1.52x against
 * 1.24-1.39x (three runs each). Above a standard MTU a copy would need a big
 * mbuf and write kilobytes a port: chains.
 */
#define COPY_MAX_BYTES RTE_ETHER_MTU

/*
 * A fresh mbuf of pool for a copy: from the worker's spares, which are taken
 * BURST at a time from the first pool asked (every port's, where they share
 * one socket); another pool's one by one.
 */
static inline struct rte_mbuf *
fresh_mbuf(struct worker *w, struct rte_mempool *pool)
{
	if (likely(w->n_spare != 0 && w->spare_pool == pool))
		return w->spare[--w->n_spare];
	if (w->spare_pool == NULL)
		w->spare_pool = pool;
	if (w->spare_pool != pool || rte_pktmbuf_alloc_bulk(pool, w->spare, BURST) != 0)
		return rte_pktmbuf_alloc(pool);
	w->n_spare = BURST - 1;
	return w->spare[BURST - 1];
}

void
dp_replica_spares_free(struct worker *w)
{
	if (w->n_spare != 0)
		rte_pktmbuf_free_bulk(w->spare, w->n_spare);
	w->n_spare = 0;
}

/*
 * A replica as one fresh mbuf: p's Ethernet header (its VLAN tag
 * included) and a copy of the IP packet m holds (m starts at the IP header,
 * in any number of segments). NULL when the pool is empty or its mbufs are
 * too small for the frame.
 */
static struct rte_mbuf *
copy_replica(struct worker *w, const struct gw_port *p, const struct rte_mbuf *m,
	     const struct rte_ether_addr *dst)
{
	uint16_t hlen = eth_hdr_len(p);
	struct rte_ether_hdr *eth;
	struct rte_mbuf *c;
	uint8_t *to;

	/* Above COPY_MAX_BYTES only on a linear_replicas port: its own big mbufs. */
	c = fresh_mbuf(w, rte_pktmbuf_pkt_len(m) <= COPY_MAX_BYTES ? p->copy_pool : p->pool);
	if (unlikely(c == NULL))
		return NULL;
	if (unlikely(hlen + rte_pktmbuf_pkt_len(m) > rte_pktmbuf_tailroom(c))) {
		rte_pktmbuf_free(c);
		return NULL;
	}
	eth = rte_pktmbuf_mtod(c, struct rte_ether_hdr *);
	c->data_len = (uint16_t)(hlen + rte_pktmbuf_pkt_len(m));
	c->pkt_len = c->data_len;
	rte_ether_addr_copy(dst, &eth->dst_addr);
	rte_ether_addr_copy(&p->mac, &eth->src_addr);
	if (p->vlan != 0)
		dp_vlan_header(eth, p->tci);
	else
		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	to = (uint8_t *)eth + hlen;
	for (const struct rte_mbuf *seg = m; seg != NULL; seg = seg->next) {
		rte_memcpy(to, rte_pktmbuf_mtod(seg, const void *), seg->data_len);
		to += seg->data_len;
	}
	return c;
}

/*
 * A replica as a fresh header mbuf with p's Ethernet header chained to a
 * clone of m (m starts at the IP header). A VLAN's tag is written into that
 * header mbuf: a PMD's insert (af_packet's rte_vlan_insert) refuses the
 * shared payload.
 */
static struct rte_mbuf *
chain_replica(const struct gw_port *p, struct rte_mbuf *m, const struct rte_ether_addr *dst)
{
	struct rte_mbuf *hdr, *payload;
	struct rte_ether_hdr *eth;

	hdr = rte_pktmbuf_alloc(p->hdr_pool);
	if (unlikely(hdr == NULL))
		return NULL;
	payload = rte_pktmbuf_clone(m, p->clone_pool);
	if (unlikely(payload == NULL)) {
		rte_pktmbuf_free(hdr);
		return NULL;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(hdr, eth_hdr_len(p));
	rte_ether_addr_copy(dst, &eth->dst_addr);
	rte_ether_addr_copy(&p->mac, &eth->src_addr);
	if (p->vlan != 0)
		dp_vlan_header(eth, p->tci);
	else
		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	hdr->next = payload;
	hdr->nb_segs = (uint16_t)(payload->nb_segs + 1);
	hdr->pkt_len = hdr->data_len + payload->pkt_len;
	return hdr;
}

/*
 * One replica of m (which starts at the IP header) for egress: a copy where
 * the packet is small or the port takes no chains, else a chain. sent[egress]
 * counts it (forwarded and transmitted).
 */
static void
send_replica(struct worker *w, enum gw_role ingress, enum gw_role egress, struct rte_mbuf *m,
	     const struct rte_ether_addr *dst_mac, uint16_t *sent)
{
	struct gw_port *p = &gw.port[egress];
	struct rte_mbuf *r;

	if (unlikely(rte_pktmbuf_pkt_len(m) > p->mtu)) {
		stats_of(w, egress)->cnt[GW_CNT_mcast_too_big]++;
		return;
	}
	if (rte_pktmbuf_pkt_len(m) <= COPY_MAX_BYTES || unlikely(p->linear_replicas))
		r = copy_replica(w, p, m, dst_mac);
	else
		r = chain_replica(p, m, dst_mac);
	if (unlikely(r == NULL)) {
		stats_of(w, ingress)->cnt[GW_CNT_no_mbuf]++;
		return;
	}
	sent[egress]++;
	tx_port(w, egress, r);
}

/* Adds what replicate() sent to the counters: once a burst, not once a frame. */
static void
count_sent(struct worker *w, const uint16_t *sent)
{
	/* The inside ports there are, not all there may be (GW_MAX_PORTS is 18). */
	for (fwd_mask_t left = gw.inside_mask; left != 0; left &= (fwd_mask_t)(left - 1)) {
		int r = __builtin_ctz(left);

		if (sent[r] == 0)
			continue;
		stats_of(w, r)->cnt[GW_CNT_mcast_forwarded] += sent[r];
		stats_of(w, r)->cnt[GW_CNT_tx_packets] += sent[r];
	}
}

/*
 * Sends multicast data to the inside ports that want it (never 0): TTL - 1,
 * then one port rewrites m in place; several share the IP packet behind a
 * header of their own each, the last taking m itself, its Ethernet header
 * rewritten (a copy instead where m is chained and the port takes no chains).
 * sent[port] counts what went to each port.
 */
static inline void
replicate(struct worker *w, enum gw_role ingress, struct rte_mbuf *m, struct rte_ether_hdr *eth,
	  fwd_mask_t ports, uint16_t *sent)
{
	struct rte_ether_addr dst_mac;
	enum gw_role egress;
	struct gw_port *p;

	decrement_ttl((struct rte_ipv4_hdr *)(eth + 1));
	if ((ports & (ports - 1)) != 0) {
		rte_ether_addr_copy(&eth->dst_addr, &dst_mac);
		rte_pktmbuf_adj(m, sizeof(*eth));
		for (;;) {
			egress = (enum gw_role)__builtin_ctz(ports);
			ports &= (fwd_mask_t)(ports - 1);
			if (ports == 0)
				break;
			send_replica(w, ingress, egress, m, &dst_mac, sent);
		}
		eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eth));
	} else {
		egress = (enum gw_role)__builtin_ctz(ports);
	}
	p = &gw.port[egress];
	/* A VLAN: the replica path, which tags in a header of the replica's own. */
	if (unlikely(rte_pktmbuf_pkt_len(m) - sizeof(*eth) > p->mtu ||
		     (m->nb_segs > 1 && p->linear_replicas) || p->vlan != 0)) {
		rte_pktmbuf_adj(m, sizeof(*eth));
		send_replica(w, ingress, egress, m, &eth->dst_addr, sent);
		rte_pktmbuf_free(m);
		return;
	}
	rte_ether_addr_copy(&p->mac, &eth->src_addr);
	sent[egress]++;
	tx_port(w, egress, m);
}

/*
 * Multicast data, one frame at a time: forwarded to the inside ports that want
 * (G, S) when it comes from the active outside.
 */
bool
dp_forward_multicast(struct worker *w, enum gw_role role, struct rte_mbuf *m,
		     struct rte_ether_hdr *eth)
{
	struct gw_port_stats *st = stats_of(w, role);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	uint16_t sent[GW_MAX_PORTS] = { 0 };
	fwd_mask_t ports;

	if (igmp_is_link_local_group(ip->dst_addr) || gw_role_is_inside(role))
		return false;
	st->cnt[GW_CNT_mcast_received]++;
	if (!ipv4_header_ok(m, ip)) {
		st->cnt[GW_CNT_mcast_malformed]++;
		rte_pktmbuf_free(m);
		return true;
	}
	if (role != gw_active_outside()) {
		st->cnt[GW_CNT_mcast_inactive_outside]++;
		rte_pktmbuf_free(m);
		return true;
	}
	if (ip->time_to_live <= 1) {
		st->cnt[GW_CNT_mcast_ttl_expired]++;
		rte_pktmbuf_free(m);
		return true;
	}
	ports = fwd_table_lookup(gw.fwd, ip->dst_addr, ip->src_addr) & gw.inside_mask;
	if (ports == 0) {
		st->cnt[GW_CNT_mcast_no_members]++;
		rte_pktmbuf_free(m);
		return true;
	}
	replicate(w, role, m, eth, ports, sent);
	count_sent(w, sent);
	return true;
}

/*
 * Data the active outside forwards without further checks: IPv4 multicast
 * beyond 224.0.0.0/24 with a sound header, not IGMP, TTL above 1, not our own
 * echo. Anything else takes the per-frame path, which counts why.
 */
static inline bool
is_plain_data(const struct rte_mbuf *m, const struct rte_ether_hdr *eth,
	      const struct rte_ether_addr *own)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);

	return is_ipv4_multicast(m, eth) && !igmp_is_link_local_group(ip->dst_addr) &&
		ip->next_proto_id != IGMP_IP_PROTO && ip->time_to_live > 1 &&
		ipv4_header_ok(m, ip) && !rte_is_same_ether_addr(&eth->src_addr, own);
}

static_assert(BURST <= FWD_LOOKUP_BULK_MAX, "a burst fits one bulk lookup");

/*
 * A burst from the active outside with forwarding on: its data frames are
 * looked up together, so their table cache misses overlap. Everything else is
 * left at the front of pkts, in order, for the caller's per-frame path; the
 * count of those is returned.
 */
uint16_t
dp_forward_burst(struct worker *w, enum gw_role role, struct rte_mbuf **pkts, uint16_t n)
{
	struct gw_port_stats *st = stats_of(w, role);
	const struct rte_ether_addr *own = &gw.port[role].mac;
	struct rte_mbuf *data[BURST], *unwanted[BURST];
	uint32_t groups[BURST], sources[BURST];
	fwd_mask_t ports[BURST];
	uint16_t sent[GW_MAX_PORTS] = { 0 };
	uint16_t n_data = 0, n_unwanted = 0, n_other = 0;

	/*
	 * The whole burst's headers first: a driver that copies frames in (pcap)
	 * has pushed the first ones out of L1 by the last, and a NIC's DMA left
	 * them in no cache; their misses overlap here instead of one by one below.
	 */
	for (uint16_t i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);

		if (unlikely(!is_plain_data(m, eth, own))) {
			pkts[n_other++] = m;
			continue;
		}
		data[n_data] = m;
		groups[n_data] = ip->dst_addr;
		sources[n_data] = ip->src_addr;
		n_data++;
	}
	if (n_data == 0)
		return n_other;
	st->cnt[GW_CNT_rx_packets] += n_data;
	st->cnt[GW_CNT_mcast_received] += n_data;
	fwd_table_lookup_bulk(gw.fwd, groups, sources, n_data, ports);
	for (uint16_t i = 0; i < n_data; i++) {
		struct rte_mbuf *m = data[i];
		fwd_mask_t want = ports[i] & gw.inside_mask;

		if (unlikely(want == 0))
			unwanted[n_unwanted++] = m;
		else
			replicate(w, role, m, rte_pktmbuf_mtod(m, struct rte_ether_hdr *), want, sent);
	}
	count_sent(w, sent);
	if (n_unwanted != 0) {
		st->cnt[GW_CNT_mcast_no_members] += n_unwanted;
		rte_pktmbuf_free_bulk(unwanted, n_unwanted);
	}
	return n_other;
}
