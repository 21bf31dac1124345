"""The lookup hint (ovsp4/compiler/backend/hint.py) and the one-pass deparse
(templates/v1model.c.j2), on tests/programs/backend/hint.p4.

The hint parses a batch's packets, builds the key of the first table
ingress applies and prefetches the lookups: a prefetch may guess wrong,
but nothing a packet does may change -- outputs, direct counters -- which
the tests check against the same program without a hint (IMPURE_PARSER:
its parser logs, so it gets none), in batches of several prefetch chunks,
with keys the hint gets right and keys it gets wrong (KEY_META)."""

from __future__ import annotations

import random
import struct

import pytest
from test_backend_support import PROGRAMS, Switch

from ovsp4.compiler.backend import generate_c
from ovsp4.compiler.backend.hint import first_table, lookup_hint, pure
from ovsp4.compiler.driver import CompileOptions, compile_program
from ovsp4.control import protocol as proto

HINT = PROGRAMS / "hint.p4"
PAYLOAD = b"0123456789"


def source(**defines: object) -> str:
    opts = CompileOptions(defines=tuple((k, str(v)) for k, v in defines.items()))
    return generate_c(compile_program(HINT, opts))


def test_the_hint_is_generated_for_the_first_table() -> None:
    c = source()
    assert ".prefetch = v1_prefetch," in c
    # the table and the hint build their key with the same function
    assert c.count("key_I_routes(ctx, f, key);") == 1
    assert c.count("key_I_routes(&ctx, &fr, keys[i]);") == 1
    assert "the key of I.routes" in c  # the comment says what the hint is
    assert "ovsp4_table_prefetch(ctx.objs->tables[" in c


@pytest.mark.parametrize(
    "define",
    ["IMPURE_PARSER", "SUB_FIRST", "SMALL"],
    ids=["parser-with-side-effect", "sub-control-first", "small-table"],
)
def test_no_hint(define: str) -> None:
    c = source(**{define: 1})
    assert ".prefetch = NULL," in c
    assert "v1_prefetch" not in c


def test_what_is_pure() -> None:
    compiled = compile_program(HINT, CompileOptions(defines=(("IMPURE_PARSER", "1"),)))
    top = compiled.toplevel
    assert top is not None
    parser, ingress = top.main.children["p"], top.main.children["ig"]
    assert not pure(parser.decl)  # log_msg
    table = first_table(ingress)  # type: ignore[arg-type]
    assert table is not None and table.cp_name == "I.routes"
    compiled = compile_program(HINT)
    top = compiled.toplevel
    assert top is not None
    assert pure(top.main.children["p"].decl)


def test_hint_model_for_a_sub_control() -> None:
    from ovsp4.compiler.backend.program import ProgramGen

    compiled = compile_program(HINT, CompileOptions(defines=(("SUB_FIRST", "1"),)))
    prog = ProgramGen(compiled)
    main = prog.toplevel.main
    assert first_table(main.children["ig"]) is None  # type: ignore[arg-type]
    assert lookup_hint(prog, main.children["p"], main.children["ig"], ("hdr", "meta", "sm")) is None  # type: ignore[arg-type]


# -- packets ---------------------------------------------------------------------


def packet(rng: random.Random, dst: int) -> bytes:
    op = rng.choice([0, 0, 1, 2])
    ip = struct.pack("!IBB", dst, rng.randint(1, 255), op)
    eth = bytes(6) + bytes([2, 0, 0, 0, 0, 1])
    kind = rng.random()
    if kind < 0.5:
        frame = eth + b"\x08\x00" + ip
    elif kind < 0.8:
        frame = eth + b"\x81\x00" + struct.pack("!HH", 5, 0x0800) + ip
    elif kind < 0.9:
        frame = eth + b"\x08\x00" + ip[: rng.randint(0, 5)]  # too short: no ip
    else:
        frame = eth + b"\x86\xdd" + ip  # not ip
    return frame + PAYLOAD


def load_routes(sw: Switch, rng: random.Random, n: int) -> list[tuple[int, int]]:
    table = sw.table_id("I.routes")
    forward = sw.action_id("I.forward")
    routes: dict[tuple[int, int], None] = {}
    while len(routes) < n:
        plen = rng.choice([8, 16, 20, 24, 24, 24, 28, 32])
        prefix = rng.getrandbits(32) & ((0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF)
        routes[(prefix, plen)] = None
    entries = []
    for i, (prefix, plen) in enumerate(routes):
        action = proto.Action.direct(forward, [(1, (i % 8 + 1).to_bytes(2, "big")),
                                              (2, i.to_bytes(6, "big"))])  # fmt: skip
        match = proto.FieldMatch.lpm(1, prefix.to_bytes(4, "big"), plen)
        entries.append(proto.TableEntry(table, [match], action=action))
    sw.client.insert_entries(entries)
    return list(routes)


def traffic(routes: list[tuple[int, int]], rng: random.Random, n: int) -> list[tuple[int, bytes]]:
    pkts = []
    for _ in range(n):
        if rng.random() < 0.8:
            prefix, plen = rng.choice(routes)
            dst = prefix | (rng.getrandbits(32 - plen) if plen < 32 else 0)
        else:
            dst = rng.getrandbits(32)
        pkts.append((rng.randint(1, 8), packet(rng, dst)))
    return pkts


def run(defines: dict[str, object], batch: int) -> tuple[list[tuple[int, int, bytes]], list]:
    rng = random.Random(11)
    with Switch("hint.p4", defines) as sw:
        routes = load_routes(sw, rng, 3000)
        pkts = traffic(routes, rng, 1000)
        out = []
        for i in range(0, len(pkts), batch):
            out += [(i + o.input, o.port, o.data) for o in sw.pipeline.process(pkts[i : i + batch])]
        counters = sorted(
            (bytes(e.matches[0].value), e.matches[0].prefix_len, e.counter.packets, e.counter.bytes)
            for e in sw.client.read_direct_counters(sw.table_id("I.routes"))
            if e.counter is not None and e.counter.packets
        )
        return sorted(out), counters


@pytest.fixture(scope="module")
def reference() -> tuple[list[tuple[int, int, bytes]], list]:
    """The program without a hint, one packet at a time."""
    return run({"IMPURE_PARSER": 1}, 1)


@pytest.mark.parametrize("batch", [1, 7, 32, 100, 256])
@pytest.mark.parametrize("key", ["header", "stale-metadata"])
def test_the_hint_changes_nothing(reference: tuple, key: str, batch: int) -> None:
    defines: dict[str, object] = {"KEY_META": 1} if key == "stale-metadata" else {}
    outputs, counters = run(defines, batch)
    assert outputs == reference[0]
    assert counters == reference[1]
    assert len(outputs) > 400 and sum(c[2] for c in counters) == len(outputs)


# -- the one-pass deparse --------------------------------------------------------


@pytest.fixture(scope="module")
def one_route() -> Switch:
    with Switch("hint.p4") as sw:
        table = sw.table_id("I.routes")
        action = proto.Action.direct(sw.action_id("I.forward"), [(1, b"\x00\x03"),
                                                                 (2, b"\xaa" * 6)])  # fmt: skip
        match = proto.FieldMatch.lpm(1, b"\x0a\x00\x00\x00", 8)
        sw.client.insert_entries([proto.TableEntry(table, [match], action=action)])
        yield sw


def frame(op: int, tagged: bool, ttl: int = 9) -> bytes:
    ip = struct.pack("!IBB", 0x0A010203, ttl, op)
    eth_src = bytes([2, 0, 0, 0, 0, 1])
    if tagged:
        return bytes(6) + eth_src + b"\x81\x00" + struct.pack("!HH", 5, 0x0800) + ip + PAYLOAD
    return bytes(6) + eth_src + b"\x08\x00" + ip + PAYLOAD


@pytest.mark.parametrize(
    "op, tagged, out_tag",
    [
        (0, False, None),
        (0, True, 5),
        (1, False, 7),
        (2, True, None),
        (1, True, 5),
        (2, False, None),
    ],
    ids=["same", "same-tagged", "grow", "shrink", "grow-noop", "shrink-noop"],
)
def test_deparse_in_place(one_route: Switch, op: int, tagged: bool, out_tag: int | None) -> None:
    eth = b"\xaa" * 6 + bytes([2, 0, 0, 0, 0, 1])
    ip = struct.pack("!IBB", 0x0A010203, 8, op)
    if out_tag is None:
        expect = eth + b"\x08\x00" + ip + PAYLOAD
    else:
        expect = eth + b"\x81\x00" + struct.pack("!HH", out_tag, 0x0800) + ip + PAYLOAD
    # alone, and in a batch where every packet is the last use of its buffer
    (o,) = one_route.send(1, frame(op, tagged))
    assert (o.port, o.data) == (3, expect)
    outs = one_route.pipeline.process([(1, frame(op, tagged))] * 5)
    assert [(o.port, o.data) for o in outs] == [(3, expect)] * 5
