/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/acl: prefix parsing, prefix sets, the ACL rules (deny
 * first, allow lists, source-qualified items, /0 and /32 edges), 1000+
 * entries checked against a linear reference, and the report filter (v1/v2,
 * SSM range, a v3 report rebuilt without what was refused).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "igmp_wire.h"
#include "tap.h"

static uint32_t
A(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static struct acl *
compile(const char *const *items, const bool *deny, int n)
{
	struct acl_rule r[16];
	char err[ACL_ERR_LEN];
	const char *why;

	for (int i = 0; i < n; i++)
		if (acl_parse_rule(items[i], deny[i], &r[i], &why) < 0) {
			fprintf(stderr, "%s: %s\n", items[i], why);
			return NULL;
		}
	return acl_create(r, (uint32_t)n, err, sizeof(err));
}

static void
test_parse(void)
{
	struct acl_prefix p;
	struct acl_rule r;
	const char *why = NULL;

	TAP_CHECK(acl_parse_prefix("239.1.0.0/16", &p, &why) == 0 && p.len == 16 &&
		  p.addr == A("239.1.0.0"), "prefix with length");
	TAP_CHECK(acl_parse_prefix("239.1.2.3", &p, &why) == 0 && p.len == 32, "a bare address is /32");
	TAP_CHECK(acl_parse_prefix("0.0.0.0/0", &p, &why) == 0 && p.len == 0, "/0");
	TAP_CHECK(acl_parse_prefix("239.1.2.3/16", &p, &why) < 0 && strstr(why, "host bits") != NULL,
		  "host bits after the length refused: %s", why);
	TAP_CHECK(acl_parse_prefix("239.1.0.0/33", &p, &why) < 0, "/33 refused");
	TAP_CHECK(acl_parse_prefix("239.1.0.0/", &p, &why) < 0, "empty length refused");
	TAP_CHECK(acl_parse_prefix("239.1.0/16", &p, &why) < 0, "short address refused");
	TAP_CHECK(acl_parse_rule("232.1.0.0/16 source 10.0.0.0/8", false, &r, &why) == 0 &&
		  r.has_source && r.source.len == 8 && r.group.len == 16, "group with source");
	TAP_CHECK(acl_parse_rule("10.0.0.0/8", false, &r, &why) < 0 &&
		  strstr(why, "224.0.0.0/4") != NULL, "unicast group refused: %s", why);
	TAP_CHECK(acl_parse_rule("239.0.0.0/8 from 10.0.0.1", false, &r, &why) < 0,
		  "unknown word refused: %s", why);
	TAP_CHECK(acl_parse_rule("239.0.0.0/8 source", false, &r, &why) < 0, "source without prefix");
	TAP_CHECK(acl_parse_rule("239.0.0.0/8 source 239.1.1.1", false, &r, &why) < 0,
		  "multicast source refused");
	TAP_CHECK(acl_parse_rule("239.0.0.0/8 source 10.0.0.1 x", false, &r, &why) < 0,
		  "trailing text refused");
}

static void
test_rules(void)
{
	static const char *const deny_only[] = { "239.255.0.0/16" };
	static const bool d1[] = { true };
	static const char *const mixed[] = {
		"239.0.0.0/8", "239.9.0.0/16", "232.1.0.0/16 source 10.0.0.0/8",
		"232.1.2.0/24 source 10.0.0.66", "224.1.1.1",
	};
	static const bool dm[] = { false, true, false, true, false };
	struct acl *a = compile(deny_only, d1, 1);

	TAP_CHECK(acl_permits(NULL, A("239.1.1.1"), 0), "no ACL: everything passes");
	TAP_CHECK(!acl_permits(a, A("239.255.1.1"), 0), "denied group refused");
	TAP_CHECK(!acl_permits(a, A("239.255.1.1"), A("10.0.0.1")), "denied group refused for a source");
	TAP_CHECK(acl_permits(a, A("239.254.1.1"), 0), "without an allow list, the rest passes");
	TAP_CHECK(!acl_group_possible(a, A("239.255.0.0")), "nothing of a denied group");
	acl_free(a);

	a = compile(mixed, dm, 5);
	TAP_CHECK(a != NULL, "mixed list compiles");
	TAP_CHECK(acl_permits(a, A("239.1.1.1"), 0), "allowed prefix passes");
	TAP_CHECK(!acl_permits(a, A("239.9.1.1"), 0), "deny inside an allow: deny first");
	TAP_CHECK(!acl_permits(a, A("238.1.1.1"), 0), "with an allow list, what it does not name is refused");
	TAP_CHECK(acl_permits(a, A("224.1.1.1"), 0) && !acl_permits(a, A("224.1.1.2"), 0),
		  "a /32 item is that group alone");
	TAP_CHECK(acl_permits(a, A("232.1.1.1"), A("10.1.2.3")), "source-qualified allow: that source");
	TAP_CHECK(!acl_permits(a, A("232.1.1.1"), A("11.1.2.3")), "source-qualified allow: not another");
	TAP_CHECK(!acl_permits(a, A("232.1.1.1"), ACL_ANY_SOURCE),
		  "source-qualified allow does not admit an any-source join");
	TAP_CHECK(acl_group_possible(a, A("232.1.1.1")), "but its group is possible (a leave passes)");
	TAP_CHECK(!acl_permits(a, A("232.1.2.9"), A("10.0.0.66")) &&
		  acl_permits(a, A("232.1.2.9"), A("10.0.0.65")),
		  "source-qualified deny within a source-qualified allow");
	TAP_CHECK(acl_permits(a, A("232.1.3.9"), A("10.0.0.66")), "the deny's group prefix bounds it");
	acl_free(a);
}

static void
test_edges(void)
{
	static const char *const all[] = { "0.0.0.0/0 source 10.0.0.0/8", "239.1.1.1" };
	static const bool da[] = { false, true };
	static const char *const edge[] = { "239.255.255.255", "224.0.0.0" };
	static const bool de[] = { true, true };
	static const char *const top[] = { "224.0.0.0/4" };
	static const bool dt[] = { true };
	struct acl *a = compile(all, da, 2);

	TAP_CHECK(acl_permits(a, A("225.0.0.1"), A("10.1.1.1")) &&
		  acl_permits(a, A("239.255.255.255"), A("10.1.1.1")) &&
		  acl_permits(a, A("224.0.0.0"), A("10.0.0.0")), "/0 group: every group from 10/8");
	TAP_CHECK(!acl_permits(a, A("225.0.0.1"), ACL_ANY_SOURCE), "/0 with source: no any-source join");
	TAP_CHECK(!acl_permits(a, A("239.1.1.1"), A("10.1.1.1")), "a /32 deny inside /0");
	TAP_CHECK(acl_permits(a, A("239.1.1.2"), A("10.1.1.1")) &&
		  acl_permits(a, A("239.1.1.0"), A("10.1.1.1")), "its neighbours pass");
	acl_free(a);

	a = compile(edge, de, 2);
	TAP_CHECK(!acl_permits(a, A("239.255.255.255"), 0) && acl_permits(a, A("239.255.255.254"), 0),
		  "the last address of the space as a /32");
	TAP_CHECK(!acl_permits(a, A("224.0.0.0"), 0) && acl_permits(a, A("224.0.0.1"), 0),
		  "the first multicast address as a /32");
	acl_free(a);
	a = compile(top, dt, 1);
	TAP_CHECK(!acl_permits(a, A("224.0.0.1"), 0) && !acl_permits(a, A("239.255.255.255"), 0),
		  "224/4 covers every group");
	acl_free(a);
}

/* The reference: the rules read one by one, as the README states them. */
static bool
linear_permits(const struct acl_rule *r, uint32_t n, uint32_t g, uint32_t s)
{
	bool has_allow = false, allowed = false;

	for (uint32_t i = 0; i < n; i++) {
		bool gm = acl_prefix_contains(&r[i].group, g);

		if (r[i].deny && gm && (!r[i].has_source || s == 0 ||
					acl_prefix_contains(&r[i].source, s)))
			return false;
		if (!r[i].deny) {
			has_allow = true;
			if (gm && (!r[i].has_source || (s != 0 && acl_prefix_contains(&r[i].source, s))))
				allowed = true;
		}
	}
	return !has_allow || allowed;
}

static uint32_t
rand_group(void)
{
	return htonl(0xe0000000u | ((uint32_t)rand() & 0x0fffffffu));
}

static void
test_many(void)
{
	enum { N = 3000, PROBES = 200000 };
	struct acl_rule *r = calloc(N, sizeof(*r));
	char err[ACL_ERR_LEN];
	uint32_t wrong = 0, pass = 0;
	struct acl *a;

	srand(16);
	for (uint32_t i = 0; i < N; i++) {
		static const uint8_t lens[] = { 8, 12, 16, 20, 24, 28, 32 };
		uint8_t len = lens[rand() % 7];
		uint32_t mask = ~0u << (32 - len);

		r[i].deny = rand() % 4 == 0;
		r[i].group.len = len;
		r[i].group.addr = htonl(ntohl(rand_group()) & mask);
		if (rand() % 3 == 0) {
			r[i].has_source = true;
			r[i].source.len = (uint8_t)(16 + rand() % 17);
			r[i].source.addr = htonl((0x0a000000u | ((uint32_t)rand() & 0xffffff)) &
						 (~0u << (32 - r[i].source.len)));
		}
	}
	a = acl_create(r, N, err, sizeof(err));
	TAP_CHECK(a != NULL && acl_rule_count(a) == N, "%d rules compile (%zu bytes)", N, acl_memory(a));
	for (uint32_t i = 0; i < PROBES; i++) {
		/* Half the probes inside a rule's group, so the rules are exercised. */
		uint32_t g = i % 2 ? rand_group() :
			htonl(ntohl(r[rand() % N].group.addr) | ((uint32_t)rand() & 0xff));
		uint32_t s = rand() % 3 == 0 ? 0 : htonl(0x0a000000u | ((uint32_t)rand() & 0xffffff));
		bool got = acl_permits(a, g, s), want = linear_permits(r, N, g, s);

		wrong += got != want;
		pass += got;
	}
	CHECK_INT(wrong, 0, "%d random lookups agree with the linear reference (%u passed)", PROBES,
		  pass);
	TAP_CHECK(pass > PROBES / 100 && pass < PROBES - PROBES / 100,
		  "the probes saw both outcomes (%u of %d passed)", pass, PROBES);
	acl_free(a);
	free(r);
}

static void
test_set(void)
{
	struct acl_prefix p[4];
	const char *why;
	struct acl_set *s;

	acl_parse_prefix("10.1.0.0/16", &p[0], &why);
	acl_parse_prefix("10.2.0.0/16", &p[1], &why);
	acl_parse_prefix("10.1.5.0/24", &p[2], &why);
	acl_parse_prefix("192.168.1.7", &p[3], &why);
	s = acl_set_create(p, 4);
	CHECK_INT(acl_set_ranges(s), 2, "adjacent and nested prefixes merge");
	TAP_CHECK(acl_set_contains(s, A("10.1.0.0")) && acl_set_contains(s, A("10.2.255.255")) &&
		  acl_set_contains(s, A("192.168.1.7")), "members");
	TAP_CHECK(!acl_set_contains(s, A("10.3.0.0")) && !acl_set_contains(s, A("10.0.255.255")) &&
		  !acl_set_contains(s, A("192.168.1.6")) && !acl_set_contains(s, A("192.168.1.8")),
		  "neighbours are not");
	TAP_CHECK(!acl_set_contains(NULL, A("10.1.0.0")), "no set holds nothing");
	acl_set_free(s);
	acl_parse_prefix("0.0.0.0/0", &p[0], &why);
	s = acl_set_create(p, 1);
	TAP_CHECK(acl_set_contains(s, A("0.0.0.0")) && acl_set_contains(s, A("255.255.255.255")),
		  "/0 holds every address");
	acl_set_free(s);
}

/* A v3 report of three records, parsed. */
static size_t
v3_report(uint8_t *buf, size_t cap, struct igmp_msg *msg)
{
	uint32_t src[2];
	struct igmp_record_spec rec[3];
	uint16_t next = 0, next_src = 0;
	size_t len;

	src[0] = A("10.0.0.1");
	src[1] = A("10.0.0.2");
	rec[0] = (struct igmp_record_spec){ .type = IGMP_REC_IS_EX, .group = A("239.1.1.1") };
	rec[1] = (struct igmp_record_spec){ .type = IGMP_REC_IS_EX, .group = A("239.9.1.1") };
	rec[2] = (struct igmp_record_spec){ .type = IGMP_REC_ALLOW, .group = A("232.1.1.1"),
					    .sources = src, .n_sources = 2 };
	len = igmp_build_v3_report(buf, cap, cap, rec, 3, &next, &next_src);
	igmp_parse(buf, len, msg);
	return len;
}

/* Every report the filter cannot handle is counted, by why (acl_too_large, acl_rebuild_failed). */
static void
test_filter_counts_every_drop(void)
{
	static const char *const items[] = { "239.9.0.0/16" };
	static const bool deny[] = { true };
	enum { MANY = ACL_SCRATCH_RECORDS + 8 };
	struct acl_scratch *s = malloc(sizeof(*s));
	struct igmp_record_spec *rec = calloc(MANY, sizeof(*rec));
	size_t cap = IGMP_V3_REPORT_MIN_LEN + (size_t)MANY * 8;
	uint8_t *big = malloc(cap), buf[256];
	struct acl_policy pol = { 0 };
	struct acl_counts c = { 0 };
	uint16_t next = 0, next_src = 0, len = 0;
	struct igmp_msg msg;
	size_t l;

	pol.acl[0] = compile(items, deny, 1);
	for (int i = 0; i < MANY; i++)
		rec[i] = (struct igmp_record_spec){ .type = IGMP_REC_IS_EX,
						    .group = htonl(0xef010000u + (uint32_t)i) };
	l = igmp_build_v3_report(big, cap, cap, rec, MANY, &next, &next_src);
	TAP_CHECK(igmp_parse(big, l, &msg) == IGMP_OK && msg.n_records == MANY,
		  "a report of %d records parsed", MANY);
	TAP_CHECK(acl_filter_report(&pol, &msg, s, s->out, sizeof(s->out), &len, &c) ==
		  ACL_DROPPED && c.too_large == 1 && c.denied == 0,
		  "more records than the scratch holds: dropped and counted too_large");
	/* A rebuild that does not fit where it must go: dropped and counted. */
	v3_report(buf, sizeof(buf), &msg);
	memset(&c, 0, sizeof(c));
	TAP_CHECK(acl_filter_report(&pol, &msg, s, s->out, 12, &len, &c) == ACL_DROPPED &&
		  c.rebuild_failed == 1, "a rebuild with no room: dropped and counted rebuild_failed");
	acl_free((struct acl *)pol.acl[0]);
	free(big);
	free(rec);
	free(s);
}

static void
test_filter(void)
{
	static const char *const items[] = { "239.9.0.0/16", "232.1.0.0/16 source 10.0.0.2" };
	static const bool deny[] = { true, true };
	struct acl_scratch *s = malloc(sizeof(*s));
	struct acl_policy pol = { 0 };
	struct acl_counts c = { 0 };
	struct igmp_msg msg, out;
	struct igmp_record rec;
	uint8_t buf[256], v2[8];
	uint16_t len = 0;
	size_t pos = 0;
	const char *why;

	TAP_CHECK(!acl_policy_active(&pol), "an empty policy is not active");
	pol.acl[0] = compile(items, deny, 2);
	TAP_CHECK(acl_policy_active(&pol), "a policy with an ACL is");
	v3_report(buf, sizeof(buf), &msg);
	TAP_CHECK(acl_filter_report(&pol, &msg, s, s->out, sizeof(s->out), &len, &c) == ACL_REBUILT,
		  "a report losing a record is rebuilt");
	CHECK_INT(c.denied, 2, "refused records counted (one whole, one a source)");
	TAP_CHECK(igmp_parse(s->out, len, &out) == IGMP_OK && out.n_records == 2,
		  "the rebuilt report is valid (checksum, length) with 2 records");
	igmp_record_next(&out, &pos, &rec);
	TAP_CHECK(rec.group == A("239.1.1.1") && rec.type == IGMP_REC_IS_EX, "first record kept");
	igmp_record_next(&out, &pos, &rec);
	TAP_CHECK(rec.group == A("232.1.1.1") && rec.n_sources == 1 &&
		  memcmp(rec.sources, &(uint32_t){ A("10.0.0.1") }, 4) == 0,
		  "the denied source is taken out of the third");

	/* The SSM range: the EXCLUDE record goes, INCLUDE with sources stays. */
	acl_free((struct acl *)pol.acl[0]);
	pol.acl[0] = NULL;
	pol.ssm = true;
	acl_parse_prefix("232.0.0.0/8", &pol.ssm_range, &why);
	memset(&c, 0, sizeof(c));
	TAP_CHECK(acl_filter_report(&pol, &msg, s, s->out, sizeof(s->out), &len, &c) == ACL_UNCHANGED,
		  "records outside the SSM range and INCLUDE inside it pass unchanged");
	igmp_build_v2(v2, sizeof(v2), IGMP_TYPE_V2_REPORT, 0, A("232.0.0.5"));
	igmp_parse(v2, 8, &msg);
	TAP_CHECK(acl_filter_report(&pol, &msg, s, s->out, sizeof(s->out), &len, &c) == ACL_DROPPED &&
		  c.ssm_ignored == 1, "v2 report in the SSM range ignored");
	igmp_build_v2(v2, sizeof(v2), IGMP_TYPE_LEAVE, 0, A("232.0.0.5"));
	igmp_parse(v2, 8, &msg);
	TAP_CHECK(acl_filter_report(&pol, &msg, s, s->out, sizeof(s->out), &len, &c) == ACL_DROPPED &&
		  c.ssm_ignored == 2, "v2 leave in the SSM range ignored");
	igmp_build_v2(v2, sizeof(v2), IGMP_TYPE_V2_REPORT, 0, A("233.0.0.5"));
	igmp_parse(v2, 8, &msg);
	TAP_CHECK(acl_filter_report(&pol, &msg, s, s->out, sizeof(s->out), &len, &c) == ACL_UNCHANGED,
		  "v2 report outside the range passes");
	{
		struct igmp_record_spec r = { .type = IGMP_REC_TO_EX, .group = A("232.1.1.1") };
		uint16_t next = 0, next_src = 0;
		size_t l = igmp_build_v3_report(buf, sizeof(buf), sizeof(buf), &r, 1, &next, &next_src);

		igmp_parse(buf, l, &msg);
		TAP_CHECK(acl_filter_report(&pol, &msg, s, s->out, sizeof(s->out), &len, &c) ==
			  ACL_DROPPED && c.ssm_ignored == 3, "a lone TO_EX in the range: nothing left");
	}
	{
		/* TO_IN whose only source is denied: still a leave of the others, TO_IN {}. */
		static const char *const only[] = { "232.1.1.1/32 source 10.0.0.1" };
		static const bool allow[] = { false };
		uint32_t denied_src = A("10.0.0.2");
		struct igmp_record_spec r = { .type = IGMP_REC_TO_IN, .group = A("232.1.1.1"),
					      .sources = &denied_src, .n_sources = 1 };
		uint16_t next = 0, next_src = 0;
		size_t l = igmp_build_v3_report(buf, sizeof(buf), sizeof(buf), &r, 1, &next, &next_src);

		pol.ssm = false;
		pol.acl[0] = compile(only, allow, 1);
		memset(&c, 0, sizeof(c));
		igmp_parse(buf, l, &msg);
		pos = 0;
		TAP_CHECK(acl_filter_report(&pol, &msg, s, s->out, sizeof(s->out), &len, &c) ==
			  ACL_REBUILT && c.denied == 1, "TO_IN of a denied source rebuilt");
		TAP_CHECK(igmp_parse(s->out, len, &out) == IGMP_OK && out.n_records == 1 &&
			  igmp_record_next(&out, &pos, &rec) && rec.type == IGMP_REC_TO_IN &&
			  rec.n_sources == 0, "as TO_IN {}: the sources held before are left");
		acl_free((struct acl *)pol.acl[0]);
	}
	free(s);
}

/* What a reload removes of the state held: the policy's verdict on a record. */
static void
test_policy_permits(void)
{
	static const char *const items[] = { "239.9.0.0/16", "232.1.0.0/16 source 10.0.0.2" };
	static const bool deny[] = { true, true };
	static const char *const up_items[] = { "239.0.0.0/8", "232.0.0.0/8" };
	static const bool up_deny[] = { false, false };
	struct acl_policy pol = { 0 };
	const char *why;

	TAP_CHECK(acl_policy_permits(&pol, A("239.9.1.1"), ACL_ANY_SOURCE),
		  "no policy: everything permitted");
	pol.acl[0] = compile(items, deny, 2);
	pol.acl[1] = compile(up_items, up_deny, 2);
	pol.ssm = true;
	acl_parse_prefix("232.0.0.0/8", &pol.ssm_range, &why);
	TAP_CHECK(!acl_policy_permits(&pol, A("239.9.1.1"), ACL_ANY_SOURCE) &&
		  !acl_policy_permits(&pol, A("239.9.1.1"), A("10.0.0.1")),
		  "the port's deny: any source and each source refused");
	TAP_CHECK(acl_policy_permits(&pol, A("239.1.1.1"), ACL_ANY_SOURCE),
		  "allowed by both ACLs, outside the SSM range: permitted");
	TAP_CHECK(!acl_policy_permits(&pol, A("238.1.1.1"), ACL_ANY_SOURCE),
		  "the second ACL (the active outside's allow) refuses what it does not name");
	TAP_CHECK(!acl_policy_permits(&pol, A("232.5.1.1"), ACL_ANY_SOURCE) &&
		  acl_policy_permits(&pol, A("232.5.1.1"), A("10.0.0.2")),
		  "SSM range: any-source refused, a source permitted");
	TAP_CHECK(!acl_policy_permits(&pol, A("232.1.1.1"), A("10.0.0.2")) &&
		  acl_policy_permits(&pol, A("232.1.1.1"), A("10.0.0.1")),
		  "a source-qualified deny refuses that source only");
	acl_free((struct acl *)pol.acl[0]);
	acl_free((struct acl *)pol.acl[1]);
}

int
main(void)
{
	test_parse();
	test_rules();
	test_edges();
	test_many();
	test_set();
	test_filter();
	test_filter_counts_every_drop();
	test_policy_permits();
	return TAP_DONE();
}
