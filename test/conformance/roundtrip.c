/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Round trip over real captures: every IGMP message in the given captures
 * and bare payload files (directories are searched for *.pcap, *.pcapng and
 * *.payload) must parse, and the builders fed with what the parser read must
 * give back the same bytes (the message, not its IP header or padding).
 * Prints TAP; IGMPGW_CONFORMANCE_DIR, when set, replaces the arguments.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#include "igmp_wire.h"
#include "link_ipv4.h"
#include "tap.h"

#define IPV4_PROTO_OFF 9
#define MSG_MAX_LEN UINT16_MAX
/* The most addresses or records that fit in one message. */
#define MAX_ADDRS (MSG_MAX_LEN / 4)
#define MAX_RECORDS (MSG_MAX_LEN / IGMP_V3_RECORD_MIN_LEN)

static uint8_t out[MSG_MAX_LEN];
static uint32_t addrs[MAX_ADDRS];
static struct igmp_record_spec specs[MAX_RECORDS];
static unsigned int n_messages;

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Feeds a parsed v3 report's records back to the report builder. */
static size_t
rebuild_v3_report(const struct igmp_msg *msg)
{
	struct igmp_record rec;
	size_t pos = 0, n_addrs = 0;
	uint16_t n = 0, next = 0, next_src = 0;
	size_t len;

	while (igmp_record_next(msg, &pos, &rec)) {
		/* A valid message cannot hold more than these arrays do. */
		if (n >= MAX_RECORDS || n_addrs + rec.n_sources > MAX_ADDRS)
			return 0;
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
		n++;
	}
	if (n != msg->n_records)
		return 0;
	len = igmp_build_v3_report(out, sizeof(out), sizeof(out), specs, n, &next, &next_src);
	/* The whole message must come out as one packet. */
	if (next != n || next_src != 0)
		return 0;
	return len;
}

static size_t
rebuild(const struct igmp_msg *msg)
{
	switch (msg->type) {
	case IGMP_TYPE_QUERY:
		if (msg->version != 3)
			break;
		memcpy(addrs, msg->sources, (size_t)msg->n_sources * 4);
		return igmp_build_v3_query(out, sizeof(out), msg->max_resp_code, msg->group,
					   msg->s_flag, msg->qrv, msg->qqic, addrs,
					   msg->n_sources);
	case IGMP_TYPE_V3_REPORT:
		return rebuild_v3_report(msg);
	default:
		break;
	}
	return igmp_build_v2(out, sizeof(out), msg->type, msg->max_resp_code, msg->group);
}

/* One TAP case: the message at buf (len bytes of IP payload) survives the round trip. */
static void
check_message(const char *where, const uint8_t *buf, size_t len)
{
	struct igmp_msg msg;
	enum igmp_wire_error err;
	size_t n;

	n_messages++;
	err = igmp_parse(buf, len, &msg);
	if (err != IGMP_OK) {
		TAP_CHECK(err == IGMP_OK, "%s: parses (%s)", where, igmp_wire_error_name(err));
		return;
	}
	n = rebuild(&msg);
	TAP_CHECK(n == msg.len && memcmp(out, msg.raw, n) == 0,
		  "%s: type 0x%02x v%u, %u bytes rebuilt byte for byte (built %zu)", where,
		  msg.type, msg.version, msg.len, n);
}

static void
check_payload_file(const char *path)
{
	static uint8_t buf[MSG_MAX_LEN + 1];
	size_t len;
	FILE *fp;

	fp = fopen(path, "rb");
	if (fp == NULL) {
		TAP_CHECK(fp != NULL, "%s: opens (%s)", base_name(path), strerror(errno));
		return;
	}
	len = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	check_message(base_name(path), buf, len);
}

static void
check_capture(const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	char where[512];
	struct igmp_ipv4 ip;
	struct pcap_pkthdr *hdr;
	const u_char *data;
	unsigned long frame = 0;
	enum igmp_wire_error err;
	size_t off, len;
	pcap_t *pcap;
	int rc;

	pcap = pcap_open_offline(path, errbuf);
	if (pcap == NULL) {
		TAP_CHECK(pcap != NULL, "%s: opens (%s)", base_name(path), errbuf);
		return;
	}
	while ((rc = pcap_next_ex(pcap, &hdr, &data)) == 1) {
		frame++;
		if (!link_find_ipv4(pcap_datalink(pcap), data, hdr->caplen, &off))
			continue;
		len = hdr->caplen - off;
		if (len <= IPV4_PROTO_OFF || data[off + IPV4_PROTO_OFF] != IGMP_IP_PROTO)
			continue;
		snprintf(where, sizeof(where), "%s#%lu", base_name(path), frame);
		err = igmp_ipv4_parse(data + off, len, &ip);
		if (err != IGMP_OK) {
			TAP_CHECK(err == IGMP_OK, "%s: IPv4 header parses (%s)", where,
				  igmp_wire_error_name(err));
			continue;
		}
		check_message(where, ip.payload, ip.payload_len);
	}
	TAP_CHECK(rc == PCAP_ERROR_BREAK, "%s: read to the end (%s)", base_name(path),
		  rc == PCAP_ERROR ? pcap_geterr(pcap) : "ok");
	pcap_close(pcap);
}

static void
check_file(const char *path)
{
	if (has_suffix(path, ".payload"))
		check_payload_file(path);
	else
		check_capture(path);
}

static int
is_sample(const struct dirent *d)
{
	return has_suffix(d->d_name, ".pcap") || has_suffix(d->d_name, ".pcapng") ||
	       has_suffix(d->d_name, ".payload");
}

static void
check_dir(const char *dir)
{
	struct dirent **names;
	char path[4096];
	int i, n;

	/* Sorted, so case numbers stay the same from run to run. */
	n = scandir(dir, &names, is_sample, alphasort);
	if (n < 0) {
		TAP_CHECK(n >= 0, "%s: lists (%s)", dir, strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		check_file(path);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	const char *env = getenv("IGMPGW_CONFORMANCE_DIR");
	const char *one[1];
	const char *const *paths = (const char *const *)argv + 1;
	int i, n = argc - 1;
	struct stat st;

	if (env != NULL && env[0] != '\0') {
		one[0] = env;
		paths = one;
		n = 1;
	}
	if (n == 0) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 2;
	}
	/* The captures live beside the repo, not in it: without them there is nothing to do. */
	for (i = 0; i < n; i++) {
		if (stat(paths[i], &st) != 0) {
			printf("1..0 # SKIP %s: %s\n", paths[i], strerror(errno));
			return 0;
		}
	}
	for (i = 0; i < n; i++) {
		if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
			check_dir(paths[i]);
		else
			check_file(paths[i]);
	}
	TAP_CHECK(n_messages > 0, "found %u IGMP messages to check", n_messages);
	return TAP_DONE();
}
