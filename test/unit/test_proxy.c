/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the proxy decision: real IGMP packets built with the codec and
 * parsed back, decided for every ingress role, message type and destination
 * under every switch setting, against goIGMP's modes with RFC destinations
 * (DESIGN.md §2).
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gw_config.h"
#include "igmp_proxy.h"
#include "igmp_wire.h"
#include "tap.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A known defect, reported and not yet fixed: prints "# TODO" so meson counts
 * an expected failure without failing the run. Once fixed the line passes,
 * meson reports an unexpected pass, and the TODO must go.
 */
#define PKT_CAP 256

static uint32_t
addr(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return htonl((uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d);
}

static const char *
addr_str(uint32_t a)
{
	static char buf[4][INET_ADDRSTRLEN];
	static unsigned int next;
	char *s = buf[next++ % ARRAY_LEN(buf)];

	inet_ntop(AF_INET, &a, s, INET_ADDRSTRLEN);
	return s;
}

/* The lab: addresses every case below uses. */
static uint32_t all_systems, all_routers, all_v3_routers;
static uint32_t group;          /* the group the messages are about */
static uint32_t other_group;    /* a multicast address no message is about */
static uint32_t querier;        /* upstream querier */
static uint32_t unicast_dst;    /* configured fallback */

static void
lab_init(void)
{
	all_systems = addr(224, 0, 0, 1);
	all_routers = addr(224, 0, 0, 2);
	all_v3_routers = addr(224, 0, 0, 22);
	group = addr(239, 1, 2, 3);
	other_group = addr(239, 9, 9, 9);
	querier = addr(10, 0, 0, 1);
	unicast_dst = addr(10, 0, 0, 254);
}

/* An ingress port as the worker describes it, with a host and a stranger beside it. */
struct port_case {
	const char *name;
	enum gw_role role;
	bool active;
	uint8_t net[3];  /* first three bytes of its /24 */
	uint32_t addr;   /* the gateway's own, .2 (.1 inside) */
	uint32_t host;   /* a neighbour that sends IGMP, .50 */
	uint32_t other;  /* another unicast address on the link, .77 */
};

static struct port_case ports[] = {
	{ .name = "outside(active)", .role = GW_ROLE_OUTSIDE, .active = true,
	  .net = { 10, 0, 0 } },
	{ .name = "outside(inactive)", .role = GW_ROLE_OUTSIDE, .active = false,
	  .net = { 10, 0, 0 } },
	{ .name = "alt(active)", .role = GW_ROLE_ALT, .active = true,
	  .net = { 10, 1, 0 } },
	{ .name = "alt(inactive)", .role = GW_ROLE_ALT, .active = false,
	  .net = { 10, 1, 0 } },
	{ .name = "inside", .role = GW_ROLE_INSIDE, .active = true,
	  .net = { 172, 17, 0 } },
	/* A second downstream: every role from GW_ROLE_INSIDE on is an inside port. */
	{ .name = "inside2", .role = GW_ROLE_INSIDE + 1, .active = true,
	  .net = { 172, 18, 0 } },
};

/* Indexes into ports[]. */
enum { OUT_A, OUT_I, ALT_A, ALT_I, IN, IN2 };

static void
ports_init(void)
{
	for (size_t i = 0; i < ARRAY_LEN(ports); i++) {
		struct port_case *p = &ports[i];

		p->addr = addr(p->net[0], p->net[1], p->net[2], p->role >= GW_ROLE_INSIDE ? 1 : 2);
		p->host = addr(p->net[0], p->net[1], p->net[2], 50);
		p->other = addr(p->net[0], p->net[1], p->net[2], 77);
	}
}

enum msg_kind {
	V1_QUERY,
	V2_QUERY,         /* general */
	V2_GROUP_QUERY,
	V3_QUERY,         /* general */
	V3_GROUP_QUERY,   /* group and source specific */
	V1_REPORT,
	V2_REPORT,
	LEAVE,
	V3_REPORT,
	MSG_KIND_COUNT
};

static const char *const kind_names[MSG_KIND_COUNT] = {
	[V1_QUERY] = "v1-query",
	[V2_QUERY] = "v2-query",
	[V2_GROUP_QUERY] = "v2-group-query",
	[V3_QUERY] = "v3-query",
	[V3_GROUP_QUERY] = "v3-group-query",
	[V1_REPORT] = "v1-report",
	[V2_REPORT] = "v2-report",
	[LEAVE] = "leave",
	[V3_REPORT] = "v3-report",
};

static bool
kind_is_query(enum msg_kind k)
{
	return k <= V3_GROUP_QUERY;
}

/* The group field of the message (0 for general queries and v3 reports). */
static uint32_t
kind_group_field(enum msg_kind k, uint32_t g)
{
	switch (k) {
	case V2_GROUP_QUERY:
	case V3_GROUP_QUERY:
	case V1_REPORT:
	case V2_REPORT:
	case LEAVE:
		return g;
	default:
		return 0;
	}
}

/* Where RFC 2236 / RFC 3376 send a report or leave as multicast. */
static uint32_t
kind_rfc_destination(enum msg_kind k, uint32_t g)
{
	switch (k) {
	case LEAVE:
		return all_routers;
	case V3_REPORT:
		return all_v3_routers;
	default:
		return g;
	}
}

/* A whole IPv4 packet as a host would send it: 24-byte header, then IGMP. */
static size_t
build_packet(uint8_t *buf, size_t cap, enum msg_kind k, uint32_t g, uint32_t src, uint32_t dst)
{
	uint8_t *igmp = buf + IGMP_IP_HDR_LEN;
	size_t icap = cap - IGMP_IP_HDR_LEN;
	uint32_t source = addr(192, 0, 2, 99);
	struct igmp_record_spec rec = {
		.type = IGMP_REC_TO_EX,
		.group = g,
	};
	uint16_t next = 0, next_src = 0;
	size_t len = 0;

	switch (k) {
	case V1_QUERY:
		len = igmp_build_v2(igmp, icap, IGMP_TYPE_QUERY, 0, 0);
		break;
	case V2_QUERY:
		len = igmp_build_v2(igmp, icap, IGMP_TYPE_QUERY, 100, 0);
		break;
	case V2_GROUP_QUERY:
		len = igmp_build_v2(igmp, icap, IGMP_TYPE_QUERY, 10, g);
		break;
	case V3_QUERY:
		len = igmp_build_v3_query(igmp, icap, 100, 0, false, 2, 125, NULL, 0);
		break;
	case V3_GROUP_QUERY:
		len = igmp_build_v3_query(igmp, icap, 10, g, false, 2, 125, &source, 1);
		break;
	case V1_REPORT:
		len = igmp_build_v2(igmp, icap, IGMP_TYPE_V1_REPORT, 0, g);
		break;
	case V2_REPORT:
		len = igmp_build_v2(igmp, icap, IGMP_TYPE_V2_REPORT, 0, g);
		break;
	case LEAVE:
		len = igmp_build_v2(igmp, icap, IGMP_TYPE_LEAVE, 0, g);
		break;
	case V3_REPORT:
		len = igmp_build_v3_report(igmp, icap, icap, &rec, 1, &next, &next_src);
		break;
	default:
		break;
	}
	if (len == 0 || igmp_build_ipv4_header(buf, cap, src, dst, (uint16_t)len) == 0)
		return 0;
	return IGMP_IP_HDR_LEN + len;
}

/* Builds and parses; false when either step fails (a defect of its own). */
static bool
make_packet(uint8_t *buf, enum msg_kind k, uint32_t g, uint32_t src, uint32_t dst,
	    struct igmp_ipv4 *ip, struct igmp_msg *msg)
{
	size_t len = build_packet(buf, PKT_CAP, k, g, src, dst);

	return len != 0 && igmp_packet_parse(buf, len, ip, msg) == IGMP_OK;
}

static void
set_switches(struct gw_igmp_config *cfg, unsigned int bits)
{
	unsigned int bit = 0;

	memset(cfg, 0, sizeof(*cfg));
#define SET_SWITCH(name) cfg->name = (bits >> bit++) & 1;
	GW_IGMP_SWITCHES(SET_SWITCH)
#undef SET_SWITCH
}

#define COUNT_SWITCH(name) +1
#define N_SWITCHES (0 GW_IGMP_SWITCHES(COUNT_SWITCH))

/* The querier source the decision reads: q on every outside (0: none known). */
static uint32_t
held_querier(const void *ctx, enum gw_role outside __attribute__((unused)))
{
	return *(const uint32_t *)ctx;
}

static const struct igmp_proxy_queriers *
queriers_of(uint32_t q)
{
	static uint32_t held;
	static const struct igmp_proxy_queriers src = { .addr = held_querier, .ctx = &held };

	held = q;
	return &src;
}

static bool
is_control(uint32_t a)
{
	return a == all_systems || a == all_routers || a == all_v3_routers;
}

static bool
is_multicast(uint32_t a)
{
	return (ntohl(a) >> 28) == 0xe;
}

/* Upstream destination of a report the gateway forwards (UnicastMembershipReports). */
static void
expect_upstream(const struct gw_igmp_config *cfg, enum msg_kind k, uint32_t q,
		struct igmp_proxy_decision *w)
{
	w->egress = PROXY_EGRESS_ACTIVE_OUTSIDE;
	w->dst = kind_rfc_destination(k, group);
	if (cfg->unicast_membership_reports && q != 0)
		w->dst = q;
	else if (cfg->unicast_membership_reports && cfg->unicast_dst != 0) {
		w->dst = cfg->unicast_dst;
	}
}

/*
 * What goIGMP's modes (DESIGN.md §2) with RFC destinations ask for, one rule
 * per line of the task's table, for a packet from p->host about group.
 */
static void
expect(const struct gw_igmp_config *cfg, const struct port_case *p, enum msg_kind k,
       uint32_t dst, uint32_t q, struct igmp_proxy_decision *w)
{
	bool query = kind_is_query(k);
	bool mcast = is_multicast(dst);
	uint32_t gfield = kind_group_field(k, group);
	/* goIGMP's three groups, or the group itself as RFC 2236 reports and queries use. */
	bool proxied_dst = is_control(dst) || (mcast && gfield != 0 && dst == gfield);

	memset(w, 0, sizeof(*w));
	if (p->role < GW_ROLE_INSIDE) {
		if (!p->active) {
			/* The standby side's querier is learned (failover), nothing else. */
			w->learn_querier = query && mcast;
			w->reason = PROXY_INACTIVE_OUTSIDE;
			return;
		}
		if (query && !mcast) {
			w->reason = PROXY_UNICAST_QUERY;
			return;
		}
		w->learn_querier = query;
		w->event_query = query && cfg->query_notify;
		w->event_report = !query && cfg->membership_reports_from_network;
		if (!cfg->proxy_out_to_in) {
			w->reason = PROXY_SWITCHED_OFF;
		} else if (!proxied_dst) {
			w->reason = PROXY_NOT_PROXIED_GROUP;
		} else {
			w->reason = PROXY_SENT;
			w->egress = PROXY_EGRESS_INSIDE;
			w->dst = dst;
		}
		return;
	}
	if (dst != p->addr && !mcast) {
		w->reason = PROXY_NOT_FOR_US;
		return;
	}
	if (query) {
		w->reason = mcast ? PROXY_QUERY_FROM_INSIDE : PROXY_UNICAST_QUERY;
		return;
	}
	if (dst == p->addr) {
		if (!cfg->unicast_proxy_in_to_out) {
			w->reason = PROXY_SWITCHED_OFF;
			return;
		}
		w->reason = PROXY_TRANSLATED;
	} else if (!cfg->proxy_in_to_out) {
		w->reason = PROXY_SWITCHED_OFF;
		return;
	} else if (!proxied_dst) {
		w->reason = PROXY_NOT_PROXIED_GROUP;
		return;
	} else {
		w->reason = PROXY_SENT;
	}
	expect_upstream(cfg, k, q, w);
}

/* Writes what differs into buf; true when the decisions agree. */
static bool
same_decision(const struct igmp_proxy_decision *got, const struct igmp_proxy_decision *want,
	      char *buf, size_t len)
{
	bool same = got->reason == want->reason && got->egress == want->egress &&
		(want->egress == PROXY_EGRESS_NONE || got->dst == want->dst) &&
		got->learn_querier == want->learn_querier &&
		got->event_query == want->event_query && got->event_report == want->event_report;

	snprintf(buf, len,
		 "got %s egress %d dst %s learn %d evq %d evr %d; "
		 "want %s egress %d dst %s learn %d evq %d evr %d",
		 igmp_proxy_reason_name(got->reason), got->egress, addr_str(got->dst),
		 got->learn_querier, got->event_query, got->event_report,
		 igmp_proxy_reason_name(want->reason), want->egress, addr_str(want->dst),
		 want->learn_querier, want->event_query, want->event_report);
	return same;
}

static uint32_t reasons_seen;

/* Every switch setting, with and without a learned querier and a unicast_dst. */
static void
check_matrix_cell(const struct port_case *p, enum msg_kind k, uint32_t dst, const char *dst_name)
{
	uint8_t buf[PKT_CAP];
	struct igmp_ipv4 ip;
	struct igmp_msg msg;
	unsigned int n = 0, bad = 0;
	uint32_t reasons = 0;

	if (!make_packet(buf, k, group, p->host, dst, &ip, &msg)) {
		TAP_CHECK(false, "%s %s to %s: packet builds and parses", p->name, kind_names[k],
			  dst_name);
		return;
	}
	for (unsigned int bits = 0; bits < 1u << N_SWITCHES; bits++) {
		for (int qi = 0; qi < 2; qi++) {
			for (int ui = 0; ui < 2; ui++) {
				struct gw_igmp_config cfg;
				struct igmp_proxy_ingress in = {
					.role = p->role,
					.active = p->active,
					.addr = p->addr,
				};
				struct igmp_proxy_decision got, want;
				uint32_t q = qi ? querier : 0;
				char diff[320];

				set_switches(&cfg, bits);
				cfg.unicast_dst = ui ? unicast_dst : 0;
				/* Poison: the decision must set every field itself. */
				memset(&got, 0xa5, sizeof(got));
				igmp_proxy_decide(&cfg, &in, &ip, &msg, queriers_of(q), NULL, &got);
				expect(&cfg, p, k, dst, q, &want);
				n++;
				reasons |= 1u << (got.reason & 31);
				/* The first disagreement is enough to start from. */
				if (same_decision(&got, &want, diff, sizeof(diff)) || bad++ > 0)
					continue;
				fprintf(stderr, "%s %s to %s: switches 0x%02x querier %d "
					"unicast_dst %d: %s\n", p->name, kind_names[k], dst_name,
					bits, qi, ui, diff);
			}
		}
	}
	reasons_seen |= reasons;
	TAP_CHECK(bad == 0, "%s %s to %s: %u/%u settings as expected (%u reasons)", p->name,
		  kind_names[k], dst_name, n - bad, n, (unsigned int)__builtin_popcount(reasons));
}

static void
test_matrix(void)
{
	for (size_t pi = 0; pi < ARRAY_LEN(ports); pi++) {
		const struct port_case *p = &ports[pi];
		const struct {
			const char *name;
			uint32_t dst;
		} dsts[] = {
			{ "224.0.0.1", all_systems },
			{ "224.0.0.2", all_routers },
			{ "224.0.0.22", all_v3_routers },
			{ "the group", group },
			{ "another group", other_group },
			{ "the gateway", p->addr },
			{ "another host", p->other },
		};

		for (int k = 0; k < MSG_KIND_COUNT; k++)
			for (size_t di = 0; di < ARRAY_LEN(dsts); di++)
				check_matrix_cell(p, k, dsts[di].dst, dsts[di].name);
	}
}

/* A message the gateway sent itself and heard back is never acted on. */
static void
test_own_packets(void)
{
	for (size_t pi = 0; pi < ARRAY_LEN(ports); pi++) {
		const struct port_case *p = &ports[pi];
		unsigned int n = 0, bad = 0;

		for (int k = 0; k < MSG_KIND_COUNT; k++) {
			const uint32_t dsts[] = { all_systems, all_v3_routers, group, p->addr };

			for (size_t di = 0; di < ARRAY_LEN(dsts); di++) {
				uint8_t buf[PKT_CAP];
				struct igmp_ipv4 ip;
				struct igmp_msg msg;
				struct gw_igmp_config cfg;
				struct igmp_proxy_ingress in = {
					.role = p->role,
					.active = p->active,
					.addr = p->addr,
				};
				struct igmp_proxy_decision d;

				if (!make_packet(buf, k, group, p->addr, dsts[di], &ip, &msg)) {
					bad++;
					continue;
				}
				set_switches(&cfg, (1u << N_SWITCHES) - 1);
				cfg.unicast_dst = unicast_dst;
				igmp_proxy_decide(&cfg, &in, &ip, &msg, queriers_of(querier), NULL, &d);
				n++;
				reasons_seen |= 1u << (d.reason & 31);
				if (d.reason != PROXY_OWN_PACKET || d.egress != PROXY_EGRESS_NONE ||
				    d.learn_querier || d.event_query || d.event_report)
					bad++;
			}
		}
		TAP_CHECK(bad == 0 && n > 0,
			  "%s: own packets (src %s) -> own_packet, nothing else (%u/%u)", p->name,
			  addr_str(p->addr), n - bad, n);
	}
}

/*
 * Single cases written out by hand, one per rule of the task's table, so the
 * matrix's expectation function is itself checked against plain numbers.
 */
struct hand_case {
	const char *what;
	int port;                  /* index in ports[] */
	enum msg_kind kind;
	int dst;                   /* see hand_dst() */
	const char *switches;      /* switch names turned on, space separated; "all" */
	bool with_querier;
	bool with_unicast_dst;
	enum igmp_proxy_reason reason;
	enum igmp_proxy_egress egress;
	int want_dst;              /* see hand_dst() */
	bool learn, event_query, event_report;
};

enum { D_ALL_SYSTEMS, D_ALL_ROUTERS, D_V3, D_GROUP, D_OTHER_GROUP, D_GW, D_OTHER, D_QUERIER,
       D_UNICAST_DST, D_FIRST_INSIDE, D_NONE };

static uint32_t
hand_dst(const struct port_case *p, int d)
{
	switch (d) {
	case D_ALL_SYSTEMS: return all_systems;
	case D_ALL_ROUTERS: return all_routers;
	case D_V3: return all_v3_routers;
	case D_GROUP: return group;
	case D_OTHER_GROUP: return other_group;
	case D_GW: return p->addr;
	case D_OTHER: return p->other;
	case D_QUERIER: return querier;
	case D_UNICAST_DST: return unicast_dst;
	case D_FIRST_INSIDE: return ports[IN].addr;
	default: return 0;
	}
}

static const struct hand_case hand_cases[] = {
	{ "active outside general query to 224.0.0.1: learned, notified, proxied in",
	  OUT_A, V2_QUERY, D_ALL_SYSTEMS, "proxy_out_to_in query_notify", false, false,
	  PROXY_SENT, PROXY_EGRESS_INSIDE, D_ALL_SYSTEMS, true, true, false },
	{ "active outside v1 query, switches off: learned, not notified, not proxied",
	  OUT_A, V1_QUERY, D_ALL_SYSTEMS, "", false, false,
	  PROXY_SWITCHED_OFF, PROXY_EGRESS_NONE, D_NONE, true, false, false },
	{ "active outside v3 group query to the group: proxied in to the group",
	  OUT_A, V3_GROUP_QUERY, D_GROUP, "proxy_out_to_in", false, false,
	  PROXY_SENT, PROXY_EGRESS_INSIDE, D_GROUP, true, false, false },
	{ "active outside v3 query to 224.0.0.22: proxied in to 224.0.0.22",
	  OUT_A, V3_QUERY, D_V3, "proxy_out_to_in", false, false,
	  PROXY_SENT, PROXY_EGRESS_INSIDE, D_V3, true, false, false },
	{ "active outside general query to another group: learned, not proxied",
	  OUT_A, V2_QUERY, D_OTHER_GROUP, "all", false, false,
	  PROXY_NOT_PROXIED_GROUP, PROXY_EGRESS_NONE, D_NONE, true, true, false },
	{ "active outside unicast query to the gateway: unicast_query, not learned",
	  OUT_A, V2_QUERY, D_GW, "all", false, false,
	  PROXY_UNICAST_QUERY, PROXY_EGRESS_NONE, D_NONE, false, false, false },
	{ "active outside v2 report to the group: event only",
	  OUT_A, V2_REPORT, D_GROUP, "membership_reports_from_network", false, false,
	  PROXY_SWITCHED_OFF, PROXY_EGRESS_NONE, D_NONE, false, false, true },
	{ "active outside v3 report to 224.0.0.22: event and proxied in",
	  OUT_A, V3_REPORT, D_V3, "all", true, true,
	  PROXY_SENT, PROXY_EGRESS_INSIDE, D_V3, false, false, true },
	{ "active outside leave, membership_reports_from_network off: no event",
	  OUT_A, LEAVE, D_ALL_ROUTERS, "proxy_out_to_in", false, false,
	  PROXY_SENT, PROXY_EGRESS_INSIDE, D_ALL_ROUTERS, false, false, false },
	{ "inactive outside query: its querier learned (failover), nothing else",
	  OUT_I, V2_QUERY, D_ALL_SYSTEMS, "all", false, false,
	  PROXY_INACTIVE_OUTSIDE, PROXY_EGRESS_NONE, D_NONE, true, false, false },
	{ "inactive outside report: nothing at all",
	  OUT_I, V2_REPORT, D_GROUP, "all", false, false,
	  PROXY_INACTIVE_OUTSIDE, PROXY_EGRESS_NONE, D_NONE, false, false, false },
	{ "active alt query: learned, notified, proxied in (goIGMP could not)",
	  ALT_A, V2_QUERY, D_ALL_SYSTEMS, "all", false, false,
	  PROXY_SENT, PROXY_EGRESS_INSIDE, D_ALL_SYSTEMS, true, true, false },
	{ "inactive alt query: its querier learned (failover), nothing else",
	  ALT_I, V3_QUERY, D_ALL_SYSTEMS, "all", false, false,
	  PROXY_INACTIVE_OUTSIDE, PROXY_EGRESS_NONE, D_NONE, true, false, false },
	{ "inside unicast v2 report to the gateway: translated to the group",
	  IN, V2_REPORT, D_GW, "unicast_proxy_in_to_out", false, false,
	  PROXY_TRANSLATED, PROXY_EGRESS_ACTIVE_OUTSIDE, D_GROUP, false, false, false },
	{ "inside unicast v1 report to the gateway: translated to the group",
	  IN, V1_REPORT, D_GW, "unicast_proxy_in_to_out", false, false,
	  PROXY_TRANSLATED, PROXY_EGRESS_ACTIVE_OUTSIDE, D_GROUP, false, false, false },
	{ "inside unicast leave to the gateway: translated to 224.0.0.2",
	  IN, LEAVE, D_GW, "unicast_proxy_in_to_out", true, true,
	  PROXY_TRANSLATED, PROXY_EGRESS_ACTIVE_OUTSIDE, D_ALL_ROUTERS, false, false, false },
	{ "inside unicast v3 report to the gateway: translated to 224.0.0.22",
	  IN, V3_REPORT, D_GW, "unicast_proxy_in_to_out", false, false,
	  PROXY_TRANSLATED, PROXY_EGRESS_ACTIVE_OUTSIDE, D_V3, false, false, false },
	{ "inside unicast report, only proxy_in_to_out on: switched off",
	  IN, V2_REPORT, D_GW, "proxy_in_to_out proxy_out_to_in", false, false,
	  PROXY_SWITCHED_OFF, PROXY_EGRESS_NONE, D_NONE, false, false, false },
	{ "inside unicast report, unicast_membership_reports, querier known: to the querier",
	  IN, V2_REPORT, D_GW, "unicast_proxy_in_to_out unicast_membership_reports", true, true,
	  PROXY_TRANSLATED, PROXY_EGRESS_ACTIVE_OUTSIDE, D_QUERIER, false, false, false },
	{ "inside unicast leave, unicast_membership_reports, no querier: to unicast_dst",
	  IN, LEAVE, D_GW, "unicast_proxy_in_to_out unicast_membership_reports", false, true,
	  PROXY_TRANSLATED, PROXY_EGRESS_ACTIVE_OUTSIDE, D_UNICAST_DST, false, false, false },
	{ "inside unicast v3 report, unicast_membership_reports, neither: 224.0.0.22",
	  IN, V3_REPORT, D_GW, "unicast_proxy_in_to_out unicast_membership_reports", false, false,
	  PROXY_TRANSLATED, PROXY_EGRESS_ACTIVE_OUTSIDE, D_V3, false, false, false },
	{ "inside v2 report to the group: proxied up to the group",
	  IN, V2_REPORT, D_GROUP, "proxy_in_to_out", true, true,
	  PROXY_SENT, PROXY_EGRESS_ACTIVE_OUTSIDE, D_GROUP, false, false, false },
	{ "inside v2 report to 224.0.0.22 (goIGMP's habit): proxied up to the group (RFC 2236)",
	  IN, V2_REPORT, D_V3, "proxy_in_to_out", false, false,
	  PROXY_SENT, PROXY_EGRESS_ACTIVE_OUTSIDE, D_GROUP, false, false, false },
	{ "inside leave to 224.0.0.2, unicast_membership_reports, querier known: to the querier",
	  IN, LEAVE, D_ALL_ROUTERS, "proxy_in_to_out unicast_membership_reports", true, false,
	  PROXY_SENT, PROXY_EGRESS_ACTIVE_OUTSIDE, D_QUERIER, false, false, false },
	{ "inside v3 report to 224.0.0.22, proxy_in_to_out off: switched off",
	  IN, V3_REPORT, D_V3, "unicast_proxy_in_to_out proxy_out_to_in", false, false,
	  PROXY_SWITCHED_OFF, PROXY_EGRESS_NONE, D_NONE, false, false, false },
	{ "inside v2 report to another group: not proxied",
	  IN, V2_REPORT, D_OTHER_GROUP, "all", false, false,
	  PROXY_NOT_PROXIED_GROUP, PROXY_EGRESS_NONE, D_NONE, false, false, false },
	{ "inside query to 224.0.0.1: query_from_inside, never upstream",
	  IN, V3_QUERY, D_ALL_SYSTEMS, "all", true, true,
	  PROXY_QUERY_FROM_INSIDE, PROXY_EGRESS_NONE, D_NONE, false, false, false },
	{ "inside unicast query to the gateway: unicast_query",
	  IN, V2_QUERY, D_GW, "all", false, false,
	  PROXY_UNICAST_QUERY, PROXY_EGRESS_NONE, D_NONE, false, false, false },
	{ "second inside port, unicast v2 report to its address: translated to the group",
	  IN2, V2_REPORT, D_GW, "unicast_proxy_in_to_out", false, false,
	  PROXY_TRANSLATED, PROXY_EGRESS_ACTIVE_OUTSIDE, D_GROUP, false, false, false },
	{ "second inside port, report to the first inside port's address: not_for_us",
	  IN2, V2_REPORT, D_FIRST_INSIDE, "all", false, false,
	  PROXY_NOT_FOR_US, PROXY_EGRESS_NONE, D_NONE, false, false, false },
	{ "inside report to another host: not_for_us",
	  IN, V2_REPORT, D_OTHER, "all", true, true,
	  PROXY_NOT_FOR_US, PROXY_EGRESS_NONE, D_NONE, false, false, false },
};

static void
set_named_switches(struct gw_igmp_config *cfg, const char *names)
{
	char list[256];

	if (strcmp(names, "all") == 0) {
		set_switches(cfg, (1u << N_SWITCHES) - 1);
		return;
	}
	set_switches(cfg, 0);
	snprintf(list, sizeof(list), " %s ", names);
#define SET_NAMED(name) cfg->name = strstr(list, " " #name " ") != NULL;
	GW_IGMP_SWITCHES(SET_NAMED)
#undef SET_NAMED
}

static void
test_hand_cases(void)
{
	for (size_t i = 0; i < ARRAY_LEN(hand_cases); i++) {
		const struct hand_case *h = &hand_cases[i];
		const struct port_case *p = &ports[h->port];
		struct igmp_proxy_ingress in = {
			.role = p->role,
			.active = p->active,
			.addr = p->addr,
		};
		struct igmp_proxy_decision got, want = {
			.reason = h->reason,
			.egress = h->egress,
			.dst = hand_dst(p, h->want_dst),
			.learn_querier = h->learn,
			.event_query = h->event_query,
			.event_report = h->event_report,
		};
		struct gw_igmp_config cfg;
		uint8_t buf[PKT_CAP];
		struct igmp_ipv4 ip;
		struct igmp_msg msg;
		char diff[320];
		bool same;

		if (!make_packet(buf, h->kind, group, p->host, hand_dst(p, h->dst), &ip, &msg)) {
			TAP_CHECK(false, "%s: packet builds and parses", h->what);
			continue;
		}
		set_named_switches(&cfg, h->switches);
		cfg.unicast_dst = h->with_unicast_dst ? unicast_dst : 0;
		igmp_proxy_decide(&cfg, &in, &ip, &msg, queriers_of(h->with_querier ? querier : 0),
				  NULL, &got);
		same = same_decision(&got, &want, diff, sizeof(diff));
		if (!same)
			fprintf(stderr, "%s: %s\n", h->what, diff);
		TAP_CHECK(same, "%s", h->what);
	}
}

/* The parser refuses unknown types today; the decision must not proxy one if that changes. */
static void
test_unknown_type(void)
{
	const int which[] = { OUT_A, IN };

	for (size_t i = 0; i < ARRAY_LEN(which); i++) {
		const struct port_case *p = &ports[which[i]];
		struct igmp_proxy_ingress in = {
			.role = p->role,
			.active = p->active,
			.addr = p->addr,
		};
		const uint32_t dsts[] = { all_v3_routers, p->addr };

		for (size_t di = 0; di < ARRAY_LEN(dsts); di++) {
			struct gw_igmp_config cfg;
			uint8_t buf[PKT_CAP];
			struct igmp_ipv4 ip;
			struct igmp_msg msg;
			struct igmp_proxy_decision d;
			bool built;

			built = make_packet(buf, V2_REPORT, group, p->host, dsts[di], &ip, &msg);

			msg.type = 0x1e; /* mtrace response */
			set_switches(&cfg, (1u << N_SWITCHES) - 1);
			igmp_proxy_decide(&cfg, &in, &ip, &msg, queriers_of(querier), NULL, &d);
			TAP_CHECK(built && d.reason == PROXY_UNKNOWN_TYPE &&
				  d.egress == PROXY_EGRESS_NONE && !d.event_report &&
				  !d.event_query && !d.learn_querier,
				  "%s: type 0x1e to %s -> %s, nothing sent", p->name, addr_str(dsts[di]),
				  igmp_proxy_reason_name(d.reason));
		}
	}
}

/*
 * A v1/v2 report or leave whose group is not a multicast address, or is
 * 224.0.0.1 (never reported, RFC 2236 §6), is bad input: forwarding it would
 * put IGMP to 0.0.0.0, 255.255.255.255 or some unicast host on the upstream
 * link (the worker sends to d->dst as given).
 */
/* Decides a packet from the port's host with every switch on but unicast reports. */
static bool
decide_all_on(const struct port_case *p, enum msg_kind k, uint32_t g, uint32_t dst,
	      struct igmp_proxy_decision *d)
{
	struct igmp_proxy_ingress in = {
		.role = p->role,
		.active = p->active,
		.addr = p->addr,
	};
	struct gw_igmp_config cfg;
	uint8_t buf[PKT_CAP];
	struct igmp_ipv4 ip;
	struct igmp_msg msg;
	bool built = make_packet(buf, k, g, p->host, dst, &ip, &msg);

	set_switches(&cfg, (1u << N_SWITCHES) - 1);
	cfg.unicast_membership_reports = false;
	igmp_proxy_decide(&cfg, &in, &ip, &msg, queriers_of(querier), NULL, d);
	reasons_seen |= 1u << (d->reason & 31);
	return built;
}

static void
test_bad_groups(void)
{
	const struct {
		const char *name;
		uint32_t g;
	} bad[] = {
		{ "0.0.0.0", 0 },
		{ "10.9.9.9", addr(10, 9, 9, 9) },
		{ "255.255.255.255", addr(255, 255, 255, 255) },
		{ "224.0.0.1", addr(224, 0, 0, 1) },
	};
	const enum msg_kind kinds[] = { V2_REPORT, LEAVE };
	const struct port_case *inside = &ports[IN];
	const struct port_case *out = &ports[OUT_A];

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		for (size_t ki = 0; ki < ARRAY_LEN(kinds); ki++) {
			const char *kind = kind_names[kinds[ki]];
			struct igmp_proxy_decision uni, multi, up;
			bool built;

			built = decide_all_on(inside, kinds[ki], bad[i].g, inside->addr, &uni);
			built &= decide_all_on(inside, kinds[ki], bad[i].g, all_v3_routers, &multi);
			built &= decide_all_on(out, kinds[ki], bad[i].g, all_v3_routers, &up);
			TAP_CHECK(built, "%s for %s builds and parses (the codec takes any group)",
				  kind, bad[i].name);
			TAP_CHECK(uni.egress == PROXY_EGRESS_NONE && uni.reason == PROXY_BAD_GROUP,
				 "inside unicast %s for %s: not translated (got %s to %s)", kind,
				 bad[i].name, igmp_proxy_reason_name(uni.reason),
				 addr_str(uni.dst));
			TAP_CHECK(multi.egress == PROXY_EGRESS_NONE && multi.reason == PROXY_BAD_GROUP,
				 "inside %s for %s to 224.0.0.22: not proxied (got %s to %s)", kind,
				 bad[i].name, igmp_proxy_reason_name(multi.reason),
				 addr_str(multi.dst));
			TAP_CHECK(up.egress == PROXY_EGRESS_NONE && !up.event_report && up.reason == PROXY_BAD_GROUP,
				 "outside %s for %s: no event, not proxied (got %s, event %d)", kind,
				 bad[i].name, igmp_proxy_reason_name(up.reason), up.event_report);
		}
	}
}

static void
test_reason_names(void)
{
	bool ok = true;

	for (int r = 0; r < PROXY_REASON_COUNT; r++) {
		const char *name = igmp_proxy_reason_name(r);
		bool unique = true;

		for (int o = 0; o < r; o++)
			if (name != NULL && strcmp(name, igmp_proxy_reason_name(o)) == 0)
				unique = false;
		TAP_CHECK(name != NULL && name[0] != '\0' && unique && strcmp(name, "invalid") != 0,
			  "reason %d is named '%s', uniquely", r, name != NULL ? name : "(null)");
		ok = ok && name != NULL;
	}
	TAP_CHECK(ok && strcmp(igmp_proxy_reason_name(PROXY_REASON_COUNT), "invalid") == 0 &&
		  strcmp(igmp_proxy_reason_name((enum igmp_proxy_reason)-1), "invalid") == 0,
		  "out-of-range reasons are named 'invalid'");
}

/* ---- limits: what reports from inside may make the gateway hold upstream ---- */

/* The held set of the limits tests: a plain list. */
struct held_set {
	uint32_t group[16];
	unsigned int n;
};

static bool
held_holds(const void *set, uint32_t g)
{
	const struct held_set *h = set;

	for (unsigned int i = 0; i < h->n; i++)
		if (h->group[i] == g)
			return true;
	return false;
}

/* A whole IPv4 packet from the inside host to dst carrying a v3 report of records. */
static bool
make_v3(uint8_t *buf, uint32_t dst, const struct igmp_record_spec *recs, uint16_t n,
	struct igmp_ipv4 *ip, struct igmp_msg *msg)
{
	uint16_t next = 0, next_src = 0;
	size_t len = igmp_build_v3_report(buf + IGMP_IP_HDR_LEN, PKT_CAP - IGMP_IP_HDR_LEN,
					  PKT_CAP - IGMP_IP_HDR_LEN, recs, n, &next, &next_src);

	return len != 0 && next == n &&
		igmp_build_ipv4_header(buf, PKT_CAP, ports[IN].host, dst, (uint16_t)len) != 0 &&
		igmp_packet_parse(buf, IGMP_IP_HDR_LEN + len, ip, msg) == IGMP_OK;
}

/* Decides a packet from the inside host with translation and in-to-out proxying on. */
static void
decide_limited(const struct igmp_ipv4 *ip, const struct igmp_msg *msg,
	       const struct igmp_proxy_limits *lim, struct igmp_proxy_decision *d)
{
	struct igmp_proxy_ingress in = {
		.role = ports[IN].role,
		.active = true,
		.addr = ports[IN].addr,
	};
	struct gw_igmp_config cfg;

	set_switches(&cfg, 0);
	cfg.unicast_proxy_in_to_out = true;
	cfg.proxy_in_to_out = true;
	memset(d, 0xa5, sizeof(*d));
	igmp_proxy_decide(&cfg, &in, ip, msg, NULL, lim, d);
	reasons_seen |= 1u << (d->reason & 31);
}

/* A v1/v2 report or leave of g from the inside host to dst, decided under lim. */
static void
decide_v2(enum msg_kind k, uint32_t g, uint32_t dst, const struct igmp_proxy_limits *lim,
	  struct igmp_proxy_decision *d)
{
	uint8_t buf[PKT_CAP];
	struct igmp_ipv4 ip;
	struct igmp_msg msg;

	if (!make_packet(buf, k, g, ports[IN].host, dst, &ip, &msg)) {
		TAP_CHECK(false, "%s builds and parses", kind_names[k]);
		memset(d, 0, sizeof(*d));
		return;
	}
	decide_limited(&ip, &msg, lim, d);
}

static bool
passed(const struct igmp_proxy_decision *d, enum igmp_proxy_reason r, uint16_t admitted)
{
	return d->reason == r && d->egress == PROXY_EGRESS_ACTIVE_OUTSIDE && d->admitted == admitted;
}

static bool
refused(const struct igmp_proxy_decision *d, enum igmp_proxy_reason r)
{
	return d->reason == r && d->egress == PROXY_EGRESS_NONE && d->admitted == 0;
}

static void
test_limits_v2(void)
{
	struct held_set held = { .n = 0 };
	struct group_quota quota;
	struct igmp_proxy_limits lim = {
		.holds = held_holds, .set = &held, .quota = &quota, .max_sources = 4,
	};
	uint32_t g1 = addr(239, 5, 0, 1), g2 = addr(239, 5, 0, 2), g3 = addr(239, 5, 0, 3);
	uint32_t me = ports[IN].addr;
	struct igmp_proxy_decision d;

	group_quota_init(&quota, 2);
	decide_v2(V2_REPORT, g1, me, &lim, &d);
	TAP_CHECK(passed(&d, PROXY_TRANSLATED, 1) && group_quota_used(&quota) == 1,
		  "limits: a special report for a new group is translated and takes room "
		  "(%s, admitted %u, used %u)", igmp_proxy_reason_name(d.reason), d.admitted,
		  group_quota_used(&quota));
	held.group[held.n++] = g1;
	decide_v2(V2_REPORT, g1, me, &lim, &d);
	TAP_CHECK(passed(&d, PROXY_TRANSLATED, 0) && group_quota_used(&quota) == 1,
		  "limits: a refresh of a held group takes no room");
	decide_v2(V1_REPORT, g2, me, &lim, &d);
	TAP_CHECK(passed(&d, PROXY_TRANSLATED, 1) && group_quota_used(&quota) == 2,
		  "limits: a v1 report for a second new group fills the quota");
	decide_v2(V2_REPORT, g3, me, &lim, &d);
	TAP_CHECK(refused(&d, PROXY_REFUSED_MAX_GROUPS) && group_quota_used(&quota) == 2,
		  "limits: a new group beyond max_groups is refused, nothing taken (%s)",
		  igmp_proxy_reason_name(d.reason));
	decide_v2(V2_REPORT, g3, g3, &lim, &d);
	TAP_CHECK(refused(&d, PROXY_REFUSED_MAX_GROUPS),
		  "limits: the same as a multicast report proxied in to out (%s)",
		  igmp_proxy_reason_name(d.reason));
	decide_v2(V2_REPORT, g1, me, &lim, &d);
	TAP_CHECK(passed(&d, PROXY_TRANSLATED, 0), "limits: full, a refresh of a held group passes");
	decide_v2(LEAVE, g1, me, &lim, &d);
	TAP_CHECK(passed(&d, PROXY_TRANSLATED, 0), "limits: full, a leave of a held group passes");
	decide_v2(LEAVE, g3, me, &lim, &d);
	TAP_CHECK(passed(&d, PROXY_TRANSLATED, 0), "limits: full, a leave of another group passes");
	group_quota_give(&quota, 1);
	decide_v2(V2_REPORT, g3, me, &lim, &d);
	TAP_CHECK(passed(&d, PROXY_TRANSLATED, 1) && group_quota_used(&quota) == 2,
		  "limits: room given back admits a new group again");
	/* Without limits nothing is counted: the tracking modes bound state themselves. */
	decide_v2(V2_REPORT, addr(239, 5, 0, 9), me, NULL, &d);
	TAP_CHECK(passed(&d, PROXY_TRANSLATED, 0), "limits: none given, nothing refused");
}

static void
test_limits_v3(void)
{
	struct held_set held = { .n = 0 };
	struct group_quota quota;
	struct igmp_proxy_limits lim = {
		.holds = held_holds, .set = &held, .quota = &quota, .max_sources = 4,
	};
	uint32_t g1 = addr(239, 6, 0, 1), g2 = addr(239, 6, 0, 2), g3 = addr(239, 6, 0, 3);
	uint32_t src[5] = { addr(10, 9, 0, 1), addr(10, 9, 0, 2), addr(10, 9, 0, 3),
			    addr(10, 9, 0, 4), addr(10, 9, 0, 5) };
	uint32_t me = ports[IN].addr;
	struct igmp_proxy_decision d;
	struct igmp_ipv4 ip;
	struct igmp_msg msg;
	uint8_t buf[PKT_CAP];
	bool ok;

	group_quota_init(&quota, 3);
	held.group[held.n++] = g1;
	group_quota_force(&quota, 1);

	/* Two new groups and a held one, room for 2: all of it goes, two taken. */
	ok = make_v3(buf, me, (const struct igmp_record_spec[]){
		{ .type = IGMP_REC_TO_EX, .group = g1 },
		{ .type = IGMP_REC_TO_EX, .group = g2 },
		{ .type = IGMP_REC_ALLOW, .group = g3, .sources = src, .n_sources = 2 },
	}, 3, &ip, &msg);
	decide_limited(&ip, &msg, &lim, &d);
	TAP_CHECK(ok && passed(&d, PROXY_TRANSLATED, 2) && group_quota_used(&quota) == 3,
		  "limits: v3 report, 2 new groups and a held one: admitted 2 (%s, %u, used %u)",
		  igmp_proxy_reason_name(d.reason), d.admitted, group_quota_used(&quota));
	group_quota_give(&quota, 2);

	/* Three new groups, room for 2: refused whole, nothing taken. */
	ok = make_v3(buf, me, (const struct igmp_record_spec[]){
		{ .type = IGMP_REC_IS_EX, .group = addr(239, 6, 1, 1) },
		{ .type = IGMP_REC_IS_EX, .group = addr(239, 6, 1, 2) },
		{ .type = IGMP_REC_IS_IN, .group = addr(239, 6, 1, 3), .sources = src, .n_sources = 1 },
	}, 3, &ip, &msg);
	decide_limited(&ip, &msg, &lim, &d);
	TAP_CHECK(ok && refused(&d, PROXY_REFUSED_MAX_GROUPS) && group_quota_used(&quota) == 1,
		  "limits: v3 report for more new groups than the room: refused whole (%s, used %u)",
		  igmp_proxy_reason_name(d.reason), group_quota_used(&quota));

	/* Records that hold no group need no room, whatever the group. */
	group_quota_force(&quota, 2);
	ok = make_v3(buf, me, (const struct igmp_record_spec[]){
		{ .type = IGMP_REC_TO_IN, .group = addr(239, 6, 2, 1) },
		{ .type = IGMP_REC_IS_IN, .group = addr(239, 6, 2, 2) },
		{ .type = IGMP_REC_BLOCK, .group = addr(239, 6, 2, 3), .sources = src, .n_sources = 5 },
		{ .type = IGMP_REC_TO_EX, .group = g1, .sources = src, .n_sources = 5 },
	}, 4, &ip, &msg);
	decide_limited(&ip, &msg, &lim, &d);
	TAP_CHECK(ok && passed(&d, PROXY_TRANSLATED, 0),
		  "limits: full, leaves (TO_IN {}, IS_IN {}), BLOCK and a held group's TO_EX with "
		  "5 excluded sources pass (%s)", igmp_proxy_reason_name(d.reason));

	/* Sources to include beyond max_sources: refused, however much room. */
	group_quota_init(&quota, 100);
	ok = make_v3(buf, me, (const struct igmp_record_spec[]){
		{ .type = IGMP_REC_ALLOW, .group = g1, .sources = src, .n_sources = 5 },
	}, 1, &ip, &msg);
	decide_limited(&ip, &msg, &lim, &d);
	TAP_CHECK(ok && refused(&d, PROXY_REFUSED_MAX_SOURCES) && group_quota_used(&quota) == 0,
		  "limits: ALLOW with 5 sources, max 4: refused_max_sources (%s)",
		  igmp_proxy_reason_name(d.reason));
	ok = make_v3(buf, me, (const struct igmp_record_spec[]){
		{ .type = IGMP_REC_TO_IN, .group = g2, .sources = src, .n_sources = 4 },
	}, 1, &ip, &msg);
	decide_limited(&ip, &msg, &lim, &d);
	TAP_CHECK(ok && passed(&d, PROXY_TRANSLATED, 1), "limits: TO_IN with 4 sources, max 4: passes");
}

/* Queries and what comes from outside never touch the quota. */
static void
test_limits_elsewhere(void)
{
	struct held_set held = { .n = 0 };
	struct group_quota quota;
	struct igmp_proxy_limits lim = {
		.holds = held_holds, .set = &held, .quota = &quota, .max_sources = 4,
	};
	unsigned int bad = 0, n = 0;

	group_quota_init(&quota, 0);
	for (size_t pi = 0; pi < ARRAY_LEN(ports); pi++) {
		for (int k = 0; k < MSG_KIND_COUNT; k++) {
			const struct port_case *p = &ports[pi];
			struct igmp_proxy_ingress in = {
				.role = p->role, .active = p->active, .addr = p->addr,
			};
			struct igmp_proxy_decision with, without;
			struct gw_igmp_config cfg;
			uint8_t buf[PKT_CAP];
			struct igmp_ipv4 ip;
			struct igmp_msg msg;
			bool from_inside_report = gw_role_is_inside(p->role) && !kind_is_query(k) &&
				k != LEAVE;

			if (from_inside_report ||
			    !make_packet(buf, k, group, p->host, kind_rfc_destination(k, group), &ip,
					 &msg))
				continue;
			set_switches(&cfg, (1u << N_SWITCHES) - 1);
			igmp_proxy_decide(&cfg, &in, &ip, &msg, queriers_of(querier), &lim, &with);
			igmp_proxy_decide(&cfg, &in, &ip, &msg, queriers_of(querier), NULL, &without);
			n++;
			bad += with.reason != without.reason || with.egress != without.egress ||
				with.dst != without.dst || with.admitted != 0;
		}
	}
	TAP_CHECK(n > 0 && bad == 0 && group_quota_used(&quota) == 0,
		  "limits: queries, leaves and outside IGMP decide the same with a full quota "
		  "(%u/%u)", n - bad, n);
}

/* Every reason but unknown_igmp_type (see test_unknown_type) comes out of real packets. */
static void
test_reasons_reached(void)
{
	for (int r = 0; r < PROXY_REASON_COUNT; r++) {
		if (r == PROXY_UNKNOWN_TYPE)
			continue;
		TAP_CHECK((reasons_seen >> r) & 1, "the matrix produces %s",
			  igmp_proxy_reason_name(r));
	}
}

static void
test_control_groups(void)
{
	TAP_CHECK(igmp_proxy_is_control_group(all_systems) &&
		  igmp_proxy_is_control_group(all_routers) &&
		  igmp_proxy_is_control_group(all_v3_routers),
		  "224.0.0.1, .2 and .22 are control groups");
	TAP_CHECK(!igmp_proxy_is_control_group(addr(224, 0, 0, 251)) &&
		  !igmp_proxy_is_control_group(group) &&
		  !igmp_proxy_is_control_group(htonl(0x010000e0)) && /* byte-swapped 224.0.0.1 */
		  !igmp_proxy_is_control_group(0),
		  "other groups, 0 and a byte-swapped 224.0.0.1 are not");
	TAP_CHECK(igmp_is_multicast(addr(224, 0, 0, 0)) &&
		  igmp_is_multicast(addr(239, 255, 255, 255)) &&
		  !igmp_is_multicast(addr(223, 255, 255, 255)) &&
		  !igmp_is_multicast(addr(240, 0, 0, 0)),
		  "igmp_is_multicast is 224.0.0.0/4, in network order");
}

/* A querier for each outside: OUT's is 10.0.0.1, ALT's 10.0.1.1, none elsewhere. */
static uint32_t
querier_per_outside(const void *ctx __attribute__((unused)), enum gw_role outside)
{
	switch (outside) {
	case GW_ROLE_OUTSIDE: return addr(10, 0, 0, 1);
	case GW_ROLE_ALT: return addr(10, 0, 1, 1);
	default: return 0;
	}
}

/*
 * The one upstream destination rule, per outside: the querier learned on the
 * outside the report leaves by, else unicast_dst, else the RFC's group; and
 * the decision asks it about the active outside, not any other.
 */
static void
test_upstream_dst(void)
{
	const struct igmp_proxy_queriers q = { .addr = querier_per_outside };
	const struct port_case *p = &ports[IN];
	struct igmp_proxy_ingress in = { .role = p->role, .active = true, .addr = p->addr };
	struct igmp_proxy_decision d;
	struct gw_igmp_config cfg;
	uint8_t buf[PKT_CAP];
	struct igmp_ipv4 ip;
	struct igmp_msg msg;

	set_switches(&cfg, 0);
	cfg.unicast_dst = unicast_dst;
	TAP_CHECK(igmp_proxy_upstream_dst(&cfg, &q, GW_ROLE_ALT, group) == group,
		  "upstream dst, unicast_membership_reports off: the multicast destination");
	cfg.unicast_membership_reports = true;
	TAP_CHECK(igmp_proxy_upstream_dst(&cfg, &q, GW_ROLE_OUTSIDE, group) == addr(10, 0, 0, 1),
		  "upstream dst on outside: outside's querier");
	TAP_CHECK(igmp_proxy_upstream_dst(&cfg, &q, GW_ROLE_ALT, group) == addr(10, 0, 1, 1),
		  "upstream dst on alt: alt's querier");
	TAP_CHECK(igmp_proxy_upstream_dst(&cfg, &q, GW_ROLE_INSIDE, group) == unicast_dst,
		  "upstream dst where no querier is known: unicast_dst");
	TAP_CHECK(igmp_proxy_upstream_dst(&cfg, NULL, GW_ROLE_OUTSIDE, 0) == unicast_dst,
		  "upstream dst without queriers: unicast_dst");
	cfg.unicast_dst = 0;
	TAP_CHECK(igmp_proxy_upstream_dst(&cfg, NULL, GW_ROLE_OUTSIDE, 0) == 0,
		  "upstream dst with neither: the multicast destination (0 asks 'unicast?')");

	cfg.unicast_proxy_in_to_out = true;
	in.upstream = GW_ROLE_ALT;
	make_packet(buf, V2_REPORT, group, p->host, p->addr, &ip, &msg);
	igmp_proxy_decide(&cfg, &in, &ip, &msg, &q, NULL, &d);
	TAP_CHECK(d.egress == PROXY_EGRESS_ACTIVE_OUTSIDE && d.dst == addr(10, 0, 1, 1),
		  "a report translated while alt is active goes to alt's querier (%s)",
		  addr_str(d.dst));
}

int
main(void)
{
	lab_init();
	ports_init();
	test_control_groups();
	test_hand_cases();
	test_matrix();
	test_own_packets();
	test_unknown_type();
	test_bad_groups();
	test_limits_v2();
	test_limits_v3();
	test_limits_elsewhere();
	test_upstream_dst();
	test_reason_names();
	test_reasons_reached();
	return TAP_DONE();
}
