/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket's listening end ([control] socket, group, admin_group)
 * and who is at the other end of a connection (the peer's credentials).
 */
#ifndef IGMPGW_CTL_SOCKET_H
#define IGMPGW_CTL_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "ctl_proto.h"
#include "gw_config.h"

/* Who may use the socket, resolved from the config when it starts listening. */
struct gw_ctl_access {
	gid_t group;                  /* the socket file's group: its members may connect */
	bool has_admin;
	gid_t admin_group;            /* [control] admin_group's gid */
	const struct gw_control_config *cfg;
};

/* The peer of a connection, as the kernel saw it connect, and what it may do. */
struct gw_ctl_peer {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	bool allowed;                 /* may connect at all (CTL_LEVEL_MEMBER) */
	enum ctl_level level;         /* the highest level of request it may make */
};

/*
 * Listens on cfg->socket (non-blocking, mode 0660, cfg->group's when set),
 * creating its directory; with cfg->admin_group, that group may open it too
 * (a POSIX ACL entry on the socket file). Fills *acc. Returns the fd, or a
 * negative errno with one line naming the key and the reason in err.
 */
int gw_ctl_listen(const struct gw_control_config *cfg, struct gw_ctl_access *acc, char *err,
		  size_t err_len);

/*
 * The supplementary groups of process pid, from /proc/PID/status (Groups:):
 * the fallback where the kernel has no SO_PEERGROUPS. *out is malloc'd (free
 * it), *n its count. Returns 0 or a negative errno (no such process).
 */
int gw_ctl_proc_groups(pid_t pid, gid_t **out, int *n);

/*
 * The credentials of fd's peer (SO_PEERCRED, and its supplementary groups from
 * SO_PEERGROUPS, or /proc/PID/status where the kernel has no SO_PEERGROUPS) and
 * what acc lets it do: root and admin_group members everything, members of
 * the socket's group (or admin_group) what applications do. Returns 0, or a
 * negative errno when the kernel does not say (then it may do nothing).
 */
int gw_ctl_peer_get(int fd, const struct gw_ctl_access *acc, struct gw_ctl_peer *peer);

/* One sentence: why peer may not make the request cmd (for its error line). */
void gw_ctl_peer_refusal(const struct gw_ctl_access *acc, const struct gw_ctl_peer *peer,
			 const char *cmd, char *buf, size_t len);

#endif
