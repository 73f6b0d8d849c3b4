/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * [metrics] listen: the Prometheus endpoint. The main lcore renders every
 * counter and gauge into the text format once a period and publishes it; the
 * HTTP server (lib/metrics, its own thread) serves only that text, so it never
 * touches the state the main lcore owns.
 */
#ifndef IGMPGW_METRICS_H
#define IGMPGW_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* Renders the whole text once now (also for tests). NULL when out of memory. */
char *gw_metrics_render(size_t *len);

/* Starts the endpoint when [metrics] listen is given; one error line otherwise. */
int gw_metrics_open(char *err, size_t err_len);

/* Publishes a fresh rendering once a period. Main lcore. */
void gw_metrics_poll(uint64_t now_ms);

/* Stops the server thread. */
void gw_metrics_close(void);

#endif
