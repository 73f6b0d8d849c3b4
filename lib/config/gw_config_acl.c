/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy keys: a port's group ACL (allow, deny, their numbered forms
 * allow1..allow999 and an acl_file, since INI values stop at 256 characters
 * and keys may not repeat), accept_from on inside ports, and [igmp]
 * ssm_range. Items are lib/acl's; a bad one stops start-up naming its key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>

#include "acl.h"
#include "gw_config.h"
#include "gw_config_ini.h"

/* An acl_file line: "allow ITEM" or "deny ITEM"; configs are small, this bounds a wrong path. */
#define ACL_FILE_LINE 256

struct rule_list {
	struct acl_rule *r;
	uint32_t n;
	uint32_t cap;
};

bool
gw_cfg_numbered_key(const char *key, const char *base)
{
	size_t b = strlen(base);
	size_t digits;

	if (strncmp(key, base, b) != 0)
		return false;
	digits = strspn(key + b, "0123456789");
	return digits >= 1 && digits <= 3 && key[b + digits] == '\0' && key[b] != '0';
}

/* FNV-1a over what was read, field by field: a reload compares it, never pointers. */
static uint64_t
digest_add(uint64_t h, uint32_t v)
{
	for (int i = 0; i < 4; i++, v >>= 8)
		h = (h ^ (v & 0xff)) * 0x100000001b3ull;
	return h;
}

static uint64_t
digest_prefix(uint64_t h, const struct acl_prefix *p)
{
	return digest_add(digest_add(h, p->addr), p->len);
}

static int
push(struct rule_list *l, const struct acl_rule *r)
{
	if (l->n == l->cap) {
		uint32_t cap = l->cap == 0 ? 64 : l->cap * 2;
		struct acl_rule *grown = realloc(l->r, cap * sizeof(*grown));

		if (grown == NULL)
			return -ENOMEM;
		l->r = grown;
		l->cap = cap;
	}
	l->r[l->n++] = *r;
	return 0;
}

/* Trims blanks at both ends of s in place. */
static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* "ITEM[, ITEM...]" of sec.key into l. */
static int
parse_items(const char *sec, const char *key, const char *v, bool deny, struct rule_list *l,
	    char *err, size_t err_len)
{
	char buf[CFG_VALUE_LEN];
	char *save = NULL, *item;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", v);
	for (item = strtok_r(buf, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		struct acl_rule r;
		const char *why;

		item = trim(item);
		if (acl_parse_rule(item, deny, &r, &why) < 0)
			return gw_cfg_fail(err, err_len, "config: %s.%s: '%s': %s", sec, key, item, why);
		if (push(l, &r) < 0)
			return gw_cfg_fail(err, err_len, "config: %s.%s: out of memory", sec, key);
		n++;
	}
	if (n == 0)
		return gw_cfg_fail(err, err_len,
				   "config: %s.%s: empty (GROUP[/LEN] [source ADDR[/LEN]], ...)", sec, key);
	return 0;
}

/* One "allow ITEM" / "deny ITEM" a line; blank lines and # or ; comments skipped. */
static int
parse_acl_file(const char *sec, const char *path, struct rule_list *l, char *err, size_t err_len)
{
	FILE *f = fopen(path, "r");
	char line[ACL_FILE_LINE + 2];
	unsigned int lineno = 0;
	int ret = 0;

	if (f == NULL)
		return gw_cfg_fail(err, err_len, "config: %s.acl_file: %s: %s", sec, path,
				   strerror(errno));
	while (ret == 0 && fgets(line, sizeof(line), f) != NULL) {
		char *s = line, *word;
		struct acl_rule r;
		const char *why;
		bool deny;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			ret = gw_cfg_fail(err, err_len, "config: %s.acl_file: %s:%u: longer than %d characters",
					  sec, path, lineno, ACL_FILE_LINE);
			break;
		}
		s[strcspn(s, "#;")] = '\0';
		s = trim(s);
		if (*s == '\0')
			continue;
		word = s;
		s += strcspn(s, " \t");
		if (*s != '\0')
			*s++ = '\0';
		if (strcmp(word, "allow") == 0) {
			deny = false;
		} else if (strcmp(word, "deny") == 0) {
			deny = true;
		} else {
			ret = gw_cfg_fail(err, err_len, "config: %s.acl_file: %s:%u: '%s' is not allow or deny",
					  sec, path, lineno, word);
			break;
		}
		s = trim(s);
		if (acl_parse_rule(s, deny, &r, &why) < 0)
			ret = gw_cfg_fail(err, err_len, "config: %s.acl_file: %s:%u: '%s': %s", sec, path,
					  lineno, s, why);
		else if (push(l, &r) < 0)
			ret = gw_cfg_fail(err, err_len, "config: %s.acl_file: out of memory", sec);
	}
	fclose(f);
	return ret;
}

/* "PREFIX[, PREFIX...]" of unicast sources into a set. */
static int
load_accept_from(const char *sec, const char *v, struct gw_port_config *port, char *err,
		 size_t err_len)
{
	struct acl_prefix p[CFG_VALUE_LEN / 2];
	char buf[CFG_VALUE_LEN];
	char *save = NULL, *item;
	uint32_t n = 0;

	snprintf(buf, sizeof(buf), "%s", v);
	for (item = strtok_r(buf, ", \t", &save); item != NULL; item = strtok_r(NULL, ", \t", &save)) {
		const char *why;

		if (acl_parse_prefix(item, &p[n], &why) < 0)
			return gw_cfg_fail(err, err_len, "config: %s.accept_from: '%s': %s", sec, item, why);
		if (p[n].len > 0 && igmp_is_multicast_or_reserved(p[n].addr))
			return gw_cfg_fail(err, err_len,
					   "config: %s.accept_from: '%s': not a unicast prefix", sec, item);
		n++;
	}
	if (n == 0)
		return gw_cfg_fail(err, err_len, "config: %s.accept_from: empty (PREFIX[, PREFIX...])",
				   sec);
	port->accept_from_digest = 0xcbf29ce484222325ull;
	for (uint32_t i = 0; i < n; i++)
		port->accept_from_digest = digest_prefix(port->accept_from_digest, &p[i]);
	port->accept_from = acl_set_create(p, n);
	if (port->accept_from == NULL)
		return gw_cfg_fail(err, err_len, "config: %s.accept_from: out of memory", sec);
	return 0;
}

int
gw_cfg_load_port_acl(struct rte_cfgfile *file, const char *sec, bool inside,
		     struct gw_port_config *port, char *err, size_t err_len)
{
	struct rule_list l = { 0 };
	struct rte_cfgfile_entry *e;
	char why[ACL_ERR_LEN];
	const char *v;
	int n, ret = 0;

	v = rte_cfgfile_get_entry(file, sec, "accept_from");
	if (v != NULL) {
		if (!inside)
			return gw_cfg_fail(err, err_len,
					   "config: %s.accept_from: only on inside ports (hosts report there)",
					   sec);
		ret = load_accept_from(sec, v, port, err, err_len);
		if (ret < 0)
			return ret;
	}
	n = rte_cfgfile_section_num_entries(file, sec);
	if (n <= 0)
		return 0;
	e = calloc((size_t)n, sizeof(*e));
	if (e == NULL)
		return gw_cfg_fail(err, err_len, "config: [%s]: out of memory", sec);
	n = rte_cfgfile_section_entries(file, sec, e, n);
	/* In the file's order: the order does not change the outcome (deny first), errors do. */
	for (int i = 0; i < n && ret == 0; i++) {
		const char *key = e[i].name;

		if (strcmp(key, "allow") == 0 || gw_cfg_numbered_key(key, "allow"))
			ret = parse_items(sec, key, e[i].value, false, &l, err, err_len);
		else if (strcmp(key, "deny") == 0 || gw_cfg_numbered_key(key, "deny"))
			ret = parse_items(sec, key, e[i].value, true, &l, err, err_len);
		else if (strcmp(key, "acl_file") == 0)
			ret = parse_acl_file(sec, e[i].value, &l, err, err_len);
	}
	free(e);
	if (ret == 0 && l.n > 0) {
		port->acl_digest = 0xcbf29ce484222325ull;
		for (uint32_t i = 0; i < l.n; i++) {
			const struct acl_rule *r = &l.r[i];

			port->acl_digest = digest_add(port->acl_digest,
						      (uint32_t)r->deny << 1 | r->has_source);
			port->acl_digest = digest_prefix(port->acl_digest, &r->group);
			port->acl_digest = digest_prefix(port->acl_digest, &r->source);
		}
		port->acl = acl_create(l.r, l.n, why, sizeof(why));
		if (port->acl == NULL)
			ret = gw_cfg_fail(err, err_len, "config: [%s] allow/deny: %s", sec, why);
	}
	free(l.r);
	return ret;
}

int
gw_cfg_load_ssm_range(struct rte_cfgfile *file, struct gw_igmp_config *igmp, char *err,
		      size_t err_len)
{
	const char *v = rte_cfgfile_get_entry(file, "igmp", "ssm_range");
	const char *why;

	igmp->ssm = false;
	if (v == NULL || strcmp(v, "none") == 0)
		return 0;
	if (acl_parse_prefix(v, &igmp->ssm_range, &why) < 0)
		return gw_cfg_fail(err, err_len, "config: igmp.ssm_range: '%s': %s (or none)", v, why);
	if (igmp->ssm_range.len < 4 || !igmp_is_multicast(igmp->ssm_range.addr))
		return gw_cfg_fail(err, err_len,
				   "config: igmp.ssm_range: '%s': not within 224.0.0.0/4 (232.0.0.0/8 is RFC 4607's)",
				   v);
	igmp->ssm = true;
	return 0;
}
