/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket's listening end: its directory, a stale file from a
 * gateway that died told apart from a live one, its mode, group and the admin
 * group's access; and who a connection's peer is and what it may do.
 */
#define _GNU_SOURCE /* struct ucred */
#include <errno.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "ctl_socket.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59 /* Linux 4.13; older C libraries do not name it */
#endif

/* The kernel's POSIX ACL xattr (include/uapi/linux/posix_acl_xattr.h): little endian. */
#define ACL_XATTR "system.posix_acl_access"
#define ACL_XATTR_VERSION 2
#define ACL_USER_OBJ 0x01
#define ACL_GROUP_OBJ 0x04
#define ACL_GROUP 0x08
#define ACL_MASK 0x10
#define ACL_OTHER 0x20
#define ACL_NO_ID UINT32_MAX

struct acl_entry {
	uint16_t tag;
	uint16_t perm;
	uint32_t id;
};

/*
 * Lets group gid read and write path beside its owner and group (mode 0660
 * stays what stat shows): the admin group's members can open the socket
 * without being in [control] group.
 */
static int
acl_add_group(const char *path, gid_t gid)
{
	struct {
		uint32_t version;
		struct acl_entry e[5];
	} __attribute__((packed)) acl = {
		.version = ACL_XATTR_VERSION,
		.e = {
			{ ACL_USER_OBJ, 6, ACL_NO_ID },
			{ ACL_GROUP_OBJ, 6, ACL_NO_ID },
			{ ACL_GROUP, 6, (uint32_t)gid },
			{ ACL_MASK, 6, ACL_NO_ID },
			{ ACL_OTHER, 0, ACL_NO_ID },
		},
	};

	return setxattr(path, ACL_XATTR, &acl, sizeof(acl), 0);
}

/* Fills acc from cfg and the socket file: the group its mode lets in, the admin group. */
static int
access_resolve(const struct gw_control_config *cfg, struct gw_ctl_access *acc, char *err,
	       size_t err_len)
{
	struct stat st;
	struct group *g;

	memset(acc, 0, sizeof(*acc));
	acc->cfg = cfg;
	if (stat(cfg->socket, &st) < 0) {
		snprintf(err, err_len, "config: control.socket: %s: %s", cfg->socket, strerror(errno));
		return -errno;
	}
	acc->group = st.st_gid;
	if (cfg->admin_group[0] == '\0')
		return 0;
	g = getgrnam(cfg->admin_group);
	if (g == NULL) {
		snprintf(err, err_len, "config: control.admin_group: '%s': no such group",
			 cfg->admin_group);
		return -EINVAL;
	}
	acc->has_admin = true;
	acc->admin_group = g->gr_gid;
	if (acc->admin_group != acc->group && acl_add_group(cfg->socket, acc->admin_group) < 0) {
		snprintf(err, err_len,
			 "config: control.admin_group: cannot let group '%s' open %s (POSIX ACL: %s): put its members in control.group",
			 cfg->admin_group, cfg->socket, strerror(errno));
		return -EINVAL;
	}
	return 0;
}

int
gw_ctl_listen(const struct gw_control_config *cfg, struct gw_ctl_access *acc, char *err,
	      size_t err_len)
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
	if (access_resolve(cfg, acc, err, err_len) < 0) {
		close(fd);
		unlink(cfg->socket);
		return -EINVAL;
	}
	return fd;
}

int
gw_ctl_proc_groups(pid_t pid, gid_t **out, int *n)
{
	char path[64], *line = NULL, *p, *end;
	size_t cap = 0;
	gid_t *v = NULL;
	int count = 0, ret = -ENOENT;
	FILE *f;

	*out = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		/* At most NGROUPS_MAX (65536) numbers: one per two characters at most. */
		v = malloc((strlen(line) / 2 + 1) * sizeof(gid_t));
		if (v == NULL) {
			ret = -ENOMEM;
			break;
		}
		for (p = line + 7;; p = end) {
			unsigned long g;

			errno = 0;
			g = strtoul(p, &end, 10);
			if (end == p || errno != 0 || g > UINT32_MAX)
				break;
			v[count++] = (gid_t)g;
		}
		*out = v;
		*n = count;
		ret = 0;
		break;
	}
	free(line);
	fclose(f);
	return ret;
}

/*
 * The peer's supplementary groups: SO_PEERGROUPS, else the connecting process's
 * own from /proc (never the group database: its user's groups there are not
 * the process's, and NSS may block the main lcore on a directory server).
 */
static int
peer_groups(int fd, const struct ucred *cred, gid_t **out, int *n)
{
	socklen_t len = 64 * sizeof(gid_t);
	gid_t *v = NULL;

	for (int tries = 0; tries < 4; tries++) {
		gid_t *nv = realloc(v, len);

		if (nv == NULL)
			break;
		v = nv;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, v, &len) == 0) {
			*out = v;
			*n = (int)(len / sizeof(gid_t));
			return 0;
		}
		if (errno != ERANGE)
			break; /* ENOPROTOOPT before Linux 4.13 */
	}
	free(v);
	return gw_ctl_proc_groups(cred->pid, out, n);
}

static bool
in_groups(gid_t gid, gid_t primary, const gid_t *v, int n)
{
	if (gid == primary)
		return true;
	for (int i = 0; i < n; i++)
		if (v[i] == gid)
			return true;
	return false;
}

int
gw_ctl_peer_get(int fd, const struct gw_ctl_access *acc, struct gw_ctl_peer *peer)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	gid_t *groups = NULL;
	int n = 0;
	bool admin, member;

	memset(peer, 0, sizeof(*peer));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	peer->uid = cred.uid;
	peer->gid = cred.gid;
	peer->pid = cred.pid;
	/* No groups known (a uid without a passwd entry): its primary group still counts. */
	peer_groups(fd, &cred, &groups, &n);
	admin = cred.uid == 0 ||
		(acc->has_admin && in_groups(acc->admin_group, cred.gid, groups, n));
	member = admin || in_groups(acc->group, cred.gid, groups, n);
	free(groups);
	peer->allowed = member;
	peer->level = admin ? CTL_LEVEL_ADMIN : CTL_LEVEL_MEMBER;
	return 0;
}

void
gw_ctl_peer_refusal(const struct gw_ctl_access *acc, const struct gw_ctl_peer *peer,
		    const char *cmd, char *buf, size_t len)
{
	if (!peer->allowed)
		snprintf(buf, len,
			 "permission denied: uid %u is neither root nor in the control socket's group",
			 (unsigned int)peer->uid);
	else if (acc->has_admin)
		snprintf(buf, len,
			 "%s: permission denied: it changes the gateway, which only root and members of control.admin_group '%s' may do (uid %u is neither)",
			 cmd, acc->cfg->admin_group, (unsigned int)peer->uid);
	else
		snprintf(buf, len,
			 "%s: permission denied: it changes the gateway, which only root may do (no control.admin_group is set; uid %u)",
			 cmd, (unsigned int)peer->uid);
}
