/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 3376 §8 timer defaults and the intervals derived from them, one
 * definition for the membership library, the config reader and the daemon.
 * Header only, no state: anything may include it. Milliseconds throughout.
 */
#ifndef IGMPGW_MSHIP_TIMERS_H
#define IGMPGW_MSHIP_TIMERS_H

#include <stdint.h>

#include "igmp_wire.h"

#define MSHIP_DEFAULT_ROBUSTNESS 2                        /* §8.1 RV */
#define MSHIP_DEFAULT_QUERY_INTERVAL_MS 125000            /* §8.2 QI */
#define MSHIP_DEFAULT_QUERY_RESPONSE_INTERVAL_MS 10000    /* §8.3 QRI */
#define MSHIP_DEFAULT_LAST_MEMBER_QUERY_INTERVAL_MS 1000  /* §8.8 LMQI */
#define MSHIP_DEFAULT_UNSOLICITED_REPORT_INTERVAL_MS 1000 /* §8.11, v3 reports */
#define MSHIP_DEFAULT_UNSOLICITED_REPORT_INTERVAL_V2_MS 10000 /* RFC 2236 §8.10 */

/* Largest QQI a query can carry (§4.1.7): what a query interval is bounded by. */
#define MSHIP_MAX_QUERY_INTERVAL_MS ((uint32_t)IGMP_CODE_MAX_VALUE * 1000)
/* Largest Max Resp Time a query can carry (§4.1.1), in tenths: the same bound in ms. */
#define MSHIP_MAX_RESPONSE_INTERVAL_MS ((uint32_t)IGMP_CODE_MAX_VALUE * 100)

/* §8.6 Startup Query Interval: 1/4 of the query interval. */
static inline uint32_t
mship_startup_query_interval_ms(uint32_t qi_ms)
{
	return qi_ms / 4;
}

/*
 * §8.4 Group Membership Interval: RV * QI + QRI. §8.13 Older Host Present
 * Interval is the same sum.
 */
static inline uint64_t
mship_group_membership_interval_ms(uint32_t rv, uint32_t qi_ms, uint32_t qri_ms)
{
	return (uint64_t)rv * qi_ms + qri_ms;
}

/* §8.5 Other Querier Present Interval: RV * QI + QRI / 2. */
static inline uint64_t
mship_other_querier_present_interval_ms(uint32_t rv, uint32_t qi_ms, uint32_t qri_ms)
{
	return (uint64_t)rv * qi_ms + qri_ms / 2;
}

/* §8.12 Older Version Querier Present Timeout: RV * QI + the query's Max Resp Time. */
static inline uint64_t
mship_older_querier_present_interval_ms(uint32_t rv, uint32_t qi_ms, uint64_t max_resp_ms)
{
	return (uint64_t)rv * qi_ms + max_resp_ms;
}

/* §8.14 Last Member Query Time: LMQI * LMQC. */
static inline uint64_t
mship_last_member_query_time_ms(uint32_t lmqi_ms, uint32_t lmqc)
{
	return (uint64_t)lmqi_ms * lmqc;
}

/*
 * Bounds on the QRV and QQI a non-querier adopts from the elected querier
 * (§4.1.6, §4.1.7): twice our own, within what the fields can carry.
 */
static inline uint32_t
mship_default_max_adopted_robustness(uint32_t rv)
{
	return rv <= IGMP_QRV_MAX / 2 ? 2 * rv : IGMP_QRV_MAX;
}

static inline uint32_t
mship_default_max_adopted_query_interval_ms(uint32_t qi_ms)
{
	return qi_ms <= MSHIP_MAX_QUERY_INTERVAL_MS / 2 ? 2 * qi_ms : MSHIP_MAX_QUERY_INTERVAL_MS;
}

#endif
