/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the client library: the connection's state and the stream functions
 * (client_stream.c) the request and event functions are built on. Not
 * installed; the functions are hidden from the shared library's symbols.
 */
#ifndef IGMPGW_CLIENT_INTERNAL_H
#define IGMPGW_CLIENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "igmpgw_client.h"

#define CLIENT_HIDDEN __attribute__((visibility("hidden")))

struct event_node {
	struct event_node *next;
	json_t *event;
};

struct igmpgw_client {
	int fd;
	int timeout_ms;                 /* of the convenience wrappers */

	/* Bytes read: [head, len) is the start of a line whose newline has not come yet. */
	char *buf;
	size_t head;
	size_t len;
	size_t cap;
	bool discarding;                /* inside a line over IGMPGW_CLIENT_MAX_LINE: drop to its newline */
	bool eof;                       /* the gateway closed its side */
	bool broken;                    /* a request went out in part: no more requests */

	struct event_node *ev_first;
	struct event_node *ev_last;
	size_t n_events;
	uint64_t missed;                /* events dropped because the queue was full */

	/* The request waiting for its response; earlier ids are stale. */
	json_int_t last_id;
	bool waiting;
	json_t *response;
	int response_errno;             /* the line in the response's place was unreadable */
};


/* A deadline timeout_ms from now (monotonic ms); -1, none, when timeout_ms is negative. */
CLIENT_HIDDEN int64_t client_deadline_after(int timeout_ms);

/* What poll() should wait for: -1 forever, 0 when the deadline has passed. */
CLIENT_HIDDEN int client_ms_left(int64_t deadline);

/*
 * The oldest queued event; once the queue has drained, the count of events
 * that did not fit, in the gateway's own "missed" shape. NULL when neither.
 */
CLIENT_HIDDEN json_t *client_queue_pop(struct igmpgw_client *c);

/*
 * Waits up to timeout_ms for data (0: does not wait), reads once and files
 * every complete line: events queued, the awaited response kept. Returns 1
 * when bytes came, 0 when none did, -1 with errno on errors and at the end of
 * the stream (ECONNRESET).
 */
CLIENT_HIDDEN int client_read_some(struct igmpgw_client *c, int timeout_ms);

/*
 * Sends all of buf by the deadline, reading meanwhile so that a gateway
 * blocked on writing to us cannot deadlock the two of us. A request sent in
 * part marks the connection broken.
 */
CLIENT_HIDDEN int client_send_all(struct igmpgw_client *c, const char *buf, size_t len,
				  int64_t deadline);

#endif
