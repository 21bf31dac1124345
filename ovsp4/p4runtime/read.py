"""Read requests (spec "Read RPC" and each entity's wildcard rules) as
control-protocol READs, and the datapath's replies as P4Runtime entities.

:meth:`Reader.queries` turns one requested entity into
:class:`ReadQuery` objects, each one control READ (paged) plus what is
needed to filter and convert its items. Replies are converted straight from
their bytes into serialized ``p4.v1.Entity`` messages (:mod:`pbout`), in
canonical form: bytestrings shortest, don't-care matches omitted, fields at
their defaults left out, ``counter_data``, ``meter_config`` and
``time_since_last_hit`` only when the request set them (spec "Direct
Resources", "Idle-timeout").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ovsp4.control import protocol as cp
from ovsp4.p4runtime import errors as E
from ovsp4.p4runtime.ctlenc import ENTRY_HEAD, U32
from ovsp4.p4runtime.entry_wire import parse_table_entry
from ovsp4.p4runtime.oneshot import OneShot
from ovsp4.p4runtime.read_entries import (
    AS_DIRECT_COUNTER,
    AS_DIRECT_METER,
    AS_TABLE_ENTRY,
    EntryConverter,
)
from ovsp4.p4runtime.schema import Schema, TableInfo, TypeInfo
from ovsp4.p4runtime.state import HIDDEN, State
from ovsp4.p4runtime.tables import TableWriter, var_bytes
from ovsp4.p4runtime.values import canonical, canonical_int, from_unsigned
from ovsp4.proto import p4runtime_pb2

Transport = Callable[[bytes], bytes]
SDN_PORT_CPU = 0xFFFFFFFD

# What a query's items become.
K_TABLE, K_DIRECT_COUNTER, K_DIRECT_METER = "table", "direct_counter", "direct_meter"


@dataclass(eq=False)
class ReadQuery:
    """One control READ and how to turn its items into P4Runtime entities."""

    request: cp.ReadRequest
    kind: str                        # K_* or the entity's oneof name
    counter: bool = False            # table entries: with counter_data
    meter: bool = False              # with meter_config
    time: bool = False               # with time_since_last_hit
    priority: int = 0                # filters (0/empty: any)
    cookie: int = 0
    metadata: bytes = b""
    action_id: int = 0
    missing_ok: bool = True          # NOT_FOUND of a keyed read: no entities
    what: str = ""

    @property
    def must_exist(self) -> bool:
        """A keyed read of something missing is NOT_FOUND (direct
        counters and meters, counter/meter/register cells), not an empty
        result."""
        return not self.missing_ok


class Reader:
    def __init__(self, schema: Schema, state: State, tables: TableWriter, oneshot: OneShot,
                 cpu_port: int) -> None:
        self.schema = schema
        self.state = state
        self.tables = tables
        self.oneshot = oneshot
        self.cpu_port = cpu_port
        self.entries = EntryConverter(schema, state, oneshot.action_set)

    # -- requests -----------------------------------------------------------------

    def queries(self, entity: p4runtime_pb2.Entity) -> list[ReadQuery]:
        kind = entity.WhichOneof("entity")
        if kind is None:
            raise E.invalid("read of an entity with nothing set (the entity oneof must be "
                            "set)")
        if kind == "extern_entry":
            raise E.unimplemented("extern entries are not supported")
        return getattr(self, "_q_" + kind)(getattr(entity, kind))

    def _table(self, table_id: int) -> TableInfo:
        tbl = self.schema.tables.get(table_id)
        if tbl is None:
            raise E.not_found(f"no table id {table_id}")
        return tbl

    def _key(self, te: p4runtime_pb2.TableEntry, tbl: TableInfo, what: str) -> cp.TableEntry:
        """A match key of a read request as a control TableEntry key."""
        raw = te.SerializeToString()
        e = parse_table_entry(raw, 0, 0, len(raw))
        err, key, _ = self.tables.key(e, tbl, what)
        if err is not None:
            raise err
        body = b"".join(p if isinstance(p, bytes) else var_bytes(e, p) for p in key)
        return _decode_key(tbl.id, body)

    def _q_table_entry(self, te: p4runtime_pb2.TableEntry) -> list[ReadQuery]:
        if te.HasField("meter_counter_data"):
            raise E.unimplemented("per-color meter counters are not supported")
        q = ReadQuery(cp.ReadRequest(cp.Entity.TABLE_ENTRY), K_TABLE,
                      counter=te.HasField("counter_data"), meter=te.HasField("meter_config"),
                      time=te.HasField("time_since_last_hit"))
        if not te.table_id:
            if (len(te.match) or te.priority or te.controller_metadata or te.metadata
                    or te.is_default_action or te.HasField("action")):
                raise E.invalid("a read of every table's entries (table_id 0) takes no "
                                "other filter")
            return [q]
        tbl = self._table(te.table_id)
        what = f"table {tbl.name}"
        q.what = what
        if q.time and not tbl.idle_timeout:
            raise E.invalid(f"{what}: time_since_last_hit on a table without idle timeout")
        q.request.id = tbl.id
        if te.is_default_action:
            if len(te.match) or te.priority:
                raise E.invalid(f"{what} default entry: no match and priority 0 allowed")
            q.request.key = cp.TableEntry(tbl.id, is_default=True)
            return [q]
        if len(te.match):
            q.request.key = self._key(te, tbl, what)
        elif te.priority:
            q.priority = te.priority
        q.cookie = te.controller_metadata
        q.metadata = te.metadata
        if te.action.WhichOneof("type") == "action":
            q.action_id = te.action.action.action_id
        return [q]

    def _direct(self, te: p4runtime_pb2.TableEntry, kind: str, has: str) -> ReadQuery:
        entity = cp.Entity.DIRECT_COUNTER if kind == K_DIRECT_COUNTER else cp.Entity.DIRECT_METER
        q = ReadQuery(cp.ReadRequest(entity), kind, missing_ok=False)
        if not te.table_id:
            return q
        tbl = self._table(te.table_id)
        what = f"table {tbl.name}"
        q.what = what
        if not getattr(tbl, has):
            raise E.invalid(f"{what}: the table has no direct {kind.split('_')[1]}")
        if te.is_default_action:
            raise E.unimplemented(f"{what}: direct resources of default entries are not "
                                  "supported")
        q.request.id = tbl.id
        if len(te.match):
            q.request.key = self._key(te, tbl, what)
        return q

    def _q_direct_counter_entry(self, d: p4runtime_pb2.DirectCounterEntry) -> list[ReadQuery]:
        return [self._direct(d.table_entry, K_DIRECT_COUNTER, "direct_counter")]

    def _q_direct_meter_entry(self, d: p4runtime_pb2.DirectMeterEntry) -> list[ReadQuery]:
        if d.HasField("counter_data"):
            raise E.unimplemented("per-color meter counters are not supported")
        return [self._direct(d.table_entry, K_DIRECT_METER, "direct_meter")]

    def _q_action_profile_member(self, m: p4runtime_pb2.ActionProfileMember) -> list[ReadQuery]:
        return [self._profile_query(m.action_profile_id, m.member_id, cp.Entity.AP_MEMBER,
                                    "action_profile_member")]

    def _q_action_profile_group(self, g: p4runtime_pb2.ActionProfileGroup) -> list[ReadQuery]:
        return [self._profile_query(g.action_profile_id, g.group_id, cp.Entity.AP_GROUP,
                                    "action_profile_group")]

    def _profile_query(self, profile_id: int, ref: int, entity: cp.Entity, kind: str
                       ) -> ReadQuery:
        q = ReadQuery(cp.ReadRequest(entity), kind)
        if profile_id:
            prof = self.schema.profiles.get(profile_id)
            if prof is None:
                raise E.not_found(f"no action profile id {profile_id}")
            q.request.id = profile_id
            if entity == cp.Entity.AP_GROUP and not prof.selector:
                raise E.invalid(f"action profile {prof.name} has no selector: no groups")
        elif ref:
            raise E.invalid("a member or group id needs its action_profile_id")
        if ref:
            if ref >= HIDDEN:
                q.request.id = 0xFFFFFFFF          # hidden: nothing to return
            q.request.index = ref
        return q

    def _cells(self, obj_id: int, entry: object, infos: dict, direct: dict, noun: str,
               entity: cp.Entity, kind: str) -> ReadQuery:
        q = ReadQuery(cp.ReadRequest(entity), kind, missing_ok=False)
        if not obj_id:
            return q
        info = infos.get(obj_id)
        if info is None:
            if obj_id in direct:
                raise E.invalid(f"{noun} id {obj_id} is a direct {noun}")
            raise E.not_found(f"no {noun} id {obj_id}")
        q.request.id = obj_id
        q.what = f"{noun} {info.name}"
        if entry.HasField("index"):  # type: ignore[attr-defined]
            i = entry.index.index  # type: ignore[attr-defined]
            if i < 0:
                raise E.invalid(f"{q.what}: negative index {i}")
            if i >= info.size:
                raise E.out_of_range(f"{q.what}: index {i} out of range (size {info.size})")
            q.request.index = i
        return q

    def _q_counter_entry(self, c: p4runtime_pb2.CounterEntry) -> list[ReadQuery]:
        return [self._cells(c.counter_id, c, self.schema.counters, self.schema.direct_counters,
                            "counter", cp.Entity.COUNTER, "counter_entry")]

    def _q_meter_entry(self, m: p4runtime_pb2.MeterEntry) -> list[ReadQuery]:
        if m.HasField("counter_data"):
            raise E.unimplemented("per-color meter counters are not supported")
        return [self._cells(m.meter_id, m, self.schema.meters, self.schema.direct_meters,
                            "meter", cp.Entity.METER, "meter_entry")]

    def _q_register_entry(self, r: p4runtime_pb2.RegisterEntry) -> list[ReadQuery]:
        return [self._cells(r.register_id, r, self.schema.registers, {}, "register",
                            cp.Entity.REGISTER, "register_entry")]

    def _q_packet_replication_engine_entry(self, pre: p4runtime_pb2.PacketReplicationEngineEntry
                                           ) -> list[ReadQuery]:
        kind = pre.WhichOneof("type")
        if kind == "multicast_group_entry":
            return [ReadQuery(cp.ReadRequest(cp.Entity.MCAST_GROUP,
                                             pre.multicast_group_entry.multicast_group_id),
                              "multicast_group_entry")]
        if kind == "clone_session_entry":
            return [ReadQuery(cp.ReadRequest(cp.Entity.CLONE_SESSION,
                                             pre.clone_session_entry.session_id),
                              "clone_session_entry")]
        # Neither set: every multicast group and clone session.
        return [ReadQuery(cp.ReadRequest(cp.Entity.MCAST_GROUP), "multicast_group_entry"),
                ReadQuery(cp.ReadRequest(cp.Entity.CLONE_SESSION), "clone_session_entry")]

    def _q_value_set_entry(self, v: p4runtime_pb2.ValueSetEntry) -> list[ReadQuery]:
        if v.value_set_id and v.value_set_id not in self.schema.value_sets:
            raise E.not_found(f"no value set id {v.value_set_id}")
        return [ReadQuery(cp.ReadRequest(cp.Entity.VALUE_SET, v.value_set_id),
                          "value_set_entry")]

    def _q_digest_entry(self, d: p4runtime_pb2.DigestEntry) -> list[ReadQuery]:
        if d.digest_id and d.digest_id not in self.schema.digests:
            raise E.not_found(f"no digest id {d.digest_id}")
        return [ReadQuery(cp.ReadRequest(cp.Entity.DIGEST_CONFIG, d.digest_id), "digest_entry")]

    # -- replies --------------------------------------------------------------------

    def request_bytes(self, q: ReadQuery, cursor: tuple[int, int] = (0, 0), xid: int = 0
                      ) -> bytes:
        r = q.request
        return cp.encode(cp.ReadRequest(r.entity, r.id, r.index, r.key, cursor, r.max_items),
                         xid)

    def reply(self, q: ReadQuery, reply: bytes) -> tuple[list[bytes], tuple[int, int] | None]:
        """A control READ reply's items as serialized ``p4.v1.Entity``
        messages, and the cursor to continue from (None: done). Raises the
        P4RuntimeError of a failed read."""
        h = cp.decode_header(reply)
        if h.status:
            if h.status == cp.Status.NOT_FOUND and (q.missing_ok or q.request.id == 0xFFFFFFFF):
                return [], None
            raise E.from_control_status(h.status, q.what or "read")
        body = reply
        pos = cp.HEADER_LEN + 1
        (n,) = U32.unpack_from(body, pos)
        pos += 4
        entity = reply[cp.HEADER_LEN]
        if entity in (cp.Entity.TABLE_ENTRY, cp.Entity.DIRECT_COUNTER, cp.Entity.DIRECT_METER):
            out, pos = self._entries(q, body, pos, n)
        else:
            out, pos = self._others(q, cp.Entity(entity), body, pos, n)
        more, ca, cb = cp.READ_REPLY_TAIL.unpack_from(body, pos)
        return out, ((ca, cb) if more else None)

    def run(self, q: ReadQuery, transport: Transport, xid: int = 0) -> Iterator[list[bytes]]:
        """Every page of a query's entities, read through a control-protocol
        transport."""
        cursor: tuple[int, int] | None = (0, 0)
        while cursor is not None:
            out, cursor = self.reply(q, transport(self.request_bytes(q, cursor, xid)))
            yield out

    # -- table entries ----------------------------------------------------------------

    def _entries(self, q: ReadQuery, d: bytes, pos: int, n: int) -> tuple[list[bytes], int]:
        filters = (q.priority, q.cookie, q.metadata, q.action_id) \
            if q.priority or q.cookie or q.metadata or q.action_id else None
        as_ = {K_TABLE: AS_TABLE_ENTRY, K_DIRECT_COUNTER: AS_DIRECT_COUNTER,
               K_DIRECT_METER: AS_DIRECT_METER}[q.kind]
        return self.entries.convert(d, pos, n, as_=as_, counter=q.counter, meter=q.meter,
                                    time=q.time, filters=filters)

    # -- other entities ---------------------------------------------------------------

    def _others(self, q: ReadQuery, entity: cp.Entity, d: bytes, pos: int, n: int
                ) -> tuple[list[bytes], int]:
        items, end = cp.decode_bodies(entity, d, pos, n)
        out = []
        for item in items:
            msg = self._convert(entity, item)
            if msg is not None:
                out.append(msg.SerializeToString())
        return out, end

    def _convert(self, entity: cp.Entity, item: object) -> p4runtime_pb2.Entity | None:
        e = p4runtime_pb2.Entity()
        if entity == cp.Entity.AP_MEMBER:
            if item.member_id >= HIDDEN:  # type: ignore[attr-defined]
                return None
            m = e.action_profile_member
            m.action_profile_id = item.profile_id  # type: ignore[attr-defined]
            m.member_id = item.member_id  # type: ignore[attr-defined]
            a = item.action  # type: ignore[attr-defined]
            m.action.action_id = a.action_id
            for pid, v in a.params:
                m.action.params.add(param_id=pid, value=canonical(v))
        elif entity == cp.Entity.AP_GROUP:
            if item.group_id >= HIDDEN:  # type: ignore[attr-defined]
                return None
            g = e.action_profile_group
            g.action_profile_id = item.profile_id  # type: ignore[attr-defined]
            g.group_id = item.group_id  # type: ignore[attr-defined]
            g.max_size = item.max_size  # type: ignore[attr-defined]
            written = self.state.watch.get((g.action_profile_id, g.group_id), {})
            for mid, w in item.members:  # type: ignore[attr-defined]
                if mid in written:
                    g.members.add().MergeFromString(written[mid])
                    g.members[-1].weight = w
                else:
                    g.members.add(member_id=mid, weight=w)
        elif entity == cp.Entity.COUNTER:
            c = e.counter_entry
            c.counter_id = item.counter_id  # type: ignore[attr-defined]
            c.index.index = item.index  # type: ignore[attr-defined]
            c.data.packet_count = item.data.packets  # type: ignore[attr-defined]
            c.data.byte_count = item.data.bytes  # type: ignore[attr-defined]
        elif entity == cp.Entity.METER:
            m = e.meter_entry
            m.meter_id = item.meter_id  # type: ignore[attr-defined]
            m.index.index = item.index  # type: ignore[attr-defined]
            cfg = item.config  # type: ignore[attr-defined]
            if cfg is not None:
                m.config.cir, m.config.cburst = cfg.cir, cfg.cburst
                m.config.pir, m.config.pburst = cfg.pir, cfg.pburst
        elif entity == cp.Entity.REGISTER:
            info = self.schema.registers.get(item.register_id)  # type: ignore[attr-defined]
            r = e.register_entry
            r.register_id = item.register_id  # type: ignore[attr-defined]
            r.index.index = item.index  # type: ignore[attr-defined]
            r.data.bitstring = _data_bytes(item.value,  # type: ignore[attr-defined]
                                           info.type if info else TypeInfo())
        elif entity in (cp.Entity.MCAST_GROUP, cp.Entity.CLONE_SESSION):
            self._pre(entity, item, e.packet_replication_engine_entry)
        elif entity == cp.Entity.VALUE_SET:
            v = e.value_set_entry
            v.value_set_id = item.value_set_id  # type: ignore[attr-defined]
            info = self.schema.value_sets.get(v.value_set_id)
            for member in item.members:  # type: ignore[attr-defined]
                vm = v.members.add()
                for fm in member:
                    _value_set_match(vm.match.add(), fm, info)
        elif entity == cp.Entity.DIGEST_CONFIG:
            d = e.digest_entry
            d.digest_id = item.digest_id  # type: ignore[attr-defined]
            d.config.max_timeout_ns = item.max_timeout_ns  # type: ignore[attr-defined]
            d.config.max_list_size = item.max_list_size  # type: ignore[attr-defined]
            d.config.ack_timeout_ns = item.ack_timeout_ns  # type: ignore[attr-defined]
        else:
            return None
        return e

    def _pre(self, entity: cp.Entity, item: object,
             pre: p4runtime_pb2.PacketReplicationEngineEntry) -> None:
        reps = [(r.port, r.rid) for r in item.replicas]  # type: ignore[attr-defined]
        if entity == cp.Entity.MCAST_GROUP:
            obj = pre.multicast_group_entry
            obj.multicast_group_id = item.group_id  # type: ignore[attr-defined]
            key = (cp.Entity.MCAST_GROUP, item.group_id)  # type: ignore[attr-defined]
        else:
            obj = pre.clone_session_entry
            obj.session_id = item.session_id  # type: ignore[attr-defined]
            obj.class_of_service = item.class_of_service  # type: ignore[attr-defined]
            obj.packet_length_bytes = item.truncate_len  # type: ignore[attr-defined]
            key = (cp.Entity.CLONE_SESSION, item.session_id)  # type: ignore[attr-defined]
        written = self.state.pre.get(key)
        if written is not None and written[2] == reps:
            # What the client wrote, unchanged: its form (port or
            # egress_port, the CPU port as such) and its metadata.
            if entity == cp.Entity.MCAST_GROUP and written[0]:
                obj.metadata = written[0]
            for raw in written[1]:
                obj.replicas.add().MergeFromString(raw)
            return
        for port, rid in reps:
            if port == self.cpu_port and self.cpu_port:
                port = SDN_PORT_CPU
            obj.replicas.add(port=canonical_int(port), instance=rid)


def _decode_key(table_id: int, body: bytes) -> cp.TableEntry:
    """A control TableEntry key from the pieces after the flags (priority,
    matches): decoded with the codec, to pass as a ReadRequest key."""
    data = ENTRY_HEAD.pack(0, 0, table_id, 0)[2:] + body + b"\x00" + bytes(16)
    (key,), _ = cp.decode_bodies(cp.Entity.TABLE_ENTRY, data, 0, 1)
    return key  # type: ignore[return-value]


def _value_set_match(out: p4runtime_pb2.FieldMatch, fm: cp.FieldMatch, info: object) -> None:
    out.field_id = fm.field_id
    if fm.kind == cp.MatchKind.EXACT:
        out.exact.value = canonical(fm.value)
    elif fm.kind == cp.MatchKind.OPTIONAL:
        out.optional.value = canonical(fm.value)
    elif fm.kind == cp.MatchKind.LPM:
        out.lpm.value = canonical(fm.value)
        out.lpm.prefix_len = fm.prefix_len
    elif fm.kind == cp.MatchKind.TERNARY:
        out.ternary.value = canonical(fm.value)
        out.ternary.mask = canonical(fm.mask)


def _data_bytes(value: bytes, t: TypeInfo) -> bytes:
    return from_unsigned(value, t.width) if t.signed else canonical(value)


__all__ = ["Reader", "ReadQuery"]
