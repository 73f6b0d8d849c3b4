/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Group and source ACLs, the SSM range and accept_from as pure policy: prefix
 * sets and rule lists compiled into sorted disjoint ranges (binary search, no
 * linear scan of the rules), and the filter that takes the refused records out
 * of an IGMP report. No EAL: unit tested alone. Addresses in network order.
 */
#ifndef IGMPGW_ACL_H
#define IGMPGW_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "igmp_wire.h"

/* The most rules one ACL compiles (every allow and deny of a port, file included). */
#define ACL_MAX_RULES 65536

#define ACL_ERR_LEN 160

struct acl_prefix {
	uint32_t addr;           /* network order, host bits zero */
	uint8_t len;             /* 0..32 */
};

/* "a.b.c.d" (a /32) or "a.b.c.d/len" with no host bits set. 0, or -EINVAL and why. */
int acl_parse_prefix(const char *s, struct acl_prefix *p, const char **why);

/* Whether addr (network order) is in p. */
static inline bool
acl_prefix_contains(const struct acl_prefix *p, uint32_t addr_be)
{
	uint32_t mask = p->len == 0 ? 0 : ~0u << (32 - p->len);
	uint32_t a = __builtin_bswap32(addr_be), n = __builtin_bswap32(p->addr);

	return ((a ^ n) & mask) == 0;
}

/* ---- prefix sets: accept_from, and the sources of the rules ---- */

struct acl_set;

/* A set of the union of n prefixes; NULL with errno on no memory. */
struct acl_set *acl_set_create(const struct acl_prefix *p, uint32_t n);
void acl_set_free(struct acl_set *s);
bool acl_set_contains(const struct acl_set *s, uint32_t addr_be);
/* Disjoint ranges it holds after merging (for tests and the memory figure). */
uint32_t acl_set_ranges(const struct acl_set *s);

/* ---- group ACLs ---- */

/* One allow or deny item: "GROUP[/LEN] [source SRC[/LEN]]". */
struct acl_rule {
	bool deny;
	bool has_source;
	struct acl_prefix group;
	struct acl_prefix source;
};

/*
 * Parses one item ("239.1.0.0/16", "232.1.0.0/16 source 10.0.0.0/8") into
 * *r (deny as given). The group prefix must lie in 224.0.0.0/4 (or be
 * 0.0.0.0/0: every group); the source must not. 0, or -EINVAL and why.
 */
int acl_parse_rule(const char *item, bool deny, struct acl_rule *r, const char **why);

struct acl;

/*
 * Compiles n rules. Deny is checked first; where any allow rule exists only
 * what an allow names passes. NULL with errno (ENOMEM, E2BIG) and err.
 */
struct acl *acl_create(const struct acl_rule *rules, uint32_t n, char *err, size_t err_len);
void acl_free(struct acl *a);
uint32_t acl_rule_count(const struct acl *a);
/* Bytes the compiled form takes. */
size_t acl_memory(const struct acl *a);

#define ACL_ANY_SOURCE 0u

/*
 * Whether a join of group from source passes (ACL_ANY_SOURCE: an any-source,
 * EXCLUDE join). A source-qualified allow does not admit an any-source join;
 * a source-qualified deny refuses it (it would bring that source too).
 * a == NULL: no ACL, everything passes.
 */
bool acl_permits(const struct acl *a, uint32_t group_be, uint32_t source_be);

/* Whether anything of group could pass (a leave of it is worth passing on). */
bool acl_group_possible(const struct acl *a, uint32_t group_be);

/* ---- the report filter ---- */

/*
 * What a report from a host must pass: every ACL named (the inside port's, the
 * active outside's), and the SSM range (RFC 4604 §2.2.1: in it, v1/v2
 * messages and EXCLUDE records are ignored).
 */
#define ACL_POLICY_MAX 2

struct acl_policy {
	const struct acl *acl[ACL_POLICY_MAX]; /* NULL entries pass */
	bool ssm;
	struct acl_prefix ssm_range;
};

/* Whether a policy would ever change anything (false: skip the filter). */
bool acl_policy_active(const struct acl_policy *p);

/*
 * Whether the policy lets a host join group from source (ACL_ANY_SOURCE: an
 * any-source, EXCLUDE join, which the SSM range refuses): state held from
 * before a reload that this refuses is removed as if left.
 */
bool acl_policy_permits(const struct acl_policy *p, uint32_t group_be, uint32_t source_be);

/* Room to rebuild any message a 9000-byte MTU can carry. */
#define ACL_SCRATCH_RECORDS 1152
#define ACL_SCRATCH_SOURCES 2304
#define ACL_SCRATCH_BYTES 9216

struct acl_scratch {
	struct igmp_record_spec rec[ACL_SCRATCH_RECORDS];
	uint32_t src[ACL_SCRATCH_SOURCES];
	uint8_t out[ACL_SCRATCH_BYTES];  /* a buffer for the rebuilt message */
};

enum acl_result {
	ACL_UNCHANGED,           /* passes as it is: relay it byte for byte */
	ACL_REBUILT,             /* out holds the report without what was refused */
	ACL_DROPPED,             /* nothing of it passes */
};

struct acl_counts {
	uint16_t denied;         /* records (v1/v2 messages) an ACL refused, whole or in part */
	uint16_t ssm_ignored;    /* any-source messages and records in the SSM range */
	uint16_t too_large;      /* reports with more records or sources than acl_scratch holds */
	uint16_t rebuild_failed; /* reports whose filtered records did not build into one */
};

/*
 * Filters a validated report or leave (other types pass unchanged). A v3
 * report that loses records or sources is rebuilt into out (cap bytes, not
 * overlapping msg, e.g. s->out; the result is never longer than msg) with its
 * length in *out_len and a correct checksum, the records kept in their order
 * with their auxiliary data. Adds to *c.
 */
enum acl_result acl_filter_report(const struct acl_policy *p, const struct igmp_msg *msg,
				  struct acl_scratch *s, uint8_t *out, size_t cap,
				  uint16_t *out_len, struct acl_counts *c);

#endif
