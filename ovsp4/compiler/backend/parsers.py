"""Lowering of P4 parsers, and header extraction.

A parser becomes one C function whose states are labels:

    static int parser_P(struct ovsp4_ctx *ctx, <parameters>)
    {
        ...
    state_start: ;
        ...statements...
        goto state_next;          // transition
        ...
    ovsp4_accept:
        return 0;
    ovsp4_stop:                   // reject, or an error (ctx->parser_error)
        return 1;
    }

BMv2 semantics: parsing is byte-granular (`ctx->off` counts bytes);
extract/advance/lookahead past the end set PacketTooShort; an explicit
`reject` and a select without a matching case end parsing without an
error (p4c's BMv2 back end maps both to "accept"); in v1model the packet
goes on to ingress either way, with standard_metadata.parser_error set.
A sub-parser that stops makes its caller stop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ovsp4.compiler.backend import bitpack, scalar
from ovsp4.compiler.backend.cnames import c_ident
from ovsp4.compiler.backend.ctype_map import strip_newtype
from ovsp4.compiler.backend.env import Binding, Env, LValue
from ovsp4.compiler.backend.exprs import ExprGen, num
from ovsp4.compiler.backend.model import CFunc
from ovsp4.compiler.backend.stmts import INDENT, StmtGen, local_name, reset_code
from ovsp4.compiler.diagnostics import SourceLocation, UnsupportedError
from ovsp4.compiler.frontend.typeutil import size_in_bits
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.blocks import ParserBlock
from ovsp4.compiler.ir.nodes import BinaryOp, Direction
from ovsp4.compiler.ir.types import (
    BoolType,
    HeaderType,
    P4Type,
    StackType,
    StructLikeType,
    ValueSetType,
    VarbitType,
)

if TYPE_CHECKING:
    from ovsp4.compiler.backend.program import ProgramGen

# A guard against parsers that loop without consuming input: BMv2 would
# spin forever; we stop with ParserTimeout.
MAX_TRANSITIONS = 10000


def field_num(ft: P4Type, width: int) -> scalar.Num:
    """The representation of a header field's value (bool: one bit)."""
    n = num(ft)
    return n if n is not None else scalar.Num(width)


def header_layout(
    prog: ProgramGen, t: HeaderType, loc: SourceLocation | None
) -> list[tuple[str, P4Type, int]]:
    """(C member path, type, width) of each field of a header, in wire
    order; fields of struct type and arrays of bits are flattened."""
    out: list[tuple[str, P4Type, int]] = []

    def visit(path: str, ft: P4Type) -> None:
        ft = strip_newtype(ft)
        if isinstance(ft, VarbitType):
            out.append((path, ft, ft.max_width))
        elif isinstance(ft, BoolType):
            out.append((path, ft, 1))
        elif isinstance(ft, StructLikeType) and not isinstance(ft, HeaderType):
            for _, member, sub in prog.ctypes.fields(ft):
                visit(f"{path}.{member}", sub)
        elif isinstance(ft, StackType) and num(ft.element) is not None:
            for i in range(ft.size):
                visit(f"{path}.elem[{i}]", ft.element)
        else:
            n = num(ft)
            if n is None:
                raise UnsupportedError(f"header fields of type {ft}", loc)
            out.append((path, ft, n.width))

    for _, member, ft in prog.ctypes.fields(t):
        visit(member, ft)
    return out


def _successors(state: nodes.ParserState) -> list[str]:
    tr = state.transition
    if tr is None:
        return []
    if isinstance(tr, nodes.PathExpression):
        return [tr.name]
    if isinstance(tr, nodes.SelectExpression):
        return [case.state.name for case in tr.cases]
    return []


def _has_loop(decl: nodes.ParserDecl) -> bool:
    """Whether a path of transitions from `start` comes back to a state
    (depth-first, without recursion: parsers may have many states)."""
    states = {s.name: s for s in decl.states}
    if "start" not in states:
        return False
    colour: dict[str, int] = {"start": 1}  # 1 on the path, 2 done
    stack = [("start", iter(_successors(states["start"])))]
    while stack:
        name, it = stack[-1]
        nxt = next(it, None)
        if nxt is None:
            colour[name] = 2
            stack.pop()
            continue
        if nxt not in states:
            continue
        c = colour.get(nxt, 0)
        if c == 1:
            return True
        if c == 0:
            colour[nxt] = 1
            stack.append((nxt, iter(_successors(states[nxt]))))
    return False


class ParserGen:
    """Per program: parser functions and the extract helpers they share."""

    def __init__(self, prog: ProgramGen) -> None:
        self.prog = prog
        self.helpers: list[CFunc] = []
        self._extract: dict[HeaderType, str] = {}
        self._extract_vl: dict[HeaderType, str] = {}

    # -- header extraction ------------------------------------------------------

    def extract_fn(self, t: HeaderType, loc: SourceLocation | None) -> str:
        """`void fn(struct H *h, const uint8_t *p)`: a fixed-size header from
        the bytes at `p`; sets it valid."""
        fn = self._extract.get(t)
        if fn is not None:
            return fn
        layout = header_layout(self.prog, t, loc)
        if any(isinstance(ft, VarbitType) for _, ft, _ in layout):
            raise UnsupportedError(
                f"extracting header {t.name} (it has a varbit field) without a size", loc
            )
        fn = self.prog.names.fresh(f"extract_{t.name}")
        self._extract[t] = fn
        ctype = self.prog.ctypes.storage(t, loc)
        items = [(f"h->{member}", field_num(ft, w)) for member, ft, w in layout]
        body = ["h->ovsp4_valid = 1;", *bitpack.load("p", bitpack.layout(items))]
        if self.prog.deparsers.partial_emit_possible(t):
            body.append("h->ovsp4_src = p;")  # (deparsers.py: partial emission)
        bit = sum(w for _, _, w in layout)
        self.helpers.append(
            CFunc(
                fn,
                "void",
                [f"{ctype} *h", "const uint8_t *p"],
                body,
                f"header {t.name}: {bit} bits",
                inline=True,
            )
        )
        return fn

    def _load(self, buf: str, bit: str, ft: P4Type, w: int) -> str:
        if isinstance(ft, BoolType):
            return f"ovsp4_ld64({buf}, {bit}, 1) != 0"
        n = num(ft)
        assert n is not None
        return scalar.load(buf, bit, n)

    def extract_fixed(self, lv: LValue, t: HeaderType, e: nodes.Node) -> list[str]:
        bits = size_in_bits(t, maximum=False) or 0
        if bits % 8:
            raise UnsupportedError(
                f"extracting header {t.name} of {bits} bits (not a whole number of bytes)", e.loc
            )
        fn = self.extract_fn(t, e.loc)
        nbytes = bits // 8
        lines = [
            f"if (OVSP4_UNLIKELY(ctx->pkt_len - ctx->off < {nbytes})) "
            f"{{ ctx->parser_error = {self.prog.error_code('PacketTooShort')}; goto ovsp4_stop; }}",
            f"{fn}(&{lv.code}, ctx->pkt + ctx->off);",
            f"ctx->off += {nbytes};",
        ]
        lines += [f"{s}.ovsp4_valid = 0;" for s in lv.siblings]
        return lines

    def extract_vl_fn(self, t: HeaderType, loc: SourceLocation | None) -> str:
        """`void fn(struct H *h, const uint8_t *p, uint32_t vbits)`: a header
        with one varbit field of `vbits` bits."""
        fn = self._extract_vl.get(t)
        if fn is not None:
            return fn
        layout = header_layout(self.prog, t, loc)
        if sum(1 for _, ft, _ in layout if isinstance(ft, VarbitType)) != 1:
            raise UnsupportedError(
                f"extracting header {t.name} with a size: it needs exactly one varbit field", loc
            )
        fn = self.prog.names.fresh(f"extract_vl_{t.name}")
        self._extract_vl[t] = fn
        ctype = self.prog.ctypes.storage(t, loc)
        body = ["h->ovsp4_valid = 1;"]
        bit = "0"
        fixed = 0
        after_varbit = False
        for member, ft, w in layout:
            at = str(fixed) if not after_varbit else f"{fixed} + vbits"
            if isinstance(ft, VarbitType):
                nbytes = (ft.max_width + 7) // 8
                body.append(f"memset(h->{member}.data, 0, {nbytes});")
                body.append(f"ovsp4_copy_bits(h->{member}.data, 0, p, {at}, vbits);")
                body.append(f"h->{member}.len = vbits;")
                after_varbit = True
                continue
            body.append(f"h->{member} = {self._load('p', at, ft, w)};")
            fixed += w
        del bit
        self.helpers.append(
            CFunc(
                fn,
                "void",
                [f"{ctype} *h", "const uint8_t *p", "uint32_t vbits"],
                body,
                f"header {t.name}: {fixed} bits + varbit",
                inline=True,
            )
        )
        return fn

    def extract_varbit(
        self, gen: ExprGen, lv: LValue, t: HeaderType, size: str, e: nodes.Node
    ) -> list[str]:
        fn = self.extract_vl_fn(t, e.loc)
        fixed = size_in_bits(t, maximum=False) or 0
        max_bits = size_in_bits(t, maximum=True) or 0
        if fixed % 8:
            raise UnsupportedError(f"header {t.name}: its fixed part is not whole bytes", e.loc)
        v = gen.env.fresh("vbits")
        err = self.prog.error_code
        lines = [
            "{",
            f"{INDENT}uint64_t {v} = {size};",
            f"{INDENT}if ({v} % 8) {{ ctx->parser_error = {err('ParserInvalidArgument')}; "
            "goto ovsp4_stop; }",
            f"{INDENT}if ((uint64_t) ctx->pkt_len - ctx->off < {fixed // 8} + {v} / 8) "
            f"{{ ctx->parser_error = {err('PacketTooShort')}; goto ovsp4_stop; }}",
            f"{INDENT}if ({fixed // 8} + {v} / 8 > {max_bits // 8}) "
            f"{{ ctx->parser_error = {err('HeaderTooShort')}; goto ovsp4_stop; }}",
            f"{INDENT}{fn}(&{lv.code}, ctx->pkt + ctx->off, (uint32_t) {v});",
            f"{INDENT}ctx->off += {fixed // 8} + (uint32_t) ({v} / 8);",
        ]
        lines += [f"{INDENT}{s}.ovsp4_valid = 0;" for s in lv.siblings]
        lines.append("}")
        return lines

    # -- parser functions -----------------------------------------------------------

    def parser_function(self, block: ParserBlock, name: str) -> CFunc:
        decl = block.decl
        assert isinstance(decl, nodes.ParserDecl)
        env = Env(self.prog, block, exit_code=None, in_parser=True)
        env.subst = self.prog.block_subst(block)  # type: ignore[attr-defined]
        gen = ExprGen(env)
        params = []
        body: list[str] = []
        for p in decl.params:
            if self.prog.is_packet_param(p):
                continue
            t = gen.t(p.resolved_type)
            cname = local_name(env, p.name)
            params.append(f"{gen.stype(t, p.loc)} *{cname}")
            env.bind(p, Binding(cname, t, ptr=True))
            if p.direction is Direction.OUT:
                body += reset_code(gen, f"*{cname}", t)
        self.prog.bind_ctor_params(env, block)
        sg = StmtGen(env)
        for local in decl.locals:
            if isinstance(local, nodes.VariableDecl):
                body += sg.component(local)
            elif isinstance(local, nodes.ConstDecl):
                continue
            elif isinstance(local, (nodes.Instantiation, nodes.ValueSetDecl)):
                continue
            else:
                raise UnsupportedError(f"'{type(local).__name__}' in a parser", local.loc)
        # Only a parser whose states form a loop can run into ParserTimeout.
        looping = _has_loop(decl) or len(decl.states) >= MAX_TRANSITIONS
        if looping:
            body.append("uint32_t ovsp4_steps = 0;")
        body.append("goto state_start;")
        labels = {s.name: f"state_{c_ident(s.name)}" for s in decl.states}
        labels["accept"] = "ovsp4_accept"
        labels["reject"] = "ovsp4_stop"
        for state in decl.states:
            if state.name in ("accept", "reject"):
                continue
            body.append(f"{labels[state.name]}: OVSP4_UNUSED; /* {state.name} */")
            if looping:
                body.append(
                    f"{INDENT}if (OVSP4_UNLIKELY(++ovsp4_steps > {MAX_TRANSITIONS})) "
                    f"{{ ctx->parser_error = {self.prog.error_code('ParserTimeout')}; "
                    "goto ovsp4_stop; }"
                )
            inner = sg.child()
            state_lines: list[str] = []
            for comp in state.components:
                state_lines += inner.component(comp)
            state_lines += self._transition(inner, state, labels)
            body.append(INDENT + "{")
            body += [INDENT * 2 + x for x in state_lines]
            body.append(INDENT + "}")
        body += [
            "ovsp4_accept: OVSP4_UNUSED;",
            f"{INDENT}return 0;",
            "ovsp4_stop: OVSP4_UNUSED;",
            f"{INDENT}return 1;",
        ]
        return CFunc(
            name,
            "int",
            ["struct ovsp4_ctx *ctx", *params],
            body,
            f"parser {block.name}",
            loc=decl.loc,
        )

    def _transition(
        self, sg: StmtGen, state: nodes.ParserState, labels: dict[str, str]
    ) -> list[str]:
        tr = state.transition
        if tr is None:
            return ["goto ovsp4_stop; /* no transition: reject */"]
        if isinstance(tr, nodes.PathExpression):
            return [f"goto {labels[tr.name]};"]
        if not isinstance(tr, nodes.SelectExpression):
            raise UnsupportedError("this transition", tr.loc)
        start = len(sg.env.temps)
        gstart = len(sg.env.guards)
        keys = []
        lines: list[str] = []
        gen = sg.gen
        for i, k in enumerate(tr.keys):
            t = gen.t(k.type)
            tmp = f"k{i}"
            lines.append(f"OVSP4_UNUSED {gen.ctype(t, k.loc)} {tmp} = {gen.value(k)};")
            keys.append((tmp, t))
        for case in tr.cases:
            cond = self._case_cond(gen, case.keyset, keys)
            target = labels.get(case.state.name)
            if target is None:
                raise UnsupportedError(f"a transition to '{case.state.name}'", case.loc)
            if cond == "true":
                lines.append(f"goto {target};")
                break
            lines.append(f"if ({cond}) goto {target};")
        else:
            lines.append("goto ovsp4_accept; /* no case matched: BMv2 accepts */")
        temps = sg.env.temps[start:]
        del sg.env.temps[start:]
        guards = sg.env.guards[gstart:]
        del sg.env.guards[gstart:]
        return ["{", *(INDENT + x for x in [*temps, *sg.guard_lines(guards), *lines]), "}"]

    def _case_cond(self, gen: ExprGen, ks: nodes.Expression, keys: list[tuple[str, P4Type]]) -> str:
        if isinstance(ks, (nodes.DefaultExpression, nodes.DontCare)):
            return "true"
        if isinstance(ks.type, ValueSetType) or (
            isinstance(ks, nodes.PathExpression) and isinstance(ks.decl, nodes.ValueSetDecl)
        ):
            return self._value_set_cond(gen, ks, keys)
        if len(keys) > 1:
            if not isinstance(ks, nodes.ListExpression):
                raise UnsupportedError("this keyset", ks.loc)
            conds = [
                self._simple_cond(gen, x, k, t) for x, (k, t) in zip(ks.elements, keys, strict=True)
            ]
            conds = [c for c in conds if c != "true"]
            return " && ".join(conds) if conds else "true"
        if isinstance(ks, nodes.ListExpression) and len(ks.elements) == 1:
            ks = ks.elements[0]
        k, t = keys[0]
        return self._simple_cond(gen, ks, k, t)

    def _simple_cond(self, gen: ExprGen, x: nodes.Expression, key: str, t: P4Type) -> str:
        if isinstance(x, (nodes.DefaultExpression, nodes.DontCare)):
            return "true"
        n = num(t)
        if isinstance(x, nodes.Binary) and x.op is BinaryOp.MASK:
            v, m = gen.value(x.left, t), gen.value(x.right, t)
            if n is None:
                raise UnsupportedError(f"a mask on {t}", x.loc)
            return scalar.compare(
                "==", scalar.bitwise("&", key, m, n), scalar.bitwise("&", v, m, n), n
            )
        if isinstance(x, nodes.Binary) and x.op is BinaryOp.RANGE:
            lo, hi = gen.value(x.left, t), gen.value(x.right, t)
            if n is None:
                raise UnsupportedError(f"a range on {t}", x.loc)
            return f"({scalar.compare('<=', lo, key, n)} && {scalar.compare('<=', key, hi, n)})"
        v = gen.value(x, t)
        if n is not None:
            return scalar.compare("==", key, v, n)
        return f"({key} == {v})"

    def _value_set_cond(
        self, gen: ExprGen, ks: nodes.Expression, keys: list[tuple[str, P4Type]]
    ) -> str:
        assert isinstance(ks, nodes.PathExpression)
        vs = self.prog.value_set(gen.env.block, ks.decl, ks)
        # The key: every select key big-endian in ceil(w / 8) bytes.
        parts = []
        off = 0
        for k, t in keys:
            n = num(t)
            if isinstance(strip_newtype(t), BoolType):
                n = scalar.Num(1)
            if n is None or n.cls == "wide":
                raise UnsupportedError(f"a value set keyed by {t}", ks.loc)
            nbytes = (n.width + 7) // 8
            put = "ovsp4_put64" if n.cls == "small" else "ovsp4_put128"
            parts.append(f"{put}(vsk + {off}, {nbytes}, {scalar.unsigned_bits(k, n)});")
            off += nbytes
        if off != vs.key_len:
            raise UnsupportedError("a value set whose type does not match the select keys", ks.loc)
        body = " ".join(parts)
        return (
            f"({{ uint8_t vsk[{max(off, 1)}]; {body} "
            f"ovsp4_rt_value_set_match(ctx->objs->value_sets[{vs.index}], vsk); }})"
        )


def struct_bits(t: StructLikeType) -> int:
    return size_in_bits(t, maximum=True) or 0
