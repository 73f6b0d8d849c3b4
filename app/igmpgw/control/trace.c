/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmpgwctl trace, the main lcore's side: see trace.h. The ring is made at
 * the first trace and kept until the end (workers may hold it for a moment
 * after a trace stops); records of ports no trace asks for are dropped here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "events.h"
#include "gw.h"
#include "igmp_trace.h"
#include "trace.h"

#define GW_LOG_PART control

/* Room for a burst on every port while the main lcore is busy elsewhere. */
#define TRACE_RING_SIZE 1024
#define TRACE_BURST 64

static struct {
	const void *session;          /* who asked; NULL: no trace runs */
	uint32_t ports;
	uint32_t left;
	uint64_t traced;
	uint64_t dropped_before;      /* trace_dropped over the ports when it started */
} t;

static uint64_t
dropped_now(void)
{
	uint64_t n = 0;

	for (int r = 0; r < GW_MAX_PORTS; r++)
		if (gw.port[r].present)
			n += gw_port_counter(&gw.port[r], GW_CNT_trace_dropped);
	return n;
}

/* Drops whatever waits in the ring (an earlier trace's tail). */
static void
ring_flush(void)
{
	struct igmp_trace_rec recs[TRACE_BURST];

	while (rte_ring_sc_dequeue_burst_elem(gw.trace, recs, sizeof(recs[0]), TRACE_BURST,
					       NULL) > 0)
		;
}

static void
stop(void)
{
	__atomic_store_n(&gw.trace_ports, 0, __ATOMIC_RELEASE);
	t.session = NULL;
}

const char *
gw_trace_start(const void *session, uint32_t ports, uint32_t count)
{
	if (t.session != NULL && t.session != session)
		return "a trace is running for another control client: one at a time";
	if (gw.trace == NULL) {
		struct rte_ring *r = rte_ring_create_elem("igmpgw_trace", sizeof(struct igmp_trace_rec),
							  TRACE_RING_SIZE, SOCKET_ID_ANY, RING_F_SC_DEQ);

		if (r == NULL) {
			GW_LOG(WARNING, "cannot create the trace ring: %s", rte_strerror(rte_errno));
			return "no memory for the trace ring";
		}
		__atomic_store_n(&gw.trace, r, __ATOMIC_RELEASE);
	}
	stop();
	ring_flush();
	t = (typeof(t)){
		.session = session,
		.ports = ports,
		.left = count,
		.dropped_before = dropped_now(),
	};
	__atomic_store_n(&gw.trace_ports, ports, __ATOMIC_RELEASE);
	GW_LOG(INFO, "trace of the next %u IGMP packets started (control request)", count);
	return NULL;
}

void
gw_trace_session_gone(const void *session)
{
	if (session != NULL && t.session == session) {
		GW_LOG(INFO, "trace stopped after %" PRIu64 " packets: its client went", t.traced);
		stop();
	}
}

/* The last line of a trace: how many it showed, how many the ring lost. */
static void
finish(void)
{
	struct ctl_event e = {
		.kind = CTL_EV_TRACE_END,
		.to = t.session,
		.traced = t.traced,
		.dropped = dropped_now() - t.dropped_before,
	};

	stop();
	gw_event_raise(&e);
	GW_LOG(INFO, "trace done: %" PRIu64 " packets", e.traced);
}

void
gw_trace_poll(void)
{
	struct igmp_trace_rec recs[TRACE_BURST];
	double hz = (double)rte_get_tsc_hz();
	unsigned int n;

	if (gw.trace == NULL)
		return;
	do {
		n = rte_ring_sc_dequeue_burst_elem(gw.trace, recs, sizeof(recs[0]), TRACE_BURST,
						   NULL);
		for (unsigned int i = 0; i < n; i++) {
			struct ctl_event e = {
				.kind = CTL_EV_TRACE,
				.port = (enum gw_role)recs[i].role,
				.to = t.session,
				.trace = &recs[i],
				.seconds = (double)(recs[i].tsc - gw.start_tsc) / hz,
			};

			if (t.session == NULL || t.left == 0 || !(t.ports & (1u << recs[i].role)))
				continue;
			gw_event_raise(&e);
			t.traced++;
			if (--t.left == 0)
				finish();
		}
	} while (n == TRACE_BURST);
}

void
gw_trace_close(void)
{
	stop();
	rte_ring_free(gw.trace);
	gw.trace = NULL;
}
