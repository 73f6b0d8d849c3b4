/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's log types, and the stream that starts each log line with the
 * time, or with its priority when the line goes to systemd's journal.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <rte_log.h>

#include "gw_log.h"
#include "log_lines.h"

#define GW_LOG_REGISTER(part) RTE_LOG_REGISTER(gw_logtype_##part, igmpgw.part, INFO);
GW_LOG_PARTS(GW_LOG_REGISTER)
#undef GW_LOG_REGISTER

/* Each output's own line state: a line half written to one is not the other's. */
static struct log_lines stdout_lines = { .at_line_start = true };
static struct log_lines stderr_lines = { .at_line_start = true };

/*
 * The output systemd connected to its journal (stderr, or stdout when only it
 * is), by JOURNAL_STREAM's device and inode; NULL when neither is. Decided
 * once, at the first line, which EAL's start writes on the main lcore.
 */
static FILE *
journal_output(void)
{
	static bool decided;
	static FILE *journal;

	if (!decided) {
		const char *stream = getenv("JOURNAL_STREAM");

		if (log_lines_is_journal(STDERR_FILENO, stream))
			journal = stderr;
		else if (log_lines_is_journal(STDOUT_FILENO, stream))
			journal = stdout;
		decided = true;
	}
	return journal;
}

ssize_t
gw_log_write(FILE *out, const char *buf, size_t size)
{
	struct log_lines *lines = out == stderr ? &stderr_lines : &stdout_lines;

	lines->journal = out == journal_output();
	return log_lines_write(lines, out, buf, size,
			       log_lines_priority(rte_log_cur_msg_loglevel()));
}

static ssize_t
console_write(void *cookie __rte_unused, const char *buf, size_t size)
{
	FILE *journal = journal_output();
	ssize_t ret;

	/* The journal reads that output: a syslog copy would put each line in it twice. */
	if (journal != NULL) {
		ret = gw_log_write(journal, buf, size);
		fflush(journal);
		return ret;
	}
	ret = gw_log_write(stdout, buf, size);
	fflush(stdout);
	/* What EAL's own stream does, at the priority the journal would get. */
	syslog(log_lines_priority(rte_log_cur_msg_loglevel()), "%.*s", (int)size, buf);
	return ret;
}

void
gw_log_open(void)
{
	static const cookie_io_functions_t console = { .write = console_write };
	FILE *log = fopencookie(NULL, "w", console);

	if (log == NULL)
		return; /* EAL's stream stays: lines without a timestamp */
	setvbuf(log, NULL, _IOLBF, 0);
	rte_openlog_stream(log);
}
