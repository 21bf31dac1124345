"""C identifiers for P4 names.

P4 identifiers are valid C identifiers, but may collide with C keywords,
with names the generated code or the runtime reserve (`ovsp4_*`), or with
each other once qualified (`MyIngress.t` and `MyIngress_t`). `NameTable`
hands out unique, readable names.
"""

from __future__ import annotations

import re

C_KEYWORDS = frozenset(
    """auto break case char const continue default do double else enum extern float for goto
    if inline int long register restrict return short signed sizeof static struct switch
    typedef union unsigned void volatile while _Alignas _Alignof _Atomic _Bool _Complex
    _Generic _Imaginary _Noreturn _Static_assert _Thread_local bool true false asm typeof
    main errno assert""".split()
)

_NON_IDENT = re.compile(r"[^A-Za-z0-9_]")


def c_ident(name: str) -> str:
    """A P4 (possibly dotted) name as a C identifier; not unique by itself."""
    ident = _NON_IDENT.sub("_", name.replace(".", "_"))
    if not ident or ident[0].isdigit():
        ident = "_" + ident
    return ident


def field_ident(name: str) -> str:
    """A struct member name: the P4 field name unless it is a C keyword or
    one of the generated code's own member names."""
    if name in C_KEYWORDS or name.startswith("ovsp4_"):
        return name + "_"
    return name


class NameTable:
    """Unique C names within one namespace (file-scope identifiers)."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def reserve(self, name: str) -> None:
        self._used.add(name)

    def fresh(self, hint: str) -> str:
        base = c_ident(hint)
        if base in C_KEYWORDS:
            base += "_"
        name = base
        n = 1
        while name in self._used:
            n += 1
            name = f"{base}_{n}"
        self._used.add(name)
        return name
