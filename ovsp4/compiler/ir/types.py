"""P4 types as the semantic analysis computes them.

These are *resolved* types: every `TypeRef` written in the source (a name,
`bit<8>`, `H[4]`...) resolves to one of these. Typedefs are transparent
(`typedef bit<9> port_t` resolves to `BitsType(9)`), while `type` declarations
introduce a distinct `NewType`, as the P4_16 spec says.

Types are immutable and compared structurally, except named aggregate types
(headers, structs, unions, enums, externs, parsers, controls, packages), which
are identified by their declaration node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ovsp4.compiler.ir import nodes


class P4Type:
    """Base class of all resolved types."""

    __slots__ = ()

    def is_numeric(self) -> bool:
        return isinstance(self, (BitsType, InfIntType))

    def bit_width(self) -> int | None:
        """Width in bits when serialised into a header or table key, if fixed."""
        return None


@dataclass(frozen=True, slots=True)
class BitsType(P4Type):
    """`bit<W>` (signed=False) or `int<W>` (signed=True); W may exceed 64."""

    width: int
    signed: bool = False

    def bit_width(self) -> int:
        return self.width

    def __str__(self) -> str:
        return f"{'int' if self.signed else 'bit'}<{self.width}>"


@dataclass(frozen=True, slots=True)
class VarbitType(P4Type):
    """`varbit<MAX>`."""

    max_width: int

    def __str__(self) -> str:
        return f"varbit<{self.max_width}>"


@dataclass(frozen=True, slots=True)
class InfIntType(P4Type):
    """The arbitrary-precision type of unsized integer literals and `int`."""

    def __str__(self) -> str:
        return "int"


@dataclass(frozen=True, slots=True)
class BoolType(P4Type):
    def bit_width(self) -> int:
        return 1

    def __str__(self) -> str:
        return "bool"


@dataclass(frozen=True, slots=True)
class StringType(P4Type):
    def __str__(self) -> str:
        return "string"


@dataclass(frozen=True, slots=True)
class VoidType(P4Type):
    def __str__(self) -> str:
        return "void"


@dataclass(frozen=True, slots=True)
class DontCareType(P4Type):
    """The type of `_` where a type or value is left to inference."""

    def __str__(self) -> str:
        return "_"


@dataclass(frozen=True, slots=True)
class StateType(P4Type):
    """The type of a parser state reference and of a select expression
    (a transition target)."""

    def __str__(self) -> str:
        return "state"


@dataclass(frozen=True, slots=True)
class ErrorType(P4Type):
    """The `error` type (all `error { ... }` declarations merged)."""

    def __str__(self) -> str:
        return "error"


@dataclass(frozen=True, slots=True)
class MatchKindType(P4Type):
    def __str__(self) -> str:
        return "match_kind"


@dataclass(frozen=True, slots=True)
class StackType(P4Type):
    """A header stack `H[size]` (or an array of structs, P4 1.2.2+)."""

    element: P4Type
    size: int

    def __str__(self) -> str:
        return f"{self.element}[{self.size}]"


@dataclass(frozen=True, slots=True)
class TupleType(P4Type):
    """`tuple<T1, T2>`; also the type of list expressions `{a, b}`."""

    elements: tuple[P4Type, ...]

    def __str__(self) -> str:
        return f"tuple<{', '.join(map(str, self.elements))}>"


@dataclass(frozen=True, slots=True)
class SetType(P4Type):
    """The type of a keyset expression in a select case (`a &&& m`, `a .. b`)."""

    element: P4Type

    def __str__(self) -> str:
        return f"set<{self.element}>"


@dataclass(frozen=True, slots=True)
class TypeVar(P4Type):
    """A type parameter of a generic declaration, before specialisation."""

    name: str
    owner: int = 0  # id() of the declaring node, so two `T`s differ

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, eq=False, slots=True)
class NamedType(P4Type):
    """A type identified by its declaration: compared by identity of `decl`.

    `type_args` holds the specialisation of a generic declaration
    (`register<bit<32>>` -> `ExternType(register, (bit<32>,))`).
    """

    decl: nodes.Declaration
    type_args: tuple[P4Type, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.decl.name

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and other.decl is self.decl  # type: ignore[attr-defined]
            and other.type_args == self.type_args  # type: ignore[attr-defined]
        )

    def __hash__(self) -> int:
        return hash((id(self.decl), self.type_args))

    def __str__(self) -> str:
        if self.type_args:
            return f"{self.decl.name}<{', '.join(map(str, self.type_args))}>"
        return self.decl.name


class StructLikeType(NamedType):
    """Headers, structs and header unions: named fields in order."""

    __slots__ = ()

    def fields(self) -> list[tuple[str, P4Type]]:
        """(name, type) of each field, in declaration order."""
        decl: nodes.StructLikeDecl = self.decl  # type: ignore[assignment]
        return [(f.name, f.resolved_type) for f in decl.fields]  # type: ignore[misc]

    def field_type(self, name: str) -> P4Type | None:
        for fname, ftype in self.fields():
            if fname == name:
                return ftype
        return None

    def bit_width(self) -> int | None:
        total = 0
        for _, ftype in self.fields():
            w = ftype.bit_width()
            if w is None:
                return None
            total += w
        return total


class HeaderType(StructLikeType):
    __slots__ = ()


class StructType(StructLikeType):
    __slots__ = ()


class HeaderUnionType(StructLikeType):
    __slots__ = ()


class EnumType(NamedType):
    """`enum E { A, B }` (no representation) or `enum bit<8> E { A = 1 }`.

    For a serializable enum, `underlying` is the `BitsType`.
    """

    __slots__ = ()

    @property
    def underlying(self) -> BitsType | None:
        return self.decl.resolved_underlying  # type: ignore[attr-defined,no-any-return]

    def bit_width(self) -> int | None:
        u = self.underlying
        return u.width if u is not None else None


class NewType(NamedType):
    """`type bit<9> PortId_t;` -- a distinct type over `underlying`."""

    __slots__ = ()

    @property
    def underlying(self) -> P4Type:
        return self.decl.resolved_type  # type: ignore[attr-defined,no-any-return]

    def bit_width(self) -> int | None:
        return self.underlying.bit_width()


class ExternType(NamedType):
    __slots__ = ()


class ParserType(NamedType):
    """The type of a parser declaration or parser type declaration."""

    __slots__ = ()


class ControlType(NamedType):
    __slots__ = ()


class PackageType(NamedType):
    __slots__ = ()


class ActionType(NamedType):
    """The type of a reference to an action (not of a call to it)."""

    __slots__ = ()


class TableType(NamedType):
    """The type of a table reference; `t.apply()` returns `TableApplyResultType`."""

    __slots__ = ()


class TableApplyResultType(NamedType):
    """Result of `t.apply()`: has `.hit`, `.miss` and `.action_run`."""

    __slots__ = ()


class ActionEnumType(NamedType):
    """The type of `t.apply().action_run` (cases are the table's actions)."""

    __slots__ = ()


class MethodType(NamedType):
    """A method or function reference; `decl` is its declaration."""

    __slots__ = ()


class ValueSetType(NamedType):
    """A `value_set<T>(N)` instance used as a select keyset."""

    __slots__ = ()
