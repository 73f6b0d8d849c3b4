/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the membership library (lib/membership/membership.h) as a state
 * machine: the input is a configuration, then a sequence of steps (IGMP
 * messages from hosts and queriers on any port, raw mutated messages, clock
 * advances, ports added and removed, the upstream moved). After every step:
 *  - every message the library emitted parsed valid, fits max_msg_len, is a
 *    query on a downstream port or a report/leave on the upstream one;
 *  - group and source counts are within the limits, tables sorted;
 *  - the group_added/removed and upstream joined/left events add up to the
 *    group counts, the tx_* counters to the messages seen, the querier
 *    events to their counters;
 *  - each downstream port's querier is on its subnet, with the robustness,
 *    interval and other querier present timer it adopted within the maxima;
 *  - mship_memory() equals the bytes the library holds (its allocations are
 *    counted through fuzz_alloc.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "membership.h"

#undef malloc
#undef calloc
#undef realloc
#undef free

#define FUZZ_MAX_STEPS 512
#define FUZZ_UP_PORT 0
#define FUZZ_N_DOWN 3            /* downstream ports 1..3 */
#define FUZZ_N_GROUPS 24
#define FUZZ_N_SOURCES 12
#define FUZZ_MAX_MSG 2048

/* ---- allocation accounting ---- */

/* A header in front of every block remembers its size; 16 bytes keeps malloc's alignment. */
#define FUZZ_HDR 16

static size_t live_bytes;

void *
fuzz_malloc(size_t size)
{
	uint8_t *p = malloc(size + FUZZ_HDR);

	if (p == NULL)
		return NULL;
	memcpy(p, &size, sizeof(size));
	live_bytes += size;
	return p + FUZZ_HDR;
}

void *
fuzz_calloc(size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size - FUZZ_HDR)
		return NULL;
	p = fuzz_malloc(n * size);
	if (p != NULL)
		memset(p, 0, n * size);
	return p;
}

void
fuzz_free(void *p)
{
	size_t size;

	if (p == NULL)
		return;
	memcpy(&size, (uint8_t *)p - FUZZ_HDR, sizeof(size));
	live_bytes -= size;
	free((uint8_t *)p - FUZZ_HDR);
}

void *
fuzz_realloc(void *p, size_t size)
{
	uint8_t *q;
	size_t old = 0;

	if (p == NULL)
		return fuzz_malloc(size);
	memcpy(&old, (uint8_t *)p - FUZZ_HDR, sizeof(old));
	q = realloc((uint8_t *)p - FUZZ_HDR, size + FUZZ_HDR);
	if (q == NULL)
		return NULL;
	memcpy(q, &size, sizeof(size));
	live_bytes = live_bytes - old + size;
	return q + FUZZ_HDR;
}

/* ---- input ---- */

struct input {
	const uint8_t *p;
	size_t left;
};

static uint8_t
get8(struct input *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

static uint16_t
get16(struct input *in)
{
	return (uint16_t)(get8(in) << 8 | get8(in));
}

/* ---- the world the library lives in ---- */

struct world {
	struct mship *m;
	struct mship_config cfg;
	uint64_t now;
	bool down[MSHIP_MAX_PORTS];
	uint16_t up;
	/* What the callbacks saw. */
	int64_t ev_groups[MSHIP_MAX_PORTS];
	int64_t ev_upstream;
	uint64_t ev_querier_lost, ev_querier_elected;
	uint64_t tx[MSHIP_CTR_COUNT];
};

static struct world w;

static uint32_t
ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return htonl((uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d);
}

static uint32_t
port_addr(uint16_t port)
{
	return port == FUZZ_UP_PORT ? ip4(192, 0, 2, 10) : ip4(10, 0, (uint8_t)port, 10);
}

static bool
is_report(uint8_t type)
{
	return type == IGMP_TYPE_V1_REPORT || type == IGMP_TYPE_V2_REPORT ||
	       type == IGMP_TYPE_V3_REPORT || type == IGMP_TYPE_LEAVE;
}

static void
check_v3_records(const struct igmp_msg *msg)
{
	struct igmp_record rec;
	size_t pos = 0;
	uint32_t a, b;
	uint16_t i, n = 0;

	while (igmp_record_next(msg, &pos, &rec)) {
		n++;
		FUZZ_ASSERT(rec.type >= IGMP_REC_IS_IN && rec.type <= IGMP_REC_BLOCK);
		FUZZ_ASSERT(igmp_is_multicast(rec.group) && !igmp_is_link_local_group(rec.group));
		FUZZ_ASSERT(rec.aux_words == 0);
		/* A source listed twice in a record would be counted twice by the querier. */
		for (i = 1; i < rec.n_sources; i++) {
			memcpy(&a, rec.sources + 4 * (i - 1), 4);
			memcpy(&b, rec.sources + 4 * i, 4);
			FUZZ_ASSERT(ntohl(a) < ntohl(b));
		}
	}
	FUZZ_ASSERT(n == msg->n_records && n > 0);
}

static void
on_send(void *arg, uint16_t port, uint32_t dst, const uint8_t *igmp, uint16_t len)
{
	static uint8_t pkt[IGMP_IP_HDR_LEN + UINT16_MAX];
	struct igmp_ipv4 ip;
	struct igmp_msg msg;

	(void)arg;
	FUZZ_ASSERT(port < MSHIP_MAX_PORTS);
	FUZZ_ASSERT(len <= w.cfg.max_msg_len);
	FUZZ_ASSERT(igmp_parse(igmp, len, &msg) == IGMP_OK);
	FUZZ_ASSERT(msg.len == len);
	FUZZ_ASSERT(igmp_is_multicast(dst));
	/* The packet the caller will put on the wire reads back whole too. */
	FUZZ_ASSERT(igmp_build_ipv4_header(pkt, sizeof(pkt), port_addr(port), dst, len) ==
		    IGMP_IP_HDR_LEN);
	memcpy(pkt + IGMP_IP_HDR_LEN, igmp, len);
	FUZZ_ASSERT(igmp_packet_parse(pkt, IGMP_IP_HDR_LEN + len, &ip, &msg) == IGMP_OK);

	if (msg.type == IGMP_TYPE_QUERY) {
		/* Queries go to the downstream ports only, general ones to all systems. */
		FUZZ_ASSERT(w.down[port]);
		if (msg.group == 0) {
			FUZZ_ASSERT(dst == htonl(0xe0000001u));
			w.tx[MSHIP_CTR_TX_GENERAL_QUERY]++;
		} else {
			FUZZ_ASSERT(dst == msg.group);
			FUZZ_ASSERT(igmp_is_multicast(msg.group));
			w.tx[msg.n_sources > 0 ? MSHIP_CTR_TX_GROUP_SOURCE_QUERY :
						 MSHIP_CTR_TX_GROUP_QUERY]++;
		}
		return;
	}
	FUZZ_ASSERT(is_report(msg.type));
	FUZZ_ASSERT(port == w.up);
	switch (msg.type) {
	case IGMP_TYPE_V1_REPORT:
		FUZZ_ASSERT(dst == msg.group);
		w.tx[MSHIP_CTR_TX_V1_REPORT]++;
		break;
	case IGMP_TYPE_V2_REPORT:
		FUZZ_ASSERT(dst == msg.group);
		w.tx[MSHIP_CTR_TX_V2_REPORT]++;
		break;
	case IGMP_TYPE_LEAVE:
		FUZZ_ASSERT(dst == htonl(0xe0000002u));
		w.tx[MSHIP_CTR_TX_LEAVE]++;
		break;
	default:
		FUZZ_ASSERT(dst == htonl(0xe0000016u));
		check_v3_records(&msg);
		w.tx[MSHIP_CTR_TX_V3_REPORT]++;
		break;
	}
	if (msg.type != IGMP_TYPE_V3_REPORT)
		FUZZ_ASSERT(igmp_is_multicast(msg.group) && !igmp_is_link_local_group(msg.group));
}

static void
on_changed(void *arg, uint16_t port, uint32_t group)
{
	(void)arg;
	FUZZ_ASSERT(port < MSHIP_MAX_PORTS && w.down[port]);
	FUZZ_ASSERT(igmp_is_multicast(group));
}

static void
on_event(void *arg, enum mship_event ev, uint16_t port, uint32_t addr)
{
	(void)arg;
	FUZZ_ASSERT(strcmp(mship_event_name(ev), "invalid") != 0);
	/* Upstream events name the upstream, MSHIP_NO_PORT included; the others a port. */
	if (ev == MSHIP_EV_UPSTREAM_JOINED || ev == MSHIP_EV_UPSTREAM_LEFT)
		FUZZ_ASSERT(port == w.up);
	else
		FUZZ_ASSERT(port < MSHIP_MAX_PORTS);
	switch (ev) {
	case MSHIP_EV_GROUP_ADDED:
		FUZZ_ASSERT(w.down[port] && igmp_is_multicast(addr));
		w.ev_groups[port]++;
		break;
	case MSHIP_EV_GROUP_REMOVED:
		FUZZ_ASSERT(igmp_is_multicast(addr));
		w.ev_groups[port]--;
		break;
	case MSHIP_EV_UPSTREAM_JOINED:
		w.ev_upstream++;
		break;
	case MSHIP_EV_UPSTREAM_LEFT:
		w.ev_upstream--;
		break;
	case MSHIP_EV_QUERIER_LOST:
		FUZZ_ASSERT(w.down[port]);
		w.ev_querier_lost++;
		break;
	case MSHIP_EV_QUERIER_ELECTED:
		FUZZ_ASSERT(w.down[port]);
		w.ev_querier_elected++;
		break;
	case MSHIP_EV_COUNT:
		break; /* not an event: the name check above already failed */
	}
}

/* ---- invariants ---- */

struct walk_state {
	uint32_t n;
	uint32_t last;
};

static int
check_group(const struct mship_group_info *g, void *arg)
{
	struct walk_state *ws = arg;
	uint16_t i;

	FUZZ_ASSERT(ws->n == 0 || ntohl(g->group) > ws->last);
	ws->last = ntohl(g->group);
	ws->n++;
	FUZZ_ASSERT(igmp_is_multicast(g->group) && !igmp_is_link_local_group(g->group));
	FUZZ_ASSERT(g->mode == MSHIP_INCLUDE || g->mode == MSHIP_EXCLUDE);
	FUZZ_ASSERT(g->compat >= 1 && g->compat <= 3);
	FUZZ_ASSERT(g->n_sources <= w.cfg.max_sources_per_group);
	/* An INCLUDE record without sources is deleted (RFC 3376 §6.5). */
	if (g->mode == MSHIP_INCLUDE)
		FUZZ_ASSERT(g->n_sources > 0 && g->expires == 0);
	else
		FUZZ_ASSERT(g->expires > w.now);
	for (i = 0; i < g->n_sources; i++) {
		if (i > 0)
			FUZZ_ASSERT(ntohl(g->sources[i - 1].addr) < ntohl(g->sources[i].addr));
		if (g->mode == MSHIP_INCLUDE)
			FUZZ_ASSERT(g->sources[i].expires > w.now);
	}
	return 0;
}

static int
check_upstream_group(const struct mship_upstream_info *u, void *arg)
{
	struct walk_state *ws = arg;
	uint16_t i;

	FUZZ_ASSERT(ws->n == 0 || ntohl(u->group) > ws->last);
	ws->last = ntohl(u->group);
	ws->n += u->wanted;
	FUZZ_ASSERT(u->wanted == (u->mode == MSHIP_EXCLUDE || u->n_sources > 0));
	for (i = 1; i < u->n_sources; i++)
		FUZZ_ASSERT(ntohl(u->sources[i - 1]) < ntohl(u->sources[i]));
	return 0;
}

static uint64_t
max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/*
 * The querier of a downstream port is us, a router on the port's /24 (never
 * the stranger 1.2.3.4) or nobody (our querier off), and what it adopted stays
 * within the configured maxima, so the other querier present timer does too.
 */
static void
check_querier(uint16_t p)
{
	struct mship_querier_info q;
	uint64_t rv = max_u64(w.cfg.robustness, w.cfg.max_adopted_robustness);
	uint64_t qi = max_u64(w.cfg.query_interval_ms, w.cfg.max_adopted_query_interval_ms);

	FUZZ_ASSERT(mship_querier_get(w.m, p, &q) == 0);
	FUZZ_ASSERT(q.querier_addr == 0 ||
		    (ntohl(q.querier_addr) >> 8) == (ntohl(port_addr(p)) >> 8));
	FUZZ_ASSERT(q.robustness >= 1 && q.robustness <= rv);
	FUZZ_ASSERT(q.query_interval_ms >= 1000 && q.query_interval_ms <= qi);
	FUZZ_ASSERT(q.other_expires <= w.now ||
		    q.other_expires - w.now <= rv * qi + w.cfg.query_response_interval_ms / 2);
}

static void
check_world(void)
{
	struct mship_upstream_status st;
	struct walk_state ws;
	uint32_t total = 0, n;
	uint16_t p;
	int c;

	FUZZ_ASSERT(mship_memory(w.m) == live_bytes);
	for (p = 0; p < MSHIP_MAX_PORTS; p++) {
		n = mship_group_count(w.m, p);
		if (!w.down[p]) {
			FUZZ_ASSERT(n == 0);
			FUZZ_ASSERT(w.ev_groups[p] == 0);
			continue;
		}
		FUZZ_ASSERT(n <= w.cfg.max_groups_per_port);
		FUZZ_ASSERT(w.ev_groups[p] == (int64_t)n);
		check_querier(p);
		memset(&ws, 0, sizeof(ws));
		FUZZ_ASSERT(mship_group_walk(w.m, p, check_group, &ws) == 0);
		FUZZ_ASSERT(ws.n == n);
		total += n;
	}
	FUZZ_ASSERT(total == mship_group_count(w.m, MSHIP_ALL_PORTS));
	FUZZ_ASSERT(total <= w.cfg.max_groups);
	FUZZ_ASSERT(mship_counter(w.m, MSHIP_CTR_GROUPS_ADDED) -
		    mship_counter(w.m, MSHIP_CTR_GROUPS_REMOVED) == total);

	mship_upstream_get(w.m, &st);
	FUZZ_ASSERT(st.port == w.up);
	FUZZ_ASSERT(st.compat >= 1 && st.compat <= 3);
	memset(&ws, 0, sizeof(ws));
	FUZZ_ASSERT(mship_upstream_walk(w.m, check_upstream_group, &ws) == 0);
	FUZZ_ASSERT(ws.n == st.n_groups);
	FUZZ_ASSERT(w.ev_upstream == (int64_t)st.n_groups);
	FUZZ_ASSERT(mship_counter(w.m, MSHIP_CTR_UPSTREAM_JOINS) -
		    mship_counter(w.m, MSHIP_CTR_UPSTREAM_LEAVES) == st.n_groups);

	for (c = MSHIP_CTR_TX_GENERAL_QUERY; c <= MSHIP_CTR_TX_LEAVE; c++)
		FUZZ_ASSERT(mship_counter(w.m, c) == w.tx[c]);
	FUZZ_ASSERT(mship_counter(w.m, MSHIP_CTR_QUERIER_LOST) == w.ev_querier_lost);
	FUZZ_ASSERT(mship_counter(w.m, MSHIP_CTR_QUERIER_ELECTED) == w.ev_querier_elected);
}

/* ---- steps ---- */

static uint32_t
pick_group(struct input *in)
{
	uint8_t b = get8(in);

	/* Mostly a small pool, so records meet; now and then what must be ignored. */
	switch (b >> 5) {
	case 7:
		return (b & 1) ? ip4(224, 0, 0, 5) : ip4(10, 1, 1, b);
	case 6:
		return b & 1 ? 0 : ip4(239, 255, 255, 250);
	default:
		return ip4(232, 1, 0, (uint8_t)(b % FUZZ_N_GROUPS));
	}
}

static uint32_t
pick_source(struct input *in)
{
	return ip4(10, 9, 0, (uint8_t)(get8(in) % FUZZ_N_SOURCES + 1));
}

/* Who sent it, seen from port: a neighbour, a lower querier, a stranger, ourselves, 0.0.0.0. */
static uint32_t
pick_sender(struct input *in, uint16_t port)
{
	uint8_t b = get8(in);
	uint32_t base = port == FUZZ_UP_PORT ? ip4(192, 0, 2, 0) : ip4(10, 0, (uint8_t)port, 0);

	switch (b & 7) {
	case 0:
		return 0;
	case 1:
		return port_addr(port);
	case 2:
		return ip4(1, 2, 3, 4);
	case 3:
		return htonl(ntohl(base) + 1);
	default:
		return htonl(ntohl(base) + 2 + (b >> 3) % 8);
	}
}

static uint16_t
pick_port(struct input *in)
{
	uint8_t b = get8(in);

	return b < 0x20 ? FUZZ_UP_PORT : (uint16_t)(b % (FUZZ_N_DOWN + 1));
}

/* Builds an IGMP message from the input into buf; returns its length (0: none). */
static size_t
build_message(struct input *in, uint8_t *buf, size_t cap, uint32_t *dst)
{
	static uint32_t src[IGMP_V3_RECORD_MIN_LEN * 32];
	static struct igmp_record_spec specs[16];
	uint8_t kind = get8(in) % 7, type;
	uint16_t n, i, j, k = 0, next = 0, next_src = 0;
	uint32_t group = pick_group(in);

	switch (kind) {
	case 0:
	case 1:
	case 2:
		type = kind == 0 ? IGMP_TYPE_V1_REPORT :
		       kind == 1 ? IGMP_TYPE_V2_REPORT : IGMP_TYPE_LEAVE;
		*dst = kind == 2 ? htonl(0xe0000002u) : group;
		return igmp_build_v2(buf, cap, type, 0, group);
	case 3:
		/* v1 (code 0) or v2 query, general or group-specific. */
		*dst = group == 0 ? htonl(0xe0000001u) : group;
		return igmp_build_v2(buf, cap, IGMP_TYPE_QUERY, get8(in) & 0x7f,
				     get8(in) & 1 ? 0 : group);
	case 4:
		n = get8(in) % 4;
		for (i = 0; i < n; i++)
			src[i] = pick_source(in);
		if (get8(in) & 1)
			group = 0;
		*dst = group == 0 ? htonl(0xe0000001u) : group;
		return igmp_build_v3_query(buf, cap, get8(in), group, get8(in) & 1,
					   get8(in) & 7, get8(in), src, n);
	default:
		n = get8(in) % 6 + 1;
		for (i = 0; i < n; i++) {
			uint16_t ns = get8(in) % 5;

			specs[i] = (struct igmp_record_spec){
				.type = (uint8_t)(get8(in) % 6 + 1),
				.group = i == 0 ? group : pick_group(in),
				.sources = src + k,
			};
			for (j = 0; j < ns; j++)
				src[k++] = pick_source(in);
			specs[i].n_sources = ns;
		}
		*dst = htonl(0xe0000016u);
		return igmp_build_v3_report(buf, cap, cap, specs, n, &next, &next_src);
	}
}

static void
step_message(struct input *in, bool raw)
{
	static uint8_t buf[FUZZ_MAX_MSG];
	struct igmp_msg msg;
	uint16_t port = pick_port(in);
	uint32_t from = pick_sender(in, port), dst = 0;
	enum mship_counter outcome;
	size_t len, i;

	if (raw) {
		/* Bytes as they come (checksum fixed), for what the builders never write. */
		len = get8(in) % 64 + IGMP_V2_LEN;
		for (i = 0; i < len; i++)
			buf[i] = get8(in);
		fuzz_put_checksum(buf, len, 2);
		dst = pick_group(in);
		if (igmp_parse(buf, len, &msg) != IGMP_OK)
			return;
	} else {
		len = build_message(in, buf, sizeof(buf), &dst);
		if (len == 0)
			return;
		FUZZ_ASSERT(igmp_parse(buf, len, &msg) == IGMP_OK);
	}
	outcome = mship_input(w.m, port, from, dst, &msg, w.now);
	FUZZ_ASSERT((unsigned int)outcome < MSHIP_CTR_COUNT);
	FUZZ_ASSERT(outcome == MSHIP_CTR_ACCEPTED ||
		    strncmp(mship_counter_name(outcome), "ignored_", 8) == 0 ||
		    strncmp(mship_counter_name(outcome), "refused_", 8) == 0);
}

static void
step_clock(struct input *in)
{
	uint8_t b = get8(in);
	uint64_t next;

	if (b < 0x40) {
		/* Straight to the next deadline, where the interesting things happen. */
		next = mship_next_timer(w.m);
		if (next != UINT64_MAX && next > w.now)
			w.now = next;
	} else if (b < 0xc0) {
		w.now += (uint64_t)(b & 0x3f) * 10;
	} else {
		w.now += (uint64_t)get16(in) * 10;
	}
	mship_tick(w.m, w.now);
	/* Everything due has run. */
	FUZZ_ASSERT(mship_next_timer(w.m) > w.now);
}

static void
step_ports(struct input *in)
{
	uint8_t b = get8(in);
	uint16_t port = (uint16_t)(b % (FUZZ_N_DOWN + 2)), old;
	bool was;
	int ret;

	switch ((b >> 4) % 3) {
	case 0:
		/* Marked first: the library may query on the port from inside the call. */
		was = w.down[port];
		w.down[port] = port != w.up;
		ret = mship_port_add(w.m, port, port_addr(port), 24, w.now);
		FUZZ_ASSERT(ret == (port == w.up ? -EINVAL : was ? -EEXIST : 0));
		w.down[port] = was || ret == 0;
		if (ret == 0) /* odd bytes: fast leave (host tracking) on the new port */
			FUZZ_ASSERT(mship_port_fast_leave(w.m, port, (b & 1) != 0) == 0);
		break;
	case 1:
		ret = mship_port_del(w.m, port, w.now);
		FUZZ_ASSERT(ret == (w.down[port] ? 0 : -ENOENT));
		w.down[port] = false;
		break;
	default:
		if (b & 0x80)
			port = MSHIP_NO_PORT;
		/* Set first: the state is reported on the new upstream from inside the call. */
		old = w.up;
		w.up = port;
		ret = mship_set_upstream(w.m, port, port_addr(port), w.now);
		FUZZ_ASSERT(ret == (port == MSHIP_NO_PORT || !w.down[port] ? 0 : -EINVAL));
		if (ret != 0)
			w.up = old;
		break;
	}
}

static void
configure(struct input *in, struct mship_config *c)
{
	mship_config_defaults(c);
	c->robustness = (uint8_t)(get8(in) % 3 + 1);
	c->startup_query_count = (uint8_t)(get8(in) % 3 + 1);
	c->last_member_query_count = (uint8_t)(get8(in) % 3 + 1);
	c->querier_version = (uint8_t)(get8(in) % 3 + 1);
	c->querier_enabled = get8(in) & 1;
	c->query_interval_ms = 1000 + get16(in) % 20000;
	c->query_response_interval_ms = 100 + get16(in) % (c->query_interval_ms - 100);
	c->startup_query_interval_ms = c->query_interval_ms / 4;
	c->last_member_query_interval_ms = 100 + get16(in) % 2000;
	c->unsolicited_report_interval_ms = 100 + get16(in) % 2000;
	c->unsolicited_report_interval_v2_ms = 100 + get16(in) % 10000;
	c->max_groups = get8(in) % 32 + 1;
	c->max_groups_per_port = get8(in) % 32 + 1;
	c->max_sources_per_group = (uint16_t)(get8(in) % 16 + 1);
	/* Small messages make the reports split. */
	c->max_msg_len = (uint16_t)(IGMP_V3_QUERY_MIN_LEN + 4 + get16(in) % 1480);
	c->random_seed = get16(in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct mship_ops ops = {
		.send = on_send,
		.changed = on_changed,
		.event = on_event,
	};
	uint16_t p;
	int steps;

	memset(&w, 0, sizeof(w));
	live_bytes = 0;
	configure(&in, &w.cfg);
	w.now = 1000;
	w.up = MSHIP_NO_PORT;
	w.m = mship_create(&w.cfg, &ops);
	FUZZ_ASSERT(w.m != NULL);
	FUZZ_ASSERT(mship_memory(w.m) == live_bytes);
	w.up = FUZZ_UP_PORT;
	FUZZ_ASSERT(mship_set_upstream(w.m, FUZZ_UP_PORT, port_addr(FUZZ_UP_PORT), w.now) == 0);
	for (p = 1; p <= FUZZ_N_DOWN; p++) {
		w.down[p] = true;
		FUZZ_ASSERT(mship_port_add(w.m, p, port_addr(p), 24, w.now) == 0);
		FUZZ_ASSERT(mship_port_fast_leave(w.m, p, (p & 1) != 0) == 0);
	}
	check_world();

	for (steps = 0; steps < FUZZ_MAX_STEPS && in.left > 0; steps++) {
		uint8_t op = get8(&in);

		if (op < 0x90)
			step_message(&in, false);
		else if (op < 0xa0)
			step_message(&in, true);
		else if (op < 0xf0)
			step_clock(&in);
		else
			step_ports(&in);
		check_world();
	}
	mship_free(w.m);
	FUZZ_ASSERT(live_bytes == 0);
	return 0;
}
