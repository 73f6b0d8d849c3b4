/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Trace records of IGMP packets received: see igmp_trace.h.
 */
#include <string.h>

#include "igmp_trace.h"

/* What the bytes of a rejected packet say, read with nothing but their length trusted. */
static void
fill_raw(struct igmp_trace_rec *r, const uint8_t *l3, size_t l3_len)
{
	size_t ihl;

	if (l3 == NULL || l3_len < 20)
		return;
	memcpy(&r->src, l3 + 12, 4);
	memcpy(&r->dst, l3 + 16, 4);
	ihl = (size_t)(l3[0] & 0x0f) * 4;
	if (ihl < 20 || ihl >= l3_len)
		return;
	r->len = (uint16_t)(l3_len - ihl);
	r->type = l3[ihl];
	if (l3_len >= ihl + 8)
		memcpy(&r->group, l3 + ihl + 4, 4);
}

void
igmp_trace_fill(struct igmp_trace_rec *r, uint8_t role, const uint8_t *l3, size_t l3_len,
		const struct igmp_ipv4 *ip, const struct igmp_msg *msg, enum igmp_wire_error err,
		const struct igmp_proxy_decision *d)
{
	struct igmp_record rec;
	size_t pos = 0;

	memset(r, 0, sizeof(*r));
	r->role = role;
	r->wire_error = (uint8_t)err;
	r->egress = PROXY_EGRESS_NONE;
	if (err != IGMP_OK || d == NULL) {
		fill_raw(r, l3, l3_len);
		return;
	}
	r->src = ip->src;
	r->dst = ip->dst;
	r->type = msg->type;
	r->version = msg->version;
	r->group = msg->group;
	r->len = msg->len;
	r->reason = (uint8_t)d->reason;
	r->egress = (uint8_t)d->egress;
	r->egress_dst = d->dst;
	if (msg->type == IGMP_TYPE_QUERY) {
		r->n_items = msg->n_sources;
		return;
	}
	if (msg->type != IGMP_TYPE_V3_REPORT)
		return;
	r->n_items = msg->n_records;
	while (r->n_groups < IGMP_TRACE_RECORDS && igmp_record_next(msg, &pos, &rec)) {
		r->groups[r->n_groups++] = (struct igmp_trace_group){
			.group = rec.group,
			.n_sources = rec.n_sources,
			.type = rec.type,
		};
	}
}

const char *
igmp_trace_reason_name(const struct igmp_trace_rec *r)
{
	if (r->wire_error != IGMP_OK)
		return igmp_wire_error_name((enum igmp_wire_error)r->wire_error);
	return igmp_proxy_reason_name((enum igmp_proxy_reason)r->reason);
}
