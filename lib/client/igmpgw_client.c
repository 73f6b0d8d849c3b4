/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The igmpgw control socket client (igmpgw_client.h): line framing over a
 * non-blocking unix socket, request/response matching by id, and the queue of
 * events that arrive between responses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "igmp_wire.h"
#include "igmpgw_client.h"

/* Bytes asked of one recv(); the buffer grows to hold the longest line plus one of these. */
#define READ_CHUNK 65536
/* recv() calls one dispatch makes at most, so a flooding gateway cannot pin a poll loop. */
#define DISPATCH_READS 64

#define STR_(x) #x
#define STR(x) STR_(x)

/* The protocol's command names (igmpgw_proto.h), by the codes of its list. */
enum cmd {
#define CLIENT_CMD_ENUM(code, name) CMD_##code,
	IGMPGW_COMMANDS(CLIENT_CMD_ENUM)
#undef CLIENT_CMD_ENUM
};

static const char *const cmd_names[] = {
#define CLIENT_CMD_NAME(code, name) [CMD_##code] = name,
	IGMPGW_COMMANDS(CLIENT_CMD_NAME)
#undef CLIENT_CMD_NAME
};

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

/* ---- time ---- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A deadline of -1 means none. */
static int64_t
deadline_after(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

/* What poll() should wait for: -1 forever, 0 when the deadline has passed. */
static int
ms_left(int64_t deadline)
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
static json_t *
queue_pop(struct igmpgw_client *c)
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
static int
read_some(struct igmpgw_client *c, int timeout_ms)
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
static int
send_all(struct igmpgw_client *c, const char *buf, size_t len, int64_t deadline)
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
		r = poll(&pfd, 1, ms_left(deadline));
		if (r < 0)
			goto fail;
		if (r == 0) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if ((pfd.revents & POLLIN) != 0 && read_some(c, 0) < 0)
			goto fail;
	}
	return 0;
fail:
	if (off > 0)
		c->broken = true;
	return -1;
}

/* ---- connection ---- */

const char *
igmpgw_client_socket_path(const char *path)
{
	if (path != NULL)
		return path;
	path = getenv(IGMPGW_CLIENT_SOCKET_ENV);
	return path != NULL && path[0] != '\0' ? path : IGMPGW_DEFAULT_SOCKET;
}

struct igmpgw_client *
igmpgw_client_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct igmpgw_client *c;
	int fd;
	int err;

	path = igmpgw_client_socket_path(path);
	if (path[0] == '\0') {
		errno = EINVAL;
		return NULL;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->timeout_ms = IGMPGW_CLIENT_TIMEOUT_MS;
	/* Blocking connect (a full backlog waits, not fails); all I/O after it is non-blocking. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		goto fail;
	c->fd = fd;
	return c;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	free(c);
	errno = err;
	return NULL;
}

void
igmpgw_client_close(struct igmpgw_client *c)
{
	json_t *event;

	if (c == NULL)
		return;
	close(c->fd);
	c->missed = 0;
	while ((event = queue_pop(c)) != NULL)
		json_decref(event);
	json_decref(c->response);
	free(c->buf);
	free(c);
}

int
igmpgw_client_fd(const struct igmpgw_client *c)
{
	if (c == NULL) {
		errno = EINVAL;
		return -1;
	}
	return c->fd;
}

size_t
igmpgw_client_pending(const struct igmpgw_client *c)
{
	if (c == NULL)
		return 0;
	return c->n_events + (c->missed > 0 ? 1 : 0);
}

void
igmpgw_client_set_timeout(struct igmpgw_client *c, int timeout_ms)
{
	if (c != NULL)
		c->timeout_ms = timeout_ms;
}

/* ---- requests ---- */

/* req as one compact line ending in '\n' (jansson escapes newlines inside strings). */
static char *
dump_line(const json_t *req, size_t *len)
{
	char *text = json_dumps(req, JSON_COMPACT);
	char *line;
	size_t n;

	if (text == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	n = strlen(text);
	line = realloc(text, n + 2);
	if (line == NULL) {
		free(text);
		errno = ENOMEM;
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	*len = n + 1;
	return line;
}

/* Hands over the awaited response, or sets errno to why there is none. */
static json_t *
finish_request(struct igmpgw_client *c, int err)
{
	json_t *resp = c->response;

	c->waiting = false;
	c->response = NULL;
	if (resp != NULL)
		return resp;
	errno = c->response_errno != 0 ? c->response_errno : err;
	return NULL;
}

json_t *
igmpgw_client_request(struct igmpgw_client *c, json_t *req, int timeout_ms)
{
	int64_t deadline = deadline_after(timeout_ms);
	char *line;
	size_t len;

	if (c == NULL || !json_is_object(req)) {
		errno = EINVAL;
		return NULL;
	}
	if (c->broken) {
		errno = EPIPE;
		return NULL;
	}
	if (c->eof) {
		errno = ECONNRESET;
		return NULL;
	}
	if (json_object_set_new(req, "id", json_integer(c->last_id + 1)) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	line = dump_line(req, &len);
	if (line == NULL)
		return NULL;
	c->last_id++;
	c->waiting = true;
	c->response = NULL;
	c->response_errno = 0;

	if (send_all(c, line, len, deadline) < 0) {
		int err = errno;

		free(line);
		/* A gateway that refused us said why before closing: read it if it is there. */
		if (err == EPIPE || err == ECONNRESET) {
			while (c->response == NULL && read_some(c, 0) > 0)
				;
			err = ECONNRESET;
		}
		return finish_request(c, err);
	}
	free(line);

	while (c->response == NULL && c->response_errno == 0) {
		int left = ms_left(deadline);
		int r;

		r = read_some(c, left);
		if (r < 0)
			return finish_request(c, errno);
		if (r == 0 && left == 0)
			return finish_request(c, ETIMEDOUT);
	}
	return finish_request(c, 0);
}

const char *
igmpgw_client_error(const json_t *resp)
{
	const char *err;

	if (resp == NULL)
		return "no response from the gateway";
	if (!json_is_object(resp))
		return "the gateway's response is not a JSON object";
	if (json_is_true(json_object_get(resp, "ok")))
		return NULL;
	err = json_string_value(json_object_get(resp, "error"));
	return err != NULL ? err : "the gateway refused the request without saying why";
}

/*
 * Sends req (a new reference, released here) with the client's timeout. A
 * NULL req is a request that could not be built: a string that is not UTF-8.
 */
static json_t *
simple_request(struct igmpgw_client *c, json_t *req)
{
	json_t *resp;
	int err;

	if (req == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (c == NULL) {
		json_decref(req);
		errno = EINVAL;
		return NULL;
	}
	resp = igmpgw_client_request(c, req, c->timeout_ms);
	err = errno;
	json_decref(req);
	errno = err;
	return resp;
}

json_t *
igmpgw_client_status(struct igmpgw_client *c)
{
	return simple_request(c, json_pack("{s:s}", "cmd", cmd_names[CMD_STATUS]));
}

json_t *
igmpgw_client_stats(struct igmpgw_client *c)
{
	return simple_request(c, json_pack("{s:s}", "cmd", cmd_names[CMD_STATS]));
}

json_t *
igmpgw_client_select_outside(struct igmpgw_client *c, const char *port)
{
	if (port == NULL) {
		errno = EINVAL;
		return NULL;
	}
	return simple_request(c, json_pack("{s:s, s:s}", "cmd", cmd_names[CMD_SELECT_OUTSIDE],
						"port", port));
}

/* [{"group": G, "sources": [S, ...]}, ...]; "sources" only when there are some. */
static json_t *
items_json(const struct igmpgw_item *items, size_t n)
{
	json_t *list = json_array();

	if (list == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		json_t *item;
		json_t *sources;

		if (items[i].group == NULL || (items[i].n_sources > 0 && items[i].sources == NULL))
			goto invalid;
		/* Constructors fail on strings that are not UTF-8 (or on no memory). */
		item = json_pack("{s:s}", "group", items[i].group);
		if (json_array_append_new(list, item) < 0)
			goto invalid;
		if (items[i].n_sources == 0)
			continue;
		sources = json_array();
		if (json_object_set_new(item, "sources", sources) < 0)
			goto invalid;
		for (size_t s = 0; s < items[i].n_sources; s++) {
			if (items[i].sources[s] == NULL ||
			    json_array_append_new(sources, json_string(items[i].sources[s])) < 0)
				goto invalid;
		}
	}
	return list;
invalid:
	json_decref(list);
	errno = EINVAL;
	return NULL;
}

static json_t *
items_request(struct igmpgw_client *c, const char *cmd, const struct igmpgw_item *items, size_t n)
{
	json_t *list;

	if (items == NULL && n > 0) {
		errno = EINVAL;
		return NULL;
	}
	list = items_json(items, n);
	if (list == NULL)
		return NULL;
	return simple_request(c, json_pack("{s:s, s:o}", "cmd", cmd, "items", list));
}

json_t *
igmpgw_client_report(struct igmpgw_client *c, const struct igmpgw_item *items, size_t n)
{
	return items_request(c, cmd_names[CMD_REPORT], items, n);
}

json_t *
igmpgw_client_leave(struct igmpgw_client *c, const struct igmpgw_item *items, size_t n)
{
	return items_request(c, cmd_names[CMD_LEAVE], items, n);
}

static json_t *
events_request(struct igmpgw_client *c, const char *cmd, const char *const *events, size_t n)
{
	json_t *list;

	if (events == NULL && n > 0) {
		errno = EINVAL;
		return NULL;
	}
	list = json_array();
	if (list == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (events[i] == NULL) {
			json_decref(list);
			errno = EINVAL;
			return NULL;
		}
		if (json_array_append_new(list, json_string(events[i])) < 0) {
			json_decref(list);
			errno = EINVAL;
			return NULL;
		}
	}
	return simple_request(c, json_pack("{s:s, s:o}", "cmd", cmd, "events", list));
}

json_t *
igmpgw_client_subscribe(struct igmpgw_client *c, const char *const *events, size_t n)
{
	return events_request(c, cmd_names[CMD_SUBSCRIBE], events, n);
}

json_t *
igmpgw_client_unsubscribe(struct igmpgw_client *c, const char *const *events, size_t n)
{
	return events_request(c, cmd_names[CMD_UNSUBSCRIBE], events, n);
}

json_t *
igmpgw_client_log_level(struct igmpgw_client *c, const char *level, const char *type)
{
	json_t *req;
	json_t *value;
	char *end;
	long num;

	if (level == NULL || level[0] == '\0') {
		errno = EINVAL;
		return NULL;
	}
	/* The protocol takes the level as a name or as a number; "8" means the number. */
	errno = 0;
	num = strtol(level, &end, 10);
	if (*end == '\0' && errno == 0)
		value = json_integer(num);
	else
		value = json_string(level);
	req = json_pack("{s:s, s:o}", "cmd", cmd_names[CMD_LOG_LEVEL], "level", value);
	if (req != NULL && type != NULL &&
	    json_object_set_new(req, "type", json_string(type)) < 0) {
		json_decref(req);
		req = NULL;
	}
	return simple_request(c, req);
}

json_t *
igmpgw_client_groups_page(struct igmpgw_client *c, const char *cursor, unsigned int limit)
{
	json_t *req;

	if (limit < 1 || limit > IGMPGW_GROUPS_PAGE_MAX) {
		errno = EINVAL;
		return NULL;
	}
	/* "cursor": null on the first page, so that it is a page whatever the limit. */
	req = json_pack("{s:s, s:I, s:s?}", "cmd", cmd_names[CMD_GROUPS], "limit",
			(json_int_t)limit, "cursor", cursor);
	return simple_request(c, req);
}

json_t *
igmpgw_client_groups(struct igmpgw_client *c)
{
	json_t *all = NULL;
	char *cursor = NULL;
	int err = 0;

	for (;;) {
		json_t *page = igmpgw_client_groups_page(c, cursor, IGMPGW_CLIENT_GROUPS_PAGE);
		json_t *groups = json_object_get(page, "groups");
		json_t *next = json_object_get(page, "cursor");
		char *next_text = NULL;

		if (page == NULL || igmpgw_client_error(page) != NULL) {
			err = errno;
			json_decref(all);
			all = page;
			break;
		}
		if (!json_is_array(groups) || (next != NULL && !json_is_null(next) &&
					       !json_is_string(next))) {
			json_decref(page);
			err = EBADMSG;
			break;
		}
		/* No cursor: the last page, or a gateway that answered the whole table at once. */
		if (json_is_string(next)) {
			next_text = strdup(json_string_value(next));
			if (next_text == NULL)
				err = ENOMEM;
			else if (cursor != NULL && strcmp(cursor, next_text) == 0)
				err = EBADMSG; /* it would page for ever */
		}
		json_object_del(page, "cursor");
		if (all == NULL) {
			all = page;
		} else {
			json_array_extend(json_object_get(all, "groups"), groups);
			json_decref(page);
		}
		free(cursor);
		cursor = next_text;
		if (cursor == NULL || err != 0)
			break;
	}
	free(cursor);
	if (err != 0 && (all == NULL || igmpgw_client_error(all) == NULL)) {
		json_decref(all);
		all = NULL;
		errno = err;
	}
	return all;
}

/* ---- events ---- */

json_t *
igmpgw_client_next_event(struct igmpgw_client *c, int timeout_ms)
{
	int64_t deadline = deadline_after(timeout_ms);

	if (c == NULL) {
		errno = EINVAL;
		return NULL;
	}
	for (;;) {
		json_t *event = queue_pop(c);
		int left;
		int r;

		if (event != NULL)
			return event;
		left = ms_left(deadline);
		r = read_some(c, left);
		if (r < 0)
			return NULL;
		if (r == 0 && left == 0) {
			errno = ETIMEDOUT;
			return NULL;
		}
	}
}

int
igmpgw_client_dispatch(struct igmpgw_client *c, igmpgw_event_cb cb, void *arg)
{
	json_t *event;
	int count = 0;
	int r = 0;
	int err = 0;

	if (c == NULL || cb == NULL) {
		errno = EINVAL;
		return -1;
	}
	for (int i = 0; i < DISPATCH_READS; i++) {
		r = read_some(c, 0);
		if (r <= 0)
			break;
	}
	if (r < 0)
		err = errno;
	while ((event = queue_pop(c)) != NULL) {
		int stop = cb(event, arg);

		json_decref(event);
		count++;
		if (stop != 0)
			break;
	}
	/* Events read before the end of the stream come first; the end is reported next time. */
	if (count == 0 && err != 0) {
		errno = err;
		return -1;
	}
	return count;
}

/* ---- membership items ---- */

static void
set_err(char *err, size_t err_len, const char *fmt, const char *what)
{
	if (err != NULL && err_len > 0)
		snprintf(err, err_len, fmt, what);
}

/* Parses one dotted quad of at most len characters into *addr (network order). */
static bool
parse_addr(const char *text, size_t len, struct in_addr *addr)
{
	char buf[INET_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return inet_pton(AF_INET, buf, addr) == 1;
}

struct igmpgw_item *
igmpgw_item_parse(const char *text, char *err, size_t err_len)
{
	struct in_addr group;
	struct in_addr sources[IGMPGW_MAX_SOURCES];
	size_t n_sources = 0;
	const char *at;
	const char *p;
	struct igmpgw_item *item;
	const char **src_ptrs;
	char *strings;

	if (text == NULL) {
		set_err(err, err_len, "%s", "no membership given");
		errno = EINVAL;
		return NULL;
	}
	at = strchr(text, '@');
	if (!parse_addr(text, at != NULL ? (size_t)(at - text) : strlen(text), &group)) {
		set_err(err, err_len, "'%s': the group is not an IPv4 address", text);
		errno = EINVAL;
		return NULL;
	}
	if (!igmp_is_multicast(group.s_addr)) {
		set_err(err, err_len, "'%s': the group is not a multicast address", text);
		errno = EINVAL;
		return NULL;
	}
	/* 224.0.0.0/24 carries the link's own control traffic: nobody joins it. */
	if (igmp_is_link_local_group(group.s_addr)) {
		set_err(err, err_len, "'%s': the group is a link-local control group (224.0.0.0/24)",
			text);
		errno = EINVAL;
		return NULL;
	}
	for (p = at != NULL ? at + 1 : NULL; p != NULL; ) {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		struct in_addr s;
		uint32_t h;

		if (n_sources == IGMPGW_MAX_SOURCES) {
			set_err(err, err_len, "'%s': more than " STR(IGMPGW_MAX_SOURCES) " sources", text);
			errno = EINVAL;
			return NULL;
		}
		if (!parse_addr(p, len, &s)) {
			set_err(err, err_len, "'%s': a source is not an IPv4 address", text);
			errno = EINVAL;
			return NULL;
		}
		h = ntohl(s.s_addr);
		if (h == 0 || h == UINT32_MAX || igmp_is_multicast_or_reserved(s.s_addr)) {
			set_err(err, err_len, "'%s': a source is not a unicast address", text);
			errno = EINVAL;
			return NULL;
		}
		for (size_t i = 0; i < n_sources; i++) {
			if (sources[i].s_addr == s.s_addr) {
				set_err(err, err_len, "'%s': a source is listed twice", text);
				errno = EINVAL;
				return NULL;
			}
		}
		sources[n_sources++] = s;
		p = comma != NULL ? comma + 1 : NULL;
	}

	/* One block: the item, the source pointers, then the strings. */
	item = malloc(sizeof(*item) + n_sources * sizeof(char *) +
		      (n_sources + 1) * INET_ADDRSTRLEN);
	if (item == NULL)
		return NULL;
	src_ptrs = (const char **)(item + 1);
	strings = (char *)(src_ptrs + n_sources);
	inet_ntop(AF_INET, &group, strings, INET_ADDRSTRLEN);
	item->group = strings;
	for (size_t i = 0; i < n_sources; i++) {
		char *s = strings + (i + 1) * INET_ADDRSTRLEN;

		inet_ntop(AF_INET, &sources[i], s, INET_ADDRSTRLEN);
		src_ptrs[i] = s;
	}
	item->sources = n_sources > 0 ? src_ptrs : NULL;
	item->n_sources = n_sources;
	return item;
}
