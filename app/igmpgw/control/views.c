/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The status views, built once: the control socket and telemetry both read
 * these, so the two never disagree on a name or a number.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "gw_failover.h"
#include "gw.h"
#include "link_watch.h"
#include "originate.h"
#include "table_feed.h"
#include "tracking.h"
#include "upstream_pace.h"
#include "views.h"

static json_t *
ipv4_json(uint32_t addr)
{
	char buf[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, buf, sizeof(buf));
	return json_string(buf);
}

static json_int_t
seconds_since(uint64_t tsc)
{
	return (json_int_t)((rte_rdtsc() - tsc) / rte_get_tsc_hz());
}

static json_t *
port_stats(const struct gw_port *p)
{
	json_t *o = json_object();

	for (int c = 0; c < GW_CNT_COUNT; c++)
		json_object_set_new(o, gw_counter_names[c],
				    json_integer((json_int_t)gw_port_counter(p, c)));
	/* Reason 0 is "ok" for the codec and "proxied" for the proxy: keep both lists whole. */
	for (int e = 1; e < IGMP_ERR_COUNT; e++)
		json_object_set_new(o, igmp_wire_error_name(e),
				    json_integer((json_int_t)gw_port_wire_counter(p, e)));
	for (int e = 0; e < PROXY_REASON_COUNT; e++)
		json_object_set_new(o, igmp_proxy_reason_name(e),
				    json_integer((json_int_t)gw_port_proxy_counter(p, e)));
	return o;
}

json_t *
gw_view_stats(void)
{
	json_t *ports = json_object();

	for (int r = 0; r < GW_MAX_PORTS; r++)
		if (gw.port[r].present)
			json_object_set_new(ports, gw_role_name(r), port_stats(&gw.port[r]));
	return ports;
}

static json_t *
port_json(enum gw_role role)
{
	const struct gw_port *p = &gw.port[role];
	char mac[RTE_ETHER_ADDR_FMT_SIZE], addr[INET_ADDRSTRLEN + 4];

	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	inet_ntop(AF_INET, &p->addr, addr, INET_ADDRSTRLEN);
	snprintf(addr + strlen(addr), sizeof(addr) - strlen(addr), "/%u", p->prefix_len);
	/* "active": which outside is the active one; inside ports are all used: null. */
	return json_pack("{s:s, s:i, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:i, s:s}",
			 "role", gw_role_name(role), "port_id", p->port_id, "name", p->name, "vlan",
			 p->vlan, "link",
			 gw_port_link_up(p) ? "up" : "down", "interface", p->ifname,
			 "interface_state", gw_link_state_name(p, false), "address", addr, "mac", mac,
			 "twin", p->twin_id == GW_NO_PORT ? "" : p->twin_ifname, "twin_state",
			 gw_link_state_name(p, true), "active",
			 gw_role_is_inside(role) ? json_null() :
			 json_boolean(role == gw_active_outside()), "mtu", p->mtu, "replicas",
			 p->linear_replicas ? "linear" : "chained");
}

json_t *
gw_view_ports(void)
{
	json_t *ports = json_array();

	for (int r = 0; r < GW_MAX_PORTS; r++)
		if (gw.port[r].present)
			json_array_append_new(ports, port_json(r));
	return ports;
}

static json_t *
querier_json(enum gw_role outside)
{
	struct gw_querier q;
	char mac[RTE_ETHER_ADDR_FMT_SIZE];

	if (gw_querier_read(outside, &q) == 0)
		return json_pack("{s:n, s:n, s:n, s:n, s:n, s:n}", "address", "mac", "version",
				 "port", "age", "present_interval");
	rte_ether_format_addr(mac, sizeof(mac), &q.mac);
	return json_pack("{s:o, s:s, s:i, s:s, s:I, s:f}", "address", ipv4_json(q.addr), "mac", mac,
			 "version", q.version, "port", gw_role_name(outside), "age",
			 seconds_since(q.heard_tsc), "present_interval",
			 (double)gw_failover_querier_present_ms(&q) / 1000.0);
}

/* The active outside's querier, and under "outsides" each outside's own. */
json_t *
gw_view_querier(void)
{
	json_t *o = querier_json(gw_active_outside());
	json_t *all = json_object();

	for (int r = 0; r < GW_ROLE_INSIDE; r++)
		if (gw.port[r].present)
			json_object_set_new(all, gw_role_name(r), querier_json(r));
	json_object_set_new(o, "outsides", all);
	return o;
}

json_t *
gw_view_igmp(void)
{
	const struct gw_igmp_config *c = &gw.cfg.igmp;
	json_t *o = json_object();

#define GW_SWITCH_JSON(name) json_object_set_new(o, #name, json_boolean(c->name));
	GW_IGMP_SWITCHES(GW_SWITCH_JSON)
#undef GW_SWITCH_JSON
	json_object_set_new(o, "unicast_dst", c->unicast_dst == 0 ? json_null() :
			    ipv4_json(c->unicast_dst));
	json_object_set_new(o, "self_query_interval", json_integer(c->self_query_interval));
	json_object_set_new(o, "failover", json_string(gw_failover_mode_name(c->failover)));
	json_object_set_new(o, "failover_leave_old", json_boolean(c->failover_leave_old));
	json_object_set_new(o, "failover_revert", json_boolean(c->failover_revert));
	json_object_set_new(o, "failover_hold_down", json_integer(c->failover_hold_down));
	if (c->ssm) {
		char range[INET_ADDRSTRLEN + 4];

		inet_ntop(AF_INET, &c->ssm_range.addr, range, INET_ADDRSTRLEN);
		snprintf(range + strlen(range), sizeof(range) - strlen(range), "/%u",
			 c->ssm_range.len);
		json_object_set_new(o, "ssm_range", json_string(range));
	} else {
		json_object_set_new(o, "ssm_range", json_string("none"));
	}
	return o;
}

static const char *
exception_mode_name(enum gw_exception_mode m)
{
	static const char *const modes[] = { "none", "tap", "virtio-user" };

	return (unsigned int)m < RTE_DIM(modes) ? modes[m] : "?";
}

json_t *
gw_view_gateway(void)
{
	return json_pack("{s:s, s:I, s:s, s:s}", "version", IGMPGW_VERSION, "uptime",
			 seconds_since(gw.start_tsc), "active_outside",
			 gw_role_name(gw_active_outside()), "exception",
			 exception_mode_name(gw.cfg.exception));
}

json_t *
gw_view_config(void)
{
	json_t *o = gw_view_igmp();

	json_object_update_new(o, gw_view_gateway());
	return o;
}

/* A worker's counter summed over the ports: its own stats slot of each. */
static uint64_t
worker_counter(unsigned int w, enum gw_counter c)
{
	uint64_t n = 0;

	for (int r = 0; r < GW_MAX_PORTS; r++)
		if (gw.port[r].present)
			n += gw.port[r].stats[w].cnt[c];
	return n;
}

/* Empty passes of the last whole window of passes, or since start before the first. */
static double
worker_idle_share(const struct gw_worker_info *wi)
{
	uint32_t window = __atomic_load_n(&wi->window_idle, __ATOMIC_RELAXED);
	uint64_t polls = wi->polls;

	if (window != UINT32_MAX)
		return (double)window / GW_IDLE_WINDOW_POLLS;
	return polls == 0 ? 0.0 : (double)wi->idle_polls / (double)polls;
}

/*
 * The (port, rx queue) pairs worker w polls, with the frames the PMD counted
 * on each queue (0 beyond the queues ethdev keeps counts for).
 */
static json_t *
worker_queues(unsigned int w)
{
	const struct gw_worker_plan *plan = &gw.plan[w];
	json_t *queues = json_array();

	for (uint16_t k = 0; k < plan->n_rxq; k++) {
		const struct gw_rxq *q = &plan->rxq[k];
		struct rte_eth_stats st;
		uint64_t rx = 0;

		if (q->queue < RTE_ETHDEV_QUEUE_STAT_CNTRS &&
		    rte_eth_stats_get(gw.port[q->role].port_id, &st) == 0)
			rx = st.q_ipackets[q->queue];
		json_array_append_new(queues, json_pack("{s:s, s:I, s:I}", "port",
							gw_role_name(q->role), "queue",
							(json_int_t)q->queue, "rx_packets",
							(json_int_t)rx));
	}
	return queues;
}

json_t *
gw_view_workers(void)
{
	json_t *workers = json_array();

	for (unsigned int w = 0; w < gw.n_workers; w++) {
		const struct gw_worker_info *wi = &gw.worker[w];

		json_array_append_new(workers, json_pack(
			"{s:I, s:I, s:I, s:o, s:I, s:I, s:f, s:I, s:I, s:I, s:I}",
			"worker", (json_int_t)w, "lcore", (json_int_t)wi->lcore,
			"socket", (json_int_t)wi->socket, "queues", worker_queues(w),
			"rx_packets", (json_int_t)worker_counter(w, GW_CNT_rx_packets),
			"tx_packets", (json_int_t)worker_counter(w, GW_CNT_tx_packets),
			"idle", (double)(uint64_t)(worker_idle_share(wi) * 1000 + 0.5) / 1000,
			"polls", (json_int_t)wi->polls, "idle_polls", (json_int_t)wi->idle_polls,
			"sleeps", (json_int_t)wi->sleeps,
			"slept_us", (json_int_t)(wi->slept_ns / 1000)));
	}
	return workers;
}

static void
mempool_json(struct rte_mempool *mp, void *arg)
{
	/* Objects in the lcore caches count as available: a leak shows, a warm cache does not. */
	json_object_set_new(arg, mp->name,
			    json_pack("{s:I, s:I, s:I}", "size", (json_int_t)mp->size,
				      "cache_size", (json_int_t)mp->cache_size, "in_use",
				      (json_int_t)rte_mempool_in_use_count(mp)));
}

static void
ring_json(json_t *rings, const char *name, const struct rte_ring *r)
{
	if (r != NULL)
		json_object_set_new(rings, name,
				    json_pack("{s:I, s:I}", "count", (json_int_t)rte_ring_count(r),
					      "capacity", (json_int_t)rte_ring_get_capacity(r)));
}

json_t *
gw_view_resources(void)
{
	json_t *pools = json_object(), *rings = json_object();

	rte_mempool_walk(mempool_json, pools);
	ring_json(rings, "events", gw.events);
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		char name[32];

		snprintf(name, sizeof(name), "ctrl_tx_%s", gw_role_name(r));
		ring_json(rings, name, gw.port[r].ctrl_tx);
		snprintf(name, sizeof(name), "handoff_%s", gw_role_name(r));
		ring_json(rings, name, gw.port[r].handoff);
	}
	return json_pack("{s:o, s:o}", "mempool", pools, "ring", rings);
}

json_t *
gw_view_status(void)
{
	json_t *gateway = gw_view_gateway();
	json_t *querier = gw_view_querier();
	json_t *st = json_object();

	json_object_set(st, "version", json_object_get(gateway, "version"));
	json_object_set(st, "uptime", json_object_get(gateway, "uptime"));
	json_object_set_new(st, "ports", gw_view_ports());
	json_object_set(st, "active_outside", json_object_get(gateway, "active_outside"));
	/* One null for "none heard yet", as the protocol always had it. */
	json_object_set_new(st, "querier", json_is_null(json_object_get(querier, "address")) ?
			    json_null() : json_incref(querier));
	json_object_set_new(st, "igmp", gw_view_igmp());
	json_object_set_new(st, "failover", gw_failover_status());
	json_object_set(st, "exception", json_object_get(gateway, "exception"));
	json_object_set_new(st, "forwarding", gw_feed_status());
	json_object_set_new(st, "tracking", gw_tracking_status());
	json_object_set_new(st, "tx_queues", gw_originate_status());
	json_object_set_new(st, "upstream_coalescing", gw_upstream_pace_status());
	json_object_set_new(st, "workers", gw_view_workers());
	json_decref(querier);
	json_decref(gateway);
	return st;
}
