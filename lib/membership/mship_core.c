/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Membership library core: configuration, ports, input dispatch, the tick,
 * read-only views, and the small helpers (memory accounting, sorted tables and
 * address sets, randomness, output) the router, querier and proxy share.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "igmpgw_proto.h"
#include "membership.h"
#include "mship_internal.h"

static const char *const mship_counter_names[MSHIP_CTR_COUNT] = {
#define MSHIP_COUNTER_NAME(code, name) [code] = name,
	MSHIP_COUNTERS(MSHIP_COUNTER_NAME)
#undef MSHIP_COUNTER_NAME
};

/* The group events are the ones the gateway publishes: the protocol's names. */
static const char *const mship_event_names[] = {
	[MSHIP_EV_GROUP_ADDED] = IGMPGW_EVENT_NAME_GROUP_ADDED,
	[MSHIP_EV_GROUP_REMOVED] = IGMPGW_EVENT_NAME_GROUP_REMOVED,
	[MSHIP_EV_UPSTREAM_JOINED] = "upstream_joined",
	[MSHIP_EV_UPSTREAM_LEFT] = "upstream_left",
	[MSHIP_EV_QUERIER_LOST] = "querier_lost",
	[MSHIP_EV_QUERIER_ELECTED] = "querier_elected",
};

const char *
mship_counter_name(enum mship_counter c)
{
	if ((unsigned int)c >= MSHIP_CTR_COUNT)
		return "invalid";
	return mship_counter_names[c];
}

const char *
mship_event_name(enum mship_event ev)
{
	if ((unsigned int)ev >= sizeof(mship_event_names) / sizeof(mship_event_names[0]))
		return "invalid";
	return mship_event_names[ev];
}

uint64_t
mship_counter(const struct mship *m, enum mship_counter c)
{
	if (m == NULL || (unsigned int)c >= MSHIP_CTR_COUNT)
		return 0;
	return m->ctr[c];
}

void
mship_config_defaults(struct mship_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->robustness = MSHIP_DEFAULT_ROBUSTNESS;
	cfg->startup_query_count = MSHIP_DEFAULT_ROBUSTNESS;      /* §8.7: RV */
	cfg->last_member_query_count = MSHIP_DEFAULT_ROBUSTNESS;  /* §8.9: RV */
	cfg->querier_version = 3;
	cfg->querier_enabled = true;
	cfg->query_interval_ms = MSHIP_DEFAULT_QUERY_INTERVAL_MS;
	cfg->query_response_interval_ms = MSHIP_DEFAULT_QUERY_RESPONSE_INTERVAL_MS;
	cfg->max_adopted_robustness =
		(uint8_t)mship_default_max_adopted_robustness(MSHIP_DEFAULT_ROBUSTNESS);
	cfg->max_adopted_query_interval_ms =
		mship_default_max_adopted_query_interval_ms(MSHIP_DEFAULT_QUERY_INTERVAL_MS);
	cfg->startup_query_interval_ms =
		mship_startup_query_interval_ms(MSHIP_DEFAULT_QUERY_INTERVAL_MS);
	cfg->last_member_query_interval_ms = MSHIP_DEFAULT_LAST_MEMBER_QUERY_INTERVAL_MS;
	cfg->unsolicited_report_interval_ms = MSHIP_DEFAULT_UNSOLICITED_REPORT_INTERVAL_MS;
	cfg->unsolicited_report_interval_v2_ms = MSHIP_DEFAULT_UNSOLICITED_REPORT_INTERVAL_V2_MS;
	cfg->max_groups = 4096;
	cfg->max_groups_per_port = 1024;
	cfg->max_sources_per_group = 256;
	cfg->max_msg_len = 1500 - IGMP_IP_HDR_LEN;
	cfg->random_seed = 0x9e3779b97f4a7c15ull;
}

/* The smallest message we must be able to build: a v3 query with one source. */
#define MSHIP_MIN_MSG_LEN (IGMP_V3_QUERY_MIN_LEN + 4)

static bool
config_valid(const struct mship_config *c)
{
	return c->robustness >= 1 && c->startup_query_count >= 1 &&
	       c->last_member_query_count >= 1 &&
	       c->querier_version >= 1 && c->querier_version <= 3 &&
	       c->query_interval_ms > 0 && c->query_response_interval_ms > 0 &&
	       c->max_adopted_robustness >= 1 && c->max_adopted_query_interval_ms > 0 &&
	       c->query_response_interval_ms < c->query_interval_ms &&
	       c->startup_query_interval_ms > 0 && c->last_member_query_interval_ms > 0 &&
	       c->unsolicited_report_interval_ms > 0 &&
	       c->unsolicited_report_interval_v2_ms > 0 &&
	       c->max_groups > 0 && c->max_groups_per_port > 0 &&
	       c->max_sources_per_group > 0 &&
	       c->max_sources_per_group <= MSHIP_MAX_SOURCES_LIMIT &&
	       c->max_msg_len >= MSHIP_MIN_MSG_LEN;
}

/* The most records, and sources, one report of max_msg_len holds. */
static size_t
batch_records(const struct mship *m)
{
	return m->cfg.max_msg_len / IGMP_V3_RECORD_MIN_LEN;
}

static size_t
batch_sources(const struct mship *m)
{
	return m->cfg.max_msg_len / 4;
}

/* Scratch buffers sized from the limits, so no record or answer ever needs more. */
static int
alloc_scratch(struct mship *m)
{
	size_t ns = m->cfg.max_sources_per_group;
	uint32_t merged = (uint32_t)(MSHIP_MAX_DOWNSTREAM * ns);

	m->msg = mship_realloc(m, NULL, 0, m->cfg.max_msg_len);
	m->rec_src = mship_realloc(m, NULL, 0, ns * sizeof(uint32_t));
	m->next_src = mship_realloc(m, NULL, 0, 2 * ns * sizeof(struct mship_source));
	m->query_src = mship_realloc(m, NULL, 0, ns * sizeof(uint32_t));
	m->query_src2 = mship_realloc(m, NULL, 0, ns * sizeof(uint32_t));
	m->batch = mship_realloc(m, NULL, 0, batch_records(m) * sizeof(struct igmp_record_spec));
	m->batch_src = mship_realloc(m, NULL, 0, batch_sources(m) * sizeof(uint32_t));
	if (m->msg == NULL || m->rec_src == NULL || m->next_src == NULL ||
	    m->query_src == NULL || m->query_src2 == NULL || m->batch == NULL ||
	    m->batch_src == NULL)
		return -ENOMEM;
	if (mship_addrs_reserve(m, &m->merge_port, (uint32_t)ns) < 0 ||
	    mship_addrs_reserve(m, &m->merge_a, merged) < 0 ||
	    mship_addrs_reserve(m, &m->merge_b, merged) < 0 ||
	    mship_addrs_reserve(m, &m->merge_c, merged) < 0)
		return -ENOMEM;
	return 0;
}

static void
free_scratch(struct mship *m)
{
	size_t ns = m->cfg.max_sources_per_group;

	mship_release(m, m->msg, m->cfg.max_msg_len);
	mship_release(m, m->rec_src, ns * sizeof(uint32_t));
	mship_release(m, m->next_src, 2 * ns * sizeof(struct mship_source));
	mship_release(m, m->query_src, ns * sizeof(uint32_t));
	mship_release(m, m->query_src2, ns * sizeof(uint32_t));
	mship_release(m, m->batch, batch_records(m) * sizeof(struct igmp_record_spec));
	mship_release(m, m->batch_src, batch_sources(m) * sizeof(uint32_t));
	mship_addrs_release(m, &m->merge_port);
	mship_addrs_release(m, &m->merge_a);
	mship_addrs_release(m, &m->merge_b);
	mship_addrs_release(m, &m->merge_c);
}

struct mship *
mship_create(const struct mship_config *cfg, const struct mship_ops *ops)
{
	struct mship *m;

	if (cfg == NULL || ops == NULL || ops->send == NULL || !config_valid(cfg)) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	m->mem = sizeof(*m);
	m->cfg = *cfg;
	m->ops = *ops;
	m->up_port = MSHIP_NO_PORT;
	m->next_due = UINT64_MAX;
	/* xorshift needs a non-zero state */
	m->rng = cfg->random_seed != 0 ? cfg->random_seed : 0x9e3779b97f4a7c15ull;
	if (alloc_scratch(m) < 0) {
		mship_free(m);
		errno = ENOMEM;
		return NULL;
	}
	return m;
}

static void
group_release(struct mship *m, struct mship_group *g)
{
	mship_release(m, g->src, (size_t)g->cap_src * sizeof(*g->src));
	mship_release(m, g, sizeof(*g));
}

void
mship_free(struct mship *m)
{
	struct mship_port *p;
	uint16_t i;
	uint32_t j;

	if (m == NULL)
		return;
	for (i = 0; i < MSHIP_MAX_PORTS; i++) {
		p = &m->port[i];
		for (j = 0; j < p->groups.n; j++)
			group_release(m, p->groups.v[j]);
		mship_table_release(m, &p->groups);
	}
	mship_proxy_release(m);
	free_scratch(m);
	free(m);
}

int
mship_port_add(struct mship *m, uint16_t port, uint32_t addr, uint8_t prefix_len, uint64_t now)
{
	struct mship_port *p;

	if (port >= MSHIP_MAX_PORTS || port == m->up_port || prefix_len > 32)
		return -EINVAL;
	p = &m->port[port];
	if (p->downstream)
		return -EEXIST;
	if (m->n_down >= MSHIP_MAX_DOWNSTREAM)
		return -ENOSPC;
	memset(p, 0, sizeof(*p));
	p->downstream = true;
	p->addr = addr;
	p->mask = prefix_len == 0 ? 0 : UINT32_MAX << (32 - prefix_len);
	m->n_down++;
	mship_querier_start(m, port, now);
	return 0;
}

int
mship_port_del(struct mship *m, uint16_t port, uint64_t now)
{
	struct mship_port *p;

	if (port >= MSHIP_MAX_PORTS || !m->port[port].downstream)
		return -ENOENT;
	p = &m->port[port];
	mship_router_flush(m, port, now);
	mship_table_release(m, &p->groups);
	memset(p, 0, sizeof(*p));
	m->n_down--;
	return 0;
}

int
mship_set_upstream(struct mship *m, uint16_t port, uint32_t addr, uint64_t now)
{
	if (port != MSHIP_NO_PORT && (port >= MSHIP_MAX_PORTS || m->port[port].downstream))
		return -EINVAL;
	m->up_addr = addr;
	if (port == m->up_port)
		return 0;
	m->up_port = port;
	mship_proxy_upstream_changed(m, now);
	return 0;
}

static enum mship_counter
counted(struct mship *m, enum mship_counter c)
{
	mship_count(m, c);
	return c;
}

static bool
in_subnet(const struct mship_port *p, uint32_t src)
{
	return src == 0 || ((ntohl(src) ^ ntohl(p->addr)) & p->mask) == 0;
}

static enum mship_counter
downstream_input(struct mship *m, uint16_t port, uint32_t src, const struct igmp_msg *msg,
		 uint64_t now)
{
	struct mship_port *p = &m->port[port];

	if (src == p->addr)
		return counted(m, MSHIP_CTR_IGNORED_OWN_ADDRESS);
	/*
	 * Queries too: a querier is a router on this link, and a forged one from
	 * anywhere would otherwise win the election and set every timer.
	 */
	if (!in_subnet(p, src))
		return counted(m, MSHIP_CTR_IGNORED_FOREIGN_SUBNET);
	if (msg->type == IGMP_TYPE_QUERY) {
		mship_count(m, MSHIP_CTR_RX_QUERY);
		mship_querier_query(m, port, src, msg, now);
		mship_router_query(m, port, msg, now);
		return counted(m, MSHIP_CTR_ACCEPTED);
	}
	/* counts its own outcomes: a v3 report has one per record */
	return mship_router_report(m, port, src, msg, now);
}

static enum mship_counter
upstream_input(struct mship *m, uint32_t src, const struct igmp_msg *msg, uint64_t now)
{
	if (src == m->up_addr)
		return counted(m, MSHIP_CTR_IGNORED_OWN_ADDRESS);
	/* Other hosts' reports upstream are not ours to track, nor to be suppressed by. */
	if (msg->type != IGMP_TYPE_QUERY)
		return counted(m, MSHIP_CTR_IGNORED_TYPE);
	mship_count(m, MSHIP_CTR_RX_QUERY);
	mship_proxy_query(m, src, msg, now);
	return counted(m, MSHIP_CTR_ACCEPTED);
}

enum mship_counter
mship_input(struct mship *m, uint16_t port, uint32_t src, uint32_t dst,
	    const struct igmp_msg *msg, uint64_t now)
{
	(void)dst; /* RFC 3376 §4.2.14: reports to any of our addresses are accepted */
	if (port >= MSHIP_MAX_PORTS || msg == NULL)
		return counted(m, MSHIP_CTR_IGNORED_UNKNOWN_PORT);
	if (!msg->checksum_ok)
		return counted(m, MSHIP_CTR_IGNORED_BAD_CHECKSUM);
	if (m->port[port].downstream)
		return downstream_input(m, port, src, msg, now);
	if (port == m->up_port)
		return upstream_input(m, src, msg, now);
	return counted(m, MSHIP_CTR_IGNORED_UNKNOWN_PORT);
}

void
mship_tick(struct mship *m, uint64_t now)
{
	uint16_t i;

	if (now < m->next_due)
		return;
	/* Every part re-arms what it still has pending. */
	m->next_due = UINT64_MAX;
	m->ticking = true;
	for (i = 0; i < MSHIP_MAX_PORTS; i++) {
		if (!m->port[i].downstream)
			continue;
		mship_querier_tick(m, i, now);
		mship_router_tick(m, i, now);
	}
	/* Last, so that it sends what the router's expiries changed upstream. */
	mship_proxy_tick(m, now);
	m->ticking = false;
}

uint64_t
mship_next_timer(const struct mship *m)
{
	return m->next_due;
}

static const struct mship_group *
find_group(const struct mship *m, uint16_t port, uint32_t group)
{
	if (port >= MSHIP_MAX_PORTS || !m->port[port].downstream)
		return NULL;
	return mship_table_get(&m->port[port].groups, group);
}

bool
mship_wants(const struct mship *m, uint16_t port, uint32_t group, uint32_t source)
{
	const struct mship_group *g = find_group(m, port, group);

	return g != NULL && mship_group_forwards(g, source);
}

static void
fill_group_info(const struct mship *m, uint16_t port, const struct mship_group *g,
		struct mship_group_info *info)
{
	memset(info, 0, sizeof(*info));
	info->port = port;
	info->group = g->addr;
	info->mode = (enum mship_mode)g->mode;
	info->compat = mship_group_compat(m, g);
	info->group_query_rtx = g->gq_left;
	info->last_reporter = g->last_reporter;
	info->expires = g->group_timer;
	info->v1_host_expires = g->v1_host;
	info->v2_host_expires = g->v2_host;
	info->n_sources = g->n_src;
	info->sources = g->src;
}

int
mship_group_walk(const struct mship *m, uint16_t port, mship_group_fn fn, void *arg)
{
	return mship_group_walk_from(m, port, 0, fn, arg);
}

int
mship_group_walk_from(const struct mship *m, uint16_t port, uint32_t first, mship_group_fn fn,
		      void *arg)
{
	const struct mship_table *t;
	struct mship_group_info info;
	bool found;
	uint32_t i;
	int rc;

	if (port >= MSHIP_MAX_PORTS || !m->port[port].downstream)
		return -ENOENT;
	t = &m->port[port].groups;
	for (i = mship_table_find(t, first, &found); i < t->n; i++) {
		fill_group_info(m, port, t->v[i], &info);
		rc = fn(&info, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
mship_group_get(const struct mship *m, uint16_t port, uint32_t group,
		struct mship_group_info *info)
{
	const struct mship_group *g = find_group(m, port, group);

	if (g == NULL)
		return -ENOENT;
	fill_group_info(m, port, g, info);
	return 0;
}

uint32_t
mship_group_count(const struct mship *m, uint16_t port)
{
	if (port == MSHIP_ALL_PORTS)
		return m->n_groups;
	if (port >= MSHIP_MAX_PORTS || !m->port[port].downstream)
		return 0;
	return m->port[port].groups.n;
}

int
mship_querier_get(const struct mship *m, uint16_t port, struct mship_querier_info *info)
{
	const struct mship_port *p;

	if (port >= MSHIP_MAX_PORTS || !m->port[port].downstream)
		return -ENOENT;
	p = &m->port[port];
	memset(info, 0, sizeof(*info));
	info->querier = p->querier;
	info->querier_addr = p->querier ? p->addr : p->other_querier;
	info->other_expires = p->other_timer;
	info->next_query = p->querier ? p->query_next : 0;
	info->startup_left = p->startup_left;
	info->robustness = p->rv;
	info->query_interval_ms = p->qi_ms;
	return 0;
}

int
mship_upstream_walk(const struct mship *m, mship_upstream_fn fn, void *arg)
{
	const struct mship_up_group *u;
	struct mship_upstream_info info;
	uint32_t i;
	int rc;

	for (i = 0; i < m->up_groups.n; i++) {
		u = m->up_groups.v[i];
		memset(&info, 0, sizeof(info));
		info.group = u->addr;
		info.mode = (enum mship_mode)u->mode;
		info.wanted = u->mode == MSHIP_EXCLUDE || u->src.n > 0;
		info.change_rtx = u->mode_rtx;
		info.n_sources = (uint16_t)u->src.n;
		info.sources = u->src.v;
		rc = fn(&info, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void
mship_upstream_get(const struct mship *m, struct mship_upstream_status *st)
{
	const struct mship_up_group *u;
	uint32_t i;

	memset(st, 0, sizeof(*st));
	st->port = m->up_port;
	st->compat = m->up_v1_querier != 0 ? 1 : m->up_v2_querier != 0 ? 2 : 3;
	st->querier_addr = m->up_querier;
	st->v1_querier_expires = m->up_v1_querier;
	st->v2_querier_expires = m->up_v2_querier;
	st->general_response_at = m->up_general_resp;
	for (i = 0; i < m->up_groups.n; i++) {
		u = m->up_groups.v[i];
		if (u->mode == MSHIP_EXCLUDE || u->src.n > 0)
			st->n_groups++;
	}
}

size_t
mship_memory(const struct mship *m)
{
	return m->mem;
}

/* ---- shared helpers ---- */

void *
mship_realloc(struct mship *m, void *p, size_t old_size, size_t new_size)
{
	void *q;

	if (new_size == 0) {
		mship_release(m, p, old_size);
		return NULL;
	}
	q = realloc(p, new_size);
	if (q == NULL)
		return NULL;
	m->mem = m->mem - old_size + new_size;
	return q;
}

void
mship_release(struct mship *m, void *p, size_t size)
{
	if (p == NULL)
		return;
	free(p);
	m->mem -= size;
}

int
mship_addr_cmp(uint32_t a, uint32_t b)
{
	uint32_t ha = ntohl(a), hb = ntohl(b);

	return ha < hb ? -1 : ha > hb;
}

/* Index of addr in the sorted array v, or where it would go. */
uint32_t
mship_sorted_find(const void *base, size_t stride, uint32_t n, uint32_t addr, bool *found)
{
	uint32_t lo = 0, hi = n, mid, key;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		memcpy(&key, (const char *)base + (size_t)mid * stride, sizeof(key));
		c = mship_addr_cmp(key, addr);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

uint32_t
mship_addrs_find(const uint32_t *v, uint32_t n, uint32_t addr, bool *found)
{
	return mship_sorted_find(v, sizeof(*v), n, addr, found);
}

uint32_t
mship_table_find(const struct mship_table *t, uint32_t addr, bool *found)
{
	uint32_t lo = 0, hi = t->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = mship_addr_cmp(*(const uint32_t *)t->v[mid], addr);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

void *
mship_table_get(const struct mship_table *t, uint32_t addr)
{
	bool found;
	uint32_t pos = mship_table_find(t, addr, &found);

	return found ? t->v[pos] : NULL;
}

int
mship_table_insert(struct mship *m, struct mship_table *t, uint32_t pos, void *rec)
{
	uint32_t cap;
	void **v;

	if (t->n == t->cap) {
		cap = t->cap == 0 ? 8 : t->cap * 2;
		v = mship_realloc(m, t->v, t->cap * sizeof(*v), cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	memmove(&t->v[pos + 1], &t->v[pos], (t->n - pos) * sizeof(*t->v));
	t->v[pos] = rec;
	t->n++;
	return 0;
}

void
mship_table_remove(struct mship_table *t, uint32_t pos)
{
	memmove(&t->v[pos], &t->v[pos + 1], (t->n - pos - 1) * sizeof(*t->v));
	t->n--;
}

void
mship_table_release(struct mship *m, struct mship_table *t)
{
	mship_release(m, t->v, t->cap * sizeof(*t->v));
	memset(t, 0, sizeof(*t));
}

bool
mship_addrs_has(const struct mship_addrs *s, uint32_t addr)
{
	bool found;

	mship_addrs_find(s->v, s->n, addr, &found);
	return found;
}

int
mship_addrs_reserve(struct mship *m, struct mship_addrs *s, uint32_t n)
{
	uint32_t *v;

	if (n <= s->cap)
		return 0;
	v = mship_realloc(m, s->v, s->cap * sizeof(*v), n * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	s->v = v;
	s->cap = n;
	return 0;
}

void
mship_addrs_release(struct mship *m, struct mship_addrs *s)
{
	mship_release(m, s->v, s->cap * sizeof(*s->v));
	memset(s, 0, sizeof(*s));
}

/* dst must have room for src (scratch sets are sized for the largest merge). */
void
mship_addrs_copy(struct mship_addrs *dst, const struct mship_addrs *src)
{
	if (src->n > 0)
		memcpy(dst->v, src->v, src->n * sizeof(*src->v));
	dst->n = src->n;
}

/* dst = a + b; dst has room for both and is neither of them. */
void
mship_addrs_union(struct mship_addrs *dst, const struct mship_addrs *a,
		  const struct mship_addrs *b)
{
	uint32_t i = 0, j = 0, n = 0;
	int c;

	while (i < a->n || j < b->n) {
		if (i == a->n)
			c = 1;
		else if (j == b->n)
			c = -1;
		else
			c = mship_addr_cmp(a->v[i], b->v[j]);
		if (c <= 0) {
			dst->v[n++] = a->v[i++];
			if (c == 0)
				j++;
		} else {
			dst->v[n++] = b->v[j++];
		}
	}
	dst->n = n;
}

/* dst = a * b */
void
mship_addrs_intersect(struct mship_addrs *dst, const struct mship_addrs *a,
		      const struct mship_addrs *b)
{
	uint32_t i = 0, j = 0, n = 0;
	int c;

	while (i < a->n && j < b->n) {
		c = mship_addr_cmp(a->v[i], b->v[j]);
		if (c == 0) {
			dst->v[n++] = a->v[i];
			i++;
			j++;
		} else if (c < 0) {
			i++;
		} else {
			j++;
		}
	}
	dst->n = n;
}

/* dst = a - b */
void
mship_addrs_minus(struct mship_addrs *dst, const struct mship_addrs *a,
		  const struct mship_addrs *b)
{
	uint32_t i = 0, j = 0, n = 0;
	int c;

	while (i < a->n) {
		c = j < b->n ? mship_addr_cmp(a->v[i], b->v[j]) : -1;
		if (c < 0) {
			dst->v[n++] = a->v[i++];
		} else if (c == 0) {
			i++;
			j++;
		} else {
			j++;
		}
	}
	dst->n = n;
}

bool
mship_addrs_equal(const struct mship_addrs *a, const struct mship_addrs *b)
{
	return a->n == b->n && (a->n == 0 || memcmp(a->v, b->v, a->n * sizeof(*a->v)) == 0);
}

static int
addr_qsort_cmp(const void *a, const void *b)
{
	return mship_addr_cmp(*(const uint32_t *)a, *(const uint32_t *)b);
}

/* Sorts v and drops duplicates; returns the new length. */
uint32_t
mship_sort_unique(uint32_t *v, uint32_t n)
{
	uint32_t i, out = 0;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), addr_qsort_cmp);
	for (i = 1; i < n; i++)
		if (v[i] != v[out])
			v[++out] = v[i];
	return out + 1;
}

/* xorshift64*: plenty for spreading report delays. */
uint32_t
mship_random(struct mship *m)
{
	if (m->ops.random != NULL)
		return m->ops.random(m->ops.arg);
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return (uint32_t)((m->rng * 0x2545f4914f6cdd1dull) >> 32);
}

/* Uniform in [0, bound); 0 when bound is 0. */
uint64_t
mship_random_below(struct mship *m, uint64_t bound)
{
	if (bound == 0)
		return 0;
	return mship_random(m) % bound;
}

void
mship_count(struct mship *m, enum mship_counter c)
{
	m->ctr[c]++;
}

void
mship_emit(struct mship *m, uint16_t port, uint32_t dst, const uint8_t *igmp, size_t len,
	   enum mship_counter c)
{
	if (len == 0) {
		mship_count(m, MSHIP_CTR_TX_BUILD_FAILED);
		return;
	}
	mship_count(m, c);
	m->ops.send(m->ops.arg, port, dst, igmp, (uint16_t)len);
}

void
mship_event_raise(struct mship *m, enum mship_event ev, uint16_t port, uint32_t addr)
{
	if (m->ops.event != NULL)
		m->ops.event(m->ops.arg, ev, port, addr);
}

void
mship_changed(struct mship *m, uint16_t port, uint32_t group)
{
	if (m->ops.changed != NULL)
		m->ops.changed(m->ops.arg, port, group);
}

/* Group Membership Interval (§8.4), with the values in use on p. */
uint64_t
mship_gmi(const struct mship *m, const struct mship_port *p)
{
	return mship_group_membership_interval_ms(p->rv, p->qi_ms,
						  m->cfg.query_response_interval_ms);
}

/* Last Member Query Time (§8.14). */
uint64_t
mship_lmqt(const struct mship *m)
{
	return mship_last_member_query_time_ms(m->cfg.last_member_query_interval_ms,
					       m->cfg.last_member_query_count);
}

/* Older Host Present Interval (§8.13): the group membership interval. */
uint64_t
mship_ohpi(const struct mship *m, const struct mship_port *p)
{
	return mship_gmi(m, p);
}
