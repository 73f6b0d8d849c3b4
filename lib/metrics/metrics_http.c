/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The /metrics endpoint on libmicrohttpd's own thread. The text is a
 * reference-counted snapshot: publishing swaps the pointer under a mutex held
 * for the swap only, and a scrape that started on the old text keeps it until
 * libmicrohttpd has sent it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "metrics_http.h"
#include "prom_text.h"

#define CONNECTION_LIMIT 16
#define CONNECTION_TIMEOUT_S 10

struct snapshot {
	unsigned int refs;
	size_t len;
	char *text;
};

struct metrics_http {
	struct MHD_Daemon *daemon;
	int fd;
	uint16_t port;
	pthread_mutex_t lock;            /* guards current: the swap and the reference taken */
	struct snapshot *current;
	uint64_t scrapes;
};

static void
snapshot_put(void *arg)
{
	struct snapshot *s = arg;

	if (s != NULL && __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(s->text);
		free(s);
	}
}

static struct snapshot *
snapshot_get(struct metrics_http *h)
{
	struct snapshot *s;

	pthread_mutex_lock(&h->lock);
	s = h->current;
	if (s != NULL)
		__atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&h->lock);
	return s;
}

static enum MHD_Result
reply_static(struct MHD_Connection *c, unsigned int status, const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
	   const char *version, const char *upload_data, size_t *upload_data_size, void **req)
{
	struct metrics_http *h = cls;
	struct MHD_Response *r;
	struct snapshot *s;
	enum MHD_Result ret;

	(void)version;
	(void)upload_data;
	/* First call: headers only. A GET has no body to wait for. */
	if (*req == NULL) {
		*req = h;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_static(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n");
	if (strcmp(url, "/metrics") != 0)
		return reply_static(c, MHD_HTTP_NOT_FOUND, "igmpgw serves /metrics only\n");
	s = snapshot_get(h);
	if (s == NULL)
		return reply_static(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no metrics yet\n");
	r = MHD_create_response_from_buffer_with_free_callback_cls(s->len, s->text, snapshot_put,
								   s);
	if (r == NULL) {
		snapshot_put(s);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, PROM_CONTENT_TYPE);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	__atomic_add_fetch(&h->scrapes, 1, __ATOMIC_RELAXED);
	return ret;
}

static socklen_t
addr_len(const struct sockaddr *addr)
{
	return addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
		sizeof(struct sockaddr_in);
}

/* Our own bind, so a failure says why (libmicrohttpd's start only fails). */
static int
listen_on(const struct sockaddr *addr, uint16_t *port, char *err, size_t err_len)
{
	struct sockaddr_storage bound;
	socklen_t len = sizeof(bound);
	int one = 1;
	int fd;

	fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, err_len, "cannot create a socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, addr, addr_len(addr)) < 0 || listen(fd, CONNECTION_LIMIT) < 0 ||
	    getsockname(fd, (struct sockaddr *)&bound, &len) < 0) {
		snprintf(err, err_len, "cannot listen: %s", strerror(errno));
		close(fd);
		return -1;
	}
	*port = ntohs(bound.ss_family == AF_INET6 ?
		      ((struct sockaddr_in6 *)&bound)->sin6_port :
		      ((struct sockaddr_in *)&bound)->sin_port);
	return fd;
}

struct metrics_http *
metrics_http_start(const struct sockaddr *addr, char *err, size_t err_len)
{
	struct metrics_http *h = calloc(1, sizeof(*h));
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;

	if (h == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	h->fd = listen_on(addr, &h->port, err, err_len);
	if (h->fd < 0) {
		free(h);
		return NULL;
	}
	if (addr->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
				     MHD_OPTION_LISTEN_SOCKET, (MHD_socket)h->fd,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONNECTION_LIMIT,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_TIMEOUT_S,
				     MHD_OPTION_END);
	if (h->daemon == NULL) {
		snprintf(err, err_len, "libmicrohttpd could not start its thread");
		close(h->fd);
		free(h);
		return NULL;
	}
	return h;
}

uint16_t
metrics_http_port(const struct metrics_http *h)
{
	return h->port;
}

void
metrics_http_publish(struct metrics_http *h, char *text, size_t len)
{
	struct snapshot *s = malloc(sizeof(*s));
	struct snapshot *old;

	if (s == NULL) {
		free(text);
		return; /* the last text stays: old numbers beat no numbers */
	}
	s->refs = 1;
	s->len = len;
	s->text = text;
	pthread_mutex_lock(&h->lock);
	old = h->current;
	h->current = s;
	pthread_mutex_unlock(&h->lock);
	snapshot_put(old);
}

uint64_t
metrics_http_scrapes(const struct metrics_http *h)
{
	return __atomic_load_n(&h->scrapes, __ATOMIC_RELAXED);
}

void
metrics_http_stop(struct metrics_http *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->daemon); /* closes the listening socket too */
	snapshot_put(h->current);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
