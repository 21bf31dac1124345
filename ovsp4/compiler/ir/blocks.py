"""The evaluated program: the tree of instances rooted at `main`.

Semantic analysis evaluates the `main` instantiation (as p4c's evaluator
does): every parser, control and extern instance becomes a `Block` with its
constructor arguments evaluated, its hierarchical path, and the
control-plane objects it owns (tables, actions, extern instances, value
sets) with their fully qualified control-plane names computed once, here.
P4Info and the C back end iterate this tree; a control instantiated twice
yields two `ControlBlock`s whose tables have two names.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.types import ExternType, P4Type


@dataclass(eq=False)
class Block:
    """An instance. `path` is its hierarchical name (from the top control or
    parser down), `node` the Instantiation / ConstructorCall that created it
    (None for synthesised ones), `ctor_args` its constructor arguments by
    parameter name: Python ints/bools/strs for constants, Blocks for
    instances, nodes.Expression for anything else."""

    name: str
    decl: nodes.Declaration
    node: nodes.Node | None
    path: tuple[str, ...] = ()
    parent: Block | None = None
    ctor_args: dict[str, object] = field(default_factory=dict)

    def walk(self) -> Iterator[Block]:
        yield self


@dataclass(eq=False)
class ExternBlock(Block):
    """An extern instance (counter, register, action_selector, ...),
    declared by an Instantiation or inline in a table property.
    `type` carries the specialisation (register<bit<32>> ...).
    `cp_name` its control-plane name (None for externs P4Info ignores)."""

    type: ExternType | None = None
    cp_name: str | None = None


@dataclass(eq=False)
class TableInstance:
    decl: nodes.TableDecl
    block: ControlBlock
    cp_name: str
    # Extern instances attached through table properties
    # ("implementation", "counters", "meters"), by property name.
    attached: dict[str, ExternBlock] = field(default_factory=dict)


@dataclass(eq=False)
class ActionInstance:
    """An action as the control plane sees it. Top-level actions (NoAction)
    used by several controls are one ActionInstance with `block` None.
    `in_table` is False for an action only called directly from an apply
    block: its parameters are all bound by the call, none is action data
    (p4c's RemoveActionParameters)."""

    decl: nodes.ActionDecl
    block: ControlBlock | None
    cp_name: str
    in_table: bool = True

    def data_params(self) -> list[nodes.Parameter]:
        """The parameters the control plane supplies."""
        return self.decl.data_params() if self.in_table else []


@dataclass(eq=False)
class ValueSetInstance:
    decl: nodes.ValueSetDecl
    block: ParserBlock
    cp_name: str
    element_type: P4Type | None = None
    size: int = 0


@dataclass(eq=False)
class ControlBlock(Block):
    """An instance of a ControlDecl. `children` are local instances (sub
    controls, externs) by name, in declaration order."""

    children: dict[str, Block] = field(default_factory=dict)
    tables: list[TableInstance] = field(default_factory=list)
    actions: list[ActionInstance] = field(default_factory=list)

    def walk(self) -> Iterator[Block]:
        yield self
        for child in self.children.values():
            yield from child.walk()


@dataclass(eq=False)
class ParserBlock(Block):
    children: dict[str, Block] = field(default_factory=dict)
    value_sets: list[ValueSetInstance] = field(default_factory=list)

    def walk(self) -> Iterator[Block]:
        yield self
        for child in self.children.values():
            yield from child.walk()


@dataclass(eq=False)
class PackageBlock(Block):
    """The `main` package (or a nested package argument). `children` maps
    the package's parameter names (e.g. "ig" for V1Switch's ingress) to the
    Blocks passed for them."""

    children: dict[str, Block] = field(default_factory=dict)

    def walk(self) -> Iterator[Block]:
        yield self
        for child in self.children.values():
            yield from child.walk()


@dataclass(eq=False)
class Toplevel:
    """The evaluated program: `main` and the global extern instances."""

    program: nodes.Program
    main: PackageBlock
    arch: str  # "v1model"
    globals: dict[str, Block] = field(default_factory=dict)

    def blocks(self) -> Iterator[Block]:
        for g in self.globals.values():
            yield from g.walk()
        yield from self.main.walk()

    def tables(self) -> Iterator[TableInstance]:
        for b in self.blocks():
            if isinstance(b, ControlBlock):
                yield from b.tables

    def actions(self) -> Iterator[ActionInstance]:
        """Every control-plane action once (shared top-level ones once)."""
        seen: set[int] = set()
        for b in self.blocks():
            if isinstance(b, ControlBlock):
                for a in b.actions:
                    if id(a) not in seen:
                        seen.add(id(a))
                        yield a

    def externs(self) -> Iterator[ExternBlock]:
        for b in self.blocks():
            if isinstance(b, ExternBlock):
                yield b
