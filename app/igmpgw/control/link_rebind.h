/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Re-binding a port whose kernel interface was deleted and re-created under
 * its name (a Docker network re-created), and a kernel twin someone deleted:
 * link_watch.c finds them, this does it, with the workers held.
 */
#ifndef IGMPGW_LINK_REBIND_H
#define IGMPGW_LINK_REBIND_H

#include <stdbool.h>

struct gw_port;

/*
 * Re-binds p's port (af_packet; a VLAN section's: its trunk head's) to the
 * interface now under its name; true once done (the trunk's ifindex is the
 * new one). Said, counted
 * (port_rebound, rebind_failed); a failure is tried again every 2 s and said
 * once until it succeeds.
 */
bool gw_link_rebind_port(struct gw_port *p);

/* Makes p's deleted kernel twin again (twin_rebound); true once done. */
bool gw_link_rebind_twin(struct gw_port *p);

#endif
