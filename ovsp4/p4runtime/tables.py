"""TableEntry updates (spec "TableEntry") to control-protocol TABLE_ENTRY,
DIRECT_COUNTER and DIRECT_METER updates.

The result of a successful translation is a list of *pieces*: bytes, and
variable indices (:mod:`ovsp4.p4runtime.entry_wire`) standing for the
variables' control-protocol bytes; with the value checks it needed, that
is what :mod:`ovsp4.p4runtime.fastpath` caches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ovsp4.control import protocol as cp
from ovsp4.p4runtime import errors as E
from ovsp4.p4runtime.ctlenc import (
    ACTION_HEAD,
    ENTRY_HEAD,
    FM_HEAD,
    I32,
    NO_ACTION,
    PARAM_HEAD,
    U8,
    U16,
    U32,
    U64,
    ZERO_I32,
    ZERO_U32,
    ZERO_U64,
    counter_data,
    meter_config,
)
from ovsp4.p4runtime.entry_wire import (
    ACT_DIRECT,
    ACT_GROUP,
    ACT_MEMBER,
    ACT_NONE,
    ACT_SET,
    V_BYTES,
    V_I32,
    V_U16,
    V_U32,
    RawEntry,
)
from ovsp4.p4runtime.errors import P4RuntimeError
from ovsp4.p4runtime.plan import Multi
from ovsp4.p4runtime.schema import FM_LPM, Schema, TableInfo
from ovsp4.p4runtime.state import HIDDEN, KeySig, State, key_sig
from ovsp4.p4runtime.validate import (
    ValueCheck,
    check_action,
    check_matches,
    lpm_check,
    lpm_var_check,
)
from ovsp4.proto import p4runtime_pb2

Op = p4runtime_pb2.Update.Type
Piece = bytes | int
# A value check on variables: (function, variable indices, arguments).
VarCheck = ValueCheck

_OPS = {Op.INSERT: cp.Op.INSERT, Op.MODIFY: cp.Op.MODIFY, Op.DELETE: cp.Op.DELETE}
_OP_NAMES = {Op.INSERT: "insert", Op.MODIFY: "modify", Op.DELETE: "delete"}


@dataclass(eq=False, slots=True)
class EntryOut:
    """A translated update: its control updates as pieces."""

    pieces: list[Piece]
    n_ctl: int = 1
    checks: list[VarCheck] = field(default_factory=list)
    cacheable: bool = True
    guard: dict | None = None         # cached only while this is empty (table metadata)


def var_bytes(e: RawEntry, i: int) -> bytes:
    """A variable's control-protocol bytes."""
    kind = e.kinds[i]
    v = e.vals[i]
    if kind == V_BYTES:
        return v  # type: ignore[return-value]
    if kind == V_I32:
        return I32.pack(v)  # type: ignore[arg-type]
    if kind == V_U16:
        return U16.pack(v)  # type: ignore[arg-type]
    if kind == V_U32:
        return U32.pack(v)  # type: ignore[arg-type]
    return U64.pack(v)  # type: ignore[arg-type]


def render(e: RawEntry, pieces: list[Piece]) -> bytes:
    return b"".join(p if isinstance(p, bytes) else var_bytes(e, p) for p in pieces)


def entry_key(e: RawEntry) -> KeySig:
    """The entry's key signature (:func:`ovsp4.p4runtime.state.key_sig`)."""
    vals = e.vals
    return key_sig(e.priority(), (
        (fid, int.from_bytes(vals[a], "big"),  # type: ignore[arg-type]
         int.from_bytes(vals[b], "big") if b >= 0 else 0,  # type: ignore[arg-type]
         plen if fm == FM_LPM else 0)
        for fid, fm, a, b, plen in e.matches))


class TableWriter:
    def __init__(self, schema: Schema, state: State) -> None:
        self.schema = schema
        self.state = state
        self.oneshot = None  # set by the Translator (ovsp4.p4runtime.oneshot.OneShot)

    # -- entry point ------------------------------------------------------------

    def translate(self, e: RawEntry) -> P4RuntimeError | EntryOut | Multi:
        op = e.op
        if op not in _OPS:
            return E.invalid(f"update type {op}: must be INSERT, MODIFY or DELETE")
        tbl = self.schema.tables.get(e.table_id)
        if tbl is None:
            if not e.table_id:
                return E.invalid("table entry without table_id")
            return E.not_found(f"no table id {e.table_id}")
        what = f"table {tbl.name}"
        if not tbl.supported:
            return E.unimplemented(f"{what}: a match kind or field type the datapath "
                                   "does not support")
        if e.is_const:
            return E.invalid(f"{what}: is_const must be false in writes")
        if e.is_default:
            return self._default(e, tbl, what)
        if tbl.keyless:
            return E.invalid(f"{what}: a keyless table has only its default entry")
        if op == Op.DELETE:
            return self._delete(e, tbl, what)
        return self._insert_modify(e, tbl, what)

    # -- keys -------------------------------------------------------------------

    def key(self, e: RawEntry, tbl: TableInfo, what: str
             ) -> tuple[P4RuntimeError | None, list[Piece], list[VarCheck]]:
        """The key's pieces from the priority on: i32 priority, u16 n,
        matches."""
        if e.other_match:
            return E.invalid(f"{what}: 'other' match kinds are not supported"), [], []
        vals = e.vals
        matches = [(fid, fm, vals[a], vals[b] if b >= 0 else None, plen)
                   for fid, fm, a, b, plen in e.matches]
        err, checks = check_matches(tbl.fields, tbl.exact_ids, matches, what)  # type: ignore
        if err is not None:
            return err, [], []
        prio = e.priority()
        if tbl.needs_priority:
            if prio <= 0 or prio >= 1 << 31:
                return E.invalid(f"{what}: priority {prio}: a table with ternary, range or "
                                 "optional matches needs a priority in 1..2^31-1"), [], []
        elif prio:
            return E.invalid(f"{what}: priority {prio}: must be 0 in a table without "
                             "ternary, range or optional matches"), [], []
        var_checks = []
        for fn, pos, args in checks:
            if fn is not lpm_check:
                var_checks.append((fn, tuple(_match_var(e, p) for p in pos), args))
        for i, pv in e.plen_vars.items():
            # The prefix length is a variable: every LPM value needs its check.
            fid, fm, a, _b, _plen = e.matches[i]
            if fm == FM_LPM:
                var_checks.append((lpm_var_check, (a, pv), (tbl.fields[fid].width,)))
        pieces: list[Piece] = [e.prio if e.prio >= 0 else ZERO_I32,
                               U16.pack(len(e.matches))]
        fields = tbl.fields
        for i, (fid, fm, a, b, plen) in enumerate(e.matches):
            _trim(e, a, fields[fid].nbytes)
            if b >= 0:
                _trim(e, b, fields[fid].nbytes)
            pieces.append(FM_HEAD.pack(fid, fields[fid].ctl_kind, len(vals[a])))  # type: ignore
            pieces.append(a)
            if b >= 0:
                pieces.append(U32.pack(len(vals[b])))  # type: ignore[arg-type]
                pieces.append(b)
            else:
                pieces.append(ZERO_U32)
            pv = e.plen_vars.get(i, -1) if fm == FM_LPM else -1
            pieces.append(pv if pv >= 0 else U16.pack(plen if fm == FM_LPM else 0))
        return None, pieces, var_checks

    @staticmethod
    def key_update(op: int, entity: int, e: RawEntry, key: list[Piece],
                   flags: int = 0, tail: bytes = b"") -> list[Piece]:
        """A key-only TableEntry update (DELETE, DIRECT_COUNTER, DIRECT_METER),
        with ``tail`` the meter config or counter data its flags announce."""
        return [ENTRY_HEAD.pack(op, entity, e.table_id, flags), *key, NO_ACTION,
                ZERO_U64, ZERO_U64 + tail]

    # -- actions ----------------------------------------------------------------

    def _action(self, e: RawEntry, tbl: TableInfo, what: str, *, default: bool
                ) -> tuple[P4RuntimeError | None, list[Piece], list[VarCheck]]:
        kind = e.action_kind
        prof = tbl.profile
        if kind == ACT_DIRECT:
            if prof is not None and not default:
                return E.invalid(f"{what}: an action profile table takes member or group "
                                 "ids, not actions"), [], []
            vals = e.vals
            params = [(pid, vals[var]) for pid, var in e.params]
            err, info, checks = check_action(tbl.actions, tbl.scopes, e.action_id,
                                                params, what, default=default)  # type: ignore
            if err is not None:
                return err, [], []
            pieces: list[Piece] = [ACTION_HEAD.pack(cp.ActionKind.DIRECT, e.action_id,
                                                    len(e.params))]
            for pid, var in e.params:
                _trim(e, var, (info.params[pid].width + 7) // 8)  # type: ignore[union-attr]
                pieces.append(PARAM_HEAD.pack(pid, len(vals[var])))  # type: ignore[arg-type]
                pieces.append(var)
            var_checks = [(fn, tuple(e.params[p][1] for p in pos), args)
                          for fn, pos, args in checks]
            return None, pieces, var_checks
        if kind in (ACT_MEMBER, ACT_GROUP):
            noun = "member" if kind == ACT_MEMBER else "group"
            if prof is None:
                return E.invalid(f"{what}: not an action profile table: action profile "
                                 f"{noun} ids are not allowed"), [], []
            if kind == ACT_GROUP and not prof.selector:
                return E.invalid(f"{what}: action profile {prof.name} has no selector: "
                                 "group ids are not allowed"), [], []
            if not e.ref_id:
                return E.invalid(f"{what}: action profile {noun} id 0"), [], []
            if e.ref_id >= HIDDEN:
                return E.invalid(f"{what}: action profile {noun} ids from 0x80000000 on "
                                 "are reserved for one-shot programming"), [], []
            if prof.selector and self.state.profile(prof.id).oneshot:
                return E.invalid(f"{what}: action selector {prof.name} is programmed with "
                                 "one-shots: member and group ids are not allowed"), [], []
            ctl = cp.ActionKind.MEMBER if kind == ACT_MEMBER else cp.ActionKind.GROUP
            return None, [U8.pack(ctl), e.ref], [(ref_check, (e.ref,), ())]
        return E.invalid(f"{what}: no action"), [], []

    # -- updates ----------------------------------------------------------------

    def _resources(self, e: RawEntry, tbl: TableInfo, what: str
                   ) -> tuple[P4RuntimeError | None, int, bytes]:
        """Direct meter config and counter data: (error, flags, bytes)."""
        if e.meter_counter_data:
            return E.unimplemented(f"{what}: per-color meter counters are not supported"), \
                0, b""
        flags = 0
        out = b""
        if e.meter_config is not None:
            if tbl.direct_meter is None:
                return E.invalid(f"{what}: meter_config on a table without a direct "
                                 "meter"), 0, b""
            err, cfg = meter_config(e.meter_config, tbl.direct_meter.type, what)
            if err is not None:
                return err, 0, b""
            flags |= cp.ENTRY_METER
            out += cfg
        if e.counter_data is not None:
            if not tbl.direct_counter:
                return E.invalid(f"{what}: counter_data on a table without a direct "
                                 "counter"), 0, b""
            err, data = counter_data(e.counter_data, what)
            if err is not None:
                return err, 0, b""
            flags |= cp.ENTRY_COUNTER
            out += data
        return None, flags, out

    def _timeouts(self, e: RawEntry, tbl: TableInfo, what: str) -> P4RuntimeError | None:
        if e.time_since_last_hit:
            return E.invalid(f"{what}: time_since_last_hit must be unset in writes")
        if e.idle_timeout_ns:
            if not tbl.idle_timeout:
                return E.invalid(f"{what}: idle_timeout_ns set on a table without idle "
                                 "timeout support")
            if e.idle_timeout_ns < 0:
                return E.invalid(f"{what}: negative idle_timeout_ns")
        return None

    def _insert_modify(self, e: RawEntry, tbl: TableInfo, what: str
                       ) -> P4RuntimeError | EntryOut | Multi:
        op = e.op
        if tbl.is_const:
            if op == Op.INSERT or e.action_kind != ACT_NONE:
                return E.permission_denied(f"{what}: a const table's entries cannot be "
                                           "changed (only their direct resources)")
        err, key, checks = self.key(e, tbl, what)
        if err is not None:
            return err
        err = self._timeouts(e, tbl, what)
        if err is not None:
            return err
        err, rflags, rbytes = self._resources(e, tbl, what)
        if err is not None:
            return err
        prof = tbl.profile
        if e.action_kind == ACT_SET:
            if prof is None or not prof.selector or self.oneshot is None:
                return E.invalid(f"{what}: a one-shot action set needs a table with an "
                                 "action selector")
            return self.oneshot.translate(e, tbl, key, rflags, rbytes, what)
        if e.action_kind == ACT_NONE:
            if op == Op.INSERT:
                return E.invalid(f"{what}: insert without an action")
            return self._modify_resources(e, tbl, key, what)
        err, action, achecks = self._action(e, tbl, what, default=False)
        if err is not None:
            return err
        pieces: list[Piece] = [ENTRY_HEAD.pack(_OPS[op], cp.Entity.TABLE_ENTRY, e.table_id,
                                               rflags), *key, *action,
                               e.idle if e.idle >= 0 else ZERO_U64,
                               e.cookie if e.cookie >= 0 else ZERO_U64]
        if rbytes:
            pieces.append(rbytes)
        n_ctl = 1
        if op == Op.MODIFY and tbl.direct_meter is not None and e.meter_config is None:
            # P4Runtime: a modify without meter_config resets the meter; the
            # datapath keeps it.
            pieces += self.key_update(cp.Op.MODIFY, cp.Entity.DIRECT_METER, e, key)
            n_ctl = 2
        out = EntryOut(pieces, n_ctl, checks + achecks, cacheable=not e.trimmed)
        if prof is not None and prof.selector:
            out.cacheable = False       # depends on the selector's programming style
        meta = self.state.table_meta.get(tbl.id)
        if e.metadata or meta:
            return self._with_metadata(e, tbl, out, what)
        out.guard = self.state.meta_of(tbl.id)
        return out

    def _modify_resources(self, e: RawEntry, tbl: TableInfo, key: list[Piece], what: str
                          ) -> EntryOut:
        """A modify without an action: only the direct resources change (a
        meter config left out is reset, P4Runtime's rule; a counter left out
        stays). Other fields are not changed (the datapath has no partial
        modify)."""
        pieces: list[Piece] = []
        n = 0
        if tbl.direct_meter is not None:
            if e.meter_config is not None:
                _, cfg = meter_config(e.meter_config, tbl.direct_meter.type, what)
                pieces += self.key_update(cp.Op.MODIFY, cp.Entity.DIRECT_METER, e, key,
                                          cp.ENTRY_METER, cfg)
            else:
                pieces += self.key_update(cp.Op.MODIFY, cp.Entity.DIRECT_METER, e, key)
            n += 1
        if e.counter_data is not None:
            _, data = counter_data(e.counter_data, what)
            pieces += self.key_update(cp.Op.MODIFY, cp.Entity.DIRECT_COUNTER, e, key,
                                      cp.ENTRY_COUNTER, data)
            n += 1
        return EntryOut(pieces, n, cacheable=False)

    def _delete(self, e: RawEntry, tbl: TableInfo, what: str) -> P4RuntimeError | EntryOut | Multi:
        # Only the key counts (spec: "All other fields must be ignored").
        if tbl.is_const:
            return E.permission_denied(f"{what}: a const table's entries cannot be deleted")
        err, key, checks = self.key(e, tbl, what)
        if err is not None:
            return err
        prof = tbl.profile
        if prof is not None and prof.selector and self.oneshot is not None \
                and self.state.profile(prof.id).oneshot:
            return self.oneshot.delete(e, tbl, key, what)
        out = EntryOut(self.key_update(cp.Op.DELETE, cp.Entity.TABLE_ENTRY, e, key), 1,
                       checks, cacheable=not e.trimmed)
        if self.state.table_meta.get(tbl.id):
            return self._with_metadata(e, tbl, out, what)
        out.guard = self.state.meta_of(tbl.id)
        return out

    def _with_metadata(self, e: RawEntry, tbl: TableInfo, out: EntryOut, what: str) -> Multi:
        """An update that also stores (or forgets) the entry's opaque
        metadata, once the datapath applied it."""
        meta = self.state.meta_of(tbl.id)
        sig = entry_key(e)
        value = e.metadata
        op = e.op

        def commit() -> None:
            if op == Op.DELETE or not value:
                meta.pop(sig, None)
            else:
                meta[sig] = value

        return Multi(render(e, out.pieces), out.n_ctl, out.n_ctl, commit=commit, what=what)

    # -- default entries --------------------------------------------------------

    def _default(self, e: RawEntry, tbl: TableInfo, what: str) -> P4RuntimeError | EntryOut:
        what = f"{what} default entry"
        if e.op != Op.MODIFY:
            return E.invalid(f"{what}: only MODIFY is allowed (the default entry always "
                             "exists)")
        if e.matches or e.priority():
            return E.invalid(f"{what}: no match and priority 0 allowed")
        if e.idle_timeout_ns or e.time_since_last_hit:
            return E.invalid(f"{what}: no idle timeout for default entries")
        if tbl.const_default:
            return E.permission_denied(f"{what}: the default action is const")
        if e.meter_config is not None or e.counter_data is not None or e.meter_counter_data:
            return E.unimplemented(f"{what}: direct resources of default entries are not "
                                   "supported")
        if e.cookie_value() or e.metadata:
            return E.unimplemented(f"{what}: controller metadata on default entries is not "
                                   "supported")
        head = ENTRY_HEAD.pack(cp.Op.MODIFY, cp.Entity.TABLE_ENTRY, e.table_id,
                               cp.ENTRY_DEFAULT) + ZERO_I32 + U16.pack(0)
        tail = [ZERO_U64, ZERO_U64]
        if e.action_kind == ACT_NONE:           # back to the program's default
            return EntryOut([head, NO_ACTION, *tail])
        if tbl.profile is not None:
            return E.permission_denied(f"{what}: the default action of an action profile "
                                       "table is const (spec: NoAction)")
        if e.action_kind != ACT_DIRECT:
            return E.invalid(f"{what}: the default action must be an action")
        err, action, checks = self._action(e, tbl, what, default=True)
        if err is not None:
            return err
        return EntryOut([head, *action, *tail], 1, checks, cacheable=not e.trimmed)


def ref_check(varint: bytes) -> bool:
    """A member or group id (as a cached translation's variable): not in
    the one-shot range. Four bytes of varint are below it anyway."""
    if len(varint) < 5:
        return True
    v = 0
    for i, b in enumerate(varint):
        v |= (b & 0x7F) << (7 * i)
    return 0 < v < HIDDEN


def _trim(e: RawEntry, var: int, nbytes: int) -> None:
    """A valid value longer than its field (zeros in front, which the spec
    allows in any number) goes to the datapath at the field's length. Such
    an update is not cached: its control bytes are not its own."""
    v = e.vals[var]
    if len(v) > nbytes:  # type: ignore[arg-type]
        e.vals[var] = v[len(v) - max(nbytes, 1):]  # type: ignore[index]
        e.trimmed = True


def _match_var(e: RawEntry, pos: int) -> int:
    """The variable at a check_matches position (2*i: value a, 2*i+1: b)."""
    m = e.matches[pos // 2]
    return m[2] if pos % 2 == 0 else m[3]


__all__ = ["TableWriter", "EntryOut", "render", "var_bytes", "entry_key"]
