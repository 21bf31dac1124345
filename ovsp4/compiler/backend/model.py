"""The C program model the templates render.

Lowering (the other modules of this package) produces these objects;
the Jinja2 templates (templates/*.j2) only lay them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ovsp4.compiler.diagnostics import SourceLocation


@dataclass
class CFunc:
    """A generated C function: `body` is lines of C (indented relative to
    the function body)."""

    name: str
    ret: str
    params: list[str]
    body: list[str]
    comment: str = ""
    loc: SourceLocation | None = None
    inline: bool = False
    always_inline: bool = False  # (a v1model block the architecture calls once)

    @property
    def signature(self) -> str:
        params = ", ".join(self.params) or "void"
        return f"{self.ret}\n{self.name}({params})"

    @property
    def prototype(self) -> str:
        params = ", ".join(self.params) or "void"
        inline = (
            "inline OVSP4_ALWAYS_INLINE "
            if self.always_inline
            else "inline "
            if self.inline
            else ""
        )
        return f"static {inline}{self.ret} {self.name}({params});"

    @property
    def where(self) -> str:
        if self.loc is None:
            return ""
        return f"{self.loc.file}:{self.loc.line}"


@dataclass
class CArray:
    """A constant array of the descriptor."""

    ctype: str
    name: str
    items: list[str]


@dataclass
class Section:
    """A group of functions rendered by one template."""

    functions: list[CFunc] = field(default_factory=list)
    structs: list[str] = field(default_factory=list)  # extra struct definitions (C text)
