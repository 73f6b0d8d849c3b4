/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The [join] section, smcroute's mgroup: groups the gateway asks for on the
 * active outside by itself, in every mode. Reported at start and after a
 * switch of the active outside (twice, a second apart, as RFC 3376 §5.1
 * repeats unsolicited reports), and again for every query of the active
 * outside that asks for them, for as long as they are configured.
 * Forwarding is not theirs: an [mroute] or a member decides where data goes.
 */
#ifndef IGMPGW_STATIC_JOINS_H
#define IGMPGW_STATIC_JOINS_H

#include <stdint.h>

#include "igmp_wire.h"
#include "gw.h"

/* The active outside changed (or the gateway started): report every join again. */
void gw_joins_upstream_changed(void);

/* A query that came in on role: the joins it asks for are reported. */
void gw_joins_query(enum gw_role role, const struct igmp_msg *msg);

/* Sends what is due; every control period. */
void gw_joins_poll(uint64_t now_ms);

#endif
