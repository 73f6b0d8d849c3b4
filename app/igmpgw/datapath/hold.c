/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Holding the workers (hold.h): a flag the main lcore raises and each worker
 * answers at the top of its loop, where it holds no mbuf, no forwarding entry
 * and nothing in its transmit buffers. A worker that sleeps when idle answers
 * within its longest sleep (100 us); a stuck one never does, and the hold is
 * given up rather than waited for.
 */
#include <errno.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>
#include <rte_spinlock.h>

#include "gw.h"
#include "hold.h"

_Static_assert(GW_MAX_WORKERS <= RTE_DIM(gw_hold.held), "a hold slot per worker");

struct gw_hold gw_hold;
static rte_spinlock_t views_lock = RTE_SPINLOCK_INITIALIZER;

void
gw_views_lock(void)
{
	rte_spinlock_lock(&views_lock);
}

void
gw_views_unlock(void)
{
	rte_spinlock_unlock(&views_lock);
}

void
dp_hold_park(unsigned int worker)
{
	const struct timespec ts = { .tv_sec = 0, .tv_nsec = 20000 };

	if (gw.qsbr != NULL)
		rte_rcu_qsbr_thread_offline(gw.qsbr, worker);
	/*
	 * Answers every hold asked while parked: a release followed at once by
	 * the next hold may never be seen as a release here.
	 */
	for (;;) {
		uint32_t gen = __atomic_load_n(&gw_hold.gen, __ATOMIC_ACQUIRE);

		__atomic_store_n(&gw_hold.held[worker], gen, __ATOMIC_RELEASE);
		if (__atomic_load_n(&gw_hold.want, __ATOMIC_ACQUIRE) == 0 || gw.quit)
			break;
		/* The main lcore re-binds a port meanwhile: milliseconds, no need to spin hot. */
		nanosleep(&ts, NULL);
	}
	if (gw.qsbr != NULL)
		rte_rcu_qsbr_thread_online(gw.qsbr, worker);
}

int
gw_workers_hold(uint64_t timeout_ms)
{
	uint64_t deadline = rte_rdtsc() + rte_get_tsc_hz() / 1000 * timeout_ms;
	uint32_t gen = __atomic_load_n(&gw_hold.gen, __ATOMIC_RELAXED) + 1;

	gw_views_lock();
	__atomic_store_n(&gw_hold.gen, gen, __ATOMIC_RELEASE);
	__atomic_store_n(&gw_hold.want, 1, __ATOMIC_RELEASE);
	for (unsigned int w = 0; w < gw.n_workers; w++) {
		while (__atomic_load_n(&gw_hold.held[w], __ATOMIC_ACQUIRE) != gen) {
			if (rte_rdtsc() > deadline) {
				gw_workers_release();
				return -ETIMEDOUT;
			}
			rte_pause();
		}
	}
	return 0;
}

void
gw_workers_release(void)
{
	__atomic_store_n(&gw_hold.want, 0, __ATOMIC_RELEASE);
	gw_views_unlock();
}
