"""The P4Runtime translation of everything but plain table entries, against
tests/programs/p4rt_tables.p4 in the simulator: direct and indexed
counters and meters, registers, action profiles and selectors (one-shots
included), the packet replication engine, value sets, digests, packet I/O,
and how errors are reported."""

from __future__ import annotations

import shutil

import pytest
from p4rt_translate_support import (
    CPU_PORT,
    PROGRAMS,
    Code,
    Entity,
    Switch,
    Update,
    canonical_entity,
    ctl_items,
    delete,
    insert,
    modify,
)

from ovsp4.control import protocol as cp
from ovsp4.p4runtime import errors as E
from ovsp4.proto import p4data_pb2, p4runtime_pb2

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")

PROGRAM = PROGRAMS / "p4rt_tables.p4"
P = p4runtime_pb2


@pytest.fixture
def sw() -> Switch:
    with Switch(PROGRAM) as s:
        yield s


def ctl(kind: int, a: int = 0, b: int = 0, mac: int = 0, res: int = 0) -> bytes:
    return (bytes([kind]) + a.to_bytes(4, "big") + b.to_bytes(2, "big") + bytes(2)
            + mac.to_bytes(6, "big") + bytes(16) + bytes([res, 0, 0]))


def fields(data: bytes) -> dict[str, int]:
    return {"res": data[31], "color": data[32], "vs": data[33]}


def table(sw: Switch, name: str, **kw: object) -> Entity:
    return Entity(table_entry=P.TableEntry(table_id=sw[name], **kw))


# --- Direct counters and meters -------------------------------------------------------


def _counted(sw: Switch, b: int = 2, **kw: object) -> Entity:
    return sw.entry("I.t_exact", [("exact", b"\x01"), ("exact", bytes([b]))],
                    "I.set_out_counted", [b"\x03", b"\x04"], **kw)


def test_direct_counter(sw: Switch) -> None:
    e = _counted(sw, counter_data=P.CounterData(packet_count=5, byte_count=500))
    sw.ok(insert(e))
    for _ in range(3):
        sw.send(1, ctl(1, a=1, b=2))
    want = table(sw, "I.t_exact")
    want.table_entry.counter_data.SetInParent()
    (got,) = sw.read(want)
    assert got.table_entry.counter_data == P.CounterData(packet_count=8, byte_count=500 + 3 * 34)
    # Without counter_data in the request, none in the reply.
    (got,) = sw.read(table(sw, "I.t_exact"))
    assert not got.table_entry.HasField("counter_data")
    # DirectCounterEntry: write, read one, read all.
    dce = Entity(direct_counter_entry=P.DirectCounterEntry(
        table_entry=_counted(sw).table_entry, data=P.CounterData(packet_count=1)))
    sw.ok(modify(dce))
    read_one = Entity(direct_counter_entry=P.DirectCounterEntry(
        table_entry=_counted(sw).table_entry))
    (got,) = sw.read(read_one)
    assert got.direct_counter_entry.data == P.CounterData(packet_count=1)
    assert got.direct_counter_entry.table_entry.match[1].exact.value == b"\x02"
    assert not got.direct_counter_entry.table_entry.HasField("action")
    assert len(sw.read(Entity(direct_counter_entry=P.DirectCounterEntry()))) == 1
    # A modify of the entry keeps the counter unless counter_data is given.
    sw.ok(modify(_counted(sw)))
    (got,) = sw.read(read_one)
    assert got.direct_counter_entry.data.packet_count == 1
    # Only MODIFY; a missing entry is NOT_FOUND; a table without one INVALID.
    assert sw.code(insert(dce)) == Code.INVALID_ARGUMENT
    assert sw.code(delete(dce)) == Code.INVALID_ARGUMENT
    missing = Entity(direct_counter_entry=P.DirectCounterEntry(
        table_entry=_counted(sw, b=9).table_entry, data=P.CounterData(packet_count=1)))
    assert sw.code(modify(missing)) == Code.NOT_FOUND
    missing.direct_counter_entry.ClearField("data")
    assert sw.read_code(missing) == Code.NOT_FOUND
    lpm = Entity(direct_counter_entry=P.DirectCounterEntry(
        table_entry=P.TableEntry(table_id=sw["I.t_lpm"]), data=P.CounterData()))
    assert sw.code(modify(lpm)) == Code.INVALID_ARGUMENT
    assert sw.read_code(lpm) == Code.INVALID_ARGUMENT
    neg = Entity(direct_counter_entry=P.DirectCounterEntry(
        table_entry=_counted(sw).table_entry, data=P.CounterData(packet_count=-1)))
    assert sw.code(modify(neg)) == Code.INVALID_ARGUMENT


def _colored(sw: Switch, **kw: object) -> Entity:
    return sw.entry("I.t_lpm", [("lpm", b"\x0a\x00\x00\x00", 8)], "I.set_colored", [b"\x02"],
                    **kw)


def test_direct_meter(sw: Switch) -> None:
    cfg = P.MeterConfig(cir=10, cburst=40, pir=10, pburst=40)   # bytes: one 34-byte packet
    sw.ok(insert(_colored(sw, meter_config=cfg)))
    colors = [fields(sw.send(1, ctl(2, a=0x0A000001))[0].data)["color"] for _ in range(3)]
    assert colors[0] == 0 and colors[-1] == 2                   # GREEN, then RED
    want = table(sw, "I.t_lpm")
    want.table_entry.meter_config.SetInParent()
    (got,) = sw.read(want)
    assert got.table_entry.meter_config == cfg
    (got,) = sw.read(table(sw, "I.t_lpm"))
    assert not got.table_entry.HasField("meter_config")
    # A modify without meter_config resets the meter (spec "Direct Resources").
    sw.ok(modify(_colored(sw)))
    (got,) = sw.read(want)
    assert not got.table_entry.HasField("meter_config")
    assert {fields(sw.send(1, ctl(2, a=0x0A000005))[0].data)["color"]
            for _ in range(3)} == {0}
    # DirectMeterEntry: configure, read, reset.
    dme = Entity(direct_meter_entry=P.DirectMeterEntry(table_entry=_colored(sw).table_entry,
                                                       config=cfg))
    sw.ok(modify(dme))
    (got,) = sw.read(Entity(direct_meter_entry=P.DirectMeterEntry(
        table_entry=_colored(sw).table_entry)))
    assert got.direct_meter_entry.config == cfg
    assert sw.code(insert(dme)) == Code.INVALID_ARGUMENT
    dme.direct_meter_entry.ClearField("config")
    sw.ok(modify(dme))
    (got,) = sw.read(Entity(direct_meter_entry=P.DirectMeterEntry()))
    assert not got.direct_meter_entry.HasField("config")
    # Configurations the meter cannot take.
    for bad in (P.MeterConfig(cir=20, cburst=1, pir=10, pburst=1),
                P.MeterConfig(cir=1, cburst=1, pir=1, pburst=1, eburst=1),
                P.MeterConfig(cir=-1, cburst=1, pir=1, pburst=1)):
        assert sw.code(modify(Entity(direct_meter_entry=P.DirectMeterEntry(
            table_entry=_colored(sw).table_entry, config=bad)))) == Code.INVALID_ARGUMENT
    dme.direct_meter_entry.counter_data.SetInParent()
    assert sw.code(modify(dme)) == Code.UNIMPLEMENTED


# --- Counters, meters, registers --------------------------------------------------------


def test_counter_entries(sw: Switch) -> None:
    cid = sw["I.pkts"]
    for _ in range(2):
        sw.send(1, ctl(0, res=3))
    (got,) = sw.read(Entity(counter_entry=P.CounterEntry(counter_id=cid, index=P.Index(index=3))))
    assert got.counter_entry.data == P.CounterData(packet_count=2, byte_count=68)
    assert got.counter_entry.index.index == 3
    assert len(sw.read(Entity(counter_entry=P.CounterEntry(counter_id=cid)))) == 8
    assert len(sw.read(Entity(counter_entry=P.CounterEntry()))) == 8       # every counter
    sw.ok(modify(Entity(counter_entry=P.CounterEntry(counter_id=cid, index=P.Index(index=3),
                                                     data=P.CounterData(packet_count=9)))))
    (got,) = sw.read(Entity(counter_entry=P.CounterEntry(counter_id=cid, index=P.Index(index=3))))
    assert got.counter_entry.data == P.CounterData(packet_count=9)
    sw.ok(modify(Entity(counter_entry=P.CounterEntry(counter_id=cid, data=P.CounterData()))))
    assert all(not g.counter_entry.HasField("data") or g.counter_entry.data == P.CounterData()
               for g in sw.read(Entity(counter_entry=P.CounterEntry(counter_id=cid))))
    sw.ok(modify(Entity(counter_entry=P.CounterEntry(counter_id=cid))))   # no data: no-op

    def code(op: int, index: int | None = 1, counter: int = cid) -> Code:
        c = P.CounterEntry(counter_id=counter, data=P.CounterData())
        if index is not None:
            c.index.index = index
        return sw.code(Update(type=op, entity=Entity(counter_entry=c)))

    assert code(Update.INSERT) == Code.INVALID_ARGUMENT
    assert code(Update.DELETE) == Code.INVALID_ARGUMENT
    assert code(Update.MODIFY, 8) == Code.OUT_OF_RANGE
    assert code(Update.MODIFY, -1) == Code.INVALID_ARGUMENT
    assert code(Update.MODIFY, counter=0x12FFFFFF) == Code.NOT_FOUND
    assert code(Update.MODIFY, counter=sw["I.exact_hits"]) == Code.INVALID_ARGUMENT
    assert sw.read_code(Entity(counter_entry=P.CounterEntry(
        counter_id=cid, index=P.Index(index=8)))) == Code.OUT_OF_RANGE


def test_meter_entries(sw: Switch) -> None:
    mid = sw["I.meters"]
    cfg = P.MeterConfig(cir=1, cburst=1, pir=1, pburst=1)
    sw.ok(modify(Entity(meter_entry=P.MeterEntry(meter_id=mid, index=P.Index(index=2),
                                                 config=cfg))))
    colors = [fields(sw.send(1, ctl(14, res=2))[0].data)["color"] for _ in range(3)]
    assert colors[0] == 0 and colors[-1] == 2
    (got,) = sw.read(Entity(meter_entry=P.MeterEntry(meter_id=mid, index=P.Index(index=2))))
    assert got.meter_entry.config == cfg
    (got,) = sw.read(Entity(meter_entry=P.MeterEntry(meter_id=mid, index=P.Index(index=1))))
    assert not got.meter_entry.HasField("config")
    sw.ok(modify(Entity(meter_entry=P.MeterEntry(meter_id=mid))))        # all reset
    assert all(not g.meter_entry.HasField("config")
               for g in sw.read(Entity(meter_entry=P.MeterEntry(meter_id=mid))))
    assert sw.code(insert(Entity(meter_entry=P.MeterEntry(meter_id=mid)))) \
        == Code.INVALID_ARGUMENT
    assert sw.code(modify(Entity(meter_entry=P.MeterEntry(
        meter_id=mid, index=P.Index(index=4))))) == Code.OUT_OF_RANGE
    bad = Entity(meter_entry=P.MeterEntry(meter_id=mid, config=P.MeterConfig(cir=2, pir=1)))
    assert sw.code(modify(bad)) == Code.INVALID_ARGUMENT
    bad = Entity(meter_entry=P.MeterEntry(meter_id=mid))
    bad.meter_entry.counter_data.SetInParent()
    assert sw.code(modify(bad)) == Code.UNIMPLEMENTED
    assert sw.read_code(bad) == Code.UNIMPLEMENTED


def test_register_entries(sw: Switch) -> None:
    rid, wid = sw["I.regs"], sw["I.wide_regs"]

    def reg(r: int, index: int | None, value: bytes | None = None) -> Entity:
        e = Entity(register_entry=P.RegisterEntry(register_id=r))
        if index is not None:
            e.register_entry.index.index = index
        if value is not None:
            e.register_entry.data.bitstring = value
        return e

    sw.ok(modify(reg(rid, 2, b"\x00\x00\x01\x00")))
    sw.send(1, ctl(14, res=2))                    # regs[2] += 1
    (got,) = sw.read(reg(rid, 2))
    assert got.register_entry.data.bitstring == b"\x01\x01"
    sw.ok(modify(reg(rid, None, b"\x07")))        # every cell
    assert {g.register_entry.data.bitstring for g in sw.read(reg(rid, None))} == {b"\x07"}
    big = (1 << 127) + 1
    sw.ok(modify(reg(wid, 1, big.to_bytes(16, "big"))))
    (got,) = sw.read(reg(wid, 1))
    assert got.register_entry.data.bitstring == big.to_bytes(16, "big")
    assert len(sw.read(Entity(register_entry=P.RegisterEntry()))) == 10
    # Spec "Bytestrings": too wide is OUT_OF_RANGE; the data must be a bitstring.
    assert sw.code(modify(reg(rid, 1, b"\x01\x00\x00\x00\x00"))) == Code.OUT_OF_RANGE
    assert sw.code(modify(reg(rid, 1, b""))) == Code.OUT_OF_RANGE
    e = reg(rid, 1)
    e.register_entry.data.bool = True
    assert sw.code(modify(e)) == Code.INVALID_ARGUMENT
    assert sw.code(modify(reg(rid, 1))) == Code.INVALID_ARGUMENT          # no data
    assert sw.code(modify(reg(rid, 8, b"\x01"))) == Code.OUT_OF_RANGE
    assert sw.code(insert(reg(rid, 1, b"\x01"))) == Code.INVALID_ARGUMENT
    assert sw.code(modify(reg(0x16FFFFFF, 1, b"\x01"))) == Code.NOT_FOUND


# --- Action profiles and selectors ------------------------------------------------------


def member(sw: Switch, profile: str, mid: int, port: int) -> Entity:
    m = P.ActionProfileMember(action_profile_id=sw.profile(profile), member_id=mid)
    sw.action(m.action, "I.set_out", [bytes([port]), bytes([mid & 0xFF])])
    return Entity(action_profile_member=m)


def group(sw: Switch, profile: str, gid: int, members: list[tuple[int, int]],
          max_size: int = 0) -> Entity:
    g = P.ActionProfileGroup(action_profile_id=sw.profile(profile), group_id=gid,
                             max_size=max_size)
    for mid, w in members:
        g.members.add(member_id=mid, weight=w)
    return Entity(action_profile_group=g)


def test_action_profile_members(sw: Switch) -> None:
    sw.ok(insert(member(sw, "I.t_prof", 1, 5)), insert(member(sw, "I.t_prof", 2, 6)))
    e = sw.entry("I.t_prof", [("exact", b"\x00\x07")])
    e.table_entry.action.action_profile_member_id = 2
    sw.ok(insert(e))
    (out,) = sw.send(1, ctl(9, b=7))
    assert out.port == 6 and fields(out.data)["res"] == 2
    (got,) = sw.read(e)
    assert got.table_entry.action.action_profile_member_id == 2
    got = sw.read(Entity(action_profile_member=P.ActionProfileMember(
        action_profile_id=sw.profile("I.t_prof"))))
    assert [g.action_profile_member.member_id for g in got] == [1, 2]
    assert got[0] == member(sw, "I.t_prof", 1, 5)
    (one,) = sw.read(Entity(action_profile_member=P.ActionProfileMember(
        action_profile_id=sw.profile("I.t_prof"), member_id=2)))
    assert one == member(sw, "I.t_prof", 2, 6)
    assert sw.read(Entity(action_profile_member=P.ActionProfileMember(
        action_profile_id=sw.profile("I.t_prof"), member_id=9))) == []
    # Referenced: FAILED_PRECONDITION; modify changes what the entry does.
    assert sw.code(delete(member(sw, "I.t_prof", 2, 0))) == Code.FAILED_PRECONDITION
    sw.ok(modify(member(sw, "I.t_prof", 2, 9)))
    (out,) = sw.send(1, ctl(9, b=7))
    assert out.port == 9
    assert sw.code(insert(member(sw, "I.t_prof", 1, 5))) == Code.ALREADY_EXISTS
    assert sw.code(modify(member(sw, "I.t_prof", 3, 5))) == Code.NOT_FOUND
    assert sw.code(delete(member(sw, "I.t_prof", 3, 5))) == Code.NOT_FOUND
    assert sw.code(insert(member(sw, "I.t_prof", 0, 5))) == Code.INVALID_ARGUMENT
    assert sw.code(insert(member(sw, "I.t_prof", 0x80000000, 5))) == Code.INVALID_ARGUMENT
    m = member(sw, "I.t_prof", 4, 5)
    m.action_profile_member.ClearField("action")
    assert sw.code(insert(m)) == Code.INVALID_ARGUMENT
    m = member(sw, "I.t_prof", 4, 5)
    m.action_profile_member.action.action_id = sw["I.drop"]              # not the table's
    assert sw.code(insert(m)) == Code.INVALID_ARGUMENT
    m.action_profile_member.action_profile_id = 0x11FFFFFF
    assert sw.code(insert(m)) == Code.NOT_FOUND
    # No groups without a selector.
    assert sw.code(insert(group(sw, "I.t_prof", 1, [(1, 1)]))) == Code.INVALID_ARGUMENT


def test_action_selector_groups(sw: Switch) -> None:
    for mid, port in ((1, 11), (2, 12), (3, 13)):
        sw.ok(insert(member(sw, "I.t_sel", mid, port)))
    g = group(sw, "I.t_sel", 10, [(1, 1), (2, 2), (3, 1)], max_size=8)
    g.action_profile_group.members[0].watch_port = b"\x00\x05"
    sw.ok(insert(g))
    e = sw.entry("I.t_sel", [("exact", b"\x00\x01")])
    e.table_entry.action.action_profile_group_id = 10
    sw.ok(insert(e))
    ports = {sw.send(1, ctl(10, a=a * 7919, b=1))[0].port for a in range(64)}
    assert ports == {11, 12, 13}
    (got,) = sw.read(Entity(action_profile_group=P.ActionProfileGroup(
        action_profile_id=sw.profile("I.t_sel"))))
    want = group(sw, "I.t_sel", 10, [(1, 1), (2, 2), (3, 1)], max_size=8)
    want.action_profile_group.members[0].watch_port = b"\x05"          # canonical
    assert got == want
    sw.ok(modify(group(sw, "I.t_sel", 10, [(3, 1)], max_size=8)))
    assert {sw.send(1, ctl(10, a=a, b=1))[0].port for a in range(16)} == {13}
    assert sw.code(delete(group(sw, "I.t_sel", 10, []))) == Code.FAILED_PRECONDITION

    def code(members: list[tuple[int, int]], max_size: int = 8, gid: int = 11) -> Code:
        return sw.code(insert(group(sw, "I.t_sel", gid, members, max_size)))

    assert code([(1, 0)]) == Code.INVALID_ARGUMENT                 # weight 0
    assert code([(1, 1), (1, 2)]) == Code.INVALID_ARGUMENT         # member twice
    assert code([(9, 1)]) == Code.NOT_FOUND
    assert code([(1, 1)], max_size=0) == Code.INVALID_ARGUMENT     # max_group_size is 8
    assert code([(1, 1)], max_size=9) == Code.INVALID_ARGUMENT
    assert code([(1, 5), (2, 4)]) == Code.RESOURCE_EXHAUSTED       # weights 9 > 8
    assert code([(1, 1)], gid=0) == Code.INVALID_ARGUMENT
    assert code([(1, 1)], gid=0x80000001) == Code.INVALID_ARGUMENT
    assert code([(1, 1)], gid=10) == Code.ALREADY_EXISTS
    # A selector without max_group_size takes max_size 0 (the target's limit).
    sw.ok(insert(member(sw, "I.t_sel2", 1, 3)))
    sw.ok(insert(group(sw, "I.t_sel2", 1, [(1, 1)])))


def test_one_shot_programming(sw: Switch) -> None:
    prof = sw.profile("I.t_sel")

    def one_shot(b: int, actions: list[tuple[int, int]], **kw: object) -> Entity:
        e = sw.entry("I.t_sel", [("exact", bytes([0, b]))], **kw)
        aps = e.table_entry.action.action_profile_action_set
        for port, w in actions:
            a = aps.action_profile_actions.add(weight=w)
            sw.action(a.action, "I.set_out", [bytes([port]), b"\x00\x01"])
        return e

    e = one_shot(1, [(11, 1), (12, 2)])
    e.table_entry.action.action_profile_action_set.action_profile_actions[1].watch_port = \
        b"\x00\x07"
    sw.ok(insert(e))
    assert {sw.send(1, ctl(10, a=a * 7919, b=1))[0].port for a in range(64)} == {11, 12}
    # Read back as written (canonical), not as members and groups.
    (got,) = sw.read(table(sw, "I.t_sel"))
    want = canonical_entity(e)
    want.table_entry.action.action_profile_action_set.action_profile_actions[1].watch_port = \
        b"\x07"
    for a in want.table_entry.action.action_profile_action_set.action_profile_actions:
        for p in a.action.params:
            p.value = p.value.lstrip(b"\0") or b"\0"
    assert got == want
    assert sw.read(Entity(action_profile_member=P.ActionProfileMember(
        action_profile_id=prof))) == []
    assert sw.read(Entity(action_profile_group=P.ActionProfileGroup(
        action_profile_id=prof))) == []
    hidden = ctl_items(sw, cp.Entity.AP_MEMBER, prof)
    assert len(hidden) == 2 and all(m.member_id >= 0x80000000 for m in hidden)
    # Modify: new hidden objects, the old ones gone.
    sw.ok(modify(one_shot(1, [(13, 1)])))
    assert {sw.send(1, ctl(10, a=a, b=1))[0].port for a in range(16)} == {13}
    assert len(ctl_items(sw, cp.Entity.AP_MEMBER, prof)) == 1
    assert len(ctl_items(sw, cp.Entity.AP_GROUP, prof)) == 1
    (got,) = sw.read(table(sw, "I.t_sel"))
    assert len(got.table_entry.action.action_profile_action_set.action_profile_actions) == 1
    # A failed insert (the key exists) leaves no hidden object behind.
    assert sw.code(insert(one_shot(1, [(14, 1), (15, 1)]))) == Code.ALREADY_EXISTS
    assert len(ctl_items(sw, cp.Entity.AP_MEMBER, prof)) == 1
    # Mixing styles on one selector is INVALID_ARGUMENT (spec "One Shot").
    assert sw.code(insert(member(sw, "I.t_sel", 1, 5))) == Code.INVALID_ARGUMENT
    ref = sw.entry("I.t_sel", [("exact", b"\x00\x02")])
    ref.table_entry.action.action_profile_member_id = 1
    assert sw.code(insert(ref)) == Code.INVALID_ARGUMENT
    # Delete: the entry and its hidden objects.
    sw.ok(delete(one_shot(1, [])))
    assert ctl_items(sw, cp.Entity.AP_MEMBER, prof) == []
    assert ctl_items(sw, cp.Entity.AP_GROUP, prof) == []
    assert sw.read(table(sw, "I.t_sel")) == []
    # Invalid action sets.
    assert sw.code(insert(one_shot(3, [(11, 0)]))) == Code.INVALID_ARGUMENT      # weight 0
    assert sw.code(insert(one_shot(3, [(11, 5), (12, 4)]))) == Code.INVALID_ARGUMENT  # > 8
    bad = one_shot(3, [(11, 1)])
    bad.table_entry.action.action_profile_action_set.action_profile_actions[0] \
        .action.action_id = sw["I.drop"]
    assert sw.code(insert(bad)) == Code.INVALID_ARGUMENT
    prof_table = sw.entry("I.t_prof", [("exact", b"\x00\x01")])
    prof_table.table_entry.action.action_profile_action_set.action_profile_actions.add(weight=1)
    assert sw.code(insert(prof_table)) == Code.INVALID_ARGUMENT                 # no selector
    # With members of its own, a selector takes no one-shots.
    sw.ok(insert(member(sw, "I.t_sel2", 1, 5)))
    e2 = sw.entry("I.t_sel2", [("exact", b"\x00\x01")])
    a = e2.table_entry.action.action_profile_action_set.action_profile_actions.add(weight=1)
    sw.action(a.action, "I.set_out", [b"\x01", b"\x01"])
    assert sw.code(insert(e2)) == Code.INVALID_ARGUMENT


def test_one_write_applies_as_its_updates_one_by_one(sw: Switch) -> None:
    """Updates of one batch see the state its earlier updates left: a
    one-shot makes its selector refuse members, and deleting it in the same
    batch removes its hidden members and group."""
    prof = sw.profile("I.t_sel")
    e = sw.entry("I.t_sel", [("exact", b"\x00\x01")])
    for port in (2, 3):
        a = e.table_entry.action.action_profile_action_set.action_profile_actions.add(weight=1)
        sw.action(a.action, "I.set_out", [bytes([port]), b"\x01"])
    assert sw.codes(insert(e), insert(member(sw, "I.t_sel", 1, 5))) == [
        Code.OK, Code.INVALID_ARGUMENT]
    assert sw.codes(delete(e), insert(e), delete(e)) == [Code.OK] * 3
    assert ctl_items(sw, cp.Entity.AP_MEMBER, prof) == []
    assert ctl_items(sw, cp.Entity.AP_GROUP, prof) == []
    sw.ok(insert(member(sw, "I.t_sel", 1, 5)))


def test_one_shot_state_recovered_by_a_new_translator(sw: Switch) -> None:
    from ovsp4.p4runtime.translate import Translator

    e = sw.entry("I.t_sel", [("exact", b"\x00\x05")])
    for port, w in ((11, 2), (12, 3)):
        a = e.table_entry.action.action_profile_action_set.action_profile_actions.add(weight=w)
        sw.action(a.action, "I.set_out", [bytes([port]), b"\x01"])
    sw.ok(insert(e))
    # An orphan hidden member (an interrupted server) is cleaned up.
    sw.client.insert_member(sw.profile("I.t_sel"), 0x90000000,
                            cp.Action.direct(sw["I.set_out"], {1: 1, 2: 1}))
    sw.tr = Translator(sw.p4info, cpu_port=CPU_PORT)
    results = [list(sw.client.read(r.entity, r.id, r.index)) for r in sw.tr.recovery_requests()]
    cleanup = sw.tr.recover(results)
    assert len(cleanup) == 1
    sw.pipe.control(cp.encode_write_raw(cleanup))
    (got,) = sw.read(table(sw, "I.t_sel"))
    assert got == canonical_entity(e)
    sw.ok(delete(e))
    assert ctl_items(sw, cp.Entity.AP_MEMBER, sw.profile("I.t_sel")) == []


# --- Packet replication engine ----------------------------------------------------------


def test_multicast_groups(sw: Switch) -> None:
    g = P.MulticastGroupEntry(multicast_group_id=5, metadata=b"meta")
    g.replicas.add(port=b"\x00\x02", instance=1)
    g.replicas.add(port=b"\x03", instance=2)
    sw.ok(insert(Entity(packet_replication_engine_entry=P.PacketReplicationEngineEntry(
        multicast_group_entry=g))))
    (got,) = sw.read(Entity(packet_replication_engine_entry=P.PacketReplicationEngineEntry(
        multicast_group_entry=P.MulticastGroupEntry(multicast_group_id=5))))
    want = P.MulticastGroupEntry()
    want.CopyFrom(g)
    want.replicas[0].port = b"\x02"                        # canonical
    assert got.packet_replication_engine_entry.multicast_group_entry == want
    assert sw.client.get_mcast_groups() == [cp.McastGroup(5, [cp.Replica(2, 1),
                                                              cp.Replica(3, 2)])]
    # The deprecated egress_port reads back as such.
    old = P.MulticastGroupEntry(multicast_group_id=6)
    old.replicas.add(egress_port=4, instance=0)
    pre = Entity(packet_replication_engine_entry=P.PacketReplicationEngineEntry(
        multicast_group_entry=old))
    sw.ok(insert(pre))
    got = sw.read(Entity(packet_replication_engine_entry=P.PacketReplicationEngineEntry()))
    assert pre in got and len(got) == 2

    def code(op: int, gid: int, replicas: list[P.Replica]) -> Code:
        m = P.MulticastGroupEntry(multicast_group_id=gid)
        m.replicas.extend(replicas)
        return sw.code(Update(type=op, entity=Entity(
            packet_replication_engine_entry=P.PacketReplicationEngineEntry(
                multicast_group_entry=m))))

    assert code(Update.INSERT, 0, []) == Code.INVALID_ARGUMENT
    assert code(Update.INSERT, 5, []) == Code.ALREADY_EXISTS
    assert code(Update.MODIFY, 9, []) == Code.NOT_FOUND
    assert code(Update.INSERT, 9, [P.Replica(egress_port=1), P.Replica(port=b"\x01")]) \
        == Code.INVALID_ARGUMENT                                          # twice
    assert code(Update.INSERT, 9, [P.Replica(port=b"\x02\x00")]) == Code.INVALID_ARGUMENT
    assert code(Update.INSERT, 9, [P.Replica(port=b"\x01\x00\x00\x00\x00")]) \
        == Code.INVALID_ARGUMENT
    backup = P.Replica(port=b"\x01")
    backup.backup_replicas.add(port=b"\x02")
    assert code(Update.INSERT, 9, [backup]) == Code.UNIMPLEMENTED
    sw.ok(delete(Entity(packet_replication_engine_entry=P.PacketReplicationEngineEntry(
        multicast_group_entry=P.MulticastGroupEntry(multicast_group_id=5)))))
    assert code(Update.DELETE, 5, []) == Code.NOT_FOUND


def test_clone_sessions_and_the_cpu_port(sw: Switch) -> None:
    s = P.CloneSessionEntry(session_id=3, class_of_service=2, packet_length_bytes=100)
    s.replicas.add(port=b"\xff\xff\xff\xfd", instance=1)             # SDN_PORT_CPU
    e = Entity(packet_replication_engine_entry=P.PacketReplicationEngineEntry(
        clone_session_entry=s))
    sw.ok(insert(e))
    assert sw.client.get_clone_sessions(3)[0].replicas == [cp.Replica(CPU_PORT, 1)]
    assert sw.read(Entity(packet_replication_engine_entry=P.PacketReplicationEngineEntry(
        clone_session_entry=P.CloneSessionEntry(session_id=3)))) == [e]
    s = e.packet_replication_engine_entry.clone_session_entry
    s.class_of_service = 8
    assert sw.code(modify(e)) == Code.INVALID_ARGUMENT
    s.class_of_service = 0
    s.packet_length_bytes = -1
    assert sw.code(modify(e)) == Code.INVALID_ARGUMENT
    s.packet_length_bytes = 0
    s.session_id = 0
    assert sw.code(insert(e)) == Code.INVALID_ARGUMENT
    # Set out of band, the CPU port reads as SDN_PORT_CPU.
    sw.client.set_clone_session(4, [(CPU_PORT, 0), (2, 0)])
    (got,) = sw.read(Entity(packet_replication_engine_entry=P.PacketReplicationEngineEntry(
        clone_session_entry=P.CloneSessionEntry(session_id=4))))
    assert [r.port for r in got.packet_replication_engine_entry.clone_session_entry.replicas] \
        == [b"\xff\xff\xff\xfd", b"\x02"]


# --- Value sets and digests -------------------------------------------------------------


def test_value_sets(sw: Switch) -> None:
    vs = sw["P.special"]

    def entry(*values: bytes) -> Entity:
        v = P.ValueSetEntry(value_set_id=vs)
        for value in values:
            v.members.add().match.add(field_id=1).exact.value = value
        return Entity(value_set_entry=v)

    assert fields(sw.send(1, ctl(0, b=0x1234))[0].data)["vs"] == 0
    sw.ok(modify(entry(b"\x12\x34", b"\x00\x09")))
    assert fields(sw.send(1, ctl(0, b=0x1234))[0].data)["vs"] == 1
    assert fields(sw.send(1, ctl(0, b=9))[0].data)["vs"] == 1
    (got,) = sw.read(Entity(value_set_entry=P.ValueSetEntry(value_set_id=vs)))
    assert got == entry(b"\x12\x34", b"\x09")
    assert len(sw.read(Entity(value_set_entry=P.ValueSetEntry()))) == 1
    sw.ok(modify(entry()))
    assert fields(sw.send(1, ctl(0, b=9))[0].data)["vs"] == 0
    assert sw.code(insert(entry(b"\x01"))) == Code.INVALID_ARGUMENT
    assert sw.code(modify(entry(*(bytes([i]) for i in range(5))))) == Code.RESOURCE_EXHAUSTED
    assert sw.code(modify(entry(b"\x01", b"\x00\x01"))) == Code.ALREADY_EXISTS
    assert sw.code(modify(entry(b"\x01\x00\x00"))) == Code.INVALID_ARGUMENT
    bad = entry(b"\x01")
    bad.value_set_entry.members[0].match[0].field_id = 2
    assert sw.code(modify(bad)) == Code.INVALID_ARGUMENT
    bad.value_set_entry.value_set_id = 0x03FFFFFF
    assert sw.code(modify(bad)) == Code.NOT_FOUND


def test_digests(sw: Switch) -> None:
    did = sw["learn_t"]
    cfg = P.DigestEntry(digest_id=did, config=P.DigestEntry.Config(
        max_timeout_ns=0, max_list_size=1, ack_timeout_ns=10**12))
    assert sw.code(modify(Entity(digest_entry=cfg))) == Code.NOT_FOUND     # not enabled
    sw.ok(insert(Entity(digest_entry=cfg)))
    assert sw.code(insert(Entity(digest_entry=cfg))) == Code.ALREADY_EXISTS
    assert sw.read(Entity(digest_entry=P.DigestEntry())) == [Entity(digest_entry=cfg)]
    sw.send(3, ctl(13, mac=0x0000000000AB))
    events = [ev for ev in sw.client.poll_events() if isinstance(ev, cp.DigestList)]
    assert len(events) == 1
    dl = sw.tr.digest_list(events[0])
    assert dl.digest_id == did and dl.list_id == events[0].list_id
    (data,) = dl.data
    assert data == p4data_pb2.P4Data(struct=p4data_pb2.P4StructLike(members=[
        p4data_pb2.P4Data(bitstring=b"\xab"), p4data_pb2.P4Data(bitstring=b"\x03")]))
    ack = sw.tr.digest_ack(P.DigestListAck(digest_id=did, list_id=dl.list_id))
    sw.client.request(ack)
    with pytest.raises(E.P4RuntimeError) as exc:
        sw.tr.digest_ack(P.DigestListAck(digest_id=1, list_id=1))
    assert exc.value.code == Code.INVALID_ARGUMENT
    sw.ok(delete(Entity(digest_entry=P.DigestEntry(digest_id=did))))
    assert sw.code(insert(Entity(digest_entry=P.DigestEntry(digest_id=did)))) \
        == Code.INVALID_ARGUMENT                                          # no config
    bad = P.DigestEntry(digest_id=did, config=P.DigestEntry.Config(max_list_size=-1))
    assert sw.code(insert(Entity(digest_entry=bad))) == Code.INVALID_ARGUMENT
    assert sw.code(insert(Entity(digest_entry=P.DigestEntry(digest_id=0x17FFFFFF)))) \
        == Code.NOT_FOUND


# --- Packet I/O -------------------------------------------------------------------------


def test_packet_out_and_packet_in(sw: Switch) -> None:
    out = P.PacketOut(payload=ctl(0))
    out.metadata.add(metadata_id=1, value=b"\x00\x05")        # egress_port
    out.metadata.add(metadata_id=2, value=b"\x00")            # pad
    req = sw.tr.packet_out(out)
    reply = sw.client.packet_out(req.payload, dict(req.metadata))
    assert [port for port, _ in reply.outputs] == [5]
    # To the CPU port: a packet-in with the program's header fields.
    sw.ok(insert(sw.entry("I.t_cpu", [("exact", b"\x00\x42")], "I.to_cpu")))
    sw.send(7, ctl(12, b=0x42))
    (pin,) = [ev for ev in sw.client.poll_events() if isinstance(ev, cp.PacketIn)]
    msg = sw.tr.packet_in(pin)
    assert [(m.metadata_id, m.value) for m in msg.metadata] == [
        (1, b"\x07"), (2, b"\x00"), (3, b"\x12\x34")]
    assert msg.payload[0] == 12

    def code(meta: list[tuple[int, bytes]], payload: bytes = b"x") -> Code:
        m = P.PacketOut(payload=payload)
        for mid, v in meta:
            m.metadata.add(metadata_id=mid, value=v)
        try:
            sw.tr.packet_out(m)
        except E.P4RuntimeError as err:
            return err.code
        return Code.OK

    assert code([(1, b"\x05"), (2, b"\x00")]) == Code.OK
    assert code([(1, b"\x05")]) == Code.INVALID_ARGUMENT                       # pad missing
    assert code([(1, b"\x05"), (2, b"\x00"), (3, b"\x00")]) == Code.INVALID_ARGUMENT
    assert code([(1, b"\x05"), (1, b"\x05"), (2, b"\x00")]) == Code.INVALID_ARGUMENT
    assert code([(1, b"\x02\x00"), (2, b"\x00")]) == Code.INVALID_ARGUMENT     # 10 bits
    assert code([(1, b""), (2, b"\x00")]) == Code.INVALID_ARGUMENT
    assert code([(1, b"\x05"), (2, b"\x00")], b"x" * 65536) == Code.INVALID_ARGUMENT


# --- Error reporting --------------------------------------------------------------------


def test_control_statuses_map_to_the_spec_codes() -> None:
    want = {cp.Status.INVALID: Code.INVALID_ARGUMENT, cp.Status.NOT_FOUND: Code.NOT_FOUND,
            cp.Status.EXISTS: Code.ALREADY_EXISTS, cp.Status.FULL: Code.RESOURCE_EXHAUSTED,
            cp.Status.RANGE: Code.OUT_OF_RANGE, cp.Status.UNSUPPORTED: Code.UNIMPLEMENTED,
            cp.Status.CONST: Code.PERMISSION_DENIED, cp.Status.NOMEM: Code.RESOURCE_EXHAUSTED,
            cp.Status.IN_USE: Code.FAILED_PRECONDITION, cp.Status.TOOBIG: Code.INTERNAL}
    for status, code in want.items():
        err = E.from_control_status(status, "table t entry")
        assert err.code == code and err.message.startswith("table t entry: ")
        assert err.to_proto().space == E.CONTROL_SPACE and err.to_proto().code == status
    assert E.from_control_status(99, "x").code == Code.UNKNOWN


def test_write_error_status(sw: Switch) -> None:
    e = sw.entry("I.t_exact", [("exact", b"\x01"), ("exact", b"\x02")], "I.drop")
    errors = sw.write(insert(e), insert(e), insert(Entity()))
    status = E.write_error_status(errors)
    assert status.code == Code.UNKNOWN
    assert status.trailing_metadata[0][0] == "grpc-status-details-bin"
    proto = status.proto
    assert proto.code == Code.UNKNOWN.value[0]
    details = E.errors_of_status(proto)
    assert [d.canonical_code for d in details] == [0, Code.ALREADY_EXISTS.value[0],
                                                   Code.INVALID_ARGUMENT.value[0]]
    assert details[0] == P.Error()                    # OK: nothing else set
    assert details[1].space == E.CONTROL_SPACE and "already exists" in details[1].message
    assert not details[2].space
    from google.rpc import status_pb2

    assert status_pb2.Status.FromString(status.trailing_metadata[0][1]) == proto


def test_read_results_of_decoded_items_equal_raw_replies(sw: Switch) -> None:
    """read_results (items the control client decoded, as ovs-p4rtd's
    device reads them) and the raw reply path give the same entities."""
    sw.ok(insert(_counted(sw, idle_timeout_ns=5)), insert(_colored(sw)),
          insert(member(sw, "I.t_sel2", 1, 5)), insert(group(sw, "I.t_sel2", 3, [(1, 2)])),
          modify(Entity(meter_entry=P.MeterEntry(meter_id=sw["I.meters"], index=P.Index(index=1),
                                                 config=P.MeterConfig(cir=1, pir=2)))))
    sw.client.set_mcast_group(4, [(1, 0), (2, 1)])
    sw.client.set_clone_session(2, [(3, 0)], truncate_len=64)
    sw.client.set_digest_config(sw["learn_t"], max_list_size=3)
    sw.client.write_value_set(sw["P.special"], [[cp.FieldMatch.exact(1, 7)]])
    with_all = P.TableEntry()
    with_all.counter_data.SetInParent()
    with_all.meter_config.SetInParent()
    with_all.time_since_last_hit.SetInParent()
    requests = [
        Entity(table_entry=with_all), Entity(table_entry=P.TableEntry()),
        Entity(direct_counter_entry=P.DirectCounterEntry()),
        Entity(direct_meter_entry=P.DirectMeterEntry()),
        Entity(action_profile_member=P.ActionProfileMember()),
        Entity(action_profile_group=P.ActionProfileGroup()),
        Entity(counter_entry=P.CounterEntry()), Entity(meter_entry=P.MeterEntry()),
        Entity(register_entry=P.RegisterEntry()),
        Entity(packet_replication_engine_entry=P.PacketReplicationEngineEntry()),
        Entity(value_set_entry=P.ValueSetEntry()), Entity(digest_entry=P.DigestEntry()),
    ]
    for request in requests:
        raw = sw.read(request)
        decoded = []
        for q in sw.tr.read_queries(request):
            r = q.request
            items = list(sw.client.read(r.entity, r.id, r.index, r.key))
            decoded += sw.tr.read_results(q, items)
        for e in raw + decoded:                     # data plane volatile
            if e.table_entry.HasField("time_since_last_hit"):
                e.table_entry.time_since_last_hit.elapsed_ns = 0
        assert decoded == raw and raw, request


def test_plans_split_into_requests_keep_multi_updates_whole(sw: Switch) -> None:
    """A plan sent in several WRITE requests (as ovs-p4rtd does, with an xid
    each) gives the same errors, a one-shot's updates never split."""
    one_shot = sw.entry("I.t_sel", [("exact", b"\x00\x09")])
    for port in (11, 12):
        a = one_shot.table_entry.action.action_profile_action_set.action_profile_actions.add(
            weight=1)
        sw.action(a.action, "I.set_out", [bytes([port]), b"\x01"])
    ups = [insert(sw.entry("I.t_exact", [("exact", bytes([i])), ("exact", b"\x01")],
                           "I.drop")) for i in range(1, 4)]
    ups.insert(1, insert(one_shot))
    ups.append(ups[0])                                           # ALREADY_EXISTS
    plan = sw.tr.encode_updates(ups, whole=True)     # all in one plan, one-shot or not
    xids = iter(range(100, 200))
    reqs = plan.requests(lambda: next(xids), max_updates=3)
    sizes = [int.from_bytes(r[16:20], "little") for r in reqs]
    assert sum(sizes) == 3 + 4 + 1 and max(sizes) <= 4
    assert [cp.decode_header(r).xid for r in reqs] == list(range(100, 100 + len(reqs)))
    statuses = b"".join(cp.write_reply_statuses(sw.pipe.control(r))[1] for r in reqs)
    assert plan.finish(statuses) == []
    assert [e.code if e else None for e in plan.errors] == [None] * 4 + [Code.ALREADY_EXISTS]
    (got,) = sw.read(table(sw, "I.t_sel"))
    assert got.table_entry.action.HasField("action_profile_action_set")
