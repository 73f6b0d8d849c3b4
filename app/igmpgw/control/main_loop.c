/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Main-lcore control work. The workers never log or wait: they count, and hand
 * packets that raise events over a ring; this file turns both into telemetry,
 * log lines and the packets the gateway originates itself (self queries).
 */
#include <arpa/inet.h>
#include <ctype.h>
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
#include <rte_telemetry.h>

#include "main_loop.h"
#include "ctl_server.h"
#include "table_feed.h"
#include "link_watch.h"
#include "tracking.h"
#include "gw.h"
#include "originate.h"
#include "mship_timers.h"

#define GW_LOG_PART control

#define DROP_LOG_PERIOD_S 10
#define EVENT_BURST 32

const char *const gw_counter_names[GW_CNT_COUNT] = {
#define GW_COUNTER_NAME(name, help) #name,
	GW_COUNTERS(GW_COUNTER_NAME)
#undef GW_COUNTER_NAME
};

static const char *const limit_keys[GW_LIMIT_COUNT] = {
#define GW_LIMIT_KEY(code, key) key,
	GW_LIMITS(GW_LIMIT_KEY)
#undef GW_LIMIT_KEY
};

const char *
gw_limit_key(enum gw_limit l)
{
	return (unsigned int)l < GW_LIMIT_COUNT ? limit_keys[l] : "invalid";
}

uint32_t
gw_limit_value(enum gw_limit l)
{
	const struct gw_limits_config *c = &gw.cfg.limits;

	switch (l) {
	case GW_LIMIT_MAX_GROUPS:
		return c->max_groups;
	case GW_LIMIT_MAX_GROUPS_PER_PORT:
		return c->max_groups_per_port;
	case GW_LIMIT_MAX_SOURCES_PER_GROUP:
		return c->max_sources_per_group;
	default:
		return 0;
	}
}

/* Sums one uint64_t field of a port's stats over its writers; offset into gw_port_stats. */
static uint64_t
sum_over_workers(const struct gw_port *p, size_t offset)
{
	uint64_t sum = 0;

	for (unsigned int w = 0; w < GW_STATS_SLOTS; w++)
		sum += *(const uint64_t *)((const char *)&p->stats[w] + offset);
	return sum;
}

uint64_t
gw_port_counter(const struct gw_port *p, enum gw_counter c)
{
	return sum_over_workers(p, offsetof(struct gw_port_stats, cnt) + c * sizeof(uint64_t));
}

uint64_t
gw_port_wire_counter(const struct gw_port *p, enum igmp_wire_error e)
{
	return sum_over_workers(p, offsetof(struct gw_port_stats, wire) + e * sizeof(uint64_t));
}

uint64_t
gw_port_proxy_counter(const struct gw_port *p, enum igmp_proxy_reason r)
{
	return sum_over_workers(p, offsetof(struct gw_port_stats, proxy) + r * sizeof(uint64_t));
}

static const char *
ipv4_str(uint32_t addr, char *buf, size_t len)
{
	return inet_ntop(AF_INET, &addr, buf, len);
}

/* ---- telemetry ---- */

static int
tel_stats(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		const struct gw_port *p = &gw.port[r];
		struct rte_tel_data *port;

		if (!p->present)
			continue;
		port = rte_tel_data_alloc();
		if (port == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(port);
		for (int c = 0; c < GW_CNT_COUNT; c++)
			rte_tel_data_add_dict_u64(port, gw_counter_names[c], gw_port_counter(p, c));
		/* Reason 0 is "ok" for the codec and "proxied" for the proxy: keep both lists whole. */
		for (int e = 1; e < IGMP_ERR_COUNT; e++)
			rte_tel_data_add_dict_u64(port, igmp_wire_error_name(e), gw_port_wire_counter(p, e));
		for (int e = 0; e < PROXY_REASON_COUNT; e++)
			rte_tel_data_add_dict_u64(port, igmp_proxy_reason_name(e), gw_port_proxy_counter(p, e));
		rte_tel_data_add_dict_container(d, gw_role_name(r), port, 0);
	}
	return 0;
}

static int
tel_ports(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		const struct gw_port *p = &gw.port[r];
		struct rte_tel_data *port;
		char buf[64];

		if (!p->present)
			continue;
		port = rte_tel_data_alloc();
		if (port == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(port);
		rte_tel_data_add_dict_string(port, "name", p->name);
		rte_tel_data_add_dict_int(port, "port_id", p->port_id);
		rte_ether_format_addr(buf, sizeof(buf), &p->mac);
		rte_tel_data_add_dict_string(port, "mac", buf);
		ipv4_str(p->addr, buf, sizeof(buf));
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/%u", p->prefix_len);
		rte_tel_data_add_dict_string(port, "address", buf);
		rte_tel_data_add_dict_string(port, "twin", p->twin_id == GW_NO_PORT ? "" :
					     p->twin_ifname);
		rte_tel_data_add_dict_string(port, "link", gw_port_link_up(p) ? "up" : "down");
		rte_tel_data_add_dict_string(port, "interface_state", gw_link_state_name(p, false));
		rte_tel_data_add_dict_string(port, "twin_state", gw_link_state_name(p, true));
		rte_tel_data_add_dict_string(port, "active", gw_role_is_inside(r) ? "" :
					     r == (int)gw_active_outside() ? "yes" : "no");
		rte_tel_data_add_dict_container(d, gw_role_name(r), port, 0);
	}
	return 0;
}

static int
tel_querier(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	struct gw_querier q;
	char buf[64];

	gw_querier_read(&q);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "address", q.addr == 0 ? "" :
				     ipv4_str(q.addr, buf, sizeof(buf)));
	rte_ether_format_addr(buf, sizeof(buf), &q.mac);
	rte_tel_data_add_dict_string(d, "mac", q.addr == 0 ? "" : buf);
	rte_tel_data_add_dict_int(d, "version", q.version);
	rte_tel_data_add_dict_string(d, "port", q.addr == 0 ? "" : gw_role_name(q.port));
	rte_tel_data_add_dict_u64(d, "seconds_ago", q.addr == 0 ? 0 :
				  (rte_rdtsc() - q.heard_tsc) / rte_get_tsc_hz());
	return 0;
}

static int
tel_config(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	const struct gw_igmp_config *c = &gw.cfg.igmp;
	char buf[INET_ADDRSTRLEN];

	rte_tel_data_start_dict(d);
#define GW_SWITCH_TEL(name) rte_tel_data_add_dict_string(d, #name, c->name ? "yes" : "no");
	GW_IGMP_SWITCHES(GW_SWITCH_TEL)
#undef GW_SWITCH_TEL
	rte_tel_data_add_dict_string(d, "unicast_dst", c->unicast_dst == 0 ? "" :
				     ipv4_str(c->unicast_dst, buf, sizeof(buf)));
	rte_tel_data_add_dict_string(d, "active_outside", gw_role_name(gw_active_outside()));
	rte_tel_data_add_dict_int(d, "self_query_interval", (int)c->self_query_interval);
	rte_tel_data_add_dict_u64(d, "uptime", (rte_rdtsc() - gw.start_tsc) / rte_get_tsc_hz());
	rte_tel_data_add_dict_string(d, "version", IGMPGW_VERSION);
	return 0;
}

/*
 * Telemetry containers nest one level only: one flat dict, "mempool/NAME/in_use"
 * keys. Telemetry names take letters, digits, '_' and '/' only.
 */
static void
tel_key(char *key, size_t len, const char *kind, const char *name, const char *field)
{
	size_t i;

	snprintf(key, len, "%s/%s/%s", kind, name, field);
	for (i = strlen(kind) + 1; key[i] != '\0' && i < strlen(kind) + 1 + strlen(name); i++)
		if (!isalnum((unsigned char)key[i]) && key[i] != '_')
			key[i] = '_';
}

static void
tel_mempool(struct rte_mempool *mp, void *arg)
{
	struct rte_tel_data *d = arg;
	char key[RTE_TEL_MAX_STRING_LEN];

	tel_key(key, sizeof(key), "mempool", mp->name, "size");
	rte_tel_data_add_dict_u64(d, key, mp->size);
	tel_key(key, sizeof(key), "mempool", mp->name, "cache_size");
	rte_tel_data_add_dict_u64(d, key, mp->cache_size);
	/* Objects in the lcore caches count as available: a leak shows, a warm cache does not. */
	tel_key(key, sizeof(key), "mempool", mp->name, "in_use");
	rte_tel_data_add_dict_u64(d, key, rte_mempool_in_use_count(mp));
}

static void
tel_ring(struct rte_tel_data *d, const char *name, const struct rte_ring *r)
{
	char key[RTE_TEL_MAX_STRING_LEN];

	if (r == NULL)
		return;
	tel_key(key, sizeof(key), "ring", name, "count");
	rte_tel_data_add_dict_u64(d, key, rte_ring_count(r));
	tel_key(key, sizeof(key), "ring", name, "capacity");
	rte_tel_data_add_dict_u64(d, key, rte_ring_get_capacity(r));
}

/* What a soak watches for growth: mbufs in use per mempool, entries waiting per ring. */
static int
tel_resources(const char *cmd __rte_unused, const char *params __rte_unused,
	      struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	rte_mempool_walk(tel_mempool, d);
	tel_ring(d, "events", gw.events);
	tel_ring(d, "ctrl_tx", gw.ctrl_tx);
	return 0;
}

void
gw_telemetry_register(void)
{
	rte_telemetry_register_cmd("/igmpgw/stats", tel_stats,
				   "Datapath counters of every port. No parameters");
	rte_telemetry_register_cmd("/igmpgw/ports", tel_ports,
				   "The gateway's ports: role, name, MAC, address, twin. No parameters");
	rte_telemetry_register_cmd("/igmpgw/querier", tel_querier,
				   "The querier learned on the active outside. No parameters");
	rte_telemetry_register_cmd("/igmpgw/config", tel_config,
				   "The effective [igmp] switches. No parameters");
	rte_telemetry_register_cmd("/igmpgw/resources", tel_resources,
				   "Mbufs in use per mempool, entries waiting per ring. No parameters");
}

/* ---- events ---- */

static void
handle_event(struct rte_mbuf *m)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, sizeof(struct rte_ether_hdr));
	enum gw_role role = (enum gw_role)m->port;
	enum ctl_event_kind kind;
	struct igmp_ipv4 ip;
	struct igmp_msg msg;
	json_t *ev;

	/* The worker validated it; parse again to read it, as the mbuf is all we keep. */
	if (igmp_packet_parse(l3, rte_pktmbuf_data_len(m) - sizeof(struct rte_ether_hdr), &ip,
			      &msg) != IGMP_OK)
		return;
	/* From inside: tracking's input, or else a report passed upstream that feeds forwarding. */
	if (gw_role_is_inside(role)) {
		if (gw_tracking_enabled())
			gw_tracking_input(role, &ip, &msg, gw_now_ms());
		else
			gw_feed_asked(role, &msg, m->hash.usr, gw_now_ms());
		return;
	}
	if (msg.type == IGMP_TYPE_QUERY)
		gw_tracking_input(role, &ip, &msg, gw_now_ms());
	if (!(msg.type == IGMP_TYPE_QUERY ? gw.cfg.igmp.query_notify :
	      gw.cfg.igmp.membership_reports_from_network))
		return;
	ev = ctl_event_from_igmp(role, &ip, &msg, &kind);
	if (ev == NULL)
		return;
	if (rte_log_can_log(gw_logtype_control, RTE_LOG_DEBUG)) {
		char *text = json_dumps(ev, JSON_COMPACT);

		GW_LOG(DEBUG, "event %s", text != NULL ? text : "?");
		free(text);
	}
	gw_ctl_publish(kind, ev);
	json_decref(ev);
}

static void
drain_events(void)
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

	drain_events();
	gw_ctl_poll();
	gw_feed_poll(gw_now_ms());
	gw_tracking_poll(gw_now_ms());
	gw_link_watch_poll(now_tsc);
	gw_originate_poll();
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
	drain_events();
}
