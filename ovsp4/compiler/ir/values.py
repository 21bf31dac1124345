"""Compile-time values stored in `Expression.const_value`.

Semantic analysis folds every compile-time-known expression to a Python
value, interpreted with the expression's `type`:

- `bit<W>`, `int<W>`, `int`: a Python `int`, already reduced to the type's
  range (0 <= v < 2**W for bit<W>, two's complement range for int<W>);
- `bool`: a Python `bool`; `string`: a Python `str`;
- `match_kind`: the member name as a `str`;
- enums and `error`: an `EnumMemberValue` / `ErrorValue` below;
- tuples / list expressions: a Python `tuple` of element values;
- structs and headers built from constants: a `StructValue`.

These are plain immutable data; back ends never need the front end to
interpret them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ovsp4.compiler.ir import nodes


@dataclass(frozen=True, eq=False, slots=True)
class EnumMemberValue:
    """A member of an enum. For a serializable enum `value` is the member's
    integer value (reduced to the underlying type); `name` is None for a
    serializable-enum value that is no declared member (e.g. `(E) 8w77`)."""

    enum: nodes.EnumDecl
    name: str | None
    value: int | None = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EnumMemberValue) or other.enum is not self.enum:
            return False
        if self.value is not None or other.value is not None:
            return self.value == other.value
        return self.name == other.name

    def __hash__(self) -> int:
        return hash((id(self.enum), self.value if self.value is not None else self.name))

    def __str__(self) -> str:
        return f"{self.enum.name}.{self.name}" if self.name else f"({self.enum.name}){self.value}"


@dataclass(frozen=True, slots=True)
class ErrorValue:
    """A member of the (merged) `error` type; `code` is its position in
    declaration order over all `error { }` declarations (NoError is 0)."""

    name: str
    code: int

    def __str__(self) -> str:
        return f"error.{self.name}"


@dataclass(frozen=True, slots=True)
class StructValue:
    """A struct or header built only from compile-time constants, as
    (field name, value) pairs in field order. `valid` is False for the
    invalid header `{#}`."""

    fields: tuple[tuple[str, object], ...]
    valid: bool = True

    def get(self, name: str) -> object:
        for fname, value in self.fields:
            if fname == name:
                return value
        raise KeyError(name)
