"""The C back end's driver for one program: walks the evaluated instance
tree and lowers, on demand, every control, parser, action, table and
function it reaches, and collects the program descriptor.

Names of generated functions follow the P4 objects: `control_MyIngress`,
`action_MyIngress_drop`, `table_MyIngress_ipv4_lpm`, `parser_MyParser`,
`fn_<function>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ovsp4.compiler.backend import aliasing
from ovsp4.compiler.backend.cnames import NameTable, c_ident, field_ident
from ovsp4.compiler.backend.ctype_map import CTypes, bits_of, strip_newtype
from ovsp4.compiler.backend.deparsers import DeparserGen
from ovsp4.compiler.backend.env import Binding, Env
from ovsp4.compiler.backend.exprs import ExprGen
from ovsp4.compiler.backend.headerwrites import HeaderWrites
from ovsp4.compiler.backend.model import CFunc
from ovsp4.compiler.backend.parsers import ParserGen
from ovsp4.compiler.backend.stmts import StmtGen, local_name, reset_code
from ovsp4.compiler.backend.tables import TableDesc, TableGen
from ovsp4.compiler.diagnostics import CompileError, UnsupportedError
from ovsp4.compiler.driver import CompiledProgram
from ovsp4.compiler.frontend.typeutil import decl_subst, substitute
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.blocks import (
    ActionInstance,
    Block,
    ControlBlock,
    ExternBlock,
    ParserBlock,
    TableInstance,
)
from ovsp4.compiler.ir.nodes import CallKind, Direction
from ovsp4.compiler.ir.types import (
    BoolType,
    ExternType,
    HeaderType,
    NamedType,
    P4Type,
    StructLikeType,
    TypeVar,
    VoidType,
)
from ovsp4.compiler.ir.values import EnumMemberValue


@dataclass
class ActionDesc:
    index: int
    name: str
    id: int
    instance: ActionInstance
    enum: str
    param_ids: list[int]
    param_bits: list[int]

    @property
    def data_size(self) -> int:
        return sum((b + 7) // 8 for b in self.param_bits)


@dataclass
class ExternObj:
    """A run-time object of the descriptor (counter, meter, register...)."""

    kind: str  # "counter" / "meter" / "register"
    index: int
    name: str
    id: int
    size: int
    unit: str = "OVSP4_UNIT_PACKETS"
    bits: int = 0
    direct_table: int = -1


@dataclass
class ProfileDesc:
    index: int
    name: str
    id: int
    size: int
    with_selector: bool
    max_group_size: int
    tables: list[int] = field(default_factory=list)


@dataclass
class ValueSetDesc:
    index: int
    name: str
    id: int
    size: int
    fields: list[int]  # widths

    @property
    def key_len(self) -> int:
        return sum((w + 7) // 8 for w in self.fields)


@dataclass
class DigestDesc:
    index: int
    name: str
    id: int
    member_bits: list[int]

    @property
    def data_size(self) -> int:
        return sum((b + 7) // 8 for b in self.member_bits)


@dataclass
class ControllerHeader:
    name: str
    id: int
    field_ids: list[int]
    field_bits: list[int]
    wire_bytes: int


class ProgramGen:
    def __init__(self, compiled: CompiledProgram) -> None:
        if compiled.toplevel is None:
            raise CompileError(f"{compiled.path}: the program has no 'main': nothing to generate")
        self.compiled = compiled
        self.toplevel = compiled.toplevel
        self.p4info = compiled.p4info
        self.names = NameTable()
        for reserved in ("ctx", "f", "process", "program"):
            self.names.reserve(reserved)
        self.ctypes = CTypes(self.names)
        self.header_writes = HeaderWrites(self.toplevel.program)
        self.parsers = ParserGen(self)
        self.deparsers = DeparserGen(self)
        self.ctypes.tracks_source = self.deparsers.partial_emit_possible
        self.tables = TableGen(self)
        from ovsp4.compiler.backend.fieldlists import FieldLists

        self.field_lists = FieldLists(self)
        # generated code
        self.frames: list[tuple[str, list[str]]] = []  # (struct name, member decls)
        self.controls: list[CFunc] = []
        self.actions: list[CFunc] = []
        self.table_fns: list[CFunc] = []
        self.key_fns: list[CFunc] = []
        self.functions: list[CFunc] = []
        self.parser_fns: list[CFunc] = []
        self._fn_names: dict[object, str] = {}
        self._may_exit: dict[int, bool] = {}
        # what the lowered code asks of the architecture ("clone",
        # "resubmit", "recirculate", "truncate", "digest", "exit", "abort"):
        # the v1model template compiles out the paths of the rest
        self.uses: set[str] = set()
        self._errors = self._error_codes()
        self._collect_descriptor()

    # -- errors, enums ------------------------------------------------------------

    def _error_codes(self) -> dict[str, int]:
        codes: dict[str, int] = {}
        for d in self.toplevel.program.declarations:
            if isinstance(d, nodes.ErrorDecl):
                for m in d.members:
                    codes.setdefault(m.name, len(codes))
        return codes

    def error_code(self, name: str) -> str:
        code = self._errors.get(name)
        if code is None:
            raise CompileError(f"internal error: no error '{name}'")
        return f"{code} /* error.{name} */"

    def enum_code(self, decl: nodes.EnumDecl, member: str) -> int:
        for i, m in enumerate(decl.members):
            if m.name == member:
                return i
        raise CompileError(f"internal error: enum {decl.name} has no member {member}")

    # -- the descriptor -----------------------------------------------------------------

    def _collect_descriptor(self) -> None:
        info = self.p4info
        instances = {a.cp_name: a for a in self.toplevel.actions()}
        self.action_descs: list[ActionDesc] = []
        self._action_ids: dict[int, int] = {}
        self._action_by_inst: dict[int, int] = {}
        enum_names = NameTable()
        for i, a in enumerate(info.actions):
            inst = instances.get(a.preamble.name)
            if inst is None:
                raise CompileError(f"internal error: no action instance for {a.preamble.name}")
            desc = ActionDesc(
                i,
                a.preamble.name,
                a.preamble.id,
                inst,
                enum_names.fresh("OVSP4_ACTION_" + c_ident(a.preamble.name)),
                [p.id for p in a.params],
                [p.bitwidth for p in a.params],
            )
            self.action_descs.append(desc)
            self._action_ids[a.preamble.id] = i
            self._action_by_inst[id(inst)] = i
        for a in instances.values():  # actions P4Info leaves out (none expected)
            if id(a) not in self._action_by_inst:
                i = len(self.action_descs)
                self._action_by_inst[id(a)] = i
                self.action_descs.append(
                    ActionDesc(
                        i,
                        a.cp_name,
                        0,
                        a,
                        enum_names.fresh("OVSP4_ACTION_" + c_ident(a.cp_name)),
                        [],
                        [],
                    )
                )
        # extern objects, by control-plane name
        self.externs: dict[int, ExternObj] = {}
        self.counters: list[ExternObj] = []
        self.meters: list[ExternObj] = []
        self.registers: list[ExternObj] = []
        by_name: dict[str, ExternBlock] = {}
        for ext in self.toplevel.externs():
            if ext.cp_name is not None:
                by_name.setdefault(ext.cp_name, ext)
        for t in self.toplevel.tables():
            for ext in t.attached.values():
                if ext.cp_name is not None:
                    by_name.setdefault(ext.cp_name, ext)
        table_cp = [t.preamble.name for t in info.tables]
        self._tables_by_name = {t.cp_name: t for t in self.toplevel.tables()}

        def direct_table(ext_id: int) -> int:
            for i, t in enumerate(info.tables):
                if ext_id in t.direct_resource_ids:
                    return i
            return -1

        for c in info.counters:
            self._add_extern(
                "counter", c.preamble, by_name, self.counters, size=c.size, unit=c.spec.unit
            )
        for c in info.direct_counters:
            self._add_extern(
                "counter",
                c.preamble,
                by_name,
                self.counters,
                size=0,
                unit=c.spec.unit,
                direct_table=direct_table(c.preamble.id),
            )
        for m in info.meters:
            self._add_extern(
                "meter", m.preamble, by_name, self.meters, size=m.size, unit=m.spec.unit
            )
        for m in info.direct_meters:
            self._add_extern(
                "meter",
                m.preamble,
                by_name,
                self.meters,
                size=0,
                unit=m.spec.unit,
                direct_table=direct_table(m.preamble.id),
            )
        for r in info.registers:
            bits = r.type_spec.bitstring
            width = (bits.bit.bitwidth or bits.int.bitwidth) if bits.ByteSize() else 0
            if r.type_spec.HasField("bool"):
                width = 1
            self._add_extern(
                "register", r.preamble, by_name, self.registers, size=r.size, bits=width
            )
        self.profiles: list[ProfileDesc] = []
        self._profiles_by_ext: dict[int, int] = {}
        for i, p in enumerate(info.action_profiles):
            ext = by_name.get(p.preamble.name)
            desc = ProfileDesc(
                i,
                p.preamble.name,
                p.preamble.id,
                p.size,
                p.with_selector,
                p.max_group_size,
                [table_cp.index(n) for n in self._table_names(p.table_ids)],
            )
            self.profiles.append(desc)
            if ext is not None:
                self._profiles_by_ext[id(ext)] = i
        self.value_sets: list[ValueSetDesc] = []
        self._vs_by_name: dict[str, int] = {}
        for i, v in enumerate(info.value_sets):
            self.value_sets.append(
                ValueSetDesc(
                    i, v.preamble.name, v.preamble.id, v.size, [m.bitwidth for m in v.match]
                )
            )
            self._vs_by_name[v.preamble.name] = i
        self.digests: list[DigestDesc] = []
        self._digest_by_name: dict[str, int] = {}
        for i, d in enumerate(info.digests):
            bits = self._type_spec_bits(d.type_spec, d.preamble.name)
            self.digests.append(DigestDesc(i, d.preamble.name, d.preamble.id, bits))
            self._digest_by_name[d.preamble.name] = i
        self.packet_in = self._controller_header("packet_in")
        self.packet_out = self._controller_header("packet_out")
        # tables
        self.table_descs: list[TableDesc] = []
        for i, t in enumerate(info.tables):
            inst = self._tables_by_name.get(t.preamble.name)
            if inst is None:
                raise CompileError(f"internal error: no table instance for {t.preamble.name}")
            self.table_descs.append(self.tables.describe(inst, i))
        self._table_desc_by_name = {d.name: d for d in self.table_descs}

    def _table_names(self, ids: object) -> list[str]:
        names = {t.preamble.id: t.preamble.name for t in self.p4info.tables}
        return [names[i] for i in ids]  # type: ignore[attr-defined]

    def _add_extern(
        self,
        kind: str,
        preamble: object,
        by_name: dict[str, ExternBlock],
        out: list[ExternObj],
        *,
        size: int,
        unit: int = 1,
        bits: int = 0,
        direct_table: int = -1,
    ) -> None:
        name: str = preamble.name  # type: ignore[attr-defined]
        units = {1: "OVSP4_UNIT_BYTES", 2: "OVSP4_UNIT_PACKETS", 3: "OVSP4_UNIT_BOTH"}
        if kind == "meter":
            units = {1: "OVSP4_UNIT_BYTES", 2: "OVSP4_UNIT_PACKETS"}
        obj = ExternObj(
            kind,
            len(out),
            name,
            preamble.id,
            size,  # type: ignore[attr-defined]
            units.get(unit, "OVSP4_UNIT_PACKETS"),
            bits,
            direct_table,
        )
        out.append(obj)
        ext = by_name.get(name)
        if ext is not None:
            self.externs[id(ext)] = obj

    def _type_spec_bits(self, spec: object, name: str) -> list[int]:
        which = spec.WhichOneof("type_spec")  # type: ignore[attr-defined]
        if which == "bitstring":
            bs = spec.bitstring  # type: ignore[attr-defined]
            return [bs.bit.bitwidth or bs.int.bitwidth or bs.varbit.max_bitwidth]
        if which == "bool":
            return [1]
        if which == "struct":
            sname = spec.struct.name  # type: ignore[attr-defined]
            st = self.p4info.type_info.structs[sname]
            out = []
            for m in st.members:
                out.extend(self._type_spec_bits(m.type_spec, name))
            return out
        if which == "tuple":
            out = []
            for m in spec.tuple.members:  # type: ignore[attr-defined]
                out.extend(self._type_spec_bits(m, name))
            return out
        if which == "serializable_enum":
            e = self.p4info.type_info.serializable_enums[spec.serializable_enum.name]  # type: ignore[attr-defined]
            return [e.underlying_type.bitwidth]
        if which == "header":
            h = self.p4info.type_info.headers[spec.header.name]  # type: ignore[attr-defined]
            return [m.type_spec.bit.bitwidth or m.type_spec.int.bitwidth for m in h.members]
        decl = next(
            (d for d in self.toplevel.program.declarations if getattr(d, "name", None) == name),
            None,
        )
        raise UnsupportedError(f"the type of digest '{name}'", decl.loc if decl else None)

    def _controller_header(self, name: str) -> ControllerHeader | None:
        for m in self.p4info.controller_packet_metadata:
            if m.preamble.name != name:
                continue
            wire = 0
            for d in self.toplevel.program.declarations:
                if isinstance(d, nodes.HeaderDecl):
                    a = d.annotation("controller_header")
                    if a is not None and a.string_value() == name:
                        from ovsp4.compiler.frontend.typeutil import size_in_bits

                        wire = (size_in_bits(HeaderType(d), maximum=False) or 0) // 8
            return ControllerHeader(
                name,
                m.preamble.id,
                [x.id for x in m.metadata],
                [x.bitwidth for x in m.metadata],
                wire,
            )
        return None

    # -- lookups for lowering ---------------------------------------------------------

    def p4info_table(self, name: str):  # type: ignore[no-untyped-def]
        for t in self.p4info.tables:
            if t.preamble.name == name:
                return t
        raise CompileError(f"internal error: table {name} not in P4Info")

    def action_by_id(self, action_id: int) -> int:
        return self._action_ids[action_id]

    def action_by_name(self, name: str) -> int | None:
        for d in self.action_descs:
            if d.name == name:
                return d.index
        return None

    def action_index(self, inst: ActionInstance) -> int:
        return self._action_by_inst[id(inst)]

    def table_action_instance(self, table: TableInstance, expr: nodes.Expression) -> ActionInstance:
        target = expr.method if isinstance(expr, nodes.MethodCall) else expr
        decl = getattr(target, "decl", None)
        for a in table.block.actions:
            if a.decl is decl:
                return a
        raise CompileError("internal error: unknown action of a table", expr.loc)

    def action_instance(self, block: Block | None, decl: nodes.ActionDecl) -> ActionInstance | None:
        if isinstance(block, ControlBlock):
            for a in block.actions:
                if a.decl is decl:
                    return a
        for a in self.toplevel.actions():
            if a.decl is decl and a.block is None:
                return a
        return None

    def action_run_code(self, block: Block | None, decl: nodes.ActionDecl) -> str:
        inst = self.action_instance(block, decl)
        if inst is None:
            raise UnsupportedError(f"switch label '{decl.name}'", decl.loc)
        return self.action_descs[self.action_index(inst)].enum

    def param_bits(self, p: nodes.Parameter) -> int:
        t = strip_newtype(p.resolved_type)  # type: ignore[arg-type]
        if isinstance(t, BoolType):
            return 1
        b = bits_of(t)
        if b is None:
            raise UnsupportedError(f"an action parameter of type {t}", p.loc)
        return b.width

    def action_profile_index(self, ext: ExternBlock) -> int:
        i = self._profiles_by_ext.get(id(ext))
        if i is None:
            raise UnsupportedError(
                f"the table implementation '{ext.cp_name}'", ext.node.loc if ext.node else None
            )
        return i

    def extern_index(self, ext: ExternBlock) -> ExternObj:
        obj = self.externs.get(id(ext))
        if obj is None:
            raise UnsupportedError(
                f"the extern instance '{ext.cp_name or ext.name}'",
                ext.node.loc if ext.node else None,
            )
        return obj

    def value_set(self, block: Block | None, decl: object, where: nodes.Node) -> ValueSetDesc:
        if isinstance(block, ParserBlock):
            for vs in block.value_sets:
                if vs.decl is decl:
                    return self.value_sets[self._vs_by_name[vs.cp_name]]
        raise UnsupportedError("this value set", where.loc)

    def digest_index(self, t: P4Type, where: nodes.Node) -> tuple[int, list[int]]:
        st = strip_newtype(t)
        if not isinstance(st, StructLikeType):
            raise UnsupportedError(f"digests of type {t}", where.loc)
        name = st.decl.name_annotation() or st.name
        i = self._digest_by_name.get(name)
        if i is None:
            raise UnsupportedError(f"the digest of type {t}", where.loc)
        return i, self.digests[i].member_bits

    # -- blocks ----------------------------------------------------------------------------

    def block_subst(self, block: Block) -> dict[TypeVar, P4Type]:
        node = block.node
        t = getattr(node, "resolved_type", None)
        if t is None and isinstance(node, nodes.ConstructorCall):
            t = node.type_ref.resolved
        if isinstance(t, NamedType) and t.type_args:
            return decl_subst(t)
        return {}

    def is_packet_param(self, p: nodes.Parameter) -> bool:
        t = p.resolved_type
        return isinstance(t, ExternType) and t.decl.name in ("packet_in", "packet_out")

    def child_block(
        self, block: Block | None, target: nodes.Expression, where: nodes.Node
    ) -> ControlBlock | ParserBlock:
        decl = getattr(target, "decl", None)
        children = getattr(block, "children", {})
        if isinstance(decl, nodes.Instantiation):
            child = children.get(decl.name) or self.toplevel.globals.get(decl.name)
        elif isinstance(decl, nodes.Parameter) and block is not None:
            child = block.ctor_args.get(decl.name)  # type: ignore[assignment]
        else:
            child = None
        if not isinstance(child, (ControlBlock, ParserBlock)):
            raise UnsupportedError("applying this instance", where.loc)
        return child

    def extern_object(
        self, block: Block | None, target: nodes.Expression, where: nodes.Node
    ) -> ExternObj:
        decl = getattr(target, "decl", None)
        ext: object = None
        scope = block
        while scope is not None and ext is None:
            if isinstance(decl, nodes.Instantiation):
                ext = getattr(scope, "children", {}).get(decl.name)
            elif isinstance(decl, nodes.Parameter):
                ext = scope.ctor_args.get(decl.name)
            scope = scope.parent
        if ext is None and isinstance(decl, nodes.Instantiation):
            ext = self.toplevel.globals.get(decl.name)
        if not isinstance(ext, ExternBlock):
            raise UnsupportedError("this extern instance", where.loc)
        return self.extern_index(ext)

    def extern_type_name(self, target: nodes.Expression) -> str:
        t = target.type
        if isinstance(t, ExternType):
            return t.decl.name
        raise UnsupportedError("a method of this object", target.loc)

    def bind_ctor_params(self, env: Env, block: Block) -> None:
        decl = block.decl
        gen = ExprGen(env)
        for p in getattr(decl, "ctor_params", []):
            value = block.ctor_args.get(p.name)
            if value is None or isinstance(value, Block):
                continue
            if isinstance(value, (int, bool, str, EnumMemberValue)) or value is not None:
                if isinstance(value, nodes.Expression):
                    raise UnsupportedError(f"the constructor argument '{p.name}'", p.loc)
                t = gen.t(p.resolved_type)
                env.bind(p, Binding(gen.const(value, t, p), t))

    # -- controls -----------------------------------------------------------------------

    def frame_type(self, block: ControlBlock) -> str:
        return f"struct {self._frame_name(block)}"

    def _frame_name(self, block: ControlBlock) -> str:
        key = ("frame", id(block))
        name = self._fn_names.get(key)
        if name is None:
            name = self.names.fresh(f"frame_{'_'.join(block.path) or block.name}")
            self._fn_names[key] = name
        return name

    def bind_frame(self, env: Env, block: Block | None) -> None:
        """Bindings of a control's parameters and locals, reached through the
        frame pointer `f` (in the control's apply function, its actions and
        tables)."""
        if not isinstance(block, ControlBlock):
            return
        decl = block.decl
        assert isinstance(decl, nodes.ControlDecl)
        gen = ExprGen(env)
        members = self._frame_members(block)
        for p in decl.params:
            if self.is_packet_param(p):
                continue
            env.bind(p, Binding(f"f->{members[id(p)]}", gen.t(p.resolved_type), ptr=True))
        for local in decl.locals:
            if isinstance(local, nodes.VariableDecl):
                env.bind(local, Binding(f"f->{members[id(local)]}", gen.t(local.resolved_type)))
        self.bind_ctor_params(env, block)

    def frame_members(self, block: ControlBlock) -> dict[int, str]:
        """The frame member of each parameter and local, by id()."""
        return self._frame_members(block)

    def _frame_members(self, block: ControlBlock) -> dict[int, str]:
        decl = block.decl
        assert isinstance(decl, nodes.ControlDecl)
        used: set[str] = set()
        out: dict[int, str] = {}
        for d in [*decl.params, *[x for x in decl.locals if isinstance(x, nodes.VariableDecl)]]:
            name = field_ident(d.name)
            while name in used:
                name += "_"
            used.add(name)
            out[id(d)] = name
        return out

    def control_fn(self, block: ControlBlock) -> str:
        key = ("control", id(block))
        name = self._fn_names.get(key)
        if name is not None:
            return name
        name = self.names.fresh(f"control_{'_'.join(block.path) or block.name}")
        self._fn_names[key] = name
        self.controls.append(self._control_function(block, name))
        return name

    def _control_function(self, block: ControlBlock, name: str) -> CFunc:
        decl = block.decl
        assert isinstance(decl, nodes.ControlDecl)
        env = Env(self, block, exit_code="return;")
        env.subst = self.block_subst(block)  # type: ignore[attr-defined]
        gen = ExprGen(env)
        frame = self._frame_name(block)
        members = self._frame_members(block)
        params = ["struct ovsp4_ctx *ctx"]
        frame_decls: list[str] = []
        inits: list[str] = []
        body: list[str] = []
        for p in decl.params:
            if self.is_packet_param(p):
                continue
            t = gen.t(p.resolved_type)
            ctype = gen.stype(t, p.loc)
            m = members[id(p)]
            params.append(f"{ctype} *{m}")
            frame_decls.append(f"{ctype} *{m};")
            inits.append(f".{m} = {m}")
            if p.direction is Direction.OUT:
                body += reset_code(gen, f"*f->{m}", t)
        for local in decl.locals:
            if isinstance(local, nodes.VariableDecl):
                t = gen.t(local.resolved_type)
                frame_decls.append(f"{gen.stype(t, local.loc)} {members[id(local)]};")
        if not frame_decls:
            frame_decls.append("uint8_t ovsp4_empty;")
        self.frames.append((frame, frame_decls))
        self.bind_frame(env, block)
        sg = StmtGen(env)
        for local in decl.locals:
            if isinstance(local, nodes.VariableDecl) and local.init is not None:
                t = gen.t(local.resolved_type)
                start = len(env.temps)
                value = gen.convert(local.init, t, local)
                body += env.temps[start:]
                del env.temps[start:]
                body.append(f"f->{members[id(local)]} = {value};")
        body += sg.block_body(decl.body)
        head = [
            f"struct {frame} fr = {{ {', '.join(inits)} }};"
            if inits
            else f"struct {frame} fr = {{ 0 }};",
            f"struct {frame} *f = &fr;",
            "(void) f;",
        ]
        return CFunc(
            name, "void", params, head + body, f"control {'.'.join(block.path)}", loc=decl.loc
        )

    def parser_fn(self, block: ParserBlock) -> str:
        key = ("parser", id(block))
        name = self._fn_names.get(key)
        if name is not None:
            return name
        name = self.names.fresh(f"parser_{'_'.join(block.path) or block.name}")
        self._fn_names[key] = name
        self.parser_fns.append(self.parsers.parser_function(block, name))
        return name

    # -- actions ---------------------------------------------------------------------------

    def action_block(self, block: Block | None, action: nodes.ActionDecl) -> ControlBlock | None:
        scope = block
        while isinstance(scope, ControlBlock):
            if action in scope.decl.locals:  # type: ignore[attr-defined]
                return scope
            scope = scope.parent  # type: ignore[assignment]
        return None

    def action_has_frame(self, block: ControlBlock | None) -> bool:
        return block is not None

    def action_fn(self, block: ControlBlock | None, action: nodes.ActionDecl) -> str:
        key = ("action", id(block), id(action))
        name = self._fn_names.get(key)
        if name is not None:
            return name
        inst = self.action_instance(block, action)
        hint = inst.cp_name if inst is not None else action.name
        name = self.names.fresh(f"action_{hint}")
        self._fn_names[key] = name
        self.actions.append(self._action_function(block, action, name))
        return name

    def _action_function(
        self, block: ControlBlock | None, action: nodes.ActionDecl, name: str
    ) -> CFunc:
        outer = Env(self, block, exit_code="return;")
        if block is not None:
            outer.subst = self.block_subst(block)  # type: ignore[attr-defined]
            self.bind_frame(outer, block)
        env = outer.child()
        gen = ExprGen(env)
        frame = self.frame_type(block) if block is not None else "void"
        params = ["struct ovsp4_ctx *ctx", f"{frame} *f"]
        body: list[str] = []
        for p in action.params:
            t = gen.t(p.resolved_type)
            cname = local_name(env, p.name)
            if p.direction is Direction.NONE:
                params.append(f"{gen.ctype(t, p.loc)} {cname}")
                env.bind(p, Binding(cname, t))
            else:
                params.append(f"{gen.stype(t, p.loc)} *{cname}")
                env.bind(p, Binding(cname, t, ptr=True))
                if p.direction is Direction.OUT:
                    body += reset_code(gen, f"*{cname}", t)
        sg = StmtGen(env)
        body += sg.block_body(action.body)
        inst = self.action_instance(block, action)
        title = f"action {inst.cp_name if inst else action.name}"
        return CFunc(name, "void", params, body, title, loc=action.loc)

    # -- functions ------------------------------------------------------------------------

    def function_fn(self, decl: nodes.FunctionDecl, subst: dict[TypeVar, P4Type]) -> str:
        key = ("function", id(decl), tuple(sorted((str(k), str(v)) for k, v in subst.items())))
        name = self._fn_names.get(key)
        if name is not None:
            return name
        name = self.names.fresh(f"fn_{decl.name}")
        self._fn_names[key] = name
        env = Env(self, None)
        env.subst = subst  # type: ignore[attr-defined]
        gen = ExprGen(env)
        ret_t = gen.t(decl.return_type.resolved)
        ret_c = gen.ctype(ret_t, decl.loc)
        env.return_type = ret_c
        env.ret_p4 = ret_t  # type: ignore[attr-defined]
        if isinstance(strip_newtype(ret_t), VoidType):
            env.exit_code = "return;"
        else:
            env.exit_code = (
                f"return ({ret_c}) {{ 0 }};" if ret_c.startswith("struct") else "return 0;"
            )
        params = ["struct ovsp4_ctx *ctx"]
        body: list[str] = []
        for p in decl.params:
            t = gen.t(substitute(p.resolved_type, subst))  # type: ignore[arg-type]
            cname = local_name(env, p.name)
            params.append(f"{gen.stype(t, p.loc)} *{cname}")
            env.bind(p, Binding(cname, t, ptr=True))
            if p.direction is Direction.OUT:
                body += reset_code(gen, f"*{cname}", t)
        sg = StmtGen(env)
        body += sg.block_body(decl.body)
        if not isinstance(strip_newtype(ret_t), VoidType):
            body.append(env.exit_code)  # unreachable when every path returns
        self.functions.append(
            CFunc(name, ret_c, params, body, f"function {decl.name}", loc=decl.loc)
        )
        return name

    def current_return_type(self, env: Env) -> P4Type:
        e: Env | None = env
        while e is not None:
            t = getattr(e, "ret_p4", None)
            if t is not None:
                return t  # type: ignore[no-any-return]
            e = e.parent
        return VoidType()

    # -- tables --------------------------------------------------------------------------

    def table_fn(self, block: Block | None, decl: nodes.TableDecl, where: nodes.Node) -> str:
        scope = block
        inst: TableInstance | None = None
        while isinstance(scope, ControlBlock) and inst is None:
            inst = next((t for t in scope.tables if t.decl is decl), None)
            scope = scope.parent  # type: ignore[assignment]
        if inst is None:
            raise UnsupportedError(f"applying table '{decl.name}' here", where.loc)
        key = ("table", id(inst))
        name = self._fn_names.get(key)
        if name is not None:
            return name
        name = self.names.fresh(f"table_{inst.cp_name}")
        self._fn_names[key] = name
        desc = self._table_desc_by_name[inst.cp_name]
        self.table_fns.append(
            self.tables.apply_function(inst, desc, name, self.frame_type(inst.block))
        )
        return name

    def key_fn(self, inst: TableInstance) -> str:
        """The function building the key of a table with key fields."""
        key = ("key", id(inst))
        name = self._fn_names.get(key)
        if name is None:
            name = self.names.fresh(f"key_{inst.cp_name}")
            self._fn_names[key] = name
            desc = self._table_desc_by_name[inst.cp_name]
            self.key_fns.append(
                self.tables.key_function(inst, desc, name, self.frame_type(inst.block))
            )
        return name

    def table_desc(self, inst: TableInstance) -> TableDesc:
        return self._table_desc_by_name[inst.cp_name]

    def table_may_exit(self, decl: nodes.TableDecl) -> bool:
        prop = decl.property("actions")
        for ref in prop.actions if prop is not None else []:
            target = ref.expr.method if isinstance(ref.expr, nodes.MethodCall) else ref.expr
            action = getattr(target, "decl", None)
            if isinstance(action, nodes.ActionDecl) and self.may_exit(action):
                return True
        default = decl.property("default_action")
        if default is not None and default.value is not None:
            target = (
                default.value.method
                if isinstance(default.value, nodes.MethodCall)
                else default.value
            )
            action = getattr(target, "decl", None)
            if isinstance(action, nodes.ActionDecl) and self.may_exit(action):
                return True
        return False

    def may_exit(self, decl: nodes.Declaration) -> bool:
        """Whether running `decl` (an action, function or control) may execute
        `exit`."""
        key = id(decl)
        if key in self._may_exit:
            return self._may_exit[key]
        self._may_exit[key] = False  # recursion guard
        body = getattr(decl, "body", None)
        result = False
        if body is not None:
            for n in body.walk():
                if isinstance(n, nodes.ExitStatement):
                    result = True
                    break
                if isinstance(n, nodes.MethodCall):
                    if n.kind is CallKind.TABLE_APPLY and isinstance(n.callee, nodes.TableDecl):
                        if self.table_may_exit(n.callee):
                            result = True
                            break
                    elif (
                        n.kind in (CallKind.ACTION, CallKind.FUNCTION, CallKind.CONTROL_APPLY)
                        and n.callee is not None
                        and self.may_exit(n.callee)
                    ):
                        result = True
                        break
        self._may_exit[key] = result
        return result


def outer_paths(action: nodes.ActionDecl) -> list[aliasing.Path]:
    return aliasing.action_outer_paths(action)
