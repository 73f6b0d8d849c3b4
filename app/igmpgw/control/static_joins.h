/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The [join] section, smcroute's mgroup: groups the gateway asks for on the
 * active outside by itself, in every mode, as a host on the gateway would:
 * reported at start and after a switch of the active outside (robustness
 * times, RFC 3376 §5.1), and in the answers to every query of the active
 * outside that asks for them, for as long as they are configured, in the
 * upstream's compatibility mode (§7.2.1). With tracking, the upstream state is
 * the union of the inside members and the joins: the last member leaving a
 * joined group sends no leave.
 * Forwarding is not theirs: an [mroute] or a member decides where data goes.
 */
#ifndef IGMPGW_STATIC_JOINS_H
#define IGMPGW_STATIC_JOINS_H

#include <stdint.h>

#include "igmp_wire.h"
#include "gw.h"

/* The active outside changed: every join is reported there. */
void gw_joins_upstream_changed(uint64_t now_ms);

/* A query that came in on role: the joins it asks for are reported. */
void gw_joins_query(enum gw_role role, const struct igmp_ipv4 *ip, const struct igmp_msg *msg,
		    uint64_t now_ms);

/* Sends what is due; every control period. The first call takes the joins up. */
void gw_joins_poll(uint64_t now_ms);

/* Lets the joins go (no leave is sent: the upstream ages them out). */
void gw_joins_close(void);

#endif
