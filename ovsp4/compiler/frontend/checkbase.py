"""State shared by the type checker's parts, and type-reference resolution.

The checker is one object assembled from mixins, one module each
(`exprs`, `operators`, `calls`, `tables`, `typecheck`); this base holds what they share:
the scope chain, what we are inside (`Context`), diagnostics, and turning a
written `TypeRef` into a resolved `P4Type`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from ovsp4.compiler.diagnostics import CompileError, DiagnosticSink, UnsupportedError
from ovsp4.compiler.frontend.exprfmt import fmt_type_ref
from ovsp4.compiler.frontend.scopes import ProgramNames, Scope, describe
from ovsp4.compiler.frontend.typeutil import (
    BOOL,
    DONT_CARE,
    ERROR,
    INT,
    MATCH_KIND,
    STRING,
    VOID,
    type_params,
)
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.types import (
    BitsType,
    ControlType,
    EnumType,
    ExternType,
    HeaderType,
    HeaderUnionType,
    NewType,
    P4Type,
    PackageType,
    ParserType,
    StackType,
    StructType,
    TupleType,
    TypeVar,
    VarbitType,
)

_BASE_TYPES: dict[str, P4Type] = {
    "bool": BOOL,
    "error": ERROR,
    "match_kind": MATCH_KIND,
    "string": STRING,
    "void": VOID,
    "int": INT,
    "_": DONT_CARE,
}


# Widths beyond this are certainly mistakes, and would make exact
# arithmetic on them (2**W) needlessly expensive.
MAX_WIDTH = 1 << 16


@dataclass(frozen=True)
class Context:
    """Where the checker is: the enclosing declarations that restrict what
    an expression or statement may do."""

    parser: nodes.ParserDecl | None = None
    control: nodes.ControlDecl | None = None
    action: nodes.ActionDecl | None = None
    function: nodes.FunctionDecl | None = None
    table: nodes.TableDecl | None = None
    return_type: P4Type | None = None  # of the enclosing function
    in_apply: bool = False  # in a control's apply block (tables may be applied)
    in_loop: bool = False  # in the body of a loop (break/continue allowed)


class CheckerBase:
    """Scopes, context and type references (see module docstring)."""

    def __init__(self, sink: DiagnosticSink | None = None) -> None:
        self.sink = sink or DiagnosticSink()
        self.names = ProgramNames()
        self.global_scope = Scope(None, "global")
        self.scope = self.global_scope
        self.ctx = Context()

    # -- diagnostics ---------------------------------------------------------

    @staticmethod
    def error(message: str, node: nodes.Node | None) -> CompileError:
        return CompileError(message, node.loc if node is not None else None)

    @staticmethod
    def unsupported(what: str, node: nodes.Node | None) -> UnsupportedError:
        return UnsupportedError(what, node.loc if node is not None else None)

    def warn(self, message: str, node: nodes.Node | None) -> None:
        self.sink.warn(message, node.loc if node is not None else None)

    # -- scopes and context --------------------------------------------------

    @contextmanager
    def scoped(self, kind: str, owner: nodes.Node | None = None) -> Iterator[Scope]:
        outer = self.scope
        self.scope = Scope(outer, kind, owner)
        try:
            yield self.scope
        finally:
            self.scope = outer

    @contextmanager
    def inside(self, **changes: object) -> Iterator[None]:
        outer = self.ctx
        self.ctx = replace(outer, **changes)  # type: ignore[arg-type]
        try:
            yield
        finally:
            self.ctx = outer

    def declare(self, decl: nodes.Declaration) -> None:
        self.scope.declare(decl)

    def declare_type_params(self, params: list[nodes.TypeParameter]) -> None:
        for tp in params:
            if tp.resolved_type is None:
                tp.resolved_type = TypeVar(tp.name, id(tp))
            self.declare(tp)

    def lookup_type_decl(self, ref: nodes.NamedTypeRef) -> nodes.Declaration:
        scope = self.global_scope if ref.is_global else self.scope
        decl = scope.lookup_type(ref.name)
        if decl is None:
            other = scope.lookup(ref.name)
            if other:
                raise self.error(f"'{ref.name}' is a {describe(other[0])}, not a type", ref)
            raise self.error(f"type '{ref.name}' is not declared", ref)
        return decl

    # -- type references ---------------------------------------------------------

    def resolve_type(self, ref: nodes.TypeRef, *, allow_generic: bool = False) -> P4Type:
        """Resolve a written type (sets `ref.resolved`). `allow_generic`: a
        generic extern/package may be named without type arguments (they
        are inferred from constructor arguments)."""
        if ref.resolved is not None:
            return ref.resolved
        t = self._resolve_type(ref, allow_generic)
        ref.resolved = t
        return t

    def _resolve_type(self, ref: nodes.TypeRef, allow_generic: bool) -> P4Type:
        if isinstance(ref, nodes.BaseTypeRef):
            t = _BASE_TYPES.get(ref.name)
            if t is None:
                raise self.error(f"unknown type '{ref.name}'", ref)
            return t
        if isinstance(ref, nodes.BitsTypeRef):
            return self._bits_type(ref)
        if isinstance(ref, nodes.StackTypeRef):
            element = self.resolve_type(ref.element)
            size = self.const_int(ref.size, "the size of a header stack")
            if size < 0:
                raise self.error(f"header stack size must be positive, not {size}", ref.size)
            if not isinstance(element, (HeaderType, HeaderUnionType, StructType, BitsType)):
                # P4 1.2.2 arrays of structs / bit<W> are accepted; others are not.
                raise self.error(f"cannot make an array of type {element}", ref)
            return StackType(element, size)
        if isinstance(ref, nodes.TupleTypeRef):
            return TupleType(tuple(self.resolve_type(e) for e in ref.elements))
        if isinstance(ref, nodes.NamedTypeRef):
            return self._named_type(ref, allow_generic)
        raise self.unsupported(f"type '{fmt_type_ref(ref)}'", ref)

    def _bits_type(self, ref: nodes.BitsTypeRef) -> P4Type:
        if ref.width is None:
            return BitsType(1, ref.kind == "int")
        width = self.const_int(ref.width, f"the width of {ref.kind}<...>")
        if width < 0 or (width == 0 and ref.kind != "bit"):
            raise self.error(f"invalid width {width} for {ref.kind}<...>", ref.width)
        if width > MAX_WIDTH:
            raise self.error(
                f"width {width} of {ref.kind}<...> is too large (at most {MAX_WIDTH} bits)",
                ref.width,
            )
        if ref.kind == "varbit":
            return VarbitType(width)
        return BitsType(width, ref.kind == "int")

    def _named_type(self, ref: nodes.NamedTypeRef, allow_generic: bool) -> P4Type:
        decl = self.lookup_type_decl(ref)
        ref.decl = decl
        args = tuple(self.resolve_type(a) for a in ref.type_args)
        if isinstance(decl, nodes.TypeParameter):
            if args:
                raise self.error(f"type parameter '{decl.name}' takes no type arguments", ref)
            return decl.resolved_type  # type: ignore[return-value]
        if isinstance(decl, nodes.TypedefDecl):
            if args:
                raise self.error(f"type '{decl.name}' takes no type arguments", ref)
            if decl.is_newtype:
                return NewType(decl)
            return decl.resolved_type  # type: ignore[return-value]
        if isinstance(decl, nodes.ErrorDecl):
            return ERROR
        if isinstance(decl, nodes.MatchKindDecl):
            return MATCH_KIND
        params = type_params(decl)
        if args and len(args) != len(params):
            raise self.error(
                f"{describe(decl)} '{decl.name}' takes {len(params)} type argument(s), "
                f"not {len(args)}",
                ref,
            )
        if params and not args and not allow_generic:
            raise self.error(
                f"{describe(decl)} '{decl.name}' needs type arguments "
                f"<{', '.join(p.name for p in params)}>",
                ref,
            )
        return self.named_type_of(decl, args, ref)

    def named_type_of(
        self, decl: nodes.Declaration, args: tuple[P4Type, ...], where: nodes.Node | None
    ) -> P4Type:
        if isinstance(decl, nodes.HeaderDecl):
            return HeaderType(decl, args)
        if isinstance(decl, nodes.HeaderUnionDecl):
            return HeaderUnionType(decl, args)
        if isinstance(decl, nodes.StructDecl):
            return StructType(decl, args)
        if isinstance(decl, nodes.EnumDecl):
            return EnumType(decl)
        if isinstance(decl, nodes.ExternDecl):
            return ExternType(decl, args)
        if isinstance(decl, (nodes.ParserDecl, nodes.ParserTypeDecl)):
            return ParserType(decl, args)
        if isinstance(decl, (nodes.ControlDecl, nodes.ControlTypeDecl)):
            return ControlType(decl, args)
        if isinstance(decl, nodes.PackageTypeDecl):
            return PackageType(decl, args)
        raise self.error(f"'{decl.name}' is not a type", where)

    # -- constants (implemented by the expression checker) -------------------------

    def const_int(self, e: nodes.Expression, what: str) -> int:
        raise NotImplementedError
