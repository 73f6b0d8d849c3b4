/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL's failures reach the caller as an errno that often says nothing
 * ("Success", "Permission denied"); the reason is in its log. While
 * rte_eal_init runs, its log goes through a stream that passes every line on
 * to stderr and remembers the errors, which are then turned into one line an
 * operator can act on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "eal_start.h"
#include "gw_log.h"

#define NO_HUGE_MEMORY "256" /* MB: the mempools of three ports and their twins */
#define MAX_HUGE_FILES 1024       /* 2 GB of 2 MB pages; more are left to EAL's next start */

/* What EAL's error lines said, by the words that give the reason away. */
#define EAL_REASONS(X) \
	X(PREFIX_IN_USE, "Cannot create lock on") \
	X(NO_HUGEPAGES, "hugepage") \
	X(NO_MEMORY, "Cannot init memory") \
	X(NO_PERMISSION, "Permission denied")

enum eal_reason {
#define EAL_REASON_ENUM(name, words) EAL_##name,
	EAL_REASONS(EAL_REASON_ENUM)
#undef EAL_REASON_ENUM
	EAL_REASON_COUNT
};

static const char *const reason_words[EAL_REASON_COUNT] = {
#define EAL_REASON_WORDS(name, words) words,
	EAL_REASONS(EAL_REASON_WORDS)
#undef EAL_REASON_WORDS
};

static struct {
	bool seen[EAL_REASON_COUNT];
	char last_error[200];
} eal_said;

static ssize_t
capture_write(void *cookie __rte_unused, const char *buf, size_t size)
{
	size_t n;

	if (gw_log_write(stderr, buf, size) < 0)
		return -1;
	if (rte_log_cur_msg_loglevel() > (int)RTE_LOG_ERR)
		return (ssize_t)size;
	for (int r = 0; r < EAL_REASON_COUNT; r++)
		if (memmem(buf, size, reason_words[r], strlen(reason_words[r])) != NULL)
			eal_said.seen[r] = true;
	/* The last error line, without its "EAL: " and newline. */
	n = size;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	if (n > 5 && strncmp(buf, "EAL: ", 5) == 0) {
		buf += 5;
		n -= 5;
	}
	if (n > 0)
		snprintf(eal_said.last_error, sizeof(eal_said.last_error), "%.*s", (int)n, buf);
	return (ssize_t)size;
}

/* The value of EAL option name (a long one "--x" or a short one "-x") in argv, or NULL. */
static const char *
eal_option(int n_eal, char **argv, const char *name)
{
	size_t len = strlen(name);

	for (int i = 1; i < n_eal; i++) {
		if (strncmp(argv[i], name, len) != 0)
			continue;
		if (argv[i][len] == '\0')
			return i + 1 < n_eal ? argv[i + 1] : "";
		if (argv[i][len] == '=' || name[1] != '-') /* "--x=v", "-xv" */
			return argv[i] + len + (argv[i][len] == '=');
	}
	return NULL;
}

int
gw_eal_check_args(int n_eal, char **argv, char *err, size_t err_len)
{
	static const char *const app_options[] = { "--set", "--config", "-f" };

	for (size_t o = 0; o < RTE_DIM(app_options); o++)
		if (eal_option(n_eal, argv, app_options[o]) != NULL) {
			snprintf(err, err_len,
				 "%s is an option of the application, not of EAL: put it after -- (igmpgw [EAL options] -- -f FILE [--set S.K=V]...)",
				 app_options[o]);
			return -1;
		}
	if (eal_option(n_eal, argv, "--no-huge") != NULL && eal_option(n_eal, argv, "-m") == NULL &&
	    eal_option(n_eal, argv, "--socket-mem") == NULL) {
		snprintf(err, err_len,
			 "EAL: --no-huge needs -m " NO_HUGE_MEMORY
			 ": without hugepages EAL takes 64 MB, too little for the gateway's mempools");
		return -1;
	}
	return 0;
}

/* prefix: --file-prefix's value, read before rte_eal_init reorders argv. */
static void
explain(const char *prefix, char *err, size_t err_len)
{
	if (eal_said.seen[EAL_PREFIX_IN_USE])
		snprintf(err, err_len,
			 "EAL: --file-prefix %s is in use by another running DPDK process: give this gateway a --file-prefix of its own",
			 prefix != NULL ? prefix : "rte (the default)");
	else if (geteuid() != 0)
		snprintf(err, err_len,
			 "EAL: cannot start as an unprivileged user (hugepages, af_packet and TAP need root): run igmpgw as root");
	else if (eal_said.seen[EAL_NO_HUGEPAGES] || eal_said.seen[EAL_NO_MEMORY] ||
		 rte_errno == ENOMEM)
		snprintf(err, err_len,
			 "EAL: no usable hugepages (none reserved or free, or hugetlbfs not mounted): run scripts/setup.sh, or start with --no-huge -m "
			 NO_HUGE_MEMORY);
	else if (eal_said.last_error[0] != '\0')
		snprintf(err, err_len, "EAL: %s (see EAL's lines above)", eal_said.last_error);
	else
		snprintf(err, err_len, "EAL: %s", rte_strerror(rte_errno));
}

static int mapped_huge_files(char **files, int max);
static void unlink_files(char **files, int n);

int
gw_eal_start(int n_eal, char **argv, char *err, size_t err_len)
{
	static const cookie_io_functions_t capture = { .write = capture_write };
	const char *prefix = eal_option(n_eal, argv, "--file-prefix");
	FILE *log = fopencookie(NULL, "w", capture);
	int ret;

	if (log != NULL) {
		setvbuf(log, NULL, _IOLBF, 0);
		rte_openlog_stream(log);
	}
	ret = rte_eal_init(n_eal, argv);
	if (ret < 0) {
		static char *files[MAX_HUGE_FILES];

		explain(prefix, err, err_len);
		/* What EAL mapped before it failed: the process ends without using it. */
		unlink_files(files, mapped_huge_files(files, MAX_HUGE_FILES));
	}
	if (log != NULL) {
		rte_openlog_stream(NULL); /* EAL's own: stdout and syslog */
		fclose(log);
	}
	return ret;
}

/*
 * The hugepage files this process has mapped: the runtime's "<prefix>map_*"
 * files in /proc/self/maps, never another process's under the same prefix.
 * Returns how many paths were written to files (each to be freed).
 */
static int
mapped_huge_files(char **files, int max)
{
	const char *dir = rte_eal_get_runtime_dir();
	const char *prefix = dir != NULL ? strrchr(dir, '/') : NULL;
	char pattern[NAME_MAX + 8];
	char line[PATH_MAX + 128];
	FILE *maps;
	int n = 0;

	if (prefix == NULL)
		return 0;
	snprintf(pattern, sizeof(pattern), "%smap_", prefix); /* "/PREFIXmap_" */
	maps = fopen("/proc/self/maps", "r");
	if (maps == NULL)
		return 0;
	while (n < max && fgets(line, sizeof(line), maps) != NULL) {
		char *path = strchr(line, '/');
		bool seen = false;

		if (path == NULL || strstr(path, pattern) == NULL ||
		    strstr(path, " (deleted)") != NULL)
			continue;
		path[strcspn(path, "\n")] = '\0';
		for (int i = 0; i < n && !seen; i++)
			seen = strcmp(files[i], path) == 0;
		if (!seen && (files[n] = strdup(path)) != NULL)
			n++;
	}
	fclose(maps);
	return n;
}

static void
unlink_files(char **files, int n)
{
	for (int i = 0; i < n; i++) {
		unlink(files[i]);
		free(files[i]);
	}
}

void
gw_eal_stop(void)
{
	static char *files[MAX_HUGE_FILES];
	int n = mapped_huge_files(files, MAX_HUGE_FILES);

	rte_eal_cleanup();
	/*
	 * EAL unmaps its memory but leaves the files (a clean stop kept 46, 92 MB,
	 * until the next start under the same prefix). Nothing needs them now: a
	 * secondary still attached (dpdk-dumpcap) keeps its mappings.
	 */
	unlink_files(files, n);
}
