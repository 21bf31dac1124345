"""Lowering of P4 expressions to C expressions.

`ExprGen.value(e)` returns a C expression computing `e` (normalised, in
the C compute type of `e.type`, see ctype_map.py); `ExprGen.lvalue(e)`
an `LValue`; `ExprGen.assign(lv, code)` the C statements of an
assignment. Calls are delegated to `calls.CallGen`.

Evaluation order: P4 evaluates left to right. C does not order the
operands of most operators nor function arguments, so when two operands
both have side effects (calls), the left one is evaluated into a
temporary first (GNU statement expressions keep this inside the
expression, so `&&`, `||` and `?:` still short-circuit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ovsp4.compiler.backend import scalar
from ovsp4.compiler.backend.ctype_map import (
    bits_of,
    is_aggregate,
    is_code_type,
    strip_newtype,
)
from ovsp4.compiler.backend.env import Binding, Env, LValue
from ovsp4.compiler.backend.scalar import Num
from ovsp4.compiler.diagnostics import CompileError, UnsupportedError
from ovsp4.compiler.frontend.typeutil import substitute
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.nodes import BinaryOp, UnaryOp
from ovsp4.compiler.ir.types import (
    ActionEnumType,
    BitsType,
    BoolType,
    EnumType,
    ErrorType,
    HeaderType,
    HeaderUnionType,
    InfIntType,
    P4Type,
    StackType,
    StringType,
    StructLikeType,
    TableApplyResultType,
    TupleType,
    TypeVar,
)
from ovsp4.compiler.ir.values import EnumMemberValue, ErrorValue, StructValue

if TYPE_CHECKING:
    from ovsp4.compiler.backend.calls import CallGen

_ARITH = {BinaryOp.ADD: "+", BinaryOp.SUB: "-", BinaryOp.MUL: "*"}
_BITWISE = {BinaryOp.BAND: "&", BinaryOp.BOR: "|", BinaryOp.BXOR: "^"}
_COMPARE = {
    BinaryOp.EQ: "==",
    BinaryOp.NE: "!=",
    BinaryOp.LT: "<",
    BinaryOp.LE: "<=",
    BinaryOp.GT: ">",
    BinaryOp.GE: ">=",
}


def num(t: P4Type) -> Num | None:
    """The fixed-width integer representation of `t`; an `int` that is not a
    compile-time constant (a directionless parameter) is an int64_t."""
    if isinstance(t, InfIntType):
        return Num(64, True)
    b = bits_of(t)
    return Num(b.width, b.signed) if b is not None else None


def c_string(s: str) -> str:
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            out.append("".join(f"\\{b:03o}" for b in ch.encode()))
    return '"' + "".join(out) + '"'


def member_of(code: str, member: str) -> str:
    """`code.member`, written `p->member` when `code` is `(*p)`."""
    if code.startswith("(*") and code.endswith(")") and _balanced(code[2:-1]):
        return f"{code[2:-1]}->{member}"
    return f"{code}.{member}"


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def has_calls(e: nodes.Node) -> bool:
    """Whether evaluating `e` may have side effects (it calls something
    other than a pure built-in)."""
    for n in e.walk():
        if isinstance(n, nodes.MethodCall):
            if n.kind is nodes.CallKind.BUILTIN and n.builtin == "isValid":
                continue
            if n.const_value is not None:
                continue
            return True
    return False


class ExprGen:
    def __init__(self, env: Env) -> None:
        self.env = env
        self.prog = env.prog
        self.ctypes = env.prog.ctypes
        self._calls: CallGen | None = None

    @property
    def calls(self) -> CallGen:
        if self._calls is None:
            from ovsp4.compiler.backend.calls import CallGen

            self._calls = CallGen(self)
        return self._calls

    # -- types ----------------------------------------------------------------

    def t(self, t: P4Type | None) -> P4Type:
        """`t` with the function's type variables substituted."""
        if t is None:
            raise CompileError("internal error: untyped expression")
        subst = self.env_subst()
        return substitute(t, subst) if subst else t

    def env_subst(self) -> dict[TypeVar, P4Type]:
        env: Env | None = self.env
        while env is not None:
            s = getattr(env, "subst", None)
            if s:
                return s  # type: ignore[no-any-return]
            env = env.parent
        return {}

    def ctype(self, t: P4Type, loc: object = None) -> str:
        return self.ctypes.compute(self.t(t), loc)  # type: ignore[arg-type]

    def stype(self, t: P4Type, loc: object = None) -> str:
        return self.ctypes.storage(self.t(t), loc)  # type: ignore[arg-type]

    # -- constants -----------------------------------------------------------

    def const(self, value: object, t: P4Type, where: nodes.Node | None = None) -> str:
        """A compile-time value of type `t` as a C expression."""
        loc = where.loc if where is not None else None
        t = strip_newtype(self.t(t))
        if isinstance(value, bool):
            if isinstance(t, BoolType) or not isinstance(t, BitsType):
                return "true" if value else "false"
            return scalar.constant(int(value), Num(t.width, t.signed))
        if isinstance(value, int):
            n = num(t)
            if n is not None:
                return scalar.constant(value, n)
            if isinstance(t, InfIntType):
                return f"INT64_C({value})" if abs(value) < 2**63 else str(value)
            if is_code_type(t):
                return str(value)
            raise UnsupportedError(f"the constant {value} of type {t}", loc)
        if isinstance(value, EnumMemberValue):
            if value.value is not None:
                underlying = value.enum.resolved_underlying
                assert isinstance(underlying, BitsType)
                return scalar.constant(value.value, Num(underlying.width, underlying.signed))
            return str(self.prog.enum_code(value.enum, value.name or ""))
        if isinstance(value, ErrorValue):
            return f"{value.code} /* error.{value.name} */"
        if isinstance(value, str):
            if isinstance(t, StringType):
                return c_string(value)
            raise UnsupportedError(f"the value {value!r} of type {t}", loc)
        if isinstance(value, tuple):
            if isinstance(t, TupleType):
                parts = [self.const(v, et, where) for v, et in zip(value, t.elements, strict=True)]
                return f"(({self.ctype(t, loc)}) {{ {', '.join(parts) or '0'} }})"
            if isinstance(t, StructLikeType):
                return self._struct_literal(
                    t, list(value), loc, valid=True, consts=True, where=where
                )
        if isinstance(value, StructValue) and isinstance(t, StructLikeType):
            if not value.valid:
                return f"(({self.ctype(t, loc)}) {{ 0 }})"
            vals = [value.get(n) for n, _, _ in self.ctypes.fields(t)]
            return self._struct_literal(t, vals, loc, valid=True, consts=True, where=where)
        raise UnsupportedError(f"the compile-time value {value!r} of type {t}", loc)

    def _struct_literal(
        self,
        t: StructLikeType,
        values: list[object],
        loc: object,
        *,
        valid: bool,
        consts: bool,
        where: nodes.Node | None = None,
    ) -> str:
        parts = []
        if isinstance(t, HeaderType):
            parts.append(f".ovsp4_valid = {1 if valid else 0}")
        for (_, member, ftype), v in zip(self.ctypes.fields(t), values, strict=True):
            code = self.const(v, ftype, where) if consts else str(v)
            parts.append(f".{member} = {code}")
        return f"(({self.ctype(t, loc)}) {{ {', '.join(parts) or '0'} }})"

    # -- r-values ----------------------------------------------------------------

    def value(self, e: nodes.Expression, want: P4Type | None = None) -> str:
        """C expression of `e`'s value (of `want` for untyped integers)."""
        t = self.t(e.type)
        if (
            e.const_value is not None
            and not isinstance(e, nodes.MethodCall)
            or (isinstance(e, nodes.MethodCall) and e.const_value is not None)
        ):
            if isinstance(t, InfIntType) and want is not None:
                return self.const(e.const_value, want, e)
            return self.const(e.const_value, t, e)
        method = getattr(self, "_v_" + type(e).__name__, None)
        if method is None:
            raise UnsupportedError(f"the expression '{type(e).__name__}'", e.loc)
        return method(e)  # type: ignore[no-any-return]

    def cond(self, e: nodes.Expression) -> str:
        return self.value(e)

    def _read(self, code: str, t: P4Type) -> str:
        """Read a stored value: narrow integers widened to the compute type."""
        st, ct = self.stype(t), self.ctype(t)
        if st != ct:
            return f"({ct}) {code}"
        return code

    def _v_PathExpression(self, e: nodes.PathExpression) -> str:
        lv = self.lvalue(e)
        return self._read(lv.code, lv.type)

    def _v_Member(self, e: nodes.Member) -> str:
        base_t = self.t(e.expr.type)
        if isinstance(base_t, TableApplyResultType):
            res = self.value(e.expr)
            if e.member == "hit":
                return f"{res}.hit"
            if e.member == "miss":
                return f"(!{res}.hit)"
            if e.member == "action_run":
                return f"{res}.action_run"
        if isinstance(base_t, StackType):
            if e.member == "lastIndex":
                stack = self.lvalue(e.expr).code
                return f"(((uint64_t) {stack}.next - 1) & 0xffffffffu)"
            if e.member == "size":
                return scalar.constant(base_t.size, Num(32))
        if isinstance(strip_newtype(base_t), StructLikeType) and not self.is_lvalue(e.expr):
            # a member of a computed struct (`pkt.lookahead<H>().f`, `f().x`)
            member = next(m for n, m, _ in self.ctypes.fields(base_t) if n == e.member)
            return self._read(f"({self.value(e.expr)}).{member}", self.t(e.type))
        lv = self.lvalue(e)
        return self.read(lv)

    def read(self, lv: LValue) -> str:
        if lv.slice is not None:
            assert lv.base_type is not None
            n = num(lv.base_type)
            assert n is not None
            hi, lo = lv.slice
            return scalar.slice_(self._read(lv.code, lv.base_type), n, hi, lo)
        return self._read(lv.code, lv.type)

    def _v_ArrayIndex(self, e: nodes.ArrayIndex) -> str:
        return self.read(self.lvalue(e))

    def _v_Slice(self, e: nodes.Slice) -> str:
        n = num(self.t(e.expr.type))
        hi, lo = e.hi.const_value, e.lo.const_value
        if n is None or not isinstance(hi, int) or not isinstance(lo, int):
            raise UnsupportedError("this slice", e.loc)
        return scalar.slice_(self.value(e.expr), n, hi, lo)

    def _v_Cast(self, e: nodes.Cast) -> str:
        return self.convert(e.expr, self.t(e.type), e)

    def convert(self, src_e: nodes.Expression, dst: P4Type, where: nodes.Node) -> str:
        """The value of `src_e` converted to `dst` (casts, implicit
        conversions of arguments)."""
        src = self.t(src_e.type)
        dst_s, src_s = strip_newtype(dst), strip_newtype(src)
        if isinstance(src_s, InfIntType) and src_e.const_value is not None:
            return self.value(src_e, dst)
        code = self.value(src_e)
        return self.convert_code(code, src_s, dst_s, where)

    def convert_code(self, code: str, src: P4Type, dst: P4Type, where: nodes.Node) -> str:
        src, dst = strip_newtype(src), strip_newtype(dst)
        if src == dst:
            return code
        ns, nd = num(src), num(dst)
        if isinstance(dst, BoolType):
            if isinstance(src, BoolType):
                return code
            if ns is not None:
                return (
                    f"({code} != 0)"
                    if ns.cls != "wide"
                    else f"!{ns.wide}_eq({code}, {scalar.constant(0, ns)})"
                )
        if isinstance(src, BoolType) and nd is not None:
            return scalar.convert(f"(uint64_t) ({code})", Num(1), nd)
        if ns is not None and nd is not None:
            return scalar.convert(code, ns, nd)
        if is_code_type(src) and is_code_type(dst):
            return code
        if is_aggregate(src) and is_aggregate(dst) and self.ctype(src) == self.ctype(dst):
            return code
        raise UnsupportedError(f"the conversion from {src} to {dst}", where.loc)

    def _v_Unary(self, e: nodes.Unary) -> str:
        t = self.t(e.type)
        if e.op is UnaryOp.LNOT:
            return f"(!{self.value(e.expr)})"
        a = self.value(e.expr, t)
        if e.op is UnaryOp.POS:
            return a
        n = num(t)
        if n is None:
            raise UnsupportedError(f"'{e.op.value}' on {t}", e.loc)
        if e.op is UnaryOp.NEG:
            return scalar.negate(a, n)
        return scalar.complement(a, n)

    def _operands(
        self,
        left: nodes.Expression,
        right: nodes.Expression,
        want_l: P4Type | None,
        want_r: P4Type | None,
    ) -> tuple[str, str, str]:
        """C code of both operands, the left one evaluated first when both
        have side effects. Returns (prefix, left, right): `prefix` opens a
        statement expression (closed by the caller with `close`)."""
        a = self.value(left, want_l)
        b = self.value(right, want_r)
        if has_calls(left) and has_calls(right):
            tmp = self.env.temp(self.ctype(want_l or self.t(left.type)), "lhs")
            return f"({tmp} = {a}, ", tmp, b
        return "", a, b

    def _v_Binary(self, e: nodes.Binary) -> str:
        op = e.op
        t = self.t(e.type)
        lt, rt = self.t(e.left.type), self.t(e.right.type)
        if op in (BinaryOp.LAND, BinaryOp.LOR):
            c = "&&" if op is BinaryOp.LAND else "||"
            return f"({self.value(e.left)} {c} {self.value(e.right)})"
        if op in (BinaryOp.MASK, BinaryOp.RANGE):
            raise UnsupportedError(f"'{op.value}' outside a select or an entry", e.loc)
        if op in (BinaryOp.SHL, BinaryOp.SHR):
            n = num(t)
            if n is None:
                raise UnsupportedError(f"'{op.value}' on {t}", e.loc)
            a = self.value(e.left, t)
            amount_c = e.right.const_value
            if isinstance(amount_c, int):
                amount = str(amount_c) if amount_c < 2**16 else "0xffffu"
                pre = ""
            else:
                rn = num(rt)
                if rn is None:
                    raise UnsupportedError(f"the shift amount of type {rt}", e.right.loc)
                pre, a, b = self._operands(e.left, e.right, t, rt)
                amount = scalar.to_u64(b, rn)
            code = scalar.shift(op.value, a, amount, n)
            return f"{pre}{code})" if pre else code
        if op is BinaryOp.CONCAT:
            na, nb, nr = num(lt), num(rt), num(t)
            if na is None or nb is None or nr is None:
                raise UnsupportedError(f"'++' on {lt} and {rt}", e.loc)
            pre, a, b = self._operands(e.left, e.right, lt, rt)
            code = scalar.concat(a, na, b, nb, nr)
            return f"{pre}{code})" if pre else code
        # Both operands have the same type (implicit casts are explicit).
        opnd_t = lt if not isinstance(lt, InfIntType) else rt
        if op in _COMPARE:
            return self._compare(e, _COMPARE[op], opnd_t)
        n = num(t)
        if n is None:
            raise UnsupportedError(f"'{op.value}' on {t}", e.loc)
        pre, a, b = self._operands(e.left, e.right, t, t)
        if op in _ARITH:
            if op is BinaryOp.MUL and n.cls == "wide" and False:
                raise UnsupportedError("'*' wider than 128 bits", e.loc)
            code = scalar.arith(_ARITH[op], a, b, n)
        elif op in _BITWISE:
            code = scalar.bitwise(_BITWISE[op], a, b, n)
        elif op in (BinaryOp.DIV, BinaryOp.MOD):
            code = scalar.divmod_(op.value, a, b, n)
            if not code:
                raise UnsupportedError(f"'{op.value}' wider than 128 bits", e.loc)
        elif op in (BinaryOp.ADD_SAT, BinaryOp.SUB_SAT):
            if n.cls == "wide":
                raise UnsupportedError(f"'{op.value}' wider than 128 bits", e.loc)
            code = scalar.saturating(op.value[1], a, b, n)
        else:
            raise UnsupportedError(f"the operator '{op.value}'", e.loc)
        return f"{pre}{code})" if pre else code

    def _compare(self, e: nodes.Binary, op: str, t: P4Type) -> str:
        t = strip_newtype(t)
        if op in ("==", "!=") and is_aggregate(t):
            fn = self.ctypes.eq_function(t, e.loc)
            pa = self.address(e.left)
            pb = self.address(e.right)
            code = f"{fn}({pa}, {pb})"
            return code if op == "==" else f"(!{code})"
        pre, a, b = self._operands(e.left, e.right, t, t)
        n = num(t)
        if n is not None:
            code = scalar.compare(op, a, b, n)
        elif isinstance(t, (BoolType, ErrorType, EnumType)) or is_code_type(t):
            code = f"(({a}) {op} ({b}))"
        elif isinstance(t, ActionEnumType):
            code = f"(({a}) {op} ({b}))"
        else:
            raise UnsupportedError(f"'{op}' on {t}", e.loc)
        return f"{pre}{code})" if pre else code

    def _v_Mux(self, e: nodes.Mux) -> str:
        t = self.t(e.type)
        return f"({self.value(e.cond)} ? {self.value(e.then, t)} : {self.value(e.otherwise, t)})"

    def _v_MethodCall(self, e: nodes.MethodCall) -> str:
        return self.calls.call(e)

    def _v_ListExpression(self, e: nodes.ListExpression) -> str:
        t = strip_newtype(self.t(e.type))
        if isinstance(t, TupleType):
            parts = [self.value(x, et) for x, et in zip(e.elements, t.elements, strict=True)]
            return self._seq(e.elements, parts, f"(({self.ctype(t, e.loc)}) {{ {{}} }})", t, e)
        if isinstance(t, StructLikeType):
            fields = self.ctypes.fields(t)
            parts = [self.value(x, ft) for x, (_, _, ft) in zip(e.elements, fields, strict=True)]
            return self._fields_literal(t, [m for _, m, _ in fields], parts, e.elements, e)
        raise UnsupportedError(f"a list expression of type {t}", e.loc)

    def _seq(
        self,
        elements: list[nodes.Expression],
        parts: list[str],
        fmt: str,
        t: P4Type,
        where: nodes.Node,
    ) -> str:
        """A compound literal whose elements are evaluated left to right."""
        parts = self._ordered(elements, parts, where)
        return f"(({self.ctype(t, where.loc)}) {{ {', '.join(parts) or '0'} }})"

    def _ordered(
        self, elements: list[nodes.Expression], parts: list[str], where: nodes.Node
    ) -> list[str]:
        if sum(1 for x in elements if has_calls(x)) < 2:
            return parts
        # Evaluate each element with side effects into a temporary, in order.
        out = []
        for x, p in zip(elements, parts, strict=True):
            if has_calls(x):
                tmp = self.env.temp(self.ctype(self.t(x.type), where.loc), "elem")
                out.append(f"({tmp} = {p})")
            else:
                out.append(p)
        return out

    def _fields_literal(
        self,
        t: StructLikeType,
        members: list[str],
        parts: list[str],
        elements: list[nodes.Expression],
        where: nodes.Node,
    ) -> str:
        parts = self._ordered(elements, parts, where)
        inits = [f".{m} = {p}" for m, p in zip(members, parts, strict=True)]
        if isinstance(t, HeaderType):
            inits.insert(0, ".ovsp4_valid = 1")
        return f"(({self.ctype(t, where.loc)}) {{ {', '.join(inits) or '0'} }})"

    def _v_StructExpression(self, e: nodes.StructExpression) -> str:
        t = strip_newtype(self.t(e.type))
        if not isinstance(t, StructLikeType):
            raise UnsupportedError(f"a structure expression of type {t}", e.loc)
        if isinstance(t, HeaderUnionType):
            raise UnsupportedError("structure expressions of header union type", e.loc)
        by_name = {f.name: f.expr for f in e.fields}
        members, parts, elements = [], [], []
        for fname, member, ftype in self.ctypes.fields(t):
            x = by_name.get(fname)
            if x is None:
                continue
            members.append(member)
            parts.append(self.value(x, ftype))
            elements.append(x)
        return self._fields_literal(t, members, parts, elements, e)

    def _v_InvalidHeaderExpression(self, e: nodes.InvalidHeaderExpression) -> str:
        return f"(({self.ctype(self.t(e.type), e.loc)}) {{ 0 }})"

    def _v_BoolLiteral(self, e: nodes.BoolLiteral) -> str:
        return "true" if e.value else "false"

    def _v_StringLiteral(self, e: nodes.StringLiteral) -> str:
        return c_string(e.value)

    def _v_TypeNameExpression(self, e: nodes.TypeNameExpression) -> str:
        raise UnsupportedError("a type name used as a value", e.loc)

    # -- addresses ---------------------------------------------------------------

    def is_lvalue(self, e: nodes.Expression) -> bool:
        if isinstance(e, nodes.PathExpression):
            return isinstance(e.decl, (nodes.VariableDecl, nodes.Parameter)) and (
                self.env.find(e.decl) is not None
            )
        if isinstance(e, nodes.Member):
            bt = self.t(e.expr.type)
            if isinstance(bt, StructLikeType):
                return self.is_lvalue(e.expr)
            if isinstance(bt, StackType) and e.member in ("next", "last"):
                return self.is_lvalue(e.expr)
            return False
        if isinstance(e, nodes.ArrayIndex):
            return self.is_lvalue(e.expr)
        return False

    def address(self, e: nodes.Expression, want: P4Type | None = None) -> str:
        """A pointer to (a copy of) `e`'s value; const-qualified use only."""
        t = want or self.t(e.type)
        if self.is_lvalue(e) and not isinstance(e, nodes.Slice):
            lv = self.lvalue(e)
            if lv.slice is None and self.stype(lv.type) == self.stype(t):
                return f"&{lv.code}"
        code = self.value(e, t)
        tmp = self.env.temp(self.stype(t, e.loc), "arg")
        return f"({tmp} = {code}, &{tmp})"

    # -- l-values ------------------------------------------------------------------

    def lvalue(self, e: nodes.Expression) -> LValue:
        t = self.t(e.type)
        if isinstance(e, nodes.PathExpression):
            decl = e.decl
            if decl is None:
                raise CompileError(f"internal error: unresolved '{e.name}'", e.loc)
            b = self.env.lookup(decl, e)
            return LValue(b.object, self.t(b.type))
        if isinstance(e, nodes.Member):
            bt = strip_newtype(self.t(e.expr.type))
            if isinstance(bt, StructLikeType):
                base = self.lvalue(e.expr)
                member = next(m for n, m, _ in self.ctypes.fields(bt) if n == e.member)
                code = member_of(base.code, member)
                siblings: tuple[str, ...] = ()
                if isinstance(bt, HeaderUnionType):
                    siblings = tuple(
                        member_of(base.code, m)
                        for n, m, _ in self.ctypes.fields(bt)
                        if n != e.member
                    )
                return LValue(code, t, siblings=siblings)
            if isinstance(bt, StackType):
                stack = self.lvalue(e.expr).code
                if e.member == "next":
                    if self.env.in_parser:
                        self.env.guards.append((f"{stack}.next >= {bt.size}", "StackOutOfBounds"))
                    return LValue(f"{stack}.elem[ovsp4_min_u32({stack}.next, {bt.size})]", t)
                if e.member == "last":
                    if self.env.in_parser:
                        self.env.guards.append((f"{stack}.next == 0", "StackOutOfBounds"))
                    return LValue(f"{stack}.elem[{stack}.next ? {stack}.next - 1 : {bt.size}]", t)
            raise UnsupportedError(f"'.{e.member}' as a left-value", e.loc)
        if isinstance(e, nodes.ArrayIndex):
            st = strip_newtype(self.t(e.expr.type))
            if isinstance(st, TupleType) and isinstance(e.index.const_value, int):
                base = self.lvalue(e.expr)
                return LValue(member_of(base.code, f"f{e.index.const_value}"), t)
            if not isinstance(st, StackType):
                raise UnsupportedError(f"indexing a value of type {st}", e.loc)
            stack = self.lvalue(e.expr).code
            idx = e.index.const_value
            if isinstance(idx, int):
                index = str(idx if 0 <= idx < st.size else st.size)
            else:
                n = num(self.t(e.index.type))
                if n is None:
                    raise UnsupportedError("this index", e.index.loc)
                iv = scalar.to_u64(self.value(e.index), n)
                index = f"ovsp4_min_u64({iv}, {st.size})"
            return LValue(f"{stack}.elem[{index}]", t)
        if isinstance(e, nodes.Slice):
            base = self.lvalue(e.expr)
            hi, lo = e.hi.const_value, e.lo.const_value
            if not isinstance(hi, int) or not isinstance(lo, int):
                raise UnsupportedError("this slice", e.loc)
            if base.slice is not None:
                # a slice of a slice: relative to the outer slice
                ohi, olo = base.slice
                return LValue(base.code, t, (olo + hi, olo + lo), base.base_type)
            return LValue(base.code, t, (hi, lo), base.type)
        raise UnsupportedError(f"'{type(e).__name__}' as a left-value", e.loc)

    def assign(self, lv: LValue, code: str, where: nodes.Node) -> list[str]:
        """C statements for `lv = code` (`code` already of lv.type)."""
        if lv.slice is not None:
            assert lv.base_type is not None
            n = num(lv.base_type)
            assert n is not None
            hi, lo = lv.slice
            merged = scalar.set_slice(self._read(lv.code, lv.base_type), n, hi, lo, code)
            return [f"{lv.code} = {merged};"]
        lines = [f"{lv.code} = {code};"]
        if lv.siblings:
            inval = " ".join(f"{s}.ovsp4_valid = 0;" for s in lv.siblings)
            lines.append(f"if ({member_of(lv.code, 'ovsp4_valid')}) {{ {inval} }}")
        return lines

    def assign_expr(
        self, left: nodes.Expression, right: nodes.Expression, where: nodes.Node
    ) -> list[str]:
        lt = self.t(left.type)
        if isinstance(left, nodes.DontCare):
            return [f"(void) ({self.value(right, lt)});"] if has_calls(right) else []
        pre: list[str] = []
        if has_calls(left):
            # P4 evaluates the left-hand side (its indices) first, and once
            # (`a[f()] |= x` too): take its address before the right side.
            left, right, pre = self._pin_lvalue(left, right, where)
        code = (
            self.convert(right, lt, where)
            if not isinstance(right.type, InfIntType)
            else self.value(right, lt)
        )
        lv = self.lvalue(left)
        return pre + self.assign(lv, code, where)

    def _pin_lvalue(
        self, left: nodes.Expression, right: nodes.Expression, where: nodes.Node
    ) -> tuple[nodes.Expression, nodes.Expression, list[str]]:
        """Evaluate `left`'s location into a pointer temporary; returns the
        assignment rewritten to use it."""
        base = left
        outer: list[nodes.Slice] = []
        while isinstance(base, nodes.Slice):
            outer.append(base)
            base = base.expr
        lv = self.lvalue(base)
        bt = self.t(base.type)
        ptr = self.env.fresh("lhs")
        pre = [f"{self.stype(bt)} *{ptr} = &{lv.code};"]
        fake = nodes.VariableDecl(name=ptr, type_ref=nodes.BaseTypeRef(name="_"), loc=where.loc)
        fake.resolved_type = bt
        self.env.bind(fake, Binding(ptr, bt, ptr=True))

        def pinned() -> nodes.Expression:
            e: nodes.Expression = nodes.PathExpression(name=ptr, decl=fake, type=bt, loc=base.loc)
            for sl in reversed(outer):
                e = nodes.Slice(expr=e, hi=sl.hi, lo=sl.lo, type=sl.type, loc=sl.loc)
            return e

        new_left = pinned()
        # `a op= b` arrives as `a = a op b` with a copy of `a` at the same place
        if (
            isinstance(right, nodes.Binary)
            and right.left.loc == left.loc
            and type(right.left) is type(left)
        ):
            right = nodes.Binary(
                op=right.op, left=pinned(), right=right.right, type=right.type, loc=right.loc
            )
        return new_left, right, pre
