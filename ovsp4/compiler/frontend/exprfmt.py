"""Expressions printed back in P4 syntax, for error messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ovsp4.compiler.ir import nodes


def fmt(e: nodes.Node | None) -> str:
    """A short P4 rendering of an expression (or type reference)."""
    if e is None:
        return ""
    f = _FORMATTERS.get(type(e))
    if f is not None:
        return f(e)
    if isinstance(e, nodes.TypeRef):
        return fmt_type_ref(e)
    return type(e).__name__


def fmt_type_ref(t: nodes.TypeRef) -> str:
    if isinstance(t, nodes.BaseTypeRef):
        return t.name
    if isinstance(t, nodes.BitsTypeRef):
        return t.kind if t.width is None else f"{t.kind}<{fmt(t.width)}>"
    if isinstance(t, nodes.NamedTypeRef):
        args = f"<{', '.join(fmt_type_ref(a) for a in t.type_args)}>" if t.type_args else ""
        return f"{'.' if t.is_global else ''}{t.name}{args}"
    if isinstance(t, nodes.StackTypeRef):
        return f"{fmt_type_ref(t.element)}[{fmt(t.size)}]"
    if isinstance(t, nodes.TupleTypeRef):
        return f"tuple<{', '.join(fmt_type_ref(a) for a in t.elements)}>"
    if t.resolved is not None:
        return str(t.resolved)
    return "?"


def _constant(e: nodes.Constant) -> str:
    v = e.value
    text = hex(v) if e.base == 16 else str(v)
    if e.width is not None:
        return f"{e.width}{'s' if e.signed else 'w'}{text}"
    return text


def _sub(e: nodes.Expression) -> str:
    """An operand, parenthesised when it is itself an operation."""
    text = fmt(e)
    if isinstance(e, (nodes.Binary, nodes.Mux, nodes.Unary, nodes.Cast)):
        return f"({text})"
    return text


def _args(args: list[nodes.Argument]) -> str:
    return ", ".join((f"{a.name} = " if a.name else "") + fmt(a.expr) for a in args)


_FORMATTERS: dict[type, Callable[[Any], str]] = {}


def _reg(cls: type, func: Callable[[Any], str]) -> None:
    _FORMATTERS[cls] = func


_reg(nodes.Constant, _constant)
_reg(nodes.BoolLiteral, lambda e: "true" if e.value else "false")
_reg(nodes.StringLiteral, lambda e: f'"{e.value}"')
_reg(nodes.PathExpression, lambda e: ("." if e.is_global else "") + e.name)
_reg(nodes.TypeNameExpression, lambda e: fmt_type_ref(e.type_ref))
_reg(nodes.Member, lambda e: f"{_sub(e.expr)}.{e.member}")
_reg(nodes.ArrayIndex, lambda e: f"{_sub(e.expr)}[{fmt(e.index)}]")
_reg(nodes.Slice, lambda e: f"{_sub(e.expr)}[{fmt(e.hi)}:{fmt(e.lo)}]")
_reg(nodes.Unary, lambda e: f"{e.op.value}{_sub(e.expr)}")
_reg(nodes.Binary, lambda e: f"{_sub(e.left)} {e.op.value} {_sub(e.right)}")
_reg(nodes.Cast, lambda e: f"({fmt_type_ref(e.type_ref)}){_sub(e.expr)}")
_reg(nodes.Mux, lambda e: f"{_sub(e.cond)} ? {_sub(e.then)} : {_sub(e.otherwise)}")
_reg(nodes.MethodCall, lambda e: f"{fmt(e.method)}({_args(e.args)})")
_reg(nodes.ConstructorCall, lambda e: f"{fmt_type_ref(e.type_ref)}({_args(e.args)})")
_reg(nodes.ListExpression, lambda e: "{" + ", ".join(fmt(x) for x in e.elements) + "}")
_reg(
    nodes.StructExpression,
    lambda e: "{" + ", ".join(f"{f.name} = {fmt(f.expr)}" for f in e.fields) + "}",
)
_reg(nodes.InvalidHeaderExpression, lambda e: "{#}")
_reg(nodes.DefaultExpression, lambda e: "default")
_reg(nodes.DontCare, lambda e: "_")
_reg(nodes.ThisExpression, lambda e: "this")
_reg(nodes.SelectExpression, lambda e: f"select({', '.join(fmt(k) for k in e.keys)})")
