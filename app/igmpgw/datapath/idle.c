/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Adaptive idle polling: short sleeps (nanosleep) rather than RX interrupts.
 * The lab's PMDs (af_packet, pcap, null) offer no RX interrupts, a worker
 * also serves the kernel twins and the main lcore's ctrl_tx ring, which no
 * interrupt announces, and a capped sleep bounds the wake-up latency on any
 * PMD. The sleep is the only system call the datapath makes itself.
 */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_rcu_qsbr.h>

#include "idle.h"

#define GW_LOG_PART datapath

void
gw_idle_init(struct gw_idle *idle, unsigned int worker, enum gw_idle_mode mode)
{
	memset(idle, 0, sizeof(*idle));
	idle->info = &gw.worker[worker];
	idle->rcu_id = worker;
	idle->adaptive = mode == GW_IDLE_ADAPTIVE;
	idle->sleep_us = GW_IDLE_MIN_SLEEP_US;
	idle->tsc_per_us = RTE_MAX(rte_get_tsc_hz() / 1000000, (uint64_t)1);
	idle->spin_tsc = GW_IDLE_SPIN_US * idle->tsc_per_us;
	idle->info->lcore = rte_lcore_id();
	idle->info->socket = (int)rte_socket_id();
	idle->info->window_idle = UINT32_MAX;
	/* The default slack (50 us) would stretch a 90 us sleep past the 100 us promised. */
	if (idle->adaptive && prctl(PR_SET_TIMERSLACK, GW_IDLE_TIMER_SLACK_NS, 0, 0, 0) < 0)
		GW_LOG(WARNING, "worker %u: cannot set the timer slack: %s: idle sleeps may last longer",
		       worker, strerror(errno));
}

/* One sleep, offline for RCU; the next one twice as long, up to the longest. */
static void
idle_sleep(struct gw_idle *idle)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)idle->sleep_us * 1000 };
	uint64_t start;

	/* Offline: the forwarding table's writer does not wait for a sleeper. */
	if (gw.qsbr != NULL)
		rte_rcu_qsbr_thread_offline(gw.qsbr, idle->rcu_id);
	start = rte_rdtsc();
	nanosleep(&ts, NULL); /* signals are blocked on workers; an early return only polls sooner */
	idle->info->slept_ns += (rte_rdtsc() - start) * 1000 / idle->tsc_per_us;
	idle->info->sleeps++;
	if (gw.qsbr != NULL)
		rte_rcu_qsbr_thread_online(gw.qsbr, idle->rcu_id);
	idle->sleep_us = RTE_MIN(idle->sleep_us * 2, (uint32_t)GW_IDLE_MAX_SLEEP_US);
}

void
gw_idle_quiet(struct gw_idle *idle)
{
	uint64_t now = rte_rdtsc();

	if (idle->quiet_since == 0)
		idle->quiet_since = now;
	else if (now - idle->quiet_since >= idle->spin_tsc)
		idle_sleep(idle);
}
