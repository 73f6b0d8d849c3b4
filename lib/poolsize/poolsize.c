/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "poolsize.h"

/*
 * An lcore's mempool cache takes objects up to 1.5 times its size before it
 * flushes to the pool (rte_mempool.c, CALC_CACHE_FLUSHTHRESH).
 */
static uint64_t
cache_hold(unsigned int cache)
{
	return (uint64_t)cache * 3 / 2;
}

void
poolsize_compute(const struct poolsize_port *ports, unsigned int n_ports,
		 const struct poolsize_lcores *lc, struct poolsize *out)
{
	/* Workers and the main lcore, which originates IGMP and frees the event copies. */
	uint64_t lcores = (uint64_t)lc->n_workers + 1;
	uint64_t tx_buffers = 0;
	uint64_t replicas;

	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < n_ports; i++) {
		const struct poolsize_port *p = &ports[i];

		out->rx += (uint64_t)p->n_rxq * p->rx_desc;
		out->tx += (uint64_t)p->n_txq * p->tx_desc;
		out->twins += (uint64_t)p->n_twins * 2 * p->twin_desc;
		out->held += p->held;
		/* Handed to the owner (twin, IGMP, no TX queue of its own) or originated. */
		out->rings += (uint64_t)lc->handoff + lc->ctrl_tx;
		/* Every worker has a TX buffer on the port and on each of its twins. */
		tx_buffers += (uint64_t)(1 + p->n_twins) * lc->burst;
	}
	if (n_ports > 0)
		out->rings += lc->events;
	out->caches = lcores * cache_hold(lc->cache);
	/*
	 * A received burst, the spare mbufs kept for copied replicas (up to a
	 * burst, replicate.c) and full TX buffers on every port, on each worker.
	 */
	out->inflight = (uint64_t)lc->n_workers * (2 * lc->burst + tx_buffers);
	out->sum = out->rx + out->tx + out->twins + out->caches + out->inflight + out->rings +
		   out->held;
	out->too_many = out->sum > UINT32_MAX;
	out->mbufs = out->sum < POOLSIZE_FLOOR ? POOLSIZE_FLOOR :
		     out->too_many ? UINT32_MAX : (uint32_t)out->sum;
	/*
	 * A replica (a header mbuf chained to an indirect one) waits in a TX
	 * buffer, a handoff ring or a TX descriptor, as a frame does.
	 */
	replicas = out->tx + (uint64_t)lc->n_workers * tx_buffers + (uint64_t)n_ports * lc->handoff +
		   out->caches;
	if (replicas > UINT32_MAX)
		out->too_many = true;
	out->replicas = replicas < POOLSIZE_REPLICA_FLOOR ? POOLSIZE_REPLICA_FLOOR :
			replicas > UINT32_MAX ? UINT32_MAX : (uint32_t)replicas;
}
