/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The report filter: what of a host's report passes the port's policy (its
 * ACLs, the SSM range). Whole messages pass or go; a v3 report loses the
 * records and sources refused and is rebuilt with lib/wire's builder.
 */
#include <string.h>

#include "acl.h"

bool
acl_policy_active(const struct acl_policy *p)
{
	if (p->ssm)
		return true;
	for (int i = 0; i < ACL_POLICY_MAX; i++)
		if (p->acl[i] != NULL)
			return true;
	return false;
}

static bool
in_ssm(const struct acl_policy *p, uint32_t group)
{
	return p->ssm && acl_prefix_contains(&p->ssm_range, group);
}

static bool
permits(const struct acl_policy *p, uint32_t group, uint32_t source)
{
	for (int i = 0; i < ACL_POLICY_MAX; i++)
		if (!acl_permits(p->acl[i], group, source))
			return false;
	return true;
}

bool
acl_policy_permits(const struct acl_policy *p, uint32_t group_be, uint32_t source_be)
{
	if (source_be == ACL_ANY_SOURCE && in_ssm(p, group_be))
		return false;
	return permits(p, group_be, source_be);
}

static bool
possible(const struct acl_policy *p, uint32_t group)
{
	for (int i = 0; i < ACL_POLICY_MAX; i++)
		if (!acl_group_possible(p->acl[i], group))
			return false;
	return true;
}

static uint32_t
source_at(const uint8_t *sources, uint16_t i)
{
	uint32_t s;

	memcpy(&s, sources + (size_t)i * 4, 4);
	return s;
}

/*
 * The rows, per record (RFC 3376 §4.2.12 types; RFC 4604 §2.2.1 for the range):
 *   IS_EX / TO_EX (any source)  in SSM range -> ignored (ssm_ignored)
 *   IS_EX / TO_EX               any-source join refused -> dropped (denied)
 *   IS_IN / TO_IN / ALLOW / BLOCK {S}  each source refused -> taken out;
 *                                      none left -> dropped (denied)
 *   IS_IN / TO_IN {} (a leave)  nothing of the group can pass -> dropped (denied)
 * and v1/v2 reports as IS_EX {}, v2 leaves as TO_IN {} except that in the SSM
 * range both are ignored.
 */
static enum acl_result
filter_v2(const struct acl_policy *p, const struct igmp_msg *msg, struct acl_counts *c)
{
	if (in_ssm(p, msg->group)) {
		c->ssm_ignored++;
		return ACL_DROPPED;
	}
	if (msg->type == IGMP_TYPE_LEAVE ? possible(p, msg->group) :
	    permits(p, msg->group, ACL_ANY_SOURCE))
		return ACL_UNCHANGED;
	c->denied++;
	return ACL_DROPPED;
}

/* Fills spec with what of rec passes; false: nothing does. */
static bool
filter_record(const struct acl_policy *p, const struct igmp_record *rec,
	      struct igmp_record_spec *spec, uint32_t *src, struct acl_counts *c)
{
	bool any_source = rec->type == IGMP_REC_IS_EX || rec->type == IGMP_REC_TO_EX;
	uint16_t kept = 0;

	*spec = (struct igmp_record_spec){
		.type = rec->type,
		.group = rec->group,
		.sources = src,
		.aux = rec->aux,
		.aux_words = rec->aux_words,
	};
	if (any_source) {
		if (in_ssm(p, rec->group)) {
			c->ssm_ignored++;
			return false;
		}
		if (!permits(p, rec->group, ACL_ANY_SOURCE)) {
			c->denied++;
			return false;
		}
		memcpy(src, rec->sources, (size_t)rec->n_sources * 4);
		spec->n_sources = rec->n_sources;
		return true;
	}
	if (rec->n_sources == 0) {
		if (possible(p, rec->group))
			return true;
		c->denied++;
		return false;
	}
	for (uint16_t i = 0; i < rec->n_sources; i++) {
		uint32_t s = source_at(rec->sources, i);

		if (permits(p, rec->group, s))
			src[kept++] = s;
	}
	spec->n_sources = kept;
	if (kept < rec->n_sources)
		c->denied++;
	/*
	 * TO_IN with every source refused still says "none of the others": kept
	 * as TO_IN {} (a leave), or the sources held before would stay joined.
	 */
	return kept > 0 || (rec->type == IGMP_REC_TO_IN && possible(p, rec->group));
}

static enum acl_result
filter_v3(const struct acl_policy *p, const struct igmp_msg *msg, struct acl_scratch *s,
	  uint8_t *out, size_t cap, uint16_t *out_len, struct acl_counts *c)
{
	struct igmp_record rec;
	size_t pos = 0;
	uint16_t n = 0, next = 0, next_src = 0;
	uint32_t used = 0;
	bool changed = false;
	size_t len;

	if (msg->n_records > ACL_SCRATCH_RECORDS) {
		c->too_large++; /* larger than any MTU carries: never here */
		return ACL_DROPPED;
	}
	while (igmp_record_next(msg, &pos, &rec)) {
		struct igmp_record_spec *spec = &s->rec[n];

		if (used + rec.n_sources > ACL_SCRATCH_SOURCES) {
			c->too_large++;
			return ACL_DROPPED;
		}
		if (!filter_record(p, &rec, spec, s->src + used, c)) {
			changed = true;
			continue;
		}
		changed |= spec->n_sources != rec.n_sources;
		used += spec->n_sources;
		n++;
	}
	if (!changed)
		return ACL_UNCHANGED;
	if (n == 0)
		return ACL_DROPPED;
	/* Never longer than the original, so one message holds it all. */
	len = igmp_build_v3_report(out, cap, msg->len, s->rec, n, &next, &next_src);
	if (len == 0 || next != n) {
		c->rebuild_failed++;
		return ACL_DROPPED;
	}
	*out_len = (uint16_t)len;
	return ACL_REBUILT;
}

enum acl_result
acl_filter_report(const struct acl_policy *p, const struct igmp_msg *msg, struct acl_scratch *s,
		  uint8_t *out, size_t cap, uint16_t *out_len, struct acl_counts *c)
{
	switch (msg->type) {
	case IGMP_TYPE_V1_REPORT:
	case IGMP_TYPE_V2_REPORT:
	case IGMP_TYPE_LEAVE:
		return filter_v2(p, msg, c);
	case IGMP_TYPE_V3_REPORT:
		return filter_v3(p, msg, s, out, cap, out_len, c);
	default:
		return ACL_UNCHANGED;
	}
}
