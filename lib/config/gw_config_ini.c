/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The INI side of the configuration: opens the file (after asking the file
 * system why it could not), applies the --set overrides, rejects unknown
 * sections and keys, and reads single values for the per-section parsing in
 * gw_config.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_cfgfile.h>
#include <rte_common.h>

#include "gw_config.h"
#include "gw_config_ini.h"
#include "igmp_wire.h"

#define MAX_ENTRIES 2048 /* keys a section may have: allow1..allow999, deny1..deny999 and more */
#define MAX_FILE_BYTES (1 << 20) /* configs are a few kB; a bigger file is a wrong -f */

/*
 * Every section and key the configuration knows (a typo must not be silently
 * ignored), and what a reload may do with each: GW_KEY_LIVE keys take their
 * new value on the running gateway; GW_KEY_RESTART keys name the fields of
 * struct gw_config (of struct gw_port_config in a port section) a reload must
 * find unchanged, or it is refused naming the key. A new key goes here with
 * its class; a live one is applied in app/igmpgw/control/reload.c.
 */
#define GW_SPAN(type, first, last) \
	(offsetof(type, last) + sizeof(((type *)NULL)->last) - offsetof(type, first))
#define GW_KEY_LIVE(key) { (key), GW_RELOAD_LIVE, 0, 0 }
#define GW_KEY_RESTART(key, first, last) \
	{ (key), GW_RELOAD_RESTART, offsetof(struct gw_config, first), \
	  GW_SPAN(struct gw_config, first, last) }
#define GW_PORT_KEY_RESTART(key, first, last) \
	{ (key), GW_RELOAD_RESTART, offsetof(struct gw_port_config, first), \
	  GW_SPAN(struct gw_port_config, first, last) }

struct gw_cfg_key {
	const char *name;          /* NULL ends a list */
	enum gw_reload reload;
	size_t off;                /* GW_RELOAD_RESTART: the bytes a reload must leave alone */
	size_t len;
};

static const struct gw_cfg_key port_keys[] = {
	GW_PORT_KEY_RESTART("port", devargs, devargs),
	GW_PORT_KEY_RESTART("address", addr, prefix_len),
	GW_PORT_KEY_RESTART("mtu", mtu, mtu),
	/*
	 * The policy (allow1... are "allow"): recompiled and swapped under RCU,
	 * what it now refuses removed as if left (control/reload_policy.c).
	 */
	GW_KEY_LIVE("allow"),
	GW_KEY_LIVE("deny"),
	GW_KEY_LIVE("acl_file"),
	GW_KEY_LIVE("accept_from"),
	GW_PORT_KEY_RESTART("vlan", vlan, vlan),
	GW_PORT_KEY_RESTART("priority", priority, priority),
	GW_PORT_KEY_RESTART("igmp_priority", igmp_priority, igmp_priority),
	/* the host tables start with the port: hosts heard before would be unknown */
	GW_PORT_KEY_RESTART("fast_leave", fast_leave, fast_leave),
	{ NULL },
};
static const struct gw_cfg_key igmp_keys[] = {
#define GW_SWITCH_KEY(name) GW_KEY_LIVE(#name),
	GW_IGMP_SWITCHES(GW_SWITCH_KEY)
#undef GW_SWITCH_KEY
	GW_KEY_LIVE("unicast_dst"),
	GW_KEY_LIVE("active_outside"), /* only when the file changed it: control/reload.c */
	GW_KEY_LIVE("self_query_interval"),
	GW_KEY_LIVE("ssm_range"),   /* with the ACLs: control/reload_policy.c */
	/* The failover state (its primary, the hold-down running) is made at start. */
	GW_KEY_RESTART("failover", igmp.failover, igmp.failover),
	GW_KEY_RESTART("failover_leave_old", igmp.failover_leave_old, igmp.failover_leave_old),
	GW_KEY_RESTART("failover_revert", igmp.failover_revert, igmp.failover_revert),
	GW_KEY_RESTART("failover_hold_down", igmp.failover_hold_down, igmp.failover_hold_down),
	{ NULL },
};
static const struct gw_cfg_key exception_keys[] = {
	GW_KEY_RESTART("mode", exception, exception),
	{ NULL },
};
static const struct gw_cfg_key control_keys[] = {
	GW_KEY_RESTART("socket", control.socket, control.socket),
	GW_KEY_RESTART("group", control.group, control.group),
	GW_KEY_RESTART("admin_group", control.admin_group, control.admin_group),
	GW_KEY_RESTART("max_clients", control.max_clients, control.max_clients),
	{ NULL },
};
static const struct gw_cfg_key proxy_keys[] = {
	GW_KEY_RESTART("track_membership", track_membership, track_membership),
	{ NULL },
};
static const struct gw_cfg_key querier_keys[] = {
	GW_KEY_RESTART("enabled", querier.enabled, querier.enabled),
	GW_KEY_RESTART("version", querier.version, querier.version),
	GW_KEY_LIVE("query_interval"),
	GW_KEY_LIVE("query_response_interval"),
	GW_KEY_LIVE("robustness"),
	GW_KEY_LIVE("last_member_query_interval"),
	GW_KEY_LIVE("last_member_query_count"),
	GW_KEY_LIVE("max_adopted_robustness"),
	GW_KEY_LIVE("max_adopted_query_interval"),
	{ NULL },
};
static const struct gw_cfg_key limits_keys[] = {
	GW_KEY_LIVE("max_groups"),
	GW_KEY_LIVE("max_groups_per_port"),
	/* Buffers of the membership state are sized from it at start. */
	GW_KEY_RESTART("max_sources_per_group", limits.max_sources_per_group,
		       limits.max_sources_per_group),
	/*
	 * Rate limits: the rates are published with the policy block, the host
	 * tables keep their hosts; a table is sized at start (or by the reload
	 * that first sets a host rate) from igmp_rate_hosts.
	 */
	GW_KEY_LIVE("igmp_rate_per_host"),
	GW_KEY_LIVE("igmp_rate_per_port"),
	GW_KEY_RESTART("igmp_rate_hosts", limits.igmp_rate_hosts, limits.igmp_rate_hosts),
	GW_KEY_RESTART("upstream_reports_per_second", limits.upstream_reports_per_second,
		       limits.upstream_reports_per_second),
	GW_KEY_LIVE("control_requests_per_client"),
	{ NULL },
};
static const struct gw_cfg_key forward_keys[] = {
	GW_KEY_RESTART("enabled", forward.enabled, forward.enabled),
	{ NULL },
};
static const struct gw_cfg_key workers_keys[] = {
	GW_KEY_RESTART("idle", workers.idle, workers.idle),
	GW_KEY_RESTART("map", workers.map, workers.map),
	{ NULL },
};
static const struct gw_cfg_key metrics_keys[] = {
	GW_KEY_RESTART("listen", metrics, metrics),
	{ NULL },
};
/* Sections whose keys are names the user chose: one class for all of them. */
static const struct gw_cfg_key mroute_any[] = { GW_KEY_LIVE("*"), { NULL } };
static const struct gw_cfg_key join_any[] = { GW_KEY_RESTART("*", join, join), { NULL } };

struct section_spec {
	const char *name;
	const struct gw_cfg_key *keys;
	bool any_key;              /* keys holds the one class of every key ("*") */
	int port;                  /* the enum gw_role of a port section, else -1 */
};

static const struct section_spec sections[] = {
	{ "outside", port_keys, false, GW_ROLE_OUTSIDE },
	{ "alt", port_keys, false, GW_ROLE_ALT },
	{ "inside", port_keys, false, GW_ROLE_INSIDE },
	{ "inside2", port_keys, false, GW_ROLE_INSIDE + 1 },
	{ "inside3", port_keys, false, GW_ROLE_INSIDE + 2 },
	{ "inside4", port_keys, false, GW_ROLE_INSIDE + 3 },
	{ "inside5", port_keys, false, GW_ROLE_INSIDE + 4 },
	{ "inside6", port_keys, false, GW_ROLE_INSIDE + 5 },
	{ "inside7", port_keys, false, GW_ROLE_INSIDE + 6 },
	{ "inside8", port_keys, false, GW_ROLE_INSIDE + 7 },
	{ "inside9", port_keys, false, GW_ROLE_INSIDE + 8 },
	{ "inside10", port_keys, false, GW_ROLE_INSIDE + 9 },
	{ "inside11", port_keys, false, GW_ROLE_INSIDE + 10 },
	{ "inside12", port_keys, false, GW_ROLE_INSIDE + 11 },
	{ "inside13", port_keys, false, GW_ROLE_INSIDE + 12 },
	{ "inside14", port_keys, false, GW_ROLE_INSIDE + 13 },
	{ "inside15", port_keys, false, GW_ROLE_INSIDE + 14 },
	{ "inside16", port_keys, false, GW_ROLE_INSIDE + 15 },
	{ "igmp", igmp_keys, false, -1 },
	{ "exception", exception_keys, false, -1 },
	{ "control", control_keys, false, -1 },
	{ "proxy", proxy_keys, false, -1 },
	{ "querier", querier_keys, false, -1 },
	{ "limits", limits_keys, false, -1 },
	{ "forward", forward_keys, false, -1 },
	{ "mroute", mroute_any, true, -1 },  /* any key: the route's name */
	{ "join", join_any, true, -1 },      /* any key: the join's name */
	{ "workers", workers_keys, false, -1 },
	{ "metrics", metrics_keys, false, -1 },
};

int
gw_cfg_fail(char *err, size_t err_len, const char *fmt, ...)
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

static const struct gw_cfg_key *
find_key(const struct section_spec *sec, const char *key)
{
	if (sec->any_key)
		return sec->keys;
	/* allow1, deny2 ...: an ACL longer than one INI value holds; their class is allow's. */
	if (sec->port >= 0 && gw_cfg_numbered_key(key, "allow"))
		key = "allow";
	else if (sec->port >= 0 && gw_cfg_numbered_key(key, "deny"))
		key = "deny";
	for (const struct gw_cfg_key *k = sec->keys; k->name != NULL; k++)
		if (strcmp(k->name, key) == 0)
			return k;
	return NULL;
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
check_section_names(struct rte_cfgfile *file, int i, struct rte_cfgfile_entry *entries,
		    char *err, size_t err_len)
{
	char name[CFG_NAME_LEN];
	const struct section_spec *sec;
	int n_entries;

	n_entries = rte_cfgfile_section_entries_by_index(file, i, name, entries, MAX_ENTRIES + 1);
	if (n_entries < 0)
		return gw_cfg_fail(err, err_len, "config: cannot read section %d", i);
	sec = find_section(name);
	if (sec == NULL)
		return gw_cfg_fail(err, err_len, "config: [%s]: unknown section", name);
	if (n_entries > MAX_ENTRIES)
		return gw_cfg_fail(err, err_len, "config: [%s]: more than %d keys", name, MAX_ENTRIES);
	/* rte_cfgfile would silently read only the first of two. */
	if (section_repeated(file, name))
		return gw_cfg_fail(err, err_len, "config: [%s]: section given twice", name);
	for (int e = 0; e < n_entries; e++) {
		if (find_key(sec, entries[e].name) == NULL)
			return gw_cfg_fail(err, err_len, "config: %s.%s: unknown key", name,
					   entries[e].name);
		for (int f = 0; f < e; f++)
			if (strcmp(entries[f].name, entries[e].name) == 0)
				return gw_cfg_fail(err, err_len, "config: %s.%s: key given twice",
						   name, entries[e].name);
	}
	return 0;
}

static int
check_names(struct rte_cfgfile *file, char *err, size_t err_len)
{
	int n = rte_cfgfile_num_sections(file, NULL, 0);
	/* On the heap: numbered ACL keys make sections long, too long for the stack. */
	struct rte_cfgfile_entry *entries = calloc(MAX_ENTRIES + 1, sizeof(*entries));
	int ret = 0;

	if (entries == NULL)
		return gw_cfg_fail(err, err_len, "config: out of memory");
	for (int i = 0; i < n && ret == 0; i++)
		ret = check_section_names(file, i, entries, err, err_len);
	free(entries);
	return ret;
}

int
gw_cfg_parse_bool(const char *v, bool *out)
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

int
gw_cfg_parse_uint(const char *v, uint32_t max, uint32_t *out)
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

int
gw_cfg_parse_ipv4(const char *v, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, v, &a) != 1)
		return -EINVAL;
	*out = a.s_addr;
	return 0;
}

/* "a.b.c.d/len": a host address (not network, not broadcast, not multicast). */
int
gw_cfg_parse_prefix(const char *v, uint32_t *addr, uint8_t *len)
{
	char buf[32];
	const char *slash = strchr(v, '/');
	uint32_t plen;
	uint32_t host;

	if (slash == NULL || (size_t)(slash - v) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, v, slash - v);
	buf[slash - v] = '\0';
	if (gw_cfg_parse_ipv4(buf, addr) < 0 || gw_cfg_parse_uint(slash + 1, 32, &plen) < 0)
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

int
gw_cfg_get_bool(struct rte_cfgfile *file, const char *sec, const char *key, bool *out, char *err,
		size_t err_len)
{
	const char *v = rte_cfgfile_get_entry(file, sec, key);

	if (v != NULL && gw_cfg_parse_bool(v, out) < 0)
		return gw_cfg_fail(err, err_len, "config: %s.%s: '%s' is not yes or no", sec, key, v);
	return 0;
}

int
gw_cfg_get_uint(struct rte_cfgfile *file, const char *sec, const char *key, uint32_t min,
		uint32_t max, uint32_t *out, char *err, size_t err_len)
{
	const char *v = rte_cfgfile_get_entry(file, sec, key);

	if (v != NULL && (gw_cfg_parse_uint(v, max, out) < 0 || *out < min))
		return gw_cfg_fail(err, err_len, "config: %s.%s: '%s' is not a whole number in %u..%u",
				   sec, key, v, min, max);
	return 0;
}

/* Seconds with up to three decimals ("0.5", "125") into milliseconds. */
int
gw_cfg_get_seconds(struct rte_cfgfile *file, const char *sec, const char *key, uint32_t min_ms,
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
	return gw_cfg_fail(err, err_len, "config: %s.%s: '%s' is not seconds in %u.%03u..%u.%03u",
			   sec, key, v, min_ms / 1000, min_ms % 1000, max_ms / 1000, max_ms % 1000);
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
		return gw_cfg_fail(err, err_len,
				   "config: --set %.*s...: has a control character (a newline?) at position %zu",
				   (int)(clean > 64 ? 64 : clean), spec, clean + 1);
	if (dot == NULL || eq == NULL || dot > eq || dot == spec || eq == dot + 1 ||
	    (size_t)(dot - spec) >= sizeof(section) || (size_t)(eq - dot - 1) >= sizeof(keybuf))
		return gw_cfg_fail(err, err_len, "config: --set %s: expected SECTION.KEY=VALUE", spec);
	memcpy(section, spec, dot - spec);
	section[dot - spec] = '\0';
	memcpy(keybuf, dot + 1, eq - dot - 1);
	keybuf[eq - dot - 1] = '\0';
	key = keybuf;
	if (strlen(eq + 1) >= CFG_VALUE_LEN)
		return gw_cfg_fail(err, err_len, "config: %s.%s: value too long", section, key);

	if (!rte_cfgfile_has_section(file, section) &&
	    rte_cfgfile_add_section(file, section) < 0)
		return gw_cfg_fail(err, err_len, "config: --set %s: cannot add section", spec);
	if (rte_cfgfile_has_entry(file, section, key)) {
		if (rte_cfgfile_set_entry(file, section, key, eq + 1) < 0)
			return gw_cfg_fail(err, err_len, "config: %s.%s: cannot set", section, key);
	} else if (rte_cfgfile_add_entry(file, section, key, eq + 1) < 0) {
		return gw_cfg_fail(err, err_len, "config: %s.%s: cannot add", section, key);
	}
	return 0;
}

int
gw_cfg_open(struct rte_cfgfile **out, const char *path, const char *const *overrides,
	    int n_overrides, char *err, size_t err_len)
{
	struct rte_cfgfile *file;
	struct stat st;
	FILE *probe;
	int ret = 0;

	/* rte_cfgfile says nothing about why a load failed: ask the file system first. */
	probe = fopen(path, "r");
	if (probe == NULL)
		return gw_cfg_fail(err, err_len, "config: %s: %s", path, strerror(errno));
	ret = fstat(fileno(probe), &st);
	fclose(probe);
	if (ret < 0)
		return gw_cfg_fail(err, err_len, "config: %s: %s", path, strerror(errno));
	/* rte_cfgfile reads a device like /dev/zero for ever, and a directory as empty. */
	if (S_ISDIR(st.st_mode))
		return gw_cfg_fail(err, err_len, "config: %s: is a directory, not a configuration file",
				   path);
	if (!S_ISREG(st.st_mode))
		return gw_cfg_fail(err, err_len, "config: %s: not a regular file (a device or a pipe)",
				   path);
	if (st.st_size > MAX_FILE_BYTES)
		return gw_cfg_fail(err, err_len,
				   "config: %s: %lld bytes, larger than a configuration can be (%d)",
				   path, (long long)st.st_size, MAX_FILE_BYTES);

	file = rte_cfgfile_load(path, CFG_FLAG_EMPTY_VALUES);
	if (file == NULL)
		return gw_cfg_fail(err, err_len, "config: %s: not a valid INI file", path);

	for (int i = 0; i < n_overrides && ret == 0; i++)
		ret = apply_override(file, overrides[i], err, err_len);
	if (ret == 0)
		ret = check_names(file, err, err_len);
	if (ret < 0) {
		rte_cfgfile_close(file);
		return ret;
	}
	*out = file;
	return 0;
}

int
gw_config_key_reload(const char *section, const char *key)
{
	const struct section_spec *sec = find_section(section);
	const struct gw_cfg_key *k = sec == NULL ? NULL : find_key(sec, key);

	return k == NULL ? -ENOENT : (int)k->reload;
}

void
gw_config_keys_foreach(void (*fn)(const char *section, const char *key, enum gw_reload reload,
				  void *arg), void *arg)
{
	for (size_t i = 0; i < RTE_DIM(sections); i++)
		for (const struct gw_cfg_key *k = sections[i].keys; k->name != NULL; k++)
			fn(sections[i].name, k->name, k->reload, arg);
}

static bool
same_bytes(const void *a, const void *b, const struct gw_cfg_key *k)
{
	return memcmp((const char *)a + k->off, (const char *)b + k->off, k->len) == 0;
}

static int
refuse(char *err, size_t err_len, const char *sec, const char *key)
{
	return gw_cfg_fail(err, err_len,
			   "config: %s.%s: a reload cannot change it (restart igmpgw to apply); nothing was applied",
			   sec, key);
}

int
gw_config_reload_check(const struct gw_config *running, const struct gw_config *next, char *err,
		       size_t err_len)
{
	for (size_t i = 0; i < RTE_DIM(sections); i++) {
		const struct section_spec *sec = &sections[i];
		const void *a = running, *b = next;

		if (sec->port >= 0) {
			a = &running->port[sec->port];
			b = &next->port[sec->port];
			if (running->port[sec->port].present != next->port[sec->port].present)
				return gw_cfg_fail(err, err_len,
						   "config: [%s]: a reload cannot %s a port (restart igmpgw to apply); nothing was applied",
						   sec->name,
						   next->port[sec->port].present ? "add" : "remove");
		}
		for (const struct gw_cfg_key *k = sec->keys; k->name != NULL; k++) {
			if (k->reload != GW_RELOAD_RESTART || same_bytes(a, b, k))
				continue;
			if (sec->any_key)
				return gw_cfg_fail(err, err_len,
						   "config: [%s]: a reload cannot change it (restart igmpgw to apply); nothing was applied",
						   sec->name);
			return refuse(err, err_len, sec->name, k->name);
		}
	}
	return 0;
}
