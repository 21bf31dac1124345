"""The P4Runtime translation (ovsp4/p4runtime/translate.py) against real
pipelines in the simulator: table entries of every match kind written,
read back and checked with packets, and every validation rule of the spec
with the gRPC code it prescribes. tests/programs/p4rt_tables.p4 has one of
everything; the P4 tutorials' runtime files run through it too.

Other objects (profiles, one-shots, counters, meters, registers, PRE, value
sets, digests, packet I/O) are in test_p4runtime_translate_objects.py; the
fast path against the slow one in test_p4runtime_translate_fastpath.py.
"""

from __future__ import annotations

import shutil

import pytest
from p4rt_translate_support import (
    PROGRAMS,
    Code,
    Entity,
    Switch,
    Update,
    canonical_entity,
    delete,
    insert,
    modify,
)

from ovsp4.control import protocol as cp
from ovsp4.proto import p4runtime_pb2

from conformance_data import TUTORIALS, requires_conformance

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")

PROGRAM = PROGRAMS / "p4rt_tables.p4"


@pytest.fixture
def sw() -> Switch:
    with Switch(PROGRAM) as s:
        yield s


def ctl(kind: int, a: int = 0, b: int = 0, vid: int = 0, mac: int = 0, wide: int = 0,
        res: int = 0) -> bytes:
    """A packet: ctl_t (the kind selects the table)."""
    return (bytes([kind]) + a.to_bytes(4, "big") + b.to_bytes(2, "big")
            + ((vid << 4) | 0).to_bytes(2, "big") + mac.to_bytes(6, "big")
            + wide.to_bytes(16, "big") + bytes([res, 0, 0]))


def res_of(data: bytes) -> int:
    return data[31]


# --- Tables: round trips and packets ------------------------------------------------


def test_exact_entry_round_trip_and_forwarding(sw: Switch) -> None:
    e = sw.entry("I.t_exact", [("exact", b"\x0a\x00\x00\x01"), ("exact", b"\x00\x50")],
                 "I.set_out_counted", [b"\x00\x03", b"\x2a"])
    sw.ok(insert(e))
    (got,) = sw.read(Entity(table_entry=p4runtime_pb2.TableEntry(table_id=sw["I.t_exact"])))
    # Read back canonical: b"\x00\x50" -> b"\x50", b"\x00\x03" -> b"\x03".
    assert got == canonical_entity(e)
    assert got.table_entry.match[1].exact.value == b"\x50"
    (out,) = sw.send(1, ctl(1, a=0x0A000001, b=0x50))
    assert out.port == 3 and res_of(out.data) == 0x2A
    assert sw.code(insert(e)) == Code.ALREADY_EXISTS
    e2 = sw.entry("I.t_exact", [("exact", b"\x0a\x00\x00\x01"), ("exact", b"\x50")],
                  "I.set_out_counted", [b"\x04", b"\x01"])
    sw.ok(modify(e2))
    (out,) = sw.send(1, ctl(1, a=0x0A000001, b=0x50))
    assert out.port == 4
    sw.ok(delete(e2))
    assert sw.read(Entity(table_entry=p4runtime_pb2.TableEntry(table_id=sw["I.t_exact"]))) == []
    assert sw.code(delete(e2)) == Code.NOT_FOUND
    assert sw.code(modify(e2)) == Code.NOT_FOUND


def test_lpm_entries_and_longest_prefix(sw: Switch) -> None:
    routes = [(b"\x0a", 8, 2), (b"\x0a\x01", 16, 3), (b"\x0a\x01\x02\x00", 24, 4)]
    for value, plen, port in routes:
        sw.ok(insert(sw.entry("I.t_lpm", [("lpm", value.ljust(4, b"\0"), plen)],
                              "I.set_out", [bytes([port]), b"\x01"])))
    got = sw.read(Entity(table_entry=p4runtime_pb2.TableEntry(table_id=sw["I.t_lpm"])))
    assert sorted((e.table_entry.match[0].lpm.value, e.table_entry.match[0].lpm.prefix_len)
                  for e in got) == [(b"\x0a\x00\x00\x00", 8), (b"\x0a\x01\x00\x00", 16),
                                    (b"\x0a\x01\x02\x00", 24)]
    for addr, port in ((0x0A010203, 4), (0x0A01FF00, 3), (0x0A020000, 2)):
        (out,) = sw.send(1, ctl(2, a=addr))
        assert out.port == port
    assert sw.send(1, ctl(2, a=0x0B000000)) == []        # the default action drops


def test_ternary_range_optional_entries(sw: Switch) -> None:
    mac = (0x0800000000AA).to_bytes(6, "big")
    hi = sw.entry("I.t_ternary", [("ternary", b"\x0a\x00\x00\x00", b"\xff\x00\x00\x00"),
                                  ("range", b"\x00\x10", b"\x00\x20"),
                                  ("optional", b"\x00\x05"), ("exact", mac)],
                  "I.set_out", [b"\x05", b"\x01"], priority=20)
    lo = sw.entry("I.t_ternary", [None, None, None, ("exact", mac)],
                  "I.set_out", [b"\x06", b"\x02"], priority=10)
    sw.ok(insert(hi), insert(lo))
    got = sw.read(Entity(table_entry=p4runtime_pb2.TableEntry(table_id=sw["I.t_ternary"])))
    assert sorted(g.SerializeToString() for g in got) == sorted(
        canonical_entity(x).SerializeToString() for x in (hi, lo))
    mac_i = int.from_bytes(mac, "big")
    (out,) = sw.send(1, ctl(3, a=0x0A123456, b=0x15, vid=5, mac=mac_i))
    assert out.port == 5
    (out,) = sw.send(1, ctl(3, a=0x0A123456, b=0x15, vid=6, mac=mac_i))   # optional misses
    assert out.port == 6
    (out,) = sw.send(1, ctl(3, a=0x0B123456, b=0x15, vid=5, mac=mac_i))   # ternary misses
    assert out.port == 6
    # Priority filters a wildcard read.
    got = sw.read(Entity(table_entry=p4runtime_pb2.TableEntry(table_id=sw["I.t_ternary"],
                                                              priority=10)))
    assert [g.table_entry.priority for g in got] == [10]
    # A read with the full key finds one entry; a key that is not there none.
    assert sw.read(hi) == [canonical_entity(hi)]
    other = sw.entry("I.t_ternary", [None, None, None, ("exact", mac)], priority=11)
    assert sw.read(other) == []


def test_wide_values_and_non_canonical_strings(sw: Switch) -> None:
    w = (1 << 127) | 0xABCD
    e = sw.entry("I.t_wide", [("lpm", w.to_bytes(16, "big"), 128)], "I.set_wide",
                 [(w - 1).to_bytes(17, "big"), b"\x00\x00\x0f\xff"])
    sw.ok(insert(e))
    (got,) = sw.read(Entity(table_entry=p4runtime_pb2.TableEntry(table_id=sw["I.t_wide"])))
    p = got.table_entry.action.action.params
    assert p[0].value == (w - 1).to_bytes(16, "big") and p[1].value == b"\x0f\xff"
    (out,) = sw.send(1, ctl(4, wide=w))
    assert int.from_bytes(out.data[15:31], "big") == w - 1


def test_default_entries(sw: Switch) -> None:
    t = sw["I.t_lpm"]
    dflt = Entity(table_entry=p4runtime_pb2.TableEntry(table_id=t, is_default_action=True))
    (got,) = sw.read(dflt)
    assert got.table_entry.action.action.action_id == sw["I.drop"]
    assert got.table_entry.is_default_action
    assert sw.send(1, ctl(2, a=1)) == []
    new = sw.entry("I.t_lpm", None, "I.set_out", [b"\x07", b"\x09"], is_default_action=True)
    sw.ok(modify(new))
    assert sw.read(dflt) == [canonical_entity(new)]
    (out,) = sw.send(1, ctl(2, a=1))
    assert out.port == 7
    sw.ok(modify(dflt))                                 # no action: reset
    assert sw.send(1, ctl(2, a=1)) == []
    # INSERT and DELETE of the default entry, a match, a priority: INVALID_ARGUMENT.
    assert sw.code(insert(new)) == Code.INVALID_ARGUMENT
    assert sw.code(delete(new)) == Code.INVALID_ARGUMENT
    bad = sw.entry("I.t_lpm", [("lpm", b"\x0a\0\0\0", 8)], "I.set_out", [b"\x07", b"\x09"],
                   is_default_action=True)
    assert sw.code(modify(bad)) == Code.INVALID_ARGUMENT
    bad = sw.entry("I.t_lpm", None, "I.set_out", [b"\x07", b"\x09"], is_default_action=True,
                   priority=3)
    assert sw.code(modify(bad)) == Code.INVALID_ARGUMENT
    bad = sw.entry("I.t_exact", None, "I.drop", is_default_action=True, idle_timeout_ns=10)
    assert sw.code(modify(bad)) == Code.INVALID_ARGUMENT
    # A const default action cannot change (spec "Default Entry").
    const = sw.entry("I.t_const", None, "I.set_out", [b"\x01", b"\x01"], is_default_action=True)
    assert sw.code(modify(const)) == Code.PERMISSION_DENIED
    # Action scopes: @tableonly cannot be the default, @defaultonly can only be.
    assert sw.code(modify(sw.entry("I.t_scope", None, "I.only_in_table", [b"\x01"],
                                   is_default_action=True))) == Code.PERMISSION_DENIED
    sw.ok(modify(sw.entry("I.t_scope", None, "I.only_default", [b"\x01"],
                          is_default_action=True)))
    assert sw.code(insert(sw.entry("I.t_scope", [("exact", b"\x01")], "I.only_default",
                                   [b"\x01"]))) == Code.PERMISSION_DENIED
    sw.ok(insert(sw.entry("I.t_scope", [("exact", b"\x01")], "I.only_in_table", [b"\x01"])))
    # An action profile table's default action is const NoAction.
    assert sw.code(modify(sw.entry("I.t_prof", None, "I.set_out", [b"\x01", b"\x01"],
                                   is_default_action=True))) == Code.PERMISSION_DENIED
    sw.ok(modify(Entity(table_entry=p4runtime_pb2.TableEntry(table_id=sw["I.t_prof"],
                                                             is_default_action=True))))


def test_keyless_table(sw: Switch) -> None:
    e = sw.entry("I.t_keyless", None, "I.set_out", [b"\x02", b"\x03"])
    assert sw.code(insert(e)) == Code.INVALID_ARGUMENT
    e.table_entry.is_default_action = True
    sw.ok(modify(e))
    (out,) = sw.send(1, ctl(8))
    assert out.port == 2 and res_of(out.data) == 3


def test_const_tables(sw: Switch) -> None:
    got = sw.read(Entity(table_entry=p4runtime_pb2.TableEntry(table_id=sw["I.t_const"])))
    assert len(got) == 2 and all(g.table_entry.is_const for g in got)
    keys = {g.table_entry.match[0].exact.value: g for g in got}
    assert keys[b"\x07"].table_entry.action.action.params[0].value == b"\x05"
    entry = sw.entry("I.t_const", [("exact", b"\x07")], "I.drop")
    assert sw.code(insert(sw.entry("I.t_const", [("exact", b"\x09")], "I.drop"))) \
        == Code.PERMISSION_DENIED
    assert sw.code(modify(entry)) == Code.PERMISSION_DENIED
    assert sw.code(delete(entry)) == Code.PERMISSION_DENIED
    # Priorities of a const table with ternary keys: the first entry's highest
    # (the datapath numbers them down from 2^24-1; p4c from the count).
    got = sw.read(Entity(table_entry=p4runtime_pb2.TableEntry(table_id=sw["I.t_const_ternary"])))
    by_prio = sorted(got, key=lambda g: -g.table_entry.priority)
    assert [len(g.table_entry.match) for g in by_prio] == [1, 0]
    assert all(g.table_entry.priority > 0 for g in got)
    # Every table's entries (table_id 0) include const tables'.
    assert len(sw.read(Entity(table_entry=p4runtime_pb2.TableEntry()))) == 4


# --- Tables: validation -------------------------------------------------------------


def _exact(sw: Switch, a: bytes = b"\x01", b: bytes = b"\x02", **kw: object) -> Entity:
    return sw.entry("I.t_exact", [("exact", a), ("exact", b)], "I.set_out_counted",
                    [b"\x01", b"\x02"], **kw)


def test_unknown_ids_and_update_types(sw: Switch) -> None:
    e = _exact(sw)
    e.table_entry.table_id = 0x02FFFFFF
    assert sw.code(insert(e)) == Code.NOT_FOUND
    e.table_entry.table_id = 0
    assert sw.code(insert(e)) == Code.INVALID_ARGUMENT
    assert sw.code(Update(type=Update.UNSPECIFIED, entity=_exact(sw))) == Code.INVALID_ARGUMENT
    assert sw.code(Update(type=Update.INSERT)) == Code.INVALID_ARGUMENT   # no entity
    ext = Entity()
    ext.extern_entry.extern_type_id = 0x81
    assert sw.code(insert(ext)) == Code.UNIMPLEMENTED
    assert sw.code(insert(_exact(sw, is_const=True))) == Code.INVALID_ARGUMENT


@pytest.mark.parametrize("case", [
    "unknown field", "duplicate field", "missing exact field", "wrong kind", "empty value",
    "too wide", "too wide padded", "other kind",
])
def test_invalid_matches(sw: Switch, case: str) -> None:
    e = _exact(sw)
    m = e.table_entry.match
    if case == "unknown field":
        m[1].field_id = 9
    elif case == "duplicate field":
        m[1].field_id = 1
    elif case == "missing exact field":
        del m[1]
    elif case == "wrong kind":
        m[1].lpm.value = b"\x02"
        m[1].lpm.prefix_len = 16
    elif case == "empty value":
        m[1].exact.value = b""
    elif case == "too wide":
        m[1].exact.value = b"\x01\x00\x00"          # 17 bits in a bit<16>
    elif case == "too wide padded":
        m[1].exact.value = b"\x00\x01\x00\x00"
    elif case == "other kind":
        m[1].other.type_url = "x"
    assert sw.code(insert(e)) == Code.INVALID_ARGUMENT


def test_values_with_leading_zeros_are_accepted(sw: Switch) -> None:
    # Spec "Bytestrings": any length, as long as the value fits.
    e = _exact(sw, a=b"\x00" * 9 + b"\x01", b=b"\x00\x00\x00\x02")
    e.table_entry.action.action.params[0].value = b"\x00\x00\x01\xff"    # bit<9>: 511
    sw.ok(insert(e))
    (got,) = sw.read(e)
    assert got.table_entry.match[0].exact.value == b"\x01"
    assert got.table_entry.action.action.params[0].value == b"\x01\xff"
    e.table_entry.action.action.params[0].value = b"\x00\x02\x00"        # 512 > bit<9>
    assert sw.code(modify(e)) == Code.INVALID_ARGUMENT


@pytest.mark.parametrize("value,plen", [
    (b"\x0a\x00\x00\x00", 0),        # don't care must be omitted
    (b"\x0a\x00\x00\x00", 33),       # longer than the field
    (b"\x0a\x00\x00\x01", 24),       # bits past the prefix
    (b"\x0a\x00\x00\x00", -1),
])
def test_invalid_lpm(sw: Switch, value: bytes, plen: int) -> None:
    e = sw.entry("I.t_lpm", [("lpm", value, plen)], "I.set_out", [b"\x01", b"\x01"])
    assert sw.code(insert(e)) == Code.INVALID_ARGUMENT


@pytest.mark.parametrize("fields,priority", [
    ([("ternary", b"\x01", b"\x00")], 5),                      # zero mask: omit it
    ([("ternary", b"\x03", b"\x01")], 5),                      # value outside the mask
    ([None, ("range", b"\x20", b"\x10")], 5),                  # low > high
    ([None, ("range", b"\x00", b"\xff\xff")], 5),              # full range: omit it
    ([None, None, ("optional", b"\x10\x00")], 5),              # 13 bits in a bit<12>
    ([("ternary", b"\x01", b"\x01")], 0),                      # no priority
    ([("ternary", b"\x01", b"\x01")], -3),
])
def test_invalid_ternary_range_optional(sw: Switch, fields: list, priority: int) -> None:
    mac = ("exact", b"\x01")
    fields = (fields + [None] * 3)[:3] + [mac]
    e = sw.entry("I.t_ternary", fields, "I.set_out", [b"\x01", b"\x01"], priority=priority)
    assert sw.code(insert(e)) == Code.INVALID_ARGUMENT


def test_priority_rules(sw: Switch) -> None:
    assert sw.code(insert(_exact(sw, priority=1))) == Code.INVALID_ARGUMENT
    e = sw.entry("I.t_ternary", [None, None, None, ("exact", b"\x01")], "I.set_out",
                 [b"\x01", b"\x01"], priority=1)
    sw.ok(insert(e))
    e.table_entry.priority = 2           # another key
    sw.ok(insert(e))
    assert len(sw.read(Entity(table_entry=p4runtime_pb2.TableEntry(
        table_id=sw["I.t_ternary"])))) == 2


def test_invalid_actions(sw: Switch) -> None:
    def code(action: str, params: list[bytes], table: str = "I.t_exact") -> Code:
        e = _exact(sw) if table == "I.t_exact" else sw.entry(
            table, [("exact", b"\x01")])
        e.table_entry.action.Clear()
        sw.action(e.table_entry.action.action, action, params)
        return sw.code(insert(e))

    assert code("I.set_out", [b"\x01", b"\x01"]) == Code.INVALID_ARGUMENT   # not t_exact's
    assert code("I.set_out_counted", [b"\x01"]) == Code.INVALID_ARGUMENT    # missing param
    assert code("I.set_out_counted", [b"\x01", b"\x01", b"\x01"]) == Code.INVALID_ARGUMENT
    assert code("I.set_out_counted", [b"\x02\x00", b"\x01"]) == Code.INVALID_ARGUMENT
    assert code("I.set_out_counted", [b"", b"\x01"]) == Code.INVALID_ARGUMENT
    e = _exact(sw)
    e.table_entry.action.action.action_id = 0x01FFFFFF
    assert sw.code(insert(e)) == Code.INVALID_ARGUMENT
    e = _exact(sw)
    e.table_entry.action.action.params[1].param_id = 1                     # twice
    assert sw.code(insert(e)) == Code.INVALID_ARGUMENT
    e = _exact(sw)
    e.table_entry.ClearField("action")
    assert sw.code(insert(e)) == Code.INVALID_ARGUMENT
    # Member and group ids need an action profile table; actions need a direct one.
    e = _exact(sw)
    e.table_entry.action.action_profile_member_id = 1
    assert sw.code(insert(e)) == Code.INVALID_ARGUMENT
    e = sw.entry("I.t_prof", [("exact", b"\x01")], "I.set_out", [b"\x01", b"\x01"])
    assert sw.code(insert(e)) == Code.INVALID_ARGUMENT
    e.table_entry.action.action_profile_group_id = 1         # no selector: no groups
    assert sw.code(insert(e)) == Code.INVALID_ARGUMENT
    e.table_entry.action.action_profile_member_id = 5        # not inserted yet
    assert sw.code(insert(e)) == Code.NOT_FOUND
    e.table_entry.action.action_profile_member_id = 0x80000001   # reserved
    assert sw.code(insert(e)) == Code.INVALID_ARGUMENT


def test_delete_ignores_everything_but_the_key(sw: Switch) -> None:
    e = _exact(sw)
    sw.ok(insert(e))
    junk = _exact(sw, controller_metadata=5)
    junk.table_entry.action.action.action_id = 12345        # nonsense: ignored
    sw.ok(delete(junk))


def test_idle_timeout_and_time_since_last_hit(sw: Switch) -> None:
    e = _exact(sw, idle_timeout_ns=10**9)
    sw.ok(insert(e))
    want = p4runtime_pb2.TableEntry(table_id=sw["I.t_exact"])
    want.time_since_last_hit.SetInParent()
    (got,) = sw.read(Entity(table_entry=want))
    assert got.table_entry.idle_timeout_ns == 10**9
    assert got.table_entry.HasField("time_since_last_hit")
    (got,) = sw.read(Entity(table_entry=p4runtime_pb2.TableEntry(table_id=sw["I.t_exact"])))
    assert not got.table_entry.HasField("time_since_last_hit")
    bad = sw.entry("I.t_lpm", [("lpm", b"\x0a\0\0\0", 8)], "I.drop", idle_timeout_ns=5)
    assert sw.code(insert(bad)) == Code.INVALID_ARGUMENT
    bad = _exact(sw, b=b"\x09")
    bad.table_entry.time_since_last_hit.SetInParent()
    assert sw.code(insert(bad)) == Code.INVALID_ARGUMENT
    assert sw.code(insert(_exact(sw, b=b"\x0a", idle_timeout_ns=-1))) == Code.INVALID_ARGUMENT
    bad_read = p4runtime_pb2.TableEntry(table_id=sw["I.t_lpm"])
    bad_read.time_since_last_hit.SetInParent()
    assert sw.read_code(Entity(table_entry=bad_read)) == Code.INVALID_ARGUMENT


def test_idle_timeout_notification(sw: Switch) -> None:
    now = [10**12]
    sw.pipe.clock = lambda: now[0]
    sw.client.set_clock(cp.ClockMode.PACKET)
    sw.client.set_idle_sweep(0)
    sw.send(1, ctl(1))                                                 # sets the clock
    e = _exact(sw, idle_timeout_ns=10**9, controller_metadata=77)
    sw.ok(insert(e))
    now[0] += 2 * 10**9
    sw.send(1, ctl(0))
    events = [ev for ev in sw.client.poll_events() if type(ev).__name__ == "IdleTimeout"]
    assert len(events) == 1
    note = sw.tr.idle_timeout(events[0], now_ns=123)
    assert note.timestamp == 123
    (te,) = note.table_entry
    assert te.table_id == sw["I.t_exact"] and te.controller_metadata == 77
    assert te.idle_timeout_ns == 10**9
    assert [m.exact.value for m in te.match] == [b"\x01", b"\x02"]


def test_direct_resources_on_tables_without_them(sw: Switch) -> None:
    e = sw.entry("I.t_lpm", [("lpm", b"\x0a\0\0\0", 8)], "I.drop",
                 counter_data=p4runtime_pb2.CounterData(packet_count=1))
    assert sw.code(insert(e)) == Code.INVALID_ARGUMENT
    e = _exact(sw, meter_config=p4runtime_pb2.MeterConfig(cir=1, cburst=1, pir=1, pburst=1))
    assert sw.code(insert(e)) == Code.INVALID_ARGUMENT
    e = sw.entry("I.t_lpm", [("lpm", b"\x0a\0\0\0", 8)], "I.drop")
    e.table_entry.meter_counter_data.SetInParent()
    assert sw.code(insert(e)) == Code.UNIMPLEMENTED


def test_table_full_is_resource_exhausted(sw: Switch) -> None:
    ups = [insert(_exact(sw, a=i.to_bytes(4, "big"))) for i in range(1, 1026)]
    codes = sw.codes(*ups)
    assert codes[:1024] == [Code.OK] * 1024
    assert codes[1024] == Code.RESOURCE_EXHAUSTED


def test_controller_metadata_and_metadata_round_trip(sw: Switch) -> None:
    e = _exact(sw, controller_metadata=0xFFFFFFFFFFFFFFFF, metadata=b"opaque\x00")
    sw.ok(insert(e))
    (got,) = sw.read(e)
    assert got.table_entry.controller_metadata == 0xFFFFFFFFFFFFFFFF
    assert got.table_entry.metadata == b"opaque\x00"
    # Filters of a wildcard read.
    t = sw["I.t_exact"]
    assert len(sw.read(Entity(table_entry=p4runtime_pb2.TableEntry(
        table_id=t, metadata=b"opaque\x00")))) == 1
    assert sw.read(Entity(table_entry=p4runtime_pb2.TableEntry(table_id=t, metadata=b"x"))) == []
    assert sw.read(Entity(table_entry=p4runtime_pb2.TableEntry(
        table_id=t, controller_metadata=1))) == []
    f = p4runtime_pb2.TableEntry(table_id=t)
    f.action.action.action_id = sw["I.drop"]
    assert sw.read(Entity(table_entry=f)) == []
    f.action.action.action_id = sw["I.set_out_counted"]
    assert len(sw.read(Entity(table_entry=f))) == 1
    # Cookie and metadata filter a keyed read too.
    assert sw.read(_exact(sw, metadata=b"other")) == []
    # A modify without metadata drops it; a delete forgets it.
    sw.ok(modify(_exact(sw)))
    (got,) = sw.read(_exact(sw))
    assert not got.table_entry.metadata and not got.table_entry.controller_metadata
    sw.ok(modify(e))
    sw.ok(delete(e))
    sw.ok(insert(_exact(sw)))
    (got,) = sw.read(_exact(sw))
    assert not got.table_entry.metadata


def test_invalid_reads(sw: Switch) -> None:
    assert sw.read_code(Entity()) == Code.INVALID_ARGUMENT
    assert sw.read_code(Entity(table_entry=p4runtime_pb2.TableEntry(
        priority=3))) == Code.INVALID_ARGUMENT                 # table_id 0 takes no filter
    assert sw.read_code(Entity(table_entry=p4runtime_pb2.TableEntry(
        table_id=0x02FFFFFF))) == Code.NOT_FOUND
    bad = _exact(sw)
    del bad.table_entry.match[1]
    assert sw.read_code(bad) == Code.INVALID_ARGUMENT
    ext = Entity()
    ext.extern_entry.SetInParent()
    assert sw.read_code(ext) == Code.UNIMPLEMENTED


def test_write_updates_gives_control_updates(sw: Switch) -> None:
    """The dataclass view (write_updates) encodes to what the plan sends."""
    from ovsp4.control import protocol as cp

    ups = [insert(_exact(sw, a=bytes([i]))) for i in range(1, 4)] + [insert(Entity())]
    controls, errors = sw.tr.write_updates(ups)
    assert errors[:3] == [None] * 3 and errors[3].code == Code.INVALID_ARGUMENT
    assert controls[3] is None
    flat = [u for c in controls[:3] for u in c]
    plan = sw.tr.encode_updates(ups)
    assert plan.requests(7) == [cp.encode(cp.WriteRequest(flat), 7)]
    request = p4runtime_pb2.WriteRequest(device_id=1, updates=ups)
    request.election_id.low = 5
    assert sw.tr.encode_write(request).requests(7) == plan.requests(7)
    meta, raw_plan = sw.tr.encode_write_request(request.SerializeToString())
    assert raw_plan.requests(7) == plan.requests(7)
    assert meta.election_id.low == 5 and not meta.updates
    assert flat[0].body.table_id == sw["I.t_exact"]
    assert flat[0].body.matches[0] == cp.FieldMatch(1, cp.MatchKind.EXACT, b"\x01")


# --- The P4 tutorials' runtime files --------------------------------------------------


def _runtime_files() -> list[tuple[str, str]]:
    if not TUTORIALS.is_dir():
        return []
    out = []
    for program in sorted(TUTORIALS.glob("*/*.p4")):
        for rt in sorted(program.parent.rglob("s*-runtime.json")):
            out.append((str(program.relative_to(TUTORIALS)), str(rt.relative_to(TUTORIALS))))
    return out


@requires_conformance
@pytest.mark.parametrize("program,runtime", _runtime_files() or [("-", "-")])
def test_tutorial_runtime_files_round_trip(program: str, runtime: str) -> None:
    """Each tutorial runtime file, written through P4Runtime into its
    program's pipeline, reads back as written (canonical), entry by entry."""
    from ovsp4.entities.runtime_json import load_runtime_file

    if program == "-":
        pytest.skip("no tutorial runtime files")
    with Switch(TUTORIALS / program) as sw:
        config = load_runtime_file(TUTORIALS / runtime, sw.p4info)
        assert sw.write(*config.updates) == [None] * len(config.updates)
        written = [u.entity for u in config.updates if u.entity.HasField("table_entry")]
        for table in {e.table_entry.table_id for e in written}:
            want = sorted(canonical_entity(e).SerializeToString() for e in written
                          if e.table_entry.table_id == table
                          and not e.table_entry.is_default_action)
            got = sw.read(Entity(table_entry=p4runtime_pb2.TableEntry(table_id=table)))
            assert sorted(g.SerializeToString() for g in got) == want
        for e in written:
            if e.table_entry.is_default_action:
                key = Entity(table_entry=p4runtime_pb2.TableEntry(
                    table_id=e.table_entry.table_id, is_default_action=True))
                assert sw.read(key) == [canonical_entity(e)]
        pre = [u.entity for u in config.updates
               if u.entity.HasField("packet_replication_engine_entry")]
        if pre:
            got = sw.read(Entity(packet_replication_engine_entry=p4runtime_pb2.
                                 PacketReplicationEngineEntry()))
            assert sorted(g.SerializeToString() for g in got) == sorted(
                e.SerializeToString() for e in pre)
