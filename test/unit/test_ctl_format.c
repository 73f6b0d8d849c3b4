/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmpgwctl's value formatting (app/igmpgwctl/format.c): every JSON type as
 * text, and a key the gateway's answer does not have (json_object_get gives
 * NULL: "?", never a crash).
 */
#include <string.h>

#include <jansson.h>

#include "cmds.h"
#include "tap.h"

static void
check(const char *what, const json_t *v, const char *want)
{
	char buf[64];
	const char *got = value_str(v, buf, sizeof(buf));

	TAP_CHECK(got != NULL && strcmp(got, want) == 0, "%s: '%s' (want '%s')", what,
		  got != NULL ? got : "(null)", want);
}

int
main(void)
{
	json_t *ev = json_pack("{s:s, s:i, s:f, s:b, s:b, s:n, s:[i,i]}", "port", "outside",
			       "version", 3, "max_resp_time", 2.5, "s_flag", 1, "off", 0,
			       "nothing", "list", 1, 2);

	check("a missing key", json_object_get(ev, "querier"), "?");
	check("NULL", NULL, "?");
	check("a string", json_object_get(ev, "port"), "outside");
	check("an integer", json_object_get(ev, "version"), "3");
	check("a real", json_object_get(ev, "max_resp_time"), "2.5");
	check("true", json_object_get(ev, "s_flag"), "yes");
	check("false", json_object_get(ev, "off"), "no");
	check("null", json_object_get(ev, "nothing"), "-");
	check("an array", json_object_get(ev, "list"), "[1,2]");
	json_decref(ev);
	return TAP_DONE();
}
