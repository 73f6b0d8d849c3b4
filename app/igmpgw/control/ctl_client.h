/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One control client's connection: its input line buffer, its output buffer
 * (what waits for the socket), the table answer it is being written and its
 * session. ctl_server.c serves a set of them.
 */
#ifndef IGMPGW_CTL_CLIENT_H
#define IGMPGW_CTL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_cycles.h>

#include "ctl_handlers.h"
#include "ctl_proto.h"
#include "ratelimit.h"
#include "ctl_socket.h"

/* A half-closed client that takes none of its answers for this long is let go. */
#define CTL_DRAIN_TIMEOUT_MS 5000

/* A table answer ("groups"), written a slice per turn. */
struct gw_ctl_table_answer {
	bool active;
	bool paged;
	uint32_t left;                /* records the page may still take */
	uint32_t records;             /* records written so far */
	size_t bytes;                 /* of the line so far */
	struct ctl_cursor pos;        /* the next record */
	gw_ctl_table_next_fn *next;   /* where the records come from */
};

/* One connection. */
struct gw_ctl_client {
	int fd;                       /* -1: free slot */
	struct gw_ctl_peer peer;      /* who connected, and what it may do */
	char in[IGMPGW_REQUEST_MAX_LINE + 1];    /* the longest line and its newline */
	size_t in_len;
	bool discarding;              /* inside a line that was too long */
	bool eof;                     /* it shut its writing side: answer what it sent, then close */
	uint64_t drain_deadline;      /* TSC; after eof, pushed on whenever it takes output */
	char *out;                    /* [out_head, out_len) waits for the socket */
	size_t out_head;
	size_t out_len;
	size_t out_cap;
	struct gw_ctl_table_answer table;
	struct gw_ctl_session session; /* what its requests set: the events it subscribed to */
	uint64_t missed;              /* events dropped since it last drained */
	uint64_t events_sent;
	uint64_t events_dropped;
	struct rl_bucket requests;    /* limits.control_requests_per_client */
};

static inline uint64_t
gw_tsc_after_ms(uint64_t ms)
{
	return rte_rdtsc() + ms * (rte_get_tsc_hz() / 1000);
}

/* Bytes of output waiting for the socket. */
size_t gw_ctl_client_pending(const struct gw_ctl_client *c);

/* Queues data for the socket. Returns 0 or -ENOMEM. */
int gw_ctl_client_append(struct gw_ctl_client *c, const char *data, size_t len);

/* Queues obj as one line; takes the reference to obj. */
void gw_ctl_client_send(struct gw_ctl_client *c, json_t *obj);

/* Closes the connection and frees the slot. */
void gw_ctl_client_close(struct gw_ctl_client *c);

/*
 * Writes what the socket takes (closing c on a socket error); tells a drained
 * subscriber how many events it missed.
 */
void gw_ctl_client_flush(struct gw_ctl_client *c);

#endif
