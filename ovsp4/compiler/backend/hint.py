"""The lookup hint: what the generated pipeline prefetches for a batch.

The runtime's process_batch() runs the packets of a batch one at a time.
Each lookup in a large table is a chain of dependent cache misses (for
LPM: first-level slot, next-hop slot, entry, action data), and there is
too much work between two packets' lookups for the CPU to overlap them.
So before the batch, process_batch() calls the program's `prefetch` entry
point (program.h), generated here as `v1_prefetch()` (templates/
v1model.c.j2): for each packet of the batch it runs the program's parser
into a scratch state, builds the key of the first table the ingress
control applies, and hands all the keys to ovsp4_table_prefetch(), which
walks the lookups of the whole batch level by level with prefetches so
that their misses overlap, and returns their results: the table's apply
takes the result of its packet when it builds the same key
(`v1_table_lookup()` in templates/v1model_ctx.h.j2).

A hint is only a hint. It has no side effect at all -- the parser and the
key write the scratch state only -- and a key that differs from the one
the real lookup uses costs time, never correctness. That fixes the
choices:

- The table is the first one the ingress control applies in program
  order (its local initialisers, then its apply body, depth first),
  whatever the control flow: a packet that takes another branch gets a
  useless prefetch.
- The key is computed from the state as the parser leaves it, with the
  standard metadata v1model sets on arrival, the control's locals zero,
  and verifyChecksum not run: a key reading metadata or locals that
  ingress writes before the table gets the values they had before.
  That costs speed on such programs; telling which fields ingress writes
  first is not worth it.
- No hint at all (`prefetch` NULL) when it could have a side effect or is
  pointless: the parser, or the key expressions, reach an extern other than
  packet_in's methods, verify() and hash() with a deterministic algorithm
  (counters, registers, meters, random, log_msg, digests, clones ... all
  say no), apply a table or a control, or loop (a runaway loop logs); the
  first table is in a sub-control (its frame is built from the caller's
  arguments), has no key, a key longer than MAX_KEY bytes, or is declared
  with fewer than MIN_SIZE entries (it stays in the caches: the hint would
  cost more than it saves); ingress applies no table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.blocks import ControlBlock, ParserBlock, TableInstance
from ovsp4.compiler.ir.nodes import CallKind
from ovsp4.compiler.ir.types import ExternType
from ovsp4.compiler.ir.values import EnumMemberValue

if TYPE_CHECKING:
    from ovsp4.compiler.backend.program import ProgramGen

# Keys longer than this get no hint (the keys of a chunk live on the stack).
MAX_KEY = 64

# Tables declared with fewer entries get no hint: they stay in the caches,
# where a prefetch only adds its own work (a parse and a walk of the lookup
# per packet: 5-10 ns, which the tutorials' firewall.p4 and basic_tunnel.p4,
# whose tables hold a handful of entries, lose). The same threshold gives
# LPM tables their 24-bit first level (LARGE_TABLE in tbl-lpm-dir.c).
MIN_SIZE = 8192

# Extern calls without side effects (on anything but the scratch state).
PURE_EXTERN_METHODS = {
    ("packet_in", "extract"),
    ("packet_in", "lookahead"),
    ("packet_in", "advance"),
    ("packet_in", "length"),
}
PURE_EXTERN_FUNCTIONS = {"verify"}


@dataclass
class LookupHint:
    """What v1_prefetch() needs: the table, its key function, and how to
    build the ingress control's frame from the scratch state."""

    table: str  # P4 name, for the comment
    table_index: int
    key_fn: str
    key_len: int
    frame_type: str
    frame_inits: list[str]  # ".member = &st.hdr", ...


def _pure_call(e: nodes.MethodCall, seen: set[int]) -> bool:
    kind = e.kind
    callee = e.callee
    if kind is CallKind.BUILTIN:
        return True  # isValid, setValid, push_front...: the scratch state
    if kind is CallKind.FUNCTION or kind is CallKind.PARSER_APPLY:
        return isinstance(callee, (nodes.FunctionDecl, nodes.ParserDecl)) and pure(callee, seen)
    if kind is CallKind.EXTERN_METHOD:
        method = e.method
        t = method.expr.type if isinstance(method, nodes.Member) else None
        owner = t.decl.name if isinstance(t, ExternType) else None
        return callee is not None and (owner, callee.name) in PURE_EXTERN_METHODS
    if kind is CallKind.EXTERN_FUNCTION:
        name = callee.name if callee is not None else None
        if name in PURE_EXTERN_FUNCTIONS:
            return True
        if name == "hash" and len(e.bound_args) > 1 and e.bound_args[1] is not None:
            algo = e.bound_args[1].const_value
            return isinstance(algo, EnumMemberValue) and algo.name != "random"
        return False
    return False  # actions, tables, controls


def pure(node: nodes.Node, seen: set[int] | None = None) -> bool:
    """Whether running `node` (a parser, a function, an expression) can
    change nothing but the state it is given: no extern with a side effect,
    no table or control, no loop."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return True
    seen.add(id(node))
    for n in node.walk():
        if isinstance(n, (nodes.ForStatement, nodes.ForInStatement)):
            return False
        if isinstance(n, nodes.MethodCall) and not _pure_call(n, seen):
            return False
    return True


def _applies_tables(decl: nodes.Declaration, seen: set[int]) -> bool:
    if id(decl) in seen:
        return False
    seen.add(id(decl))
    for n in decl.walk():
        if isinstance(n, nodes.MethodCall):
            if n.kind is CallKind.TABLE_APPLY:
                return True
            if (
                n.kind is CallKind.CONTROL_APPLY
                and n.callee is not None
                and _applies_tables(n.callee, seen)
            ):
                return True
    return False


def first_table(block: ControlBlock) -> TableInstance | None:
    """The first table `block` applies in program order, if it is one of
    its own (None: none, or a sub-control's comes first)."""
    decl = block.decl
    assert isinstance(decl, nodes.ControlDecl)
    roots: list[nodes.Node] = [
        x for x in decl.locals if isinstance(x, nodes.VariableDecl) and x.init is not None
    ]
    roots.append(decl.body)
    for root in roots:
        for n in root.walk():
            if not isinstance(n, nodes.MethodCall):
                continue
            if n.kind is CallKind.TABLE_APPLY:
                return next((t for t in block.tables if t.decl is n.callee), None)
            if (
                n.kind is CallKind.CONTROL_APPLY
                and n.callee is not None
                and _applies_tables(n.callee, set())
            ):
                return None
    return None


def lookup_hint(
    prog: ProgramGen, parser: ParserBlock, ingress: ControlBlock, state_members: tuple[str, ...]
) -> LookupHint | None:
    """The hint of a program whose parser fills, and whose ingress control
    takes, the state members `state_members` (in parameter order); None
    when it gets none (see the module's docstring)."""
    table = first_table(ingress)
    if table is None:
        return None
    desc = prog.table_desc(table)
    if not desc.fields or desc.key_len > MAX_KEY or desc.size < MIN_SIZE:
        return None
    if not pure(parser.decl) or not all(pure(f.expr) for f in desc.fields):
        return None
    decl = ingress.decl
    assert isinstance(decl, nodes.ControlDecl)
    params = [p for p in decl.params if not prog.is_packet_param(p)]
    if len(params) != len(state_members):
        return None
    members = prog.frame_members(ingress)
    inits = [f".{members[id(p)]} = &st.{m}" for p, m in zip(params, state_members, strict=True)]
    return LookupHint(
        table.cp_name,
        desc.index,
        prog.key_fn(table),
        desc.key_len,
        prog.frame_type(ingress),
        inits,
    )
