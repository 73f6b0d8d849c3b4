/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The groups view: one walk over every kind of group record, ordered by
 * port, group address (host order) and rank, so that one cursor pages them
 * all (struct ctl_cursor). Each kind keeps its own order and this file merges
 * them: tracking's sorted tables, the asked groups' sorted index, and the
 * static routes and joins of the config (at most 64 each, scanned).
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>

#include "groups_view.h"
#include "gw.h"
#include "membership.h"
#include "table_feed.h"
#include "tracking.h"

#define GROUPS_SNAPSHOT_PERIOD_MS 1000

/* Ranks among the records of one (port, group): see struct ctl_cursor. */
#define RANK_MROUTE 1
#define RANK_JOIN (RANK_MROUTE + GW_MAX_MROUTES)

/* A record's place in the table: group in host order, then rank. */
struct key {
	uint32_t group;
	uint16_t rank;
};

enum record_kind {
	RECORD_TRACKED,
	RECORD_ASKED,
	RECORD_MROUTE,
	RECORD_JOIN,
};

struct record {
	struct key key;
	enum record_kind kind;
	uint16_t index;                    /* mroute or join */
	struct asked_port_info asked;      /* RECORD_ASKED */
};

static int
key_cmp(struct key a, struct key b)
{
	if (a.group != b.group)
		return a.group < b.group ? -1 : 1;
	return a.rank < b.rank ? -1 : a.rank > b.rank;
}

/* Takes candidate for *r when it is not below from and comes before what *r holds. */
static void
consider(struct record *r, bool *found, struct key from, struct key candidate,
	 enum record_kind kind, uint16_t index)
{
	if (key_cmp(candidate, from) < 0 || (*found && key_cmp(candidate, r->key) >= 0))
		return;
	r->key = candidate;
	r->kind = kind;
	r->index = index;
	*found = true;
}

/* The first record of role not below from, of any kind. */
static bool
peek(enum gw_role role, struct key from, struct record *r)
{
	const struct gw_forward_config *fw = &gw.cfg.forward;
	const struct gw_join_config *jc = &gw.cfg.join;
	bool found = false;
	uint32_t g;

	/*
	 * Rank 0: the tracked or the asked record (never both: asked is tracking's
	 * absence), inside only: an outside has none, and would cost a scan.
	 */
	if (gw_role_is_inside(role) && (from.rank == 0 || from.group != UINT32_MAX)) {
		uint32_t first = htonl(from.rank == 0 ? from.group : from.group + 1);

		if (gw_tracking_next_group(role, first, &g)) {
			consider(r, &found, from, (struct key){ ntohl(g), 0 }, RECORD_TRACKED, 0);
		} else if (gw_feed_asked_next(role, first, &r->asked)) {
			r->key = (struct key){ ntohl(r->asked.group), 0 };
			r->kind = RECORD_ASKED;
			found = true;
		}
	}
	/* A route is listed under each port it goes to; joins under the active outside. */
	for (uint16_t i = 0; i < fw->n_mroutes; i++)
		if (fw->mroutes[i].ports & (1u << role))
			consider(r, &found, from, (struct key){ ntohl(fw->mroutes[i].group),
					RANK_MROUTE + i }, RECORD_MROUTE, i);
	for (uint16_t j = 0; j < jc->n && role == gw_active_outside(); j++)
		consider(r, &found, from, (struct key){ ntohl(jc->joins[j].group), RANK_JOIN + j },
			 RECORD_JOIN, j);
	return found;
}

static json_t *
ipv4_json(uint32_t addr)
{
	char buf[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
ports_json(fwd_mask_t ports)
{
	json_t *list = json_array();

	for (int r = 0; r < GW_MAX_PORTS; r++)
		if (ports & (1u << r))
			json_array_append_new(list, json_string(gw_role_name(r)));
	return list;
}

/* [{"address"}] of sources. */
static json_t *
sources_json(const uint32_t *sources, uint16_t n)
{
	json_t *list = json_array();

	for (uint16_t i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:o}", "address", ipv4_json(sources[i])));
	return list;
}

/* Seconds left on a deadline, for people; 0 when stopped. */
static json_t *
seconds_left(uint64_t deadline, uint64_t now)
{
	return json_real(deadline > now ? (double)(deadline - now) / 1000.0 : 0.0);
}

static json_t *
tracked_json(enum gw_role role, uint32_t group, uint64_t now)
{
	struct mship_group_info g;
	fwd_mask_t ports;
	json_t *sources;

	if (gw_tracking_group_get(role, group, &g) != 0)
		return NULL;
	ports = gw_feed_ports(group, NULL, 0);
	sources = json_array();
	for (uint16_t i = 0; i < g.n_sources; i++) {
		json_array_append_new(sources,
				      json_pack("{s:o, s:o}", "address", ipv4_json(g.sources[i].addr),
						"timer", seconds_left(g.sources[i].expires, now)));
		ports |= gw_feed_ports(group, &g.sources[i].addr, 1);
	}
	return json_pack("{s:s, s:o, s:s, s:o, s:s, s:o, s:o, s:i, s:o}", "port",
			 gw_role_name(role), "group", ipv4_json(group), "source", "tracked",
			 "ports", ports_json(ports), "mode",
			 g.mode == MSHIP_EXCLUDE ? "exclude" : "include", "sources", sources,
			 "timer", seconds_left(g.expires, now), "compat", g.compat,
			 "last_reporter", ipv4_json(g.last_reporter));
}

static json_t *
asked_json(enum gw_role role, const struct asked_port_info *a, uint64_t now)
{
	const uint16_t n = a->any_source ? 0 : a->n_sources;

	return json_pack("{s:s, s:o, s:s, s:o, s:s, s:o, s:o, s:o}", "port", gw_role_name(role),
			 "group", ipv4_json(a->group), "source", "asked", "ports",
			 ports_json(gw_feed_ports(a->group, a->sources, n)), "via",
			 asked_via_name(a->origin.via), "from",
			 a->origin.from == 0 ? json_null() : ipv4_json(a->origin.from), "sources",
			 sources_json(a->sources, n), "timer", seconds_left(a->expires, now));
}

static json_t *
mroute_json(enum gw_role role, const struct gw_mroute *rt)
{
	/* What the route sends where, forwarding on: its own ports (a lookup adds the others'). */
	fwd_mask_t ports = gw.fwd != NULL ? rt->ports : 0;

	return json_pack("{s:s, s:o, s:i, s:s, s:o, s:s, s:s, s:o}", "port", gw_role_name(role),
			 "group", ipv4_json(rt->group), "prefix_len", rt->prefix_len, "source",
			 "static", "ports", ports_json(ports), "via", "mroute", "name", rt->name,
			 "sources", sources_json(&rt->source, rt->source != 0));
}

static json_t *
join_json(enum gw_role role, const struct gw_join *j)
{
	return json_pack("{s:s, s:o, s:s, s:o, s:s, s:s, s:o}", "port", gw_role_name(role),
			 "group", ipv4_json(j->group), "source", "static", "ports",
			 ports_json(gw_feed_ports(j->group, j->sources, j->n_sources)), "via", "join",
			 "name", j->name, "sources", sources_json(j->sources, j->n_sources));
}

static json_t *
record_json(enum gw_role role, const struct record *r, uint64_t now)
{
	switch (r->kind) {
	case RECORD_TRACKED:
		return tracked_json(role, htonl(r->key.group), now);
	case RECORD_ASKED:
		return asked_json(role, &r->asked, now);
	case RECORD_MROUTE:
		return mroute_json(role, &gw.cfg.forward.mroutes[r->index]);
	case RECORD_JOIN:
		return join_json(role, &gw.cfg.join.joins[r->index]);
	}
	return NULL;
}

/* The key just after k; false past the last. */
static bool
key_next(struct key *k)
{
	if (k->rank < UINT16_MAX) {
		k->rank++;
		return true;
	}
	k->rank = 0;
	return ++k->group != 0;
}

bool
gw_groups_next(struct ctl_cursor *pos, uint32_t max, json_t *list, uint64_t now_ms)
{
	static struct record r; /* large (an asked group's sources): off the stack */
	struct key from = { ntohl(pos->group), pos->rank };

	for (int role = pos->port; role < GW_MAX_PORTS; role++, from = (struct key){ 0, 0 }) {
		if (!gw.port[role].present)
			continue;
		while (peek((enum gw_role)role, from, &r)) {
			if (max == 0) {
				pos->port = (enum gw_role)role;
				pos->group = htonl(r.key.group);
				pos->rank = r.key.rank;
				return true;
			}
			json_array_append_new(list, record_json((enum gw_role)role, &r, now_ms));
			max--;
			from = r.key;
			if (!key_next(&from))
				break;
		}
	}
	return false;
}

json_t *
gw_groups_modes(void)
{
	return json_pack("{s:b, s:b}", "tracking", gw_tracking_enabled(), "forwarding",
			 gw.fwd != NULL);
}

/* ---- the telemetry snapshot ---- */

static pthread_mutex_t snapshot_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *snapshot;

static json_int_t
count_of(json_t *status, const char *key)
{
	json_int_t n = json_integer_value(json_object_get(status, key));

	json_decref(status);
	return n;
}

static json_t *
build_snapshot(uint64_t now_ms)
{
	struct ctl_cursor pos = { .port = GW_ROLE_OUTSIDE };
	json_t *first = json_array();
	bool more = gw_groups_next(&pos, GW_GROUPS_SNAPSHOT, first, now_ms);
	json_t *o = gw_groups_modes();

	json_object_set_new(o, "records", json_pack("{s:I, s:I, s:i, s:i}",
		"tracked", count_of(gw_tracking_status(), "groups"),
		"asked", count_of(gw_feed_status(), "asked_groups"),
		"static_routes", (int)gw.cfg.forward.n_mroutes,
		"static_joins", (int)gw.cfg.join.n));
	json_object_set_new(o, "groups", first);
	json_object_set_new(o, "complete", json_boolean(!more));
	return o;
}

void
gw_groups_poll(uint64_t now_ms)
{
	static uint64_t next;
	json_t *fresh, *old;

	if (now_ms < next)
		return;
	next = now_ms + GROUPS_SNAPSHOT_PERIOD_MS;
	fresh = build_snapshot(now_ms);
	pthread_mutex_lock(&snapshot_lock);
	old = snapshot;
	snapshot = fresh;
	pthread_mutex_unlock(&snapshot_lock);
	json_decref(old);
}

json_t *
gw_view_groups(void)
{
	json_t *copy;

	/* A deep copy: jansson's reference counts are not shared between threads here. */
	pthread_mutex_lock(&snapshot_lock);
	copy = snapshot != NULL ? json_deep_copy(snapshot) : json_object();
	pthread_mutex_unlock(&snapshot_lock);
	return copy;
}

void
gw_groups_close(void)
{
	pthread_mutex_lock(&snapshot_lock);
	json_decref(snapshot);
	snapshot = NULL;
	pthread_mutex_unlock(&snapshot_lock);
}
