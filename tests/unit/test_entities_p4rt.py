"""ovsp4.entities: P4Runtime entities from what people write, and back.

Values in every form and width, match fields of every kind, actions,
table entries (built against the P4Info of real compiled programs:
tests/programs/p4ctl_entities.p4 and the P4 tutorials' programs), their
one-line and JSON forms and the round trips through them, the tutorials'
runtime files, counters, meters, registers, action profile members and
groups and parser value sets (tests/programs/p4rt_tables.p4), multicast
groups, clone sessions, packet-out, packet-in and digests.  No I/O.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from ovsp4.compiler.driver import compile_program
from ovsp4.entities import entries as E
from ovsp4.entities import externs as X
from ovsp4.entities import packets as P
from ovsp4.entities import profiles as A
from ovsp4.entities.index import P4InfoIndex, UnknownName
from ovsp4.entities.runtime_json import RuntimeFileError, load_runtime, load_runtime_file
from ovsp4.entities.values import (
    BadValue,
    EntityError,
    Style,
    canonical,
    format_value,
    json_value,
    parse_value,
    style_for,
)
from ovsp4.proto import p4data_pb2, p4runtime_pb2

from conformance_data import TUTORIALS, requires_conformance

PROGRAMS = Path(__file__).resolve().parents[1] / "programs"
Update = p4runtime_pb2.Update


@pytest.fixture(scope="module")
def ix() -> P4InfoIndex:
    return P4InfoIndex(compile_program(PROGRAMS / "p4ctl_entities.p4").p4info)


@pytest.fixture(scope="module")
def tables() -> P4InfoIndex:
    return P4InfoIndex(compile_program(PROGRAMS / "p4rt_tables.p4").p4info)


@pytest.fixture(scope="module")
def basic() -> P4InfoIndex:
    if not TUTORIALS.is_dir():
        pytest.skip("no P4 tutorials (../shared/conformance)")
    return P4InfoIndex(compile_program(TUTORIALS / "basic" / "basic.p4").p4info)


def fm_of(entry: p4runtime_pb2.TableEntry, field_id: int) -> p4runtime_pb2.FieldMatch | None:
    for fm in entry.match:
        if fm.field_id == field_id:
            return fm
    return None


# --- Values -------------------------------------------------------------------


@pytest.mark.parametrize("text,width,value", [
    ("0", 8, 0), ("255", 8, 255), ("0xff", 8, 255), ("0XFF", 8, 255), ("0b101", 3, 5),
    ("0o17", 4, 15), ("1_000", 16, 1000), (" 7 ", 4, 7), (5, 9, 5), (True, 1, 1),
    ("10.0.1.1", 32, 0x0A000101), ("255.255.255.255", 32, 0xFFFFFFFF),
    ("08:00:00:00:01:11", 48, 0x080000000111), ("8-0-0-0-1-11", 48, 0x080000000111),
    ("ff:ff:ff:ff:ff:ff", 48, (1 << 48) - 1),
    ("2001:db8::1", 128, 0x20010DB8000000000000000000000001), ("::", 128, 0),
    ("::ffff:10.0.0.1", 128, 0xFFFF0A000001),
    ("0x" + "f" * 32, 128, (1 << 128) - 1), ("1", 1, 1), ("511", 9, 511),
])
def test_parse_value_forms(text, width, value):
    assert parse_value(text, width) == value


@pytest.mark.parametrize("text,width,message", [
    ("256", 8, "does not fit in 8 bits"),
    ("512", 9, "does not fit in 9 bits"),
    ("10.0.0.1", 16, "does not fit in 16 bits"),
    ("08:00:00:00:01:11", 32, "does not fit in 32 bits"),
    ("-1", 8, "is negative"),
    ("ten", 8, "cannot read 'ten' (a number, IPv4, IPv6 or MAC)"),
    ("10.0.0.256", 32, "cannot read"),
    ("1:2:3", 128, "cannot read"),
    ("0x1" + "0" * 32, 128, "does not fit in 128 bits"),
])
def test_parse_value_errors(text, width, message):
    with pytest.raises(BadValue, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_value(text, width, "f")


def test_bad_values_are_entity_errors_and_value_errors():
    with pytest.raises(EntityError):
        parse_value("x", 8)
    with pytest.raises(ValueError):
        parse_value("x", 8)


@pytest.mark.parametrize("width,name,style", [
    (48, "hdr.ethernet.dstAddr", Style.MAC), (48, "meta.timestamp", Style.MAC),
    (32, "hdr.ipv4.dstAddr", Style.IPV4), (32, "srcaddr", Style.IPV4),
    (32, "meta.nhop_ipv4", Style.IPV4), (32, "dst_ip", Style.IPV4),
    (32, "meta.next_hop_address", Style.IPV4), (32, "hdr.tcp.seqNo", Style.DEC),
    (32, "meta.ip_len", Style.DEC), (32, "", Style.DEC),
    (128, "hdr.ipv6.dstAddr", Style.IPV6), (128, "h.wide", Style.IPV6),
    (9, "port", Style.DEC), (16, "etherType", Style.DEC), (64, "x", Style.DEC),
    (96, "x", Style.HEX), (1, "flag", Style.DEC),
])
def test_output_style_rule(width, name, style):
    assert style_for(width, name) is style


@pytest.mark.parametrize("value,width,name,text", [
    (0x080000000111, 48, "dstAddr", "08:00:00:00:01:11"),
    (0, 48, "dstAddr", "00:00:00:00:00:00"),
    (0x0A000101, 32, "hdr.ipv4.dstAddr", "10.0.1.1"),
    (0x0A000101, 32, "hdr.tcp.seqNo", "167772417"),
    (0x20010DB8 << 96 | 1, 128, "dstAddr", "2001:db8::1"),
    (1 << 95, 96, "x", "0x800000000000000000000000"),
    (511, 9, "port", "511"),
    (0x800, 16, "etherType", "2048"),
])
def test_format_value(value, width, name, text):
    assert format_value(value, width, name) == text
    assert parse_value(text, width) == value


def test_masks_are_hex_unless_addresses():
    assert format_value(0xFF00, 16, "x", is_mask=True) == "0xff00"
    assert format_value(0xFFFFFF00, 32, "dstAddr", is_mask=True) == "255.255.255.0"
    assert format_value((1 << 48) - 1, 48, "mac", is_mask=True) == "ff:ff:ff:ff:ff:ff"


def test_json_values_are_numbers_when_decimal():
    assert json_value(3, 9, "port") == 3
    assert json_value(3, 9, "port", is_mask=True) == "0x3"
    assert json_value(0x0A000001, 32, "dstAddr") == "10.0.0.1"
    assert json_value(0x080000000111, 48, "x") == "08:00:00:00:01:11"


def test_canonical_bytestrings():
    assert canonical(0) == b"\0"
    assert canonical(1) == b"\x01"
    assert canonical(0x100) == b"\x01\x00"
    assert canonical(0x0A000001) == b"\x0a\x00\x00\x01"
    assert canonical(0x000001) == b"\x01"


# --- Names --------------------------------------------------------------------


def test_names_resolve_by_full_name_alias_and_unique_suffix(ix: P4InfoIndex):
    assert ix.table("I.acl").preamble.name == "I.acl"
    assert ix.table("acl").preamble.name == "I.acl"
    table = ix.table("acl")
    assert ix.match_field(table, "hdr.ipv4.srcAddr").name == "hdr.ipv4.srcAddr"
    assert ix.match_field(table, "ipv4.srcAddr").name == "hdr.ipv4.srcAddr"
    assert ix.match_field(table, "protocol").name == "hdr.ipv4.protocol"
    with pytest.raises(UnknownName, match="match field of I.acl 'srcAddr' is ambiguous: "
                                          "hdr.ethernet.srcAddr, hdr.ipv4.srcAddr"):
        ix.match_field(table, "srcAddr")
    with pytest.raises(UnknownName, match=r"no table 'nope' \(known: I.acl, I.ipv6_lpm\)"):
        ix.table("nope")
    assert isinstance(UnknownName("x"), EntityError) and isinstance(UnknownName("x"), LookupError)


# --- Match fields -------------------------------------------------------------


def _mf(ix: P4InfoIndex, table: str, name: str):
    return ix.match_field(ix.table(table), name)


def test_ternary_forms(ix: P4InfoIndex):
    src = _mf(ix, "acl", "ipv4.srcAddr")
    fm = E.match_from_text(src, "10.0.0.0&&&255.0.0.0")
    assert fm.ternary.value == b"\x0a\0\0\0" and fm.ternary.mask == b"\xff\0\0\0"
    # Bits outside the mask are cleared, as P4Runtime wants.
    fm = E.match_from_text(src, "10.1.2.3&&&0xff000000")
    assert fm.ternary.value == b"\x0a\0\0\0"
    fm = E.match_from_text(src, "10.1.0.0/16")
    assert fm.ternary.mask == b"\xff\xff\0\0" and fm.ternary.value == b"\x0a\x01\0\0"
    fm = E.match_from_text(src, "10.0.0.1")
    assert fm.ternary.mask == b"\xff\xff\xff\xff"
    assert E.match_from_text(src, "*") is None
    assert E.match_from_text(src, "0&&&0") is None      # matches anything: left out
    assert E.match_from_text(src, "1.2.3.4/0") is None
    assert E.format_match(src, E.match_from_text(src, "10.0.0.0&&&255.0.0.0")) == \
        "10.0.0.0&&&255.0.0.0"
    with pytest.raises(BadValue, match="srcAddr mask: 0x1ffffffff does not fit in 32 bits"):
        E.match_from_text(src, "1&&&0x1ffffffff")


def test_range_forms(ix: P4InfoIndex):
    proto = _mf(ix, "acl", "protocol")
    fm = E.match_from_text(proto, "1..17")
    assert (fm.range.low, fm.range.high) == (b"\x01", b"\x11")
    fm = E.match_from_text(proto, "6")
    assert (fm.range.low, fm.range.high) == (b"\x06", b"\x06")
    fm = E.match_from_text(proto, "0x00..0x10")
    assert (fm.range.low, fm.range.high) == (b"\0", b"\x10")
    assert E.match_from_text(proto, "0..255") is None   # the whole range: left out
    assert E.match_from_text(proto, "*") is None
    assert E.format_match(proto, E.match_from_text(proto, "1..17")) == "1..17"
    with pytest.raises(BadValue, match="the range 9..3 is empty"):
        E.match_from_text(proto, "9..3")
    with pytest.raises(BadValue, match="'1&&&2' is not a value for a range field"):
        E.match_from_text(proto, "1&&&2")


def test_optional_and_exact_forms(ix: P4InfoIndex, basic: P4InfoIndex):
    smac = _mf(ix, "acl", "ethernet.srcAddr")
    fm = E.match_from_text(smac, "08:00:00:00:01:11")
    assert fm.optional.value == bytes.fromhex("080000000111")
    assert E.match_from_text(smac, "*") is None
    assert E.format_match(smac, fm) == "08:00:00:00:01:11"
    dst = _mf(basic, "ipv4_lpm", "dstAddr")
    assert dst.match_type == E.MatchType.LPM
    mc = P4InfoIndex(compile_program(TUTORIALS / "multicast" / "multicast.p4").p4info)
    exact = _mf(mc, "mac_lookup", "dstAddr")
    assert E.match_from_text(exact, "08:00:00:00:02:22").exact.value == \
        bytes.fromhex("080000000222")
    with pytest.raises(BadValue, match="an exact field cannot be left out"):
        E.match_from_text(exact, "*")
    with pytest.raises(BadValue, match="is not a value for a exact field"):
        E.match_from_text(exact, "1..2")


def test_lpm_forms(ix: P4InfoIndex, basic: P4InfoIndex):
    dst = _mf(basic, "ipv4_lpm", "dstAddr")
    fm = E.match_from_text(dst, "10.0.1.0/24")
    assert (fm.lpm.value, fm.lpm.prefix_len) == (b"\x0a\x00\x01\x00", 24)
    fm = E.match_from_text(dst, "10.0.1.77/24")          # host bits cleared
    assert fm.lpm.value == b"\x0a\x00\x01\x00"
    fm = E.match_from_text(dst, "10.0.1.1")
    assert fm.lpm.prefix_len == 32
    assert E.match_from_text(dst, "0.0.0.0/0") is None
    assert E.format_match(dst, E.match_from_text(dst, "10.0.0.0/8")) == "10.0.0.0/8"
    with pytest.raises(BadValue, match="prefix length: 33 is not in 0..32"):
        E.match_from_text(dst, "10.0.0.0/33")
    v6 = _mf(ix, "ipv6_lpm", "dstAddr")
    fm = E.match_from_text(v6, "2001:db8::/32")
    assert (fm.lpm.value, fm.lpm.prefix_len) == (bytes.fromhex("20010db8") + bytes(12), 32)
    assert E.format_match(v6, fm) == "2001:db8::/32"
    assert E.match_json(v6, fm) == ["2001:db8::", 32]


def test_match_from_runtime_json_forms(ix: P4InfoIndex, basic: P4InfoIndex):
    dst = _mf(basic, "ipv4_lpm", "dstAddr")
    assert E.match_from_json(dst, ["10.0.1.1", 32]).lpm.prefix_len == 32
    assert E.match_from_json(dst, "10.0.0.0/8").lpm.prefix_len == 8   # command-line form
    src = _mf(ix, "acl", "ipv4.srcAddr")
    assert E.match_from_json(src, ["10.0.0.0", "255.0.0.0"]).ternary.mask == b"\xff\0\0\0"
    assert E.match_from_json(src, [0x0A000000, 0xFF000000]).ternary.mask == b"\xff\0\0\0"
    proto = _mf(ix, "acl", "protocol")
    assert E.match_from_json(proto, [1, 6]).range.high == b"\x06"
    assert E.match_from_json(proto, [6]).range.low == b"\x06"
    with pytest.raises(BadValue, match="is not a value for a range field"):
        E.match_from_json(proto, [1, 2, 3])


# --- Actions ------------------------------------------------------------------


def test_action_calls(ix: P4InfoIndex):
    acl = ix.table("acl")
    by_name = E.action_from_text(ix, acl, "I.forward(dstAddr=08:00:00:00:02:22, port=2)")
    positional = E.action_from_text(ix, acl, "forward(2, 08:00:00:00:02:22)")
    assert by_name == positional
    assert [(p.param_id, p.value) for p in by_name.params] == [
        (1, b"\x02"), (2, bytes.fromhex("080000000222"))]
    assert E.format_action(ix, by_name) == "I.forward(port=2,dstAddr=08:00:00:00:02:22)"
    assert E.action_from_text(ix, acl, "drop").params == []
    assert E.action_from_text(ix, acl, "I.drop()") == E.action_from_text(ix, acl, "drop")
    assert E.format_action(ix, E.action_from_text(ix, acl, "drop")) == "I.drop"
    assert E.action_from_text(ix, acl, "forward(0x1ff,0)").params[0].value == b"\x01\xff"


@pytest.mark.parametrize("text,message", [
    ("forward(port=2)", "action I.forward: no value for parameter dstAddr"),
    ("forward(port=2, dstAddr=1, x=3)", "no parameter of I.forward 'x'"),
    ("forward(port=2, port=3, dstAddr=1)", "parameter port given twice"),
    ("forward(port=2, 08:00:00:00:02:22)", "a value by position after one by name"),
    ("forward(1, 2, 3)", "action I.forward takes 2 parameters"),
    ("forward(port=512, dstAddr=1)", "I.forward: parameter port: 512 does not fit in 9 bits"),
    ("set_v6(port=1)", "no action of table I.acl 'set_v6'"),
    ("miss(reason=1)", "action I.miss is @defaultonly in table I.acl: only a default action"),
    ("forward(port=1,,dstAddr=1)", "an empty argument"),
    ("forward(port=1", "cannot read the action"),
    ("9x", "cannot read the action"),
])
def test_action_errors(ix: P4InfoIndex, text, message):
    with pytest.raises(EntityError, match=message.replace("(", r"\(").replace(")", r"\)")):
        E.action_from_text(ix, ix.table("acl"), text)


def test_action_scopes_of_default_entries(ix: P4InfoIndex):
    entry = E.default_entry(ix, "acl", "miss(reason=3)")
    assert entry.is_default_action and not entry.match
    assert E.format_entry(ix, entry) == "table=I.acl, default action=I.miss(reason=3)"
    with pytest.raises(EntityError, match="action NoAction is @tableonly in table I.acl"):
        E.default_entry(ix, "acl", "NoAction")
    reset = E.default_entry(ix, "acl", None)
    assert reset.is_default_action and not reset.HasField("action")
    assert E.default_entry(ix, "acl", "action=drop").action.action.action_id == \
        ix.action("I.drop").preamble.id


# --- Entries ------------------------------------------------------------------


def test_the_design_brief_example(basic: P4InfoIndex):
    args = shlex.split("hdr.ipv4.dstAddr=10.0.1.0/24 "
                       "action='MyIngress.ipv4_forward(dstAddr=08:00:00:00:01:11, port=1)'")
    entry = E.entry_from_items(basic, "MyIngress.ipv4_lpm", args)
    table = basic.table("ipv4_lpm")
    assert entry.table_id == table.preamble.id and entry.priority == 0
    (fm,) = entry.match
    assert (fm.field_id, fm.lpm.value, fm.lpm.prefix_len) == (1, b"\x0a\x00\x01\x00", 24)
    action = entry.action.action
    assert action.action_id == basic.action("ipv4_forward").preamble.id
    assert [(p.param_id, p.value) for p in action.params] == [
        (1, bytes.fromhex("080000000111")), (2, b"\x01")]
    line = E.format_entry(basic, entry)
    assert line == ("table=MyIngress.ipv4_lpm, hdr.ipv4.dstAddr=10.0.1.0/24 "
                    "action=MyIngress.ipv4_forward(dstAddr=08:00:00:00:01:11,port=1)")
    # The same entry however the shell or the user split it.
    for variant in (
            ["dstAddr=10.0.1.0/24", "action=ipv4_forward(dstAddr=08:00:00:00:01:11,", "port=1)"],
            ["dstAddr=10.0.1.0/24,action=ipv4_forward(08:00:00:00:01:11, 1)"],
            ["ipv4_forward(port=1, dstAddr=8:0:0:0:1:11)", "hdr.ipv4.dstAddr=10.0.1.0/24"]):
        assert E.entry_from_items(basic, "ipv4_lpm", variant) == entry, variant


def test_entries_need_priorities_exactly_where_p4runtime_does(ix: P4InfoIndex,
                                                               basic: P4InfoIndex):
    items = ["hdr.ipv4.dstAddr=10.0.2.0/24", "forward(2, 08:00:00:00:02:22)"]
    with pytest.raises(EntityError, match="table I.acl has ternary, range or optional fields: "
                                          r"its entries need a priority \(priority=N"):
        E.entry_from_items(ix, "acl", items)
    assert E.entry_from_items(ix, "acl", [*items, "priority=10"]).priority == 10
    assert E.entry_from_items(ix, "acl", items, priority=7).priority == 7
    assert E.entry_from_items(ix, "acl", [*items, "priority=7"], priority=7).priority == 7
    with pytest.raises(EntityError, match="two priorities: 8 and 7"):
        E.entry_from_items(ix, "acl", [*items, "priority=7"], priority=8)
    with pytest.raises(EntityError, match="table MyIngress.ipv4_lpm has no ternary"):
        E.entry_from_items(basic, "ipv4_lpm", ["dstAddr=10.0.0.0/8", "drop", "priority=1"])
    with pytest.raises(BadValue, match="priority: 0 is not in 1..2147483647"):
        E.entry_from_items(ix, "acl", [*items, "priority=0"])


def test_entry_errors(ix: P4InfoIndex, basic: P4InfoIndex):
    mc = P4InfoIndex(compile_program(TUTORIALS / "multicast" / "multicast.p4").p4info)
    with pytest.raises(EntityError, match="no value for the exact match field "
                                          "hdr.ethernet.dstAddr"):
        E.entry_from_items(mc, "mac_lookup", ["mac_forward(1)"])
    with pytest.raises(EntityError, match=r"table MyIngress.ipv4_lpm: no action \(action="):
        E.entry_from_items(basic, "ipv4_lpm", ["dstAddr=10.0.0.0/8"])
    with pytest.raises(EntityError, match="two actions"):
        E.entry_from_items(basic, "ipv4_lpm", ["dstAddr=10.0.0.0/8", "drop", "action=drop"])
    with pytest.raises(EntityError, match="match field hdr.ipv4.dstAddr given twice"):
        E.entry_from_items(basic, "ipv4_lpm", ["dstAddr=10.0.0.0/8", "ipv4.dstAddr=1.0.0.0/8",
                                               "drop"])
    with pytest.raises(EntityError, match="no match field of MyIngress.ipv4_lpm 'srcAddr'"):
        E.entry_from_items(basic, "ipv4_lpm", ["srcAddr=10.0.0.0/8", "drop"])
    with pytest.raises(EntityError, match="unbalanced parentheses"):
        E.entry_from_items(basic, "ipv4_lpm", ["dstAddr=10.0.0.0/8", "ipv4_forward(1, 2"])
    with pytest.raises(EntityError, match="does not support idle timeouts"):
        E.entry_from_items(basic, "ipv4_lpm", ["dstAddr=10.0.0.0/8", "drop", "idle_timeout=5"])
    with pytest.raises(EntityError, match="give one of action=, member= and group="):
        E.entry_from_items(basic, "ipv4_lpm", ["dstAddr=10.0.0.0/8", "drop", "member=3"])


def test_delete_keys_carry_no_action(basic: P4InfoIndex):
    key = E.entry_from_items(basic, "ipv4_lpm", ["dstAddr=10.0.1.1/32", "drop"], key_only=True)
    assert not key.HasField("action") and len(key.match) == 1
    key = E.entry_from_items(basic, "ipv4_lpm", ["dstAddr=10.0.1.1/32"], key_only=True)
    assert not key.HasField("action")


def test_idle_timeouts_and_profiles(ix: P4InfoIndex):
    e = E.entry_from_items(ix, "ipv6_lpm", ["dstAddr=2001:db8::/32", "set_v6(3)",
                                            "idle_timeout=2.5"])
    assert e.idle_timeout_ns == 2_500_000_000
    assert E.format_entry(ix, e) == ("table=I.ipv6_lpm, idle_timeout=2.5, "
                                     "hdr.ipv6.dstAddr=2001:db8::/32 action=I.set_v6(port=3)")
    items = E.parse_items(["k=1", "member=5"])
    assert items.member == 5 and items.matches == [("k", "1")]
    assert E.parse_items(["group=0x10"]).group == 16


def test_acl_entry_line_json_and_round_trips(ix: P4InfoIndex):
    entry = E.entry_from_items(ix, "acl", [
        "hdr.ipv4.srcAddr=10.0.1.0/24", "dstAddr=10.0.2.2&&&255.255.255.255", "protocol=1..17",
        "ethernet.srcAddr=08:00:00:00:01:11", "priority=10",
        "action=forward_mirror(port=2, dstAddr=08:00:00:00:02:22, session=5)"])
    line = E.format_entry(ix, entry)
    assert line == (
        "table=I.acl, priority=10,hdr.ipv4.srcAddr=10.0.1.0&&&255.255.255.0,"
        "hdr.ipv4.dstAddr=10.0.2.2&&&255.255.255.255,hdr.ipv4.protocol=1..17,"
        "hdr.ethernet.srcAddr=08:00:00:00:01:11 "
        "action=I.forward_mirror(port=2,dstAddr=08:00:00:00:02:22,session=5)")
    # What dump-entries prints reads back (after the table=...).
    head, _, rest = line.partition(", ")
    assert E.entry_from_items(ix, head.removeprefix("table="), rest.split(" ")) == entry
    js = E.entry_json(ix, entry)
    assert js == {
        "table": "I.acl",
        "match": {"hdr.ipv4.srcAddr": ["10.0.1.0", "255.255.255.0"],
                  "hdr.ipv4.dstAddr": ["10.0.2.2", "255.255.255.255"],
                  "hdr.ipv4.protocol": [1, 17],
                  "hdr.ethernet.srcAddr": "08:00:00:00:01:11"},
        "action_name": "I.forward_mirror",
        "action_params": {"port": 2, "dstAddr": "08:00:00:00:02:22", "session": 5},
        "priority": 10}
    config = load_runtime({"table_entries": [json.loads(json.dumps(js))]}, ix.p4info)
    assert config.updates[0].entity.table_entry == entry
    # The program's own entries, as dump-entries marks them, are not loaded.
    config = load_runtime({"table_entries": [dict(js, is_const=True), js]}, ix.p4info)
    assert config.labels == ["table_entries[1]"]


def test_counters_and_meters_in_entry_lines(ix: P4InfoIndex):
    entry = E.entry_from_items(ix, "acl", ["protocol=1", "drop", "priority=1"])
    entry.counter_data.packet_count = 3
    entry.counter_data.byte_count = 294
    assert E.format_entry(ix, entry) == (
        "table=I.acl, n_packets=3, n_bytes=294, priority=1,hdr.ipv4.protocol=1..1 "
        "action=I.drop")
    entry.meter_config.cir = 1000
    entry.meter_config.cburst = 100
    entry.meter_config.pir = 2000
    entry.meter_config.pburst = 200
    entry.is_const = True
    line = E.format_entry(ix, entry)
    assert line.startswith("table=I.acl, const, n_packets=3, n_bytes=294, cir=1000, "
                           "cburst=100, pir=2000, pburst=200, priority=1,")
    js = E.entry_json(ix, entry)
    assert js["counter_data"] == {"packets": 3, "bytes": 294}
    assert js["meter_config"] == {"cir": 1000, "cburst": 100, "pir": 2000, "pburst": 200}
    assert js["is_const"] is True


def test_read_requests_ask_for_direct_resources(ix: P4InfoIndex):
    acl, v6 = E.read_entities(ix)
    assert acl.table_entry.table_id == ix.table("acl").preamble.id
    assert acl.table_entry.HasField("counter_data") and acl.table_entry.HasField("meter_config")
    assert not v6.table_entry.HasField("counter_data")
    (one,) = E.read_entities(ix, "ipv6_lpm")
    assert one.table_entry.table_id == ix.table("ipv6_lpm").preamble.id
    d = E.read_default_entity(ix, "acl")
    assert d.table_entry.is_default_action


def test_entries_sort_by_table_priority_and_value(ix: P4InfoIndex):
    def acl(prio: int, proto: str) -> p4runtime_pb2.TableEntry:
        return E.entry_from_items(ix, "acl", [f"protocol={proto}", "drop", f"priority={prio}"])

    v6 = E.entry_from_items(ix, "ipv6_lpm", ["dstAddr=::1", "drop"])
    a, b, c = acl(1, "9"), acl(5, "10"), acl(1, "200")
    assert E.sort_entries(ix, [v6, c, a, b]) == [b, a, c, v6]


# --- Runtime files ------------------------------------------------------------


@requires_conformance
def test_basic_runtime_file(basic: P4InfoIndex):
    config = load_runtime_file(TUTORIALS / "basic" / "pod-topo" / "s1-runtime.json",
                               basic.p4info)
    assert config.labels == [f"table_entries[{i}]" for i in range(5)]
    kinds = [u.type for u in config.updates]
    assert kinds == [Update.MODIFY] + [Update.INSERT] * 4
    default = config.updates[0].entity.table_entry
    assert default.is_default_action and default.action.action.action_id == \
        basic.action("MyIngress.drop").preamble.id
    lines = [E.format_entry(basic, u.entity.table_entry) for u in config.updates[1:]]
    assert lines[0] == ("table=MyIngress.ipv4_lpm, hdr.ipv4.dstAddr=10.0.1.1/32 "
                        "action=MyIngress.ipv4_forward(dstAddr=08:00:00:00:01:11,port=1)")


@requires_conformance
def test_multicast_runtime_file():
    p4info = compile_program(TUTORIALS / "multicast" / "multicast.p4").p4info
    config = load_runtime_file(TUTORIALS / "multicast" / "s1-runtime.json", p4info)
    assert config.labels[-1] == "multicast_group_entries[0]"
    group = config.updates[-1]
    assert group.type == Update.INSERT
    g = group.entity.packet_replication_engine_entry.multicast_group_entry
    assert g.multicast_group_id == 1
    assert [(r.egress_port, r.instance) for r in g.replicas] == [(p, 1) for p in (1, 2, 3, 4)]
    assert X.format_pre(group.entity.packet_replication_engine_entry) == \
        "group=1, replicas=1:1,2:1,3:1,4:1"


def _tutorial_runtime_files() -> list[tuple[Path, Path]]:
    if not TUTORIALS.is_dir():
        return []
    out = []
    for f in sorted(TUTORIALS.glob("**/*-runtime.json")):
        d = f.parent
        programs = list(d.glob("*.p4")) or list(d.parent.glob("*.p4"))
        if len(programs) == 1:
            out.append((programs[0], f))
    return out


_COMPILED: dict[Path, P4InfoIndex] = {}


@requires_conformance
@pytest.mark.parametrize("program,runtime", _tutorial_runtime_files(),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_tutorial_runtime_file_loads_and_reads_back(program: Path, runtime: Path):
    if program not in _COMPILED:
        _COMPILED[program] = P4InfoIndex(compile_program(program).p4info)
    index = _COMPILED[program]
    config = load_runtime_file(runtime, index.p4info)
    data = json.loads(runtime.read_text())
    n = sum(len(data.get(k, [])) for k in ("table_entries", "multicast_group_entries",
                                           "clone_session_entries"))
    assert len(config.updates) == n
    # dump-entries --format json / dump-groups --format json of these
    # updates load back into the same updates.
    entries = [u.entity.table_entry for u in config.updates if u.entity.HasField("table_entry")]
    pre = [u.entity.packet_replication_engine_entry for u in config.updates
           if u.entity.HasField("packet_replication_engine_entry")]
    again = load_runtime({"table_entries": [E.entry_json(index, e) for e in entries],
                          **X.pre_json(pre)}, index.p4info)
    assert [u.entity for u in again.updates] == [u.entity for u in config.updates]
    assert [u.type for u in again.updates] == [u.type for u in config.updates]


def test_clone_sessions_in_runtime_files(ix: P4InfoIndex):
    config = load_runtime({"clone_session_entries": [
        {"clone_session_id": 5, "replicas": [{"egress_port": 64, "instance": 0}],
         "packet_length_bytes": 128}]}, ix.p4info)
    (u,) = config.updates
    s = u.entity.packet_replication_engine_entry.clone_session_entry
    assert (s.session_id, s.packet_length_bytes, s.replicas[0].egress_port) == (5, 128, 64)
    assert config.labels == ["clone_session_entries[0]"]
    assert X.format_pre(u.entity.packet_replication_engine_entry) == \
        "clone_session=5, packet_length_bytes=128, replicas=64"


@pytest.mark.parametrize("data,message", [
    ({"table_entries": [{"table": "nope", "action_name": "drop"}]},
     "table_entries[0]: no table 'nope'"),
    ({"table_entries": [{"table": "acl"}]}, "table_entries[0]: no 'action_name'"),
    ({"table_entries": [{"table": "acl", "action_name": "drop", "match": {"protocol": 1}}]},
     "table_entries[0]: table I.acl has ternary"),
    ({"table_entries": [{"table": "acl", "action_name": "forward",
                         "action_params": {"port": 1}, "priority": 1}]},
     "table_entries[0]: action I.forward: no value for parameter dstAddr"),
    ({"multicast_group_entries": [{"replicas": []}]},
     "multicast_group_entries[0]: no 'multicast_group_id'"),
    ({"multicast_group_entries": [{"multicast_group_id": 0}]},
     "multicast_group_entries[0]: multicast group 0 is not in 1.."),
    ({"table_entries": {}}, "table_entries: not a list"),
    ([], "not a runtime file"),
])
def test_runtime_file_errors(ix: P4InfoIndex, data, message):
    with pytest.raises(RuntimeFileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_runtime(data, ix.p4info)


def test_runtime_file_that_is_not_json(ix: P4InfoIndex, tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(RuntimeFileError, match=f"{bad}: not JSON"):
        load_runtime_file(bad, ix.p4info)


# --- Counters, meters, registers --------------------------------------------


def test_counters(ix: P4InfoIndex):
    e = X.counter_read(ix, "port_pkts", "3")
    assert (e.counter_entry.counter_id, e.counter_entry.index.index) == (
        ix.counter("I.port_pkts").preamble.id, 3)
    assert not X.counter_read(ix, "port_pkts").counter_entry.HasField("index")
    assert X.counter_read(ix, None).counter_entry.counter_id == 0
    with pytest.raises(EntityError, match="I.acl_hits is the direct counter of table I.acl: "
                                          "its values are in 'dump-entries BRIDGE I.acl'"):
        X.counter_read(ix, "acl_hits")
    with pytest.raises(BadValue, match="index 512 is not in 0..511"):
        X.counter_read(ix, "port_pkts", "512")
    c = p4runtime_pb2.CounterEntry(counter_id=ix.counter("port_pkts").preamble.id)
    c.index.index = 1
    c.data.packet_count, c.data.byte_count = 12, 1176
    assert X.format_counter(ix, c) == "I.port_pkts[1]: n_packets=12, n_bytes=1176"
    assert X.counter_json(ix, c) == {"counter": "I.port_pkts", "index": 1, "packets": 12,
                                     "bytes": 1176}


def test_meters(ix: P4InfoIndex):
    cfg = X.meter_config({"cir": "10", "cburst": "5"})
    assert (cfg.cir, cfg.cburst, cfg.pir, cfg.pburst) == (10, 5, 10, 5)
    assert X.meter_config({}) is None
    with pytest.raises(EntityError, match="at least cir=RATE and cburst=BURST"):
        X.meter_config({"cir": "10"})
    with pytest.raises(EntityError, match=r"pir \(5\) is below cir \(10\)"):
        X.meter_config({"cir": "10", "cburst": "1", "pir": "5"})
    with pytest.raises(EntityError, match="unknown meter setting rate"):
        X.meter_config({"rate": "1"})
    e = X.meter_entry(ix, "port_meter", "1", cfg)
    assert e.meter_entry.index.index == 1 and e.meter_entry.config.cir == 10
    every = X.meter_entry(ix, "port_meter", "*", None)
    assert not every.meter_entry.HasField("index") and not every.meter_entry.HasField("config")
    assert X.meter_table(ix, "acl_meter").preamble.name == "I.acl"
    assert X.meter_table(ix, "acl").preamble.name == "I.acl"
    assert X.meter_table(ix, "port_meter") is None
    assert X.meter_table(ix, "ipv6_lpm") is None
    assert X.format_meter(ix, e.meter_entry) == \
        "I.port_meter[1]: cir=10, cburst=5, pir=10, pburst=5"
    assert X.format_meter(ix, every.meter_entry) == "I.port_meter[0]: unconfigured"
    assert X.meter_json(ix, e.meter_entry)["config"] == {"cir": 10, "cburst": 5, "pir": 10,
                                                         "pburst": 5}


def test_registers(ix: P4InfoIndex):
    e = X.register_write(ix, "last_len", "3", "1500")
    assert (e.register_entry.index.index, e.register_entry.data.bitstring) == (3, b"\x05\xdc")
    e = X.register_write(ix, "blocked", "*", "1")
    assert not e.register_entry.HasField("index")
    with pytest.raises(BadValue, match="register I.blocked: 256 does not fit in 8 bits"):
        X.register_write(ix, "blocked", "0", "256")
    with pytest.raises(BadValue, match="I.blocked: index 1 is not in 0..0"):
        X.register_write(ix, "blocked", "1", "0")
    r = p4runtime_pb2.RegisterEntry(register_id=ix.register("last_len").preamble.id,
                                    data=p4data_pb2.P4Data(bitstring=b"\x05\xdc"))
    r.index.index = 2
    assert X.format_register(ix, r) == "I.last_len[2]: 1500"
    assert X.register_json(ix, r) == {"register": "I.last_len", "index": 2, "value": 1500}
    assert X.register_read(ix, "last_len", "2").register_entry.index.index == 2
    assert X.register_read(ix, None).register_entry.register_id == 0


def test_replicas_groups_and_sessions():
    assert X.parse_replica("3") == (3, 0)
    assert X.parse_replica("3:2") == (3, 2)
    assert X.parse_replica("cpu") == (0xFFFFFFFD, 0)
    cpu = X.clone_session(9, [(0xFFFFFFFD, 1)])
    assert X.format_pre(cpu.packet_replication_engine_entry) == "clone_session=9, replicas=cpu:1"
    with pytest.raises(BadValue, match="not PORT or PORT:INSTANCE"):
        X.parse_replica("a:b")
    g = X.multicast_group(7, [(1, 0), (2, 5)])
    assert X.format_pre(g.packet_replication_engine_entry) == "group=7, replicas=1,2:5"
    s = X.clone_session(5, [(64, 0)], class_of_service=2)
    assert X.format_pre(s.packet_replication_engine_entry) == \
        "clone_session=5, class_of_service=2, replicas=64"
    assert X.pre_json([g.packet_replication_engine_entry, s.packet_replication_engine_entry]) == {
        "multicast_group_entries": [{"multicast_group_id": 7, "replicas": [
            {"egress_port": 1, "instance": 0}, {"egress_port": 2, "instance": 5}]}],
        "clone_session_entries": [{"clone_session_id": 5, "replicas": [
            {"egress_port": 64, "instance": 0}], "class_of_service": 2,
            "packet_length_bytes": 0}]}
    r = p4runtime_pb2.Replica(port=b"\x01\x00", instance=1)
    assert X.replica_port(r) == 256
    with pytest.raises(BadValue, match="multicast group 0 is not in 1.."):
        X.multicast_group(0, [])
    groups, sessions = X.pre_read()
    assert groups.packet_replication_engine_entry.HasField("multicast_group_entry")
    assert sessions.packet_replication_engine_entry.HasField("clone_session_entry")


# --- Action profiles and value sets --------------------------------------------


def test_profile_members_and_groups(tables: P4InfoIndex):
    m = A.profile_member(tables, "t_sel", 1, "set_out(port=2, v=1)")
    assert m.action_profile_member.action_profile_id == \
        tables.action_profile("I.t_sel").preamble.id
    assert A.format_profile_entity(tables, m) == \
        "profile=I.t_sel, member=1 action=I.set_out(port=2,v=1)"
    assert A.profile_entity_json(tables, m) == {
        "profile": "I.t_sel", "member_id": 1, "action_name": "I.set_out",
        "action_params": {"port": 2, "v": 1}}
    assert A.profile_member(tables, "t_prof", 2, "action=NoAction").action_profile_member \
        .action.action_id == tables.action("NoAction").preamble.id
    assert not A.profile_member(tables, "t_sel", 1, None).action_profile_member \
        .HasField("action")

    assert A.parse_group_member("1") == (1, 1)
    assert A.parse_group_member("2:3") == (2, 3)
    g = A.profile_group(tables, "t_sel", 10, [(1, 1), (2, 3)])
    assert g.action_profile_group.max_size == 8, "the selector's max group size"
    assert A.format_profile_entity(tables, g) == \
        "profile=I.t_sel, group=10 max_size=8 members=1:1,2:3"
    assert A.profile_entity_json(tables, g) == {
        "profile": "I.t_sel", "group_id": 10, "max_size": 8,
        "members": [{"member_id": 1, "weight": 1}, {"member_id": 2, "weight": 3}]}
    assert A.profile_group(tables, "t_sel2", 1, [(1, 1)]).action_profile_group.max_size == 0
    assert A.profile_group(tables, "t_sel", 1, [], max_size=4).action_profile_group \
        .max_size == 4
    key = A.profile_group(tables, "t_sel", 10, key_only=True).action_profile_group
    assert key.group_id == 10 and not key.members and not key.max_size
    empty = A.profile_group(tables, "t_sel", 3, [])
    assert A.format_profile_entity(tables, empty).endswith(" members=none")

    # Members before groups, profile by profile.
    found = A.sort_profile_entities(tables, [g, m, A.profile_member(tables, "t_prof", 9,
                                                                    "NoAction")])
    assert [A.format_profile_entity(tables, e).split(" ")[0:2] for e in found] == [
        ["profile=I.t_prof,", "member=9"], ["profile=I.t_sel,", "member=1"],
        ["profile=I.t_sel,", "group=10"]]
    assert len(A.profiles_read(tables)) == 2
    assert [e.WhichOneof("entity") for e in A.profiles_read(tables, "t_prof")] == [
        "action_profile_member"], "a profile without a selector has no groups to read"


@pytest.mark.parametrize("call,message", [
    (lambda ix: A.profile_member(ix, "nope", 1, "NoAction"), "no action profile 'nope'"),
    (lambda ix: A.profile_member(ix, "t_sel", 1, "drop"), "no action of table I.t_sel 'drop'"),
    (lambda ix: A.profile_member(ix, "t_sel", 1, "set_out(port=1)"), "no value for parameter v"),
    (lambda ix: A.profile_group(ix, "t_prof", 1, [(1, 1)]), "I.t_prof has no selector"),
    (lambda ix: A.profile_group(ix, "t_sel", 1, [(1, 1), (1, 2)]), "member 1 given twice"),
    (lambda ix: A.parse_group_member("1:0"), "weight: 0 is not in 1.."),
    (lambda ix: A.parse_group_member("x"), "member: 'x' is not a number"),
])
def test_profile_errors(tables: P4InfoIndex, call, message):
    with pytest.raises(EntityError, match=message):
        call(tables)


def test_entries_pointing_at_members_and_groups(tables: P4InfoIndex):
    e = E.entry_from_items(tables, "t_sel", ["b=7", "group=10"])
    assert e.action.action_profile_group_id == 10
    assert E.format_entry(tables, e) == "table=I.t_sel, h.ctl.b=7 group=10"
    assert E.entry_json(tables, e)["group_id"] == 10
    e = E.entry_from_items(tables, "t_prof", ["b=8", "member=1"])
    assert E.format_entry(tables, e) == "table=I.t_prof, h.ctl.b=8 member=1"
    with pytest.raises(EntityError, match="one of action=, member= and group="):
        E.entry_from_items(tables, "t_sel", ["b=7", "group=10", "member=1"])


def test_value_sets(tables: P4InfoIndex):
    e = X.value_set_entry(tables, "special", ["0x1234", "22136"])
    vs = e.value_set_entry
    assert vs.value_set_id == tables.value_set("P.special").preamble.id
    assert [fm.exact.value for m in vs.members for fm in m.match] == [b"\x12\x34", b"\x56\x78"]
    assert X.format_value_set(tables, vs) == "value_set=P.special, members=4660,22136"
    assert X.value_set_json(tables, vs) == {"value_set": "P.special", "members": [4660, 22136]}
    empty = X.value_set_entry(tables, "special", []).value_set_entry
    assert X.format_value_set(tables, empty) == "value_set=P.special, members=none"
    assert X.value_set_read(tables).value_set_entry.value_set_id == 0
    assert X.value_set_read(tables, "special").value_set_entry.value_set_id == vs.value_set_id
    # Masks are for ternary fields (@match(ternary)); this one is exact.
    with pytest.raises(BadValue, match="P.special: '1&&&3' is not a value for a exact field"):
        X.value_set_entry(tables, "special", ["1&&&3"])
    with pytest.raises(BadValue, match="does not fit in 16 bits"):
        X.value_set_entry(tables, "special", ["0x10000"])
    with pytest.raises(UnknownName, match="no value set 'nope'"):
        X.value_set_entry(tables, "nope", [])


def test_value_sets_of_several_fields(tables: P4InfoIndex):
    """A struct value set (FIELD=MATCH, ternary masks), built on P4Info."""
    from ovsp4.proto import p4info_pb2

    info = p4info_pb2.P4Info()
    info.CopyFrom(tables.p4info)
    vs = info.value_sets.add()
    vs.preamble.id, vs.preamble.name, vs.size = 57000001, "P.pair", 2
    vs.match.add(id=1, name="a", bitwidth=8, match_type=p4info_pb2.MatchField.EXACT)
    vs.match.add(id=2, name="b", bitwidth=16, match_type=p4info_pb2.MatchField.TERNARY)
    ix = P4InfoIndex(info)
    entry = X.value_set_entry(ix, "pair", ["a=1,b=0x0800&&&0xff00", "(a=2, b=*)"])
    line = X.format_value_set(ix, entry.value_set_entry)
    assert line == "value_set=P.pair, members=(a=1,b=0x800&&&0xff00),(a=2)"
    assert X.value_set_json(ix, entry.value_set_entry)["members"] == [
        {"a": 1, "b": ["0x800", "0xff00"]}, {"a": 2}]
    again = X.value_set_entry(ix, "pair", ["(a=1,b=0x800&&&0xff00)", "(a=2)"])
    assert again == entry, "what is printed reads back"
    with pytest.raises(EntityError, match="'1' is not FIELD=MATCH"):
        X.value_set_entry(ix, "pair", ["1"])


# --- Packets and digests ------------------------------------------------------


def test_packet_out(ix: P4InfoIndex, basic: P4InfoIndex):
    msg = P.packet_out(ix, "ff:ff:ff:ff:ff:ff 08 00 00 00 01 11 88b5 00", ["egress_port=2"])
    assert msg.payload == bytes.fromhex("ffffffffffff08000000011188b500")
    assert [(m.metadata_id, m.value) for m in msg.metadata] == [(1, b"\x02"), (2, b"\0")]
    msg = P.packet_out(ix, "0xabcd", ["pad=1,egress_port=3"])
    assert [(m.metadata_id, m.value) for m in msg.metadata] == [(1, b"\x03"), (2, b"\x01")]
    with pytest.raises(EntityError, match="no packet_out header field 'port'"):
        P.packet_out(ix, "00", ["port=1"])
    with pytest.raises(BadValue, match="egress_port: 512 does not fit in 9 bits"):
        P.packet_out(ix, "00", ["egress_port=512"])
    with pytest.raises(BadValue, match="is not hex bytes"):
        P.packet_out(ix, "xyz", [])
    with pytest.raises(EntityError, match="no @controller_header"):
        P.packet_out(basic, "00", ["egress_port=1"])
    assert P.packet_out(basic, "00", []).payload == b"\0"


def test_packet_in_lines(ix: P4InfoIndex):
    msg = p4runtime_pb2.PacketIn(payload=bytes.fromhex("0800000001110800"))
    msg.metadata.add(metadata_id=1, value=b"\x01")
    msg.metadata.add(metadata_id=2, value=b"\x05")
    assert P.format_packet_in(ix, msg) == \
        "packet_in: ingress_port=1, reason=5, len=8, payload=0800000001110800"
    assert P.packet_in_json(ix, msg) == {"type": "packet_in", "payload": "0800000001110800",
                                         "metadata": {"ingress_port": 1, "reason": 5}}


def test_digest_lines(ix: P4InfoIndex):
    d = ix.digest("learn_t")
    msg = p4runtime_pb2.DigestList(digest_id=d.preamble.id, list_id=3, timestamp=7)
    data = msg.data.add()
    data.struct.members.add(bitstring=bytes.fromhex("080000000111"))
    data.struct.members.add(bitstring=b"\x01")
    assert P.format_digest(ix, msg) == \
        "digest: learn_t, list_id=3, data=[{srcAddr=08:00:00:00:01:11,port=1}]"
    assert P.digest_json(ix, msg) == {"type": "digest", "digest": "learn_t", "list_id": 3,
                                      "timestamp": 7,
                                      "data": [{"srcAddr": "08:00:00:00:01:11", "port": 1}]}
    e = P.digest_entry(ix, "learn_t")
    assert e.digest_entry.digest_id == d.preamble.id and e.digest_entry.config.max_list_size == 1


def test_idle_timeout_lines(ix: P4InfoIndex):
    msg = p4runtime_pb2.IdleTimeoutNotification(timestamp=1)
    msg.table_entry.append(E.entry_from_items(ix, "ipv6_lpm", ["dstAddr=::1", "drop"]))
    assert P.format_idle_timeout(ix, msg) == [
        "idle_timeout: table=I.ipv6_lpm, hdr.ipv6.dstAddr=::1/128 action=I.drop"]
    assert P.idle_timeout_json(ix, msg)["table_entries"][0]["match"] == {
        "hdr.ipv6.dstAddr": ["::1", 128]}


# --- The command line's own helpers -----------------------------------------


def test_cli_addresses_and_election_ids():
    import click

    from ovsp4.cli.p4ctl import _election_id
    from ovsp4.cli.p4ctl_entities import client_address

    assert client_address(":9559") == "127.0.0.1:9559"
    assert client_address("0.0.0.0:9660") == "127.0.0.1:9660"
    assert client_address("[::]:9559") == "[::1]:9559"
    assert client_address("10.1.1.1:9559") == "10.1.1.1:9559"
    assert client_address(None) is None
    assert _election_id("0:1") == (0, 1)
    assert _election_id("5") == (0, 5)
    assert _election_id("1:0x10") == (1, 16)
    assert _election_id(None) is None
    for bad in ("0:0", "x", "1:2:3", "-1:1"):
        with pytest.raises(click.BadParameter):
            _election_id(bad)
