"""Action profiles, action selectors (members, groups, one-shots) and parser
value sets over real gRPC: ovs-p4rtd driving an ovs-vswitchd P4 bridge
running tests/programs/p4rt_tables.p4.  The translator's semantics and
error codes are unit-tested in process (tests/unit/
test_p4runtime_translate_objects.py); here they must survive the server:
its Write slicing and pipelining (Device.write), its reads, and the
datapath, with frames through the bridge to show what forwards.

One sandbox serves the module: bridge ob (device 1), P4 ports 1..3 joined
to hosts h1..h3.  The program parses a ctl_t header straight from the
frame (no Ethernet): frames are raw ctl_t bytes plus a tag.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from ovstest import (
    Capture,
    Host,
    Sandbox,
    p4rt_client,
    requires_root_linux,
    wait_until,
)

from ovsp4.p4runtime.client import P4RuntimeClient, P4RuntimeClientError
from ovsp4.proto import p4info_pb2, p4runtime_pb2

pytestmark = requires_root_linux

PROGRAM = Path(__file__).resolve().parent.parent / "programs" / "p4rt_tables.p4"
client = p4rt_client
Code = grpc.StatusCode
P = p4runtime_pb2
Update = P.Update
Entity = P.Entity
# ctl_t.mac bytes 3..4 land where Ethernet has its type: our frames then
# carry this one and the captures see nothing else.
ETH_TYPE = 0x88B5
MAC = ETH_TYPE << 8


# --- The sandbox -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sb(module_p4rt_sandbox: Sandbox) -> Sandbox:
    module_p4rt_sandbox.p4ctl("add-br", "ob", "--program", PROGRAM, "--device-id", "1")
    return module_p4rt_sandbox


@pytest.fixture(scope="module")
def hosts(sb: Sandbox) -> Iterator[dict[int, Host]]:
    """h1..h3 on P4 ports 1..3 of ob, by port."""
    made: dict[int, Host] = {}
    try:
        for port in (1, 2, 3):
            made[port] = Host.create(f"{sb.netns}-h{port}", sb.netns, f"ob-eth{port}",
                                     f"10.0.7.{port}", f"02:00:00:00:07:0{port}")
            sb.p4ctl("add-port", "ob", f"ob-eth{port}", "--port-id", str(port))
        yield made
    finally:
        for h in made.values():
            h.destroy()


_next_primary_id = itertools.count(1000)


@pytest.fixture
def primary(sb: Sandbox) -> Iterator[P4RuntimeClient]:
    """The primary client; afterwards the device is left empty: entries,
    then groups, then members (references first), and the value set."""
    c = client(sb, election=(0, next(_next_primary_id)))
    yield c
    c.close()
    c = client(sb, election=(0, next(_next_primary_id)))
    try:
        p4info = c.p4info()
        const = {t.preamble.id for t in p4info.tables if t.is_const_table}
        for wildcard in (Entity(table_entry=P.TableEntry()),
                         Entity(action_profile_group=P.ActionProfileGroup()),
                         Entity(action_profile_member=P.ActionProfileMember())):
            found = [e for e in c.read([wildcard]) if e.table_entry.table_id not in const]
            if found:
                c.write([delete(e) for e in found])
        c.write([modify(value_set(Names(p4info)))])
    finally:
        c.close()


# --- Building entities -------------------------------------------------------------------


class Names:
    """P4Info ids by name and kind (an action profile is named after its
    table)."""

    def __init__(self, p4info: p4info_pb2.P4Info) -> None:
        self.tables = {t.preamble.name: t.preamble.id for t in p4info.tables}
        self.actions = {a.preamble.name: a.preamble.id for a in p4info.actions}
        self.profiles = {a.preamble.name: a.preamble.id for a in p4info.action_profiles}
        self.value_sets = {v.preamble.name: v.preamble.id for v in p4info.value_sets}


def b(v: int) -> bytes:
    """The canonical bytestring of ``v`` (what reads return)."""
    return v.to_bytes(max(1, (v.bit_length() + 7) // 8), "big")


def set_out(n: Names, msg: P.Action, port: int, v: int) -> None:
    msg.action_id = n.actions["I.set_out"]
    msg.params.add(param_id=1, value=b(port))
    msg.params.add(param_id=2, value=b(v))


def member(n: Names, profile: str, mid: int, port: int, v: int | None = None) -> Entity:
    m = P.ActionProfileMember(action_profile_id=n.profiles[profile], member_id=mid)
    set_out(n, m.action, port, mid & 0xFF if v is None else v)
    return Entity(action_profile_member=m)


def group(n: Names, profile: str, gid: int, members: list[tuple[int, int]],
          max_size: int = 0) -> Entity:
    g = P.ActionProfileGroup(action_profile_id=n.profiles[profile], group_id=gid,
                             max_size=max_size)
    for mid, w in members:
        g.members.add(member_id=mid, weight=w)
    return Entity(action_profile_group=g)


def entry(n: Names, table: str, key: int, *, member_id: int = 0, group_id: int = 0,
          actions: list[tuple[int, int]] | None = None) -> Entity:
    """An entry of t_prof, t_sel or t_sel2 (key ctl.b) to a member, a group,
    or a one-shot action set of (port, weight) (set_out(port, weight))."""
    e = Entity(table_entry=P.TableEntry(table_id=n.tables[table]))
    e.table_entry.match.add(field_id=1).exact.value = b(key)
    if member_id:
        e.table_entry.action.action_profile_member_id = member_id
    elif group_id:
        e.table_entry.action.action_profile_group_id = group_id
    elif actions is not None:
        aps = e.table_entry.action.action_profile_action_set
        for port, w in actions:
            set_out(n, aps.action_profile_actions.add(weight=w).action, port, w)
    return e


def exact(n: Names, a: int, key: int = 1) -> Entity:
    """A t_exact entry (ctl.a, ctl.b) -> set_out_counted(2, a & 0xff)."""
    e = Entity(table_entry=P.TableEntry(table_id=n.tables["I.t_exact"]))
    e.table_entry.match.add(field_id=1).exact.value = b(a)
    e.table_entry.match.add(field_id=2).exact.value = b(key)
    act = e.table_entry.action.action
    act.action_id = n.actions["I.set_out_counted"]
    act.params.add(param_id=1, value=b"\x02")
    act.params.add(param_id=2, value=b(a & 0xFF))
    return e


def value_set(n: Names, *values: int) -> Entity:
    v = P.ValueSetEntry(value_set_id=n.value_sets["P.special"])
    for value in values:
        v.members.add().match.add(field_id=1).exact.value = b(value)
    return Entity(value_set_entry=v)


def insert(e: Entity) -> Update:
    return Update(type=Update.INSERT, entity=e)


def modify(e: Entity) -> Update:
    return Update(type=Update.MODIFY, entity=e)


def delete(e: Entity) -> Update:
    return Update(type=Update.DELETE, entity=e)


def read(c: P4RuntimeClient, e: Entity) -> list[Entity]:
    return list(c.read([e]))


def members_of(c: P4RuntimeClient, n: Names, profile: str | None) -> list[Entity]:
    """A wildcard member read: one profile's, or every profile's."""
    m = P.ActionProfileMember(action_profile_id=n.profiles[profile] if profile else 0)
    return sorted(read(c, Entity(action_profile_member=m)),
                  key=lambda x: (x.action_profile_member.action_profile_id,
                                 x.action_profile_member.member_id))


def groups_of(c: P4RuntimeClient, n: Names, profile: str | None) -> list[Entity]:
    g = P.ActionProfileGroup(action_profile_id=n.profiles[profile] if profile else 0)
    return sorted(read(c, Entity(action_profile_group=g)),
                  key=lambda x: (x.action_profile_group.action_profile_id,
                                 x.action_profile_group.group_id))


def entries_of(c: P4RuntimeClient, n: Names, table: str) -> list[Entity]:
    return read(c, Entity(table_entry=P.TableEntry(table_id=n.tables[table])))


def errors_of(c: P4RuntimeClient, updates: list[Update]) -> list[tuple[int, Code]]:
    """Every failed update of a Write: (index, code)."""
    try:
        c.write(updates)
    except P4RuntimeClientError as err:
        assert err.code == Code.UNKNOWN and err.updates, str(err)
        return [(u.index, u.code) for u in err.updates]
    return []


# --- Traffic -----------------------------------------------------------------------------

SEND = r"""
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
for f in sys.argv[2:]:
    s.send(bytes.fromhex(f))
"""

_tags = itertools.count(1)


def ctl(kind: int, a: int = 0, key: int = 0) -> bytes:
    """A ctl_t header: kind (the table), a (the selector's field), b (the key)."""
    return (bytes([kind]) + a.to_bytes(4, "big") + key.to_bytes(2, "big") + bytes(2)
            + MAC.to_bytes(6, "big") + bytes(16) + bytes(3))


RES, VS = 31, 33        # ctl_t.res (set_out's v) and ctl_t.vs (value set hit)


def through(hosts: dict[int, Host], frames: list[bytes]) -> dict[int, list[bytes]]:
    """Sends frames (ctl_t headers) from h1, each with a tag of its own
    after the header; returns the frames that came out, by port, once all
    did."""
    caps = {port: Capture(h.ns, ethertype=ETH_TYPE) for port, h in hosts.items()}
    try:
        run = next(_tags).to_bytes(4, "big")
        sent = [f + b"OBJS" + run + i.to_bytes(4, "big") for i, f in enumerate(frames)]
        hosts[1].run(sys.executable, "-c", SEND, "eth0", *(f.hex() for f in sent))
        mine = b"OBJS" + run

        def arrived() -> int:
            return sum(cap.count(mine) for cap in caps.values())

        wait_until(lambda: arrived() >= len(sent), 20, f"{len(sent)} frames through ob")
        return {port: [f for f in list(cap.frames) if mine in f] for port, cap in caps.items()}
    finally:
        for cap in caps.values():
            cap.close()


# --- Members and groups ------------------------------------------------------------------


def test_members_and_groups_read_back_as_written(primary: P4RuntimeClient):
    n = Names(primary.p4info())
    members = [member(n, "I.t_sel", mid, port) for mid, port in ((1, 2), (2, 3), (3, 2))]
    prof_members = [member(n, "I.t_prof", mid, port) for mid, port in ((1, 2), (2, 3))]
    g = group(n, "I.t_sel", 10, [(1, 1), (2, 2), (3, 1)], max_size=8)
    g.action_profile_group.members[0].watch_port = b"\x02"
    g.action_profile_group.members[1].watch = 3                     # the deprecated kind
    primary.write([insert(e) for e in members + prof_members] + [insert(g)])
    assert members_of(primary, n, "I.t_sel") == members
    assert members_of(primary, n, "I.t_prof") == prof_members
    assert members_of(primary, n, None) == sorted(
        members + prof_members, key=lambda x: (x.action_profile_member.action_profile_id,
                                               x.action_profile_member.member_id))

    def one(mid: int) -> Entity:
        return Entity(action_profile_member=P.ActionProfileMember(
            action_profile_id=n.profiles["I.t_sel"], member_id=mid))

    assert read(primary, one(2)) == [members[1]]
    assert read(primary, one(9)) == []
    # Watch ports are not in the datapath: the server remembers them.
    assert groups_of(primary, n, "I.t_sel") == [g]
    assert groups_of(primary, n, None) == [g]

    # Table entries referring to them read back with the references.
    sel = entry(n, "I.t_sel", 1, group_id=10)
    prof = entry(n, "I.t_prof", 7, member_id=2)
    primary.write([insert(sel), insert(prof)])
    assert entries_of(primary, n, "I.t_sel") == [sel]
    assert entries_of(primary, n, "I.t_prof") == [prof]

    # MODIFY replaces members, weights and watches.  Members are a set:
    # they read back by member id.
    primary.write([modify(group(n, "I.t_sel", 10, [(3, 1), (1, 4)], max_size=8))])
    g2 = group(n, "I.t_sel", 10, [(1, 4), (3, 1)], max_size=8)
    assert groups_of(primary, n, "I.t_sel") == [g2]

    # The spec's codes (and the unit tests'), each leaving things unchanged.
    def code(update: Update) -> Code:
        return expect_code(primary, update)

    assert code(insert(group(n, "I.t_sel", 11, [(1, 5), (2, 4)], 8))) == \
        Code.RESOURCE_EXHAUSTED                                      # weights 9 > max_size 8
    assert code(insert(group(n, "I.t_sel", 11, [(1, 1)], 9))) == \
        Code.INVALID_ARGUMENT                                        # above max_group_size 8
    assert code(insert(group(n, "I.t_sel", 11, [(1, 1), (99, 1)], 8))) == Code.NOT_FOUND
    assert code(modify(group(n, "I.t_sel", 10, [(99, 1)], 8))) == Code.NOT_FOUND
    assert code(modify(group(n, "I.t_sel", 12, [(1, 1)], 8))) == Code.NOT_FOUND
    assert code(insert(group(n, "I.t_sel", 11, [(1, 0)], 8))) == Code.INVALID_ARGUMENT
    assert code(insert(group(n, "I.t_sel", 10, [(1, 1)], 8))) == Code.ALREADY_EXISTS
    assert code(insert(group(n, "I.t_prof", 1, [(1, 1)]))) == Code.INVALID_ARGUMENT
    assert code(delete(member(n, "I.t_sel", 3, 0))) == Code.FAILED_PRECONDITION  # in group 10
    assert code(delete(member(n, "I.t_prof", 2, 0))) == Code.FAILED_PRECONDITION  # entry's
    assert code(delete(group(n, "I.t_sel", 10, []))) == Code.FAILED_PRECONDITION  # entry's
    assert code(insert(member(n, "I.t_sel", 1, 5))) == Code.ALREADY_EXISTS
    assert code(insert(member(n, "I.t_sel", 0x80000001, 5))) == Code.INVALID_ARGUMENT
    assert code(insert(entry(n, "I.t_sel", 2, group_id=77))) == Code.NOT_FOUND
    assert code(insert(entry(n, "I.t_prof", 2, member_id=55))) == Code.NOT_FOUND
    assert code(insert(entry(n, "I.t_sel", 2, member_id=55))) == Code.NOT_FOUND
    assert groups_of(primary, n, "I.t_sel") == [g2]
    assert members_of(primary, n, "I.t_sel") == members
    assert entries_of(primary, n, "I.t_sel") == [sel]

    # Unreferenced again, everything goes; in this order only.
    primary.write([delete(sel), delete(prof), delete(g2)]
                  + [delete(e) for e in members + prof_members])
    assert members_of(primary, n, None) == [] and groups_of(primary, n, None) == []


def expect_code(c: P4RuntimeClient, update: Update) -> Code:
    try:
        c.write([update])
    except P4RuntimeClientError as err:
        (u,) = err.updates
        return u.code
    return Code.OK


def test_a_selector_without_max_group_size_takes_any_max_size(primary: P4RuntimeClient):
    n = Names(primary.p4info())
    primary.write([insert(member(n, "I.t_sel2", 1, 2)), insert(member(n, "I.t_sel2", 2, 3))])
    g = group(n, "I.t_sel2", 1, [(1, 3), (2, 5)])
    primary.write([insert(g)])
    assert groups_of(primary, n, "I.t_sel2") == [g]
    assert expect_code(primary, insert(group(n, "I.t_sel2", 2, [(1, 2), (2, 2)], 3))) == \
        Code.RESOURCE_EXHAUSTED


def test_a_group_spreads_traffic_over_its_members(primary: P4RuntimeClient,
                                                  hosts: dict[int, Host]):
    n = Names(primary.p4info())
    primary.write([insert(member(n, "I.t_sel", 1, 2, v=0x11)),
                   insert(member(n, "I.t_sel", 2, 3, v=0x22)),
                   insert(group(n, "I.t_sel", 10, [(1, 1), (2, 1)], 8)),
                   insert(entry(n, "I.t_sel", 1, group_id=10)),
                   insert(member(n, "I.t_prof", 5, 3, v=0x55)),
                   insert(entry(n, "I.t_prof", 7, member_id=5))])
    # Different selector fields hash to both members: each port gets the
    # frames of its member (set_out's v in ctl_t.res).
    out = through(hosts, [ctl(10, a=i * 7919, key=1) for i in range(48)])
    assert out[1] == []
    assert out[2] and out[3] and len(out[2]) + len(out[3]) == 48
    assert {f[RES] for f in out[2]} == {0x11} and {f[RES] for f in out[3]} == {0x22}
    out = through(hosts, [ctl(9, key=7)])
    assert [f[RES] for f in out[3]] == [0x55] and out[2] == []
    # The group now only has member 2.
    primary.write([modify(group(n, "I.t_sel", 10, [(2, 3)], 8))])
    out = through(hosts, [ctl(10, a=i * 7919, key=1) for i in range(16)])
    assert out[2] == [] and len(out[3]) == 16


# --- One-shot action selector programming ------------------------------------------------


def test_one_shot_programming(primary: P4RuntimeClient, hosts: dict[int, Host]):
    n = Names(primary.p4info())
    e = entry(n, "I.t_sel", 1, actions=[(2, 1), (3, 2)])
    e.table_entry.action.action_profile_action_set.action_profile_actions[1].watch_port = \
        b"\x03"
    primary.write([insert(e)])
    # Read back the way it was written (spec "One Shot Action Selector
    # Programming"); the hidden members and group stay hidden
    # (Documentation/p4runtime-translation.md: "never returned").
    assert entries_of(primary, n, "I.t_sel") == [e]
    assert members_of(primary, n, "I.t_sel") == [] and groups_of(primary, n, "I.t_sel") == []
    assert members_of(primary, n, None) == [] and groups_of(primary, n, None) == []
    out = through(hosts, [ctl(10, a=i * 7919, key=1) for i in range(48)])
    assert out[2] and out[3] and len(out[2]) + len(out[3]) == 48
    assert {f[RES] for f in out[2]} == {1} and {f[RES] for f in out[3]} == {2}

    # A selector takes one style only (spec): members, groups and entries
    # referring to them are refused while one-shots exist.
    assert expect_code(primary, insert(member(n, "I.t_sel", 1, 2))) == Code.INVALID_ARGUMENT
    assert expect_code(primary, insert(group(n, "I.t_sel", 1, [], 8))) == Code.INVALID_ARGUMENT
    assert expect_code(primary, insert(entry(n, "I.t_sel", 2, member_id=1))) == \
        Code.INVALID_ARGUMENT
    # Invalid action sets: weight 0; weights 9 above max_group_size 8.
    assert expect_code(primary, insert(entry(n, "I.t_sel", 3, actions=[(2, 0)]))) == \
        Code.INVALID_ARGUMENT
    assert expect_code(primary, insert(entry(n, "I.t_sel", 3, actions=[(2, 5), (3, 4)]))) == \
        Code.INVALID_ARGUMENT
    # A one-shot in a table without a selector.
    assert expect_code(primary, insert(entry(n, "I.t_prof", 3, actions=[(2, 1)]))) == \
        Code.INVALID_ARGUMENT
    # A failed insert (the key exists) changes nothing.
    assert expect_code(primary, insert(entry(n, "I.t_sel", 1, actions=[(3, 1)]))) == \
        Code.ALREADY_EXISTS
    assert entries_of(primary, n, "I.t_sel") == [e]

    # MODIFY: a new action set, read back as such; traffic follows it.
    e2 = entry(n, "I.t_sel", 1, actions=[(3, 4)])
    primary.write([modify(e2)])
    assert entries_of(primary, n, "I.t_sel") == [e2]
    out = through(hosts, [ctl(10, a=i * 7919, key=1) for i in range(16)])
    assert out[2] == [] and [f[RES] for f in out[3]] == [4] * 16

    # DELETE: gone, and the selector is free for members and groups again
    # (nothing of the one-shot is left behind).
    primary.write([delete(entry(n, "I.t_sel", 1))])
    assert entries_of(primary, n, "I.t_sel") == []
    primary.write([insert(member(n, "I.t_sel", 1, 2))])
    assert expect_code(primary, insert(entry(n, "I.t_sel", 4, actions=[(2, 1)]))) == \
        Code.INVALID_ARGUMENT
    assert members_of(primary, n, "I.t_sel") == [member(n, "I.t_sel", 1, 2)]


# --- Value sets --------------------------------------------------------------------------


def test_value_set(primary: P4RuntimeClient, hosts: dict[int, Host]):
    n = Names(primary.p4info())
    vsid = n.value_sets["P.special"]
    # t_prof forwards the probes to h2 (the value set is parsed first).
    primary.write([insert(member(n, "I.t_prof", 1, 2))]
                  + [insert(entry(n, "I.t_prof", k, member_id=1)) for k in (0x1234, 9, 0x42)])

    def hits() -> dict[int, int]:
        out = through(hosts, [ctl(9, key=k) for k in (0x1234, 9, 0x42)])
        return {int.from_bytes(f[5:7], "big"): f[VS] for f in out[2]}

    assert hits() == {0x1234: 0, 9: 0, 0x42: 0}
    vs = value_set(n, 0x1234, 9)
    primary.write([modify(vs)])
    assert read(primary, Entity(value_set_entry=P.ValueSetEntry(value_set_id=vsid))) == [vs]
    assert read(primary, Entity(value_set_entry=P.ValueSetEntry())) == [vs]
    assert hits() == {0x1234: 1, 9: 1, 0x42: 0}
    # MODIFY replaces the whole set.
    vs2 = value_set(n, 0x42)
    primary.write([modify(vs2)])
    assert read(primary, Entity(value_set_entry=P.ValueSetEntry(value_set_id=vsid))) == [vs2]
    assert hits() == {0x1234: 0, 9: 0, 0x42: 1}
    # Size 4: five members do not fit (spec: RESOURCE_EXHAUSTED); the set
    # stays as it was.  Only MODIFY; a member twice; unknown value set.
    assert expect_code(primary, modify(value_set(n, 1, 2, 3, 4, 5))) == \
        Code.RESOURCE_EXHAUSTED
    assert expect_code(primary, insert(value_set(n, 1))) == Code.INVALID_ARGUMENT
    assert expect_code(primary, delete(value_set(n, 1))) == Code.INVALID_ARGUMENT
    assert expect_code(primary, modify(value_set(n, 1, 1))) == Code.ALREADY_EXISTS
    bad = value_set(n, 1)
    bad.value_set_entry.value_set_id = 0x03FFFFFF
    assert expect_code(primary, modify(bad)) == Code.NOT_FOUND
    assert read(primary, Entity(value_set_entry=P.ValueSetEntry())) == [vs2]
    full = value_set(n, 1, 2, 3, 4)
    primary.write([modify(full)])
    assert read(primary, Entity(value_set_entry=P.ValueSetEntry())) == [full]
    # Emptied: nothing matches.
    primary.write([modify(value_set(n))])
    assert hits() == {0x1234: 0, 9: 0, 0x42: 0}


# --- A large Write mixing everything -----------------------------------------------------


def test_a_large_mixed_write_reports_every_update_by_index(primary: P4RuntimeClient):
    """900 updates: four slices of 256 for ovs-p4rtd (Device.write).  Slice 0
    and 2 and 3 hold stateful updates (members, groups, a one-shot, a value
    set), slice 1 only table entries (sent while slice 2 is translated).
    Later slices depend on earlier ones: the outcome must be that of the
    updates applied one by one."""
    n = Names(primary.p4info())
    updates = [insert(exact(n, i)) for i in range(900)]
    special: dict[int, Update] = {
        # Slice 0.
        5: insert(member(n, "I.t_sel2", 1, 2)),
        6: insert(member(n, "I.t_sel2", 2, 3)),
        7: insert(member(n, "I.t_prof", 1, 2)),
        100: insert(exact(n, 3)),                                   # ALREADY_EXISTS
        250: insert(group(n, "I.t_sel2", 20, [(1, 1), (2, 3)])),
        255: insert(entry(n, "I.t_sel2", 1, group_id=20)),
        # Slice 1: plain entries only.
        300: insert(exact(n, 299)),                                 # ALREADY_EXISTS
        400: delete(exact(n, 12)),
        # Slice 2.
        600: insert(entry(n, "I.t_prof", 1, member_id=1)),          # member of slice 0
        601: insert(entry(n, "I.t_sel", 2, actions=[(2, 1), (3, 2)])),
        602: insert(group(n, "I.t_sel2", 21, [(1, 1), (99, 1)])),   # NOT_FOUND
        700: insert(entry(n, "I.t_prof", 2, member_id=42)),         # NOT_FOUND
        # Slice 3.
        768: insert(member(n, "I.t_sel", 1, 2)),                    # one-shot selector
        769: delete(member(n, "I.t_sel2", 1, 0)),                   # in group 20
        770: modify(value_set(n, 7)),
        800: modify(group(n, "I.t_sel2", 20, [(2, 1)])),
        801: insert(group(n, "I.t_sel2", 22, [(1, 0)])),            # weight 0
        802: insert(entry(n, "I.t_sel", 3, member_id=1)),           # one-shot selector
        899: delete(exact(n, 10)),
    }
    for i, u in special.items():
        updates[i] = u
    assert errors_of(primary, updates) == [
        (100, Code.ALREADY_EXISTS), (300, Code.ALREADY_EXISTS), (602, Code.NOT_FOUND),
        (700, Code.NOT_FOUND), (768, Code.INVALID_ARGUMENT), (769, Code.FAILED_PRECONDITION),
        (801, Code.INVALID_ARGUMENT), (802, Code.INVALID_ARGUMENT)]

    got = {int.from_bytes(e.table_entry.match[0].exact.value, "big")
           for e in entries_of(primary, n, "I.t_exact")}
    assert got == set(range(900)) - set(special) - {10, 12}
    assert entries_of(primary, n, "I.t_sel2") == [entry(n, "I.t_sel2", 1, group_id=20)]
    assert entries_of(primary, n, "I.t_prof") == [entry(n, "I.t_prof", 1, member_id=1)]
    assert entries_of(primary, n, "I.t_sel") == [entry(n, "I.t_sel", 2,
                                                        actions=[(2, 1), (3, 2)])]
    assert members_of(primary, n, None) == sorted(
        [member(n, "I.t_sel2", 1, 2), member(n, "I.t_sel2", 2, 3), member(n, "I.t_prof", 1, 2)],
        key=lambda x: (x.action_profile_member.action_profile_id,
                       x.action_profile_member.member_id))
    assert groups_of(primary, n, None) == [group(n, "I.t_sel2", 20, [(2, 1)])]
    assert read(primary, Entity(value_set_entry=P.ValueSetEntry())) == [value_set(n, 7)]


# --- Known bug: translator state within one slice -----------------------------------------


@pytest.mark.parametrize("case", ["members next to a one-shot",
                                  "one-shot inserted and deleted",
                                  "one-shot inserted and modified"])
def test_updates_of_one_write_see_each_others_state(primary: P4RuntimeClient, case: str):
    """What one Write does is what its updates do applied one by one (as
    for plain entries, test_p4runtime_spec), also for one-shots."""
    n = Names(primary.p4info())
    one_shot = entry(n, "I.t_sel", 1, actions=[(2, 1), (3, 1)])
    try:
        if case == "members next to a one-shot":
            # The selector is one-shot by the time the member comes.
            assert errors_of(primary, [insert(one_shot), insert(member(n, "I.t_sel", 1, 2))]) \
                == [(1, Code.INVALID_ARGUMENT)]
            return
        if case == "one-shot inserted and deleted":
            assert errors_of(primary, [insert(one_shot), delete(one_shot)]) == []
        else:
            modified = entry(n, "I.t_sel", 1, actions=[(3, 5)])
            assert errors_of(primary, [insert(one_shot), modify(modified)]) == []
            assert entries_of(primary, n, "I.t_sel") == [modified]
            primary.write([delete(modified)])
        # Nothing of the one-shot is left (hidden members and group): the
        # selector takes members again.
        assert entries_of(primary, n, "I.t_sel") == []
        assert errors_of(primary, [insert(member(n, "I.t_sel", 1, 2))]) == []
    finally:
        # Were it wrong, a new pipeline instance clears the stale translator
        # state for the tests after this one.
        cfg = primary.get_pipeline()
        primary.set_pipeline(cfg.p4info, cfg.p4_device_config)
