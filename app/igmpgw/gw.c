/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared state's readers that gw.h declares: counter and limit names, the
 * limits' configured values, and a port's counters summed over its writers.
 * Here rather than in any one part, so that every part reads them without
 * calling into another (the main loop, the table feed and the views all do).
 */
#include <stddef.h>
#include <stdint.h>

#include "gw.h"

const char *const gw_counter_names[GW_CNT_COUNT] = {
#define GW_COUNTER_NAME(name, help) #name,
	GW_COUNTERS(GW_COUNTER_NAME)
#undef GW_COUNTER_NAME
};

static const char *const limit_keys[GW_LIMIT_COUNT] = {
#define GW_LIMIT_KEY(code, key) key,
	GW_LIMITS(GW_LIMIT_KEY)
#undef GW_LIMIT_KEY
};

const char *
gw_limit_key(enum gw_limit l)
{
	return (unsigned int)l < GW_LIMIT_COUNT ? limit_keys[l] : "invalid";
}

uint32_t
gw_limit_value(enum gw_limit l)
{
	const struct gw_limits_config *c = &gw.cfg.limits;

	switch (l) {
	case GW_LIMIT_MAX_GROUPS:
		return c->max_groups;
	case GW_LIMIT_MAX_GROUPS_PER_PORT:
		return c->max_groups_per_port;
	case GW_LIMIT_MAX_SOURCES_PER_GROUP:
		return c->max_sources_per_group;
	default:
		return 0;
	}
}

/* Sums one uint64_t field of a port's stats over its writers; offset into gw_port_stats. */
static uint64_t
sum_over_workers(const struct gw_port *p, size_t offset)
{
	uint64_t sum = 0;

	for (unsigned int w = 0; w < GW_STATS_SLOTS; w++)
		sum += *(const uint64_t *)((const char *)&p->stats[w] + offset);
	return sum;
}

uint64_t
gw_port_counter(const struct gw_port *p, enum gw_counter c)
{
	return sum_over_workers(p, offsetof(struct gw_port_stats, cnt) + c * sizeof(uint64_t));
}

uint64_t
gw_port_wire_counter(const struct gw_port *p, enum igmp_wire_error e)
{
	return sum_over_workers(p, offsetof(struct gw_port_stats, wire) + e * sizeof(uint64_t));
}

uint64_t
gw_port_proxy_counter(const struct gw_port *p, enum igmp_proxy_reason r)
{
	return sum_over_workers(p, offsetof(struct gw_port_stats, proxy) + r * sizeof(uint64_t));
}
