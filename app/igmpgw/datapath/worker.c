/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker lcore: polls its (port, rx queue) pairs and, for the ports it
 * owns, their kernel twins and hand-over rings; classifies each frame (our
 * own echoes dropped, IGMP to igmp_stage.c on the port's owner, multicast
 * data to replicate.c, the rest to the kernel by exception.c), sends what the
 * main lcore handed over (igmp_frame.c), and flushes its transmit buffers.
 * Never logs, never blocks: everything it drops is counted.
 */
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "datapath.h"
#include "hold.h"
#include "idle.h"
#include "service.h"
#include "worker.h"

#define GW_LOG_PART datapath

/* One frame received on role's port (a trunk's: untagged already), classified and handed on. */
static void
dp_port_frame(struct worker *w, enum gw_role role, struct rte_mbuf *m)
{
	struct gw_port *p = &gw.port[role];
	struct gw_port_stats *st = stats_of(w, role);
	struct rte_ether_hdr *eth;

	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*eth))) {
		st->cnt[GW_CNT_rx_packets]++;
		st->cnt[GW_CNT_runt_frames]++;
		rte_pktmbuf_free(m);
		return;
	}
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	/*
	 * Tagged on a port without VLAN sections (a trunk's frames come here
	 * untagged): VID 0 is untagged, the rest is counted and dropped there.
	 */
	if (unlikely(eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
		     eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_QINQ))) {
		if (dp_vlan_ingress(w, p->trunk, m) == GW_VID_NONE)
			return;
		eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	}
	st->cnt[GW_CNT_rx_packets]++;
	/* af_packet also hands us what we sent: never process our own output again. */
	if (unlikely(rte_is_same_ether_addr(&eth->src_addr, &p->mac))) {
		st->cnt[GW_CNT_own_frames]++;
		rte_pktmbuf_free(m);
		return;
	}
	if (is_igmp(m, eth)) {
		if (owns(w, role))
			dp_igmp_stage(w, role, m, eth);
		else
			dp_handoff(w, role, m, DP_HANDOFF_IGMP);
		return;
	}
	if (gw.fwd != NULL && is_ipv4_multicast(m, eth) && dp_forward_multicast(w, role, m, eth))
		return;
	/* Data a forwarder would have taken: counted and logged, naming the key. */
	if (gw.fwd == NULL && role == gw_active_outside() && is_ipv4_multicast(m, eth) &&
	    !igmp_is_link_local_group(((const struct rte_ipv4_hdr *)(eth + 1))->dst_addr))
		st->cnt[GW_CNT_mcast_forwarding_off]++;
	dp_to_kernel(w, role, m);
}

/* A burst of a trunk with tagged sections: each frame to its section's path. */
static void
dp_trunk_burst(struct worker *w, enum gw_role head, struct rte_mbuf **pkts, uint16_t n)
{
	enum gw_role active = gw_active_outside();
	struct rte_mbuf *data[BURST];
	uint16_t n_data = 0;

	for (uint16_t i = 0; i < n; i++) {
		uint8_t role = dp_vlan_ingress(w, head, pkts[i]);

		if (role == GW_VID_NONE)
			continue;
		/* The active outside's frames together: its data is looked up a burst at once. */
		if (gw.fwd != NULL && role == active)
			data[n_data++] = pkts[i];
		else
			dp_port_frame(w, (enum gw_role)role, pkts[i]);
	}
	if (n_data == 0)
		return;
	n_data = dp_forward_burst(w, active, data, n_data);
	for (uint16_t i = 0; i < n_data; i++)
		dp_port_frame(w, active, data[i]);
}

/* What other workers handed role's owner (this worker); returns how many. */
static unsigned int
drain_handoff(struct worker *w, enum gw_role role)
{
	struct gw_port *p = &gw.port[role];
	struct rte_mbuf *pkts[BURST];
	unsigned int n = rte_ring_sc_dequeue_burst(p->handoff, (void **)pkts, BURST, NULL);

	if (n == 0)
		return 0;
	w->burst_tsc = rte_rdtsc();
	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		switch (m->hash.usr) {
		case DP_HANDOFF_KERNEL:
			dp_to_kernel(w, role, m);
			break;
		case DP_HANDOFF_IGMP:
			dp_igmp_stage(w, role, m, rte_pktmbuf_mtod(m, struct rte_ether_hdr *));
			break;
		default:
			/* Counted by its sender; the owner always has a tx queue here. */
			tx_port(w, role, m);
			break;
		}
	}
	return n;
}

static void
flush_all(struct worker *w)
{
	for (unsigned int i = 0; i < w->n_present; i++) {
		enum gw_role r = (enum gw_role)w->present[i];
		struct gw_port *p = &gw.port[r];

		if (w->txq[r] != GW_NO_QUEUE)
			rte_eth_tx_buffer_flush(p->port_id, w->txq[r], w->tx.port[r]);
		if (w->tx.port_drops[r] != w->tx.port_drops_seen[r]) {
			uint64_t n = w->tx.port_drops[r] - w->tx.port_drops_seen[r];

			stats_of(w, r)->cnt[GW_CNT_tx_dropped] += n;
			stats_of(w, r)->cnt[GW_CNT_tx_packets] -= n;
			w->tx.port_drops_seen[r] = w->tx.port_drops[r];
		}
		if (unlikely(w->tx.handoff_drops[r] != 0)) {
			stats_of(w, r)->cnt[GW_CNT_handoff_dropped] += w->tx.handoff_drops[r];
			stats_of(w, r)->cnt[GW_CNT_tx_packets] -= w->tx.handoff_drops[r];
			w->tx.handoff_drops[r] = 0;
		}
		if (p->twin_id == GW_NO_PORT || !owns(w, r))
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
	w->conf = &gw.plan[index];
	memcpy(w->txq, w->conf->txq, sizeof(w->txq));
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		struct gw_port *p = &gw.port[r];

		if (!p->present)
			continue;
		w->present[w->n_present++] = (uint8_t)r;
		if (owns(w, (enum gw_role)r))
			w->owned[w->n_owned++] = (uint8_t)r;
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
	dp_replica_spares_free(w);
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
	struct gw_idle idle;
	uint64_t stall_tsc;
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
	gw_idle_init(&idle, w.index, gw.cfg.workers.idle);
	stall_tsc = gw_service_stall_tsc(w.index);
	while (!gw.quit) {
		unsigned int work = 0;

		if (unlikely(stall_tsc != 0) && rte_rdtsc() >= stall_tsc)
			gw_service_stall(w.index); /* test only: a stuck worker */

		/* Holds no forwarding entry across iterations: replaced ones may be freed. */
		if (gw.qsbr != NULL)
			rte_rcu_qsbr_quiescent(gw.qsbr, w.index);
		/* Its buffers were flushed at the end of the last pass: nothing in flight. */
		dp_hold_check(w.index);
		for (uint16_t k = 0; k < w.conf->n_rxq; k++) {
			enum gw_role r = (enum gw_role)w.conf->rxq[k].role;
			uint16_t n;

			n = rte_eth_rx_burst(gw.port[r].port_id, w.conf->rxq[k].queue, pkts, BURST);
			if (n == 0)
				continue;
			work += n;
			w.burst_tsc = rte_rdtsc();
			if (unlikely(gw.port[r].tagged_trunk)) {
				dp_trunk_burst(&w, r, pkts, n);
				continue;
			}
			if (gw.fwd != NULL && r == gw_active_outside())
				n = dp_forward_burst(&w, r, pkts, n);
			for (uint16_t i = 0; i < n; i++)
				dp_port_frame(&w, r, pkts[i]);
		}
		for (unsigned int o = 0; o < w.n_owned; o++) {
			enum gw_role r = (enum gw_role)w.owned[o];
			struct gw_port *p = &gw.port[r];
			uint16_t n;

			work += drain_handoff(&w, r);
			work += dp_drain_ctrl_tx(&w, r);
			/* Twins have one queue: the port's owner serves it. */
			if (p->twin_id == GW_NO_PORT)
				continue;
			n = rte_eth_rx_burst(p->twin_id, 0, pkts, BURST);
			work += n;
			for (uint16_t i = 0; i < n; i++)
				dp_from_kernel(&w, r, pkts[i]);
		}
		flush_all(&w);
		gw_idle_poll_done(&idle, work);
	}
	flush_all(&w);
	if (gw.qsbr != NULL) {
		rte_rcu_qsbr_thread_offline(gw.qsbr, w.index);
		rte_rcu_qsbr_thread_unregister(gw.qsbr, w.index);
	}
	worker_free(&w);
	return 0;
}
