/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the IGMP/IPv4 wire codec: every message type parsed and built,
 * every rejection reason provoked, every prefix of a valid packet refused.
 * Prefixes and random inputs are parsed from exact-size heap copies, so a
 * sanitizer build catches any read past the end.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "igmp_wire.h"
#include "tap.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Compares two reasons; the TAP line names what came out, and on failure what was due. */
#define CHECK_ERR(got, want, ...) do { \
	enum igmp_wire_error got_ = (got); \
	enum igmp_wire_error want_ = (want); \
	char what_[160]; \
	snprintf(what_, sizeof(what_), __VA_ARGS__); \
	TAP_CHECK(got_ == want_, "%s: %s%s%s%s", what_, igmp_wire_error_name(got_), \
		  got_ == want_ ? "" : " (want ", \
		  got_ == want_ ? "" : igmp_wire_error_name(want_), got_ == want_ ? "" : ")"); \
} while (0)

/* "none" or the first failing length/offset/iteration, for a TAP line. */
static const char *
first_bad(size_t v)
{
	static char buf[32];

	if (v == SIZE_MAX)
		return "none";
	snprintf(buf, sizeof(buf), "%zu", v);
	return buf;
}

static uint32_t
addr(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return htonl((uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d);
}

static uint32_t
get_addr(const uint8_t *p)
{
	uint32_t a;

	memcpy(&a, p, 4);
	return a;
}

static uint16_t
get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Recomputes the IGMP checksum of buf[0..len), as a sender would. */
static void
igmp_fix_checksum(uint8_t *buf, size_t len)
{
	buf[2] = 0;
	buf[3] = 0;
	put_be16(buf + 2, igmp_inet_checksum(buf, len));
}

/* Recomputes the IPv4 header checksum over the header IHL announces. */
static void
ip_fix_checksum(uint8_t *pkt)
{
	size_t hdr_len = (size_t)(pkt[0] & 0x0f) * 4;

	pkt[10] = 0;
	pkt[11] = 0;
	put_be16(pkt + 10, igmp_inet_checksum(pkt, hdr_len));
}

/* Frames an IGMP message in the gateway's own IPv4 header. */
static size_t
wrap_ip(uint8_t *pkt, size_t cap, const uint8_t *igmp, size_t len)
{
	size_t hdr = igmp_build_ipv4_header(pkt, cap, addr(10, 0, 0, 1), addr(224, 0, 0, 22),
					    (uint16_t)len);

	if (hdr == 0 || hdr + len > cap)
		return 0;
	memcpy(pkt + hdr, igmp, len);
	return hdr + len;
}

/*
 * Builds an IPv4 packet with the given options (a multiple of 4 bytes) around
 * an 8-byte v2 report, with correct checksums.
 */
static size_t
make_ip_with_options(uint8_t *pkt, const uint8_t *opts, size_t opt_len)
{
	size_t hdr_len = 20 + opt_len;
	size_t len = hdr_len + IGMP_V2_LEN;

	memset(pkt, 0, len);
	pkt[0] = (uint8_t)(0x40 | hdr_len / 4);
	pkt[1] = IGMP_IP_TOS;
	put_be16(pkt + 2, (uint16_t)len);
	pkt[8] = IGMP_IP_TTL;
	pkt[9] = IGMP_IP_PROTO;
	memcpy(pkt + 12, &(uint32_t){ addr(10, 0, 0, 1) }, 4);
	memcpy(pkt + 16, &(uint32_t){ addr(232, 1, 2, 3) }, 4);
	if (opt_len > 0)
		memcpy(pkt + 20, opts, opt_len);
	ip_fix_checksum(pkt);
	igmp_build_v2(pkt + hdr_len, IGMP_V2_LEN, IGMP_TYPE_V2_REPORT, 0, addr(232, 1, 2, 3));
	return len;
}

/* An exact-size heap copy: any read past len trips the address sanitizer. */
static uint8_t *
dup_exact(const uint8_t *buf, size_t len)
{
	uint8_t *p = malloc(len > 0 ? len : 1);

	if (p == NULL) {
		perror("malloc");
		exit(2);
	}
	if (len > 0)
		memcpy(p, buf, len);
	return p;
}

static enum igmp_wire_error
parse_exact(const uint8_t *buf, size_t len)
{
	struct igmp_msg msg;
	enum igmp_wire_error err;
	uint8_t *p = dup_exact(buf, len);

	err = igmp_parse(p, len, &msg);
	free(p);
	return err;
}

static enum igmp_wire_error
packet_parse_exact(const uint8_t *buf, size_t len)
{
	struct igmp_ipv4 ip;
	struct igmp_msg msg;
	enum igmp_wire_error err;
	uint8_t *p = dup_exact(buf, len);

	err = igmp_packet_parse(p, len, &ip, &msg);
	free(p);
	return err;
}

/*
 * Valid messages every generic test runs over. Checksums are filled in at
 * start-up, except for the goIGMP captures, which carry the checksums a Linux
 * kernel computed.
 */
struct sample {
	const char *name;
	bool captured;
	size_t len;
	uint8_t buf[128];
};

static struct sample samples[] = {
	{ "v1 query", false, 8, { 0x11, 0x00, 0, 0, 0, 0, 0, 0 } },
	{ "v2 general query", false, 8, { 0x11, 0x64, 0, 0, 0, 0, 0, 0 } },
	{ "v2 group query", false, 8, { 0x11, 0x0a, 0, 0, 232, 1, 2, 3 } },
	{ "v3 general query", false, 12,
	  { 0x11, 0x64, 0, 0, 0, 0, 0, 0, 0x02, 0x7d, 0x00, 0x00 } },
	{ "v3 source query", false, 24,
	  { 0x11, 0x8a, 0, 0, 224, 0, 0, 251, 0x0a, 0x90, 0x00, 0x03,
	    10, 0, 0, 1, 10, 0, 0, 2, 10, 0, 0, 3 } },
	{ "v1 report", false, 8, { 0x12, 0x00, 0, 0, 232, 1, 2, 3 } },
	{ "v2 report", false, 8, { 0x16, 0x00, 0, 0, 232, 1, 2, 3 } },
	{ "leave", false, 8, { 0x17, 0x00, 0, 0, 232, 1, 2, 3 } },
	{ "v3 report no records", false, 8, { 0x22, 0x00, 0, 0, 0, 0, 0, 0 } },
	{ "v3 report every record type", false, 108, {
	  0x22, 0x00, 0, 0, 0x00, 0x00, 0x00, 0x08,
	  /* IS_IN, 2 sources */
	  0x01, 0x00, 0x00, 0x02, 232, 1, 1, 1, 10, 0, 0, 1, 10, 0, 0, 2,
	  /* IS_EX, no sources */
	  0x02, 0x00, 0x00, 0x00, 232, 1, 1, 2,
	  /* TO_IN, 1 source, 1 aux word */
	  0x03, 0x01, 0x00, 0x01, 232, 1, 1, 3, 10, 0, 0, 3, 0x11, 0x22, 0x33, 0x44,
	  /* TO_EX, ALLOW, BLOCK, 1 source each */
	  0x04, 0x00, 0x00, 0x01, 232, 1, 1, 4, 10, 0, 0, 4,
	  0x05, 0x00, 0x00, 0x01, 232, 1, 1, 5, 10, 0, 0, 5,
	  0x06, 0x00, 0x00, 0x01, 232, 1, 1, 6, 10, 0, 0, 6,
	  /* unknown type 9, 2 aux words */
	  0x09, 0x02, 0x00, 0x00, 232, 1, 1, 7, 0xaa, 0xbb, 0xcc, 0xdd, 1, 2, 3, 4,
	  /* IS_IN, no sources */
	  0x01, 0x00, 0x00, 0x00, 239, 255, 255, 250 } },
	/* goIGMP captures (../shared/conformance/goigmp). */
	{ "captured v2 report 232.0.0.2", true, 8,
	  { 0x16, 0x00, 0x01, 0xfd, 0xe8, 0x00, 0x00, 0x02 } },
	{ "captured leave 232.0.0.1", true, 8,
	  { 0x17, 0x00, 0x00, 0xfe, 0xe8, 0x00, 0x00, 0x01 } },
	{ "captured v3 report many_s_gs4", true, 60, {
	  0x22, 0x00, 0xdc, 0x55, 0x00, 0x00, 0x00, 0x04, 0x01, 0x00, 0x00, 0x01,
	  0xe8, 0x04, 0x0a, 0x02, 0xac, 0x11, 0xc8, 0x08, 0x01, 0x00, 0x00, 0x01,
	  0xe8, 0x03, 0x03, 0x07, 0xac, 0x11, 0xc8, 0x01, 0x01, 0x00, 0x00, 0x01,
	  0xe8, 0x02, 0x02, 0x0a, 0xac, 0x11, 0xc8, 0x08, 0x01, 0x00, 0x00, 0x02,
	  0xe8, 0x04, 0x0a, 0x01, 0xac, 0x11, 0xc8, 0x07, 0xac, 0x11, 0xc8, 0x08 } },
};

static const struct sample *
sample_named(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(samples); i++)
		if (strcmp(samples[i].name, name) == 0)
			return &samples[i];
	fprintf(stderr, "no sample %s\n", name);
	exit(2);
}

static void
samples_init(void)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(samples); i++)
		if (!samples[i].captured)
			igmp_fix_checksum(samples[i].buf, samples[i].len);
}

static void
test_error_names(void)
{
	static const char *const want[] = {
		"ok", "truncated_ip_header", "bad_ip_version", "bad_ihl", "bad_total_length",
		"bad_ip_checksum", "fragment", "bad_ip_option", "not_igmp", "truncated_igmp",
		"bad_query_length", "truncated_record", "source_count_overflow",
		"aux_data_overflow", "bad_igmp_checksum", "unknown_type",
	};
	size_t i;
	bool same = ARRAY_LEN(want) == IGMP_ERR_COUNT;

	for (i = 0; same && i < ARRAY_LEN(want); i++)
		same = strcmp(igmp_wire_error_name((enum igmp_wire_error)i), want[i]) == 0;
	TAP_CHECK(same, "error names are the stable list, in order");
	TAP_CHECK(strcmp(igmp_wire_error_name(IGMP_ERR_COUNT), "invalid") == 0,
		  "IGMP_ERR_COUNT is named invalid");
	TAP_CHECK(strcmp(igmp_wire_error_name((enum igmp_wire_error)-1), "invalid") == 0,
		  "negative code is named invalid");
}

/* A straightforward RFC 1071 sum, byte by byte, to check the fast one against. */
static uint16_t
reference_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len % 2 == 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t rng_state = 2463534242u;

/* xorshift32: deterministic, so a failure reproduces. */
static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void
test_checksum(void)
{
	static const uint8_t rfc1071[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	static const uint8_t ip_hdr[] = {
		0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
		0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
	};
	static const uint8_t odd[] = { 0x12, 0x34, 0x56 };
	uint8_t buf[301 + 3];
	size_t len, off, bad = SIZE_MAX;
	uint8_t msg[16];
	struct igmp_msg m;

	TAP_CHECK(igmp_inet_checksum(rfc1071, sizeof(rfc1071)) == 0x220d,
		  "checksum: RFC 1071 §3 example gives 0x220d");
	TAP_CHECK(igmp_inet_checksum(ip_hdr, sizeof(ip_hdr)) == 0xb861,
		  "checksum: textbook IPv4 header gives 0xb861");
	/* 0x1234 + 0x5600 = 0x6834 -> 0x97cb */
	TAP_CHECK(igmp_inet_checksum(odd, sizeof(odd)) == 0x97cb,
		  "checksum: odd length pads the last byte as a high byte");
	TAP_CHECK(igmp_inet_checksum(odd, 0) == 0xffff, "checksum: empty buffer gives 0xffff");

	for (len = 0; len <= 300; len++) {
		for (off = 0; off < 4; off++) {
			size_t i;

			for (i = 0; i < len; i++)
				buf[off + i] = (uint8_t)rng();
			uint16_t want = reference_checksum(buf + off, len);

			if (igmp_inet_checksum(buf + off, len) != want && bad == SIZE_MAX)
				bad = len * 4 + off;
		}
	}
	TAP_CHECK(bad == SIZE_MAX,
		  "checksum: matches the reference for lengths 0..300 at 4 alignments "
		  "(first bad length*4+alignment %s)", first_bad(bad));

	memset(buf, 0xff, 64);
	TAP_CHECK(igmp_inet_checksum(buf, 64) == 0x0000, "checksum: all-ones buffer gives 0");

	/* An IGMP message of odd length: the trailing byte takes part in the sum. */
	memset(msg, 0, sizeof(msg));
	igmp_build_v2(msg, sizeof(msg), IGMP_TYPE_V2_REPORT, 0, addr(232, 1, 2, 3));
	msg[8] = 0x5a;
	igmp_fix_checksum(msg, 9);
	CHECK_ERR(igmp_parse(msg, 9, &m), IGMP_OK, "odd-length message with its checksum");
	TAP_CHECK(m.len == 8, "odd-length message: the odd byte is padding, len %u", m.len);
	msg[8] = 0x5b;
	CHECK_ERR(igmp_parse(msg, 9, &m), IGMP_ERR_BAD_IGMP_CHECKSUM,
		  "odd-length message with its last byte changed");
}

static void
test_codes(void)
{
	uint32_t v, bad = UINT32_MAX;
	unsigned int c;
	bool monotonic = true, round_trip = true;

	TAP_CHECK(igmp_code_decode(0) == 0, "decode(0) = 0");
	TAP_CHECK(igmp_code_decode(127) == 127, "decode(127) = 127");
	TAP_CHECK(igmp_code_decode(128) == 128, "decode(0x80) = 128");
	TAP_CHECK(igmp_code_decode(0x8f) == 248, "decode(0x8f) = 248");
	TAP_CHECK(igmp_code_decode(0x90) == 256, "decode(0x90) = 256");
	TAP_CHECK(igmp_code_decode(0x8a) == 208, "decode(0x8a) = 208");
	TAP_CHECK(igmp_code_decode(0xf0) == 16384, "decode(0xf0) = 16384");
	TAP_CHECK(igmp_code_decode(0xff) == 31744, "decode(0xff) = 31744");

	for (c = 1; c < 256; c++)
		if (igmp_code_decode((uint8_t)c) <= igmp_code_decode((uint8_t)(c - 1)))
			monotonic = false;
	TAP_CHECK(monotonic, "decode is strictly increasing over all 256 codes");

	for (c = 0; c < 256; c++)
		if (igmp_code_encode(igmp_code_decode((uint8_t)c)) != c)
			round_trip = false;
	TAP_CHECK(round_trip, "encode(decode(c)) == c for every code");

	TAP_CHECK(igmp_code_encode(0) == 0, "encode(0) = 0");
	TAP_CHECK(igmp_code_encode(127) == 127, "encode(127) = 127");
	TAP_CHECK(igmp_code_encode(128) == 0x80, "encode(128) = 0x80");
	TAP_CHECK(igmp_code_encode(129) == 0x81, "encode(129) rounds up to 0x81 (136)");
	TAP_CHECK(igmp_code_encode(248) == 0x8f, "encode(248) = 0x8f");
	TAP_CHECK(igmp_code_encode(249) == 0x90, "encode(249) rounds up to 0x90 (256)");
	TAP_CHECK(igmp_code_encode(31744) == 0xff, "encode(31744) = 0xff");
	TAP_CHECK(igmp_code_encode(31745) == 0xff, "encode(31745) saturates at 0xff");
	TAP_CHECK(igmp_code_encode(UINT32_MAX) == 0xff, "encode(UINT32_MAX) saturates at 0xff");

	/* Smallest code whose value covers v: decode(c) >= v > decode(c - 1). */
	for (v = 0; v <= 40000 && bad == UINT32_MAX; v++) {
		uint8_t code = igmp_code_encode(v);

		if (v > 31744) {
			if (code != 0xff)
				bad = v;
		} else if (igmp_code_decode(code) < v ||
			   (code > 0 && igmp_code_decode((uint8_t)(code - 1)) >= v)) {
			bad = v;
		}
	}
	TAP_CHECK(bad == UINT32_MAX,
		  "encode gives the smallest covering code for 0..40000 (first bad %s)",
		  first_bad(bad == UINT32_MAX ? SIZE_MAX : bad));
}

static void
test_parse_queries(void)
{
	const struct sample *s;
	struct igmp_msg m;

	s = sample_named("v1 query");
	CHECK_ERR(igmp_parse(s->buf, s->len, &m), IGMP_OK, "v1 query");
	TAP_CHECK(m.type == IGMP_TYPE_QUERY && m.version == 1 && m.max_resp_code == 0 &&
		  m.max_resp_ds == 100 && m.group == 0 && m.len == 8 && m.checksum_ok,
		  "v1 query: version 1, max resp 10 s, general");

	s = sample_named("v2 general query");
	CHECK_ERR(igmp_parse(s->buf, s->len, &m), IGMP_OK, "v2 general query");
	TAP_CHECK(m.version == 2 && m.max_resp_code == 100 && m.max_resp_ds == 100 &&
		  m.group == 0 && m.len == 8, "v2 general query: version 2, 10 s");
	TAP_CHECK(m.checksum == get_be16(s->buf + 2) && m.raw == s->buf,
		  "v2 query: checksum as on the wire, raw points at the message");

	s = sample_named("v2 group query");
	CHECK_ERR(igmp_parse(s->buf, s->len, &m), IGMP_OK, "v2 group query");
	TAP_CHECK(m.version == 2 && m.max_resp_ds == 10 && m.group == addr(232, 1, 2, 3),
		  "v2 group query: group 232.1.2.3, 1 s");

	s = sample_named("v3 general query");
	CHECK_ERR(igmp_parse(s->buf, s->len, &m), IGMP_OK, "v3 general query");
	TAP_CHECK(m.version == 3 && m.max_resp_ds == 100 && !m.s_flag && m.qrv == 2 &&
		  m.qqic == 125 && m.qqi_s == 125 && m.n_sources == 0 && m.len == 12,
		  "v3 general query: QRV 2, QQI 125 s, no sources");

	s = sample_named("v3 source query");
	CHECK_ERR(igmp_parse(s->buf, s->len, &m), IGMP_OK, "v3 source query");
	TAP_CHECK(m.version == 3 && m.max_resp_code == 0x8a && m.max_resp_ds == 208 &&
		  m.qqic == 0x90 && m.qqi_s == 256,
		  "v3 query: max resp code and QQIC decoded as floating point");
	TAP_CHECK(m.s_flag && m.qrv == 2 && m.group == addr(224, 0, 0, 251),
		  "v3 query: S flag, QRV 2, group 224.0.0.251");
	TAP_CHECK(m.n_sources == 3 && m.sources == s->buf + 12 && m.len == 24 &&
		  get_addr(m.sources) == addr(10, 0, 0, 1) &&
		  get_addr(m.sources + 8) == addr(10, 0, 0, 3),
		  "v3 query: 3 sources in place");

	/* A v2 query's max resp time is plain tenths even at 128 and above. */
	{
		uint8_t q[8];

		igmp_build_v2(q, sizeof(q), IGMP_TYPE_QUERY, 200, 0);
		CHECK_ERR(igmp_parse(q, sizeof(q), &m), IGMP_OK, "v2 query with max resp 200");
		TAP_CHECK(m.version == 2 && m.max_resp_ds == 200,
			  "v2 query max resp 200 is 20 s, not floating point (%u)", m.max_resp_ds);
	}
}

static void
test_parse_reports(void)
{
	const struct sample *s;
	struct igmp_msg m;

	s = sample_named("v1 report");
	CHECK_ERR(igmp_parse(s->buf, s->len, &m), IGMP_OK, "v1 report");
	TAP_CHECK(m.type == IGMP_TYPE_V1_REPORT && m.version == 1 &&
		  m.group == addr(232, 1, 2, 3) && m.len == 8, "v1 report fields");

	s = sample_named("v2 report");
	CHECK_ERR(igmp_parse(s->buf, s->len, &m), IGMP_OK, "v2 report");
	TAP_CHECK(m.type == IGMP_TYPE_V2_REPORT && m.version == 2 &&
		  m.group == addr(232, 1, 2, 3) && m.len == 8 && m.max_resp_ds == 0,
		  "v2 report fields");

	s = sample_named("leave");
	CHECK_ERR(igmp_parse(s->buf, s->len, &m), IGMP_OK, "leave");
	TAP_CHECK(m.type == IGMP_TYPE_LEAVE && m.version == 2 &&
		  m.group == addr(232, 1, 2, 3) && m.len == 8, "leave fields");

	s = sample_named("captured v2 report 232.0.0.2");
	CHECK_ERR(igmp_parse(s->buf, s->len, &m), IGMP_OK, "captured v2 report");
	TAP_CHECK(m.group == addr(232, 0, 0, 2) && m.checksum == 0x01fd && m.checksum_ok,
		  "captured v2 report: group and kernel checksum");

	s = sample_named("captured leave 232.0.0.1");
	CHECK_ERR(igmp_parse(s->buf, s->len, &m), IGMP_OK, "captured leave");
	TAP_CHECK(m.type == IGMP_TYPE_LEAVE && m.group == addr(232, 0, 0, 1),
		  "captured leave: group 232.0.0.1");

	s = sample_named("v3 report no records");
	CHECK_ERR(igmp_parse(s->buf, s->len, &m), IGMP_OK, "v3 report with no records");
	TAP_CHECK(m.version == 3 && m.n_records == 0 && m.len == 8,
		  "v3 report with no records: fields");
}

struct want_record {
	uint8_t type;
	uint8_t aux_words;
	uint16_t n_sources;
	uint32_t group;
	uint32_t first_source;
	uint32_t first_aux;
};

static void
test_parse_v3_report(void)
{
	static const struct want_record want[] = {
		{ IGMP_REC_IS_IN, 0, 2, 0x01010101, 0x0a000001, 0 },
		{ IGMP_REC_IS_EX, 0, 0, 0x01010102, 0, 0 },
		{ IGMP_REC_TO_IN, 1, 1, 0x01010103, 0x0a000003, 0x11223344 },
		{ IGMP_REC_TO_EX, 0, 1, 0x01010104, 0x0a000004, 0 },
		{ IGMP_REC_ALLOW, 0, 1, 0x01010105, 0x0a000005, 0 },
		{ IGMP_REC_BLOCK, 0, 1, 0x01010106, 0x0a000006, 0 },
		{ 9, 2, 0, 0x01010107, 0, 0xaabbccdd },
		{ IGMP_REC_IS_IN, 0, 0, 0, 0, 0 },
	};
	const struct sample *s = sample_named("v3 report every record type");
	struct igmp_record rec;
	struct igmp_msg m;
	size_t pos = 0, i;
	int count = 0;

	CHECK_ERR(igmp_parse(s->buf, s->len, &m), IGMP_OK, "v3 report with every record type");
	TAP_CHECK(m.type == IGMP_TYPE_V3_REPORT && m.version == 3 && m.n_records == 8 &&
		  m.len == 108 && m.records == s->buf + 8, "v3 report: 8 records, 108 bytes");

	for (i = 0; i < ARRAY_LEN(want); i++) {
		const struct want_record *w = &want[i];
		uint32_t group = w->group == 0 ? addr(239, 255, 255, 250) :
			addr(232, 1, 1, (uint8_t)w->group);
		bool ok = igmp_record_next(&m, &pos, &rec);

		TAP_CHECK(ok && rec.type == w->type && rec.aux_words == w->aux_words &&
			  rec.n_sources == w->n_sources && rec.group == group &&
			  (w->n_sources == 0 || get_addr(rec.sources) == htonl(w->first_source)) &&
			  (w->aux_words == 0 || get_addr(rec.aux) == htonl(w->first_aux)),
			  "v3 report record %zu: type %u, %u sources, %u aux words", i,
			  w->type, w->n_sources, w->aux_words);
		if (ok)
			count++;
	}
	TAP_CHECK(!igmp_record_next(&m, &pos, &rec) && count == 8,
		  "v3 report: iteration stops after the last record");

	s = sample_named("captured v3 report many_s_gs4");
	CHECK_ERR(igmp_parse(s->buf, s->len, &m), IGMP_OK, "captured v3 report");
	pos = 0;
	count = 0;
	while (igmp_record_next(&m, &pos, &rec))
		count++;
	TAP_CHECK(m.n_records == 4 && count == 4 && rec.n_sources == 2 &&
		  rec.group == addr(232, 4, 10, 1) &&
		  get_addr(rec.sources + 4) == addr(172, 17, 200, 8),
		  "captured v3 report: 4 records, the last with 2 sources");
}

static void
test_unknown_types(void)
{
	static const uint8_t types[] = { 0x13, 0x1e, 0x1f, 0x00, 0xff };
	uint8_t buf[8];
	struct igmp_msg m;
	size_t i;

	for (i = 0; i < ARRAY_LEN(types); i++) {
		igmp_build_v2(buf, sizeof(buf), types[i], 0, addr(1, 2, 3, 4));
		CHECK_ERR(igmp_parse(buf, sizeof(buf), &m), IGMP_ERR_UNKNOWN_TYPE,
			  "type 0x%02x", types[i]);
		TAP_CHECK(m.type == types[i] && m.checksum == get_be16(buf + 2) && m.checksum_ok &&
			  m.version == 0, "type 0x%02x: type and checksum filled in", types[i]);
	}
	buf[3] ^= 1;
	CHECK_ERR(igmp_parse(buf, sizeof(buf), &m), IGMP_ERR_UNKNOWN_TYPE,
		  "unknown type with a bad checksum is still unknown_type");
	TAP_CHECK(!m.checksum_ok, "unknown type with a bad checksum: checksum_ok false");
}

static void
test_builders(void)
{
	static const uint32_t srcs[] = { 0x0100000a, 0x0200000a, 0x0300000a, 0x0400000a };
	static const uint8_t types[] = {
		IGMP_TYPE_QUERY, IGMP_TYPE_V1_REPORT, IGMP_TYPE_V2_REPORT, IGMP_TYPE_LEAVE,
	};
	uint8_t buf[256], pkt[300];
	struct igmp_ipv4 ip;
	struct igmp_msg m;
	size_t len, plen, i;

	for (i = 0; i < ARRAY_LEN(types); i++) {
		uint8_t code = types[i] == IGMP_TYPE_QUERY ? 100 : 0;

		len = igmp_build_v2(buf, sizeof(buf), types[i], code, addr(232, 9, 8, 7));
		CHECK_ERR(igmp_parse(buf, len, &m), IGMP_OK, "build v2 type 0x%02x then parse",
			  types[i]);
		TAP_CHECK(len == 8 && m.type == types[i] && m.group == addr(232, 9, 8, 7) &&
			  m.max_resp_code == code, "build v2 type 0x%02x: fields survive",
			  types[i]);
	}
	len = igmp_build_v2(buf, sizeof(buf), IGMP_TYPE_QUERY, 0, 0);
	CHECK_ERR(igmp_parse(buf, len, &m), IGMP_OK, "build v1 query then parse");
	TAP_CHECK(m.version == 1 && m.max_resp_ds == 100, "built v1 query reads as v1");

	len = igmp_build_v3_query(buf, sizeof(buf), igmp_code_encode(1000), addr(232, 1, 1, 1),
				  true, 3, igmp_code_encode(300), srcs, 4);
	CHECK_ERR(igmp_parse(buf, len, &m), IGMP_OK, "build v3 query then parse");
	TAP_CHECK(len == 28 && m.version == 3 && m.s_flag && m.qrv == 3 &&
		  m.max_resp_ds >= 1000 && m.qqi_s >= 300 && m.group == addr(232, 1, 1, 1) &&
		  m.n_sources == 4 && memcmp(m.sources, srcs, sizeof(srcs)) == 0,
		  "build v3 query: every field survives");

	len = igmp_build_v3_query(buf, sizeof(buf), 100, 0, false, 2, 125, NULL, 0);
	CHECK_ERR(igmp_parse(buf, len, &m), IGMP_OK, "build v3 general query then parse");
	TAP_CHECK(len == 12 && !m.s_flag && m.qrv == 2 && m.qqic == 125 && m.n_sources == 0,
		  "build v3 general query: 12 bytes, QRV 2, QQIC 125");

	len = igmp_build_v3_query(buf, sizeof(buf), 100, 0, false, 9, 125, NULL, 0);
	igmp_parse(buf, len, &m);
	TAP_CHECK(m.qrv == 0, "build v3 query: robustness 9 is sent as QRV 0 (RFC 3376 §4.1.6)");

	/* The builder's IPv4 header, byte for byte (checksum from Python). */
	{
		static const uint8_t want[24] = {
			0x46, 0xc0, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x3a, 0x01,
			10, 0, 0, 1, 224, 0, 0, 22, 0x94, 0x04, 0x00, 0x00,
		};

		len = igmp_build_v2(buf, sizeof(buf), IGMP_TYPE_V2_REPORT, 0, addr(232, 1, 2, 3));
		plen = wrap_ip(pkt, sizeof(pkt), buf, len);
		TAP_CHECK(plen == 32 && memcmp(pkt, want, sizeof(want)) == 0,
			  "IPv4 header: TOS 0xc0, TTL 1, proto 2, Router Alert, checksum 0x3a01");
		CHECK_ERR(igmp_packet_parse(pkt, plen, &ip, &m), IGMP_OK, "built packet parses");
		TAP_CHECK(ip.tos == IGMP_IP_TOS && ip.ttl == IGMP_IP_TTL &&
			  ip.proto == IGMP_IP_PROTO && ip.router_alert && ip.hdr_len == 24 &&
			  ip.total_len == 32 &&
			  ip.src == addr(10, 0, 0, 1) && ip.dst == addr(224, 0, 0, 22) &&
			  ip.payload == pkt + 24 && ip.payload_len == 8 &&
			  m.type == IGMP_TYPE_V2_REPORT, "built packet: every IPv4 field");
	}

	/* Every sample survives framing in the gateway's IPv4 header. */
	for (i = 0; i < ARRAY_LEN(samples); i++) {
		plen = wrap_ip(pkt, sizeof(pkt), samples[i].buf, samples[i].len);
		CHECK_ERR(igmp_packet_parse(pkt, plen, &ip, &m), IGMP_OK, "%s in IPv4",
			  samples[i].name);
	}
}

/* A builder must return 0 for a short buffer and leave the bytes past cap alone. */
/* Address classes at their edges. */
static void
test_address_classes(void)
{
	TAP_CHECK(!igmp_is_multicast(addr(223, 255, 255, 255)) &&
		  igmp_is_multicast(addr(224, 0, 0, 0)) &&
		  igmp_is_multicast(addr(239, 255, 255, 255)) && !igmp_is_multicast(addr(240, 0, 0, 0)),
		  "multicast is 224.0.0.0/4");
	TAP_CHECK(igmp_is_link_local_group(addr(224, 0, 0, 0)) &&
		  igmp_is_link_local_group(addr(224, 0, 0, 255)) &&
		  !igmp_is_link_local_group(addr(224, 0, 1, 0)) &&
		  !igmp_is_link_local_group(addr(225, 0, 0, 1)) &&
		  !igmp_is_link_local_group(addr(10, 224, 0, 0)),
		  "link-local groups are 224.0.0.0/24");
	TAP_CHECK(!igmp_is_multicast_or_reserved(addr(223, 255, 255, 255)) &&
		  igmp_is_multicast_or_reserved(addr(224, 0, 0, 0)) &&
		  igmp_is_multicast_or_reserved(addr(240, 0, 0, 1)) &&
		  igmp_is_multicast_or_reserved(addr(255, 255, 255, 255)) &&
		  !igmp_is_multicast_or_reserved(addr(10, 224, 0, 0)),
		  "multicast or reserved is 224.0.0.0/3");
	TAP_CHECK(htonl(IGMP_ALL_SYSTEMS) == addr(224, 0, 0, 1) &&
		  htonl(IGMP_ALL_ROUTERS) == addr(224, 0, 0, 2) &&
		  htonl(IGMP_ALL_V3_ROUTERS) == addr(224, 0, 0, 22),
		  "all systems 224.0.0.1, all routers 224.0.0.2, all IGMPv3 routers 224.0.0.22");
}

/* The header checksum is computed from the values: it must be the one the bytes give. */
static void
test_ip_header_checksums(void)
{
	uint8_t hdr[IGMP_IP_HDR_LEN];
	uint32_t x = 12345;
	int bad = 0;

	for (int i = 0; i < 100000; i++) {
		uint32_t src, dst;
		uint16_t len;

		/* xorshift: every address and length range, carries included. */
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		src = x;
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		dst = x;
		len = (uint16_t)(i < 4 ? (i % 2 ? UINT16_MAX - IGMP_IP_HDR_LEN : 0) : x >> 16);
		if (i < 2)
			src = dst = 0xffffffffu;
		if (len > UINT16_MAX - IGMP_IP_HDR_LEN)
			len = UINT16_MAX - IGMP_IP_HDR_LEN;
		if (igmp_build_ipv4_header(hdr, sizeof(hdr), src, dst, len) != IGMP_IP_HDR_LEN ||
		    igmp_inet_checksum(hdr, sizeof(hdr)) != 0)
			bad++;
	}
	TAP_CHECK(bad == 0, "100000 built headers, random addresses and lengths: every checksum "
		  "verifies (%d bad)", bad);
}

static void
test_builder_caps(void)
{
	static const uint32_t srcs[] = { 0x0100000a, 0x0200000a };
	uint8_t buf[64];
	size_t len;
	bool untouched;
	size_t i;

	memset(buf, 0x5a, sizeof(buf));
	len = igmp_build_v2(buf, 7, IGMP_TYPE_V2_REPORT, 0, 0);
	untouched = true;
	for (i = 0; i < sizeof(buf); i++)
		untouched = untouched && buf[i] == 0x5a;
	TAP_CHECK(len == 0 && untouched, "build v2 with cap 7: 0, nothing written");

	len = igmp_build_v3_query(buf, 19, 100, 0, false, 2, 125, srcs, 2);
	untouched = true;
	for (i = 0; i < sizeof(buf); i++)
		untouched = untouched && buf[i] == 0x5a;
	TAP_CHECK(len == 0 && untouched,
		  "build v3 query with cap 19 for 20 bytes: 0, nothing written");
	len = igmp_build_v3_query(buf, 20, 100, 0, false, 2, 125, srcs, 2);
	TAP_CHECK(len == 20 && buf[20] == 0x5a, "build v3 query with cap 20: 20, nothing past");
	TAP_CHECK(igmp_build_v3_query(buf, sizeof(buf), 100, 0, false, 2, 125, NULL, 2) == 0,
		  "build v3 query with sources NULL: 0");

	memset(buf, 0x5a, sizeof(buf));
	TAP_CHECK(igmp_build_ipv4_header(buf, 23, 0, 0, 8) == 0 && buf[0] == 0x5a,
		  "IPv4 header with cap 23: 0, nothing written");
	TAP_CHECK(igmp_build_ipv4_header(buf, sizeof(buf), 0, 0, UINT16_MAX - 24) == 24 &&
		  get_be16(buf + 2) == UINT16_MAX,
		  "IPv4 header for the largest payload: total 65535");
	TAP_CHECK(igmp_build_ipv4_header(buf, sizeof(buf), 0, 0, UINT16_MAX - 23) == 0,
		  "IPv4 header for a payload past 65535 bytes in all: 0");
}

/* Every proper prefix of a valid message must be refused, bare and in IPv4. */
static void
test_truncation(void)
{
	uint8_t pkt[300];
	size_t i, l, plen;

	for (i = 0; i < ARRAY_LEN(samples); i++) {
		const struct sample *s = &samples[i];
		size_t bad = SIZE_MAX;

		CHECK_ERR(parse_exact(s->buf, s->len), IGMP_OK, "%s: whole message", s->name);
		for (l = 0; l < s->len && bad == SIZE_MAX; l++) {
			enum igmp_wire_error err = parse_exact(s->buf, l);

			if (err == IGMP_OK || (l < 8 && err != IGMP_ERR_TRUNCATED_IGMP))
				bad = l;
		}
		TAP_CHECK(bad == SIZE_MAX, "%s: every bare prefix refused (first bad length %s)",
			  s->name, first_bad(bad));

		/* Cut inside the IGMP message with a consistent IPv4 header around it. */
		bad = SIZE_MAX;
		for (l = 0; l < s->len && bad == SIZE_MAX; l++) {
			plen = wrap_ip(pkt, sizeof(pkt), s->buf, l);
			if (packet_parse_exact(pkt, plen) == IGMP_OK)
				bad = l;
		}
		TAP_CHECK(bad == SIZE_MAX,
			  "%s: every IGMP prefix framed in IPv4 refused (first bad length %s)",
			  s->name, first_bad(bad));

		/* Cut the whole packet: header first, then the datagram. */
		plen = wrap_ip(pkt, sizeof(pkt), s->buf, s->len);
		bad = SIZE_MAX;
		for (l = 0; l < plen && bad == SIZE_MAX; l++) {
			enum igmp_wire_error want = l < IGMP_IP_HDR_LEN ?
				IGMP_ERR_TRUNCATED_IP_HEADER : IGMP_ERR_BAD_TOTAL_LENGTH;

			if (packet_parse_exact(pkt, l) != want)
				bad = l;
		}
		TAP_CHECK(bad == SIZE_MAX,
			  "%s: every packet prefix refused as truncated_ip_header / "
			  "bad_total_length (first bad length %s)", s->name, first_bad(bad));
	}
}

static bool
same_fields(const struct igmp_msg *a, const struct igmp_msg *b)
{
	return a->type == b->type && a->version == b->version && a->len == b->len &&
	       a->group == b->group && a->max_resp_ds == b->max_resp_ds &&
	       a->n_records == b->n_records && a->records == b->records &&
	       a->n_sources == b->n_sources && a->sources == b->sources &&
	       a->qrv == b->qrv && a->qqi_s == b->qqi_s && a->s_flag == b->s_flag;
}

static void
test_bad_checksums(void)
{
	uint8_t buf[128], pkt[300];
	struct igmp_msg good, m;
	struct igmp_ipv4 ip;
	size_t i, plen;
	int bit;

	for (i = 0; i < ARRAY_LEN(samples); i++) {
		const struct sample *s = &samples[i];
		bool all_refused = true, all_filled = true;

		memcpy(buf, s->buf, s->len);
		igmp_parse(buf, s->len, &good);
		for (bit = 0; bit < 16; bit++) {
			buf[2 + bit / 8] ^= (uint8_t)(1 << (bit % 8));
			if (igmp_parse(buf, s->len, &m) != IGMP_ERR_BAD_IGMP_CHECKSUM)
				all_refused = false;
			if (!same_fields(&good, &m) || m.checksum_ok ||
			    m.checksum != get_be16(buf + 2))
				all_filled = false;
			buf[2 + bit / 8] ^= (uint8_t)(1 << (bit % 8));
		}
		TAP_CHECK(all_refused, "%s: each flipped checksum bit gives bad_igmp_checksum",
			  s->name);
		TAP_CHECK(all_filled, "%s: bad checksum reported with every field set", s->name);

		/* A group (or reserved) byte changed under the old checksum. */
		buf[4] ^= 0x80;
		CHECK_ERR(igmp_parse(buf, s->len, &m), IGMP_ERR_BAD_IGMP_CHECKSUM,
			  "%s: byte 4 changed", s->name);
	}

	plen = wrap_ip(pkt, sizeof(pkt), samples[0].buf, samples[0].len);
	{
		bool all_refused = true;

		for (bit = 0; bit < 16; bit++) {
			pkt[10 + bit / 8] ^= (uint8_t)(1 << (bit % 8));
			if (igmp_packet_parse(pkt, plen, &ip, &m) != IGMP_ERR_BAD_IP_CHECKSUM)
				all_refused = false;
			pkt[10 + bit / 8] ^= (uint8_t)(1 << (bit % 8));
		}
		TAP_CHECK(all_refused,
			  "IPv4: each flipped header checksum bit gives bad_ip_checksum");
	}
	pkt[8] = 64;
	CHECK_ERR(igmp_packet_parse(pkt, plen, &ip, &m), IGMP_ERR_BAD_IP_CHECKSUM,
		  "IPv4: TTL changed without a new checksum");
	TAP_CHECK(ip.ttl == 64 && ip.src == addr(10, 0, 0, 1) && ip.dst == addr(224, 0, 0, 22) &&
		  ip.proto == IGMP_IP_PROTO && ip.hdr_len == 24 && ip.payload == NULL,
		  "IPv4 with a bad checksum: header fields filled, no payload");
	pkt[8] = 1;
	pkt[23] = 0x01;
	CHECK_ERR(igmp_packet_parse(pkt, plen, &ip, &m), IGMP_ERR_BAD_IP_CHECKSUM,
		  "IPv4: option byte changed without a new checksum (options are covered)");
	pkt[23] = 0x00;

	/* An IGMP error surfaces through the packet parser with both structs filled. */
	pkt[plen - 1] ^= 0xff;
	CHECK_ERR(igmp_packet_parse(pkt, plen, &ip, &m), IGMP_ERR_BAD_IGMP_CHECKSUM,
		  "IPv4 fine, IGMP checksum bad");
	TAP_CHECK(ip.router_alert && ip.payload_len == 8 && m.type == IGMP_TYPE_QUERY &&
		  !m.checksum_ok, "IGMP error in a packet: both structs filled");
}

/* Edits a copy of a sample, fixes its checksum, expects the given reason. */
static void
check_edit(const char *sample, size_t extra, size_t off, const uint8_t *bytes, size_t n,
	   enum igmp_wire_error want, const char *what)
{
	const struct sample *s = sample_named(sample);
	size_t len = s->len + extra;
	uint8_t *buf = calloc(1, len);
	struct igmp_msg m;

	if (buf == NULL)
		exit(2);
	memcpy(buf, s->buf, s->len);
	memcpy(buf + off, bytes, n);
	igmp_fix_checksum(buf, len);
	CHECK_ERR(igmp_parse(buf, len, &m), want, "%s: %s", sample, what);
	TAP_CHECK(want == IGMP_OK || (m.len == 0 && m.records == NULL && m.sources == NULL),
		  "%s: %s: no length or pointers on a structural error", sample, what);
	free(buf);
}

static void
test_v3_overflows(void)
{
	const char *rep = "v3 report every record type";
	const char *qry = "v3 source query";
	/* The last record starts at 100 and has neither sources nor aux data. */
	const size_t last = 100;

	check_edit(rep, 0, 6, (const uint8_t []){ 0x00, 0x09 }, 2, IGMP_ERR_TRUNCATED_RECORD,
		   "one record more than present");
	check_edit(rep, 4, 6, (const uint8_t []){ 0x00, 0x09 }, 2, IGMP_ERR_TRUNCATED_RECORD,
		   "last record header cut after 4 bytes");
	check_edit(rep, 7, 6, (const uint8_t []){ 0x00, 0x09 }, 2, IGMP_ERR_TRUNCATED_RECORD,
		   "last record header cut after 7 bytes");
	check_edit(rep, 0, 6, (const uint8_t []){ 0xff, 0xff }, 2, IGMP_ERR_TRUNCATED_RECORD,
		   "65535 records");
	check_edit(rep, 0, last + 2, (const uint8_t []){ 0x00, 0x01 }, 2,
		   IGMP_ERR_SOURCE_COUNT_OVERFLOW, "last record with 1 source and no room");
	check_edit(rep, 3, last + 2, (const uint8_t []){ 0x00, 0x01 }, 2,
		   IGMP_ERR_SOURCE_COUNT_OVERFLOW, "last record's source cut after 3 bytes");
	check_edit(rep, 4, last + 2, (const uint8_t []){ 0x00, 0x01 }, 2, IGMP_OK,
		   "last record's source in 4 added bytes");
	check_edit(rep, 0, last + 2, (const uint8_t []){ 0xff, 0xff }, 2,
		   IGMP_ERR_SOURCE_COUNT_OVERFLOW, "last record with 65535 sources");
	check_edit(rep, 0, last + 1, (const uint8_t []){ 0x01 }, 1, IGMP_ERR_AUX_DATA_OVERFLOW,
		   "last record with 1 aux word and no room");
	check_edit(rep, 0, last + 1, (const uint8_t []){ 0xff }, 1, IGMP_ERR_AUX_DATA_OVERFLOW,
		   "last record with 255 aux words");
	check_edit(rep, 4, last + 1, (const uint8_t []){ 0x01, 0x00, 0x01 }, 3,
		   IGMP_ERR_AUX_DATA_OVERFLOW, "sources fit, aux data does not");
	check_edit(rep, 8, last + 1, (const uint8_t []){ 0x01, 0x00, 0x01 }, 3, IGMP_OK,
		   "sources and aux data fit exactly");
	check_edit(rep, 0, last + 1, (const uint8_t []){ 0x01, 0x00, 0x01 }, 3,
		   IGMP_ERR_SOURCE_COUNT_OVERFLOW, "both overflow: sources are reported");

	check_edit(qry, 0, 10, (const uint8_t []){ 0x00, 0x04 }, 2, IGMP_ERR_SOURCE_COUNT_OVERFLOW,
		   "one source more than present");
	check_edit(qry, 0, 10, (const uint8_t []){ 0xff, 0xff }, 2, IGMP_ERR_SOURCE_COUNT_OVERFLOW,
		   "65535 sources");
	check_edit(qry, 3, 10, (const uint8_t []){ 0x00, 0x04 }, 2, IGMP_ERR_SOURCE_COUNT_OVERFLOW,
		   "fourth source cut after 3 bytes");
	check_edit(qry, 0, 10, (const uint8_t []){ 0x00, 0x02 }, 2, IGMP_OK,
		   "fewer sources than bytes: the rest is padding");

	/* Structure past 64 KiB cannot come from IPv4: the parser stops looking there. */
	{
		size_t len = 70000;
		uint8_t *buf = calloc(1, len);
		struct igmp_msg m;

		if (buf == NULL)
			exit(2);
		buf[0] = IGMP_TYPE_V3_REPORT;
		put_be16(buf + 6, 1);
		put_be16(buf + 10, 16379);
		igmp_fix_checksum(buf, len);
		CHECK_ERR(igmp_parse(buf, len, &m), IGMP_OK, "record ending at 65532 bytes");
		TAP_CHECK(m.len == 65532, "record ending at 65532 bytes: len %u", m.len);
		put_be16(buf + 10, 16382);
		igmp_fix_checksum(buf, len);
		CHECK_ERR(igmp_parse(buf, len, &m), IGMP_ERR_SOURCE_COUNT_OVERFLOW,
			  "record ending past 65535 bytes in a 70000-byte buffer");
		free(buf);
	}
}

static void
test_query_lengths(void)
{
	const struct sample *s = sample_named("v2 group query");
	uint8_t buf[16];
	struct igmp_msg m;
	size_t len;

	for (len = 9; len <= 11; len++) {
		memset(buf, 0, sizeof(buf));
		memcpy(buf, s->buf, 8);
		igmp_fix_checksum(buf, len);
		CHECK_ERR(igmp_parse(buf, len, &m), IGMP_ERR_BAD_QUERY_LENGTH,
			  "query of %zu bytes", len);
	}
	memset(buf, 0, sizeof(buf));
	memcpy(buf, s->buf, 8);
	igmp_fix_checksum(buf, 12);
	CHECK_ERR(igmp_parse(buf, 12, &m), IGMP_OK, "query of 12 bytes");
	TAP_CHECK(m.version == 3 && m.max_resp_ds == 10 && m.group == addr(232, 1, 2, 3),
		  "query of 12 bytes is v3 (RFC 3376 §7.1)");
	CHECK_ERR(igmp_parse(s->buf, 7, &m), IGMP_ERR_TRUNCATED_IGMP, "query of 7 bytes");
	TAP_CHECK(m.type == IGMP_TYPE_QUERY && m.max_resp_code == 0x0a &&
		  m.checksum == get_be16(s->buf + 2), "7-byte query: type, code, checksum filled");
}

static void
test_padding(void)
{
	uint8_t buf[256], pkt[300];
	struct igmp_ipv4 ip;
	struct igmp_msg m;
	size_t i, plen;

	/* Zero padding keeps the sender's checksum valid, at any length. */
	for (i = 0; i < ARRAY_LEN(samples); i++) {
		const struct sample *s = &samples[i];
		size_t pad;
		bool ok = true;

		/* An 8-byte query changes version with its length (test_query_lengths). */
		if (s->buf[0] == IGMP_TYPE_QUERY && s->len == 8)
			continue;
		for (pad = 1; pad <= 40; pad++) {
			memset(buf, 0, sizeof(buf));
			memcpy(buf, s->buf, s->len);
			if (igmp_parse(buf, s->len + pad, &m) != IGMP_OK || m.len != s->len)
				ok = false;
		}
		TAP_CHECK(ok, "%s: 1..40 zero bytes of padding ignored, len stays %zu",
			  s->name, s->len);
	}

	/* Non-zero padding counts if the sender's checksum covers it (as in Linux). */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, sample_named("v2 report")->buf, 8);
	memset(buf + 8, 0xa5, 5);
	igmp_fix_checksum(buf, 13);
	CHECK_ERR(igmp_parse(buf, 13, &m), IGMP_OK, "non-zero padding inside the checksum");
	TAP_CHECK(m.len == 8, "non-zero padding: len 8");
	igmp_fix_checksum(buf, 8);
	CHECK_ERR(igmp_parse(buf, 13, &m), IGMP_ERR_BAD_IGMP_CHECKSUM,
		  "non-zero padding outside the checksum");

	/* goIGMP proxies 200-byte payloads: a v2 report padded to 200 stays a v2 report. */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, sample_named("captured v2 report 232.0.0.2")->buf, 8);
	CHECK_ERR(igmp_parse(buf, 200, &m), IGMP_OK, "v2 report in a 200-byte payload");
	TAP_CHECK(m.len == 8 && m.group == addr(232, 0, 0, 2), "200-byte payload: len 8");

	/* Link padding past the IPv4 total length is not part of the datagram. */
	memset(pkt, 0xaa, sizeof(pkt));
	plen = wrap_ip(pkt, sizeof(pkt), sample_named("leave")->buf, 8);
	CHECK_ERR(igmp_packet_parse(pkt, 46, &ip, &m), IGMP_OK, "link padding to 46 bytes");
	TAP_CHECK(plen == 32 && ip.total_len == 32 && ip.payload_len == 8 && m.len == 8 &&
		  m.type == IGMP_TYPE_LEAVE, "link padding: payload_len excludes it");

	/* A huge buffer: structure is read from the first 64 KiB only, the sum from all. */
	{
		size_t len = 70001;
		uint8_t *big = calloc(1, len);

		if (big == NULL)
			exit(2);
		memcpy(big, sample_named("v2 report")->buf, 8);
		CHECK_ERR(igmp_parse(big, len, &m), IGMP_OK,
			  "v2 report at the head of 70001 bytes");
		big[len - 1] = 1;
		CHECK_ERR(igmp_parse(big, len, &m), IGMP_ERR_BAD_IGMP_CHECKSUM,
			  "70001 bytes: the checksum covers the last byte");
		free(big);
	}
}

/*
 * Extra data after a message (RFC 3376 §4.1.10, §4.2, RFC 2236 §2.5) is summed
 * by its sender; once dropped, the message's checksum must cover it alone,
 * equal to what a full recomputation gives, for every extra length (odd ones,
 * ones longer than the message) and for random contents.
 */
static void
test_drop_extra(void)
{
	uint8_t buf[128 + 200], want[128];
	struct igmp_msg m;
	size_t i, extra;
	unsigned int seed = 11;

	for (i = 0; i < ARRAY_LEN(samples); i++) {
		const struct sample *s = &samples[i];
		size_t bad_len = SIZE_MAX;
		int round;

		if (s->buf[0] == IGMP_TYPE_QUERY && s->len == 8)
			continue; /* 8-byte queries change version with their length */
		for (extra = 1; extra <= 200 && bad_len == SIZE_MAX; extra++) {
			for (round = 0; round < 8; round++) {
				memcpy(buf, s->buf, s->len);
				for (size_t k = 0; k < extra; k++)
					buf[s->len + k] = (uint8_t)rand_r(&seed);
				if (round == 0)
					memset(buf + s->len, 0xff, extra);
				igmp_fix_checksum(buf, s->len + extra);
				if (igmp_parse(buf, s->len + extra, &m) != IGMP_OK ||
				    m.len != s->len) {
					bad_len = extra;
					break;
				}
				memcpy(want, buf, s->len);
				igmp_fix_checksum(want, s->len);
				igmp_checksum_drop_extra(buf, s->len, s->len + extra);
				if (memcmp(buf, want, s->len) != 0 ||
				    igmp_parse(buf, s->len, &m) != IGMP_OK) {
					bad_len = extra;
					break;
				}
			}
		}
		TAP_CHECK(bad_len == SIZE_MAX,
			  "%s: 1..200 bytes of extra data dropped, checksum as recomputed (first bad: %s)",
			  s->name, first_bad(bad_len));
	}

	/* The checksum a full sum never gives (0xffff) comes out as 0, as a full sum's does. */
	{
		bool seen = false, ok = true;

		for (uint32_t g = 0; g < 0x10000 && ok; g++) {
			memset(buf, 0, sizeof(buf));
			buf[0] = IGMP_TYPE_V2_REPORT;
			buf[4] = 232;
			put_be16(buf + 6, (uint16_t)g);
			put_be16(buf + 8, (uint16_t)(g * 7));
			igmp_fix_checksum(buf, 10);
			memcpy(want, buf, 8);
			igmp_fix_checksum(want, 8);
			seen |= get_be16(want + 2) == 0;
			igmp_checksum_drop_extra(buf, 8, 10);
			ok = memcmp(buf, want, 8) == 0;
		}
		TAP_CHECK(ok && seen, "every checksum of a v2 report with 2 extra bytes exact, 0 included");
	}

	/* Nothing past the message: nothing changes. */
	memcpy(buf, sample_named("v2 report")->buf, 8);
	memcpy(want, buf, 8);
	igmp_checksum_drop_extra(buf, 8, 8);
	TAP_CHECK(memcmp(buf, want, 8) == 0, "no extra data: the message is left as it is");
}

static void
test_ip_header(void)
{
	uint8_t pkt[128];
	struct igmp_ipv4 ip;
	struct igmp_msg m;
	size_t len;
	unsigned int ihl;

	len = make_ip_with_options(pkt, NULL, 0);
	CHECK_ERR(igmp_packet_parse(pkt, len, &ip, &m), IGMP_OK, "IHL 5, no options");
	TAP_CHECK(!ip.router_alert && ip.hdr_len == 20 && ip.payload_len == 8,
		  "IHL 5: no Router Alert, 8 bytes of payload");
	CHECK_ERR(igmp_ipv4_parse(pkt, 19, &ip), IGMP_ERR_TRUNCATED_IP_HEADER, "19 bytes");
	CHECK_ERR(igmp_ipv4_parse(pkt, 0, &ip), IGMP_ERR_TRUNCATED_IP_HEADER, "0 bytes");

	pkt[0] = 0x65;
	ip_fix_checksum(pkt);
	CHECK_ERR(igmp_packet_parse(pkt, len, &ip, &m), IGMP_ERR_BAD_IP_VERSION, "version 6");
	pkt[0] = 0x05;
	CHECK_ERR(igmp_packet_parse(pkt, len, &ip, &m), IGMP_ERR_BAD_IP_VERSION, "version 0");

	for (ihl = 0; ihl < 5; ihl++) {
		len = make_ip_with_options(pkt, NULL, 0);
		pkt[0] = (uint8_t)(0x40 | ihl);
		CHECK_ERR(igmp_packet_parse(pkt, len, &ip, &m), IGMP_ERR_BAD_IHL, "IHL %u", ihl);
	}

	/* IHL 15 (60 bytes) in a 28-byte datagram: the header length is what is wrong. */
	len = make_ip_with_options(pkt, NULL, 0);
	pkt[0] = 0x4f;
	CHECK_ERR(igmp_packet_parse(pkt, len, &ip, &m), IGMP_ERR_BAD_IHL,
		  "IHL 15 larger than the 28-byte buffer and total length");
	TAP_CHECK(ip.hdr_len == 60 && ip.total_len == 28, "IHL 15: hdr_len and total_len read");
	/* IHL 7 with a total length that covers it, cut inside the header. */
	len = make_ip_with_options(pkt, (const uint8_t []){ 0x94, 4, 0, 0, 1, 1, 1, 0 }, 8);
	CHECK_ERR(igmp_packet_parse(pkt, 26, &ip, &m), IGMP_ERR_TRUNCATED_IP_HEADER,
		  "IHL 7 with the buffer cut at 26 bytes");

	CHECK_ERR(igmp_packet_parse(pkt, 24, &ip, &m), IGMP_ERR_TRUNCATED_IP_HEADER,
		  "IHL 7 with the buffer cut at 24 bytes");
	put_be16(pkt + 2, 28);
	CHECK_ERR(igmp_packet_parse(pkt, 26, &ip, &m), IGMP_ERR_TRUNCATED_IP_HEADER,
		  "IHL 7, total length 28 = header, buffer cut at 26 bytes");

	len = make_ip_with_options(pkt, NULL, 0);
	put_be16(pkt + 2, 19);
	ip_fix_checksum(pkt);
	CHECK_ERR(igmp_packet_parse(pkt, len, &ip, &m), IGMP_ERR_BAD_TOTAL_LENGTH,
		  "total length 19 < header 20");
	put_be16(pkt + 2, 0);
	ip_fix_checksum(pkt);
	CHECK_ERR(igmp_packet_parse(pkt, len, &ip, &m), IGMP_ERR_BAD_TOTAL_LENGTH,
		  "total length 0");
	put_be16(pkt + 2, 29);
	ip_fix_checksum(pkt);
	CHECK_ERR(igmp_packet_parse(pkt, len, &ip, &m), IGMP_ERR_BAD_TOTAL_LENGTH,
		  "total length 29 > 28-byte buffer");
	put_be16(pkt + 2, 20);
	ip_fix_checksum(pkt);
	CHECK_ERR(igmp_packet_parse(pkt, len, &ip, &m), IGMP_ERR_TRUNCATED_IGMP,
		  "total length 20: no IGMP at all");
	len = make_ip_with_options(pkt, (const uint8_t []){ 0x94, 4, 0, 0 }, 4);
	put_be16(pkt + 2, 20);
	ip_fix_checksum(pkt);
	CHECK_ERR(igmp_packet_parse(pkt, len, &ip, &m), IGMP_ERR_BAD_TOTAL_LENGTH,
		  "total length 20 < header 24");

	len = make_ip_with_options(pkt, NULL, 0);
	pkt[9] = 17;
	ip_fix_checksum(pkt);
	CHECK_ERR(igmp_packet_parse(pkt, len, &ip, &m), IGMP_ERR_NOT_IGMP, "UDP");
	CHECK_ERR(igmp_ipv4_parse(pkt, len, &ip), IGMP_OK, "UDP is a fine IPv4 packet");
	TAP_CHECK(ip.proto == 17 && m.type == 0, "not_igmp: proto read, msg left empty");
	pkt[9] = 6;
	ip_fix_checksum(pkt);
	CHECK_ERR(igmp_packet_parse(pkt, len, &ip, &m), IGMP_ERR_NOT_IGMP, "TCP");
	pkt[9] = 0;
	ip_fix_checksum(pkt);
	CHECK_ERR(igmp_packet_parse(pkt, len, &ip, &m), IGMP_ERR_NOT_IGMP, "protocol 0");

	/* A header that ends the buffer: the option walk must not read past it. */
	len = make_ip_with_options(pkt, (const uint8_t []){ 1, 1, 1, 0x88 }, 4);
	put_be16(pkt + 2, 24);
	ip_fix_checksum(pkt);
	{
		uint8_t *p = dup_exact(pkt, 24);

		CHECK_ERR(igmp_ipv4_parse(p, 24, &ip), IGMP_ERR_BAD_IP_OPTION,
			  "option type in the last byte of a 24-byte packet");
		p[23] = 0x94;
		ip_fix_checksum(p);
		CHECK_ERR(igmp_ipv4_parse(p, 24, &ip), IGMP_ERR_BAD_IP_OPTION,
			  "Router Alert type in the last byte of a 24-byte packet");
		free(p);
	}

	/* Fragments: MF or any offset; DF alone is fine. */
	{
		static const uint16_t frag[] = { 0x2000, 0x0001, 0x1fff, 0x6000, 0x4001 };
		size_t i;

		for (i = 0; i < ARRAY_LEN(frag); i++) {
			len = make_ip_with_options(pkt, NULL, 0);
			put_be16(pkt + 6, frag[i]);
			ip_fix_checksum(pkt);
			CHECK_ERR(igmp_packet_parse(pkt, len, &ip, &m), IGMP_ERR_FRAGMENT,
				  "flags/offset 0x%04x", frag[i]);
		}
		len = make_ip_with_options(pkt, NULL, 0);
		put_be16(pkt + 6, 0x4000);
		ip_fix_checksum(pkt);
		CHECK_ERR(igmp_packet_parse(pkt, len, &ip, &m), IGMP_OK, "DF set");
	}
}

struct option_case {
	const char *what;
	uint8_t opts[40];
	size_t len;
	enum igmp_wire_error want;
	bool router_alert;
};

static void
test_ip_options(void)
{
	static const struct option_case cases[] = {
		{ "Router Alert", { 0x94, 4, 0, 0 }, 4, IGMP_OK, true },
		{ "Router Alert with value 1", { 0x94, 4, 0, 1 }, 4, IGMP_OK, true },
		{ "EOL only", { 0, 0, 0, 0 }, 4, IGMP_OK, false },
		{ "NOPs only", { 1, 1, 1, 1 }, 4, IGMP_OK, false },
		{ "Router Alert after a NOP", { 1, 0x94, 4, 0, 0, 0, 0, 0 }, 8, IGMP_OK, true },
		{ "Router Alert after stream id", { 0x88, 4, 0x12, 0x34, 0x94, 4, 0, 0 }, 8,
		  IGMP_OK, true },
		{ "Router Alert after a 7-byte record route",
		  { 0x07, 7, 4, 0, 0, 0, 0, 0x94, 4, 0, 0, 0 }, 12, IGMP_OK, true },
		{ "Router Alert after EOL is not seen", { 0, 0x94, 4, 0 }, 4, IGMP_OK, false },
		{ "junk after EOL is ignored", { 0, 0x88, 0, 0xff }, 4, IGMP_OK, false },
		{ "Router Alert at the end of 40 bytes", {
		  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0x94, 4, 0, 0 }, 40, IGMP_OK, true },
		{ "option length 0", { 0x88, 0, 0, 0 }, 4, IGMP_ERR_BAD_IP_OPTION, false },
		{ "option length 1", { 0x88, 1, 0, 0 }, 4, IGMP_ERR_BAD_IP_OPTION, false },
		{ "option length past the header", { 0x88, 5, 0, 0 }, 4, IGMP_ERR_BAD_IP_OPTION,
		  false },
		{ "option length 255", { 1, 1, 0x88, 255 }, 4, IGMP_ERR_BAD_IP_OPTION, false },
		{ "option type in the last byte", { 1, 1, 1, 0x88 }, 4, IGMP_ERR_BAD_IP_OPTION,
		  false },
		{ "Router Alert with length 2", { 0x94, 2, 1, 1 }, 4, IGMP_ERR_BAD_IP_OPTION,
		  false },
		{ "Router Alert with length 6", { 0x94, 6, 0, 0, 0, 0, 1, 1 }, 8,
		  IGMP_ERR_BAD_IP_OPTION, false },
		{ "Router Alert cut by the header end", { 1, 1, 0x94, 4 }, 4,
		  IGMP_ERR_BAD_IP_OPTION, false },
	};
	uint8_t pkt[128];
	struct igmp_ipv4 ip;
	struct igmp_msg m;
	size_t i, len;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		const struct option_case *c = &cases[i];

		len = make_ip_with_options(pkt, c->opts, c->len);
		CHECK_ERR(igmp_packet_parse(pkt, len, &ip, &m), c->want, "%s", c->what);
		if (c->want == IGMP_OK)
			TAP_CHECK(ip.router_alert == c->router_alert &&
				  ip.hdr_len == 20 + c->len && ip.payload_len == 8,
				  "%s: router_alert %s", c->what,
				  c->router_alert ? "set" : "clear");
	}
}

static bool
is_exclude(const struct igmp_record_spec *spec)
{
	return spec->type == IGMP_REC_IS_EX || spec->type == IGMP_REC_TO_EX;
}

/* What a receiver sees of one record piece, to match against the specs. */
struct split_state {
	uint16_t src_seen[64];   /* sources of spec i seen so far, in order */
	uint16_t pieces[64];
	int last_spec;
};

static void
test_mtu_split(void)
{
	static const uint16_t counts[] = { 0, 1, 2, 5, 17, 100, 400 };
	static const size_t max_lens[] = { 32, 36, 40, 64, 100, 552, 1476, 8976, 65535 };
	static uint32_t srcs[64][400];
	static const uint8_t aux[3 * 4] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	struct igmp_record_spec specs[40];
	uint8_t buf[70000], pkt[300];
	size_t i, j, k;

	for (i = 0; i < ARRAY_LEN(specs); i++) {
		for (j = 0; j < 400; j++)
			srcs[i][j] = addr(10, (uint8_t)i, (uint8_t)(j >> 8), (uint8_t)j);
		specs[i] = (struct igmp_record_spec){
			.type = (uint8_t)(1 + i % 6),
			.group = addr(232, 7, 0, (uint8_t)i),
			.sources = srcs[i],
			.n_sources = counts[i % ARRAY_LEN(counts)],
			.aux = aux,
			.aux_words = (uint8_t)(i % 5 == 2 ? 3 : 0),
		};
	}

	for (k = 0; k < ARRAY_LEN(max_lens); k++) {
		size_t max_len = max_lens[k];
		struct split_state st;
		uint16_t next = 0, next_src = 0;
		size_t len, packets = 0, prev_len = 0;
		bool fits = true, parses = true, order = true, all = true, greedy = true;
		bool whole = true, fields = true;

		memset(&st, 0, sizeof(st));
		st.last_spec = -1;
		while (next < ARRAY_LEN(specs) && packets < 100000) {
			struct igmp_ipv4 ip;
			struct igmp_msg m;
			struct igmp_record rec;
			size_t pos = 0, first_rec_len = 0;

			len = igmp_build_v3_report(buf, sizeof(buf), max_len, specs,
						   ARRAY_LEN(specs), &next, &next_src);
			if (len == 0)
				break;
			packets++;
			if (len > max_len)
				fits = false;
			if (igmp_parse(buf, len, &m) != IGMP_OK)
				parses = false;
			if (len + 24 <= sizeof(pkt)) {
				size_t plen = wrap_ip(pkt, sizeof(pkt), buf, len);

				if (igmp_packet_parse(pkt, plen, &ip, &m) != IGMP_OK)
					parses = false;
			} else if (igmp_parse(buf, len, &m) != IGMP_OK) {
				parses = false;
			}
			while (igmp_record_next(&m, &pos, &rec)) {
				int spec = (int)(ntohl(rec.group) & 0xff);
				const struct igmp_record_spec *sp;

				if (first_rec_len == 0)
					first_rec_len = pos;
				if (spec < st.last_spec || spec >= (int)ARRAY_LEN(specs)) {
					order = false;
					break;
				}
				sp = &specs[spec];
				if (spec != st.last_spec && st.last_spec >= 0 &&
				    !is_exclude(&specs[st.last_spec]) &&
				    st.src_seen[st.last_spec] != specs[st.last_spec].n_sources)
					order = false;
				st.last_spec = spec;
				st.pieces[spec]++;
				if (rec.type != sp->type || rec.aux_words != sp->aux_words ||
				    memcmp(rec.aux, sp->aux, (size_t)rec.aux_words * 4) != 0)
					fields = false;
				if (st.src_seen[spec] + rec.n_sources > sp->n_sources ||
				    memcmp(rec.sources, sp->sources + st.src_seen[spec],
					   (size_t)rec.n_sources * 4) != 0)
					order = false;
				else
					st.src_seen[spec] += rec.n_sources;
			}
			/* The previous packet ended only because this first record did not fit. */
			if (prev_len != 0 && prev_len + first_rec_len <= max_len)
				greedy = false;
			prev_len = len;
		}
		for (i = 0; i < ARRAY_LEN(specs); i++) {
			size_t whole_len = 8 + 8 + 4 * (size_t)specs[i].n_sources +
				4 * (size_t)specs[i].aux_words;

			/* RFC 3376 §4.2.16: EXCLUDE records go once, truncated to what fits. */
			if (is_exclude(&specs[i]) ?
			    st.pieces[i] != 1 || (specs[i].n_sources > 0 && st.src_seen[i] == 0) :
			    st.src_seen[i] != specs[i].n_sources || st.pieces[i] == 0)
				all = false;
			if (whole_len <= max_len && st.pieces[i] != 1)
				whole = false;
		}
		TAP_CHECK(next == ARRAY_LEN(specs) && next_src == 0,
			  "split at %zu: builder consumed every record (%zu packets)", max_len,
			  packets);
		TAP_CHECK(fits, "split at %zu: every packet within max_len", max_len);
		TAP_CHECK(parses, "split at %zu: every packet parses, bare and in IPv4", max_len);
		TAP_CHECK(order && all,
			  "split at %zu: every record once, every source of non-EXCLUDE records once, in order", max_len);
		TAP_CHECK(fields, "split at %zu: types and aux data kept in every piece", max_len);
		TAP_CHECK(whole, "split at %zu: records that fit a packet are never split",
			  max_len);
		TAP_CHECK(greedy,
			  "split at %zu: a packet ends only when the next record does not fit",
			  max_len);
	}

	/* Too small for anything: 0, and the cursor stays put. */
	{
		uint16_t next = 0, next_src = 0;

		size_t len;

		len = igmp_build_v3_report(buf, sizeof(buf), 15, specs, 1, &next, &next_src);
		TAP_CHECK(len == 0 && next == 0 && next_src == 0,
			  "report with max_len 15: 0, cursor unchanged");
		len = igmp_build_v3_report(buf, sizeof(buf), 16, specs, 1, &next, &next_src);
		TAP_CHECK(len == 16 && next == 1, "report with max_len 16: one empty record");
		len = igmp_build_v3_report(buf, sizeof(buf), 16, specs, 1, &next, &next_src);
		TAP_CHECK(len == 0, "report with every record sent: 0");
		next = 2;   /* 3 aux words + 1 source need 32 bytes */
		len = igmp_build_v3_report(buf, sizeof(buf), 31, specs, 3, &next, &next_src);
		TAP_CHECK(len == 0 && next == 2,
			  "record whose aux data leaves no room for a source: 0");
	}

	/* cap below max_len limits too, and nothing is written past it. */
	{
		uint16_t next = 4, next_src = 0;   /* 17 sources */
		size_t len, n = 0;
		bool ok = true;

		memset(buf, 0x5a, 64);
		while ((len = igmp_build_v3_report(buf, 20, 1500, specs, 5, &next,
						   &next_src)) != 0) {
			struct igmp_msg m;

			n++;
			if (len != 20 || buf[20] != 0x5a || igmp_parse(buf, len, &m) != IGMP_OK)
				ok = false;
		}
		TAP_CHECK(ok && n == 17 && next == 5, "cap 20: one source per packet, 17 packets");
	}

	/* A record bigger than any IPv4 packet is cut to fit one, whatever max_len says. */
	{
		static uint32_t many[20000];
		struct igmp_record_spec big = {
			.type = IGMP_REC_ALLOW, .group = addr(232, 7, 7, 7),
			.sources = many, .n_sources = 20000,
		};
		uint16_t next = 0, next_src = 0;
		size_t len, total = 0, n = 0;
		bool ok = true;

		for (i = 0; i < ARRAY_LEN(many); i++)
			many[i] = (uint32_t)i;
		while ((len = igmp_build_v3_report(buf, sizeof(buf), 1000000, &big, 1, &next,
						   &next_src)) != 0) {
			struct igmp_msg m;

			n++;
			if (len > UINT16_MAX - IGMP_IP_HDR_LEN ||
			    igmp_parse(buf, len, &m) != IGMP_OK)
				ok = false;
			else
				total += get_be16(buf + 10);
		}
		TAP_CHECK(ok && n == 2 && total == 20000 && next == 1,
			  "20000 sources with max_len 1000000: 2 packets that fit IPv4 (%zu)", n);
	}

	/* Empty input and a captured report rebuilt byte for byte. */
	{
		const struct sample *s = sample_named("captured v3 report many_s_gs4");
		struct igmp_record_spec rs[4];
		uint32_t rsrc[4][2];
		struct igmp_record rec;
		struct igmp_msg m;
		uint16_t next = 0, next_src = 0;
		size_t pos = 0, n = 0, len;

		len = igmp_build_v3_report(buf, sizeof(buf), 1500, specs, 0, &next, &next_src);
		TAP_CHECK(len == 0, "report of no records: 0");
		igmp_parse(s->buf, s->len, &m);
		while (n < 4 && igmp_record_next(&m, &pos, &rec)) {
			memcpy(rsrc[n], rec.sources, (size_t)rec.n_sources * 4);
			rs[n] = (struct igmp_record_spec){
				.type = rec.type, .group = rec.group,
				.sources = rsrc[n], .n_sources = rec.n_sources,
			};
			n++;
		}
		len = igmp_build_v3_report(buf, sizeof(buf), 1476, rs, 4, &next, &next_src);
		TAP_CHECK(len == s->len && memcmp(buf, s->buf, len) == 0,
			  "captured v3 report rebuilt byte for byte, kernel checksum included");
	}
}

static void
test_record_next_guards(void)
{
	const struct sample *s = sample_named("v3 report every record type");
	struct igmp_record rec;
	struct igmp_msg m;
	size_t pos = 0;
	bool found;

	igmp_parse(sample_named("v2 report")->buf, 8, &m);
	TAP_CHECK(!igmp_record_next(&m, &pos, &rec), "record_next on a v2 report: false");
	igmp_parse(s->buf, s->len - 1, &m);
	pos = 0;
	TAP_CHECK(!igmp_record_next(&m, &pos, &rec), "record_next on a refused report: false");
	igmp_parse(s->buf, s->len, &m);
	pos = 3;
	found = igmp_record_next(&m, &pos, &rec);
	TAP_CHECK((found ? pos > 3 : pos == 3) && pos <= 100,
		  "record_next from a misaligned position stays inside the message");
	pos = 1000;
	TAP_CHECK(!igmp_record_next(&m, &pos, &rec), "record_next past the end: false");

	/* A caller that shortened len by mistake still gets only records inside it. */
	m.len = (uint16_t)(m.len - 12);
	pos = 0;
	while ((found = igmp_record_next(&m, &pos, &rec)) &&
	       rec.aux + 4 * (size_t)rec.aux_words <= m.raw + m.len)
		;
	TAP_CHECK(!found && pos <= (size_t)m.len - 8,
		  "record_next never returns a record past msg->len");
}

/* Checks what a successful parse promises; false means the parser lied. */
static bool
msg_consistent(const struct igmp_msg *m, const uint8_t *buf, size_t len)
{
	struct igmp_record rec;
	size_t pos = 0, n = 0, end = 8;

	if (m->len > len || m->len < 8 || m->raw != buf || !m->checksum_ok)
		return false;
	if (m->type == IGMP_TYPE_QUERY && m->version == 3)
		return m->len == 12 + 4 * (size_t)m->n_sources && m->sources == buf + 12;
	if (m->type != IGMP_TYPE_V3_REPORT)
		return m->len == 8;
	while (igmp_record_next(m, &pos, &rec)) {
		n++;
		end = 8 + pos;
		if (rec.sources < buf || rec.aux + 4 * (size_t)rec.aux_words > buf + m->len)
			return false;
	}
	return n == m->n_records && end == m->len;
}

/* Mutated valid messages and packets: no crash, and every success is consistent. */
static void
test_random_inputs(void)
{
	uint8_t work[400], pkt[400];
	size_t iter, bad = SIZE_MAX, accepted = 0;

	for (iter = 0; iter < 200000 && bad == SIZE_MAX; iter++) {
		const struct sample *s = &samples[rng() % ARRAY_LEN(samples)];
		size_t len = s->len, flips = 1 + rng() % 4, f, plen;
		struct igmp_ipv4 ip;
		struct igmp_msg m;
		uint8_t *p;

		memcpy(work, s->buf, len);
		if (rng() % 4 == 0) {
			size_t extra = rng() % 64;

			for (f = 0; f < extra; f++)
				work[len + f] = (uint8_t)rng();
			len += extra;
		}
		for (f = 0; f < flips; f++)
			work[rng() % len] = (uint8_t)rng();
		if (rng() % 2 == 0)
			len = rng() % (len + 1);
		/* Re-sum half the time so the structure checks, not the checksum, decide. */
		if (rng() % 2 == 0 && len >= 4)
			igmp_fix_checksum(work, len);

		p = dup_exact(work, len);
		if (igmp_parse(p, len, &m) == IGMP_OK) {
			accepted++;
			if (!msg_consistent(&m, p, len))
				bad = iter;
		}
		free(p);

		plen = wrap_ip(pkt, sizeof(pkt), work, len);
		if (rng() % 2 == 0)
			pkt[rng() % 24] = (uint8_t)rng();
		if (rng() % 4 == 0)
			ip_fix_checksum(pkt);
		plen = rng() % 8 == 0 ? rng() % (plen + 1) : plen;
		p = dup_exact(pkt, plen);
		if (igmp_packet_parse(p, plen, &ip, &m) == IGMP_OK &&
		    (ip.payload_len + ip.hdr_len != ip.total_len || ip.total_len > plen ||
		     !msg_consistent(&m, ip.payload, ip.payload_len)))
			bad = iter;
		free(p);
	}
	TAP_CHECK(bad == SIZE_MAX && accepted > 1000,
		  "200000 mutated messages and packets: no crash, every success consistent "
		  "(%zu accepted, first bad iteration %s)", accepted, first_bad(bad));
}

int
main(void)
{
	samples_init();
	test_error_names();
	test_checksum();
	test_codes();
	test_parse_queries();
	test_parse_reports();
	test_parse_v3_report();
	test_unknown_types();
	test_builders();
	test_builder_caps();
	test_truncation();
	test_bad_checksums();
	test_v3_overflows();
	test_query_lengths();
	test_padding();
	test_drop_extra();
	test_ip_header();
	test_ip_header_checksums();
	test_address_classes();
	test_ip_options();
	test_mtu_split();
	test_record_next_guards();
	test_random_inputs();
	return TAP_DONE();
}
