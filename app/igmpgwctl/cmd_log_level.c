/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmpgwctl log-level: sets the gateway's log level of a log type pattern.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmds.h"

struct log_level_req {
	const char *level;
	const char *type; /* NULL: every type */
};

static json_t *
ask_log_level(struct igmpgw_client *c, void *arg)
{
	const struct log_level_req *r = arg;

	return igmpgw_client_log_level(c, r->level, r->type);
}

static int
run_log_level(const struct ctl_opts *o, int argc, char **argv)
{
	const char *level;
	const char *type;
	bool known = false;
	char names[256];
	char *end;
	long num;

	if (argc < 2 || argc > 3)
		return usage_error("log-level takes LEVEL and an optional TYPE pattern");
	level = argv[1];
	type = argc == 3 ? argv[2] : NULL;
	for (size_t k = 0; k < ARRAY_LEN(log_levels); k++) {
		if (strcasecmp(level, log_levels[k]) == 0) {
			level = log_levels[k];
			known = true;
		}
	}
	errno = 0;
	num = strtol(level, &end, 10);
	if (!known && (end == level || *end != '\0' || errno != 0 || num < IGMPGW_LOG_LEVEL_MIN ||
		       num > LOG_LEVEL_MAX)) {
		names_join(names, sizeof(names), log_levels, sizeof(log_levels[0]),
			   ARRAY_LEN(log_levels));
		return usage_error("log-level: '%s' is not a level (%s or %d..%d)", level, names,
				   IGMPGW_LOG_LEVEL_MIN, LOG_LEVEL_MAX);
	}
	/* The gateway keeps the pattern in a field of IGMPGW_LOG_TYPE_LEN bytes, NUL included. */
	if (type != NULL && (type[0] == '\0' || strlen(type) > IGMPGW_LOG_TYPE_LEN - 1))
		return usage_error("log-level: the TYPE pattern must have 1 to %d characters",
				   IGMPGW_LOG_TYPE_LEN - 1);
	return request_and_show(o, ask_log_level, (void *)&(struct log_level_req){ level, type },
				NULL);
}

const struct command cmd_log_level = {
	"log-level", run_log_level, "LEVEL [TYPE]",
	"set the log level of TYPE (default " IGMPGW_LOG_TYPE_DEFAULT ")",
};
