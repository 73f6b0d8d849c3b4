/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What /metrics shows, rendered on the main lcore: the per-port counters per
 * worker with the help text of their X-macro lists, the codec's and the
 * proxy's reasons, membership tracking, the paced queues, the workers, and
 * gauges (groups per port, table memory, links, active outside, queriers).
 * Names follow Prometheus: igmpgw_ prefix, _total on counters, labels port
 * and worker. lib/metrics serves the text from its own thread.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include <jansson.h>

#include "gw.h"
#include "link_watch.h"
#include "metrics.h"
#include "metrics_http.h"
#include "originate.h"
#include "prom_text.h"
#include "table_feed.h"
#include "tracking.h"
#include "tx_pacer.h"

#define GW_LOG_PART control

/* A scrape sees numbers at most this old; one rendering takes well under 1 ms. */
#define METRICS_PERIOD_MS 1000
#define NAME_LEN 128

static struct metrics_http *server;

/* ---- help text, from the lists that define the counters ---- */

static const char *const counter_help[GW_CNT_COUNT] = {
#define GW_COUNTER_HELP(name, help) [GW_CNT_##name] = help,
	GW_COUNTERS(GW_COUNTER_HELP)
#undef GW_COUNTER_HELP
};

struct named_help {
	const char *name;
	const char *help;
};

static const struct named_help pacer_help[] = {
#define TX_PACER_HELP(code, name, help) { name, help },
	TX_PACER_COUNTERS(TX_PACER_HELP)
#undef TX_PACER_HELP
};

/* Membership tracking's counters: the library's, then the daemon's own beside them. */
static const struct named_help tracking_help[] = {
#define MSHIP_HELP(code, name, help) { name, help },
	MSHIP_COUNTERS(MSHIP_HELP)
#undef MSHIP_HELP
#define TRACKING_HELP(name, help) { #name, help },
	GW_TRACKING_COUNTERS(TRACKING_HELP)
#undef TRACKING_HELP
};

static const struct named_help link_state_help[] = {
#define LINK_STATE_HELP(name, help) { #name, help },
	GW_LINK_STATES(LINK_STATE_HELP)
#undef LINK_STATE_HELP
};

/* ---- helpers ---- */

static void
family(struct prom_buf *b, const char *name, enum prom_type type, const char *help)
{
	if (prom_family(b, name, type, help) < 0)
		GW_LOG(ERR, "metrics: '%s' is not a Prometheus name", name);
}

static void
gauge1(struct prom_buf *b, const char *name, const char *help, double v)
{
	family(b, name, PROM_GAUGE, help);
	prom_sample_real(b, name, NULL, 0, v);
}

static json_int_t
json_int_at(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* Slot names: the workers by index, then the main lcore's own packets. */
static void
slot_name(unsigned int slot, char *buf, size_t len)
{
	if (slot == GW_STATS_MAIN)
		snprintf(buf, len, "main");
	else
		snprintf(buf, len, "%u", slot);
}

/* The slots that count: every worker's, and the main lcore's. */
static unsigned int
next_slot(unsigned int slot)
{
	return slot + 1 == gw.n_workers ? GW_STATS_MAIN : slot + 1;
}

#define FOR_EACH_SLOT(s) for (unsigned int s = 0; s < GW_STATS_SLOTS; s = next_slot(s))
#define FOR_EACH_PORT(r) for (int r = 0; r < GW_MAX_PORTS; r++) if (gw.port[r].present)

/* ---- the datapath's counters: port x worker ---- */

static void
port_counters(struct prom_buf *b)
{
	char name[NAME_LEN], worker[16];

	for (int c = 0; c < GW_CNT_COUNT; c++) {
		snprintf(name, sizeof(name), "igmpgw_%s_total", gw_counter_names[c]);
		family(b, name, PROM_COUNTER, counter_help[c]);
		FOR_EACH_PORT(r) {
			FOR_EACH_SLOT(s) {
				struct prom_label l[] = { { "port", gw_role_name(r) },
							  { "worker", worker } };

				slot_name(s, worker, sizeof(worker));
				prom_sample(b, name, l, RTE_DIM(l), gw.port[r].stats[s].cnt[c]);
			}
		}
	}
}

/* The codec's rejections and the proxy's decisions: one family each, a reason label. */
static void
reason_counters(struct prom_buf *b)
{
	char worker[16];

	family(b, "igmpgw_igmp_invalid_by_reason_total", PROM_COUNTER,
	       "IGMP packets rejected by the codec, by reason (igmp_invalid, split)");
	FOR_EACH_PORT(r) {
		FOR_EACH_SLOT(s) {
			slot_name(s, worker, sizeof(worker));
			for (int e = 1; e < IGMP_ERR_COUNT; e++) {
				struct prom_label l[] = { { "port", gw_role_name(r) },
							  { "worker", worker },
							  { "reason", igmp_wire_error_name(e) } };

				prom_sample(b, "igmpgw_igmp_invalid_by_reason_total", l, RTE_DIM(l),
					    gw.port[r].stats[s].wire[e]);
			}
		}
	}
	family(b, "igmpgw_igmp_proxy_decisions_total", PROM_COUNTER,
	       "valid IGMP packets by the proxy's decision: proxied, unicast_translated, or why not");
	FOR_EACH_PORT(r) {
		FOR_EACH_SLOT(s) {
			slot_name(s, worker, sizeof(worker));
			for (int e = 0; e < PROXY_REASON_COUNT; e++) {
				struct prom_label l[] = { { "port", gw_role_name(r) },
							  { "worker", worker },
							  { "reason", igmp_proxy_reason_name(e) } };

				prom_sample(b, "igmpgw_igmp_proxy_decisions_total", l, RTE_DIM(l),
					    gw.port[r].stats[s].proxy[e]);
			}
		}
	}
}

/* ---- the main lcore's own state, read through the status views ---- */

/* Every membership tracking counter the tracking view shows, with its list's help. */
static void
tracking_counters(struct prom_buf *b, json_t *tracking)
{
	json_t *counters = json_object_get(tracking, "counters");
	char name[NAME_LEN];

	for (size_t k = 0; k < RTE_DIM(tracking_help); k++) {
		json_t *v = json_object_get(counters, tracking_help[k].name);

		if (v == NULL)
			continue;
		snprintf(name, sizeof(name), "igmpgw_membership_%s_total", tracking_help[k].name);
		family(b, name, PROM_COUNTER, tracking_help[k].help);
		prom_sample(b, name, NULL, 0, (uint64_t)json_integer_value(v));
	}
}

/* The paced queues of the IGMP the gateway originates, per port. */
static void
pacer_counters(struct prom_buf *b, json_t *queues)
{
	char name[NAME_LEN];

	for (size_t k = 0; k < RTE_DIM(pacer_help); k++) {
		snprintf(name, sizeof(name), "igmpgw_tx_queue_%s_total", pacer_help[k].name);
		family(b, name, PROM_COUNTER, pacer_help[k].help);
		FOR_EACH_PORT(r) {
			json_t *q = json_object_get(queues, gw_role_name(r));
			struct prom_label l[] = { { "port", gw_role_name(r) } };

			if (q != NULL)
				prom_sample(b, name, l, 1,
					    (uint64_t)json_int_at(q, pacer_help[k].name));
		}
	}
	family(b, "igmpgw_tx_queue_depth", PROM_GAUGE,
	       "IGMP messages waiting in the port's paced queue");
	FOR_EACH_PORT(r) {
		json_t *q = json_object_get(queues, gw_role_name(r));
		struct prom_label l[] = { { "port", gw_role_name(r) } };

		if (q != NULL)
			prom_sample(b, "igmpgw_tx_queue_depth", l, 1, (uint64_t)json_int_at(q, "depth"));
	}
}

static void
worker_metrics(struct prom_buf *b)
{
	static const struct {
		const char *name;
		const char *help;
		size_t offset;
	} fields[] = {
		{ "igmpgw_worker_polls_total", "passes of the worker over its queues",
		  offsetof(struct gw_worker_info, polls) },
		{ "igmpgw_worker_idle_polls_total", "passes that found nothing to do",
		  offsetof(struct gw_worker_info, idle_polls) },
		{ "igmpgw_worker_sleeps_total", "times the worker slept ([workers] idle = adaptive)",
		  offsetof(struct gw_worker_info, sleeps) },
	};
	char worker[16];

	for (size_t f = 0; f < RTE_DIM(fields); f++) {
		family(b, fields[f].name, PROM_COUNTER, fields[f].help);
		for (unsigned int w = 0; w < gw.n_workers; w++) {
			struct prom_label l[] = { { "worker", worker } };

			slot_name(w, worker, sizeof(worker));
			prom_sample(b, fields[f].name, l, 1,
				    *(const uint64_t *)((const char *)&gw.worker[w] + fields[f].offset));
		}
	}
	family(b, "igmpgw_worker_slept_seconds_total", PROM_COUNTER,
	       "time the worker slept, all told");
	for (unsigned int w = 0; w < gw.n_workers; w++) {
		struct prom_label l[] = { { "worker", worker } };

		slot_name(w, worker, sizeof(worker));
		prom_sample_real(b, "igmpgw_worker_slept_seconds_total", l, 1,
				 (double)gw.worker[w].slept_ns / 1e9);
	}
}

/* Groups per port: tracking's tables, or the groups asked upstream in goIGMP's modes. */
static uint32_t
port_groups(enum gw_role role)
{
	if (gw_tracking_enabled())
		return mship_group_count(gw_tracking_state(), (uint16_t)role);
	return gw_feed_asked_count(role);
}

static void
group_gauges(struct prom_buf *b, json_t *tracking, json_t *feed)
{
	family(b, "igmpgw_groups", PROM_GAUGE,
	       "groups the port has members of: tracked ([proxy] track_membership) or asked upstream for it (goIGMP's modes)");
	FOR_EACH_PORT(r) {
		struct prom_label l[] = { { "port", gw_role_name(r) } };

		if (gw_role_is_inside(r))
			prom_sample(b, "igmpgw_groups", l, 1, port_groups(r));
	}
	if (gw.fwd != NULL)
		gauge1(b, "igmpgw_forwarding_entries",
		       "entries in the forwarding table ([forward] enabled)",
		       (double)json_int_at(feed, "groups"));
	if (gw_tracking_enabled())
		gauge1(b, "igmpgw_upstream_groups",
		       "groups the merged membership reports upstream (tracking)",
		       (double)json_int_at(tracking, "upstream_groups"));
	family(b, "igmpgw_table_memory_bytes", PROM_GAUGE,
	       "bytes the gateway's group tables take: forwarding, membership (tracking), asked (goIGMP's modes)");
	if (gw.fwd != NULL) {
		struct prom_label l[] = { { "table", "forwarding" } };

		prom_sample(b, "igmpgw_table_memory_bytes", l, 1,
			    (uint64_t)json_int_at(feed, "memory_bytes"));
	}
	if (gw_tracking_enabled()) {
		struct prom_label l[] = { { "table", "membership" } };

		prom_sample(b, "igmpgw_table_memory_bytes", l, 1,
			    (uint64_t)json_int_at(tracking, "memory_bytes"));
	}
	if (json_object_get(feed, "asked_memory_bytes") != NULL) {
		struct prom_label l[] = { { "table", "asked" } };

		prom_sample(b, "igmpgw_table_memory_bytes", l, 1,
			    (uint64_t)json_int_at(feed, "asked_memory_bytes"));
	}
}

static void
link_gauges(struct prom_buf *b)
{
	char help[512];
	size_t used;

	family(b, "igmpgw_link_up", PROM_GAUGE,
	       "1 when the port's link is up and its kernel interface is the one it opened and up");
	FOR_EACH_PORT(r) {
		struct prom_label l[] = { { "port", gw_role_name(r) } };

		prom_sample(b, "igmpgw_link_up", l, 1, gw_port_link_up(&gw.port[r]) ? 1 : 0);
	}
	used = (size_t)snprintf(help, sizeof(help),
				"1 for the state the port's kernel interface (kind interface) or kernel twin (kind twin) is in:");
	for (size_t s = 0; s < RTE_DIM(link_state_help) && used < sizeof(help); s++)
		used += (size_t)snprintf(help + used, sizeof(help) - used, "%s %s = %s",
					 s == 0 ? "" : ",", link_state_help[s].name,
					 link_state_help[s].help);
	family(b, "igmpgw_link_state", PROM_GAUGE, help);
	FOR_EACH_PORT(r) {
		const struct gw_port *p = &gw.port[r];

		for (int twin = 0; twin < 2; twin++) {
			uint8_t now = twin ? p->twin_state : p->link_state;

			if (*(twin ? p->twin_ifname : p->ifname) == '\0')
				continue; /* no kernel interface, or no twin */
			for (size_t s = 0; s < RTE_DIM(link_state_help); s++) {
				struct prom_label l[] = { { "port", gw_role_name(r) },
							  { "kind", twin ? "twin" : "interface" },
							  { "state", link_state_help[s].name } };

				prom_sample(b, "igmpgw_link_state", l, RTE_DIM(l), now == s ? 1 : 0);
			}
		}
	}
	family(b, "igmpgw_active_outside", PROM_GAUGE,
	       "1 for the active outside port ([igmp] active_outside, igmpgwctl select-outside)");
	for (int r = GW_ROLE_OUTSIDE; r <= GW_ROLE_ALT; r++) {
		struct prom_label l[] = { { "port", gw_role_name(r) } };

		if (gw.port[r].present)
			prom_sample(b, "igmpgw_active_outside", l, 1,
				    (int)gw_active_outside() == r ? 1 : 0);
	}
}

/*
 * Which port and VLAN each section is (sections sharing a trunk share its
 * name and interface): one info sample a section, to join the per-port
 * families on their port label.
 */
static void
port_info(struct prom_buf *b)
{
	family(b, "igmpgw_port_info", PROM_GAUGE,
	       "the section's DPDK port, kernel interface and 802.1Q VLAN (0: untagged), as labels");
	FOR_EACH_PORT(r) {
		const struct gw_port *p = &gw.port[r];
		char vlan[8];
		struct prom_label l[] = { { "port", gw_role_name(r) }, { "name", p->name },
					  { "interface", p->ifname }, { "vlan", vlan } };

		snprintf(vlan, sizeof(vlan), "%u", (unsigned int)p->vlan);
		prom_sample(b, "igmpgw_port_info", l, RTE_DIM(l), 1);
	}
}

static void
querier_gauges(struct prom_buf *b, json_t *tracking)
{
	struct gw_querier q;
	bool heard = gw_querier_read(gw_active_outside(), &q) != 0;

	gauge1(b, "igmpgw_querier_present",
	       "1 once a querier was heard on the active outside", heard ? 1 : 0);
	family(b, "igmpgw_querier_info", PROM_GAUGE,
	       "the querier learned on the active outside: its port, address and IGMP version");
	if (heard) {
		char addr[INET_ADDRSTRLEN], version[8];
		struct prom_label l[] = { { "port", gw_role_name(q.port) }, { "address", addr },
					  { "version", version } };

		inet_ntop(AF_INET, &q.addr, addr, sizeof(addr));
		snprintf(version, sizeof(version), "%u", q.version);
		prom_sample(b, "igmpgw_querier_info", l, RTE_DIM(l), 1);
		gauge1(b, "igmpgw_querier_age_seconds",
		       "seconds since the learned querier's last query",
		       (double)(rte_rdtsc() - q.heard_tsc) / (double)rte_get_tsc_hz());
	}
	if (!gw_tracking_enabled())
		return;
	family(b, "igmpgw_querier_elected", PROM_GAUGE,
	       "1 where the gateway is the querier of the inside port, 0 where another querier won");
	for (size_t i = 0; i < json_array_size(json_object_get(tracking, "queriers")); i++) {
		json_t *e = json_array_get(json_object_get(tracking, "queriers"), i);
		struct prom_label l[] = { { "port", json_string_value(json_object_get(e, "port")) } };

		if (l[0].value != NULL)
			prom_sample(b, "igmpgw_querier_elected", l, 1,
				    json_is_true(json_object_get(e, "we_query")) ? 1 : 0);
	}
}

static void
gateway_gauges(struct prom_buf *b)
{
	struct prom_label l[] = { { "version", IGMPGW_VERSION } };

	family(b, "igmpgw_build_info", PROM_GAUGE, "the gateway's version, as a label");
	prom_sample(b, "igmpgw_build_info", l, 1, 1);
	gauge1(b, "igmpgw_uptime_seconds", "seconds since the gateway started",
	       (double)(rte_rdtsc() - gw.start_tsc) / (double)rte_get_tsc_hz());
	gauge1(b, "igmpgw_workers", "worker lcores", gw.n_workers);
	if (server != NULL) {
		family(b, "igmpgw_metrics_scrapes_total", PROM_COUNTER,
		       "scrapes of /metrics served");
		prom_sample(b, "igmpgw_metrics_scrapes_total", NULL, 0,
			    metrics_http_scrapes(server));
	}
}

char *
gw_metrics_render(size_t *len)
{
	json_t *tracking = gw_tracking_status();
	json_t *feed = gw_feed_status();
	json_t *queues = gw_originate_status();
	struct prom_buf b;

	prom_buf_init(&b);
	gateway_gauges(&b);
	port_counters(&b);
	reason_counters(&b);
	tracking_counters(&b, tracking);
	pacer_counters(&b, queues);
	worker_metrics(&b);
	group_gauges(&b, tracking, feed);
	link_gauges(&b);
	port_info(&b);
	querier_gauges(&b, tracking);
	json_decref(tracking);
	json_decref(feed);
	json_decref(queues);
	return prom_buf_take(&b, len);
}

int
gw_metrics_open(char *err, size_t err_len)
{
	char why[160];

	if (!gw.cfg.metrics.enabled)
		return 0;
	server = metrics_http_start((const struct sockaddr *)&gw.cfg.metrics.addr, why,
				    sizeof(why));
	if (server == NULL)
		return gw_fail(err, err_len, "config: metrics.listen: %s: %s", gw.cfg.metrics.listen,
			       why);
	GW_LOG(INFO, "metrics: Prometheus endpoint http://%s/metrics", gw.cfg.metrics.listen);
	return 0;
}

void
gw_metrics_poll(uint64_t now_ms)
{
	static uint64_t next;
	size_t len;
	char *text;

	if (server == NULL || now_ms < next)
		return;
	next = now_ms + METRICS_PERIOD_MS;
	text = gw_metrics_render(&len);
	if (text != NULL)
		metrics_http_publish(server, text, len);
}

void
gw_metrics_close(void)
{
	metrics_http_stop(server);
	server = NULL;
}
