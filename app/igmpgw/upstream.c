/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The queriers learned upstream, one per outside port, for any lcore: a
 * seqlock around the whole of each, its address alone read atomically where
 * that is all a rule needs. The owner worker of each outside is its writer.
 */
#include <rte_common.h>
#include <rte_seqlock.h>

#include "upstream.h"

uint32_t
gw_querier_read(enum gw_role outside, struct gw_querier *out)
{
	const struct gw_querier *q;
	uint32_t sn;

	if (gw_role_is_inside(outside)) {
		out->addr = 0;
		return 0;
	}
	q = &gw.querier[outside];
	do {
		sn = rte_seqlock_read_begin(&q->lock);
		out->addr = q->addr;
		out->mac = q->mac;
		out->version = q->version;
		out->port = q->port;
		out->heard_tsc = q->heard_tsc;
		out->qrv = q->qrv;
		out->qqi_s = q->qqi_s;
		out->max_resp_ds = q->max_resp_ds;
	} while (rte_seqlock_read_retry(&q->lock, sn));
	return out->addr;
}

/* Each outside's own querier: after a switch, reports go to the new side's. */
static uint32_t
querier_on(const void *ctx __rte_unused, enum gw_role outside)
{
	if (gw_role_is_inside(outside))
		return 0;
	return __atomic_load_n(&gw.querier[outside].addr, __ATOMIC_RELAXED);
}

const struct igmp_proxy_queriers gw_queriers = { .addr = querier_on };
