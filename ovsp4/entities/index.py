"""Find P4Info objects by the names people use for them.

A name matches an object's fully qualified name, its alias, or a unique
suffix of its name at a `.` boundary (`ipv4_lpm` for `MyIngress.ipv4_lpm`),
as p4runtime-shell and p4c's STF driver accept.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from ovsp4.proto import p4info_pb2

T = TypeVar("T")


class UnknownName(LookupError):
    pass


def find(objects: Iterable[T], name: str, what: str, *, key=lambda o: o.preamble) -> T:  # type: ignore[no-untyped-def]
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
        self.actions_by_id = {a.preamble.id: a for a in p4info.actions}

    def table(self, name: str) -> p4info_pb2.Table:
        return find(self.p4info.tables, name, "table")

    def action(self, name: str, table: p4info_pb2.Table | None = None) -> p4info_pb2.Action:
        if table is None:
            return find(self.p4info.actions, name, "action")
        allowed = [self.actions_by_id[r.id] for r in table.action_refs]
        return find(allowed, name, f"action of table {table.preamble.name}")

    def match_field(self, table: p4info_pb2.Table, name: str) -> p4info_pb2.MatchField:
        return find(
            table.match_fields, name, f"match field of {table.preamble.name}", key=lambda f: f
        )

    def param(self, action: p4info_pb2.Action, name: str) -> p4info_pb2.Action.Param:
        return find(action.params, name, f"parameter of {action.preamble.name}", key=lambda p: p)

    def counter(self, name: str) -> p4info_pb2.Counter:
        return find(self.p4info.counters, name, "counter")

    def register(self, name: str) -> p4info_pb2.Register:
        return find(self.p4info.registers, name, "register")

    def meter(self, name: str) -> p4info_pb2.Meter:
        return find(self.p4info.meters, name, "meter")
