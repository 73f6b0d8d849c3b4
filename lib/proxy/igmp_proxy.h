/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * goIGMP's proxy modes as one pure decision: given a validated IGMP packet, the
 * port it came in on and the switches, say where (if anywhere) it goes, to
 * which destination, and which events it raises. No EAL, no state of its own.
 */
#ifndef IGMPGW_IGMP_PROXY_H
#define IGMPGW_IGMP_PROXY_H

#include <stdbool.h>
#include <stdint.h>

#include "group_quota.h"
#include "gw_config.h"
#include "igmp_wire.h"

/*
 * Why a valid IGMP packet was not proxied. Names are stable counter names.
 */
#define IGMP_PROXY_REASONS(X) \
	X(PROXY_SENT, "proxied") \
	X(PROXY_TRANSLATED, "unicast_translated") \
	X(PROXY_INACTIVE_OUTSIDE, "inactive_outside") \
	X(PROXY_NOT_FOR_US, "not_for_us") \
	X(PROXY_UNICAST_QUERY, "unicast_query") \
	X(PROXY_QUERY_FROM_INSIDE, "query_from_inside") \
	X(PROXY_SWITCHED_OFF, "switched_off") \
	X(PROXY_NOT_PROXIED_GROUP, "not_proxied_group") \
	X(PROXY_UNKNOWN_TYPE, "unknown_igmp_type") \
	X(PROXY_BAD_GROUP, "bad_group") \
	X(PROXY_OWN_PACKET, "own_packet") \
	X(PROXY_REFUSED_MAX_GROUPS, "refused_max_groups") \
	X(PROXY_REFUSED_MAX_SOURCES, "refused_max_sources")

enum igmp_proxy_reason {
#define IGMP_PROXY_REASON_ENUM(code, name) code,
	IGMP_PROXY_REASONS(IGMP_PROXY_REASON_ENUM)
#undef IGMP_PROXY_REASON_ENUM
	PROXY_REASON_COUNT
};

const char *igmp_proxy_reason_name(enum igmp_proxy_reason reason);

/* Where a proxied packet goes. */
enum igmp_proxy_egress {
	PROXY_EGRESS_NONE,
	PROXY_EGRESS_INSIDE,          /* every inside port */
	PROXY_EGRESS_ACTIVE_OUTSIDE,
};

struct igmp_proxy_decision {
	enum igmp_proxy_reason reason;
	enum igmp_proxy_egress egress;
	uint32_t dst;                 /* IPv4 destination of the emitted copy */
	bool learn_querier;           /* a multicast query on an outside, active or not */
	bool event_query;             /* query_notify */
	bool event_report;            /* membership_reports_from_network */
	uint16_t admitted;            /* room taken in the limits' quota for new groups */
};

/*
 * What reports passed upstream from the inside may make the gateway hold
 * there (goIGMP's modes, where nothing else bounds it): a report naming
 * groups it does not hold yet takes room for them in quota first, all or
 * nothing, and a record may name at most max_sources sources to include.
 */
struct igmp_proxy_limits {
	bool (*holds)(const void *set, uint32_t group);  /* held upstream already */
	const void *set;
	struct group_quota *quota;
	uint16_t max_sources;
};

/* What the decision needs to know about the ingress port. */
struct igmp_proxy_ingress {
	enum gw_role role;
	bool active;                  /* an outside port that is the active one; inside: true */
	uint32_t addr;                /* the gateway's own address on it */
	enum gw_role upstream;        /* the active outside: where reports from inside go */
};

/*
 * The querier learned on each outside port, as whoever keeps it knows it:
 * addr(ctx, outside) is its address (network order), 0 while none is known.
 */
struct igmp_proxy_queriers {
	uint32_t (*addr)(const void *ctx, enum gw_role outside);
	const void *ctx;
};

/*
 * The one rule for where a report or leave the gateway sends upstream on the
 * outside port goes (goIGMP's UnicastMembershipReports): with
 * unicast_membership_reports, the querier learned on that outside, else
 * unicast_dst; otherwise, or with neither, multicast_dst (the RFC's group:
 * callers that only want to know whether it goes unicast pass 0).
 * queriers may be NULL: none known.
 */
uint32_t igmp_proxy_upstream_dst(const struct gw_igmp_config *cfg,
				 const struct igmp_proxy_queriers *queriers, enum gw_role outside,
				 uint32_t multicast_dst);

/*
 * Decides what to do with a valid IGMP packet. queriers (NULL: none known)
 * give the destination of what goes upstream, by igmp_proxy_upstream_dst.
 * limits bound what goes upstream from the inside (NULL: unbounded); a report
 * that passes took d->admitted of its quota, which the caller gives back if it
 * cannot send.
 */
void igmp_proxy_decide(const struct gw_igmp_config *cfg, const struct igmp_proxy_ingress *in,
		       const struct igmp_ipv4 *ip, const struct igmp_msg *msg,
		       const struct igmp_proxy_queriers *queriers,
		       const struct igmp_proxy_limits *limits, struct igmp_proxy_decision *d);

/* 224.0.0.1, 224.0.0.2 or 224.0.0.22: the groups goIGMP listens and proxies on. */
bool igmp_proxy_is_control_group(uint32_t addr);

#endif
