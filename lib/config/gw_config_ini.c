/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The INI side of the configuration: opens the file (after asking the file
 * system why it could not), applies the --set overrides, rejects unknown
 * sections and keys, and reads single values for the per-section parsing in
 * gw_config.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_cfgfile.h>

#include "gw_config.h"
#include "gw_config_ini.h"
#include "igmp_wire.h"

#define MAX_ENTRIES 64
#define MAX_FILE_BYTES (1 << 20) /* configs are a few kB; a bigger file is a wrong -f */

/* Every section and key the configuration knows: a typo must not be silently ignored. */
static const char *const port_keys[] = { "port", "address", "mtu", NULL };
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
static const char *const workers_keys[] = { "idle", "map", NULL };

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
	{ "join", NULL },           /* any key: the join's name */
	{ "workers", workers_keys },
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
			return gw_cfg_fail(err, err_len, "config: cannot read section %d", i);
		sec = find_section(name);
		if (sec == NULL)
			return gw_cfg_fail(err, err_len, "config: [%s]: unknown section", name);
		/* rte_cfgfile would silently read only the first of two. */
		if (section_repeated(file, name))
			return gw_cfg_fail(err, err_len, "config: [%s]: section given twice", name);
		for (int e = 0; e < n_entries; e++) {
			if (!key_known(sec, entries[e].name))
				return gw_cfg_fail(err, err_len, "config: %s.%s: unknown key", name,
						   entries[e].name);
			for (int f = 0; f < e; f++)
				if (strcmp(entries[f].name, entries[e].name) == 0)
					return gw_cfg_fail(err, err_len, "config: %s.%s: key given twice",
							   name, entries[e].name);
		}
	}
	return 0;
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
