"""Control updates are safe against concurrent packet processing: packet
threads and a control thread hammer one generated pipeline at once
(tests/tools/hammer.c), and no packet ever sees a half-applied update."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest

from ovsp4.compiler.backend.build import build_pipeline, include_flags
from ovsp4.compiler.driver import compile_program
from ovsp4.control import protocol as p
from ovsp4.entities.index import P4InfoIndex

TESTS = Path(__file__).resolve().parents[1]
ROUTER = TESTS.parent / "examples" / "router" / "router.p4"
HAMMER = TESTS / "tools" / "hammer.c"

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")


def route(index: P4InfoIndex, r: int, variant: int) -> p.TableEntry:
    table = index.table("routes")
    forward = index.action("forward", table)
    mac = bytes([0x02 if variant == 1 else 0x04, 0, 0, 0, 0, r])
    port = (r % 8 + variant).to_bytes(2, "big")
    match = p.FieldMatch.lpm(table.match_fields[0].id, bytes([10, 0, r, 0]), 24)
    action = p.Action(p.ActionKind.DIRECT, forward.preamble.id, [(1, mac), (2, port)])
    return p.TableEntry(table.preamble.id, [match], 0, action)


def requests(index: P4InfoIndex) -> bytes:
    rng = random.Random(7)
    order = list(range(64))
    out = []
    for op, variant in ((p.Op.INSERT, 1), (p.Op.MODIFY, 2), (p.Op.DELETE, 2)):
        rng.shuffle(order)
        for r in order:
            update = p.Update(op, route(index, r, variant))
            out.append(p.encode(p.WriteRequest([update]), xid=len(out) + 1))
    return b"".join(out)


def test_packets_never_see_half_applied_updates(tmp_path: Path) -> None:
    compiled = compile_program(ROUTER)
    so = build_pipeline(compiled)
    reqs = tmp_path / "requests.bin"
    reqs.write_bytes(requests(P4InfoIndex(compiled.p4info)))
    exe = tmp_path / "hammer"
    subprocess.run(
        ["gcc", "-O2", "-std=gnu11", "-pthread", *include_flags(), str(HAMMER), "-ldl",
         "-o", str(exe)],
        check=True,
    )  # fmt: skip
    result = subprocess.run(
        [str(exe), str(so), str(reqs), "3", "2"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    counts = dict(kv.split("=") for kv in result.stdout.split())
    assert int(counts["inconsistent"]) == 0
    assert int(counts["control_failed"]) == 0
    assert int(counts["control_ops"]) >= 3 * 64
    assert int(counts["forwarded"]) > 1000  # routes were there, and used
    assert int(counts["dropped"]) > 1000  # and missing at times
