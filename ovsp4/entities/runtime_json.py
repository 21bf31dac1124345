"""The P4 tutorials' runtime files (`sN-runtime.json`), as control requests.

    {"table_entries": [
       {"table": "MyIngress.ipv4_lpm", "default_action": true,
        "action_name": "MyIngress.drop", "action_params": {}},
       {"table": "MyIngress.ipv4_lpm",
        "match": {"hdr.ipv4.dstAddr": ["10.0.1.1", 32]},
        "action_name": "MyIngress.ipv4_forward",
        "action_params": {"dstAddr": "08:00:00:00:01:11", "port": 1},
        "priority": 10}],
     "multicast_group_entries": [
       {"multicast_group_id": 1, "replicas": [{"egress_port": 1, "instance": 1}]}],
     "clone_session_entries": [
       {"clone_session_id": 5, "replicas": [{"egress_port": 4, "instance": 0}]}]}

Match values: exact `v`, LPM `[v, prefix_len]`, ternary `[v, mask]`,
range `[low, high]`, optional `v`; values as `ovsp4.entities.values` reads
them (numbers, IPv4, IPv6, MAC).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ovsp4.control import protocol as p
from ovsp4.control.client import ControlClient
from ovsp4.entities.index import P4InfoIndex
from ovsp4.entities.values import parse_value, to_bytes
from ovsp4.proto import p4info_pb2

MatchType = p4info_pb2.MatchField


class RuntimeFileError(ValueError):
    pass


@dataclass
class RuntimeConfig:
    entries: list[p.TableEntry] = field(default_factory=list)
    defaults: list[tuple[int, p.Action]] = field(default_factory=list)
    mcast_groups: list[tuple[int, list[tuple[int, int]]]] = field(default_factory=list)
    clone_sessions: list[tuple[int, list[tuple[int, int]]]] = field(default_factory=list)

    def apply(self, client: ControlClient) -> None:
        for table_id, action in self.defaults:
            client.set_default(table_id, action)
        if self.entries:
            client.insert_entries(self.entries)
        for group, replicas in self.mcast_groups:
            client.set_mcast_group(group, replicas)
        for session, replicas in self.clone_sessions:
            client.set_clone_session(session, replicas)


def _pair(value: Any, what: str) -> tuple[Any, Any]:
    if not isinstance(value, list) or len(value) != 2:
        raise RuntimeFileError(f"{what}: expected [value, second], got {value!r}")
    return value[0], value[1]


def field_match(mf: p4info_pb2.MatchField, value: Any) -> p.FieldMatch:
    width = mf.bitwidth
    what = f"match field {mf.name}"
    kind = mf.match_type
    if kind == MatchType.LPM:
        v, plen = _pair(value, what)
        return p.FieldMatch.lpm(mf.id, to_bytes(parse_value(v, width, what), width), int(plen))
    if kind == MatchType.TERNARY:
        v, m = _pair(value, what)
        mask = parse_value(m, width, what)
        return p.FieldMatch.ternary(
            mf.id, to_bytes(parse_value(v, width, what) & mask, width), to_bytes(mask, width)
        )
    if kind == MatchType.RANGE:
        lo, hi = _pair(value, what)
        return p.FieldMatch.range(
            mf.id, to_bytes(parse_value(lo, width, what), width),
            to_bytes(parse_value(hi, width, what), width),
        )  # fmt: skip
    if isinstance(value, list) and len(value) == 1:
        value = value[0]  # p4runtime_lib accepts [v] for an exact value
    encoded = to_bytes(parse_value(value, width, what), width)
    if kind == MatchType.OPTIONAL:
        return p.FieldMatch.optional(mf.id, encoded)
    return p.FieldMatch.exact(mf.id, encoded)


def action_call(
    index: P4InfoIndex, table: p4info_pb2.Table, name: str, params: dict[str, Any]
) -> p.Action:
    action = index.action(name, table)
    given = dict(params)
    values = []
    for param in action.params:
        if param.name not in given:
            raise RuntimeFileError(f"action {name}: no value for parameter {param.name}")
        v = parse_value(given.pop(param.name), param.bitwidth, f"parameter {param.name}")
        values.append((param.id, to_bytes(v, param.bitwidth)))
    if given:
        raise RuntimeFileError(f"action {name} has no parameter {', '.join(sorted(given))}")
    return p.Action(p.ActionKind.DIRECT, action.preamble.id, values)


def _replicas(entry: dict[str, Any]) -> list[tuple[int, int]]:
    return [(int(r["egress_port"]), int(r.get("instance", 0))) for r in entry.get("replicas", [])]


def load_runtime(data: dict[str, Any], p4info: p4info_pb2.P4Info) -> RuntimeConfig:
    index = P4InfoIndex(p4info)
    config = RuntimeConfig()
    for n, e in enumerate(data.get("table_entries", [])):
        try:
            table = index.table(e["table"])
            action = action_call(index, table, e["action_name"], e.get("action_params", {}))
            if e.get("default_action"):
                config.defaults.append((table.preamble.id, action))
                continue
            matches = [
                field_match(index.match_field(table, name), value)
                for name, value in e.get("match", {}).items()
            ]
            config.entries.append(
                p.TableEntry(table.preamble.id, matches, int(e.get("priority", 0)), action)
            )
        except (KeyError, LookupError, ValueError) as exc:
            raise RuntimeFileError(f"table_entries[{n}]: {exc}") from None
    for e in data.get("multicast_group_entries", []):
        config.mcast_groups.append((int(e["multicast_group_id"]), _replicas(e)))
    for e in data.get("clone_session_entries", []):
        config.clone_sessions.append((int(e["clone_session_id"]), _replicas(e)))
    return config


def load_runtime_file(path: str | Path, p4info: p4info_pb2.P4Info) -> RuntimeConfig:
    try:
        data = json.loads(Path(path).read_text())
    except json.JSONDecodeError as exc:
        raise RuntimeFileError(f"{path}: not JSON: {exc}") from None
    try:
        return load_runtime(data, p4info)
    except RuntimeFileError as exc:
        raise RuntimeFileError(f"{path}: {exc}") from None
