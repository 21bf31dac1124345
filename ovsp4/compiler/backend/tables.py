"""Lowering of match-action tables.

`t.apply()` becomes a function that builds the key (datapath/runtime/
table.h: each match field big-endian in ceil(width / 8) bytes, in P4Info
order), looks it up, accounts the hit (direct counters, idle timeouts,
direct meters), resolves action-profile members, and calls the action
named by the entry with its parameters unpacked from the action data
(program.h: each big-endian in ceil(bits / 8) bytes, in order).

The table's descriptor (`TableDesc`) carries what the runtime needs to
create it: key layout, P4Info ids, actions and scopes, default action,
constant entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ovsp4.compiler.backend import scalar
from ovsp4.compiler.backend.calls import CValue
from ovsp4.compiler.backend.ctype_map import is_code_type, strip_newtype
from ovsp4.compiler.backend.env import Env
from ovsp4.compiler.backend.exprs import ExprGen, num
from ovsp4.compiler.backend.model import CFunc
from ovsp4.compiler.backend.scalar import Num
from ovsp4.compiler.diagnostics import UnsupportedError
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.blocks import ActionInstance, ControlBlock, TableInstance
from ovsp4.compiler.ir.nodes import BinaryOp, Direction
from ovsp4.compiler.ir.types import BoolType, P4Type
from ovsp4.compiler.ir.values import EnumMemberValue, ErrorValue

if TYPE_CHECKING:
    from ovsp4.compiler.backend.program import ProgramGen

MATCH_KINDS = {
    "exact": "OVSP4_MATCH_EXACT",
    "lpm": "OVSP4_MATCH_LPM",
    "ternary": "OVSP4_MATCH_TERNARY",
    "range": "OVSP4_MATCH_RANGE",
    "optional": "OVSP4_MATCH_OPTIONAL",
}
PRIORITY_KINDS = {"ternary", "range", "optional"}


@dataclass
class KeyField:
    expr: nodes.Expression
    kind: str
    width: int
    offset: int
    p4info_id: int

    @property
    def nbytes(self) -> int:
        return (self.width + 7) // 8


@dataclass
class EntryField:
    """One field of a constant entry: byte strings (None: don't care)."""

    value: bytes | None = None
    mask: bytes | None = None  # ternary mask, or range high
    prefix_len: int = 0


@dataclass
class EntryDesc:
    fields: list[EntryField]
    priority: int
    action: int
    data: bytes


@dataclass
class TableDesc:
    name: str
    id: int
    size: int
    index: int
    fields: list[KeyField] = field(default_factory=list)
    actions: list[int] = field(default_factory=list)  # program action indices
    scopes: list[int] = field(default_factory=list)
    action_data_size: int = 0
    default_action: int = 0
    default_data: bytes = b""
    default_const: bool = False
    entries_const: bool = False
    has_priority: bool = False
    idle_timeout: bool = False
    entries: list[EntryDesc] = field(default_factory=list)
    action_profile: int = -1
    direct_counter: int = -1
    direct_meter: int = -1

    @property
    def key_len(self) -> int:
        return sum(f.nbytes for f in self.fields)


# Runtime priorities: larger wins (P4Runtime). BMv2's priorities (p4c's
# const entries: the entry's position from 1, or @priority(N)) are inverted
# around this base.
BMV2_PRIORITY_BASE = 1 << 24


def entry_priority(table: TableInstance, e: nodes.TableEntry, index: int, count: int) -> int:
    """The runtime priority of constant entry `index` of `count`: earlier
    entries win; `@priority(N)` (BMv2: smaller wins) and P4 1.2.4's
    `priority = N` (largest wins, unless @largest_priority_wins(false))."""
    if e.priority is not None:
        n = to_int(e.priority.const_value)
        ann = table.decl.annotation("largest_priority_wins")
        if ann is not None and ann.tokens and ann.tokens[0].text == "false":
            return BMV2_PRIORITY_BASE - n
        return n
    prio = next((a for a in e.annotations if a.name == "priority"), None)
    if prio is not None and prio.int_value() is not None:
        return BMV2_PRIORITY_BASE - int(prio.int_value() or 0)
    return BMV2_PRIORITY_BASE - (index + 1)


def to_int(value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, EnumMemberValue) and value.value is not None:
        return value.value
    if isinstance(value, ErrorValue):
        return value.code
    raise TypeError(value)


def be_bytes(value: int, width: int) -> bytes:
    nbytes = (width + 7) // 8
    return (value & ((1 << width) - 1)).to_bytes(nbytes, "big") if nbytes else b""


class TableGen:
    def __init__(self, prog: ProgramGen) -> None:
        self.prog = prog

    def describe(self, table: TableInstance, index: int) -> TableDesc:
        """The descriptor of a table (key layout from P4Info)."""
        prog = self.prog
        info = prog.p4info_table(table.cp_name)
        desc = TableDesc(table.cp_name, info.preamble.id, info.size, index)
        key = table.decl.property("key")
        elements = [k for k in (key.keys if key is not None else []) if k.match_kind != "selector"]
        if len(elements) != len(info.match_fields):
            raise UnsupportedError(f"the key of table '{table.cp_name}'", table.decl.loc)
        offset = 0
        for k, mf in zip(elements, info.match_fields, strict=True):
            if k.match_kind not in MATCH_KINDS:
                raise UnsupportedError(f"match kind '{k.match_kind}'", k.loc)
            width = mf.bitwidth
            if width <= 0 and is_code_type(k.expr.type):  # type: ignore[arg-type]
                width = 32  # error / enum keys: P4Info gives no width (as p4c)
            if width <= 0:
                raise UnsupportedError(f"a key of type {k.expr.type}", k.loc)
            desc.fields.append(KeyField(k.expr, k.match_kind, width, offset, mf.id))
            offset += (width + 7) // 8
        desc.has_priority = any(f.kind in PRIORITY_KINDS for f in desc.fields)
        if sum(1 for f in desc.fields if f.kind == "lpm") > 1 and not desc.has_priority:
            raise UnsupportedError(f"table '{table.cp_name}' with two lpm fields", table.decl.loc)
        for ref in info.action_refs:
            a = prog.action_by_id(ref.id)
            desc.actions.append(a)
            desc.scopes.append(int(ref.scope))
            desc.action_data_size = max(desc.action_data_size, prog.action_descs[a].data_size)
        default = table.decl.property("default_action")
        if default is not None and default.value is not None:
            inst = prog.table_action_instance(table, default.value)
            desc.default_action = prog.action_index(inst)
            desc.default_data = self.action_data(inst, default.value)
            desc.default_const = default.is_const
        else:
            no_action = prog.action_by_name("NoAction")
            if no_action is None:
                raise UnsupportedError("a table without a default action", table.decl.loc)
            desc.default_action = no_action
        entries = table.decl.property("entries")
        if entries is not None:
            desc.entries_const = entries.is_const
            desc.entries = self._entries(table, desc, entries.entries)
        timeout = table.decl.property("support_timeout")
        desc.idle_timeout = bool(
            timeout is not None and timeout.value is not None and timeout.value.const_value is True
        )
        impl = table.attached.get("implementation")
        if impl is not None:
            desc.action_profile = prog.action_profile_index(impl)
        counters = table.attached.get("counters")
        if counters is not None:
            desc.direct_counter = prog.extern_index(counters).index
        meters = table.attached.get("meters")
        if meters is not None:
            desc.direct_meter = prog.extern_index(meters).index
        return desc

    def action_data(self, inst: ActionInstance, expr: nodes.Expression) -> bytes:
        """The action data of `a(args)` with constant data arguments."""
        out = b""
        if not isinstance(expr, nodes.MethodCall):
            return out
        for i, p in enumerate(inst.decl.params):
            if p.direction is not Direction.NONE:
                continue
            arg = expr.bound_args[i] if i < len(expr.bound_args) else None
            width = self.prog.param_bits(p)
            value = to_int(arg.const_value) if arg is not None else 0
            out += be_bytes(value, width)
        return out

    def _entries(
        self, table: TableInstance, desc: TableDesc, entries: list[nodes.TableEntry]
    ) -> list[EntryDesc]:
        out = []
        for i, e in enumerate(entries):
            ks = e.keyset
            keys = (
                ks.elements
                if isinstance(ks, nodes.ListExpression)
                and (len(desc.fields) != 1 or len(ks.elements) == 1)
                else [ks]
            )
            if isinstance(ks, (nodes.DefaultExpression, nodes.DontCare)):
                keys = [ks] * len(desc.fields)
            fields = [self._entry_field(k, f) for k, f in zip(keys, desc.fields, strict=True)]
            inst = self.prog.table_action_instance(table, e.action)
            priority = entry_priority(table, e, i, len(entries)) if desc.has_priority else 0
            out.append(
                EntryDesc(
                    fields, priority, self.prog.action_index(inst), self.action_data(inst, e.action)
                )
            )
        return out

    def _entry_field(self, k: nodes.Expression, f: KeyField) -> EntryField:
        w = f.width
        if isinstance(k, (nodes.DefaultExpression, nodes.DontCare)):
            return EntryField()
        if isinstance(k, nodes.Binary) and k.op is BinaryOp.MASK:
            v, m = to_int(k.left.const_value), to_int(k.right.const_value)
            if f.kind == "lpm":
                plen = bin(m & ((1 << w) - 1)).count("1")
                return EntryField(be_bytes(v & m, w), None, plen) if plen else EntryField()
            if f.kind != "ternary":
                raise UnsupportedError(f"a mask for a '{f.kind}' key", k.loc)
            if m & ((1 << w) - 1) == 0:
                return EntryField()
            return EntryField(be_bytes(v & m, w), be_bytes(m, w))
        if isinstance(k, nodes.Binary) and k.op is BinaryOp.RANGE:
            lo, hi = to_int(k.left.const_value), to_int(k.right.const_value)
            if f.kind != "range":
                raise UnsupportedError(f"a range for a '{f.kind}' key", k.loc)
            return EntryField(be_bytes(lo, w), be_bytes(hi, w))
        v = to_int(k.const_value)
        if f.kind == "lpm":
            return EntryField(be_bytes(v, w), None, w)
        if f.kind == "ternary":
            return EntryField(be_bytes(v, w), be_bytes((1 << w) - 1, w))
        if f.kind == "range":
            return EntryField(be_bytes(v, w), be_bytes(v, w))
        return EntryField(be_bytes(v, w))

    # -- the apply function -----------------------------------------------------

    def apply_function(
        self, table: TableInstance, desc: TableDesc, name: str, frame_type: str
    ) -> CFunc:
        prog = self.prog
        block = table.block
        env = Env(prog, block, exit_code="return res;")
        env.subst = prog.block_subst(block)  # type: ignore[attr-defined]
        prog.bind_frame(env, block)
        gen = ExprGen(env)
        body: list[str] = [f"struct ovsp4_table *tbl = ctx->objs->tables[{desc.index}];"]
        key_lines: list[str] = []
        if desc.fields:
            key_fn = prog.key_fn(table)
            key_lines.append(f"uint8_t key[{desc.key_len}];")
            key_lines.append(f"{key_fn}(ctx, f, key);")
        body_tail: list[str] = []
        if desc.fields:
            body_tail.append(
                f"const struct ovsp4_entry *entry = v1_table_lookup(ctx, {desc.index}, tbl, key, "
                f"{desc.key_len});"
            )
        else:
            body_tail.append("const struct ovsp4_entry *entry = NULL; /* no key: always miss */")
        body_tail += [
            "const struct ovsp4_action *act;",
            "struct ovsp4_apply_result res;",
            "if (entry) {",
            "    act = ovsp4_entry_action(entry);",
            "    res.hit = true;",
        ]
        if desc.direct_counter >= 0 or desc.idle_timeout:
            body_tail.append("    ovsp4_entry_hit(entry, ctx->ingress_len, ctx->now);")
        if desc.direct_meter >= 0:
            body_tail.append(
                "    ctx->meter_color = ovsp4_rt_direct_meter_execute(entry, "
                f"ctx->objs->meters[{desc.direct_meter}], ctx->ingress_len, ctx->now);"
            )
        if desc.action_profile >= 0:
            body_tail += self._profile(gen, table, desc)
        body_tail += [
            "} else {",
            "    act = ovsp4_table_default_action(tbl);",
            "    res.hit = false;",
            "}",
            "res.action_run = act->id;",
            "switch (act->id) {",
        ]
        for a in dict.fromkeys(desc.actions):
            inst = prog.action_descs[a].instance
            body_tail.append(f"case {prog.action_descs[a].enum}:")
            ref = self._action_ref(table, inst)
            call = self._dispatch(gen, inst, ref, table)
            body_tail.extend("    " + x for x in call)
            body_tail.append("    break;")
        body_tail += ["default:", "    break;", "}", "return res;"]
        temps = list(env.temps)
        where = f"table {table.cp_name}"
        return CFunc(
            name,
            "struct ovsp4_apply_result",
            ["struct ovsp4_ctx *ctx", f"{frame_type} *f"],
            body + temps + key_lines + body_tail,
            where,
            loc=table.decl.loc,
        )

    def key_function(
        self, table: TableInstance, desc: TableDesc, name: str, frame_type: str
    ) -> CFunc:
        """`void key_T(ctx, f, key)`: the table's key (key_len bytes) from
        the control's frame. The table's apply function and the lookup hint
        (hint.py) both build their key with it."""
        prog = self.prog
        block = table.block
        env = Env(prog, block, exit_code="return;")
        env.subst = prog.block_subst(block)  # type: ignore[attr-defined]
        prog.bind_frame(env, block)
        gen = ExprGen(env)
        lines = [self._put_key(gen, f) for f in desc.fields]
        return CFunc(
            name,
            "void",
            ["struct ovsp4_ctx *ctx", f"{frame_type} *f", "uint8_t *key"],
            [*env.temps, *lines],
            f"key of table {table.cp_name}: {desc.key_len} bytes",
            loc=table.decl.loc,
            inline=True,
        )

    def _put_key(self, gen: ExprGen, f: KeyField) -> str:
        t = strip_newtype(gen.t(f.expr.type))
        value = gen.value(f.expr)
        at = f"key + {f.offset}"
        if isinstance(t, BoolType):
            return f"key[{f.offset}] = {value};"
        if is_code_type(t):
            return f"ovsp4_put64({at}, {f.nbytes}, {value});"
        n = num(t)
        if n is None:
            raise UnsupportedError(f"a table key of type {t}", f.expr.loc)
        bits = scalar.unsigned_bits(value, n)
        if n.cls == "small":
            return f"ovsp4_put64({at}, {f.nbytes}, {bits});"
        if n.cls == "mid":
            return f"ovsp4_put128({at}, {f.nbytes}, {bits});"
        return f"memset({at}, 0, {f.nbytes}); " + scalar.store(
            at, str(f.nbytes * 8 - n.width), Num(n.width), bits
        )

    def _profile(self, gen: ExprGen, table: TableInstance, desc: TableDesc) -> list[str]:
        """Members and groups of an action profile/selector: the runtime
        resolves the entry's reference (with the selector hash)."""
        key = table.decl.property("key")
        selectors = [k for k in (key.keys if key is not None else []) if k.match_kind == "selector"]
        impl = table.attached["implementation"]
        lines: list[str] = []
        hash_code = "0"
        if selectors:
            from ovsp4.compiler.backend.externs import ExternGen

            algo = impl.ctor_args.get("algorithm")
            name = getattr(algo, "name", None)
            if name is None:
                raise UnsupportedError(
                    "an action selector without a constant algorithm", table.decl.loc
                )
            lst = nodes.ListExpression(elements=[k.expr for k in selectors], loc=table.decl.loc)
            from ovsp4.compiler.ir.types import TupleType

            lst.type = TupleType(tuple(k.expr.type for k in selectors))  # type: ignore[misc]
            pack, buf, nb = ExternGen(gen)._pack(lst, table.decl)
            lines += ["    " + x for x in pack]
            from ovsp4.compiler.backend.externs import HASH_ALGOS

            hash_code = f"ovsp4_hash({HASH_ALGOS[name]}, {buf}, {nb})"
        lines += [
            "    if (ovsp4_action_is_ref(act)) {",
            f"        act = ovsp4_rt_action_profile_resolve(act, {hash_code});",
            "        if (!act) { /* an empty group: as a miss */",
            "            act = ovsp4_table_default_action(tbl);",
            "            res.hit = false;",
            "        }",
            "    }",
        ]
        return lines

    def _action_ref(self, table: TableInstance, inst: ActionInstance) -> nodes.Expression | None:
        prop = table.decl.property("actions")
        for ref in prop.actions if prop is not None else []:
            target = ref.expr.method if isinstance(ref.expr, nodes.MethodCall) else ref.expr
            if getattr(target, "decl", None) is inst.decl:
                return ref.expr
        return None

    def _dispatch(
        self, gen: ExprGen, inst: ActionInstance, ref: nodes.Expression | None, table: TableInstance
    ) -> list[str]:
        """The call of an action with its data unpacked from `act->data`."""
        decl = inst.decl
        args: list[nodes.Expression | None] = []
        off = 0
        for i, p in enumerate(decl.params):
            if p.direction is Direction.NONE:
                t = gen.t(p.resolved_type)
                width = self.prog.param_bits(p)
                nbytes = (width + 7) // 8
                args.append(CValue(self._param(f"act->data + {off}", nbytes, width, t, p), t))
                off += nbytes
            else:
                bound = ref.bound_args[i] if isinstance(ref, nodes.MethodCall) else None
                if bound is None:
                    bound = p.default
                args.append(bound)
        return gen.calls.action_call(decl, args, table.decl).as_stmts()

    def _param(self, at: str, nbytes: int, width: int, t: P4Type, p: nodes.Parameter) -> str:
        t = strip_newtype(t)
        if isinstance(t, BoolType):
            return f"({at})[0] != 0"
        n = num(t)
        if n is None:
            raise UnsupportedError(f"an action parameter of type {t}", p.loc)
        # big-endian in whole bytes, the bits above the width zero
        if n.cls == "small":
            return scalar.normalize(f"ovsp4_get64({at}, {nbytes})", n)
        if n.cls == "mid":
            return scalar.normalize(f"ovsp4_get128({at}, {nbytes})", n)
        return scalar.load(at, str(nbytes * 8 - width), n)


def control_of(table: TableInstance) -> ControlBlock:
    return table.block
