/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log line prefixes: a timestamp, or the journal's "<N>" priority, and the
 * JOURNAL_STREAM check that tells which one the output wants.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>

#include "log_lines.h"

/* One decimal number up to ':' (or the end when last), nothing else around it. */
static bool
parse_decimal(const char **s, char end, uintmax_t *v)
{
	char *stop;

	if (**s < '0' || **s > '9')
		return false;
	errno = 0;
	*v = strtoumax(*s, &stop, 10);
	if (errno != 0 || *stop != end)
		return false;
	*s = stop + (end != '\0');
	return true;
}

bool
log_lines_is_journal(int fd, const char *journal_stream)
{
	const char *s = journal_stream;
	uintmax_t dev, ino;
	struct stat st;

	if (s == NULL || !parse_decimal(&s, ':', &dev) || !parse_decimal(&s, '\0', &ino))
		return false;
	if (fstat(fd, &st) < 0)
		return false;
	return (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino;
}

int
log_lines_priority(int rte_level)
{
	/* rte_log's levels are syslog's plus one (RTE_LOG_EMERG is 1). */
	if (rte_level < 1 || rte_level > LOG_DEBUG + 1)
		return LOG_INFO;
	return rte_level - 1;
}

static int
write_start(const struct log_lines *lines, FILE *out, int priority)
{
	struct timeval tv;
	struct tm tm;
	char stamp[32];

	if (lines->journal)
		return fprintf(out, "<%d>", priority) < 0 ? -1 : 0;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	return fprintf(out, "%s.%03ld ", stamp, (long)(tv.tv_usec / 1000)) < 0 ? -1 : 0;
}

ssize_t
log_lines_write(struct log_lines *lines, FILE *out, const char *buf, size_t size, int priority)
{
	size_t done = 0;

	while (done < size) {
		const char *nl = memchr(buf + done, '\n', size - done);
		size_t len = nl != NULL ? (size_t)(nl - (buf + done)) + 1 : size - done;

		if (lines->at_line_start && write_start(lines, out, priority) < 0)
			return -1;
		if (fwrite(buf + done, 1, len, out) != len)
			return -1;
		lines->at_line_start = nl != NULL;
		done += len;
	}
	return (ssize_t)size;
}
