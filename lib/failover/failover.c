/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The failover rules, one row each, in the order they are tried:
 *
 *   mode            active side                  other side            -> switch (reason)
 *   off             anything                     anything              -> stay
 *   link, querier   link down                    present, link up      -> other (link)
 *   querier         link up, no querier heard    link up, querier      -> other (querier)
 *                   (active for querier_grace,
 *                   or heard and gone quiet)
 *   revert = yes    not the primary              primary healthy for
 *                                                the hold-down         -> primary (revert)
 *
 * Healthy: link up, and in querier mode a querier heard too. A side that is
 * no better than the active one is never switched to, so both down means
 * staying put; the hold-down keeps a flapping primary from ping-ponging.
 */
#include <stddef.h>

#include "failover.h"

static const char *const reason_names[] = {
#define FAILOVER_REASON_NAME(code, name) name,
	FAILOVER_REASONS(FAILOVER_REASON_NAME)
#undef FAILOVER_REASON_NAME
};

const char *
failover_reason_name(enum failover_reason r)
{
	return (unsigned int)r < FAILOVER_REASON_COUNT ? reason_names[r] : "?";
}

void
failover_init(struct failover *f, enum failover_mode mode, bool revert, uint64_t hold_down_ms,
	      uint64_t querier_grace_ms, uint8_t primary, uint64_t now_ms)
{
	*f = (struct failover){
		.mode = mode,
		.revert = revert,
		.hold_down_ms = hold_down_ms,
		.querier_grace_ms = querier_grace_ms,
		.active_since_ms = now_ms,
		.primary = primary,
		.active = primary,
	};
}

void
failover_select(struct failover *f, uint8_t side, uint64_t now_ms)
{
	if (side >= FAILOVER_SIDES)
		return;
	if (f->active != side) {
		f->switches++;
		f->active_since_ms = now_ms;
	}
	f->primary = side;
	f->active = side;
	/* Healthy or not, it is the operator's choice: no revert away from it. */
	f->primary_healthy = false;
	f->primary_healthy_ms = now_ms;
}

static bool
healthy(const struct failover *f, const struct failover_side *s)
{
	return s->present && s->link_up && (f->mode != FAILOVER_MODE_QUERIER || s->querier);
}

static enum failover_reason
switch_to(struct failover *f, uint8_t side, enum failover_reason why, uint64_t now_ms)
{
	f->active = side;
	f->active_since_ms = now_ms;
	f->switches++;
	return why;
}

enum failover_reason
failover_decide(struct failover *f, const struct failover_side side[FAILOVER_SIDES],
		uint64_t now_ms)
{
	const struct failover_side *act = &side[f->active];
	uint8_t other = (uint8_t)(1 - f->active);
	const struct failover_side *oth = &side[other];
	bool primary_ok;

	if (f->mode == FAILOVER_MODE_OFF)
		return FAILOVER_NONE;

	primary_ok = healthy(f, &side[f->primary]);
	if (primary_ok && !f->primary_healthy)
		f->primary_healthy_ms = now_ms;
	f->primary_healthy = primary_ok;

	if (!act->link_up && oth->present && oth->link_up)
		return switch_to(f, other, FAILOVER_LINK, now_ms);
	if (f->mode == FAILOVER_MODE_QUERIER && act->link_up && !act->querier && oth->present &&
	    oth->link_up && oth->querier &&
	    (act->querier_went_quiet || now_ms - f->active_since_ms >= f->querier_grace_ms))
		return switch_to(f, other, FAILOVER_QUERIER, now_ms);
	if (f->revert && f->active != f->primary && primary_ok &&
	    now_ms - f->primary_healthy_ms >= f->hold_down_ms)
		return switch_to(f, f->primary, FAILOVER_REVERT, now_ms);
	return FAILOVER_NONE;
}
