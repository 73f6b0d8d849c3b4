/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the datapath's files share, and nothing outside datapath/ includes: a
 * worker's own state, its transmit helpers, the frame classifiers, and the
 * stages one frame passes through (worker.c classifies, then igmp_stage.c,
 * replicate.c or exception.c; igmp_frame.c frames every IGMP packet sent;
 * handoff.c carries what belongs to a port's owner there).
 */
#ifndef IGMPGW_DATAPATH_H
#define IGMPGW_DATAPATH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "gw.h"

#define BURST 32

/* Per-worker transmit buffers, one per port and per twin. */
struct tx_queues {
	struct rte_eth_dev_tx_buffer *port[GW_MAX_PORTS];
	struct rte_eth_dev_tx_buffer *twin[GW_MAX_PORTS];
	uint64_t port_drops[GW_MAX_PORTS];
	uint64_t twin_drops[GW_MAX_PORTS];
	uint64_t port_drops_seen[GW_MAX_PORTS];
	uint64_t twin_drops_seen[GW_MAX_PORTS];
	uint64_t handoff_drops[GW_MAX_PORTS];  /* sends the owner's full ring refused */
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
	const struct gw_worker_plan *conf;
	uint16_t txq[GW_MAX_PORTS];   /* conf->txq: its own tx queue, GW_NO_QUEUE: via the owner */
	/*
	 * The roles present, and those this worker owns, fixed at start: the
	 * per-pass loops walk these, not all GW_MAX_PORTS slots (18 since VLAN
	 * trunks, about 2 % of the thread at 64 B when walked whole).
	 */
	uint8_t n_present, n_owned;
	uint8_t present[GW_MAX_PORTS];
	uint8_t owned[GW_MAX_PORTS];
	uint64_t burst_tsc;           /* when the current burst arrived */
	uint64_t tsc_per_ms;
	struct tx_queues tx;
	struct fed_slot fed[FED_SLOTS];
	/* replicate.c: fresh mbufs of spare_pool for copied replicas, taken BURST at a time */
	struct rte_mempool *spare_pool;
	uint16_t n_spare;
	struct rte_mbuf *spare[BURST];
};

static inline struct gw_port_stats *
stats_of(struct worker *w, enum gw_role role)
{
	return &gw.port[role].stats[w->index];
}

/*
 * policy_stage.c: what of a host's report on an inside port passes the ACLs
 * and the SSM range (refusals counted); a report that lost records is
 * rewritten in m, and ip and msg describe it. false: nothing passes, drop m.
 */
bool dp_igmp_policy(struct worker *w, enum gw_role role, struct rte_mbuf *m, uint8_t *l3,
		    struct igmp_ipv4 *ip, struct igmp_msg *msg);

/* What a frame handed to a port's owner is for (in m->hash.usr). */
enum dp_handoff {
	DP_HANDOFF_KERNEL,            /* received here, for the port's kernel twin */
	DP_HANDOFF_IGMP,              /* IGMP received on the port */
	DP_HANDOFF_TX,                /* to send on the port, counted by the sender */
};

/* handoff.c: hands m to role's owner; ring full = dropped and counted (handoff_dropped). */
void dp_handoff(struct worker *w, enum gw_role role, struct rte_mbuf *m, enum dp_handoff kind);

static inline bool
owns(const struct worker *w, enum gw_role role)
{
	return w->index == gw_port_owner(role);
}

/*
 * Transmits m on role's port by the worker's own tx queue there, or, on a
 * port with fewer tx queues than workers, by its owner's. The caller counts.
 */
static inline void
tx_port(struct worker *w, enum gw_role role, struct rte_mbuf *m)
{
	uint16_t q = w->txq[role];

	if (likely(q != GW_NO_QUEUE))
		rte_eth_tx_buffer(gw.port[role].port_id, q, w->tx.port[role], m);
	else
		dp_handoff(w, role, m, DP_HANDOFF_TX);
}

static inline void
send_on_port(struct worker *w, enum gw_role role, struct rte_mbuf *m)
{
	stats_of(w, role)->cnt[GW_CNT_tx_packets]++;
	tx_port(w, role, m);
}

static inline bool
is_igmp(const struct rte_mbuf *m, const struct rte_ether_hdr *eth)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);

	return eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
		rte_pktmbuf_data_len(m) >= sizeof(*eth) + sizeof(*ip) &&
		ip->next_proto_id == IGMP_IP_PROTO;
}

static inline bool
is_ipv4_multicast(const struct rte_mbuf *m, const struct rte_ether_hdr *eth)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);

	/* The length first: the frame may be shorter than even its Ethernet header. */
	return rte_pktmbuf_data_len(m) >= sizeof(*eth) + sizeof(*ip) &&
		eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) && igmp_is_multicast(ip->dst_addr);
}

/*
 * vlan.c: the section of head's trunk a received frame belongs to, its tag
 * taken off (by the PMD or here); GW_VID_NONE when none (an unknown VLAN,
 * QinQ: counted on head, m freed). Frames without a tag are the untagged
 * section's, as are priority-tagged ones (VID 0).
 */
uint8_t dp_vlan_ingress(struct worker *w, enum gw_role head, struct rte_mbuf *m);

/*
 * vlan.c: tags *m (a whole frame, direct and unshared) with tci on p: by the
 * PMD where it inserts, else here (*m may then change). False: no room,
 * the caller's to free.
 */
bool dp_vlan_tag(const struct gw_port *p, struct rte_mbuf **m, uint16_t tci);

/* vlan.c: writes the 802.1Q part of an 18-byte IPv4 header whose MACs eth holds. */
void dp_vlan_header(struct rte_ether_hdr *eth, uint16_t tci);

/* The Ethernet header a frame on p takes: 18 bytes on a VLAN, 14 otherwise. */
static inline uint16_t
eth_hdr_len(const struct gw_port *p)
{
	return p->vlan != 0 ? sizeof(struct rte_ether_hdr) + sizeof(struct rte_vlan_hdr) :
		sizeof(struct rte_ether_hdr);
}

/*
 * rate_limit.c: [limits] igmp_rate_per_host / igmp_rate_per_port on an inside
 * port's IGMP, on its owner worker. False: over a rate, counted; the caller drops.
 */
bool dp_igmp_rate_admit(struct worker *w, enum gw_role role, uint32_t src);

/* igmp_stage.c: validates, decides (igmp_proxy) and proxies an IGMP frame. */
void dp_igmp_stage(struct worker *w, enum gw_role role, struct rte_mbuf *m,
		   const struct rte_ether_hdr *eth);

/*
 * trace_tap.c: records an IGMP packet received on role, and the decision on
 * it (d NULL when the codec rejected it with err), for a running trace.
 */
void dp_trace_igmp(struct worker *w, enum gw_role role, const uint8_t *l3, size_t l3_len,
		   const struct igmp_ipv4 *ip, const struct igmp_msg *msg,
		   enum igmp_wire_error err, const struct igmp_proxy_decision *d);

/*
 * replicate.c: multicast data from the active outside to the inside ports
 * that want it. dp_forward_multicast returns false for what is not ours to
 * forward (link-local groups, multicast from inside): the caller hands it to
 * the kernel. dp_forward_burst takes a whole burst of the active outside and
 * leaves what is not plain data at the front of pkts, returning its count.
 */
bool dp_forward_multicast(struct worker *w, enum gw_role role, struct rte_mbuf *m,
			  struct rte_ether_hdr *eth);
uint16_t dp_forward_burst(struct worker *w, enum gw_role role, struct rte_mbuf **pkts,
			  uint16_t n);

/* replicate.c: gives the worker's spare mbufs for copied replicas back to their pool. */
void dp_replica_spares_free(struct worker *w);

/* exception.c: a frame for role's kernel twin (learning neighbours from its ARP). */
void dp_to_kernel(struct worker *w, enum gw_role role, struct rte_mbuf *m);

/* exception.c: a frame the kernel twin of role sent, out of the port. */
void dp_from_kernel(struct worker *w, enum gw_role role, struct rte_mbuf *m);

/*
 * igmp_frame.c: m holds an IPv4 packet carrying IGMP from its IPv4 header on;
 * puts the Ethernet header the destination MAC rule gives in front and sends
 * it on egress. Returns false (m untouched, the caller's) without headroom.
 */
bool dp_send_igmp(struct worker *w, enum gw_role egress, struct rte_mbuf *m);

/* igmp_frame.c: frames and sends what the main lcore queued on role's ctrl_tx ring; how many. */
unsigned int dp_drain_ctrl_tx(struct worker *w, enum gw_role role);

#endif
