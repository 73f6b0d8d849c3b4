/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The querier learned upstream, for any lcore: a seqlock around the whole of
 * it, its address alone read atomically where that is all a rule needs.
 */
#include <rte_common.h>
#include <rte_seqlock.h>

#include "upstream.h"

uint32_t
gw_querier_read(struct gw_querier *out)
{
	uint32_t sn;

	do {
		sn = rte_seqlock_read_begin(&gw.querier.lock);
		out->addr = gw.querier.addr;
		out->mac = gw.querier.mac;
		out->version = gw.querier.version;
		out->port = gw.querier.port;
		out->heard_tsc = gw.querier.heard_tsc;
	} while (rte_seqlock_read_retry(&gw.querier.lock, sn));
	return out->addr;
}

/*
 * One querier today, the last heard on the active outside, answers for every
 * outside, as goIGMP's "last querier" did; failover will keep one per outside.
 */
static uint32_t
querier_on(const void *ctx __rte_unused, enum gw_role outside __rte_unused)
{
	return __atomic_load_n(&gw.querier.addr, __ATOMIC_RELAXED);
}

const struct igmp_proxy_queriers gw_queriers = { .addr = querier_on };
