/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The igmpgw control socket client (igmpgw_client.h): the connection,
 * request/response matching by id, and handing out the events that arrive
 * between responses.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client_internal.h"

/* recv() calls one dispatch makes at most, so a flooding gateway cannot pin a poll loop. */
#define DISPATCH_READS 64

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
	while ((event = client_queue_pop(c)) != NULL)
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
	int64_t deadline = client_deadline_after(timeout_ms);
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

	if (client_send_all(c, line, len, deadline) < 0) {
		int err = errno;

		free(line);
		/* A gateway that refused us said why before closing: read it if it is there. */
		if (err == EPIPE || err == ECONNRESET) {
			while (c->response == NULL && client_read_some(c, 0) > 0)
				;
			err = ECONNRESET;
		}
		return finish_request(c, err);
	}
	free(line);

	while (c->response == NULL && c->response_errno == 0) {
		int left = client_ms_left(deadline);
		int r;

		r = client_read_some(c, left);
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
/* ---- events ---- */

json_t *
igmpgw_client_next_event(struct igmpgw_client *c, int timeout_ms)
{
	int64_t deadline = client_deadline_after(timeout_ms);

	if (c == NULL) {
		errno = EINVAL;
		return NULL;
	}
	for (;;) {
		json_t *event = client_queue_pop(c);
		int left;
		int r;

		if (event != NULL)
			return event;
		left = client_ms_left(deadline);
		r = client_read_some(c, left);
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
		r = client_read_some(c, 0);
		if (r <= 0)
			break;
	}
	if (r < 0)
		err = errno;
	while ((event = client_queue_pop(c)) != NULL) {
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
