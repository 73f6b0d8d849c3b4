/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Membership library, top: the public API. Configuration, creation, ports,
 * and the dispatch of input and time to the roles (mship_roles.h): the
 * querier and router on a downstream port, the proxy upstream. The read-only
 * views are mship_views.c's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mship_roles.h"

static const char *const mship_counter_names[MSHIP_CTR_COUNT] = {
#define MSHIP_COUNTER_NAME(code, name, help) [code] = name,
	MSHIP_COUNTERS(MSHIP_COUNTER_NAME)
#undef MSHIP_COUNTER_NAME
};

static const char *const mship_counter_helps[MSHIP_CTR_COUNT] = {
#define MSHIP_COUNTER_HELP(code, name, help) [code] = help,
	MSHIP_COUNTERS(MSHIP_COUNTER_HELP)
#undef MSHIP_COUNTER_HELP
};

static const char *const mship_event_names[MSHIP_EV_COUNT] = {
#define MSHIP_EVENT_NAME(code, name) [code] = name,
	MSHIP_EVENTS(MSHIP_EVENT_NAME)
#undef MSHIP_EVENT_NAME
};

const char *
mship_counter_name(enum mship_counter c)
{
	if ((unsigned int)c >= MSHIP_CTR_COUNT)
		return "invalid";
	return mship_counter_names[c];
}

const char *
mship_counter_help(enum mship_counter c)
{
	if ((unsigned int)c >= MSHIP_CTR_COUNT)
		return "";
	return mship_counter_helps[c];
}

const char *
mship_event_name(enum mship_event ev)
{
	if ((unsigned int)ev >= MSHIP_EV_COUNT)
		return "invalid";
	return mship_event_names[ev];
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
	cfg->max_hosts_per_group = 64;
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
	       c->max_hosts_per_group > 0 &&
	       c->max_msg_len >= MSHIP_MIN_MSG_LEN;
}

int
mship_set_config(struct mship *m, const struct mship_config *cfg)
{
	struct mship_config next = *cfg;

	next.max_sources_per_group = m->cfg.max_sources_per_group;
	next.max_msg_len = m->cfg.max_msg_len;
	next.querier_enabled = m->cfg.querier_enabled;
	next.querier_version = m->cfg.querier_version;
	next.random_seed = m->cfg.random_seed;
	if (!config_valid(&next))
		return -EINVAL;
	m->cfg = next;
	/* Where we are the querier our own values are the ones in use: the new ones now. */
	for (uint16_t i = 0; i < MSHIP_MAX_PORTS; i++) {
		if (m->port[i].querier) {
			m->port[i].rv = next.robustness;
			m->port[i].qi_ms = next.query_interval_ms;
		}
	}
	return 0;
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
	uint32_t merged = (uint32_t)(MSHIP_MERGE_SHARES * ns);

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
local_release(struct mship *m, struct mship_local *own)
{
	mship_addrs_release(m, &own->src);
	mship_release(m, own, sizeof(*own));
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
		for (j = 0; j < p->groups.len; j++)
			if (p->groups.v[j] != NULL)
				mship_group_release(m, p->groups.v[j]);
		mship_table_release(m, &p->groups);
	}
	for (j = 0; j < m->local.len; j++)
		if (m->local.v[j] != NULL)
			local_release(m, m->local.v[j]);
	mship_table_release(m, &m->local);
	mship_up_groups_release(m);
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
mship_port_fast_leave(struct mship *m, uint16_t port, bool on)
{
	if (port >= MSHIP_MAX_PORTS || !m->port[port].downstream)
		return -ENOENT;
	m->port[port].fast_leave = on;
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
mship_group_remove(struct mship *m, uint16_t port, uint32_t group, const uint32_t *sources,
		   uint16_t n_sources, uint64_t now)
{
	if (port >= MSHIP_MAX_PORTS || !m->port[port].downstream)
		return -ENOENT;
	if (n_sources > 0 && sources == NULL)
		return -EINVAL;
	return mship_router_remove(m, port, group, sources, n_sources, now);
}

int
mship_port_link_up(struct mship *m, uint16_t port, uint64_t now)
{
	if (port >= MSHIP_MAX_PORTS || !m->port[port].downstream)
		return -ENOENT;
	mship_querier_start(m, port, now);
	return 0;
}

void
mship_upstream_link_up(struct mship *m, uint64_t now)
{
	mship_proxy_upstream_changed(m, now);
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

int
mship_local_join(struct mship *m, uint32_t group, const uint32_t *sources, uint16_t n_sources,
		 uint64_t now)
{
	struct mship_local *own;

	if (!mship_group_trackable(group) || n_sources > m->cfg.max_sources_per_group ||
	    (n_sources > 0 && sources == NULL))
		return -EINVAL;
	own = mship_table_get(&m->local, group);
	if (own == NULL) {
		own = mship_realloc(m, NULL, 0, sizeof(*own));
		if (own == NULL)
			return -ENOMEM;
		memset(own, 0, sizeof(*own));
		own->addr = group;
		if (mship_table_insert(m, &m->local, own) < 0) {
			mship_release(m, own, sizeof(*own));
			return -ENOMEM;
		}
	}
	if (mship_addrs_reserve(m, &own->src, n_sources) < 0)
		return -ENOMEM;
	if (n_sources > 0)
		memcpy(own->src.v, sources, n_sources * sizeof(*sources));
	own->src.n = mship_sort_unique(own->src.v, n_sources);
	own->mode = n_sources == 0 ? MSHIP_EXCLUDE : MSHIP_INCLUDE;
	mship_proxy_refresh(m, group, now);
	return 0;
}

int
mship_local_leave(struct mship *m, uint32_t group, uint64_t now)
{
	uint32_t pos;
	bool found;

	pos = mship_table_find(&m->local, group, &found);
	if (!found)
		return -ENOENT;
	local_release(m, m->local.v[pos]);
	mship_table_remove(&m->local, pos);
	mship_proxy_refresh(m, group, now);
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
	if (!in_subnet(p, src) &&
	    (msg->type == IGMP_TYPE_QUERY || m->ops.accept_foreign == NULL ||
	     !m->ops.accept_foreign(m->ops.arg, port, src)))
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

