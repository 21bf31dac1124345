"""The lowering environment of one generated C function.

`Env` maps P4 declarations in scope to the C objects that hold them
(`Binding`), hands out temporaries (declared at the top of the current C
block, assigned where they are used, so that evaluation order and
short-circuits are kept), and knows how a P4 `exit` leaves the function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ovsp4.compiler.diagnostics import CompileError
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.types import P4Type

if TYPE_CHECKING:
    from ovsp4.compiler.backend.program import ProgramGen
    from ovsp4.compiler.ir.blocks import Block


@dataclass
class Binding:
    """A P4 variable or parameter in C: `code` names the object itself, or a
    pointer to it when `ptr`."""

    code: str
    type: P4Type
    ptr: bool = False

    @property
    def object(self) -> str:
        return f"(*{self.code})" if self.ptr else self.code

    def member(self, name: str) -> str:
        return f"{self.code}->{name}" if self.ptr else f"{self.code}.{name}"


@dataclass
class LValue:
    """A P4 l-value in C. `code` is a C l-value of `type`; for a slice
    `x[hi:lo]` it is `x` (of `base_type`) and `slice` holds (hi, lo).
    `siblings` are the other members of an enclosing header union, to
    invalidate when this header becomes valid."""

    code: str
    type: P4Type
    slice: tuple[int, int] | None = None
    base_type: P4Type | None = None
    siblings: tuple[str, ...] = ()


@dataclass
class Env:
    prog: ProgramGen
    block: Block | None
    bindings: dict[int, Binding] = field(default_factory=dict)
    parent: Env | None = None
    # How a P4 `exit` leaves the C function (None: exit is impossible here).
    exit_code: str | None = "return;"
    in_parser: bool = False
    # Temporaries to declare at the top of the C block being generated.
    temps: list[str] = field(default_factory=list)
    counter: list[int] = field(default_factory=lambda: [0])
    # Conditions checked before a parser statement: (C condition that
    # means failure, error name).
    guards: list[tuple[str, str]] = field(default_factory=list)
    # For `return` in a P4 function: the C type returned.
    return_type: str | None = None
    # The label `continue` jumps to in the innermost loop.
    continue_label: str | None = None

    def child(self) -> Env:
        """A nested scope sharing temporaries and the temp counter."""
        return Env(
            self.prog,
            self.block,
            {},
            self,
            self.exit_code,
            self.in_parser,
            self.temps,
            self.counter,
            self.guards,
            self.return_type,
            self.continue_label,
        )

    def bind(self, decl: nodes.Declaration, binding: Binding) -> None:
        self.bindings[id(decl)] = binding

    def lookup(self, decl: nodes.Declaration, where: nodes.Node) -> Binding:
        env: Env | None = self
        while env is not None:
            b = env.bindings.get(id(decl))
            if b is not None:
                return b
            env = env.parent
        raise CompileError(f"internal error: no C binding for '{decl.name}'", where.loc)

    def find(self, decl: nodes.Declaration) -> Binding | None:
        env: Env | None = self
        while env is not None:
            b = env.bindings.get(id(decl))
            if b is not None:
                return b
            env = env.parent
        return None

    def temp(self, ctype: str, hint: str = "t") -> str:
        """A fresh temporary of C type `ctype`, declared (uninitialised,
        zeroed) at the top of the current C block."""
        self.counter[0] += 1
        name = f"{hint}_{self.counter[0]}"
        self.temps.append(f"OVSP4_UNUSED {ctype} {name} = {zero_init(ctype)};")
        return name

    def fresh(self, hint: str) -> str:
        self.counter[0] += 1
        return f"{hint}_{self.counter[0]}"


def zero_init(ctype: str) -> str:
    if ctype.startswith("struct ") or ctype.startswith("ovsp4_w"):
        return "{ 0 }"
    if ctype == "bool":
        return "false"
    return "0"
