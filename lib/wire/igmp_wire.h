/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IGMP over IPv4 wire codec: parse, validate and build on plain byte buffers.
 * Needs no EAL, so unit tests, the decoder and fuzzers link it alone.
 *
 * Every address in this API is in network byte order, as on the wire, so the
 * fast path compares packet bytes without conversions.
 */
#ifndef IGMPGW_IGMP_WIRE_H
#define IGMPGW_IGMP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IGMP_IP_PROTO 2

#define IGMP_TYPE_QUERY 0x11
#define IGMP_TYPE_V1_REPORT 0x12
#define IGMP_TYPE_V2_REPORT 0x16
#define IGMP_TYPE_LEAVE 0x17
#define IGMP_TYPE_V3_REPORT 0x22

/* v3 group record types (RFC 3376 §4.2.12). */
#define IGMP_REC_IS_IN 1
#define IGMP_REC_IS_EX 2
#define IGMP_REC_TO_IN 3
#define IGMP_REC_TO_EX 4
#define IGMP_REC_ALLOW 5
#define IGMP_REC_BLOCK 6

#define IGMP_V2_LEN 8          /* v1/v2 query, v1/v2 report, leave */
#define IGMP_V3_QUERY_MIN_LEN 12
#define IGMP_V3_REPORT_MIN_LEN 8
#define IGMP_V3_RECORD_MIN_LEN 8

/* QRV is 3 bits; RFC 3376 §4.1.6 sends 0 for robustness values above 7. */
#define IGMP_QRV_MAX 7
/* Largest value a Max Resp Code or QQIC carries (RFC 3376 §4.1.1, §4.1.7). */
#define IGMP_CODE_MAX_VALUE 31744

/*
 * The groups IGMP itself is addressed to, host order (htonl() them):
 * queries to all systems, v2 leaves to all routers, v3 reports to all
 * IGMPv3-capable routers (RFC 2236 §9, RFC 3376 §4.2.14).
 */
#define IGMP_ALL_SYSTEMS 0xe0000001u     /* 224.0.0.1 */
#define IGMP_ALL_ROUTERS 0xe0000002u     /* 224.0.0.2 */
#define IGMP_ALL_V3_ROUTERS 0xe0000016u  /* 224.0.0.22 */

/* What goIGMP (and we) put in front of every emitted IGMP message. */
#define IGMP_IP_TOS 0xc0
#define IGMP_IP_TTL 1
#define IGMP_IP_HDR_LEN 24     /* 20 + Router Alert option */

/*
 * Every reason the parser can reject a packet for. The names are stable:
 * they are counter names in telemetry and the decoder's "error" values.
 */
#define IGMP_WIRE_ERRORS(X) \
	X(IGMP_OK, "ok") \
	X(IGMP_ERR_TRUNCATED_IP_HEADER, "truncated_ip_header") \
	X(IGMP_ERR_BAD_IP_VERSION, "bad_ip_version") \
	X(IGMP_ERR_BAD_IHL, "bad_ihl") \
	X(IGMP_ERR_BAD_TOTAL_LENGTH, "bad_total_length") \
	X(IGMP_ERR_BAD_IP_CHECKSUM, "bad_ip_checksum") \
	X(IGMP_ERR_FRAGMENT, "fragment") \
	X(IGMP_ERR_BAD_IP_OPTION, "bad_ip_option") \
	X(IGMP_ERR_NOT_IGMP, "not_igmp") \
	X(IGMP_ERR_TRUNCATED_IGMP, "truncated_igmp") \
	X(IGMP_ERR_BAD_QUERY_LENGTH, "bad_query_length") \
	X(IGMP_ERR_TRUNCATED_RECORD, "truncated_record") \
	X(IGMP_ERR_SOURCE_COUNT_OVERFLOW, "source_count_overflow") \
	X(IGMP_ERR_AUX_DATA_OVERFLOW, "aux_data_overflow") \
	X(IGMP_ERR_BAD_IGMP_CHECKSUM, "bad_igmp_checksum") \
	X(IGMP_ERR_UNKNOWN_TYPE, "unknown_type")

enum igmp_wire_error {
#define IGMP_WIRE_ERROR_ENUM(code, name) code,
	IGMP_WIRE_ERRORS(IGMP_WIRE_ERROR_ENUM)
#undef IGMP_WIRE_ERROR_ENUM
	IGMP_ERR_COUNT
};

/* Stable name of a reason ("bad_ip_checksum"); "invalid" for out-of-range codes. */
const char *igmp_wire_error_name(enum igmp_wire_error err);

/* Stable name of an IGMP type byte ("query", "v2_report", ...); "unknown" for others. */
const char *igmp_type_name(uint8_t type);

/* A validated IPv4 header; pointers point into the parsed buffer. */
struct igmp_ipv4 {
	uint32_t src;
	uint32_t dst;
	uint8_t tos;
	uint8_t ttl;
	uint8_t proto;
	uint8_t hdr_len;         /* bytes, 20..60 */
	uint16_t total_len;      /* from the header; <= buffer length */
	bool router_alert;       /* RFC 2113 option present with length 4 */
	const uint8_t *payload;  /* hdr + hdr_len */
	uint16_t payload_len;    /* total_len - hdr_len: trailing link padding excluded */
};

/*
 * Validates an IPv4 header at buf: version 4, IHL 5..15, total length within
 * len (bytes past total length are link padding and ignored), header checksum,
 * no fragments, well-formed options (Router Alert found anywhere among them).
 * Fills *ip as far as it could read it, also on error.
 */
enum igmp_wire_error igmp_ipv4_parse(const uint8_t *buf, size_t len, struct igmp_ipv4 *ip);

/* A parsed IGMP message; pointers point into the parsed buffer. */
struct igmp_msg {
	uint8_t type;
	uint8_t version;         /* 1, 2 or 3; 0 when unknown */
	uint8_t max_resp_code;   /* byte 1 as on the wire */
	uint32_t max_resp_ds;    /* decoded, tenths of a second (v1 query: 100) */
	uint16_t checksum;       /* as on the wire, host order */
	bool checksum_ok;
	uint32_t group;          /* queries, v1/v2 reports, leaves */
	/* v3 query */
	bool s_flag;
	uint8_t qrv;
	uint8_t qqic;
	uint32_t qqi_s;          /* QQIC decoded, seconds */
	/* v3 query: source addresses; v3 report: records */
	uint16_t n_sources;
	const uint8_t *sources;  /* n_sources * 4 bytes */
	uint16_t n_records;
	const uint8_t *records;  /* first record */
	const uint8_t *raw;      /* start of the message */
	uint16_t len;            /* message length, trailing padding excluded */
};

/* One v3 report group record. */
struct igmp_record {
	uint8_t type;
	uint8_t aux_words;       /* aux data length in 32-bit words */
	uint16_t n_sources;
	uint32_t group;
	const uint8_t *sources;  /* n_sources * 4 bytes */
	const uint8_t *aux;      /* aux_words * 4 bytes */
};

/*
 * Parses and validates the IGMP message in buf[0..len) (len = the IP payload
 * length). The checksum covers all len bytes, as RFC 3376 §4.1.2 and Linux do.
 * Query version follows RFC 3376 §7.1: 8 bytes is v1 (max resp 0) or v2, 12 or
 * more is v3, anything else is bad_query_length. Bytes past the end of a
 * complete message are padding and ignored. Fills *msg as far as it could read
 * it, also on error; a bad checksum is reported last, with every field set.
 */
enum igmp_wire_error igmp_parse(const uint8_t *buf, size_t len, struct igmp_msg *msg);

/*
 * Parses a whole IPv4 packet carrying IGMP (not_igmp for other protocols).
 * On success *msg is valid; on error both structs hold what could be read.
 */
enum igmp_wire_error igmp_packet_parse(const uint8_t *buf, size_t len, struct igmp_ipv4 *ip,
				       struct igmp_msg *msg);

/* Iterates over a validated v3 report's records: *pos starts at 0. */
bool igmp_record_next(const struct igmp_msg *msg, size_t *pos, struct igmp_record *rec);

/* Internet checksum (RFC 1071) of buf, any length; returns the value to store, host order. */
uint16_t igmp_inet_checksum(const void *buf, size_t len);

/*
 * Makes the IGMP checksum of a validated message cover msg_len bytes instead
 * of the payload_len its sender summed: the bytes past the message (RFC 3376
 * §4.1.10 and §4.2 "additional data", RFC 2236 §2.5) are then dropped by the
 * caller. Rewrites bytes 2-3 of igmp in place, from the smaller of the message
 * and the extra data (RFC 1624), so the result equals a full recomputation.
 */
void igmp_checksum_drop_extra(uint8_t *igmp, size_t msg_len, size_t payload_len);

/* RFC 3376 §4.1.1 / §4.1.7 floating point codes (Max Resp Code, QQIC). */
uint32_t igmp_code_decode(uint8_t code);
/* Smallest code whose decoded value is >= value (saturates at 31744). */
uint8_t igmp_code_encode(uint32_t value);

/*
 * Builders. Each writes into buf (capacity cap) and returns the number of
 * bytes written, or 0 when cap is too small. Checksums are always correct.
 */

/* 8-byte message: v1/v2 query, v1/v2 report or leave. */
size_t igmp_build_v2(uint8_t *buf, size_t cap, uint8_t type, uint8_t max_resp_code,
		     uint32_t group);

/* v3 query (RFC 3376 §4.1). */
size_t igmp_build_v3_query(uint8_t *buf, size_t cap, uint8_t max_resp_code, uint32_t group,
			   bool s_flag, uint8_t qrv, uint8_t qqic, const uint32_t *sources,
			   uint16_t n_sources);

/* Description of one record to put in a v3 report. */
struct igmp_record_spec {
	uint8_t type;
	uint32_t group;
	const uint32_t *sources;
	uint16_t n_sources;
	const uint8_t *aux;      /* may be NULL when aux_words is 0 */
	uint8_t aux_words;
};

/*
 * Builds a v3 report of records[*next ..] into buf, as many whole records as fit
 * in max_len bytes of IGMP message (an MTU minus the IP header), and advances
 * *next past them. A record whose sources do not fit in one message is split
 * across messages, except IS_EX/TO_EX records, which RFC 3376 §4.2.16 sends
 * once with the sources that fit; *next_src tracks a split (start both at 0).
 * Returns the message length, 0 when nothing fits (then stop calling).
 * Call again while *next < n to get the following packets.
 */
size_t igmp_build_v3_report(uint8_t *buf, size_t cap, size_t max_len,
			    const struct igmp_record_spec *records, uint16_t n,
			    uint16_t *next, uint16_t *next_src);

/*
 * Writes the 24-byte IPv4 header goIGMP uses (TOS 0xc0, TTL 1, protocol 2,
 * Router Alert, DF clear, id 0, correct checksum) for payload_len bytes of
 * IGMP. Returns IGMP_IP_HDR_LEN, or 0 when cap is too small.
 */
size_t igmp_build_ipv4_header(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst,
			      uint16_t payload_len);

/* 224.0.0.0/4 (addr in network order). */
static inline bool
igmp_is_multicast(uint32_t addr_be)
{
	return (((const uint8_t *)&addr_be)[0] & 0xf0) == 0xe0;
}

/*
 * 224.0.0.0/3 (network order): multicast and the reserved 240.0.0.0/4, never
 * a host's unicast address.
 */
static inline bool
igmp_is_multicast_or_reserved(uint32_t addr_be)
{
	return ((const uint8_t *)&addr_be)[0] >= 224;
}

/*
 * 224.0.0.0/24 (network order): queries, reports and routing protocols, never
 * application data; never tracked, reported upstream nor forwarded.
 */
static inline bool
igmp_is_link_local_group(uint32_t addr_be)
{
	const uint8_t *a = (const uint8_t *)&addr_be;

	return a[0] == 224 && a[1] == 0 && a[2] == 0;
}

#endif
