/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the failover decision, one block per row of failover.c's
 * table, on a fake clock: link loss, a quiet querier, revert after the
 * hold-down (not before, and a flap restarts it), the operator's choice.
 */
#include <stdbool.h>
#include <stdint.h>

#include "failover.h"
#include "tap.h"

#define OUT 0
#define ALT 1
#define HOLD 10000
#define GRACE 5000

static struct failover_side side[FAILOVER_SIDES];

static void
both_fine(void)
{
	for (int i = 0; i < FAILOVER_SIDES; i++)
		side[i] = (struct failover_side){ .present = true, .link_up = true, .querier = true };
}

static void
test_off(void)
{
	struct failover f;

	both_fine();
	failover_init(&f, FAILOVER_MODE_OFF, true, HOLD, 0, OUT, 0);
	side[OUT].link_up = false;
	CHECK_INT(failover_decide(&f, side, 1000), FAILOVER_NONE, "off: a dead link changes nothing");
	CHECK_INT(f.active, OUT, "off: still outside");
}

static void
test_link(void)
{
	struct failover f;

	both_fine();
	failover_init(&f, FAILOVER_MODE_LINK, false, HOLD, 0, OUT, 0);
	CHECK_INT(failover_decide(&f, side, 1000), FAILOVER_NONE, "link: both up, stay");
	side[OUT].link_up = false;
	CHECK_INT(failover_decide(&f, side, 2000), FAILOVER_LINK, "link: outside down -> switch");
	CHECK_INT(f.active, ALT, "link: alt active");
	side[OUT].link_up = true;
	CHECK_INT(failover_decide(&f, side, 100000), FAILOVER_NONE,
		  "revert off: the primary back changes nothing");
	CHECK_INT(f.active, ALT, "revert off: alt stays");
	side[ALT].link_up = false;
	side[OUT].link_up = false;
	failover_init(&f, FAILOVER_MODE_LINK, false, HOLD, 0, OUT, 0);
	CHECK_INT(failover_decide(&f, side, 1000), FAILOVER_NONE, "both down: stay put");
	side[ALT].present = false;
	side[ALT].link_up = true;
	CHECK_INT(failover_decide(&f, side, 1000), FAILOVER_NONE, "no alt port: stay put");
	both_fine();
	side[OUT].querier = false;
	CHECK_INT(failover_decide(&f, side, 1000), FAILOVER_NONE,
		  "link mode: a quiet querier is not a reason");
}

static void
test_querier(void)
{
	struct failover f;

	both_fine();
	failover_init(&f, FAILOVER_MODE_QUERIER, false, HOLD, 0, OUT, 0);
	side[OUT].querier = false;
	side[ALT].querier = false;
	CHECK_INT(failover_decide(&f, side, 1000), FAILOVER_NONE,
		  "querier: no querier on either side, stay");
	side[ALT].querier = true;
	CHECK_INT(failover_decide(&f, side, 2000), FAILOVER_QUERIER,
		  "querier: outside quiet, alt has one -> switch");
	CHECK_INT(f.active, ALT, "querier: alt active");
	both_fine();
	failover_init(&f, FAILOVER_MODE_QUERIER, false, HOLD, 0, OUT, 0);
	side[OUT].link_up = false;
	CHECK_INT(failover_decide(&f, side, 1000), FAILOVER_LINK, "querier mode: link loss too");

	/* At start neither querier has been heard: the first heard must not pull the gateway over. */
	both_fine();
	failover_init(&f, FAILOVER_MODE_QUERIER, false, HOLD, GRACE, OUT, 1000);
	side[OUT].querier = false;
	CHECK_INT(failover_decide(&f, side, 1000 + GRACE - 1), FAILOVER_NONE,
		  "querier: alt's heard first, within the grace after start: stay");
	CHECK_INT(failover_decide(&f, side, 1000 + GRACE), FAILOVER_QUERIER,
		  "querier: outside still quiet a whole grace after start: switch");
	side[OUT].querier = true;
	side[ALT].querier = false;
	CHECK_INT(failover_decide(&f, side, 2000 + GRACE), FAILOVER_NONE,
		  "querier: the new side gets its own grace before its silence counts");
	CHECK_INT(failover_decide(&f, side, 1000 + 2 * GRACE), FAILOVER_QUERIER,
		  "querier: and then it does");
}

/*
 * The grace waits for a side's querier to be heard at all; one heard since
 * the side became active and gone quiet is judged at once (its own interval
 * said when it went quiet), however long the grace.
 */
static void
test_querier_went_quiet(void)
{
	struct failover f;

	both_fine();
	failover_init(&f, FAILOVER_MODE_QUERIER, false, HOLD, GRACE, OUT, 1000);
	side[OUT].querier = false;
	CHECK_INT(failover_decide(&f, side, 1500), FAILOVER_NONE,
		  "querier: not heard yet, within the grace: stay");
	side[OUT].querier_went_quiet = true;
	CHECK_INT(failover_decide(&f, side, 1500), FAILOVER_QUERIER,
		  "querier: heard, then quiet, within the grace: switch");
	CHECK_INT(f.active, ALT, "querier: alt active");
	side[OUT].querier_went_quiet = false;
}

static void
test_revert(void)
{
	struct failover f;

	both_fine();
	failover_init(&f, FAILOVER_MODE_LINK, true, HOLD, 0, OUT, 0);
	side[OUT].link_up = false;
	CHECK_INT(failover_decide(&f, side, 1000), FAILOVER_LINK, "revert: outside down -> alt");
	side[OUT].link_up = true;
	CHECK_INT(failover_decide(&f, side, 5000), FAILOVER_NONE, "outside up at 5 s: hold-down starts");
	CHECK_INT(failover_decide(&f, side, 5000 + HOLD - 1), FAILOVER_NONE,
		  "1 ms before the hold-down ends: stay on alt");
	side[OUT].link_up = false;
	CHECK_INT(failover_decide(&f, side, 5000 + HOLD), FAILOVER_NONE, "outside flaps down");
	side[OUT].link_up = true;
	CHECK_INT(failover_decide(&f, side, 6000 + HOLD), FAILOVER_NONE,
		  "up again: the hold-down starts over");
	CHECK_INT(failover_decide(&f, side, 6000 + 2 * HOLD - 1), FAILOVER_NONE,
		  "not before a whole hold-down");
	CHECK_INT(failover_decide(&f, side, 6000 + 2 * HOLD), FAILOVER_REVERT,
		  "a whole hold-down up: back to the primary");
	CHECK_INT(f.active, OUT, "outside active again");
	CHECK_INT(f.switches, 2, "two switches counted");
}

static void
test_select(void)
{
	struct failover f;

	both_fine();
	failover_init(&f, FAILOVER_MODE_LINK, true, HOLD, 0, OUT, 0);
	failover_select(&f, ALT, 1000);
	CHECK_INT(f.primary, ALT, "select alt: alt is the primary");
	CHECK_INT(failover_decide(&f, side, 1000 + 10 * HOLD), FAILOVER_NONE,
		  "no revert away from the operator's choice");
	side[ALT].link_up = false;
	CHECK_INT(failover_decide(&f, side, 2000 + 10 * HOLD), FAILOVER_LINK,
		  "the chosen side loses its link: to outside");
	side[ALT].link_up = true;
	failover_decide(&f, side, 3000 + 10 * HOLD);
	CHECK_INT(failover_decide(&f, side, 3000 + 11 * HOLD), FAILOVER_REVERT,
		  "and back to the chosen one after the hold-down");
	CHECK_INT(f.active, ALT, "alt active");
	TAP_CHECK(failover_reason_name(FAILOVER_REVERT)[0] == 'r' &&
		  failover_reason_name(FAILOVER_REASON_COUNT)[0] == '?', "reason names");
}

int
main(void)
{
	test_off();
	test_link();
	test_querier();
	test_querier_went_quiet();
	test_revert();
	test_select();
	return TAP_DONE();
}
