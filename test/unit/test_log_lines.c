/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * igmpgw's log line prefixes (app/igmpgw/log_lines.c): JOURNAL_STREAM judged
 * against the device and inode of pipes made here (the one it names, another,
 * malformed values), rte_log levels as syslog priorities, and lines written
 * whole or in pieces with "<N>" or a timestamp at each start.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <rte_log.h>

#include "log_lines.h"
#include "tap.h"

static void
stream_of(int fd, char *buf, size_t len)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		abort();
	snprintf(buf, len, "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
}

static void
journal_stream(void)
{
	int journal[2], other[2];
	char named[64], bad[96];

	if (pipe(journal) < 0 || pipe(other) < 0)
		abort();
	stream_of(journal[1], named, sizeof(named));
	TAP_CHECK(log_lines_is_journal(journal[1], named), "the pipe JOURNAL_STREAM names (%s)",
		  named);
	TAP_CHECK(!log_lines_is_journal(other[1], named), "another pipe is not the journal");
	TAP_CHECK(!log_lines_is_journal(journal[1], NULL), "no JOURNAL_STREAM: not the journal");
	TAP_CHECK(!log_lines_is_journal(-1, named), "a closed fd is not the journal");
	/* Right device, another inode; and the values systemd never writes. */
	snprintf(bad, sizeof(bad), "%s1", named);
	TAP_CHECK(!log_lines_is_journal(journal[1], bad), "another inode (%s)", bad);
	snprintf(bad, sizeof(bad), "%s ", named);
	TAP_CHECK(!log_lines_is_journal(journal[1], bad), "trailing text");
	snprintf(bad, sizeof(bad), "%s:1", named);
	TAP_CHECK(!log_lines_is_journal(journal[1], bad), "three fields");
	strcpy(bad, strchr(named, ':'));
	TAP_CHECK(!log_lines_is_journal(journal[1], bad), "no device (%s)", bad);
	snprintf(bad, sizeof(bad), "%.*s", (int)(strchr(named, ':') - named + 1), named);
	TAP_CHECK(!log_lines_is_journal(journal[1], bad), "no inode (%s)", bad);
	snprintf(bad, sizeof(bad), "-%s", named);
	TAP_CHECK(!log_lines_is_journal(journal[1], bad), "a sign");
	TAP_CHECK(!log_lines_is_journal(journal[1], ""), "empty");
	TAP_CHECK(!log_lines_is_journal(journal[1], "99999999999999999999999:1"),
		  "a device beyond 64 bits");
	close(journal[0]);
	close(journal[1]);
	close(other[0]);
	close(other[1]);
}

static void
priorities(void)
{
	CHECK_INT(log_lines_priority(RTE_LOG_EMERG), LOG_EMERG, "EMERG");
	CHECK_INT(log_lines_priority(RTE_LOG_ALERT), LOG_ALERT, "ALERT");
	CHECK_INT(log_lines_priority(RTE_LOG_CRIT), LOG_CRIT, "CRIT");
	CHECK_INT(log_lines_priority(RTE_LOG_ERR), LOG_ERR, "ERR");
	CHECK_INT(log_lines_priority(RTE_LOG_WARNING), LOG_WARNING, "WARNING");
	CHECK_INT(log_lines_priority(RTE_LOG_NOTICE), LOG_NOTICE, "NOTICE");
	CHECK_INT(log_lines_priority(RTE_LOG_INFO), LOG_INFO, "INFO");
	CHECK_INT(log_lines_priority(RTE_LOG_DEBUG), LOG_DEBUG, "DEBUG");
	CHECK_INT(log_lines_priority(0), LOG_INFO, "no message current (0)");
	CHECK_INT(log_lines_priority(RTE_LOG_DEBUG + 1), LOG_INFO, "beyond DEBUG");
}

/* What the writes gave out, NUL-terminated in buf. */
static void
written(FILE *out, char *buf, size_t len)
{
	size_t n;

	fflush(out);
	rewind(out);
	n = fread(buf, 1, len - 1, out);
	buf[n] = '\0';
}

static void
journal_lines(void)
{
	struct log_lines lines = { .journal = true, .at_line_start = true };
	FILE *out = tmpfile();
	char got[256];

	/* Two lines in one write, then one line in three pieces at another level. */
	CHECK_INT(log_lines_write(&lines, out, "a: one\nb: two\n", 14, LOG_WARNING), 14,
		  "two lines written");
	log_lines_write(&lines, out, "c: th", 5, LOG_DEBUG);
	log_lines_write(&lines, out, "r", 1, LOG_DEBUG);
	log_lines_write(&lines, out, "ee\n", 3, LOG_DEBUG);
	log_lines_write(&lines, out, "d: ", 3, LOG_ERR);
	written(out, got, sizeof(got));
	TAP_CHECK(strcmp(got, "<4>a: one\n<4>b: two\n<7>c: three\n<3>d: ") == 0,
		  "each line starts with its priority once: '%s'", got);
	fclose(out);
}

static void
stamped_lines(void)
{
	struct log_lines lines = { .journal = false, .at_line_start = true };
	FILE *out = tmpfile();
	char got[256];
	regex_t re;

	log_lines_write(&lines, out, "a: one\nb: t", 11, LOG_ERR);
	log_lines_write(&lines, out, "wo\n", 3, LOG_ERR);
	written(out, got, sizeof(got));
	if (regcomp(&re, "^([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} "
		    "[ab]: (one|two)\n){2}$", REG_EXTENDED) != 0)
		abort();
	TAP_CHECK(regexec(&re, got, 0, NULL, 0) == 0 && strstr(got, "<") == NULL,
		  "each line starts with the time, no priority: '%s'", got);
	regfree(&re);
	fclose(out);
}

int
main(void)
{
	journal_stream();
	priorities();
	journal_lines();
	stamped_lines();
	return TAP_DONE();
}
