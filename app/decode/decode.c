/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmpgw-decode: prints each IGMP message in pcap/pcapng captures (or in bare
 * IGMP payload files) as one JSON object per line, exactly as the wire codec
 * reads it, so tests and people can hold the codec against tshark.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "igmp_wire.h"
#include "link_ipv4.h"

#define PROG "igmpgw-decode"
#define EXIT_USAGE 2
#define EXIT_UNREADABLE 2

/* The fixed IPv4 header: what must be there to print addresses, TTL and TOS. */
#define IPV4_FIXED_HDR_LEN 20
#define IPV4_PROTO_OFF 9

/* No IPv4 packet carries more IGMP than this, so a bigger --raw file is not one. */
#define RAW_MAX_LEN UINT16_MAX

struct decode_opts {
	bool raw;        /* files hold bare IGMP messages, not captures */
	bool show_file;  /* more than one file: say which one each line is from */
};

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " [--raw] FILE...\n"
		"Prints each IGMP message in the pcap or pcapng FILEs as one JSON object\n"
		"per line; FILE '-' is standard input. Frames that are not IGMP over IPv4\n"
		"are skipped. Link types: Ethernet (VLAN tags skipped), Linux cooked\n"
		"(SLL, SLL2), raw IPv4.\n"
		"\n"
		"  --raw    the FILEs hold one bare IGMP message each (no link or IP\n"
		"           header), like goIGMP's *.payload files\n"
		"  --help   print this help and exit\n"
		"\n"
		"Keys: frame, file (several FILEs), src, dst, ttl, tos, router_alert,\n"
		"type, version, group, max_resp_time (s), checksum_ok; v3 queries add\n"
		"s_flag, qrv, qqic (s), sources; v3 reports add records [{type, group,\n"
		"sources, aux_len (32-bit words)}]; rejected packets add error, with the\n"
		"keys that could be read.\n"
		"Exit status: 0 when every FILE was read, 2 otherwise.\n");
}

/* Length of the valid UTF-8 sequence at s (RFC 3629), 0 when it is not one. */
static size_t
utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	/* Overlong forms, surrogates and code points past U+10FFFF are invalid. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	}
	return n;
}

/*
 * File names are bytes: control characters are escaped and bytes that are
 * not UTF-8 become U+FFFD, so every line stays valid JSON.
 */
static void
print_json_string(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	putchar('"');
	while (*s != '\0') {
		if (*s == '"' || *s == '\\') {
			printf("\\%c", *s);
			s++;
		} else if (*s < 0x20 || *s == 0x7f) {
			printf("\\u%04x", *s);
			s++;
		} else if (*s < 0x80) {
			putchar(*s);
			s++;
		} else if ((n = utf8_seq_len(s)) != 0) {
			fwrite(s, 1, n, stdout);
			s += n;
		} else {
			fputs("\\ufffd", stdout);
			s++;
		}
	}
	putchar('"');
}

/* An address as the codec holds it: network byte order. */
static void
print_addr(uint32_t addr)
{
	uint8_t b[4];

	memcpy(b, &addr, sizeof(b));
	printf("\"%u.%u.%u.%u\"", b[0], b[1], b[2], b[3]);
}

/* n addresses stored back to back as on the wire. */
static void
print_addr_list(const uint8_t *p, uint16_t n)
{
	uint32_t addr;
	uint16_t i;

	putchar('[');
	for (i = 0; i < n; i++) {
		memcpy(&addr, p + (size_t)i * 4, sizeof(addr));
		if (i > 0)
			fputs(", ", stdout);
		print_addr(addr);
	}
	putchar(']');
}

/* Known record types by name, others by number (RFC 3376 §4.2.12). */
static void
print_record_type(uint8_t type)
{
	static const char *const names[] = {
		[IGMP_REC_IS_IN] = "is_in",
		[IGMP_REC_IS_EX] = "is_ex",
		[IGMP_REC_TO_IN] = "to_in",
		[IGMP_REC_TO_EX] = "to_ex",
		[IGMP_REC_ALLOW] = "allow",
		[IGMP_REC_BLOCK] = "block",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type] != NULL)
		printf("\"%s\"", names[type]);
	else
		printf("%u", type);
}

static void
print_records(const struct igmp_msg *msg)
{
	struct igmp_record rec;
	size_t pos = 0;
	bool first = true;

	fputs(", \"records\": [", stdout);
	while (igmp_record_next(msg, &pos, &rec)) {
		fputs(first ? "{\"type\": " : ", {\"type\": ", stdout);
		first = false;
		print_record_type(rec.type);
		fputs(", \"group\": ", stdout);
		print_addr(rec.group);
		fputs(", \"sources\": ", stdout);
		print_addr_list(rec.sources, rec.n_sources);
		printf(", \"aux_len\": %u}", rec.aux_words);
	}
	putchar(']');
}

/*
 * The IGMP keys of a message the codec parsed from len bytes. On error only
 * those it could read: the codec leaves version 0 until the type and length
 * tell it, and sources and records NULL until all of them are there.
 */
static void
print_igmp(const struct igmp_msg *msg, size_t len)
{
	bool known;

	if (len < 1)
		return;
	printf(", \"type\": \"%s\"", igmp_type_name(msg->type));
	known = msg->type == IGMP_TYPE_QUERY || msg->type == IGMP_TYPE_V1_REPORT ||
		msg->type == IGMP_TYPE_V2_REPORT || msg->type == IGMP_TYPE_LEAVE;
	if (msg->version != 0)
		printf(", \"version\": %u", msg->version);
	if (known && len >= IGMP_V2_LEN) {
		fputs(", \"group\": ", stdout);
		print_addr(msg->group);
	}
	if (msg->version != 0)
		printf(", \"max_resp_time\": %u.%u", msg->max_resp_ds / 10, msg->max_resp_ds % 10);
	if (len >= IGMP_V2_LEN)
		printf(", \"checksum_ok\": %s", msg->checksum_ok ? "true" : "false");
	if (msg->type == IGMP_TYPE_QUERY && msg->version == 3) {
		printf(", \"s_flag\": %s, \"qrv\": %u, \"qqic\": %u",
		       msg->s_flag ? "true" : "false", msg->qrv, msg->qqi_s);
		/* The codec points at the sources only once they are all there. */
		if (msg->sources != NULL) {
			fputs(", \"sources\": ", stdout);
			print_addr_list(msg->sources, msg->n_sources);
		}
	}
	if (msg->type == IGMP_TYPE_V3_REPORT && msg->records != NULL)
		print_records(msg);
}

static void
print_head(const char *file, unsigned long frame)
{
	putchar('{');
	if (file != NULL) {
		fputs("\"file\": ", stdout);
		print_json_string(file);
		fputs(", ", stdout);
	}
	printf("\"frame\": %lu", frame);
}

static void
print_tail(enum igmp_wire_error err)
{
	if (err != IGMP_OK)
		printf(", \"error\": \"%s\"", igmp_wire_error_name(err));
	fputs("}\n", stdout);
}

/* One captured frame: prints it when it is IGMP over IPv4, skips it otherwise. */
static void
decode_frame(const char *file, unsigned long frame, int dlt, const uint8_t *pkt, size_t len)
{
	struct igmp_ipv4 ip;
	struct igmp_msg msg;
	enum igmp_wire_error err;
	size_t off;

	if (!link_find_ipv4(dlt, pkt, len, &off))
		return;
	pkt += off;
	len -= off;
	/* Without the protocol byte nothing says the frame is IGMP. */
	if (len <= IPV4_PROTO_OFF || pkt[IPV4_PROTO_OFF] != IGMP_IP_PROTO)
		return;

	err = igmp_packet_parse(pkt, len, &ip, &msg);
	print_head(file, frame);
	if (len >= IPV4_FIXED_HDR_LEN) {
		fputs(", \"src\": ", stdout);
		print_addr(ip.src);
		fputs(", \"dst\": ", stdout);
		print_addr(ip.dst);
		printf(", \"ttl\": %u, \"tos\": %u", ip.ttl, ip.tos);
	}
	/* Options and payload are known only once the whole IP header passed. */
	if (ip.payload != NULL) {
		printf(", \"router_alert\": %s", ip.router_alert ? "true" : "false");
		print_igmp(&msg, ip.payload_len);
	}
	print_tail(err);
}

static FILE *
open_input(const char *path)
{
	FILE *fp;

	if (strcmp(path, "-") == 0)
		return stdin;
	fp = fopen(path, "rb");
	if (fp == NULL)
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
	return fp;
}

static int
decode_capture(const char *path, const char *label)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_pkthdr *hdr;
	const u_char *data;
	unsigned long frame = 0;
	pcap_t *pcap;
	FILE *fp;
	int dlt, rc;

	fp = open_input(path);
	if (fp == NULL)
		return EXIT_UNREADABLE;
	/* Opens pcap and pcapng alike; pcap_close closes fp. */
	pcap = pcap_fopen_offline(fp, errbuf);
	if (pcap == NULL) {
		fprintf(stderr, PROG ": %s: %s\n", path, errbuf);
		if (fp != stdin)
			fclose(fp);
		return EXIT_UNREADABLE;
	}
	dlt = pcap_datalink(pcap);
	while ((rc = pcap_next_ex(pcap, &hdr, &data)) == 1) {
		frame++;
		decode_frame(label, frame, dlt, data, hdr->caplen);
	}
	if (rc == PCAP_ERROR) {
		/* What was read is printed; a capture cut short still fails the run. */
		fprintf(stderr, PROG ": %s: %s\n", path, pcap_geterr(pcap));
		pcap_close(pcap);
		return EXIT_UNREADABLE;
	}
	pcap_close(pcap);
	return 0;
}

static int
decode_raw(const char *path, const char *label)
{
	static uint8_t buf[RAW_MAX_LEN + 1];
	struct igmp_msg msg;
	enum igmp_wire_error err;
	size_t len;
	FILE *fp;
	int read_errno;

	fp = open_input(path);
	if (fp == NULL)
		return EXIT_UNREADABLE;
	errno = 0;
	len = fread(buf, 1, sizeof(buf), fp);
	read_errno = ferror(fp) != 0 ? (errno != 0 ? errno : EIO) : 0;
	if (fp != stdin)
		fclose(fp);
	if (read_errno != 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(read_errno));
		return EXIT_UNREADABLE;
	}
	if (len > RAW_MAX_LEN) {
		fprintf(stderr, PROG ": %s: longer than %u bytes, not an IGMP message\n", path,
			RAW_MAX_LEN);
		return EXIT_UNREADABLE;
	}
	err = igmp_parse(buf, len, &msg);
	print_head(label, 1);
	print_igmp(&msg, len);
	print_tail(err);
	return 0;
}

int
main(int argc, char **argv)
{
	struct decode_opts opts = { 0 };
	bool options_done = false;
	int i, n_files = 0, rc, status = 0;
	const char *label;

	/* Options may come anywhere before "--"; everything else is a FILE. */
	for (i = 1; i < argc; i++) {
		if (options_done || argv[i][0] != '-' || strcmp(argv[i], "-") == 0) {
			argv[++n_files] = argv[i];
		} else if (strcmp(argv[i], "--") == 0) {
			options_done = true;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--raw") == 0) {
			opts.raw = true;
		} else {
			fprintf(stderr, PROG ": unknown option %s (try --help)\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (n_files == 0) {
		fprintf(stderr, PROG ": no FILE given (try --help)\n");
		return EXIT_USAGE;
	}
	opts.show_file = n_files > 1;

	for (i = 1; i <= n_files; i++) {
		label = opts.show_file ? argv[i] : NULL;
		if (opts.raw)
			rc = decode_raw(argv[i], label);
		else
			rc = decode_capture(argv[i], label);
		if (rc != 0)
			status = rc;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": stdout: %s\n", strerror(errno));
		return EXIT_UNREADABLE;
	}
	return status;
}
