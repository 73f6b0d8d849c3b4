/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket's fallback for a peer's supplementary groups where the
 * kernel has no SO_PEERGROUPS: the connecting process's own, from
 * /proc/PID/status, not its user's from the group database (which is what
 * getgrouplist gave: a process that dropped or was given other groups than
 * its user's was judged by the wrong ones, and NSS ran on the main lcore).
 */
#define _GNU_SOURCE
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl_socket.h"
#include "tap.h"

static bool
has(const gid_t *v, int n, gid_t g)
{
	for (int i = 0; i < n; i++)
		if (v[i] == g)
			return true;
	return false;
}

static void
test_own_groups(void)
{
	gid_t mine[256], *got = NULL;
	int n_mine = getgroups(256, mine), n = -1;
	bool same;

	CHECK_INT(gw_ctl_proc_groups(getpid(), &got, &n), 0, "this process's groups read");
	same = n == n_mine;
	for (int i = 0; same && i < n_mine; i++)
		same = has(got, n, mine[i]);
	TAP_CHECK(same, "they are getgroups()'s (%d)", n);
	free(got);
}

/* A process given groups its user does not have in the database is judged by its own. */
static void
test_process_not_user(void)
{
	const gid_t given[2] = { 4242, 4343 };
	gid_t *got = NULL, db[256];
	int pipefd[2], n = -1, n_db = 256;
	struct passwd *pw = getpwuid(getuid());
	char c;
	pid_t child;

	if (geteuid() != 0) {
		printf("ok %d - # SKIP setgroups needs root\n", ++tap_count);
		return;
	}
	if (pipe(pipefd) != 0)
		return;
	child = fork();
	if (child == 0) {
		close(pipefd[0]);
		if (setgroups(2, given) != 0)
			_exit(1);
		if (write(pipefd[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	TAP_CHECK(read(pipefd[0], &c, 1) == 1, "child set its groups to 4242, 4343");
	CHECK_INT(gw_ctl_proc_groups(child, &got, &n), 0, "the child's groups read");
	TAP_CHECK(n == 2 && has(got, n, 4242) && has(got, n, 4343),
		  "they are the process's own (%d): 4242 and 4343", n);
	/* What the old fallback read: its user's groups in the database, not these. */
	if (pw != NULL && getgrouplist(pw->pw_name, getgid(), db, &n_db) >= 0)
		TAP_CHECK(!has(db, n_db, 4242), "the user's database groups lack 4242 (%d of them)",
			  n_db);
	free(got);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(pipefd[0]);
	TAP_CHECK(gw_ctl_proc_groups(child, &got, &n) < 0 && got == NULL && n == 0,
		  "a process gone: an error, no groups");
}

int
main(void)
{
	test_own_groups();
	test_process_not_user();
	return TAP_DONE();
}
