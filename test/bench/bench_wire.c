/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Micro-benchmark of the wire codec: nanoseconds per packet to parse and
 * validate, and to build, the messages the gateway handles most. Prints a
 * table, the aims met or missed, and the CPU; it never fails on a time, since
 * times depend on the box.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "igmp_wire.h"

#define BENCH_PKT_MAX 2048
#define BENCH_REPORT_RECORDS 20
/* Each case runs for about this long, in BENCH_ROUNDS rounds; the fastest round counts. */
#define BENCH_CASE_NS 500000000ull
#define BENCH_ROUNDS 5
#define BENCH_CALIBRATE_NS 10000000ull

/* The codec takes addresses in network byte order. */
#define BENCH_IPV4(a, b, c, d) htonl((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
				     (uint32_t)(c) << 8 | (uint32_t)(d))
#define BENCH_HOST BENCH_IPV4(172, 17, 200, 10)
#define BENCH_QUERIER BENCH_IPV4(172, 17, 0, 1)
#define BENCH_ALL_HOSTS BENCH_IPV4(224, 0, 0, 1)
#define BENCH_ALL_V3_ROUTERS BENCH_IPV4(224, 0, 0, 22)
#define BENCH_V2_GROUP BENCH_IPV4(232, 0, 0, 9)
#define BENCH_ETHER_MTU 1500

#ifdef __clang__
#define BENCH_COMPILER "clang " __clang_version__
#else
#define BENCH_COMPILER "gcc " __VERSION__
#endif

/* Makes the compiler assume p's memory changed, so work on it cannot be hoisted out of loops. */
#define BENCH_CLOBBER(p) __asm__ volatile("" : : "r"(p) : "memory")

/* Every result is folded in here, so no call can be optimised away. */
static volatile uint64_t sink;

struct bench_case {
	const char *name;
	uint8_t pkt[BENCH_PKT_MAX];
	size_t len;
	uint16_t n_records;      /* the parser must find exactly these */
	/* Parse time to stay under, ns; 0 for none. */
	double parse_aim_ns;
	/* Builds the same packet into buf; returns its length. */
	size_t (*build)(uint8_t *buf, size_t cap);
};

static uint32_t report_sources[BENCH_REPORT_RECORDS];
static struct igmp_record_spec report_specs[BENCH_REPORT_RECORDS];

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static size_t
build_v2_report(uint8_t *buf, size_t cap)
{
	size_t n;

	n = igmp_build_v2(buf + IGMP_IP_HDR_LEN, cap - IGMP_IP_HDR_LEN, IGMP_TYPE_V2_REPORT, 0,
			  BENCH_V2_GROUP);
	return igmp_build_ipv4_header(buf, cap, BENCH_HOST, BENCH_V2_GROUP, (uint16_t)n) + n;
}

static size_t
build_v3_general_query(uint8_t *buf, size_t cap)
{
	size_t n;

	/* 10 s max response, QRV 2, QQI 125 s: the RFC 3376 defaults. */
	n = igmp_build_v3_query(buf + IGMP_IP_HDR_LEN, cap - IGMP_IP_HDR_LEN, 100, 0, false, 2,
				125, NULL, 0);
	return igmp_build_ipv4_header(buf, cap, BENCH_QUERIER, BENCH_ALL_HOSTS, (uint16_t)n) + n;
}

static size_t
build_v3_report(uint8_t *buf, size_t cap)
{
	uint16_t next = 0, next_src = 0;
	size_t n;

	n = igmp_build_v3_report(buf + IGMP_IP_HDR_LEN, cap - IGMP_IP_HDR_LEN,
				 BENCH_ETHER_MTU - IGMP_IP_HDR_LEN, report_specs,
				 BENCH_REPORT_RECORDS, &next, &next_src);
	return igmp_build_ipv4_header(buf, cap, BENCH_HOST, BENCH_ALL_V3_ROUTERS, (uint16_t)n) + n;
}

/* 20 joins of one source each, the shape of the goIGMP deployment's reports. */
static void
init_report_specs(void)
{
	int i;

	for (i = 0; i < BENCH_REPORT_RECORDS; i++) {
		report_sources[i] = BENCH_HOST;
		report_specs[i] = (struct igmp_record_spec){
			.type = IGMP_REC_ALLOW,
			.group = BENCH_IPV4(232, 0, 0, i + 1),
			.sources = &report_sources[i],
			.n_sources = 1,
		};
	}
}

static uint64_t
run_parse(const struct bench_case *c, uint64_t iters)
{
	struct igmp_ipv4 ip;
	struct igmp_msg msg;
	uint64_t acc = 0, i;

	for (i = 0; i < iters; i++) {
		BENCH_CLOBBER(c->pkt);
		acc += igmp_packet_parse(c->pkt, c->len, &ip, &msg);
		acc += msg.len + msg.n_records + ip.src;
	}
	return acc;
}

static uint64_t
run_build(const struct bench_case *c, uint64_t iters)
{
	static uint8_t buf[BENCH_PKT_MAX];
	uint64_t acc = 0, i;

	for (i = 0; i < iters; i++) {
		acc += c->build(buf, sizeof(buf));
		BENCH_CLOBBER(buf);
		acc += buf[2];
	}
	return acc;
}

/*
 * Finds an iteration count lasting about BENCH_CALIBRATE_NS, then times
 * rounds of BENCH_CASE_NS / BENCH_ROUNDS and keeps the fastest: the others
 * only add scheduler and frequency noise.
 */
static double
time_ns_per_op(uint64_t (*run)(const struct bench_case *, uint64_t), const struct bench_case *c)
{
	uint64_t iters = 1000, t0, dt, best = UINT64_MAX;
	int r;

	for (;;) {
		t0 = now_ns();
		sink += run(c, iters);
		dt = now_ns() - t0;
		if (dt >= BENCH_CALIBRATE_NS)
			break;
		iters *= 2;
	}
	iters = iters * (BENCH_CASE_NS / BENCH_ROUNDS) / dt;
	if (iters == 0)
		iters = 1;
	for (r = 0; r < BENCH_ROUNDS; r++) {
		t0 = now_ns();
		sink += run(c, iters);
		dt = now_ns() - t0;
		if (dt < best)
			best = dt;
	}
	return (double)best / (double)iters;
}

static void
print_cpu_model(void)
{
	char line[256];
	const char *model = "unknown";
	char *colon, *nl;
	FILE *fp;

	fp = fopen("/proc/cpuinfo", "r");
	while (fp != NULL && fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "model name", 10) != 0)
			continue;
		colon = strchr(line, ':');
		if (colon == NULL)
			continue;
		model = colon + 1;
		while (*model == ' ' || *model == '\t')
			model++;
		nl = strchr(model, '\n');
		if (nl != NULL)
			*nl = '\0';
		break;
	}
	printf("cpu: %s\ncompiler: %s\n", model, BENCH_COMPILER);
	if (fp != NULL)
		fclose(fp);
}

int
main(void)
{
	static struct bench_case cases[] = {
		{ .name = "v2 report", .parse_aim_ns = 50, .build = build_v2_report },
		{ .name = "v3 general query", .build = build_v3_general_query },
		{ .name = "v3 report, 20 records", .n_records = BENCH_REPORT_RECORDS,
		  .parse_aim_ns = 500, .build = build_v3_report },
	};
	struct igmp_ipv4 ip;
	struct igmp_msg msg;
	enum igmp_wire_error err;
	double parse_ns, build_ns;
	char aim[32];
	size_t i;

	init_report_specs();
	print_cpu_model();
	printf("%-22s %6s %10s %10s %10s %6s\n", "case", "bytes", "parse ns", "build ns",
	       "parse aim", "meets");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bench_case *c = &cases[i];

		/* The parser is timed on the builder's output: it must accept it in full. */
		c->len = c->build(c->pkt, sizeof(c->pkt));
		err = igmp_packet_parse(c->pkt, c->len, &ip, &msg);
		if (c->len == 0 || err != IGMP_OK || msg.n_records != c->n_records) {
			fprintf(stderr, "bench_wire: %s: built %zu bytes, parse: %s, %u records\n",
				c->name, c->len, igmp_wire_error_name(err), msg.n_records);
			return EXIT_FAILURE;
		}
		parse_ns = time_ns_per_op(run_parse, c);
		build_ns = time_ns_per_op(run_build, c);
		if (c->parse_aim_ns > 0)
			snprintf(aim, sizeof(aim), "< %.0f", c->parse_aim_ns);
		else
			snprintf(aim, sizeof(aim), "-");
		printf("%-22s %6zu %10.1f %10.1f %10s %6s\n", c->name, c->len, parse_ns,
		       build_ns, aim,
		       c->parse_aim_ns <= 0 ? "-" : parse_ns < c->parse_aim_ns ? "yes" : "NO");
	}
	return EXIT_SUCCESS;
}
