/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmpgw: launched like dpdk-testpmd (EAL arguments, "--", application
 * arguments). Reads the config, claims and opens the ports, starts the workers
 * and does control work on the main lcore until SIGINT, SIGTERM or SIGQUIT.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pdump.h>
#include <rte_ring.h>

#include "claim.h"
#include "main_loop.h"
#include "telemetry.h"
#include "ctl_server.h"
#include "metrics.h"
#include "eal_start.h"
#include "table_feed.h"
#include "tracking.h"
#include "gw.h"
#include "gw_failover.h"
#include "link_watch.h"
#include "originate.h"
#include "ports.h"
#include "reload.h"
#include "reload_policy.h"
#include "service.h"
#include "worker.h"
#include "upstream_pace.h"
#include "workers.h"

#define GW_LOG_PART main

#define EXIT_CONFIG 2
#define MAX_OVERRIDES 64
#define CONTROL_PERIOD_US 500 /* control work (joins, events) waits at most this long */

struct gw gw;

struct app_args {
	const char *config;
	bool check;                   /* --check: validate, start nothing */
	const char *overrides[MAX_OVERRIDES];
	int n_overrides;
};

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: igmpgw [EAL options] -- -f FILE [--set SECTION.KEY=VALUE]... [--help] [--version]\n"
		"       igmpgw --check -f FILE [--set SECTION.KEY=VALUE]...\n"
		"  -f, --config FILE   the gateway's INI configuration (see config/)\n"
		"  --set S.K=V         override one configuration key, e.g. igmp.proxy_in_to_out=yes\n"
		"  --check             validate the configuration and the arguments, then exit (0, or 2\n"
		"                      and one line); opens no port, interface, hugepage or socket, so\n"
		"                      it can run beside the gateway it checks the config of\n"
		"  -h, --help          this text\n"
		"  -V, --version       print the version (-V and --version in every igmpgw program;\n"
		"                      -v, before --, is EAL's, and verbose in the example reporter)\n"
		"Needs at least two lcores (-l 0-1): the main one for control, every other one is a\n"
		"worker polling the ports (-l 0-4: four workers).\n"
		"Vdev-only runs want --no-pci (else EAL probes every PCI device of the box); real NICs\n"
		"-a PCI_ADDRESS for each port's NIC.\n");
}

/* Exits the way the contract says: one line, status 2. */
static void __rte_noreturn
die_config(const char *line)
{
	fprintf(stderr, "igmpgw: %s\n", line);
	exit(EXIT_CONFIG);
}

/* Finds the application's arguments (after "--") before EAL sees anything. */
static int
app_args_start(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return argc;
}

/* One line for an option getopt refused; had_dashes: the command line has "--". */
static void __rte_noreturn
die_option(int c, char **argv, bool had_dashes)
{
	char short_opt[3] = { '-', (char)optopt, '\0' };
	/* A short option inside a cluster ("-l0-1") is not argv[optind - 1]. */
	const char *opt = c == '?' && optopt != 0 ? short_opt : argv[optind - 1];
	char line[256];

	if (c == ':')
		snprintf(line, sizeof(line), "%s: needs a value (see --help)", opt);
	else if (!had_dashes)
		snprintf(line, sizeof(line),
			 "'%s' is not an option of the application: EAL options come first, then --, then the application's (igmpgw -l 0-1 -- -f FILE)",
			 opt);
	else
		snprintf(line, sizeof(line), "'%s': unknown option (see --help)", opt);
	die_config(line);
}

static void
parse_app_args(int argc, char **argv, bool had_dashes, struct app_args *a)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "set", required_argument, NULL, 's' },
		{ "check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	opterr = 0; /* getopt's own message would be a second line */
	while ((c = getopt_long(argc, argv, ":f:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			a->config = optarg;
			break;
		case 's':
			if (a->n_overrides == MAX_OVERRIDES)
				die_config("--set: more than 64 overrides");
			a->overrides[a->n_overrides++] = optarg;
			break;
		case 'c':
			a->check = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("igmpgw %s\n", IGMPGW_VERSION);
			exit(0);
		default:
			die_option(c, argv, had_dashes);
		}
	}
	if (optind < argc) {
		char line[256];

		snprintf(line, sizeof(line), "unexpected argument '%s' (see --help)", argv[optind]);
		die_config(line);
	}
	if (a->config == NULL)
		die_config("-f FILE: missing (the configuration file is required)");
}

/*
 * Every signal an operator or a library may send: the stopping ones take the
 * stop path (the control socket file and the locks go away), the others are
 * logged and ignored rather than killing the gateway.
 */
static const struct {
	int sig;
	const char *name;
	bool stops;
} signals[] = {
	{ SIGINT, "SIGINT", true },
	{ SIGTERM, "SIGTERM", true },
	{ SIGQUIT, "SIGQUIT", true },
	{ SIGHUP, "SIGHUP", false }, /* becomes a configuration reload */
	{ SIGUSR1, "SIGUSR1", false },
	{ SIGUSR2, "SIGUSR2", false },
	{ SIGALRM, "SIGALRM", false },
	/* Not SIGIO: the TAP driver takes it for its rx trigger, if nobody else has. */
};

static uint32_t signals_ignored; /* bit i: signals[i] arrived and waits to be logged */

static void
on_signal(int sig)
{
	for (unsigned int i = 0; i < RTE_DIM(signals); i++) {
		if (signals[i].sig != sig)
			continue;
		if (signals[i].stops)
			gw.quit = true;
		else
			__atomic_fetch_or(&signals_ignored, 1u << i, __ATOMIC_RELAXED);
	}
}

/*
 * Installs the handlers with the signals blocked: the threads EAL creates
 * inherit the mask, so only the main lcore, unblocked after EAL init
 * (signals_unblock), ever runs them and no library call sees an EINTR.
 */
static void
signals_install(sigset_t *set)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigemptyset(set);
	for (unsigned int i = 0; i < RTE_DIM(signals); i++) {
		sigaction(signals[i].sig, &sa, NULL);
		sigaddset(set, signals[i].sig);
	}
	pthread_sigmask(SIG_BLOCK, set, NULL);
	/* A client gone mid-answer must cost an EPIPE, not the gateway. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
}

static void
signals_unblock(const sigset_t *set)
{
	pthread_sigmask(SIG_UNBLOCK, set, NULL);
}

/* Acts on the signals that arrived since the last call: SIGHUP reloads, the rest are logged (main lcore). */
static void
log_ignored_signals(void)
{
	uint32_t got = __atomic_exchange_n(&signals_ignored, 0, __ATOMIC_RELAXED);

	for (unsigned int i = 0; i < RTE_DIM(signals); i++) {
		char err[GW_ERR_LEN];

		if (!(got & (1u << i)))
			continue;
		if (signals[i].sig == SIGHUP)
			gw_reload("SIGHUP", NULL, err, sizeof(err)); /* logs either way */
		else
			GW_LOG(NOTICE, "%s received: ignored", signals[i].name);
	}
}

static int
create_rings(void)
{
	/* Every worker produces into it: many producers, the main lcore consumes. */
	gw.events = rte_ring_create("igmpgw_events", GW_EVENT_RING_SIZE, (int)rte_socket_id(),
				    RING_F_SC_DEQ);
	return gw.events != NULL ? 0 : -1;
}

/* Everything between EAL and the workers; on error err holds the one line to print. */
static int
start_up(char *err, size_t err_len)
{
	if (create_rings() < 0) {
		snprintf(err, err_len, "EAL: cannot create rings: %s", rte_strerror(rte_errno));
		return -1;
	}
	if (gw_ports_open(gw.n_workers, err, err_len) < 0 || gw_workers_plan(err, err_len) < 0 ||
	    gw_originate_init(err, err_len) < 0 || gw_upstream_pace_init(err, err_len) < 0 ||
	    dp_rate_init(err, err_len) < 0 ||
	    gw_feed_init(err, err_len) < 0 || gw_policy_start(err, err_len) < 0 ||
	    gw_tracking_init(err, err_len) < 0)
		return -1;
	gw.feed_tracking = gw_tracking_enabled();
	if (gw_metrics_open(err, err_len) < 0)
		return -1;
	return gw_ctl_open(err, err_len);
}

/* Undoes start_up, whatever part of it ran, once no worker runs. */
static void
shut_down(void)
{
	gw_control_cleanup();
	gw_metrics_close();
	gw_ctl_close();
	gw_tracking_close();
	gw_policy_close();
	gw_feed_close();
	gw_upstream_pace_close();
	gw_originate_close();
	dp_rate_close();
	gw_workers_close();
	gw_ports_close();
	gw_eal_stop();
	gw_claim_release();
}

static void
log_ports(void)
{
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		const struct gw_port *p = &gw.port[r];
		char mac[RTE_ETHER_ADDR_FMT_SIZE];

		if (!p->present)
			continue;
		rte_ether_format_addr(mac, sizeof(mac), &p->mac);
		GW_LOG(INFO, "%s: port %u (%s) mac %s, kernel twin %s%s", gw_role_name(r), p->port_id,
		       p->name, mac, p->twin_id == GW_NO_PORT ? "none" : p->twin_ifname,
		       r == (int)gw_active_outside() ? ", active outside" : "");
	}
}

int
main(int argc, char **argv)
{
	static struct gw_worker_args worker_args[GW_MAX_WORKERS];
	int app = app_args_start(argc, argv);
	struct app_args args;
	char err[GW_ERR_LEN];
	sigset_t handled;
	int ret;

	/* Arguments and config first: a mistake there must not wait for EAL. */
	if (app == argc && argc > 1)
		app = 0; /* no "--": "igmpgw --help" and "igmpgw -f FILE" still work */
	if (gw_eal_check_args(app > 0 ? app : 1, argv, err, sizeof(err)) < 0)
		die_config(err);
	parse_app_args(argc - app, argv + app, app > 0, &args);
	if (gw_config_load(&gw.cfg, args.config, args.overrides, args.n_overrides, err,
			   sizeof(err)) < 0)
		die_config(err);
	if (args.check) {
		if (gw_claim_check(&gw.cfg, app > 0 ? app : 1, argv, err, sizeof(err)) < 0)
			die_config(err);
		printf("igmpgw: %s: the configuration is valid\n", args.config);
		return 0;
	}
	gw.active_outside = (uint8_t)gw.cfg.igmp.active_outside;
	gw_reload_init(args.config, args.overrides, args.n_overrides);
	for (int r = 0; r < GW_ROLE_INSIDE; r++)
		rte_seqlock_init(&gw.querier[r].lock);
	signals_install(&handled);
	/* EAL probes the --vdev ports: they are claimed before it touches them. */
	if (gw_claim_ports(&gw.cfg, app > 0 ? app : 1, argv, err, sizeof(err)) < 0)
		die_config(err);

	gw_telemetry_register();
	ret = gw_eal_start(app > 0 ? app : 1, argv, err, sizeof(err));
	if (ret < 0) {
		gw_claim_release();
		die_config(err);
	}
	gw_log_open();
	gw.start_tsc = rte_rdtsc();
	gw.n_workers = rte_lcore_count() - 1;
	if (gw.n_workers == 0) {
		fprintf(stderr, "igmpgw: EAL: -l: need at least two lcores, one for control and one worker\n");
		gw_eal_stop();
		gw_claim_release();
		return EXIT_CONFIG;
	}
	if (gw.n_workers > GW_MAX_WORKERS) {
		fprintf(stderr, "igmpgw: EAL: -l: %u worker lcores given, at most %d are supported\n",
			gw.n_workers, GW_MAX_WORKERS);
		gw_eal_stop();
		gw_claim_release();
		return EXIT_CONFIG;
	}

	if (start_up(err, sizeof(err)) < 0) {
		fprintf(stderr, "igmpgw: %s\n", err);
		shut_down();
		return EXIT_CONFIG;
	}
	if (rte_pdump_init() < 0)
		GW_LOG(WARNING, "dpdk-dumpcap unavailable: %s", rte_strerror(rte_errno));
	gw_link_watch_init();
	gw_failover_init();
	log_ports();
	gw_service_init();

	for (unsigned int w = 0; w < gw.n_workers; w++) {
		worker_args[w].index = w;
		rte_eal_remote_launch(gw_worker_main, &worker_args[w], gw.plan[w].lcore);
	}
	GW_LOG(INFO, "running with %u worker%s; Ctrl-C or SIGTERM stops", gw.n_workers,
	       gw.n_workers == 1 ? "" : "s");
	signals_unblock(&handled);
	gw_service_ready(gw.n_workers);

	while (!gw.quit) {
		uint64_t now = rte_rdtsc();

		log_ignored_signals();
		gw_control_poll(now);
		gw_service_poll(now);
		rte_delay_us_sleep(CONTROL_PERIOD_US);
	}

	GW_LOG(INFO, "stopping");
	gw_service_stopping();
	rte_eal_mp_wait_lcore();
	rte_pdump_uninit();
	shut_down();
	return 0;
}
