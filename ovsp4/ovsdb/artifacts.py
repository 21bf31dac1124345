"""Pipeline artifacts next to the database, addressed by their content.

    $OVS_DBDIR/p4/<sha256>.so

A P4 bridge's ``other_config:p4-pipeline`` names the artifact of its
program (``P4_Program.artifact_sha256``), so what ovs-vswitchd loads
survives reboots and cache clean-ups as the database does.  ovs-vswitchd
copies the file before loading it, so an artifact may be replaced or
removed while in use.  Files are written under a temporary name and
renamed into place: a reader never sees a partial file.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from pathlib import Path

from ovsp4.ovsdb import paths

SUBDIR = "p4"
_NAME = re.compile(r"^([0-9a-f]{64})\.so$")


def artifact_dir(dbdir: str | Path | None = None) -> Path:
    return Path(dbdir) / SUBDIR if dbdir is not None else paths.dbdir() / SUBDIR


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def path_for(sha: str, directory: Path) -> Path:
    return directory / f"{sha}.so"


def store(so: str | Path, directory: Path) -> tuple[str, Path]:
    """Copies a pipeline .so into the store; returns (sha256, path)."""
    sha = sha256_file(so)
    final = path_for(sha, directory)
    if final.is_file() and sha256_file(final) == sha:
        # Left untouched: ovs-vswitchd reloads a pipeline whose file changed
        # (dev, inode, size, mtime), which would reset its forwarding state.
        # (A concurrent collect_garbage() could remove it before the
        # caller's transaction refers to it; `ovs-p4ctl sync` rebuilds it.)
        return sha, final
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{sha}.{os.getpid()}.tmp"
    shutil.copyfile(so, tmp)
    os.chmod(tmp, 0o644)
    os.replace(tmp, final)
    return sha, final


def present(sha: str, directory: Path) -> bool:
    """True when the artifact exists with the right contents."""
    path = path_for(sha, directory)
    try:
        return sha256_file(path) == sha
    except OSError:
        return False


def collect_garbage(directory: Path, keep: set[str], min_age: float = 300.0) -> list[Path]:
    """Removes the artifacts not in ``keep`` (digests) and older than
    ``min_age`` seconds (a concurrent ovs-p4ctl may have stored one that
    its transaction has not committed yet)."""
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(directory.iterdir())
    except FileNotFoundError:
        return removed
    for entry in entries:
        m = _NAME.match(entry.name)
        if not m or m.group(1) in keep:
            continue
        try:
            if now - entry.stat().st_mtime >= min_age:
                entry.unlink()
                removed.append(entry)
        except FileNotFoundError:
            pass
    return removed
