/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of asked_groups: joins and leaves for any source and for sources,
 * per-port lifetimes, the change callback, the limits, and a randomized run
 * against a plain array model with many colliding groups, where every group
 * is read back after every step (back-shift deletion must keep them findable).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asked_groups.h"
#include "tap.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define IN1 (1u << 2)
#define IN2 (1u << 3)
#define IN3 (1u << 4)

#define LIFETIME 1000
/* The sources a group may hold in these tables. */
#define MAX_SRC 32

/* Which groups the callback was called for, in order. */
struct calls {
	uint32_t group[4096];
	unsigned int n;
};

static void
on_changed(void *arg, uint32_t group)
{
	struct calls *c = arg;

	if (c->n < ARRAY_LEN(c->group))
		c->group[c->n] = group;
	c->n++;
}

static uint32_t
ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return htonl((uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d);
}

/* A group's state as one comparable line: "any=0x0004 10.0.0.1:0x0008 ..." (sources sorted). */
static const char *
describe(const struct asked_groups *a, uint32_t group)
{
	static char buf[2048];
	struct fwd_source src[MAX_SRC];
	fwd_mask_t any;
	uint16_t n;
	size_t len;

	if (!asked_groups_get(a, group, &any, src, &n))
		return "absent";
	len = (size_t)snprintf(buf, sizeof(buf), "any=0x%04x", any);
	/* Insertion order is not part of the contract. */
	for (uint16_t i = 1; i < n; i++)
		for (uint16_t j = i; j > 0 && ntohl(src[j - 1].addr) > ntohl(src[j].addr); j--) {
			struct fwd_source t = src[j];

			src[j] = src[j - 1];
			src[j - 1] = t;
		}
	for (uint16_t i = 0; i < n && len < sizeof(buf); i++) {
		char a_str[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &src[i].addr, a_str, sizeof(a_str));
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, " %s:0x%04x%s", a_str,
					src[i].include, src[i].exclude != 0 ? "(exclude!)" : "");
	}
	return buf;
}

#define CHECK_STATE(a, group, want, ...) do { \
	const char *got_ = describe((a), (group)); \
	char what_[160]; \
	snprintf(what_, sizeof(what_), __VA_ARGS__); \
	if (strcmp(got_, (want)) == 0) \
		TAP_CHECK(true, "%s: %s", what_, got_); \
	else \
		TAP_CHECK(false, "%s: %s (want %s)", what_, got_, (want)); \
} while (0)

static void
test_join_leave(void)
{
	struct calls calls = { .n = 0 };
	struct asked_groups *a = asked_groups_create(16, MAX_SRC, LIFETIME, on_changed, &calls);
	const uint32_t g = ip(239, 1, 1, 1), g2 = ip(239, 1, 1, 2);
	const uint32_t s12[] = { ip(10, 0, 0, 1), ip(10, 0, 0, 2) };
	const uint32_t s1[] = { ip(10, 0, 0, 1) };
	const uint32_t s2[] = { ip(10, 0, 0, 2) };
	fwd_mask_t any = 0xffff;
	struct fwd_source src[MAX_SRC];
	uint16_t n = 99;
	int ret;

	TAP_CHECK(a != NULL, "created");
	if (a == NULL)
		return;
	TAP_CHECK(!asked_groups_get(a, g, &any, src, &n) && any == 0 && n == 0,
		  "empty: get is false and clears its outputs");
	TAP_CHECK(asked_groups_count(a) == 0, "empty: count 0");

	ret = asked_groups_join(a, g, IN1, NULL, 0, 0);
	TAP_CHECK(ret == 0 && calls.n == 1 && calls.group[0] == g,
		  "join any-source: ret %d, one callback for the group (%u)", ret, calls.n);
	CHECK_STATE(a, g, "any=0x0004", "IN1 from any source");
	ret = asked_groups_join(a, g, IN2, s12, 2, 0);
	CHECK_STATE(a, g, "any=0x0004 10.0.0.1:0x0008 10.0.0.2:0x0008",
		    "IN2 from two sources (ret %d)", ret);
	ret = asked_groups_join(a, g, IN1, s1, 1, 0);
	CHECK_STATE(a, g, "any=0x0004 10.0.0.1:0x000c 10.0.0.2:0x0008",
		    "IN1 from s1 too (ret %d)", ret);
	ret = asked_groups_join(a, g2, IN3, s2, 1, 0);
	CHECK_STATE(a, g2, "any=0x0000 10.0.0.2:0x0010", "another group, IN3 from s2 (ret %d)",
		    ret);
	TAP_CHECK(asked_groups_count(a) == 2 && calls.n == 4, "count 2, four callbacks (%u, %u)",
		  asked_groups_count(a), calls.n);

	calls.n = 0;
	asked_groups_leave(a, g, IN2, s2, 1);
	CHECK_STATE(a, g, "any=0x0004 10.0.0.1:0x000c", "IN2 leaves s2: the source goes");
	TAP_CHECK(calls.n == 1 && calls.group[0] == g, "one callback for the leave (%u)", calls.n);
	asked_groups_leave(a, g, IN1, NULL, 0);
	CHECK_STATE(a, g, "any=0x0000 10.0.0.1:0x0008",
		    "IN1 leaves the group: any-source and its sources");
	asked_groups_leave(a, g, IN2, s1, 1);
	CHECK_STATE(a, g, "absent", "IN2 leaves s1: nothing left, the group goes");
	TAP_CHECK(asked_groups_count(a) == 1, "count 1 (%u)", asked_groups_count(a));
	CHECK_STATE(a, g2, "any=0x0000 10.0.0.2:0x0010", "the other group untouched");

	calls.n = 0;
	asked_groups_leave(a, g, IN1, NULL, 0);
	asked_groups_leave(a, ip(239, 9, 9, 9), IN1, s1, 1);
	TAP_CHECK(calls.n == 0, "leaves of absent groups: no callback (%u)", calls.n);
	asked_groups_leave(a, g2, IN3, s1, 1);
	CHECK_STATE(a, g2, "any=0x0000 10.0.0.2:0x0010", "leave of a source not asked: no change");

	ret = asked_groups_join(a, 0, IN1, NULL, 0, 0);
	TAP_CHECK(ret == -EINVAL, "group 0: -EINVAL (%d)", ret);
	ret = asked_groups_join(a, g, 0, NULL, 0, 0);
	TAP_CHECK(ret == -EINVAL, "no ports: -EINVAL (%d)", ret);
	TAP_CHECK(!asked_groups_get(a, 0, &any, src, &n), "get of group 0 is false");
	asked_groups_leave(a, 0, IN1, NULL, 0);
	TAP_CHECK(asked_groups_count(a) == 1, "leave of group 0 changes nothing (count %u)",
		  asked_groups_count(a));
	asked_groups_free(a);
	asked_groups_free(NULL);
}

static void
test_expiry(void)
{
	struct calls calls = { .n = 0 };
	struct asked_groups *a = asked_groups_create(16, MAX_SRC, LIFETIME, on_changed, &calls);
	const uint32_t g = ip(239, 2, 2, 2), g2 = ip(232, 2, 2, 2);
	const uint32_t s1[] = { ip(10, 0, 0, 1) };

	TAP_CHECK(a != NULL, "created for expiry");
	if (a == NULL)
		return;
	asked_groups_join(a, g, IN1, NULL, 0, 0);
	asked_groups_join(a, g, IN2, s1, 1, 500);
	asked_groups_join(a, g2, IN1 | IN3, NULL, 0, 200);
	calls.n = 0;
	asked_groups_expire(a, 999);
	TAP_CHECK(calls.n == 0, "expire at 999: nothing yet, no callback (%u)", calls.n);
	CHECK_STATE(a, g, "any=0x0004 10.0.0.1:0x0008", "at 999");
	asked_groups_expire(a, 1000);
	CHECK_STATE(a, g, "any=0x0000 10.0.0.1:0x0008", "at 1000: IN1 (joined at 0) gone");
	TAP_CHECK(calls.n == 1 && calls.group[0] == g, "one callback, for that group (%u)",
		  calls.n);
	asked_groups_expire(a, 1000);
	TAP_CHECK(calls.n == 1, "expire again at 1000: no more callbacks (%u)", calls.n);
	/* g2's IN1 refreshed at 1100: only IN3 goes at 1200. */
	asked_groups_join(a, g2, IN1, NULL, 0, 1100);
	asked_groups_expire(a, 1200);
	CHECK_STATE(a, g2, "any=0x0004", "at 1200: IN3 gone, refreshed IN1 stays");
	asked_groups_expire(a, 1499);
	CHECK_STATE(a, g, "any=0x0000 10.0.0.1:0x0008", "at 1499: IN2 (joined at 500) stays");
	asked_groups_expire(a, 1500);
	CHECK_STATE(a, g, "absent", "at 1500: IN2 gone, the group with it");
	TAP_CHECK(asked_groups_count(a) == 1, "count 1 (%u)", asked_groups_count(a));
	asked_groups_expire(a, UINT64_MAX);
	CHECK_STATE(a, g2, "absent", "far future: everything gone");
	TAP_CHECK(asked_groups_count(a) == 0, "count 0 (%u)", asked_groups_count(a));

	/* A port that left and joined again counts from its new join. */
	asked_groups_join(a, g, IN1, NULL, 0, 5000);
	asked_groups_leave(a, g, IN1, NULL, 0);
	asked_groups_join(a, g, IN1, NULL, 0, 5600);
	asked_groups_expire(a, 6000);
	CHECK_STATE(a, g, "any=0x0004", "left and joined again at 5600: still there at 6000");
	asked_groups_expire(a, 6600);
	CHECK_STATE(a, g, "absent", "gone at 6600");
	asked_groups_free(a);
}

static void
test_limits(void)
{
	struct calls calls = { .n = 0 };
	struct asked_groups *a = asked_groups_create(3, MAX_SRC, LIFETIME, on_changed, &calls);
	uint32_t many[MAX_SRC + 1];
	char before[2048];
	int ret;

	TAP_CHECK(a != NULL, "created with max 3 groups");
	if (a == NULL)
		return;
	for (uint8_t i = 1; i <= 3; i++)
		asked_groups_join(a, ip(239, 0, 0, i), IN1, NULL, 0, 0);
	calls.n = 0;
	ret = asked_groups_join(a, ip(239, 0, 0, 4), IN1, NULL, 0, 0);
	TAP_CHECK(ret == -ENOSPC && calls.n == 0, "fourth group: -ENOSPC, no callback (%d)", ret);
	CHECK_STATE(a, ip(239, 0, 0, 4), "absent", "the refused group");
	TAP_CHECK(asked_groups_count(a) == 3, "count 3 (%u)", asked_groups_count(a));
	for (uint8_t i = 1; i <= 3; i++)
		CHECK_STATE(a, ip(239, 0, 0, i), "any=0x0004", "group %u kept", i);
	ret = asked_groups_join(a, ip(239, 0, 0, 2), IN2, NULL, 0, 0);
	CHECK_STATE(a, ip(239, 0, 0, 2), "any=0x000c",
		    "full table: a held group still takes a port (ret %d)", ret);
	asked_groups_leave(a, ip(239, 0, 0, 1), IN1, NULL, 0);
	ret = asked_groups_join(a, ip(239, 0, 0, 4), IN1, NULL, 0, 0);
	TAP_CHECK(ret == 0 && asked_groups_count(a) == 3, "after a leave the fourth fits (ret %d)",
		  ret);
	asked_groups_free(a);

	a = asked_groups_create(16, MAX_SRC, LIFETIME, on_changed, &calls);
	if (a == NULL)
		return;
	for (uint32_t i = 0; i < ARRAY_LEN(many); i++)
		many[i] = htonl(0x0a000001u + i);
	ret = asked_groups_join(a, ip(232, 0, 0, 1), IN1, many, MAX_SRC, 0);
	TAP_CHECK(ret == 0, "%d sources fit (%d)", MAX_SRC, ret);
	snprintf(before, sizeof(before), "%s", describe(a, ip(232, 0, 0, 1)));
	calls.n = 0;
	ret = asked_groups_join(a, ip(232, 0, 0, 1), IN2, &many[1], MAX_SRC, 0);
	TAP_CHECK(ret == -E2BIG && calls.n == 0, "source %d: -E2BIG, no callback (%d)",
		  MAX_SRC + 1, ret);
	CHECK_STATE(a, ip(232, 0, 0, 1), before, "the group kept its %d sources unchanged",
		    MAX_SRC);
	ret = asked_groups_join(a, ip(232, 0, 0, 1), IN2, many, MAX_SRC, 0);
	TAP_CHECK(ret == 0, "the same %d sources for another port: no new place needed (%d)",
		  MAX_SRC, ret);
	ret = asked_groups_join(a, ip(232, 0, 0, 2), IN1, many, MAX_SRC + 1, 0);
	TAP_CHECK(ret == -E2BIG && asked_groups_count(a) == 1,
		  "new group with %d sources: -E2BIG, not created (ret %d, count %u)",
		  MAX_SRC + 1, ret, asked_groups_count(a));
	CHECK_STATE(a, ip(232, 0, 0, 2), "absent", "the refused new group");
	{
		const uint32_t twice[] = { ip(10, 9, 9, 9), ip(10, 9, 9, 9) };

		asked_groups_leave(a, ip(232, 0, 0, 1), IN1 | IN2, &many[0], 1);
		ret = asked_groups_join(a, ip(232, 0, 0, 1), IN3, twice, 2, 0);
		TAP_CHECK(ret == 0, "one free place takes a source given twice (%d)", ret);
	}
	asked_groups_free(a);

	a = asked_groups_create(UINT32_MAX, MAX_SRC, LIFETIME, NULL, NULL);
	TAP_CHECK(a == NULL, "max_groups 2^32-1 refused at creation (no endless sizing loop)");
	a = asked_groups_create(0, MAX_SRC, LIFETIME, NULL, NULL);
	TAP_CHECK(a != NULL && asked_groups_join(a, ip(239, 0, 0, 1), IN1, NULL, 0, 0) == -ENOSPC,
		  "max_groups 0: every join -ENOSPC");
	asked_groups_free(a);
}

/* ---- randomized run against a model ---- */

#define MODEL_PORTS 16
#define UNIVERSE 64
#define SOURCE_POOL 40

struct model_group {
	uint32_t group;
	fwd_mask_t any;
	uint16_t n;
	uint32_t src[MAX_SRC];
	fwd_mask_t src_ports[MAX_SRC];
	uint64_t expires[MODEL_PORTS];
};

struct model {
	struct model_group g[UNIVERSE];
	bool present[UNIVERSE];
	uint32_t count;
	uint32_t max;
};

static int
model_find_src(const struct model_group *m, uint32_t s)
{
	for (int i = 0; i < m->n; i++)
		if (m->src[i] == s)
			return i;
	return -1;
}

static fwd_mask_t
model_ports(const struct model_group *m)
{
	fwd_mask_t p = m->any;

	for (int i = 0; i < m->n; i++)
		p |= m->src_ports[i];
	return p;
}

static int
model_join(struct model *md, int k, fwd_mask_t ports, const uint32_t *src, uint16_t n,
	   uint64_t now)
{
	struct model_group *m = &md->g[k];
	int new_src = 0;

	if (!md->present[k] && md->count == md->max)
		return -ENOSPC;
	for (int i = 0; i < n; i++) {
		bool seen = false;

		for (int j = 0; j < i; j++)
			seen = seen || src[j] == src[i];
		if (!seen && (!md->present[k] || model_find_src(m, src[i]) < 0))
			new_src++;
	}
	if ((md->present[k] ? m->n : 0) + new_src > MAX_SRC)
		return -E2BIG;
	if (!md->present[k]) {
		uint32_t group = m->group;

		memset(m, 0, sizeof(*m));
		m->group = group;
		md->present[k] = true;
		md->count++;
	}
	if (n == 0)
		m->any |= ports;
	for (int i = 0; i < n; i++) {
		int j = model_find_src(m, src[i]);

		if (j < 0) {
			j = m->n++;
			m->src[j] = src[i];
			m->src_ports[j] = 0;
		}
		m->src_ports[j] |= ports;
	}
	for (int p = 0; p < MODEL_PORTS; p++)
		if (ports & (1u << p))
			m->expires[p] = now + LIFETIME;
	return 0;
}

static void
model_leave(struct model *md, int k, fwd_mask_t ports, const uint32_t *src, uint16_t n)
{
	struct model_group *m = &md->g[k];
	int kept = 0;

	if (!md->present[k])
		return;
	if (n == 0) {
		m->any &= (fwd_mask_t)~ports;
		for (int i = 0; i < m->n; i++)
			m->src_ports[i] &= (fwd_mask_t)~ports;
	}
	for (int i = 0; i < n; i++) {
		int j = model_find_src(m, src[i]);

		if (j >= 0)
			m->src_ports[j] &= (fwd_mask_t)~ports;
	}
	for (int i = 0; i < m->n; i++) {
		if (m->src_ports[i] != 0) {
			m->src[kept] = m->src[i];
			m->src_ports[kept] = m->src_ports[i];
			kept++;
		}
	}
	m->n = (uint16_t)kept;
	if (model_ports(m) == 0) {
		md->present[k] = false;
		md->count--;
	}
}

/* Groups whose ports expire at now; what asked_groups_expire must call back for. */
static void
model_expire(struct model *md, uint64_t now, bool *touched)
{
	for (int k = 0; k < UNIVERSE; k++) {
		fwd_mask_t gone = 0;

		if (!md->present[k])
			continue;
		for (int p = 0; p < MODEL_PORTS; p++) {
			if (md->g[k].expires[p] != 0 && md->g[k].expires[p] <= now) {
				gone |= (fwd_mask_t)(1u << p);
				md->g[k].expires[p] = 0;
			}
		}
		if (gone != 0) {
			model_leave(md, k, gone, NULL, 0);
			touched[k] = true;
		}
	}
}

static const char *
model_describe(const struct model *md, int k)
{
	static char buf[2048];
	const struct model_group *m = &md->g[k];
	uint32_t src[MAX_SRC];
	fwd_mask_t ports[MAX_SRC];
	size_t len;

	if (!md->present[k])
		return "absent";
	memcpy(src, m->src, sizeof(src));
	memcpy(ports, m->src_ports, sizeof(ports));
	for (int i = 1; i < m->n; i++)
		for (int j = i; j > 0 && ntohl(src[j - 1]) > ntohl(src[j]); j--) {
			uint32_t t = src[j];
			fwd_mask_t tp = ports[j];

			src[j] = src[j - 1];
			ports[j] = ports[j - 1];
			src[j - 1] = t;
			ports[j - 1] = tp;
		}
	len = (size_t)snprintf(buf, sizeof(buf), "any=0x%04x", m->any);
	for (int i = 0; i < m->n && len < sizeof(buf); i++) {
		char a_str[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &src[i], a_str, sizeof(a_str));
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, " %s:0x%04x", a_str, ports[i]);
	}
	return buf;
}

static int
group_index(const uint32_t *universe, uint32_t group)
{
	for (int k = 0; k < UNIVERSE; k++)
		if (universe[k] == group)
			return k;
	return -1;
}

static bool
model_asks(const struct model *md, int k, uint16_t port)
{
	return md->present[k] && (model_ports(&md->g[k]) & (1u << port));
}

/* The model's answer to asked_groups_next: the lowest group (host order) >= first of port. */
static int
model_next(const struct model *md, uint16_t port, uint32_t first_host)
{
	int best = -1;

	for (int k = 0; k < UNIVERSE; k++)
		if (model_asks(md, k, port) && ntohl(md->g[k].group) >= first_host &&
		    (best < 0 || ntohl(md->g[k].group) < ntohl(md->g[best].group)))
			best = k;
	return best;
}

/*
 * A paged walk over one port, one group a step while the table changes under
 * it, as the groups view's cursor pages: the next group after the last shown.
 */
struct walk {
	uint16_t port;
	uint32_t next;                /* host order; the cursor */
	bool done;
	bool seen[UNIVERSE];
	bool stayed[UNIVERSE];        /* asked for by port since the walk began */
	int walks;                    /* walks completed */
};

static void
walk_begin(struct walk *w, const struct model *md)
{
	w->next = 0;
	w->done = false;
	for (int k = 0; k < UNIVERSE; k++) {
		w->seen[k] = false;
		w->stayed[k] = model_asks(md, k, w->port);
	}
}

/* One step of the walk after a change of the table; returns the failures seen. */
static int
walk_step(struct walk *w, struct asked_groups *a, const struct model *md,
	  const uint32_t *universe, const char *name, int step)
{
	struct asked_port_info info;
	int want, k, failures = 0;
	bool found;

	for (k = 0; k < UNIVERSE; k++)
		w->stayed[k] = w->stayed[k] && model_asks(md, k, w->port);
	want = model_next(md, w->port, w->next);
	found = !w->done && asked_groups_next(a, w->port, htonl(w->next), &info);
	if (w->done || !found) {
		if (!w->done && want >= 0) {
			TAP_CHECK(false, "%s step %d: walk ended before %08x", name, step,
				  ntohl(universe[want]));
			failures++;
		}
		for (k = 0; k < UNIVERSE; k++) {
			if (w->stayed[k] && !w->seen[k]) {
				TAP_CHECK(false, "%s step %d: walk missed %08x, asked for all along",
					  name, step, ntohl(universe[k]));
				failures++;
			}
		}
		w->walks++;
		walk_begin(w, md);
		return failures;
	}
	k = group_index(universe, info.group);
	if (k != want || k < 0) {
		TAP_CHECK(false, "%s step %d: walk of port %u from %08x gave %08x (want %08x)", name,
			  step, w->port, w->next, ntohl(info.group),
			  want < 0 ? 0 : ntohl(universe[want]));
		return failures + 1;
	}
	if (w->seen[k]) {
		TAP_CHECK(false, "%s step %d: walk showed %08x twice", name, step, ntohl(info.group));
		failures++;
	}
	if (info.ports != model_ports(&md->g[k]) ||
	    info.any_source != ((md->g[k].any & (1u << w->port)) != 0)) {
		TAP_CHECK(false, "%s step %d: walk's %08x: ports 0x%x any %d", name, step,
			  ntohl(info.group), info.ports, info.any_source);
		failures++;
	}
	w->seen[k] = true;
	w->done = ntohl(info.group) == UINT32_MAX;
	w->next = ntohl(info.group) + 1;
	return failures;
}

/*
 * steps random operations on a table of max groups; groups come from a
 * universe where colliding ones are frequent. Returns the failures seen.
 */
static int
random_run(const char *name, uint32_t max, const uint32_t *universe, int steps, unsigned int seed)
{
	static struct model md;
	struct calls calls;
	struct asked_groups *a;
	static struct walk walk;
	uint32_t pool[SOURCE_POOL];
	uint64_t now = 0;
	int failures = 0, joins = 0, refused = 0, leaves = 0, expiries = 0;
	uint32_t peak = 0;

	memset(&md, 0, sizeof(md));
	md.max = max;
	for (int k = 0; k < UNIVERSE; k++)
		md.g[k].group = universe[k];
	for (int i = 0; i < SOURCE_POOL; i++)
		pool[i] = htonl(0x0a000000u + (uint32_t)i * 257u + 1);
	a = asked_groups_create(max, MAX_SRC, LIFETIME, on_changed, &calls);
	if (a == NULL)
		return 1;
	srand(seed);
	walk.port = 3;
	walk.walks = 0;
	walk_begin(&walk, &md);
	for (int step = 0; step < steps && failures < 5; step++) {
		static char before[UNIVERSE][2048];
		bool touched[UNIVERSE] = { false };
		int op = rand() % 100;
		int k = rand() % UNIVERSE;
		fwd_mask_t ports = (fwd_mask_t)((rand() % 7 + 1) << 2);
		uint32_t src[MAX_SRC + 4];
		uint16_t n = 0;

		if (rand() % 3 != 0) {
			n = (uint16_t)(rand() % 5);
			if (rand() % 20 == 0)
				n = (uint16_t)(MAX_SRC / 2 +
					       rand() % (MAX_SRC / 2 + 4));
			for (int i = 0; i < n; i++)
				src[i] = pool[rand() % SOURCE_POOL];
		}
		for (int j = 0; j < UNIVERSE; j++)
			snprintf(before[j], sizeof(before[j]), "%s", describe(a, universe[j]));
		calls.n = 0;
		now += (uint64_t)(rand() % 50);
		if (op < 55) {
			int want = model_join(&md, k, ports, src, n, now);
			int got = asked_groups_join(a, universe[k], ports, src, n, now);

			joins++;
			refused += got != 0;
			if (got != want) {
				TAP_CHECK(false,
					  "%s step %d: join %08x ports 0x%x %u sources: %d (want %d)",
					  name, step, ntohl(universe[k]), ports, n, got, want);
				failures++;
			}
			touched[k] = got == 0;
		} else if (op < 90) {
			model_leave(&md, k, ports, src, n);
			touched[k] = true;
			asked_groups_leave(a, universe[k], ports, src, n);
			leaves++;
		} else {
			now += (uint64_t)(rand() % LIFETIME);
			model_expire(&md, now, touched);
			asked_groups_expire(a, now);
			expiries++;
		}
		if (asked_groups_count(a) != md.count) {
			TAP_CHECK(false, "%s step %d: count %u (want %u)", name, step,
				  asked_groups_count(a), md.count);
			failures++;
		}
		if (md.count > peak)
			peak = md.count;
		/* each port's count, kept as groups change, is what the model's walk would count */
		for (uint16_t port = 0; port < 18; port++) {
			uint32_t want_n = 0;

			for (int j = 0; j < UNIVERSE; j++)
				want_n += model_asks(&md, j, port);
			if (asked_groups_port_count(a, port) != want_n) {
				TAP_CHECK(false, "%s step %d: port %u counts %u groups (want %u)", name,
					  step, port, asked_groups_port_count(a, port), want_n);
				failures++;
			}
		}
		for (int j = 0; j < UNIVERSE; j++) {
			const char *got = describe(a, universe[j]);
			const char *want = model_describe(&md, j);
			bool called = false;

			for (unsigned int c = 0; c < calls.n && c < ARRAY_LEN(calls.group); c++)
				called = called || calls.group[c] == universe[j];
			if (strcmp(got, want) != 0) {
				TAP_CHECK(false, "%s step %d: group %08x: %s (want %s)", name, step,
					  ntohl(universe[j]), got, want);
				failures++;
			}
			if (strcmp(got, before[j]) != 0 && !called) {
				TAP_CHECK(false, "%s step %d: group %08x changed without a callback",
					  name, step, ntohl(universe[j]));
				failures++;
			}
			if (called && !touched[j]) {
				TAP_CHECK(false, "%s step %d: callback for untouched group %08x", name,
					  step, ntohl(universe[j]));
				failures++;
			}
		}
		failures += walk_step(&walk, a, &md, universe, name, step);
		for (unsigned int c = 0; c < calls.n && c < ARRAY_LEN(calls.group); c++) {
			if (group_index(universe, calls.group[c]) < 0) {
				TAP_CHECK(false, "%s step %d: callback for unknown group %08x", name, step,
					  ntohl(calls.group[c]));
				failures++;
			}
		}
	}
	printf("# %s: %d joins (%d refused), %d leaves, %d expiries, up to %u groups\n", name, joins,
	       refused, leaves, expiries, peak);
	TAP_CHECK(failures == 0 && refused > 0 && peak == max,
		  "%s: %d steps agree with the model, the table filled up (%u) and refused (%d)",
		  name, steps, peak, refused);
	TAP_CHECK(failures == 0 && walk.walks >= 10,
		  "%s: %d ordered walks paged a group a step while the table changed: in order, "
		  "none twice, none missed that stayed", name, walk.walks);
	asked_groups_free(a);
	return failures;
}

static void
test_random(void)
{
	uint32_t universe[UNIVERSE];

	/* 24 groups in 64 slots: long probe runs that wrap around the table's end. */
	for (int k = 0; k < UNIVERSE; k++)
		universe[k] = htonl(0xef000000u + (uint32_t)k * 0x10001u);
	random_run("24 groups", 24, universe, 6000, 1);
	/* 8 groups in 16 slots: nearly every group collides. */
	random_run("8 groups", 8, universe, 6000, 2);

	/*
	 * Values 2^25 apart (as stored, network order or not) share their home
	 * slot in any table up to 2^18 slots, since the hash multiplies and keeps
	 * bits from 7 up: four long probe runs.
	 */
	for (int k = 0; k < UNIVERSE; k++)
		universe[k] = 0x000101e0u + (uint32_t)(k % 16) * (1u << 25) + (uint32_t)(k / 16);
	random_run("colliding groups", 30, universe, 8000, 3);
}

/* The ordered walk: host order per port, and how each port's ask came. */
static void
test_walk(void)
{
	struct asked_groups *a = asked_groups_create(64, MAX_SRC, LIFETIME, NULL, NULL);
	/* Host order; in network order (as stored) the last two would come first. */
	const uint32_t g1 = ip(239, 0, 0, 2), g2 = ip(239, 0, 1, 1), g3 = ip(239, 1, 0, 0);
	const uint32_t host = ip(10, 1, 0, 5), src = ip(10, 0, 0, 1);
	struct asked_port_info info;
	uint32_t got[4];
	int n = 0;

	TAP_CHECK(a != NULL, "created");
	if (a == NULL)
		return;
	asked_groups_join_from(a, g3, IN1, NULL, 0, 0,
			       &(struct asked_origin){ ASKED_VIA_TRANSLATED, host });
	asked_groups_join_from(a, g2, IN2, &src, 1, 0,
			       &(struct asked_origin){ ASKED_VIA_PROXIED, host });
	asked_groups_join_from(a, g1, IN1 | IN2, NULL, 0, 10,
			       &(struct asked_origin){ ASKED_VIA_CLIENT, 0 });
	for (uint32_t first = 0; n < 4 && asked_groups_next(a, 2, first, &info);
	     first = htonl(ntohl(info.group) + 1))
		got[n++] = info.group;
	TAP_CHECK(n == 2 && got[0] == g1 && got[1] == g3,
		  "inside's walk: its two groups in address order (%d)", n);
	TAP_CHECK(asked_groups_next(a, 3, 0, &info) && info.group == g1 &&
		  info.ports == (IN1 | IN2) && info.any_source && info.n_sources == 0 &&
		  info.expires == 10 + LIFETIME && info.origin.via == ASKED_VIA_CLIENT &&
		  info.origin.from == 0,
		  "inside2's first: any source, asked by a client for both ports");
	TAP_CHECK(asked_groups_next(a, 3, htonl(ntohl(g1) + 1), &info) && info.group == g2 &&
		  !info.any_source && info.n_sources == 1 && info.sources[0] == src &&
		  info.origin.via == ASKED_VIA_PROXIED && info.origin.from == host,
		  "inside2's next: its source, proxied from the host");
	TAP_CHECK(asked_groups_next(a, 2, g2, &info) && info.group == g3 &&
		  info.origin.via == ASKED_VIA_TRANSLATED && info.origin.from == host,
		  "a cursor between groups goes on at the next: translated from the host");
	TAP_CHECK(!asked_groups_next(a, 3, htonl(ntohl(g2) + 1), &info) &&
		  !asked_groups_next(a, 4, 0, &info) && !asked_groups_next(a, 16, 0, &info),
		  "past the last, a port with none, a port out of range: none");
	asked_groups_leave(a, g1, IN1, NULL, 0);
	TAP_CHECK(asked_groups_next(a, 2, 0, &info) && info.group == g3 &&
		  asked_groups_next(a, 3, 0, &info) && info.group == g1,
		  "a leave takes the group out of that port's walk only");
	asked_groups_join(a, g1, IN1, NULL, 0, 20);
	TAP_CHECK(asked_groups_next(a, 2, 0, &info) && info.group == g1 &&
		  info.origin.via == ASKED_VIA_UNKNOWN,
		  "a join without origin: via unknown");
	TAP_CHECK(strcmp(asked_via_name(ASKED_VIA_TRANSLATED), "translated") == 0 &&
		  strcmp(asked_via_name(ASKED_VIA_CLIENT), "client") == 0 &&
		  strcmp(asked_via_name((enum asked_via)99), "unknown") == 0,
		  "via names");
	asked_groups_free(a);
}

/* Memory follows the groups held: slots for the limit, entries and source lists as used. */
static void
test_memory(void)
{
	const uint32_t max = 100000;
	struct asked_groups *a = asked_groups_create(max, MAX_SRC, LIFETIME, NULL, NULL);
	const uint32_t src = ip(10, 0, 0, 1);
	size_t empty, any, with_sources, per;
	int failed = 0;

	TAP_CHECK(a != NULL, "table of %u groups created", max);
	if (a == NULL)
		return;
	empty = asked_groups_memory(a);
	TAP_CHECK(empty >= 2 * max * 4 && empty < 2 * 1024 * 1024,
		  "empty: its 4-byte slots for %u groups and little more (%zu bytes)", max, empty);
	for (uint32_t i = 0; i < 1000; i++)
		failed += asked_groups_join(a, htonl(0xe8000000u + i), IN1, NULL, 0, 0) != 0;
	any = asked_groups_memory(a) - empty;
	for (uint32_t i = 1000; i < 1010; i++)
		failed += asked_groups_join(a, htonl(0xe8000000u + i), IN1, &src, 1, 0) != 0;
	with_sources = asked_groups_memory(a) - empty - any;
	per = any / 1000;
	TAP_CHECK(failed == 0 && any == per * 1000 && per >= 100 && per <= 200,
		  "1000 any-source groups: %zu bytes each (%d refused)", per, failed);
	TAP_CHECK(with_sources >= 10 * (per + MAX_SRC * 6),
		  "10 groups with a source list: %zu bytes each", with_sources / 10);
	for (uint32_t i = 1000; i < 1010; i++)
		asked_groups_leave(a, htonl(0xe8000000u + i), IN1, NULL, 0);
	TAP_CHECK(asked_groups_count(a) == 1000 && asked_groups_memory(a) == empty + 1010 * per,
		  "their leaves give the source lists back (%zu bytes, %zu without the lists)",
		  asked_groups_memory(a), empty + 1010 * per);
	asked_groups_free(a);
}

int
main(void)
{
	test_join_leave();
	test_expiry();
	test_limits();
	test_walk();
	test_random();
	test_memory();
	return TAP_DONE();
}
