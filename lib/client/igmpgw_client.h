/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client library for the igmpgw control socket (docs/control-protocol.md):
 * lets an application decide which memberships leave the inside network and
 * hear the gateway's events. Needs jansson only, not DPDK.
 *
 * One connection carries requests and, after a subscribe, events. A request
 * waits for its own response (matched by the "id" the library adds) and keeps
 * the events that arrive meanwhile; igmpgw_client_next_event() and
 * igmpgw_client_dispatch() hand them out in arrival order. A client object is
 * not thread-safe: use it from one thread at a time.
 *
 * Functions returning a pointer return NULL and set errno on failure;
 * functions returning int return a negative value and set errno.
 */
#ifndef IGMPGW_CLIENT_H
#define IGMPGW_CLIENT_H

#include <stddef.h>

#include <jansson.h>

#include "igmpgw_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The protocol's names and limits (socket path, commands, events, log
 * levels, items per request) are in igmpgw_proto.h, included here.
 */

/** The socket igmpgw_client_connect(NULL) uses unless $IGMPGW_SOCKET is set. */
#define IGMPGW_CLIENT_DEFAULT_SOCKET IGMPGW_DEFAULT_SOCKET
/** Environment variable that overrides the default socket path. */
#define IGMPGW_CLIENT_SOCKET_ENV "IGMPGW_SOCKET"
/** Longest line accepted from the gateway, newline excluded; longer ones are skipped. */
#define IGMPGW_CLIENT_MAX_LINE (1024 * 1024)
/** Timeout of the convenience wrappers until igmpgw_client_set_timeout() changes it. */
#define IGMPGW_CLIENT_TIMEOUT_MS 5000
/** Events kept while nobody reads them; beyond this they are counted in a "missed" event. */
#define IGMPGW_CLIENT_MAX_QUEUED 65536
/** Group records per page when igmpgw_client_groups() pages through the table. */
#define IGMPGW_CLIENT_GROUPS_PAGE 1024
/* The names this header gave the protocol's limits before igmpgw_proto.h had them. */
#define IGMPGW_CLIENT_MAX_ITEMS IGMPGW_MAX_ITEMS
#define IGMPGW_CLIENT_MAX_SOURCES IGMPGW_MAX_SOURCES
#define IGMPGW_CLIENT_GROUPS_PAGE_MAX IGMPGW_GROUPS_PAGE_MAX

struct igmpgw_client;

/** One membership: a group and the sources wanted from it (none = any source). */
struct igmpgw_item {
	const char *group;                 /**< dotted quad, multicast */
	const char *const *sources;        /**< dotted quads, unicast; may be NULL when n_sources is 0 */
	size_t n_sources;
};

/**
 * The socket path igmpgw_client_connect(path) uses: path itself, or when it
 * is NULL $IGMPGW_SOCKET if set and not empty, else IGMPGW_DEFAULT_SOCKET.
 */
const char *igmpgw_client_socket_path(const char *path);

/**
 * Connects to the gateway's control socket.
 *
 * @param path
 *   The socket path, or NULL (see igmpgw_client_socket_path()).
 * @return
 *   The client, or NULL with errno set (ENOENT, ECONNREFUSED, EACCES,
 *   ENAMETOOLONG, ...).
 */
struct igmpgw_client *igmpgw_client_connect(const char *path);

/** Closes the connection and frees the client and any queued events. NULL is a no-op. */
void igmpgw_client_close(struct igmpgw_client *c);

/**
 * The connection's file descriptor, for poll(): POLLIN means
 * igmpgw_client_dispatch() has something to read. Events that a request
 * already read are queued and do not make the descriptor readable: check
 * igmpgw_client_pending() before sleeping in poll().
 */
int igmpgw_client_fd(const struct igmpgw_client *c);

/** Number of events read and queued, not yet handed out. */
size_t igmpgw_client_pending(const struct igmpgw_client *c);

/** Sets the timeout of the convenience wrappers; a negative value waits forever. */
void igmpgw_client_set_timeout(struct igmpgw_client *c, int timeout_ms);

/**
 * Sends one request and waits for its response.
 *
 * Sets req's "id" to a fresh number (the caller keeps its reference to req).
 * Events that arrive before the response are queued; responses to earlier
 * requests that timed out are recognised by their id and dropped.
 *
 * @param timeout_ms
 *   Longest wait for sending and answer together; negative waits forever.
 * @return
 *   The response object (release it with json_decref()), whether "ok" is true
 *   or false; NULL with errno: ETIMEDOUT, EINTR (a signal; the late response
 *   will be dropped), ECONNRESET (the gateway closed the connection), EBADMSG
 *   (the next line was not a JSON object), EMSGSIZE (the next line was over
 *   IGMPGW_CLIENT_MAX_LINE), EPIPE (a previous request could only be sent in
 *   part, so the connection cannot carry requests any more), EINVAL, ENOMEM.
 */
json_t *igmpgw_client_request(struct igmpgw_client *c, json_t *req, int timeout_ms);

/**
 * The error text of a response: NULL when resp is an object with "ok": true,
 * else its "error" string, or a fixed sentence when resp is NULL or malformed.
 * So `igmpgw_client_error(resp) != NULL` is the one check for failure.
 */
const char *igmpgw_client_error(const json_t *resp);

/*
 * Convenience wrappers: each builds the request named in the protocol doc,
 * sends it with the client's timeout and returns the response as
 * igmpgw_client_request() does (NULL and errno on I/O errors; an object with
 * "ok": false when the gateway refused).
 */
/** `status`: ports, active outside, querier, effective [igmp] switches. */
json_t *igmpgw_client_status(struct igmpgw_client *c);
/** `stats`: per-port counters and the control socket's own counters. */
json_t *igmpgw_client_stats(struct igmpgw_client *c);
/** `select_outside`: port is "outside" or "alt". */
json_t *igmpgw_client_select_outside(struct igmpgw_client *c, const char *port);
/** `report`: the gateway sends membership reports for the n items on the active outside. */
json_t *igmpgw_client_report(struct igmpgw_client *c, const struct igmpgw_item *items, size_t n);
/** `leave`: the gateway sends leaves for the n items on the active outside. */
json_t *igmpgw_client_leave(struct igmpgw_client *c, const struct igmpgw_item *items, size_t n);
/** `subscribe`: events are names such as "query" and "membership_report". */
json_t *igmpgw_client_subscribe(struct igmpgw_client *c, const char *const *events, size_t n);
/** `unsubscribe`: the inverse of igmpgw_client_subscribe(). */
json_t *igmpgw_client_unsubscribe(struct igmpgw_client *c, const char *const *events, size_t n);
/**
 * `trace`: the next count IGMP packets received on port (NULL: every port; 0:
 * the gateway's default count) come as "trace" events to this client, each
 * with the decision taken and its reason, then a "trace_end" event; read them
 * with igmpgw_client_next_event().
 */
json_t *igmpgw_client_trace(struct igmpgw_client *c, const char *port, unsigned int count);
/**
 * `log_level`: level is a name ("emerg" .. "debug") or a number ("1" .. "8",
 * sent as a JSON number); type is a log type pattern, NULL for the gateway's
 * default ("igmpgw.*").
 */
json_t *igmpgw_client_log_level(struct igmpgw_client *c, const char *level, const char *type);

/**
 * `groups`, one page: at most limit group records (1 ..
 * IGMPGW_GROUPS_PAGE_MAX) from cursor on. cursor is NULL for the
 * first page, else the "cursor" string of the previous page's response; that
 * field is JSON null on the last page. A page may hold fewer records than
 * limit and still not be the last.
 */
json_t *igmpgw_client_groups_page(struct igmpgw_client *c, const char *cursor, unsigned int limit);

/**
 * `groups`, the whole table, read in pages of IGMPGW_CLIENT_GROUPS_PAGE
 * records so that no answer is big: the response as the gateway gives one
 * page ("ok", "tracking", "forwarding", "groups": the groups view of
 * docs/control-protocol.md, tracked, asked and static), with the records of every page in table
 * order and no "cursor". Records that change while the pages are read appear
 * at most once; those that do not change, exactly once. A gateway that does
 * not page answers the whole table at once, which is returned as it is.
 *
 * @return
 *   As igmpgw_client_request(): the first refusal ("ok": false) is returned as
 *   it is; NULL with errno on I/O errors, and EBADMSG when a page is not an
 *   object with a "groups" list or its cursor does not move on.
 */
json_t *igmpgw_client_groups(struct igmpgw_client *c);

/**
 * Returns the next event: queued ones first, then waits for the socket.
 *
 * Lines that cannot be events (not JSON, too long, stale responses) are
 * skipped. Events the queue had no room for are announced by a
 * {"event": "missed", "count": N} object, the shape the gateway uses too.
 *
 * @param timeout_ms
 *   0 takes only what is already there; negative waits forever.
 * @return
 *   The event (release it with json_decref()), or NULL with errno ETIMEDOUT,
 *   ECONNRESET (end of stream, after every queued event was handed out),
 *   EINTR, EINVAL or ENOMEM.
 */
json_t *igmpgw_client_next_event(struct igmpgw_client *c, int timeout_ms);

/**
 * Called by igmpgw_client_dispatch() for each event. The library releases
 * event after the call (json_incref() it to keep it). The callback may send
 * requests on the same client. A non-zero return stops the dispatch; the
 * remaining events stay queued.
 */
typedef int (*igmpgw_event_cb)(json_t *event, void *arg);

/**
 * Reads what the socket has without blocking and calls cb for every queued
 * event, for poll loops.
 *
 * @return
 *   The number of events handed to cb (0 when there was none), or -1 with
 *   errno ECONNRESET once the stream ended and every event was handed out
 *   (or another errno on errors).
 */
int igmpgw_client_dispatch(struct igmpgw_client *c, igmpgw_event_cb cb, void *arg);

/**
 * Parses the text form of a membership, "G" or "G@S[,S...]" (the form
 * igmpgwctl takes), checking what the gateway checks: G is an IPv4 multicast
 * address outside 224.0.0.0/24, each S a distinct unicast one (not 0.0.0.0,
 * not 255.255.255.255), at most IGMPGW_MAX_SOURCES of them.
 *
 * @param err
 *   On failure receives one sentence naming the bad part; may be NULL.
 * @return
 *   One allocation holding the item and its strings in canonical dotted form
 *   (release it with free()), or NULL with errno EINVAL (or ENOMEM).
 */
struct igmpgw_item *igmpgw_item_parse(const char *text, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif
