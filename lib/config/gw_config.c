/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reads the gateway's INI configuration with rte_cfgfile and checks every
 * section, key and value, so a mistake stops start-up with one clear line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_cfgfile.h>

#include "fwd_types.h"
#include "gw_config.h"
#include "igmp_wire.h"
#include "mship_timers.h"

#define MAX_ENTRIES 64
#define MAX_FILE_BYTES (1 << 20) /* configs are a few kB; a bigger file is a wrong -f */

static const char *const role_names[GW_MAX_PORTS] = {
	"outside", "alt", "inside", "inside2", "inside3", "inside4", "inside5", "inside6",
	"inside7", "inside8",
};

static const char *const port_keys[] = { "port", "address", NULL };
static const char *const igmp_keys[] = {
#define GW_SWITCH_NAME(name) #name,
	GW_IGMP_SWITCHES(GW_SWITCH_NAME)
#undef GW_SWITCH_NAME
	"unicast_dst",
	"active_outside",
	"self_query_interval",
	NULL,
};
static const char *const exception_keys[] = { "mode", NULL };
static const char *const control_keys[] = { "socket", "group", "max_clients", NULL };
static const char *const proxy_keys[] = { "track_membership", NULL };
static const char *const querier_keys[] = {
	"enabled",
	"version",
	"query_interval",
	"query_response_interval",
	"robustness",
	"last_member_query_interval",
	"last_member_query_count",
	"max_adopted_robustness",
	"max_adopted_query_interval",
	NULL,
};
static const char *const limits_keys[] = {
	"max_groups",
	"max_groups_per_port",
	"max_sources_per_group",
	NULL,
};
static const char *const forward_keys[] = { "enabled", NULL };

struct section_spec {
	const char *name;
	const char *const *keys;
};

static const struct section_spec sections[] = {
	{ "outside", port_keys },
	{ "alt", port_keys },
	{ "inside", port_keys },
	{ "inside2", port_keys },
	{ "inside3", port_keys },
	{ "inside4", port_keys },
	{ "inside5", port_keys },
	{ "inside6", port_keys },
	{ "inside7", port_keys },
	{ "inside8", port_keys },
	{ "igmp", igmp_keys },
	{ "exception", exception_keys },
	{ "control", control_keys },
	{ "proxy", proxy_keys },
	{ "querier", querier_keys },
	{ "limits", limits_keys },
	{ "forward", forward_keys },
	{ "mroute", NULL },         /* any key: the route's name */
};

const char *
gw_role_name(enum gw_role role)
{
	return (unsigned int)role < GW_MAX_PORTS ? role_names[role] : "unknown";
}

static int
fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const struct section_spec *
find_section(const char *name)
{
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (strcmp(sections[i].name, name) == 0)
			return &sections[i];
	return NULL;
}

static bool
key_known(const struct section_spec *sec, const char *key)
{
	if (sec->keys == NULL)
		return true;
	for (const char *const *k = sec->keys; *k != NULL; k++)
		if (strcmp(*k, key) == 0)
			return true;
	return false;
}

static bool
section_repeated(struct rte_cfgfile *file, const char *name)
{
	int n = rte_cfgfile_num_sections(file, NULL, 0);
	int seen = 0;

	for (int i = 0; i < n; i++) {
		char other[CFG_NAME_LEN];
		struct rte_cfgfile_entry unused;

		if (rte_cfgfile_section_entries_by_index(file, i, other, &unused, 0) >= 0 &&
		    strcmp(other, name) == 0)
			seen++;
	}
	return seen > 1;
}

/* Rejects sections and keys we do not know: a typo must not be silently ignored. */
static int
check_names(struct rte_cfgfile *file, char *err, size_t err_len)
{
	int n = rte_cfgfile_num_sections(file, NULL, 0);
	struct rte_cfgfile_entry entries[MAX_ENTRIES];

	for (int i = 0; i < n; i++) {
		char name[CFG_NAME_LEN];
		const struct section_spec *sec;
		int n_entries;

		n_entries = rte_cfgfile_section_entries_by_index(file, i, name, entries,
								 MAX_ENTRIES);
		if (n_entries < 0)
			return fail(err, err_len, "config: cannot read section %d", i);
		sec = find_section(name);
		if (sec == NULL)
			return fail(err, err_len, "config: [%s]: unknown section", name);
		/* rte_cfgfile would silently read only the first of two. */
		if (section_repeated(file, name))
			return fail(err, err_len, "config: [%s]: section given twice", name);
		for (int e = 0; e < n_entries; e++) {
			if (!key_known(sec, entries[e].name))
				return fail(err, err_len, "config: %s.%s: unknown key", name,
					    entries[e].name);
			for (int f = 0; f < e; f++)
				if (strcmp(entries[f].name, entries[e].name) == 0)
					return fail(err, err_len, "config: %s.%s: key given twice",
						    name, entries[e].name);
		}
	}
	return 0;
}

static int
parse_bool(const char *v, bool *out)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
	    strcmp(v, "on") == 0) {
		*out = true;
		return 0;
	}
	if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "0") == 0 ||
	    strcmp(v, "off") == 0) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

static int
parse_uint(const char *v, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long n;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n > max)
		return -EINVAL;
	*out = (uint32_t)n;
	return 0;
}

static int
parse_ipv4(const char *v, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, v, &a) != 1)
		return -EINVAL;
	*out = a.s_addr;
	return 0;
}

/* "a.b.c.d/len": a host address (not network, not broadcast, not multicast). */
static int
parse_prefix(const char *v, uint32_t *addr, uint8_t *len)
{
	char buf[32];
	const char *slash = strchr(v, '/');
	uint32_t plen;
	uint32_t host;

	if (slash == NULL || (size_t)(slash - v) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, v, slash - v);
	buf[slash - v] = '\0';
	if (parse_ipv4(buf, addr) < 0 || parse_uint(slash + 1, 32, &plen) < 0)
		return -EINVAL;
	host = ntohl(*addr);
	if (plen == 0 || host == 0 || igmp_is_multicast_or_reserved(*addr) || (host >> 24) == 127)
		return -EINVAL;
	/* Not the subnet's network or broadcast address (a /31 or /32 has neither). */
	if (plen < 31) {
		uint32_t hostmask = 0xffffffffu >> plen;

		if ((host & hostmask) == 0 || (host & hostmask) == hostmask)
			return -EINVAL;
	}
	*len = (uint8_t)plen;
	return 0;
}

static int
load_port(struct rte_cfgfile *file, enum gw_role role, struct gw_port_config *port,
	  char *err, size_t err_len)
{
	const char *sec = role_names[role];
	const char *v;

	port->role = role;
	port->present = rte_cfgfile_has_section(file, sec) != 0;
	if (!port->present)
		return 0;

	v = rte_cfgfile_get_entry(file, sec, "port");
	if (v == NULL || *v == '\0')
		return fail(err, err_len, "config: %s.port: missing (a vdev, PCI address or port name)",
			    sec);
	if (strlen(v) >= GW_DEVARGS_LEN)
		return fail(err, err_len, "config: %s.port: longer than %d characters", sec,
			    GW_DEVARGS_LEN - 1);
	snprintf(port->devargs, sizeof(port->devargs), "%s", v);

	v = rte_cfgfile_get_entry(file, sec, "address");
	if (v == NULL || *v == '\0')
		return fail(err, err_len, "config: %s.address: missing (like 10.0.0.2/24)", sec);
	if (parse_prefix(v, &port->addr, &port->prefix_len) < 0)
		return fail(err, err_len,
			    "config: %s.address: '%s' is not a unicast host address with a /prefix",
			    sec, v);
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
				return fail(err, err_len, "config: %s.address: %s is already %s's address",
					    role_names[r], ab, role_names[s]);
			return fail(err, err_len,
				    "config: %s.address: %s/%u overlaps %s's subnet %s/%u (each port needs a subnet of its own)",
				    role_names[r], ab, a->prefix_len, role_names[s], bb, b->prefix_len);
		}
	}
	return 0;
}

static int
load_igmp(struct rte_cfgfile *file, struct gw_igmp_config *igmp, char *err, size_t err_len)
{
	const char *v;

#define GW_SWITCH_LOAD(name) \
	v = rte_cfgfile_get_entry(file, "igmp", #name); \
	if (v != NULL && parse_bool(v, &igmp->name) < 0) \
		return fail(err, err_len, "config: igmp.%s: '%s' is not yes or no", #name, v);
	GW_IGMP_SWITCHES(GW_SWITCH_LOAD)
#undef GW_SWITCH_LOAD

	v = rte_cfgfile_get_entry(file, "igmp", "unicast_dst");
	if (v != NULL && *v != '\0' && parse_ipv4(v, &igmp->unicast_dst) < 0)
		return fail(err, err_len, "config: igmp.unicast_dst: '%s' is not an IPv4 address", v);

	v = rte_cfgfile_get_entry(file, "igmp", "active_outside");
	if (v != NULL) {
		if (strcmp(v, "outside") == 0)
			igmp->active_outside = GW_ROLE_OUTSIDE;
		else if (strcmp(v, "alt") == 0)
			igmp->active_outside = GW_ROLE_ALT;
		else
			return fail(err, err_len,
				    "config: igmp.active_outside: '%s' is not outside or alt", v);
	}

	v = rte_cfgfile_get_entry(file, "igmp", "self_query_interval");
	if (v != NULL && parse_uint(v, 31744, &igmp->self_query_interval) < 0)
		return fail(err, err_len,
			    "config: igmp.self_query_interval: '%s' is not seconds in 0..31744", v);
	return 0;
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
		return fail(err, err_len, "config: exception.mode: '%s' is not tap, virtio-user or none",
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
			return fail(err, err_len,
				    "config: control.socket: '%s' is not an absolute path shorter than %zu characters (or none)",
				    v, sizeof(ctl->socket));
		else
			snprintf(ctl->socket, sizeof(ctl->socket), "%s", v);
	}
	v = rte_cfgfile_get_entry(file, "control", "group");
	if (v != NULL) {
		if (strlen(v) >= sizeof(ctl->group))
			return fail(err, err_len, "config: control.group: name too long");
		snprintf(ctl->group, sizeof(ctl->group), "%s", v);
	}
	v = rte_cfgfile_get_entry(file, "control", "max_clients");
	if (v != NULL && (parse_uint(v, 1024, &ctl->max_clients) < 0 || ctl->max_clients == 0))
		return fail(err, err_len, "config: control.max_clients: '%s' is not a number in 1..1024",
			    v);
	return 0;
}

static int
get_bool(struct rte_cfgfile *file, const char *sec, const char *key, bool *out, char *err,
	 size_t err_len)
{
	const char *v = rte_cfgfile_get_entry(file, sec, key);

	if (v != NULL && parse_bool(v, out) < 0)
		return fail(err, err_len, "config: %s.%s: '%s' is not yes or no", sec, key, v);
	return 0;
}

static int
get_uint(struct rte_cfgfile *file, const char *sec, const char *key, uint32_t min, uint32_t max,
	 uint32_t *out, char *err, size_t err_len)
{
	const char *v = rte_cfgfile_get_entry(file, sec, key);

	if (v != NULL && (parse_uint(v, max, out) < 0 || *out < min))
		return fail(err, err_len, "config: %s.%s: '%s' is not a whole number in %u..%u", sec,
			    key, v, min, max);
	return 0;
}

/* Seconds with up to three decimals ("0.5", "125") into milliseconds. */
static int
get_seconds(struct rte_cfgfile *file, const char *sec, const char *key, uint32_t min_ms,
	    uint32_t max_ms, uint32_t *out_ms, char *err, size_t err_len)
{
	const char *v = rte_cfgfile_get_entry(file, sec, key);
	uint32_t whole, frac = 0, scale = 100;
	const char *p;

	if (v == NULL)
		return 0;
	if (*v < '0' || *v > '9')
		goto bad;
	whole = 0;
	for (p = v; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (uint32_t)(*p - '0');
		if (whole > max_ms / 1000 + 1)
			goto bad;
	}
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			goto bad; /* "7." is a typo, not 7 s */
		for (p++; *p >= '0' && *p <= '9' && scale > 0; p++, scale /= 10)
			frac += (uint32_t)(*p - '0') * scale;
	}
	if (*p != '\0')
		goto bad;
	*out_ms = whole * 1000 + frac;
	if (*out_ms < min_ms || *out_ms > max_ms)
		goto bad;
	return 0;
bad:
	return fail(err, err_len, "config: %s.%s: '%s' is not seconds in %u.%03u..%u.%03u", sec, key,
		    v, min_ms / 1000, min_ms % 1000, max_ms / 1000, max_ms % 1000);
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
	ret = get_uint(file, "querier", "max_adopted_robustness", q->robustness, IGMP_QRV_MAX,
		       &q->max_adopted_robustness, err, err_len);
	if (ret == 0)
		ret = get_seconds(file, "querier", "max_adopted_query_interval",
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

	ret = get_bool(file, "proxy", "track_membership", &cfg->track_membership, err, err_len);
	if (ret == 0)
		ret = get_bool(file, "querier", "enabled", &q->enabled, err, err_len);
	if (ret == 0)
		ret = get_uint(file, "querier", "version", 1, 3, &version, err, err_len);
	q->version = (uint8_t)version;
	if (ret == 0)
		ret = get_seconds(file, "querier", "query_interval", 1000, MSHIP_MAX_QUERY_INTERVAL_MS,
				  &q->query_interval_ms, err, err_len);
	if (ret == 0)
		ret = get_seconds(file, "querier", "query_response_interval", 100,
				  MSHIP_MAX_RESPONSE_INTERVAL_MS,
				  &q->query_response_interval_ms, err, err_len);
	if (ret == 0)
		ret = get_uint(file, "querier", "robustness", 1, IGMP_QRV_MAX, &q->robustness, err,
			       err_len);
	q->last_member_query_count = q->robustness;
	if (ret == 0)
		ret = get_seconds(file, "querier", "last_member_query_interval", 100,
				  MSHIP_MAX_RESPONSE_INTERVAL_MS,
				  &q->last_member_query_interval_ms, err, err_len);
	if (ret == 0 && lmqc_given)
		ret = get_uint(file, "querier", "last_member_query_count", 1, 7,
			       &q->last_member_query_count, err, err_len);
	if (ret == 0)
		ret = load_adopted_maxima(file, q, err, err_len);
	if (ret == 0 && q->enabled && !cfg->track_membership)
		ret = fail(err, err_len,
			   "config: querier.enabled: needs [proxy] track_membership = yes");
	if (ret == 0 && q->query_response_interval_ms >= q->query_interval_ms)
		ret = fail(err, err_len,
			   "config: querier.query_response_interval: must be shorter than query_interval");
	if (ret == 0)
		ret = get_uint(file, "limits", "max_groups", 1, 1000000, &l->max_groups, err,
			       err_len);
	if (ret == 0)
		ret = get_uint(file, "limits", "max_groups_per_port", 1, 1000000,
			       &l->max_groups_per_port, err, err_len);
	if (ret == 0)
		ret = get_uint(file, "limits", "max_sources_per_group", 1, FWD_MAX_SOURCES,
			       &l->max_sources_per_group, err, err_len);
	return ret;
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
	tok = strtok_r(buf, " \t", &save);
	if (tok == NULL)
		goto bad;
	slash = strchr(tok, '/');
	if (slash != NULL) {
		*slash = '\0';
		if (parse_uint(slash + 1, 32, &plen) < 0 || plen < 4)
			goto bad;
	}
	if (parse_ipv4(tok, &rt->group) < 0 || !igmp_is_multicast(rt->group))
		goto bad;
	rt->prefix_len = (uint8_t)plen;
	tok = strtok_r(NULL, " \t", &save);
	if (tok != NULL && strcmp(tok, "source") == 0) {
		tok = strtok_r(NULL, " \t", &save);
		if (tok == NULL || parse_ipv4(tok, &rt->source) < 0 || rt->source == 0 ||
		    igmp_is_multicast_or_reserved(rt->source))
			goto bad;
		tok = strtok_r(NULL, " \t", &save);
	}
	if (tok == NULL || strcmp(tok, "to") != 0)
		goto bad;
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		int role = role_by_name(tok);

		if (role < GW_ROLE_INSIDE || !cfg->port[role].present)
			return fail(err, err_len, "config: mroute.%s: '%s' is not a configured inside port",
				    name, tok);
		rt->ports |= (uint16_t)(1u << role);
	}
	if (rt->ports == 0)
		goto bad;
	return 0;
bad:
	return fail(err, err_len,
		    "config: mroute.%s: '%s' is not 'GROUP[/LEN] [source ADDR] to PORT...'", name, v);
}

static int
load_forward(struct rte_cfgfile *file, struct gw_config *cfg, char *err, size_t err_len)
{
	struct rte_cfgfile_entry entries[GW_MAX_MROUTES + 1];
	int n;
	int ret;

	ret = get_bool(file, "forward", "enabled", &cfg->forward.enabled, err, err_len);
	if (ret < 0 || !rte_cfgfile_has_section(file, "mroute"))
		return ret;
	n = rte_cfgfile_section_entries(file, "mroute", entries, GW_MAX_MROUTES + 1);
	if (n > GW_MAX_MROUTES)
		return fail(err, err_len, "config: [mroute]: more than %d routes", GW_MAX_MROUTES);
	for (int i = 0; i < n; i++) {
		ret = parse_mroute(cfg, entries[i].name, entries[i].value,
				   &cfg->forward.mroutes[i], err, err_len);
		if (ret < 0)
			return ret;
	}
	cfg->forward.n_mroutes = (uint16_t)(n < 0 ? 0 : n);
	return 0;
}

/* Applies one "section.key=value", creating the section when needed. */
static int
apply_override(struct rte_cfgfile *file, const char *spec, char *err, size_t err_len)
{
	char section[CFG_NAME_LEN];
	const char *dot = strchr(spec, '.');
	const char *eq = strchr(spec, '=');
	const char *key;
	char keybuf[CFG_NAME_LEN];
	size_t clean = 0;

	/* A newline would split the error line that echoes the value, and no key takes one. */
	while (spec[clean] != '\0' && (unsigned char)spec[clean] >= 0x20 && spec[clean] != 0x7f)
		clean++;
	if (spec[clean] != '\0')
		return fail(err, err_len,
			    "config: --set %.*s...: has a control character (a newline?) at position %zu",
			    (int)(clean > 64 ? 64 : clean), spec, clean + 1);
	if (dot == NULL || eq == NULL || dot > eq || dot == spec || eq == dot + 1 ||
	    (size_t)(dot - spec) >= sizeof(section) || (size_t)(eq - dot - 1) >= sizeof(keybuf))
		return fail(err, err_len, "config: --set %s: expected SECTION.KEY=VALUE", spec);
	memcpy(section, spec, dot - spec);
	section[dot - spec] = '\0';
	memcpy(keybuf, dot + 1, eq - dot - 1);
	keybuf[eq - dot - 1] = '\0';
	key = keybuf;
	if (strlen(eq + 1) >= CFG_VALUE_LEN)
		return fail(err, err_len, "config: %s.%s: value too long", section, key);

	if (!rte_cfgfile_has_section(file, section) &&
	    rte_cfgfile_add_section(file, section) < 0)
		return fail(err, err_len, "config: --set %s: cannot add section", spec);
	if (rte_cfgfile_has_entry(file, section, key)) {
		if (rte_cfgfile_set_entry(file, section, key, eq + 1) < 0)
			return fail(err, err_len, "config: %s.%s: cannot set", section, key);
	} else if (rte_cfgfile_add_entry(file, section, key, eq + 1) < 0) {
		return fail(err, err_len, "config: %s.%s: cannot add", section, key);
	}
	return 0;
}

int
gw_config_load(struct gw_config *cfg, const char *path, const char *const *overrides,
	       int n_overrides, char *err, size_t err_len)
{
	struct rte_cfgfile *file;
	struct stat st;
	FILE *probe;
	int ret = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->igmp.active_outside = GW_ROLE_OUTSIDE;

	/* rte_cfgfile says nothing about why a load failed: ask the file system first. */
	probe = fopen(path, "r");
	if (probe == NULL)
		return fail(err, err_len, "config: %s: %s", path, strerror(errno));
	ret = fstat(fileno(probe), &st);
	fclose(probe);
	if (ret < 0)
		return fail(err, err_len, "config: %s: %s", path, strerror(errno));
	/* rte_cfgfile reads a device like /dev/zero for ever, and a directory as empty. */
	if (S_ISDIR(st.st_mode))
		return fail(err, err_len, "config: %s: is a directory, not a configuration file",
			    path);
	if (!S_ISREG(st.st_mode))
		return fail(err, err_len, "config: %s: not a regular file (a device or a pipe)", path);
	if (st.st_size > MAX_FILE_BYTES)
		return fail(err, err_len, "config: %s: %lld bytes, larger than a configuration can be (%d)",
			    path, (long long)st.st_size, MAX_FILE_BYTES);

	file = rte_cfgfile_load(path, CFG_FLAG_EMPTY_VALUES);
	if (file == NULL)
		return fail(err, err_len, "config: %s: not a valid INI file", path);

	for (int i = 0; i < n_overrides && ret == 0; i++)
		ret = apply_override(file, overrides[i], err, err_len);
	if (ret == 0)
		ret = check_names(file, err, err_len);
	for (int r = 0; r < GW_MAX_PORTS && ret == 0; r++)
		ret = load_port(file, r, &cfg->port[r], err, err_len);
	if (ret == 0 && !cfg->port[GW_ROLE_OUTSIDE].present)
		ret = fail(err, err_len, "config: [outside]: missing (the upstream port is required)");
	if (ret == 0 && !cfg->port[GW_ROLE_INSIDE].present)
		ret = fail(err, err_len, "config: [inside]: missing (the downstream port is required)");
	if (ret == 0)
		ret = check_subnets(cfg, err, err_len);
	if (ret == 0)
		ret = load_igmp(file, &cfg->igmp, err, err_len);
	if (ret == 0 && cfg->igmp.active_outside == GW_ROLE_ALT && !cfg->port[GW_ROLE_ALT].present)
		ret = fail(err, err_len, "config: igmp.active_outside: 'alt' but there is no [alt] section");
	if (ret == 0)
		ret = load_exception(file, cfg, err, err_len);
	if (ret == 0)
		ret = load_control(file, &cfg->control, err, err_len);
	if (ret == 0)
		ret = load_tracking(file, cfg, err, err_len);
	if (ret == 0)
		ret = load_forward(file, cfg, err, err_len);

	rte_cfgfile_close(file);
	return ret;
}
