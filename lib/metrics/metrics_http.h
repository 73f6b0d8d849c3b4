/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The /metrics endpoint: libmicrohttpd on a thread of its own serves the last
 * text published to it, and nothing else. Whoever owns the state renders the
 * text (prom_text.h) and publishes it; the server thread never reads that
 * state. No EAL.
 */
#ifndef IGMPGW_METRICS_HTTP_H
#define IGMPGW_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct metrics_http;

/*
 * Listens on addr (IPv4 or IPv6; port 0: any free one) and serves GET
 * /metrics from its own thread. Until the first publish a scrape gets 503.
 * Returns NULL and writes the reason to err (the address in use, not on
 * this box...).
 */
struct metrics_http *metrics_http_start(const struct sockaddr *addr, char *err, size_t err_len);

/* The TCP port it listens on (what port 0 became). */
uint16_t metrics_http_port(const struct metrics_http *h);

/*
 * Replaces what /metrics serves with text (len bytes, from malloc: the
 * server frees it). Never waits for a scrape: a scrape in progress keeps
 * its own reference to the text it started with.
 */
void metrics_http_publish(struct metrics_http *h, char *text, size_t len);

/* Scrapes served so far (from any thread). */
uint64_t metrics_http_scrapes(const struct metrics_http *h);

/* Stops the thread, closes the socket, frees the text. NULL is fine. */
void metrics_http_stop(struct metrics_http *h);

#endif
