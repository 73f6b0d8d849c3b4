/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IGMP stage: validate with the codec, let igmp_proxy decide, tell the
 * main lcore what it needs to see (events, tracking, the groups held
 * upstream), learn the querier, and send the message on with new headers.
 */
#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_seqlock.h>

#include "datapath.h"
#include "upstream.h"

static void
learn_querier(struct worker *w, enum gw_role role, const struct rte_ether_hdr *eth,
	      const struct igmp_ipv4 *ip, const struct igmp_msg *msg)
{
	/* This worker owns the port: the one writer of its querier. */
	struct gw_querier *q = &gw.querier[role];

	/* Only a general query's Max Resp is the query response interval (RFC 3376 §8.3). */
	bool general = msg->group == 0;
	bool same;

	/* A query from 0.0.0.0 (a snooping switch's proxy query) teaches nothing. */
	if (ip->src == 0)
		return;
	same = q->addr == ip->src && q->version == msg->version && q->port == (uint8_t)role &&
		rte_is_same_ether_addr(&q->mac, &eth->src_addr);
	/* The same querier again only refreshes when it was heard: no seqlock round. */
	if (same && (!general || (q->qrv == msg->qrv && q->qqi_s == msg->qqi_s &&
				  q->max_resp_ds == msg->max_resp_ds))) {
		__atomic_store_n(&q->heard_tsc, w->burst_tsc, __ATOMIC_RELAXED);
		return;
	}
	rte_seqlock_write_lock(&q->lock);
	q->addr = ip->src;
	rte_ether_addr_copy(&eth->src_addr, &q->mac);
	q->version = msg->version;
	q->port = (uint8_t)role;
	q->heard_tsc = w->burst_tsc;
	if (general || !same) {
		q->qrv = general ? msg->qrv : 0;
		q->qqi_s = general ? msg->qqi_s : 0;
		q->max_resp_ds = general ? msg->max_resp_ds : 0;
	}
	rte_seqlock_write_unlock(&q->lock);
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
 * Turns the received frame into the IPv4 packet to send: the IGMP message's
 * bytes kept exactly (its checksum already made to cover them alone), extra
 * data and link padding dropped, a fresh IPv4 header in front; igmp_frame.c
 * adds the Ethernet header as for every IGMP packet the gateway sends.
 */
static void
emit_one(struct worker *w, enum gw_role ingress, enum gw_role egress_role, struct rte_mbuf *m,
	 const struct igmp_msg *msg, uint16_t igmp_offset, const struct igmp_proxy_decision *d)
{
	const struct gw_port *egress = &gw.port[egress_role];
	uint8_t *ip;

	rte_pktmbuf_adj(m, igmp_offset);
	rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - msg->len);
	ip = (uint8_t *)rte_pktmbuf_prepend(m, IGMP_IP_HDR_LEN);
	if (ip != NULL) {
		igmp_build_ipv4_header(ip, IGMP_IP_HDR_LEN, egress->addr, d->dst, msg->len);
		if (dp_send_igmp(w, egress_role, m))
			return;
	}
	stats_of(w, ingress)->cnt[GW_CNT_no_mbuf]++;
	rte_pktmbuf_free(m);
}

/*
 * limits.upstream_reports_per_second in goIGMP's modes: a report for the
 * active outside goes byte for byte while the outside's bucket has a token
 * and the main lcore holds none of its predecessors; otherwise it goes to
 * the main lcore's paced queue (true: m is taken), which coalesces it.
 */
static bool
upstream_paced(struct worker *w, enum gw_role ingress, struct rte_mbuf *m,
	       const struct igmp_msg *msg, uint16_t igmp_offset,
	       const struct igmp_proxy_decision *d)
{
	enum gw_role out = gw_active_outside();
	uint32_t *pending = &gw.upstream_pending[out];

	if (likely(gw.upstream_rate.per_sec == 0) || d->egress != PROXY_EGRESS_ACTIVE_OUTSIDE ||
	    !gw_role_is_inside(ingress))
		return false;
	if (__atomic_load_n(pending, __ATOMIC_ACQUIRE) == 0 &&
	    rl_shared_take(&gw.upstream_bucket[out], &gw.upstream_rate, w->burst_tsc))
		return false;
	rte_pktmbuf_adj(m, igmp_offset);
	rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - msg->len);
	m->port = (uint16_t)out;
	m->hash.usr = d->dst;
	/* Before the ring: the next report of this worker sees it at once. */
	__atomic_add_fetch(pending, 1, __ATOMIC_ACQ_REL);
	if (rte_ring_mp_enqueue(gw.upstream_backlog, m) != 0) {
		__atomic_sub_fetch(pending, 1, __ATOMIC_ACQ_REL);
		stats_of(w, out)->cnt[GW_CNT_upstream_paced_dropped]++;
		rte_pktmbuf_free(m);
		return true;
	}
	stats_of(w, out)->cnt[GW_CNT_upstream_paced]++;
	return true;
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
	/* Active upstream queries: tracking answers them, and so do static joins. */
	return (gw.feed_tracking || gw.cfg.join.n > 0) && d->learn_querier &&
		d->reason != PROXY_INACTIVE_OUTSIDE;
}

void
dp_igmp_stage(struct worker *w, enum gw_role role, struct rte_mbuf *m,
	      const struct rte_ether_hdr *eth)
{
	struct gw_port_stats *st = stats_of(w, role);
	const uint8_t *l3 = (const uint8_t *)(eth + 1);
	/* The one cost of igmpgwctl trace while it is off: a relaxed load. */
	bool traced = __atomic_load_n(&gw.trace_ports, __ATOMIC_RELAXED) & (1u << role);
	struct igmp_proxy_ingress in;
	struct igmp_proxy_decision d;
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
		if (unlikely(traced))
			dp_trace_igmp(w, role, l3, rte_pktmbuf_data_len(m) - sizeof(*eth), &ip, &msg,
				      err, NULL);
		rte_pktmbuf_free(m);
		return;
	}
	if (!dp_igmp_rate_admit(w, role, ip.src)) {
		rte_pktmbuf_free(m);
		return;
	}

	if (!dp_igmp_policy(w, role, m, (uint8_t *)(uintptr_t)l3, &ip, &msg)) {
		rte_pktmbuf_free(m);
		return;
	}
	in.role = role;
	in.addr = gw.port[role].addr;
	in.upstream = gw_active_outside();
	in.active = gw_role_is_inside(role) || role == in.upstream;
	igmp_proxy_decide(&gw.cfg.igmp, &in, &ip, &msg, &gw_queriers,
			  gw.held != NULL ? &gw.upstream_limits : NULL, &d);
	st->proxy[d.reason]++;
	if (unlikely(traced))
		dp_trace_igmp(w, role, l3, rte_pktmbuf_data_len(m) - sizeof(*eth), &ip, &msg, err,
			      &d);

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
	if (upstream_paced(w, role, m, &msg, (uint16_t)(sizeof(*eth) + ip.hdr_len), &d))
		return;
	emit(w, role, m, &msg, (uint16_t)(sizeof(*eth) + ip.hdr_len), &d);
}
