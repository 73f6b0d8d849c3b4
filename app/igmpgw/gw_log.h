/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's logging: one DPDK log type per part (igmpgw.main, .datapath,
 * .control, .tracking, .ctl), so --log-level=igmpgw.control:debug picks one,
 * and log lines that carry a timestamp when no journal adds one.
 */
#ifndef IGMPGW_GW_LOG_H
#define IGMPGW_GW_LOG_H

#include <stdio.h>

#include <rte_log.h>

/* The parts, each a log type "igmpgw.PART" registered at INFO. */
#define GW_LOG_PARTS(X) \
	X(main)     /* start-up, signals, stop: main.c, claim.c */ \
	X(datapath) /* the worker lcores */ \
	X(control)  /* the main lcore's loop: drop summaries, links, table feed */ \
	X(tracking) /* membership tracking's adapter */ \
	X(ctl)      /* the control socket */

#define GW_LOG_EXTERN(part) extern int gw_logtype_##part;
GW_LOG_PARTS(GW_LOG_EXTERN)
#undef GW_LOG_EXTERN

/*
 * GW_LOG(LEVEL, fmt, ...) logs to the type of the part the file belongs to,
 * which it names with "#define GW_LOG_PART control" (a file that logs without
 * one does not compile). The line starts with the type's name.
 */
#define GW_LOG_TO(part, level, fmt, ...) \
	rte_log(RTE_LOG_##level, gw_logtype_##part, "igmpgw." #part ": " fmt "\n", ##__VA_ARGS__)
#define GW_LOG_EXPAND(part, level, fmt, ...) GW_LOG_TO(part, level, fmt, ##__VA_ARGS__)
#define GW_LOG(level, fmt, ...) GW_LOG_EXPAND(GW_LOG_PART, level, fmt, ##__VA_ARGS__)

/*
 * Writes buf (one or more log lines of the current rte_log message) to out,
 * each line after a local timestamp, or, when out is systemd's journal
 * (JOURNAL_STREAM names its device and inode), after the message's "<N>"
 * syslog priority, the journal stamping lines itself. Returns size, or -1
 * when out failed.
 */
ssize_t gw_log_write(FILE *out, const char *buf, size_t size);

/*
 * After rte_eal_init: every rte_log line (DPDK's own too) to stdout through
 * gw_log_write, and to syslog as EAL's own stream does; when stderr (or
 * stdout) is systemd's journal, to it only, each line with its priority.
 */
void gw_log_open(void);

#endif
