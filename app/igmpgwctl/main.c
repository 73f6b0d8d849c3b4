/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmpgwctl: the operator's command line to a running igmpgw, over its
 * control socket (docs/control-protocol.md) through the client library.
 * Human-readable tables by default, the gateway's JSON with --json. This
 * file reads the options and runs the command; each command family is a
 * cmd_*.c of its own.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"

static int
run_help(const struct ctl_opts *o, int argc, char **argv)
{
	(void)o;
	(void)argc;
	(void)argv;
	usage(stdout);
	return EXIT_SUCCESS;
}

static const struct command cmd_help = {
	"help", run_help, "", "print this help",
};

/* In the order help shows them. */
static const struct command *const commands[] = {
	&cmd_status,
	&cmd_stats,
	&cmd_select_outside,
	&cmd_report,
	&cmd_leave,
	&cmd_groups,
	&cmd_events,
	&cmd_trace,
	&cmd_log_level,
	&cmd_reload,
	&cmd_mroute,
	&cmd_help,
};

void
usage(FILE *out)
{
	char names[256];

	fprintf(out,
		"Usage: " PROG " [-s SOCKET] [--json] COMMAND [ARGS]\n"
		"Controls a running igmpgw through its control socket.\n"
		"\n"
		"  -s, --socket SOCKET  the gateway's control socket (default $"
		IGMPGW_CLIENT_SOCKET_ENV " or " IGMPGW_DEFAULT_SOCKET ")\n"
		"  -j, --json           print the gateway's JSON response lines as they are\n"
		"  -h, --help           print this help and exit\n"
		"  -V, --version        print the version and exit\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
		char head[256];

		snprintf(head, sizeof(head), "%s %s", commands[i]->name, commands[i]->args);
		/* A usage too long for its column gets a line of its own, whole. */
		if (strlen(head) > 44)
			fprintf(out, "  %s\n  %-44s %s\n", head, "", commands[i]->help);
		else
			fprintf(out, "  %-44s %s\n", head, commands[i]->help);
	}
	fprintf(out,
		"\n"
		"G is a multicast group, S a unicast source: 232.1.1.1 232.1.1.2@10.0.0.1,10.0.0.2\n"
		"LEVEL is %s or %d..%d.\n"
		"EVENT is one of these, raised when the config switch beside it is on:\n",
		names_join(names, sizeof(names), log_levels, sizeof(log_levels[0]), N_LOG_LEVELS),
		IGMPGW_LOG_LEVEL_MIN, LOG_LEVEL_MAX);
	for (size_t i = 0; i < ARRAY_LEN(event_kinds); i++)
		fprintf(out, "  %-18s %s\n", event_kinds[i].name, event_kinds[i].switch_key);
	fprintf(out,
		"Exit status: 0 done, 1 the gateway refused or cannot be reached, 2 usage error.\n");
}

int
main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_opts o = { .socket = NULL, .json = false };
	int opt;

	/* '+': options stop at the command, whose own options (stats --all) come after it. */
	while ((opt = getopt_long(argc, argv, "+s:jhV", long_opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (optarg[0] == '\0')
				return usage_error("the socket path is empty");
			o.socket = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf(PROG " " IGMPGW_VERSION "\n");
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
		if (strcmp(argv[optind], commands[i]->name) == 0)
			return commands[i]->run(&o, argc - optind, argv + optind);
	}
	return usage_error("unknown command '%s'", argv[optind]);
}
