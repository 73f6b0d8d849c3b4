/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's status views, each built once as JSON for every surface: the
 * control socket sends them as they are, telemetry converts them with
 * tel_json (docs/telemetry.md has the mapping), a Prometheus endpoint will
 * read the same. Each returns a new reference.
 */
#ifndef IGMPGW_VIEWS_H
#define IGMPGW_VIEWS_H

#include <jansson.h>

/*
 * These read only counters, configuration and seqlocked state, so the
 * telemetry thread may build them beside the main lcore.
 */

/* {role: {counter: n}}: every datapath counter, codec rejection and proxy decision per port. */
json_t *gw_view_stats(void);

/*
 * [{role, port_id, name, link, interface, interface_state, address, mac, twin,
 * twin_state, active}]; active: true/false on outside and alt, null inside.
 */
json_t *gw_view_ports(void);

/* {address, mac, version, port, age}; every field null before the first query. */
json_t *gw_view_querier(void);

/* The effective [igmp] switches, unicast_dst and self_query_interval. */
json_t *gw_view_igmp(void);

/* {version, uptime, active_outside, exception}: the gateway as a whole. */
json_t *gw_view_gateway(void);

/* gw_view_igmp() and gw_view_gateway() in one object. */
json_t *gw_view_config(void);

/* {mempool: {NAME: {size, cache_size, in_use}}, ring: {NAME: {count, capacity}}} */
json_t *gw_view_resources(void);

/*
 * [{worker, lcore, socket, rx_packets, tx_packets, idle, polls, idle_polls,
 * sleeps, slept_us}]: idle is the share of the last GW_IDLE_WINDOW_POLLS
 * passes (of all passes before that many) that found nothing to do.
 */
json_t *gw_view_workers(void);

/*
 * The control socket's status: the gateway, its ports, the querier (null
 * before the first query), [igmp], and forwarding, tracking and the send
 * queues, whose state the main lcore owns: call it there only; the workers.
 */
json_t *gw_view_status(void);

#endif
