"""P4Info from the evaluated program, exactly as p4c generates it for v1model.

The rules are written down, with the samples that show each one, in
Documentation/p4info-rules.md (the § numbers below). Three steps, as p4c:
collect every control-plane symbol from the instance tree (including some
that P4Info never shows, because ids and aliases depend on all of them),
assign ids and aliases to the whole set at once, then emit the messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ovsp4.compiler.diagnostics import CompileError
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.blocks import (
    ActionInstance,
    ControlBlock,
    ExternBlock,
    ParserBlock,
    TableInstance,
    Toplevel,
    ValueSetInstance,
)
from ovsp4.compiler.ir.types import (
    BitsType,
    BoolType,
    EnumType,
    ErrorType,
    HeaderType,
    NewType,
    P4Type,
    StructLikeType,
)
from ovsp4.compiler.ir.values import EnumMemberValue
from ovsp4.compiler.p4info.aliases import compute_aliases
from ovsp4.compiler.p4info.annotations import fill_annotations
from ovsp4.compiler.p4info.ids import IdAllocator, ResourceType
from ovsp4.compiler.p4info.keys import key_element_name
from ovsp4.compiler.p4info.typespec import TypeSpecConverter, padded_bytes, translation_of
from ovsp4.proto import p4info_pb2, p4types_pb2

DEFAULT_TABLE_SIZE = 1024

MATCH_TYPES = {
    "exact": p4info_pb2.MatchField.EXACT,
    "lpm": p4info_pb2.MatchField.LPM,
    "ternary": p4info_pb2.MatchField.TERNARY,
    "range": p4info_pb2.MatchField.RANGE,
    "optional": p4info_pb2.MatchField.OPTIONAL,
}

COUNTER_UNITS = {
    "packets": p4info_pb2.CounterSpec.PACKETS,
    "bytes": p4info_pb2.CounterSpec.BYTES,
    "packets_and_bytes": p4info_pb2.CounterSpec.BOTH,
}

METER_UNITS = {
    "packets": p4info_pb2.MeterSpec.PACKETS,
    "bytes": p4info_pb2.MeterSpec.BYTES,
}

# v1model extern type -> P4Info resource type.
EXTERN_RESOURCES = {
    "counter": ResourceType.COUNTER,
    "direct_counter": ResourceType.DIRECT_COUNTER,
    "meter": ResourceType.METER,
    "direct_meter": ResourceType.DIRECT_METER,
    "register": ResourceType.REGISTER,
    "action_profile": ResourceType.ACTION_PROFILE,
    "action_selector": ResourceType.ACTION_PROFILE,
}

# Turned into fields of action profiles (§7, §10), never copied as text.
SELECTOR_ANNOTATIONS = ("max_group_size", "selector_size_semantics", "max_member_weight")


@dataclass(eq=False)
class _Symbol:
    """A collected control-plane symbol. `emit` False for symbols that take
    part in ids and aliases without appearing in P4Info (§5.5)."""

    kind: ResourceType
    name: str  # P4Info name (no leading dot)
    annotated: nodes.Declaration | None  # where @id and the annotations are
    obj: object = None
    id_name: str = ""  # the string hashed into the id, if not `name` (§5.2)
    emit: bool = True
    id: int = 0
    alias: str = ""
    extra: dict[str, object] = field(default_factory=dict)


def _hidden(decl: nodes.Declaration | None) -> bool:
    return decl is not None and decl.has_annotation("hidden")


def _explicit_id(decl: nodes.Declaration | None) -> int | None:
    if decl is None:
        return None
    a = decl.annotation("id")
    return a.int_value() if a is not None else None


def _through_typedef(extern: ExternBlock) -> bool:
    """An instance whose type is written through a typedef
    (`typedef register<T> R; R(4) r;`): p4c does not recognise it as an
    extern instance at all, so it has no P4Info entity (issue2735-bmv2)."""
    ref = getattr(extern.node, "type_ref", None)
    return isinstance(ref, nodes.NamedTypeRef) and isinstance(ref.decl, nodes.TypedefDecl)


def _enum_member(value: object) -> str | None:
    return value.name if isinstance(value, EnumMemberValue) else None


class P4InfoGenerator:
    def __init__(self, toplevel: Toplevel) -> None:
        self.toplevel = toplevel
        self.p4info = p4info_pb2.P4Info()
        self.symbols: list[_Symbol] = []
        self.by_obj: dict[int, _Symbol] = {}
        self.types = TypeSpecConverter(p4types_pb2.P4TypeInfo(), self._error_members())

    # -- 1. collect ---------------------------------------------------------

    def _add(self, symbol: _Symbol) -> _Symbol:
        self.symbols.append(symbol)
        if symbol.obj is not None:
            self.by_obj[id(symbol.obj)] = symbol
        return symbol

    def _collect(self) -> None:
        tables = list(self.toplevel.tables())
        attached_ids = {id(ext) for t in tables for ext in t.attached.values()}
        for table in tables:
            self._add(_Symbol(ResourceType.TABLE, table.cp_name, table.decl, table))
        for action in self.toplevel.actions():
            self._add(_Symbol(ResourceType.ACTION, action.cp_name, action.decl, action))
        for extern in self._extern_instances(tables):
            if _through_typedef(extern):
                continue
            kind = EXTERN_RESOURCES.get(extern.type.name) if extern.type is not None else None
            if kind is None or extern.cp_name is None:
                continue
            annotated = extern.node if isinstance(extern.node, nodes.Declaration) else None
            if annotated is None and isinstance(extern.node, nodes.ConstructorCall):
                annotated = self._property_of(extern, tables)
            direct = kind in (ResourceType.DIRECT_COUNTER, ResourceType.DIRECT_METER)
            emit = not direct or id(extern) in attached_ids
            self._add(_Symbol(kind, extern.cp_name, annotated, extern, emit=emit))
        for block in self.toplevel.blocks():
            if isinstance(block, ParserBlock):
                for vs in block.value_sets:
                    self._add(_Symbol(ResourceType.VALUE_SET, vs.cp_name, vs.decl, vs))
        for header in self._controller_headers():
            label = header.annotation("controller_header")
            assert label is not None
            self._add(
                _Symbol(
                    ResourceType.CONTROLLER_HEADER,
                    label.string_value() or header.name,
                    header,
                    header,
                    id_name=header.name_annotation() or header.name,
                )
            )
        for name, digest_type in self._digests():
            symbol = self._add(_Symbol(ResourceType.DIGEST, name, None))
            symbol.extra["type"] = digest_type

    def _extern_instances(self, tables: list[TableInstance]) -> list[ExternBlock]:
        """Every extern instance once: global, in evaluated blocks, and
        constructed in place in table properties."""
        found: list[ExternBlock] = []
        seen: set[int] = set()
        candidates = [b for b in self.toplevel.blocks() if isinstance(b, ExternBlock)]
        candidates += [ext for t in tables for ext in t.attached.values()]
        for ext in candidates:
            if id(ext) not in seen:
                seen.add(id(ext))
                found.append(ext)
        return found

    @staticmethod
    def _property_of(extern: ExternBlock, tables: list[TableInstance]) -> nodes.Declaration | None:
        for table in tables:
            for prop_name, ext in table.attached.items():
                if ext is extern:
                    return table.decl.property(prop_name)
        return None

    def _controller_headers(self) -> list[nodes.HeaderDecl]:
        return [
            d
            for d in self.toplevel.program.declarations
            if isinstance(d, nodes.HeaderDecl) and d.has_annotation("controller_header")
        ]

    def _control_code(self, block: ControlBlock) -> list[nodes.Node]:
        """What runs in a control: its apply body and its surviving actions."""
        decl = block.decl
        assert isinstance(decl, nodes.ControlDecl)
        code: list[nodes.Node] = [decl.body]
        code += [a.decl for a in block.actions if a.block is block]
        code += [a.decl for a in block.actions if a.block is None]
        return code

    def _digests(self) -> list[tuple[str, P4Type]]:
        """`digest<T>(receiver, data)` calls: one digest per type T (§13)."""
        found: dict[str, P4Type] = {}
        anonymous = 0
        for block in self.toplevel.blocks():
            if not isinstance(block, ControlBlock):
                continue
            for code in self._control_code(block):
                for node in code.walk():
                    if not (
                        isinstance(node, nodes.MethodCall)
                        and node.kind is nodes.CallKind.EXTERN_FUNCTION
                        and node.callee is not None
                        and node.callee.name == "digest"
                    ):
                        continue
                    t = node.type_bindings.get("T")
                    if t is None:
                        continue
                    if isinstance(t, StructLikeType):
                        name = t.decl.name_annotation() or t.name
                    else:
                        name = f"digest_{anonymous}"
                        anonymous += 1
                    found.setdefault(name, t)
        return list(found.items())

    def _error_members(self) -> list[str]:
        members: list[str] = []
        for d in self.toplevel.program.declarations:
            if isinstance(d, nodes.ErrorDecl):
                members.extend(m.name for m in d.members)
        return members

    # -- 2. ids and aliases -------------------------------------------------

    def _assign_ids_and_aliases(self) -> None:
        allocator = IdAllocator()
        for s in self.symbols:
            allocator.add(s.kind, s.id_name or s.name, _explicit_id(s.annotated))
        allocator.allocate()
        aliases = compute_aliases(s.name for s in self.symbols)
        for s in self.symbols:
            s.id = allocator.id_of(s.kind, s.id_name or s.name)
            s.alias = aliases[s.name]

    def _preamble(
        self, preamble: p4info_pb2.Preamble, s: _Symbol, skip: tuple[str, ...] = ()
    ) -> None:
        preamble.id = s.id
        preamble.name = s.name
        preamble.alias = s.alias
        if s.annotated is not None:
            fill_annotations(preamble, [a for a in s.annotated.annotations if a.name not in skip])

    # -- 3. emit ------------------------------------------------------------

    def generate(self) -> p4info_pb2.P4Info:
        self._collect()
        self._assign_ids_and_aliases()
        self.p4info.pkg_info.arch = self.toplevel.arch
        self._pkg_info()
        for s in self.symbols:
            if s.emit and not _hidden(s.annotated):
                getattr(self, f"_emit_{s.kind.name.lower()}")(s)
        if self._has_type_info():
            self.p4info.type_info.CopyFrom(self.types.type_info)
        return self.p4info

    def _has_type_info(self) -> bool:
        """p4c creates type_info as a side effect of converting types; §2
        lists exactly when that happens."""
        if any(not _hidden(t.decl) for t in self.toplevel.tables()):
            return True
        for action in self.toplevel.actions():
            if action.data_params() and not _hidden(action.decl):
                return True
        if any(
            isinstance(b, ExternBlock) and not _through_typedef(b) for b in self.toplevel.blocks()
        ):
            return True
        if any(t.attached for t in self.toplevel.tables()):
            return True
        for block in self.toplevel.blocks():
            if isinstance(block, ControlBlock):
                for code in self._control_code(block):
                    for node in code.walk():
                        if (
                            isinstance(node, nodes.MethodCall)
                            and node.kind is nodes.CallKind.EXTERN_FUNCTION
                        ):
                            return True
        for header in self._controller_headers():
            if any(not _hidden(f) for f in header.fields):
                return True
        return False

    def _pkg_info(self) -> None:
        main = self.toplevel.main.node
        if not isinstance(main, nodes.Declaration):
            return
        pkg = self.p4info.pkg_info
        for a in main.annotations:
            if a.name == "pkginfo":
                pairs = [(kv.name, kv.expr.const_value) for kv in a.kv] + _kv_tokens(a.tokens)
                for key, value in pairs:
                    if key in _PKG_INFO_KEYS:
                        setattr(pkg, key, str(value))
        fill_annotations(pkg, [a for a in main.annotations if a.name != "pkginfo"])

    def _type_name(self, t: P4Type | None) -> str | None:
        """The outermost `type` of a field, after typedefs (§8, §16.2).
        Named types of fields go to type_info, as p4c converts them."""
        if isinstance(t, (EnumType, ErrorType)):
            self.types.convert(t)
        if isinstance(t, NewType):
            self.types.new_type(t)
            return t.name
        return None

    def _bitwidth(self, t: P4Type | None, where: nodes.Node) -> int:
        """Width as P4Info states it: a translated `type` has its SDN width
        (0 for a string), only on the outermost `type` (§8, §16.2)."""
        if isinstance(t, NewType):
            translation = translation_of(t.decl)
            if translation is not None:
                return translation[1] or 0
            inner = t.underlying
            while isinstance(inner, NewType):
                inner = inner.underlying
            return self._bitwidth(inner, where)
        if isinstance(t, BitsType):
            return t.width
        if isinstance(t, BoolType):
            return 1
        if isinstance(t, EnumType):
            return t.underlying.width if t.underlying is not None else 0
        width = t.bit_width() if t is not None else None
        if width is None:
            return 0
        return width

    def _emit_table(self, s: _Symbol) -> None:
        table: TableInstance = s.obj  # type: ignore[assignment]
        msg = self.p4info.tables.add()
        self._preamble(msg.preamble, s)
        key = table.decl.property("key")
        elements = key.keys if key is not None else []
        position = 0
        for element in elements:
            position += 1  # selector elements count, but make no match field
            if element.match_kind == "selector":
                continue
            mf = msg.match_fields.add()
            explicit = element.annotation("id")
            mf.id = (explicit.int_value() if explicit is not None else None) or position
            mf.name = key_element_name(element)
            width = self._bitwidth(element.expr.type, element)
            if width:
                mf.bitwidth = width
            if element.match_kind in MATCH_TYPES:
                mf.match_type = MATCH_TYPES[element.match_kind]
            else:
                mf.other_match_type = element.match_kind
            type_name = self._type_name(element.expr.type)
            if type_name is not None:
                mf.type_name.name = type_name
            fill_annotations(mf, element.annotations)
        actions = table.decl.property("actions")
        refs = actions.actions if actions is not None else []
        for ref in refs:
            action = self._action_symbol(table, ref.expr)
            ar = msg.action_refs.add(id=action.id)
            if ref.annotation("tableonly") is not None:
                ar.scope = p4info_pb2.ActionRef.TABLE_ONLY
            elif ref.annotation("defaultonly") is not None:
                ar.scope = p4info_pb2.ActionRef.DEFAULT_ONLY
            fill_annotations(ar, ref.annotations)
        default = table.decl.property("default_action")
        if default is not None and default.value is not None:
            action = self._action_symbol(table, default.value)
            if default.is_const:
                msg.const_default_action_id = action.id
            msg.initial_default_action.action_id = action.id
            self._default_arguments(msg, action, default.value)
        else:
            # p4c's CreateBuiltins: `default_action = NoAction()`, and a
            # `@defaultonly NoAction` entry if the list lacks it (§8).
            no_action = self._no_action()
            if no_action is not None:
                msg.initial_default_action.action_id = no_action.id
                if no_action.id not in {r.id for r in msg.action_refs}:
                    ar = msg.action_refs.add(id=no_action.id)
                    ar.scope = p4info_pb2.ActionRef.DEFAULT_ONLY
                    ar.annotations.append("@defaultonly")
        implementation = table.attached.get("implementation")
        if implementation is not None and id(implementation) in self.by_obj:
            msg.implementation_id = self.by_obj[id(implementation)].id
        for prop in ("counters", "meters"):
            attached = table.attached.get(prop)
            if attached is not None and id(attached) in self.by_obj:
                msg.direct_resource_ids.append(self.by_obj[id(attached)].id)
        size = table.decl.property("size")
        value = size.value.const_value if size is not None and size.value is not None else None
        msg.size = int(value) if isinstance(value, int) and value > 0 else DEFAULT_TABLE_SIZE
        timeout = table.decl.property("support_timeout")
        if timeout is not None and timeout.value is not None and timeout.value.const_value is True:
            msg.idle_timeout_behavior = p4info_pb2.Table.NOTIFY_CONTROL
        entries = table.decl.property("entries")
        if entries is not None:
            msg.has_initial_entries = True
            if entries.is_const:
                msg.is_const_table = True

    def _action_symbol(self, table: TableInstance, expr: nodes.Expression) -> _Symbol:
        target = expr.method if isinstance(expr, nodes.MethodCall) else expr
        decl = getattr(target, "decl", None)
        for action in table.block.actions:
            if action.decl is decl:
                return self.by_obj[id(action)]
        raise CompileError(
            f"internal error: action '{getattr(decl, 'name', '?')}' of table "
            f"'{table.cp_name}' has no control-plane instance",
            expr.loc,
        )

    def _no_action(self) -> _Symbol | None:
        for s in self.symbols:
            if s.kind is ResourceType.ACTION and s.name == "NoAction":
                return s
        return None

    def _default_arguments(
        self, msg: p4info_pb2.Table, action: _Symbol, expr: nodes.Expression
    ) -> None:
        """`arguments` of initial_default_action: the action-data values,
        big-endian padded to the parameter's full byte width (§8)."""
        if not isinstance(expr, nodes.MethodCall):
            return
        instance: ActionInstance = action.obj  # type: ignore[assignment]
        params = instance.decl.params
        for index, param in enumerate(instance.data_params(), 1):
            position = params.index(param)
            arg = expr.bound_args[position] if position < len(expr.bound_args) else None
            if arg is None:
                continue
            value = arg.const_value
            if isinstance(value, EnumMemberValue):
                value = value.value
            if isinstance(value, bool):
                value = int(value)
            if not isinstance(value, int):
                continue
            width = self._bitwidth(param.resolved_type, param)
            argument = msg.initial_default_action.arguments.add(param_id=index)
            argument.value = padded_bytes(value, width)

    def _emit_action(self, s: _Symbol) -> None:
        action: ActionInstance = s.obj  # type: ignore[assignment]
        msg = self.p4info.actions.add()
        self._preamble(msg.preamble, s)
        for index, param in enumerate(action.data_params(), 1):
            p = msg.params.add()
            explicit = _explicit_id(param)
            p.id = explicit if explicit is not None else index
            p.name = param.name_annotation() or param.name
            width = self._bitwidth(param.resolved_type, param)
            if width:
                p.bitwidth = width
            type_name = self._type_name(param.resolved_type)
            if type_name is None and isinstance(param.resolved_type, EnumType):
                if param.resolved_type.underlying is None:
                    type_name = param.resolved_type.name
            if type_name is not None:
                p.type_name.name = type_name
            fill_annotations(p, param.annotations)

    def _table_ids_using(self, extern: ExternBlock, prop: str | None = None) -> list[int]:
        users = [
            t
            for t in self.toplevel.tables()
            if any(a is extern and (prop is None or p == prop) for p, a in t.attached.items())
        ]
        users.sort(key=lambda t: t.cp_name.encode())
        return [self.by_obj[id(t)].id for t in users]

    def _emit_action_profile(self, s: _Symbol) -> None:
        extern: ExternBlock = s.obj  # type: ignore[assignment]
        msg = self.p4info.action_profiles.add()
        self._preamble(msg.preamble, s, skip=SELECTOR_ANNOTATIONS)
        msg.table_ids.extend(self._table_ids_using(extern, "implementation"))
        assert extern.type is not None
        size = extern.ctor_args.get("size")
        msg.size = int(size) if isinstance(size, int) else 0
        if extern.type.name != "action_selector":
            return
        msg.with_selector = True
        annotated = s.annotated
        if annotated is None:
            return
        max_group = annotated.annotation("max_group_size")
        if max_group is not None and max_group.int_value() is not None:
            msg.max_group_size = max_group.int_value()  # type: ignore[assignment]
        semantics = annotated.annotation("selector_size_semantics")
        if semantics is not None:
            kind = (semantics.string_value() or "").lower()
            if kind == "sum_of_members":
                msg.sum_of_members.SetInParent()
                weight = annotated.annotation("max_member_weight")
                if weight is not None and weight.int_value() is not None:
                    msg.sum_of_members.max_member_weight = weight.int_value()  # type: ignore[assignment]
            elif kind == "sum_of_weights":
                msg.sum_of_weights.SetInParent()

    def _counter_or_meter(
        self,
        s: _Symbol,
        entries: object,
        units: dict[str, int],
        unspecified: int,
        direct_property: str | None,
    ) -> None:
        """counters/meters (with a size) and their direct forms (with the
        table they are attached to by `direct_property`)."""
        extern: ExternBlock = s.obj  # type: ignore[assignment]
        msg = entries.add()  # type: ignore[attr-defined]
        self._preamble(msg.preamble, s)
        unit = _enum_member(extern.ctor_args.get("type"))
        msg.spec.unit = units.get(unit or "", unspecified)
        if direct_property is None:
            msg.size = self._size(extern)
        else:
            tables = self._table_ids_using(extern, direct_property)
            msg.direct_table_id = tables[0] if tables else 0

    def _emit_counter(self, s: _Symbol) -> None:
        self._counter_or_meter(
            s, self.p4info.counters, COUNTER_UNITS, p4info_pb2.CounterSpec.UNSPECIFIED, None
        )

    def _emit_direct_counter(self, s: _Symbol) -> None:
        self._counter_or_meter(
            s, self.p4info.direct_counters, COUNTER_UNITS,
            p4info_pb2.CounterSpec.UNSPECIFIED, "counters",
        )  # fmt: skip

    def _emit_meter(self, s: _Symbol) -> None:
        self._counter_or_meter(
            s, self.p4info.meters, METER_UNITS, p4info_pb2.MeterSpec.UNSPECIFIED, None
        )

    def _emit_direct_meter(self, s: _Symbol) -> None:
        self._counter_or_meter(
            s, self.p4info.direct_meters, METER_UNITS, p4info_pb2.MeterSpec.UNSPECIFIED, "meters"
        )

    @staticmethod
    def _size(extern: ExternBlock) -> int:
        size = extern.ctor_args.get("size")
        return int(size) if isinstance(size, int) else 0

    def _emit_register(self, s: _Symbol) -> None:
        extern: ExternBlock = s.obj  # type: ignore[assignment]
        msg = self.p4info.registers.add()
        self._preamble(msg.preamble, s)
        if extern.type is None or not extern.type.type_args:
            raise CompileError("a register needs its element type", extern.node and extern.node.loc)
        msg.type_spec.CopyFrom(self.types.convert(extern.type.type_args[0]))
        msg.size = self._size(extern)

    def _emit_value_set(self, s: _Symbol) -> None:
        vs: ValueSetInstance = s.obj  # type: ignore[assignment]
        msg = self.p4info.value_sets.add()
        self._preamble(msg.preamble, s)
        msg.size = vs.size
        element = vs.element_type
        if isinstance(element, StructLikeType):
            decl = element.decl
            assert isinstance(decl, nodes.StructLikeDecl)
            for index, f in enumerate(decl.fields, 1):
                mf = msg.match.add(id=index, name=f.name_annotation() or f.name)
                width = self._bitwidth(f.resolved_type, f)
                if width:
                    mf.bitwidth = width
                match = f.annotation("match")
                kind = match.tokens[0].text if match is not None and match.tokens else "exact"
                if kind in MATCH_TYPES:
                    mf.match_type = MATCH_TYPES[kind]
                else:
                    mf.other_match_type = kind
                fill_annotations(mf, [a for a in f.annotations if a.name != "match"])
        elif isinstance(element, EnumType) and element.underlying is not None:
            enum_decl = element.decl
            assert isinstance(enum_decl, nodes.EnumDecl)
            for index, m in enumerate(enum_decl.members, 1):
                mf = msg.match.add(id=index, name=m.name, bitwidth=element.underlying.width)
                mf.match_type = p4info_pb2.MatchField.EXACT
        else:
            mf = msg.match.add(id=1, bitwidth=self._bitwidth(element, vs.decl))
            mf.match_type = p4info_pb2.MatchField.EXACT

    def _emit_controller_header(self, s: _Symbol) -> None:
        header: nodes.HeaderDecl = s.obj  # type: ignore[assignment]
        msg = self.p4info.controller_packet_metadata.add()
        self._preamble(msg.preamble, s)
        msg.preamble.alias = s.name  # §15: alias = name = the @controller_header string
        index = 0
        for name, ftype, f in _flatten_fields(header):
            index += 1
            if _hidden(f):
                continue
            md = msg.metadata.add(id=index, name=name)
            width = self._bitwidth(ftype, f)
            if width:
                md.bitwidth = width
            type_name = self._type_name(ftype)
            if type_name is not None:
                md.type_name.name = type_name
            fill_annotations(md, f.annotations)

    def _emit_digest(self, s: _Symbol) -> None:
        msg = self.p4info.digests.add()
        self._preamble(msg.preamble, s)
        msg.type_spec.CopyFrom(self.types.convert(s.extra["type"]))  # type: ignore[arg-type]


def _flatten_fields(
    decl: nodes.StructLikeDecl, prefix: str = ""
) -> list[tuple[str, P4Type | None, nodes.StructField]]:
    """Header fields, nested struct fields flattened as `outer.inner`."""
    out: list[tuple[str, P4Type | None, nodes.StructField]] = []
    for f in decl.fields:
        t = f.resolved_type
        if isinstance(t, StructLikeType) and not isinstance(t, HeaderType):
            inner = t.decl
            assert isinstance(inner, nodes.StructLikeDecl)
            out.extend(_flatten_fields(inner, f"{prefix}{f.name}."))
        else:
            out.append((prefix + f.name, t, f))
    return out


def generate_p4info(toplevel: Toplevel | None) -> p4info_pb2.P4Info:
    """P4Info of an evaluated program; empty for one without `main` (§2)."""
    if toplevel is None:
        return p4info_pb2.P4Info()
    return P4InfoGenerator(toplevel).generate()


_PKG_INFO_KEYS = ("name", "version", "organization", "contact", "url", "arch")


def _kv_tokens(tokens: list[nodes.AnnotationToken]) -> list[tuple[str, object]]:
    """``key = value`` pairs of an unstructured body, as p4c reads
    ``@pkginfo(name="x", version="1")``: strings unquoted, numbers as
    written."""
    out: list[tuple[str, object]] = []
    i = 0
    while i < len(tokens):
        if i + 2 >= len(tokens):
            return []
        key, eq, value = tokens[i], tokens[i + 1], tokens[i + 2]
        if key.kind == "identifier" and eq.kind == "punct" and eq.text == "=" \
                and value.kind in ("string", "int", "identifier"):
            out.append((key.text, value.text))
            i += 3
            if i < len(tokens) and tokens[i].kind == "punct" and tokens[i].text == ",":
                i += 1
        else:
            return []
    return out
