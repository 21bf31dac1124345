"""Source annotations -> P4Info `annotations`, `structured_annotations`
and `doc`, as p4c serialises them."""

from __future__ import annotations

from ovsp4.compiler.ir import nodes
from ovsp4.proto import p4types_pb2

# Represented elsewhere in P4Info (names, ids, documentation, scopes).
NOT_COPIED = frozenset({"name", "id", "brief", "description"})


# Annotations whose bodies p4c parses as expressions: it prints them back as
# P4 (`a, b`); all others keep their tokens, joined by one space (§7).
PARSED_BODIES = frozenset(
    {"noWarn", "controller_header", "match", "length", "priority", "deprecated", "field_list"}
)


def _token_text(token: nodes.AnnotationToken) -> str:
    if token.kind == "string":
        escaped = token.text.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    return token.text


def unstructured_text(a: nodes.Annotation) -> str:
    """`@name`, or `@name(body)` with the body printed as p4c does."""
    if not a.tokens:
        return f"@{a.name}"
    if a.name in PARSED_BODIES:
        body = ""
        for token in a.tokens:
            text = _token_text(token)
            if text == ",":
                body += ", "
            elif token.kind == "punct" and text in ("(", ")", "[", "]", "."):
                body += text
            elif body and not body.endswith((" ", "(", "[", ".")) and token.kind == "punct":
                body += f" {text} "
            else:
                body += text
        return f"@{a.name}({body.strip()})"
    return f"@{a.name}({' '.join(_token_text(t) for t in a.tokens)})"


def _expression(expr: nodes.Expression, out: p4types_pb2.Expression) -> None:
    value = expr.const_value
    if isinstance(expr, nodes.StringLiteral):
        out.string_value = expr.value
    elif isinstance(expr, nodes.BoolLiteral) or isinstance(value, bool):
        out.bool_value = bool(expr.value if isinstance(expr, nodes.BoolLiteral) else value)
    elif isinstance(expr, nodes.Constant):
        out.int64_value = expr.value
    elif isinstance(value, int):
        out.int64_value = value
    elif isinstance(value, str):
        out.string_value = value
    else:
        raise ValueError("structured annotation values must be compile-time constants")


def fill_annotations(msg: object, annotations: list[nodes.Annotation]) -> None:
    """Fill `annotations`, `structured_annotations` and (if the message has
    one) `doc` of a preamble, match field, action ref, param or metadata."""
    for a in annotations:
        if a.name in ("brief", "description"):
            if hasattr(msg, "doc"):
                setattr(msg.doc, a.name, a.string_value() or "")
            continue
        if a.name in NOT_COPIED:
            continue
        if a.kind is nodes.AnnotationKind.UNSTRUCTURED:
            msg.annotations.append(unstructured_text(a))  # type: ignore[attr-defined]
            continue
        sa = msg.structured_annotations.add(name=a.name)  # type: ignore[attr-defined]
        if a.kind is nodes.AnnotationKind.STRUCTURED_EXPRS:
            sa.expression_list.SetInParent()
            for e in a.exprs:
                _expression(e, sa.expression_list.expressions.add())
        else:
            sa.kv_pair_list.SetInParent()
            for kv in a.kv:
                _expression(kv.expr, sa.kv_pair_list.kv_pairs.add(key=kv.name).value)
