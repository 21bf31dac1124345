"""The P4 tutorials' runtime files (`sN-runtime.json`), as P4Runtime updates.

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
       {"clone_session_id": 5, "replicas": [{"egress_port": 4, "instance": 0}],
        "class_of_service": 0, "packet_length_bytes": 0}]}

Match values: exact `v`, LPM `[v, prefix_len]`, ternary `[v, mask]`,
range `[low, high]`, optional `v`, or any of them as a string the way
`ovs-p4ctl add-entry` takes it (`"10.0.0.0/8"`); values as
`ovsp4.entities.values` reads them (numbers, IPv4, IPv6, MAC).

A default action is a MODIFY of the table's default entry, everything else
an INSERT, in the file's order (table entries, multicast groups, clone
sessions).  What `ovs-p4ctl dump-entries --format json` and `dump-groups
--format json` print reads back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ovsp4.entities.entries import action_from_params, build_entry
from ovsp4.entities.externs import clone_session, multicast_group
from ovsp4.entities.index import P4InfoIndex
from ovsp4.entities.values import EntityError
from ovsp4.proto import p4info_pb2, p4runtime_pb2

Update = p4runtime_pb2.Update


class RuntimeFileError(EntityError):
    pass


@dataclass
class RuntimeConfig:
    """The updates of a runtime file, each with where it comes from
    (`table_entries[3]`), for messages."""

    updates: list[p4runtime_pb2.Update] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def add(self, kind: int, entity: p4runtime_pb2.Entity, label: str) -> None:
        self.updates.append(Update(type=kind, entity=entity))
        self.labels.append(label)


def _replicas(entry: dict[str, Any]) -> list[tuple[int, int]]:
    return [(int(r["egress_port"]), int(r.get("instance", 0))) for r in entry.get("replicas", [])]


def table_entry(index: P4InfoIndex, e: dict[str, Any]) -> tuple[int, p4runtime_pb2.Entity]:
    """One item of "table_entries": (update type, entity)."""
    table = index.table(e["table"])
    entity = p4runtime_pb2.Entity()
    params = list(e.get("action_params", {}).items())
    if e.get("default_action"):
        entity.table_entry.table_id = table.preamble.id
        entity.table_entry.is_default_action = True
        entity.table_entry.action.action.CopyFrom(
            action_from_params(index, table, e["action_name"], params, default=True))
        return Update.MODIFY, entity
    action = action_from_params(index, table, e["action_name"], params)
    priority = e.get("priority")
    entity.table_entry.CopyFrom(build_entry(
        index, table, list(e.get("match", {}).items()), from_json=True, action=action,
        priority=int(priority) if priority is not None else None))
    return Update.INSERT, entity


def load_runtime(data: dict[str, Any], p4info: p4info_pb2.P4Info) -> RuntimeConfig:
    index = P4InfoIndex(p4info)
    config = RuntimeConfig()
    if not isinstance(data, dict):
        raise RuntimeFileError("not a runtime file (a JSON object with table_entries...)")
    for key, item_kind in (("table_entries", "table entry"),
                           ("multicast_group_entries", "multicast group"),
                           ("clone_session_entries", "clone session")):
        items = data.get(key, [])
        if not isinstance(items, list):
            raise RuntimeFileError(f"{key}: not a list")
        for n, e in enumerate(items):
            label = f"{key}[{n}]"
            try:
                if not isinstance(e, dict):
                    raise RuntimeFileError(f"not a {item_kind} object")
                if key == "table_entries" and e.get("is_const"):
                    # The program's own (const entries and default actions,
                    # which dump-entries lists): there already, unwritable.
                    continue
                if key == "table_entries":
                    kind, entity = table_entry(index, e)
                elif key == "multicast_group_entries":
                    kind, entity = Update.INSERT, multicast_group(
                        int(e["multicast_group_id"]), _replicas(e))
                else:
                    kind, entity = Update.INSERT, clone_session(
                        int(e["clone_session_id"]), _replicas(e),
                        class_of_service=int(e.get("class_of_service", 0)),
                        packet_length_bytes=int(e.get("packet_length_bytes", 0)))
            except KeyError as exc:
                raise RuntimeFileError(f"{label}: no {exc}") from None
            except (LookupError, ValueError, TypeError) as exc:
                raise RuntimeFileError(f"{label}: {exc}") from None
            config.add(kind, entity, label)
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
