"""Packet-out, packet-in, digests and idle timeouts as P4Runtime messages,
from what people write and back.

A packet-out is a payload in hex (`ffffffffffff0800...`; `:`, `.`, `-`,
`_` and spaces between bytes are ignored) and the program's `packet_out`
controller header fields as `NAME=VALUE` (fields left out are sent as 0:
P4Runtime wants them all).

Printed, one line per message (`ovs-p4ctl monitor`):

    packet_in: ingress_port=1, pad=0, len=60, payload=080000000111...
    digest: learn_t, list_id=3, data=[{mac=08:00:00:00:01:11,port=1}]
    idle_timeout: table=MyIngress.t, h.a=10 action=MyIngress.fwd(port=1)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ovsp4.entities.entries import entry_json, format_entry, split_items
from ovsp4.entities.index import P4InfoIndex, find
from ovsp4.entities.values import (
    BadValue,
    EntityError,
    canonical,
    format_value,
    from_bytes,
    json_value,
    parse_value,
)
from ovsp4.proto import p4data_pb2, p4info_pb2, p4runtime_pb2, p4types_pb2

_HEX_SEPARATORS = re.compile(r"[\s:._-]")


def parse_payload(text: str) -> bytes:
    raw = _HEX_SEPARATORS.sub("", text)
    if raw.lower().startswith("0x"):
        raw = raw[2:]
    try:
        return bytes.fromhex(raw)
    except ValueError:
        raise BadValue(f"payload: '{text[:40]}' is not hex bytes") from None


def packet_out(index: P4InfoIndex, payload: str | bytes, items: Iterable[str]
               ) -> p4runtime_pb2.PacketOut:
    msg = p4runtime_pb2.PacketOut(
        payload=payload if isinstance(payload, bytes) else parse_payload(payload))
    args = split_items(items)
    header = index.controller_metadata("packet_out")
    if header is None:
        if args:
            raise EntityError("the program has no @controller_header(\"packet_out\") header: "
                              "a packet-out has no metadata")
        return msg
    values: dict[int, int] = {}
    for item in args:
        name, eq, text = item.partition("=")
        if not eq:
            raise EntityError(f"'{item}' is not FIELD=VALUE")
        md = find(header.metadata, name.strip(), "packet_out header field", key=lambda m: m)
        if md.id in values:
            raise EntityError(f"packet_out header field {md.name} given twice")
        values[md.id] = parse_value(text, md.bitwidth, f"packet_out field {md.name}")
    for md in header.metadata:
        msg.metadata.add(metadata_id=md.id, value=canonical(values.get(md.id, 0)))
    return msg


def _metadata(index: P4InfoIndex, msg: p4runtime_pb2.PacketIn
              ) -> list[tuple[p4info_pb2.ControllerPacketMetadata.Metadata | None, int, int]]:
    header = index.controller_metadata("packet_in")
    fields = {md.id: md for md in header.metadata} if header else {}
    return [(fields.get(m.metadata_id), m.metadata_id, from_bytes(m.value))
            for m in msg.metadata]


def format_packet_in(index: P4InfoIndex, msg: p4runtime_pb2.PacketIn) -> str:
    parts = []
    for md, mid, value in _metadata(index, msg):
        if md is None:
            parts.append(f"#{mid}={value}")
        else:
            parts.append(f"{md.name}={format_value(value, md.bitwidth, md.name)}")
    parts.append(f"len={len(msg.payload)}")
    parts.append(f"payload={msg.payload.hex()}")
    return "packet_in: " + ", ".join(parts)


def packet_in_json(index: P4InfoIndex, msg: p4runtime_pb2.PacketIn) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    for md, mid, value in _metadata(index, msg):
        if md is None:
            metadata[f"#{mid}"] = value
        else:
            metadata[md.name] = json_value(value, md.bitwidth, md.name)
    return {"type": "packet_in", "metadata": metadata, "payload": msg.payload.hex()}


# --- Digests ------------------------------------------------------------------


def digest_entry(index: P4InfoIndex, name: str, *, max_timeout_ns: int = 0,
                 max_list_size: int = 1, ack_timeout_ns: int = 1_000_000_000
                 ) -> p4runtime_pb2.Entity:
    d = index.digest(name)
    e = p4runtime_pb2.Entity()
    e.digest_entry.digest_id = d.preamble.id
    e.digest_entry.config.max_timeout_ns = max_timeout_ns
    e.digest_entry.config.max_list_size = max_list_size
    e.digest_entry.config.ack_timeout_ns = ack_timeout_ns
    return e


def _decode(type_info: p4types_pb2.P4TypeInfo, spec: p4types_pb2.P4DataTypeSpec,
            data: p4data_pb2.P4Data, name: str) -> tuple[str, Any]:
    """(text, JSON value) of a P4Data of type `spec`."""
    kind = spec.WhichOneof("type_spec")
    if kind == "bitstring" and data.WhichOneof("data") == "bitstring":
        bs = spec.bitstring
        width = getattr(bs, bs.WhichOneof("type_spec") or "bit").bitwidth
        v = from_bytes(data.bitstring)
        return format_value(v, width, name), json_value(v, width, name)
    if kind == "bool":
        return str(data.bool).lower(), data.bool
    if kind == "struct" and data.WhichOneof("data") == "struct":
        members = type_info.structs[spec.struct.name].members
        return _members(type_info, [(m.name, m.type_spec) for m in members],
                        data.struct.members)
    if kind == "tuple" and data.WhichOneof("data") == "tuple":
        return _members(type_info, [(str(i), s) for i, s in enumerate(spec.tuple.members)],
                        data.tuple.members)
    if kind == "header" and data.WhichOneof("data") == "header":
        members = type_info.headers[spec.header.name].members
        specs = [(m.name, p4types_pb2.P4DataTypeSpec(bitstring=m.type_spec))
                 for m in members]
        raw = [p4data_pb2.P4Data(bitstring=b) for b in data.header.bitstrings]
        return _members(type_info, specs, raw)
    # Anything else: its protobuf text, on one line.
    text = str(data).replace("\n", " ").strip()
    return text, text


def _members(type_info: p4types_pb2.P4TypeInfo, specs: list[tuple[str, Any]],
             values: Iterable[p4data_pb2.P4Data]) -> tuple[str, Any]:
    texts, obj = [], {}
    for (mname, mspec), v in zip(specs, values, strict=False):
        t, j = _decode(type_info, mspec, v, mname)
        texts.append(f"{mname}={t}")
        obj[mname] = j
    return "{" + ",".join(texts) + "}", obj


def digest_data(index: P4InfoIndex, msg: p4runtime_pb2.DigestList
                ) -> tuple[str, list[tuple[str, Any]]]:
    d = index.digests_by_id.get(msg.digest_id)
    name = d.preamble.name if d else f"#{msg.digest_id}"
    out = []
    for data in msg.data:
        if d is None:
            text = str(data).replace("\n", " ").strip()
            out.append((text, text))
        else:
            out.append(_decode(index.p4info.type_info, d.type_spec, data, ""))
    return name, out


def format_digest(index: P4InfoIndex, msg: p4runtime_pb2.DigestList) -> str:
    name, data = digest_data(index, msg)
    return (f"digest: {name}, list_id={msg.list_id}, "
            f"data=[{','.join(t for t, _ in data)}]")


def digest_json(index: P4InfoIndex, msg: p4runtime_pb2.DigestList) -> dict[str, Any]:
    name, data = digest_data(index, msg)
    return {"type": "digest", "digest": name, "list_id": msg.list_id,
            "timestamp": msg.timestamp, "data": [j for _, j in data]}


def format_idle_timeout(index: P4InfoIndex, msg: p4runtime_pb2.IdleTimeoutNotification
                        ) -> list[str]:
    return [f"idle_timeout: {format_entry(index, e)}" for e in msg.table_entry]


def idle_timeout_json(index: P4InfoIndex, msg: p4runtime_pb2.IdleTimeoutNotification
                      ) -> dict[str, Any]:
    return {"type": "idle_timeout", "timestamp": msg.timestamp,
            "table_entries": [entry_json(index, e) for e in msg.table_entry]}
