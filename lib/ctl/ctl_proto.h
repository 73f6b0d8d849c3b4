/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control protocol (docs/control-protocol.md): newline-delimited JSON
 * requests parsed and validated into plain structs, and event objects built
 * from IGMP packets. Pure (jansson only): the daemon and the tests share it.
 */
#ifndef IGMPGW_CTL_PROTO_H
#define IGMPGW_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "gw_config.h"
#include "igmp_trace.h"
#include "igmp_wire.h"
#include "igmpgw_proto.h"

#define CTL_ERR_LEN 256

/* Requests and event kinds from the protocol's vocabulary (igmpgw_proto.h). */
enum ctl_cmd {
#define CTL_CMD_ENUM(code, name, level) CTL_##code,
	IGMPGW_COMMANDS(CTL_CMD_ENUM)
#undef CTL_CMD_ENUM
	CTL_CMD_COUNT
};

/* Who may make a request (IGMPGW_COMMANDS's LEVEL column), lowest first. */
enum ctl_level {
	CTL_LEVEL_MEMBER,                       /* root, [control] group or admin_group */
	CTL_LEVEL_ADMIN,                        /* root, [control] admin_group */
};

/* The level a request needs (CTL_LEVEL_ADMIN for an unknown one). */
enum ctl_level ctl_cmd_level(enum ctl_cmd cmd);

/*
 * Event kinds a client can subscribe to (bit i of a mask is kind i), then the
 * ones a request starts for its own client alone (ctl_event.to).
 */
enum ctl_event_kind {
#define CTL_EV_ENUM(code, name, key) CTL_EV_##code,
	IGMPGW_EVENTS(CTL_EV_ENUM)
#undef CTL_EV_ENUM
	CTL_EV_COUNT,                           /* not a kind: the subscribable ones end */
	CTL_EV_TRACE = CTL_EV_COUNT + 1,        /* one IGMP packet of a trace */
	CTL_EV_TRACE_END,                       /* the trace is over */
};

const char *ctl_cmd_name(enum ctl_cmd cmd);
const char *ctl_event_name(enum ctl_event_kind kind);

/* One membership item: a group and the sources wanted from it (none = any source). */
struct ctl_item {
	uint32_t group;                         /* network order, multicast */
	uint16_t n_sources;
	uint32_t sources[IGMPGW_MAX_SOURCES];   /* network order, unicast */
};

/*
 * A place in the group table, which is ordered by port (role order: the
 * active outside's static joins, then inside, inside2, ...), then by group
 * address (host order), then by rank among the records of one (port, group):
 * 0 for the tracked or asked record, 1 + i for [mroute] route i, 1 +
 * GW_MAX_MROUTES + j for [join] j. The walk goes on from the first record
 * not below the cursor. Records added or removed elsewhere in the table do
 * not move it, so paging never shows a record twice.
 */
struct ctl_cursor {
	enum gw_role port;                      /* a role */
	uint32_t group;                         /* network order; 0.0.0.0: the port's first */
	uint16_t rank;
};

/*
 * The cursor as the protocol carries it, "inside2/239.1.2.3", with "#RANK"
 * after it when rank is not 0: writes it and its NUL into buf
 * (IGMPGW_CURSOR_LEN bytes are enough). Returns its length, or -1 when the
 * port is not a role or buf is too small.
 */
int ctl_cursor_format(const struct ctl_cursor *cur, char *buf, size_t len);
/* Reads one that ctl_cursor_format() wrote (len bytes, no NUL needed). 0, or -1 when malformed. */
int ctl_cursor_parse(const char *text, size_t len, struct ctl_cursor *cur);

struct ctl_request {
	enum ctl_cmd cmd;
	json_t *id;                             /* the request's "id", echoed back; may be NULL */
	enum gw_role port;                      /* select_outside: GW_ROLE_OUTSIDE or GW_ROLE_ALT */
	uint16_t n_items;                       /* report, leave */
	struct ctl_item items[IGMPGW_MAX_ITEMS];
	uint32_t events;                        /* subscribe/unsubscribe: mask of ctl_event_kind */
	int log_level;                          /* log_level: RTE_LOG_EMERG (1) .. RTE_LOG_DEBUG (8) */
	char log_type[IGMPGW_LOG_TYPE_LEN];      /* log_level: a pattern, default "igmpgw.*" */
	bool paged;                             /* groups: "limit" or "cursor" given: one page */
	uint32_t limit;                         /* groups, paged: records in the page at most */
	struct ctl_cursor cursor;               /* groups: where the answer starts */
	uint32_t trace_ports;                   /* trace: bit per role; 0: every port */
	uint32_t trace_count;                   /* trace: packets to show */
	struct gw_mroute route;                 /* mroute_add (ports too), mroute_del */
};

/*
 * Parses one request line (without its newline) into *req. On error returns a
 * negative value and writes one sentence for the client into err; req->id is
 * still set when the line had one, so the error can carry it. Call
 * ctl_request_release() afterwards either way.
 */
int ctl_request_parse(const char *line, size_t len, struct ctl_request *req, char *err,
		      size_t err_len);
void ctl_request_release(struct ctl_request *req);

/* {"ok": false, "error": msg} with the id when there is one. */
json_t *ctl_error_response(json_t *id, const char *msg);
/* {"ok": true} with the id when there is one; add fields to it. */
json_t *ctl_ok_response(json_t *id);

/*
 * An event as its producer raises it, plain data: what kind, on which port,
 * and what it is about. The protocol's JSON is made from it by
 * ctl_event_json(), only when someone listens.
 */
struct ctl_event {
	enum ctl_event_kind kind;
	enum gw_role port;                      /* received on / concerns this port */
	uint32_t group;                         /* group_added, group_removed: network order */
	const struct igmp_ipv4 *ip;             /* query, membership_report: the packet's */
	const struct igmp_msg *msg;             /* IPv4 header and IGMP message */
	const void *to;                         /* trace, trace_end: the one session it is for */
	const struct igmp_trace_rec *trace;     /* trace: the packet and the decision */
	double seconds;                         /* trace: when it came, since the start */
	uint64_t traced;                        /* trace_end: packets shown */
	uint64_t dropped;                       /* trace_end: records lost (the ring was full) */
	bool up;                                /* link: the port's link is up */
	uint16_t vlan;                          /* link: the section's 802.1Q VLAN, 0 untagged */
	enum gw_role from;                      /* outside_selected: the outside before, */
	enum gw_role to_port;                   /* the one after (port: the same), */
	const char *reason;                     /* and why: link, querier, revert, control */
};

/*
 * Fills *ev with the event a validated IGMP packet raises, received on role
 * from the source in ip: a query or a membership report. Returns false when
 * the packet raises none. ev points into ip and msg, which must outlive it.
 */
bool ctl_event_of_igmp(enum gw_role role, const struct igmp_ipv4 *ip,
		       const struct igmp_msg *msg, struct ctl_event *ev);

/* The event's JSON object (see the protocol doc), or NULL (no memory, malformed event). */
json_t *ctl_event_json(const struct ctl_event *ev);

/* ctl_event_of_igmp() and ctl_event_json() in one: NULL when the packet raises none. */
json_t *ctl_event_from_igmp(enum gw_role role, const struct igmp_ipv4 *ip,
			    const struct igmp_msg *msg, enum ctl_event_kind *kind);

/*
 * ctl_json.c: an address (network order) as "10.0.0.1"; a v3 group record
 * type's name ("is_ex"), or its number when it has none.
 */
json_t *ctl_addr_json(uint32_t a);
json_t *ctl_record_type_json(uint8_t type);

/* ctl_trace.c: the JSON of a trace or trace_end event (ctl_event_json calls them). */
json_t *ctl_trace_json(const struct ctl_event *ev);
json_t *ctl_trace_end_json(const struct ctl_event *ev);

/* {"event": "missed", "count": count}: events a subscriber did not read and lost. */
json_t *ctl_missed_event(uint64_t count);

/* Serialises obj as one line ending in '\n' (compact). Returns malloc'd text or NULL. */
char *ctl_dump_line(const json_t *obj, size_t *len);

#endif
