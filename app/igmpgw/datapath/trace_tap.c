/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The workers' side of igmpgwctl trace: a small record of fixed size per IGMP
 * packet of a traced port, copied into the trace ring (multi-producer: every
 * worker may record), never the mbuf. A full ring drops the record, counted.
 */
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "datapath.h"
#include "igmp_trace.h"

void
dp_trace_igmp(struct worker *w, enum gw_role role, const uint8_t *l3, size_t l3_len,
	      const struct igmp_ipv4 *ip, const struct igmp_msg *msg, enum igmp_wire_error err,
	      const struct igmp_proxy_decision *d)
{
	/* Set before the ports were, and kept until every worker has stopped. */
	struct rte_ring *ring = __atomic_load_n(&gw.trace, __ATOMIC_ACQUIRE);
	struct igmp_trace_rec r;

	if (ring == NULL)
		return;
	igmp_trace_fill(&r, (uint8_t)role, l3, l3_len, ip, msg, err, d);
	r.tsc = w->burst_tsc;
	if (rte_ring_mp_enqueue_elem(ring, &r, sizeof(r)) != 0)
		stats_of(w, role)->cnt[GW_CNT_trace_dropped]++;
}
