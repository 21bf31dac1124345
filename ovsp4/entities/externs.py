"""Counters, meters, registers, the packet replication engine
(multicast groups, clone sessions) and parser value sets as P4Runtime
messages, from what people write and back.

Printed one cell per line, `NAME[INDEX]: ...`:

    MyIngress.pkts[3]: n_packets=12, n_bytes=1176
    MyIngress.rate[0]: cir=1000, cburst=100, pir=2000, pburst=200
    MyIngress.rate[1]: unconfigured
    MyIngress.regs[0]: 42

Register values in decimal (`0x` hex above 64 bits): registers hold data,
not addresses.  Replicas are `PORT` or `PORT:INSTANCE`, PORT `cpu` being
P4Runtime's CPU port (0xfffffffd: the bridge's CPU port).  A value set
member is a match as in table entries (`V`, `V&&&MASK` for a ternary
field, ...), `FIELD=MATCH,...` for a value set of several fields:

    value_set=P.special, members=4660,22136
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ovsp4.entities.entries import format_match, match_from_text, match_json, split_items
from ovsp4.entities.index import P4InfoIndex, find
from ovsp4.entities.values import (
    BadValue,
    EntityError,
    Style,
    canonical,
    format_value,
    from_bytes,
    parse_value,
)
from ovsp4.proto import p4data_pb2, p4info_pb2, p4runtime_pb2

CounterUnit = p4info_pb2.CounterSpec

# --- Indexes ------------------------------------------------------------------


def parse_index(text: str | int | None, size: int, what: str) -> int | None:
    """A cell index (None: every cell, written `*` or left out)."""
    if text is None or text == "*":
        return None
    try:
        i = int(text, 0) if isinstance(text, str) else int(text)
    except ValueError:
        raise BadValue(f"{what}: '{text}' is not an index") from None
    if not 0 <= i < max(size, 1):
        raise BadValue(f"{what}: index {i} is not in 0..{size - 1}")
    return i


# --- Counters -----------------------------------------------------------------


def counter_read(index: P4InfoIndex, name: str | None, cell: str | None = None
                 ) -> p4runtime_pb2.Entity:
    e = p4runtime_pb2.Entity()
    e.counter_entry.SetInParent()
    if name is None:
        return e
    counter = _counter(index, name)
    e.counter_entry.counter_id = counter.preamble.id
    i = parse_index(cell, counter.size, counter.preamble.name)
    if i is not None:
        e.counter_entry.index.index = i
    return e


def _counter(index: P4InfoIndex, name: str) -> p4info_pb2.Counter:
    if not any(c.preamble.name == name for c in index.p4info.counters):
        for dc in index.p4info.direct_counters:
            if dc.preamble.name == name or dc.preamble.name.endswith("." + name) \
                    or dc.preamble.alias == name:
                table = index.name_of(dc.direct_table_id)
                raise EntityError(f"{dc.preamble.name} is the direct counter of table "
                                  f"{table}: its values are in 'dump-entries BRIDGE {table}'")
    return index.counter(name)


def counter_data_items(unit: int, data: p4runtime_pb2.CounterData) -> list[str]:
    out = []
    if unit in (CounterUnit.PACKETS, CounterUnit.BOTH, CounterUnit.UNSPECIFIED):
        out.append(f"n_packets={data.packet_count}")
    if unit in (CounterUnit.BYTES, CounterUnit.BOTH, CounterUnit.UNSPECIFIED):
        out.append(f"n_bytes={data.byte_count}")
    return out


def format_counter(index: P4InfoIndex, entry: p4runtime_pb2.CounterEntry) -> str:
    c = index.counters_by_id.get(entry.counter_id)
    name = c.preamble.name if c else f"#{entry.counter_id}"
    unit = c.spec.unit if c else CounterUnit.BOTH
    return f"{name}[{entry.index.index}]: {', '.join(counter_data_items(unit, entry.data))}"


def counter_json(index: P4InfoIndex, entry: p4runtime_pb2.CounterEntry) -> dict[str, Any]:
    return {"counter": index.name_of(entry.counter_id), "index": entry.index.index,
            "packets": entry.data.packet_count, "bytes": entry.data.byte_count}


# --- Meters -------------------------------------------------------------------

METER_KEYS = ("cir", "cburst", "pir", "pburst")


def meter_config(rates: dict[str, str]) -> p4runtime_pb2.MeterConfig | None:
    """cir, cburst (required) and pir, pburst (default: cir, cburst):
    rates in units (packets or bytes, the meter's) per second, bursts in
    units.  No rates: None (the meter goes back to unconfigured)."""
    if not rates:
        return None
    unknown = set(rates) - set(METER_KEYS)
    if unknown:
        raise EntityError(f"unknown meter setting {', '.join(sorted(unknown))} "
                          "(cir, cburst, pir, pburst)")
    values = {}
    for k, v in rates.items():
        try:
            values[k] = int(v, 0)
        except ValueError:
            raise BadValue(f"{k}: '{v}' is not a number") from None
        if values[k] < 0 or values[k] >= 1 << 63:
            raise BadValue(f"{k}: {values[k]} is out of range")
    if "cir" not in values or "cburst" not in values:
        raise EntityError("a meter needs at least cir=RATE and cburst=BURST")
    cfg = p4runtime_pb2.MeterConfig(cir=values["cir"], cburst=values["cburst"],
                                    pir=values.get("pir", values["cir"]),
                                    pburst=values.get("pburst", values["cburst"]))
    if cfg.pir < cfg.cir:
        raise EntityError(f"pir ({cfg.pir}) is below cir ({cfg.cir})")
    return cfg


def meter_entry(index: P4InfoIndex, name: str, cell: str | None,
                config: p4runtime_pb2.MeterConfig | None) -> p4runtime_pb2.Entity:
    meter = index.meter(name)
    e = p4runtime_pb2.Entity()
    e.meter_entry.meter_id = meter.preamble.id
    i = parse_index(cell, meter.size, meter.preamble.name)
    if i is not None:
        e.meter_entry.index.index = i
    if config is not None:
        e.meter_entry.config.CopyFrom(config)
    return e


def direct_meter_entry(table_entry: p4runtime_pb2.TableEntry,
                       config: p4runtime_pb2.MeterConfig | None) -> p4runtime_pb2.Entity:
    e = p4runtime_pb2.Entity()
    e.direct_meter_entry.table_entry.CopyFrom(table_entry)
    if config is not None:
        e.direct_meter_entry.config.CopyFrom(config)
    return e


def meter_table(index: P4InfoIndex, name: str) -> p4info_pb2.Table | None:
    """The table whose direct meter `name` names (the direct meter or the
    table itself); None when `name` is not a direct meter or its table."""
    try:
        dm = index.direct_meter(name)
        return index.tables_by_id.get(dm.direct_table_id)
    except EntityError:
        pass
    try:
        table = index.table(name)
    except EntityError:
        return None
    return table if index.table_direct_meter(table) is not None else None


def meter_read(index: P4InfoIndex, name: str | None, cell: str | None = None
               ) -> p4runtime_pb2.Entity:
    e = p4runtime_pb2.Entity()
    e.meter_entry.SetInParent()
    if name is not None:
        meter = index.meter(name)
        e.meter_entry.meter_id = meter.preamble.id
        i = parse_index(cell, meter.size, meter.preamble.name)
        if i is not None:
            e.meter_entry.index.index = i
    return e


def _config_text(entry: p4runtime_pb2.MeterEntry) -> str:
    if not entry.HasField("config"):
        return "unconfigured"
    c = entry.config
    return f"cir={c.cir}, cburst={c.cburst}, pir={c.pir}, pburst={c.pburst}"


def format_meter(index: P4InfoIndex, entry: p4runtime_pb2.MeterEntry) -> str:
    return f"{index.name_of(entry.meter_id)}[{entry.index.index}]: {_config_text(entry)}"


def meter_json(index: P4InfoIndex, entry: p4runtime_pb2.MeterEntry) -> dict[str, Any]:
    out: dict[str, Any] = {"meter": index.name_of(entry.meter_id),
                           "index": entry.index.index, "config": None}
    if entry.HasField("config"):
        c = entry.config
        out["config"] = {"cir": c.cir, "cburst": c.cburst, "pir": c.pir, "pburst": c.pburst}
    return out


# --- Registers ----------------------------------------------------------------


def register_width(reg: p4info_pb2.Register) -> int:
    spec = reg.type_spec
    if spec.HasField("bitstring"):
        bs = spec.bitstring
        kind = bs.WhichOneof("type_spec")
        if kind in ("bit", "int"):
            return getattr(bs, kind).bitwidth
    raise EntityError(f"register {reg.preamble.name}: only bit<W> registers are supported")


def register_read(index: P4InfoIndex, name: str | None, cell: str | None = None
                  ) -> p4runtime_pb2.Entity:
    e = p4runtime_pb2.Entity()
    e.register_entry.SetInParent()
    if name is not None:
        reg = index.register(name)
        e.register_entry.register_id = reg.preamble.id
        i = parse_index(cell, reg.size, reg.preamble.name)
        if i is not None:
            e.register_entry.index.index = i
    return e


def register_write(index: P4InfoIndex, name: str, cell: str, value: str
                   ) -> p4runtime_pb2.Entity:
    reg = index.register(name)
    width = register_width(reg)
    e = p4runtime_pb2.Entity()
    e.register_entry.register_id = reg.preamble.id
    i = parse_index(cell, reg.size, reg.preamble.name)
    if i is not None:
        e.register_entry.index.index = i
    v = parse_value(value, width, f"register {reg.preamble.name}")
    e.register_entry.data.bitstring = canonical(v)
    return e


def _register_value(reg: p4info_pb2.Register | None, data: p4data_pb2.P4Data) -> int:
    return from_bytes(data.bitstring)


def format_register(index: P4InfoIndex, entry: p4runtime_pb2.RegisterEntry) -> str:
    reg = index.registers_by_id.get(entry.register_id)
    width = register_width(reg) if reg else 64
    v = _register_value(reg, entry.data)
    style = Style.HEX if width > 64 else Style.DEC
    return (f"{index.name_of(entry.register_id)}[{entry.index.index}]: "
            f"{format_value(v, width, style=style)}")


def register_json(index: P4InfoIndex, entry: p4runtime_pb2.RegisterEntry) -> dict[str, Any]:
    reg = index.registers_by_id.get(entry.register_id)
    return {"register": index.name_of(entry.register_id), "index": entry.index.index,
            "value": _register_value(reg, entry.data)}


# --- Packet replication engine ------------------------------------------------


SDN_PORT_CPU = 0xFFFFFFFD  # P4Runtime's CPU port (the switch's own CPU port)


def parse_replica(text: str) -> tuple[int, int]:
    """`PORT` or `PORT:INSTANCE`; PORT `cpu` is P4Runtime's CPU port."""
    port_text, _, instance_text = text.partition(":")
    try:
        port = SDN_PORT_CPU if port_text == "cpu" else int(port_text, 0)
        instance = int(instance_text, 0) if instance_text else 0
    except ValueError:
        raise BadValue(f"replica '{text}': not PORT or PORT:INSTANCE") from None
    if not 0 <= port < 1 << 32 or not 0 <= instance < 1 << 32:
        raise BadValue(f"replica '{text}': out of range")
    return port, instance


def _replicas(replicas: Iterable[tuple[int, int]]) -> list[p4runtime_pb2.Replica]:
    return [p4runtime_pb2.Replica(egress_port=port, instance=instance)
            for port, instance in replicas]


def _check_id(value: int, what: str) -> int:
    if not 0 < value < 1 << 32:
        raise BadValue(f"{what} {value} is not in 1..{(1 << 32) - 1}")
    return value


def multicast_group(group_id: int, replicas: Iterable[tuple[int, int]]
                    ) -> p4runtime_pb2.Entity:
    e = p4runtime_pb2.Entity()
    g = e.packet_replication_engine_entry.multicast_group_entry
    g.multicast_group_id = _check_id(group_id, "multicast group")
    g.replicas.extend(_replicas(replicas))
    return e


def clone_session(session_id: int, replicas: Iterable[tuple[int, int]], *,
                  class_of_service: int = 0, packet_length_bytes: int = 0
                  ) -> p4runtime_pb2.Entity:
    e = p4runtime_pb2.Entity()
    s = e.packet_replication_engine_entry.clone_session_entry
    s.session_id = _check_id(session_id, "clone session")
    s.replicas.extend(_replicas(replicas))
    s.class_of_service = class_of_service
    s.packet_length_bytes = packet_length_bytes
    return e


def pre_read() -> list[p4runtime_pb2.Entity]:
    """Every multicast group and clone session."""
    groups = p4runtime_pb2.Entity()
    groups.packet_replication_engine_entry.multicast_group_entry.SetInParent()
    sessions = p4runtime_pb2.Entity()
    sessions.packet_replication_engine_entry.clone_session_entry.SetInParent()
    return [groups, sessions]


def replica_port(r: p4runtime_pb2.Replica) -> int:
    if r.WhichOneof("port_kind") == "port":
        return from_bytes(r.port)
    return r.egress_port


def _replica_text(r: p4runtime_pb2.Replica) -> str:
    port = replica_port(r)
    text = "cpu" if port == SDN_PORT_CPU else str(port)
    return f"{text}:{r.instance}" if r.instance else text


def format_pre(entry: p4runtime_pb2.PacketReplicationEngineEntry) -> str:
    kind = entry.WhichOneof("type")
    if kind == "multicast_group_entry":
        g = entry.multicast_group_entry
        return (f"group={g.multicast_group_id}, replicas="
                f"{','.join(_replica_text(r) for r in g.replicas) or 'none'}")
    s = entry.clone_session_entry
    extra = ""
    if s.class_of_service:
        extra += f", class_of_service={s.class_of_service}"
    if s.packet_length_bytes:
        extra += f", packet_length_bytes={s.packet_length_bytes}"
    return (f"clone_session={s.session_id}{extra}, replicas="
            f"{','.join(_replica_text(r) for r in s.replicas) or 'none'}")


def pre_json(entries: Iterable[p4runtime_pb2.PacketReplicationEngineEntry]
             ) -> dict[str, list[dict[str, Any]]]:
    """As the P4 tutorials' runtime files write them (`load-entries` reads
    them back)."""
    groups, sessions = [], []
    for entry in entries:
        kind = entry.WhichOneof("type")
        if kind == "multicast_group_entry":
            g = entry.multicast_group_entry
            groups.append({"multicast_group_id": g.multicast_group_id,
                           "replicas": [{"egress_port": replica_port(r), "instance": r.instance}
                                        for r in g.replicas]})
        elif kind == "clone_session_entry":
            s = entry.clone_session_entry
            sessions.append({"clone_session_id": s.session_id,
                             "replicas": [{"egress_port": replica_port(r),
                                           "instance": r.instance} for r in s.replicas],
                             "class_of_service": s.class_of_service,
                             "packet_length_bytes": s.packet_length_bytes})
    return {"multicast_group_entries": groups, "clone_session_entries": sessions}


# --- Parser value sets ----------------------------------------------------------------


def _value_set_fields(vs: p4info_pb2.ValueSet) -> list[p4info_pb2.MatchField]:
    """The value set's fields; a set of plain bit<W> values has one
    unnamed field, named after the set for messages."""
    fields = []
    for mf in vs.match:
        named = p4info_pb2.MatchField()
        named.CopyFrom(mf)
        named.name = mf.name or vs.preamble.name
        fields.append(named)
    return fields


def value_set_member(vs: p4info_pb2.ValueSet, text: str) -> p4runtime_pb2.ValueSetMember:
    """One member: a match (one field), or FIELD=MATCH,... (several)."""
    fields = _value_set_fields(vs)
    member = p4runtime_pb2.ValueSetMember()
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]  # as format_value_set prints a member of several fields
    if len(fields) == 1 and "=" not in text:
        given = [(fields[0], text)]
    else:
        given = []
        for item in split_items([text]):
            name, eq, value = item.partition("=")
            if not eq:
                raise EntityError(f"value set {vs.preamble.name}: '{item}' is not FIELD=MATCH")
            given.append((find(fields, name.strip(), f"field of value set {vs.preamble.name}",
                               key=lambda f: f), value))
    for mf, value in given:
        fm = match_from_text(mf, value)
        if fm is not None:
            member.match.append(fm)
    return member


def value_set_entry(index: P4InfoIndex, name: str, members: Iterable[str]
                    ) -> p4runtime_pb2.Entity:
    """The whole value set, for a MODIFY (it replaces the members)."""
    vs = index.value_set(name)
    e = p4runtime_pb2.Entity()
    e.value_set_entry.value_set_id = vs.preamble.id
    e.value_set_entry.members.extend(value_set_member(vs, m) for m in members)
    return e


def value_set_read(index: P4InfoIndex, name: str | None = None) -> p4runtime_pb2.Entity:
    e = p4runtime_pb2.Entity()
    e.value_set_entry.SetInParent()
    if name is not None:
        e.value_set_entry.value_set_id = index.value_set(name).preamble.id
    return e


def _member_matches(index: P4InfoIndex, entry: p4runtime_pb2.ValueSetEntry,
                    member: p4runtime_pb2.ValueSetMember
                    ) -> list[tuple[p4info_pb2.MatchField, p4runtime_pb2.FieldMatch]]:
    vs = index.value_sets_by_id.get(entry.value_set_id)
    fields = {mf.id: mf for mf in _value_set_fields(vs)} if vs else {}
    return [(fields.get(fm.field_id, p4info_pb2.MatchField(name=f"#{fm.field_id}")), fm)
            for fm in member.match]


def _single_field(index: P4InfoIndex, entry: p4runtime_pb2.ValueSetEntry) -> bool:
    vs = index.value_sets_by_id.get(entry.value_set_id)
    return vs is not None and len(vs.match) == 1


def format_value_set(index: P4InfoIndex, entry: p4runtime_pb2.ValueSetEntry) -> str:
    """`value_set=NAME, members=M1,M2` (a member of several fields in parentheses,
    as set-value-set reads it without them); `*`: a member matching
    anything."""
    single = _single_field(index, entry)
    texts = []
    for member in entry.members:
        matches = _member_matches(index, entry, member)
        if single:
            texts.append(format_match(*matches[0]) if matches else "*")
        else:
            texts.append("(" + ",".join(f"{mf.name}={format_match(mf, fm)}"
                                        for mf, fm in matches) + ")")
    return (f"value_set={index.name_of(entry.value_set_id)}, "
            f"members={','.join(texts) or 'none'}")


def value_set_json(index: P4InfoIndex, entry: p4runtime_pb2.ValueSetEntry) -> dict[str, Any]:
    """Members as runtime files write matches: the value (one field) or
    {FIELD: value} (several)."""
    single = _single_field(index, entry)
    members: list[Any] = []
    for member in entry.members:
        matches = _member_matches(index, entry, member)
        if single:
            members.append(match_json(*matches[0]) if matches else "*")
        else:
            members.append({mf.name: match_json(mf, fm) for mf, fm in matches})
    return {"value_set": index.name_of(entry.value_set_id), "members": members}
