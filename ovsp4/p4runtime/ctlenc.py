"""Control-protocol byte layouts (Documentation/control-protocol.md) as
precompiled structs, and the P4Runtime meter and counter data they carry.

Translation builds control updates as bytes with these; the result is
byte-identical to :func:`ovsp4.control.protocol.encode_update` of the
equivalent dataclasses (the tests check it).
"""

from __future__ import annotations

import struct

from ovsp4.control import protocol as cp
from ovsp4.p4runtime import errors as E
from ovsp4.p4runtime.errors import P4RuntimeError
from ovsp4.p4runtime.wire import varint_field
from ovsp4.proto import p4info_pb2, p4runtime_pb2

U8 = struct.Struct("<B")
U16 = struct.Struct("<H")
U32 = struct.Struct("<I")
I32 = struct.Struct("<i")
U64 = struct.Struct("<Q")
# u8 op, u8 entity, u32 table_id, u8 flags -- then i32 priority, u16 n_matches
ENTRY_HEAD = struct.Struct("<BBIB")
# FieldMatch: u32 field_id, u8 kind, u32 len(value) -- value, u32 len, second, u16 plen
FM_HEAD = struct.Struct("<IBI")
# Action DIRECT: u8 kind, u32 action_id, u16 n_params; param: u32 id, u32 len
ACTION_HEAD = struct.Struct("<BIH")
PARAM_HEAD = struct.Struct("<II")
ACTION_REF = struct.Struct("<BI")
METER = struct.Struct("<QQQQ")
COUNTER = struct.Struct("<QQ")
# Read replies: TableEntry head u32 table_id, u8 flags, i32 priority, u16 n
READ_ENTRY_HEAD = struct.Struct("<IBiH")

ZERO_U32 = U32.pack(0)
ZERO_U16 = U16.pack(0)
ZERO_I32 = I32.pack(0)
ZERO_U64 = U64.pack(0)
NO_ACTION = U8.pack(cp.ActionKind.NONE)

MeterType = p4info_pb2.MeterSpec.Type
_I64_MAX = (1 << 63) - 1


def meter_config(raw: bytes | p4runtime_pb2.MeterConfig, meter_type: int, what: str
                 ) -> tuple[P4RuntimeError | None, bytes]:
    """A P4Runtime MeterConfig as the control protocol's (rates and bursts
    in the meter's unit, as P4Runtime's), checked against the meter type
    (spec "MeterEntry & DirectMeterEntry"). The datapath meters are trTCM:
    an srTCM excess burst is UNIMPLEMENTED."""
    c = raw if isinstance(raw, p4runtime_pb2.MeterConfig) \
        else p4runtime_pb2.MeterConfig.FromString(raw)
    values = (c.cir, c.cburst, c.pir, c.pburst, c.eburst)
    if any(v < 0 for v in values):
        return E.invalid(f"{what}: negative meter rate or burst"), b""
    if meter_type == MeterType.TWO_RATE_THREE_COLOR:
        if c.eburst:
            return E.invalid(f"{what}: eburst is for single-rate meters only"), b""
    elif c.pir != c.cir or c.pburst != c.cburst:
        return E.invalid(f"{what}: a single-rate meter needs pir == cir and "
                         "pburst == cburst"), b""
    elif c.eburst:
        if meter_type == MeterType.SINGLE_RATE_TWO_COLOR:
            return E.invalid(f"{what}: a two-color meter has no eburst"), b""
        return E.unimplemented(f"{what}: srTCM excess burst size is not supported"), b""
    if c.cir > c.pir:
        return E.invalid(f"{what}: cir {c.cir} above pir {c.pir}"), b""
    return None, METER.pack(c.cir, c.cburst, c.pir, c.pburst)


def counter_data(raw: bytes | p4runtime_pb2.CounterData, what: str
                 ) -> tuple[P4RuntimeError | None, bytes]:
    """A P4Runtime CounterData as the control protocol's (packets first)."""
    d = raw if isinstance(raw, p4runtime_pb2.CounterData) \
        else p4runtime_pb2.CounterData.FromString(raw)
    if d.packet_count < 0 or d.byte_count < 0:
        return E.invalid(f"{what}: negative counter value"), b""
    return None, COUNTER.pack(d.packet_count, d.byte_count)


def meter_config_proto(cir: int, cburst: int, pir: int, pburst: int) -> bytes:
    """A MeterConfig message's bytes."""
    return (varint_field(1, cir) + varint_field(2, cburst) + varint_field(3, pir)
            + varint_field(4, pburst))


def clamp64(v: int) -> int:
    return v if v <= _I64_MAX else _I64_MAX
