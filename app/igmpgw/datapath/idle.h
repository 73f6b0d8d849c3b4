/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How a worker waits ([workers] idle): with idle = adaptive, a worker whose
 * passes over its queues keep finding nothing sleeps in short steps instead
 * of burning its core, offline for RCU meanwhile, and polls flat out again
 * from the first pass that finds work. With idle = busy it never sleeps.
 * Either way it counts its passes and empty passes for status (gw.worker[]).
 */
#ifndef IGMPGW_IDLE_H
#define IGMPGW_IDLE_H

#include <stdbool.h>
#include <stdint.h>

#include "gw.h"

/*
 * Polling goes on this long after the last work: the rest of a short exchange
 * (the main lcore's answer within its 500 us period, the data a join brings)
 * finds the worker awake, and the gaps inside a burst are polled through.
 */
#define GW_IDLE_SPIN_US 1000
/*
 * Sleeps double from the shortest to the longest. The longest plus the timer
 * slack is the most a frame arriving on an idle worker waits: 100 us.
 */
#define GW_IDLE_MIN_SLEEP_US 5
#define GW_IDLE_MAX_SLEEP_US 90
#define GW_IDLE_TIMER_SLACK_NS 10000

struct gw_idle {
	struct gw_worker_info *info;  /* this worker's record in gw.worker[] */
	unsigned int rcu_id;          /* its QSBR thread id */
	bool adaptive;
	uint32_t sleep_us;            /* the next sleep */
	uint64_t quiet_since;         /* TSC of the first empty pass after work, 0 = none yet */
	uint64_t spin_tsc;            /* GW_IDLE_SPIN_US in TSC cycles */
	uint64_t tsc_per_us;
};

/*
 * Called on the worker's lcore before its loop: records the lcore and
 * socket, and with idle = adaptive sets the thread's timer slack.
 */
void gw_idle_init(struct gw_idle *idle, unsigned int worker, enum gw_idle_mode mode);

/* gw_idle_poll_done's empty pass with idle = adaptive: sleeps once quiet long enough. */
void gw_idle_quiet(struct gw_idle *idle);

/*
 * After each pass over the worker's queues, with what the pass handled
 * (frames received, 0 for none) and nothing left in its transmit buffers.
 */
static inline void
gw_idle_poll_done(struct gw_idle *idle, unsigned int work)
{
	struct gw_worker_info *info = idle->info;

	/* Every GW_IDLE_WINDOW_POLLS passes, publish how many of them were empty. */
	if ((++info->polls & (GW_IDLE_WINDOW_POLLS - 1)) == 0) {
		__atomic_store_n(&info->window_idle,
				 (uint32_t)(info->idle_polls - info->window_start_idle),
				 __ATOMIC_RELAXED);
		info->window_start_idle = info->idle_polls;
	}
	if (work != 0) {
		idle->quiet_since = 0;
		idle->sleep_us = GW_IDLE_MIN_SLEEP_US;
		return;
	}
	info->idle_polls++;
	if (idle->adaptive)
		gw_idle_quiet(idle);
}

#endif
