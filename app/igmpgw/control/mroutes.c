/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Run-time static routes: the running set is gw.cfg.forward's routes (the
 * file's, then those added here), published to the forwarding table whole
 * (fwd_table_replace_static) before gw.cfg takes it, so a refused change
 * leaves both as they were.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "gw.h"
#include "mroutes.h"
#include "table_feed.h"

#define GW_LOG_PART ctl

static uint32_t
prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : htonl(~0u << (32 - len));
}

/* One route: the same group/prefix (host bits aside) and the same source. */
static bool
same_route(const struct gw_mroute *a, uint32_t group, uint8_t prefix_len, uint32_t source)
{
	uint32_t m = prefix_mask(prefix_len);

	return a->prefix_len == prefix_len && (a->group & m) == (group & m) && a->source == source;
}

static int
find_route(const struct gw_forward_config *fw, uint32_t group, uint8_t prefix_len,
	   uint32_t source)
{
	for (uint16_t i = 0; i < fw->n_mroutes; i++)
		if (same_route(&fw->mroutes[i], group, prefix_len, source))
			return i;
	return -1;
}

/* The table first: only once it took the set does the running config say so. */
static int
publish(const struct gw_forward_config *next, char *err, size_t err_len)
{
	int ret = gw_feed_set_routes(next);

	if (ret < 0) {
		snprintf(err, err_len, "the forwarding table refused the routes: %s",
			 strerror(-ret));
		return -1;
	}
	gw.cfg.forward.n_mroutes = next->n_mroutes;
	memcpy(gw.cfg.forward.mroutes, next->mroutes,
	       next->n_mroutes * sizeof(next->mroutes[0]));
	return 0;
}

static void
route_text(const struct gw_mroute *rt, char *buf, size_t len)
{
	char g[INET_ADDRSTRLEN], s[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &rt->group, g, sizeof(g));
	inet_ntop(AF_INET, &rt->source, s, sizeof(s));
	snprintf(buf, len, "%s/%u%s%s", g, rt->prefix_len, rt->source != 0 ? " source " : "",
		 rt->source != 0 ? s : "");
}

int
gw_mroute_add(const struct gw_mroute *rt, char *err, size_t err_len)
{
	static struct gw_forward_config next;
	char text[64];
	int i;

	if (gw.fwd == NULL) {
		snprintf(err, err_len, "forwarding is off: routes need [forward] enabled = yes");
		return -1;
	}
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		if ((rt->ports & (1u << r)) && (!gw_role_is_inside(r) || !gw.port[r].present)) {
			snprintf(err, err_len, "'%s' is not a configured inside port", gw_role_name(r));
			return -1;
		}
	}
	next = gw.cfg.forward;
	i = find_route(&next, rt->group, rt->prefix_len, rt->source);
	if (i < 0 && next.n_mroutes == GW_MAX_MROUTES) {
		snprintf(err, err_len, "there are %d routes already, the most the table holds",
			 GW_MAX_MROUTES);
		return -1;
	}
	if (i < 0)
		i = next.n_mroutes++;
	next.mroutes[i] = *rt;
	next.mroutes[i].runtime = true;
	snprintf(next.mroutes[i].name, sizeof(next.mroutes[i].name), "run-time");
	if (publish(&next, err, err_len) < 0)
		return -1;
	route_text(rt, text, sizeof(text));
	GW_LOG(NOTICE, "route %s added at run time (control request)", text);
	return 0;
}

int
gw_mroute_del(uint32_t group, uint8_t prefix_len, uint32_t source, char *err, size_t err_len)
{
	static struct gw_forward_config next;
	char text[64];
	int i;

	next = gw.cfg.forward;
	i = find_route(&next, group, prefix_len, source);
	if (i < 0) {
		struct gw_mroute rt = { .group = group, .prefix_len = prefix_len, .source = source };

		route_text(&rt, text, sizeof(text));
		snprintf(err, err_len, "no route %s", text);
		return -1;
	}
	route_text(&next.mroutes[i], text, sizeof(text));
	memmove(&next.mroutes[i], &next.mroutes[i + 1],
		(size_t)(next.n_mroutes - i - 1) * sizeof(next.mroutes[0]));
	next.n_mroutes--;
	if (publish(&next, err, err_len) < 0)
		return -1;
	GW_LOG(NOTICE, "route %s deleted at run time (control request)", text);
	return 0;
}

json_t *
gw_mroutes_json(void)
{
	const struct gw_forward_config *fw = &gw.cfg.forward;
	json_t *list = json_array();

	for (uint16_t i = 0; i < fw->n_mroutes; i++) {
		const struct gw_mroute *rt = &fw->mroutes[i];
		json_t *ports = json_array();
		char g[INET_ADDRSTRLEN], s[INET_ADDRSTRLEN];

		for (int r = 0; r < GW_MAX_PORTS; r++)
			if (rt->ports & (1u << r))
				json_array_append_new(ports, json_string(gw_role_name(r)));
		inet_ntop(AF_INET, &rt->group, g, sizeof(g));
		inet_ntop(AF_INET, &rt->source, s, sizeof(s));
		json_array_append_new(list, json_pack("{s:s, s:i, s:o, s:o, s:s, s:s}", "group", g,
						      "prefix_len", rt->prefix_len, "source",
						      rt->source != 0 ? json_string(s) : json_null(),
						      "ports", ports, "origin",
						      rt->runtime ? "run-time" : "file", "name",
						      rt->name));
	}
	return list;
}

int
gw_mroutes_merge(const struct gw_forward_config *running, struct gw_forward_config *next,
		 char *err, size_t err_len)
{
	for (uint16_t i = 0; i < running->n_mroutes; i++) {
		const struct gw_mroute *rt = &running->mroutes[i];

		if (!rt->runtime || find_route(next, rt->group, rt->prefix_len, rt->source) >= 0)
			continue;
		if (next->n_mroutes == GW_MAX_MROUTES) {
			snprintf(err, err_len,
				 "config: [mroute]: with the run-time routes kept there would be more than %d routes; nothing was applied",
				 GW_MAX_MROUTES);
			return -1;
		}
		next->mroutes[next->n_mroutes++] = *rt;
	}
	return 0;
}
