"""Control-plane names of table key elements, as p4c's TableKeyNames
(Documentation/p4info-rules.md §4.6).

A key element annotated `@name("x")` is called `x`; otherwise its name is
built from the expression: `hdr.ipv4.dstAddr`, `hdr.ipv4.$valid$` for
`isValid()`, `h.h[h.i.index].a`, `meta.f[7:0]`, `a & b`. Struct and header
fields with their own `@name` contribute that name.
"""

from __future__ import annotations

from ovsp4.compiler.diagnostics import CompileError
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.types import StructLikeType


class _TooComplex(Exception):
    pass


def _constant_text(expr: nodes.Constant) -> str:
    """The value in the base it was written in, without width (p4c's
    Util::toString(value, 0, false, base))."""
    if expr.base == 16:
        return f"0x{expr.value:x}"
    if expr.base == 8:
        return f"0o{expr.value:o}"
    if expr.base == 2:
        return f"0b{expr.value:b}"
    return str(expr.value)


def _member_name(expr: nodes.Member) -> str:
    base_type = expr.expr.type
    name = expr.member
    if isinstance(base_type, StructLikeType):
        decl = base_type.decl
        if isinstance(decl, nodes.StructLikeDecl):
            f = decl.field(expr.member)
            if f is not None and f.name_annotation() is not None:
                name = f.name_annotation()  # type: ignore[assignment]
                if name.startswith("."):
                    return name[1:]
    return f"{expression_name(expr.expr)}.{name}"


def expression_name(expr: nodes.Expression) -> str:
    if isinstance(expr, nodes.PathExpression):
        return expr.name
    if isinstance(expr, nodes.Member):
        return _member_name(expr)
    if isinstance(expr, nodes.ArrayIndex):
        return f"{expression_name(expr.expr)}[{expression_name(expr.index)}]"
    if isinstance(expr, nodes.Constant):
        return _constant_text(expr)
    if isinstance(expr, nodes.Slice):
        return (
            f"{expression_name(expr.expr)}[{expression_name(expr.hi)}:{expression_name(expr.lo)}]"
        )
    if isinstance(expr, nodes.Binary) and expr.op is nodes.BinaryOp.BAND:
        return f"{expression_name(expr.left)} & {expression_name(expr.right)}"
    if (
        isinstance(expr, nodes.MethodCall)
        and not expr.args
        and isinstance(expr.method, nodes.Member)
        and expr.method.member == "isValid"
    ):
        return f"{expression_name(expr.method.expr)}.$valid$"
    raise _TooComplex


def key_element_name(element: nodes.KeyElement) -> str:
    a = element.annotation("name")
    if a is not None and a.string_value() is not None:
        return a.string_value()  # type: ignore[return-value]
    try:
        return expression_name(element.expr)
    except _TooComplex:
        raise CompileError(
            'complex key expression requires a @name("...") annotation',
            element.loc,
        ) from None
