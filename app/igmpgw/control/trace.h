/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmpgwctl trace on the main lcore: starts and stops the workers' recording
 * (gw.trace_ports), drains the records they put in the trace ring and raises
 * each as a trace event for the one control session that asked, until it has
 * had its count or goes away. One trace at a time.
 */
#ifndef IGMPGW_TRACE_H
#define IGMPGW_TRACE_H

#include <stdint.h>

/*
 * Traces the next count IGMP packets received on ports (bit per role) for
 * session (an opaque token the events carry in ctl_event.to). A trace of the
 * same session is restarted. Returns NULL, or why not (another session's trace
 * runs, no memory for the ring).
 */
const char *gw_trace_start(const void *session, uint32_t ports, uint32_t count);

/* The session went: its trace, if it has one, stops. */
void gw_trace_session_gone(const void *session);

/* Drains the ring into events; every control period. */
void gw_trace_poll(void);

/* Frees the ring; once no worker runs. */
void gw_trace_close(void);

#endif
