"""Lowering of P4 calls: actions, functions, tables, sub-controls,
sub-parsers and the built-in methods of headers and stacks.

Calling convention of the generated functions: `ctx` first, then (for
actions and tables) the enclosing control's frame, then one argument per
P4 parameter: a pointer for in/out/inout parameters, a value for an
action's directionless (action data) parameters. The caller implements
copy-in/copy-out with temporaries where the pointer could be told apart
from a copy (aliasing.py). An `out` parameter is reset by the callee
(headers invalid, everything else zero).

A call lowers to `CallCode`: statements and an optional result; in an
expression it becomes a GNU statement expression `({ ...; result; })`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ovsp4.compiler.backend import aliasing
from ovsp4.compiler.backend.ctype_map import strip_newtype
from ovsp4.compiler.backend.env import LValue, zero_init
from ovsp4.compiler.backend.exprs import member_of
from ovsp4.compiler.diagnostics import UnsupportedError
from ovsp4.compiler.frontend.typeutil import size_in_bits, substitute, typevar_of
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.nodes import CallKind, Direction
from ovsp4.compiler.ir.types import (
    ExternType,
    HeaderType,
    HeaderUnionType,
    P4Type,
    StackType,
    TypeVar,
    VoidType,
)

if TYPE_CHECKING:
    from ovsp4.compiler.backend.exprs import ExprGen


@dataclass
class CValue:
    """An argument already lowered to C (action data unpacked by a table)."""

    code: str
    type: P4Type


@dataclass
class CallCode:
    stmts: list[str] = field(default_factory=list)
    result: str | None = None

    def as_expr(self) -> str:
        if not self.stmts:
            return self.result if self.result is not None else "(void) 0"
        body = " ".join(self.stmts)
        tail = f" {self.result};" if self.result is not None else ""
        return f"({{ {body}{tail} }})"

    def as_stmts(self) -> list[str]:
        out = list(self.stmts)
        if self.result is not None and self.result != "(void) 0":
            out.append(f"(void) {self.result};")
        if len(out) > 1 and any(_declares(s) for s in out):
            return ["{", *("    " + s for s in out), "}"]
        return out


def _declares(stmt: str) -> bool:
    head = stmt.split("=", 1)[0].strip()
    return (
        head.startswith(("struct ", "uint", "int", "bool ", "ovsp4_"))
        and "(" not in head
        and " " in head
    )


class CallGen:
    def __init__(self, gen: ExprGen) -> None:
        self.gen = gen
        self.env = gen.env
        self.prog = gen.prog

    # -- entry points ------------------------------------------------------------

    def call(self, e: nodes.MethodCall) -> str:
        code = self.lower(e)
        if code.result is None and not isinstance(strip_newtype(self.gen.t(e.type)), VoidType):
            raise UnsupportedError("this call in an expression", e.loc)
        return code.as_expr()

    def statement(self, e: nodes.MethodCall) -> list[str]:
        return self.lower(e).as_stmts()

    def lower(self, e: nodes.MethodCall) -> CallCode:
        kind = e.kind
        if kind is CallKind.BUILTIN:
            return self._builtin(e)
        if kind is CallKind.ACTION:
            assert isinstance(e.callee, nodes.ActionDecl)
            return self.action_call(e.callee, e.bound_args, e)
        if kind is CallKind.FUNCTION:
            return self._function(e)
        if kind is CallKind.TABLE_APPLY:
            return self._table_apply(e)
        if kind is CallKind.CONTROL_APPLY:
            return self._sub_apply(e, parser=False)
        if kind is CallKind.PARSER_APPLY:
            return self._sub_apply(e, parser=True)
        if kind in (CallKind.EXTERN_FUNCTION, CallKind.EXTERN_METHOD):
            from ovsp4.compiler.backend.externs import ExternGen

            return ExternGen(self.gen).lower(e)
        raise UnsupportedError(f"the call '{kind}'", e.loc)

    # -- arguments -------------------------------------------------------------

    def pass_args(
        self,
        params: list[nodes.Parameter],
        args: list[nodes.Expression | CValue | None],
        subst: dict[TypeVar, P4Type],
        outer: list[aliasing.Path],
        where: nodes.Node,
        *,
        data_by_value: bool,
    ) -> tuple[list[str], list[str], list[str]]:
        """(statements before the call, C arguments, copy-out statements)."""
        pre: list[str] = []
        codes: list[str] = []
        post: list[str] = []
        writes = [p.direction in (Direction.OUT, Direction.INOUT) for p in params]
        for i, (p, a) in enumerate(zip(params, args, strict=True)):
            ptype = substitute(p.resolved_type, subst) if p.resolved_type is not None else None
            assert ptype is not None
            stype = self.gen.stype(ptype, where.loc)
            if a is None:
                if p.direction is Direction.NONE and not data_by_value:
                    codes.append("NULL")
                    continue
                raise UnsupportedError(f"omitting the argument of '{p.name}'", where.loc)
            if isinstance(a, CValue):
                codes.append(a.code)
                continue
            if p.direction is Direction.NONE and data_by_value:
                codes.append(self.gen.convert(a, ptype, a))
                continue
            direct = (
                not isinstance(a, nodes.DontCare)
                and self.gen.is_lvalue(a)
                and not aliasing.needs_temp(i, args, writes, outer)
            )
            if direct:
                lv = self.gen.lvalue(a)
                if lv.slice is None and self.gen.stype(lv.type) == stype:
                    codes.append(f"&{lv.code}")
                    continue
            tmp = self.env.fresh(p.name)
            if p.direction in (Direction.IN, Direction.NONE, Direction.INOUT):
                pre.append(f"{stype} {tmp} = {self.gen.convert(a, ptype, a)};")
            else:
                pre.append(f"{stype} {tmp} = {zero_init(stype)};")
            codes.append(f"&{tmp}")
            if p.direction in (Direction.OUT, Direction.INOUT) and not isinstance(
                a, nodes.DontCare
            ):
                lv = self.gen.lvalue(a)
                value = self.gen.convert_code(self.gen._read(tmp, ptype), ptype, lv.type, where)
                post.extend(self.gen.assign(lv, value, where))
        return pre, codes, post

    def _exit_check(self, callee_may_exit: bool) -> list[str]:
        if not callee_may_exit or self.env.exit_code is None:
            return []
        return [f"if (OVSP4_UNLIKELY(ctx->exited)) {{ {self.env.exit_code} }}"]

    # -- actions, functions ---------------------------------------------------------

    def action_call(
        self,
        action: nodes.ActionDecl,
        args: list[nodes.Expression | CValue | None],
        where: nodes.Node,
    ) -> CallCode:
        block = self.prog.action_block(self.env.block, action)
        fn = self.prog.action_fn(block, action)
        outer = aliasing.action_outer_paths(action)
        pre, codes, post = self.pass_args(action.params, args, {}, outer, where, data_by_value=True)
        frame = "f" if self.prog.action_has_frame(block) else "NULL"
        call = f"{fn}({', '.join(['ctx', frame, *codes])});"
        return CallCode(pre + [call] + post + self._exit_check(self.prog.may_exit(action)))

    def _function(self, e: nodes.MethodCall) -> CallCode:
        decl = e.callee
        assert isinstance(decl, nodes.FunctionDecl)
        subst: dict[TypeVar, P4Type] = {}
        for tp in decl.type_params:
            tv = typevar_of(tp)
            bound = e.type_bindings.get(tp.name)
            if bound is not None:
                subst[tv] = self.gen.t(bound)
        fn = self.prog.function_fn(decl, subst)
        pre, codes, post = self.pass_args(
            decl.params, e.bound_args, subst, [], e, data_by_value=False
        )
        ret_t = self.gen.t(e.type)
        call = f"{fn}({', '.join(['ctx', *codes])})"
        exits = self._exit_check(self.prog.may_exit(decl))
        if isinstance(strip_newtype(ret_t), VoidType):
            return CallCode(pre + [call + ";"] + post + exits)
        if not pre and not post and not exits:
            return CallCode([], call)
        res = self.env.fresh("ret")
        return CallCode(
            pre + [f"{self.gen.ctype(ret_t, e.loc)} {res} = {call};"] + post + exits, res
        )

    def _table_apply(self, e: nodes.MethodCall) -> CallCode:
        table = e.callee
        assert isinstance(table, nodes.TableDecl)
        fn = self.prog.table_fn(self.env.block, table, e)
        call = f"{fn}(ctx, f)"
        exits = self._exit_check(self.prog.table_may_exit(table))
        if not exits:
            return CallCode([], call)
        res = self.env.fresh("apply")
        return CallCode([f"struct ovsp4_apply_result {res} = {call};", *exits], res)

    def _sub_apply(self, e: nodes.MethodCall, *, parser: bool) -> CallCode:
        method = e.method
        assert isinstance(method, nodes.Member)
        child = self.prog.child_block(self.env.block, method.expr, e)
        decl = child.decl
        params: list[nodes.Parameter] = decl.params  # type: ignore[attr-defined]
        subst = self.prog.block_subst(child)
        # packet_in/packet_out arguments are implicit (the context's packet)
        data = [
            (p, a)
            for p, a in zip(params, e.bound_args, strict=True)
            if not self.prog.is_packet_param(p)
        ]
        for p, a in data:
            if isinstance(p.resolved_type, ExternType):
                where = a.loc if a is not None else e.loc
                raise UnsupportedError(
                    f"passing an extern instance to {'a parser' if parser else 'a control'}",
                    where,
                )
        pre, codes, post = self.pass_args(
            [p for p, _ in data], [a for _, a in data], subst, [], e, data_by_value=False
        )
        if parser:
            fn = self.prog.parser_fn(child)
            call = f"if ({fn}({', '.join(['ctx', *codes])}) != 0) {{ {self._parser_stop()} }}"
            return CallCode(pre + [call] + post)
        fn = self.prog.control_fn(child)
        call = f"{fn}({', '.join(['ctx', *codes])});"
        return CallCode(pre + [call] + post + self._exit_check(self.prog.may_exit(decl)))

    def _parser_stop(self) -> str:
        return "goto ovsp4_stop;"

    # -- built-in methods -------------------------------------------------------

    def _builtin(self, e: nodes.MethodCall) -> CallCode:
        name = e.builtin
        method = e.method
        assert isinstance(method, nodes.Member)
        target_t = strip_newtype(self.gen.t(method.expr.type))
        if name == "isValid":
            lv = self.gen.lvalue(method.expr)
            if isinstance(target_t, HeaderUnionType):
                members = [
                    f"{member_of(lv.code, m)}.ovsp4_valid"
                    for _, m, _ in self.gen.ctypes.fields(target_t)
                ]
                return CallCode([], f"({' || '.join(members) or 'false'})")
            return CallCode([], f"({member_of(lv.code, 'ovsp4_valid')} != 0)")
        if name in ("setValid", "setInvalid"):
            lv = self.gen.lvalue(method.expr)
            assert isinstance(target_t, HeaderType)
            return CallCode(self.set_validity(lv, target_t, name == "setValid"))
        if name in ("push_front", "pop_front"):
            assert isinstance(target_t, StackType)
            count = e.bound_args[0]
            n = count.const_value if count is not None else None
            assert isinstance(n, int)
            lv = self.gen.lvalue(method.expr)
            return CallCode(self.stack_shift(lv, target_t, n, push=name == "push_front"))
        raise UnsupportedError(f"the built-in method '{name}'", e.loc)

    def set_validity(self, lv: LValue, t: HeaderType, valid: bool) -> list[str]:
        """BMv2's add_header/remove_header: setValid on an invalid header
        zeroes its fields; both adjust the packet-length register."""
        size = ((size_in_bits(t, maximum=False) or 0) + 7) // 8
        h = lv.code
        v = member_of(h, "ovsp4_valid")
        if valid:
            sib = "".join(f" {member_of(s, 'ovsp4_valid')} = 0;" for s in lv.siblings)
            return [
                f"if (!{v}) {{ {h} = ({self.gen.ctype(t)}) {{ .ovsp4_valid = 1 }}; "
                f"ctx->len_reg += {size}; }}{sib}"
            ]
        return [f"if ({v}) {{ {v} = 0; ctx->len_reg -= {size}; }}"]

    def stack_shift(self, lv: LValue, t: StackType, n: int, *, push: bool) -> list[str]:
        elem = member_of(lv.code, "elem")
        nxt = member_of(lv.code, "next")
        size = t.size
        if n == 0:
            return []
        invalid = self._invalidate_elem(t)
        if n >= size:
            return [
                f"for (unsigned i = 0; i < {size}; i++) {{ {invalid(f'{elem}[i]')} }}",
                f"{nxt} = {f'ovsp4_min_u32({nxt} + {n}, {size})' if push else '0'};",
            ]
        if push:
            return [
                f"memmove(&{elem}[{n}], &{elem}[0], {size - n} * sizeof {elem}[0]);",
                f"for (unsigned i = 0; i < {n}; i++) {{ {invalid(f'{elem}[i]')} }}",
                f"{nxt} = ovsp4_min_u32({nxt} + {n}, {size});",
            ]
        return [
            f"memmove(&{elem}[0], &{elem}[{n}], {size - n} * sizeof {elem}[0]);",
            f"for (unsigned i = {size - n}; i < {size}; i++) {{ {invalid(f'{elem}[i]')} }}",
            f"{nxt} = {nxt} >= {n} ? {nxt} - {n} : 0;",
        ]

    def _invalidate_elem(self, t: StackType):  # type: ignore[no-untyped-def]
        et = strip_newtype(t.element)
        if isinstance(et, HeaderType):
            return lambda x: f"{x}.ovsp4_valid = 0;"
        if isinstance(et, HeaderUnionType):
            members = [m for _, m, _ in self.gen.ctypes.fields(et)]
            return lambda x: " ".join(f"{x}.{m}.ovsp4_valid = 0;" for m in members)
        return lambda x: f"memset(&{x}, 0, sizeof {x});"
