/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the control socket client library against a fake gateway: a
 * thread in this process that accepts on a unix socket in a temporary
 * directory and plays one script per case (events between responses, stale
 * responses, lines cut into bytes, lines at and over the 1 MiB limit, the end
 * of the stream in the middle of a line, silence).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "igmpgw_client.h"
#include "tap.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* What a script can do wrong is recorded here and checked by the main thread after the join. */
struct fake {
	char dir[64];
	char path[108];
	int lfd;
	pthread_t tid;
	bool joined;
	void (*script)(struct fake *f, int fd);
	sem_t go;                  /* main thread -> script: carry on */
	int server_errors;         /* script-side surprises */
	char server_note[256];     /* the first of them */
	json_t *got;               /* requests as the server read them */
};

static char tmp_dir[64];

/* ---- server helpers (run in the script thread) ---- */

static void
srv_fail(struct fake *f, const char *what)
{
	if (f->server_errors++ == 0)
		snprintf(f->server_note, sizeof(f->server_note), "%s", what);
}

static void
srv_send_n(struct fake *f, int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n <= 0) {
			srv_fail(f, "send failed");
			return;
		}
		data += n;
		len -= (size_t)n;
	}
}

static void
srv_send(struct fake *f, int fd, const char *text)
{
	srv_send_n(f, fd, text, strlen(text));
}

/* Sends text one byte at a time with a pause, so the client reads it in pieces. */
static void
srv_trickle(struct fake *f, int fd, const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		srv_send_n(f, fd, p, 1);
		usleep(300);
	}
}

/*
 * Reads one request line and keeps it in f->got; returns its id, or -1 (a
 * surprise unless eof_ok and the client closed before a new line began).
 */
static json_int_t
read_request(struct fake *f, int fd, bool eof_ok)
{
	char line[8192];
	size_t len = 0;
	json_t *req;
	json_t *id;

	for (;;) {
		ssize_t n = recv(fd, &line[len], 1, 0);

		if (n <= 0) {
			if (!(eof_ok && n == 0 && len == 0))
				srv_fail(f, "no request line");
			return -1;
		}
		if (line[len] == '\n')
			break;
		if (++len == sizeof(line)) {
			srv_fail(f, "request line too long");
			return -1;
		}
	}
	req = json_loadb(line, len, 0, NULL);
	if (!json_is_object(req)) {
		srv_fail(f, "request is not a JSON object");
		json_decref(req);
		return -1;
	}
	id = json_object_get(req, "id");
	if (!json_is_integer(id))
		srv_fail(f, "request without an integer id");
	json_array_append(f->got, req);
	json_decref(req);
	return json_is_integer(id) ? json_integer_value(id) : -1;
}

static json_int_t
srv_read_request(struct fake *f, int fd)
{
	return read_request(f, fd, false);
}

static void
srv_respond(struct fake *f, int fd, json_int_t id, const char *fields)
{
	char line[512];

	snprintf(line, sizeof(line), "{\"ok\":true,\"id\":%" JSON_INTEGER_FORMAT "%s%s}\n", id,
		 fields[0] != '\0' ? "," : "", fields);
	srv_send(f, fd, line);
}

/* A line of exactly len bytes before its newline: {"ok":true,"id":N,"pad":"xxx"} or an event. */
static char *
make_line(const char *head, size_t len)
{
	size_t head_len = strlen(head);
	char *line = malloc(len + 2);

	if (line == NULL || len < head_len + 2)
		abort();
	memcpy(line, head, head_len);
	memset(line + head_len, 'x', len - head_len - 2);
	memcpy(line + len - 2, "\"}", 2);
	line[len] = '\n';
	line[len + 1] = '\0';
	return line;
}

static void *
fake_main(void *arg)
{
	struct fake *f = arg;
	struct timeval tv = { .tv_sec = 10 };
	int fd;

	fd = accept(f->lfd, NULL, NULL);
	if (fd < 0) {
		srv_fail(f, "accept failed");
		return NULL;
	}
	/* A client that never sends must not hang the test. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	f->script(f, fd);
	close(fd);
	return NULL;
}

static void
fake_start(struct fake *f, void (*script)(struct fake *f, int fd))
{
	static int serial;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 10 };

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s/gw%d.sock", tmp_dir, serial++);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	f->script = script;
	f->got = json_array();
	sem_init(&f->go, 0, 0);
	f->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(f->lfd, 4) < 0) {
		perror("fake gateway");
		exit(1);
	}
	setsockopt(f->lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	pthread_create(&f->tid, NULL, fake_main, f);
}

static void
fake_join(struct fake *f)
{
	if (!f->joined)
		pthread_join(f->tid, NULL);
	f->joined = true;
}

/*
 * Joins the script and reports its own surprises as one TAP line. Returns the
 * requests the fake gateway read, for the caller to check and release.
 */
static json_t *
fake_stop(struct fake *f, const char *name)
{
	fake_join(f);
	TAP_CHECK(f->server_errors == 0, "%s: the fake gateway saw what it expected%s%s", name,
		  f->server_errors == 0 ? "" : ": ", f->server_note);
	close(f->lfd);
	unlink(f->path);
	sem_destroy(&f->go);
	return f->got;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *
str_field(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? s : "(none)";
}

/* ---- cases ---- */

/* got, less the id the library added, is the JSON in expected_text. */
static bool
request_is(const json_t *got, const char *expected_text)
{
	json_t *expected = json_loads(expected_text, 0, NULL);
	json_t *copy = json_deep_copy(got);
	bool same;

	json_object_del(copy, "id");
	same = expected != NULL && json_equal(copy, expected);
	if (!same) {
		char *text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);

		fprintf(stderr, "got %s\nwant %s\n", text, expected_text);
		free(text);
	}
	json_decref(expected);
	json_decref(copy);
	return same;
}


static void
test_connect_errors(void)
{
	char long_path[200];
	struct igmpgw_client *c;

	errno = 0;
	c = igmpgw_client_connect("/nonexistent-igmpgw-dir/igmpgw.sock");
	TAP_CHECK(c == NULL && errno == ENOENT, "connect to a missing socket: NULL, ENOENT (%s)",
		  strerror(errno));
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	errno = 0;
	c = igmpgw_client_connect(long_path);
	TAP_CHECK(c == NULL && errno == ENAMETOOLONG, "connect to a path over 107 bytes: "
		  "ENAMETOOLONG (%s)", strerror(errno));
	errno = 0;
	c = igmpgw_client_connect("");
	TAP_CHECK(c == NULL && errno == EINVAL, "connect to an empty path: EINVAL");

	setenv(IGMPGW_CLIENT_SOCKET_ENV, "/tmp/elsewhere.sock", 1);
	TAP_CHECK(strcmp(igmpgw_client_socket_path(NULL), "/tmp/elsewhere.sock") == 0,
		  "NULL path follows $" IGMPGW_CLIENT_SOCKET_ENV);
	TAP_CHECK(strcmp(igmpgw_client_socket_path("/x.sock"), "/x.sock") == 0,
		  "an explicit path wins over $" IGMPGW_CLIENT_SOCKET_ENV);
	unsetenv(IGMPGW_CLIENT_SOCKET_ENV);
	TAP_CHECK(strcmp(igmpgw_client_socket_path(NULL), "/run/igmpgw/igmpgw.sock") == 0,
		  "NULL path without the variable is /run/igmpgw/igmpgw.sock");

	errno = 0;
	TAP_CHECK(igmpgw_client_request(NULL, NULL, 0) == NULL && errno == EINVAL,
		  "request on a NULL client: EINVAL");
	TAP_CHECK(igmpgw_client_next_event(NULL, 0) == NULL && errno == EINVAL,
		  "next_event on a NULL client: EINVAL");
	igmpgw_client_close(NULL);
	TAP_CHECK(igmpgw_client_pending(NULL) == 0, "close(NULL) and pending(NULL) are harmless");
}

/* One request: the line the server reads is one compact object with an id. */
static void
script_basic(struct fake *f, int fd)
{
	json_int_t id = srv_read_request(f, fd);

	srv_respond(f, fd, id, "\"version\":\"9.9\"");
	id = srv_read_request(f, fd);
	srv_send(f, fd, "{\"ok\":false,\"error\":\"unknown cmd 'bogus'\",\"id\":");
	srv_send(f, fd, id == 2 ? "2}\n" : "-1}\n");
}

static void
test_basic(void)
{
	struct fake f;
	struct igmpgw_client *c;
	json_t *resp;
	json_t *req;
	const json_t *got;
	json_t *got_all;

	fake_start(&f, script_basic);
	c = igmpgw_client_connect(f.path);
	TAP_CHECK(c != NULL, "connect to the fake gateway (%s)", c == NULL ? strerror(errno) : "ok");
	if (c == NULL)
		exit(1);
	TAP_CHECK(igmpgw_client_fd(c) >= 0, "the client has a descriptor to poll");
	resp = igmpgw_client_status(c);
	TAP_CHECK(resp != NULL && igmpgw_client_error(resp) == NULL &&
		  strcmp(str_field(resp, "version"), "9.9") == 0,
		  "status: the response with its fields");
	json_decref(resp);

	/* A newline inside a value must not split the request line. */
	req = json_pack("{s:s, s:s}", "cmd", "bogus", "note", "two\nlines");
	resp = igmpgw_client_request(c, req, 2000);
	TAP_CHECK(json_integer_value(json_object_get(req, "id")) == 2,
		  "request sets the caller's id to the next number");
	TAP_CHECK(resp != NULL && strcmp(igmpgw_client_error(resp) != NULL ?
					 igmpgw_client_error(resp) : "", "unknown cmd 'bogus'") == 0,
		  "a refusal is a response, and error() gives its text");
	json_decref(resp);
	json_decref(req);
	igmpgw_client_close(c);
	got_all = fake_stop(&f, "basic");

	got = json_array_get(got_all, 1);
	TAP_CHECK(request_is(json_array_get(got_all, 0), "{\"cmd\":\"status\"}"),
		  "status sends {\"cmd\":\"status\"}");
	TAP_CHECK(strcmp(str_field(got, "note"), "two\nlines") == 0,
		  "a value with a newline arrives whole in one line");
	json_decref(got_all);
}

/* Events and a stale response before ours, ours cut into bytes, an event after it. */
static void
script_interleaved(struct fake *f, int fd)
{
	char line[256];
	json_int_t id = srv_read_request(f, fd);

	srv_send(f, fd, "{\"event\":\"query\",\"seq\":1}\n");
	srv_send(f, fd, "{\"ok\":true,\"id\":999,\"tag\":\"stale\"}\n");
	srv_trickle(f, fd, "{\"event\":\"membership_report\",\"seq\":2}\n");
	snprintf(line, sizeof(line),
		 "{\"ok\":true,\"tag\":\"mine\",\"id\":%" JSON_INTEGER_FORMAT "}\n"
		 "{\"event\":\"query\",\"seq\":3}\n{\"event\":\"query\",", id);
	srv_trickle(f, fd, line);
	srv_send(f, fd, "\"seq\":4}\n");
	sem_wait(&f->go);
}

static void
test_interleaved(void)
{
	struct fake f;
	struct igmpgw_client *c;
	json_t *resp;
	int order_ok = 1;
	int64_t seq[5] = { 0 };

	fake_start(&f, script_interleaved);
	c = igmpgw_client_connect(f.path);
	resp = igmpgw_client_stats(c);
	TAP_CHECK(resp != NULL && strcmp(str_field(resp, "tag"), "mine") == 0,
		  "the response is matched by id past events and a stale response (tag %s)",
		  str_field(resp, "tag"));
	json_decref(resp);
	TAP_CHECK(igmpgw_client_pending(c) >= 2, "the events read during the request are queued "
		  "(%zu)", igmpgw_client_pending(c));
	for (int i = 1; i <= 4; i++) {
		json_t *ev = igmpgw_client_next_event(c, 2000);

		seq[i] = json_integer_value(json_object_get(ev, "seq"));
		if (seq[i] != i)
			order_ok = 0;
		json_decref(ev);
	}
	TAP_CHECK(order_ok, "next_event gives the events in arrival order: %lld %lld %lld %lld",
		  (long long)seq[1], (long long)seq[2], (long long)seq[3], (long long)seq[4]);
	errno = 0;
	resp = igmpgw_client_next_event(c, 50);
	TAP_CHECK(resp == NULL && errno == ETIMEDOUT,
		  "then next_event times out with ETIMEDOUT (%s)", strerror(errno));
	errno = 0;
	resp = igmpgw_client_next_event(c, 0);
	TAP_CHECK(resp == NULL && errno == ETIMEDOUT, "next_event(0) does not wait");
	sem_post(&f.go);
	igmpgw_client_close(c);
	json_decref(fake_stop(&f, "interleaved"));
}

/* Responses and events at the limit, one byte over it, and far over it. */
static void
script_long(struct fake *f, int fd)
{
	char head[64];
	char *line;
	json_int_t id;

	id = srv_read_request(f, fd);
	snprintf(head, sizeof(head), "{\"ok\":true,\"id\":%" JSON_INTEGER_FORMAT ",\"pad\":\"", id);
	line = make_line(head, IGMPGW_CLIENT_MAX_LINE);
	srv_send(f, fd, line);
	free(line);

	id = srv_read_request(f, fd);
	snprintf(head, sizeof(head), "{\"ok\":true,\"id\":%" JSON_INTEGER_FORMAT ",\"pad\":\"", id);
	line = make_line(head, IGMPGW_CLIENT_MAX_LINE + 1);
	srv_send(f, fd, line);
	free(line);

	id = srv_read_request(f, fd);
	srv_respond(f, fd, id, "\"tag\":\"after\"");

	line = make_line("{\"event\":\"query\",\"pad\":\"", 3 * IGMPGW_CLIENT_MAX_LINE);
	srv_send(f, fd, line);
	free(line);
	srv_send(f, fd, "{\"event\":\"query\",\"seq\":1}\n");
	line = make_line("{\"event\":\"query\",\"pad\":\"", IGMPGW_CLIENT_MAX_LINE);
	srv_send(f, fd, line);
	free(line);
	sem_wait(&f->go);
}

static void
test_long_lines(void)
{
	struct fake f;
	struct igmpgw_client *c;
	json_t *resp;
	json_t *ev;
	size_t pad_len;

	fake_start(&f, script_long);
	c = igmpgw_client_connect(f.path);
	resp = igmpgw_client_status(c);
	pad_len = strlen(str_field(resp, "pad"));
	TAP_CHECK(resp != NULL && pad_len > IGMPGW_CLIENT_MAX_LINE - 64,
		  "a response line of exactly 1 MiB is read whole (pad %zu bytes)", pad_len);
	json_decref(resp);
	errno = 0;
	resp = igmpgw_client_status(c);
	TAP_CHECK(resp == NULL && errno == EMSGSIZE,
		  "a response line of 1 MiB + 1 fails the request with EMSGSIZE (%s)",
		  strerror(errno));
	json_decref(resp);
	resp = igmpgw_client_status(c);
	TAP_CHECK(resp != NULL && strcmp(str_field(resp, "tag"), "after") == 0,
		  "the next request works after the oversized line");
	json_decref(resp);
	ev = igmpgw_client_next_event(c, 5000);
	TAP_CHECK(json_integer_value(json_object_get(ev, "seq")) == 1,
		  "a 3 MiB event is skipped and the next event comes");
	json_decref(ev);
	ev = igmpgw_client_next_event(c, 5000);
	TAP_CHECK(ev != NULL && strlen(str_field(ev, "pad")) > IGMPGW_CLIENT_MAX_LINE - 64,
		  "a 1 MiB event after it is read whole");
	json_decref(ev);
	sem_post(&f.go);
	igmpgw_client_close(c);
	json_decref(fake_stop(&f, "long lines"));
}

/* An event, then half of one, then the end of the stream. */
static void
script_eof_event(struct fake *f, int fd)
{
	srv_send(f, fd, "{\"event\":\"query\",\"seq\":1}\n{\"event\":\"query\",\"se");
}

/* Half of the response, then the end of the stream. */
static void
script_eof_response(struct fake *f, int fd)
{
	srv_read_request(f, fd);
	srv_send(f, fd, "{\"ok\":true,\"id\":1,\"tag\":\"cut");
}

static void
test_eof(void)
{
	struct fake f;
	struct igmpgw_client *c;
	json_t *ev;
	json_t *ev2;
	int err;

	fake_start(&f, script_eof_event);
	c = igmpgw_client_connect(f.path);
	ev = igmpgw_client_next_event(c, 2000);
	TAP_CHECK(json_integer_value(json_object_get(ev, "seq")) == 1,
		  "the complete event before the end comes");
	json_decref(ev);
	errno = 0;
	ev = igmpgw_client_next_event(c, 2000);
	err = errno;
	TAP_CHECK(ev == NULL && err == ECONNRESET,
		  "the event cut by the end of the stream is dropped: ECONNRESET (%s)",
		  strerror(err));
	errno = 0;
	ev2 = igmpgw_client_next_event(c, 0);
	TAP_CHECK(ev2 == NULL && errno == ECONNRESET, "and stays ECONNRESET");
	errno = 0;
	TAP_CHECK(igmpgw_client_status(c) == NULL && errno == ECONNRESET,
		  "a request after the end fails with ECONNRESET");
	igmpgw_client_close(c);
	json_decref(fake_stop(&f, "eof in an event"));

	fake_start(&f, script_eof_response);
	c = igmpgw_client_connect(f.path);
	errno = 0;
	ev = igmpgw_client_status(c);
	TAP_CHECK(ev == NULL && errno == ECONNRESET,
		  "a response cut by the end of the stream: NULL, ECONNRESET (%s)", strerror(errno));
	igmpgw_client_close(c);
	json_decref(fake_stop(&f, "eof in a response"));
}

/* Silent until told, then the late response and the next one. */
static void
script_timeout(struct fake *f, int fd)
{
	json_int_t first = srv_read_request(f, fd);
	json_int_t second;

	sem_wait(&f->go);
	srv_respond(f, fd, first, "\"tag\":\"late\"");
	second = srv_read_request(f, fd);
	srv_respond(f, fd, second, "\"tag\":\"second\"");
}

static void
test_timeout(void)
{
	struct fake f;
	struct igmpgw_client *c;
	json_t *req = json_pack("{s:s}", "cmd", "status");
	json_t *resp;
	int64_t t0;
	int64_t waited;
	int err;

	fake_start(&f, script_timeout);
	c = igmpgw_client_connect(f.path);
	t0 = now_ms();
	errno = 0;
	resp = igmpgw_client_request(c, req, 150);
	err = errno;
	waited = now_ms() - t0;
	TAP_CHECK(resp == NULL && err == ETIMEDOUT, "a silent gateway: NULL, ETIMEDOUT (%s)",
		  strerror(err));
	TAP_CHECK(waited >= 150 && waited < 5000, "the request waited its timeout (%lld ms)",
		  (long long)waited);
	sem_post(&f.go);
	resp = igmpgw_client_request(c, req, 5000);
	TAP_CHECK(resp != NULL && strcmp(str_field(resp, "tag"), "second") == 0,
		  "the late response is dropped, the next request gets its own (tag %s)",
		  str_field(resp, "tag"));
	json_decref(resp);
	json_decref(req);
	igmpgw_client_close(c);
	json_decref(fake_stop(&f, "timeout"));
}

/* Lines that are no message, among events; then one in a response's place. */
static void
script_garbage(struct fake *f, int fd)
{
	json_int_t id;

	srv_send(f, fd, "garbage\n[1,2]\n{\"neither\":1}\n\n\xff\xfe\n{\"event\":\"query\",\"seq\":1}\n");
	id = srv_read_request(f, fd);
	srv_send(f, fd, "not json at all\n");
	id = srv_read_request(f, fd);
	srv_respond(f, fd, id, "\"tag\":\"fine\"");
}

static void
test_garbage(void)
{
	struct fake f;
	struct igmpgw_client *c;
	json_t *ev;

	fake_start(&f, script_garbage);
	c = igmpgw_client_connect(f.path);
	ev = igmpgw_client_next_event(c, 2000);
	TAP_CHECK(json_integer_value(json_object_get(ev, "seq")) == 1,
		  "lines that are not events are skipped by next_event");
	json_decref(ev);
	errno = 0;
	ev = igmpgw_client_status(c);
	TAP_CHECK(ev == NULL && errno == EBADMSG, "a non-JSON line in the response's place: "
		  "EBADMSG (%s)", strerror(errno));
	ev = igmpgw_client_status(c);
	TAP_CHECK(ev != NULL && strcmp(str_field(ev, "tag"), "fine") == 0,
		  "the connection carries on after it");
	json_decref(ev);
	igmpgw_client_close(c);
	json_decref(fake_stop(&f, "garbage"));
}

/* A gateway with all its clients refuses with an id-less error and closes. */
static void
script_refuse(struct fake *f, int fd)
{
	srv_send(f, fd, "{\"ok\":false,\"error\":\"too many clients (16)\"}\n");
}

static void
test_refused(void)
{
	struct fake f;
	struct igmpgw_client *c;
	json_t *resp;

	for (int joined_first = 0; joined_first < 2; joined_first++) {
		fake_start(&f, script_refuse);
		c = igmpgw_client_connect(f.path);
		if (joined_first) {
			/* The gateway is gone before we send: the send fails, the answer is there. */
			fake_join(&f);
		}
		resp = igmpgw_client_status(c);
		TAP_CHECK(resp != NULL && igmpgw_client_error(resp) != NULL &&
			  strcmp(igmpgw_client_error(resp), "too many clients (16)") == 0,
			  "the refusal without id is the answer%s (%s)",
			  joined_first ? ", even when the send fails" : "",
			  resp == NULL ? strerror(errno) : igmpgw_client_error(resp));
		json_decref(resp);
		igmpgw_client_close(c);
		json_decref(fake_stop(&f, "refused"));
	}
}

/* Answers every request with ok; the test compares what came. */
static void
script_echo(struct fake *f, int fd)
{
	json_int_t id;

	while ((id = read_request(f, fd, true)) >= 0)
		srv_respond(f, fd, id, "");
}


static void
test_wrappers(void)
{
	static const char *const srcs[] = { "10.0.0.1", "10.0.0.2" };
	static const char *const events[] = { "query", "membership_report" };
	const struct igmpgw_item items[] = {
		{ .group = "232.1.1.1" },
		{ .group = "232.1.1.2", .sources = srcs, .n_sources = 2 },
	};
	static const char *const want[] = {
		"{\"cmd\":\"report\",\"items\":[{\"group\":\"232.1.1.1\"},"
		"{\"group\":\"232.1.1.2\",\"sources\":[\"10.0.0.1\",\"10.0.0.2\"]}]}",
		"{\"cmd\":\"leave\",\"items\":[{\"group\":\"232.1.1.1\"},"
		"{\"group\":\"232.1.1.2\",\"sources\":[\"10.0.0.1\",\"10.0.0.2\"]}]}",
		"{\"cmd\":\"select_outside\",\"port\":\"alt\"}",
		"{\"cmd\":\"subscribe\",\"events\":[\"query\",\"membership_report\"]}",
		"{\"cmd\":\"unsubscribe\",\"events\":[\"query\"]}",
		"{\"cmd\":\"log_level\",\"level\":\"debug\"}",
		"{\"cmd\":\"log_level\",\"level\":8,\"type\":\"igmpgw.ctl\"}",
		"{\"cmd\":\"stats\"}",
		"{\"cmd\":\"status\"}",
	};
	struct fake f;
	struct igmpgw_client *c;
	json_t *resps[ARRAY_LEN(want)];
	size_t n = 0;
	bool all_ok = true;
	const struct igmpgw_item bad = { .group = NULL };
	json_t *got_all;

	fake_start(&f, script_echo);
	c = igmpgw_client_connect(f.path);
	resps[n++] = igmpgw_client_report(c, items, 2);
	resps[n++] = igmpgw_client_leave(c, items, 2);
	resps[n++] = igmpgw_client_select_outside(c, "alt");
	resps[n++] = igmpgw_client_subscribe(c, events, 2);
	resps[n++] = igmpgw_client_unsubscribe(c, events, 1);
	resps[n++] = igmpgw_client_log_level(c, "debug", NULL);
	resps[n++] = igmpgw_client_log_level(c, "8", "igmpgw.ctl");
	resps[n++] = igmpgw_client_stats(c);
	igmpgw_client_set_timeout(c, -1);
	resps[n++] = igmpgw_client_status(c);
	errno = 0;
	TAP_CHECK(igmpgw_client_report(c, &bad, 1) == NULL && errno == EINVAL,
		  "an item without a group: EINVAL, nothing sent");
	errno = 0;
	TAP_CHECK(igmpgw_client_log_level(c, NULL, NULL) == NULL && errno == EINVAL,
		  "log_level without a level: EINVAL");
	igmpgw_client_close(c);
	got_all = fake_stop(&f, "wrappers");

	for (size_t i = 0; i < n; i++) {
		if (resps[i] == NULL || igmpgw_client_error(resps[i]) != NULL)
			all_ok = false;
		json_decref(resps[i]);
	}
	TAP_CHECK(all_ok, "every wrapper returned the ok response");
	TAP_CHECK(json_array_size(got_all) == n, "the gateway got %zu requests (want %zu)",
		  json_array_size(got_all), n);
	for (size_t i = 0; i < n; i++)
		TAP_CHECK(request_is(json_array_get(got_all, i), want[i]), "request %zu is %s", i,
			  want[i]);
	json_decref(got_all);
}

/* Pages of "groups" as a paging gateway, an old one and broken ones answer them. */
static const char *const group_pages[] = {
	/* igmpgw_client_groups() #1: three pages. */
	"\"tracking\":true,\"groups\":[{\"group\":\"239.0.0.1\"},{\"group\":\"239.0.0.2\"}],"
	"\"cursor\":\"inside/239.0.0.3\"",
	"\"tracking\":true,\"groups\":[],\"cursor\":\"inside2/0.0.0.0\"",
	"\"tracking\":true,\"groups\":[{\"group\":\"239.0.0.3\"}],\"cursor\":null",
	/* #2: a gateway that does not page: the whole table, no cursor. */
	"\"tracking\":true,\"groups\":[{\"group\":\"239.9.9.9\"}]",
	/* #3: refused on the second page. */
	"\"tracking\":true,\"groups\":[{\"group\":\"239.0.0.1\"}],\"cursor\":\"inside/239.0.0.2\"",
	NULL,
	/* #4: a cursor that does not move on. */
	"\"tracking\":true,\"groups\":[],\"cursor\":\"inside/239.0.0.2\"",
	"\"tracking\":true,\"groups\":[],\"cursor\":\"inside/239.0.0.2\"",
	/* #5: not a list of groups. */
	"\"tracking\":true,\"groups\":{}",
	/* #6: tracking off. */
	"\"tracking\":false,\"groups\":[],\"cursor\":null",
};

static void
script_groups(struct fake *f, int fd)
{
	for (size_t i = 0; i < ARRAY_LEN(group_pages); i++) {
		json_int_t id = srv_read_request(f, fd);
		char line[512];

		if (group_pages[i] != NULL) {
			srv_respond(f, fd, id, group_pages[i]);
			continue;
		}
		snprintf(line, sizeof(line), "{\"ok\":false,\"id\":%" JSON_INTEGER_FORMAT
			 ",\"error\":\"busy\"}\n", id);
		srv_send(f, fd, line);
	}
	/* The last request is read and not answered: the connection ends. */
	srv_read_request(f, fd);
}

static void
test_groups(void)
{
	static const char *const want[] = {
		"{\"cmd\":\"groups\",\"limit\":1024,\"cursor\":null}",
		"{\"cmd\":\"groups\",\"limit\":1024,\"cursor\":\"inside/239.0.0.3\"}",
		"{\"cmd\":\"groups\",\"limit\":1024,\"cursor\":\"inside2/0.0.0.0\"}",
		"{\"cmd\":\"groups\",\"limit\":1024,\"cursor\":null}",
		"{\"cmd\":\"groups\",\"limit\":1024,\"cursor\":null}",
		"{\"cmd\":\"groups\",\"limit\":1024,\"cursor\":\"inside/239.0.0.2\"}",
		"{\"cmd\":\"groups\",\"limit\":1024,\"cursor\":null}",
		"{\"cmd\":\"groups\",\"limit\":1024,\"cursor\":\"inside/239.0.0.2\"}",
		"{\"cmd\":\"groups\",\"limit\":1024,\"cursor\":null}",
		"{\"cmd\":\"groups\",\"limit\":1024,\"cursor\":null}",
		"{\"cmd\":\"groups\",\"limit\":7,\"cursor\":\"inside/1.2.3.4\"}",
	};
	struct fake f;
	struct igmpgw_client *c;
	json_t *resp;
	json_t *got_all;
	char *text;

	fake_start(&f, script_groups);
	c = igmpgw_client_connect(f.path);

	resp = igmpgw_client_groups(c);
	json_object_del(resp, "id");
	text = resp != NULL ? json_dumps(resp, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	TAP_CHECK(text != NULL && strcmp(text, "{\"groups\":[{\"group\":\"239.0.0.1\"},"
					 "{\"group\":\"239.0.0.2\"},{\"group\":\"239.0.0.3\"}],"
					 "\"ok\":true,\"tracking\":true}") == 0,
		  "groups: three pages, an empty one among them, make one table without a cursor: %s",
		  text != NULL ? text : "(null)");
	free(text);
	json_decref(resp);

	resp = igmpgw_client_groups(c);
	TAP_CHECK(resp != NULL && json_array_size(json_object_get(resp, "groups")) == 1 &&
		  json_object_get(resp, "cursor") == NULL,
		  "groups from a gateway that does not page: its whole table, one request");
	json_decref(resp);

	resp = igmpgw_client_groups(c);
	TAP_CHECK(resp != NULL && strcmp(str_field(resp, "error"), "busy") == 0,
		  "a page refused: the refusal is the answer");
	json_decref(resp);

	errno = 0;
	resp = igmpgw_client_groups(c);
	TAP_CHECK(resp == NULL && errno == EBADMSG, "a cursor that does not move on: EBADMSG (%s)",
		  strerror(errno));

	errno = 0;
	resp = igmpgw_client_groups(c);
	TAP_CHECK(resp == NULL && errno == EBADMSG, "groups that are not a list: EBADMSG (%s)",
		  strerror(errno));

	resp = igmpgw_client_groups(c);
	TAP_CHECK(resp != NULL && json_is_false(json_object_get(resp, "tracking")) &&
		  json_array_size(json_object_get(resp, "groups")) == 0,
		  "tracking off: an empty table");
	json_decref(resp);

	/* One page, as the caller asks for it; the fake ends there: ECONNRESET. */
	errno = 0;
	resp = igmpgw_client_groups_page(c, "inside/1.2.3.4", 7);
	TAP_CHECK(resp == NULL && errno == ECONNRESET, "groups_page: no answer, ECONNRESET (%s)",
		  strerror(errno));
	errno = 0;
	TAP_CHECK(igmpgw_client_groups_page(c, NULL, 0) == NULL && errno == EINVAL,
		  "limit 0: EINVAL");
	errno = 0;
	TAP_CHECK(igmpgw_client_groups_page(c, NULL, IGMPGW_CLIENT_GROUPS_PAGE_MAX + 1) == NULL &&
		  errno == EINVAL, "limit over IGMPGW_CLIENT_GROUPS_PAGE_MAX: EINVAL");
	igmpgw_client_close(c);
	got_all = fake_stop(&f, "groups");
	TAP_CHECK(json_array_size(got_all) == ARRAY_LEN(want), "the gateway got %zu requests "
		  "(want %zu)", json_array_size(got_all), ARRAY_LEN(want));
	for (size_t i = 0; i < ARRAY_LEN(want) && i < json_array_size(got_all); i++)
		TAP_CHECK(request_is(json_array_get(got_all, i), want[i]), "request %zu is %s", i,
			  want[i]);
	json_decref(got_all);
}

/* Events for dispatch, one that makes the callback ask something, then the end. */
static void
script_dispatch(struct fake *f, int fd)
{
	json_int_t id;

	srv_send(f, fd, "{\"event\":\"query\",\"seq\":1}\n{\"event\":\"query\",\"seq\":2}\n");
	srv_trickle(f, fd, "{\"event\":\"query\",\"seq\":3}\n");
	sem_wait(&f->go);
	srv_send(f, fd, "{\"event\":\"query\",\"seq\":4}\n{\"event\":\"query\",\"seq\":5}\n");
	sem_wait(&f->go);
	srv_send(f, fd, "{\"event\":\"query\",\"seq\":6,\"ask\":true}\n");
	id = srv_read_request(f, fd);
	srv_send(f, fd, "{\"event\":\"query\",\"seq\":7}\n");
	srv_respond(f, fd, id, "\"tag\":\"from-callback\"");
	sem_wait(&f->go);
}

struct collected {
	int64_t seq[16];
	int n;
	int stop_after;                    /* return non-zero after this many; 0: never */
	struct igmpgw_client *c;
	char answer[32];
};

static int
collect(json_t *ev, void *arg)
{
	struct collected *col = arg;

	if (col->n < (int)ARRAY_LEN(col->seq))
		col->seq[col->n++] = json_integer_value(json_object_get(ev, "seq"));
	if (json_is_true(json_object_get(ev, "ask"))) {
		json_t *resp = igmpgw_client_status(col->c);

		snprintf(col->answer, sizeof(col->answer), "%s", str_field(resp, "tag"));
		json_decref(resp);
	}
	return col->stop_after > 0 && col->n >= col->stop_after;
}

/* Polls and dispatches until want events came or 5 s passed. */
static void
dispatch_until(struct igmpgw_client *c, struct collected *col, int want)
{
	int64_t end = now_ms() + 5000;

	while (col->n < want && now_ms() < end) {
		struct pollfd pfd = { .fd = igmpgw_client_fd(c), .events = POLLIN };

		if (igmpgw_client_pending(c) == 0)
			poll(&pfd, 1, 100);
		if (igmpgw_client_dispatch(c, collect, col) < 0)
			break;
	}
}

static void
test_dispatch(void)
{
	struct fake f;
	struct igmpgw_client *c;
	struct collected col = { .n = 0 };
	int r;

	fake_start(&f, script_dispatch);
	c = igmpgw_client_connect(f.path);
	col.c = c;
	dispatch_until(c, &col, 3);
	TAP_CHECK(col.n == 3 && col.seq[0] == 1 && col.seq[1] == 2 && col.seq[2] == 3,
		  "dispatch hands out events in order, also one read in pieces (%d events)", col.n);
	r = igmpgw_client_dispatch(c, collect, &col);
	TAP_CHECK(r == 0, "dispatch with nothing to read returns 0 at once");

	sem_post(&f.go);
	col.stop_after = 4;
	/* Both events came in one send, so one read takes both; the callback stops after one. */
	poll(&(struct pollfd){ .fd = igmpgw_client_fd(c), .events = POLLIN }, 1, 5000);
	r = igmpgw_client_dispatch(c, collect, &col);
	TAP_CHECK(r == 1 && col.n == 4 && col.seq[3] == 4 && igmpgw_client_pending(c) == 1,
		  "a callback returning non-zero stops the dispatch, the rest stays queued "
		  "(%d dispatched, %zu pending)", r, igmpgw_client_pending(c));
	dispatch_until(c, &col, 5);
	TAP_CHECK(col.n == 5 && col.seq[4] == 5, "the event it left is handed out next time");

	sem_post(&f.go);
	col.stop_after = 0;
	dispatch_until(c, &col, 7);
	TAP_CHECK(strcmp(col.answer, "from-callback") == 0,
		  "a callback can send a request on the same client (%s)", col.answer);
	TAP_CHECK(col.n == 7 && col.seq[6] == 7,
		  "an event that came during the callback's request is dispatched too");

	sem_post(&f.go);
	fake_join(&f);
	errno = 0;
	r = igmpgw_client_dispatch(c, collect, &col);
	TAP_CHECK(r == -1 && errno == ECONNRESET, "dispatch at the end of the stream: -1, "
		  "ECONNRESET (%d, %s)", r, strerror(errno));
	igmpgw_client_close(c);
	json_decref(fake_stop(&f, "dispatch"));
}

/* More events than the client keeps, all before the response. */
static void
script_flood(struct fake *f, int fd)
{
	static const char ev[] = "{\"event\":\"query\"}\n";
	size_t n = IGMPGW_CLIENT_MAX_QUEUED + 10;
	char *all = malloc(n * (sizeof(ev) - 1));
	json_int_t id = srv_read_request(f, fd);

	if (all == NULL)
		abort();
	for (size_t i = 0; i < n; i++)
		memcpy(all + i * (sizeof(ev) - 1), ev, sizeof(ev) - 1);
	srv_send_n(f, fd, all, n * (sizeof(ev) - 1));
	free(all);
	srv_respond(f, fd, id, "");
	sem_wait(&f->go);
}

static void
test_queue_limit(void)
{
	struct fake f;
	struct igmpgw_client *c;
	json_t *resp;
	json_t *ev;
	size_t n = 0;
	json_int_t missed = -1;

	fake_start(&f, script_flood);
	c = igmpgw_client_connect(f.path);
	resp = igmpgw_client_status(c);
	TAP_CHECK(resp != NULL, "a response behind %d events still comes",
		  IGMPGW_CLIENT_MAX_QUEUED + 10);
	json_decref(resp);
	TAP_CHECK(igmpgw_client_pending(c) == IGMPGW_CLIENT_MAX_QUEUED + 1,
		  "the queue holds its limit plus the missed count (%zu)", igmpgw_client_pending(c));
	while ((ev = igmpgw_client_next_event(c, 0)) != NULL) {
		if (strcmp(str_field(ev, "event"), "missed") == 0)
			missed = json_integer_value(json_object_get(ev, "count"));
		else
			n++;
		json_decref(ev);
	}
	TAP_CHECK(n == IGMPGW_CLIENT_MAX_QUEUED && missed == 10,
		  "%zu events, then one \"missed\" event counting the other %lld", n,
		  (long long)missed);
	sem_post(&f.go);
	igmpgw_client_close(c);
	json_decref(fake_stop(&f, "queue limit"));
}

static void
test_item_parse(void)
{
	static const struct {
		const char *text;
		const char *why;
	} bad[] = {
		{ "", "empty" },
		{ "10.1.1.1", "unicast group" },
		{ "224.0.0.22", "link-local control group" },
		{ "224.0.0.255", "end of 224.0.0.0/24" },
		{ "239.1.1", "three parts" },
		{ "232.1.1.1 ", "trailing space" },
		{ "232.001.1.1", "leading zero" },
		{ "232.1.1.1@", "'@' without a source" },
		{ "232.1.1.1@10.0.0.1,", "empty last source" },
		{ "232.1.1.1@,10.0.0.1", "empty first source" },
		{ "232.1.1.1@232.1.1.2", "multicast source" },
		{ "232.1.1.1@0.0.0.0", "source 0.0.0.0" },
		{ "232.1.1.1@255.255.255.255", "broadcast source" },
		{ "232.1.1.1@10.0.0.1,10.0.0.1", "duplicate source" },
		{ "232.1.1.1@10.0.0.1@10.0.0.2", "two '@'" },
		{ "232.1.1.1@host", "name as source" },
	};
	struct igmpgw_item *it;
	char err[160];
	char text[2048];
	size_t len;

	it = igmpgw_item_parse("232.1.1.1", err, sizeof(err));
	TAP_CHECK(it != NULL && strcmp(it->group, "232.1.1.1") == 0 && it->n_sources == 0,
		  "item 232.1.1.1: a group, no sources");
	free(it);
	it = igmpgw_item_parse("224.0.1.1", err, sizeof(err));
	TAP_CHECK(it != NULL, "item 224.0.1.1: just past the link-local block");
	free(it);
	it = igmpgw_item_parse("239.255.255.255", err, sizeof(err));
	TAP_CHECK(it != NULL, "item 239.255.255.255: the last multicast address");
	free(it);
	it = igmpgw_item_parse("232.1.1.2@10.0.0.1,10.0.0.2", err, sizeof(err));
	TAP_CHECK(it != NULL && strcmp(it->group, "232.1.1.2") == 0 && it->n_sources == 2 &&
		  strcmp(it->sources[0], "10.0.0.1") == 0 && strcmp(it->sources[1], "10.0.0.2") == 0,
		  "item 232.1.1.2@10.0.0.1,10.0.0.2: a group and two sources");
	free(it);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		err[0] = '\0';
		errno = 0;
		it = igmpgw_item_parse(bad[i].text, err, sizeof(err));
		TAP_CHECK(it == NULL && errno == EINVAL && err[0] != '\0',
			  "item '%s' refused (%s): %s", bad[i].text, bad[i].why, err);
		free(it);
	}
	for (int n_src = 64; n_src <= 65; n_src++) {
		len = (size_t)snprintf(text, sizeof(text), "232.1.1.1");
		for (int i = 0; i < n_src; i++)
			len += (size_t)snprintf(text + len, sizeof(text) - len, "%c10.0.%d.%d",
						i == 0 ? '@' : ',', i / 200, i % 200 + 1);
		it = igmpgw_item_parse(text, err, sizeof(err));
		TAP_CHECK((it != NULL) == (n_src <= IGMPGW_CLIENT_MAX_SOURCES),
			  "item with %d sources %s", n_src, n_src <= 64 ? "accepted" : "refused");
		free(it);
	}
	TAP_CHECK(igmpgw_item_parse(NULL, NULL, 0) == NULL, "NULL text, NULL err: refused");
}

int
main(void)
{
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/igmpgw-test-client.XXXXXX");
	if (mkdtemp(tmp_dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_connect_errors();
	test_basic();
	test_interleaved();
	test_long_lines();
	test_eof();
	test_timeout();
	test_garbage();
	test_refused();
	test_wrappers();
	test_groups();
	test_dispatch();
	test_queue_limit();
	test_item_parse();
	rmdir(tmp_dir);
	return TAP_DONE();
}
