/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sd_notify for Type=notify and WatchdogSec=. The watchdog proves more than
 * the main lcore being alive: it is fed only while every worker lcore's loop
 * counter (gw.worker[].polls, which an idle worker still advances at least
 * every 100 us) moves, so a worker stuck in a loop or a lock starves it and
 * systemd restarts the gateway (Restart=on-failure).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_rcu_qsbr.h>

#ifdef IGMPGW_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "gw.h"
#include "service.h"

#define GW_LOG_PART main

static struct {
	uint64_t period_tsc;               /* between watchdog checks; 0 = no watchdog */
	uint64_t next_tsc;
	uint64_t last_polls[GW_MAX_WORKERS];
	bool reported_stuck[GW_MAX_WORKERS];
	int stall_worker;                  /* test knob; -1 = none */
	uint64_t stall_tsc;
} svc = { .stall_worker = -1 };

static void
notify(const char *state)
{
#ifdef IGMPGW_HAVE_SYSTEMD
	int ret = sd_notify(0, state);

	if (ret < 0)
		GW_LOG(WARNING, "sd_notify(%s): %s", state, strerror(-ret));
#else
	RTE_SET_USED(state);
#endif
}

static void
stall_knob_init(void)
{
	const char *v = getenv("IGMPGW_TEST_STALL_WORKER");
	unsigned int worker;
	double seconds;

	if (v == NULL)
		return;
	if (sscanf(v, "%u@%lf", &worker, &seconds) != 2 || worker >= gw.n_workers ||
	    seconds < 0) {
		GW_LOG(WARNING, "IGMPGW_TEST_STALL_WORKER='%s' is not INDEX@SECONDS: ignored", v);
		return;
	}
	svc.stall_worker = (int)worker;
	svc.stall_tsc = rte_rdtsc() + (uint64_t)(seconds * (double)rte_get_tsc_hz());
	GW_LOG(WARNING, "test knob: worker %u stops polling in %.1f s", worker, seconds);
}

void
gw_service_init(void)
{
#ifdef IGMPGW_HAVE_SYSTEMD
	uint64_t usec = 0;

	/* Checked twice as often as it must be fed: one late check costs no restart. */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		svc.period_tsc = rte_get_tsc_hz() * usec / 2 / 1000000;
		GW_LOG(INFO, "systemd watchdog: %.1f s, fed while every worker polls",
		       (double)usec / 1e6);
	}
#endif
	stall_knob_init();
}

void
gw_service_ready(unsigned int n_workers)
{
	char state[96];

	snprintf(state, sizeof(state), "READY=1\nSTATUS=running with %u worker%s", n_workers,
		 n_workers == 1 ? "" : "s");
	notify(state);
	svc.next_tsc = rte_rdtsc() + svc.period_tsc;
	for (unsigned int w = 0; w < gw.n_workers; w++)
		svc.last_polls[w] = __atomic_load_n(&gw.worker[w].polls, __ATOMIC_RELAXED);
}

void
gw_service_poll(uint64_t now_tsc)
{
	bool all_moved = true;

	if (svc.period_tsc == 0 || now_tsc < svc.next_tsc)
		return;
	svc.next_tsc = now_tsc + svc.period_tsc;
	for (unsigned int w = 0; w < gw.n_workers; w++) {
		uint64_t polls = __atomic_load_n(&gw.worker[w].polls, __ATOMIC_RELAXED);

		if (polls != svc.last_polls[w]) {
			svc.last_polls[w] = polls;
			svc.reported_stuck[w] = false;
			continue;
		}
		all_moved = false;
		if (!svc.reported_stuck[w])
			GW_LOG(ERR, "worker %u (lcore %u) has not polled for %.1f s: systemd watchdog not fed",
			       w, gw.plan[w].lcore,
			       (double)svc.period_tsc / (double)rte_get_tsc_hz());
		svc.reported_stuck[w] = true;
	}
	if (all_moved)
		notify("WATCHDOG=1");
}

void
gw_service_stopping(void)
{
	notify("STOPPING=1");
}

uint64_t
gw_service_stall_tsc(unsigned int worker)
{
	return (int)worker == svc.stall_worker ? svc.stall_tsc : 0;
}

void
gw_service_stall(unsigned int worker)
{
	/* Offline: the main lcore's RCU waits must not hang on the stalled worker. */
	if (gw.qsbr != NULL)
		rte_rcu_qsbr_thread_offline(gw.qsbr, worker);
	while (!gw.quit)
		rte_delay_us_sleep(1000);
	if (gw.qsbr != NULL)
		rte_rcu_qsbr_thread_online(gw.qsbr, worker);
}
