/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What one worker receives but a port's owner must do: frames for the kernel
 * twin (one queue, and the neighbour table learns from its ARP), IGMP (one
 * writer of the learned querier, one host's messages in order) and frames for
 * a port where this worker has no tx queue. A lock-free ring per port, many
 * producers and the owner as the one consumer; full = dropped and counted.
 *
 * Order: IGMP frames one RX queue received reach the owner in order. Two
 * frames that arrived on different RX queues had no order to keep: RSS hashes
 * a host's report and its leave (other destinations) apart, and the owner
 * takes them in the order the workers handed them over.
 */
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "datapath.h"

void
dp_handoff(struct worker *w, enum gw_role role, struct rte_mbuf *m, enum dp_handoff kind)
{
	m->hash.usr = kind;
	if (likely(rte_ring_mp_enqueue(gw.port[role].handoff, m) == 0))
		return;
	/* A sender counted tx_packets: flush_all takes these back from it. */
	if (kind == DP_HANDOFF_TX)
		w->tx.handoff_drops[role]++;
	else
		stats_of(w, role)->cnt[GW_CNT_handoff_dropped]++;
	rte_pktmbuf_free(m);
}
