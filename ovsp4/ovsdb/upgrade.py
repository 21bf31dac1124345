"""Upgrading an Open_vSwitch database to the schema with the P4 records.

Online (the server keeps running; its clients, ovs-vswitchd included,
resynchronise by themselves): the ``convert`` JSON-RPC method that
``ovsdb-client convert`` sends.  Offline (the server is stopped):
``ovsdb-tool convert`` on the file, after a backup copy beside it (as
OVS's ``ovs-ctl`` does).  Either way the new schema is the database's own
schema (without any earlier P4 revision) plus the overlay, unless a base
schema is given (to take an OVS upgrade along): nothing in the database is
lost, since every table and column it has stays.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ovsp4.ovsdb import schema as p4schema
from ovsp4.ovsdb.db import DbError, fetch_schema, rpc
from ovsp4.ovsdb.paths import find_ovs_program


@dataclass(frozen=True)
class UpgradeResult:
    old_version: str
    new_version: str
    changed: bool
    backup: Path | None = None

    def describe(self, what: str) -> str:
        if not self.changed:
            return f"{what}: already has the P4 records (schema {self.old_version})"
        text = f"{what}: upgraded from schema {self.old_version} to {self.new_version}"
        if self.backup is not None:
            text += f" (backup: {self.backup})"
        return text


def target_schema(current: dict[str, Any], base: dict[str, Any] | None = None
                  ) -> dict[str, Any]:
    return p4schema.extend(base if base is not None else current)


def _missing(current: dict[str, Any], target: dict[str, Any]) -> list[str]:
    """Tables and columns of ``current`` that ``target`` would drop."""
    lost = []
    for table, spec in current.get("tables", {}).items():
        if table not in target["tables"]:
            lost.append(table)
            continue
        for column in spec.get("columns", {}):
            if column not in target["tables"][table]["columns"]:
                lost.append(f"{table}.{column}")
    return lost


def _check_nothing_lost(current: dict[str, Any], target: dict[str, Any], force: bool) -> None:
    lost = _missing(current, target)
    if lost and not force:
        raise DbError(
            "the base schema lacks what the database has: " + ", ".join(lost[:8])
            + (" ..." if len(lost) > 8 else "") + " (--force drops them)")


def upgrade_online(remote: str, base: dict[str, Any] | None = None, *, timeout: float = 30.0,
                   force: bool = False) -> UpgradeResult:
    current = fetch_schema(remote, timeout)
    target = target_schema(current, base)
    old = current.get("version", "?")
    if _up_to_date(current, base):
        return UpgradeResult(old, old, False)
    _check_nothing_lost(current, target, force)
    rpc(remote, "convert", [p4schema.DB_NAME, target], timeout)
    return UpgradeResult(old, target["version"], True)


def upgrade_file(db_file: str | Path, base: dict[str, Any] | None = None, *,
                 ovs_bindir: str | Path | None = None, force: bool = False,
                 backup: bool = True) -> UpgradeResult:
    db_file = Path(db_file)
    current = p4schema.read_db_schema(db_file)
    target = target_schema(current, base)
    old = current.get("version", "?")
    if _up_to_date(current, base):
        return UpgradeResult(old, old, False)
    _check_nothing_lost(current, target, force)
    tool = find_ovs_program("ovsdb-tool", ovs_bindir)
    saved = None
    if backup:
        saved = db_file.with_name(f"{db_file.name}.backup{old}")
        shutil.copy2(db_file, saved)
    with tempfile.TemporaryDirectory() as tmp:
        schema_file = Path(tmp) / "vswitch-p4.ovsschema"
        p4schema.write_schema(target, schema_file)
        r = subprocess.run([str(tool), "convert", str(db_file), str(schema_file)],
                           capture_output=True, text=True, check=False)
    if r.returncode:
        msg = (r.stderr or r.stdout).strip().splitlines()
        raise DbError(f"{db_file}: ovsdb-tool convert failed: "
                      f"{msg[-1] if msg else r.returncode}")
    return UpgradeResult(old, target["version"], True, saved)


def _up_to_date(current: dict[str, Any], base: dict[str, Any] | None) -> bool:
    """The database has this overlay's revision and no other base was asked
    for."""
    return base is None and p4schema.p4_revision(current) == p4schema.revision()
