/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket's request handlers, one file per family
 * (ctl_handlers_*.c), dispatched by the server's table of commands. A handler
 * fills its response and may change its client's session: data, never a
 * call back into the server.
 */
#ifndef IGMPGW_CTL_HANDLERS_H
#define IGMPGW_CTL_HANDLERS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "ctl_proto.h"

/* What a client's connection remembers between its requests. */
struct gw_ctl_session {
	uint32_t events;              /* subscribed event kinds, bit i = kind i */
};

/* The server's own counters, for stats. */
struct gw_ctl_server_stats {
	uint32_t clients;
	uint64_t events_sent;
	uint64_t events_dropped;
	uint64_t clients_refused;
	uint64_t clients_timed_out;
	uint64_t requests_refused;
	uint64_t clients_denied;      /* connections from peers the socket's groups do not admit */
	uint64_t requests_denied;     /* requests above the client's level (ctl_cmd_level) */
};

/*
 * The records of a table answer from *pos on, at most max, appended to list;
 * moves *pos past them. Returns true while records remain.
 */
typedef bool gw_ctl_table_next_fn(struct ctl_cursor *pos, uint32_t max, json_t *list,
				  uint64_t now_ms);

/* One request being answered. */
struct gw_ctl_call {
	const struct ctl_request *req;
	json_t *resp;                 /* the ok response, to fill */
	struct gw_ctl_session *session;
	const struct gw_ctl_server_stats *server;
	char err[CTL_ERR_LEN];        /* room for an error sentence */
	/*
	 * Set by a handler whose answer ends with a big list, "table_key": the
	 * server writes it a slice at a time from table_next, no faster than the
	 * client reads, then the cursor where the next page starts.
	 */
	const char *table_key;
	gw_ctl_table_next_fn *table_next;
};

/* Answers call->req in call->resp. Returns NULL, or the error sentence that replaces it. */
typedef const char *gw_ctl_handler_fn(struct gw_ctl_call *call);

/* Views: ctl_handlers_views.c */
gw_ctl_handler_fn gw_ctl_status;
gw_ctl_handler_fn gw_ctl_stats;
gw_ctl_handler_fn gw_ctl_groups;

/* Upstream membership: ctl_handlers_membership.c */
gw_ctl_handler_fn gw_ctl_select_outside;
gw_ctl_handler_fn gw_ctl_membership;      /* report and leave */

/* The client's session: ctl_handlers_session.c */
gw_ctl_handler_fn gw_ctl_subscribe;       /* subscribe and unsubscribe */
gw_ctl_handler_fn gw_ctl_log_level;
gw_ctl_handler_fn gw_ctl_trace;           /* igmpgwctl trace: events to this session */

/* The running configuration: ctl_handlers_config.c */
gw_ctl_handler_fn gw_ctl_reload;
gw_ctl_handler_fn gw_ctl_mroute;          /* mroute_add, mroute_del, mroute_show */

#endif
