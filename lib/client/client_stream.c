/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client's stream: line framing over the non-blocking unix socket, the
 * sorting of lines into the awaited response and the queue of events, and
 * sending with a deadline.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "client_internal.h"

/* Bytes asked of one recv(); the buffer grows to hold the longest line plus one of these. */
#define READ_CHUNK 65536

/* ---- time ---- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A deadline of -1 means none. */
int64_t
client_deadline_after(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

/* What poll() should wait for: -1 forever, 0 when the deadline has passed. */
int
client_ms_left(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - now_ms();
	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/* ---- event queue ---- */

static int
queue_push(struct igmpgw_client *c, json_t *event)
{
	struct event_node *n;

	if (c->n_events >= IGMPGW_CLIENT_MAX_QUEUED) {
		c->missed++;
		json_decref(event);
		return 0;
	}
	n = malloc(sizeof(*n));
	if (n == NULL) {
		c->missed++;
		json_decref(event);
		return -1;
	}
	n->next = NULL;
	n->event = event;
	if (c->ev_last != NULL)
		c->ev_last->next = n;
	else
		c->ev_first = n;
	c->ev_last = n;
	c->n_events++;
	return 0;
}

/*
 * The oldest queued event; once the queue has drained, the count of events
 * that did not fit, in the gateway's own "missed" shape.
 */
json_t *
client_queue_pop(struct igmpgw_client *c)
{
	struct event_node *n = c->ev_first;
	json_t *event;

	if (n == NULL) {
		if (c->missed == 0)
			return NULL;
		event = json_pack("{s:s, s:I}", "event", IGMPGW_EVENT_NAME_MISSED, "count",
				  (json_int_t)c->missed);
		if (event != NULL)
			c->missed = 0;
		return event;
	}
	c->ev_first = n->next;
	if (c->ev_first == NULL)
		c->ev_last = NULL;
	c->n_events--;
	event = n->event;
	free(n);
	return event;
}

/* ---- reading ---- */

/* A line that cannot be read takes the place of the awaited response, if any. */
static void
bad_line(struct igmpgw_client *c, int err)
{
	if (c->waiting && c->response == NULL && c->response_errno == 0)
		c->response_errno = err;
}

static void
take_line(struct igmpgw_client *c, const char *line, size_t len)
{
	json_t *obj;
	json_t *id;

	if (len == 0)
		return;
	if (len > IGMPGW_CLIENT_MAX_LINE) {
		bad_line(c, EMSGSIZE);
		return;
	}
	obj = json_loadb(line, len, 0, NULL);
	if (!json_is_object(obj)) {
		json_decref(obj);
		bad_line(c, EBADMSG);
		return;
	}
	if (json_is_string(json_object_get(obj, "event"))) {
		queue_push(c, obj);
		return;
	}
	if (json_object_get(obj, "ok") == NULL) {
		json_decref(obj);
		bad_line(c, EBADMSG);
		return;
	}
	/*
	 * Every request we send has an id, so a response without one is the
	 * gateway talking about the connection (too many clients, a line it
	 * could not read): it is the answer the caller is waiting for.
	 */
	id = json_object_get(obj, "id");
	if (c->waiting && c->response == NULL && c->response_errno == 0 &&
	    (id == NULL || (json_is_integer(id) && json_integer_value(id) == c->last_id))) {
		c->response = obj;
		return;
	}
	json_decref(obj);
}

/* Hands every complete line from offset from on to take_line(). */
static void
split_lines(struct igmpgw_client *c, size_t from)
{
	char *nl;

	while ((nl = memchr(c->buf + from, '\n', c->len - from)) != NULL) {
		size_t end = (size_t)(nl - c->buf);

		if (c->discarding)
			c->discarding = false;
		else
			take_line(c, c->buf + c->head, end - c->head);
		c->head = end + 1;
		from = c->head;
	}
	if (!c->discarding && c->len - c->head > IGMPGW_CLIENT_MAX_LINE) {
		c->discarding = true;
		bad_line(c, EMSGSIZE);
	}
	if (c->discarding || c->head == c->len)
		c->head = c->len = 0;
}

/* Room for one more READ_CHUNK after the partial line, which moves to the front. */
static int
make_room(struct igmpgw_client *c)
{
	size_t need;
	char *nbuf;

	if (c->head > 0) {
		memmove(c->buf, c->buf + c->head, c->len - c->head);
		c->len -= c->head;
		c->head = 0;
	}
	need = c->len + READ_CHUNK;
	if (need <= c->cap)
		return 0;
	nbuf = realloc(c->buf, need);
	if (nbuf == NULL) {
		errno = ENOMEM;
		return -1;
	}
	c->buf = nbuf;
	c->cap = need;
	return 0;
}

/*
 * Waits up to timeout_ms for data (0: does not wait), reads once and files
 * every complete line. Returns 1 when bytes came, 0 when none did, -1 with
 * errno on errors and at the end of the stream (ECONNRESET).
 */
int
client_read_some(struct igmpgw_client *c, int timeout_ms)
{
	ssize_t n;

	if (c->eof) {
		errno = ECONNRESET;
		return -1;
	}
	if (timeout_ms != 0) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int r = poll(&pfd, 1, timeout_ms);

		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
	}
	if (make_room(c) < 0)
		return -1;
	n = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == ECONNRESET)
			c->eof = true;
		return -1;
	}
	if (n == 0) {
		/* A line cut by the end of the stream is not a message: drop it. */
		c->eof = true;
		c->head = c->len = 0;
		c->discarding = false;
		errno = ECONNRESET;
		return -1;
	}
	c->len += (size_t)n;
	split_lines(c, c->len - (size_t)n);
	return 1;
}

/* ---- writing ---- */

/*
 * Sends all of buf by the deadline, reading meanwhile so that a gateway
 * blocked on writing to us cannot deadlock the two of us.
 */
int
client_send_all(struct igmpgw_client *c, const char *buf, size_t len, int64_t deadline)
{
	size_t off = 0;

	while (off < len) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN | POLLOUT };
		ssize_t n = send(c->fd, buf + off, len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		int r;

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			goto fail;
		r = poll(&pfd, 1, client_ms_left(deadline));
		if (r < 0)
			goto fail;
		if (r == 0) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if ((pfd.revents & POLLIN) != 0 && client_read_some(c, 0) < 0)
			goto fail;
	}
	return 0;
fail:
	if (off > 0)
		c->broken = true;
	return -1;
}
