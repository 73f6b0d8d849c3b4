/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's log types, and the stream that stamps log lines with the time
 * when they do not go to the journal.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>

#include <rte_log.h>

#include "gw_log.h"

#define GW_LOG_REGISTER(part) RTE_LOG_REGISTER(gw_logtype_##part, igmpgw.part, INFO);
GW_LOG_PARTS(GW_LOG_REGISTER)
#undef GW_LOG_REGISTER

static bool at_line_start = true;

/* Started by systemd: its journal stamps the lines and keeps them (no syslog copy). */
static bool
journal_stamps(void)
{
	static int under_journal = -1;

	if (under_journal < 0)
		under_journal = getenv("JOURNAL_STREAM") != NULL ||
				getenv("INVOCATION_ID") != NULL;
	return under_journal;
}

static int
write_stamp(FILE *out)
{
	struct timeval tv;
	struct tm tm;
	char stamp[32];

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	return fprintf(out, "%s.%03ld ", stamp, (long)(tv.tv_usec / 1000)) < 0 ? -1 : 0;
}

ssize_t
gw_log_write(FILE *out, const char *buf, size_t size)
{
	size_t done = 0;

	if (journal_stamps())
		return fwrite(buf, 1, size, out) == size ? (ssize_t)size : -1;
	while (done < size) {
		const char *nl = memchr(buf + done, '\n', size - done);
		size_t len = nl != NULL ? (size_t)(nl - (buf + done)) + 1 : size - done;

		if (at_line_start && write_stamp(out) < 0)
			return -1;
		if (fwrite(buf + done, 1, len, out) != len)
			return -1;
		at_line_start = nl != NULL;
		done += len;
	}
	return (ssize_t)size;
}

static ssize_t
console_write(void *cookie __rte_unused, const char *buf, size_t size)
{
	ssize_t ret;

	/* The journal reads stderr: a syslog copy would put each line in it twice. */
	if (journal_stamps()) {
		ret = gw_log_write(stderr, buf, size);
		fflush(stderr);
		return ret;
	}
	ret = gw_log_write(stdout, buf, size);

	fflush(stdout);
	/* What EAL's own stream does: syslog levels are rte_log's less one. */
	syslog(rte_log_cur_msg_loglevel() - 1, "%.*s", (int)size, buf);
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
