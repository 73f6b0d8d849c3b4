/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prefix sets and group ACLs compiled into sorted disjoint ranges. An ACL
 * cuts the group space at every rule's edges; each piece knows whether a
 * sourceless allow or deny covers it and the union of the sources its
 * source-qualified rules name, so a lookup is two binary searches.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"

/* Inclusive range of host-order addresses. */
struct range {
	uint32_t lo;
	uint32_t hi;
};

struct acl_set {
	uint32_t n;
	struct range r[];
};

/* One piece of the group space, from lo up to the next piece's lo. */
struct piece {
	uint32_t lo;
	bool deny_any;           /* a deny without source covers it */
	bool allow_any;          /* an allow without source covers it */
	uint32_t deny_off, deny_n;   /* ranges of denied sources */
	uint32_t allow_off, allow_n; /* ranges of allowed sources */
};

struct acl {
	uint32_t n_rules;
	bool has_allow;
	uint32_t n_pieces;
	struct piece *pieces;
	uint32_t n_ranges;
	struct range *ranges;
};

/* Source ranges an ACL may hold after merging: a guard against nested rules multiplying. */
#define ACL_MAX_SOURCE_RANGES (1u << 22)

int
acl_parse_prefix(const char *s, struct acl_prefix *p, const char **why)
{
	char buf[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	unsigned long len = 32;
	struct in_addr a;
	uint32_t host, mask;

	if (alen == 0 || alen >= sizeof(buf)) {
		*why = "not an IPv4 address";
		return -EINVAL;
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1) {
		*why = "not an IPv4 address";
		return -EINVAL;
	}
	if (slash != NULL) {
		char *end;

		if (slash[1] < '0' || slash[1] > '9') {
			*why = "prefix length is not 0..32";
			return -EINVAL;
		}
		len = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || len > 32) {
			*why = "prefix length is not 0..32";
			return -EINVAL;
		}
	}
	host = ntohl(a.s_addr);
	mask = len == 0 ? 0 : ~0u << (32 - len);
	if ((host & ~mask) != 0) {
		*why = "host bits set after the prefix length";
		return -EINVAL;
	}
	p->addr = a.s_addr;
	p->len = (uint8_t)len;
	return 0;
}

int
acl_parse_rule(const char *item, bool deny, struct acl_rule *r, const char **why)
{
	char buf[128];
	char *save = NULL, *tok;

	if (strlen(item) >= sizeof(buf)) {
		*why = "too long";
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", item);
	memset(r, 0, sizeof(*r));
	r->deny = deny;
	tok = strtok_r(buf, " \t", &save);
	if (tok == NULL) {
		*why = "empty item";
		return -EINVAL;
	}
	if (acl_parse_prefix(tok, &r->group, why) < 0)
		return -EINVAL;
	/* 0.0.0.0/0 names every group; anything else must be a multicast prefix. */
	if (!(r->group.len == 0) && (r->group.len < 4 || !igmp_is_multicast(r->group.addr))) {
		*why = "group prefix is not within 224.0.0.0/4";
		return -EINVAL;
	}
	tok = strtok_r(NULL, " \t", &save);
	if (tok == NULL)
		return 0;
	if (strcmp(tok, "source") != 0) {
		*why = "expected 'source PREFIX' after the group";
		return -EINVAL;
	}
	tok = strtok_r(NULL, " \t", &save);
	if (tok == NULL) {
		*why = "'source' without a prefix";
		return -EINVAL;
	}
	if (acl_parse_prefix(tok, &r->source, why) < 0)
		return -EINVAL;
	if (r->source.len > 0 && igmp_is_multicast_or_reserved(r->source.addr)) {
		*why = "source prefix is multicast or reserved";
		return -EINVAL;
	}
	r->has_source = true;
	if (strtok_r(NULL, " \t", &save) != NULL) {
		*why = "unexpected text after the source";
		return -EINVAL;
	}
	return 0;
}

static struct range
prefix_range(const struct acl_prefix *p)
{
	uint32_t lo = ntohl(p->addr);
	uint32_t size_m1 = p->len == 0 ? UINT32_MAX : (uint32_t)((1ull << (32 - p->len)) - 1);

	return (struct range){ .lo = lo, .hi = lo + size_m1 };
}

static int
range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : 0;
}

/* Sorts r and merges overlapping and adjacent ranges in place; returns how many remain. */
static uint32_t
merge_ranges(struct range *r, uint32_t n)
{
	uint32_t out = 0;

	if (n == 0)
		return 0;
	qsort(r, n, sizeof(*r), range_cmp);
	for (uint32_t i = 1; i < n; i++) {
		if (r[out].hi == UINT32_MAX || r[i].lo <= r[out].hi + 1) {
			if (r[i].hi > r[out].hi)
				r[out].hi = r[i].hi;
		} else {
			r[++out] = r[i];
		}
	}
	return out + 1;
}

static bool
ranges_contain(const struct range *r, uint32_t n, uint32_t a)
{
	uint32_t lo = 0, hi = n;

	/* The last range starting at or below a. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (r[mid].lo <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && a <= r[lo - 1].hi;
}

struct acl_set *
acl_set_create(const struct acl_prefix *p, uint32_t n)
{
	struct acl_set *s = malloc(sizeof(*s) + (size_t)n * sizeof(struct range));

	if (s == NULL)
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		s->r[i] = prefix_range(&p[i]);
	s->n = merge_ranges(s->r, n);
	return s;
}

void
acl_set_free(struct acl_set *s)
{
	free(s);
}

bool
acl_set_contains(const struct acl_set *s, uint32_t addr_be)
{
	return s != NULL && ranges_contain(s->r, s->n, ntohl(addr_be));
}

uint32_t
acl_set_ranges(const struct acl_set *s)
{
	return s != NULL ? s->n : 0;
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* The index of the piece holding host-order group g. */
static uint32_t
piece_of(const struct acl *a, uint32_t g)
{
	uint32_t lo = 0, hi = a->n_pieces;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (a->pieces[mid].lo <= g)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1; /* piece 0 starts at 0 */
}

/* The pieces (first..last) a rule's group prefix covers: its edges are piece edges. */
static void
rule_pieces(const struct acl *a, const struct acl_rule *r, uint32_t *first, uint32_t *last)
{
	struct range g = prefix_range(&r->group);

	*first = piece_of(a, g.lo);
	*last = piece_of(a, g.hi);
}

static int
cut_pieces(struct acl *a, const struct acl_rule *rules, uint32_t n)
{
	uint32_t *edges = malloc(((size_t)n * 2 + 1) * sizeof(*edges));
	uint32_t n_edges = 0, k = 0;

	if (edges == NULL)
		return -ENOMEM;
	edges[n_edges++] = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct range g = prefix_range(&rules[i].group);

		edges[n_edges++] = g.lo;
		if (g.hi != UINT32_MAX)
			edges[n_edges++] = g.hi + 1;
	}
	qsort(edges, n_edges, sizeof(*edges), u32_cmp);
	for (uint32_t i = 0; i < n_edges; i++)
		if (k == 0 || edges[i] != edges[k - 1])
			edges[k++] = edges[i];
	a->pieces = calloc(k, sizeof(*a->pieces));
	if (a->pieces == NULL) {
		free(edges);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < k; i++)
		a->pieces[i].lo = edges[i];
	a->n_pieces = k;
	free(edges);
	return 0;
}

/*
 * Pass one counts each piece's source rules and sets its flags; pass two
 * writes their sources where the counts put them; then each piece's sources
 * are merged into disjoint ranges.
 */
static int
fill_sources(struct acl *a, const struct acl_rule *rules, uint32_t n, char *err, size_t err_len)
{
	uint64_t total = 0;
	uint32_t *fill;
	struct range *tmp;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t first, last;

		rule_pieces(a, &rules[i], &first, &last);
		for (uint32_t p = first; p <= last; p++) {
			struct piece *pc = &a->pieces[p];

			if (!rules[i].has_source)
				*(rules[i].deny ? &pc->deny_any : &pc->allow_any) = true;
			else if (rules[i].deny)
				pc->deny_n++;
			else
				pc->allow_n++;
		}
		total += (uint64_t)(last - first + 1) * rules[i].has_source;
		if (total > ACL_MAX_SOURCE_RANGES) {
			snprintf(err, err_len,
				 "more than %u source entries once nested group prefixes are expanded",
				 ACL_MAX_SOURCE_RANGES);
			errno = E2BIG;
			return -E2BIG;
		}
	}
	tmp = malloc((total > 0 ? total : 1) * sizeof(*tmp));
	fill = calloc((size_t)a->n_pieces * 2, sizeof(*fill));
	if (tmp == NULL || fill == NULL) {
		free(tmp);
		free(fill);
		return -ENOMEM;
	}
	total = 0;
	for (uint32_t p = 0; p < a->n_pieces; p++) {
		a->pieces[p].deny_off = (uint32_t)total;
		total += a->pieces[p].deny_n;
		a->pieces[p].allow_off = (uint32_t)total;
		total += a->pieces[p].allow_n;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t first, last;

		if (!rules[i].has_source)
			continue;
		rule_pieces(a, &rules[i], &first, &last);
		for (uint32_t p = first; p <= last; p++) {
			struct piece *pc = &a->pieces[p];
			uint32_t *f = &fill[p * 2 + !rules[i].deny];
			uint32_t off = rules[i].deny ? pc->deny_off : pc->allow_off;

			tmp[off + (*f)++] = prefix_range(&rules[i].source);
		}
	}
	free(fill);
	/* Merged in place, then packed: merging only shrinks. */
	total = 0;
	for (uint32_t p = 0; p < a->n_pieces; p++) {
		struct piece *pc = &a->pieces[p];
		uint32_t nd = merge_ranges(tmp + pc->deny_off, pc->deny_n);
		uint32_t na = merge_ranges(tmp + pc->allow_off, pc->allow_n);

		memmove(tmp + total, tmp + pc->deny_off, nd * sizeof(*tmp));
		pc->deny_off = (uint32_t)total;
		pc->deny_n = nd;
		total += nd;
		memmove(tmp + total, tmp + pc->allow_off, na * sizeof(*tmp));
		pc->allow_off = (uint32_t)total;
		pc->allow_n = na;
		total += na;
	}
	a->ranges = tmp;
	a->n_ranges = (uint32_t)total;
	return 0;
}

struct acl *
acl_create(const struct acl_rule *rules, uint32_t n, char *err, size_t err_len)
{
	struct acl *a;
	int ret;

	if (n > ACL_MAX_RULES) {
		snprintf(err, err_len, "more than %u entries", ACL_MAX_RULES);
		errno = E2BIG;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		goto nomem;
	a->n_rules = n;
	for (uint32_t i = 0; i < n; i++)
		a->has_allow |= !rules[i].deny;
	ret = cut_pieces(a, rules, n);
	if (ret == 0)
		ret = fill_sources(a, rules, n, err, err_len);
	if (ret == -E2BIG) {
		acl_free(a);
		return NULL;
	}
	if (ret == 0)
		return a;
	acl_free(a);
nomem:
	snprintf(err, err_len, "out of memory");
	errno = ENOMEM;
	return NULL;
}

void
acl_free(struct acl *a)
{
	if (a == NULL)
		return;
	free(a->pieces);
	free(a->ranges);
	free(a);
}

uint32_t
acl_rule_count(const struct acl *a)
{
	return a != NULL ? a->n_rules : 0;
}

size_t
acl_memory(const struct acl *a)
{
	if (a == NULL)
		return 0;
	return sizeof(*a) + a->n_pieces * sizeof(struct piece) + a->n_ranges * sizeof(struct range);
}

/*
 * Deny first (a sourceless deny, or a denied source; an any-source join would
 * bring every source, so any source-qualified deny refuses it), then, where
 * an allow list exists, only what an allow names: a sourceless allow, or, for
 * a source-specific join, an allowed source.
 */
bool
acl_permits(const struct acl *a, uint32_t group_be, uint32_t source_be)
{
	const struct piece *pc;
	uint32_t src = ntohl(source_be);

	if (a == NULL)
		return true;
	pc = &a->pieces[piece_of(a, ntohl(group_be))];
	if (pc->deny_any)
		return false;
	if (source_be == ACL_ANY_SOURCE) {
		if (pc->deny_n > 0)
			return false;
		return !a->has_allow || pc->allow_any;
	}
	if (ranges_contain(a->ranges + pc->deny_off, pc->deny_n, src))
		return false;
	if (!a->has_allow || pc->allow_any)
		return true;
	return ranges_contain(a->ranges + pc->allow_off, pc->allow_n, src);
}

bool
acl_group_possible(const struct acl *a, uint32_t group_be)
{
	const struct piece *pc;

	if (a == NULL)
		return true;
	pc = &a->pieces[piece_of(a, ntohl(group_be))];
	return !pc->deny_any && (!a->has_allow || pc->allow_any || pc->allow_n > 0);
}
