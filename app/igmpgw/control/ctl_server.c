/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket, served on the main lcore. Everything is non-blocking: a
 * client that floods, stalls or vanishes mid-line costs the others nothing, and
 * a subscriber that does not read loses events (counted, and told) rather than
 * making anyone wait. Each pass does a bounded amount of work, shared out in
 * turns, and a big table is written a slice at a time, no faster than its
 * reader takes it: no answer holds the main lcore from the IGMP it tracks.
 * This file is the sockets, the clients and their buffers; the answers come
 * from the handlers in the table of commands below (ctl_handlers_*.c).
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_log.h>

#include "ctl_client.h"
#include "ctl_handlers.h"
#include "ctl_server.h"
#include "ctl_socket.h"
#include "events.h"
#include "gw.h"

#define GW_LOG_PART ctl

/*
 * Output waiting for a client beyond which nothing more is queued for it:
 * events are dropped (and counted), requests stay unread and unanswered until
 * it reads. So a client costs at most this plus one answer's slice.
 */
#define OUT_LIMIT (256 * 1024)
/* Main-lcore time the control socket takes per pass at most (a pass every 0.5 ms). */
#define PASS_BUDGET_US 1000
/* Time one client's turn takes at most, so that several get served in one pass. */
#define TURN_BUDGET_US 250
/* Group records written between two looks at the clock. */
#define TABLE_SLICE 32
/* A page of the table ends once its line is this long: far below a client's line limit. */
#define PAGE_BYTES (256 * 1024)

struct ctl_server {
	int listen_fd;
	struct gw_ctl_client *clients;
	uint32_t max_clients;
	uint32_t turn;                /* the client served first in the next pass */
	uint64_t events_sent;
	uint64_t events_dropped;
	uint64_t clients_refused;
	uint64_t clients_timed_out;
	uint64_t requests_refused;    /* over limits.control_requests_per_client */
	struct rl_rate request_rate;
	uint64_t clients_denied;
	uint64_t requests_denied;
	struct gw_ctl_access access;  /* who may connect, who may change the gateway */
};

static struct ctl_server srv = { .listen_fd = -1 };

/* ---- a table answer, a slice at a time ---- */

/*
 * Starts a table answer: the response object up to its list (call->table_key),
 * whose records table_step() adds.
 */
static void
table_start(struct gw_ctl_client *c, const struct gw_ctl_call *call)
{
	const struct ctl_request *req = call->req;
	char list_open[64];
	int open_len = snprintf(list_open, sizeof(list_open), ",\"%s\":[", call->table_key);
	size_t len;
	char *line = ctl_dump_line(call->resp, &len);

	/* "{...}\n" without its "}\n": the list and the cursor follow. */
	if (line == NULL || gw_ctl_client_append(c, line, len - 2) < 0 ||
	    gw_ctl_client_append(c, list_open, (size_t)open_len) < 0) {
		free(line);
		gw_ctl_client_send(c, ctl_error_response(req->id, "out of memory"));
		return;
	}
	free(line);
	c->table = (struct gw_ctl_table_answer){
		.active = true,
		.paged = req->paged,
		.left = req->paged ? req->limit : UINT32_MAX,
		.bytes = len - 2 + (size_t)open_len,
		.pos = req->cursor,
		.next = call->table_next,
	};
}

/* Closes the list and the object, with where the next page starts (null: the end). */
static void
table_end(struct gw_ctl_client *c, bool more)
{
	char cur[IGMPGW_CURSOR_LEN];
	char tail[IGMPGW_CURSOR_LEN + 32];
	int n;

	if (more && ctl_cursor_format(&c->table.pos, cur, sizeof(cur)) >= 0)
		n = snprintf(tail, sizeof(tail), "],\"cursor\":\"%s\"}\n", cur);
	else
		n = snprintf(tail, sizeof(tail), "],\"cursor\":null}\n");
	gw_ctl_client_append(c, tail, (size_t)n);
	c->table.active = false;
}

/* Adds up to TABLE_SLICE records to the answer; ends it at the end of the table or the page. */
static void
table_step(struct gw_ctl_client *c)
{
	struct gw_ctl_table_answer *t = &c->table;
	json_t *list = json_array();
	bool more = t->next(&t->pos, RTE_MIN((uint32_t)TABLE_SLICE, t->left), list, gw_now_ms());
	size_t n = json_array_size(list);
	size_t len;
	char *text = n > 0 ? ctl_dump_line(list, &len) : NULL;

	json_decref(list);
	if (text != NULL) {
		/* "[a,b]\n": the records without the brackets, after a comma when not first. */
		if (t->records > 0)
			gw_ctl_client_append(c, ",", 1);
		gw_ctl_client_append(c, text + 1, len - 3);
		t->bytes += len - 2;
		t->records += n;
		t->left -= n;
		free(text);
	}
	if (!more || (t->paged && (t->left == 0 || t->bytes >= PAGE_BYTES)))
		table_end(c, more);
}

/* ---- requests ---- */

/* The one table of commands; each family's handlers live in ctl_handlers_*.c. */
static gw_ctl_handler_fn *const handlers[CTL_CMD_COUNT] = {
	[CTL_STATUS] = gw_ctl_status,
	[CTL_STATS] = gw_ctl_stats,
	[CTL_GROUPS] = gw_ctl_groups,
	[CTL_SELECT_OUTSIDE] = gw_ctl_select_outside,
	[CTL_REPORT] = gw_ctl_membership,
	[CTL_LEAVE] = gw_ctl_membership,
	[CTL_SUBSCRIBE] = gw_ctl_subscribe,
	[CTL_UNSUBSCRIBE] = gw_ctl_subscribe,
	[CTL_LOG_LEVEL] = gw_ctl_log_level,
	[CTL_TRACE] = gw_ctl_trace,
	[CTL_RELOAD] = gw_ctl_reload,
	[CTL_MROUTE_ADD] = gw_ctl_mroute,
	[CTL_MROUTE_DEL] = gw_ctl_mroute,
	[CTL_MROUTE_SHOW] = gw_ctl_mroute,
};

static struct gw_ctl_server_stats
server_stats(void)
{
	struct gw_ctl_server_stats s = {
		.events_sent = srv.events_sent,
		.events_dropped = srv.events_dropped,
		.clients_refused = srv.clients_refused,
		.clients_timed_out = srv.clients_timed_out,
		.requests_refused = srv.requests_refused,
		.clients_denied = srv.clients_denied,
		.requests_denied = srv.requests_denied,
	};

	for (uint32_t i = 0; i < srv.max_clients; i++)
		s.clients += srv.clients[i].fd >= 0;
	return s;
}

static void
handle_line(struct gw_ctl_client *c, const char *line, size_t len)
{
	static struct ctl_request req; /* large (items): keep it off the stack */
	struct gw_ctl_server_stats stats = server_stats();
	struct gw_ctl_call call = { .req = &req, .session = &c->session, .server = &stats };
	const char *error;

	if (ctl_request_parse(line, len, &req, call.err, sizeof(call.err)) < 0) {
		gw_ctl_client_send(c, ctl_error_response(req.id, call.err));
		ctl_request_release(&req);
		return;
	}
	if (ctl_cmd_level(req.cmd) > c->peer.level) {
		srv.requests_denied++;
		gw_ctl_peer_refusal(&srv.access, &c->peer, ctl_cmd_name(req.cmd), call.err,
				    sizeof(call.err));
		GW_LOG(DEBUG, "uid %u (pid %d): %s", (unsigned int)c->peer.uid, (int)c->peer.pid,
		       call.err);
		gw_ctl_client_send(c, ctl_error_response(req.id, call.err));
		ctl_request_release(&req);
		return;
	}
	/* A client flooding requests (report: upstream) is refused, not queued. */
	if (!rl_bucket_take(&c->requests, &srv.request_rate, rte_rdtsc())) {
		const struct gw_rate *r = &gw.cfg.limits.control_requests_per_client;

		srv.requests_refused++;
		snprintf(call.err, sizeof(call.err),
			 "too many requests: limits.control_requests_per_client = %u/s burst %u",
			 r->per_sec, r->burst);
		gw_ctl_client_send(c, ctl_error_response(req.id, call.err));
		ctl_request_release(&req);
		return;
	}
	call.resp = ctl_ok_response(req.id);
	error = (unsigned int)req.cmd < CTL_CMD_COUNT && handlers[req.cmd] != NULL ?
		handlers[req.cmd](&call) : "unknown cmd";
	if (error != NULL) {
		json_decref(call.resp);
		gw_ctl_client_send(c, ctl_error_response(req.id, error));
	} else if (call.table_next != NULL) {
		table_start(c, &call);
		json_decref(call.resp);
	} else {
		gw_ctl_client_send(c, call.resp);
	}
	ctl_request_release(&req);
}

/* ---- input ---- */

/*
 * Answers c's complete lines in order, and goes on with its table answer
 * unless lines_only, until deadline (TSC) or until OUT_LIMIT of output waits
 * for it.
 */
static void
serve(struct gw_ctl_client *c, uint64_t deadline, bool lines_only)
{
	size_t start = 0;
	char *nl;

	while (c->fd >= 0 && gw_ctl_client_pending(c) < OUT_LIMIT && rte_rdtsc() < deadline) {
		if (c->table.active) {
			if (lines_only)
				break;
			table_step(c);
			continue;
		}
		nl = memchr(c->in + start, '\n', c->in_len - start);
		if (nl == NULL)
			break;
		if (c->discarding)
			c->discarding = false; /* the end of the line we already refused */
		else
			handle_line(c, c->in + start, (size_t)(nl - c->in) - start);
		start = (size_t)(nl - c->in) + 1;
	}
	if (c->fd < 0)
		return;
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	if (c->in_len == sizeof(c->in) && memchr(c->in, '\n', c->in_len) == NULL) {
		/* A full buffer without a newline: refuse the line once, skip to its end. */
		if (!c->discarding)
			gw_ctl_client_send(c, ctl_error_response(NULL, "request line longer than "
							RTE_STR(IGMPGW_REQUEST_MAX_LINE) " bytes: discarded"));
		c->discarding = true;
		c->in_len = 0;
	}
}

/* A complete line waits in c's input, or a full buffer without one (a line too long). */
static bool
input_ready(const struct gw_ctl_client *c)
{
	return c->in_len == sizeof(c->in) || memchr(c->in, '\n', c->in_len) != NULL;
}

/* Whether c has a line to answer next (not a table to go on with first). */
static bool
has_line(const struct gw_ctl_client *c)
{
	return !c->table.active && input_ready(c);
}

/* Whether c has work that output room would let us do: a line to answer, a table to write. */
static bool
has_work(const struct gw_ctl_client *c)
{
	return c->table.active || input_ready(c);
}

/* Takes what fits in the input buffer. Requests are read only while output drains. */
static void
client_read(struct gw_ctl_client *c)
{
	ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);

	if (n == 0) {
		/* Done sending: everything it sent is answered before we close. */
		c->eof = true;
		c->drain_deadline = gw_tsc_after_ms(CTL_DRAIN_TIMEOUT_MS);
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			gw_ctl_client_close(c);
		return;
	}
	c->in_len += n;
}

static bool
wants_input(const struct gw_ctl_client *c)
{
	return !c->eof && c->in_len < sizeof(c->in) && gw_ctl_client_pending(c) < OUT_LIMIT;
}

/* A half-closed client goes once its answers are out, or when it stops taking them. */
static void
maybe_close(struct gw_ctl_client *c, uint64_t now)
{
	if (c->fd < 0 || !c->eof)
		return;
	if (gw_ctl_client_pending(c) == 0 && !has_work(c)) {
		gw_ctl_client_close(c);
	} else if (now > c->drain_deadline) {
		srv.clients_timed_out++;
		GW_LOG(INFO, "control client closed: it took none of its answers for %d ms after it "
		       "stopped sending", CTL_DRAIN_TIMEOUT_MS);
		gw_ctl_client_close(c);
	}
}

/* Sends a refused connection its one error line and closes it. */
static void
refuse(int fd, const char *sentence)
{
	json_t *obj = ctl_error_response(NULL, sentence);
	size_t len;
	char *line = ctl_dump_line(obj, &len);

	json_decref(obj);
	if (line != NULL && send(fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		GW_LOG(DEBUG, "refused client went away first");
	free(line);
	close(fd);
}

static void
accept_clients(void)
{
	for (;;) {
		int fd = accept4(srv.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct gw_ctl_client *slot = NULL;
		struct gw_ctl_peer peer;
		char why[CTL_ERR_LEN];

		if (fd < 0)
			return;
		/*
		 * The file's mode keeps others out; this keeps out what got past it
		 * (a socket fd handed on, a mode changed by hand).
		 */
		if (gw_ctl_peer_get(fd, &srv.access, &peer) < 0 || !peer.allowed) {
			srv.clients_denied++;
			gw_ctl_peer_refusal(&srv.access, &peer, "", why, sizeof(why));
			GW_LOG(INFO, "control client refused: %s", why);
			refuse(fd, why);
			continue;
		}
		for (uint32_t i = 0; i < srv.max_clients && slot == NULL; i++)
			if (srv.clients[i].fd < 0)
				slot = &srv.clients[i];
		if (slot == NULL) {
			static const char full[] =
				"{\"ok\":false,\"error\":\"too many clients: try again later\"}\n";

			srv.clients_refused++;
			if (send(fd, full, sizeof(full) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
				GW_LOG(DEBUG, "refused client went away first");
			close(fd);
			continue;
		}
		slot->fd = fd;
		rl_bucket_init(&slot->requests, &srv.request_rate, rte_rdtsc());
		slot->peer = peer;
	}
}

/*
 * Turns of work, in client order from srv.turn on, until the pass ends at
 * pass_end (TSC). Returns the turns taken: fewer than max_clients when the
 * pass ended before every client with work had its turn.
 */
static uint32_t
take_turns(uint64_t pass_end, bool lines_only)
{
	uint64_t turn_tsc = TURN_BUDGET_US * (rte_get_tsc_hz() / 1000000);
	uint32_t k;

	for (k = 0; k < srv.max_clients; k++) {
		struct gw_ctl_client *c = &srv.clients[(srv.turn + k) % srv.max_clients];
		uint64_t now;

		if (c->fd < 0 || gw_ctl_client_pending(c) >= OUT_LIMIT ||
		    !(lines_only ? has_line(c) : has_work(c)))
			continue;
		now = rte_rdtsc();
		if (now >= pass_end)
			break;
		serve(c, RTE_MIN(now + turn_tsc, pass_end), lines_only);
		if (c->fd >= 0 && gw_ctl_client_pending(c) > 0)
			gw_ctl_client_flush(c);
	}
	return k;
}

/*
 * One pass: I/O for every client, then answers in turns: first the requests
 * (most are quick: a status waits at most a pass behind any number of big
 * tables), then the tables with what is left of the budget. Each pass starts
 * one client further, or where the last pass ran out, so that nobody always
 * goes first or last.
 */
void
gw_ctl_poll(void)
{
	struct pollfd pfd[1 + 1024];
	struct gw_ctl_client *owner[1 + 1024];
	uint64_t now, pass_end;
	nfds_t n = 0;
	uint32_t k;

	if (srv.listen_fd < 0)
		return;
	pfd[n].fd = srv.listen_fd;
	pfd[n].events = POLLIN;
	owner[n++] = NULL;
	for (uint32_t i = 0; i < srv.max_clients && n < RTE_DIM(pfd); i++) {
		struct gw_ctl_client *c = &srv.clients[i];

		if (c->fd < 0)
			continue;
		pfd[n].fd = c->fd;
		pfd[n].events = (wants_input(c) ? POLLIN : 0) | (gw_ctl_client_pending(c) > 0 ? POLLOUT : 0);
		pfd[n].revents = 0;
		owner[n++] = c;
	}
	if (poll(pfd, n, 0) < 0)
		return;
	for (nfds_t i = 1; i < n; i++) {
		struct gw_ctl_client *c = owner[i];

		/* Hung up both ways (or broken): nobody is left to read an answer. */
		if (pfd[i].revents & (POLLHUP | POLLERR)) {
			gw_ctl_client_close(c);
			continue;
		}
		if (pfd[i].revents & POLLIN)
			client_read(c);
		if (c->fd >= 0 && gw_ctl_client_pending(c) > 0)
			gw_ctl_client_flush(c);
	}

	pass_end = rte_rdtsc() + PASS_BUDGET_US * (rte_get_tsc_hz() / 1000000);
	k = take_turns(pass_end, true);
	if (k == srv.max_clients)
		k = take_turns(pass_end, false);
	srv.turn = (srv.turn + (k < srv.max_clients ? k : 1)) % srv.max_clients;

	now = rte_rdtsc();
	for (uint32_t i = 0; i < srv.max_clients; i++)
		maybe_close(&srv.clients[i], now);
	if (pfd[0].revents & POLLIN)
		accept_clients();
}

/*
 * The event sink's subscriber: queues the event's line for every client
 * subscribed to its kind. The JSON is made only when one is.
 */
static void
publish(const struct ctl_event *ev, void *arg __rte_unused)
{
	size_t len;
	char *line = NULL;

	for (uint32_t i = 0; i < srv.max_clients; i++) {
		struct gw_ctl_client *c = &srv.clients[i];

		/* An event for one session (a trace) goes there alone, subscribed or not. */
		if (c->fd < 0 || (ev->to != NULL ? ev->to != &c->session :
				  !(c->session.events & (1u << ev->kind))))
			continue;
		if (line == NULL) {
			json_t *o = ctl_event_json(ev);

			line = ctl_dump_line(o, &len);
			json_decref(o);
			if (line == NULL)
				break;
		}
		if (gw_ctl_client_pending(c) + len > OUT_LIMIT || gw_ctl_client_append(c, line, len) < 0) {
			c->missed++;
			c->events_dropped++;
			srv.events_dropped++;
			continue;
		}
		c->events_sent++;
		srv.events_sent++;
		gw_ctl_client_flush(c);
	}
	free(line);
}

void
gw_ctl_set_request_rate(const struct gw_rate *r)
{
	struct rl_rate rate;

	/* Each client's bucket keeps its tokens (capped at the new burst at its next request). */
	if (rl_rate_init(&rate, r->per_sec, r->burst, rte_get_tsc_hz()) == 0)
		srv.request_rate = rate;
}

int
gw_ctl_open(char *err, size_t err_len)
{
	const struct gw_control_config *cfg = &gw.cfg.control;
	int fd;

	srv.max_clients = cfg->max_clients;
	if (rl_rate_init(&srv.request_rate, gw.cfg.limits.control_requests_per_client.per_sec,
			 gw.cfg.limits.control_requests_per_client.burst, rte_get_tsc_hz()) < 0) {
		snprintf(err, err_len, "config: limits.control_requests_per_client: burst too large");
		return -EINVAL;
	}
	srv.clients = calloc(srv.max_clients, sizeof(*srv.clients));
	if (srv.clients == NULL) {
		snprintf(err, err_len, "config: control.max_clients: out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < srv.max_clients; i++)
		srv.clients[i].fd = -1;
	if (cfg->socket[0] == '\0')
		return 0;
	fd = gw_ctl_listen(cfg, &srv.access, err, err_len);
	if (fd < 0)
		return fd;
	if (gw_events_subscribe(publish, NULL) < 0) {
		snprintf(err, err_len, "config: control.socket: no room to subscribe to events");
		close(fd);
		unlink(cfg->socket);
		return -ENOSPC;
	}
	srv.listen_fd = fd;
	GW_LOG(INFO, "control socket %s", cfg->socket);
	return 0;
}

void
gw_ctl_close(void)
{
	for (uint32_t i = 0; srv.clients != NULL && i < srv.max_clients; i++)
		if (srv.clients[i].fd >= 0)
			gw_ctl_client_close(&srv.clients[i]);
	free(srv.clients);
	srv.clients = NULL;
	if (srv.listen_fd >= 0) {
		gw_events_unsubscribe(publish, NULL);
		close(srv.listen_fd);
		unlink(gw.cfg.control.socket);
		srv.listen_fd = -1;
	}
}
