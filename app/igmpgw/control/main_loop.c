/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Main-lcore control work. The workers never log or wait: they count, and hand
 * packets that raise events over a ring; this file turns them into events,
 * log lines and the packets the gateway originates itself (self queries).
 * Telemetry reads the status views (telemetry.c, views.c).
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "main_loop.h"
#include "ctl_server.h"
#include "events.h"
#include "groups_view.h"
#include "table_feed.h"
#include "link_watch.h"
#include "metrics.h"
#include "tracking.h"
#include "gw.h"
#include "gw_failover.h"
#include "originate.h"
#include "rate_log.h"
#include "upstream_pace.h"
#include "reload_policy.h"
#include "static_joins.h"
#include "trace.h"
#include "mship_timers.h"

#define GW_LOG_PART control

#define DROP_LOG_PERIOD_S 10
#define EVENT_BURST 32

/* ---- events ---- */

static void
handle_event(struct rte_mbuf *m)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, sizeof(struct rte_ether_hdr));
	enum gw_role role = (enum gw_role)m->port;
	struct ctl_event ev;
	struct igmp_ipv4 ip;
	struct igmp_msg msg;

	/* The worker validated it; parse again to read it, as the mbuf is all we keep. */
	if (igmp_packet_parse(l3, rte_pktmbuf_data_len(m) - sizeof(struct rte_ether_hdr), &ip,
			      &msg) != IGMP_OK)
		return;
	/* From inside: tracking's input, or else a report passed upstream that feeds forwarding. */
	if (gw_role_is_inside(role)) {
		if (gw_tracking_enabled())
			gw_tracking_input(role, &ip, &msg, gw_now_ms());
		else
			gw_feed_asked(role, &ip, &msg, m->hash.usr, gw_now_ms());
		return;
	}
	if (msg.type == IGMP_TYPE_QUERY) {
		gw_tracking_input(role, &ip, &msg, gw_now_ms());
		gw_joins_query(role, &ip, &msg, gw_now_ms());
	}
	if (!(msg.type == IGMP_TYPE_QUERY ? gw.cfg.igmp.query_notify :
	      gw.cfg.igmp.membership_reports_from_network))
		return;
	if (ctl_event_of_igmp(role, &ip, &msg, &ev))
		gw_event_raise(&ev);
}

void
gw_control_drain_events(void)
{
	struct rte_mbuf *pkts[EVENT_BURST];
	unsigned int n;

	if (gw.events == NULL)
		return;
	do {
		n = rte_ring_dequeue_burst(gw.events, (void **)pkts, EVENT_BURST, NULL);
		for (unsigned int i = 0; i < n; i++) {
			handle_event(pkts[i]);
			rte_pktmbuf_free(pkts[i]);
		}
	} while (n == EVENT_BURST);
}

/* ---- self query ---- */

/* IGMPv2 general queries to 224.0.0.1 from the gateway's inside addresses (RFC 2236). */
static void
send_self_query(void)
{
	uint8_t msg[IGMP_V2_LEN];

	/* Max Resp Time in tenths: the RFC default query response interval. */
	igmp_build_v2(msg, sizeof(msg), IGMP_TYPE_QUERY,
		      MSHIP_DEFAULT_QUERY_RESPONSE_INTERVAL_MS / 100, 0);
	for (int r = GW_ROLE_INSIDE; r < GW_MAX_PORTS; r++)
		if (gw.port[r].present)
			gw_originate_igmp(r, htonl(IGMP_ALL_SYSTEMS), msg, sizeof(msg));
}

/* ---- drop logging ---- */

struct drop_log {
	uint64_t wire[GW_MAX_PORTS][IGMP_ERR_COUNT];
	uint64_t proxy[GW_MAX_PORTS][PROXY_REASON_COUNT];
	uint64_t refused[GW_LIMIT_COUNT];
	uint64_t forwarding_off[GW_MAX_PORTS];
};

static struct drop_log logged;

/* The limit a worker's refusal names; GW_LIMIT_COUNT for the other reasons. */
static enum gw_limit
limit_of_reason(enum igmp_proxy_reason r)
{
	switch (r) {
	case PROXY_REFUSED_MAX_GROUPS:
		return GW_LIMIT_MAX_GROUPS;
	case PROXY_REFUSED_MAX_SOURCES:
		return GW_LIMIT_MAX_SOURCES_PER_GROUP;
	default:
		return GW_LIMIT_COUNT;
	}
}

/*
 * The switch behind a switched_off decision on a port of this role (the
 * igmp_proxy_decide rows): outside, proxy_out_to_in; inside, the one that is
 * off of the two that govern multicast and unicast reports.
 */
static const char *
switch_off_name(enum gw_role role)
{
	const struct gw_igmp_config *c = &gw.cfg.igmp;

	if (!gw_role_is_inside(role))
		return "igmp.proxy_out_to_in = no";
	if (!c->proxy_in_to_out && !c->unicast_proxy_in_to_out)
		return "igmp.proxy_in_to_out = no (multicast reports) or igmp.unicast_proxy_in_to_out = no (unicast reports)";
	return !c->proxy_in_to_out ? "igmp.proxy_in_to_out = no" :
		"igmp.unicast_proxy_in_to_out = no";
}

/*
 * Joins refused so far, by limit, wherever the state is kept: the workers'
 * decisions on the ports, goIGMP's asked groups, membership tracking.
 */
static void
refused_joins(uint64_t n[GW_LIMIT_COUNT])
{
	memset(n, 0, GW_LIMIT_COUNT * sizeof(*n));
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		if (!gw.port[r].present)
			continue;
		for (int e = 0; e < PROXY_REASON_COUNT; e++) {
			enum gw_limit l = limit_of_reason(e);

			if (l != GW_LIMIT_COUNT)
				n[l] += gw_port_proxy_counter(&gw.port[r], e);
		}
	}
	gw_feed_refused(n);
	gw_tracking_refused(n);
}

/*
 * Says once per period what was dropped and why, so floods never flood the
 * log: one line per reason that moved, refused joins one line per limit.
 */
static void
log_drops(void)
{
	uint64_t refused[GW_LIMIT_COUNT];

	for (int r = 0; r < GW_MAX_PORTS; r++) {
		const struct gw_port *p = &gw.port[r];

		if (!p->present)
			continue;
		for (int e = 1; e < IGMP_ERR_COUNT; e++) {
			uint64_t now = gw_port_wire_counter(p, e);

			if (now != logged.wire[r][e])
				GW_LOG(NOTICE, "%s: dropped %" PRIu64 " IGMP packets: %s",
				       gw_role_name(r), now - logged.wire[r][e],
				       igmp_wire_error_name(e));
			logged.wire[r][e] = now;
		}
		for (int e = PROXY_INACTIVE_OUTSIDE; e < PROXY_REASON_COUNT; e++) {
			uint64_t now = gw_port_proxy_counter(p, e);

			if (now != logged.proxy[r][e] && limit_of_reason(e) == GW_LIMIT_COUNT)
				GW_LOG(INFO, "%s: ignored %" PRIu64 " IGMP packets: %s%s%s",
				       gw_role_name(r), now - logged.proxy[r][e],
				       igmp_proxy_reason_name(e),
				       e == PROXY_SWITCHED_OFF ? ": " : "",
				       e == PROXY_SWITCHED_OFF ? switch_off_name(r) : "");
			logged.proxy[r][e] = now;
		}
		uint64_t off = gw_port_counter(p, GW_CNT_mcast_forwarding_off);

		if (off != logged.forwarding_off[r])
			GW_LOG(NOTICE, "%s: %" PRIu64 " multicast data packets not forwarded: forwarding is off (set forward.enabled = yes, [forward] enabled = yes in the config)",
			       gw_role_name(r), off - logged.forwarding_off[r]);
		logged.forwarding_off[r] = off;
	}
	refused_joins(refused);
	for (int l = 0; l < GW_LIMIT_COUNT; l++) {
		if (refused[l] != logged.refused[l])
			GW_LOG(NOTICE, "refused %" PRIu64 " joins in the last %d s: limits.%s = %u reached",
			       refused[l] - logged.refused[l], DROP_LOG_PERIOD_S, gw_limit_key(l),
			       gw_limit_value(l));
		logged.refused[l] = refused[l];
	}
}

void
gw_control_poll(uint64_t now_tsc)
{
	static uint64_t next_drop_log;
	static uint64_t next_query;
	uint64_t hz = rte_get_tsc_hz();

	gw_control_drain_events();
	gw_ctl_poll();
	gw_feed_poll(gw_now_ms());
	gw_policy_poll();
	if (gw_policy_purge_ready()) {
		gw_control_drain_events(); /* what the old policy let through, first */
		gw_policy_purge_logged(gw_now_ms());
	}
	gw_tracking_poll(gw_now_ms());
	gw_joins_poll(gw_now_ms());
	gw_trace_poll();
	gw_groups_poll(gw_now_ms());
	gw_link_watch_poll(now_tsc);
	gw_failover_poll(gw_now_ms());
	gw_upstream_pace_poll();
	gw_originate_poll();
	gw_metrics_poll(gw_now_ms());
	gw_rate_log_poll();
	if (gw.cfg.igmp.self_query_interval != 0 && now_tsc >= next_query) {
		send_self_query();
		next_query = now_tsc + gw.cfg.igmp.self_query_interval * hz;
	}
	if (now_tsc >= next_drop_log) {
		if (next_drop_log != 0)
			log_drops();
		next_drop_log = now_tsc + DROP_LOG_PERIOD_S * hz;
	}
}

void
gw_control_cleanup(void)
{
	gw_control_drain_events();
	gw_joins_close();
	gw_trace_close();
	gw_groups_close();
}
