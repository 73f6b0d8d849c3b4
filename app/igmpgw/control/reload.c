/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration reload on the main lcore. The file is loaded and checked
 * whole into a copy (lib/config: values, then gw_config_reload_check for the
 * keys only a restart may change), then every part that can still refuse is
 * asked first, and only then is anything applied: a refusal changes nothing.
 * A new live key is applied in apply() below; a key that cannot change live
 * is marked GW_KEY_RESTART in lib/config's table and never reaches here.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw.h"
#include "ctl_server.h"
#include "gw_failover.h"
#include "mroutes.h"
#include "reload.h"
#include "reload_policy.h"
#include "table_feed.h"
#include "tracking.h"

#define GW_LOG_PART main

static struct {
	char path[PATH_MAX];
	const char *const *overrides;
	int n_overrides;
	enum gw_role file_active_outside;  /* igmp.active_outside as the file last said */
	uint32_t start_max_groups;         /* goIGMP modes: what the asked table was sized for */
} rl;

void
gw_reload_init(const char *path, const char *const *overrides, int n_overrides)
{
	/* The daemon's working directory may change; the file it was started with may not. */
	if (realpath(path, rl.path) == NULL)
		snprintf(rl.path, sizeof(rl.path), "%s", path);
	rl.overrides = overrides;
	rl.n_overrides = n_overrides;
	rl.file_active_outside = gw.cfg.igmp.active_outside;
	rl.start_max_groups = gw.cfg.limits.max_groups;
}

/* What only the running gateway can refuse (lib/config cannot know it). */
static int
check_running(const struct gw_config *next, char *err, size_t err_len)
{
	if (!gw.cfg.track_membership && next->limits.max_groups > rl.start_max_groups)
		return gw_fail(err, err_len,
			       "config: limits.max_groups: %u is more than the %u the gateway started with (without [proxy] track_membership the asked-groups table is sized at start: restart to raise it); nothing was applied",
			       next->limits.max_groups, rl.start_max_groups);
	return 0;
}

/* The active outside moves only when the file changed it: a run-time choice stands otherwise. */
static void
apply_active_outside(enum gw_role file_choice)
{
	bool changed = file_choice != rl.file_active_outside;

	rl.file_active_outside = file_choice;
	if (!changed)
		return;
	/*
	 * The failover module owns the switch and makes the choice its primary,
	 * also when it is already active (failover moved there): a revert must
	 * not take it back against the file.
	 */
	gw_failover_select(file_choice, gw_now_ms());
}

/* The sections whose values differ, for the reply and the log line. */
static void
changed_sections(const struct gw_config *a, const struct gw_config *b, json_t *list)
{
	if (memcmp(&a->igmp, &b->igmp, sizeof(a->igmp)) != 0)
		json_array_append_new(list, json_string("igmp"));
	if (memcmp(&a->querier, &b->querier, sizeof(a->querier)) != 0)
		json_array_append_new(list, json_string("querier"));
	if (memcmp(&a->limits, &b->limits, sizeof(a->limits)) != 0)
		json_array_append_new(list, json_string("limits"));
	for (int r = 0; r < GW_MAX_PORTS; r++)
		if (a->port[r].acl_digest != b->port[r].acl_digest ||
		    a->port[r].accept_from_digest != b->port[r].accept_from_digest) {
			json_array_append_new(list, json_string(gw_role_name(r)));
		}
	if (a->forward.n_mroutes != b->forward.n_mroutes ||
	    memcmp(a->forward.mroutes, b->forward.mroutes,
		   a->forward.n_mroutes * sizeof(a->forward.mroutes[0])) != 0)
		json_array_append_new(list, json_string("mroute"));
}

/*
 * Everything that may refuse has been asked: the membership state takes the
 * timers and limits (it checks them first and changes nothing on a refusal),
 * the forwarding table the routes; what is left cannot fail. The policy
 * block was made from next already: the workers get it by an RCU swap once
 * gw.cfg holds next, and what it refuses of the state held goes after.
 */
static int
apply(struct gw_config *next, struct gw_policy *policy, char *err, size_t err_len)
{
	static struct gw_config prev;   /* large: off the stack */
	int ret = gw_tracking_reconfigure(next);

	if (ret < 0)
		return gw_fail(err, err_len,
			       "config: [querier]: the membership state refused the timers (%s); nothing was applied",
			       strerror(-ret));
	ret = gw_feed_set_routes(&next->forward);
	if (ret < 0) {
		gw_tracking_reconfigure(&gw.cfg);
		return gw_fail(err, err_len,
			       "config: [mroute]: the forwarding table refused the routes (%s); nothing was applied",
			       strerror(-ret));
	}
	gw_feed_set_limits(&next->limits);
	gw_feed_set_timers(&next->querier);
	gw_failover_set_timers(next);
	gw_ctl_set_request_rate(&next->limits.control_requests_per_client);
	apply_active_outside(next->igmp.active_outside);
	/*
	 * The [igmp] switches, unicast_dst and self_query_interval are read from
	 * gw.cfg where they are used (workers included): the copy applies them.
	 * Restart-only keys are equal in both, so the copy leaves them as they are.
	 * The ACLs the copy replaces are freed with the old policy block, after
	 * the workers' grace period.
	 */
	prev = gw.cfg;
	gw.cfg = *next;
	gw_policy_install(policy, &prev);
	gw_policy_purge_after_grace();
	return 0;
}

static int
reload(json_t *changed, char *err, size_t err_len)
{
	static struct gw_config next;   /* large: off the stack */
	struct gw_policy *policy = NULL;
	int ret;

	ret = gw_config_load(&next, rl.path, rl.overrides, rl.n_overrides, err, err_len);
	if (ret == 0)
		ret = gw_config_reload_check(&gw.cfg, &next, err, err_len);
	if (ret == 0)
		ret = check_running(&next, err, err_len);
	if (ret == 0)
		ret = gw_mroutes_merge(&gw.cfg.forward, &next.forward, err, err_len);
	if (ret == 0) {
		policy = gw_policy_prepare(&next, err, err_len);
		if (policy == NULL)
			ret = -EINVAL;
	}
	if (ret == 0) {
		changed_sections(&gw.cfg, &next, changed);
		ret = apply(&next, policy, err, err_len);
	}
	/* A refused file: what its load allocated (the ACLs) goes (a failed load freed its own). */
	if (ret < 0) {
		gw_policy_discard(policy);
		gw_config_release(&next);
	}
	return ret;
}

int
gw_reload(const char *origin, json_t *changed, char *err, size_t err_len)
{
	json_t *list = json_array();
	char names[128] = "";
	size_t i;
	json_t *v;
	int ret;

	ret = reload(list, err, err_len);
	if (ret < 0) {
		GW_LOG(ERR, "configuration reload (%s) refused, running configuration kept: %s",
		       origin, err);
		json_decref(list);
		return ret;
	}
	json_array_foreach(list, i, v)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i == 0 ? "" : ", ", json_string_value(v));
	GW_LOG(NOTICE, "configuration reloaded from %s (%s): %s", rl.path, origin,
	       names[0] != '\0' ? names : "nothing changed");
	if (changed != NULL)
		json_array_extend(changed, list);
	json_decref(list);
	return 0;
}
