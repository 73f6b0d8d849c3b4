/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every fuzz target shares: the check that aborts with a line libFuzzer
 * and scripts/fuzz.sh recognise, and the RFC 1071 checksum written the slow,
 * obvious way so the targets can give mutated packets correct checksums.
 */
#ifndef IGMPGW_FUZZ_COMMON_H
#define IGMPGW_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_ASSERT(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static inline uint16_t
fuzz_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* RFC 1071: big-endian 16-bit words, an odd byte padded with zero. */
static inline uint16_t
fuzz_ref_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		sum += fuzz_be16(p + i);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	if (len % 2 != 0) {
		sum += (uint32_t)p[len - 1] << 8;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)~sum;
}

/* Stores the checksum of buf[0..len) in its field at off. */
static inline void
fuzz_put_checksum(uint8_t *buf, size_t len, size_t off)
{
	uint16_t ck;

	buf[off] = 0;
	buf[off + 1] = 0;
	ck = fuzz_ref_checksum(buf, len);
	buf[off] = (uint8_t)(ck >> 8);
	buf[off + 1] = (uint8_t)ck;
}

/*
 * Gives an IPv4 packet correct IPv4 and IGMP checksums wherever its own header
 * says they are: random mutations almost never keep one right, and without
 * this every mutated packet would stop at the checksum check.
 */
static inline void
fuzz_repair_ipv4(uint8_t *pkt, size_t len)
{
	size_t hl, tl;

	if (len < 20 || pkt[0] >> 4 != 4)
		return;
	hl = (size_t)(pkt[0] & 0x0f) * 4;
	if (hl < 20 || hl > len)
		return;
	fuzz_put_checksum(pkt, hl, 10);
	tl = fuzz_be16(pkt + 2);
	if (pkt[9] == 2 && tl <= len && tl >= hl + 4)
		fuzz_put_checksum(pkt + hl, tl - hl, 2);
}

#endif
