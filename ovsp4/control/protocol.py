"""Codec of the OvS.p4 control protocol (Documentation/control-protocol.md).

Every message is a dataclass; :func:`encode` turns one into bytes and
:func:`decode` parses bytes back into a :class:`Header` and a message. The
constants mirror ``datapath/runtime/control-proto.h``. Values (match
fields, parameters, registers, metadata) are big-endian ``bytes``;
:func:`value_bytes` and :func:`value_int` convert from and to integers.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass, field

VERSION = 1
HEADER = struct.Struct("<IHHII")
HEADER_LEN = HEADER.size
REPLY = 0x8000
INDEX_ALL = 0xFFFFFFFF
MAX_UPDATES = 60000
MAX_PACKET = 65535


class MsgType(enum.IntEnum):
    GET_INFO = 0x01
    WRITE = 0x02
    READ = 0x03
    PACKET_OUT = 0x04
    DIGEST_ACK = 0x05
    SET_CONFIG = 0x06
    GET_STATS = 0x07
    PACKET_IN = 0x40
    DIGEST_LIST = 0x41
    IDLE_TIMEOUT = 0x42
    LOG = 0x43


class Status(enum.IntEnum):
    OK = 0
    INVALID = 1
    NOT_FOUND = 2
    EXISTS = 3
    FULL = 4
    RANGE = 5
    UNSUPPORTED = 6
    CONST = 7
    NOMEM = 8
    TOOBIG = 9
    IN_USE = 10


class Entity(enum.IntEnum):
    TABLE_ENTRY = 1
    COUNTER = 2
    DIRECT_COUNTER = 3
    METER = 4
    DIRECT_METER = 5
    REGISTER = 6
    MCAST_GROUP = 7
    CLONE_SESSION = 8
    VALUE_SET = 9
    AP_MEMBER = 10
    AP_GROUP = 11
    DIGEST_CONFIG = 12


class Op(enum.IntEnum):
    INSERT = 1
    MODIFY = 2
    DELETE = 3
    CLEAR = 4


class MatchKind(enum.IntEnum):
    EXACT = 0
    LPM = 1
    TERNARY = 2
    RANGE = 3
    OPTIONAL = 4


class ActionKind(enum.IntEnum):
    NONE = 0
    DIRECT = 1
    MEMBER = 2
    GROUP = 3


class ConfigKey(enum.IntEnum):
    IDLE_SWEEP_NS = 1
    CLOCK_MODE = 2
    CLOCK_NOW = 3


class ClockMode(enum.IntEnum):
    MONOTONIC = 0
    PACKET = 1
    MANUAL = 2


class StatKey(enum.IntEnum):
    PACKETS = 1
    OUTPUTS = 2
    OUTPUT_DROPS = 3
    PACKET_INS = 4
    PACKET_IN_DROPS = 5
    DIGESTS = 6
    DIGEST_DROPS = 7
    LOGS = 8
    LOG_DROPS = 9
    THREADS = 10


class LogLevel(enum.IntEnum):
    INFO = 0
    WARN = 1
    ERROR = 2


# TableEntry.flags
ENTRY_DEFAULT = 0x01
ENTRY_METER = 0x02
ENTRY_COUNTER = 0x04
ENTRY_TIME = 0x08
# READ flags
READ_KEY = 0x01


class ProtocolError(ValueError):
    """Bytes that are not a well-formed message."""


def value_bytes(value: int | bytes, width: int | None = None) -> bytes:
    """A big-endian value: ``bytes`` as is; an ``int`` in ``ceil(width / 8)``
    bytes, or (no width) in the fewest bytes, at least one (P4Runtime's
    canonical form)."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if value < 0:
        raise ValueError(f"negative value {value}")
    n = (width + 7) // 8 if width else max(1, (value.bit_length() + 7) // 8)
    return value.to_bytes(n, "big")


def value_int(value: bytes) -> int:
    return int.from_bytes(value, "big")


# --- Primitive readers and writers -------------------------------------------


class _Reader:
    __slots__ = ("data", "pos", "end")

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def take(self, n: int) -> bytes:
        if n < 0 or self.end - self.pos < n:
            raise ProtocolError(f"truncated at byte {self.pos} (need {n})")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return bytes(b)

    def _fmt(self, fmt: str, n: int) -> int:
        return struct.unpack("<" + fmt, self.take(n))[0]

    def u8(self) -> int:
        return self._fmt("B", 1)

    def u16(self) -> int:
        return self._fmt("H", 2)

    def u32(self) -> int:
        return self._fmt("I", 4)

    def u64(self) -> int:
        return self._fmt("Q", 8)

    def i32(self) -> int:
        return self._fmt("i", 4)

    def bytes_(self) -> bytes:
        return self.take(self.u32())

    def string(self) -> str:
        return self.bytes_().decode("utf-8", errors="replace")

    def left(self) -> int:
        return self.end - self.pos

    def done(self) -> None:
        if self.pos != self.end:
            raise ProtocolError(f"{self.end - self.pos} trailing bytes")


class _Writer:
    __slots__ = ("buf",)

    def __init__(self) -> None:
        self.buf = bytearray()

    def u8(self, v: int) -> None:
        self.buf += struct.pack("<B", v)

    def u16(self, v: int) -> None:
        self.buf += struct.pack("<H", v)

    def u32(self, v: int) -> None:
        self.buf += struct.pack("<I", v)

    def u64(self, v: int) -> None:
        self.buf += struct.pack("<Q", v)

    def i32(self, v: int) -> None:
        self.buf += struct.pack("<i", v)

    def bytes_(self, v: bytes) -> None:
        self.u32(len(v))
        self.buf += v

    def string(self, v: str) -> None:
        self.bytes_(v.encode())


# --- Common structures -------------------------------------------------------


@dataclass
class FieldMatch:
    """One match field. ``mask`` holds a TERNARY mask or a RANGE high
    bound (see :attr:`high`)."""

    field_id: int
    kind: MatchKind
    value: bytes
    mask: bytes = b""
    prefix_len: int = 0

    @classmethod
    def exact(cls, field_id: int, value: int | bytes) -> FieldMatch:
        return cls(field_id, MatchKind.EXACT, value_bytes(value))

    @classmethod
    def lpm(cls, field_id: int, value: int | bytes, prefix_len: int) -> FieldMatch:
        return cls(field_id, MatchKind.LPM, value_bytes(value), prefix_len=prefix_len)

    @classmethod
    def ternary(cls, field_id: int, value: int | bytes, mask: int | bytes) -> FieldMatch:
        return cls(field_id, MatchKind.TERNARY, value_bytes(value), value_bytes(mask))

    @classmethod
    def range(cls, field_id: int, low: int | bytes, high: int | bytes) -> FieldMatch:
        return cls(field_id, MatchKind.RANGE, value_bytes(low), value_bytes(high))

    @classmethod
    def optional(cls, field_id: int, value: int | bytes) -> FieldMatch:
        return cls(field_id, MatchKind.OPTIONAL, value_bytes(value))

    @property
    def high(self) -> bytes:
        return self.mask

    def _encode(self, w: _Writer) -> None:
        w.u32(self.field_id)
        w.u8(self.kind)
        w.bytes_(self.value)
        w.bytes_(self.mask)
        w.u16(self.prefix_len)

    @classmethod
    def _decode(cls, r: _Reader) -> FieldMatch:
        field_id = r.u32()
        kind = _enum(MatchKind, r.u8())
        value = r.bytes_()
        mask = r.bytes_()
        return cls(field_id, kind, value, mask, r.u16())


@dataclass
class Action:
    """A direct action (id and parameters by P4Info id) or a reference to
    an action profile member or group (``ref_id``)."""

    kind: ActionKind = ActionKind.NONE
    action_id: int = 0
    params: list[tuple[int, bytes]] = field(default_factory=list)
    ref_id: int = 0

    @classmethod
    def direct(cls, action_id: int,
               params: dict[int, int | bytes] | list[tuple[int, int | bytes]] | None = None
               ) -> Action:
        items = params.items() if isinstance(params, dict) else (params or [])
        return cls(ActionKind.DIRECT, action_id, [(pid, value_bytes(v)) for pid, v in items])

    @classmethod
    def member(cls, member_id: int) -> Action:
        return cls(ActionKind.MEMBER, ref_id=member_id)

    @classmethod
    def group(cls, group_id: int) -> Action:
        return cls(ActionKind.GROUP, ref_id=group_id)

    def _encode(self, w: _Writer) -> None:
        w.u8(self.kind)
        if self.kind == ActionKind.DIRECT:
            w.u32(self.action_id)
            w.u16(len(self.params))
            for pid, v in self.params:
                w.u32(pid)
                w.bytes_(v)
        elif self.kind in (ActionKind.MEMBER, ActionKind.GROUP):
            w.u32(self.ref_id)

    @classmethod
    def _decode(cls, r: _Reader) -> Action:
        kind = _enum(ActionKind, r.u8())
        if kind == ActionKind.DIRECT:
            action_id = r.u32()
            params = [(r.u32(), r.bytes_()) for _ in range(r.u16())]
            return cls(kind, action_id, params)
        if kind in (ActionKind.MEMBER, ActionKind.GROUP):
            return cls(kind, ref_id=r.u32())
        return cls(kind)


@dataclass
class MeterConfig:
    cir: int
    cburst: int
    pir: int
    pburst: int

    def _encode(self, w: _Writer) -> None:
        for v in (self.cir, self.cburst, self.pir, self.pburst):
            w.u64(v)

    @classmethod
    def _decode(cls, r: _Reader) -> MeterConfig:
        return cls(r.u64(), r.u64(), r.u64(), r.u64())


@dataclass
class CounterData:
    packets: int = 0
    bytes: int = 0


@dataclass
class TableEntry:
    """A table entry, or (``is_default``) a table's default entry. As a key
    (deletes, reads) only table_id, matches and priority count."""

    table_id: int
    matches: list[FieldMatch] = field(default_factory=list)
    priority: int = 0
    action: Action = field(default_factory=Action)
    idle_timeout_ns: int = 0
    cookie: int = 0
    is_default: bool = False
    meter: MeterConfig | None = None
    counter: CounterData | None = None
    last_hit_ns: int | None = None
    elapsed_ns: int | None = None

    def _encode(self, w: _Writer) -> None:
        flags = ((ENTRY_DEFAULT if self.is_default else 0)
                 | (ENTRY_METER if self.meter is not None else 0)
                 | (ENTRY_COUNTER if self.counter is not None else 0)
                 | (ENTRY_TIME if self.last_hit_ns is not None else 0))
        w.u32(self.table_id)
        w.u8(flags)
        w.i32(self.priority)
        w.u16(len(self.matches))
        for m in self.matches:
            m._encode(w)
        self.action._encode(w)
        w.u64(self.idle_timeout_ns)
        w.u64(self.cookie)
        if self.meter is not None:
            self.meter._encode(w)
        if self.counter is not None:
            w.u64(self.counter.packets)
            w.u64(self.counter.bytes)
        if self.last_hit_ns is not None:
            w.u64(self.last_hit_ns)
            w.u64(self.elapsed_ns or 0)

    @classmethod
    def _decode(cls, r: _Reader) -> TableEntry:
        table_id = r.u32()
        flags = r.u8()
        priority = r.i32()
        matches = [FieldMatch._decode(r) for _ in range(r.u16())]
        action = Action._decode(r)
        e = cls(table_id, matches, priority, action, r.u64(), r.u64(),
                bool(flags & ENTRY_DEFAULT))
        if flags & ENTRY_METER:
            e.meter = MeterConfig._decode(r)
        if flags & ENTRY_COUNTER:
            e.counter = CounterData(r.u64(), r.u64())
        if flags & ENTRY_TIME:
            e.last_hit_ns = r.u64()
            e.elapsed_ns = r.u64()
        return e


@dataclass
class CounterEntry:
    counter_id: int
    index: int = INDEX_ALL
    data: CounterData = field(default_factory=CounterData)

    def _encode(self, w: _Writer) -> None:
        w.u32(self.counter_id)
        w.u32(self.index)
        w.u64(self.data.packets)
        w.u64(self.data.bytes)

    @classmethod
    def _decode(cls, r: _Reader) -> CounterEntry:
        return cls(r.u32(), r.u32(), CounterData(r.u64(), r.u64()))


@dataclass
class MeterEntry:
    """``config`` None: unconfigured (every packet GREEN)."""

    meter_id: int
    index: int = INDEX_ALL
    config: MeterConfig | None = None

    def _encode(self, w: _Writer) -> None:
        w.u32(self.meter_id)
        w.u32(self.index)
        w.u8(self.config is not None)
        (self.config or MeterConfig(0, 0, 0, 0))._encode(w)

    @classmethod
    def _decode(cls, r: _Reader) -> MeterEntry:
        meter_id, index, configured = r.u32(), r.u32(), r.u8()
        config = MeterConfig._decode(r)
        return cls(meter_id, index, config if configured else None)


@dataclass
class RegisterEntry:
    register_id: int
    index: int = INDEX_ALL
    value: bytes = b""

    def _encode(self, w: _Writer) -> None:
        w.u32(self.register_id)
        w.u32(self.index)
        w.bytes_(self.value)

    @classmethod
    def _decode(cls, r: _Reader) -> RegisterEntry:
        return cls(r.u32(), r.u32(), r.bytes_())


@dataclass
class Replica:
    port: int
    rid: int = 0


def _encode_replicas(w: _Writer, replicas: list[Replica]) -> None:
    w.u32(len(replicas))
    for rep in replicas:
        w.u32(rep.port)
        w.u32(rep.rid)


def _decode_replicas(r: _Reader) -> list[Replica]:
    n = r.u32()
    if n * 8 > r.left():
        raise ProtocolError("truncated replica list")
    return [Replica(r.u32(), r.u32()) for _ in range(n)]


@dataclass
class McastGroup:
    group_id: int
    replicas: list[Replica] = field(default_factory=list)

    def _encode(self, w: _Writer) -> None:
        w.u32(self.group_id)
        _encode_replicas(w, self.replicas)

    @classmethod
    def _decode(cls, r: _Reader) -> McastGroup:
        return cls(r.u32(), _decode_replicas(r))


@dataclass
class CloneSession:
    session_id: int
    replicas: list[Replica] = field(default_factory=list)
    class_of_service: int = 0
    truncate_len: int = 0

    def _encode(self, w: _Writer) -> None:
        w.u32(self.session_id)
        w.u32(self.class_of_service)
        w.u32(self.truncate_len)
        _encode_replicas(w, self.replicas)

    @classmethod
    def _decode(cls, r: _Reader) -> CloneSession:
        session_id, cos, trunc = r.u32(), r.u32(), r.u32()
        return cls(session_id, _decode_replicas(r), cos, trunc)


@dataclass
class ValueSetEntry:
    """Every member of a value set (a write replaces them all)."""

    value_set_id: int
    members: list[list[FieldMatch]] = field(default_factory=list)

    def _encode(self, w: _Writer) -> None:
        w.u32(self.value_set_id)
        w.u32(len(self.members))
        for m in self.members:
            w.u16(len(m))
            for fm in m:
                fm._encode(w)

    @classmethod
    def _decode(cls, r: _Reader) -> ValueSetEntry:
        vs_id, n = r.u32(), r.u32()
        members = []
        for _ in range(n):
            members.append([FieldMatch._decode(r) for _ in range(r.u16())])
        return cls(vs_id, members)


@dataclass
class ApMember:
    profile_id: int
    member_id: int
    action: Action = field(default_factory=Action)

    def _encode(self, w: _Writer) -> None:
        w.u32(self.profile_id)
        w.u32(self.member_id)
        self.action._encode(w)

    @classmethod
    def _decode(cls, r: _Reader) -> ApMember:
        return cls(r.u32(), r.u32(), Action._decode(r))


@dataclass
class ApGroup:
    """``members``: (member_id, weight) pairs."""

    profile_id: int
    group_id: int
    members: list[tuple[int, int]] = field(default_factory=list)
    max_size: int = 0

    def _encode(self, w: _Writer) -> None:
        w.u32(self.profile_id)
        w.u32(self.group_id)
        w.u32(self.max_size)
        w.u32(len(self.members))
        for member_id, weight in self.members:
            w.u32(member_id)
            w.u32(weight)

    @classmethod
    def _decode(cls, r: _Reader) -> ApGroup:
        profile_id, group_id, max_size, n = r.u32(), r.u32(), r.u32(), r.u32()
        if n * 8 > r.left():
            raise ProtocolError("truncated group member list")
        members = [(r.u32(), r.u32()) for _ in range(n)]
        return cls(profile_id, group_id, members, max_size)


@dataclass
class DigestConfig:
    digest_id: int
    max_timeout_ns: int = 0
    max_list_size: int = 1
    ack_timeout_ns: int = 0

    def _encode(self, w: _Writer) -> None:
        w.u32(self.digest_id)
        w.u64(self.max_timeout_ns)
        w.u32(self.max_list_size)
        w.u64(self.ack_timeout_ns)

    @classmethod
    def _decode(cls, r: _Reader) -> DigestConfig:
        return cls(r.u32(), r.u64(), r.u32(), r.u64())


EntityBody = (TableEntry | CounterEntry | MeterEntry | RegisterEntry | McastGroup
              | CloneSession | ValueSetEntry | ApMember | ApGroup | DigestConfig)

_BODY_CLASS: dict[Entity, type] = {
    Entity.TABLE_ENTRY: TableEntry,
    Entity.COUNTER: CounterEntry,
    Entity.DIRECT_COUNTER: TableEntry,
    Entity.METER: MeterEntry,
    Entity.DIRECT_METER: TableEntry,
    Entity.REGISTER: RegisterEntry,
    Entity.MCAST_GROUP: McastGroup,
    Entity.CLONE_SESSION: CloneSession,
    Entity.VALUE_SET: ValueSetEntry,
    Entity.AP_MEMBER: ApMember,
    Entity.AP_GROUP: ApGroup,
    Entity.DIGEST_CONFIG: DigestConfig,
}

_ENTITY_OF: dict[type, Entity] = {
    TableEntry: Entity.TABLE_ENTRY,
    CounterEntry: Entity.COUNTER,
    MeterEntry: Entity.METER,
    RegisterEntry: Entity.REGISTER,
    McastGroup: Entity.MCAST_GROUP,
    CloneSession: Entity.CLONE_SESSION,
    ValueSetEntry: Entity.VALUE_SET,
    ApMember: Entity.AP_MEMBER,
    ApGroup: Entity.AP_GROUP,
    DigestConfig: Entity.DIGEST_CONFIG,
}


def entity_of(body: EntityBody) -> Entity:
    return _ENTITY_OF[type(body)]


@dataclass
class Update:
    """One WRITE update. ``entity`` defaults from the body's type; give it
    for DIRECT_COUNTER / DIRECT_METER (whose body is a TableEntry key)."""

    op: Op
    body: EntityBody
    entity: Entity | None = None

    def __post_init__(self) -> None:
        if self.entity is None:
            self.entity = entity_of(self.body)


# --- Messages ----------------------------------------------------------------


@dataclass
class Header:
    length: int
    version: int
    type: int
    xid: int
    status: int

    @property
    def is_reply(self) -> bool:
        return bool(self.type & REPLY)

    @property
    def base_type(self) -> int:
        return self.type & ~REPLY


@dataclass
class GetInfoRequest:
    pass


@dataclass
class GetInfoReply:
    abi_version: int
    cpu_port: int
    program_name: str
    arch: str
    compiler: str
    p4info: bytes


@dataclass
class WriteRequest:
    updates: list[Update]


@dataclass
class WriteReply:
    statuses: list[Status]


@dataclass
class ReadRequest:
    entity: Entity
    id: int = 0
    index: int = INDEX_ALL
    key: TableEntry | None = None
    cursor: tuple[int, int] = (0, 0)
    max_items: int = 0


@dataclass
class ReadReply:
    entity: Entity
    items: list[EntityBody]
    more: bool
    cursor: tuple[int, int]


@dataclass
class PacketOutRequest:
    payload: bytes
    metadata: list[tuple[int, bytes]] = field(default_factory=list)


@dataclass
class PacketOutReply:
    outputs: list[tuple[int, bytes]]
    n_dropped: int = 0


@dataclass
class DigestAckRequest:
    digest_id: int
    list_id: int


@dataclass
class SetConfigRequest:
    items: list[tuple[int, int]]


@dataclass
class GetStatsRequest:
    pass


@dataclass
class GetStatsReply:
    stats: dict[int, int]


@dataclass
class EmptyReply:
    """The reply of DIGEST_ACK and SET_CONFIG, and of any failed request
    (but a WRITE's whose framing was valid) -- the status is in the
    header.  ``type`` is the request's type (0 for a request too short to
    have one)."""

    type: int


@dataclass
class PacketIn:
    ingress_port: int
    metadata: list[tuple[int, bytes]]
    payload: bytes


@dataclass
class DigestList:
    digest_id: int
    list_id: int
    timestamp_ns: int
    data: list[bytes]


@dataclass
class IdleTimeout:
    timestamp_ns: int
    entries: list[TableEntry]


@dataclass
class LogMessage:
    level: LogLevel
    message: str


Request = (GetInfoRequest | WriteRequest | ReadRequest | PacketOutRequest | DigestAckRequest
           | SetConfigRequest | GetStatsRequest)
Reply = GetInfoReply | WriteReply | ReadReply | PacketOutReply | GetStatsReply | EmptyReply
Event = PacketIn | DigestList | IdleTimeout | LogMessage
Message = Request | Reply | Event

_TYPE_OF: dict[type, int] = {
    GetInfoRequest: MsgType.GET_INFO,
    WriteRequest: MsgType.WRITE,
    ReadRequest: MsgType.READ,
    PacketOutRequest: MsgType.PACKET_OUT,
    DigestAckRequest: MsgType.DIGEST_ACK,
    SetConfigRequest: MsgType.SET_CONFIG,
    GetStatsRequest: MsgType.GET_STATS,
    GetInfoReply: MsgType.GET_INFO | REPLY,
    WriteReply: MsgType.WRITE | REPLY,
    ReadReply: MsgType.READ | REPLY,
    PacketOutReply: MsgType.PACKET_OUT | REPLY,
    GetStatsReply: MsgType.GET_STATS | REPLY,
    PacketIn: MsgType.PACKET_IN,
    DigestList: MsgType.DIGEST_LIST,
    IdleTimeout: MsgType.IDLE_TIMEOUT,
    LogMessage: MsgType.LOG,
}


def message_type(msg: Message) -> int:
    if isinstance(msg, EmptyReply):
        return int(msg.type) | REPLY
    return _TYPE_OF[type(msg)]


def _enum(cls: type[enum.IntEnum], v: int):  # noqa: ANN202
    try:
        return cls(v)
    except ValueError:
        raise ProtocolError(f"bad {cls.__name__} {v}") from None


def _encode_body(msg: Message, w: _Writer) -> None:
    if isinstance(msg, (GetInfoRequest, GetStatsRequest, EmptyReply)):
        return
    if isinstance(msg, GetInfoReply):
        w.u32(msg.abi_version)
        w.u32(msg.cpu_port)
        w.string(msg.program_name)
        w.string(msg.arch)
        w.string(msg.compiler)
        w.bytes_(msg.p4info)
    elif isinstance(msg, WriteRequest):
        w.u32(len(msg.updates))
        for u in msg.updates:
            w.u8(u.op)
            assert u.entity is not None
            w.u8(u.entity)
            u.body._encode(w)
    elif isinstance(msg, WriteReply):
        w.u32(len(msg.statuses))
        for s in msg.statuses:
            w.u8(s)
    elif isinstance(msg, ReadRequest):
        w.u8(msg.entity)
        w.u32(msg.id)
        w.u32(msg.index)
        w.u8(READ_KEY if msg.key is not None else 0)
        if msg.key is not None:
            msg.key._encode(w)
        w.u64(msg.cursor[0])
        w.u64(msg.cursor[1])
        w.u32(msg.max_items)
    elif isinstance(msg, ReadReply):
        w.u8(msg.entity)
        w.u32(len(msg.items))
        for item in msg.items:
            item._encode(w)
        w.u8(msg.more)
        w.u64(msg.cursor[0])
        w.u64(msg.cursor[1])
    elif isinstance(msg, PacketOutRequest):
        w.u16(len(msg.metadata))
        for mid, v in msg.metadata:
            w.u32(mid)
            w.bytes_(v)
        w.bytes_(msg.payload)
    elif isinstance(msg, PacketOutReply):
        w.u32(len(msg.outputs))
        for port, data in msg.outputs:
            w.u32(port)
            w.bytes_(data)
        w.u32(msg.n_dropped)
    elif isinstance(msg, DigestAckRequest):
        w.u32(msg.digest_id)
        w.u64(msg.list_id)
    elif isinstance(msg, SetConfigRequest):
        w.u16(len(msg.items))
        for key, v in msg.items:
            w.u16(key)
            w.u64(v)
    elif isinstance(msg, GetStatsReply):
        w.u16(len(msg.stats))
        for key, v in msg.stats.items():
            w.u16(key)
            w.u64(v)
    elif isinstance(msg, PacketIn):
        w.u32(msg.ingress_port)
        w.u16(len(msg.metadata))
        for mid, v in msg.metadata:
            w.u32(mid)
            w.bytes_(v)
        w.bytes_(msg.payload)
    elif isinstance(msg, DigestList):
        w.u32(msg.digest_id)
        w.u64(msg.list_id)
        w.u64(msg.timestamp_ns)
        w.u32(len(msg.data))
        for d in msg.data:
            w.bytes_(d)
    elif isinstance(msg, IdleTimeout):
        w.u64(msg.timestamp_ns)
        w.u32(len(msg.entries))
        for e in msg.entries:
            e._encode(w)
    elif isinstance(msg, LogMessage):
        w.u8(msg.level)
        w.string(msg.message)
    else:
        raise TypeError(f"not a control-protocol message: {msg!r}")


def encode(msg: Message, xid: int = 0, status: int = 0) -> bytes:
    """The message's bytes, envelope included."""
    w = _Writer()
    _encode_body(msg, w)
    header = HEADER.pack(HEADER_LEN + len(w.buf), VERSION, message_type(msg), xid, status)
    return header + bytes(w.buf)


def decode_header(data: bytes) -> Header:
    if len(data) < HEADER_LEN:
        raise ProtocolError(f"{len(data)} bytes: shorter than the envelope")
    return Header(*HEADER.unpack_from(data))


def _decode_reply(base: int, status: int, r: _Reader) -> Reply:
    if (status and base != MsgType.WRITE) or base in (
            0, MsgType.DIGEST_ACK, MsgType.SET_CONFIG) or (status and r.left() == 0):
        return EmptyReply(base)
    mtype = _enum(MsgType, base)
    if mtype == MsgType.GET_INFO:
        return GetInfoReply(r.u32(), r.u32(), r.string(), r.string(), r.string(), r.bytes_())
    if mtype == MsgType.WRITE:
        n = r.u32()
        return WriteReply([_enum(Status, b) for b in r.take(n)])
    if mtype == MsgType.READ:
        entity = _enum(Entity, r.u8())
        items = [_BODY_CLASS[entity]._decode(r) for _ in range(r.u32())]
        more = bool(r.u8())
        return ReadReply(entity, items, more, (r.u64(), r.u64()))
    if mtype == MsgType.PACKET_OUT:
        outputs = [(r.u32(), r.bytes_()) for _ in range(r.u32())]
        return PacketOutReply(outputs, r.u32())
    if mtype == MsgType.GET_STATS:
        return GetStatsReply({r.u16(): r.u64() for _ in range(r.u16())})
    raise ProtocolError(f"no reply type for {base:#x}")


def _decode_body(t: int, status: int, r: _Reader) -> Message:  # noqa: C901
    if t & REPLY:
        return _decode_reply(t & ~REPLY, status, r)
    mtype = _enum(MsgType, t)
    if mtype in (MsgType.GET_INFO, MsgType.GET_STATS):
        return GetInfoRequest() if mtype == MsgType.GET_INFO else GetStatsRequest()
    if mtype == MsgType.WRITE:
        updates = []
        for _ in range(r.u32()):
            op = _enum(Op, r.u8())
            entity = _enum(Entity, r.u8())
            updates.append(Update(op, _BODY_CLASS[entity]._decode(r), entity))
        return WriteRequest(updates)
    if mtype == MsgType.READ:
        entity = _enum(Entity, r.u8())
        id_, index, flags = r.u32(), r.u32(), r.u8()
        key = TableEntry._decode(r) if flags & READ_KEY else None
        cursor = (r.u64(), r.u64())
        return ReadRequest(entity, id_, index, key, cursor, r.u32())
    if mtype == MsgType.PACKET_OUT:
        metadata = [(r.u32(), r.bytes_()) for _ in range(r.u16())]
        return PacketOutRequest(r.bytes_(), metadata)
    if mtype == MsgType.DIGEST_ACK:
        return DigestAckRequest(r.u32(), r.u64())
    if mtype == MsgType.SET_CONFIG:
        return SetConfigRequest([(r.u16(), r.u64()) for _ in range(r.u16())])
    if mtype == MsgType.PACKET_IN:
        port = r.u32()
        metadata = [(r.u32(), r.bytes_()) for _ in range(r.u16())]
        return PacketIn(port, metadata, r.bytes_())
    if mtype == MsgType.DIGEST_LIST:
        digest_id, list_id, ts = r.u32(), r.u64(), r.u64()
        return DigestList(digest_id, list_id, ts, [r.bytes_() for _ in range(r.u32())])
    if mtype == MsgType.IDLE_TIMEOUT:
        ts = r.u64()
        return IdleTimeout(ts, [TableEntry._decode(r) for _ in range(r.u32())])
    if mtype == MsgType.LOG:
        return LogMessage(_enum(LogLevel, r.u8()), r.string())
    raise ProtocolError(f"unknown message type {t:#x}")


def decode(data: bytes) -> tuple[Header, Message]:
    """Parses one whole message. Raises :class:`ProtocolError` on anything
    malformed (truncation, trailing bytes, unknown types or enum values, a
    length field that disagrees)."""
    h = decode_header(data)
    if h.length != len(data):
        raise ProtocolError(f"length field {h.length}, message {len(data)} bytes")
    if h.version != VERSION:
        raise ProtocolError(f"protocol version {h.version}, expected {VERSION}")
    r = _Reader(data, HEADER_LEN)
    msg = _decode_body(h.type, h.status, r)
    r.done()
    return h, msg


def split_messages(data: bytes) -> list[bytes]:
    """Splits a byte stream of whole messages (a control socket's) at the
    envelopes' length fields."""
    out = []
    pos = 0
    while pos < len(data):
        if len(data) - pos < HEADER_LEN:
            raise ProtocolError("truncated envelope in stream")
        (length,) = struct.unpack_from("<I", data, pos)
        if length < HEADER_LEN or pos + length > len(data):
            raise ProtocolError(f"bad message length {length} in stream")
        out.append(bytes(data[pos:pos + length]))
        pos += length
    return out


# --- Raw encoding (hot paths) -------------------------------------------------
# A P4Runtime server translates thousands of updates per request: it builds
# each update's bytes itself (or with encode_update()) and frames them with
# encode_write_raw(). The result is byte-identical to encode(WriteRequest).

_U32 = struct.Struct("<I")


def encode_update(update: Update) -> bytes:
    """One WRITE update's bytes: ``u8 op, u8 entity, body``."""
    w = _Writer()
    assert update.entity is not None
    w.u8(update.op)
    w.u8(update.entity)
    update.body._encode(w)
    return bytes(w.buf)


def decode_updates(data: bytes) -> list[Update]:
    """Updates encoded back to back (:func:`encode_update`)."""
    r = _Reader(data)
    out = []
    while r.left():
        op = _enum(Op, r.u8())
        entity = _enum(Entity, r.u8())
        out.append(Update(op, _BODY_CLASS[entity]._decode(r), entity))
    return out


def decode_update(data: bytes) -> Update:
    """The inverse of :func:`encode_update`."""
    updates = decode_updates(data)
    if len(updates) != 1:
        raise ProtocolError(f"{len(updates)} updates, expected one")
    return updates[0]


def decode_bodies(entity: Entity, data: bytes, pos: int, n: int
                  ) -> tuple[list[EntityBody], int]:
    """``n`` bodies of ``entity`` at ``data[pos:]`` (a READ reply's items)
    and where they end."""
    r = _Reader(data, pos)
    decode = _BODY_CLASS[entity]._decode
    return [decode(r) for _ in range(n)], r.pos


def encode_write_raw(updates: list[bytes], xid: int = 0) -> bytes:
    """A WRITE request of already encoded updates (:func:`encode_update`)."""
    body = b"".join(updates)
    length = HEADER_LEN + 4 + len(body)
    return HEADER.pack(length, VERSION, MsgType.WRITE, xid, 0) + _U32.pack(len(updates)) + body


READ_REPLY_TAIL = struct.Struct("<BQQ")     # more, cursor


def write_reply_statuses(reply: bytes) -> tuple[Header, bytes | None]:
    """A WRITE reply's header and its per-update status bytes (None when the
    request failed as a whole: framing, version, room)."""
    h = decode_header(reply)
    if h.length != len(reply) or h.base_type != MsgType.WRITE or len(reply) < HEADER_LEN + 4:
        return h, None
    (n,) = _U32.unpack_from(reply, HEADER_LEN)
    statuses = reply[HEADER_LEN + 4:]
    if len(statuses) != n:
        return h, None
    return h, statuses


def encode_read_request(req: ReadRequest, xid: int = 0) -> bytes:
    return encode(req, xid)
