/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prints the lists the manuals are made of, straight from the code's own
 * definitions (the X-macro lists, the config's table of known keys), one
 * "kind<TAB>name<TAB>text" line each: docs/man/gen.py puts them into the
 * pages at build time, so a new key, counter, request or event is in the
 * manual without anyone writing it there.
 */
#include <stdio.h>

#include "failover.h"
#include "gw.h"
#include "gw_config.h"
#include "gw_log.h"
#include "igmp_proxy.h"
#include "igmp_wire.h"
#include "igmpgw_proto.h"
#include "link_watch.h"
#include "membership.h"
#include "tracking.h"
#include "tx_pacer.h"
#include "report_coalesce.h"

static void
key(const char *section, const char *name, enum gw_reload reload, void *arg)
{
	(void)arg;
	printf("key\t%s.%s\t%s\n", section, name, reload == GW_RELOAD_LIVE ? "live" : "restart");
}

int
main(void)
{
	gw_config_keys_foreach(key, NULL);
#define COUNTER(name, help) printf("counter\t%s\t%s\n", #name, help);
	GW_COUNTERS(COUNTER)
#undef COUNTER
#define WIRE(code, name) if (code != IGMP_OK) printf("wire\t%s\t\n", name);
	IGMP_WIRE_ERRORS(WIRE)
#undef WIRE
#define PROXY(code, name) printf("proxy\t%s\t\n", name);
	IGMP_PROXY_REASONS(PROXY)
#undef PROXY
#define MSHIP(code, name, help) printf("membership\t%s\t%s\n", name, help);
	MSHIP_COUNTERS(MSHIP)
#undef MSHIP
#define TRACKING(name, help) printf("membership\t%s\t%s\n", #name, help);
	GW_TRACKING_COUNTERS(TRACKING)
#undef TRACKING
#define PACER(code, name, help) printf("pacer\t%s\t%s\n", name, help);
	TX_PACER_COUNTERS(PACER)
#undef PACER
#define RCOAL(code, name, help) printf("coalesce\t%s\t%s\n", name, help);
	RCOAL_COUNTERS(RCOAL)
#undef RCOAL
#define LINK(name, help) printf("link_state\t%s\t%s\n", #name, help);
	GW_LINK_STATES(LINK)
#undef LINK
#define LIMIT(code, name) printf("limit\t%s\t\n", name);
	GW_LIMITS(LIMIT)
#undef LIMIT
#define COMMAND(code, name, level) printf("request\t%s\t%s\n", name, #level);
	IGMPGW_COMMANDS(COMMAND)
#undef COMMAND
#define EVENT(code, name, sw) printf("event\t%s\t%s\n", name, sw);
	IGMPGW_EVENTS(EVENT)
#undef EVENT
#define LEVEL(code, name) printf("log_level\t%s\t\n", name);
	IGMPGW_LOG_LEVELS(LEVEL)
#undef LEVEL
#define PART(name) printf("log_type\tigmpgw.%s\t\n", #name);
	GW_LOG_PARTS(PART)
#undef PART
#define MEVENT(code, name) printf("membership_event\t%s\t\n", name);
	MSHIP_EVENTS(MEVENT)
#undef MEVENT
#define FMODE(code, name) printf("failover_mode\t%s\t\n", name);
	GW_FAILOVER_MODES(FMODE)
#undef FMODE
#define FREASON(code, name) printf("failover_reason\t%s\t\n", name);
	FAILOVER_REASONS(FREASON)
#undef FREASON
	return 0;
}
