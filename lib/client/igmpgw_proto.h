/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vocabulary of the igmpgw control protocol (docs/control-protocol.md):
 * command, event and log level names, its limits and the default socket
 * path. The one definition that the gateway, the client library and igmpgwctl
 * all read; plain C macros, no DPDK, no jansson, so applications can have it.
 *
 * The lists are X-macros: X(CODE, "name", ...) per entry, in protocol order,
 * so an enum and its name table are generated from the same line, e.g.
 *
 *   #define MY_CMD(code, name, ...) MY_##code,
 *   enum my_cmd { IGMPGW_COMMANDS(MY_CMD) };
 */
#ifndef IGMPGW_PROTO_H
#define IGMPGW_PROTO_H

/** Where the gateway listens unless its config ([control] socket) says otherwise. */
#define IGMPGW_DEFAULT_SOCKET "/run/igmpgw/igmpgw.sock"

/** Bytes of one request line the gateway reads, newline excluded. */
#define IGMPGW_REQUEST_MAX_LINE 65536
/** Membership items one report or leave request may carry. */
#define IGMPGW_MAX_ITEMS 256
/** Sources one membership item may list. */
#define IGMPGW_MAX_SOURCES 64
/** Group records a paged `groups` request may ask for at most ("limit"). */
#define IGMPGW_GROUPS_PAGE_MAX 4096
/** Group records of a page whose request gives a "cursor" and no "limit". */
#define IGMPGW_GROUPS_PAGE_DEFAULT 512
/** Bytes a `groups` cursor takes with its NUL: "inside16/255.255.255.255#65535". */
#define IGMPGW_CURSOR_LEN 32
/** IGMP packets a `trace` request shows when it gives no "count". */
#define IGMPGW_TRACE_DEFAULT_COUNT 20
/** The most a `trace` request may ask for. */
#define IGMPGW_TRACE_MAX_COUNT 100000
/** Bytes a `log_level` type pattern takes with its NUL. */
#define IGMPGW_LOG_TYPE_LEN 64
/** The log type pattern of a `log_level` request that gives none. */
#define IGMPGW_LOG_TYPE_DEFAULT "igmpgw.*"

/**
 * Requests: X(CODE, "cmd", LEVEL), LEVEL being who may make it on the control
 * socket: MEMBER (root, members of [control] group or admin_group: what
 * applications do, and read-only views) or ADMIN (root and members of
 * [control] admin_group: requests that change the gateway itself). A new
 * request says which here; the gateway checks nothing else.
 */
#define IGMPGW_COMMANDS(X) \
	X(STATUS, "status", MEMBER) \
	X(STATS, "stats", MEMBER) \
	X(SELECT_OUTSIDE, "select_outside", ADMIN) \
	X(REPORT, "report", MEMBER) \
	X(LEAVE, "leave", MEMBER) \
	X(SUBSCRIBE, "subscribe", MEMBER) \
	X(UNSUBSCRIBE, "unsubscribe", MEMBER) \
	X(LOG_LEVEL, "log_level", ADMIN) \
	X(GROUPS, "groups", MEMBER) \
	X(TRACE, "trace", MEMBER) \
	X(RELOAD, "reload", ADMIN) \
	X(MROUTE_ADD, "mroute_add", ADMIN) \
	X(MROUTE_DEL, "mroute_del", ADMIN) \
	X(MROUTE_SHOW, "mroute_show", MEMBER)

/*
 * Event names, one macro each so that modules which raise one kind (the
 * membership library's group events) name it without a copy.
 */
#define IGMPGW_EVENT_NAME_QUERY "query"
#define IGMPGW_EVENT_NAME_MEMBERSHIP_REPORT "membership_report"
#define IGMPGW_EVENT_NAME_GROUP_ADDED "group_added"
#define IGMPGW_EVENT_NAME_GROUP_REMOVED "group_removed"
#define IGMPGW_EVENT_NAME_LINK "link"
#define IGMPGW_EVENT_NAME_OUTSIDE_SELECTED "outside_selected"
/** Not subscribed to: a `trace` request's lines, to the client that sent it. */
#define IGMPGW_EVENT_NAME_TRACE "trace"
#define IGMPGW_EVENT_NAME_TRACE_END "trace_end"
/** Not subscribed to: tells a subscriber how many events it missed (it did not read). */
#define IGMPGW_EVENT_NAME_MISSED "missed"

/**
 * Events a client can subscribe to, X(CODE, "name", "config switch that makes
 * the gateway raise them"). The position in the list is the kind's number.
 */
#define IGMPGW_EVENTS(X) \
	X(QUERY, IGMPGW_EVENT_NAME_QUERY, "[igmp] query_notify") \
	X(MEMBERSHIP_REPORT, IGMPGW_EVENT_NAME_MEMBERSHIP_REPORT, \
	  "[igmp] membership_reports_from_network") \
	X(GROUP_ADDED, IGMPGW_EVENT_NAME_GROUP_ADDED, "[proxy] track_membership") \
	X(GROUP_REMOVED, IGMPGW_EVENT_NAME_GROUP_REMOVED, "[proxy] track_membership") \
	X(LINK, IGMPGW_EVENT_NAME_LINK, "always on") \
	X(OUTSIDE_SELECTED, IGMPGW_EVENT_NAME_OUTSIDE_SELECTED, "an [alt] section")

/** Number of the first level of IGMPGW_LOG_LEVELS (DPDK's RTE_LOG_EMERG). */
#define IGMPGW_LOG_LEVEL_MIN 1
/** `log_level` names, X(CODE, "name"), in numeric order from IGMPGW_LOG_LEVEL_MIN (DPDK's). */
#define IGMPGW_LOG_LEVELS(X) \
	X(EMERG, "emerg") \
	X(ALERT, "alert") \
	X(CRIT, "crit") \
	X(ERR, "err") \
	X(WARNING, "warning") \
	X(NOTICE, "notice") \
	X(INFO, "info") \
	X(DEBUG, "debug")

#endif
