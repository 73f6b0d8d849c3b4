/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A few macros that make a unit test print TAP, so meson counts every case
 * (meson test runs these with protocol: 'tap').
 */
#ifndef IGMPGW_TAP_H
#define IGMPGW_TAP_H

#include <stdio.h>

static int tap_count;
static int tap_failed;

/* One TAP line per case; a failing case prints where and why on stderr. */
#define TAP_CHECK(cond, ...) do { \
	tap_count++; \
	if (cond) { \
		printf("ok %d - ", tap_count); \
	} else { \
		tap_failed++; \
		printf("not ok %d - ", tap_count); \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	} \
	printf(__VA_ARGS__); \
	printf("\n"); \
} while (0)

/* An integer check that prints what it got, and what it wanted when they differ. */
#define CHECK_INT(got, want, ...) do { \
	long long got_ = (long long)(got); \
	long long want_ = (long long)(want); \
	char what_[200]; \
	snprintf(what_, sizeof(what_), __VA_ARGS__); \
	if (got_ == want_) \
		TAP_CHECK(true, "%s: %lld", what_, got_); \
	else \
		TAP_CHECK(false, "%s: %lld (want %lld)", what_, got_, want_); \
} while (0)

/* Call last: prints the plan and gives main its exit status. */
#define TAP_DONE() (printf("1..%d\n", tap_count), tap_failed ? 1 : 0)

#endif
