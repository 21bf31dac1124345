"""v1model externs in generated code: registers, counters, meters, hash
and checksum packing, random, truncate, mark_to_drop, log_msg, assert,
digest (tests/programs/backend/externs.p4)."""

from __future__ import annotations

import struct
import zlib

import pytest
from bmv2_hashes import crc16 as crc16_arc
from test_backend_support import Switch

from ovsp4.control import protocol as proto


def csum16(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def xor16(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    out = 0
    for (w,) in struct.iter_unpack("!H", data):
        out ^= w
    return out


def op(code: int, index: int, value: int) -> bytes:
    return struct.pack("!BBI", code, index, value)


def results(data: bytes) -> dict[str, int]:
    names = ["reg", "crc16", "crc32", "csum", "xor16", "ident", "rnd", "color", "hashmod"]
    values = struct.unpack("!IHIHHHBBH", data[6 : 6 + 23])
    return dict(zip(names, values, strict=True))


@pytest.fixture
def sw() -> Switch:
    with Switch("externs.p4") as s:
        yield s


def test_registers_persist_across_packets(sw: Switch) -> None:
    sw.send(0, op(1, 3, 1000))
    sw.send(0, op(2, 3, 234))
    (out,) = sw.send(0, op(0, 3, 0))
    assert results(out.data)["reg"] == 1234
    reg = sw.object_id("registers", "I.regs")
    cells = sw.client.read_register(reg, 3)
    assert proto.value_int(cells[0].value) == 1234


def test_hash_algorithms_pack_fields_bitwise(sw: Switch) -> None:
    for value, index in [(0, 0), (0x12345678, 9), (0xFFFFFFFF, 255)]:
        (out,) = sw.send(0, op(0, index, value))
        r = results(out.data)
        packed = struct.pack("!IB", value, index)
        assert r["crc16"] == crc16_arc(packed)
        assert r["crc32"] == zlib.crc32(packed)
        assert r["csum"] == csum16(packed)
        assert r["xor16"] == xor16(packed)
        assert r["ident"] == value & 0xFFFF
        assert r["hashmod"] == 100 + crc16_arc(packed) % 7


def test_random_stays_in_range(sw: Switch) -> None:
    seen = set()
    for i in range(200):
        (out,) = sw.send(0, op(0, i % 16, i))
        seen.add(results(out.data)["rnd"])
    assert seen <= set(range(10, 21))
    assert len(seen) > 5


def test_counters_count_packets_and_bytes(sw: Switch) -> None:
    pkt = op(0, 5, 0) + b"payload"
    for _ in range(3):
        sw.send(0, pkt)
    counter = sw.object_id("counters", "I.pkts")
    (cell,) = sw.client.read_counter(counter, 5)
    assert (cell.data.packets, cell.data.bytes) == (3, 3 * len(pkt))


def test_unconfigured_meter_is_green(sw: Switch) -> None:
    (out,) = sw.send(0, op(0, 1, 0))
    assert results(out.data)["color"] == 0


def test_truncate_and_mark_to_drop(sw: Switch) -> None:
    (out,) = sw.send(0, op(3, 0, 0) + b"x" * 40)
    assert len(out.data) == 8
    assert sw.send(0, op(7, 0, 0)) == []


def test_log_msg_assert_and_digest_events(sw: Switch) -> None:
    sw.send(0, op(4, 7, 99))
    sw.send(0, op(6, 0, 1))  # assert fails: logged, the packet goes on
    logs = [e for e in sw.events() if isinstance(e, proto.LogMessage)]
    text = " ".join(str(e) for e in logs)
    assert "op4 index=7 value=99" in text
    assert "assert failed" in text
    digest = sw.object_id("digests", "learn_t")
    sw.client.write([proto.Update(proto.Op.INSERT, proto.DigestConfig(digest, 0, 1, 0))])
    sw.send(0, op(5, 0x21, 0xCAFE))
    lists = [e for e in sw.events() if isinstance(e, proto.DigestList)]
    assert lists and lists[0].data == [bytes([0x21]) + (0xCAFE).to_bytes(4, "big")]
