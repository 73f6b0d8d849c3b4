/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sanitizer lane's canary: one heap overflow ASan must report, one
 * signed overflow UBSan must report. scripts/sanitize.sh runs it under the
 * same options as everything else and requires both reports in the
 * collected logs, so a lane that stopped collecting cannot pass quietly.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
	volatile int big = INT_MAX;
	char *p = malloc(8);
	int sum;

	(void)argv;
	sum = big + argc;               /* UBSan: signed integer overflow */
	printf("%d\n", sum);
	/* Read back: the optimiser may not drop a store to memory freed next. */
	p[8] = 1;                       /* ASan: heap-buffer-overflow (halts) */
	printf("%d\n", p[8]);
	free(p);
	return 0;
}
