/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket, served on the main lcore. Everything is non-blocking: a
 * client that floods, stalls or vanishes mid-line costs the others nothing, and
 * a subscriber that does not read loses events (counted, and told) rather than
 * making anyone wait. Each pass does a bounded amount of work, shared out in
 * turns, and a big table is written a slice at a time, no faster than its
 * reader takes it: no answer holds the main lcore from the IGMP it tracks.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_log.h>

#include "ctl_server.h"
#include "events.h"
#include "table_feed.h"
#include "link_watch.h"
#include "tracking.h"
#include "gw.h"
#include "originate.h"
#include "views.h"

#define GW_LOG_PART ctl

/*
 * Output waiting for a client beyond which nothing more is queued for it:
 * events are dropped (and counted), requests stay unread and unanswered until
 * it reads. So a client costs at most this plus one answer's slice.
 */
#define OUT_LIMIT (256 * 1024)
/* An emptied output buffer bigger than this is given back. */
#define OUT_KEEP (64 * 1024)
/* Main-lcore time the control socket takes per pass at most (a pass every 0.5 ms). */
#define PASS_BUDGET_US 1000
/* Time one client's turn takes at most, so that several get served in one pass. */
#define TURN_BUDGET_US 250
/* Group records written between two looks at the clock. */
#define TABLE_SLICE 32
/* A page of the table ends once its line is this long: far below a client's line limit. */
#define PAGE_BYTES (256 * 1024)
/* A half-closed client that takes none of its answers for this long is let go. */
#define CTL_DRAIN_TIMEOUT_MS 5000

/* The answer to a "groups" request, written a slice per turn. */
struct table_answer {
	bool active;
	bool paged;
	uint32_t left;                /* records the page may still take */
	uint32_t records;             /* records written so far */
	size_t bytes;                 /* of the line so far */
	struct ctl_cursor pos;        /* the next record */
};

struct client {
	int fd;                       /* -1: free slot */
	char in[IGMPGW_REQUEST_MAX_LINE + 1];    /* the longest line and its newline */
	size_t in_len;
	bool discarding;              /* inside a line that was too long */
	bool eof;                     /* it shut its writing side: answer what it sent, then close */
	uint64_t drain_deadline;      /* TSC; after eof, pushed on whenever it takes output */
	char *out;                    /* [out_head, out_len) waits for the socket */
	size_t out_head;
	size_t out_len;
	size_t out_cap;
	struct table_answer table;
	uint32_t events;              /* subscribed kinds */
	uint64_t missed;              /* events dropped since it last drained */
	uint64_t events_sent;
	uint64_t events_dropped;
};

struct ctl_server {
	int listen_fd;
	struct client *clients;
	uint32_t max_clients;
	uint32_t turn;                /* the client served first in the next pass */
	uint64_t events_sent;
	uint64_t events_dropped;
	uint64_t clients_refused;
	uint64_t clients_timed_out;
};

static struct ctl_server srv = { .listen_fd = -1 };

/* ---- output ---- */

static size_t
out_pending(const struct client *c)
{
	return c->out_len - c->out_head;
}

static int
out_append(struct client *c, const char *data, size_t len)
{
	if (c->out_head > 0 && c->out_len + len > c->out_cap) {
		memmove(c->out, c->out + c->out_head, out_pending(c));
		c->out_len -= c->out_head;
		c->out_head = 0;
	}
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap == 0 ? 4096 : c->out_cap;
		char *p;

		while (cap < c->out_len + len)
			cap *= 2;
		p = realloc(c->out, cap);
		if (p == NULL)
			return -ENOMEM;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	return 0;
}

static void
send_json(struct client *c, json_t *obj)
{
	size_t len;
	char *line = ctl_dump_line(obj, &len);

	if (line != NULL)
		out_append(c, line, len);
	free(line);
	json_decref(obj);
}

static void
client_close(struct client *c)
{
	close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static uint64_t
tsc_after_ms(uint64_t ms)
{
	return rte_rdtsc() + ms * (rte_get_tsc_hz() / 1000);
}

/* Writes what the socket takes; tells a drained subscriber how many events it missed. */
static void
client_flush(struct client *c)
{
	while (out_pending(c) > 0) {
		ssize_t n = send(c->fd, c->out + c->out_head, out_pending(c),
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			client_close(c);
			return;
		}
		c->out_head += n;
		if (c->eof)
			c->drain_deadline = tsc_after_ms(CTL_DRAIN_TIMEOUT_MS);
		if (out_pending(c) > 0)
			continue;
		c->out_head = c->out_len = 0;
		if (c->out_cap > OUT_KEEP) {
			free(c->out);
			c->out = NULL;
			c->out_cap = 0;
		}
		if (c->missed > 0) {
			json_t *ev = ctl_missed_event(c->missed);

			c->missed = 0;
			send_json(c, ev);
		}
	}
}

/* ---- request handlers ---- */

static json_t *
ipv4_json(uint32_t addr)
{
	char buf[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, buf, sizeof(buf));
	return json_string(buf);
}

/* The status view as it is. */
static void
handle_status(json_t *resp)
{
	json_object_update_new(resp, gw_view_status());
}

/* The stats view, and the control socket's own counters. */
static void
handle_stats(json_t *resp)
{
	unsigned int clients = 0;

	for (uint32_t i = 0; i < srv.max_clients; i++)
		clients += srv.clients[i].fd >= 0;
	json_object_set_new(resp, "ports", gw_view_stats());
	json_object_set_new(resp, "control",
			    json_pack("{s:i, s:I, s:I, s:I, s:I}", "clients", clients, "events_sent",
				      (json_int_t)srv.events_sent, "events_dropped",
				      (json_int_t)srv.events_dropped, "clients_refused",
				      (json_int_t)srv.clients_refused, "clients_timed_out",
				      (json_int_t)srv.clients_timed_out));
}

static const char *
handle_select_outside(const struct ctl_request *req, json_t *resp)
{
	if (!gw.port[req->port].present)
		return "there is no alt port: the config has no [alt] section";
	if (req->port != gw_active_outside())
		GW_LOG(NOTICE, "active outside is now %s (control request)", gw_role_name(req->port));
	__atomic_store_n(&gw.active_outside, (uint8_t)req->port, __ATOMIC_RELAXED);
	gw_tracking_upstream_changed(gw_now_ms());
	json_object_set_new(resp, "active_outside", json_string(gw_role_name(req->port)));
	return NULL;
}

/* The groups of req's items that are not in taken (kept in order by gw_feed_client). */
static json_t *
refused_json(const struct ctl_request *req, const struct ctl_item *taken, uint16_t n_taken)
{
	json_t *list = json_array();
	uint16_t k = 0;

	for (uint16_t i = 0; i < req->n_items; i++) {
		if (k < n_taken && taken[k].group == req->items[i].group) {
			k++;
			continue;
		}
		json_array_append_new(list, ipv4_json(req->items[i].group));
	}
	return list;
}

static const char *
handle_membership(const struct ctl_request *req, json_t *resp, char *err, size_t err_len)
{
	static struct ctl_item taken[IGMPGW_MAX_ITEMS]; /* large: off the stack */
	bool leave = req->cmd == CTL_LEAVE;
	uint32_t room = gw_originate_room(gw_active_outside());
	uint16_t n_taken;
	uint32_t dst;
	int packets;

	if (leave && !gw.cfg.igmp.leave_to_network)
		return "leave is off: set [igmp] leave_to_network = yes";
	if (!leave && !gw.cfg.igmp.membership_reports_to_network)
		return "report is off: set [igmp] membership_reports_to_network = yes";
	/* All or nothing: a request the send queue cannot take whole changes nothing. */
	if (room < req->n_items) {
		snprintf(err, err_len, "could not queue the packets: the send queue has room for "
			 "%u, nothing was sent or applied; retry later", room);
		return err;
	}
	n_taken = gw_feed_client(req->items, req->n_items, leave, gw_now_ms(), taken);
	packets = gw_send_membership(taken, n_taken, leave, &dst);
	if (packets < 0) {
		/* Cannot happen after the check above; say so rather than hide it. */
		snprintf(err, err_len, "could not queue the packets: %s", strerror(-packets));
		return err;
	}
	if (n_taken < req->n_items)
		json_object_set_new(resp, "refused", refused_json(req, taken, n_taken));
	json_object_set_new(resp, "packets", json_integer(packets));
	json_object_set_new(resp, "destination", dst == 0 ? json_string("multicast") :
			    ipv4_json(dst));
	return NULL;
}

static bool
event_switch_on(enum ctl_event_kind kind)
{
	switch (kind) {
	case CTL_EV_QUERY:
		return gw.cfg.igmp.query_notify;
	case CTL_EV_MEMBERSHIP_REPORT:
		return gw.cfg.igmp.membership_reports_from_network;
	case CTL_EV_GROUP_ADDED:
	case CTL_EV_GROUP_REMOVED:
		return gw_tracking_enabled();
	default:
		return false;
	}
}

static void
handle_subscribe(struct client *c, const struct ctl_request *req, json_t *resp)
{
	json_t *events = json_array();
	json_t *inactive = json_array();

	if (req->cmd == CTL_SUBSCRIBE)
		c->events |= req->events;
	else
		c->events &= ~req->events;
	for (int k = 0; k < CTL_EV_COUNT; k++) {
		if (!(c->events & (1u << k)))
			continue;
		json_array_append_new(events, json_string(ctl_event_name(k)));
		if (!event_switch_on(k))
			json_array_append_new(inactive, json_string(ctl_event_name(k)));
	}
	json_object_set_new(resp, "events", events);
	if (req->cmd == CTL_SUBSCRIBE)
		json_object_set_new(resp, "inactive", inactive);
	else
		json_decref(inactive);
}

static const char *
handle_log_level(const struct ctl_request *req)
{
	if (rte_log_set_level_pattern(req->log_type, (uint32_t)req->log_level) < 0)
		return "cannot set that log level";
	GW_LOG(NOTICE, "log level of %s set to %d (control request)", req->log_type,
	       req->log_level);
	return NULL;
}

/* ---- the groups table, a slice at a time ---- */

/*
 * Starts the answer: the response object up to its "groups" list, whose
 * records table_step() adds. Without tracking the answer is whole at once.
 */
static void
table_start(struct client *c, const struct ctl_request *req, json_t *resp)
{
	static const char list_open[] = ",\"groups\":[";
	size_t len;
	char *line;

	json_object_set_new(resp, "tracking", json_boolean(gw_tracking_enabled()));
	if (!gw_tracking_enabled()) {
		json_object_set_new(resp, "groups", json_array());
		json_object_set_new(resp, "cursor", json_null());
		send_json(c, resp);
		return;
	}
	line = ctl_dump_line(resp, &len);
	json_decref(resp);
	/* "{...}\n" without its "}\n": the list and the cursor follow. */
	if (line == NULL || out_append(c, line, len - 2) < 0 ||
	    out_append(c, list_open, sizeof(list_open) - 1) < 0) {
		free(line);
		send_json(c, ctl_error_response(req->id, "out of memory"));
		return;
	}
	free(line);
	c->table = (struct table_answer){
		.active = true,
		.paged = req->paged,
		.left = req->paged ? req->limit : UINT32_MAX,
		.bytes = len - 2 + sizeof(list_open) - 1,
		.pos = req->cursor,
	};
}

/* Closes the list and the object, with where the next page starts (null: the end). */
static void
table_end(struct client *c, bool more)
{
	char cur[IGMPGW_CURSOR_LEN];
	char tail[IGMPGW_CURSOR_LEN + 32];
	int n;

	if (more && ctl_cursor_format(&c->table.pos, cur, sizeof(cur)) >= 0)
		n = snprintf(tail, sizeof(tail), "],\"cursor\":\"%s\"}\n", cur);
	else
		n = snprintf(tail, sizeof(tail), "],\"cursor\":null}\n");
	out_append(c, tail, (size_t)n);
	c->table.active = false;
}

/* Adds up to TABLE_SLICE records to the answer; ends it at the end of the table or the page. */
static void
table_step(struct client *c)
{
	struct table_answer *t = &c->table;
	json_t *list = json_array();
	bool more = gw_tracking_groups_next(&t->pos, RTE_MIN((uint32_t)TABLE_SLICE, t->left),
					    list, gw_now_ms());
	size_t n = json_array_size(list);
	size_t len;
	char *text = n > 0 ? ctl_dump_line(list, &len) : NULL;

	json_decref(list);
	if (text != NULL) {
		/* "[a,b]\n": the records without the brackets, after a comma when not first. */
		if (t->records > 0)
			out_append(c, ",", 1);
		out_append(c, text + 1, len - 3);
		t->bytes += len - 2;
		t->records += n;
		t->left -= n;
		free(text);
	}
	if (!more || (t->paged && (t->left == 0 || t->bytes >= PAGE_BYTES)))
		table_end(c, more);
}

static void
handle_line(struct client *c, const char *line, size_t len)
{
	static struct ctl_request req; /* large (items): keep it off the stack */
	char err[CTL_ERR_LEN];
	const char *error = NULL;
	json_t *resp;

	if (ctl_request_parse(line, len, &req, err, sizeof(err)) < 0) {
		send_json(c, ctl_error_response(req.id, err));
		ctl_request_release(&req);
		return;
	}
	resp = ctl_ok_response(req.id);
	switch (req.cmd) {
	case CTL_STATUS:
		handle_status(resp);
		break;
	case CTL_STATS:
		handle_stats(resp);
		break;
	case CTL_SELECT_OUTSIDE:
		error = handle_select_outside(&req, resp);
		break;
	case CTL_REPORT:
	case CTL_LEAVE:
		error = handle_membership(&req, resp, err, sizeof(err));
		break;
	case CTL_SUBSCRIBE:
	case CTL_UNSUBSCRIBE:
		handle_subscribe(c, &req, resp);
		break;
	case CTL_LOG_LEVEL:
		error = handle_log_level(&req);
		break;
	case CTL_GROUPS:
		table_start(c, &req, resp);
		ctl_request_release(&req);
		return;
	default:
		error = "unknown cmd";
		break;
	}
	if (error != NULL) {
		json_decref(resp);
		resp = ctl_error_response(req.id, error);
	}
	send_json(c, resp);
	ctl_request_release(&req);
}

/* ---- input ---- */

/*
 * Answers c's complete lines in order, and goes on with its table answer
 * unless lines_only, until deadline (TSC) or until OUT_LIMIT of output waits
 * for it.
 */
static void
serve(struct client *c, uint64_t deadline, bool lines_only)
{
	size_t start = 0;
	char *nl;

	while (c->fd >= 0 && out_pending(c) < OUT_LIMIT && rte_rdtsc() < deadline) {
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
			send_json(c, ctl_error_response(NULL, "request line longer than "
							RTE_STR(IGMPGW_REQUEST_MAX_LINE) " bytes: discarded"));
		c->discarding = true;
		c->in_len = 0;
	}
}

/* A complete line waits in c's input, or a full buffer without one (a line too long). */
static bool
input_ready(const struct client *c)
{
	return c->in_len == sizeof(c->in) || memchr(c->in, '\n', c->in_len) != NULL;
}

/* Whether c has a line to answer next (not a table to go on with first). */
static bool
has_line(const struct client *c)
{
	return !c->table.active && input_ready(c);
}

/* Whether c has work that output room would let us do: a line to answer, a table to write. */
static bool
has_work(const struct client *c)
{
	return c->table.active || input_ready(c);
}

/* Takes what fits in the input buffer. Requests are read only while output drains. */
static void
client_read(struct client *c)
{
	ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);

	if (n == 0) {
		/* Done sending: everything it sent is answered before we close. */
		c->eof = true;
		c->drain_deadline = tsc_after_ms(CTL_DRAIN_TIMEOUT_MS);
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			client_close(c);
		return;
	}
	c->in_len += n;
}

static bool
wants_input(const struct client *c)
{
	return !c->eof && c->in_len < sizeof(c->in) && out_pending(c) < OUT_LIMIT;
}

/* A half-closed client goes once its answers are out, or when it stops taking them. */
static void
maybe_close(struct client *c, uint64_t now)
{
	if (c->fd < 0 || !c->eof)
		return;
	if (out_pending(c) == 0 && !has_work(c)) {
		client_close(c);
	} else if (now > c->drain_deadline) {
		srv.clients_timed_out++;
		GW_LOG(INFO, "control client closed: it took none of its answers for %d ms after it "
		       "stopped sending", CTL_DRAIN_TIMEOUT_MS);
		client_close(c);
	}
}

static void
accept_clients(void)
{
	for (;;) {
		int fd = accept4(srv.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct client *slot = NULL;

		if (fd < 0)
			return;
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
		struct client *c = &srv.clients[(srv.turn + k) % srv.max_clients];
		uint64_t now;

		if (c->fd < 0 || out_pending(c) >= OUT_LIMIT ||
		    !(lines_only ? has_line(c) : has_work(c)))
			continue;
		now = rte_rdtsc();
		if (now >= pass_end)
			break;
		serve(c, RTE_MIN(now + turn_tsc, pass_end), lines_only);
		if (c->fd >= 0 && out_pending(c) > 0)
			client_flush(c);
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
	struct client *owner[1 + 1024];
	uint64_t now, pass_end;
	nfds_t n = 0;
	uint32_t k;

	if (srv.listen_fd < 0)
		return;
	pfd[n].fd = srv.listen_fd;
	pfd[n].events = POLLIN;
	owner[n++] = NULL;
	for (uint32_t i = 0; i < srv.max_clients && n < RTE_DIM(pfd); i++) {
		struct client *c = &srv.clients[i];

		if (c->fd < 0)
			continue;
		pfd[n].fd = c->fd;
		pfd[n].events = (wants_input(c) ? POLLIN : 0) | (out_pending(c) > 0 ? POLLOUT : 0);
		pfd[n].revents = 0;
		owner[n++] = c;
	}
	if (poll(pfd, n, 0) < 0)
		return;
	for (nfds_t i = 1; i < n; i++) {
		struct client *c = owner[i];

		/* Hung up both ways (or broken): nobody is left to read an answer. */
		if (pfd[i].revents & (POLLHUP | POLLERR)) {
			client_close(c);
			continue;
		}
		if (pfd[i].revents & POLLIN)
			client_read(c);
		if (c->fd >= 0 && out_pending(c) > 0)
			client_flush(c);
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
		struct client *c = &srv.clients[i];

		if (c->fd < 0 || !(c->events & (1u << ev->kind)))
			continue;
		if (line == NULL) {
			json_t *o = ctl_event_json(ev);

			line = ctl_dump_line(o, &len);
			json_decref(o);
			if (line == NULL)
				break;
		}
		if (out_pending(c) + len > OUT_LIMIT || out_append(c, line, len) < 0) {
			c->missed++;
			c->events_dropped++;
			srv.events_dropped++;
			continue;
		}
		c->events_sent++;
		srv.events_sent++;
		client_flush(c);
	}
	free(line);
}

int
gw_ctl_open(char *err, size_t err_len)
{
	const struct gw_control_config *cfg = &gw.cfg.control;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[GW_PATH_LEN];
	char *slash;
	int fd;

	srv.max_clients = cfg->max_clients;
	srv.clients = calloc(srv.max_clients, sizeof(*srv.clients));
	if (srv.clients == NULL) {
		snprintf(err, err_len, "config: control.max_clients: out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < srv.max_clients; i++)
		srv.clients[i].fd = -1;
	if (cfg->socket[0] == '\0')
		return 0;

	snprintf(dir, sizeof(dir), "%s", cfg->socket);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			snprintf(err, err_len, "config: control.socket: cannot create %s: %s", dir,
				 strerror(errno));
			return -errno;
		}
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", cfg->socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, err_len, "config: control.socket: %s", strerror(errno));
		return -errno;
	}
	/* A socket file left by a gateway that died is stale; a live one still answers. */
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
		snprintf(err, err_len, "config: control.socket: %s is in use by a running igmpgw",
			 cfg->socket);
		close(fd);
		return -EADDRINUSE;
	}
	unlink(cfg->socket);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 16) < 0 ||
	    chmod(cfg->socket, 0660) < 0) {
		snprintf(err, err_len, "config: control.socket: cannot listen on %s: %s", cfg->socket,
			 strerror(errno));
		close(fd);
		return -EINVAL;
	}
	if (cfg->group[0] != '\0') {
		struct group *g = getgrnam(cfg->group);

		if (g == NULL || chown(cfg->socket, (uid_t)-1, g->gr_gid) < 0) {
			snprintf(err, err_len, "config: control.group: cannot give %s to group '%s'%s",
				 cfg->socket, cfg->group, g == NULL ? ": no such group" : "");
			close(fd);
			unlink(cfg->socket);
			return -EINVAL;
		}
	}
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
			client_close(&srv.clients[i]);
	free(srv.clients);
	srv.clients = NULL;
	if (srv.listen_fd >= 0) {
		gw_events_unsubscribe(publish, NULL);
		close(srv.listen_fd);
		unlink(gw.cfg.control.socket);
		srv.listen_fd = -1;
	}
}
