"""Semantic analysis: name resolution, typing, width inference, folding.

Valid snippets must check and leave the expected types / values / call
bindings in the IR; invalid ones must fail with a CompileError at the right
line:column with a message in P4 terms (never a Python exception).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ovsp4.compiler.diagnostics import CompileError, UnsupportedError
from ovsp4.compiler.frontend.analysis import analyze
from ovsp4.compiler.frontend.parser import parse_program
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.nodes import CallKind
from ovsp4.compiler.ir.types import (
    BitsType,
    BoolType,
    ControlType,
    ExternType,
    InfIntType,
    PackageType,
    ParserType,
    StructType,
    TupleType,
)
from ovsp4.compiler.ir.values import EnumMemberValue, ErrorValue, StructValue

CORE = "#include <core.p4>\n"
V1 = "#include <core.p4>\n#include <v1model.p4>\n"


def check(tmp_path: Path, source: str, *, require_main: bool = False) -> nodes.Program:
    path = tmp_path / "t.p4"
    path.write_text(source)
    return analyze(parse_program(path), require_main=require_main)


def check_fails(tmp_path: Path, source: str) -> CompileError:
    with pytest.raises(CompileError) as info:
        check(tmp_path, source)
    return info.value


def decl(program: nodes.Program, name: str) -> nodes.Declaration:
    found = [d for d in program.declarations if d.name == name]
    assert found, name
    return found[-1]


def local(container: nodes.Declaration, name: str) -> nodes.Declaration:
    for d in container.locals:  # type: ignore[attr-defined]
        if d.name == name:
            return d  # type: ignore[no-any-return]
    raise AssertionError(name)


def calls(node: nodes.Node) -> list[nodes.MethodCall]:
    return [n for n in node.walk() if isinstance(n, nodes.MethodCall)]


def const(program: nodes.Program, name: str) -> object:
    d = decl(program, name)
    assert isinstance(d, nodes.ConstDecl)
    return d.value.const_value


# -- constants and width semantics ---------------------------------------------


def test_constant_folding_exact_widths(tmp_path: Path) -> None:
    p = check(
        tmp_path,
        CORE
        + """
const bit<8> A = 255;
const bit<8> B = A + 1;
const int<8> C = -128;
const int<8> D = C - 1;
const bit<8> E = 8w250 |+| 8w10;
const int<8> F = -8s100 |-| 8s100;
const bit<8> G = 8w3 - 8w5;
const int H = (1 << 70) >> 68;
const bit<16> I = 8w0xAB ++ 8w0xCD;
const bit<4> J = I[11:8];
const bool K = 8w1 < 8w2 && !(A == 0);
const bit<8> L = (bit<8>) 16w0x1234;
const int<8> M = (int<8>) 8w200;
const bit<1> N = (bit<1>) true;
const bool O = (bool) 1w1;
const bit<8> P = 8w5 << 7;
const int<8> Q = -8s128 >> 2;
const bit<32> R = 10 / 3 + 10 % 3;
""",
    )
    expected = {
        "A": 255, "B": 0, "C": -128, "D": 127, "E": 255, "F": -128, "G": 254,
        "H": 4, "I": 0xABCD, "J": 0xB, "K": True, "L": 0x34, "M": -56, "N": 1,
        "O": True, "P": 0x80, "Q": -32, "R": 4,
    }  # fmt: skip
    for name, value in expected.items():
        assert const(p, name) == value, name
    assert decl(p, "J").resolved_type == BitsType(4)  # type: ignore[attr-defined]
    assert decl(p, "I").value.type == BitsType(16)  # type: ignore[attr-defined]


def test_int_literal_takes_width_of_context(tmp_path: Path) -> None:
    p = check(
        tmp_path,
        CORE
        + """
control C(inout bit<8> x, inout int<16> y) {
    apply {
        x = x + 1;
        y = 2 * y;
        if (x == 3) { x = 0xFF; }
    }
}
""",
    )
    ctl = decl(p, "C")
    consts = [n for n in ctl.body.walk() if isinstance(n, nodes.Constant)]  # type: ignore[attr-defined]
    types = [c.type for c in consts]
    assert types == [BitsType(8), BitsType(16, True), BitsType(8), BitsType(8)]
    assert all(isinstance(n.type, (BitsType, BoolType)) for n in ctl.walk()
               if isinstance(n, (nodes.Binary, nodes.Member)))  # fmt: skip


def test_enum_error_and_serializable_enum(tmp_path: Path) -> None:
    p = check(
        tmp_path,
        CORE
        + """
error { Oops }
enum Color { Red, Green }
enum bit<8> Proto { TCP = 6, UDP = 17 }
const error E = error.Oops;
const Color K = Color.Green;
const bit<8> U = Proto.UDP;
const bool S = Proto.TCP == 6;
const Proto V = (Proto) 8w17;
control C(inout bit<8> x) {
    apply { if (x == Proto.TCP) { x = Proto.UDP; } }
}
""",
    )
    assert const(p, "E") == ErrorValue("Oops", 7)
    k = const(p, "K")
    assert isinstance(k, EnumMemberValue) and k.name == "Green" and k.value is None
    assert const(p, "U") == 17
    assert const(p, "S") is True
    v = const(p, "V")
    assert isinstance(v, EnumMemberValue) and v.name == "UDP" and v.value == 17


def test_struct_and_list_expressions_fit_their_targets(tmp_path: Path) -> None:
    p = check(
        tmp_path,
        CORE
        + """
header h_t { bit<8> a; bit<16> b; }
struct s_t { bit<8> a; bool b; }
const s_t S = { b = true, a = 3 };
const s_t T = { 4, false };
control C(inout h_t h, inout s_t s) {
    apply {
        h = { 1, 2 };
        s = (s_t){ a = 1, b = false };
        h = {#};
        bool same = s == { 1, true };
    }
}
""",
    )
    assert const(p, "S") == StructValue((("a", 3), ("b", True)))
    t = decl(p, "T")
    assert isinstance(t.value, nodes.StructExpression)  # type: ignore[attr-defined]
    assert const(p, "T") == StructValue((("a", 4), ("b", False)))
    ctl = decl(p, "C")
    first = ctl.body.components[0]  # type: ignore[attr-defined]
    assert isinstance(first.right, nodes.StructExpression)
    assert [f.expr.type for f in first.right.fields] == [BitsType(8), BitsType(16)]


# -- calls: overloads, generics, bindings ----------------------------------------


V1_SKELETON = """
header ethernet_t { bit<48> dst; bit<48> src; bit<16> etherType; }
header ipv4_t { bit<4> version; bit<4> ihl; bit<8> diffserv; bit<16> totalLen;
                bit<16> identification; bit<3> flags; bit<13> fragOffset; bit<8> ttl;
                bit<8> protocol; bit<16> hdrChecksum; bit<32> srcAddr; bit<32> dstAddr; }
struct headers { ethernet_t ethernet; ipv4_t ipv4; }
struct metadata { bit<16> h; bit<32> r; }
"""


def test_overloads_generics_and_bindings(tmp_path: Path) -> None:
    p = check(
        tmp_path,
        V1
        + V1_SKELETON
        + """
control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    register<bit<32>>(16) r;
    action drop() { mark_to_drop(standard_metadata); }
    action old_drop() { mark_to_drop(); }
    apply {
        hash(meta.h, HashAlgorithm.crc16, 16w0,
             { hdr.ipv4.srcAddr, hdr.ipv4.dstAddr }, 32w1024);
        r.read(meta.r, 5);
        r.write(0, meta.r + 1);
        log_msg("hello");
        log_msg("x={}", { meta.r });
        random(meta.h, 0, 100);
        if (hdr.ipv4.isValid()) { hdr.ethernet.setInvalid(); }
        digest<metadata>(1, meta);
    }
}
""",
    )
    ctl = decl(p, "MyIngress")
    by_name: dict[str, list[nodes.MethodCall]] = {}
    for c in calls(ctl):
        name = c.method.member if isinstance(c.method, nodes.Member) else c.method.name  # type: ignore[attr-defined]
        by_name.setdefault(name, []).append(c)
    m1, m0 = by_name["mark_to_drop"]
    assert len(m1.callee.params) == 1 and len(m0.callee.params) == 0  # type: ignore[union-attr]
    assert m1.kind is CallKind.EXTERN_FUNCTION
    (h,) = by_name["hash"]
    assert h.type_bindings["O"] == BitsType(16)
    assert h.type_bindings["T"] == BitsType(16)
    assert h.type_bindings["D"] == TupleType((BitsType(32), BitsType(32)))
    assert h.type_bindings["M"] == BitsType(32)
    (read,) = by_name["read"]
    assert read.kind is CallKind.EXTERN_METHOD
    assert isinstance(read.callee, nodes.MethodDecl) and read.callee.name == "read"
    assert read.bound_args[1].type == BitsType(32)  # type: ignore[union-attr]
    assert read.type_bindings["T"] == BitsType(32)
    (write,) = by_name["write"]
    assert write.bound_args[0].const_value == 0  # type: ignore[union-attr]
    one, two = by_name["log_msg"]
    assert len(one.bound_args) == 1 and len(two.bound_args) == 2
    (rnd,) = by_name["random"]
    assert rnd.type_bindings["T"] == BitsType(16)
    assert [a.type for a in rnd.bound_args] == [BitsType(16)] * 3  # type: ignore[union-attr]
    (valid,) = by_name["isValid"]
    assert valid.kind is CallKind.BUILTIN and valid.builtin == "isValid"
    assert valid.type == BoolType()
    (dig,) = by_name["digest"]
    assert isinstance(dig.type_bindings["T"], StructType)
    inst = local(ctl, "r")
    assert isinstance(inst, nodes.Instantiation)
    assert inst.resolved_type == ExternType(inst.resolved_type.decl, (BitsType(32),))  # type: ignore[union-attr]
    assert inst.constructor is not None and inst.bound_args[0].const_value == 16  # type: ignore[union-attr]


def test_full_v1model_program_and_main(tmp_path: Path) -> None:
    p = check(
        tmp_path,
        V1
        + V1_SKELETON
        + """
parser MyParser(packet_in packet, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    value_set<bit<16>>(4) pvs;
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            0x0800: parse_ipv4;
            0x8100 &&& 0xEFFF: parse_ipv4;
            pvs: accept;
            default: accept;
        }
    }
    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        verify(hdr.ipv4.version == 4, error.NoMatch);
        transition select(hdr.ipv4.protocol, hdr.ipv4.ttl) {
            (6, 0 .. 10): reject;
            (_, _): accept;
        }
    }
}
control MyVerifyChecksum(inout headers hdr, inout metadata meta) { apply { } }
control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    direct_counter(CounterType.packets) cnt;
    action drop() { mark_to_drop(standard_metadata); }
    action forward(bit<48> dstAddr, bit<9> port) {
        standard_metadata.egress_spec = port;
        hdr.ethernet.dst = dstAddr;
    }
    action set_h(inout bit<16> v, bit<16> x) { v = x; }
    table ipv4_lpm {
        key = { hdr.ipv4.dstAddr: lpm; hdr.ipv4.isValid(): exact; }
        actions = { forward; drop; set_h(meta.h); NoAction; }
        size = 1024;
        counters = cnt;
        default_action = forward(0x1, 2);
        const entries = {
            (0x0a000001 &&& 0xffffffff, true): forward(0x2, 3);
            (_, false): drop();
        }
    }
    table t2 {
        key = { meta.h: exact; }
        actions = { drop; NoAction; }
        implementation = action_profile(32w128);
    }
    apply {
        switch (ipv4_lpm.apply().action_run) {
            forward: { t2.apply(); }
            drop:
            default: { }
        }
        if (t2.apply().hit) { drop(); }
    }
}
control MyEgress(inout headers hdr, inout metadata meta,
                 inout standard_metadata_t standard_metadata) { apply { } }
control MyComputeChecksum(inout headers hdr, inout metadata meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv, hdr.ipv4.totalLen },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}
control MyDeparser(packet_out packet, in headers hdr) {
    apply { packet.emit(hdr.ethernet); packet.emit(hdr.ipv4); }
}
V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;
""",
        require_main=True,
    )
    main = decl(p, "main")
    assert isinstance(main, nodes.Instantiation)
    assert isinstance(main.resolved_type, PackageType)
    assert [str(t) for t in main.resolved_type.type_args] == ["headers", "metadata"]
    assert isinstance(main.args[0].expr, nodes.ConstructorCall)
    assert isinstance(main.args[0].expr.type, ParserType)
    assert isinstance(main.args[2].expr.type, ControlType)
    parser = decl(p, "MyParser")
    start = parser.states[0]  # type: ignore[attr-defined]
    assert start.transition.cases[3].state.decl.name == "accept"
    ctl = decl(p, "MyIngress")
    table = local(ctl, "ipv4_lpm")
    actions = table.property("actions").actions  # type: ignore[attr-defined]
    set_h = actions[2].expr
    assert isinstance(set_h, nodes.MethodCall) and set_h.kind is CallKind.ACTION
    assert set_h.bound_args[1] is None  # action data: set by the control plane
    entries = table.property("entries").entries  # type: ignore[attr-defined]
    mask = entries[0].keyset.elements[0]
    assert mask.left.type == BitsType(32) and mask.const_value == (0x0A000001, 0xFFFFFFFF)
    default = table.property("default_action").value  # type: ignore[attr-defined]
    assert [a.type for a in default.bound_args] == [BitsType(48), BitsType(9)]
    applies = [c for c in calls(ctl) if c.kind is CallKind.TABLE_APPLY]
    assert len(applies) == 3
    # Every expression in the program is typed.
    assert all(n.type is not None for n in p.walk() if isinstance(n, nodes.Expression))


def test_sizes_and_builtins(tmp_path: Path) -> None:
    p = check(
        tmp_path,
        CORE
        + """
header h_t { bit<8> a; bit<4> b; bit<4> c; varbit<32> v; }
control C(inout h_t h, inout h_t[4] s) {
    apply {
        const int x = h.minSizeInBits();
        const int y = h.maxSizeInBytes();
        const bit<32> z = s.size;
        s.push_front(2);
        s[1].setValid();
    }
}
""",
    )
    consts = [n for n in decl(p, "C").walk() if isinstance(n, nodes.ConstDecl)]
    assert [c.value.const_value for c in consts] == [16, 6, 4]
    assert consts[0].resolved_type == InfIntType()


def test_forward_references_to_states_and_shadowing(tmp_path: Path) -> None:
    check(
        tmp_path,
        CORE
        + """
header h_t { bit<8> a; }
struct h_s { h_t h; }
parser P(packet_in b, out h_s hdr) {
    state start { transition next; }
    state next { b.extract(hdr.h); transition select(hdr.h.a) { 1: start; default: accept; } }
}
control C(inout h_s h_s_param) {
    bit<8> tmp = 1;
    apply {
        bit<8> tmp2 = tmp;
        { bit<8> tmp = 2; tmp2 = tmp; }
        .NoAction();
    }
}
""",
    )


def test_functions_and_returns(tmp_path: Path) -> None:
    p = check(
        tmp_path,
        CORE
        + """
bit<8> max(in bit<8> a, in bit<8> b) {
    if (a > b) { return a; } else { return b; }
}
bit<16> widen<T>(in T x) { return 16w1; }
control C(inout bit<8> x) {
    apply { x = max(x, 3); bit<16> w = widen(x); }
}
""",
    )
    f = decl(p, "max")
    assert isinstance(f, nodes.FunctionDecl)
    (call,) = [c for c in calls(decl(p, "C")) if c.callee is f]
    assert call.kind is CallKind.FUNCTION and call.type == BitsType(8)


def test_direct_apply_instantiates_like_p4c(tmp_path: Path) -> None:
    p = check(
        tmp_path,
        CORE
        + """
control Inner(inout bit<8> x) { apply { x = x + 1; } }
control Outer(inout bit<8> x) { apply { Inner.apply(x); } }
""",
    )
    outer = decl(p, "Outer")
    inst = outer.locals[0]  # type: ignore[attr-defined]
    assert isinstance(inst, nodes.Instantiation) and inst.name == "Inner_inst"
    assert inst.name_annotation() == "Inner"
    (call,) = calls(outer.body)  # type: ignore[attr-defined]
    assert call.kind is CallKind.CONTROL_APPLY and call.callee is decl(p, "Inner")
    assert call.method.expr.decl is inst  # type: ignore[attr-defined]


def test_named_default_and_optional_arguments(tmp_path: Path) -> None:
    p = check(
        tmp_path,
        CORE
        + """
extern void f(in bit<8> a, in bit<8> b = 7, @optional in bit<8> c);
control C(inout bit<8> x) {
    action set(out bit<8> v, bit<8> d = 3) { v = d; }
    apply {
        f(b = 1, a = x);
        f(x);
        set(x);
        set(d = 9, v = x);
    }
}
""",
    )
    named, short, act1, act2 = calls(decl(p, "C").body)  # type: ignore[attr-defined]
    assert [a.const_value if a is not None else None for a in named.bound_args[1:]] == [1, None]
    assert named.bound_args[0].decl.name == "x"  # type: ignore[union-attr]
    assert short.bound_args[1].const_value == 7 and short.bound_args[2] is None  # type: ignore[union-attr]
    assert act1.bound_args[1].const_value == 3  # type: ignore[union-attr]
    assert act2.bound_args[1].const_value == 9  # type: ignore[union-attr]


def test_typedef_newtype_and_casts(tmp_path: Path) -> None:
    p = check(
        tmp_path,
        CORE
        + """
typedef bit<9> port_t;
type bit<32> ip_t;
const port_t P = 5;
const ip_t A = (ip_t) 32w10;
const bit<32> B = (bit<32>) A;
const ip_t W = (ip_t) 3;
control C(inout port_t p, inout ip_t a) {
    apply { p = p + 1; a = (ip_t)((bit<32>) a + 1); }
}
""",
    )
    assert decl(p, "P").resolved_type == BitsType(9)  # type: ignore[attr-defined]
    assert const(p, "B") == 10 and const(p, "W") == 3


def test_header_union_and_stack_operations(tmp_path: Path) -> None:
    check(
        tmp_path,
        CORE
        + """
header a_t { bit<8> x; }
header b_t { bit<16> y; }
header_union u_t { a_t a; b_t b; }
struct hs { a_t[3] st; u_t u; }
parser P(packet_in pkt, out hs h) {
    state start {
        pkt.extract(h.st.next);
        transition select(h.st.last.x) { 0: start; default: u; }
    }
    state u {
        pkt.extract(h.u.a);
        bit<32> i = h.st.lastIndex;
        transition accept;
    }
}
control C(inout hs h) {
    apply {
        if (h.u.isValid() && h.u.a.isValid()) { h.u.b.setValid(); }
        h.st.pop_front(1);
        h.st[0].x = (bit<8>) h.st.size;
    }
}
""",
    )


def test_switch_on_values(tmp_path: Path) -> None:
    check(
        tmp_path,
        CORE
        + """
enum E { A, B }
control C(inout bit<8> x, in E e) {
    apply {
        switch (x) { 1: { x = 2; } 2: 3: { x = 4; } default: { } }
        switch (e) { E.A: { x = 0; } E.B: { } }
    }
}
""",
    )


def test_loops(tmp_path: Path) -> None:
    p = check(
        tmp_path,
        CORE
        + """
header h_t { bit<8> x; }
control C(inout bit<32> sum, inout h_t[4] hs) {
    action a() {
        for (bit<8> i = 0, bit<8> j = 1; i < 10; i = i + 1, j = j << 1) {
            if (i == 5) { break; }
            sum = sum + (bit<32>) j;
        }
        for (bit<8> k in 1 .. 4) { sum = sum + (bit<32>) k; continue; }
        for (h_t h in hs) { sum = sum + (bit<32>) h.x; }
    }
    apply { a(); }
}
""",
    )
    loops = [n for n in decl(p, "C").walk() if isinstance(n, nodes.ForInStatement)]
    assert loops[0].decl.resolved_type == BitsType(8)
    assert loops[0].collection.left.type == BitsType(8)  # type: ignore[attr-defined]


# -- errors ------------------------------------------------------------------------------

ERRORS: dict[str, tuple[str, int, int, str]] = {
    # name: (source after the include line, line, column, message regex)
    "undeclared-name": (
        "control C(inout bit<8> x) {\n    apply { x = y + 1; }\n}\n",
        3, 17, r"'y' is not declared",
    ),
    "width-mismatch-init": (
        "control C() {\n    apply { bit<8> x = 16w5; }\n}\n",
        3, 24, r"expected bit<8>.*16w5.*bit<16>",
    ),
    "width-mismatch-binary": (
        "control C(inout bit<8> a, in bit<16> b) {\n    apply { a = a + b; }\n}\n",
        3, 17, r"different widths",
    ),
    "compare-mismatch": (
        "control C(inout bit<8> a, in bool b) {\n    apply { if (a == b) { a = 1; } }\n}\n",
        3, 17, r"'a' of type bit<8> cannot be compared to 'b' of type bool",
    ),
    "undefined-method": (
        "header h_t { bit<8> f; }\ncontrol C(inout h_t h) {\n    apply { h.frob(); }\n}\n",
        4, 13, r"no method 'frob'",
    ),
    "unknown-field": (
        "header h_t { bit<8> f; }\ncontrol C(inout h_t h) {\n    apply { h.g = 1; }\n}\n",
        4, 13, r"'g' is not a field of header type 'h_t'",
    ),
    "wrong-arg-count": (
        "control C(inout bit<8> x) {\n    action a(in bit<8> v) { x = v; }\n"
        "    apply { a(1, 2); }\n}\n",
        4, 13, r"too many arguments",
    ),
    "missing-arg": (
        "control C(inout bit<8> x) {\n    action a(in bit<8> v) { x = v; }\n"
        "    apply { a(); }\n}\n",
        4, 13, r"missing argument for parameter 'v'",
    ),
    "out-not-lvalue": (
        "control C(inout bit<8> x) {\n    action get(out bit<8> v) { v = 1; }\n"
        "    apply { get(x + 1); }\n}\n",
        4, 17, r"'out'.*not a left-value",
    ),
    "assign-in-param": (
        "control C(in bit<8> x) {\n    apply { x = 1; }\n}\n",
        3, 13, r"'x' is an 'in' parameter \(read-only\)",
    ),
    "assign-constant": (
        "const bit<8> K = 1;\ncontrol C() {\n    apply { K = 2; }\n}\n",
        4, 13, r"'K' is a constant",
    ),
    "duplicate-action": (
        "control C() {\n    action a() { }\n    action a() { }\n    apply { }\n}\n",
        4, 12, r"'a' is already declared",
    ),
    "duplicate-field": ("struct s { bit<8> a; bool a; }\n", 2, 27, r"duplicate field 'a'"),
    "unknown-match-kind": (
        "control C(in bit<8> x) {\n    action a() { }\n"
        "    table t { key = { x: fuzzy; } actions = { a; } }\n    apply { t.apply(); }\n}\n",
        4, 23, r"unknown match kind 'fuzzy'",
    ),
    "not-constant": (
        "control C(in bit<8> x) {\n    apply { bit<(x)> y = 0; }\n}\n",
        3, 18, r"width of bit<...> must be a compile-time constant",
    ),
    "const-not-constant": (
        "control C(in bit<8> x) {\n    apply { const bit<8> k = x; }\n}\n",
        3, 30, r"not a compile-time constant",
    ),
    "if-not-bool": (
        "control C(inout bit<8> x) {\n    apply { if (x) { x = 1; } }\n}\n",
        3, 17, r"must be a bool.*bit<8>",
    ),
    "action-not-in-table": (
        "control C(in bit<8> x) {\n    table t { key = { x: exact; } actions = { nope; } }\n"
        "    apply { t.apply(); }\n}\n",
        3, 47, r"action 'nope' is not declared",
    ),
    "default-not-listed": (
        "control C(in bit<8> x) {\n    action a() { }\n    action b() { }\n"
        "    table t { key = { x: exact; } actions = { a; } default_action = b(); }\n"
        "    apply { t.apply(); }\n}\n",
        5, 69, r"default action 'b' is not in the actions of table 't'",
    ),
    "data-param-bound-in-list": (
        "control C(in bit<8> x) {\n    action a(bit<8> v) { }\n"
        "    table t { key = { x: exact; } actions = { a(1); } }\n    apply { t.apply(); }\n}\n",
        4, 49, r"'v' cannot be bound here: it is set by the control plane",
    ),
    "entry-key-count": (
        "control C(in bit<8> x, in bit<8> y) {\n    action a() { }\n"
        "    table t { key = { x: exact; y: exact; } actions = { a; }\n"
        "        const entries = { 1: a(); } }\n    apply { t.apply(); }\n}\n",
        5, 27, r"1 key value, but table 't' has 2 keys",
    ),
    "unknown-state": (
        "parser P() {\n    state start { transition nowhere; }\n}\n",
        3, 30, r"parser state 'nowhere' is not declared",
    ),
    "return-type": (
        "bit<8> f() { return true; }\n",
        2, 21, r"expected bit<8>.*bool",
    ),
    "missing-return": (
        "bit<8> f(in bool c) { if (c) { return 1; } }\n",
        2, 8, r"does not return a value on every path",
    ),
    "shift-int-by-variable": (
        "control C(inout bit<8> x) {\n    apply { x = 1 << x; }\n}\n",
        3, 17, r"give the left operand a width",
    ),
    "concat-int": (
        "control C(inout bit<16> x) {\n    apply { x = 8w1 ++ 1; }\n}\n",
        3, 24, r"needs a width",
    ),
    "slice-out-of-range": (
        "control C(inout bit<8> x) {\n    apply { x[3:0] = x[8:5]; }\n}\n",
        3, 24, r"bit index 8 is out of range for bit<8>",
    ),
    "apply-in-action": (
        "control C(in bit<8> x) {\n    action a() { }\n"
        "    table t { key = { x: exact; } actions = { a; } }\n"
        "    action b() { t.apply(); }\n    apply { }\n}\n",
        5, 18, r"cannot be applied inside an action",
    ),
    "static-assert": (
        "const bool ok = static_assert(1 == 2, \"one is not two\");\n",
        2, 17, r"static assertion failed: one is not two",
    ),
    "int-variable": (
        "control C() {\n    apply { int x = 1; }\n}\n",
        3, 13, r"cannot declare a variable of type int",
    ),
    "division-by-zero": ("const bit<8> X = 8w1 / 8w0;\n", 2, 18, r"division by zero"),
    "generic-width": (
        "extern void f<T>(in T x);\ncontrol C() {\n    apply { f(5); }\n}\n",
        4, 15, r"cannot infer the width of '5'",
    ),
    "switch-label-not-action": (
        "control C(in bit<8> x) {\n    action a() { }\n    action b() { }\n"
        "    table t { key = { x: exact; } actions = { a; } }\n"
        "    apply { switch (t.apply().action_run) { b: { } } }\n}\n",
        6, 45, r"'b' is not an action of table 't'",
    ),
    "error-member": ("const error e = error.Nope;\n", 2, 17, r"error 'Nope' is not declared"),
    "enum-member": (
        "enum E { A }\nconst E e = E.B;\n", 3, 13, r"enum 'E' has no member 'B'",
    ),
    "duplicate-switch-label": (
        "control C(inout bit<8> x) {\n    apply { switch (x) { 1: { } 1: { } } }\n}\n",
        3, 33, r"duplicate switch label '1'",
    ),
    "next-outside-parser": (
        "header a_t { bit<8> x; }\ncontrol C(inout a_t[2] s) {\n    apply { s.next.x = 1; }\n}\n",
        4, 13, r"'next' of a header stack can only be used in a parser",
    ),
    "cast-illegal": (
        "control C(inout bit<8> x, in bool b) {\n    apply { x = (bit<8>) b; }\n}\n",
        3, 17, r"illegal cast of 'b' from bool to bit<8>",
    ),
    "value-set-mismatch": (
        "parser P(in bit<8> k) {\n    value_set<bit<16>>(4) vs;\n"
        "    state start { transition select(k) { vs: accept; default: reject; } }\n}\n",
        4, 42, r"value_set 'vs' of bit<16> does not match the select keys \(bit<8>\)",
    ),
    "break-outside-loop": (
        "control C() {\n    apply { break; }\n}\n", 3, 13, r"'break' outside a loop",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_invalid_program_error(tmp_path: Path, name: str) -> None:
    body, line, column, pattern = ERRORS[name]
    err = check_fails(tmp_path, CORE + body)
    loc = err.location
    assert loc is not None, str(err)
    assert Path(loc.file).name == "t.p4", str(err)
    assert (loc.line, loc.column) == (line, column), str(err)
    assert re.search(pattern, err.message), str(err)


def test_this_is_an_explicit_unsupported_error(tmp_path: Path) -> None:
    err = check_fails(
        tmp_path,
        CORE
        + """
extern E { E(); abstract bit<8> f(); }
control C() {
    E() e = { bit<8> f() { return 1; } };
    apply { }
}
""",
    )
    assert isinstance(err, UnsupportedError)
    assert err.location is not None and err.location.line == 5


def test_untyped_struct_expression_for_generic_is_unsupported(tmp_path: Path) -> None:
    err = check_fails(
        tmp_path,
        CORE
        + """
extern void f<T>(in T x);
control C() {
    apply { f({ a = 8w1 }); }
}
""",
    )
    assert isinstance(err, UnsupportedError)
    assert err.location is not None and (err.location.line, err.location.column) == (5, 15)


def test_missing_main(tmp_path: Path) -> None:
    with pytest.raises(CompileError, match="no 'main'"):
        check(tmp_path, CORE + "const bit<8> X = 1;\n", require_main=True)
