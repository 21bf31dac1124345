#!/usr/bin/env python3
"""P4Runtime <-> control-protocol translation speed, without gRPC.

benchmarks/programs/p4rt_bench.p4's exact (48-bit MAC) and LPM (IPv4
routes) tables; every P4Runtime request is built and serialized before the
clock starts. Timed, in entries/s:

- write: parse a serialized WriteRequest of 1000 INSERTs (or DELETEs) and
  translate it into control WRITE requests, two ways: "objects", the
  message parsed first (``encode_write(WriteRequest.FromString(bytes))``,
  what a gRPC handler gets), and "raw", from its bytes
  (``encode_write_request(bytes)``, a handler without a request
  deserializer);
- read: convert the datapath's READ replies (taken from the simulator
  beforehand) into serialized ``p4.v1.Entity`` messages, and parse those
  into a ReadResponse, as the gRPC layer would get them.

Baselines in the same run: protobuf parsing alone, and the datapath
applying the translated requests in the simulator (what the translation is
added to). The targets of the server as a whole (BMv2's simple_switch_grpc
on this machine, the issue's figures) are printed beside.

    python benchmarks/p4runtime_translate_bench.py [--entries N]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from pathlib import Path

from ovsp4.compiler.backend.build import build_pipeline
from ovsp4.compiler.driver import compile_program
from ovsp4.control import protocol as cp
from ovsp4.p4runtime.translate import Translator
from ovsp4.proto import p4runtime_pb2
from ovsp4.sim.pipeline import Pipeline

PROGRAM = Path(__file__).resolve().parent / "programs" / "p4rt_bench.p4"
BATCH = 1000
TARGETS = {"write": 300e3, "read": 235e3, "delete": 400e3}
Update = p4runtime_pb2.Update


def ids(p4info: object) -> dict[str, int]:
    out = {}
    for kind in ("tables", "actions"):
        for o in getattr(p4info, kind):
            out[o.preamble.name] = o.preamble.id
    return out


def exact_entry(n: dict[str, int], i: int) -> p4runtime_pb2.Entity:
    e = p4runtime_pb2.Entity()
    te = e.table_entry
    te.table_id = n["I.mac_table"]
    te.match.add(field_id=1).exact.value = (0x020000000000 + i).to_bytes(6, "big")
    te.action.action.action_id = n["I.forward"]
    te.action.action.params.add(param_id=1, value=bytes([1 + i % 200]))
    return e


def lpm_entry(n: dict[str, int], i: int, rng: random.Random) -> p4runtime_pb2.Entity:
    plen = rng.choice((16, 20, 24, 24, 24, 28, 32))
    addr = (0x0A000000 + (i << 8)) & 0xFFFFFFFF
    addr &= ~((1 << (32 - plen)) - 1) & 0xFFFFFFFF
    e = p4runtime_pb2.Entity()
    te = e.table_entry
    te.table_id = n["I.route_table"]
    m = te.match.add(field_id=1)
    m.lpm.value = addr.to_bytes(4, "big")
    m.lpm.prefix_len = plen
    te.action.action.action_id = n["I.set_dmac"]
    te.action.action.params.add(param_id=1, value=(0x0800000000 + i).to_bytes(6, "big"))
    te.action.action.params.add(param_id=2, value=bytes([1 + i % 200]))
    return e


def requests(entities: list[p4runtime_pb2.Entity], op: int) -> list[bytes]:
    out = []
    for start in range(0, len(entities), BATCH):
        req = p4runtime_pb2.WriteRequest(device_id=1)
        req.election_id.low = 1
        for e in entities[start:start + BATCH]:
            req.updates.add(type=op, entity=e)
        out.append(req.SerializeToString())
    return out


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    """The best of a few runs, in CPU seconds of this process (the machines
    running this are shared: wall time measures the neighbours)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds / 1e3:9.1f}k/s"


def bench_writes(tr: Translator, pipe: Pipeline, name: str, raw: list[bytes], op: str,
                 n: int) -> None:
    parse = timed(lambda: [p4runtime_pb2.WriteRequest.FromString(r) for r in raw])

    def objects() -> None:
        for r in raw:
            plan = tr.encode_write(p4runtime_pb2.WriteRequest.FromString(r))
            plan.requests()

    def raws() -> None:
        for r in raw:
            _, plan = tr.encode_write_request(r)
            plan.requests()

    t_obj = timed(objects)
    t_raw = timed(raws)
    # What the datapath then does with them (the simulator, in process).
    reqs = []
    for r in raw:
        _, plan = tr.encode_write_request(r)
        reqs += plan.requests()

    def apply() -> None:
        for req in reqs:
            reply = pipe.control(req)
            _, st = cp.write_reply_statuses(reply)
            assert st is not None and not any(st), "the datapath refused an update"

    t_dp = timed(apply, 1)
    target = TARGETS["write" if op == "insert" else "delete"]
    print(f"{name:6} {op:6} parse only {rate(n, parse)}   parse+translate+encode: "
          f"objects {rate(n, t_obj)}, raw {rate(n, t_raw)}   datapath {rate(n, t_dp)}   "
          f"(server target {target / 1e3:.0f}k/s)")


def bench_reads(tr: Translator, pipe: Pipeline, name: str, table_id: int, n: int) -> None:
    entity = p4runtime_pb2.Entity()
    entity.table_entry.table_id = table_id
    (q,) = tr.read_queries(entity)
    replies = []
    cursor: tuple[int, int] | None = (0, 0)
    t_dp = time.process_time()
    while cursor is not None:
        reply = pipe.control(tr.reader.request_bytes(q, cursor))
        replies.append(reply)
        more = reply[-17]
        cursor = cp.struct.unpack_from("<QQ", reply, len(reply) - 16) if more else None
    t_dp = time.process_time() - t_dp
    got = 0

    def convert() -> None:
        nonlocal got
        got = 0
        for reply in replies:
            out, _ = tr.reader.reply(q, reply)
            got += len(out)

    def convert_and_parse() -> None:
        for reply in replies:
            out, _ = tr.reader.reply(q, reply)
            p4runtime_pb2.ReadResponse.FromString(_response(out))

    t_conv = timed(convert)
    assert got == n, f"read {got} of {n} entries"
    t_both = timed(convert_and_parse)
    print(f"{name:6} read   convert {rate(n, t_conv)}   convert+ReadResponse {rate(n, t_both)}"
          f"   datapath {rate(n, t_dp)}   (server target {TARGETS['read'] / 1e3:.0f}k/s)")


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _response(entities: list[bytes]) -> bytes:
    """A ReadResponse's bytes: field 1, repeated."""
    return b"".join(b"\x0a" + _varint(len(e)) + e for e in entities)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=100_000)
    args = ap.parse_args()
    n = args.entries
    compiled = compile_program(PROGRAM)
    so = build_pipeline(compiled)
    names = ids(compiled.p4info)
    rng = random.Random(1)
    exact = [exact_entry(names, i) for i in range(n)]
    seen: set[tuple[bytes, int]] = set()
    lpm: list[p4runtime_pb2.Entity] = []
    i = 0
    while len(lpm) < n:
        e = lpm_entry(names, i, rng)
        m = e.table_entry.match[0].lpm
        if (m.value, m.prefix_len) not in seen:
            seen.add((m.value, m.prefix_len))
            lpm.append(e)
        i += 1
    print(f"{n} entries per table, WriteRequests of {BATCH}; "
          f"{PROGRAM.relative_to(PROGRAM.parents[2])}")
    with Pipeline(so) as pipe:
        tr = Translator(compiled.p4info)
        for name, entities, table in (("exact", exact, "I.mac_table"),
                                      ("lpm", lpm, "I.route_table")):
            bench_writes(tr, pipe, name, requests(entities, Update.INSERT), "insert", n)
            bench_reads(tr, pipe, name, names[table], n)
            bench_writes(tr, pipe, name, requests(entities, Update.DELETE), "delete", n)


if __name__ == "__main__":
    main()
