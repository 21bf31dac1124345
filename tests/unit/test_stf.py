"""The STF reader and BMv2's packet-matching rules."""

from __future__ import annotations

import pytest

from ovsp4.stf import parser as stf
from ovsp4.stf.runner import match_packet

from conformance_data import P4C_V1MODEL, requires_conformance


def test_every_command_form() -> None:
    commands = stf.parse_stf(
        """
        # comment
        add t 10 a:0x1*** b.c:0x0a000000/8 ingress.act(p:1, q:0x2)  # trailing
        add c.t e:4 c.a()
        setdefault t drop()
        packet 0 0102 03  04
        expect 1 01 **** $
        expect 2 0A0b00$
        expect 3
        mirroring_add 5 4
        mc_mgrp_create 1113
        mc_node_create 400 6 7
        mc_node_associate 1113 0
        wait
        """
    )
    kinds = [type(c).__name__ for c in commands]
    assert kinds == [
        "Add", "Add", "SetDefault", "Packet", "Expect", "Expect", "Expect",
        "MirroringAdd", "McGroupCreate", "McNodeCreate", "McNodeAssociate", "Wait",
    ]  # fmt: skip
    add = commands[0]
    assert isinstance(add, stf.Add)
    assert (add.table, add.priority, add.action) == ("t", 10, "ingress.act")
    assert add.keys == [("a", "0x1***"), ("b.c", "0x0a000000/8")]
    assert add.args == [("p", "1"), ("q", "0x2")]
    assert commands[1] == stf.Add(4, "c.t", None, [("e", "4")], "c.a", [])
    assert commands[3] == stf.Packet(6, 0, bytes.fromhex("01020304"))
    assert commands[4] == stf.Expect(7, 1, "01****", True)
    assert commands[5] == stf.Expect(8, 2, "0A0B00", True)
    assert commands[6] == stf.Expect(9, 3, None)
    assert commands[9] == stf.McNodeCreate(12, 400, [6, 7])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("packet x 00", "port 'x' is not a number"),
        ("packet 0 0g", "bad packet data"),
        ("packet 0 012", "bad packet data"),
        ("expect 0 zz", "bad expected packet"),
        ("add t a:1 noparens", "no action call"),
        ("add t a1 act()", "key 'a1' is not FIELD:VALUE"),
        ("add t a:1 act(p)", "not NAME:VALUE"),
        ("mc_node_associate 1", "needs GROUP HANDLE"),
        ("frobnicate 1", "unsupported STF command 'frobnicate'"),
    ],
)
def test_syntax_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(stf.StfSyntaxError, match=message) as info:
        stf.parse_stf("\n" + text, "t.stf")
    assert str(info.value).startswith("t.stf:2: ")


@requires_conformance
def test_all_conformance_stf_files_parse() -> None:
    files = sorted(P4C_V1MODEL.glob("*.stf"))
    assert len(files) > 100
    for path in files:
        assert stf.parse_stf_file(path), path


@pytest.mark.parametrize(
    ("pattern", "exact", "data", "ok"),
    [
        ("0102", False, b"\x01\x02", True),
        ("0102", False, b"\x01\x02\x03", True),  # longer is fine without $
        ("0102", True, b"\x01\x02\x03", False),
        ("01**", True, b"\x01\xff", True),
        ("0*02", True, b"\x0a\x02", True),
        ("0102", False, b"\x01", False),  # too short
        ("0102", False, b"\x01\x03", False),
    ],
)
def test_packet_matching(pattern: str, exact: bool, data: bytes, ok: bool) -> None:
    assert (match_packet(pattern, exact, data) == "") is ok
