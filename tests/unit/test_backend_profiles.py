"""Objects the control plane fills, seen from generated code: action
profile members, action selector groups (the member chosen by the hash of
the selector fields), parser value sets, direct counters and meters
(tests/programs/backend/profiles.p4)."""

from __future__ import annotations

import struct

import pytest
from bmv2_hashes import crc16 as crc16_arc
from test_backend_support import Switch

from ovsp4.control import protocol as proto


def pkt(kind: int, key: int, flow: int = 0) -> bytes:
    return struct.pack("!BHIBBB", kind, key, flow, 0, 0, 0)


def fields(data: bytes) -> dict[str, int]:
    kind, key, flow, res, color, vs = struct.unpack("!BHIBBB", data[:10])
    return {"out": res, "color": color, "vs": vs}


@pytest.fixture
def sw() -> Switch:
    with Switch("profiles.p4") as s:
        yield s


def _members(sw: Switch, profile: str) -> int:
    pid = sw.object_id("action_profiles", profile)
    set_out = sw.action_id("I.set_out")
    sw.client.insert_member(pid, 1, proto.Action.direct(set_out, [(1, b"\x11"), (2, b"\x00\x02")]))
    sw.client.insert_member(pid, 2, proto.Action.direct(set_out, [(1, b"\x22"), (2, b"\x00\x03")]))
    return pid


def test_action_profile_members(sw: Switch) -> None:
    _members(sw, "I.prof")
    table = sw.table_id("I.prof")
    for key, member in ((5, 1), (6, 2)):
        entry = proto.TableEntry(
            table,
            [proto.FieldMatch.exact(1, key.to_bytes(2, "big"))],
            action=proto.Action.member(member),
        )
        sw.client.insert_entries([entry])
    (o,) = sw.send(0, pkt(1, 5))
    assert (o.port, fields(o.data)["out"]) == (2, 0x11)
    (o,) = sw.send(0, pkt(1, 6))
    assert (o.port, fields(o.data)["out"]) == (3, 0x22)
    (o,) = sw.send(0, pkt(1, 7))  # miss: the default NoAction
    assert (o.port, fields(o.data)["out"]) == (1, 0)


def test_action_selector_picks_a_member_by_hash(sw: Switch) -> None:
    pid = _members(sw, "I.sel")
    sw.client.insert_group(pid, 10, [1, 2])
    sw.client.insert_group(pid, 11, [])
    table = sw.table_id("I.sel")
    for key, group in ((7, 10), (8, 11)):
        entry = proto.TableEntry(
            table,
            [proto.FieldMatch.exact(1, key.to_bytes(2, "big"))],
            action=proto.Action.group(group),
        )
        sw.client.insert_entries([entry])
    seen = set()
    for flow in range(0, 4000, 97):
        (o,) = sw.send(0, pkt(2, 7, flow))
        member = 1 + crc16_arc(flow.to_bytes(4, "big")) % 2
        assert fields(o.data)["out"] == (0x11 if member == 1 else 0x22)
        seen.add(member)
    assert seen == {1, 2}
    (o,) = sw.send(0, pkt(2, 8, 1))  # an empty group: as a miss
    assert (o.port, fields(o.data)["out"]) == (1, 0)


def test_value_set_in_a_select(sw: Switch) -> None:
    (o,) = sw.send(0, pkt(0, 0x0800))
    assert fields(o.data)["vs"] == 0
    vs = sw.object_id("value_sets", "P.special")
    sw.client.write_value_set(vs, [[proto.FieldMatch.exact(1, b"\x08\x00")]])
    (o,) = sw.send(0, pkt(0, 0x0800))
    assert fields(o.data)["vs"] == 1
    (o,) = sw.send(0, pkt(0, 0x0806))
    assert fields(o.data)["vs"] == 0


def test_direct_counter_and_meter(sw: Switch) -> None:
    table = sw.table_id("I.counted")
    action = sw.action_id("I.count_it")
    key = [proto.FieldMatch.lpm(1, b"\x12\x00", 8)]
    entry = proto.TableEntry(table, key, action=proto.Action.direct(action, [(1, b"\x33")]))
    sw.client.insert_entries([entry])
    for _ in range(3):
        (o,) = sw.send(0, pkt(3, 0x1234))
        assert fields(o.data)["out"] == 0x33
        assert fields(o.data)["color"] == 0  # no meter configuration: green
    sw.send(0, pkt(3, 0x9999))  # a miss counts nothing
    (counted,) = sw.client.read_direct_counters(table)
    assert (counted.counter.packets, counted.counter.bytes) == (3, 3 * 10)
    sw.client.set_direct_meter(proto.TableEntry(table, key), proto.MeterConfig(1, 1, 1, 1))
    colors = [fields(sw.send(0, pkt(3, 0x1234))[0].data)["color"] for _ in range(3)]
    assert colors[0] == 0 and colors[-1] == 2
