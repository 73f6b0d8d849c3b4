/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the membership library on a fake clock: every row of the
 * RFC 3376 §6.4.1 and §6.4.2 tables, timers, older-version compatibility, the
 * querier (startup, election, QRV/QQIC adoption, group and group-and-source
 * queries), the RFC 4605 merge and its upstream reports and answers, limits,
 * and a randomized run that checks invariants and the merge after every step.
 * Every emitted message is parsed back with igmp_parse and described in text.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "igmp_wire.h"
#include "membership.h"
#include "tap.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Compares strings; the TAP line shows what came out, and on failure what was due. */
#define CHECK_STR(got, want, ...) do { \
	const char *got_ = (got); \
	const char *want_ = (want); \
	char what_[200]; \
	snprintf(what_, sizeof(what_), __VA_ARGS__); \
	TAP_CHECK(strcmp(got_, want_) == 0, "%s: \"%s\"%s%s%s", what_, got_, \
		  strcmp(got_, want_) == 0 ? "" : " (want \"", \
		  strcmp(got_, want_) == 0 ? "" : want_, \
		  strcmp(got_, want_) == 0 ? "" : "\")"); \
} while (0)

/* Compares outcomes of mship_input() by counter name. */
#define CHECK_CTR(got, want, ...) \
	CHECK_STR(mship_counter_name(got), mship_counter_name(want), __VA_ARGS__)

#define P0 0
#define P1 1
#define UP 9
#define UP2 10

/* RFC 3376 §8 defaults, milliseconds */
#define GMI 260000
#define LMQT 2000
#define LMQI 1000
#define OQPI 255000
#define OHPI 260000
#define SQI 31250
#define QI 125000

static uint32_t
ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return htonl((uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d);
}

/* The lab: groups G, H, K, L; sources s1..s9; our addresses; hosts; routers. */
static uint32_t G, H, K, L;
static uint32_t s[10];
static uint32_t our0, our1, our_up;
static uint32_t host0, host0b, host1;
static uint32_t lower_router, higher_router, up_querier;

static void
lab_addresses(void)
{
	int i;

	G = ip(239, 1, 1, 1);
	H = ip(239, 1, 1, 2);
	K = ip(239, 1, 1, 3);
	L = ip(239, 1, 1, 4);
	for (i = 1; i < 10; i++)
		s[i] = ip(10, 9, 0, (uint8_t)i);
	our0 = ip(10, 0, 0, 10);
	our1 = ip(10, 0, 1, 10);
	our_up = ip(192, 0, 2, 2);
	host0 = ip(10, 0, 0, 101);
	host0b = ip(10, 0, 0, 102);
	host1 = ip(10, 0, 1, 101);
	lower_router = ip(10, 0, 0, 5);
	higher_router = ip(10, 0, 0, 20);
	up_querier = ip(192, 0, 2, 1);
}

static const char *
name(uint32_t a)
{
	static char buf[8][INET_ADDRSTRLEN];
	static unsigned int next;
	char *out = buf[next++ % ARRAY_LEN(buf)];
	int i;

	if (a == G)
		return "G";
	if (a == H)
		return "H";
	if (a == K)
		return "K";
	if (a == L)
		return "L";
	for (i = 1; i < 10; i++) {
		if (a == s[i]) {
			snprintf(out, INET_ADDRSTRLEN, "s%d", i);
			return out;
		}
	}
	inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
	return out;
}

/* ---- the fake world around the library ---- */

struct sent_msg {
	uint16_t port;
	uint32_t dst;
	uint16_t len;
	uint8_t buf[2048];
};

static uint64_t now;
static struct mship *m;
static struct sent_msg sent[512];
static unsigned int n_sent;
static bool sent_overflow;
static unsigned int n_changed;
static char event_log[4096];
static uint32_t rng_value;
static bool hide_general = true;

static void
fake_send(void *arg, uint16_t port, uint32_t dst, const uint8_t *igmp, uint16_t len)
{
	struct sent_msg *e;

	(void)arg;
	if (n_sent == ARRAY_LEN(sent) || len > sizeof(e->buf)) {
		sent_overflow = true;
		return;
	}
	e = &sent[n_sent++];
	e->port = port;
	e->dst = dst;
	e->len = len;
	memcpy(e->buf, igmp, len);
}

static void
fake_changed(void *arg, uint16_t port, uint32_t group)
{
	(void)arg;
	(void)port;
	(void)group;
	n_changed++;
}

static void
fake_event(void *arg, enum mship_event ev, uint16_t port, uint32_t addr)
{
	size_t len = strlen(event_log);

	(void)arg;
	snprintf(event_log + len, sizeof(event_log) - len, "%s%s(p%u,%s)", len > 0 ? " " : "",
		 mship_event_name(ev), port, name(addr));
}

static uint32_t
fake_random(void *arg)
{
	(void)arg;
	return rng_value;
}

static const char *
events(void)
{
	static char out[4096];

	snprintf(out, sizeof(out), "%s", event_log);
	event_log[0] = '\0';
	return out;
}

static void
appendf(char *buf, size_t cap, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
}

static void
append_sources(char *out, size_t cap, const uint8_t *p, uint16_t n)
{
	uint32_t a;
	uint16_t i;

	for (i = 0; i < n; i++) {
		memcpy(&a, p + 4 * i, 4);
		appendf(out, cap, "%s%s", i == 0 ? "" : " ", name(a));
	}
}

static const char *const rec_names[] = {
	"?", "IS_IN", "IS_EX", "TO_IN", "TO_EX", "ALLOW", "BLOCK",
};

static void
describe_query(const struct igmp_msg *q, uint32_t dst, char *out, size_t cap)
{
	uint32_t want_dst = q->group != 0 ? q->group : ip(224, 0, 0, 1);

	if (q->version == 1)
		appendf(out, cap, "GQ1");
	else if (q->version == 2 && q->group == 0)
		appendf(out, cap, "GQ2");
	else if (q->version == 2)
		appendf(out, cap, "Q2(%s)", name(q->group));
	else if (q->group == 0)
		appendf(out, cap, "GQ");
	else {
		appendf(out, cap, "Q(%s", name(q->group));
		if (q->n_sources > 0) {
			appendf(out, cap, ",");
			append_sources(out, cap, q->sources, q->n_sources);
		}
		appendf(out, cap, ")%s", q->s_flag ? " S" : "");
	}
	if (dst != want_dst)
		appendf(out, cap, "!dst=%s", name(dst));
}

static void
describe_report(const struct igmp_msg *r, uint32_t dst, char *out, size_t cap)
{
	struct igmp_record rec;
	size_t pos = 0;

	appendf(out, cap, "R");
	while (igmp_record_next(r, &pos, &rec)) {
		appendf(out, cap, "[%s %s", rec.type <= 6 ? rec_names[rec.type] : "?",
			name(rec.group));
		if (rec.n_sources > 0) {
			appendf(out, cap, " ");
			append_sources(out, cap, rec.sources, rec.n_sources);
		}
		appendf(out, cap, "]");
	}
	if (dst != ip(224, 0, 0, 22))
		appendf(out, cap, "!dst=%s", name(dst));
}

/* One emitted message in words, checked by the codec; a wrong destination shows as !dst. */
static void
describe(const struct sent_msg *e, char *out, size_t cap)
{
	struct igmp_msg msg;
	enum igmp_wire_error err = igmp_parse(e->buf, e->len, &msg);

	out[0] = '\0';
	if (err != IGMP_OK || !msg.checksum_ok) {
		appendf(out, cap, "BAD(%s)", igmp_wire_error_name(err));
		return;
	}
	switch (msg.type) {
	case IGMP_TYPE_QUERY:
		describe_query(&msg, e->dst, out, cap);
		break;
	case IGMP_TYPE_V3_REPORT:
		describe_report(&msg, e->dst, out, cap);
		break;
	case IGMP_TYPE_V2_REPORT:
	case IGMP_TYPE_V1_REPORT:
		appendf(out, cap, "R%d(%s)", msg.type == IGMP_TYPE_V1_REPORT ? 1 : 2,
			name(msg.group));
		if (e->dst != msg.group)
			appendf(out, cap, "!dst=%s", name(e->dst));
		break;
	case IGMP_TYPE_LEAVE:
		appendf(out, cap, "L(%s)", name(msg.group));
		if (e->dst != ip(224, 0, 0, 2))
			appendf(out, cap, "!dst=%s", name(e->dst));
		break;
	default:
		appendf(out, cap, "type 0x%02x", msg.type);
	}
}

/*
 * Takes the messages sent on port out of the log, in words joined by "; ".
 * General queries are left out while hide_general is set. Ticks first when a
 * timer is due, as the daemon does after every burst of input: that is when
 * the reports of the changes the input made go out.
 */
static const char *
drain(uint16_t port)
{
	static char out[4][4096];
	static unsigned int next;
	char *buf = out[next++ % ARRAY_LEN(out)];
	char one[1024];
	unsigned int i, kept = 0;

	if (mship_next_timer(m) <= now)
		mship_tick(m, now);
	buf[0] = '\0';
	for (i = 0; i < n_sent; i++) {
		if (sent[i].port != port) {
			sent[kept++] = sent[i];
			continue;
		}
		describe(&sent[i], one, sizeof(one));
		if (hide_general && strncmp(one, "GQ", 2) == 0)
			continue;
		appendf(buf, sizeof(out[0]), "%s%s", buf[0] != '\0' ? "; " : "", one);
	}
	n_sent = kept;
	return buf;
}

/* The last message sent on port, parsed (its buffer stays in the log). */
static bool
last_msg(uint16_t port, struct igmp_msg *msg, uint32_t *dst)
{
	unsigned int i;

	for (i = n_sent; i-- > 0;) {
		if (sent[i].port == port) {
			*dst = sent[i].dst;
			return igmp_parse(sent[i].buf, sent[i].len, msg) == IGMP_OK;
		}
	}
	return false;
}

static void
clear_log(void)
{
	n_sent = 0;
	event_log[0] = '\0';
	n_changed = 0;
}

/* A timer in words relative to now: GMI, LMQT, 0 (stopped), or the ms left. */
static void
append_timer(char *out, size_t cap, uint64_t expires)
{
	if (expires == 0)
		appendf(out, cap, "0");
	else if (expires == now + GMI)
		appendf(out, cap, "GMI");
	else if (expires == now + LMQT)
		appendf(out, cap, "LMQT");
	else if (expires < now)
		appendf(out, cap, "-%llu", (unsigned long long)(now - expires));
	else
		appendf(out, cap, "%llu", (unsigned long long)(expires - now));
}

/* A group record in words: "EX gt=GMI s1=258000 s2=0", or "-" when there is none. */
static const char *
state(uint16_t port, uint32_t group)
{
	static char out[4][1024];
	static unsigned int next;
	char *buf = out[next++ % ARRAY_LEN(out)];
	struct mship_group_info gi;
	uint16_t i;

	buf[0] = '\0';
	if (mship_group_get(m, port, group, &gi) != 0)
		return "-";
	if (gi.mode == MSHIP_INCLUDE) {
		appendf(buf, sizeof(out[0]), "IN");
		if (gi.expires != 0)
			appendf(buf, sizeof(out[0]), " gt!");
	} else {
		appendf(buf, sizeof(out[0]), "EX gt=");
		append_timer(buf, sizeof(out[0]), gi.expires);
	}
	for (i = 0; i < gi.n_sources; i++) {
		appendf(buf, sizeof(out[0]), " %s=", name(gi.sources[i].addr));
		append_timer(buf, sizeof(out[0]), gi.sources[i].expires);
	}
	return buf;
}

/* The merged upstream state of group in words: "EX s4", "IN s1 s2", or "-" when not wanted. */
static int
up_find_cb(const struct mship_upstream_info *u, void *arg)
{
	const struct mship_upstream_info **want = arg;

	if (u->group != (*want)->group)
		return 0;
	*(struct mship_upstream_info *)*want = *u;
	return 1;
}

static int
up_count_cb(const struct mship_upstream_info *u, void *arg)
{
	(void)u;
	(void)arg;
	return 1;
}

static const char *
upstate(uint32_t group)
{
	static char out[4][1024];
	static unsigned int next;
	char *buf = out[next++ % ARRAY_LEN(out)];
	struct mship_upstream_info info = { .group = group };
	const struct mship_upstream_info *p = &info;
	uint16_t i;

	buf[0] = '\0';
	if (mship_upstream_walk(m, up_find_cb, &p) != 1 || !info.wanted)
		return "-";
	appendf(buf, sizeof(out[0]), "%s", info.mode == MSHIP_INCLUDE ? "IN" : "EX");
	for (i = 0; i < info.n_sources; i++)
		appendf(buf, sizeof(out[0]), " %s", name(info.sources[i]));
	return buf;
}

/* Moves the clock to now + ms, ticking at each deadline on the way, like the daemon. */
static void
advance(uint64_t ms)
{
	uint64_t target = now + ms, next;
	unsigned int guard = 0;

	while ((next = mship_next_timer(m)) <= target && guard++ < 100000) {
		if (next > now)
			now = next;
		mship_tick(m, now);
	}
	now = target;
	mship_tick(m, now);
}

static struct mship_ops
lab_ops(bool fixed_random)
{
	struct mship_ops ops = {
		.send = fake_send,
		.changed = fake_changed,
		.event = fake_event,
		.random = fixed_random ? fake_random : NULL,
	};

	return ops;
}

/* A library with downstream ports 0 and 1 and upstream UP; startup queries drained. */
static void
lab_start_cfg(const struct mship_config *cfg)
{
	struct mship_ops ops = lab_ops(true);

	now = 1000000;
	rng_value = 0;
	hide_general = true;
	m = mship_create(cfg, &ops);
	if (m == NULL) {
		fprintf(stderr, "mship_create failed\n");
		exit(1);
	}
	mship_port_add(m, P0, our0, 24, now);
	mship_port_add(m, P1, our1, 24, now);
	mship_set_upstream(m, UP, our_up, now);
	clear_log();
}

static void
lab_start(void)
{
	struct mship_config cfg;

	mship_config_defaults(&cfg);
	lab_start_cfg(&cfg);
}

static void
lab_stop(void)
{
	mship_free(m);
	m = NULL;
	clear_log();
}

/* ---- feeding messages ---- */

struct rec {
	uint8_t type;
	uint32_t group;
	uint16_t n;
	uint32_t src[16];
};

#define REC(t, g, ...) ((struct rec){ .type = (t), .group = (g), \
	.n = ARRAY_LEN(((uint32_t[]){ 0, ##__VA_ARGS__ })) - 1, .src = { __VA_ARGS__ } })

static enum mship_counter
feed(uint16_t port, uint32_t from, const uint8_t *buf, size_t len)
{
	struct igmp_msg msg;

	if (igmp_parse(buf, len, &msg) != IGMP_OK) {
		fprintf(stderr, "test built a bad message\n");
		exit(1);
	}
	return mship_input(m, port, from, ip(224, 0, 0, 22), &msg, now);
}

static enum mship_counter
report_n(uint16_t port, uint32_t from, const struct rec *recs, uint16_t n)
{
	struct igmp_record_spec specs[8];
	uint8_t buf[4096];
	uint16_t i, next = 0, next_src = 0;
	size_t len;

	for (i = 0; i < n; i++) {
		memset(&specs[i], 0, sizeof(specs[i]));
		specs[i].type = recs[i].type;
		specs[i].group = recs[i].group;
		specs[i].sources = recs[i].src;
		specs[i].n_sources = recs[i].n;
	}
	len = igmp_build_v3_report(buf, sizeof(buf), sizeof(buf), specs, n, &next, &next_src);
	return feed(port, from, buf, len);
}

static enum mship_counter
report(uint16_t port, uint32_t from, struct rec r)
{
	return report_n(port, from, &r, 1);
}

static enum mship_counter
old_msg(uint16_t port, uint32_t from, uint8_t type, uint32_t group)
{
	uint8_t buf[IGMP_V2_LEN];
	size_t len = igmp_build_v2(buf, sizeof(buf), type, 0, group);

	return feed(port, from, buf, len);
}

static enum mship_counter
query_v3(uint16_t port, uint32_t from, uint32_t group, uint8_t code, bool s_flag, uint8_t qrv,
	 uint8_t qqic, const uint32_t *sources, uint16_t n)
{
	uint8_t buf[512];
	size_t len = igmp_build_v3_query(buf, sizeof(buf), code, group, s_flag, qrv, qqic,
					 sources, n);

	return feed(port, from, buf, len);
}

static enum mship_counter
query_v2(uint16_t port, uint32_t from, uint32_t group, uint8_t code)
{
	uint8_t buf[IGMP_V2_LEN];
	size_t len = igmp_build_v2(buf, sizeof(buf), IGMP_TYPE_QUERY, code, group);

	return feed(port, from, buf, len);
}

/* ---- tests ---- */

static void
test_config(void)
{
	struct mship_config cfg, bad;
	struct mship_ops ops = lab_ops(true);
	struct mship *x;

	mship_config_defaults(&cfg);
	TAP_CHECK(cfg.robustness == 2 && cfg.query_interval_ms == 125000 &&
		  cfg.query_response_interval_ms == 10000 &&
		  cfg.startup_query_interval_ms == 125000 / 4 && cfg.startup_query_count == 2 &&
		  cfg.last_member_query_interval_ms == 1000 && cfg.last_member_query_count == 2 &&
		  cfg.unsolicited_report_interval_ms == 1000 &&
		  cfg.unsolicited_report_interval_v2_ms == 10000 && cfg.querier_version == 3 &&
		  cfg.querier_enabled, "defaults are RFC 3376 §8's");

	bad = cfg;
	bad.robustness = 0;
	errno = 0;
	x = mship_create(&bad, &ops);
	TAP_CHECK(x == NULL && errno == EINVAL, "robustness 0 refused with EINVAL");
	bad = cfg;
	bad.query_response_interval_ms = bad.query_interval_ms;
	TAP_CHECK(mship_create(&bad, &ops) == NULL, "QRI not below QI refused");
	bad = cfg;
	bad.querier_version = 4;
	TAP_CHECK(mship_create(&bad, &ops) == NULL, "querier version 4 refused");
	bad = cfg;
	bad.max_groups = 0;
	TAP_CHECK(mship_create(&bad, &ops) == NULL, "max_groups 0 refused");
	TAP_CHECK(cfg.max_adopted_robustness == 4 && cfg.max_adopted_query_interval_ms == 250000,
		  "adopted QRV and QQIC bounded by twice the defaults (%u, %u ms)",
		  cfg.max_adopted_robustness, cfg.max_adopted_query_interval_ms);
	bad = cfg;
	bad.max_adopted_robustness = 0;
	TAP_CHECK(mship_create(&bad, &ops) == NULL, "max_adopted_robustness 0 refused");
	bad = cfg;
	bad.max_adopted_query_interval_ms = 0;
	TAP_CHECK(mship_create(&bad, &ops) == NULL, "max_adopted_query_interval_ms 0 refused");
	bad = cfg;
	bad.max_msg_len = 12;
	TAP_CHECK(mship_create(&bad, &ops) == NULL, "max_msg_len too small for a query refused");
	ops.send = NULL;
	TAP_CHECK(mship_create(&cfg, &ops) == NULL, "missing send callback refused");
	CHECK_STR(mship_counter_name(MSHIP_CTR_REFUSED_MAX_SOURCES), "refused_max_sources",
		  "counter name");
	CHECK_STR(mship_counter_name(MSHIP_CTR_COUNT), "invalid", "counter name out of range");
	CHECK_STR(mship_event_name(MSHIP_EV_UPSTREAM_LEFT), "upstream_left", "event name");
}

static void
test_ports(void)
{
	int i;

	lab_start();
	CHECK_INT(mship_port_add(m, P0, our0, 24, now), -EEXIST, "adding a port twice");
	CHECK_INT(mship_port_add(m, MSHIP_MAX_PORTS, our0, 24, now), -EINVAL,
		  "port out of range");
	CHECK_INT(mship_port_add(m, UP, our0, 24, now), -EINVAL, "the upstream cannot be downstream");
	CHECK_INT(mship_port_add(m, 2, our0, 33, now), -EINVAL, "prefix 33");
	CHECK_INT(mship_set_upstream(m, P1, our_up, now), -EINVAL,
		  "a downstream port cannot be upstream");
	/* P0, P1 and 14 more (UP, port 9, is not downstream): MSHIP_MAX_DOWNSTREAM. */
	for (i = 2; i < 17; i++)
		if (i != UP)
			mship_port_add(m, (uint16_t)i, ip(10, 0, (uint8_t)i, 10), 24, now);
	CHECK_INT(mship_port_add(m, 17, ip(10, 0, 17, 10), 24, now), -ENOSPC,
		  "a seventeenth downstream port");
	CHECK_INT(mship_port_del(m, UP, now), -ENOENT, "deleting a port that is not downstream");
	CHECK_INT(mship_port_del(m, 7, now), 0, "deleting a downstream port");
	CHECK_INT(mship_port_add(m, 17, ip(10, 0, 17, 10), 24, now), 0,
		  "its slot serves another port");
	lab_stop();
}

/* Checks the fields of the last general query on P0. */
static void
check_general_query_fields(const char *what, uint8_t version, uint8_t code)
{
	struct igmp_msg q;
	uint32_t dst = 0;
	bool ok = last_msg(P0, &q, &dst);

	TAP_CHECK(ok && q.type == IGMP_TYPE_QUERY && q.version == version && q.group == 0 &&
		  q.max_resp_code == code && dst == ip(224, 0, 0, 1) &&
		  (version < 3 || (q.qrv == 2 && q.qqic == 125 && !q.s_flag && q.n_sources == 0)),
		  "%s: version %u, max resp code %u, to 224.0.0.1%s", what, q.version,
		  q.max_resp_code, version == 3 ? ", QRV 2, QQIC 125, S clear" : "");
}

static void
test_startup_queries(void)
{
	struct mship_config cfg;
	struct mship_ops ops = lab_ops(true);
	struct mship_querier_info qi;

	mship_config_defaults(&cfg);
	now = 5000;
	m = mship_create(&cfg, &ops);
	clear_log();
	hide_general = false;
	mship_port_add(m, P0, our0, 24, now);
	check_general_query_fields("startup query", 3, 100);
	CHECK_STR(drain(P0), "GQ", "first startup query at once");
	CHECK_INT(mship_next_timer(m), now + SQI, "next timer: the second startup query");
	advance(SQI - 1);
	CHECK_STR(drain(P0), "", "nothing before the startup query interval");
	advance(1);
	CHECK_STR(drain(P0), "GQ", "second startup query after the startup query interval");
	mship_querier_get(m, P0, &qi);
	TAP_CHECK(qi.querier && qi.startup_left == 0 && qi.next_query == now + QI &&
		  qi.querier_addr == our0, "startup done: querier, next query in QI");
	advance(QI - 1);
	CHECK_STR(drain(P0), "", "nothing before the query interval");
	advance(1);
	CHECK_STR(drain(P0), "GQ", "periodic general query after QI");
	advance(3 * QI);
	CHECK_STR(drain(P0), "GQ; GQ; GQ", "one general query per QI");
	lab_stop();

	cfg.startup_query_count = 3;
	now = 5000;
	m = mship_create(&cfg, &ops);
	mship_port_add(m, P0, our0, 24, now);
	advance(2 * SQI);
	CHECK_STR(drain(P0), "GQ; GQ; GQ", "startup query count 3: three queries SQI apart");
	advance(QI - 1);
	CHECK_STR(drain(P0), "", "then quiet until QI");
	lab_stop();

	mship_config_defaults(&cfg);
	cfg.querier_version = 2;
	now = 5000;
	m = mship_create(&cfg, &ops);
	mship_port_add(m, P0, our0, 24, now);
	check_general_query_fields("version 2 querier", 2, 100);
	TAP_CHECK(sent[0].len == IGMP_V2_LEN, "version 2 query is 8 bytes");
	CHECK_STR(drain(P0), "GQ2", "version 2 querier sends v2 queries");
	lab_stop();

	cfg.querier_version = 1;
	now = 5000;
	m = mship_create(&cfg, &ops);
	mship_port_add(m, P0, our0, 24, now);
	check_general_query_fields("version 1 querier", 1, 0);
	CHECK_STR(drain(P0), "GQ1", "version 1 querier sends v1 queries");
	lab_stop();

	mship_config_defaults(&cfg);
	cfg.querier_enabled = false;
	now = 5000;
	m = mship_create(&cfg, &ops);
	mship_port_add(m, P0, our0, 24, now);
	advance(QI * 2);
	CHECK_STR(drain(P0), "", "querier disabled: no query ever");
	mship_querier_get(m, P0, &qi);
	TAP_CHECK(!qi.querier, "querier disabled: not the querier");
	lab_stop();
	hide_general = true;
}

static void
test_election(void)
{
	struct mship_querier_info qi;
	struct igmp_msg q;
	uint32_t dst;

	lab_start();
	hide_general = false;
	CHECK_CTR(query_v3(P0, higher_router, 0, 100, false, 2, 125, NULL, 0), MSHIP_CTR_ACCEPTED,
		  "query from a higher address taken");
	mship_querier_get(m, P0, &qi);
	TAP_CHECK(qi.querier && qi.querier_addr == our0, "higher address loses: we stay querier");
	query_v3(P0, 0, 0, 100, false, 2, 125, NULL, 0);
	mship_querier_get(m, P0, &qi);
	TAP_CHECK(qi.querier, "a query from 0.0.0.0 elects nobody");
	CHECK_CTR(query_v3(P0, our0, 0, 100, false, 2, 125, NULL, 0),
		  MSHIP_CTR_IGNORED_OWN_ADDRESS, "our own query looped back");

	query_v3(P0, lower_router, 0, 100, false, 2, 125, NULL, 0);
	mship_querier_get(m, P0, &qi);
	TAP_CHECK(!qi.querier && qi.querier_addr == lower_router &&
		  qi.other_expires == now + OQPI && qi.next_query == 0,
		  "lower address wins: non-querier for RV*QI+QRI/2 = %d ms", OQPI);
	CHECK_STR(events(), "querier_lost(p0,10.0.0.5)", "querier_lost event");
	mship_querier_get(m, P1, &qi);
	TAP_CHECK(qi.querier, "the other port keeps its own election");
	advance(OQPI - 1);
	CHECK_STR(drain(P0), "", "no query while the other querier is present");
	advance(1);
	CHECK_STR(drain(P0), "GQ",
		  "takeover: a general query when the other querier present timer expires");
	CHECK_STR(events(), "querier_elected(p0,10.0.0.10)", "querier_elected event");
	mship_querier_get(m, P0, &qi);
	TAP_CHECK(qi.querier && qi.next_query == now + QI, "querier again, next query in QI");
	drain(P1);

	/* the other querier keeps querying: the timer restarts each time */
	query_v3(P0, lower_router, 0, 100, false, 2, 125, NULL, 0);
	advance(OQPI - 1000);
	query_v3(P0, lower_router, 0, 100, false, 2, 125, NULL, 0);
	advance(OQPI - 1000);
	CHECK_STR(drain(P0), "", "a querier that keeps querying keeps us quiet");
	events();

	/* QRV and QQIC adoption */
	query_v3(P0, lower_router, 0, 100, false, 3, 60, NULL, 0);
	mship_querier_get(m, P0, &qi);
	TAP_CHECK(qi.robustness == 3 && qi.query_interval_ms == 60000 &&
		  qi.other_expires == now + 3 * 60000 + 5000,
		  "QRV 3 and QQIC 60 adopted: other querier present %u ms",
		  (unsigned int)(qi.other_expires - now));
	old_msg(P0, host0, IGMP_TYPE_V2_REPORT, G);
	CHECK_STR(state(P0, G), "EX gt=190000", "GMI with adopted values: 3*60 s + 10 s");
	query_v3(P0, lower_router, 0, 100, false, 0, 0, NULL, 0);
	mship_querier_get(m, P0, &qi);
	TAP_CHECK(qi.robustness == 3 && qi.query_interval_ms == 60000,
		  "QRV 0 and QQIC 0 keep the values in use");
	advance(3 * 60000 + 5000);
	mship_querier_get(m, P0, &qi);
	TAP_CHECK(qi.querier && qi.robustness == 2 && qi.query_interval_ms == QI,
		  "takeover restores our own robustness and interval");
	TAP_CHECK(last_msg(P0, &q, &dst) && q.qrv == 2 && q.qqic == 125,
		  "our query carries our own QRV and QQIC");
	lab_stop();
	hide_general = true;
}

/* accept_from's side here: 1.2.3.0/24 is taken on P0, nowhere else. */
static bool
fake_accept_foreign(void *arg, uint16_t port, uint32_t src)
{
	(void)arg;
	return port == P0 && (ntohl(src) >> 8) == 0x010203;
}

/*
 * Reports from another subnet are taken only where accept_foreign says so;
 * queries from there never are (a forged querier would win the election).
 */
static void
test_accept_foreign(void)
{
	struct mship_ops ops = lab_ops(true);
	struct mship_config cfg;

	mship_config_defaults(&cfg);
	ops.accept_foreign = fake_accept_foreign;
	now = 1000000;
	m = mship_create(&cfg, &ops);
	mship_port_add(m, P0, our0, 24, now);
	mship_port_add(m, P1, our1, 24, now);
	mship_set_upstream(m, UP, our_up, now);
	clear_log();
	CHECK_CTR(old_msg(P0, ip(1, 2, 3, 9), IGMP_TYPE_V2_REPORT, G), MSHIP_CTR_ACCEPTED,
		  "v2 report from 1.2.3.9 taken on P0");
	CHECK_CTR(report(P0, ip(1, 2, 3, 10), REC(IGMP_REC_TO_EX, G + htonl(1))),
		  MSHIP_CTR_ACCEPTED, "v3 report from 1.2.3.10 taken on P0");
	CHECK_CTR(old_msg(P0, ip(1, 2, 4, 9), IGMP_TYPE_V2_REPORT, G), MSHIP_CTR_IGNORED_FOREIGN_SUBNET,
		  "1.2.4.9 is not in the accepted prefix");
	CHECK_CTR(old_msg(P1, ip(1, 2, 3, 9), IGMP_TYPE_V2_REPORT, G), MSHIP_CTR_IGNORED_FOREIGN_SUBNET,
		  "nor is 1.2.3.9 on P1");
	CHECK_CTR(query_v2(P0, ip(1, 2, 3, 9), 0, 100), MSHIP_CTR_IGNORED_FOREIGN_SUBNET,
		  "a query from 1.2.3.9 is still ignored");
	CHECK_INT(mship_group_count(m, P0), 2, "P0 holds both groups");
	CHECK_INT(mship_group_count(m, P1), 0, "P1 none");
	lab_stop();
}

/*
 * A query from outside the port's subnet is no router of this link: it elects
 * nobody, lowers no timer and is counted. One from inside it that wins has
 * its QRV and QQIC adopted only up to the configured maxima.
 */
static void
test_forged_and_greedy_queriers(void)
{
	struct mship_config cfg;
	struct mship_querier_info qi;
	uint32_t forged = ip(1, 2, 3, 4);

	lab_start();
	old_msg(P0, host0, IGMP_TYPE_V2_REPORT, G);
	events();
	CHECK_CTR(query_v3(P0, forged, 0, 100, false, 7, 255, NULL, 0),
		  MSHIP_CTR_IGNORED_FOREIGN_SUBNET, "general query from 1.2.3.4 (QRV 7, QQIC 255)");
	CHECK_CTR(query_v3(P0, forged, G, 10, false, 7, 255, NULL, 0),
		  MSHIP_CTR_IGNORED_FOREIGN_SUBNET, "group query from 1.2.3.4");
	CHECK_CTR(query_v2(P0, forged, 0, 100), MSHIP_CTR_IGNORED_FOREIGN_SUBNET,
		  "v2 query from 1.2.3.4");
	mship_querier_get(m, P0, &qi);
	TAP_CHECK(qi.querier && qi.querier_addr == our0 && qi.other_expires == 0 &&
		  qi.robustness == 2 && qi.query_interval_ms == QI,
		  "still the querier with our own robustness %u and interval %u ms",
		  qi.robustness, (unsigned int)qi.query_interval_ms);
	CHECK_STR(events(), "", "no querier_lost event");
	CHECK_STR(state(P0, G), "EX gt=GMI", "the forged group query lowered no timer");
	CHECK_INT(mship_counter(m, MSHIP_CTR_IGNORED_FOREIGN_SUBNET), 3, "all three counted");
	CHECK_INT(mship_counter(m, MSHIP_CTR_RX_QUERY), 0, "and none taken as a query");
	lab_stop();

	/* Default bounds: twice RV and QI. */
	lab_start();
	query_v3(P0, lower_router, 0, 100, false, 7, 255, NULL, 0);
	mship_querier_get(m, P0, &qi);
	TAP_CHECK(!qi.querier && qi.robustness == 4 && qi.query_interval_ms == 2 * QI &&
		  qi.other_expires == now + 4 * 2 * QI + 5000,
		  "QRV 7, QQIC 255 from a lower address: robustness 4, interval %u ms, other "
		  "querier present %u ms", (unsigned int)qi.query_interval_ms,
		  (unsigned int)(qi.other_expires - now));
	old_msg(P0, host0, IGMP_TYPE_V2_REPORT, G);
	CHECK_STR(state(P0, G), "EX gt=1010000", "GMI with the bounded values: 4*250 s + 10 s");
	lab_stop();

	/* Configured bounds; values within them are taken as they are. */
	mship_config_defaults(&cfg);
	cfg.max_adopted_robustness = 3;
	cfg.max_adopted_query_interval_ms = 130000;
	lab_start_cfg(&cfg);
	query_v3(P0, lower_router, 0, 100, false, 7, 255, NULL, 0);
	mship_querier_get(m, P0, &qi);
	TAP_CHECK(qi.robustness == 3 && qi.query_interval_ms == 130000,
		  "bounds 3 and 130 s: robustness %u, interval %u ms", qi.robustness,
		  (unsigned int)qi.query_interval_ms);
	query_v3(P0, lower_router, 0, 100, false, 2, 60, NULL, 0);
	mship_querier_get(m, P0, &qi);
	TAP_CHECK(qi.robustness == 2 && qi.query_interval_ms == 60000,
		  "QRV 2, QQIC 60 within them: adopted as sent");
	lab_stop();
}

static void
test_non_querier(void)
{
	uint32_t srcs[] = { s[1] };

	lab_start();
	query_v3(P0, lower_router, 0, 100, false, 2, 125, NULL, 0);
	old_msg(P0, host0, IGMP_TYPE_V2_REPORT, G);
	old_msg(P0, host0, IGMP_TYPE_LEAVE, G);
	CHECK_STR(drain(P0), "", "non-querier sends no group-specific query on a leave");
	CHECK_STR(state(P0, G), "EX gt=GMI", "non-querier keeps the group timer on a leave");
	query_v3(P0, lower_router, G, 10, true, 2, 125, NULL, 0);
	CHECK_STR(state(P0, G), "EX gt=GMI", "Q(G) with S set lowers nothing");
	query_v3(P0, lower_router, G, 10, false, 2, 125, NULL, 0);
	CHECK_STR(state(P0, G), "EX gt=LMQT", "Q(G) with S clear lowers the group timer to LMQT");
	query_v2(P0, lower_router, H, 10);
	report(P0, host0, REC(IGMP_REC_ALLOW, H, s[1], s[2]));
	query_v3(P0, lower_router, H, 10, false, 2, 125, srcs, 1);
	CHECK_STR(state(P0, H), "IN s1=LMQT s2=GMI", "Q(G,A) with S clear lowers A's timers");
	advance(LMQT);
	CHECK_STR(state(P0, G), "-", "group times out at LMQT without a report");
	CHECK_STR(state(P0, H), "IN s2=258000", "queried source times out at LMQT");
	CHECK_STR(drain(P0), "", "still no query from the non-querier");
	lab_stop();
}

/* Sets P0's G to INCLUDE(s1, s2), one second old. */
static void
setup_include(void)
{
	report(P0, host0, REC(IGMP_REC_IS_IN, G, s[1], s[2]));
	advance(1000);
	drain(UP);
	events();
	n_changed = 0;
}

/* Sets P0's G to EXCLUDE(X = {s1, s2}, Y = {s3, s4}), group timer a second older than GMI. */
static void
setup_exclude(void)
{
	report(P0, host0, REC(IGMP_REC_IS_IN, G, s[1], s[2]));
	advance(1000);
	report(P0, host0, REC(IGMP_REC_IS_EX, G, s[1], s[2], s[3], s[4]));
	advance(1000);
	drain(UP);
	events();
	n_changed = 0;
}

static void
test_include_rows(void)
{
	/* §6.4.1 INCLUDE(A) IS_IN(B) -> INCLUDE(A+B); (B)=GMI */
	lab_start();
	setup_include();
	CHECK_STR(state(P0, G), "IN s1=259000 s2=259000", "setup INCLUDE(s1,s2)");
	report(P0, host0, REC(IGMP_REC_IS_IN, G, s[2], s[3]));
	CHECK_STR(state(P0, G), "IN s1=259000 s2=GMI s3=GMI",
		  "INCLUDE(A) IS_IN(B) -> INCLUDE(A+B), B=GMI");
	CHECK_STR(drain(P0), "", "INCLUDE IS_IN: no query");
	CHECK_INT(n_changed, 1, "INCLUDE IS_IN: forwarding changed once (s3 added)");
	lab_stop();

	/* §6.4.1 INCLUDE(A) IS_EX(B) -> EXCLUDE(A*B,B-A); (B-A)=0, Delete(A-B), GT=GMI */
	lab_start();
	setup_include();
	report(P0, host0, REC(IGMP_REC_IS_EX, G, s[2], s[3]));
	CHECK_STR(state(P0, G), "EX gt=GMI s2=259000 s3=0",
		  "INCLUDE(A) IS_EX(B) -> EXCLUDE(A*B,B-A), s1 deleted, GT=GMI");
	CHECK_STR(drain(P0), "", "INCLUDE IS_EX: no query");
	TAP_CHECK(mship_wants(m, P0, G, s[1]) && mship_wants(m, P0, G, s[2]) &&
		  !mship_wants(m, P0, G, s[3]) && mship_wants(m, P0, G, s[9]),
		  "EXCLUDE forwards all but s3");
	lab_stop();

	/* §6.4.2 INCLUDE(A) ALLOW(B) -> INCLUDE(A+B); (B)=GMI */
	lab_start();
	setup_include();
	report(P0, host0, REC(IGMP_REC_ALLOW, G, s[2], s[3]));
	CHECK_STR(state(P0, G), "IN s1=259000 s2=GMI s3=GMI",
		  "INCLUDE(A) ALLOW(B) -> INCLUDE(A+B), B=GMI");
	CHECK_STR(drain(P0), "", "INCLUDE ALLOW: no query");
	lab_stop();

	/* §6.4.2 INCLUDE(A) BLOCK(B) -> INCLUDE(A); Send Q(G,A*B) */
	lab_start();
	setup_include();
	report(P0, host0, REC(IGMP_REC_BLOCK, G, s[2], s[3]));
	CHECK_STR(state(P0, G), "IN s1=259000 s2=LMQT",
		  "INCLUDE(A) BLOCK(B) -> INCLUDE(A), A*B lowered to LMQT");
	CHECK_STR(drain(P0), "Q(G,s2)", "INCLUDE BLOCK: Q(G,A*B) at once, S clear");
	CHECK_INT(n_changed, 0, "INCLUDE BLOCK: forwarding unchanged yet");
	advance(LMQI - 1);
	CHECK_STR(drain(P0), "", "no retransmission before LMQI");
	advance(1);
	CHECK_STR(drain(P0), "Q(G,s2)", "retransmission after LMQI");
	advance(LMQT - LMQI);
	CHECK_STR(state(P0, G), "IN s1=257000", "s2 deleted when its timer runs out");
	CHECK_INT(n_changed, 1, "forwarding changed when s2 went");
	advance(10000);
	CHECK_STR(drain(P0), "", "LMQC = 2 queries in all");
	lab_stop();

	/* §6.4.2 INCLUDE(A) TO_EX(B) -> EXCLUDE(A*B,B-A); (B-A)=0, Delete(A-B), Send Q(G,A*B), GT=GMI */
	lab_start();
	setup_include();
	report(P0, host0, REC(IGMP_REC_TO_EX, G, s[2], s[3]));
	CHECK_STR(state(P0, G), "EX gt=GMI s2=LMQT s3=0",
		  "INCLUDE(A) TO_EX(B) -> EXCLUDE(A*B,B-A), s1 deleted, A*B lowered, GT=GMI");
	CHECK_STR(drain(P0), "Q(G,s2)", "INCLUDE TO_EX: Q(G,A*B)");
	advance(LMQT);
	CHECK_STR(drain(P0), "Q(G,s2)", "INCLUDE TO_EX: one retransmission");
	CHECK_STR(state(P0, G), "EX gt=258000 s2=0 s3=0",
		  "unanswered source moves to the exclude list at LMQT");
	TAP_CHECK(!mship_wants(m, P0, G, s[2]), "and is no longer forwarded");
	lab_stop();

	/* §6.4.2 INCLUDE(A) TO_IN(B) -> INCLUDE(A+B); (B)=GMI, Send Q(G,A-B) */
	lab_start();
	setup_include();
	report(P0, host0, REC(IGMP_REC_TO_IN, G, s[2], s[3]));
	CHECK_STR(state(P0, G), "IN s1=LMQT s2=GMI s3=GMI",
		  "INCLUDE(A) TO_IN(B) -> INCLUDE(A+B), B=GMI, A-B lowered");
	CHECK_STR(drain(P0), "Q(G,s1)", "INCLUDE TO_IN: Q(G,A-B)");
	advance(LMQT);
	CHECK_STR(drain(P0), "Q(G,s1)", "INCLUDE TO_IN: one retransmission");
	CHECK_STR(state(P0, G), "IN s2=258000 s3=258000", "s1 gone after LMQT");
	lab_stop();
}

static void
test_exclude_rows(void)
{
	/* §6.4.1 EXCLUDE(X,Y) IS_IN(A) -> EXCLUDE(X+A,Y-A); (A)=GMI */
	lab_start();
	setup_exclude();
	CHECK_STR(state(P0, G), "EX gt=259000 s1=258000 s2=258000 s3=0 s4=0",
		  "setup EXCLUDE(X={s1,s2}, Y={s3,s4})");
	report(P0, host0, REC(IGMP_REC_IS_IN, G, s[2], s[3], s[5]));
	CHECK_STR(state(P0, G), "EX gt=259000 s1=258000 s2=GMI s3=GMI s4=0 s5=GMI",
		  "EXCLUDE(X,Y) IS_IN(A) -> EXCLUDE(X+A,Y-A), A=GMI");
	CHECK_STR(drain(P0), "", "EXCLUDE IS_IN: no query");
	CHECK_INT(n_changed, 1, "EXCLUDE IS_IN: forwarding changed (s3 unblocked)");
	lab_stop();

	/*
	 * §6.4.1 EXCLUDE(X,Y) IS_EX(A) -> EXCLUDE(A-Y,Y*A); (A-X-Y)=GMI, Delete(X-A),
	 * Delete(Y-A), GT=GMI
	 */
	lab_start();
	setup_exclude();
	report(P0, host0, REC(IGMP_REC_IS_EX, G, s[2], s[3], s[5]));
	CHECK_STR(state(P0, G), "EX gt=GMI s2=258000 s3=0 s5=GMI",
		  "EXCLUDE(X,Y) IS_EX(A) -> EXCLUDE(A-Y,Y*A), s1 and s4 deleted, GT=GMI");
	CHECK_STR(drain(P0), "", "EXCLUDE IS_EX: no query");
	TAP_CHECK(mship_wants(m, P0, G, s[4]) && !mship_wants(m, P0, G, s[3]),
		  "s4 forwarded again, s3 still blocked");
	lab_stop();

	/* §6.4.2 EXCLUDE(X,Y) ALLOW(A) -> EXCLUDE(X+A,Y-A); (A)=GMI */
	lab_start();
	setup_exclude();
	report(P0, host0, REC(IGMP_REC_ALLOW, G, s[2], s[3], s[5]));
	CHECK_STR(state(P0, G), "EX gt=259000 s1=258000 s2=GMI s3=GMI s4=0 s5=GMI",
		  "EXCLUDE(X,Y) ALLOW(A) -> EXCLUDE(X+A,Y-A), A=GMI");
	CHECK_STR(drain(P0), "", "EXCLUDE ALLOW: no query");
	lab_stop();

	/* §6.4.2 EXCLUDE(X,Y) BLOCK(A) -> EXCLUDE(X+(A-Y),Y); (A-X-Y)=Group Timer, Send Q(G,A-Y) */
	lab_start();
	setup_exclude();
	report(P0, host0, REC(IGMP_REC_BLOCK, G, s[2], s[3], s[5]));
	CHECK_STR(state(P0, G), "EX gt=259000 s1=258000 s2=LMQT s3=0 s4=0 s5=LMQT",
		  "EXCLUDE(X,Y) BLOCK(A) -> EXCLUDE(X+(A-Y),Y), A-Y lowered to LMQT");
	CHECK_STR(drain(P0), "Q(G,s2 s5)", "EXCLUDE BLOCK: Q(G,A-Y)");
	advance(LMQI);
	CHECK_STR(drain(P0), "Q(G,s2 s5)", "EXCLUDE BLOCK: retransmission");
	advance(LMQT - LMQI);
	CHECK_STR(state(P0, G), "EX gt=257000 s1=256000 s2=0 s3=0 s4=0 s5=0",
		  "unanswered A-Y excluded at LMQT");
	CHECK_STR(drain(P0), "", "EXCLUDE BLOCK: LMQC queries in all");
	lab_stop();

	/* the same row when the group timer is at or below LMQT: (A-X-Y)=Group Timer, no query */
	lab_start();
	report(P0, host0, REC(IGMP_REC_IS_EX, G));
	report(P0, host0, REC(IGMP_REC_TO_IN, G));
	CHECK_STR(drain(P0), "Q(G)", "TO_IN({}) in EXCLUDE: Q(G)");
	report(P0, host0, REC(IGMP_REC_BLOCK, G, s[5]));
	CHECK_STR(state(P0, G), "EX gt=LMQT s5=LMQT",
		  "BLOCK: the new source takes the group timer");
	CHECK_STR(drain(P0), "", "a source whose timer is not above LMQT is not queried");
	lab_stop();

	/*
	 * §6.4.2 EXCLUDE(X,Y) TO_EX(A) -> EXCLUDE(A-Y,Y*A); (A-X-Y)=Group Timer,
	 * Delete(X-A), Delete(Y-A), Send Q(G,A-Y), Group Timer=GMI
	 */
	lab_start();
	setup_exclude();
	report(P0, host0, REC(IGMP_REC_TO_EX, G, s[2], s[3], s[5]));
	CHECK_STR(state(P0, G), "EX gt=GMI s2=LMQT s3=0 s5=LMQT",
		  "EXCLUDE(X,Y) TO_EX(A) -> EXCLUDE(A-Y,Y*A), s1 s4 deleted, GT=GMI");
	CHECK_STR(drain(P0), "Q(G,s2 s5)", "EXCLUDE TO_EX: Q(G,A-Y)");
	advance(LMQI);
	CHECK_STR(drain(P0), "Q(G,s2 s5)", "EXCLUDE TO_EX: retransmission");
	lab_stop();

	/* TO_EX's (A-X-Y)=Group Timer seen with a group timer below LMQT */
	lab_start();
	report(P0, host0, REC(IGMP_REC_IS_EX, G));
	report(P0, host0, REC(IGMP_REC_TO_IN, G));
	advance(500);
	drain(P0);
	report(P0, host0, REC(IGMP_REC_TO_EX, G, s[5]));
	CHECK_STR(state(P0, G), "EX gt=GMI s5=1500",
		  "TO_EX: the new source takes the old group timer, then GT=GMI");
	CHECK_STR(drain(P0), "", "its timer is not above LMQT: not queried");
	lab_stop();

	/* §6.4.2 EXCLUDE(X,Y) TO_IN(A) -> EXCLUDE(X+A,Y-A); (A)=GMI, Send Q(G,X-A), Send Q(G) */
	lab_start();
	setup_exclude();
	report(P0, host0, REC(IGMP_REC_TO_IN, G, s[2], s[3], s[5]));
	CHECK_STR(state(P0, G), "EX gt=LMQT s1=LMQT s2=GMI s3=GMI s4=0 s5=GMI",
		  "EXCLUDE(X,Y) TO_IN(A) -> EXCLUDE(X+A,Y-A), A=GMI, X-A and GT lowered");
	CHECK_STR(drain(P0), "Q(G,s1); Q(G)", "EXCLUDE TO_IN: Q(G,X-A) then Q(G)");
	advance(LMQI);
	CHECK_STR(drain(P0), "Q(G,s1); Q(G)", "EXCLUDE TO_IN: both retransmitted");
	n_changed = 0;
	advance(LMQT - LMQI);
	CHECK_STR(state(P0, G), "IN s2=258000 s3=258000 s5=258000",
		  "group timer out: INCLUDE with the running sources, s1 and s4 gone");
	TAP_CHECK(n_changed >= 1 && !mship_wants(m, P0, G, s[4]) && !mship_wants(m, P0, G, s[9]),
		  "back in INCLUDE: only listed sources forwarded");
	advance(10000);
	CHECK_STR(drain(P0), "", "no more queries");
	lab_stop();
}

static void
test_query_flags(void)
{
	struct igmp_msg q;
	uint32_t dst;

	/* §6.6.3.1: the S flag of Q(G) retransmissions */
	lab_start();
	report(P0, host0, REC(IGMP_REC_IS_EX, G));
	report(P0, host0b, REC(IGMP_REC_TO_IN, G));
	TAP_CHECK(last_msg(P0, &q, &dst) && q.version == 3 && q.max_resp_code == 10 &&
		  q.qrv == 2 && q.qqic == 125 && dst == G,
		  "Q(G): v3, max resp LMQI = 10, QRV 2, QQIC 125, sent to the group");
	CHECK_STR(drain(P0), "Q(G)", "Q(G) with S clear");
	advance(500);
	report(P0, host0, REC(IGMP_REC_IS_EX, G));
	CHECK_STR(state(P0, G), "EX gt=GMI", "a member answers: group timer GMI");
	advance(500);
	CHECK_STR(drain(P0), "Q(G) S", "retransmission with S set: group timer above LMQT");
	advance(LMQT);
	CHECK_STR(state(P0, G), "EX gt=257500", "group stays");
	lab_stop();

	/* §6.6.3.2: two messages, S set for sources refreshed since */
	lab_start();
	setup_include();
	report(P0, host0, REC(IGMP_REC_BLOCK, G, s[1], s[2]));
	CHECK_STR(drain(P0), "Q(G,s1 s2)", "Q(G,A) for both sources");
	advance(500);
	report(P0, host0b, REC(IGMP_REC_ALLOW, G, s[1]));
	advance(500);
	CHECK_STR(drain(P0), "Q(G,s1) S; Q(G,s2)",
		  "retransmission split: S set for s1 (timer above LMQT), clear for s2");
	advance(LMQT);
	CHECK_STR(state(P0, G), "IN s1=257500", "s2 gone, s1 kept");
	lab_stop();

	/* a list that does not fit one message is split */
	{
		struct mship_config cfg;

		mship_config_defaults(&cfg);
		cfg.max_msg_len = IGMP_V3_QUERY_MIN_LEN + 2 * 4;
		lab_start_cfg(&cfg);
		report(P0, host0, REC(IGMP_REC_ALLOW, G, s[1], s[2], s[3], s[4], s[5]));
		report(P0, host0, REC(IGMP_REC_BLOCK, G, s[1], s[2], s[3], s[4], s[5]));
		CHECK_STR(drain(P0), "Q(G,s1 s2); Q(G,s3 s4); Q(G,s5)",
			  "Q(G,A) split to fit max_msg_len");
		lab_stop();
	}
}

static void
test_timers(void)
{
	/* §6.5 group timer expiry: EXCLUDE -> INCLUDE with the sources still running */
	lab_start();
	report(P0, host0, REC(IGMP_REC_IS_EX, G, s[2]));
	advance(1000);
	report(P0, host0, REC(IGMP_REC_ALLOW, G, s[1]));
	CHECK_STR(state(P0, G), "EX gt=259000 s1=GMI s2=0",
		  "EXCLUDE with a requested and an excluded source");
	n_changed = 0;
	events();
	advance(GMI - 1000);
	CHECK_STR(state(P0, G), "IN s1=1000", "group timer out: INCLUDE(s1), s2 deleted");
	CHECK_INT(n_changed, 1, "forwarding changed once");
	advance(1000);
	CHECK_STR(state(P0, G), "-", "last source timer out: group deleted");
	CHECK_STR(events(), "group_removed(p0,G) upstream_left(p9,G)", "group_removed event");
	lab_stop();

	/* group timer expiry with nothing running deletes the group */
	lab_start();
	report(P0, host0, REC(IGMP_REC_IS_EX, G));
	CHECK_STR(events(), "group_added(p0,G) upstream_joined(p9,G)",
		  "group_added and upstream_joined");
	advance(GMI - 1);
	CHECK_STR(state(P0, G), "EX gt=1", "still there a millisecond before GMI");
	advance(1);
	CHECK_STR(state(P0, G), "-", "EXCLUDE with no source deleted at GMI");
	CHECK_STR(events(), "group_removed(p0,G) upstream_left(p9,G)",
		  "group_removed and upstream_left");
	lab_stop();

	/* source timer expiry in EXCLUDE: the source becomes excluded, not deleted */
	lab_start();
	report(P0, host0, REC(IGMP_REC_IS_EX, G));
	advance(1000);
	report(P0, host0, REC(IGMP_REC_ALLOW, G, s[1]));
	advance(GMI - 3000);
	report(P0, host0, REC(IGMP_REC_IS_EX, G, s[1]));
	CHECK_STR(state(P0, G), "EX gt=GMI s1=3000",
		  "IS_EX(s1) keeps a requested s1 and its timer");
	n_changed = 0;
	advance(3000);
	CHECK_STR(state(P0, G), "EX gt=257000 s1=0",
		  "source timer out in EXCLUDE: s1 excluded, kept");
	TAP_CHECK(!mship_wants(m, P0, G, s[1]) && mship_wants(m, P0, G, s[2]) && n_changed == 1,
		  "s1 blocked, others forwarded, forwarding changed once");
	lab_stop();

	/* next timer and tick bookkeeping */
	lab_start();
	report(P0, host0, REC(IGMP_REC_ALLOW, G, s[1]));
	TAP_CHECK(mship_next_timer(m) <= now + GMI, "next timer no later than the source timer");
	advance(GMI);
	CHECK_STR(state(P0, G), "-", "source timer out in INCLUDE: group deleted");
	lab_stop();
}

static void
test_compat(void)
{
	struct mship_group_info gi;
	struct mship_config cfg;

	/* v2 report = IS_EX({}), v2 leave = TO_IN({}) */
	lab_start();
	CHECK_CTR(old_msg(P0, host0, IGMP_TYPE_V2_REPORT, G), MSHIP_CTR_ACCEPTED, "v2 report accepted");
	CHECK_STR(state(P0, G), "EX gt=GMI", "v2 report -> EXCLUDE({}), GT=GMI");
	mship_group_get(m, P0, G, &gi);
	TAP_CHECK(gi.compat == 2 && gi.v2_host_expires == now + OHPI && gi.v1_host_expires == 0 &&
		  gi.last_reporter == host0, "compat v2, v2 host present timer OHPI, last reporter");
	advance(1000);
	CHECK_CTR(old_msg(P0, host0, IGMP_TYPE_LEAVE, G), MSHIP_CTR_ACCEPTED, "leave accepted");
	CHECK_STR(state(P0, G), "EX gt=LMQT", "leave -> TO_IN({}): group timer LMQT");
	CHECK_STR(drain(P0), "Q(G)", "leave -> Q(G)");
	advance(LMQI);
	CHECK_STR(drain(P0), "Q(G)", "Q(G) retransmitted after LMQI");
	advance(LMQT - LMQI);
	CHECK_STR(state(P0, G), "-", "no answer: group gone after LMQT");
	CHECK_STR(drain(P0), "", "no third query");
	lab_stop();

	/* v2 host present: BLOCK ignored, TO_EX sources ignored */
	lab_start();
	old_msg(P0, host0, IGMP_TYPE_V2_REPORT, G);
	CHECK_CTR(report(P0, host0b, REC(IGMP_REC_BLOCK, G, s[1])), MSHIP_CTR_IGNORED_COMPAT,
		  "BLOCK ignored in v2 compatibility");
	CHECK_INT(mship_counter(m, MSHIP_CTR_IGNORED_COMPAT), 1, "ignored_compat counted");
	report(P0, host0b, REC(IGMP_REC_TO_EX, G, s[1], s[2]));
	CHECK_STR(state(P0, G), "EX gt=GMI", "TO_EX(s1,s2) taken as TO_EX({}) in v2 compatibility");
	report(P0, host0b, REC(IGMP_REC_ALLOW, G, s[3]));
	CHECK_STR(state(P0, G), "EX gt=GMI s3=GMI", "ALLOW still applies in v2 compatibility");
	advance(OHPI - 1000);
	report(P0, host0b, REC(IGMP_REC_IS_EX, G, s[3]));
	advance(1000);
	mship_group_get(m, P0, G, &gi);
	TAP_CHECK(gi.compat == 3 && gi.v2_host_expires == 0,
		  "v2 host present timer out: back to v3 compatibility");
	lab_stop();

	/* v1 host present: leaves and TO_IN ignored */
	lab_start();
	CHECK_CTR(old_msg(P0, host0, IGMP_TYPE_V1_REPORT, G), MSHIP_CTR_ACCEPTED, "v1 report accepted");
	CHECK_STR(state(P0, G), "EX gt=GMI", "v1 report -> EXCLUDE({})");
	advance(1000);
	old_msg(P0, host0b, IGMP_TYPE_V2_REPORT, G);
	mship_group_get(m, P0, G, &gi);
	TAP_CHECK(gi.compat == 1 && gi.v1_host_expires == now - 1000 + OHPI &&
		  gi.v2_host_expires == now + OHPI, "v1 and v2 hosts present: compat v1");
	CHECK_CTR(old_msg(P0, host0b, IGMP_TYPE_LEAVE, G), MSHIP_CTR_IGNORED_COMPAT,
		  "leave ignored while a v1 host is present");
	CHECK_CTR(report(P0, host0b, REC(IGMP_REC_TO_IN, G)), MSHIP_CTR_IGNORED_COMPAT,
		  "TO_IN ignored while a v1 host is present");
	CHECK_STR(drain(P0), "", "no query for ignored leaves");
	CHECK_STR(state(P0, G), "EX gt=GMI", "state untouched by the ignored messages");
	advance(OHPI - 1000);
	mship_group_get(m, P0, G, &gi);
	TAP_CHECK(gi.compat == 2 && gi.v1_host_expires == 0,
		  "v1 host present timer out with v2 running: compat v2");
	old_msg(P0, host0b, IGMP_TYPE_V2_REPORT, G);
	old_msg(P0, host0b, IGMP_TYPE_LEAVE, G);
	CHECK_STR(drain(P0), "Q(G)", "leave honoured again in v2 compatibility");
	lab_stop();

	/* querier version 2: group queries are v2, BLOCK ignored as for v2 hosts */
	mship_config_defaults(&cfg);
	cfg.querier_version = 2;
	lab_start_cfg(&cfg);
	report(P0, host0, REC(IGMP_REC_IS_EX, G));
	mship_group_get(m, P0, G, &gi);
	TAP_CHECK(gi.compat == 2, "a v2 querier keeps groups in v2 compatibility");
	old_msg(P0, host0, IGMP_TYPE_LEAVE, G);
	CHECK_STR(drain(P0), "Q2(G)", "v2 querier: group-specific query in v2 format");
	lab_stop();

	/* querier version 1: leaves ignored */
	cfg.querier_version = 1;
	lab_start_cfg(&cfg);
	old_msg(P0, host0, IGMP_TYPE_V2_REPORT, G);
	CHECK_CTR(old_msg(P0, host0, IGMP_TYPE_LEAVE, G), MSHIP_CTR_IGNORED_COMPAT,
		  "v1 querier ignores leaves");
	CHECK_STR(drain(P0), "", "and sends no group query");
	lab_stop();
}

static void
test_input_filters(void)
{
	uint8_t buf[IGMP_V2_LEN];
	struct igmp_msg msg;

	lab_start();
	CHECK_CTR(old_msg(P0, ip(10, 0, 5, 1), IGMP_TYPE_V2_REPORT, G),
		  MSHIP_CTR_IGNORED_FOREIGN_SUBNET, "report from outside the port's subnet ignored");
	CHECK_CTR(old_msg(P0, 0, IGMP_TYPE_V2_REPORT, G), MSHIP_CTR_ACCEPTED,
		  "report from 0.0.0.0 accepted");
	CHECK_CTR(old_msg(P0, our0, IGMP_TYPE_V2_REPORT, H), MSHIP_CTR_IGNORED_OWN_ADDRESS,
		  "report from our own address ignored");
	CHECK_CTR(old_msg(P0, host0, IGMP_TYPE_V2_REPORT, ip(224, 0, 0, 251)),
		  MSHIP_CTR_IGNORED_BAD_GROUP, "link-local group ignored");
	CHECK_CTR(old_msg(P0, host0, IGMP_TYPE_V2_REPORT, ip(10, 1, 1, 1)),
		  MSHIP_CTR_IGNORED_BAD_GROUP, "unicast group ignored");
	CHECK_CTR(old_msg(5, host0, IGMP_TYPE_V2_REPORT, G), MSHIP_CTR_IGNORED_UNKNOWN_PORT,
		  "report on a port we do not track ignored");
	CHECK_CTR(old_msg(UP, up_querier, IGMP_TYPE_V2_REPORT, G), MSHIP_CTR_IGNORED_TYPE,
		  "reports heard upstream ignored");
	igmp_build_v2(buf, sizeof(buf), IGMP_TYPE_V2_REPORT, 0, H);
	buf[2] ^= 0xff;
	igmp_parse(buf, sizeof(buf), &msg);
	CHECK_CTR(mship_input(m, P0, host0, H, &msg, now), MSHIP_CTR_IGNORED_BAD_CHECKSUM,
		  "bad checksum ignored");
	CHECK_STR(state(P0, H), "-", "none of them made state");
	CHECK_INT(mship_group_count(m, MSHIP_ALL_PORTS), 1, "one group in all");
	CHECK_INT(mship_counter(m, MSHIP_CTR_IGNORED_FOREIGN_SUBNET), 1, "foreign subnet counted");

	{
		struct rec recs[3] = {
			REC(IGMP_REC_ALLOW, H, s[1]),
			REC(IGMP_REC_ALLOW, ip(224, 0, 0, 9), s[1]),
			REC(IGMP_REC_ALLOW, K, s[2]),
		};
		uint64_t acc = mship_counter(m, MSHIP_CTR_ACCEPTED);

		CHECK_CTR(report_n(P0, host0, recs, 3), MSHIP_CTR_IGNORED_BAD_GROUP,
			  "report with a bad record names it");
		TAP_CHECK(strcmp(state(P0, H), "IN s1=GMI") == 0 &&
			  strcmp(state(P0, K), "IN s2=GMI") == 0,
			  "the good records of that report applied");
		CHECK_INT(mship_counter(m, MSHIP_CTR_ACCEPTED) - acc, 1,
			  "the message itself counted accepted");
		CHECK_INT(mship_counter(m, MSHIP_CTR_RX_RECORD), 3, "three records counted");
	}
	lab_stop();
}

static int
count_cb(const struct mship_group_info *g, void *arg)
{
	char *out = arg;

	appendf(out, 256, "%s%s:%u", out[0] != '\0' ? " " : "", name(g->group), g->n_sources);
	return g->group == H ? 7 : 0;
}

static void
test_limits_and_walk(void)
{
	struct mship_config cfg;
	char walk[256] = "";
	size_t mem0, mem1;

	mship_config_defaults(&cfg);
	cfg.max_groups = 3;
	cfg.max_groups_per_port = 2;
	cfg.max_sources_per_group = 4;
	lab_start_cfg(&cfg);
	mem0 = mship_memory(m);
	report(P0, host0, REC(IGMP_REC_ALLOW, G, s[1], s[2], s[3]));
	report(P0, host0, REC(IGMP_REC_IS_EX, H));
	CHECK_CTR(report(P0, host0, REC(IGMP_REC_IS_EX, K)), MSHIP_CTR_REFUSED_MAX_GROUPS_PER_PORT,
		  "third group on a port refused");
	CHECK_INT(mship_counter(m, MSHIP_CTR_REFUSED_MAX_GROUPS_PER_PORT), 1, "and counted");
	CHECK_INT(mship_group_count(m, P0), 2, "port keeps its two groups");
	CHECK_CTR(old_msg(P1, host1, IGMP_TYPE_V2_REPORT, K), MSHIP_CTR_ACCEPTED,
		  "third group on the other port");
	CHECK_CTR(old_msg(P1, host1, IGMP_TYPE_V2_REPORT, L), MSHIP_CTR_REFUSED_MAX_GROUPS,
		  "fourth group in all refused");
	CHECK_INT(mship_counter(m, MSHIP_CTR_REFUSED_MAX_GROUPS), 1, "and counted");
	CHECK_STR(state(P1, L), "-", "no record for the refused group");
	CHECK_STR(upstate(L), "-", "nothing upstream for it either");

	advance(1000);
	CHECK_CTR(report(P0, host0, REC(IGMP_REC_ALLOW, G, s[3], s[4], s[5])),
		  MSHIP_CTR_REFUSED_MAX_SOURCES, "fifth source refused");
	CHECK_STR(state(P0, G), "IN s1=259000 s2=259000 s3=259000",
		  "refused record changed nothing, not even s3's timer");
	CHECK_CTR(report(P0, host0, REC(IGMP_REC_ALLOW, G, s[3], s[4])), MSHIP_CTR_ACCEPTED,
		  "fourth source accepted");
	CHECK_CTR(report(P0, host0, REC(IGMP_REC_TO_EX, G, s[1], s[2], s[3], s[4], s[5])),
		  MSHIP_CTR_REFUSED_MAX_SOURCES, "TO_EX with five sources refused");
	CHECK_STR(state(P0, G), "IN s1=259000 s2=259000 s3=GMI s4=GMI", "INCLUDE state intact");
	CHECK_CTR(report(P0, host0b, REC(IGMP_REC_BLOCK, G, s[1], s[5], s[6], s[7], s[8], s[9])),
		  MSHIP_CTR_ACCEPTED, "INCLUDE BLOCK naming six sources, one held: accepted");
	CHECK_STR(drain(P0), "Q(G,s1)", "and only the held one queried");
	CHECK_INT(mship_counter(m, MSHIP_CTR_REFUSED_MAX_SOURCES), 2, "refusals counted");
	{
		struct rec recs[2] = {
			REC(IGMP_REC_ALLOW, H, s[1]),
			REC(IGMP_REC_ALLOW, G, s[5]),
		};

		CHECK_CTR(report_n(P0, host0, recs, 2), MSHIP_CTR_REFUSED_MAX_SOURCES,
			  "report with a refused second record names the refusal");
		CHECK_STR(state(P0, H), "EX gt=259000 s1=GMI", "its first record applied");
	}

	CHECK_INT(mship_group_walk(m, P0, count_cb, walk), 7, "walk stops with the callback's value");
	CHECK_STR(walk, "G:4 H:1", "walk in address order");
	CHECK_INT(mship_group_walk(m, 12, count_cb, walk), -ENOENT, "walk of an unknown port");
	walk[0] = '\0';
	CHECK_INT(mship_group_walk_from(m, P0, H, count_cb, walk), 7, "walk from a held group");
	CHECK_STR(walk, "H:1", "starts at that group");
	walk[0] = '\0';
	CHECK_INT(mship_group_walk_from(m, P0, ip(239, 1, 1, 3), count_cb, walk), 0,
		  "walk from past the last group");
	CHECK_STR(walk, "", "finds none");
	CHECK_INT(mship_group_walk_from(m, P0, ip(239, 0, 255, 255), count_cb, walk), 7,
		  "walk from below the first group, in host order");
	CHECK_STR(walk, "G:4 H:1", "finds all from the first");
	walk[0] = '\0';
	CHECK_INT(mship_group_walk_from(m, P0, ip(1, 1, 1, 2), count_cb, walk), 7,
		  "an address whose network order is above G's but host order below");
	CHECK_STR(walk, "G:4 H:1", "compares in host order");
	CHECK_INT(mship_group_walk_from(m, 12, 0, count_cb, walk), -ENOENT,
		  "walk_from of an unknown port");
	mem1 = mship_memory(m);
	TAP_CHECK(mem1 > mem0, "memory grows with state (%zu -> %zu bytes)", mem0, mem1);
	mship_port_del(m, P0, now);
	mship_port_del(m, P1, now);
	TAP_CHECK(mship_memory(m) < mem1, "memory shrinks when the state goes (%zu bytes)",
		  mship_memory(m));
	CHECK_INT(mship_group_count(m, MSHIP_ALL_PORTS), 0, "no group left");
	lab_stop();
}

static void
test_wants(void)
{
	lab_start();
	report(P0, host0, REC(IGMP_REC_ALLOW, G, s[1]));
	TAP_CHECK(mship_wants(m, P0, G, s[1]) && !mship_wants(m, P0, G, s[2]),
		  "INCLUDE: listed source wanted, other not");
	report(P0, host0, REC(IGMP_REC_TO_EX, H, s[1]));
	report(P0, host0, REC(IGMP_REC_ALLOW, H, s[2]));
	TAP_CHECK(!mship_wants(m, P0, H, s[1]) && mship_wants(m, P0, H, s[2]) &&
		  mship_wants(m, P0, H, s[3]),
		  "EXCLUDE: excluded source not wanted, requested and unlisted wanted");
	TAP_CHECK(!mship_wants(m, P0, K, s[1]) && !mship_wants(m, P1, G, s[1]) &&
		  !mship_wants(m, UP, G, s[1]) && !mship_wants(m, 15, G, s[1]),
		  "unknown group, other port, upstream: not wanted");
	lab_stop();
}

static void
test_merge(void)
{
	lab_start();
	report(P0, host0, REC(IGMP_REC_ALLOW, G, s[1], s[2]));
	CHECK_STR(drain(UP), "R[ALLOW G s1 s2]", "first port's share reported");
	report(P1, host1, REC(IGMP_REC_ALLOW, G, s[2], s[3]));
	CHECK_STR(upstate(G), "IN s1 s2 s3", "INCLUDE + INCLUDE: union");
	CHECK_STR(drain(UP), "R[ALLOW G s1 s2 s3]",
		  "the addition of s3 merges with the pending retransmission of s1 s2");

	report(P0, host0, REC(IGMP_REC_ALLOW, H, s[1], s[2]));
	report(P1, host1, REC(IGMP_REC_TO_EX, H, s[2], s[4]));
	CHECK_STR(upstate(H), "EX s4", "INCLUDE + EXCLUDE: EXCLUDE(Y minus included sources)");

	report(P0, host0, REC(IGMP_REC_TO_EX, K, s[1], s[2]));
	report(P1, host1, REC(IGMP_REC_TO_EX, K, s[2], s[3]));
	CHECK_STR(upstate(K), "EX s2", "EXCLUDE + EXCLUDE: intersection of the exclude lists");

	report(P0, host0, REC(IGMP_REC_IS_EX, L, s[1]));
	report(P0, host0, REC(IGMP_REC_ALLOW, L, s[1]));
	CHECK_STR(upstate(L), "EX", "a requested source in EXCLUDE is not excluded upstream");
	advance(1);
	drain(UP);
	mship_port_del(m, P1, now);
	CHECK_STR(upstate(G), "IN s1 s2", "port removed: its share leaves the merge");
	CHECK_STR(upstate(K), "EX s1 s2", "EXCLUDE of the remaining port");
	CHECK_STR(drain(UP), "R[BLOCK G s3][TO_IN H s1 s2][BLOCK K s1]",
		  "the changes reported upstream, in one report");
	lab_stop();
}

/* A reload's policy removal: at once, as if the members left and no one answered. */
static void
test_group_remove(void)
{
	lab_start();
	report(P0, host0, REC(IGMP_REC_ALLOW, G, s[1], s[2], s[3]));
	report(P1, host1, REC(IGMP_REC_ALLOW, G, s[1]));
	report(P0, host0, REC(IGMP_REC_TO_EX, H));
	report(P0, host0, REC(IGMP_REC_TO_EX, K));
	report(P1, host1, REC(IGMP_REC_TO_EX, K));
	advance(1);
	drain(UP);
	clear_log();
	n_changed = 0;

	CHECK_INT(mship_group_remove(m, P0, G, (uint32_t[]){ s[1], s[3] }, 2, now), 0,
		  "INCLUDE: sources removed");
	TAP_CHECK(strncmp(state(P0, G), "IN s2=", 6) == 0 && strchr(state(P0, G) + 6, ' ') == NULL,
		  "record kept with s2 alone: %s", state(P0, G));
	TAP_CHECK(!mship_wants(m, P0, G, s[1]) && mship_wants(m, P0, G, s[2]) &&
		  !mship_wants(m, P0, G, s[3]) && mship_wants(m, P1, G, s[1]),
		  "s1 and s3 no longer forwarded to p0, s2 still; p1's s1 untouched");
	TAP_CHECK(n_changed > 0, "the forwarding heard of the change");
	CHECK_STR(drain(UP), "R[BLOCK G s3]", "upstream: only s3 left the merge (p1 keeps s1)");

	CHECK_INT(mship_group_remove(m, P0, H, NULL, 0, now), 0, "EXCLUDE record removed");
	CHECK_STR(state(P0, H), "-", "no record left");
	CHECK_STR(events(), "group_removed(p0,H) upstream_left(p9,H)",
		  "group_removed and the upstream leave, as for a real leave");
	CHECK_STR(drain(UP), "R[TO_IN H]", "TO_IN({}) upstream at once, no last-member query");
	CHECK_INT(mship_group_remove(m, P0, K, NULL, 0, now), 0, "K removed on p0");
	CHECK_STR(drain(UP), "", "p1 still wants K: nothing upstream");
	CHECK_INT(mship_group_remove(m, P0, G, (uint32_t[]){ s[2] }, 1, now), 0,
		  "the last source removed");
	CHECK_STR(state(P0, G), "-", "an INCLUDE record left without sources goes");
	CHECK_INT(mship_group_remove(m, P0, G, NULL, 0, now), -ENOENT, "no record: -ENOENT");
	CHECK_INT(mship_group_remove(m, P1, K, (uint32_t[]){ s[1] }, 1, now), -EINVAL,
		  "sources of an EXCLUDE record: -EINVAL");
	CHECK_INT(mship_group_remove(m, UP, K, NULL, 0, now), -ENOENT, "the upstream: -ENOENT");
	lab_stop();
}

static void
test_unsolicited(void)
{
	struct mship_upstream_status st;

	lab_start();
	report(P0, host0, REC(IGMP_REC_ALLOW, G, s[1]));
	CHECK_STR(drain(UP), "R[ALLOW G s1]", "join: ALLOW at once");
	CHECK_STR(events(), "group_added(p0,G) upstream_joined(p9,G)", "events");
	advance(1);
	CHECK_STR(drain(UP), "R[ALLOW G s1]", "retransmitted (random delay 1 ms here)");
	advance(5000);
	CHECK_STR(drain(UP), "", "robustness 2: two reports in all");
	report(P0, host0, REC(IGMP_REC_BLOCK, G, s[1]));
	advance(LMQT - 1);
	now++;
	mship_tick(m, now);
	CHECK_STR(state(P0, G), "-", "downstream group gone");
	TAP_CHECK(n_sent > 0 && mship_next_timer(m) > now,
		  "the expiry's upstream report went out in the tick that expired it, no deadline "
		  "left at now");
	CHECK_STR(drain(UP), "R[BLOCK G s1]", "leave: BLOCK at once");
	advance(1);
	CHECK_STR(drain(UP), "R[BLOCK G s1]", "BLOCK retransmitted");
	CHECK_STR(upstate(G), "-", "merged state empty");
	mship_upstream_get(m, &st);
	CHECK_INT(st.n_groups, 0, "no upstream group wanted");
	CHECK_INT(mship_upstream_walk(m, up_count_cb, NULL), 0,
		  "record reaped once its reports are done");

	/* EXCLUDE join and leave */
	old_msg(P0, host0, IGMP_TYPE_V2_REPORT, H);
	CHECK_STR(drain(UP), "R[TO_EX H]", "v2 host joins: TO_EX({}) upstream");
	advance(1);
	CHECK_STR(drain(UP), "R[TO_EX H]", "TO_EX retransmitted");
	old_msg(P0, host0, IGMP_TYPE_LEAVE, H);
	advance(LMQT);
	CHECK_STR(drain(UP), "R[TO_IN H]", "last member gone: TO_IN({})");
	advance(1);
	CHECK_STR(drain(UP), "R[TO_IN H]", "TO_IN retransmitted");

	/* §5.1 merging of pending reports */
	report(P0, host0, REC(IGMP_REC_ALLOW, K, s[1]));
	CHECK_STR(drain(UP), "R[ALLOW K s1]", "first change");
	report(P0, host0, REC(IGMP_REC_ALLOW, K, s[2]));
	CHECK_STR(drain(UP), "R[ALLOW K s1 s2]",
		  "a second change merges with the pending report");
	advance(1);
	CHECK_STR(drain(UP), "R[ALLOW K s2]", "each source sent robustness times");
	advance(10);
	report(P0, host0, REC(IGMP_REC_ALLOW, L, s[1]));
	CHECK_STR(drain(UP), "R[ALLOW L s1]", "source change");
	report(P0, host0, REC(IGMP_REC_TO_EX, L, s[9]));
	CHECK_STR(drain(UP), "R[TO_EX L s9]",
		  "a mode change replaces pending source changes");
	advance(1);
	CHECK_STR(drain(UP), "R[TO_EX L s9]", "TO_EX retransmitted, no stale ALLOW");

	/* random delays within (0, URI] */
	rng_value = 999999;
	report(P0, host0, REC(IGMP_REC_ALLOW, G, s[5]));
	CHECK_STR(drain(UP), "R[ALLOW G s5]", "join report");
	advance(999);
	CHECK_STR(drain(UP), "", "retransmission not before its random delay");
	advance(1);
	CHECK_STR(drain(UP), "R[ALLOW G s5]", "retransmission at 1 + 999999 %% 1000 ms");
	lab_stop();
}

static void
test_answers(void)
{
	uint32_t q1[] = { s[1], s[9] };
	uint32_t q2[] = { s[4], s[5] };
	uint32_t q3[] = { s[9] };
	struct mship_upstream_status st;

	lab_start();
	report(P0, host0, REC(IGMP_REC_TO_EX, G, s[4]));
	report(P0, host0, REC(IGMP_REC_ALLOW, H, s[1]));
	advance(100);
	drain(UP);
	rng_value = 12345;
	CHECK_CTR(query_v3(UP, up_querier, 0, 100, false, 2, 125, NULL, 0), MSHIP_CTR_ACCEPTED,
		  "upstream general query");
	mship_upstream_get(m, &st);
	TAP_CHECK(st.general_response_at == now + 2345 && st.querier_addr == up_querier &&
		  st.compat == 3, "answer scheduled at a random point of max resp (2345 ms)");
	advance(2344);
	CHECK_STR(drain(UP), "", "not before the delay");
	advance(1);
	CHECK_STR(drain(UP), "R[IS_EX G s4][IS_IN H s1]",
		  "current state of every group in one report");

	query_v3(UP, up_querier, H, 10, false, 2, 125, NULL, 0);
	advance(1000);
	CHECK_STR(drain(UP), "R[IS_IN H s1]", "group-specific query answered for that group");
	query_v3(UP, up_querier, H, 10, false, 2, 125, q1, 2);
	advance(1000);
	CHECK_STR(drain(UP), "R[IS_IN H s1]", "G&S query on INCLUDE: IS_IN(A*Q)");
	query_v3(UP, up_querier, G, 10, false, 2, 125, q2, 2);
	advance(1000);
	CHECK_STR(drain(UP), "R[IS_IN G s5]", "G&S query on EXCLUDE: IS_IN(Q-Y)");
	query_v3(UP, up_querier, H, 10, false, 2, 125, q3, 1);
	advance(1000);
	CHECK_STR(drain(UP), "", "G&S query with nothing to say: no answer");
	query_v3(UP, up_querier, K, 10, false, 2, 125, NULL, 0);
	advance(1000);
	CHECK_STR(drain(UP), "", "query for a group we do not want: no answer");

	/* §5.2 rule 1: a pending general answer due sooner covers the group query */
	query_v3(UP, up_querier, 0, 100, false, 2, 125, NULL, 0);
	query_v3(UP, up_querier, H, 100, false, 2, 125, NULL, 0);
	advance(10000);
	CHECK_STR(drain(UP), "R[IS_EX G s4][IS_IN H s1]", "one answer for both");
	/* rules 4 and 5: G&S queries merge; a group query then takes the whole group */
	query_v3(UP, up_querier, G, 100, false, 2, 125, q2, 1);
	query_v3(UP, up_querier, G, 100, false, 2, 125, q2 + 1, 1);
	advance(10000);
	CHECK_STR(drain(UP), "R[IS_IN G s5]", "G&S sources merged: {s4, s5} - {s4}");
	query_v3(UP, up_querier, G, 100, false, 2, 125, q2, 2);
	query_v3(UP, up_querier, G, 100, false, 2, 125, NULL, 0);
	advance(10000);
	CHECK_STR(drain(UP), "R[IS_EX G s4]", "group query after G&S: whole-group answer");
	query_v2(UP, up_querier, H, 10);
	mship_upstream_get(m, &st);
	CHECK_INT(st.compat, 3, "a v2 group-specific query leaves the v3 mode alone");
	advance(1000);
	CHECK_STR(drain(UP), "R[IS_IN H s1]", "and is answered with a v3 current-state record");
	CHECK_CTR(query_v3(UP, our_up, 0, 100, false, 2, 125, NULL, 0), MSHIP_CTR_IGNORED_OWN_ADDRESS,
		  "our own upstream query ignored");
	lab_stop();
}

static void
test_upstream_compat(void)
{
	struct mship_upstream_status st;

	lab_start();
	report(P0, host0, REC(IGMP_REC_ALLOW, G, s[1]));
	old_msg(P0, host0, IGMP_TYPE_V2_REPORT, H);
	rng_value = 700;
	drain(UP);
	query_v2(UP, up_querier, 0, 100);
	mship_upstream_get(m, &st);
	TAP_CHECK(st.compat == 2 && st.v2_querier_expires == now + 2 * QI + 10000,
		  "v2 general query: v2 mode for RV*QI + max resp");
	advance(700);
	CHECK_STR(drain(UP), "R2(G); R2(H)", "answer with v2 reports, one per group, to the group");
	old_msg(P0, host0, IGMP_TYPE_V2_REPORT, K);
	CHECK_STR(drain(UP), "R2(K)", "v2 mode join: v2 report at once");
	advance(701);
	CHECK_STR(drain(UP), "R2(K)", "and once more after a random delay");
	advance(20000);
	CHECK_STR(drain(UP), "", "robustness 2: two in all");
	old_msg(P0, host0, IGMP_TYPE_LEAVE, K);
	advance(LMQT);
	CHECK_STR(drain(UP), "L(K)", "v2 mode leave: leave to 224.0.0.2");
	query_v2(UP, up_querier, H, 10);
	advance(1000);
	CHECK_STR(drain(UP), "R2(H)", "v2 group-specific query: v2 report for that group");

	query_v2(UP, up_querier, 0, 100);
	{
		uint8_t buf[IGMP_V2_LEN];

		igmp_build_v2(buf, sizeof(buf), IGMP_TYPE_QUERY, 0, 0);
		feed(UP, up_querier, buf, sizeof(buf));
	}
	mship_upstream_get(m, &st);
	TAP_CHECK(st.compat == 1, "v1 query: v1 mode");
	advance(10000);
	CHECK_STR(drain(UP), "R1(G); R1(H)", "v1 mode answers with v1 reports");
	old_msg(P0, host0, IGMP_TYPE_V2_REPORT, K);
	CHECK_STR(drain(UP), "R1(K)", "v1 mode join: v1 report");
	old_msg(P0, host0, IGMP_TYPE_LEAVE, K);
	advance(LMQT + 20000);
	CHECK_STR(drain(UP), "R1(K)",
		  "v1 mode leave: no leave message (only the retransmission before)");
	advance(2 * QI + 10000);
	mship_upstream_get(m, &st);
	TAP_CHECK(st.compat == 3 && st.v1_querier_expires == 0 && st.v2_querier_expires == 0,
		  "querier present timers out: back to v3");
	report(P0, host0, REC(IGMP_REC_ALLOW, G, s[2]));
	CHECK_STR(drain(UP), "R[ALLOW G s2]", "v3 reports again");

	/* a compatibility change drops pending v3 retransmissions */
	rng_value = 999;
	report(P0, host0, REC(IGMP_REC_ALLOW, G, s[3]));
	CHECK_STR(drain(UP), "R[ALLOW G s2 s3]", "s2 still had a retransmission due");
	query_v2(UP, up_querier, 0, 100);
	advance(5000);
	CHECK_STR(upstate(H), "-", "(H timed out downstream meanwhile)");
	CHECK_STR(drain(UP), "R2(G)", "only the v2 answer: pending v3 reports cancelled");
	lab_stop();
}

static void
test_upstream_change(void)
{
	lab_start();
	old_msg(P0, host0, IGMP_TYPE_V2_REPORT, G);
	report(P0, host0, REC(IGMP_REC_ALLOW, H, s[1]));
	advance(100);
	drain(UP);
	CHECK_INT(mship_set_upstream(m, UP2, our_up, now), 0, "upstream moves to another port");
	CHECK_STR(drain(UP2), "R[TO_EX G][ALLOW H s1]",
		  "whole state reported on the new upstream, in one report");
	advance(1);
	CHECK_STR(drain(UP2), "R[TO_EX G][ALLOW H s1]", "and retransmitted");
	CHECK_STR(drain(UP), "", "nothing more on the old one");
	mship_set_upstream(m, MSHIP_NO_PORT, 0, now);
	report(P0, host0, REC(IGMP_REC_ALLOW, H, s[2]));
	advance(1000);
	TAP_CHECK(n_sent == 0, "no upstream: nothing sent");
	CHECK_STR(upstate(H), "IN s1 s2", "merged state still kept");
	CHECK_INT(mship_set_upstream(m, UP, our_up, now), 0, "upstream back");
	CHECK_STR(drain(UP), "R[TO_EX G][ALLOW H s1 s2]", "current state reported");
	lab_stop();
}

/* A link flap: the state stays, the upstream hears it all again, the inside is queried again. */
static void
test_link_up(void)
{
	struct mship_querier_info qi;

	lab_start();
	old_msg(P0, host0, IGMP_TYPE_V2_REPORT, G);
	report(P0, host0, REC(IGMP_REC_ALLOW, H, s[1]));
	advance(100);
	drain(UP);
	mship_upstream_link_up(m, now);
	CHECK_STR(drain(UP), "R[TO_EX G][ALLOW H s1]", "upstream link up: whole state re-reported");
	advance(1);
	CHECK_STR(drain(UP), "R[TO_EX G][ALLOW H s1]", "and retransmitted (robustness)");
	advance(3 * SQI);
	drain(UP);
	drain(P0);
	hide_general = false;
	CHECK_INT(mship_port_link_up(m, P0, now), 0, "downstream link up");
	CHECK_STR(drain(P0), "GQ", "a startup query at once");
	mship_querier_get(m, P0, &qi);
	TAP_CHECK(qi.querier && qi.startup_left == 1, "startup queries begin again (1 left)");
	advance(SQI);
	CHECK_STR(drain(P0), "GQ", "the second one a startup query interval later");
	hide_general = true;
	CHECK_STR(upstate(G), "EX", "group state kept across the flap");
	CHECK_INT(mship_port_link_up(m, UP, now), -ENOENT, "not for the upstream port");
	lab_stop();
}

/* The gateway's own membership (a static join): one more share of the merge, held upstream. */
static void
test_local_member(void)
{
	uint32_t srcs[] = { s[2], s[1], s[2] };
	struct mship_upstream_status st;

	lab_start();
	CHECK_INT(mship_local_join(m, G, NULL, 0, now), 0, "local join of G, any source");
	CHECK_STR(drain(UP), "R[TO_EX G]", "reported at once as TO_EX({})");
	advance(1);
	CHECK_STR(drain(UP), "R[TO_EX G]", "and retransmitted");
	CHECK_STR(events(), "upstream_joined(p9,G)", "joined upstream, no downstream event");
	CHECK_INT(mship_group_count(m, MSHIP_ALL_PORTS), 0, "no downstream record for it");

	/* A host joins and leaves: the union with the gateway's own keeps G wanted. */
	old_msg(P0, host0, IGMP_TYPE_V2_REPORT, G);
	advance(100);
	CHECK_STR(drain(UP), "", "a member joining a group held already: nothing to report");
	old_msg(P0, host0, IGMP_TYPE_LEAVE, G);
	advance(LMQT + 100);
	CHECK_STR(state(P0, G), "-", "the member is gone downstream");
	CHECK_STR(drain(UP), "", "no TO_IN({}) upstream: the gateway still wants G");
	CHECK_STR(upstate(G), "EX", "G still EXCLUDE({}) upstream");
	events();
	rng_value = 10;
	query_v3(UP, up_querier, G, 100, false, 2, 125, NULL, 0);
	advance(100);
	CHECK_STR(drain(UP), "R[IS_EX G]", "a group query for G answered IS_EX({})");

	/* INCLUDE joins: the sources merge with the members' */
	CHECK_INT(mship_local_join(m, H, srcs, ARRAY_LEN(srcs), now), 0, "local join of (s1, s2, H)");
	CHECK_STR(drain(UP), "R[ALLOW H s1 s2]", "ALLOW of its sources, sorted, once each");
	report(P0, host0, REC(IGMP_REC_ALLOW, H, s[3]));
	CHECK_STR(upstate(H), "IN s1 s2 s3", "union with a member's INCLUDE");
	report(P0, host0, REC(IGMP_REC_TO_EX, H, s[1], s[4]));
	CHECK_STR(upstate(H), "EX s4", "a member's EXCLUDE {s1 s4} less the sources we include");
	advance(5000);
	drain(UP);
	CHECK_INT(mship_local_join(m, H, NULL, 0, now), 0, "local join of H replaced: any source");
	CHECK_STR(upstate(H), "EX", "EXCLUDE({}) now");
	CHECK_INT(mship_local_leave(m, H, now), 0, "local leave of H");
	CHECK_STR(upstate(H), "EX s1 s4", "the member's state alone");
	advance(5000);
	drain(UP);

	/* The upstream's compatibility mode: v2 reports and leaves. */
	query_v2(UP, up_querier, 0, 100);
	advance(10000);
	CHECK_STR(drain(UP), "R2(G); R2(H)", "v2 general query: v2 answers, G among them");
	CHECK_INT(mship_local_join(m, K, NULL, 0, now), 0, "local join of K in v2 mode");
	CHECK_STR(drain(UP), "R2(K)", "a v2 report at once");
	old_msg(P0, host0, IGMP_TYPE_V2_REPORT, K);
	old_msg(P0, host0, IGMP_TYPE_LEAVE, K);
	advance(LMQT + 20000);
	CHECK_STR(drain(UP), "R2(K)", "the member leaving sends no leave (one retransmission)");
	CHECK_INT(mship_local_leave(m, K, now), 0, "local leave of K");
	CHECK_STR(drain(UP), "L(K)", "our own leave goes out, v2");
	CHECK_INT(mship_local_leave(m, K, now), -ENOENT, "a second leave: no such local join");
	advance(2 * QI + 10000);
	drain(UP);
	mship_upstream_get(m, &st);
	CHECK_INT(st.compat, 3, "back to v3");
	CHECK_INT(mship_local_leave(m, G, now), 0, "local leave of G");
	CHECK_STR(drain(UP), "R[TO_IN G]", "the last share gone: TO_IN({})");
	CHECK_INT(mship_local_join(m, ip(224, 0, 0, 5), NULL, 0, now), -EINVAL,
		  "a link-local group is refused");
	CHECK_INT(mship_local_join(m, ip(10, 0, 0, 1), NULL, 0, now), -EINVAL,
		  "a unicast address is refused");
	CHECK_INT(mship_local_join(m, L, srcs, 0, now), 0, "L held when the state is freed");
	lab_stop();
}

/* ---- packing (RFC 3376 §4.2.16) over thousands of groups ---- */

#define PACK_GROUPS 8000

/* What the upstream heard: messages, and how often each group's record came. */
static struct {
	unsigned int msgs, bad, too_long, v2_msgs;
	uint16_t max_len;
	uint16_t limit;
	uint16_t seen[PACK_GROUPS];
	unsigned int n_records;
	uint32_t src_seen[512];
	unsigned int n_src_seen;
	uint8_t last_type;
} up;

static uint32_t
pack_group(unsigned int i)
{
	return ip(239, 2, (uint8_t)(i >> 8), (uint8_t)i);
}

static void
pack_send(void *arg, uint16_t port, uint32_t dst, const uint8_t *igmp, uint16_t len)
{
	struct igmp_record rec;
	struct igmp_msg msg;
	size_t pos = 0;

	(void)arg;
	(void)dst;
	if (port != UP)
		return;
	up.msgs++;
	if (len > up.max_len)
		up.max_len = len;
	if (len > up.limit)
		up.too_long++;
	if (igmp_parse(igmp, len, &msg) != IGMP_OK || !msg.checksum_ok) {
		up.bad++;
		return;
	}
	if (msg.type != IGMP_TYPE_V3_REPORT) {
		up.v2_msgs++;
		if (msg.type == IGMP_TYPE_V2_REPORT && (ntohl(msg.group) & 0xffff) < PACK_GROUPS)
			up.seen[ntohl(msg.group) & 0xffff]++;
		return;
	}
	while (igmp_record_next(&msg, &pos, &rec)) {
		uint32_t g = ntohl(rec.group) & 0xffff;

		up.n_records++;
		up.last_type = rec.type;
		if (g < PACK_GROUPS && (ntohl(rec.group) >> 16) == (239u << 8 | 2))
			up.seen[g]++;
		for (uint16_t k = 0; k < rec.n_sources && up.n_src_seen < ARRAY_LEN(up.src_seen); k++)
			memcpy(&up.src_seen[up.n_src_seen++], rec.sources + 4 * k, 4);
	}
}

static void
pack_reset(void)
{
	uint16_t limit = up.limit;

	memset(&up, 0, sizeof(up));
	up.limit = limit;
}

/* Every group's record came exactly `times` times. */
static bool
pack_every_group(unsigned int n, unsigned int times)
{
	for (unsigned int i = 0; i < n; i++)
		if (up.seen[i] != times)
			return false;
	return true;
}

static void
pack_start(uint16_t max_msg_len, uint16_t max_sources)
{
	struct mship_ops ops = lab_ops(true);
	struct mship_config cfg;

	ops.send = pack_send;
	mship_config_defaults(&cfg);
	cfg.max_groups = PACK_GROUPS;
	cfg.max_groups_per_port = PACK_GROUPS;
	cfg.max_sources_per_group = max_sources;
	cfg.max_msg_len = max_msg_len;
	now = 1000000;
	rng_value = 499;
	m = mship_create(&cfg, &ops);
	mship_port_add(m, P0, our0, 24, now);
	mship_set_upstream(m, UP, our_up, now);
	up.limit = max_msg_len;
	pack_reset();
}

/* Joins of PACK_GROUPS groups, one v2 report each, as one burst of input. */
static void
pack_join_all(void)
{
	for (unsigned int i = 0; i < PACK_GROUPS; i++)
		old_msg(P0, host0, IGMP_TYPE_V2_REPORT, pack_group(i));
}

static void
test_packing_mtu(uint16_t mtu)
{
	uint16_t max_len = (uint16_t)(mtu - IGMP_IP_HDR_LEN);
	/* a TO_EX record without sources takes 8 bytes, behind the 8-byte report header */
	unsigned int per_msg = (max_len - 8u) / 8u;
	unsigned int want = (PACK_GROUPS + per_msg - 1) / per_msg;

	pack_start(max_len, 64);
	pack_join_all();
	CHECK_INT(up.msgs, 0, "MTU %u: nothing sent while the input burst lasts", mtu);
	mship_tick(m, now);
	CHECK_INT(up.msgs, want, "MTU %u: %u joins in ceil(%u / %u) reports", mtu, PACK_GROUPS,
		  PACK_GROUPS, per_msg);
	TAP_CHECK(up.bad == 0 && up.too_long == 0 && up.max_len <= max_len,
		  "MTU %u: every report parses valid and fits (%u bytes at most)", mtu, up.max_len);
	TAP_CHECK(pack_every_group(PACK_GROUPS, 1) && up.n_records == PACK_GROUPS,
		  "MTU %u: every group exactly once (%u records)", mtu, up.n_records);
	pack_reset();
	advance(1000);
	CHECK_INT(up.msgs, want, "MTU %u: the retransmissions share a slot and pack the same", mtu);
	TAP_CHECK(up.bad == 0 && pack_every_group(PACK_GROUPS, 1),
		  "MTU %u: every group retransmitted exactly once", mtu);
	pack_reset();
	advance(5000);
	CHECK_INT(up.msgs, 0, "MTU %u: robustness 2: no more", mtu);

	/* the answer to a general query packs the same */
	query_v3(UP, up_querier, 0, 10, false, 2, 125, NULL, 0);
	advance(1000);
	CHECK_INT(up.msgs, want, "MTU %u: the general query's answer in %u reports", mtu, want);
	TAP_CHECK(up.bad == 0 && up.too_long == 0 && pack_every_group(PACK_GROUPS, 1) &&
		  up.last_type == IGMP_REC_IS_EX, "MTU %u: with every group's IS_EX once", mtu);
	lab_stop();
}

/* A record with more sources than a report holds is split; nothing is lost or repeated. */
static void
test_packing_split(void)
{
	unsigned int i, k, dup = 0, missing = 0;
	uint16_t max_len = 576 - IGMP_IP_HDR_LEN;
	unsigned int per_msg = (max_len - 8u - 8u) / 4u; /* 136 sources */

	pack_start(max_len, 400);
	for (i = 0; i < 25; i++) {
		struct rec r = { .type = IGMP_REC_ALLOW, .group = pack_group(0), .n = 16 };

		for (k = 0; k < 16; k++)
			r.src[k] = ip(10, 7, (uint8_t)i, (uint8_t)(k + 1));
		report(P0, host0, r);
	}
	mship_tick(m, now);
	CHECK_INT(up.msgs, (400 + per_msg - 1) / per_msg,
		  "ALLOW with 400 sources at MTU 576: split in ceil(400 / %u) reports", per_msg);
	for (i = 0; i < 25; i++) {
		for (k = 0; k < 16; k++) {
			uint32_t a = ip(10, 7, (uint8_t)i, (uint8_t)(k + 1));
			unsigned int n = 0;

			for (unsigned int j = 0; j < up.n_src_seen; j++)
				n += up.src_seen[j] == a;
			dup += n > 1;
			missing += n == 0;
		}
	}
	TAP_CHECK(up.bad == 0 && up.too_long == 0 && dup == 0 && missing == 0 &&
		  up.n_src_seen == 400, "every source once (%u missing, %u twice)", missing, dup);
	lab_stop();
}

/* Behind a v2 querier nothing packs: one report per group, each once. */
static void
test_packing_v2_upstream(void)
{
	pack_start(1500 - IGMP_IP_HDR_LEN, 64);
	query_v2(UP, up_querier, 0, 100);
	advance(20000);
	pack_reset();
	pack_join_all();
	mship_tick(m, now);
	TAP_CHECK(up.msgs == PACK_GROUPS && up.v2_msgs == PACK_GROUPS && up.bad == 0 &&
		  pack_every_group(PACK_GROUPS, 1),
		  "v2 upstream: %u single v2 reports, every group once", up.msgs);
	advance(10000);
	TAP_CHECK(up.msgs == 2 * PACK_GROUPS && pack_every_group(PACK_GROUPS, 2),
		  "and once more within the v2 report interval (%u in all)", up.msgs);
	pack_reset();
	query_v2(UP, up_querier, 0, 100);
	advance(10000);
	TAP_CHECK(up.msgs == PACK_GROUPS && pack_every_group(PACK_GROUPS, 1),
		  "a general query: one answer per group (%u)", up.msgs);
	pack_reset();
	advance(60000);
	CHECK_INT(up.msgs, 0, "nothing more without a query");
	lab_stop();
}

/* Own seeded randomness: answers stay inside max resp time. */
static void
test_seeded_random(void)
{
	struct mship_config cfg;
	struct mship_ops ops = lab_ops(false);
	uint64_t t0;
	int i, late = 0;

	mship_config_defaults(&cfg);
	cfg.random_seed = 42;
	now = 1000;
	m = mship_create(&cfg, &ops);
	mship_port_add(m, P0, our0, 24, now);
	mship_set_upstream(m, UP, our_up, now);
	report(P0, host0, REC(IGMP_REC_ALLOW, G, s[1]));
	advance(2000);
	clear_log();
	for (i = 0; i < 50; i++) {
		query_v3(UP, up_querier, 0, 10, false, 2, 125, NULL, 0);
		t0 = now;
		while (drain(UP)[0] == '\0' && now < t0 + 5000)
			advance(1);
		/* the answer came out during the last 1 ms step */
		if (now - t0 > 1000)
			late++;
		clear_log();
	}
	TAP_CHECK(late == 0, "50 answers all within a 1 s max resp time (%d late)", late);
	lab_stop();
}

/* ---- randomized run: invariants and an independent merge after every step ---- */

struct fz_view {
	bool present;
	uint8_t mode;
	uint16_t n;
	uint32_t src[64];
	uint64_t exp[64];
};

static uint64_t fz_state = 88172645463325252ull;

static uint32_t
fz_rand(void)
{
	fz_state ^= fz_state << 13;
	fz_state ^= fz_state >> 7;
	fz_state ^= fz_state << 17;
	return (uint32_t)fz_state;
}

static void
view_of(uint16_t port, uint32_t group, struct fz_view *v)
{
	struct mship_group_info gi;
	uint16_t i;

	memset(v, 0, sizeof(*v));
	if (mship_group_get(m, port, group, &gi) != 0)
		return;
	v->present = true;
	v->mode = gi.mode;
	v->n = gi.n_sources;
	for (i = 0; i < gi.n_sources && i < 64; i++) {
		v->src[i] = gi.sources[i].addr;
		v->exp[i] = gi.sources[i].expires;
	}
}

static bool
view_has(const struct fz_view *v, uint32_t a, bool zero_only)
{
	uint16_t i;

	for (i = 0; i < v->n; i++)
		if (v->src[i] == a)
			return !zero_only || v->exp[i] == 0;
	return false;
}

/* The RFC 3376 §3.2 merge computed here from the walk, in words like upstate(). */
static void
expected_merge(uint32_t group, char *out, size_t cap, const uint16_t *ports, int n_ports)
{
	struct fz_view v[2];
	bool any_ex = false, in_ex, in_inc;
	int p, i;

	out[0] = '\0';
	for (p = 0; p < n_ports; p++) {
		view_of(ports[p], group, &v[p]);
		any_ex |= v[p].present && v[p].mode == MSHIP_EXCLUDE;
	}
	if (!any_ex) {
		bool any = false;

		for (p = 0; p < n_ports; p++)
			any |= v[p].present && v[p].n > 0;
		if (!any) {
			appendf(out, cap, "-");
			return;
		}
	}
	appendf(out, cap, "%s", any_ex ? "EX" : "IN");
	for (i = 1; i < 10; i++) {
		in_ex = any_ex;
		in_inc = false;
		for (p = 0; p < n_ports; p++) {
			if (!v[p].present)
				continue;
			if (v[p].mode == MSHIP_EXCLUDE)
				in_ex &= view_has(&v[p], s[i], true);
			else
				in_inc |= view_has(&v[p], s[i], false);
		}
		if (any_ex ? in_ex && !in_inc : in_inc)
			appendf(out, cap, " %s", name(s[i]));
	}
}

/* Structural invariants of one port's table; returns a reason or NULL. */
static const char *
check_port(uint16_t port, const struct mship_config *cfg)
{
	uint32_t groups[] = { G, H, K, L };
	struct mship_group_info gi;
	uint16_t i;
	size_t k;

	if (mship_group_count(m, port) > cfg->max_groups_per_port)
		return "max_groups_per_port exceeded";
	for (k = 0; k < ARRAY_LEN(groups); k++) {
		if (mship_group_get(m, port, groups[k], &gi) != 0)
			continue;
		if (gi.n_sources > cfg->max_sources_per_group)
			return "max_sources_per_group exceeded";
		if (gi.mode == MSHIP_INCLUDE && (gi.n_sources == 0 || gi.expires != 0))
			return "INCLUDE record empty or with a group timer";
		if (gi.mode == MSHIP_EXCLUDE && gi.expires == 0)
			return "EXCLUDE record without group timer";
		for (i = 0; i < gi.n_sources; i++) {
			if (i > 0 && ntohl(gi.sources[i - 1].addr) >= ntohl(gi.sources[i].addr))
				return "sources not sorted and unique";
			if (gi.mode == MSHIP_INCLUDE && gi.sources[i].expires == 0)
				return "INCLUDE source with a stopped timer";
			if (gi.sources[i].expires != 0 && gi.sources[i].expires < now)
				return "a timer left behind after the tick";
			if (mship_wants(m, port, groups[k], gi.sources[i].addr) !=
			    (gi.sources[i].expires != 0))
				return "mship_wants disagrees with the table";
		}
	}
	return NULL;
}

static void
fuzz_step(void)
{
	uint32_t groups[] = { G, H, K, L };
	uint16_t port = (fz_rand() & 1) ? P1 : P0;
	uint32_t host = port == P0 ? host0 : host1;
	uint32_t group = groups[fz_rand() % 4];
	uint32_t op = fz_rand() % 100;
	struct rec r = { .group = group };
	uint16_t i;

	if (op < 55) {
		r.type = (uint8_t)(1 + fz_rand() % 6);
		r.n = (uint16_t)(fz_rand() % 5);
		for (i = 0; i < r.n; i++)
			r.src[i] = s[1 + fz_rand() % 9];
		report(port, host, r);
	} else if (op < 62) {
		old_msg(port, host, IGMP_TYPE_V2_REPORT, group);
	} else if (op < 67) {
		old_msg(port, host, IGMP_TYPE_LEAVE, group);
	} else if (op < 69) {
		old_msg(port, host, IGMP_TYPE_V1_REPORT, group);
	} else if (op < 72) {
		uint32_t q[2] = { s[1 + fz_rand() % 9], s[1 + fz_rand() % 9] };

		query_v3(port, port == P0 ? lower_router : ip(10, 0, 1, 5), fz_rand() & 1 ? group : 0,
			 10, fz_rand() & 1, 2, 125, q, (uint16_t)(fz_rand() % 3));
	} else if (op < 75) {
		uint32_t q[2] = { s[1 + fz_rand() % 9], s[1 + fz_rand() % 9] };

		if (fz_rand() % 4 == 0)
			query_v2(UP, up_querier, fz_rand() & 1 ? group : 0, 100);
		else
			query_v3(UP, up_querier, fz_rand() & 1 ? group : 0, 100, false, 2, 125, q,
				 (uint16_t)(fz_rand() % 3));
	} else {
		advance(fz_rand() % 4000 * (fz_rand() % 8 == 0 ? 100 : 1));
	}
}

static void
test_randomized(bool fast_leave)
{
	struct mship_config cfg;
	uint32_t groups[] = { G, H, K, L };
	uint16_t ports[] = { P0, P1 };
	char want[256], fail[512] = "";
	const char *why;
	size_t k, mem_max = 0;
	int step, merge_checked = 0;
	unsigned int bad_msgs = 0, i;
	char one[1024];

	mship_config_defaults(&cfg);
	cfg.max_groups = 6;
	cfg.max_groups_per_port = 3;
	cfg.max_sources_per_group = 6;
	cfg.query_interval_ms = 20000;
	cfg.startup_query_interval_ms = 5000;
	cfg.max_hosts_per_group = 2;
	lab_start_cfg(&cfg);
	if (fast_leave)
		mship_port_fast_leave(m, P1, true);
	for (step = 0; step < 20000 && fail[0] == '\0'; step++) {
		rng_value = fz_rand();
		fuzz_step();
		for (i = 0; i < n_sent; i++) {
			describe(&sent[i], one, sizeof(one));
			if (strncmp(one, "BAD", 3) == 0 || strchr(one, '!') != NULL)
				bad_msgs++;
		}
		clear_log();
		if (mship_group_count(m, MSHIP_ALL_PORTS) > cfg.max_groups)
			snprintf(fail, sizeof(fail), "step %d: max_groups exceeded", step);
		for (k = 0; k < 2 && fail[0] == '\0'; k++) {
			why = check_port(ports[k], &cfg);
			if (why != NULL)
				snprintf(fail, sizeof(fail), "step %d port %zu: %s", step, k, why);
		}
		for (k = 0; k < ARRAY_LEN(groups) && fail[0] == '\0'; k++) {
			expected_merge(groups[k], want, sizeof(want), ports, 2);
			if (strcmp(upstate(groups[k]), want) != 0)
				snprintf(fail, sizeof(fail), "step %d: merge of %s is \"%s\", want \"%s\"",
					 step, name(groups[k]), upstate(groups[k]), want);
			merge_checked++;
		}
		if (mship_memory(m) > mem_max)
			mem_max = mship_memory(m);
	}
	TAP_CHECK(fail[0] == '\0', "20000 random steps%s: invariants and merge hold%s%s",
		  fast_leave ? " (fast leave on P1)" : "", fail[0] != '\0' ? ": " : "", fail);
	TAP_CHECK(!fast_leave || (mship_counter(m, MSHIP_CTR_FAST_LEAVES) > 0 &&
				  mship_counter(m, MSHIP_CTR_HOSTS_UNTRACKED) > 0),
		  "the fast-leave run took fast leaves and overflowed host tables");
	TAP_CHECK(bad_msgs == 0, "every emitted message parses and goes to its RFC destination (%u bad)",
		  bad_msgs);
	TAP_CHECK(merge_checked > 0 && mship_counter(m, MSHIP_CTR_TX_V3_REPORT) > 0 &&
		  mship_counter(m, MSHIP_CTR_TX_GROUP_SOURCE_QUERY) > 0 &&
		  mship_counter(m, MSHIP_CTR_REFUSED_MAX_SOURCES) > 0 &&
		  mship_counter(m, MSHIP_CTR_REFUSED_MAX_GROUPS_PER_PORT) +
		  mship_counter(m, MSHIP_CTR_REFUSED_MAX_GROUPS) > 0,
		  "the run reached reports, G&S queries and every limit");
	printf("# randomized run: peak memory %zu bytes\n", mem_max);
	lab_stop();
}

/* Hosts tracked for (P0, group) now: -1 without a record, -2 when untracked. */
static int
hosts(uint32_t group)
{
	struct mship_group_info gi;

	if (mship_group_get(m, P0, group, &gi) != 0)
		return -1;
	return gi.hosts_untracked ? -2 : gi.n_hosts;
}

/* A lab whose P0 has fast leave (P1 keeps the RFC's leaves). */
static void
fast_lab_start(uint16_t max_hosts)
{
	struct mship_config cfg;

	mship_config_defaults(&cfg);
	if (max_hosts > 0)
		cfg.max_hosts_per_group = max_hosts;
	lab_start_cfg(&cfg);
	CHECK_INT(mship_port_fast_leave(m, P0, true), 0, "fast leave on P0");
}

static void
test_fast_leave(void)
{
	uint32_t host0c = ip(10, 0, 0, 103);
	size_t mem0;

	/* one v2 host: its leave ends the group at once, no last-member query */
	fast_lab_start(0);
	CHECK_INT(mship_port_fast_leave(m, UP, true), -ENOENT, "fast leave needs a downstream port");
	/* a first join and leave grows the tables' arrays, which stay */
	old_msg(P0, host0, IGMP_TYPE_V2_REPORT, H);
	old_msg(P0, host0, IGMP_TYPE_LEAVE, H);
	advance(20000);
	drain(UP);
	mem0 = mship_memory(m);
	old_msg(P0, host0, IGMP_TYPE_V2_REPORT, G);
	CHECK_INT(hosts(G), 1, "v2 report: one host tracked");
	advance(1000);
	drain(UP);
	events();
	n_changed = 0;
	CHECK_CTR(old_msg(P0, host0, IGMP_TYPE_LEAVE, G), MSHIP_CTR_ACCEPTED, "leave accepted");
	CHECK_STR(state(P0, G), "-", "last host's leave: the group goes at once");
	CHECK_INT(n_changed, 1, "forwarding changed at once");
	CHECK_STR(events(), "group_removed(p0,G) upstream_left(p9,G)", "group removed, left upstream");
	CHECK_STR(drain(P0), "", "no group-specific query");
	CHECK_STR(drain(UP), "R[TO_IN G]", "upstream leave at the next tick, not after LMQT");
	CHECK_INT(mship_counter(m, MSHIP_CTR_FAST_LEAVES), 2, "fast_leaves counted (H and G)");
	advance(20000);
	drain(UP);
	CHECK_INT(mship_memory(m), mem0, "the host table freed with the group (retransmissions done)");
	lab_stop();

	/* two hosts: one leaves, nothing changes; the other leaves, the group goes */
	fast_lab_start(0);
	old_msg(P0, host0, IGMP_TYPE_V2_REPORT, G);
	report(P0, host0b, REC(IGMP_REC_IS_EX, G));
	CHECK_INT(hosts(G), 2, "a v2 and a v3 host tracked");
	advance(1000);
	drain(UP);
	events();
	n_changed = 0;
	old_msg(P0, host0, IGMP_TYPE_LEAVE, G);
	CHECK_STR(state(P0, G), "EX gt=259000", "one of two hosts leaves: the record is unchanged");
	CHECK_INT(hosts(G), 1, "one host left");
	CHECK_INT(n_changed, 0, "forwarding unchanged");
	CHECK_STR(drain(P0), "", "no query");
	advance(LMQT + 1000);
	CHECK_STR(drain(UP), "", "nothing upstream");
	CHECK_STR(state(P0, G), "EX gt=256000", "and nothing times out early");
	report(P0, host0b, REC(IGMP_REC_TO_IN, G));
	CHECK_STR(state(P0, G), "-", "the v3 host's TO_IN({}) ends it at once");
	CHECK_STR(drain(UP), "R[TO_IN G]", "upstream leave");
	lab_stop();

	/* the same leave on P1 (no fast leave) keeps the RFC's last-member queries */
	fast_lab_start(0);
	old_msg(P1, host1, IGMP_TYPE_V2_REPORT, G);
	advance(1000);
	old_msg(P1, host1, IGMP_TYPE_LEAVE, G);
	CHECK_STR(state(P1, G), "EX gt=LMQT", "P1: leave lowers the group timer");
	CHECK_STR(drain(P1), "Q(G)", "P1: Q(G)");
	lab_stop();

	/* sources: each host's own; a BLOCK cuts what no other host reports */
	fast_lab_start(0);
	report(P0, host0, REC(IGMP_REC_IS_IN, G, s[1], s[2]));
	report(P0, host0b, REC(IGMP_REC_ALLOW, G, s[2], s[3]));
	advance(1000);
	drain(UP);
	n_changed = 0;
	report(P0, host0, REC(IGMP_REC_BLOCK, G, s[1], s[2]));
	CHECK_STR(state(P0, G), "IN s2=259000 s3=259000", "s1 cut at once, s2 kept for host0b");
	TAP_CHECK(!mship_wants(m, P0, G, s[1]) && mship_wants(m, P0, G, s[2]),
		  "s1 no longer forwarded, s2 still");
	CHECK_INT(n_changed, 1, "forwarding changed once");
	CHECK_STR(drain(P0), "", "no group-and-source query");
	CHECK_STR(drain(UP), "R[BLOCK G s1]", "s1 blocked upstream at once");
	CHECK_INT(hosts(G), 1, "host0 had nothing left and went");
	report(P0, host0b, REC(IGMP_REC_TO_IN, G, s[3]));
	CHECK_STR(state(P0, G), "IN s3=GMI", "TO_IN(s3): s2 cut, s3 refreshed");
	lab_stop();

	/* an any-source host leaves while an INCLUDE host stays: INCLUDE at once */
	fast_lab_start(0);
	report(P0, host0, REC(IGMP_REC_TO_EX, G));
	report(P0, host0b, REC(IGMP_REC_ALLOW, G, s[1]));
	advance(1000);
	drain(UP);
	report(P0, host0, REC(IGMP_REC_TO_IN, G));
	CHECK_STR(state(P0, G), "IN s1=259000", "EXCLUDE -> INCLUDE(s1) at once");
	TAP_CHECK(!mship_wants(m, P0, G, s[9]) && mship_wants(m, P0, G, s[1]),
		  "only s1 forwarded");
	CHECK_STR(drain(UP), "R[TO_IN G s1]", "upstream: to INCLUDE(s1)");
	/* a BLOCK from a host that reported nothing changes nothing */
	report(P0, host0c, REC(IGMP_REC_BLOCK, G, s[1]));
	CHECK_STR(state(P0, G), "IN s1=259000", "stranger's BLOCK: nothing");
	lab_stop();

	/* bounded: past max_hosts_per_group the group leaves the RFC way */
	fast_lab_start(2);
	old_msg(P0, host0, IGMP_TYPE_V2_REPORT, G);
	old_msg(P0, host0b, IGMP_TYPE_V2_REPORT, G);
	CHECK_INT(hosts(G), 2, "two hosts tracked");
	old_msg(P0, host0c, IGMP_TYPE_V2_REPORT, G);
	CHECK_INT(hosts(G), -2, "a third: the group is no longer tracked by host");
	CHECK_INT(mship_counter(m, MSHIP_CTR_HOSTS_UNTRACKED), 1, "hosts_untracked counted");
	old_msg(P0, host0, IGMP_TYPE_LEAVE, G);
	CHECK_STR(state(P0, G), "EX gt=LMQT", "its leaves take the last-member queries");
	CHECK_STR(drain(P0), "Q(G)", "Q(G) sent");
	advance(LMQT);
	CHECK_STR(state(P0, G), "-", "gone after LMQT");
	old_msg(P0, host0, IGMP_TYPE_V2_REPORT, G);
	CHECK_INT(hosts(G), 1, "a new record is tracked again");
	lab_stop();

	/* a host not heard from for GMI no longer holds the group */
	fast_lab_start(0);
	old_msg(P0, host0, IGMP_TYPE_V2_REPORT, G);
	advance(GMI / 2);
	old_msg(P0, host0b, IGMP_TYPE_V2_REPORT, G);
	advance(GMI / 2);
	drain(UP);
	old_msg(P0, host0b, IGMP_TYPE_LEAVE, G);
	CHECK_STR(state(P0, G), "-", "host0 timed out: host0b's leave ends the group");
	lab_stop();
}

int
main(void)
{
	lab_addresses();
	test_config();
	test_accept_foreign();
	test_ports();
	test_startup_queries();
	test_election();
	test_forged_and_greedy_queriers();
	test_non_querier();
	test_include_rows();
	test_exclude_rows();
	test_query_flags();
	test_timers();
	test_compat();
	test_input_filters();
	test_limits_and_walk();
	test_wants();
	test_merge();
	test_group_remove();
	test_unsolicited();
	test_answers();
	test_upstream_compat();
	test_upstream_change();
	test_link_up();
	test_local_member();
	test_fast_leave();
	test_seeded_random();
	test_packing_mtu(1500);
	test_packing_mtu(576);
	test_packing_split();
	test_packing_v2_upstream();
	test_randomized(false);
	test_randomized(true);
	TAP_CHECK(!sent_overflow, "the message log never overflowed");
	return TAP_DONE();
}
