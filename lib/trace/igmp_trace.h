/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A trace of the IGMP packets received (igmpgwctl trace): what a worker keeps
 * of one packet and the decision on it, in a small record of fixed size that
 * is copied by value (never the mbuf) into a ring the main lcore drains. Pure:
 * no EAL, no allocation.
 */
#ifndef IGMPGW_IGMP_TRACE_H
#define IGMPGW_IGMP_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "igmp_proxy.h"
#include "igmp_wire.h"

/* v3 report records (or the first of them) a trace record shows. */
#define IGMP_TRACE_RECORDS 4

/* One v3 group record as traced: its sources are counted, not copied. */
struct igmp_trace_group {
	uint32_t group;               /* network order */
	uint16_t n_sources;
	uint8_t type;                 /* IGMP_REC_* */
	uint8_t pad;
};

struct igmp_trace_rec {
	uint64_t tsc;                 /* when the packet's burst arrived */
	uint32_t src;                 /* IPv4 source, network order; 0 when unreadable */
	uint32_t dst;                 /* IPv4 destination */
	uint32_t group;               /* the message's group field (queries, v1/v2) */
	uint32_t egress_dst;          /* where the copies sent went (IPv4 destination) */
	uint16_t len;                 /* IGMP bytes (the IP payload when it did not parse) */
	uint16_t n_items;             /* v3 report: records; v3 query: sources */
	uint8_t role;                 /* enum gw_role it came in on */
	uint8_t type;                 /* IGMP type byte; 0 when unreadable */
	uint8_t version;              /* 1, 2, 3; 0 when unknown */
	uint8_t wire_error;           /* enum igmp_wire_error: IGMP_OK when it parsed */
	uint8_t reason;               /* enum igmp_proxy_reason, when it parsed */
	uint8_t egress;               /* enum igmp_proxy_egress, when it parsed */
	uint8_t n_groups;             /* of groups[] filled */
	uint8_t pad;
	struct igmp_trace_group groups[IGMP_TRACE_RECORDS];
};

/*
 * Fills *r for a packet received on role: l3 (l3_len bytes) is its IPv4
 * packet. A packet the codec rejected (err != IGMP_OK, d NULL) is read from
 * the bytes as far as they go, the parse's structs not trusted; one that
 * parsed gets its message and the decision d.
 */
void igmp_trace_fill(struct igmp_trace_rec *r, uint8_t role, const uint8_t *l3, size_t l3_len,
		     const struct igmp_ipv4 *ip, const struct igmp_msg *msg,
		     enum igmp_wire_error err, const struct igmp_proxy_decision *d);

/* Whether the decision sent the packet on (proxied or translated). */
static inline bool
igmp_trace_sent(const struct igmp_trace_rec *r)
{
	return r->wire_error == IGMP_OK && r->egress != PROXY_EGRESS_NONE;
}

/* The counter the packet was counted under: a wire error's, else the proxy reason's. */
const char *igmp_trace_reason_name(const struct igmp_trace_rec *r);

#endif
