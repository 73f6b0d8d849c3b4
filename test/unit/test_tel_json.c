/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the JSON view -> DPDK telemetry converter: every mapping rule
 * of docs/telemetry.md, and a many-port stats view with big counters made to
 * fit one 16 KB reply by pointers to per-port replies.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_telemetry.h>

#include "tap.h"
#include "tel_json.h"

/* The shaped view as compact JSON text (freed by the next call). */
static const char *
text(const json_t *v)
{
	static char *last;

	free(last);
	last = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	return last != NULL ? last : "(null)";
}

/* Shapes the JSON text view and compares the result with want. */
static bool
shapes_to(const char *view, bool flat, const char *want)
{
	json_t *v = json_loads(view, JSON_DECODE_ANY, NULL);
	json_t *s = tel_json_shape(v, flat);
	json_t *w = json_loads(want, JSON_DECODE_ANY, NULL);
	bool ok = s != NULL && w != NULL && json_equal(s, w);

	if (!ok)
		fprintf(stderr, "  %s\n  shaped to %s\n  wanted    %s\n", view, text(s), want);
	json_decref(v);
	json_decref(s);
	json_decref(w);
	return ok;
}

static void
test_scalars(void)
{
	TAP_CHECK(shapes_to("{\"on\":true,\"off\":false,\"none\":null,\"r\":2.5,\"n\":7,"
			    "\"neg\":-3,\"huge_neg\":-4000000000,\"s\":\"x\"}", false,
			    "{\"on\":\"yes\",\"off\":\"no\",\"none\":\"\",\"r\":\"2.5\",\"n\":7,"
			    "\"neg\":-3,\"huge_neg\":\"-4000000000\",\"s\":\"x\"}"),
		  "booleans yes/no, null \"\", reals and ints below int as text, the rest as is");
}

static void
test_names(void)
{
	TAP_CHECK(shapes_to("{\"a-b.c\":1,\"\":2,\"sl/ash\":3}", false,
			    "{\"a_b_c\":1,\"_\":2,\"sl_ash\":3}"),
		  "names: bytes outside [A-Za-z0-9_] become '_', '/' too (it joins levels)");
}

static void
test_nesting(void)
{
	TAP_CHECK(shapes_to("{\"a\":{\"b\":{\"c\":1,\"d\":[1,2]},\"e\":true}}", false,
			    "{\"a\":{\"b/c\":1,\"b/d/0\":1,\"b/d/1\":2,\"e\":\"yes\"}}"),
		  "one level of dicts; deeper levels flattened into 'a/b' keys");
	TAP_CHECK(shapes_to("{\"mempool\":{\"mb-0\":{\"size\":8,\"in_use\":2}},"
			    "\"ring\":{\"events\":{\"count\":0}}}", true,
			    "{\"mempool/mb_0/size\":8,\"mempool/mb_0/in_use\":2,"
			    "\"ring/events/count\":0}"),
		  "flat: every leaf in the top dict");
	TAP_CHECK(shapes_to("{\"list\":[3,4],\"mixed\":[1,\"a\",true],\"neg\":[-1,2]}", false,
			    "{\"list\":[3,4],\"mixed\":[\"1\",\"a\",\"yes\"],\"neg\":[-1,2]}"),
		  "arrays of scalars stay arrays of one type: integers, else strings");
}

static void
test_arrays_of_objects(void)
{
	TAP_CHECK(shapes_to("[{\"role\":\"outside\",\"up\":true},{\"role\":\"inside\",\"up\":false}]",
			    false, "{\"outside\":{\"role\":\"outside\",\"up\":\"yes\"},"
			    "\"inside\":{\"role\":\"inside\",\"up\":\"no\"}}"),
		  "an array of objects is a dict keyed by their first member");
	TAP_CHECK(shapes_to("[{\"role\":\"x\",\"n\":1},{\"role\":\"x\",\"n\":2}]", false,
			    "{\"0\":{\"role\":\"x\",\"n\":1},\"1\":{\"role\":\"x\",\"n\":2}}"),
		  "two objects with the same first member: keyed by index, none lost");
	TAP_CHECK(shapes_to("{\"queriers\":[{\"port\":\"inside\",\"we_query\":true,"
			    "\"timers\":{\"q\":1}}]}", false,
			    "{\"queriers\":{\"inside/port\":\"inside\",\"inside/we_query\":\"yes\","
			    "\"inside/timers/q\":1}}"),
		  "an array of objects below the top: flattened by the same keys");
}

static void
test_limits(void)
{
	json_t *v = json_object(), *s;
	char key[32], big[300];
	bool first_kept = true;

	for (int i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		json_object_set_new(v, key, json_integer(i));
	}
	s = tel_json_shape(v, false);
	for (int i = 0; i < TEL_JSON_MAX_DICT - 1; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		first_kept &= json_integer_value(json_object_get(s, key)) == i;
	}
	TAP_CHECK(json_object_size(s) == TEL_JSON_MAX_DICT && first_kept &&
		  json_integer_value(json_object_get(s, TEL_JSON_OMITTED)) == 300 - 255,
		  "a dict of 300: its first 255 entries and omitted_entries = 45");
	json_decref(s);
	json_decref(v);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	v = json_pack("{s:s}", "s", big);
	s = tel_json_shape(v, false);
	TAP_CHECK(strlen(json_string_value(json_object_get(s, "s"))) == TEL_JSON_MAX_STRING - 1,
		  "a long string cut to 127 bytes");
	json_decref(s);
	json_decref(v);
}

static void
test_select(void)
{
	json_t *v = json_loads("{\"ports\":[{\"role\":\"inside2\",\"n\":5}],\"a\":{\"b-c\":{\"d\":1}}}",
			       0, NULL);

	TAP_CHECK(json_integer_value(json_object_get(tel_json_select(v, "ports/inside2"), "n")) == 5,
		  "select walks into an array of objects by the key it shapes to");
	TAP_CHECK(json_integer_value(tel_json_select(v, "a/b_c/d")) == 1,
		  "select takes the names as telemetry shows them");
	TAP_CHECK(tel_json_select(v, "ports/inside3") == NULL && tel_json_select(v, "x") == NULL,
		  "select: nothing for a name that is not there");
	TAP_CHECK(tel_json_select(v, "") == v && tel_json_select(v, NULL) == v,
		  "select: no path, the whole view");
	json_decref(v);
}

/*
 * Ten ports of 60 counters, each near 2^60: about 24 KB of JSON, far over one
 * reply. The fitted reply stays under the limit, keeps the first ports whole,
 * and names the command that gives each of the others alone, which fits.
 */
static void
test_fit_many_ports(void)
{
	static const char *const roles[] = { "outside", "alt", "inside", "inside2", "inside3",
		"inside4", "inside5", "inside6", "inside7", "inside8" };
	const char *cmd = "/igmpgw/stats";
	json_t *view = json_object(), *s, *m;
	bool whole_or_pointer = true, pointers_fit = true, first_whole;
	size_t whole = 0, pointers = 0, before;
	const char *key;
	struct rte_tel_data *d;

	for (size_t r = 0; r < RTE_DIM(roles); r++) {
		json_t *port = json_object();

		for (int c = 0; c < 60; c++) {
			char name[32];

			snprintf(name, sizeof(name), "some_counter_name_%d", c);
			json_object_set_new(port, name, json_integer((1LL << 60) + c));
		}
		json_object_set_new(view, roles[r], port);
	}
	s = tel_json_shape(view, false);
	before = tel_json_reply_size(cmd, s);
	tel_json_fit(cmd, NULL, s);
	json_object_foreach(s, key, m) {
		char want[64];

		snprintf(want, sizeof(want), "%s,%s", cmd, key);
		if (json_is_object(m) && json_object_size(m) == 60) {
			whole++;
		} else if (json_is_string(m) && strcmp(json_string_value(m), want) == 0) {
			/* What the pointer asks for: that port alone, as its own reply. */
			json_t *alone = tel_json_shape(tel_json_select(view, key), false);

			tel_json_fit(cmd, key, alone);
			pointers++;
			pointers_fit &= json_object_size(alone) == 60 &&
					tel_json_reply_size(cmd, alone) <=
					TEL_JSON_MAX_REPLY - TEL_JSON_REPLY_SLACK;
			json_decref(alone);
		} else {
			whole_or_pointer = false;
		}
	}
	first_whole = json_is_object(json_object_get(s, "outside"));
	TAP_CHECK(before > TEL_JSON_MAX_REPLY, "the view is over one reply (%zu bytes)", before);
	TAP_CHECK(tel_json_reply_size(cmd, s) <= TEL_JSON_MAX_REPLY - TEL_JSON_REPLY_SLACK,
		  "fitted: %zu bytes", tel_json_reply_size(cmd, s));
	TAP_CHECK(whole_or_pointer && whole + pointers == RTE_DIM(roles) && pointers > 0 &&
		  first_whole, "every port whole (%zu) or a pointer to its own reply (%zu)",
		  whole, pointers);
	TAP_CHECK(pointers_fit, "each port asked alone fits whole");

	d = rte_tel_data_alloc();
	TAP_CHECK(d != NULL && tel_json_reply(cmd, "inside5", view, false, d) == 0,
		  "a reply for one port fills telemetry data");
	TAP_CHECK(tel_json_reply(cmd, "inside17", view, false, d) == -ENOENT,
		  "a reply for a port that is not there: -ENOENT");
	rte_tel_data_free(d);
	json_decref(s);
	json_decref(view);
}

int
main(void)
{
	test_scalars();
	test_names();
	test_nesting();
	test_arrays_of_objects();
	test_limits();
	test_select();
	test_fit_many_ports();
	text(NULL);
	return TAP_DONE();
}
