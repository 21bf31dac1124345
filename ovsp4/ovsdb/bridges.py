"""P4 bridges and their ports in OVSDB: the transactions of ovs-p4ctl.

Each function is one OVSDB transaction (retried on a concurrent change) and
checks what it can beforehand, so that errors read as one line about the
user's objects rather than as a server constraint violation.  With
``wait``, it returns once ovs-vswitchd has applied the change.

What a P4 bridge is in the database (see Documentation/management.md):

    Open_vSwitch.bridges -> Bridge  name, datapath_type=p4,
                                    other_config:p4-pipeline=<artifact .so>,
                                    external_ids:p4-device-id, p4-program,
                                    ports -> Port -> Interface (ofport_request
                                    = P4 port number), p4 -> P4_Bridge
    P4_Bridge   device_id (unique), program -> P4_Program, p4runtime_address,
                bridge (weak, back to the Bridge)
    P4_Program  name, source, defines, arch, p4info, compiler, artifact_sha256
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ovsp4.ovsdb import records as rec
from ovsp4.ovsdb.db import Database, DbError, Row, Txn

MAX_V1MODEL_PORT = 510  # 511 is v1model's drop port
MAX_PORT = 65279        # ofports above are reserved


@dataclass(frozen=True)
class ProgramRecord:
    """A compiled program to store in P4_Program."""

    name: str
    source: str
    arch: str
    p4info: str
    compiler: str
    artifact_sha256: str
    defines: dict[str, str] = field(default_factory=dict)
    external_ids: dict[str, str] = field(default_factory=dict)


def _insert_program(txn: Txn, program: ProgramRecord) -> Row:
    row = txn.insert("P4_Program")
    row.name = program.name
    row.source = program.source
    row.defines = dict(program.defines)
    row.arch = program.arch
    row.p4info = program.p4info
    row.compiler = program.compiler
    row.artifact_sha256 = program.artifact_sha256
    row.external_ids = dict(program.external_ids)
    return row


def _bridge_row(db: Database, name: str, *, p4: bool = True) -> Row:
    row = rec.bridge_row(db, name)
    if row is None:
        raise DbError(f"no bridge named {name}")
    if p4 and row.datapath_type != rec.P4_DATAPATH_TYPE:
        raise DbError(f"{name} is not a P4 bridge (datapath_type: "
                      f"{row.datapath_type or 'system'})")
    return row


def free_device_id(db: Database) -> int:
    used = rec.device_ids(db)
    n = 1
    while n in used:
        n += 1
    return n


def add_bridge(db: Database, name: str, program: ProgramRecord | None, pipeline: str | None, *,
               device_id: int | None = None, p4runtime_address: str | None = None,
               cpu_port: int | None = None, wait: bool = True) -> int:
    """Creates the P4 bridge ``name`` running ``program`` (artifact at
    ``pipeline``); returns its device id."""
    chosen: list[int] = []

    def build(txn: Txn) -> None:
        if rec.bridge_row(db, name) is not None:
            raise DbError(f"a bridge named {name} already exists")
        owner = rec.port_owner(db, name)
        if owner is not None:
            raise DbError(f"cannot create a bridge named {name} because a port named "
                          f"{name} already exists on bridge {owner}")
        ids = rec.device_ids(db)
        dev = device_id if device_id is not None else free_device_id(db)
        if dev in ids:
            raise DbError(f"device id {dev} is already used by bridge {ids[dev]}")
        chosen[:] = [dev]
        iface = txn.insert("Interface")
        iface.name = name
        iface.type = "internal"
        port = txn.insert("Port")
        port.name = name
        port.interfaces = [iface]
        br = txn.insert("Bridge")
        br.name = name
        br.datapath_type = rec.P4_DATAPATH_TYPE
        br.ports = [port]
        other = {}
        if pipeline is not None:
            other[rec.PIPELINE_KEY] = pipeline
        if cpu_port is not None:
            other[rec.CPU_PORT_KEY] = str(cpu_port)
        br.other_config = other
        ext = {rec.DEVICE_ID_KEY: str(dev)}
        if program is not None:
            ext[rec.PROGRAM_KEY] = program.name
        br.external_ids = ext
        p4 = txn.insert("P4_Bridge")
        p4.bridge = br
        p4.device_id = dev
        if program is not None:
            p4.program = _insert_program(txn, program)
        if p4runtime_address:
            p4.p4runtime_address = p4runtime_address
        br.p4 = p4
        root = db.root()
        root.verify("bridges")  # the device id was chosen from them: TRY_AGAIN if they change
        root.addvalue("bridges", br)
        txn.comment(f"ovs-p4ctl: add-br {name}")

    db.transact(build, wait=wait)
    return chosen[0]


def del_bridge(db: Database, name: str, *, wait: bool = True) -> None:
    """Deletes a P4 bridge; its ports and P4 records go with it (garbage
    collection of the non-root tables)."""

    def build(txn: Txn) -> None:
        row = _bridge_row(db, name)
        db.root().delvalue("bridges", row)
        row.delete()
        txn.comment(f"ovs-p4ctl: del-br {name}")

    db.transact(build, wait=wait)


def _used_ports(row: Row) -> dict[int, str]:
    used: dict[int, str] = {}
    for port in row.ports:
        for iface in port.interfaces:
            for n in (rec.opt(iface.ofport_request), rec.opt(iface.ofport)):
                if n not in (None, -1, rec.LOCAL_OFPORT):
                    used[n] = iface.name
    return used


def add_port(db: Database, bridge: str, iface_name: str, *, port_id: int | None = None,
             iface_type: str | None = None, options: dict[str, str] | None = None,
             wait: bool = True) -> int:
    """Adds interface ``iface_name`` to a P4 bridge as P4 port ``port_id``
    (ofport_request; the smallest free one if None); returns the port id."""
    chosen: list[int] = []
    if port_id is not None and not 1 <= port_id <= MAX_PORT:
        raise DbError(f"port id {port_id} is out of range (1 to {MAX_PORT})")

    def build(txn: Txn) -> None:
        row = _bridge_row(db, bridge)
        owner = rec.port_owner(db, iface_name)
        if owner is not None:
            raise DbError(f"cannot create an interface named {iface_name} because a port "
                          f"named {iface_name} already exists on bridge {owner}")
        used = _used_ports(row)
        if port_id is not None:
            if port_id in used:
                raise DbError(f"P4 port {port_id} of {bridge} is already used by "
                              f"{used[port_id]}")
            n = port_id
        else:
            n = next((i for i in range(1, MAX_V1MODEL_PORT + 1) if i not in used), 0)
            if not n:
                raise DbError(f"{bridge} has no free P4 port number below 511")
        chosen[:] = [n]
        iface = txn.insert("Interface")
        iface.name = iface_name
        if iface_type and iface_type != "system":
            iface.type = iface_type
        iface.ofport_request = n
        if options:
            iface.options = dict(options)
        port = txn.insert("Port")
        port.name = iface_name
        port.interfaces = [iface]
        row.verify("ports")  # the port id was chosen from them
        row.addvalue("ports", port)
        txn.comment(f"ovs-p4ctl: add-port {bridge} {iface_name}")

    db.transact(build, wait=wait)
    return chosen[0]


def del_port(db: Database, bridge: str, name: str, *, wait: bool = True) -> None:
    def build(txn: Txn) -> None:
        row = _bridge_row(db, bridge)
        for port in row.ports:
            if port.name == name and port.name != bridge:
                row.delvalue("ports", port)
                port.delete()
                txn.comment(f"ovs-p4ctl: del-port {bridge} {name}")
                return
        owner = rec.port_owner(db, name)
        where = f" (it is on bridge {owner})" if owner else ""
        raise DbError(f"bridge {bridge} has no port named {name}{where}")

    db.transact(build, wait=wait)


def set_program(db: Database, bridge: str, program: ProgramRecord, pipeline: str, *,
                wait: bool = True, reload: bool = False, comment: str | None = None) -> None:
    """Makes a P4 bridge run ``program``: one transaction replaces the
    P4_Program (the old one is garbage-collected) and points
    ``other_config:p4-pipeline`` at the new artifact, which ovs-vswitchd
    loads and swaps in without stopping traffic.  ``reload`` bumps
    ``other_config:p4-generation`` so that ovs-vswitchd loads a fresh
    instance (empty tables) even when the artifact is the running one."""

    def build(txn: Txn) -> None:
        row = _bridge_row(db, bridge)
        p4 = _p4_record(db, txn, row)
        p4.program = _insert_program(txn, program)
        row.setkey("other_config", rec.PIPELINE_KEY, pipeline)
        if reload:
            generation = row.other_config.get(rec.GENERATION_KEY, "0")
            row.setkey("other_config", rec.GENERATION_KEY,
                       str(int(generation) + 1 if generation.isdigit() else 1))
        row.setkey("external_ids", rec.PROGRAM_KEY, program.name)
        txn.comment(comment or f"ovs-p4ctl: set-pipe {bridge} {program.name}")

    db.transact(build, wait=wait)


def _p4_record(db: Database, txn: Txn, row: Row) -> Row:
    """The bridge's P4_Bridge, created for a bridge made by ovs-vsctl."""
    p4 = rec.opt(row.p4)
    if p4 is not None:
        return p4
    dev = free_device_id(db)
    p4 = txn.insert("P4_Bridge")
    p4.bridge = row
    p4.device_id = dev
    row.p4 = p4
    row.setkey("external_ids", rec.DEVICE_ID_KEY, str(dev))
    return p4


def unload_pipeline(db: Database, bridge: str, *, wait: bool = True) -> None:
    """Removes ``other_config:p4-pipeline``: ovs-vswitchd unloads the
    pipeline (the bridge drops what it receives)."""

    def build(txn: Txn) -> None:
        row = _bridge_row(db, bridge)
        row.delkey("other_config", rec.PIPELINE_KEY)

    db.transact(build, wait=wait)


def set_pipeline(db: Database, bridge: str, pipeline: str, *, artifact_sha256: str | None = None,
                 wait: bool = True) -> None:
    """Points the bridge at an artifact (and records its digest in the
    bridge's P4_Program, after a rebuild)."""

    def build(txn: Txn) -> None:
        row = _bridge_row(db, bridge)
        row.setkey("other_config", rec.PIPELINE_KEY, pipeline)
        if artifact_sha256 is not None:
            p4 = rec.opt(row.p4)
            program = rec.opt(p4.program) if p4 is not None else None
            if program is not None:
                program.artifact_sha256 = artifact_sha256

    db.transact(build, wait=wait)
