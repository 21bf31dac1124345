"""A P4Runtime ``Update`` of a ``TableEntry``, read straight from its wire
bytes (:mod:`ovsp4.p4runtime.wire`): message objects cost too much per
entry on the write hot path.

Every value that may differ between otherwise identical entries -- match
values, masks and bounds, action parameters, the priority and the
controller cookie -- is a *variable*: its decoded value is in
:attr:`RawEntry.vals` and its position in the update's bytes in
:attr:`RawEntry.spans`. Everything else is *structure*. Two updates whose
bytes differ only inside variables translate alike
(:mod:`ovsp4.p4runtime.fastpath` relies on it).
"""

from __future__ import annotations

from ovsp4.p4runtime import wire
from ovsp4.p4runtime.wire import LEN, VARINT, WireError, varint

# Kinds of variables: how a variable's wire bytes become its value, and
# its control-protocol bytes.
V_BYTES = 0   # a bytes field: copied as is
V_I32 = 1     # an int32 varint (the priority): i32
V_U64 = 2     # a uint64 varint (controller_metadata): u64
V_U16 = 3     # an int32 varint (an LPM prefix length): u16
V_U32 = 4     # a uint32 varint (a member or group id): u32

U64_MASK = (1 << 64) - 1

# TableAction oneof, by field number.
ACT_NONE, ACT_DIRECT, ACT_MEMBER, ACT_GROUP, ACT_SET = 0, 1, 2, 3, 4

# Entity oneof field numbers (p4runtime.proto).
ENTITY_TABLE_ENTRY = 2


class RawEntry:
    """A TableEntry update, parsed. Match fields are tuples
    ``(field_id, fm, a, b, prefix_len)``: ``fm`` the FieldMatch oneof field
    number (0: none set), ``a``/``b`` variable indices (value and mask,
    low and high; -1 when the kind has no second value)."""

    __slots__ = ("raw", "op", "table_id", "matches", "action_kind", "action_id", "params",
                 "ref_id", "ref", "action_set", "prio", "cookie", "idle_timeout_ns", "idle",
                 "is_default", "is_const", "metadata", "meter_config", "counter_data",
                 "meter_counter_data", "time_since_last_hit", "other_match",
                 "vals", "spans", "kinds", "trimmed", "plen_vars")

    def __init__(self, raw: bytes, op: int) -> None:
        self.raw = raw
        self.op = op
        self.table_id = 0
        self.matches: list[tuple[int, int, int, int, int]] = []
        self.action_kind = ACT_NONE
        self.action_id = 0
        self.params: list[tuple[int, int]] = []   # (param_id, variable)
        self.ref_id = 0
        self.ref = -1                             # variable of ref_id
        self.action_set: bytes | None = None      # ActionProfileActionSet bytes
        self.prio = -1                            # variable, -1: priority 0
        self.cookie = -1                          # variable, -1: cookie 0
        self.idle_timeout_ns = 0
        self.idle = -1                            # variable of idle_timeout_ns
        self.is_default = False
        self.is_const = False
        self.metadata = b""
        self.meter_config: bytes | None = None    # MeterConfig bytes
        self.counter_data: bytes | None = None    # CounterData bytes
        self.meter_counter_data = False
        self.time_since_last_hit = False
        self.other_match = False
        self.vals: list[bytes | int] = []
        self.spans: list[tuple[int, int]] = []
        self.kinds: list[int] = []
        self.trimmed = False      # a value was shortened (tables._trim)
        self.plen_vars: dict[int, int] = {}   # LPM match index -> its prefix_len variable

    def var(self, value: bytes | int, start: int, end: int, kind: int) -> int:
        self.vals.append(value)
        self.spans.append((start, end))
        self.kinds.append(kind)
        return len(self.vals) - 1

    def priority(self) -> int:
        return 0 if self.prio < 0 else self.vals[self.prio]  # type: ignore[return-value]

    def cookie_value(self) -> int:
        return 0 if self.cookie < 0 else self.vals[self.cookie]  # type: ignore[return-value]

    def value(self, var: int) -> bytes:
        return self.vals[var]  # type: ignore[return-value]


def parse_update(raw: bytes) -> tuple[int, int, int, int]:
    """An Update's (type, entity oneof field number, entity start, entity
    end); entity field 0 when no entity is set."""
    op = 0
    ent = 0
    start = end = 0
    for num, wtype, a, b in wire.fields(raw, 0, len(raw)):
        if num == 1 and wtype == VARINT:
            op = b
        elif num == 2 and wtype == LEN:
            ent = 0
            for enum, ewtype, ea, eb in wire.fields(raw, a, b):
                if ewtype == LEN:
                    ent, start, end = enum, ea, eb
    return op, ent, start, end


def _bytes_field(e: RawEntry, pos: int, end: int, want: int) -> tuple[int, int]:
    """Variables of a FieldMatch kind's two bytes fields (field numbers 1
    and 2; ``want`` of them), and its varint field 2 (LPM prefix_len)."""
    a = b = -1
    plen = 0
    raw = e.raw
    for num, wtype, s, t in wire.fields(raw, pos, end):
        if wtype == LEN and num == 1:
            a = e.var(raw[s:t], s, t, V_BYTES)
        elif wtype == LEN and num == 2 and want == 2:
            b = e.var(raw[s:t], s, t, V_BYTES)
        elif wtype == VARINT and num == 2 and want == 1:
            plen = wire.signed64(t)
            e.plen_vars[len(e.matches)] = e.var(plen, s, _varint_end(raw, s), V_U16)
    # A missing bytes field is the empty string: a variable at the end.
    if a < 0:
        a = e.var(b"", end, end, V_BYTES)
    if want == 2 and b < 0:
        b = e.var(b"", end, end, V_BYTES)
    return a, (b if want == 2 else plen)


def _match(e: RawEntry, pos: int, end: int) -> None:
    fid = 0
    fm = 0
    a = b = -1
    plen = 0
    for num, wtype, s, t in wire.fields(e.raw, pos, end):
        if num == 1 and wtype == VARINT:
            fid = t
        elif wtype == LEN:
            if num in (2, 7):                     # exact, optional: value
                fm = num
                a = _bytes_field(e, s, t, 0)[0]
                b, plen = -1, 0
            elif num in (3, 6):                   # ternary, range: two values
                fm = num
                a, b = _bytes_field(e, s, t, 2)
                plen = 0
            elif num == 4:                        # lpm: value, prefix_len
                fm = num
                a, plen = _bytes_field(e, s, t, 1)
                b = -1
            elif num == 100:
                fm = num
                e.other_match = True
    if a < 0:                                     # no kind set, or "other"
        a = e.var(b"", end, end, V_BYTES)
    e.matches.append((fid, fm, a, b, plen))


def _action(e: RawEntry, pos: int, end: int) -> None:
    raw = e.raw
    for num, wtype, s, t in wire.fields(raw, pos, end):
        if num == 1 and wtype == LEN:
            e.action_kind = ACT_DIRECT
            e.action_id = 0
            e.params = []
            for anum, awtype, as_, at in wire.fields(raw, s, t):
                if anum == 1 and awtype == VARINT:
                    e.action_id = at
                elif anum == 4 and awtype == LEN:
                    pid = 0
                    var = -1
                    for pnum, pwtype, ps, pt in wire.fields(raw, as_, at):
                        if pnum == 2 and pwtype == VARINT:
                            pid = pt
                        elif pnum == 3 and pwtype == LEN:
                            var = e.var(raw[ps:pt], ps, pt, V_BYTES)
                    if var < 0:
                        var = e.var(b"", at, at, V_BYTES)
                    e.params.append((pid, var))
        elif num in (2, 3) and wtype == VARINT:
            e.action_kind = ACT_MEMBER if num == 2 else ACT_GROUP
            e.ref_id = t & 0xFFFFFFFF
            e.ref = e.var(e.ref_id, s, _varint_end(raw, s), V_U32)
        elif num == 4 and wtype == LEN:
            e.action_kind = ACT_SET
            e.action_set = raw[s:t]


def parse_table_entry(raw: bytes, op: int, pos: int, end: int) -> RawEntry:
    """The TableEntry in ``raw[pos:end]`` of an update of type ``op``."""
    e = RawEntry(raw, op)
    for num, wtype, s, t in wire.fields(raw, pos, end):
        if wtype == VARINT:
            if num == 1:
                e.table_id = t
            elif num == 4:
                e.prio = e.var(wire.signed64(t), s, _varint_end(raw, s), V_I32)
            elif num == 5:
                e.cookie = e.var(t & U64_MASK, s, _varint_end(raw, s), V_U64)
            elif num == 8:
                e.is_default = bool(t)
            elif num == 9:
                e.idle_timeout_ns = wire.signed64(t)
                e.idle = e.var(e.idle_timeout_ns, s, _varint_end(raw, s), V_U64)
            elif num == 13:
                e.is_const = bool(t)
        elif wtype == LEN:
            if num == 2:
                _match(e, s, t)
            elif num == 3:
                e.action_kind = ACT_NONE
                _action(e, s, t)
            elif num == 6:
                e.meter_config = raw[s:t]
            elif num == 7:
                e.counter_data = raw[s:t]
            elif num == 10:
                e.time_since_last_hit = True
            elif num == 11:
                e.metadata = raw[s:t]
            elif num == 12:
                e.meter_counter_data = True
    return e


def _varint_end(raw: bytes, pos: int) -> int:
    return varint(raw, pos)[1]


__all__ = ["RawEntry", "WireError", "parse_update", "parse_table_entry"]
