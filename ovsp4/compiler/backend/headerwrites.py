"""Which header fields a program can change after extracting them.

The deparser of a packet that is the last use of its input buffer writes
the headers over the parsed ones (templates/v1model.c.j2). A header
emitted at the very bytes it was extracted from only needs the fields
that may have changed since: the others still hold what the extraction
read. This module finds, over the whole program, the fields of each
header type that any statement may write -- per type, not per instance,
so that aliases, parameters and copies need no tracking:

- an assignment to a field (a slice, an element or a member of it) writes
  that field;
- an assignment to a whole header, to a stack or union holding headers,
  or to a struct holding any of them, writes every field of those header
  types; so does passing any of them as an `out`/`inout` argument (of an
  action, function, extern, control or parser), a `setValid`,
  `setInvalid`, `push_front` or `pop_front`;
- an `out`/`inout` argument that is a field writes that field;
- `packet_in.extract` is what the emission relies on, not a write.

`emit_fn` of the deparser then writes only the byte groups holding
written fields when the header is emitted where it was extracted
(`deparsers.py`); a header type with every field written has no partial
emission at all.
"""

from __future__ import annotations

from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.nodes import CallKind, Direction
from ovsp4.compiler.ir.types import (
    HeaderType,
    HeaderUnionType,
    NewType,
    P4Type,
    StackType,
    StructLikeType,
)

# Builtins that change a header (or a stack's headers) as a whole.
WHOLE_BUILTINS = {"setValid", "setInvalid", "push_front", "pop_front"}


def _strip(t: P4Type | None) -> P4Type | None:
    while isinstance(t, NewType):
        t = t.underlying
    return t


class HeaderWrites:
    def __init__(self, program: nodes.Program) -> None:
        self.whole: set[int] = set()  # id(HeaderDecl): every field may change
        self.fields: dict[int, set[str]] = {}  # id(HeaderDecl) -> fields written
        for n in program.walk():
            if isinstance(n, nodes.AssignmentStatement):
                self._lvalue(n.left)
            elif isinstance(n, nodes.MethodCall):
                self._call(n)

    # -- results ----------------------------------------------------------------

    def written(self, t: HeaderType) -> set[str] | None:
        """The fields of header type `t` that may change after extraction;
        None: any of them."""
        if id(t.decl) in self.whole:
            return None
        return self.fields.get(id(t.decl), set())

    # -- analysis ---------------------------------------------------------------

    def _call(self, e: nodes.MethodCall) -> None:
        if e.kind is CallKind.BUILTIN:
            if e.builtin in WHOLE_BUILTINS and isinstance(e.method, nodes.Member):
                self._lvalue(e.method.expr)
            return
        callee = e.callee
        if e.kind is CallKind.EXTERN_METHOD and callee is not None and callee.name == "extract":
            target = e.method.expr if isinstance(e.method, nodes.Member) else None
            owner = _strip(getattr(target, "type", None))
            if getattr(getattr(owner, "decl", None), "name", None) == "packet_in":
                return
        params = [
            p for p in getattr(callee, "params", None) or [] if isinstance(p, nodes.Parameter)
        ]
        if not e.bound_args:
            # (arguments not matched to parameters: any may be written)
            for arg in e.args:
                if not isinstance(arg.expr, nodes.DontCare):
                    self._lvalue(arg.expr)
            return
        for i, a in enumerate(e.bound_args):
            if a is None or isinstance(a, nodes.DontCare):
                continue
            direction = params[i].direction if i < len(params) else Direction.INOUT
            if direction in (Direction.OUT, Direction.INOUT):
                self._lvalue(a)

    def _lvalue(self, e: nodes.Expression) -> None:
        """`e` is written: if it lies in a field of a header (the field, a
        slice, an element or member of it), that field; else everything of
        the header types it holds."""
        while isinstance(e, nodes.Slice):
            e = e.expr
        node: nodes.Expression = e
        while isinstance(node, nodes.Member | nodes.ArrayIndex):
            parent = node.expr
            pt = _strip(getattr(parent, "type", None))
            if isinstance(node, nodes.Member) and isinstance(pt, HeaderType):
                self.fields.setdefault(id(pt.decl), set()).add(node.member)
                return
            node = parent
        self._whole_type(getattr(e, "type", None), set())

    def _whole_type(self, t: P4Type | None, seen: set[int]) -> None:
        """Every header inside a value of type `t` may change."""
        t = _strip(t)
        if t is None or id(t) in seen:
            return
        seen.add(id(t))
        if isinstance(t, StackType):
            self._whole_type(t.element, seen)
        elif isinstance(t, HeaderType):
            self.whole.add(id(t.decl))
        elif isinstance(t, StructLikeType | HeaderUnionType):
            for _, ft in t.fields():
                self._whole_type(ft, seen)
