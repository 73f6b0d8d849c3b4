/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reports waiting for an outside port's rate ([limits]
 * upstream_reports_per_second), coalesced while they wait and kept in order:
 * a v1/v2 report or leave of a group still waiting changes that message in
 * place (the group's latest state, rebuilt), an IGMPv3 report is merged into
 * the v3 report waiting last (its records appended, a record repeating that
 * group's last one dropped). Nothing overtakes: a v2 message only merges
 * into its group's waiting one while no v3 report came after it, so a leave
 * never passes a join of its group. Pure: no EAL, no threads.
 */
#ifndef IGMPGW_REPORT_COALESCE_H
#define IGMPGW_REPORT_COALESCE_H

#include <stddef.h>
#include <stdint.h>

#define RCOAL_COUNTERS(X) \
	X(RCOAL_QUEUED, "queued", "reports taken in a place of their own") \
	X(RCOAL_MERGED, "merged", "reports merged into one waiting (a group's later state, v3 records appended)") \
	X(RCOAL_DROPPED_FULL, "dropped_full", "reports refused: the queue held its bound") \
	X(RCOAL_INVALID, "invalid", "messages too short or too long for their type, refused")

enum rcoal_counter {
#define RCOAL_COUNTER_ENUM(code, name, help) code,
	RCOAL_COUNTERS(RCOAL_COUNTER_ENUM)
#undef RCOAL_COUNTER_ENUM
	RCOAL_CTR_COUNT
};

const char *rcoal_counter_name(enum rcoal_counter c);

struct rcoal;

/*
 * bound: messages waiting at most, and bound x 256 bytes of them at most (a
 * v3 report keeps room bytes to merge into); room: the largest message (the
 * port's MTU less the IPv4 header), what merged v3 reports may grow to.
 * NULL: errno set.
 */
struct rcoal *rcoal_create(uint32_t bound, uint16_t room);
void rcoal_free(struct rcoal *c);

/*
 * Takes msg (an IGMP message, its checksum right) for dst. Returns 0 (a place
 * of its own), 1 (merged), -ENOBUFS (full), -EINVAL (malformed), -ENOMEM.
 * Other types than reports and leaves wait as they are, unmerged.
 */
int rcoal_add(struct rcoal *c, uint32_t dst, const uint8_t *msg, uint16_t len);

/* The first message waiting, as it now is, into buf (>= room); its length, 0: none. */
uint16_t rcoal_peek(const struct rcoal *c, uint32_t *dst, uint8_t *buf, uint16_t cap);

/* Forgets the first message waiting. */
void rcoal_pop(struct rcoal *c);

uint32_t rcoal_depth(const struct rcoal *c);
uint64_t rcoal_counter(const struct rcoal *c, enum rcoal_counter k);
size_t rcoal_memory(const struct rcoal *c);

/*
 * next's records appended to last, both IGMPv3 reports, in place (up to room
 * bytes): a router takes a report's records in order (RFC 3376 §6.4), so one
 * report holding both lists means what the two meant back to back. Returns
 * last's new length, 0 when either is not a v3 report or the sum would pass
 * room. The merge of tx_pacer_enqueue_merge for the gateway's own reports.
 */
uint16_t rcoal_merge_v3(uint8_t *last, uint16_t last_len, uint16_t room, const uint8_t *next,
			uint16_t next_len);

#endif
