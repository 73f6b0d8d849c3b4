/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket's listening end: its directory, a stale file from a
 * gateway that died told apart from a live one, its mode and group.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_socket.h"

int
gw_ctl_listen(const struct gw_control_config *cfg, char *err, size_t err_len)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[GW_PATH_LEN];
	char *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", cfg->socket);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			snprintf(err, err_len, "config: control.socket: cannot create %s: %s", dir,
				 strerror(errno));
			return -errno;
		}
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", cfg->socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, err_len, "config: control.socket: %s", strerror(errno));
		return -errno;
	}
	/* A socket file left by a gateway that died is stale; a live one still answers. */
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
		snprintf(err, err_len, "config: control.socket: %s is in use by a running igmpgw",
			 cfg->socket);
		close(fd);
		return -EADDRINUSE;
	}
	unlink(cfg->socket);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 16) < 0 ||
	    chmod(cfg->socket, 0660) < 0) {
		snprintf(err, err_len, "config: control.socket: cannot listen on %s: %s", cfg->socket,
			 strerror(errno));
		close(fd);
		return -EINVAL;
	}
	if (cfg->group[0] != '\0') {
		struct group *g = getgrnam(cfg->group);

		if (g == NULL || chown(cfg->socket, (uid_t)-1, g->gr_gid) < 0) {
			snprintf(err, err_len, "config: control.group: cannot give %s to group '%s'%s",
				 cfg->socket, cfg->group, g == NULL ? ": no such group" : "");
			close(fd);
			unlink(cfg->socket);
			return -EINVAL;
		}
	}
	return fd;
}
