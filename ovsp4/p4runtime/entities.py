"""Updates of every entity but TableEntry: action profile members and
groups, counters, meters, direct counters and meters, registers, the packet
replication engine, value sets, digests (spec "P4 Entity Messages").

These are not on a hot path: they are read as protobuf objects and encoded
through the control-protocol dataclasses.
"""

from __future__ import annotations

from typing import TypeVar

from ovsp4.control import protocol as cp
from ovsp4.p4runtime import errors as E
from ovsp4.p4runtime.ctlenc import counter_data, meter_config
from ovsp4.p4runtime.entry_wire import parse_table_entry
from ovsp4.p4runtime.errors import P4RuntimeError
from ovsp4.p4runtime.plan import Multi
from ovsp4.p4runtime.schema import (
    FM_EXACT,
    FM_LPM,
    FM_OPTIONAL,
    FM_OTHER,
    FM_RANGE,
    FM_TERNARY,
    ProfileInfo,
    Schema,
    TableInfo,
    TypeInfo,
)
from ovsp4.p4runtime.state import HIDDEN, State
from ovsp4.p4runtime.tables import TableWriter, render
from ovsp4.p4runtime.validate import check_action, check_matches
from ovsp4.p4runtime.values import canonical, fits, fits_signed, to_int, to_unsigned
from ovsp4.proto import p4data_pb2, p4runtime_pb2

T = TypeVar("T")

Op = p4runtime_pb2.Update.Type
_CTL_OP = {Op.INSERT: cp.Op.INSERT, Op.MODIFY: cp.Op.MODIFY, Op.DELETE: cp.Op.DELETE}
_OP_NAME = {Op.INSERT: "INSERT", Op.MODIFY: "MODIFY", Op.DELETE: "DELETE"}

SDN_PORT_CPU = 0xFFFFFFFD
V1MODEL_PORT_MAX = 511          # egress_port is bit<9>
V1MODEL_RID_MAX = 0xFFFF        # egress_rid is bit<16>
V1MODEL_COS_MAX = 7             # priority is bit<3>

# A translated update: encoded control update(s), a Multi, or nothing to
# send (a valid update that changes nothing).
NOOP = b""
Result = P4RuntimeError | bytes | Multi


def _enc(op: cp.Op, body: cp.EntityBody, entity: cp.Entity | None = None) -> bytes:
    return cp.encode_update(cp.Update(op, body, entity))


def _index(entry: object, size: int, what: str) -> tuple[P4RuntimeError | None, int]:
    """An Index field: unset is every cell."""
    if not entry.HasField("index"):  # type: ignore[attr-defined]
        return None, cp.INDEX_ALL
    i = entry.index.index  # type: ignore[attr-defined]
    if i < 0:
        return E.invalid(f"{what}: negative index {i}"), 0
    if i >= size:
        return E.out_of_range(f"{what}: index {i} out of range (size {size})"), 0
    return None, i


def modify_only(op: int, what: str) -> P4RuntimeError | None:
    if op != Op.MODIFY:
        return E.invalid(f"{what}: only MODIFY is allowed, not {_OP_NAME.get(op, op)}")
    return None


class EntityWriter:
    def __init__(self, schema: Schema, state: State, tables: TableWriter, cpu_port: int) -> None:
        self.schema = schema
        self.state = state
        self.tables = tables
        self.cpu_port = cpu_port
        self.v1model = schema.arch in ("v1model", "")

    def translate(self, op: int, entity: p4runtime_pb2.Entity) -> Result:
        kind = entity.WhichOneof("entity")
        if kind is None:
            return E.invalid("update without an entity")
        if op not in _CTL_OP:
            return E.invalid(f"update type {op}: must be INSERT, MODIFY or DELETE")
        if kind == "extern_entry":
            return E.unimplemented("extern entries are not supported")
        return getattr(self, "_" + kind)(op, getattr(entity, kind))

    # -- action profiles --------------------------------------------------------

    def _profile(self, profile_id: int, noun: str, ref_id: int
                 ) -> tuple[P4RuntimeError | None, ProfileInfo | None]:
        prof = self.schema.profiles.get(profile_id)
        if prof is None:
            if not profile_id:
                return E.invalid(f"action profile {noun} without action_profile_id"), None
            return E.not_found(f"no action profile id {profile_id}"), None
        what = f"action profile {prof.name} {noun} {ref_id}"
        if not ref_id:
            return E.invalid(f"action profile {prof.name}: {noun} id 0"), None
        if ref_id >= HIDDEN:
            return E.invalid(f"{what}: ids from 0x80000000 on are reserved for one-shot "
                             "programming"), None
        if prof.selector and self.state.profile(prof.id).oneshot:
            return E.invalid(f"{what}: action selector {prof.name} is programmed with "
                             "one-shots: members and groups are not allowed"), None
        return None, prof

    def _explicit(self, prof: ProfileInfo, delta: int, what: str, data: bytes,
                  extra=None) -> Multi:  # noqa: ANN001
        pst = self.state.profile(prof.id)

        def commit() -> None:
            pst.explicit = max(0, pst.explicit + delta)
            if extra is not None:
                extra()

        return Multi(data, 1, 1, commit=commit, what=what)

    def _action_profile_member(self, op: int, m: p4runtime_pb2.ActionProfileMember) -> Result:
        err, prof = self._profile(m.action_profile_id, "member", m.member_id)
        if err is not None:
            return err
        assert prof is not None
        what = f"action profile {prof.name} member {m.member_id}"
        if op == Op.DELETE:
            data = _enc(cp.Op.DELETE, cp.ApMember(prof.id, m.member_id))
            return self._explicit(prof, -1, what, data)
        if not m.HasField("action"):
            return E.invalid(f"{what}: no action")
        tbl = self._profile_table(prof)
        if tbl is None:
            return E.invalid(f"{what}: the action profile has no table")
        params = [(p.param_id, p.value) for p in m.action.params]
        err, _, _ = check_action(tbl.actions, tbl.scopes, m.action.action_id, params, what,
                                 default=False)
        if err is not None:
            return err
        data = _enc(_CTL_OP[op], cp.ApMember(prof.id, m.member_id,
                                             cp.Action.direct(m.action.action_id, params)))
        if op == Op.INSERT:
            return self._explicit(prof, 1, what, data)
        return data

    def _profile_table(self, prof: ProfileInfo) -> TableInfo | None:
        for tid in prof.table_ids:
            tbl = self.schema.tables.get(tid)
            if tbl is not None:
                return tbl
        return None

    def _action_profile_group(self, op: int, g: p4runtime_pb2.ActionProfileGroup) -> Result:
        err, prof = self._profile(g.action_profile_id, "group", g.group_id)
        if err is not None:
            return err
        assert prof is not None
        what = f"action profile {prof.name} group {g.group_id}"
        if not prof.selector:
            return E.invalid(f"{what}: an action profile without a selector has no groups")
        key = (prof.id, g.group_id)
        watch = self.state.watch
        if op == Op.DELETE:
            return self._explicit(prof, -1, what, _enc(cp.Op.DELETE, cp.ApGroup(prof.id,
                                                                                 g.group_id)),
                                  lambda: watch.pop(key, None))
        if g.max_size < 0:
            return E.invalid(f"{what}: negative max_size")
        if prof.max_group_size and not 0 < g.max_size <= prof.max_group_size:
            return E.invalid(f"{what}: max_size {g.max_size} must be in 1.."
                             f"{prof.max_group_size} (the selector's max group size)")
        members: list[tuple[int, int]] = []
        written: dict[int, bytes] = {}
        seen: set[int] = set()
        total = 0
        for m in g.members:
            if m.member_id in seen:
                return E.invalid(f"{what}: member {m.member_id} given twice")
            seen.add(m.member_id)
            if m.member_id >= HIDDEN:
                return E.invalid(f"{what}: member ids from 0x80000000 on are reserved")
            if m.weight <= 0:
                return E.invalid(f"{what}: member {m.member_id}: weight {m.weight}: weights "
                                 "must be positive")
            if prof.weights_disallowed and m.weight != 1:
                return E.invalid(f"{what}: the selector takes no weights")
            if prof.sum_of_members and prof.max_member_weight \
                    and m.weight > prof.max_member_weight:
                return E.invalid(f"{what}: member {m.member_id}: weight above "
                                 f"{prof.max_member_weight}")
            watch_kind = m.WhichOneof("watch_kind")
            if watch_kind == "watch_port" and not fits(m.watch_port, 32):
                return E.invalid(f"{what}: member {m.member_id}: watch_port "
                                 f"{m.watch_port.hex() or 'empty'} is not a port")
            total += m.weight
            members.append((m.member_id, m.weight))
            if watch_kind is not None:
                c = p4runtime_pb2.ActionProfileGroup.Member(member_id=m.member_id,
                                                            weight=m.weight)
                if watch_kind == "watch_port":
                    c.watch_port = canonical(m.watch_port)
                else:
                    c.watch = m.watch
                written[m.member_id] = c.SerializeToString()
        size = len(members) if prof.sum_of_members else total
        limit = g.max_size or prof.max_group_size
        if limit and size > limit:
            return E.exhausted(f"{what}: {size} {'members' if prof.sum_of_members else 'weight'}"
                               f" above max_size {limit}")
        data = _enc(_CTL_OP[op], cp.ApGroup(prof.id, g.group_id, members, g.max_size))

        def remember() -> None:
            if written:
                watch[key] = written
            else:
                watch.pop(key, None)

        if op == Op.INSERT:
            return self._explicit(prof, 1, what, data, remember)
        if written or key in watch:
            return Multi(data, 1, 1, commit=remember, what=what)
        return data

    # -- counters and meters ----------------------------------------------------

    def _counter_entry(self, op: int, c: p4runtime_pb2.CounterEntry) -> Result:
        info = self.schema.counters.get(c.counter_id)
        if info is None:
            return self._unknown(c.counter_id, "counter", self.schema.direct_counters,
                                 "DirectCounterEntry")
        what = f"counter {info.name}"
        err = modify_only(op, what)
        if err is not None:
            return err
        err, index = _index(c, info.size, what)
        if err is not None:
            return err
        if not c.HasField("data"):
            return NOOP             # spec: the counter is not modified
        err, _ = counter_data(c.data, what)
        if err is not None:
            return err
        return _enc(cp.Op.MODIFY, cp.CounterEntry(info.id, index, cp.CounterData(
            c.data.packet_count, c.data.byte_count)))

    def _meter_entry(self, op: int, m: p4runtime_pb2.MeterEntry) -> Result:
        info = self.schema.meters.get(m.meter_id)
        if info is None:
            return self._unknown(m.meter_id, "meter", self.schema.direct_meters,
                                 "DirectMeterEntry")
        what = f"meter {info.name}"
        err = modify_only(op, what)
        if err is not None:
            return err
        if m.HasField("counter_data"):
            return E.unimplemented(f"{what}: per-color meter counters are not supported")
        err, index = _index(m, info.size, what)
        if err is not None:
            return err
        config = None
        if m.HasField("config"):
            err, _ = meter_config(m.config, info.type, what)
            if err is not None:
                return err
            c = m.config
            config = cp.MeterConfig(c.cir, c.cburst, c.pir, c.pburst)
        return _enc(cp.Op.MODIFY, cp.MeterEntry(info.id, index, config))

    @staticmethod
    def _unknown(obj_id: int, noun: str, direct: dict, entity: str) -> P4RuntimeError:
        if not obj_id:
            return E.invalid(f"{noun} entry without a {noun} id")
        if obj_id in direct:
            return E.invalid(f"{noun} id {obj_id} is a direct {noun}: use {entity}")
        return E.not_found(f"no {noun} id {obj_id}")

    def _direct_key(self, te: p4runtime_pb2.TableEntry, noun: str, has: str
                    ) -> tuple[P4RuntimeError | None, list | None, object]:
        """A direct resource entry's table entry key: (error, key pieces,
        parsed entry)."""
        raw = te.SerializeToString()
        e = parse_table_entry(raw, Op.MODIFY, 0, len(raw))
        tbl = self.schema.tables.get(e.table_id)
        if tbl is None:
            if not e.table_id:
                return E.invalid(f"direct {noun} entry without table_id"), None, None
            return E.not_found(f"no table id {e.table_id}"), None, None
        what = f"table {tbl.name} direct {noun}"
        if not getattr(tbl, has):
            return E.invalid(f"{what}: the table has no direct {noun}"), None, None
        if e.is_default:
            return E.unimplemented(f"{what}: direct resources of default entries are not "
                                   "supported"), None, None
        if tbl.keyless:
            return E.invalid(f"{what}: a keyless table has only its default entry"), None, None
        err, key, _ = self.tables.key(e, tbl, what)
        if err is not None:
            return err, None, None
        return None, key, (e, tbl, what)

    def _direct_counter_entry(self, op: int, d: p4runtime_pb2.DirectCounterEntry) -> Result:
        err, key, ctx = self._direct_key(d.table_entry, "counter", "direct_counter")
        if err is not None:
            return err
        e, tbl, what = ctx  # type: ignore[misc]
        err = modify_only(op, what)
        if err is not None:
            return err
        if not d.HasField("data"):
            return NOOP
        err, data = counter_data(d.data, what)
        if err is not None:
            return err
        return render(e, TableWriter.key_update(cp.Op.MODIFY, cp.Entity.DIRECT_COUNTER, e,
                                                key, cp.ENTRY_COUNTER, data))  # type: ignore

    def _direct_meter_entry(self, op: int, d: p4runtime_pb2.DirectMeterEntry) -> Result:
        err, key, ctx = self._direct_key(d.table_entry, "meter", "direct_meter")
        if err is not None:
            return err
        e, tbl, what = ctx  # type: ignore[misc]
        err = modify_only(op, what)
        if err is not None:
            return err
        if d.HasField("counter_data"):
            return E.unimplemented(f"{what}: per-color meter counters are not supported")
        flags, cfg = 0, b""
        if d.HasField("config"):
            err, cfg = meter_config(d.config, tbl.direct_meter.type, what)
            if err is not None:
                return err
            flags = cp.ENTRY_METER
        return render(e, TableWriter.key_update(cp.Op.MODIFY, cp.Entity.DIRECT_METER, e, key,
                                                flags, cfg))  # type: ignore[arg-type]

    # -- registers ----------------------------------------------------------------

    def _register_entry(self, op: int, r: p4runtime_pb2.RegisterEntry) -> Result:
        info = _lookup(self.schema.registers, r.register_id, "register", "register_id")
        if isinstance(info, P4RuntimeError):
            return info
        what = f"register {info.name}"
        err = modify_only(op, what)
        if err is not None:
            return err
        err, index = _index(r, info.size, what)
        if err is not None:
            return err
        if not info.type.supported or info.type.members:
            return E.unimplemented(f"{what}: only bit<W> and int<W> registers are supported")
        if not r.HasField("data"):
            return E.invalid(f"{what}: no data")
        err, value = p4data_to_bytes(r.data, info.type, what)
        if err is not None:
            return err
        return _enc(cp.Op.MODIFY, cp.RegisterEntry(info.id, index, value))

    # -- packet replication engine --------------------------------------------------

    def _packet_replication_engine_entry(self, op: int,
                                         pre: p4runtime_pb2.PacketReplicationEngineEntry
                                         ) -> Result:
        kind = pre.WhichOneof("type")
        if kind == "multicast_group_entry":
            g = pre.multicast_group_entry
            what = f"multicast group {g.multicast_group_id}"
            if not g.multicast_group_id:
                return E.invalid("multicast group id 0")
            key = (cp.Entity.MCAST_GROUP, g.multicast_group_id)
            if op == Op.DELETE:
                return self._pre_commit(key, _enc(cp.Op.DELETE, cp.McastGroup(
                    g.multicast_group_id)), what, None)
            err, reps, written = self._replicas(g.replicas, what)
            if err is not None:
                return err
            data = _enc(_CTL_OP[op], cp.McastGroup(g.multicast_group_id, reps))
            return self._pre_commit(key, data, what, (g.metadata, written, _pairs(reps)))
        if kind == "clone_session_entry":
            s = pre.clone_session_entry
            what = f"clone session {s.session_id}"
            if not s.session_id:
                return E.invalid("clone session id 0")
            key = (cp.Entity.CLONE_SESSION, s.session_id)
            if op == Op.DELETE:
                return self._pre_commit(key, _enc(cp.Op.DELETE, cp.CloneSession(s.session_id)),
                                        what, None)
            if self.v1model and s.class_of_service > V1MODEL_COS_MAX:
                return E.invalid(f"{what}: class of service {s.class_of_service} above "
                                 f"{V1MODEL_COS_MAX}")
            if s.packet_length_bytes < 0:
                return E.invalid(f"{what}: negative packet_length_bytes")
            err, reps, written = self._replicas(s.replicas, what)
            if err is not None:
                return err
            data = _enc(_CTL_OP[op], cp.CloneSession(s.session_id, reps, s.class_of_service,
                                                     s.packet_length_bytes))
            return self._pre_commit(key, data, what, (b"", written, _pairs(reps)))
        return E.invalid("packet replication engine entry without an entry")

    def _pre_commit(self, key: tuple[int, int], data: bytes, what: str,
                    value: tuple | None) -> Multi:
        pre = self.state.pre

        def commit() -> None:
            if value is None:
                pre.pop(key, None)
            else:
                pre[key] = value  # type: ignore[assignment]

        return Multi(data, 1, 1, commit=commit, what=what)

    def _replicas(self, replicas: object, what: str
                  ) -> tuple[P4RuntimeError | None, list[cp.Replica], list[bytes]]:
        out: list[cp.Replica] = []
        written: list[bytes] = []
        seen: set[tuple[int, int]] = set()
        for r in replicas:  # type: ignore[attr-defined]
            if len(r.backup_replicas):
                return E.unimplemented(f"{what}: backup replicas are not supported"), [], []
            kind = r.WhichOneof("port_kind")
            canon = p4runtime_pb2.Replica(instance=r.instance)
            if kind == "port":
                if not fits(r.port, 32):
                    return E.invalid(f"{what}: port {r.port.hex() or 'empty'} is not a 32-bit "
                                     "SDN port"), [], []
                port = to_int(r.port)
                canon.port = canonical(r.port)
            else:
                port = r.egress_port
                canon.egress_port = port
            if port == SDN_PORT_CPU and self.cpu_port:
                port = self.cpu_port
            if self.v1model and port > V1MODEL_PORT_MAX:
                return E.invalid(f"{what}: port {port} is not a v1model port "
                                 f"(0..{V1MODEL_PORT_MAX})"), [], []
            if self.v1model and r.instance > V1MODEL_RID_MAX:
                return E.invalid(f"{what}: instance {r.instance} above {V1MODEL_RID_MAX}"), \
                    [], []
            if (port, r.instance) in seen:
                return E.invalid(f"{what}: replica (port {port}, instance {r.instance}) given "
                                 "twice"), [], []
            seen.add((port, r.instance))
            out.append(cp.Replica(port, r.instance))
            written.append(canon.SerializeToString())
        return None, out, written

    # -- value sets and digests -----------------------------------------------------

    def _value_set_entry(self, op: int, v: p4runtime_pb2.ValueSetEntry) -> Result:
        info = _lookup(self.schema.value_sets, v.value_set_id, "value set", "value_set_id")
        if isinstance(info, P4RuntimeError):
            return info
        what = f"value set {info.name}"
        err = modify_only(op, what)
        if err is not None:
            return err
        if len(v.members) > info.size:
            return E.exhausted(f"{what}: {len(v.members)} members, the size is {info.size}")
        exact = frozenset(f.id for f in info.order if f.fm == FM_EXACT)
        members: list[list[cp.FieldMatch]] = []
        seen: set[tuple] = set()
        for i, member in enumerate(v.members):
            matches = [match_tuple(fm) for fm in member.match]
            err, _ = check_matches(info.fields, exact, matches, f"{what} member {i}")
            if err is not None:
                return err
            if any(m[1] == FM_RANGE for m in matches):
                return E.unimplemented(f"{what}: range matches in value sets are not supported")
            sig = tuple(sorted((fid, to_int(a), to_int(b) if b is not None else 0, plen)
                               for fid, _fm, a, b, plen in matches))
            if sig in seen:
                return E.already_exists(f"{what}: member {i} given twice")
            seen.add(sig)
            members.append([cp.FieldMatch(fid, info.fields[fid].ctl_kind, a, b or b"",
                                          plen if fm == FM_LPM else 0)
                            for fid, fm, a, b, plen in matches])
        return _enc(cp.Op.MODIFY, cp.ValueSetEntry(info.id, members))

    def _digest_entry(self, op: int, d: p4runtime_pb2.DigestEntry) -> Result:
        info = _lookup(self.schema.digests, d.digest_id, "digest", "digest_id")
        if isinstance(info, P4RuntimeError):
            return info
        what = f"digest {info.name}"
        if op == Op.DELETE:
            return _enc(cp.Op.DELETE, cp.DigestConfig(info.id))
        if not d.HasField("config"):
            return E.invalid(f"{what}: no config")
        c = d.config
        if c.max_timeout_ns < 0 or c.max_list_size < 0 or c.ack_timeout_ns < 0:
            return E.invalid(f"{what}: negative config value")
        return _enc(_CTL_OP[op], cp.DigestConfig(info.id, c.max_timeout_ns, c.max_list_size,
                                                 c.ack_timeout_ns))

    def _table_entry(self, op: int, te: p4runtime_pb2.TableEntry) -> Result:
        raise AssertionError("table entries are translated from their bytes")


def _pairs(reps: list[cp.Replica]) -> list[tuple[int, int]]:
    return [(r.port, r.rid) for r in reps]


def match_tuple(fm: p4runtime_pb2.FieldMatch) -> tuple[int, int, bytes, bytes | None, int]:
    """A FieldMatch object as :data:`ovsp4.p4runtime.validate.Match`."""
    kind = fm.WhichOneof("field_match_type")
    if kind == "exact":
        return fm.field_id, FM_EXACT, fm.exact.value, None, 0
    if kind == "ternary":
        return fm.field_id, FM_TERNARY, fm.ternary.value, fm.ternary.mask, 0
    if kind == "lpm":
        return fm.field_id, FM_LPM, fm.lpm.value, None, fm.lpm.prefix_len
    if kind == "range":
        return fm.field_id, FM_RANGE, fm.range.low, fm.range.high, 0
    if kind == "optional":
        return fm.field_id, FM_OPTIONAL, fm.optional.value, None, 0
    return fm.field_id, (FM_OTHER if kind == "other" else 0), b"", None, 0


def p4data_to_bytes(data: p4data_pb2.P4Data, t: TypeInfo, what: str
                    ) -> tuple[P4RuntimeError | None, bytes]:
    """A bitstring P4Data as the datapath's value (spec "Bytestrings": a
    value too wide is OUT_OF_RANGE; anything but a bitstring does not
    match the type: INVALID_ARGUMENT)."""
    if data.WhichOneof("data") != "bitstring":
        return E.invalid(f"{what}: data must be a bitstring"), b""
    v = data.bitstring
    if not v:
        return E.out_of_range(f"{what}: empty bitstring"), b""
    if t.signed:
        if not fits_signed(v, t.width):
            return E.out_of_range(f"{what}: {v.hex()} does not fit an int<{t.width}>"), b""
        return None, to_unsigned(v, t.width)
    if not fits(v, t.width):
        return E.out_of_range(f"{what}: {v.hex()} does not fit a bit<{t.width}>"), b""
    return None, v


def _lookup(objects: dict[int, T], obj_id: int, kind: str, field: str) -> T | P4RuntimeError:
    """The object an entity names by id: INVALID_ARGUMENT for id 0 (unset),
    NOT_FOUND for an id the P4Info lacks."""
    info = objects.get(obj_id)
    if info is not None:
        return info
    if not obj_id:
        return E.invalid(f"{kind} entry without {field}")
    return E.not_found(f"no {kind} id {obj_id}")
