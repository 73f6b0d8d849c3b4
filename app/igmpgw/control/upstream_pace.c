/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reports workers relay upstream go byte for byte while the outside's
 * shared bucket allows (datapath/igmp_stage.c); those over it come here
 * through one lock-free ring, are coalesced per outside while they wait
 * (a group's v1/v2 messages into its latest state, rebuilt; v3 records
 * merged; never reordered) and go to the outside's paced queue one at a time,
 * as its tokens allow. A worker keeps handing reports here while any it handed
 * for that outside is still held (gw.upstream_pending), so none overtakes.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "originate.h"
#include "report_coalesce.h"
#include "upstream_pace.h"

#define BACKLOG_RING 1024
#define TAKE_BURST 64
#define SPARE 1024 /* beyond the groups: v3 reports, other messages */

static struct rcoal *queue[GW_ROLE_INSIDE];
/* Reports taken from the ring, not yet all sent: given back to pending when they are. */
static uint32_t taken[GW_ROLE_INSIDE];

int
gw_upstream_pace_init(char *err, size_t err_len)
{
	uint32_t up = gw.cfg.limits.upstream_reports_per_second;

	if (rl_shared_rate_init(&gw.upstream_rate, up, up / 100 + 1, rte_get_tsc_hz()) < 0) {
		snprintf(err, err_len, "config: limits.upstream_reports_per_second: %u/s too high",
			 up);
		return -EINVAL;
	}
	for (int r = 0; r < GW_ROLE_INSIDE; r++)
		rl_shared_bucket_init(&gw.upstream_bucket[r]);
	if (up == 0)
		return 0;
	gw.upstream_backlog = rte_ring_create("igmpgw_up_backlog", BACKLOG_RING,
					      (int)rte_socket_id(), RING_F_SC_DEQ);
	if (gw.upstream_backlog == NULL) {
		snprintf(err, err_len, "EAL: cannot create the upstream backlog ring: %s",
			 rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (int r = 0; r < GW_ROLE_INSIDE; r++) {
		if (!gw.port[r].present)
			continue;
		queue[r] = rcoal_create(2 * gw.cfg.limits.max_groups + SPARE, gw_igmp_max_msg(r));
		if (queue[r] == NULL) {
			snprintf(err, err_len,
				 "config: limits.max_groups: no memory for %s's coalescing queue",
				 gw_role_name(r));
			return -ENOMEM;
		}
	}
	return 0;
}

static unsigned int
take_some(void)
{
	struct rte_mbuf *m[TAKE_BURST];
	unsigned int n = rte_ring_sc_dequeue_burst(gw.upstream_backlog, (void **)m, TAKE_BURST,
						   NULL);

	for (unsigned int i = 0; i < n; i++) {
		uint16_t role = m[i]->port;

		taken[role]++;
		/* Refused (full, malformed) is counted by the queue. */
		if (queue[role] != NULL && rte_pktmbuf_is_contiguous(m[i]))
			rcoal_add(queue[role], (uint32_t)m[i]->hash.usr,
				  rte_pktmbuf_mtod(m[i], const uint8_t *), rte_pktmbuf_data_len(m[i]));
		rte_pktmbuf_free(m[i]);
	}
	return n;
}

/*
 * Up to a whole ring a pass: the main lcore sleeps between passes, and a
 * flood fills the ring meanwhile; what it cannot take is dropped, leaves too.
 */
static void
take_backlog(void)
{
	for (unsigned int k = 0; k < BACKLOG_RING / TAKE_BURST; k++)
		if (take_some() < TAKE_BURST)
			break;
}

/* The first waiting report goes to the paced queue once that one is empty. */
static void
feed(enum gw_role role)
{
	uint8_t msg[UINT16_MAX];
	uint32_t dst;
	uint16_t len;

	while (gw_originate_depth(role) == 0 &&
	       (len = rcoal_peek(queue[role], &dst, msg, sizeof(msg))) != 0) {
		/* A refusal (no such port now) loses the message: the queue counts it. */
		gw_originate_igmp(role, dst, msg, len);
		rcoal_pop(queue[role]);
	}
}

void
gw_upstream_pace_poll(void)
{
	if (gw.upstream_backlog == NULL)
		return;
	take_backlog();
	for (int r = 0; r < GW_ROLE_INSIDE; r++) {
		if (queue[r] == NULL)
			continue;
		feed(r);
		/* All sent and framed: the workers may send byte for byte again. */
		if (taken[r] != 0 && rcoal_depth(queue[r]) == 0 && gw_originate_depth(r) == 0 &&
		    rte_ring_empty(gw.port[r].ctrl_tx)) {
			__atomic_sub_fetch(&gw.upstream_pending[r], taken[r], __ATOMIC_ACQ_REL);
			taken[r] = 0;
		}
	}
}

json_t *
gw_upstream_pace_status(void)
{
	json_t *all = json_object();

	for (int r = 0; r < GW_ROLE_INSIDE; r++) {
		json_t *o;

		if (queue[r] == NULL)
			continue;
		o = json_pack("{s:i, s:I, s:i}", "depth", (int)rcoal_depth(queue[r]),
			      "memory_bytes", (json_int_t)rcoal_memory(queue[r]), "pending",
			      (int)__atomic_load_n(&gw.upstream_pending[r], __ATOMIC_RELAXED));
		for (int k = 0; k < RCOAL_CTR_COUNT; k++)
			json_object_set_new(o, rcoal_counter_name(k),
					    json_integer((json_int_t)rcoal_counter(queue[r], k)));
		json_object_set_new(all, gw_role_name(r), o);
	}
	return all;
}

void
gw_upstream_pace_close(void)
{
	struct rte_mbuf *m;

	for (int r = 0; r < GW_ROLE_INSIDE; r++) {
		rcoal_free(queue[r]);
		queue[r] = NULL;
		taken[r] = 0;
	}
	if (gw.upstream_backlog == NULL)
		return;
	while (rte_ring_sc_dequeue(gw.upstream_backlog, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(gw.upstream_backlog);
	gw.upstream_backlog = NULL;
}
