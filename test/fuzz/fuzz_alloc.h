/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forced into the membership library's sources by the fuzz build
 * (-include): its allocations go through counting wrappers, so the target can
 * hold mship_memory() to the bytes really held, after every step.
 */
#ifndef IGMPGW_FUZZ_ALLOC_H
#define IGMPGW_FUZZ_ALLOC_H

#include <stdlib.h>

void *fuzz_malloc(size_t size);
void *fuzz_calloc(size_t n, size_t size);
void *fuzz_realloc(void *p, size_t size);
void fuzz_free(void *p);

#define malloc fuzz_malloc
#define calloc fuzz_calloc
#define realloc fuzz_realloc
#define free fuzz_free

#endif
