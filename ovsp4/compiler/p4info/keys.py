"""Control-plane names of table key elements (p4c's TableKeyNames).

A key element annotated `@name("x")` is called `x`; otherwise its name is
the key expression printed back as P4: `hdr.ipv4.dstAddr`,
`meta.f[7:0]`, `hdr.ipv4.isValid()`, `hdr.vlan[0].vid`.
"""

from __future__ import annotations

from ovsp4.compiler.diagnostics import CompileError
from ovsp4.compiler.ir import nodes


def _const_text(expr: nodes.Expression) -> str:
    if isinstance(expr, nodes.Constant):
        return str(expr.value)
    if isinstance(expr.const_value, int) and not isinstance(expr.const_value, bool):
        return str(expr.const_value)
    raise ValueError


def expression_name(expr: nodes.Expression) -> str:
    if isinstance(expr, nodes.PathExpression):
        return expr.name
    if isinstance(expr, nodes.Member):
        return f"{expression_name(expr.expr)}.{expr.member}"
    if isinstance(expr, nodes.ArrayIndex):
        return f"{expression_name(expr.expr)}[{_const_text(expr.index)}]"
    if isinstance(expr, nodes.Slice):
        hi, lo = _const_text(expr.hi), _const_text(expr.lo)
        return f"{expression_name(expr.expr)}[{hi}:{lo}]"
    if isinstance(expr, nodes.MethodCall) and not expr.args:
        if isinstance(expr.method, nodes.Member) and expr.method.member == "isValid":
            return f"{expression_name(expr.method.expr)}.isValid()"
    raise ValueError


def key_element_name(element: nodes.KeyElement) -> str:
    a = element.annotation("name")
    if a is not None and a.string_value() is not None:
        return a.string_value()  # type: ignore[return-value]
    try:
        return expression_name(element.expr)
    except ValueError:
        raise CompileError(
            'this table key is too complex to get a control-plane name: name it with @name("...")',
            element.loc,
        ) from None
