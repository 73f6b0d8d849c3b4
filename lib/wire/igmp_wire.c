/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IGMP over IPv4 wire codec: parse, validate and build on plain byte buffers.
 * Every length read from a packet is checked against the buffer before use,
 * so any byte string is safe to hand to the parsers.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "igmp_wire.h"

#define IPV4_MIN_HDR_LEN 20
#define IPV4_FLAG_MF 0x2000
#define IPV4_FRAG_OFFSET_MASK 0x1fff

#define IPOPT_EOL 0x00
#define IPOPT_NOP 0x01
#define IPOPT_RA 0x94
#define IPOPT_RA_LEN 4

#define IGMP_S_FLAG 0x08

/* Values >= this in Max Resp Code / QQIC use the floating point form. */
#define IGMP_CODE_FLOAT_MIN 128

/* A v1 query carries no max resp time; RFC 2236 §4 makes it 10 s. */
#define IGMP_V1_MAX_RESP_DS 100

/*
 * No IPv4 packet carries a 64 KiB IGMP message, so the parser looks for
 * structure only in the first UINT16_MAX bytes (msg->len stays exact), and the
 * builders never write more than igmp_build_ipv4_header can frame.
 */
#define IGMP_PARSE_MAX_LEN UINT16_MAX
#define IGMP_BUILD_MAX_LEN (UINT16_MAX - IGMP_IP_HDR_LEN)

static const char *const igmp_wire_error_names[IGMP_ERR_COUNT] = {
#define IGMP_WIRE_ERROR_NAME(code, name) [code] = name,
	IGMP_WIRE_ERRORS(IGMP_WIRE_ERROR_NAME)
#undef IGMP_WIRE_ERROR_NAME
};

const char *
igmp_wire_error_name(enum igmp_wire_error err)
{
	if ((unsigned int)err >= IGMP_ERR_COUNT)
		return "invalid";
	return igmp_wire_error_names[err];
}

const char *
igmp_type_name(uint8_t type)
{
	switch (type) {
	case IGMP_TYPE_QUERY:
		return "query";
	case IGMP_TYPE_V1_REPORT:
		return "v1_report";
	case IGMP_TYPE_V2_REPORT:
		return "v2_report";
	case IGMP_TYPE_LEAVE:
		return "leave";
	case IGMP_TYPE_V3_REPORT:
		return "v3_report";
	default:
		return "unknown";
	}
}

static inline uint16_t
get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Addresses stay in network byte order: a plain copy of the 4 bytes. */
static inline uint32_t
get_addr(const uint8_t *p)
{
	uint32_t a;

	memcpy(&a, p, sizeof(a));
	return a;
}

static inline void
put_addr(uint8_t *p, uint32_t a)
{
	memcpy(p, &a, sizeof(a));
}

uint16_t
igmp_inet_checksum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t sum = 0;
	uint32_t w32;
	uint16_t w16;

	/*
	 * Sums native-order words and swaps once at the end (RFC 1071 §2(B));
	 * 32-bit words into a 64-bit accumulator cannot overflow for any
	 * buffer that fits in memory, and fold to the same 16-bit sum.
	 */
	while (len >= 8) {
		memcpy(&w32, p, 4);
		sum += w32;
		memcpy(&w32, p + 4, 4);
		sum += w32;
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		memcpy(&w32, p, 4);
		sum += w32;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&w16, p, 2);
		sum += w16;
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		/* The odd byte is the high byte of a zero-padded word, in memory order. */
		w16 = 0;
		memcpy(&w16, p, 1);
		sum += w16;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ntohs((uint16_t)~sum);
}

/* Clears the 16-bit checksum field at off, then stores the checksum of buf[0..len). */
static void
put_checksum(uint8_t *buf, size_t len, size_t off)
{
	buf[off] = 0;
	buf[off + 1] = 0;
	put_be16(buf + off, igmp_inet_checksum(buf, len));
}

void
igmp_checksum_drop_extra(uint8_t *igmp, size_t msg_len, size_t payload_len)
{
	size_t extra = payload_len - msg_len;
	uint32_t sum;

	if (payload_len <= msg_len || msg_len < IGMP_V2_LEN)
		return;
	/*
	 * A message is whole 32-bit words, so the extra bytes start on a word of
	 * the sender's sum: adding their sum to the old checksum takes them out
	 * (RFC 1624 with the words gone). When they outweigh the message, or do
	 * not start on a 16-bit boundary, summing the message is cheaper or needed.
	 */
	if (extra > msg_len || (msg_len & 1) != 0) {
		put_checksum(igmp, msg_len, 2);
		return;
	}
	sum = (uint32_t)get_be16(igmp + 2) + (uint16_t)~igmp_inet_checksum(igmp + msg_len, extra);
	sum = (sum & 0xffff) + (sum >> 16);
	/* 0xffff and 0 both verify; a full computation never gives 0xffff for non-zero data. */
	put_be16(igmp + 2, sum == 0xffff ? 0 : (uint16_t)sum);
}

uint32_t
igmp_code_decode(uint8_t code)
{
	uint32_t exp, mant;

	if (code < IGMP_CODE_FLOAT_MIN)
		return code;
	exp = (code >> 4) & 0x07;
	mant = code & 0x0f;
	return (mant | 0x10) << (exp + 3);
}

uint8_t
igmp_code_encode(uint32_t value)
{
	uint32_t exp, unit, mant;

	if (value < IGMP_CODE_FLOAT_MIN)
		return (uint8_t)value;
	if (value >= IGMP_CODE_MAX_VALUE)
		return 0xff;
	/*
	 * The exponent whose range (16..31 units) reaches value, then the
	 * mantissa rounded up so the code never means less than asked.
	 */
	for (exp = 0; exp < 7; exp++) {
		unit = 1u << (exp + 3);
		if (value <= 31 * unit)
			break;
	}
	unit = 1u << (exp + 3);
	mant = (value + unit - 1) / unit;
	return (uint8_t)(0x80 | exp << 4 | (mant - 16));
}

/*
 * Walks the options (RFC 791 §3.1): EOL ends them, NOP is one byte, every
 * other option has a length byte covering itself and the type byte.
 */
static enum igmp_wire_error
ipv4_options_parse(const uint8_t *opt, size_t len, bool *router_alert)
{
	size_t off = 0;
	uint8_t type, olen;

	while (off < len) {
		type = opt[off];
		if (type == IPOPT_EOL)
			break;
		if (type == IPOPT_NOP) {
			off++;
			continue;
		}
		if (len - off < 2)
			return IGMP_ERR_BAD_IP_OPTION;
		olen = opt[off + 1];
		if (olen < 2 || olen > len - off)
			return IGMP_ERR_BAD_IP_OPTION;
		if (type == IPOPT_RA) {
			/* RFC 2113 fixes the length; VPP once trusted it blindly. */
			if (olen != IPOPT_RA_LEN)
				return IGMP_ERR_BAD_IP_OPTION;
			*router_alert = true;
		}
		off += olen;
	}
	return IGMP_OK;
}

enum igmp_wire_error
igmp_ipv4_parse(const uint8_t *buf, size_t len, struct igmp_ipv4 *ip)
{
	enum igmp_wire_error err;
	uint16_t frag;
	size_t hdr_len;

	memset(ip, 0, sizeof(*ip));
	if (len < IPV4_MIN_HDR_LEN)
		return IGMP_ERR_TRUNCATED_IP_HEADER;

	hdr_len = (size_t)(buf[0] & 0x0f) * 4;
	ip->tos = buf[1];
	ip->total_len = get_be16(buf + 2);
	ip->ttl = buf[8];
	ip->proto = buf[9];
	ip->src = get_addr(buf + 12);
	ip->dst = get_addr(buf + 16);
	ip->hdr_len = (uint8_t)hdr_len;

	if (buf[0] >> 4 != 4)
		return IGMP_ERR_BAD_IP_VERSION;
	if (hdr_len < IPV4_MIN_HDR_LEN)
		return IGMP_ERR_BAD_IHL;
	if (hdr_len > len) {
		/*
		 * A header whose own total length covers it was cut short;
		 * one that claims more header than packet has a wrong IHL.
		 */
		if (ip->total_len >= hdr_len)
			return IGMP_ERR_TRUNCATED_IP_HEADER;
		return IGMP_ERR_BAD_IHL;
	}
	/* Nothing in a header with a bad checksum can be trusted, so it goes first. */
	if (igmp_inet_checksum(buf, hdr_len) != 0)
		return IGMP_ERR_BAD_IP_CHECKSUM;
	if (ip->total_len < hdr_len || ip->total_len > len)
		return IGMP_ERR_BAD_TOTAL_LENGTH;

	err = ipv4_options_parse(buf + IPV4_MIN_HDR_LEN, hdr_len - IPV4_MIN_HDR_LEN,
				 &ip->router_alert);
	if (err != IGMP_OK)
		return err;

	frag = get_be16(buf + 6);
	if ((frag & (IPV4_FLAG_MF | IPV4_FRAG_OFFSET_MASK)) != 0)
		return IGMP_ERR_FRAGMENT;

	ip->payload = buf + hdr_len;
	ip->payload_len = (uint16_t)(ip->total_len - hdr_len);
	return IGMP_OK;
}

/* RFC 3376 §7.1: the length alone tells a v1/v2 query from a v3 one. */
static enum igmp_wire_error
igmp_query_parse(const uint8_t *buf, size_t len, struct igmp_msg *msg)
{
	size_t need;

	msg->group = get_addr(buf + 4);
	if (len == IGMP_V2_LEN) {
		if (msg->max_resp_code == 0) {
			msg->version = 1;
			msg->max_resp_ds = IGMP_V1_MAX_RESP_DS;
		} else {
			/* v2 has no floating point form: plain tenths up to 25.5 s. */
			msg->version = 2;
			msg->max_resp_ds = msg->max_resp_code;
		}
		msg->len = IGMP_V2_LEN;
		return IGMP_OK;
	}
	if (len < IGMP_V3_QUERY_MIN_LEN)
		return IGMP_ERR_BAD_QUERY_LENGTH;

	msg->version = 3;
	msg->max_resp_ds = igmp_code_decode(msg->max_resp_code);
	msg->s_flag = (buf[8] & IGMP_S_FLAG) != 0;
	msg->qrv = buf[8] & IGMP_QRV_MAX;
	msg->qqic = buf[9];
	msg->qqi_s = igmp_code_decode(msg->qqic);
	msg->n_sources = get_be16(buf + 10);
	need = IGMP_V3_QUERY_MIN_LEN + (size_t)msg->n_sources * 4;
	if (need > len)
		return IGMP_ERR_SOURCE_COUNT_OVERFLOW;
	msg->sources = buf + IGMP_V3_QUERY_MIN_LEN;
	msg->len = (uint16_t)need;
	return IGMP_OK;
}

/* Every record, its sources and its aux data must lie within len. */
static enum igmp_wire_error
igmp_v3_report_parse(const uint8_t *buf, size_t len, struct igmp_msg *msg)
{
	size_t off = IGMP_V3_REPORT_MIN_LEN;
	size_t src_end;
	uint16_t i;

	msg->version = 3;
	msg->n_records = get_be16(buf + 6);
	for (i = 0; i < msg->n_records; i++) {
		if (len - off < IGMP_V3_RECORD_MIN_LEN)
			return IGMP_ERR_TRUNCATED_RECORD;
		src_end = off + IGMP_V3_RECORD_MIN_LEN + (size_t)get_be16(buf + off + 2) * 4;
		if (src_end > len)
			return IGMP_ERR_SOURCE_COUNT_OVERFLOW;
		off = src_end + (size_t)buf[off + 1] * 4;
		if (off > len)
			return IGMP_ERR_AUX_DATA_OVERFLOW;
	}
	msg->records = buf + IGMP_V3_REPORT_MIN_LEN;
	msg->len = (uint16_t)off;
	return IGMP_OK;
}

enum igmp_wire_error
igmp_parse(const uint8_t *buf, size_t len, struct igmp_msg *msg)
{
	enum igmp_wire_error err;
	size_t lim = len > IGMP_PARSE_MAX_LEN ? IGMP_PARSE_MAX_LEN : len;

	memset(msg, 0, sizeof(*msg));
	msg->raw = buf;
	if (len >= 1)
		msg->type = buf[0];
	if (len >= 2)
		msg->max_resp_code = buf[1];
	if (len >= 4)
		msg->checksum = get_be16(buf + 2);
	if (len < IGMP_V2_LEN)
		return IGMP_ERR_TRUNCATED_IGMP;
	msg->checksum_ok = igmp_inet_checksum(buf, len) == 0;

	switch (msg->type) {
	case IGMP_TYPE_QUERY:
		err = igmp_query_parse(buf, lim, msg);
		break;
	case IGMP_TYPE_V1_REPORT:
	case IGMP_TYPE_V2_REPORT:
	case IGMP_TYPE_LEAVE:
		msg->version = msg->type == IGMP_TYPE_V1_REPORT ? 1 : 2;
		msg->group = get_addr(buf + 4);
		msg->len = IGMP_V2_LEN;
		err = IGMP_OK;
		break;
	case IGMP_TYPE_V3_REPORT:
		err = igmp_v3_report_parse(buf, lim, msg);
		break;
	default:
		return IGMP_ERR_UNKNOWN_TYPE;
	}
	if (err != IGMP_OK)
		return err;
	if (!msg->checksum_ok)
		return IGMP_ERR_BAD_IGMP_CHECKSUM;
	return IGMP_OK;
}

enum igmp_wire_error
igmp_packet_parse(const uint8_t *buf, size_t len, struct igmp_ipv4 *ip, struct igmp_msg *msg)
{
	enum igmp_wire_error err;

	memset(msg, 0, sizeof(*msg));
	err = igmp_ipv4_parse(buf, len, ip);
	if (err != IGMP_OK)
		return err;
	if (ip->proto != IGMP_IP_PROTO)
		return IGMP_ERR_NOT_IGMP;
	return igmp_parse(ip->payload, ip->payload_len, msg);
}

bool
igmp_record_next(const struct igmp_msg *msg, size_t *pos, struct igmp_record *rec)
{
	const uint8_t *p;
	size_t end, off = *pos;
	size_t rec_len;

	/* Bounds are rechecked so a message that failed validation yields nothing. */
	if (msg->type != IGMP_TYPE_V3_REPORT || msg->records == NULL ||
	    msg->len < IGMP_V3_REPORT_MIN_LEN)
		return false;
	end = (size_t)msg->len - IGMP_V3_REPORT_MIN_LEN;
	if (off > end || end - off < IGMP_V3_RECORD_MIN_LEN)
		return false;

	p = msg->records + off;
	rec->type = p[0];
	rec->aux_words = p[1];
	rec->n_sources = get_be16(p + 2);
	rec->group = get_addr(p + 4);
	rec_len = IGMP_V3_RECORD_MIN_LEN + (size_t)rec->n_sources * 4 + (size_t)rec->aux_words * 4;
	if (rec_len > end - off)
		return false;
	rec->sources = p + IGMP_V3_RECORD_MIN_LEN;
	rec->aux = rec->sources + (size_t)rec->n_sources * 4;
	*pos = off + rec_len;
	return true;
}

/* Any type byte is written: the tests also use it to build unknown types. */
size_t
igmp_build_v2(uint8_t *buf, size_t cap, uint8_t type, uint8_t max_resp_code, uint32_t group)
{
	if (cap < IGMP_V2_LEN)
		return 0;
	buf[0] = type;
	buf[1] = max_resp_code;
	put_addr(buf + 4, group);
	put_checksum(buf, IGMP_V2_LEN, 2);
	return IGMP_V2_LEN;
}

size_t
igmp_build_v3_query(uint8_t *buf, size_t cap, uint8_t max_resp_code, uint32_t group,
		    bool s_flag, uint8_t qrv, uint8_t qqic, const uint32_t *sources,
		    uint16_t n_sources)
{
	size_t len = IGMP_V3_QUERY_MIN_LEN + (size_t)n_sources * 4;

	if (cap < len || len > IGMP_BUILD_MAX_LEN || (n_sources > 0 && sources == NULL))
		return 0;
	buf[0] = IGMP_TYPE_QUERY;
	buf[1] = max_resp_code;
	put_addr(buf + 4, group);
	buf[8] = (s_flag ? IGMP_S_FLAG : 0) | (qrv > IGMP_QRV_MAX ? 0 : qrv);
	buf[9] = qqic;
	put_be16(buf + 10, n_sources);
	if (n_sources > 0)
		memcpy(buf + IGMP_V3_QUERY_MIN_LEN, sources, (size_t)n_sources * 4);
	put_checksum(buf, len, 2);
	return len;
}

/* Writes one record with n of spec's sources starting at first; returns its length. */
static size_t
put_record(uint8_t *p, const struct igmp_record_spec *spec, uint16_t first, uint16_t n)
{
	size_t src_len = (size_t)n * 4;
	size_t aux_len = (size_t)spec->aux_words * 4;

	p[0] = spec->type;
	p[1] = spec->aux_words;
	put_be16(p + 2, n);
	put_addr(p + 4, spec->group);
	if (n > 0)
		memcpy(p + IGMP_V3_RECORD_MIN_LEN, spec->sources + first, src_len);
	if (aux_len > 0)
		memcpy(p + IGMP_V3_RECORD_MIN_LEN + src_len, spec->aux, aux_len);
	return IGMP_V3_RECORD_MIN_LEN + src_len + aux_len;
}

/*
 * Whole records go first: a record that does not fit in what is left of this
 * message starts the next one, and only a record too big for an empty message
 * is split (each piece carries the record's aux data).
 *
 * IS_EX and TO_EX records are never split: RFC 3376 §4.2.16 sends one record
 * with as many sources as fit and leaves the rest out, since each IS_EX piece
 * would replace the exclude list the previous one set up.
 */
size_t
igmp_build_v3_report(uint8_t *buf, size_t cap, size_t max_len,
		     const struct igmp_record_spec *records, uint16_t n,
		     uint16_t *next, uint16_t *next_src)
{
	const struct igmp_record_spec *spec;
	size_t limit = max_len < cap ? max_len : cap;
	size_t off = IGMP_V3_REPORT_MIN_LEN;
	size_t fixed, room;
	uint16_t i = *next, first = *next_src;
	uint16_t left, take, n_out = 0;

	if (limit > IGMP_BUILD_MAX_LEN)
		limit = IGMP_BUILD_MAX_LEN;
	if (i >= n || limit < IGMP_V3_REPORT_MIN_LEN + IGMP_V3_RECORD_MIN_LEN ||
	    first > records[i].n_sources)
		return 0;

	while (i < n) {
		spec = &records[i];
		if ((spec->n_sources > 0 && spec->sources == NULL) ||
		    (spec->aux_words > 0 && spec->aux == NULL))
			return 0;
		fixed = IGMP_V3_RECORD_MIN_LEN + (size_t)spec->aux_words * 4;
		room = limit - off;
		left = spec->n_sources - first;
		if (fixed + (size_t)left * 4 <= room)
			take = left;
		else if (n_out > 0)
			break;
		else if (room >= fixed + 4)
			take = (uint16_t)((room - fixed) / 4);
		else
			return 0;

		off += put_record(buf + off, spec, first, take);
		n_out++;
		if (take < left) {
			/* RFC 3376 §4.2.16: an EXCLUDE record goes once, with the sources that fit. */
			if (spec->type == IGMP_REC_IS_EX || spec->type == IGMP_REC_TO_EX) {
				i++;
				first = 0;
			} else {
				first += take;
			}
			break;
		}
		i++;
		first = 0;
	}

	buf[0] = IGMP_TYPE_V3_REPORT;
	buf[1] = 0;
	buf[4] = 0;
	buf[5] = 0;
	put_be16(buf + 6, n_out);
	put_checksum(buf, off, 2);
	*next = i;
	*next_src = first;
	return off;
}

size_t
igmp_build_ipv4_header(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst,
		       uint16_t payload_len)
{
	/* A payload the 16-bit total length cannot describe gets no header either. */
	if (cap < IGMP_IP_HDR_LEN || payload_len > UINT16_MAX - IGMP_IP_HDR_LEN)
		return 0;
	uint16_t total = (uint16_t)(IGMP_IP_HDR_LEN + payload_len);
	uint32_t s = ntohl(src), d = ntohl(dst);
	uint32_t sum;

	buf[0] = 0x40 | IGMP_IP_HDR_LEN / 4;
	buf[1] = IGMP_IP_TOS;
	put_be16(buf + 2, total);
	memset(buf + 4, 0, 4);  /* id 0; DF, MF and offset clear */
	buf[8] = IGMP_IP_TTL;
	buf[9] = IGMP_IP_PROTO;
	put_addr(buf + 12, src);
	put_addr(buf + 16, dst);
	buf[20] = IPOPT_RA;
	buf[21] = IPOPT_RA_LEN;
	buf[22] = 0;
	buf[23] = 0;
	/*
	 * The checksum from the values, not by reading back the bytes just stored:
	 * wide loads over narrow stores stall the pipeline (no store forwarding).
	 */
	sum = (0x4000u | (IGMP_IP_HDR_LEN / 4) << 8 | IGMP_IP_TOS) + total +
		(IGMP_IP_TTL << 8 | IGMP_IP_PROTO) + (s >> 16) + (s & 0xffff) + (d >> 16) +
		(d & 0xffff) + (IPOPT_RA << 8 | IPOPT_RA_LEN);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	put_be16(buf + 10, (uint16_t)~sum);
	return IGMP_IP_HDR_LEN;
}
