"""Find P4Info objects by the names people use for them.

A name matches an object's fully qualified name, its alias, or a unique
suffix of its name at a `.` boundary (`ipv4_lpm` for `MyIngress.ipv4_lpm`),
as p4runtime-shell and p4c's STF driver accept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from ovsp4.entities.values import EntityError
from ovsp4.proto import p4info_pb2

T = TypeVar("T")


class UnknownName(EntityError, LookupError):
    pass


def _preamble(o: Any) -> Any:
    return o.preamble


def find(objects: Iterable[T], name: str, what: str, *,
         key: Callable[[T], Any] = _preamble) -> T:
    candidates = list(objects)
    exact = [o for o in candidates if key(o).name == name]
    if exact:
        return exact[0]
    alias = [o for o in candidates if getattr(key(o), "alias", None) == name]
    if len(alias) == 1:
        return alias[0]
    suffix = [o for o in candidates if key(o).name.endswith("." + name)]
    if len(suffix) == 1:
        return suffix[0]
    if not suffix:
        known = ", ".join(sorted(key(o).name for o in candidates)) or "none"
        raise UnknownName(f"no {what} '{name}' (known: {known})")
    names = ", ".join(sorted(key(o).name for o in suffix))
    raise UnknownName(f"{what} '{name}' is ambiguous: {names}")


class P4InfoIndex:
    def __init__(self, p4info: p4info_pb2.P4Info) -> None:
        self.p4info = p4info
        self.tables_by_id = {t.preamble.id: t for t in p4info.tables}
        self.actions_by_id = {a.preamble.id: a for a in p4info.actions}
        self.counters_by_id = {c.preamble.id: c for c in p4info.counters}
        self.direct_counters_by_id = {c.preamble.id: c for c in p4info.direct_counters}
        self.meters_by_id = {m.preamble.id: m for m in p4info.meters}
        self.direct_meters_by_id = {m.preamble.id: m for m in p4info.direct_meters}
        self.registers_by_id = {r.preamble.id: r for r in p4info.registers}
        self.digests_by_id = {d.preamble.id: d for d in p4info.digests}
        self.profiles_by_id = {p.preamble.id: p for p in p4info.action_profiles}
        self.value_sets_by_id = {v.preamble.id: v for v in p4info.value_sets}

    def table(self, name: str) -> p4info_pb2.Table:
        return find(self.p4info.tables, name, "table")

    def action(self, name: str, table: p4info_pb2.Table | None = None) -> p4info_pb2.Action:
        if table is None:
            return find(self.p4info.actions, name, "action")
        allowed = [self.actions_by_id[r.id] for r in table.action_refs]
        return find(allowed, name, f"action of table {table.preamble.name}")

    def action_ref(self, table: p4info_pb2.Table, action_id: int) -> p4info_pb2.ActionRef | None:
        for ref in table.action_refs:
            if ref.id == action_id:
                return ref
        return None

    def match_field(self, table: p4info_pb2.Table, name: str) -> p4info_pb2.MatchField:
        return find(
            table.match_fields, name, f"match field of {table.preamble.name}", key=lambda f: f
        )

    def param(self, action: p4info_pb2.Action, name: str) -> p4info_pb2.Action.Param:
        return find(action.params, name, f"parameter of {action.preamble.name}", key=lambda p: p)

    def counter(self, name: str) -> p4info_pb2.Counter:
        return find(self.p4info.counters, name, "counter")

    def direct_counter(self, name: str) -> p4info_pb2.DirectCounter:
        return find(self.p4info.direct_counters, name, "direct counter")

    def register(self, name: str) -> p4info_pb2.Register:
        return find(self.p4info.registers, name, "register")

    def meter(self, name: str) -> p4info_pb2.Meter:
        return find(self.p4info.meters, name, "meter")

    def direct_meter(self, name: str) -> p4info_pb2.DirectMeter:
        return find(self.p4info.direct_meters, name, "direct meter")

    def digest(self, name: str) -> p4info_pb2.Digest:
        return find(self.p4info.digests, name, "digest")

    def action_profile(self, name: str) -> p4info_pb2.ActionProfile:
        return find(self.p4info.action_profiles, name, "action profile")

    def value_set(self, name: str) -> p4info_pb2.ValueSet:
        return find(self.p4info.value_sets, name, "value set")

    def controller_metadata(self, name: str) -> p4info_pb2.ControllerPacketMetadata | None:
        """The `packet_in` or `packet_out` header, if the program has one."""
        for c in self.p4info.controller_packet_metadata:
            if c.preamble.name == name:
                return c
        return None

    def table_direct_counter(self, table: p4info_pb2.Table) -> p4info_pb2.DirectCounter | None:
        for rid in table.direct_resource_ids:
            if rid in self.direct_counters_by_id:
                return self.direct_counters_by_id[rid]
        return None

    def table_direct_meter(self, table: p4info_pb2.Table) -> p4info_pb2.DirectMeter | None:
        for rid in table.direct_resource_ids:
            if rid in self.direct_meters_by_id:
                return self.direct_meters_by_id[rid]
        return None

    def name_of(self, object_id: int) -> str:
        """The name of any P4Info object by its id (for messages)."""
        for d in (self.tables_by_id, self.actions_by_id, self.counters_by_id,
                  self.direct_counters_by_id, self.meters_by_id, self.direct_meters_by_id,
                  self.registers_by_id, self.digests_by_id, self.profiles_by_id,
                  self.value_sets_by_id):
            if object_id in d:
                return d[object_id].preamble.name
        return f"#{object_id}"
