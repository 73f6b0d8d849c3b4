/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the wire codec: any byte string goes through the
 * packet and message parsers, and every message they accept must come back
 * byte for byte from the builders fed with what the parser read. A mismatch
 * aborts, so this finds wrong answers as well as crashes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "igmp_wire.h"

/* Builders cannot frame more than a 16-bit IPv4 total length minus their header. */
#define FUZZ_BUILD_MAX_LEN (UINT16_MAX - IGMP_IP_HDR_LEN)
/* The most addresses or records one message can hold. */
#define FUZZ_MAX_ADDRS (UINT16_MAX / 4)
#define FUZZ_MAX_RECORDS (UINT16_MAX / IGMP_V3_RECORD_MIN_LEN)

#define FUZZ_IGMP_CKSUM_OFF 2
#define FUZZ_IPV4_CKSUM_OFF 10
/* Reserved bits the builders always write as zero. */
#define FUZZ_V3_QUERY_RESV_OFF 8
#define FUZZ_V3_QUERY_RESV_MASK 0xf0

static uint8_t out[UINT16_MAX + 1];
static uint8_t expect[UINT16_MAX + 1];
static uint32_t addrs[FUZZ_MAX_ADDRS];
static struct igmp_record_spec specs[FUZZ_MAX_RECORDS];
/* Bytes read through the parser's pointers land here, so ASan sees every read. */
static volatile uint32_t sink;

/* 0x0000 and 0xffff are the same number in one's complement: both verify. */
static bool
checksum_equivalent(uint16_t a, uint16_t b)
{
	return a == b || (a == 0 && b == 0xffff) || (a == 0xffff && b == 0);
}

static void
touch(const uint8_t *p, size_t len)
{
	uint32_t acc = 0;
	size_t i;

	for (i = 0; i < len; i++)
		acc += p[i];
	sink += acc;
}

/* Every code means one value and every value gets the smallest code covering it. */
static void
check_codes(const uint8_t *data, size_t size)
{
	uint32_t value;
	uint8_t code;

	if (size >= 1) {
		code = data[0];
		FUZZ_ASSERT(igmp_code_encode(igmp_code_decode(code)) == code);
	}
	if (size < 4)
		return;
	memcpy(&value, data, sizeof(value));
	code = igmp_code_encode(value);
	if (value >= igmp_code_decode(0xff)) {
		FUZZ_ASSERT(code == 0xff);
		return;
	}
	FUZZ_ASSERT(igmp_code_decode(code) >= value);
	FUZZ_ASSERT(code == 0 || igmp_code_decode((uint8_t)(code - 1)) < value);
}

/* Walks a valid v3 report's records into specs[]; returns how many there were. */
static uint16_t
collect_records(const struct igmp_msg *msg)
{
	struct igmp_record rec;
	size_t pos = 0, n_addrs = 0, covered = IGMP_V3_REPORT_MIN_LEN;
	uint16_t n = 0;

	while (igmp_record_next(msg, &pos, &rec)) {
		FUZZ_ASSERT(n < msg->n_records);
		FUZZ_ASSERT(rec.sources == msg->raw + covered + IGMP_V3_RECORD_MIN_LEN);
		touch(rec.sources, (size_t)rec.n_sources * 4);
		touch(rec.aux, (size_t)rec.aux_words * 4);
		/* Copied: packet bytes are not aligned for uint32_t. */
		memcpy(addrs + n_addrs, rec.sources, (size_t)rec.n_sources * 4);
		specs[n] = (struct igmp_record_spec){
			.type = rec.type,
			.group = rec.group,
			.sources = addrs + n_addrs,
			.n_sources = rec.n_sources,
			.aux = rec.aux,
			.aux_words = rec.aux_words,
		};
		n_addrs += rec.n_sources;
		covered += IGMP_V3_RECORD_MIN_LEN + ((size_t)rec.n_sources + rec.aux_words) * 4;
		n++;
	}
	/* The iterator must see exactly the records the parser validated, nothing past them. */
	FUZZ_ASSERT(n == msg->n_records);
	FUZZ_ASSERT(covered == msg->len);
	return n;
}

/* Builds msg again into out[]; returns its length. */
static size_t
rebuild(const struct igmp_msg *msg)
{
	uint16_t n, next = 0, next_src = 0;
	size_t len;

	switch (msg->type) {
	case IGMP_TYPE_QUERY:
		if (msg->version != 3)
			break;
		FUZZ_ASSERT(msg->max_resp_ds == igmp_code_decode(msg->max_resp_code));
		FUZZ_ASSERT(msg->qqi_s == igmp_code_decode(msg->qqic));
		FUZZ_ASSERT(msg->len == IGMP_V3_QUERY_MIN_LEN + (size_t)msg->n_sources * 4);
		touch(msg->sources, (size_t)msg->n_sources * 4);
		memcpy(addrs, msg->sources, (size_t)msg->n_sources * 4);
		return igmp_build_v3_query(out, sizeof(out), msg->max_resp_code, msg->group,
					   msg->s_flag, msg->qrv, msg->qqic, addrs,
					   msg->n_sources);
	case IGMP_TYPE_V3_REPORT:
		n = collect_records(msg);
		/*
		 * The report builder sends nothing when it has no records;
		 * the 8 bytes of an empty report are v2-shaped.
		 */
		if (n == 0)
			return igmp_build_v2(out, sizeof(out), IGMP_TYPE_V3_REPORT, 0, 0);
		/* A budget of exactly the message's length must fit it whole, in one go. */
		len = igmp_build_v3_report(out, sizeof(out), msg->len, specs, n, &next, &next_src);
		FUZZ_ASSERT(next == n && next_src == 0);
		return len;
	default:
		break;
	}
	FUZZ_ASSERT(msg->len == IGMP_V2_LEN);
	return igmp_build_v2(out, sizeof(out), msg->type, msg->max_resp_code, msg->group);
}

/*
 * The bytes the builder must produce: the message with the reserved fields
 * it zeroes cleared. Returns whether that left it unchanged.
 */
static bool
expected_message(const struct igmp_msg *msg)
{
	memcpy(expect, msg->raw, msg->len);
	if (msg->type == IGMP_TYPE_QUERY && msg->version == 3) {
		expect[FUZZ_V3_QUERY_RESV_OFF] &= (uint8_t)~FUZZ_V3_QUERY_RESV_MASK;
	} else if (msg->type == IGMP_TYPE_V3_REPORT) {
		expect[1] = 0;
		expect[4] = 0;
		expect[5] = 0;
	}
	return memcmp(expect, msg->raw, msg->len) == 0;
}

/* msg was accepted from buf[0..len): it must rebuild to the same bytes. */
static void
check_message(const uint8_t *buf, size_t len, const struct igmp_msg *msg)
{
	bool same_ck;
	size_t n;

	FUZZ_ASSERT(msg->raw == buf);
	FUZZ_ASSERT(msg->len >= IGMP_V2_LEN && msg->len <= len);
	FUZZ_ASSERT(msg->checksum_ok);
	FUZZ_ASSERT(fuzz_ref_checksum(buf, len) == 0);
	if (msg->len > FUZZ_BUILD_MAX_LEN)
		return;

	n = rebuild(msg);
	FUZZ_ASSERT(n == msg->len);
	FUZZ_ASSERT(fuzz_ref_checksum(out, n) == 0);

	/*
	 * The wire checksum covers padding and reserved bits, the rebuilt one
	 * neither: they must agree only when those add nothing to the sum.
	 */
	same_ck = expected_message(msg) && fuzz_ref_checksum(buf, msg->len) == 0;
	FUZZ_ASSERT(memcmp(out, expect, FUZZ_IGMP_CKSUM_OFF) == 0);
	FUZZ_ASSERT(memcmp(out + FUZZ_IGMP_CKSUM_OFF + 2, expect + FUZZ_IGMP_CKSUM_OFF + 2,
			   n - FUZZ_IGMP_CKSUM_OFF - 2) == 0);
	if (same_ck)
		FUZZ_ASSERT(checksum_equivalent(fuzz_be16(out + FUZZ_IGMP_CKSUM_OFF),
						fuzz_be16(buf + FUZZ_IGMP_CKSUM_OFF)));
}

/* A header in exactly the form igmp_build_ipv4_header writes, for a payload of len bytes. */
static bool
is_builder_header(const uint8_t *hdr, const struct igmp_ipv4 *ip, size_t len)
{
	static const uint8_t ra[] = { 0x94, 0x04, 0x00, 0x00 };

	return ip->hdr_len == IGMP_IP_HDR_LEN && ip->total_len == IGMP_IP_HDR_LEN + len &&
	       hdr[1] == IGMP_IP_TOS && fuzz_be16(hdr + 4) == 0 && fuzz_be16(hdr + 6) == 0 &&
	       hdr[8] == IGMP_IP_TTL && memcmp(hdr + 20, ra, sizeof(ra)) == 0;
}

/*
 * Puts the builder's IPv4 header in front of the message check_message just
 * rebuilt into out[]: the packet must parse back to the same addresses and
 * message, and equal the input when the input's header had the builder's form.
 */
static void
check_packet(const uint8_t *pkt, const struct igmp_ipv4 *ip, const struct igmp_msg *msg)
{
	static uint8_t again[UINT16_MAX + 1];
	struct igmp_ipv4 ip2;
	struct igmp_msg msg2;
	size_t hl;

	FUZZ_ASSERT(ip->payload == pkt + ip->hdr_len);
	FUZZ_ASSERT((size_t)ip->hdr_len + ip->payload_len == ip->total_len);
	touch(pkt, ip->total_len);
	if (msg->len > FUZZ_BUILD_MAX_LEN)
		return;

	hl = igmp_build_ipv4_header(again, sizeof(again), ip->src, ip->dst, msg->len);
	FUZZ_ASSERT(hl == IGMP_IP_HDR_LEN);
	FUZZ_ASSERT(fuzz_ref_checksum(again, hl) == 0);
	memcpy(again + hl, out, msg->len);
	FUZZ_ASSERT(igmp_packet_parse(again, hl + msg->len, &ip2, &msg2) == IGMP_OK);
	FUZZ_ASSERT(ip2.src == ip->src && ip2.dst == ip->dst && ip2.router_alert);
	FUZZ_ASSERT(ip2.tos == IGMP_IP_TOS && ip2.ttl == IGMP_IP_TTL);
	FUZZ_ASSERT(msg2.type == msg->type && msg2.version == msg->version &&
		    msg2.len == msg->len && msg2.group == msg->group &&
		    msg2.n_sources == msg->n_sources && msg2.n_records == msg->n_records);

	if (is_builder_header(pkt, ip, msg->len)) {
		FUZZ_ASSERT(memcmp(again, pkt, FUZZ_IPV4_CKSUM_OFF) == 0);
		FUZZ_ASSERT(memcmp(again + FUZZ_IPV4_CKSUM_OFF + 2, pkt + FUZZ_IPV4_CKSUM_OFF + 2,
				   hl - FUZZ_IPV4_CKSUM_OFF - 2) == 0);
		FUZZ_ASSERT(checksum_equivalent(fuzz_be16(again + FUZZ_IPV4_CKSUM_OFF),
						fuzz_be16(pkt + FUZZ_IPV4_CKSUM_OFF)));
	}
}

/* The checksum bytes may decide a checksum error and nothing else. */
static void
check_repaired_result(enum igmp_wire_error raw, enum igmp_wire_error repaired)
{
	FUZZ_ASSERT(repaired != IGMP_ERR_BAD_IP_CHECKSUM);
	FUZZ_ASSERT(repaired != IGMP_ERR_BAD_IGMP_CHECKSUM);
	if (raw == IGMP_ERR_BAD_IGMP_CHECKSUM)
		FUZZ_ASSERT(repaired == IGMP_OK);
	else if (raw != IGMP_ERR_BAD_IP_CHECKSUM)
		FUZZ_ASSERT(repaired == raw);
}

/* data as a bare IGMP message, the form of the conformance payload files. */
static void
fuzz_message(const uint8_t *data, size_t size)
{
	static uint8_t fixed[UINT16_MAX + 1];
	struct igmp_msg msg;
	enum igmp_wire_error err, err2;

	err = igmp_parse(data, size, &msg);
	FUZZ_ASSERT(strcmp(igmp_wire_error_name(err), "invalid") != 0);
	if (err == IGMP_OK)
		check_message(data, size, &msg);

	if (size > sizeof(fixed))
		return;
	memcpy(fixed, data, size);
	if (size >= FUZZ_IGMP_CKSUM_OFF + 2)
		fuzz_put_checksum(fixed, size, FUZZ_IGMP_CKSUM_OFF);
	err2 = igmp_parse(fixed, size, &msg);
	check_repaired_result(err, err2);
	if (err2 == IGMP_OK)
		check_message(fixed, size, &msg);
}

/* data as a whole IPv4 packet. */
static void
fuzz_packet(const uint8_t *data, size_t size)
{
	static uint8_t fixed[UINT16_MAX + 1];
	struct igmp_ipv4 ip;
	struct igmp_msg msg;
	enum igmp_wire_error err, err2;

	err = igmp_packet_parse(data, size, &ip, &msg);
	if (err == IGMP_OK) {
		check_message(ip.payload, ip.payload_len, &msg);
		check_packet(data, &ip, &msg);
	}

	if (size > sizeof(fixed))
		return;
	memcpy(fixed, data, size);
	fuzz_repair_ipv4(fixed, size);
	err2 = igmp_packet_parse(fixed, size, &ip, &msg);
	check_repaired_result(err, err2);
	if (err2 == IGMP_OK) {
		check_message(ip.payload, ip.payload_len, &msg);
		check_packet(fixed, &ip, &msg);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FUZZ_ASSERT(igmp_inet_checksum(data, size) == fuzz_ref_checksum(data, size));
	/* Odd start addresses too: the codec reads wide words through memcpy. */
	if (size > 0)
		FUZZ_ASSERT(igmp_inet_checksum(data + 1, size - 1) ==
			    fuzz_ref_checksum(data + 1, size - 1));
	check_codes(data, size);
	fuzz_message(data, size);
	fuzz_packet(data, size);
	return 0;
}
