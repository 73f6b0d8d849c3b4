/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the forwarding table stores, apart from the table itself, so pure
 * modules can build entries without DPDK.
 */
#ifndef IGMPGW_FWD_TYPES_H
#define IGMPGW_FWD_TYPES_H

#include <stdint.h>

/* A set of ports, bit i = port (role) i. */
typedef uint32_t fwd_mask_t;

/*
 * Per-source exceptions to a group's any-source ports: ports in include want
 * S although they do not want G from any source (RFC 3376 INCLUDE), ports in
 * exclude do not want S although they want every other source (EXCLUDE).
 */
struct fwd_source {
	uint32_t addr;           /* network order */
	fwd_mask_t include;
	fwd_mask_t exclude;
};

/* Sources one group's entry can hold: also the bound on [limits] max_sources_per_group. */
#define FWD_MAX_SOURCES 256

#endif
