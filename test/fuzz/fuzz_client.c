/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the client library's reply side (lib/client/igmpgw_client.h):
 * the input is what a gateway sends on the socket. A real unix socket carries
 * it to a real client, which sends requests, takes events and dispatches in
 * the order the first byte picks. Whatever came, a response handed out is an
 * object with "ok", an event an object with "event", a failure one of the
 * documented errnos, and the stream ends as ECONNRESET. The text up to the
 * first newline also goes through igmpgw_item_parse().
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "igmpgw_client.h"

/* The server writes the whole input before the client reads: keep it within a socket buffer. */
#define FUZZ_MAX_INPUT 65536
#define FUZZ_OPS 4

static char sock_dir[] = "/tmp/igmpgw-fuzz-client.XXXXXX";
static char sock_path[sizeof(struct sockaddr_un)];
static int listen_fd = -1;

static void
remove_socket(void)
{
	unlink(sock_path);
	rmdir(sock_dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);
	FUZZ_ASSERT(mkdtemp(sock_dir) != NULL);
	snprintf(sock_path, sizeof(sock_path), "%s/s", sock_dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	FUZZ_ASSERT(listen_fd >= 0);
	FUZZ_ASSERT(bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	FUZZ_ASSERT(listen(listen_fd, 4) == 0);
	atexit(remove_socket);
	return 0;
}

static void
check_response(json_t *resp)
{
	const char *err;

	if (resp == NULL) {
		FUZZ_ASSERT(errno == ECONNRESET || errno == EBADMSG || errno == EMSGSIZE);
		FUZZ_ASSERT(igmpgw_client_error(NULL) != NULL);
		return;
	}
	FUZZ_ASSERT(json_is_object(resp));
	FUZZ_ASSERT(json_object_get(resp, "ok") != NULL);
	FUZZ_ASSERT(!json_is_string(json_object_get(resp, "event")));
	err = igmpgw_client_error(resp);
	FUZZ_ASSERT((err == NULL) == json_is_true(json_object_get(resp, "ok")));
	json_decref(resp);
}

static void
check_event(const json_t *ev)
{
	FUZZ_ASSERT(json_is_object(ev));
	FUZZ_ASSERT(json_is_string(json_object_get(ev, "event")));
}

static int
on_event(json_t *ev, void *arg)
{
	size_t *n = arg;

	check_event(ev);
	(*n)++;
	return 0;
}

static void
fuzz_item(const uint8_t *data, size_t size)
{
	char text[512], err[256];
	struct igmpgw_item *item, *again;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t len = nl != NULL ? (size_t)(nl - data) : size;

	if (len >= sizeof(text))
		return;
	memcpy(text, data, len);
	text[len] = '\0';
	err[0] = '\0';
	item = igmpgw_item_parse(text, err, sizeof(err));
	if (item == NULL) {
		FUZZ_ASSERT(errno == EINVAL && err[0] != '\0');
		return;
	}
	FUZZ_ASSERT(item->n_sources <= IGMPGW_CLIENT_MAX_SOURCES);
	FUZZ_ASSERT((item->sources == NULL) == (item->n_sources == 0));
	/* The canonical group alone parses again to the same group. */
	again = igmpgw_item_parse(item->group, err, sizeof(err));
	FUZZ_ASSERT(again != NULL && strcmp(again->group, item->group) == 0);
	free(again);
	free(item);
}

static void
fuzz_stream(const uint8_t *data, size_t size)
{
	static const char *const events[] = { "query" };
	int sndbuf = 4 * FUZZ_MAX_INPUT;
	struct igmpgw_client *c;
	uint8_t script;
	size_t off = 0, n_events;
	json_t *ev;
	int i, fd, r, loops;
	ssize_t n;

	if (size == 0 || size > FUZZ_MAX_INPUT)
		return;
	script = data[0];
	c = igmpgw_client_connect(sock_path);
	FUZZ_ASSERT(c != NULL);
	fd = accept(listen_fd, NULL, NULL);
	FUZZ_ASSERT(fd >= 0);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	while (off + 1 < size) {
		n = write(fd, data + 1 + off, size - 1 - off);
		FUZZ_ASSERT(n > 0);
		off += (size_t)n;
	}
	/* The gateway is done talking but still reads our requests. */
	shutdown(fd, SHUT_WR);

	for (i = 0; i < FUZZ_OPS; i++) {
		switch ((script >> (2 * i)) & 3) {
		case 0:
			check_response(igmpgw_client_status(c));
			break;
		case 1:
			ev = igmpgw_client_next_event(c, 0);
			if (ev == NULL)
				FUZZ_ASSERT(errno == ECONNRESET || errno == ETIMEDOUT);
			else
				check_event(ev);
			json_decref(ev);
			break;
		case 2:
			n_events = 0;
			r = igmpgw_client_dispatch(c, on_event, &n_events);
			FUZZ_ASSERT(r < 0 ? errno == ECONNRESET : (size_t)r == n_events);
			break;
		default:
			check_response(igmpgw_client_subscribe(c, events, 1));
			break;
		}
	}
	/* Everything left comes out as events, then the end of the stream. */
	for (loops = 0; loops <= (int)size + 1; loops++) {
		ev = igmpgw_client_next_event(c, 1000);
		if (ev == NULL)
			break;
		check_event(ev);
		json_decref(ev);
	}
	FUZZ_ASSERT(ev == NULL && errno == ECONNRESET);
	FUZZ_ASSERT(igmpgw_client_pending(c) == 0);
	check_response(igmpgw_client_stats(c));
	igmpgw_client_close(c);
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_item(data, size);
	fuzz_stream(data, size);
	return 0;
}
