/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's configuration section by section: defaults, values and the
 * rules between them, so a mistake stops start-up with one clear line. The
 * file, the --set overrides and the known names are gw_config_ini.c's.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_cfgfile.h>
#include <rte_common.h>

#include "fwd_types.h"
#include "gw_config.h"
#include "gw_config_ini.h"
#include "igmp_wire.h"
#include "mship_timers.h"

static const char *const role_names[GW_MAX_PORTS] = {
	"outside", "alt", "inside", "inside2", "inside3", "inside4", "inside5", "inside6",
	"inside7", "inside8", "inside9", "inside10", "inside11", "inside12", "inside13",
	"inside14", "inside15", "inside16",
};

const char *
gw_role_name(enum gw_role role)
{
	return (unsigned int)role < GW_MAX_PORTS ? role_names[role] : "unknown";
}

/* vlan, priority, igmp_priority: 802.1Q on the section's port. */
static int
load_port_vlan(struct rte_cfgfile *file, const char *sec, struct gw_port_config *port,
	       char *err, size_t err_len)
{
	uint32_t v = 0;
	int ret;

	ret = gw_cfg_get_uint(file, sec, "vlan", 1, GW_VLAN_MAX, &v, err, err_len);
	if (ret < 0)
		return ret;
	port->vlan = (uint16_t)v;
	v = 0;
	ret = gw_cfg_get_uint(file, sec, "priority", 0, GW_PRIORITY_MAX, &v, err, err_len);
	if (ret < 0)
		return ret;
	port->priority = (uint8_t)v;
	ret = gw_cfg_get_uint(file, sec, "igmp_priority", 0, GW_PRIORITY_MAX, &v, err, err_len);
	if (ret < 0)
		return ret;
	port->igmp_priority = (uint8_t)v;
	if (port->vlan == 0 && (rte_cfgfile_has_entry(file, sec, "priority") ||
				rte_cfgfile_has_entry(file, sec, "igmp_priority")))
		return gw_cfg_fail(err, err_len,
				   "config: %s.%s: needs %s.vlan (the priority rides in the VLAN tag)",
				   sec, rte_cfgfile_has_entry(file, sec, "priority") ? "priority" :
				   "igmp_priority", sec);
	return 0;
}

static int
load_port(struct rte_cfgfile *file, enum gw_role role, struct gw_port_config *port,
	  char *err, size_t err_len)
{
	const char *sec = role_names[role];
	const char *v;
	int ret;

	port->role = role;
	port->present = rte_cfgfile_has_section(file, sec) != 0;
	if (!port->present)
		return 0;

	v = rte_cfgfile_get_entry(file, sec, "port");
	if (v == NULL || *v == '\0')
		return gw_cfg_fail(err, err_len, "config: %s.port: missing (a vdev, PCI address or port name)",
				   sec);
	if (strlen(v) >= GW_DEVARGS_LEN)
		return gw_cfg_fail(err, err_len, "config: %s.port: longer than %d characters", sec,
				   GW_DEVARGS_LEN - 1);
	snprintf(port->devargs, sizeof(port->devargs), "%s", v);

	v = rte_cfgfile_get_entry(file, sec, "address");
	if (v == NULL || *v == '\0')
		return gw_cfg_fail(err, err_len, "config: %s.address: missing (like 10.0.0.2/24)", sec);
	if (gw_cfg_parse_prefix(v, &port->addr, &port->prefix_len) < 0)
		return gw_cfg_fail(err, err_len,
				   "config: %s.address: '%s' is not a unicast host address with a /prefix",
				   sec, v);

	v = rte_cfgfile_get_entry(file, sec, "mtu");
	if (v != NULL) {
		uint32_t mtu;

		if (gw_cfg_parse_uint(v, GW_MTU_MAX, &mtu) < 0 || mtu < GW_MTU_MIN)
			return gw_cfg_fail(err, err_len, "config: %s.mtu: '%s' is not bytes in %d..%d",
					   sec, v, GW_MTU_MIN, GW_MTU_MAX);
		port->mtu = (uint16_t)mtu;
	}
	ret = load_port_vlan(file, sec, port, err, err_len);
	if (ret < 0)
		return ret;
	ret = gw_cfg_get_bool(file, sec, "fast_leave", &port->fast_leave, err, err_len);
	if (ret < 0)
		return ret;
	if (port->fast_leave && !gw_role_is_inside(role))
		return gw_cfg_fail(err, err_len,
				   "config: %s.fast_leave: only inside ports have hosts to leave", sec);
	return gw_cfg_load_port_acl(file, sec, gw_role_is_inside(role), port, err, err_len);
}

/* Fast leave knows the last host by tracking them: it needs membership tracking. */
static int
check_fast_leave(const struct gw_config *cfg, char *err, size_t err_len)
{
	for (int r = GW_ROLE_INSIDE; r < GW_MAX_PORTS; r++) {
		if (cfg->port[r].present && cfg->port[r].fast_leave && !cfg->track_membership)
			return gw_cfg_fail(err, err_len,
					   "config: %s.fast_leave: needs [proxy] track_membership = yes (it tracks the hosts)",
					   role_names[r]);
	}
	return 0;
}

/*
 * Trunks: sections naming the same port value share its ethdev, the first of
 * them (the trunk head) opens it. Each needs a VLAN of its own there, and at
 * most one of them is untagged.
 */
static int
find_trunks(struct gw_config *cfg, char *err, size_t err_len)
{
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		struct gw_port_config *a = &cfg->port[r];

		a->trunk = (uint8_t)r;
		for (int s = 0; a->present && s < r; s++) {
			const struct gw_port_config *b = &cfg->port[s];

			if (!b->present || strcmp(a->devargs, b->devargs) != 0)
				continue;
			if (a->vlan == b->vlan && a->vlan == 0)
				return gw_cfg_fail(err, err_len,
						   "config: %s.vlan: missing: port '%s' is already %s's, untagged (sections sharing a port need different VLANs)",
						   role_names[r], a->devargs, role_names[s]);
			if (a->vlan == b->vlan)
				return gw_cfg_fail(err, err_len,
						   "config: %s.vlan: VLAN %u of port '%s' is already %s's",
						   role_names[r], a->vlan, a->devargs, role_names[s]);
			a->trunk = b->trunk;
		}
	}
	return 0;
}

/*
 * Two ports on one address or overlapping subnets: the kernel twins would
 * route the same addresses out of two ports, and replies go out the wrong one.
 */
static int
check_subnets(const struct gw_config *cfg, char *err, size_t err_len)
{
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		const struct gw_port_config *a = &cfg->port[r];

		for (int s = 0; a->present && s < r; s++) {
			const struct gw_port_config *b = &cfg->port[s];
			uint8_t len = a->prefix_len < b->prefix_len ? a->prefix_len : b->prefix_len;
			uint32_t mask = len == 32 ? 0xffffffffu : ~(0xffffffffu >> len);
			char ab[INET_ADDRSTRLEN], bb[INET_ADDRSTRLEN];

			if (!b->present || ((ntohl(a->addr) ^ ntohl(b->addr)) & mask) != 0)
				continue;
			inet_ntop(AF_INET, &a->addr, ab, sizeof(ab));
			inet_ntop(AF_INET, &b->addr, bb, sizeof(bb));
			if (a->addr == b->addr)
				return gw_cfg_fail(err, err_len, "config: %s.address: %s is already %s's address",
						   role_names[r], ab, role_names[s]);
			return gw_cfg_fail(err, err_len,
					   "config: %s.address: %s/%u overlaps %s's subnet %s/%u (each port needs a subnet of its own)",
					   role_names[r], ab, a->prefix_len, role_names[s], bb, b->prefix_len);
		}
	}
	return 0;
}

static const char *const failover_names[] = {
#define GW_FAILOVER_NAME(code, name) name,
	GW_FAILOVER_MODES(GW_FAILOVER_NAME)
#undef GW_FAILOVER_NAME
};

const char *
gw_failover_mode_name(enum gw_failover_mode mode)
{
	return (unsigned int)mode < RTE_DIM(failover_names) ? failover_names[mode] : "?";
}

static int
load_failover(struct rte_cfgfile *file, struct gw_igmp_config *igmp, char *err, size_t err_len)
{
	const char *v;
	unsigned int i;

	igmp->failover = GW_FAILOVER_OFF;
	igmp->failover_leave_old = true;
	igmp->failover_revert = false;
	igmp->failover_hold_down = GW_FAILOVER_HOLD_DOWN_DEFAULT;
	v = rte_cfgfile_get_entry(file, "igmp", "failover");
	if (v != NULL) {
		for (i = 0; i < RTE_DIM(failover_names); i++)
			if (strcmp(v, failover_names[i]) == 0)
				break;
		if (i == RTE_DIM(failover_names))
			return gw_cfg_fail(err, err_len,
					   "config: igmp.failover: '%s' is not off, link or querier", v);
		igmp->failover = (enum gw_failover_mode)i;
	}
	v = rte_cfgfile_get_entry(file, "igmp", "failover_leave_old");
	if (v != NULL && gw_cfg_parse_bool(v, &igmp->failover_leave_old) < 0)
		return gw_cfg_fail(err, err_len, "config: igmp.failover_leave_old: '%s' is not yes or no",
				   v);
	v = rte_cfgfile_get_entry(file, "igmp", "failover_revert");
	if (v != NULL && gw_cfg_parse_bool(v, &igmp->failover_revert) < 0)
		return gw_cfg_fail(err, err_len, "config: igmp.failover_revert: '%s' is not yes or no",
				   v);
	v = rte_cfgfile_get_entry(file, "igmp", "failover_hold_down");
	if (v != NULL && gw_cfg_parse_uint(v, GW_FAILOVER_HOLD_DOWN_MAX,
					   &igmp->failover_hold_down) < 0)
		return gw_cfg_fail(err, err_len,
				   "config: igmp.failover_hold_down: '%s' is not seconds in 0..%d", v,
				   GW_FAILOVER_HOLD_DOWN_MAX);
	return 0;
}

static int
load_igmp(struct rte_cfgfile *file, struct gw_igmp_config *igmp, char *err, size_t err_len)
{
	const char *v;
	int ret;

#define GW_SWITCH_LOAD(name) \
	v = rte_cfgfile_get_entry(file, "igmp", #name); \
	if (v != NULL && gw_cfg_parse_bool(v, &igmp->name) < 0) \
		return gw_cfg_fail(err, err_len, "config: igmp.%s: '%s' is not yes or no", #name, v);
	GW_IGMP_SWITCHES(GW_SWITCH_LOAD)
#undef GW_SWITCH_LOAD

	v = rte_cfgfile_get_entry(file, "igmp", "unicast_dst");
	if (v != NULL && *v != '\0' && gw_cfg_parse_ipv4(v, &igmp->unicast_dst) < 0)
		return gw_cfg_fail(err, err_len, "config: igmp.unicast_dst: '%s' is not an IPv4 address", v);

	v = rte_cfgfile_get_entry(file, "igmp", "active_outside");
	if (v != NULL) {
		if (strcmp(v, "outside") == 0)
			igmp->active_outside = GW_ROLE_OUTSIDE;
		else if (strcmp(v, "alt") == 0)
			igmp->active_outside = GW_ROLE_ALT;
		else
			return gw_cfg_fail(err, err_len,
					   "config: igmp.active_outside: '%s' is not outside or alt", v);
	}

	v = rte_cfgfile_get_entry(file, "igmp", "self_query_interval");
	if (v != NULL && gw_cfg_parse_uint(v, 31744, &igmp->self_query_interval) < 0)
		return gw_cfg_fail(err, err_len,
				   "config: igmp.self_query_interval: '%s' is not seconds in 0..31744", v);
	ret = load_failover(file, igmp, err, err_len);
	if (ret < 0)
		return ret;
	return gw_cfg_load_ssm_range(file, igmp, err, err_len);
}

static int
load_exception(struct rte_cfgfile *file, struct gw_config *cfg, char *err, size_t err_len)
{
	const char *v = rte_cfgfile_get_entry(file, "exception", "mode");

	cfg->exception = GW_EXCEPTION_TAP;
	if (v == NULL)
		return 0;
	if (strcmp(v, "tap") == 0)
		cfg->exception = GW_EXCEPTION_TAP;
	else if (strcmp(v, "virtio-user") == 0)
		cfg->exception = GW_EXCEPTION_VIRTIO_USER;
	else if (strcmp(v, "none") == 0)
		cfg->exception = GW_EXCEPTION_NONE;
	else
		return gw_cfg_fail(err, err_len, "config: exception.mode: '%s' is not tap, virtio-user or none",
				   v);
	return 0;
}

static int
load_control(struct rte_cfgfile *file, struct gw_control_config *ctl, char *err, size_t err_len)
{
	const char *v;

	snprintf(ctl->socket, sizeof(ctl->socket), "%s", GW_CONTROL_SOCKET_DEFAULT);
	ctl->max_clients = 16;

	v = rte_cfgfile_get_entry(file, "control", "socket");
	if (v != NULL) {
		if (strcmp(v, "none") == 0)
			ctl->socket[0] = '\0';
		else if (*v != '/' || strlen(v) >= sizeof(ctl->socket))
			return gw_cfg_fail(err, err_len,
					   "config: control.socket: '%s' is not an absolute path shorter than %zu characters (or none)",
					   v, sizeof(ctl->socket));
		else
			snprintf(ctl->socket, sizeof(ctl->socket), "%s", v);
	}
	v = rte_cfgfile_get_entry(file, "control", "group");
	if (v != NULL) {
		if (strlen(v) >= sizeof(ctl->group))
			return gw_cfg_fail(err, err_len, "config: control.group: name too long");
		snprintf(ctl->group, sizeof(ctl->group), "%s", v);
	}
	v = rte_cfgfile_get_entry(file, "control", "admin_group");
	if (v != NULL) {
		if (strlen(v) >= sizeof(ctl->admin_group))
			return gw_cfg_fail(err, err_len, "config: control.admin_group: name too long");
		snprintf(ctl->admin_group, sizeof(ctl->admin_group), "%s", v);
	}
	v = rte_cfgfile_get_entry(file, "control", "max_clients");
	if (v != NULL && (gw_cfg_parse_uint(v, 1024, &ctl->max_clients) < 0 || ctl->max_clients == 0))
		return gw_cfg_fail(err, err_len, "config: control.max_clients: '%s' is not a number in 1..1024",
				   v);
	return 0;
}

/*
 * Bounds on the QRV and QQIC the inside ports adopt from another querier:
 * twice our own unless given, never below our own (a bound under what we use
 * ourselves would be a typo), within what the fields can carry.
 */
static int
load_adopted_maxima(struct rte_cfgfile *file, struct gw_querier_config *q, char *err,
		    size_t err_len)
{
	int ret;

	q->max_adopted_robustness = mship_default_max_adopted_robustness(q->robustness);
	q->max_adopted_query_interval_ms =
		mship_default_max_adopted_query_interval_ms(q->query_interval_ms);
	ret = gw_cfg_get_uint(file, "querier", "max_adopted_robustness", q->robustness, IGMP_QRV_MAX,
			      &q->max_adopted_robustness, err, err_len);
	if (ret == 0)
		ret = gw_cfg_get_seconds(file, "querier", "max_adopted_query_interval",
					 q->query_interval_ms, MSHIP_MAX_QUERY_INTERVAL_MS,
					 &q->max_adopted_query_interval_ms, err, err_len);
	return ret;
}

static int
load_tracking(struct rte_cfgfile *file, struct gw_config *cfg, char *err, size_t err_len)
{
	struct gw_querier_config *q = &cfg->querier;
	struct gw_limits_config *l = &cfg->limits;
	uint32_t version = 3;
	bool lmqc_given = rte_cfgfile_has_entry(file, "querier", "last_member_query_count");
	int ret = 0;

	q->query_interval_ms = MSHIP_DEFAULT_QUERY_INTERVAL_MS;
	q->query_response_interval_ms = MSHIP_DEFAULT_QUERY_RESPONSE_INTERVAL_MS;
	q->robustness = MSHIP_DEFAULT_ROBUSTNESS;
	q->last_member_query_interval_ms = MSHIP_DEFAULT_LAST_MEMBER_QUERY_INTERVAL_MS;
	l->max_groups = 16384;
	l->max_groups_per_port = 16384;
	l->max_sources_per_group = 64;

	ret = gw_cfg_get_bool(file, "proxy", "track_membership", &cfg->track_membership, err, err_len);
	if (ret == 0)
		ret = gw_cfg_get_bool(file, "querier", "enabled", &q->enabled, err, err_len);
	if (ret == 0)
		ret = gw_cfg_get_uint(file, "querier", "version", 1, 3, &version, err, err_len);
	q->version = (uint8_t)version;
	if (ret == 0)
		ret = gw_cfg_get_seconds(file, "querier", "query_interval", 1000, MSHIP_MAX_QUERY_INTERVAL_MS,
					 &q->query_interval_ms, err, err_len);
	if (ret == 0)
		ret = gw_cfg_get_seconds(file, "querier", "query_response_interval", 100,
					 MSHIP_MAX_RESPONSE_INTERVAL_MS,
					 &q->query_response_interval_ms, err, err_len);
	if (ret == 0)
		ret = gw_cfg_get_uint(file, "querier", "robustness", 1, IGMP_QRV_MAX, &q->robustness, err,
				      err_len);
	q->last_member_query_count = q->robustness;
	if (ret == 0)
		ret = gw_cfg_get_seconds(file, "querier", "last_member_query_interval", 100,
					 MSHIP_MAX_RESPONSE_INTERVAL_MS,
					 &q->last_member_query_interval_ms, err, err_len);
	if (ret == 0 && lmqc_given)
		ret = gw_cfg_get_uint(file, "querier", "last_member_query_count", 1, 7,
				      &q->last_member_query_count, err, err_len);
	if (ret == 0)
		ret = load_adopted_maxima(file, q, err, err_len);
	if (ret == 0 && q->enabled && !cfg->track_membership)
		ret = gw_cfg_fail(err, err_len,
				  "config: querier.enabled: needs [proxy] track_membership = yes");
	if (ret == 0 && q->query_response_interval_ms >= q->query_interval_ms)
		ret = gw_cfg_fail(err, err_len,
				  "config: querier.query_response_interval: must be shorter than query_interval");
	if (ret == 0)
		ret = gw_cfg_get_uint(file, "limits", "max_groups", 1, 1000000, &l->max_groups, err,
				      err_len);
	if (ret == 0)
		ret = gw_cfg_get_uint(file, "limits", "max_groups_per_port", 1, 1000000,
				      &l->max_groups_per_port, err, err_len);
	if (ret == 0)
		ret = gw_cfg_get_uint(file, "limits", "max_sources_per_group", 1, FWD_MAX_SOURCES,
				      &l->max_sources_per_group, err, err_len);
	return ret;
}

/* accept_from widens what tracking takes; without tracking every source is taken already. */
static int
check_accept_from(const struct gw_config *cfg, char *err, size_t err_len)
{
	for (int r = GW_ROLE_INSIDE; r < GW_MAX_PORTS; r++)
		if (cfg->port[r].accept_from != NULL && !cfg->track_membership)
			return gw_cfg_fail(err, err_len,
					   "config: %s.accept_from: needs [proxy] track_membership = yes (without it reports from any source are taken)",
					   role_names[r]);
	return 0;
}

static int
role_by_name(const char *name)
{
	for (int r = 0; r < GW_MAX_PORTS; r++)
		if (strcmp(role_names[r], name) == 0)
			return r;
	return -1;
}

/* "GROUP[/LEN] [source S] to PORT [PORT...]" */
static int
parse_mroute(const struct gw_config *cfg, const char *name, const char *v, struct gw_mroute *rt,
	     char *err, size_t err_len)
{
	char buf[CFG_VALUE_LEN];
	char *save = NULL, *tok, *slash;
	uint32_t plen = 32;

	snprintf(buf, sizeof(buf), "%s", v);
	memset(rt, 0, sizeof(*rt));
	snprintf(rt->name, sizeof(rt->name), "%s", name);
	tok = strtok_r(buf, " \t", &save);
	if (tok == NULL)
		goto bad;
	slash = strchr(tok, '/');
	if (slash != NULL) {
		*slash = '\0';
		if (gw_cfg_parse_uint(slash + 1, 32, &plen) < 0 || plen < 4)
			goto bad;
	}
	if (gw_cfg_parse_ipv4(tok, &rt->group) < 0 || !igmp_is_multicast(rt->group))
		goto bad;
	rt->prefix_len = (uint8_t)plen;
	tok = strtok_r(NULL, " \t", &save);
	if (tok != NULL && strcmp(tok, "source") == 0) {
		tok = strtok_r(NULL, " \t", &save);
		if (tok == NULL || gw_cfg_parse_ipv4(tok, &rt->source) < 0 || rt->source == 0 ||
		    igmp_is_multicast_or_reserved(rt->source))
			goto bad;
		tok = strtok_r(NULL, " \t", &save);
	}
	if (tok == NULL || strcmp(tok, "to") != 0)
		goto bad;
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		int role = role_by_name(tok);

		if (role < GW_ROLE_INSIDE || !cfg->port[role].present)
			return gw_cfg_fail(err, err_len, "config: mroute.%s: '%s' is not a configured inside port",
					   name, tok);
		rt->ports |= 1u << role;
	}
	if (rt->ports == 0)
		goto bad;
	return 0;
bad:
	return gw_cfg_fail(err, err_len,
			   "config: mroute.%s: '%s' is not 'GROUP[/LEN] [source ADDR] to PORT...'", name, v);
}

static int
load_forward(struct rte_cfgfile *file, struct gw_config *cfg, char *err, size_t err_len)
{
	struct rte_cfgfile_entry entries[GW_MAX_MROUTES + 1];
	int n;
	int ret;

	ret = gw_cfg_get_bool(file, "forward", "enabled", &cfg->forward.enabled, err, err_len);
	if (ret < 0 || !rte_cfgfile_has_section(file, "mroute"))
		return ret;
	n = rte_cfgfile_section_entries(file, "mroute", entries, GW_MAX_MROUTES + 1);
	if (n > GW_MAX_MROUTES)
		return gw_cfg_fail(err, err_len, "config: [mroute]: more than %d routes", GW_MAX_MROUTES);
	for (int i = 0; i < n; i++) {
		ret = parse_mroute(cfg, entries[i].name, entries[i].value,
				   &cfg->forward.mroutes[i], err, err_len);
		if (ret < 0)
			return ret;
	}
	cfg->forward.n_mroutes = (uint16_t)(n < 0 ? 0 : n);
	return 0;
}

/* One "PORT[/QUEUE]@LCORE" of workers.map. */
static int
parse_map_entry(const struct gw_config *cfg, char *tok, struct gw_worker_map_entry *e, char *err,
		size_t err_len)
{
	char *at = strchr(tok, '@');
	char whole[CFG_VALUE_LEN];
	char *slash;
	uint32_t v;
	int role;

	snprintf(whole, sizeof(whole), "%s", tok);
	if (at == NULL)
		goto bad;
	*at = '\0';
	if (gw_cfg_parse_uint(at + 1, RTE_MAX_LCORE - 1, &v) < 0)
		goto bad;
	e->lcore = (uint16_t)v;
	e->queue = GW_MAP_ALL_QUEUES;
	slash = strchr(tok, '/');
	if (slash != NULL) {
		*slash = '\0';
		if (gw_cfg_parse_uint(slash + 1, GW_MAP_ALL_QUEUES - 1, &v) < 0)
			goto bad;
		e->queue = (uint16_t)v;
	}
	role = role_by_name(tok);
	if (role < 0 || !cfg->port[role].present)
		return gw_cfg_fail(err, err_len, "config: workers.map: '%s' is not a configured port", tok);
	if (cfg->port[role].trunk != role)
		return gw_cfg_fail(err, err_len,
				   "config: workers.map: '%s' shares %s's port, whose queues it is: map %s",
				   tok, role_names[cfg->port[role].trunk], role_names[cfg->port[role].trunk]);
	e->role = (uint8_t)role;
	return 0;
bad:
	return gw_cfg_fail(err, err_len, "config: workers.map: '%s' is not PORT[/QUEUE]@LCORE",
			   whole);
}

/* "PORT[/QUEUE]@LCORE ...": every configured port named, no (port, queue) twice. */
static int
load_worker_map(struct rte_cfgfile *file, struct gw_config *cfg, char *err, size_t err_len)
{
	const char *v = rte_cfgfile_get_entry(file, "workers", "map");
	struct gw_worker_map *map = &cfg->workers.map;
	char buf[CFG_VALUE_LEN];
	char *save = NULL, *tok;

	if (v == NULL)
		return 0;
	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, " \t,", &save); tok != NULL; tok = strtok_r(NULL, " \t,", &save)) {
		struct gw_worker_map_entry *e = &map->e[map->n];

		if (map->n == GW_MAX_WORKER_MAP)
			return gw_cfg_fail(err, err_len, "config: workers.map: more than %d entries",
					   GW_MAX_WORKER_MAP);
		int ret = parse_map_entry(cfg, tok, e, err, err_len);

		if (ret < 0)
			return ret;
		for (uint16_t i = 0; i < map->n; i++)
			if (map->e[i].role == e->role && map->e[i].queue == e->queue)
				return e->queue == GW_MAP_ALL_QUEUES ?
					gw_cfg_fail(err, err_len, "config: workers.map: %s mapped twice",
						    role_names[e->role]) :
					gw_cfg_fail(err, err_len, "config: workers.map: %s/%u mapped twice",
						    role_names[e->role], e->queue);
		map->n++;
	}
	if (map->n == 0)
		return gw_cfg_fail(err, err_len, "config: workers.map: empty (PORT[/QUEUE]@LCORE ...)");
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		bool named = false;

		for (uint16_t i = 0; i < map->n; i++)
			named |= map->e[i].role == r;
		if (cfg->port[r].present && cfg->port[r].trunk == r && !named)
			return gw_cfg_fail(err, err_len,
					   "config: workers.map: %s is not mapped (every port's rx queues need an lcore)",
					   role_names[r]);
	}
	return 0;
}

/* "GROUP [source ADDR]..." */
static int
parse_join(const char *name, const char *v, struct gw_join *j, char *err, size_t err_len)
{
	char buf[CFG_VALUE_LEN];
	char *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", v);
	memset(j, 0, sizeof(*j));
	snprintf(j->name, sizeof(j->name), "%s", name);
	tok = strtok_r(buf, " \t", &save);
	if (tok == NULL || gw_cfg_parse_ipv4(tok, &j->group) < 0 || !igmp_is_multicast(j->group))
		goto bad;
	if (igmp_is_link_local_group(j->group))
		return gw_cfg_fail(err, err_len, "config: join.%s: %s is link-local (224.0.0.x): it is never reported",
				   name, tok);
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		uint32_t src;

		if (strcmp(tok, "source") != 0)
			goto bad;
		tok = strtok_r(NULL, " \t", &save);
		if (tok == NULL || gw_cfg_parse_ipv4(tok, &src) < 0 || src == 0 ||
		    igmp_is_multicast_or_reserved(src))
			goto bad;
		if (j->n_sources == GW_JOIN_MAX_SOURCES)
			return gw_cfg_fail(err, err_len, "config: join.%s: more than %d sources",
					   name, GW_JOIN_MAX_SOURCES);
		j->sources[j->n_sources++] = src;
	}
	return 0;
bad:
	return gw_cfg_fail(err, err_len, "config: join.%s: '%s' is not 'GROUP [source ADDR]...'",
			   name, v);
}

static int
load_join(struct rte_cfgfile *file, struct gw_config *cfg, char *err, size_t err_len)
{
	struct rte_cfgfile_entry entries[GW_MAX_JOINS + 1];
	int n;
	int ret;

	if (!rte_cfgfile_has_section(file, "join"))
		return 0;
	n = rte_cfgfile_section_entries(file, "join", entries, GW_MAX_JOINS + 1);
	if (n > GW_MAX_JOINS)
		return gw_cfg_fail(err, err_len, "config: [join]: more than %d joins", GW_MAX_JOINS);
	for (int i = 0; i < n; i++) {
		ret = parse_join(entries[i].name, entries[i].value, &cfg->join.joins[i], err,
				 err_len);
		if (ret < 0)
			return ret;
	}
	cfg->join.n = (uint16_t)(n < 0 ? 0 : n);
	return 0;
}

static const char *const idle_mode_names[] = {
	[GW_IDLE_ADAPTIVE] = "adaptive",
	[GW_IDLE_BUSY] = "busy",
};

const char *
gw_idle_mode_name(enum gw_idle_mode mode)
{
	return (unsigned int)mode < RTE_DIM(idle_mode_names) ? idle_mode_names[mode] : "unknown";
}

/* [workers] idle; its map is load_worker_map's. */
static int
load_workers(struct rte_cfgfile *file, struct gw_workers_config *w, char *err, size_t err_len)
{
	const char *v = rte_cfgfile_get_entry(file, "workers", "idle");

	w->idle = GW_IDLE_ADAPTIVE;
	if (v == NULL)
		return 0;
	for (size_t m = 0; m < RTE_DIM(idle_mode_names); m++) {
		if (strcmp(v, idle_mode_names[m]) == 0) {
			w->idle = (enum gw_idle_mode)m;
			return 0;
		}
	}
	return gw_cfg_fail(err, err_len, "config: workers.idle: '%s' is not adaptive or busy", v);
}

/* "ADDR:PORT" or "[ADDR6]:PORT": where /metrics listens; "none" or absent: nowhere. */
static int
load_metrics(struct rte_cfgfile *file, struct gw_metrics_config *m, char *err, size_t err_len)
{
	const char *v = rte_cfgfile_get_entry(file, "metrics", "listen");
	char host[GW_METRICS_LISTEN_LEN];
	const char *colon;
	uint32_t port;
	size_t hlen;

	if (v == NULL || strcmp(v, "none") == 0)
		return 0;
	colon = strrchr(v, ':');
	if (strlen(v) >= sizeof(m->listen) || colon == NULL)
		goto bad;
	hlen = (size_t)(colon - v);
	if (hlen >= 2 && v[0] == '[' && v[hlen - 1] == ']') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&m->addr;

		memcpy(host, v + 1, hlen - 2);
		host[hlen - 2] = '\0';
		a6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			goto bad;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&m->addr;

		memcpy(host, v, hlen);
		host[hlen] = '\0';
		a4->sin_family = AF_INET;
		if (gw_cfg_parse_ipv4(host, &a4->sin_addr.s_addr) < 0)
			goto bad;
	}
	if (gw_cfg_parse_uint(colon + 1, 65535, &port) < 0 || port == 0)
		goto bad;
	if (m->addr.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&m->addr)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)&m->addr)->sin_port = htons((uint16_t)port);
	snprintf(m->listen, sizeof(m->listen), "%s", v);
	m->enabled = true;
	return 0;
bad:
	return gw_cfg_fail(err, err_len,
			   "config: metrics.listen: '%s' is not ADDR:PORT (like 127.0.0.1:9464, [::1]:9464, 0.0.0.0:9464; port 1..65535) or none",
			   v);
}

int
gw_config_load(struct gw_config *cfg, const char *path, const char *const *overrides,
	       int n_overrides, char *err, size_t err_len)
{
	struct rte_cfgfile *file;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->igmp.active_outside = GW_ROLE_OUTSIDE;

	ret = gw_cfg_open(&file, path, overrides, n_overrides, err, err_len);
	if (ret < 0)
		return ret;
	for (int r = 0; r < GW_MAX_PORTS && ret == 0; r++)
		ret = load_port(file, r, &cfg->port[r], err, err_len);
	if (ret == 0 && !cfg->port[GW_ROLE_OUTSIDE].present)
		ret = gw_cfg_fail(err, err_len, "config: [outside]: missing (the upstream port is required)");
	if (ret == 0 && !cfg->port[GW_ROLE_INSIDE].present)
		ret = gw_cfg_fail(err, err_len, "config: [inside]: missing (the downstream port is required)");
	if (ret == 0)
		ret = find_trunks(cfg, err, err_len);
	if (ret == 0)
		ret = check_subnets(cfg, err, err_len);
	if (ret == 0)
		ret = load_igmp(file, &cfg->igmp, err, err_len);
	if (ret == 0 && cfg->igmp.active_outside == GW_ROLE_ALT && !cfg->port[GW_ROLE_ALT].present)
		ret = gw_cfg_fail(err, err_len,
				  "config: igmp.active_outside: 'alt' but there is no [alt] section");
	if (ret == 0 && cfg->igmp.failover != GW_FAILOVER_OFF && !cfg->port[GW_ROLE_ALT].present)
		ret = gw_cfg_fail(err, err_len,
				  "config: igmp.failover: '%s' needs an [alt] section to fail over to",
				  gw_failover_mode_name(cfg->igmp.failover));
	if (ret == 0)
		ret = load_exception(file, cfg, err, err_len);
	if (ret == 0)
		ret = load_control(file, &cfg->control, err, err_len);
	if (ret == 0)
		ret = load_tracking(file, cfg, err, err_len);
	if (ret == 0)
		ret = check_accept_from(cfg, err, err_len);
	if (ret == 0)
		ret = gw_cfg_load_rate_limits(file, &cfg->limits, err, err_len);
	if (ret == 0)
		ret = check_fast_leave(cfg, err, err_len);
	if (ret == 0)
		ret = load_forward(file, cfg, err, err_len);
	if (ret == 0)
		ret = load_join(file, cfg, err, err_len);
	if (ret == 0)
		ret = load_workers(file, &cfg->workers, err, err_len);
	if (ret == 0)
		ret = load_worker_map(file, cfg, err, err_len);
	if (ret == 0)
		ret = load_metrics(file, &cfg->metrics, err, err_len);

	rte_cfgfile_close(file);
	if (ret < 0)
		gw_config_release(cfg);
	return ret;
}

void
gw_config_release(struct gw_config *cfg)
{
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		acl_free(cfg->port[r].acl);
		acl_set_free(cfg->port[r].accept_from);
		cfg->port[r].acl = NULL;
		cfg->port[r].accept_from = NULL;
	}
}
