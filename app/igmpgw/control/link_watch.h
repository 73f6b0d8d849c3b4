/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ports' link state (PMD link interrupts, the kernel interface each port
 * sits on: deleted, re-created under the same name, down or without carrier)
 * and each kernel twin (set down, deleted). af_packet cannot see these: it
 * keeps reading a dead socket and says its link is up for ever.
 */
#ifndef IGMPGW_LINK_WATCH_H
#define IGMPGW_LINK_WATCH_H

#include <stdbool.h>
#include <stdint.h>

struct gw_port;

#define GW_LINK_STATES(X) \
	X(up, "up") \
	X(down, "down (not up or no carrier)") \
	X(gone, "deleted") \
	X(replaced, "deleted and another interface created under its name")

enum gw_link_state {
#define GW_LINK_STATE_ENUM(name, help) GW_LINK_##name,
	GW_LINK_STATES(GW_LINK_STATE_ENUM)
#undef GW_LINK_STATE_ENUM
};

/* "up", "down", "gone", "replaced"; "" for a port without a kernel interface or twin. */
const char *gw_link_state_name(const struct gw_port *p, bool twin);

/*
 * The port's link as last found: its PMD's link up, and its kernel interface
 * (if any) still the one it opened, up and with carrier.
 */
bool gw_port_link_up(const struct gw_port *p);

/* Records what the ports opened and their links (after gw_ports_open). */
void gw_link_watch_init(void);

/*
 * Takes the PMDs' link interrupts and netlink's link messages at once and
 * looks at every port every 250 ms; logs, counts and raises every change.
 * Main lcore.
 */
void gw_link_watch_poll(uint64_t now_tsc);

#endif
