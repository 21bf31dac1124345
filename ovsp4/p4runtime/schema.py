"""What translation needs to know about a P4Info, precomputed once per
pipeline: objects by id, widths, match kinds, scopes, direct resources.

Everything here is read-only after construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ovsp4.control import protocol as cp
from ovsp4.proto import p4info_pb2

MatchType = p4info_pb2.MatchField.MatchType
Scope = p4info_pb2.ActionRef.Scope

# P4Info match type -> FieldMatch oneof field number (p4runtime.proto).
FM_EXACT, FM_TERNARY, FM_LPM, FM_RANGE, FM_OPTIONAL, FM_OTHER = 2, 3, 4, 6, 7, 100
FM_NAMES = {FM_EXACT: "exact", FM_TERNARY: "ternary", FM_LPM: "lpm", FM_RANGE: "range",
            FM_OPTIONAL: "optional", FM_OTHER: "other"}
_FM_OF_TYPE = {MatchType.EXACT: FM_EXACT, MatchType.TERNARY: FM_TERNARY,
               MatchType.LPM: FM_LPM, MatchType.RANGE: FM_RANGE,
               MatchType.OPTIONAL: FM_OPTIONAL}
_CTL_KIND = {FM_EXACT: cp.MatchKind.EXACT, FM_TERNARY: cp.MatchKind.TERNARY,
             FM_LPM: cp.MatchKind.LPM, FM_RANGE: cp.MatchKind.RANGE,
             FM_OPTIONAL: cp.MatchKind.OPTIONAL}


@dataclass(eq=False, slots=True)
class FieldInfo:
    """A match field of a table or value set."""

    id: int
    name: str
    width: int
    fm: int            # FieldMatch oneof field number of its match kind (FM_*)
    ctl_kind: int      # control-protocol MatchKind (-1: a kind it has none for)

    @property
    def nbytes(self) -> int:
        return (self.width + 7) // 8

    @property
    def kind_name(self) -> str:
        return FM_NAMES.get(self.fm, "unsupported")


@dataclass(eq=False, slots=True)
class ParamInfo:
    id: int
    name: str
    width: int


@dataclass(eq=False, slots=True)
class ActionInfo:
    id: int
    name: str
    params: dict[int, ParamInfo]
    order: list[ParamInfo]


@dataclass(eq=False, slots=True)
class ProfileInfo:
    """An action profile, or (``selector``) an action selector."""

    id: int
    name: str
    selector: bool
    size: int
    max_group_size: int
    sum_of_members: bool          # selector_size_semantics (unset: sum_of_weights)
    max_member_weight: int
    weights_disallowed: bool
    table_ids: list[int]


@dataclass(eq=False, slots=True)
class TableInfo:
    id: int
    name: str
    fields: dict[int, FieldInfo]
    order: list[FieldInfo]
    exact_ids: frozenset[int]           # fields that can never be omitted
    needs_priority: bool                # has TERNARY, RANGE or OPTIONAL fields
    actions: dict[int, ActionInfo]
    scopes: dict[int, int]              # action id -> ActionRef scope
    is_const: bool
    const_default: int                  # const default action id, 0 if none
    profile: ProfileInfo | None
    direct_counter: int                 # DirectCounter id, 0 if none
    direct_meter: MeterInfo | None
    idle_timeout: bool
    supported: bool                     # every match kind translatable

    @property
    def keyless(self) -> bool:
        return not self.order


@dataclass(eq=False, slots=True)
class CounterInfo:
    id: int
    name: str
    size: int
    unit: int


@dataclass(eq=False, slots=True)
class MeterInfo:
    id: int
    name: str
    size: int                 # 0 for a direct meter
    unit: int
    type: int                 # MeterSpec.Type


@dataclass(eq=False, slots=True)
class TypeInfo:
    """A bitstring (``members`` empty) or a struct of bitstrings, as the
    datapath lays them out: each member big-endian in ceil(width/8) bytes."""

    width: int = 0
    signed: bool = False
    members: list[tuple[str, int, bool]] = field(default_factory=list)  # name, width, signed
    supported: bool = True


@dataclass(eq=False, slots=True)
class RegisterInfo:
    id: int
    name: str
    size: int
    type: TypeInfo


@dataclass(eq=False, slots=True)
class DigestInfo:
    id: int
    name: str
    type: TypeInfo


@dataclass(eq=False, slots=True)
class ValueSetInfo:
    id: int
    name: str
    fields: dict[int, FieldInfo]
    order: list[FieldInfo]
    size: int


@dataclass(eq=False, slots=True)
class PacketMetaInfo:
    """A @controller_header's fields, in header order."""

    id: int
    fields: dict[int, ParamInfo]
    order: list[ParamInfo]


def _field(mf: p4info_pb2.MatchField) -> FieldInfo:
    fm = _FM_OF_TYPE.get(mf.match_type, FM_OTHER) if mf.WhichOneof("match") == "match_type" \
        else FM_OTHER
    return FieldInfo(mf.id, mf.name, mf.bitwidth, fm, _CTL_KIND.get(fm, -1))


def _type_info(spec: object, p4info: p4info_pb2.P4Info) -> TypeInfo:
    """A P4DataTypeSpec the datapath can hold: bit<W>, int<W>, or a struct
    of those."""
    kind = spec.WhichOneof("type_spec")  # type: ignore[attr-defined]
    if kind == "bitstring":
        bs = spec.bitstring  # type: ignore[attr-defined]
        which = bs.WhichOneof("type_spec")
        if which == "bit":
            return TypeInfo(bs.bit.bitwidth)
        if which == "int":
            return TypeInfo(bs.int.bitwidth, signed=True)
        return TypeInfo(supported=False)
    if kind == "struct":
        struct = p4info.type_info.structs.get(spec.struct.name)  # type: ignore[attr-defined]
        if struct is None:
            return TypeInfo(supported=False)
        members = []
        for m in struct.members:
            t = _type_info(m.type_spec, p4info)
            if not t.supported or t.members:
                return TypeInfo(supported=False)
            members.append((m.name, t.width, t.signed))
        return TypeInfo(members=members)
    return TypeInfo(supported=False)


class Schema:
    """A P4Info, indexed for translation."""

    def __init__(self, p4info: p4info_pb2.P4Info) -> None:
        self.p4info = p4info
        self.arch = p4info.pkg_info.arch
        self.actions: dict[int, ActionInfo] = {}
        for a in p4info.actions:
            order = [ParamInfo(pm.id, pm.name, pm.bitwidth) for pm in a.params]
            self.actions[a.preamble.id] = ActionInfo(
                a.preamble.id, a.preamble.name, {pm.id: pm for pm in order}, order)
        self.profiles: dict[int, ProfileInfo] = {}
        for ap in p4info.action_profiles:
            sem = ap.WhichOneof("selector_size_semantics")
            self.profiles[ap.preamble.id] = ProfileInfo(
                ap.preamble.id, ap.preamble.name, ap.with_selector, ap.size,
                ap.max_group_size, sem == "sum_of_members",
                ap.sum_of_members.max_member_weight if sem == "sum_of_members" else 0,
                ap.weights_disallowed, list(ap.table_ids))
        self.counters = {c.preamble.id: CounterInfo(c.preamble.id, c.preamble.name, c.size,
                                                    c.spec.unit) for c in p4info.counters}
        self.direct_counters = {c.preamble.id: c.direct_table_id
                                for c in p4info.direct_counters}
        self.meters = {m.preamble.id: MeterInfo(m.preamble.id, m.preamble.name, m.size,
                                                m.spec.unit, m.spec.type)
                       for m in p4info.meters}
        self.direct_meters = {m.preamble.id: MeterInfo(m.preamble.id, m.preamble.name, 0,
                                                       m.spec.unit, m.spec.type)
                              for m in p4info.direct_meters}
        self.tables: dict[int, TableInfo] = {}
        for t in p4info.tables:
            self.tables[t.preamble.id] = self._table(t)
        self.registers = {r.preamble.id: RegisterInfo(r.preamble.id, r.preamble.name, r.size,
                                                      _type_info(r.type_spec, p4info))
                          for r in p4info.registers}
        self.digests = {d.preamble.id: DigestInfo(d.preamble.id, d.preamble.name,
                                                  _type_info(d.type_spec, p4info))
                        for d in p4info.digests}
        self.value_sets: dict[int, ValueSetInfo] = {}
        for vs in p4info.value_sets:
            order = [_field(mf) for mf in vs.match]
            self.value_sets[vs.preamble.id] = ValueSetInfo(
                vs.preamble.id, vs.preamble.name, {f.id: f for f in order}, order, vs.size)
        self.packet_in: PacketMetaInfo | None = None
        self.packet_out: PacketMetaInfo | None = None
        for cpm in p4info.controller_packet_metadata:
            order = [ParamInfo(m.id, m.name, m.bitwidth) for m in cpm.metadata]
            info = PacketMetaInfo(cpm.preamble.id, {m.id: m for m in order}, order)
            if cpm.preamble.name == "packet_in":
                self.packet_in = info
            elif cpm.preamble.name == "packet_out":
                self.packet_out = info

    def _table(self, t: p4info_pb2.Table) -> TableInfo:
        order = [_field(mf) for mf in t.match_fields]
        actions = {}
        scopes = {}
        for ref in t.action_refs:
            action = self.actions.get(ref.id)
            if action is not None:
                actions[ref.id] = action
                scopes[ref.id] = ref.scope
        counter = 0
        meter = None
        for rid in t.direct_resource_ids:
            if rid in self.direct_counters:
                counter = rid
            elif rid in self.direct_meters:
                meter = self.direct_meters[rid]
        return TableInfo(
            id=t.preamble.id, name=t.preamble.name,
            fields={f.id: f for f in order}, order=order,
            exact_ids=frozenset(f.id for f in order if f.fm == FM_EXACT),
            needs_priority=any(f.fm in (FM_TERNARY, FM_RANGE, FM_OPTIONAL) for f in order),
            actions=actions, scopes=scopes, is_const=t.is_const_table,
            const_default=t.const_default_action_id,
            profile=self.profiles.get(t.implementation_id) if t.implementation_id else None,
            direct_counter=counter, direct_meter=meter,
            idle_timeout=t.idle_timeout_behavior == p4info_pb2.Table.NOTIFY_CONTROL,
            supported=all(f.ctl_kind >= 0 and f.width > 0 for f in order))
