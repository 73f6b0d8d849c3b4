/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Holding the workers still while the main lcore changes what they poll (a
 * port re-bound to a re-created interface: its ethdev removed and probed
 * again). A held worker has flushed its transmit buffers and touches no port
 * until released; it is offline for RCU meanwhile.
 */
#ifndef IGMPGW_HOLD_H
#define IGMPGW_HOLD_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>

struct gw_hold {
	uint32_t want;                /* main: a hold is asked for */
	uint32_t gen;                 /* main: which hold */
	uint32_t held[64];            /* each worker: the gen it is holding for */
};

extern struct gw_hold gw_hold;

/*
 * Main lcore: asks every worker to hold and waits up to timeout_ms for all
 * of them. 0 once held (release with gw_workers_release), or -ETIMEDOUT: a
 * worker did not answer (stuck), the hold is withdrawn and nothing may change.
 */
int gw_workers_hold(uint64_t timeout_ms);
void gw_workers_release(void);

/*
 * DPDK's telemetry thread builds views that read the ports too (names,
 * ethdev stats): it does so under this lock, which a hold takes as well, so
 * it never reads an ethdev a re-bind is removing.
 */
void gw_views_lock(void);
void gw_views_unlock(void);

/* Worker: parks here while a hold is asked for (its tx buffers flushed first). */
void dp_hold_park(unsigned int worker);

static inline void
dp_hold_check(unsigned int worker)
{
	if (unlikely(__atomic_load_n(&gw_hold.want, __ATOMIC_ACQUIRE) != 0))
		dp_hold_park(worker);
}

#endif
