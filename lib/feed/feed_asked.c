/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * goIGMP's modes' side of the feed: the groups the gateway asked for upstream
 * (special unicast reports it translated for an inside port, reports clients
 * requested), until their leave or until the group membership interval passes
 * without a refresh, each change published as the group's entry. The room
 * under max_groups a worker took before it passed a report is squared here
 * with the groups the report added.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "asked_groups.h"
#include "feed.h"

struct feed_asked {
	struct asked_groups *asked;
	struct group_quota quota;
	struct feed_asked_config cfg;
	/* Groups the asked table gained and lost, counted around each change. */
	uint32_t added, removed;
	uint64_t refused_max_groups;
	uint64_t refused_max_sources;
	uint64_t no_memory;
	struct feed_entry entry;      /* large: built here rather than on the stack */
};

/* Publishes the asked ports of one group. */
static void
asked_changed(void *arg, uint32_t group)
{
	struct feed_asked *f = arg;
	struct feed_entry *e = &f->entry;

	asked_groups_get(f->asked, group, &e->any_source, e->sources, &e->n_sources);
	/* Counted, never logged here: a flood of changes must not flood the log. */
	if (f->cfg.publish(f->cfg.arg, group, e) < 0)
		f->no_memory++;
}

struct feed_asked *
feed_asked_create(const struct feed_asked_config *cfg)
{
	struct feed_asked *f;

	if (cfg->publish == NULL || cfg->holds == NULL || cfg->max_sources == 0 ||
	    cfg->max_sources > FWD_MAX_SOURCES) {
		errno = EINVAL;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->cfg = *cfg;
	f->asked = asked_groups_create(cfg->max_groups, cfg->max_sources, cfg->lifetime_ms,
				       asked_changed, f);
	if (f->asked == NULL) {
		free(f);
		return NULL;
	}
	group_quota_init(&f->quota, cfg->max_groups);
	return f;
}

void
feed_asked_set_lifetime(struct feed_asked *f, uint64_t lifetime_ms)
{
	f->cfg.lifetime_ms = lifetime_ms;
	asked_groups_set_lifetime(f->asked, lifetime_ms);
}

void
feed_asked_free(struct feed_asked *f)
{
	if (f == NULL)
		return;
	asked_groups_free(f->asked);
	free(f);
}

struct group_quota *
feed_asked_quota(struct feed_asked *f)
{
	return &f->quota;
}

static int
join(struct feed_asked *f, fwd_mask_t ports, uint32_t group, const uint32_t *sources,
     uint16_t n, uint64_t now, const struct asked_origin *origin)
{
	uint32_t before = asked_groups_count(f->asked);
	int ret = asked_groups_join_from(f->asked, group, ports, sources, n, now, origin);

	/* Counted by the limit it hit; the daemon summarises them once a period. */
	if (ret == -ENOSPC)
		f->refused_max_groups++;
	else if (ret == -E2BIG)
		f->refused_max_sources++;
	else if (ret < 0)
		f->no_memory++;
	f->added += asked_groups_count(f->asked) - before;
	return ret;
}

static void
leave(struct feed_asked *f, fwd_mask_t ports, uint32_t group, const uint32_t *sources,
      uint16_t n)
{
	uint32_t before = asked_groups_count(f->asked);

	asked_groups_leave(f->asked, group, ports, sources, n);
	f->removed += before - asked_groups_count(f->asked);
}

/*
 * Squares the quota with what one report or request did to the table: the
 * room taken for it (admitted) becomes the groups it added; what is left is
 * given back, and a group added without room (a worker read the table just
 * before the group left it) takes room it had until then.
 */
static void
settle(struct feed_asked *f, uint32_t admitted)
{
	if (f->added > admitted)
		group_quota_force(&f->quota, f->added - admitted);
	else if (admitted > f->added)
		group_quota_give(&f->quota, admitted - f->added);
	f->added = 0;
}

/*
 * Applies one v3 record the way a router would read it, without the
 * exclusions. A list longer than any group may hold is refused whole by the
 * limit (the worker refused it already) or, in a BLOCK, cut.
 */
static void
record(struct feed_asked *f, fwd_mask_t port, const struct igmp_record *rec, uint64_t now,
       const struct asked_origin *origin)
{
	uint32_t sources[FWD_MAX_SOURCES + 1];
	uint16_t n = rec->n_sources <= FWD_MAX_SOURCES ? rec->n_sources : FWD_MAX_SOURCES + 1;

	memcpy(sources, rec->sources, (size_t)n * 4);
	if (rec->type == IGMP_REC_BLOCK && n > FWD_MAX_SOURCES)
		n = FWD_MAX_SOURCES;
	switch (rec->type) {
	case IGMP_REC_IS_IN:
	case IGMP_REC_ALLOW:
	case IGMP_REC_TO_IN:
		if (n > 0)
			join(f, port, rec->group, sources, n, now, origin);
		else if (rec->type == IGMP_REC_TO_IN)
			leave(f, port, rec->group, NULL, 0);
		break;
	case IGMP_REC_IS_EX:
	case IGMP_REC_TO_EX:
		join(f, port, rec->group, NULL, 0, now, origin);
		break;
	case IGMP_REC_BLOCK:
		leave(f, port, rec->group, sources, n);
		break;
	default:
		break;
	}
}

void
feed_asked_report(struct feed_asked *f, uint16_t port, const struct igmp_msg *msg,
		  uint32_t admitted, uint64_t now_ms, const struct asked_origin *origin)
{
	fwd_mask_t bit = (fwd_mask_t)(1u << port);
	struct igmp_record rec;
	size_t pos = 0;

	switch (msg->type) {
	case IGMP_TYPE_V1_REPORT:
	case IGMP_TYPE_V2_REPORT:
		join(f, bit, msg->group, NULL, 0, now_ms, origin);
		break;
	case IGMP_TYPE_LEAVE:
		leave(f, bit, msg->group, NULL, 0);
		break;
	case IGMP_TYPE_V3_REPORT:
		while (igmp_record_next(msg, &pos, &rec))
			record(f, bit, &rec, now_ms, origin);
		break;
	default:
		break;
	}
	settle(f, admitted);
}

int
feed_asked_client_join(struct feed_asked *f, uint32_t group, const uint32_t *sources,
		       uint16_t n_sources, uint64_t now_ms)
{
	uint32_t room = 0;
	int ret;

	/* Room first, as a worker takes it: the table never holds more than max_groups. */
	if (!f->cfg.holds(f->cfg.arg, group)) {
		if (!group_quota_take(&f->quota, 1)) {
			f->refused_max_groups++;
			return -ENOSPC;
		}
		room = 1;
	}
	ret = join(f, f->cfg.client_ports, group, sources, n_sources, now_ms,
		   &(struct asked_origin){ .via = ASKED_VIA_CLIENT });
	settle(f, room);
	return ret;
}

void
feed_asked_client_leave(struct feed_asked *f, uint32_t group, const uint32_t *sources,
			uint16_t n_sources)
{
	leave(f, f->cfg.client_ports, group, sources, n_sources);
}

bool
feed_asked_next(const struct feed_asked *f, uint16_t port, uint32_t first,
		struct asked_port_info *info)
{
	return asked_groups_next(f->asked, port, first, info);
}

uint32_t
feed_asked_port_count(const struct feed_asked *f, uint16_t port)
{
	return asked_groups_port_count(f->asked, port);
}

void
feed_asked_expire(struct feed_asked *f, uint64_t now_ms)
{
	uint32_t before = asked_groups_count(f->asked);

	asked_groups_expire(f->asked, now_ms);
	f->removed += before - asked_groups_count(f->asked);
}

uint32_t
feed_asked_take_removed(struct feed_asked *f)
{
	uint32_t n = f->removed;

	f->removed = 0;
	return n;
}

void
feed_asked_stats(const struct feed_asked *f, struct feed_asked_stats *st)
{
	st->groups = asked_groups_count(f->asked);
	st->memory_bytes = asked_groups_memory(f->asked);
	st->room_taken = group_quota_used(&f->quota);
	st->refused_max_groups = f->refused_max_groups;
	st->refused_max_sources_per_group = f->refused_max_sources;
	st->no_memory = f->no_memory;
}
