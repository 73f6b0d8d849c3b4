/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmpgwctl's parts: each command family in its own cmd_*.c exports its
 * table entries, which main.c lists; the helpers every command uses (talking
 * to the gateway, tables and values as text) are declared here.
 */
#ifndef IGMPGWCTL_CMDS_H
#define IGMPGWCTL_CMDS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "igmpgw_client.h"
#include "igmpgw_proto.h"

#define PROG "igmpgwctl"
#define EXIT_FAIL 1
#define EXIT_USAGE 2

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct ctl_opts {
	const char *socket;
	bool json;
};

struct command {
	const char *name;
	int (*run)(const struct ctl_opts *o, int argc, char **argv);
	const char *args;
	const char *help;
};

/* The commands, one family a file; main.c lists them in the order help shows. */
extern const struct command cmd_status;        /* cmd_status.c */
extern const struct command cmd_stats;         /* cmd_stats.c */
extern const struct command cmd_select_outside; /* cmd_membership.c */
extern const struct command cmd_report;
extern const struct command cmd_leave;
extern const struct command cmd_groups;        /* cmd_groups.c */
extern const struct command cmd_events;        /* cmd_events.c */
extern const struct command cmd_log_level;     /* cmd_log_level.c */
extern const struct command cmd_trace;         /* cmd_trace.c */
extern const struct command cmd_reload;        /* cmd_config.c */
extern const struct command cmd_mroute;

/* An event kind of the protocol and the config key that makes the gateway raise it. */
struct event_kind {
	const char *name;
	const char *switch_key;
};

#define CTL_COUNT2(code, name) +1
#define CTL_COUNT3(code, name, key) +1
enum {
	N_EVENT_KINDS = 0 IGMPGW_EVENTS(CTL_COUNT3),
	N_LOG_LEVELS = 0 IGMPGW_LOG_LEVELS(CTL_COUNT2),
};
#undef CTL_COUNT2
#undef CTL_COUNT3
#define LOG_LEVEL_MAX (IGMPGW_LOG_LEVEL_MIN + N_LOG_LEVELS - 1)

/* From igmpgw_proto.h's lists (common.c). */
extern const struct event_kind event_kinds[N_EVENT_KINDS];
extern const char *const log_levels[N_LOG_LEVELS];  /* numbered from IGMPGW_LOG_LEVEL_MIN */

/* Prints help to out (main.c). */
void usage(FILE *out);

/* ---- common.c ---- */

/* One line on stderr saying what is wrong with the command line; returns EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "a, b, c" from n names at stride bytes apart, for messages that list the choices. */
const char *names_join(char *out, size_t cap, const void *names, size_t stride, size_t n);

/* Connects to the gateway, or says on stderr why not and returns NULL. */
struct igmpgw_client *open_client(const struct ctl_opts *o);

/* Prints why a request failed; true when resp is a success. */
bool response_ok(const json_t *resp);

/* The gateway's object as one line, without the id the library added. */
void print_json(json_t *obj);

/*
 * Common end of a one-request command: the error or the JSON is printed here,
 * the human form by show(). Releases resp; returns the exit status.
 */
int finish(const struct ctl_opts *o, json_t *resp, void (*show)(const json_t *resp));

/*
 * The whole of a one-request command once its arguments are checked: connects
 * (or says why not and returns EXIT_FAIL), makes the request ask(c, arg) makes,
 * shows the answer as finish() does, closes. Returns the exit status.
 */
int request_and_show(const struct ctl_opts *o, json_t *(*ask)(struct igmpgw_client *c, void *arg),
		     void *arg, void (*show)(const json_t *resp));

/* An ask for request_and_show: sends arg, a request object the caller keeps and releases. */
json_t *ask_request(struct igmpgw_client *c, void *req);

/*
 * For commands that wait for events until Ctrl-C: SIGINT and SIGTERM set
 * stop_requested. Installed without SA_RESTART, so the signal also wakes the
 * wait for the next event. Call before connecting: a signal at any moment
 * then ends the command cleanly.
 */
extern volatile sig_atomic_t stop_requested;
void stop_on_signals(void);

/* ---- format.c ---- */

/* Any JSON value as table text: strings bare, booleans yes/no, null "-". */
const char *value_str(const json_t *v, char *buf, size_t len);

/* Seconds as "42s", "3m07s", "2h05m09s" or "3d04h05m". */
void format_duration(json_int_t s, char *buf, size_t len);

/* Key/value lines of an object, keys padded to one column. */
void print_object_lines(const char *indent, const json_t *obj);

/* One row per object in rows, one column per name in cols (headers in upper case). */
void print_table(const json_t *rows, const char *const *cols, size_t n_cols);

#endif
