"""Typed, read-only views of the P4 records and the OVS rows around them.

A P4 bridge is a ``Bridge`` with ``datapath_type=p4``; when OvS.p4's tools
manage it, ``Bridge.p4`` refers to its ``P4_Bridge`` (device id, program,
P4Runtime address), which refers to its ``P4_Program``.  A P4 bridge made
with plain ``ovs-vsctl`` has no P4_Bridge (``managed`` is False).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from ovsp4.ovsdb.db import Database, DbError, Row

P4_DATAPATH_TYPE = "p4"
LOCAL_OFPORT = 65534

# Bridge keys: other_config is what ovs-vswitchd reads, external_ids what
# the P4 tools mirror there for ovs-vsctl users.
PIPELINE_KEY = "p4-pipeline"
CPU_PORT_KEY = "p4-cpu-port"
GENERATION_KEY = "p4-generation"   # changed: ovs-vswitchd loads a fresh instance
DEVICE_ID_KEY = "p4-device-id"
PROGRAM_KEY = "p4-program"


def opt(value: Any) -> Any:
    """The value of an optional (0..1) column, or None."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


@dataclass(frozen=True)
class Program:
    uuid: uuid.UUID
    name: str
    source: str
    defines: dict[str, str]
    arch: str
    p4info: str
    compiler: str
    artifact_sha256: str
    external_ids: dict[str, str]


@dataclass(frozen=True)
class Interface:
    name: str
    type: str
    ofport: int | None
    ofport_request: int | None
    admin_state: str | None
    link_state: str | None
    error: str | None
    mac_in_use: str | None
    statistics: dict[str, int]


@dataclass(frozen=True)
class Bridge:
    name: str
    uuid: uuid.UUID
    datapath_type: str
    other_config: dict[str, str]
    external_ids: dict[str, str]
    interfaces: list[Interface] = field(default_factory=list)
    managed: bool = False
    device_id: int | None = None
    p4runtime_address: str | None = None
    program: Program | None = None

    @property
    def is_p4(self) -> bool:
        return self.datapath_type == P4_DATAPATH_TYPE

    @property
    def pipeline(self) -> str | None:
        return self.other_config.get(PIPELINE_KEY)

    @property
    def p4_ports(self) -> list[Interface]:
        """Interfaces other than the bridge's local port, by P4 port number."""
        ports = [i for i in self.interfaces
                 if i.ofport != LOCAL_OFPORT and not (i.type == "internal" and i.name == self.name)]
        return sorted(ports, key=lambda i: (i.ofport or i.ofport_request or 1 << 30, i.name))


def program_view(row: Row) -> Program:
    return Program(row.uuid, row.name, row.source, dict(row.defines), row.arch, row.p4info,
                   row.compiler, row.artifact_sha256, dict(row.external_ids))


def interface_view(row: Row) -> Interface:
    ofport = opt(row.ofport)
    return Interface(
        name=row.name, type=row.type or "system",
        ofport=ofport if ofport not in (None, -1) else None,
        ofport_request=opt(row.ofport_request), admin_state=opt(row.admin_state),
        link_state=opt(row.link_state), error=opt(row.error), mac_in_use=opt(row.mac_in_use),
        statistics=dict(row.statistics))


def bridge_view(row: Row) -> Bridge:
    interfaces = [interface_view(i) for port in row.ports for i in port.interfaces]
    p4 = opt(row.p4) if hasattr(row, "p4") else None
    program = opt(p4.program) if p4 is not None else None
    return Bridge(
        name=row.name, uuid=row.uuid, datapath_type=row.datapath_type,
        other_config=dict(row.other_config), external_ids=dict(row.external_ids),
        interfaces=sorted(interfaces, key=lambda i: i.name),
        managed=p4 is not None,
        device_id=p4.device_id if p4 is not None else None,
        p4runtime_address=opt(p4.p4runtime_address) if p4 is not None else None,
        program=program_view(program) if program is not None else None)


def bridge_row(db: Database, name: str) -> Row | None:
    for row in db.rows("Bridge"):
        if row.name == name:
            return row
    return None


def bridge(db: Database, name: str) -> Bridge:
    row = bridge_row(db, name)
    if row is None:
        raise DbError(f"no bridge named {name}")
    return bridge_view(row)


def p4_bridge(db: Database, name: str) -> Bridge:
    """The P4 bridge ``name``; DbError if there is none."""
    br = bridge(db, name)
    if not br.is_p4:
        raise DbError(f"{name} is not a P4 bridge (datapath_type: {br.datapath_type or 'system'})")
    return br


def p4_bridges(db: Database) -> list[Bridge]:
    return sorted((bridge_view(r) for r in db.rows("Bridge")
                   if r.datapath_type == P4_DATAPATH_TYPE), key=lambda b: b.name)


def device_ids(db: Database) -> dict[int, str]:
    """Device id -> bridge name (or the P4_Bridge's uuid when it has none)."""
    out = {}
    for row in db.rows("P4_Bridge"):
        br = opt(row.bridge)
        out[row.device_id] = br.name if br is not None else str(row.uuid)
    return out


def port_owner(db: Database, name: str) -> str | None:
    """The bridge that has a port or interface named ``name``."""
    for br in db.rows("Bridge"):
        for port in br.ports:
            if port.name == name or any(i.name == name for i in port.interfaces):
                return br.name
    return None
