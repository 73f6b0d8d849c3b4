# SPDX-License-Identifier: BSD-3-Clause
"""What `meson install` lays down, installed into a temporary DESTDIR: the
programs, the client library with its header and pkg-config file (the example
reporter compiles against them as an application outside the tree would), the
example configuration, /etc/default/igmpgw and the systemd unit."""

import os
import re
import shutil
import subprocess

import pytest

import gwlab


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    dest = tmp_path_factory.mktemp("destdir")
    gwlab.run(["meson", "install", "-C", gwlab.BUILD, "--no-rebuild", "--quiet",
               "--destdir", dest], timeout=120)
    prefix = gwlab.run(["meson", "introspect", "--buildoptions", gwlab.BUILD]).stdout
    opts = {o["name"]: o["value"] for o in __import__("json").loads(prefix)}
    return dest, opts


def under(dest, path):
    return dest / str(path).lstrip("/")


def test_the_service_files_are_installed(installed):
    dest, opts = installed
    prefix = opts["prefix"]
    etc = os.path.join(prefix, opts["sysconfdir"])  # /etc under /usr, else PREFIX/etc
    conf = under(dest, f"{etc}/igmpgw/igmpgw.conf")
    assert conf.read_text() == (gwlab.ROOT / "config" / "proxy-special.conf").read_text()
    default = under(dest, f"{etc}/default/igmpgw").read_text()
    assert re.search(r'^EAL_ARGS=".+"$', default, re.M), default
    units = list(dest.rglob("igmpgw.service"))
    assert len(units) == 1, units
    unit = units[0].read_text()
    bindir = os.path.join(prefix, opts["bindir"])
    assert f"\nExecStart={bindir}/igmpgw $EAL_ARGS -- -f {etc}/igmpgw/igmpgw.conf" in unit
    assert f"\nExecReload={bindir}/igmpgwctl reload\n" in unit
    assert f"\nEnvironmentFile=-{etc}/default/igmpgw\n" in unit
    for key in ("Type=notify", "RuntimeDirectory=igmpgw", "Restart=on-failure",
                "Wants=dpdk.service", "WatchdogSec="):
        assert "\n" + key in unit, key
    for prog in ("igmpgw", "igmpgwctl", "igmpgw-decode"):
        assert os.access(under(dest, f"{bindir}/{prog}"), os.X_OK), prog


def test_the_example_reporter_compiles_against_the_installed_pkg_config(installed, tmp_path):
    dest, opts = installed
    pcs = list(dest.rglob("igmpgw-client.pc"))
    assert len(pcs) == 1, pcs
    env = dict(os.environ, PKG_CONFIG_PATH=str(pcs[0].parent), PKG_CONFIG_SYSROOT_DIR=str(dest))
    flags = gwlab.run(["pkg-config", "--cflags", "--libs", "igmpgw-client"], env=env).stdout.split()
    # The installed header, not the tree's: no -I into the source tree.
    assert not any(str(gwlab.ROOT) in f for f in flags), flags
    exe = tmp_path / "membership_reporter"
    cc = shutil.which("cc") or "gcc"
    gwlab.run([cc, "-Wall", "-Werror", "-o", exe, gwlab.ROOT / "examples" / "membership_reporter.c"]
              + flags, env=env, timeout=120)
    libdir = next(dest.rglob("libigmpgw_client.so")).parent
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10,
                         env=dict(os.environ, LD_LIBRARY_PATH=str(libdir)))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("membership_reporter "), out.stdout
    ldd = gwlab.run(["ldd", exe], env=dict(os.environ, LD_LIBRARY_PATH=str(libdir))).stdout
    assert str(libdir) in ldd, ldd  # linked with the installed library
