"""Workloads of simulator_bench.py: pipelines, their table entries as
control-protocol requests, and their packets, written to files for the C
harness (pipeline_bench.c)."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

from ovsp4.compiler.backend.build import build_pipeline
from ovsp4.compiler.driver import compile_program
from ovsp4.control import protocol as p
from ovsp4.entities.index import P4InfoIndex
from ovsp4.entities.runtime_json import load_runtime_file
from ovsp4.p4runtime.translate import Translator

Route = tuple[int, int, bytes, int]  # prefix, length, next-hop MAC, port
BATCH = 1024  # updates per WRITE request


def _write_requests(path: Path, updates: list[p.Update]) -> None:
    with path.open("wb") as f:
        for i in range(0, len(updates), BATCH):
            f.write(p.encode(p.WriteRequest(updates[i : i + BATCH]), xid=i // BATCH + 1))


def _write_packets(path: Path, packets: list[tuple[int, bytes]]) -> None:
    with path.open("wb") as f:
        for port, data in packets:
            f.write(struct.pack("<HH", len(data), port) + data)


def _build(program: Path) -> tuple[Path, P4InfoIndex]:
    compiled = compile_program(program)
    return build_pipeline(compiled), P4InfoIndex(compiled.p4info)


def _big_basic(basic: Path, work: Path) -> Path:
    """basic.p4 with room for the routes: its ipv4_lpm declares size 1024,
    and tables hold what they declare. Nothing else changes."""
    text = basic.read_text()
    if "size = 1024;" not in text:
        raise SystemExit(f"{basic}: expected 'size = 1024;' in ipv4_lpm")
    big = work / "basic.p4"
    big.write_text(text.replace("size = 1024;", "size = 131072;"))
    return big


def _basic_routes(index: P4InfoIndex, routes: list[Route]) -> list[p.Update]:
    table = index.table("MyIngress.ipv4_lpm")
    forward = index.action("MyIngress.ipv4_forward", table)
    field = table.match_fields[0].id
    dst_param, port_param = (prm.id for prm in forward.params)
    updates = []
    for prefix, plen, mac, port in routes:
        action = p.Action(
            p.ActionKind.DIRECT,
            forward.preamble.id,
            [(dst_param, mac), (port_param, port.to_bytes(2, "big"))],
        )
        match = p.FieldMatch.lpm(field, prefix.to_bytes(4, "big"), plen)
        updates.append(p.Update(p.Op.INSERT, p.TableEntry(table.preamble.id, [match], 0, action)))
    return updates


def _runtime_updates(program: Path, runtime: Path) -> tuple[Path, list[p.Update]]:
    """A runtime file's P4Runtime updates as the control updates ovs-p4rtd
    would send."""
    compiled = compile_program(program)
    config = load_runtime_file(runtime, compiled.p4info)
    controls, errors = Translator(compiled.p4info).write_updates(config.updates)
    for label, err in zip(config.labels, errors, strict=True):
        if err is not None:
            raise SystemExit(f"{runtime}: {label}: {err}")
    updates = [u for ups in controls for u in ups or []]
    return build_pipeline(compiled), updates


def _tcp(dst_mac: bytes, src_ip: bytes, dst_ip: bytes, sport: int, dport: int) -> bytes:
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0, 64, 6, 0, src_ip, dst_ip)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 0x50, 0x02, 8192, 0, 0)
    return dst_mac + b"\x08\x00\x00\x00\x01\x11" + b"\x08\x00" + ip + tcp


def pipeline_workloads(
    work: Path, routes: list[Route], packets: list[tuple[int, bytes]], conformance: Path
) -> Iterator[tuple[str, Path, Path, Path]]:
    """(name, pipeline .so, control requests file, packets file) for each
    workload whose program is at hand."""
    tutorials = conformance / "tutorials"
    basic = tutorials / "basic" / "basic.p4"
    if basic.exists():
        so, index = _build(_big_basic(basic, work))
        _write_requests(work / "basic.ctl", _basic_routes(index, routes))
        yield ("basic.p4, 100k routes", so, work / "basic.ctl", work / "basic.pkts")
    firewall = tutorials / "firewall" / "firewall.p4"
    if firewall.exists():
        so, updates = _runtime_updates(firewall, firewall.parent / "pod-topo" / "s1-runtime.json")
        _write_requests(work / "firewall.ctl", updates)
        # Internal hosts (ports 1, 2) opening connections to external ones.
        pkts = [
            (1, _tcp(b"\x08\x00\x00\x00\x01\x00", bytes([10, 0, 1, 1]),
                     bytes([10, 0, 3, 3]), 1024 + i, 80))
            for i in range(1024)
        ]  # fmt: skip
        _write_packets(work / "firewall.pkts", pkts)
        yield ("firewall.p4, TCP out", so, work / "firewall.ctl", work / "firewall.pkts")
    tunnel = tutorials / "basic_tunnel" / "basic_tunnel.p4"
    if tunnel.exists():
        so, updates = _runtime_updates(tunnel, tunnel.parent / "s1-runtime.json")
        _write_requests(work / "tunnel.ctl", updates)
        pkts = []
        for i in range(1024):
            # myTunnel: proto_id 0x0800, dst_id 2, then IPv4 to h2.
            inner = _tcp(b"", bytes([10, 0, 1, 1]), bytes([10, 0, 2, 2]), 1024 + i, 80)[14:]
            frame = b"\x08\x00\x00\x00\x02\x00" + b"\x08\x00\x00\x00\x01\x11" + b"\x12\x12"
            pkts.append((1, frame + struct.pack("!HH", 0x0800, 2) + inner))
        _write_packets(work / "tunnel.pkts", pkts)
        yield ("basic_tunnel.p4, tunnelled", so, work / "tunnel.ctl", work / "tunnel.pkts")


def insert_workloads(
    work: Path, routes: list[Route], conformance: Path
) -> Iterator[tuple[str, Path, Path, int]]:
    """(name, pipeline, insert requests, entries): basic.p4's routes (LPM),
    and a million MACs into an exact-match table."""
    basic = conformance / "tutorials" / "basic" / "basic.p4"
    if basic.exists():
        so, index = _build(_big_basic(basic, work))
        updates = _basic_routes(index, routes)
        _write_requests(work / "insert-lpm.ctl", updates)
        yield "LPM (basic.p4, 100k routes)", so, work / "insert-lpm.ctl", len(updates)
    so, index = _build(Path(__file__).parent / "programs" / "l2fwd.p4")
    table = index.table("dmac")
    forward = index.action("forward", table)
    field = table.match_fields[0].id
    updates = []
    for i in range(1_000_000):
        mac = p.FieldMatch.exact(field, (0x020000000000 + i).to_bytes(6, "big"))
        action = p.Action(p.ActionKind.DIRECT, forward.preamble.id, [(1, bytes([0, i % 8]))])
        updates.append(p.Update(p.Op.INSERT, p.TableEntry(table.preamble.id, [mac], 0, action)))
    _write_requests(work / "insert-exact.ctl", updates)
    yield "exact (l2fwd.p4, 1M MACs)", so, work / "insert-exact.ctl", len(updates)
