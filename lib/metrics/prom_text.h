/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus text exposition format (version 0.0.4), written into a
 * growing buffer: metric families with their HELP and TYPE lines, samples
 * with labels, the escaping the format asks for. Pure: no EAL, no threads.
 */
#ifndef IGMPGW_PROM_TEXT_H
#define IGMPGW_PROM_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The Content-Type of what this writes. */
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum prom_type {
	PROM_COUNTER,
	PROM_GAUGE,
};

/* One label of a sample: name="value". */
struct prom_label {
	const char *name;
	const char *value;
};

/*
 * The text being written. A write that cannot get memory marks it failed
 * (every later write is a no-op) instead of leaving half a line.
 */
struct prom_buf {
	char *text;
	size_t len;
	size_t cap;
	bool failed;
};

/* An empty buffer; prom_buf_free() releases what it grew to. */
void prom_buf_init(struct prom_buf *b);
void prom_buf_free(struct prom_buf *b);

/*
 * Hands the text (NUL-terminated, *len bytes without it) to the caller, who
 * frees it with free(); NULL when a write failed. The buffer is empty after.
 */
char *prom_buf_take(struct prom_buf *b, size_t *len);

/* [a-zA-Z_:][a-zA-Z0-9_:]*: what a metric name may be (labels: no ':'). */
bool prom_name_valid(const char *name);
bool prom_label_name_valid(const char *name);

/*
 * "# HELP name help" and "# TYPE name type": starts the family every sample
 * of that name follows. help may hold any text (a backslash and a newline are
 * escaped). Returns 0, or -EINVAL for a name the format does not take.
 */
int prom_family(struct prom_buf *b, const char *name, enum prom_type type, const char *help);

/* One sample "name{l1="v1",...} value"; n_labels may be 0. 0 or -EINVAL. */
int prom_sample(struct prom_buf *b, const char *name, const struct prom_label *labels,
		size_t n_labels, uint64_t value);
/* The same with a real value (seconds, shares): NaN and infinities as the format spells them. */
int prom_sample_real(struct prom_buf *b, const char *name, const struct prom_label *labels,
		     size_t n_labels, double value);

#endif
