"""Where Open vSwitch keeps things, as its own tools find them.

The environment variables are OVS's (lib/dirs.c): ``OVS_RUNDIR`` (sockets,
pidfiles), ``OVS_DBDIR`` (the database; by default ``$OVS_SYSCONFDIR/
openvswitch``), ``OVS_LOGDIR``.  The defaults are those of ``make ovs``'s
build and of Debian's packages.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import ovsp4

DEFAULT_RUNDIR = "/var/run/openvswitch"
DEFAULT_SYSCONFDIR = "/etc"
DEFAULT_LOGDIR = "/var/log/openvswitch"


def rundir() -> Path:
    return Path(os.environ.get("OVS_RUNDIR") or DEFAULT_RUNDIR)


def dbdir() -> Path:
    if os.environ.get("OVS_DBDIR"):
        return Path(os.environ["OVS_DBDIR"])
    return Path(os.environ.get("OVS_SYSCONFDIR") or DEFAULT_SYSCONFDIR) / "openvswitch"


def logdir() -> Path:
    return Path(os.environ.get("OVS_LOGDIR") or DEFAULT_LOGDIR)


def default_remote() -> str:
    """ovs-vsctl's default database: unix:$OVS_RUNDIR/db.sock."""
    return f"unix:{rundir()}/db.sock"


def repo_dir() -> Path:
    return Path(ovsp4.__file__).resolve().parents[1]


def build_ovs_bindir() -> Path:
    """``make ovs``'s programs (``$OVSP4_BUILD/ovs/bin``, default ``build``)."""
    build = Path(os.environ.get("OVSP4_BUILD") or "build")
    if not build.is_absolute():
        build = repo_dir() / build
    return build / "ovs" / "bin"


def find_ovs_program(name: str, bindir: str | Path | None = None) -> Path:
    """An OVS program: from ``bindir`` if given, else this project's
    ``make ovs`` build, else ``PATH``."""
    if bindir is not None:
        candidates = [Path(bindir) / name]
    else:
        candidates = [build_ovs_bindir() / name]
        found = shutil.which(name)
        if found:
            candidates.append(Path(found))
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    where = f"in {bindir}" if bindir is not None else f"in {build_ovs_bindir()} or PATH"
    raise FileNotFoundError(f"{name} not found {where} (run 'make ovs')")
