/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Watching the kernel side of the ports: the interface each port sits on
 * (deleted, re-created under the same name, set down) and each kernel twin
 * (set down, deleted). Drivers cannot see these: af_packet keeps reading a
 * dead socket and reports the new interface's flags by name.
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

/* The port's ethdev link, and its kernel interface still the one it opened and up. */
bool gw_port_link_up(const struct gw_port *p);

/* Records what the ports opened (after gw_ports_open). */
void gw_link_watch_init(void);

/* Looks once a second; logs and counts every change. Main lcore. */
void gw_link_watch_poll(uint64_t now_tsc);

#endif
