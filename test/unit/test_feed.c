/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of what feeds the forwarding table (lib/feed), judged by what the
 * workers would forward: every entry goes into a real forwarding table (on an
 * EAL without hugepages) that also holds static [mroute] routes, and the
 * checks are its lookups of (group, source). Membership tracking: the real
 * membership library, fed real IGMP, merged per group from several inside
 * ports in INCLUDE and EXCLUDE mode, timers that ran out but were not yet
 * ticked, leaves. goIGMP's modes: the asked groups' joins, refreshes, leaves,
 * expiry after the group membership interval, and the max_groups room shared
 * with the workers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "feed.h"
#include "fwd_table.h"
#include "igmp_wire.h"
#include "membership.h"
#include "mship_timers.h"
#include "tap.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Ports as the gateway numbers them: outside 0, alt 1, inside 2, inside2 3, inside3 4. */
#define UP 0
#define P_IN1 2
#define P_IN2 3
#define P_IN3 4
#define IN1 (1u << P_IN1)
#define IN2 (1u << P_IN2)
#define IN3 (1u << P_IN3)
#define INSIDE (IN1 | IN2 | IN3)

/* The RFC 3376 §8 defaults the membership library starts with: GMI 260 s, LMQT 2 s. */
#define GMI mship_group_membership_interval_ms(MSHIP_DEFAULT_ROBUSTNESS, \
	MSHIP_DEFAULT_QUERY_INTERVAL_MS, MSHIP_DEFAULT_QUERY_RESPONSE_INTERVAL_MS)
#define LMQT mship_last_member_query_time_ms(MSHIP_DEFAULT_LAST_MEMBER_QUERY_INTERVAL_MS, \
	MSHIP_DEFAULT_ROBUSTNESS)

/* Port masks by name, so a failing line says which port is wrong. */
static const char *
ports_str(unsigned int mask)
{
	static char buf[4][64];
	static unsigned int next;
	char *out = buf[next++ % ARRAY_LEN(buf)];
	size_t len = 0;

	out[0] = '\0';
	for (int p = 0; p < 16; p++) {
		const char *name = p == P_IN1 ? "in1" : p == P_IN2 ? "in2" : p == P_IN3 ? "in3" :
			"other";

		if (mask & (1u << p))
			len += (size_t)snprintf(out + len, 64 - len, "%s%s", len > 0 ? "|" : "",
						name);
	}
	if (len == 0)
		snprintf(out, 64, "none");
	return out;
}

#define CHECK_PORTS(got, want, ...) do { \
	unsigned int got_ = (got); \
	unsigned int want_ = (want); \
	char what_[200]; \
	snprintf(what_, sizeof(what_), __VA_ARGS__); \
	if (got_ == want_) \
		TAP_CHECK(true, "%s: %s", what_, ports_str(got_)); \
	else \
		TAP_CHECK(false, "%s: %s (want %s)", what_, ports_str(got_), ports_str(want_)); \
} while (0)

static uint32_t
ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return htonl((uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d);
}

static struct rte_rcu_qsbr *qsbr;
static uint64_t now;
/* The table the workers would read, with the static routes of each section. */
static struct fwd_table *tbl;

static uint32_t G, H, K, s1, s2, s3, s4, s5, s8, s9;
/* Static routes: STATIC_NET/16 to in3; STATIC_SG from s9 only to in1. */
static uint32_t STATIC_NET, STATIC_G, STATIC_SG;

static void
addresses(void)
{
	G = ip(239, 1, 1, 1);
	H = ip(239, 1, 1, 2);
	K = ip(239, 1, 1, 3);
	s1 = ip(10, 9, 0, 1);
	s2 = ip(10, 9, 0, 2);
	s3 = ip(10, 9, 0, 3);
	s4 = ip(10, 9, 0, 4);
	s5 = ip(10, 9, 0, 5);
	s8 = ip(10, 9, 0, 8);
	s9 = ip(10, 9, 0, 9);
	STATIC_NET = ip(239, 2, 0, 0);
	STATIC_G = ip(239, 2, 1, 1);
	STATIC_SG = ip(239, 3, 3, 3);
}

static unsigned int
fwd(uint32_t group, uint32_t source)
{
	return fwd_table_lookup(tbl, group, source);
}

/* A fresh table with the two static routes, as table_feed.c loads [mroute]. */
static void
table_start(uint32_t max_groups)
{
	tbl = fwd_table_create("ut_feed", max_groups, SOCKET_ID_ANY, qsbr);
	if (tbl == NULL || fwd_table_add_static(tbl, STATIC_NET, 16, 0, IN3) != 0 ||
	    fwd_table_add_static(tbl, STATIC_SG, 32, s9, IN1) != 0) {
		fprintf(stderr, "cannot create the forwarding table\n");
		exit(1);
	}
}

static void
table_stop(void)
{
	fwd_table_free(tbl);
	tbl = NULL;
}

/* ---- IGMP messages, built and parsed by the codec ---- */

struct msg {
	uint8_t buf[1024];
	struct igmp_msg m;
};

static const struct igmp_msg *
parsed(struct msg *x, size_t len)
{
	if (len == 0 || igmp_parse(x->buf, len, &x->m) != IGMP_OK) {
		fprintf(stderr, "test built a bad message\n");
		exit(1);
	}
	return &x->m;
}

static const struct igmp_msg *
v2(struct msg *x, uint8_t type, uint32_t group)
{
	return parsed(x, igmp_build_v2(x->buf, sizeof(x->buf), type, 0, group));
}

/* A v3 report of one record; sources end with 0. */
static const struct igmp_msg *
v3_sources(struct msg *x, uint8_t type, uint32_t group, const uint32_t *src, uint16_t n)
{
	struct igmp_record_spec spec = {
		.type = type, .group = group, .sources = src, .n_sources = n,
	};
	uint16_t next = 0, next_src = 0;

	return parsed(x, igmp_build_v3_report(x->buf, sizeof(x->buf), sizeof(x->buf), &spec, 1,
					      &next, &next_src));
}

#define V3(x, type, group, ...) \
	v3_sources((x), (type), (group), (const uint32_t[]){ __VA_ARGS__ }, \
		   (uint16_t)(sizeof((uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t)))
#define V3_NONE(x, type, group) v3_sources((x), (type), (group), NULL, 0)

/* ---- membership tracking: the library, and the daemon's on_changed around it ---- */

static struct mship *m;
static unsigned int changes;
static uint64_t table_errors;

static void
t_send(void *arg, uint16_t port, uint32_t dst, const uint8_t *igmp, uint16_t len)
{
	(void)arg;
	(void)port;
	(void)dst;
	(void)igmp;
	(void)len;
}

/* What tracking.c does on every change: merge the group, write its entry. */
static void
t_changed(void *arg, uint16_t port, uint32_t group)
{
	static struct feed_entry e;

	(void)arg;
	(void)port;
	changes++;
	feed_merge_group(m, INSIDE, group, now, &e);
	if (fwd_table_set(tbl, group, e.any_source, e.sources, e.n_sources) < 0)
		table_errors++;
}

/* The host on port's subnet (10.0.port.101) that sends its reports. */
static uint32_t
host(uint16_t port)
{
	return ip(10, 0, (uint8_t)port, 101);
}

static enum mship_counter
t_input(uint16_t port, const struct igmp_msg *msg)
{
	uint32_t dst = msg->type == IGMP_TYPE_V3_REPORT ? ip(224, 0, 0, 22) :
		msg->type == IGMP_TYPE_LEAVE ? ip(224, 0, 0, 2) : msg->group;

	return mship_input(m, port, host(port), dst, msg, now);
}

/* Moves the clock by ms, ticking at every deadline on the way, as the daemon's loop does. */
static void
t_advance(uint64_t ms)
{
	uint64_t target = now + ms, next;

	while ((next = mship_next_timer(m)) <= target) {
		if (next > now)
			now = next;
		mship_tick(m, now);
	}
	now = target;
	mship_tick(m, now);
}

static void
tracking_start(uint32_t max_groups)
{
	struct mship_ops ops = { .send = t_send, .changed = t_changed };
	struct mship_config cfg;

	mship_config_defaults(&cfg);
	cfg.max_groups = max_groups;
	if (cfg.max_groups_per_port > max_groups)
		cfg.max_groups_per_port = max_groups;
	now = 1000000;
	changes = 0;
	table_errors = 0;
	table_start(64);
	m = mship_create(&cfg, &ops);
	if (m == NULL) {
		fprintf(stderr, "mship_create failed\n");
		exit(1);
	}
	for (uint16_t p = P_IN1; p <= P_IN3; p++)
		mship_port_add(m, p, ip(10, 0, (uint8_t)p, 1), 24, now);
	mship_set_upstream(m, UP, ip(192, 0, 2, 2), now);
	/* The startup queries are timers too: out of the way before the first report. */
	t_advance(1);
}

static void
tracking_stop(void)
{
	mship_free(m);
	m = NULL;
	table_stop();
}

/* The merged entry's source exceptions for one source, as "+ports -ports". */
static void
entry_source(const struct feed_entry *e, uint32_t addr, unsigned int *inc, unsigned int *exc)
{
	*inc = 0;
	*exc = 0;
	for (uint16_t i = 0; i < e->n_sources; i++) {
		if (e->sources[i].addr == addr) {
			*inc |= e->sources[i].include;
			*exc |= e->sources[i].exclude;
		}
	}
}

/*
 * Three inside ports, three ways to want one group: in1 INCLUDE {s1, s2},
 * in2 EXCLUDE {s1} (IS_EX), in3 a v2 report (EXCLUDE {}).
 */
static void
test_merge_include_exclude(void)
{
	static struct feed_entry e;
	unsigned int inc, exc;
	struct msg x;

	tracking_start(4096);
	CHECK_PORTS(fwd(G, s1), 0, "before any report: (s1, G)");
	t_input(P_IN1, V3(&x, IGMP_REC_IS_IN, G, s1, s2));
	CHECK_PORTS(fwd(G, s1), IN1, "in1 INCLUDE {s1,s2}: (s1, G)");
	CHECK_PORTS(fwd(G, s3), 0, "in1 INCLUDE {s1,s2}: (s3, G), a source nobody asked for");
	t_input(P_IN2, V3(&x, IGMP_REC_IS_EX, G, s1));
	t_input(P_IN3, v2(&x, IGMP_TYPE_V2_REPORT, G));
	CHECK_INT(table_errors, 0, "entries the table refused");

	feed_merge_group(m, INSIDE, G, now, &e);
	CHECK_PORTS(e.any_source, IN2 | IN3, "merged (*, G): the EXCLUDE-mode ports");
	CHECK_INT(e.n_sources, 2, "merged sources (s1, s2; in2's excluded s1 shared)");
	entry_source(&e, s1, &inc, &exc);
	CHECK_PORTS(inc, IN1, "merged s1 include");
	CHECK_PORTS(exc, IN2, "merged s1 exclude");
	entry_source(&e, s2, &inc, &exc);
	CHECK_PORTS(inc, IN1, "merged s2 include");
	CHECK_PORTS(exc, 0, "merged s2 exclude");

	CHECK_PORTS(fwd(G, s1), IN1 | IN3, "(s1, G): in1 includes it, in2 excludes it");
	CHECK_PORTS(fwd(G, s2), IN1 | IN2 | IN3, "(s2, G)");
	CHECK_PORTS(fwd(G, s3), IN2 | IN3, "(s3, G): only the EXCLUDE-mode ports");

	/* Only the ports given are merged: a port outside the mask is not forwarded to. */
	feed_merge_group(m, IN1 | IN2, G, now, &e);
	CHECK_PORTS(e.any_source, IN2, "merged over in1|in2 only: (*, G)");
	feed_merge_group(m, INSIDE, H, now, &e);
	CHECK_INT(e.n_sources + e.any_source, 0, "merged H, which no port has: empty entry");

	/* Two ports with the same source: both bits, in either mode. */
	t_input(P_IN1, V3(&x, IGMP_REC_IS_IN, K, s1));
	t_input(P_IN2, V3(&x, IGMP_REC_IS_IN, K, s1, s2));
	CHECK_PORTS(fwd(K, s1), IN1 | IN2, "in1 INCLUDE {s1}, in2 INCLUDE {s1,s2}: (s1, K)");
	CHECK_PORTS(fwd(K, s2), IN2, "in1 INCLUDE {s1}, in2 INCLUDE {s1,s2}: (s2, K)");
	t_input(P_IN1, V3(&x, IGMP_REC_IS_EX, H, s2));
	t_input(P_IN3, V3(&x, IGMP_REC_IS_EX, H, s2, s3));
	CHECK_PORTS(fwd(H, s2), 0, "in1 EXCLUDE {s2}, in3 EXCLUDE {s2,s3}: (s2, H)");
	CHECK_PORTS(fwd(H, s3), IN1, "in1 EXCLUDE {s2}, in3 EXCLUDE {s2,s3}: (s3, H)");
	CHECK_PORTS(fwd(H, s1), IN1 | IN3, "in1 EXCLUDE {s2}, in3 EXCLUDE {s2,s3}: (s1, H)");

	/* in2 takes s1 back (ALLOW in EXCLUDE mode): s1 is no longer excluded anywhere. */
	t_input(P_IN2, V3(&x, IGMP_REC_ALLOW, G, s1));
	CHECK_PORTS(fwd(G, s1), IN1 | IN2 | IN3, "in2 ALLOW {s1}: (s1, G)");
	/* in1 blocks s2: group-and-source queries, then s2's timer runs out (LMQT). */
	t_input(P_IN1, V3(&x, IGMP_REC_BLOCK, G, s2));
	CHECK_PORTS(fwd(G, s2), IN1 | IN2 | IN3, "in1 BLOCK {s2}, before LMQT: (s2, G)");
	t_advance(LMQT + 1);
	CHECK_PORTS(fwd(G, s2), IN2 | IN3, "in1 BLOCK {s2}, after LMQT: (s2, G)");
	CHECK_PORTS(fwd(G, s1), IN1 | IN2 | IN3, "in1 BLOCK {s2}, after LMQT: (s1, G) stays");
	tracking_stop();
}

/*
 * Timers decide, and one that ran out counts at once, before the tick that
 * removes it: an INCLUDE source whose timer ran out is not wanted; an EXCLUDE
 * source whose timer ran out is excluded (RFC 3376 §6.3).
 */
static void
test_merge_timers(void)
{
	static struct feed_entry e;
	unsigned int inc, exc;
	struct msg x;
	uint64_t t0;

	tracking_start(4096);
	t0 = now;
	t_input(P_IN1, V3(&x, IGMP_REC_IS_IN, G, s1, s5));
	t_input(P_IN2, V3(&x, IGMP_REC_IS_EX, G, s1));
	t_input(P_IN2, V3(&x, IGMP_REC_ALLOW, G, s4));  /* EXCLUDE: s4 requested, timer GMI */
	t_input(P_IN3, v2(&x, IGMP_TYPE_V2_REPORT, G));
	CHECK_PORTS(fwd(G, s4), IN2 | IN3, "in2 EXCLUDE {s1} asked for s4: (s4, G)");
	CHECK_PORTS(fwd(G, s5), IN1 | IN2 | IN3, "in1 INCLUDE {s1,s5}: (s5, G)");

	/* 100 s later everything is refreshed except in1's s5 and in2's requested s4. */
	t_advance(100000);
	t_input(P_IN1, V3(&x, IGMP_REC_ALLOW, G, s1));
	t_input(P_IN2, V3(&x, IGMP_REC_IS_EX, G, s1, s4));
	t_input(P_IN3, v2(&x, IGMP_TYPE_V2_REPORT, G));

	/* Just before s4 and s5 run out, when they do, and after, without a tick in between. */
	now = t0 + GMI - 1;
	feed_merge_group(m, INSIDE, G, now, &e);
	entry_source(&e, s5, &inc, &exc);
	CHECK_PORTS(inc, IN1, "1 ms before s5's timer runs out: s5 include");
	entry_source(&e, s4, &inc, &exc);
	CHECK_PORTS(exc, 0, "1 ms before s4's timer runs out: s4 exclude");
	now = t0 + GMI;
	feed_merge_group(m, INSIDE, G, now, &e);
	entry_source(&e, s5, &inc, &exc);
	CHECK_PORTS(inc, 0, "s5's timer runs out now: s5 include");
	entry_source(&e, s4, &inc, &exc);
	CHECK_PORTS(exc, IN2, "s4's timer runs out now: s4 exclude");
	now = t0 + GMI + 1;
	feed_merge_group(m, INSIDE, G, now, &e);
	entry_source(&e, s5, &inc, &exc);
	CHECK_PORTS(inc, 0, "s5's timer ran out, not ticked yet: s5 include");
	entry_source(&e, s4, &inc, &exc);
	CHECK_PORTS(exc, IN2, "s4's timer ran out in EXCLUDE mode, not ticked yet: s4 exclude");
	CHECK_PORTS(e.any_source, IN2 | IN3, "(*, G) with the refreshed group timers");

	/* And what the table holds once the timers have been ticked. */
	now = t0 + 100000;
	t_advance(GMI - 100000 + 1);
	CHECK_PORTS(fwd(G, s5), IN2 | IN3, "after the tick: (s5, G)");
	CHECK_PORTS(fwd(G, s4), IN3, "after the tick: (s4, G), excluded by in2 now");
	CHECK_PORTS(fwd(G, s1), IN1 | IN3, "after the tick: (s1, G)");

	/* Nothing refreshed any more: one GMI later no port wants G. */
	t_advance(GMI);
	CHECK_PORTS(fwd(G, s1) | fwd(G, s3) | fwd(G, s4), 0, "a GMI without reports: G gone");
	CHECK_INT(fwd_table_holds(tbl, G), 0, "the table holds G");
	tracking_stop();
}

/* A v2 leave on one port: after the last member queries only the others are left. */
static void
test_merge_leave(void)
{
	struct msg x;

	tracking_start(4096);
	t_input(P_IN1, v2(&x, IGMP_TYPE_V2_REPORT, G));
	t_input(P_IN3, v2(&x, IGMP_TYPE_V2_REPORT, G));
	CHECK_PORTS(fwd(G, s3), IN1 | IN3, "v2 reports on in1 and in3: (s3, G)");
	t_input(P_IN3, v2(&x, IGMP_TYPE_LEAVE, G));
	CHECK_PORTS(fwd(G, s3), IN1 | IN3, "in3 leaves, before LMQT: (s3, G)");
	t_advance(LMQT + 1);
	CHECK_PORTS(fwd(G, s3), IN1, "in3 left, after LMQT: (s3, G)");
	t_input(P_IN1, v2(&x, IGMP_TYPE_LEAVE, G));
	t_advance(LMQT + 1);
	CHECK_PORTS(fwd(G, s3), 0, "in1 left too: (s3, G)");
	CHECK_INT(fwd_table_count(tbl), 0, "groups in the table");
	tracking_stop();
}

/* Static [mroute] routes and tracked groups: each adds its ports, neither hides the other. */
static void
test_merge_static(void)
{
	struct msg x;

	tracking_start(4096);
	CHECK_PORTS(fwd(STATIC_G, s3), IN3, "static 239.2/16 to in3, nobody joined: (s3, 239.2.1.1)");
	CHECK_PORTS(fwd(STATIC_SG, s9), IN1, "static (s9, 239.3.3.3) to in1");
	CHECK_PORTS(fwd(STATIC_SG, s8), 0, "static (s9, 239.3.3.3): (s8, 239.3.3.3)");
	t_input(P_IN2, v2(&x, IGMP_TYPE_V2_REPORT, STATIC_G));
	CHECK_PORTS(fwd(STATIC_G, s3), IN2 | IN3, "in2 joins 239.2.1.1: static and tracked");
	t_input(P_IN2, V3(&x, IGMP_REC_IS_IN, STATIC_SG, s8));
	CHECK_PORTS(fwd(STATIC_SG, s8), IN2, "in2 INCLUDE {s8} on 239.3.3.3: (s8, 239.3.3.3)");
	CHECK_PORTS(fwd(STATIC_SG, s9), IN1, "in2 INCLUDE {s8} on 239.3.3.3: (s9, ...) static only");
	t_input(P_IN3, V3(&x, IGMP_REC_IS_EX, STATIC_SG, s9));
	CHECK_PORTS(fwd(STATIC_SG, s9), IN1, "in3 EXCLUDE {s9}: (s9, 239.3.3.3) stays static in1");
	CHECK_PORTS(fwd(STATIC_SG, s1), IN3, "in3 EXCLUDE {s9}: (s1, 239.3.3.3)");
	CHECK_INT(fwd_table_count(tbl), 2, "groups in the table (static routes not counted)");
	t_input(P_IN2, v2(&x, IGMP_TYPE_LEAVE, STATIC_G));
	t_advance(LMQT + 1);
	CHECK_PORTS(fwd(STATIC_G, s3), IN3, "in2 left 239.2.1.1: the static route stays");
	CHECK_INT(fwd_table_holds(tbl, STATIC_G), 0, "the table holds 239.2.1.1 of its own");
	tracking_stop();
}

/* A group tracking refused (max_groups) gets no entry: nothing forwarded for it. */
static void
test_merge_refused(void)
{
	struct msg x;

	tracking_start(2);
	t_input(P_IN1, v2(&x, IGMP_TYPE_V2_REPORT, G));
	t_input(P_IN2, v2(&x, IGMP_TYPE_V2_REPORT, H));
	TAP_CHECK(t_input(P_IN3, v2(&x, IGMP_TYPE_V2_REPORT, K)) == MSHIP_CTR_REFUSED_MAX_GROUPS,
		  "tracking max_groups 2, a third group: refused_max_groups");
	CHECK_PORTS(fwd(K, s1), 0, "the refused group: (s1, K)");
	CHECK_PORTS(fwd(G, s1) | fwd(H, s1), IN1 | IN2, "the two groups held: (s1, G) | (s1, H)");
	CHECK_INT(fwd_table_count(tbl), 2, "groups in the table");
	tracking_stop();
}

/* ---- goIGMP's modes: the groups the gateway asked for upstream ---- */

static struct feed_asked *fa;
static uint64_t publishes;

static int
a_publish(void *arg, uint32_t group, const struct feed_entry *e)
{
	(void)arg;
	publishes++;
	return fwd_table_set(tbl, group, e->any_source, e->sources, e->n_sources);
}

static bool
a_holds(const void *arg, uint32_t group)
{
	(void)arg;
	return fwd_table_holds(tbl, group);
}

static void
asked_start(uint32_t max_groups, uint16_t max_sources)
{
	struct feed_asked_config cfg = {
		.max_groups = max_groups,
		.max_sources = max_sources,
		.lifetime_ms = GMI,
		.client_ports = INSIDE,
		.publish = a_publish,
		.holds = a_holds,
	};

	now = 1000000;
	publishes = 0;
	table_start(64);
	fa = feed_asked_create(&cfg);
	if (fa == NULL) {
		fprintf(stderr, "feed_asked_create failed\n");
		exit(1);
	}
}

static void
asked_stop(void)
{
	feed_asked_free(fa);
	fa = NULL;
	table_stop();
}

/*
 * What a worker does before it passes a report upstream (igmp_proxy_decision
 * with limits): room for each group the table does not hold yet. Returns the
 * room taken, or -1 when the worker refuses the report.
 */
static int
admit(const uint32_t *groups, unsigned int n)
{
	uint32_t need = 0;

	for (unsigned int i = 0; i < n; i++)
		need += !fwd_table_holds(tbl, groups[i]);
	if (need > 0 && !group_quota_take(feed_asked_quota(fa), need))
		return -1;
	return (int)need;
}

/* A report passed upstream for port, with the room a worker took for it. */
static void
a_report(uint16_t port, const struct igmp_msg *msg)
{
	uint32_t groups[8];
	unsigned int n = 0;
	struct igmp_record rec;
	size_t pos = 0;
	int room;

	if (msg->type == IGMP_TYPE_V3_REPORT)
		while (n < ARRAY_LEN(groups) && igmp_record_next(msg, &pos, &rec))
			groups[n++] = rec.group;
	else if (msg->type != IGMP_TYPE_LEAVE)
		groups[n++] = msg->group;
	room = admit(groups, n);
	if (room < 0) {
		fprintf(stderr, "test: a worker would have refused this report\n");
		exit(1);
	}
	feed_asked_report(fa, port, msg, (uint32_t)room, now, NULL);
}

static struct feed_asked_stats
a_stats(void)
{
	struct feed_asked_stats st;

	feed_asked_stats(fa, &st);
	return st;
}

/* Translated reports from several ports: v2 joins, v3 sources, v3 exclusions read as joins. */
static void
test_asked_join_leave(void)
{
	struct msg x;

	asked_start(64, 64);
	a_report(P_IN1, v2(&x, IGMP_TYPE_V2_REPORT, G));
	CHECK_PORTS(fwd(G, s3), IN1, "in1 v2 report G: (s3, G)");
	CHECK_INT(a_stats().room_taken, 1, "room taken for G");
	a_report(P_IN2, V3(&x, IGMP_REC_IS_IN, G, s1, s2));
	CHECK_PORTS(fwd(G, s1), IN1 | IN2, "in2 IS_IN {s1,s2}: (s1, G)");
	CHECK_PORTS(fwd(G, s3), IN1, "in2 IS_IN {s1,s2}: (s3, G)");
	a_report(P_IN3, V3(&x, IGMP_REC_TO_EX, G, s1));
	CHECK_PORTS(fwd(G, s1), IN1 | IN2 | IN3,
		    "in3 TO_EX {s1}: read as a join from any source (exclusions not kept)");
	a_report(P_IN3, V3(&x, IGMP_REC_ALLOW, H, s4));
	CHECK_PORTS(fwd(H, s4), IN3, "in3 ALLOW {s4} on H: (s4, H)");
	CHECK_PORTS(fwd(H, s1), 0, "in3 ALLOW {s4} on H: (s1, H)");
	CHECK_INT(a_stats().groups, 2, "groups asked for");
	CHECK_INT(a_stats().room_taken, 2, "room taken (G, H)");

	/* Leaves: each takes back only its own port's ask. */
	a_report(P_IN1, v2(&x, IGMP_TYPE_LEAVE, G));
	CHECK_PORTS(fwd(G, s3), IN3, "in1 leaves G: (s3, G)");
	CHECK_PORTS(fwd(G, s1), IN2 | IN3, "in1 leaves G: (s1, G)");
	a_report(P_IN2, V3(&x, IGMP_REC_BLOCK, G, s1));
	CHECK_PORTS(fwd(G, s1), IN3, "in2 BLOCK {s1}: (s1, G)");
	CHECK_PORTS(fwd(G, s2), IN2 | IN3, "in2 BLOCK {s1}: (s2, G)");
	a_report(P_IN2, V3_NONE(&x, IGMP_REC_TO_IN, G));
	a_report(P_IN3, V3_NONE(&x, IGMP_REC_TO_IN, G));
	CHECK_PORTS(fwd(G, s2) | fwd(G, s3), 0, "in2, in3 TO_IN {}: G left");
	CHECK_INT(fwd_table_holds(tbl, G), 0, "the table holds G");
	CHECK_INT(feed_asked_take_removed(fa), 1, "groups removed (their room waits for RCU)");
	CHECK_INT(feed_asked_take_removed(fa), 0, "removed, asked again");
	CHECK_INT(a_stats().room_taken, 2, "room taken until the caller gives it back");

	/* A client's request is for every inside port. */
	CHECK_INT(feed_asked_client_join(fa, K, (const uint32_t[]){ s4, s5 }, 2, now), 0,
		  "client report K from s4, s5");
	CHECK_PORTS(fwd(K, s5), INSIDE, "client report K from s4, s5: (s5, K)");
	CHECK_PORTS(fwd(K, s1), 0, "client report K from s4, s5: (s1, K)");
	feed_asked_client_leave(fa, K, (const uint32_t[]){ s5 }, 1);
	CHECK_PORTS(fwd(K, s5), 0, "client leave (s5, K): (s5, K)");
	CHECK_PORTS(fwd(K, s4), INSIDE, "client leave (s5, K): (s4, K)");
	feed_asked_client_leave(fa, K, NULL, 0);
	CHECK_PORTS(fwd(K, s4), 0, "client leave K: (s4, K)");
	CHECK_INT(a_stats().refused_max_groups + a_stats().refused_max_sources_per_group +
		  a_stats().no_memory, 0, "refusals and failures");
	asked_stop();
}

/* Each port's ask lasts a group membership interval from its last report. */
static void
test_asked_expiry(void)
{
	struct msg x;
	uint64_t t0 = 1000000;

	asked_start(64, 64);
	a_report(P_IN1, v2(&x, IGMP_TYPE_V2_REPORT, G));
	a_report(P_IN2, v2(&x, IGMP_TYPE_V2_REPORT, G));
	a_report(P_IN3, V3(&x, IGMP_REC_IS_IN, H, s1));
	now = t0 + 100000;
	a_report(P_IN1, v2(&x, IGMP_TYPE_V2_REPORT, G));
	CHECK_INT(a_stats().room_taken, 2, "a refresh takes no room");

	now = t0 + GMI - 1;
	feed_asked_expire(fa, now);
	CHECK_PORTS(fwd(G, s3), IN1 | IN2, "1 ms before in2's GMI: (s3, G)");
	CHECK_PORTS(fwd(H, s1), IN3, "1 ms before in3's GMI: (s1, H)");
	now = t0 + GMI;
	feed_asked_expire(fa, now);
	CHECK_PORTS(fwd(G, s3), IN1, "in2's GMI passed, in1 refreshed: (s3, G)");
	CHECK_PORTS(fwd(H, s1), 0, "in3's GMI passed: (s1, H)");
	CHECK_INT(feed_asked_take_removed(fa), 1, "groups removed (H)");
	now = t0 + 100000 + GMI - 1;
	feed_asked_expire(fa, now);
	CHECK_PORTS(fwd(G, s3), IN1, "1 ms before in1's refreshed GMI: (s3, G)");
	now = t0 + 100000 + GMI;
	feed_asked_expire(fa, now);
	CHECK_PORTS(fwd(G, s3), 0, "in1's refreshed GMI passed: (s3, G)");
	CHECK_INT(a_stats().groups, 0, "groups asked for");
	CHECK_INT(feed_asked_take_removed(fa), 1, "groups removed (G)");
	asked_stop();
}

/* Static [mroute] routes and asked groups, in the one table the workers read. */
static void
test_asked_static(void)
{
	struct msg x;

	asked_start(64, 64);
	a_report(P_IN1, v2(&x, IGMP_TYPE_V2_REPORT, STATIC_G));
	CHECK_PORTS(fwd(STATIC_G, s3), IN1 | IN3, "in1 asked 239.2.1.1, static to in3");
	a_report(P_IN2, V3(&x, IGMP_REC_IS_IN, STATIC_SG, s8, s9));
	CHECK_PORTS(fwd(STATIC_SG, s9), IN1 | IN2, "in2 IS_IN {s8,s9}: (s9, 239.3.3.3) + static");
	CHECK_PORTS(fwd(STATIC_SG, s8), IN2, "in2 IS_IN {s8,s9}: (s8, 239.3.3.3)");
	a_report(P_IN1, v2(&x, IGMP_TYPE_LEAVE, STATIC_G));
	CHECK_PORTS(fwd(STATIC_G, s3), IN3, "in1 left 239.2.1.1: the static route stays");
	now += GMI;
	feed_asked_expire(fa, now);
	CHECK_PORTS(fwd(STATIC_SG, s9), IN1, "in2's ask expired: (s9, 239.3.3.3) static only");
	CHECK_PORTS(fwd(STATIC_SG, s8), 0, "in2's ask expired: (s8, 239.3.3.3)");
	CHECK_INT(fwd_table_count(tbl), 0, "groups in the table (static routes not counted)");
	asked_stop();
}

/* max_groups and max_sources_per_group: refused, counted, never published, room kept exact. */
static void
test_asked_limits(void)
{
	uint32_t L = ip(239, 1, 1, 4);
	struct group_quota *q;
	struct msg x;

	asked_start(3, 2);
	q = feed_asked_quota(fa);
	CHECK_INT(feed_asked_client_join(fa, G, NULL, 0, now), 0, "client join G");
	a_report(P_IN1, v2(&x, IGMP_TYPE_V2_REPORT, H));
	CHECK_INT(feed_asked_client_join(fa, K, NULL, 0, now), 0, "client join K");
	CHECK_INT(a_stats().room_taken, 3, "room taken: max_groups 3 reached");
	publishes = 0;
	CHECK_INT(feed_asked_client_join(fa, L, NULL, 0, now), -ENOSPC, "client join a 4th group");
	CHECK_INT(a_stats().refused_max_groups, 1, "refused by max_groups");
	CHECK_INT(publishes, 0, "publishes for the refused group");
	CHECK_PORTS(fwd(L, s1), 0, "the refused group: (s1, L)");
	CHECK_INT(admit(&L, 1), -1, "a worker's room for a 4th group's report");
	CHECK_INT(feed_asked_client_join(fa, G, NULL, 0, now), 0, "full, a refresh of G: held");
	CHECK_INT(a_stats().room_taken, 3, "a refresh takes no room");

	/* A report that reached the main lcore without room (the table held it a moment ago). */
	feed_asked_report(fa, P_IN2, v2(&x, IGMP_TYPE_V2_REPORT, L), 0, now, NULL);
	CHECK_INT(a_stats().refused_max_groups, 2, "report for a 4th group, no room: refused");
	CHECK_PORTS(fwd(L, s1), 0, "report for a 4th group, no room: (s1, L)");

	/* A group leaves: its room comes back only when the caller gives it (after RCU). */
	feed_asked_client_leave(fa, K, NULL, 0);
	CHECK_INT(feed_asked_take_removed(fa), 1, "groups removed");
	CHECK_INT(feed_asked_client_join(fa, L, NULL, 0, now), -ENOSPC,
		  "join before the removed group's room is given back");
	group_quota_give(q, 1);
	CHECK_INT(feed_asked_client_join(fa, L, NULL, 0, now), 0, "join once it is given back");
	CHECK_PORTS(fwd(L, s1), INSIDE, "(s1, L)");
	CHECK_INT(a_stats().room_taken, 3, "room taken");

	/* Two workers took room for H, both before either report reached the main lcore. */
	feed_asked_client_leave(fa, H, NULL, 0);
	feed_asked_client_leave(fa, L, NULL, 0);
	group_quota_give(q, feed_asked_take_removed(fa));
	CHECK_INT(a_stats().room_taken, 1, "H and L left, their room given back (G held)");
	CHECK_INT(admit(&H, 1), 1, "worker A takes room for H");
	CHECK_INT(admit(&H, 1), 1, "worker B takes room for H too");
	feed_asked_report(fa, P_IN1, v2(&x, IGMP_TYPE_V2_REPORT, H), 1, now, NULL);
	feed_asked_report(fa, P_IN2, v2(&x, IGMP_TYPE_V2_REPORT, H), 1, now, NULL);
	CHECK_PORTS(fwd(H, s1), IN1 | IN2, "both reports applied: (s1, H)");
	CHECK_INT(a_stats().room_taken, 2, "B's room, for a group held by then, went back");

	/* A group added without room (a worker saw it held just before it left) takes room. */
	feed_asked_client_leave(fa, H, NULL, 0);
	CHECK_INT(a_stats().room_taken, 2, "H left, room not yet given back");
	feed_asked_report(fa, P_IN1, v2(&x, IGMP_TYPE_V2_REPORT, H), 0, now, NULL);
	CHECK_INT(a_stats().room_taken, 3, "H held again without room: forced");
	group_quota_give(q, feed_asked_take_removed(fa));
	CHECK_INT(a_stats().room_taken, 2, "after the removed H's room came back: G, H");

	/* Sources: max_sources_per_group 2. */
	CHECK_INT(feed_asked_client_join(fa, G, (const uint32_t[]){ s1, s2, s3 }, 3, now), -E2BIG,
		  "client join G from three sources");
	CHECK_INT(a_stats().refused_max_sources_per_group, 1, "refused by max_sources_per_group");
	CHECK_PORTS(fwd(G, s1), INSIDE, "G as it was: (s1, G)");
	a_report(P_IN3, V3(&x, IGMP_REC_ALLOW, L, s1, s2));
	a_report(P_IN3, V3(&x, IGMP_REC_ALLOW, L, s3));
	CHECK_PORTS(fwd(L, s3), 0, "a third source on L: (s3, L)");
	CHECK_PORTS(fwd(L, s2), IN3, "(s2, L)");
	CHECK_INT(a_stats().refused_max_sources_per_group, 2, "a third source on L: refused");
	CHECK_INT(a_stats().no_memory, 0, "no_memory");
	asked_stop();
}

/* A publish that fails (the workers' table out of memory) is counted. */
static int
failing_publish(void *arg, uint32_t group, const struct feed_entry *e)
{
	(void)arg;
	(void)group;
	(void)e;
	return -ENOMEM;
}

static bool
never_holds(const void *arg, uint32_t group)
{
	(void)arg;
	(void)group;
	return false;
}

static void
test_asked_config(void)
{
	struct feed_asked_config cfg = {
		.max_groups = 4, .max_sources = 4, .lifetime_ms = GMI, .client_ports = INSIDE,
		.publish = failing_publish, .holds = never_holds,
	};
	struct feed_asked_config bad = cfg;
	struct feed_asked_stats st;
	struct feed_asked *f;

	bad.max_sources = FWD_MAX_SOURCES + 1;
	errno = 0;
	CHECK_INT(feed_asked_create(&bad) == NULL && errno == EINVAL, 1,
		  "max_sources past FWD_MAX_SOURCES: EINVAL");
	bad = cfg;
	bad.publish = NULL;
	CHECK_INT(feed_asked_create(&bad) == NULL, 1, "no publish callback: refused");
	f = feed_asked_create(&cfg);
	CHECK_INT(f != NULL, 1, "created");
	if (f == NULL)
		return;
	feed_asked_client_join(f, G, NULL, 0, 0);
	feed_asked_stats(f, &st);
	CHECK_INT(st.no_memory, 1, "a publish that failed: no_memory");
	feed_asked_free(f);
	feed_asked_free(NULL);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal_argv[] = {
		argv[0], "--no-huge", "-m", "64", "--no-pci", "--no-shconf", "--file-prefix",
		prefix, "-l", "0", "--no-telemetry", "--log-level", "lib.eal:error", NULL,
	};
	int eal_argc = (int)ARRAY_LEN(eal_argv) - 1;

	(void)argc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(prefix, sizeof(prefix), "ut_feed_%ld", (long)getpid());
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		printf("1..0 # SKIP EAL init failed: %s\n", rte_strerror(rte_errno));
		return 0;
	}
	qsbr = rte_zmalloc("ut_qsbr", rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE), RTE_CACHE_LINE_SIZE);
	if (qsbr == NULL || rte_rcu_qsbr_init(qsbr, RTE_MAX_LCORE) != 0) {
		printf("1..0 # SKIP no memory for the RCU variable\n");
		return 0;
	}
	addresses();

	test_merge_include_exclude();
	test_merge_timers();
	test_merge_leave();
	test_merge_static();
	test_merge_refused();
	test_asked_join_leave();
	test_asked_expiry();
	test_asked_static();
	test_asked_limits();
	test_asked_config();

	rte_free(qsbr);
	rte_eal_cleanup();
	return TAP_DONE();
}
