/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How each log line starts on its way out: a local timestamp for a terminal
 * or a file, or, when the output is systemd's journal (which stamps lines
 * itself), the "<N>" syslog priority the journal reads (sd-daemon(3)).
 * No DPDK here, so test/unit can hold it against pipes.
 */
#ifndef IGMPGW_LOG_LINES_H
#define IGMPGW_LOG_LINES_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * True when fd is the stream systemd connected to its journal: journal_stream
 * is $JOURNAL_STREAM, "DEVICE:INODE" in decimal, and fd's device and inode are
 * those (systemd.exec(5): the variable alone is not enough, a child may have
 * inherited it with another stderr). NULL or a malformed value: false.
 */
bool log_lines_is_journal(int fd, const char *journal_stream);

/*
 * The syslog priority (LOG_EMERG 0 .. LOG_DEBUG 7) of an rte_log level
 * (RTE_LOG_EMERG 1 .. RTE_LOG_DEBUG 8), as EAL's own syslog stream maps it;
 * a level outside that range (no rte_log message current) is LOG_INFO.
 */
int log_lines_priority(int rte_level);

/* One output's line state: whether the next byte starts a line. */
struct log_lines {
	bool journal;       /* out is the journal: "<N>" instead of a timestamp */
	bool at_line_start; /* initially true */
};

/*
 * Writes buf (one or more lines, or part of one) to out, each line that starts
 * in it led by "<priority>" for the journal or by a local timestamp otherwise.
 * Returns size, or -1 when out failed.
 */
ssize_t log_lines_write(struct log_lines *lines, FILE *out, const char *buf, size_t size,
			int priority);

#endif
