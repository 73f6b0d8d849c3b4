/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Membership library, bottom layer: deadlines. The random delays of reports
 * and answers, and the RFC 3376 §8 intervals (formulas in mship_timers.h)
 * with the values in use: configured, or adopted from another querier.
 */
#include "mship_base.h"

/* xorshift64*: plenty for spreading report delays. */
uint32_t
mship_random(struct mship *m)
{
	if (m->ops.random != NULL)
		return m->ops.random(m->ops.arg);
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return (uint32_t)((m->rng * 0x2545f4914f6cdd1dull) >> 32);
}

/* Uniform in [0, bound); 0 when bound is 0. */
uint64_t
mship_random_below(struct mship *m, uint64_t bound)
{
	if (bound == 0)
		return 0;
	return mship_random(m) % bound;
}

/* Group Membership Interval (§8.4), with the values in use on p. */
uint64_t
mship_gmi(const struct mship *m, const struct mship_port *p)
{
	return mship_group_membership_interval_ms(p->rv, p->qi_ms,
						  m->cfg.query_response_interval_ms);
}

/* Last Member Query Time (§8.14). */
uint64_t
mship_lmqt(const struct mship *m)
{
	return mship_last_member_query_time_ms(m->cfg.last_member_query_interval_ms,
					       m->cfg.last_member_query_count);
}

/* Older Host Present Interval (§8.13): the group membership interval. */
uint64_t
mship_ohpi(const struct mship *m, const struct mship_port *p)
{
	return mship_gmi(m, p);
}

/* Other Querier Present Interval (§8.5), with the values in use on p. */
uint64_t
mship_oqpi(const struct mship *m, const struct mship_port *p)
{
	return mship_other_querier_present_interval_ms(p->rv, p->qi_ms,
						       m->cfg.query_response_interval_ms);
}

/* Older Version Querier Present Timeout (§8.12) upstream, where we are a host. */
uint64_t
mship_ovqpi(const struct mship *m, uint64_t max_resp_ms)
{
	return mship_older_querier_present_interval_ms(m->cfg.robustness, m->cfg.query_interval_ms,
						       max_resp_ms);
}
