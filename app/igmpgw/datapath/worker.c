/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath. Per frame: drop our own echoes, hand non-IGMP to the kernel
 * twin, validate IGMP with the codec, let igmp_proxy decide, then rewrite the
 * frame in place (new Ethernet + IPv4 headers, the IGMP message untouched but
 * for its checksum when extra data followed it) and send.
 * Multicast data from the active outside is looked up a burst at a time and
 * replicated to the inside ports that want it.
 * Never logs, never blocks: everything it drops is counted.
 */
#include <assert.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "gw.h"
#include "worker.h"

#define GW_LOG_PART datapath

#define BURST 32

/* Per-worker transmit buffers, one per port and per twin. */
struct tx_queues {
	struct rte_eth_dev_tx_buffer *port[GW_MAX_PORTS];
	struct rte_eth_dev_tx_buffer *twin[GW_MAX_PORTS];
	uint64_t port_drops[GW_MAX_PORTS];
	uint64_t twin_drops[GW_MAX_PORTS];
	uint64_t port_drops_seen[GW_MAX_PORTS];
	uint64_t twin_drops_seen[GW_MAX_PORTS];
};

/*
 * Refreshes of held groups the main lcore heard of this recently are not
 * handed over again: they would only restart a lifetime of minutes, and a
 * flood of them would cost a copy each and fill the ring. Per (port, group),
 * direct-mapped: consecutive groups never collide under Fibonacci hashing.
 */
#define FED_SLOTS 4096
#define FED_SHIFT (32 - 12)
#define FED_PERIOD_MS 1000

struct fed_slot {
	uint32_t group;
	uint32_t ms;                  /* when the main lcore was told */
	uint8_t role;
};

struct worker {
	unsigned int index;
	uint16_t queue;
	uint64_t burst_tsc;           /* when the current burst arrived */
	uint64_t tsc_per_ms;
	struct tx_queues tx;
	struct fed_slot fed[FED_SLOTS];
};

static inline struct gw_port_stats *
stats_of(struct worker *w, enum gw_role role)
{
	return &gw.port[role].stats[w->index];
}

static void
send_on_port(struct worker *w, enum gw_role role, struct rte_mbuf *m)
{
	struct gw_port *p = &gw.port[role];

	stats_of(w, role)->cnt[GW_CNT_tx_packets]++;
	rte_eth_tx_buffer(p->port_id, w->queue, w->tx.port[role], m);
}

static void
send_to_twin(struct worker *w, enum gw_role role, struct rte_mbuf *m)
{
	struct gw_port *p = &gw.port[role];

	if (p->twin_id == GW_NO_PORT) {
		stats_of(w, role)->cnt[GW_CNT_exception_dropped]++;
		rte_pktmbuf_free(m);
		return;
	}
	stats_of(w, role)->cnt[GW_CNT_to_kernel]++;
	rte_eth_tx_buffer(p->twin_id, 0, w->tx.twin[role], m);
}

/* Multicast IPv4 -> MAC mapping of RFC 1112 §6.4. */
static void
multicast_mac(uint32_t addr_be, struct rte_ether_addr *mac)
{
	const uint8_t *a = (const uint8_t *)&addr_be;

	mac->addr_bytes[0] = 0x01;
	mac->addr_bytes[1] = 0x00;
	mac->addr_bytes[2] = 0x5e;
	mac->addr_bytes[3] = a[1] & 0x7f;
	mac->addr_bytes[4] = a[2];
	mac->addr_bytes[5] = a[3];
}

/* ARP sender addresses gleaned on a port, so unicast IGMP can find its MAC. */
static void
neighbor_learn(struct gw_port *p, uint32_t addr, const struct rte_ether_addr *mac)
{
	struct gw_neighbor *slot = &p->neigh[rte_be_to_cpu_32(addr) % GW_NEIGH_SLOTS];

	slot->addr = addr;
	rte_ether_addr_copy(mac, &slot->mac);
}

static bool
neighbor_find(const struct gw_port *p, uint32_t addr, struct rte_ether_addr *mac)
{
	const struct gw_neighbor *slot = &p->neigh[rte_be_to_cpu_32(addr) % GW_NEIGH_SLOTS];

	if (slot->addr != addr || addr == 0)
		return false;
	rte_ether_addr_copy(&slot->mac, mac);
	return true;
}

static void
glean_arp(struct gw_port *p, struct rte_mbuf *m)
{
	const struct rte_arp_hdr *arp;

	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + sizeof(*arp))
		return;
	arp = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) || arp->arp_data.arp_sip == 0)
		return;
	neighbor_learn(p, arp->arp_data.arp_sip, &arp->arp_data.arp_sha);
}

static void
learn_querier(struct worker *w, enum gw_role role, const struct rte_ether_hdr *eth,
	      const struct igmp_ipv4 *ip, const struct igmp_msg *msg)
{
	struct gw_querier *q = &gw.querier;

	/* A query from 0.0.0.0 (a snooping switch's proxy query) teaches nothing. */
	if (ip->src == 0)
		return;
	/* The same querier again only refreshes when it was heard: no seqlock round. */
	if (q->addr == ip->src && q->version == msg->version && q->port == (uint8_t)role &&
	    rte_is_same_ether_addr(&q->mac, &eth->src_addr)) {
		__atomic_store_n(&q->heard_tsc, w->burst_tsc, __ATOMIC_RELAXED);
		return;
	}
	rte_seqlock_write_lock(&q->lock);
	q->addr = ip->src;
	rte_ether_addr_copy(&eth->src_addr, &q->mac);
	q->version = msg->version;
	q->port = (uint8_t)role;
	q->heard_tsc = w->burst_tsc;
	rte_seqlock_write_unlock(&q->lock);
}

/* The worker is the only writer of the querier: it may read it without the lock. */
static uint32_t
querier_addr(struct rte_ether_addr *mac)
{
	rte_ether_addr_copy(&gw.querier.mac, mac);
	return gw.querier.addr;
}

/* Hands a copy of m to the main lcore; admitted: the room the decision took for it. */
static bool
raise_event(struct worker *w, enum gw_role role, struct rte_mbuf *m, uint16_t admitted)
{
	/* A copy, not a clone: proxying rewrites the headers of m in place. */
	struct rte_mbuf *copy = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);

	if (copy == NULL) {
		stats_of(w, role)->cnt[GW_CNT_no_mbuf]++;
		return false;
	}
	copy->port = (uint16_t)role;
	copy->hash.usr = admitted;
	if (rte_ring_enqueue(gw.events, copy) != 0) {
		stats_of(w, role)->cnt[GW_CNT_events_dropped]++;
		rte_pktmbuf_free(copy);
		return false;
	}
	return true;
}

/*
 * Turns the received frame into the frame to send: the IGMP message's bytes
 * kept exactly (its checksum already made to cover them alone), extra data and
 * link padding dropped, fresh Ethernet and IPv4 headers in front.
 */
static bool
rewrite_igmp(struct rte_mbuf *m, const struct igmp_msg *msg, uint16_t igmp_offset,
	     const struct gw_port *egress, uint32_t dst, const struct rte_ether_addr *dst_mac)
{
	struct rte_ether_hdr *eth;
	uint8_t *ip;

	rte_pktmbuf_adj(m, igmp_offset);
	rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - msg->len);
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eth) + IGMP_IP_HDR_LEN);
	if (eth == NULL)
		return false;
	ip = (uint8_t *)(eth + 1);
	rte_ether_addr_copy(dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(&egress->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	igmp_build_ipv4_header(ip, IGMP_IP_HDR_LEN, egress->addr, dst, msg->len);
	m->ol_flags = 0;
	return true;
}

static void
emit_one(struct worker *w, enum gw_role ingress, enum gw_role egress_role, struct rte_mbuf *m,
	 const struct igmp_msg *msg, uint16_t igmp_offset, const struct igmp_proxy_decision *d)
{
	struct gw_port *egress = &gw.port[egress_role];
	struct rte_ether_addr mac;

	if (igmp_is_multicast(d->dst)) {
		multicast_mac(d->dst, &mac);
	} else if (!(d->dst_is_querier && querier_addr(&mac) == d->dst) &&
		   !neighbor_find(egress, d->dst, &mac)) {
		/* Still reaches an L2 neighbour: Linux accepts broadcast frames to its address. */
		memset(&mac, 0xff, sizeof(mac));
		stats_of(w, egress_role)->cnt[GW_CNT_neighbor_unknown]++;
	}
	if (!rewrite_igmp(m, msg, igmp_offset, egress, d->dst, &mac)) {
		stats_of(w, ingress)->cnt[GW_CNT_no_mbuf]++;
		rte_pktmbuf_free(m);
		return;
	}
	stats_of(w, egress_role)->cnt[GW_CNT_igmp_sent]++;
	send_on_port(w, egress_role, m);
}

/* Sends m to the decision's egress ports; every copy gets its own port's headers. */
static void
emit(struct worker *w, enum gw_role ingress, struct rte_mbuf *m, const struct igmp_msg *msg,
     uint16_t igmp_offset, const struct igmp_proxy_decision *d)
{
	enum gw_role last = GW_MAX_PORTS;

	if (d->egress == PROXY_EGRESS_ACTIVE_OUTSIDE) {
		emit_one(w, ingress, gw_active_outside(), m, msg, igmp_offset, d);
		return;
	}
	for (int r = GW_ROLE_INSIDE; r < GW_MAX_PORTS; r++) {
		struct rte_mbuf *copy;

		if (!gw.port[r].present)
			continue;
		if (last != GW_MAX_PORTS) {
			/* Copies come from m before m itself is rewritten, for the last port. */
			copy = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
			if (copy == NULL)
				stats_of(w, ingress)->cnt[GW_CNT_no_mbuf]++;
			else
				emit_one(w, ingress, last, copy, msg, igmp_offset, d);
		}
		last = r;
	}
	if (last == GW_MAX_PORTS) {
		rte_pktmbuf_free(m);
		return;
	}
	emit_one(w, ingress, last, m, msg, igmp_offset, d);
}

static struct fed_slot *
fed_slot(struct worker *w, enum gw_role role, uint32_t group)
{
	/* Host order: consecutive groups are consecutive numbers, spread evenly. */
	uint32_t key = rte_be_to_cpu_32(group) ^ ((uint32_t)role << 28);

	return &w->fed[(key * 2654435769u) >> FED_SHIFT];
}

/*
 * Whether the main lcore must hear of a report passed upstream: always, but
 * for a v1/v2 refresh of a group held for this port it heard of within
 * FED_PERIOD_MS. A leave forgets the group, so what follows is heard again.
 */
static bool
asked_needs_feed(struct worker *w, enum gw_role role, const struct igmp_msg *msg,
		 const struct igmp_proxy_decision *d)
{
	uint32_t now = (uint32_t)(w->burst_tsc / w->tsc_per_ms);
	struct fed_slot *f;

	if (msg->type != IGMP_TYPE_V1_REPORT && msg->type != IGMP_TYPE_V2_REPORT &&
	    msg->type != IGMP_TYPE_LEAVE)
		return true;
	f = fed_slot(w, role, msg->group);
	if (msg->type == IGMP_TYPE_LEAVE) {
		if (f->group == msg->group && f->role == role)
			f->group = 0;
		return true;
	}
	if (d->admitted == 0 && f->group == msg->group && f->role == role &&
	    now - f->ms < FED_PERIOD_MS)
		return false;
	*f = (struct fed_slot){ .group = msg->group, .ms = now, .role = (uint8_t)role };
	return true;
}

/*
 * What the main lcore needs to see: events for clients, the inside IGMP
 * membership tracking runs on (and upstream queries), or, without tracking,
 * what the gateway passed upstream, which feeds the groups it holds there.
 */
static bool
main_wants(struct worker *w, enum gw_role role, const struct igmp_msg *msg,
	   const struct igmp_proxy_decision *d)
{
	if (d->event_query || d->event_report)
		return true;
	if (gw_role_is_inside(role))
		return gw.feed_tracking ||
			(gw.feed_asked && d->egress == PROXY_EGRESS_ACTIVE_OUTSIDE &&
			 asked_needs_feed(w, role, msg, d));
	return gw.feed_tracking && d->learn_querier;
}

static void
handle_igmp(struct worker *w, enum gw_role role, struct rte_mbuf *m, const struct rte_ether_hdr *eth)
{
	struct gw_port_stats *st = stats_of(w, role);
	const uint8_t *l3 = (const uint8_t *)(eth + 1);
	struct igmp_proxy_ingress in;
	struct igmp_proxy_decision d;
	struct rte_ether_addr unused;
	struct igmp_ipv4 ip;
	struct igmp_msg msg;
	enum igmp_wire_error err;

	st->cnt[GW_CNT_igmp_received]++;
	if (m->nb_segs > 1 && rte_pktmbuf_linearize(m) != 0) {
		st->cnt[GW_CNT_no_mbuf]++;
		rte_pktmbuf_free(m);
		return;
	}
	err = igmp_packet_parse(l3, rte_pktmbuf_data_len(m) - sizeof(*eth), &ip, &msg);
	if (err != IGMP_OK) {
		st->cnt[GW_CNT_igmp_invalid]++;
		st->wire[err]++;
		rte_pktmbuf_free(m);
		return;
	}

	in.role = role;
	in.addr = gw.port[role].addr;
	in.active = gw_role_is_inside(role) || role == gw_active_outside();
	igmp_proxy_decide(&gw.cfg.igmp, &in, &ip, &msg, querier_addr(&unused),
			  gw.held != NULL ? &gw.upstream_limits : NULL, &d);
	st->proxy[d.reason]++;

	if (d.learn_querier)
		learn_querier(w, role, eth, &ip, &msg);
	if (main_wants(w, role, &msg, &d) && !raise_event(w, role, m, d.admitted) &&
	    d.admitted > 0) {
		/* New groups the main lcore cannot hold must not go upstream either. */
		group_quota_give(gw.upstream_limits.quota, d.admitted);
		rte_pktmbuf_free(m);
		return;
	}
	if (d.egress == PROXY_EGRESS_NONE) {
		rte_pktmbuf_free(m);
		return;
	}
	/*
	 * What we send is the message alone (RFC 3376 §4.1.10, §4.2: no additional
	 * data): its checksum stops covering what follows it. After raise_event,
	 * whose copy keeps the payload the sender summed.
	 */
	if (msg.len != ip.payload_len)
		igmp_checksum_drop_extra((uint8_t *)(uintptr_t)msg.raw, msg.len, ip.payload_len);
	emit(w, role, m, &msg, (uint16_t)(sizeof(*eth) + ip.hdr_len), &d);
}

static bool
is_igmp(const struct rte_mbuf *m, const struct rte_ether_hdr *eth)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);

	return eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
		rte_pktmbuf_data_len(m) >= sizeof(*eth) + sizeof(*ip) &&
		ip->next_proto_id == IGMP_IP_PROTO;
}

static bool
is_ipv4_multicast(const struct rte_mbuf *m, const struct rte_ether_hdr *eth)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);

	/* The length first: the frame may be shorter than even its Ethernet header. */
	return rte_pktmbuf_data_len(m) >= sizeof(*eth) + sizeof(*ip) &&
		eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) && igmp_is_multicast(ip->dst_addr);
}

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
 * One replica: a fresh header mbuf with this port's Ethernet header, chained to
 * a clone of m. sent[egress] counts it (forwarded and transmitted).
 */
static void
send_replica(struct worker *w, enum gw_role ingress, enum gw_role egress, struct rte_mbuf *m,
	     const struct rte_ether_addr *dst_mac, uint16_t *sent)
{
	struct gw_port *p = &gw.port[egress];
	struct rte_mbuf *hdr, *payload;
	struct rte_ether_hdr *eth;

	hdr = rte_pktmbuf_alloc(p->hdr_pool);
	if (hdr == NULL) {
		stats_of(w, ingress)->cnt[GW_CNT_no_mbuf]++;
		return;
	}
	payload = rte_pktmbuf_clone(m, p->clone_pool);
	if (payload == NULL) {
		stats_of(w, ingress)->cnt[GW_CNT_no_mbuf]++;
		rte_pktmbuf_free(hdr);
		return;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(hdr, sizeof(*eth));
	rte_ether_addr_copy(dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(&p->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	hdr->next = payload;
	hdr->nb_segs = (uint16_t)(payload->nb_segs + 1);
	hdr->pkt_len = hdr->data_len + payload->pkt_len;
	sent[egress]++;
	rte_eth_tx_buffer(p->port_id, w->queue, w->tx.port[egress], hdr);
}

/* Adds what replicate() sent to the counters: once a burst, not once a frame. */
static void
count_sent(struct worker *w, const uint16_t *sent)
{
	for (int r = GW_ROLE_INSIDE; r < GW_MAX_PORTS; r++) {
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
 * rewritten. sent[port] counts what went to each port.
 */
static inline void
replicate(struct worker *w, enum gw_role ingress, struct rte_mbuf *m, struct rte_ether_hdr *eth,
	  fwd_mask_t ports, uint16_t *sent)
{
	struct rte_ether_addr dst_mac;
	enum gw_role egress;

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
	rte_ether_addr_copy(&gw.port[egress].mac, &eth->src_addr);
	sent[egress]++;
	rte_eth_tx_buffer(gw.port[egress].port_id, w->queue, w->tx.port[egress], m);
}

/*
 * Multicast data, one frame at a time: forwarded to the inside ports that want
 * (G, S) when it comes from the active outside. Returns false for what is not
 * ours to forward (link-local groups, multicast from inside), which goes to
 * the kernel.
 */
static bool
forward_multicast(struct worker *w, enum gw_role role, struct rte_mbuf *m,
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

static void
handle_port_frame(struct worker *w, enum gw_role role, struct rte_mbuf *m)
{
	struct gw_port *p = &gw.port[role];
	struct gw_port_stats *st = stats_of(w, role);
	struct rte_ether_hdr *eth;

	st->cnt[GW_CNT_rx_packets]++;
	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*eth))) {
		st->cnt[GW_CNT_runt_frames]++;
		rte_pktmbuf_free(m);
		return;
	}
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	/* af_packet also hands us what we sent: never process our own output again. */
	if (unlikely(rte_is_same_ether_addr(&eth->src_addr, &p->mac))) {
		st->cnt[GW_CNT_own_frames]++;
		rte_pktmbuf_free(m);
		return;
	}
	if (is_igmp(m, eth)) {
		handle_igmp(w, role, m, eth);
		return;
	}
	if (gw.fwd != NULL && is_ipv4_multicast(m, eth) && forward_multicast(w, role, m, eth))
		return;
	/* Data a forwarder would have taken: counted and logged, naming the key. */
	if (gw.fwd == NULL && role == gw_active_outside() && is_ipv4_multicast(m, eth) &&
	    !igmp_is_link_local_group(((const struct rte_ipv4_hdr *)(eth + 1))->dst_addr))
		st->cnt[GW_CNT_mcast_forwarding_off]++;
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP))
		glean_arp(p, m);
	send_to_twin(w, role, m);
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
 * looked up together, so their table cache misses overlap; everything else
 * goes frame by frame as on any port.
 */
static void
forward_burst(struct worker *w, enum gw_role role, struct rte_mbuf **pkts, uint16_t n)
{
	struct gw_port_stats *st = stats_of(w, role);
	const struct rte_ether_addr *own = &gw.port[role].mac;
	struct rte_mbuf *data[BURST], *unwanted[BURST];
	uint32_t groups[BURST], sources[BURST];
	fwd_mask_t ports[BURST];
	uint16_t sent[GW_MAX_PORTS] = { 0 };
	uint16_t n_data = 0, n_unwanted = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);

		if (unlikely(!is_plain_data(m, eth, own))) {
			handle_port_frame(w, role, m);
			continue;
		}
		data[n_data] = m;
		groups[n_data] = ip->dst_addr;
		sources[n_data] = ip->src_addr;
		n_data++;
	}
	if (n_data == 0)
		return;
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
}

static void
handle_twin_frame(struct worker *w, enum gw_role role, struct rte_mbuf *m)
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
	st->cnt[GW_CNT_from_kernel]++;
	send_on_port(w, role, m);
}

/* Packets the main lcore built (self queries, client reports): m->port holds the role. */
static void
drain_ctrl_tx(struct worker *w)
{
	struct rte_mbuf *pkts[BURST];
	unsigned int n = rte_ring_dequeue_burst(gw.ctrl_tx, (void **)pkts, BURST, NULL);

	for (unsigned int i = 0; i < n; i++) {
		enum gw_role role = (enum gw_role)pkts[i]->port;

		stats_of(w, role)->cnt[GW_CNT_igmp_sent]++;
		send_on_port(w, role, pkts[i]);
	}
}

static void
flush_all(struct worker *w)
{
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		struct gw_port *p = &gw.port[r];

		if (!p->present)
			continue;
		rte_eth_tx_buffer_flush(p->port_id, w->queue, w->tx.port[r]);
		if (w->tx.port_drops[r] != w->tx.port_drops_seen[r]) {
			uint64_t n = w->tx.port_drops[r] - w->tx.port_drops_seen[r];

			stats_of(w, r)->cnt[GW_CNT_tx_dropped] += n;
			stats_of(w, r)->cnt[GW_CNT_tx_packets] -= n;
			w->tx.port_drops_seen[r] = w->tx.port_drops[r];
		}
		if (p->twin_id == GW_NO_PORT || w->index != 0)
			continue;
		rte_eth_tx_buffer_flush(p->twin_id, 0, w->tx.twin[r]);
		if (w->tx.twin_drops[r] != w->tx.twin_drops_seen[r]) {
			uint64_t n = w->tx.twin_drops[r] - w->tx.twin_drops_seen[r];

			stats_of(w, r)->cnt[GW_CNT_exception_dropped] += n;
			stats_of(w, r)->cnt[GW_CNT_to_kernel] -= n;
			w->tx.twin_drops_seen[r] = w->tx.twin_drops[r];
		}
	}
}

static struct rte_eth_dev_tx_buffer *
tx_buffer_new(int socket, uint64_t *drops)
{
	struct rte_eth_dev_tx_buffer *b;

	b = rte_zmalloc_socket("tx_buffer", RTE_ETH_TX_BUFFER_SIZE(BURST), 0, socket);
	if (b == NULL)
		return NULL;
	rte_eth_tx_buffer_init(b, BURST);
	rte_eth_tx_buffer_set_err_callback(b, rte_eth_tx_buffer_count_callback, drops);
	return b;
}

static int
worker_init(struct worker *w, unsigned int index)
{
	memset(w, 0, sizeof(*w));
	w->tsc_per_ms = rte_get_tsc_hz() / 1000;
	w->index = index;
	w->queue = (uint16_t)index;
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		struct gw_port *p = &gw.port[r];

		if (!p->present)
			continue;
		w->tx.port[r] = tx_buffer_new(p->socket, &w->tx.port_drops[r]);
		w->tx.twin[r] = tx_buffer_new(p->socket, &w->tx.twin_drops[r]);
		if (w->tx.port[r] == NULL || w->tx.twin[r] == NULL)
			return -1;
	}
	return 0;
}

static void
worker_free(struct worker *w)
{
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		rte_free(w->tx.port[r]);
		rte_free(w->tx.twin[r]);
	}
}

int
gw_worker_main(void *arg)
{
	const struct gw_worker_args *args = arg;
	struct rte_mbuf *pkts[BURST];
	struct worker w;

	if (worker_init(&w, args->index) < 0) {
		worker_free(&w);
		GW_LOG(ERR, "worker %u: out of memory for tx buffers", args->index);
		gw.quit = true;
		return -1;
	}

	if (gw.qsbr != NULL) {
		rte_rcu_qsbr_thread_register(gw.qsbr, w.index);
		rte_rcu_qsbr_thread_online(gw.qsbr, w.index);
	}
	while (!gw.quit) {
		/* Holds no forwarding entry across iterations: replaced ones may be freed. */
		if (gw.qsbr != NULL)
			rte_rcu_qsbr_quiescent(gw.qsbr, w.index);
		for (int r = 0; r < GW_MAX_PORTS; r++) {
			struct gw_port *p = &gw.port[r];
			uint16_t n;

			if (!p->present)
				continue;
			n = rte_eth_rx_burst(p->port_id, w.queue, pkts, BURST);
			if (n != 0) {
				w.burst_tsc = rte_rdtsc();
				if (gw.fwd != NULL && r == (int)gw_active_outside()) {
					forward_burst(&w, r, pkts, n);
				} else {
					for (uint16_t i = 0; i < n; i++)
						handle_port_frame(&w, r, pkts[i]);
				}
			}

			/* Twins have one queue: worker 0 serves them. */
			if (p->twin_id == GW_NO_PORT || w.index != 0)
				continue;
			n = rte_eth_rx_burst(p->twin_id, 0, pkts, BURST);
			for (uint16_t i = 0; i < n; i++)
				handle_twin_frame(&w, r, pkts[i]);
		}
		if (w.index == 0)
			drain_ctrl_tx(&w);
		flush_all(&w);
	}
	flush_all(&w);
	if (gw.qsbr != NULL) {
		rte_rcu_qsbr_thread_offline(gw.qsbr, w.index);
		rte_rcu_qsbr_thread_unregister(gw.qsbr, w.index);
	}
	worker_free(&w);
	return 0;
}
