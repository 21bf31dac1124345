"""Scopes and name resolution.

P4_16 is lexically scoped and requires declaration before use, except for
parser states (a transition may name a state declared further down). The
type checker walks the program in source order and declares every name as
it meets it, so a lookup only ever sees what precedes it; each parser's
states (and its `accept`/`reject`) are declared up front.

One namespace holds types and values, as in p4c, but lookups filter by
kind: a type name finds the nearest *type* declaration, so a parameter
named like a type does not hide the type. Each scope is a dict and the
chain is only as deep as the nesting (global, control, action, blocks),
so a lookup is O(depth).

Overloading: extern functions, functions and extern methods may share a
name if their parameter lists differ (count or names); a name then maps to
all its candidates and the call site picks one by its arguments.

`error` and `match_kind` declarations are merged program-wide
(`ProgramNames`); match_kind members are also ordinary global names
(`exact` in a table key), error members are only reachable as `error.X`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ovsp4.compiler.diagnostics import CompileError, Diagnostic
from ovsp4.compiler.ir import nodes

TYPE_DECLS: tuple[type[nodes.Declaration], ...] = (
    nodes.StructLikeDecl,
    nodes.EnumDecl,
    nodes.TypedefDecl,
    nodes.ExternDecl,
    nodes.ParserTypeDecl,
    nodes.ControlTypeDecl,
    nodes.PackageTypeDecl,
    nodes.ParserDecl,
    nodes.ControlDecl,
    nodes.TypeParameter,
    nodes.ErrorDecl,
    nodes.MatchKindDecl,
)

OVERLOADABLE: tuple[type[nodes.Declaration], ...] = (
    nodes.ExternFunctionDecl,
    nodes.FunctionDecl,
    nodes.MethodDecl,
)


def is_type_decl(decl: nodes.Declaration) -> bool:
    return isinstance(decl, TYPE_DECLS)


def describe(decl: nodes.Declaration) -> str:
    """What a declaration is, in P4 words ("action", "table", ...)."""
    return _KIND_NAMES.get(type(decl), type(decl).__name__)


_KIND_NAMES: dict[type, str] = {
    nodes.HeaderDecl: "header type",
    nodes.HeaderUnionDecl: "header_union type",
    nodes.StructDecl: "struct type",
    nodes.EnumDecl: "enum type",
    nodes.TypedefDecl: "type",
    nodes.ExternDecl: "extern type",
    nodes.ParserTypeDecl: "parser type",
    nodes.ControlTypeDecl: "control type",
    nodes.PackageTypeDecl: "package type",
    nodes.ParserDecl: "parser",
    nodes.ControlDecl: "control",
    nodes.TypeParameter: "type parameter",
    nodes.ErrorDecl: "error",
    nodes.MatchKindDecl: "match_kind",
    nodes.ConstDecl: "constant",
    nodes.VariableDecl: "variable",
    nodes.Parameter: "parameter",
    nodes.Instantiation: "instance",
    nodes.ActionDecl: "action",
    nodes.FunctionDecl: "function",
    nodes.ExternFunctionDecl: "extern function",
    nodes.MethodDecl: "method",
    nodes.TableDecl: "table",
    nodes.ParserState: "parser state",
    nodes.ValueSetDecl: "value_set",
    nodes.EnumMember: "match_kind member",
}


def _signature(decl: nodes.Declaration) -> tuple[str, ...]:
    params: list[nodes.Parameter] = getattr(decl, "params", [])
    return tuple(p.name for p in params)


def _note(decl: nodes.Declaration) -> list[Diagnostic]:
    if decl.loc is None:
        return []
    return [Diagnostic(decl.loc, "note", f"previous declaration of '{decl.name}'")]


class Scope:
    """One level of the scope chain."""

    __slots__ = ("parent", "kind", "owner", "names")

    def __init__(self, parent: Scope | None, kind: str, owner: nodes.Node | None = None) -> None:
        self.parent = parent
        self.kind = kind  # "global", "parser", "control", "action", "block", ...
        self.owner = owner
        self.names: dict[str, list[nodes.Declaration]] = {}

    def declare(self, decl: nodes.Declaration, name: str | None = None) -> None:
        """Add `decl`; a second declaration of a name in the same scope is
        an error unless both are overloads with different parameters."""
        name = decl.name if name is None else name
        existing = self.names.get(name)
        if existing is None:
            self.names[name] = [decl]
            return
        if isinstance(decl, OVERLOADABLE):
            sig = _signature(decl)
            clash = next(
                (d for d in existing if type(d) is not type(decl) or _signature(d) == sig),
                None,
            )
            if clash is None:
                existing.append(decl)
                return
            raise CompileError(
                f"'{name}' is already declared in this scope", decl.loc, notes=_note(clash)
            )
        raise CompileError(
            f"'{name}' is already declared in this scope", decl.loc, notes=_note(existing[0])
        )

    def lookup(self, name: str) -> list[nodes.Declaration] | None:
        """The nearest declarations of `name` (of any kind)."""
        scope: Scope | None = self
        while scope is not None:
            found = scope.names.get(name)
            if found is not None:
                return found
            scope = scope.parent
        return None

    def lookup_type(self, name: str) -> nodes.Declaration | None:
        """The nearest *type* declaration called `name`."""
        scope: Scope | None = self
        while scope is not None:
            found = scope.names.get(name)
            if found is not None:
                for d in found:
                    if is_type_decl(d):
                        return d
            scope = scope.parent
        return None


@dataclass
class ProgramNames:
    """Program-wide merged declarations: `error` and `match_kind` members in
    declaration order (error codes are their positions)."""

    errors: dict[str, nodes.EnumMember] = field(default_factory=dict)
    error_codes: dict[str, int] = field(default_factory=dict)
    match_kinds: dict[str, nodes.EnumMember] = field(default_factory=dict)

    def add_errors(self, decl: nodes.ErrorDecl) -> None:
        for m in decl.members:
            prev = self.errors.get(m.name)
            if prev is not None:
                raise CompileError(f"duplicate error member '{m.name}'", m.loc, notes=_note(prev))
            self.error_codes[m.name] = len(self.errors)
            self.errors[m.name] = m

    def add_match_kinds(self, decl: nodes.MatchKindDecl, scope: Scope) -> None:
        for m in decl.members:
            prev = self.match_kinds.get(m.name)
            if prev is not None:
                raise CompileError(
                    f"duplicate match_kind member '{m.name}'", m.loc, notes=_note(prev)
                )
            self.match_kinds[m.name] = m
            scope.declare(m)


def builtin_states(parser: nodes.ParserDecl) -> tuple[nodes.ParserState, nodes.ParserState]:
    """The implicit `accept` and `reject` states of a parser: synthesised
    ParserState nodes (loc None, not in `parser.states`); a transition to
    them has `decl.name` "accept"/"reject" and `decl.loc` None."""
    return nodes.ParserState(name="accept"), nodes.ParserState(name="reject")
