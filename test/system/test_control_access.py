# SPDX-License-Identifier: BSD-3-Clause
"""Who may use the control socket: its mode and group, members of [control] group
doing what applications do but refused the requests that change the gateway,
members of [control] admin_group allowed them (and let in by the socket's ACL
without being in the group), and a user in neither refused a connection.

The users and groups are real, made for the test with names of their own and
removed on the way out, also on failure; their clients run as them under setpriv
(real credentials: the kernel's SO_PEERCRED and SO_PEERGROUPS are the judges).
"""

import atexit
import contextlib
import errno
import grp
import json
import os
import pwd
import stat
import subprocess

import gwlab

# One request a line in argv, one answer a line out; a refused connect prints its errno.
CLIENT = r"""
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print(json.dumps({"connect_errno": e.errno}))
    sys.exit(0)
f = s.makefile("rw")
for line in sys.argv[2:]:
    try:
        f.write(line + "\n")
        f.flush()
    except OSError:
        pass  # a refused client is closed at once: its one error line is still there to read
    print(f.readline().strip() or json.dumps({"closed": True}))
"""


@contextlib.contextmanager
def throwaway_accounts():
    """Groups member/admin and users member (in the control group), admin (in the
    admin group only) and other (in neither), unique names, deleted on exit."""
    tag = "igt" + gwlab.random_suffix(6).lower()
    groups = {"member": f"{tag}m", "admin": f"{tag}a", "other": f"{tag}o"}
    users = {k: f"{v}u" for k, v in groups.items()}

    def cleanup():
        for u in users.values():
            subprocess.run(["userdel", u], capture_output=True)
        for g in groups.values():
            subprocess.run(["groupdel", g], capture_output=True)

    atexit.register(cleanup)
    try:
        for g in groups.values():
            gwlab.run(["groupadd", g])
        for k, u in users.items():
            gwlab.run(["useradd", "-M", "-N", "-d", "/nonexistent", "-s", "/usr/sbin/nologin",
                       "-g", groups[k], u])
        yield groups, users
    finally:
        cleanup()


def as_user(user, path, *requests):
    """The answers to requests sent as user (its uid, gid and supplementary groups)."""
    lines = [json.dumps(r) for r in requests]
    out = gwlab.run(["setpriv", "--reuid", user, "--regid", str(pwd.getpwnam(user).pw_gid),
                     "--init-groups", "/usr/bin/python3", "-c", CLIENT, str(path)] + lines).stdout
    return [json.loads(line) for line in out.splitlines()]


def test_socket_mode_group_and_levels(lab, gateway):
    with throwaway_accounts() as (groups, users):
        gw = gateway(f"control.group={groups['member']}",
                     f"control.admin_group={groups['admin']}")
        path = gw.control_path
        # The directory must let the users reach the socket; the socket's mode decides.
        os.chmod(path.parent, 0o755)
        st = os.stat(path)
        assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o660, oct(st.st_mode)
        assert st.st_gid == grp.getgrnam(groups["member"]).gr_gid

        status, sel, log, groups_view, sub = as_user(
            users["member"], path, {"cmd": "status"},
            {"cmd": "select_outside", "port": "alt", "id": 7},
            {"cmd": "log_level", "level": "debug"}, {"cmd": "groups"},
            {"cmd": "subscribe", "events": ["query"]})
        assert status["ok"] and groups_view["ok"] and sub["ok"], (status, groups_view, sub)
        assert sel["ok"] is False and sel["id"] == 7, sel
        assert sel["error"].startswith("select_outside: permission denied"), sel
        assert groups["admin"] in sel["error"], sel
        assert log["ok"] is False and log["error"].startswith("log_level: permission denied"), log

        # The admin is not in the control group: the socket's ACL lets it in.
        (sel,) = as_user(users["admin"], path, {"cmd": "select_outside", "port": "alt"})
        assert sel == {"ok": True, "active_outside": "alt"}, sel

        (refused,) = as_user(users["other"], path, {"cmd": "status"})
        assert refused == {"connect_errno": errno.EACCES}, refused

        with gw.control() as c:  # root
            assert c.request("select_outside", port="outside")["ok"]
            ctl = c.request("stats")["control"]
        assert (ctl["requests_denied"], ctl["clients_denied"]) == (2, 0), ctl


def test_without_admin_group_only_root_changes_it(lab, gateway):
    with throwaway_accounts() as (groups, users):
        gw = gateway(f"control.group={groups['member']}")
        os.chmod(gw.control_path.parent, 0o755)
        status, sel = as_user(users["member"], gw.control_path, {"cmd": "status"},
                              {"cmd": "select_outside", "port": "alt"})
        assert status["ok"] and sel["ok"] is False, (status, sel)
        assert "only root may do" in sel["error"], sel
        # A mode changed by hand lets "other" open the file; the gateway still refuses it.
        os.chmod(gw.control_path, 0o666)
        (refused,) = as_user(users["other"], gw.control_path, {"cmd": "status"})
        assert refused["ok"] is False and "permission denied" in refused["error"], refused
        with gw.control() as c:
            ctl = c.request("stats")["control"]
        assert (ctl["requests_denied"], ctl["clients_denied"]) == (1, 1), ctl
