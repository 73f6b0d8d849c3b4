/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Automatic upstream failover ([igmp] failover): which of the two outside
 * ports is active, decided from what is known of each (link, querier heard)
 * and from the clock the caller passes. Pure: no threads, no clock reads.
 */
#ifndef IGMPGW_FAILOVER_H
#define IGMPGW_FAILOVER_H

#include <stdbool.h>
#include <stdint.h>

/* The two outsides, by index: 0 is outside, 1 is alt (their gw_role values). */
#define FAILOVER_SIDES 2

enum failover_mode {
	FAILOVER_MODE_OFF,      /* only the operator switches */
	FAILOVER_MODE_LINK,     /* away from a side whose link is down */
	FAILOVER_MODE_QUERIER,  /* that, and away from a side whose querier went quiet */
};

/* Why the active side changed: the outside_selected event's reason. */
#define FAILOVER_REASONS(X) \
	X(NONE, "none") \
	X(LINK, "link") \
	X(QUERIER, "querier") \
	X(REVERT, "revert") \
	X(CONTROL, "control")

enum failover_reason {
#define FAILOVER_REASON_ENUM(code, name) FAILOVER_##code,
	FAILOVER_REASONS(FAILOVER_REASON_ENUM)
#undef FAILOVER_REASON_ENUM
	FAILOVER_REASON_COUNT
};

const char *failover_reason_name(enum failover_reason r);

/* What the caller knows of one side now. */
struct failover_side {
	bool present;      /* the port exists */
	bool link_up;
	bool querier;      /* a query heard within the other querier present interval */
	/*
	 * A querier was heard on it since it became active and is quiet now: its
	 * silence counts at once (the grace is for a side not heard yet).
	 */
	bool querier_went_quiet;
};

struct failover {
	enum failover_mode mode;
	bool revert;               /* back to the primary once healthy for hold_down_ms */
	uint64_t hold_down_ms;
	/*
	 * querier mode: a side that became active (or the gateway that started)
	 * this long ago has had the time to hear its querier; before, its silence
	 * says nothing (the other querier present interval).
	 */
	uint64_t querier_grace_ms;
	uint64_t active_since_ms;
	uint8_t primary;           /* the configured or operator-chosen side */
	uint8_t active;
	bool primary_healthy;      /* since primary_healthy_ms */
	uint64_t primary_healthy_ms;
	uint64_t switches;         /* automatic and operator switches */
};

void failover_init(struct failover *f, enum failover_mode mode, bool revert,
		   uint64_t hold_down_ms, uint64_t querier_grace_ms, uint8_t primary,
		   uint64_t now_ms);

/* The operator chose side: it becomes the primary and the active one. */
void failover_select(struct failover *f, uint8_t side, uint64_t now_ms);

/*
 * Looks at both sides; when the active one must change, changes f->active and
 * returns why, else FAILOVER_NONE. Call it whenever something changed, and
 * often enough for the hold-down (every control period is fine).
 */
enum failover_reason failover_decide(struct failover *f,
				     const struct failover_side side[FAILOVER_SIDES],
				     uint64_t now_ms);

#endif
