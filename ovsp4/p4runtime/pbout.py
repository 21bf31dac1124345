"""Serialized P4Runtime messages built by hand, for read replies: a
TableEntry as bytes costs a fraction of a message object's attribute
writes. Field numbers are p4runtime.proto's; only non-default fields are
written, as the protobuf runtime does, so parsing the result gives the
message the objects would have made.
"""

from __future__ import annotations

from ovsp4.p4runtime.wire import BYTE, enc_varint

# Entity oneof fields.
ENT_TABLE_ENTRY = b"\x12"
ENT_AP_MEMBER = b"\x1a"
ENT_AP_GROUP = b"\x22"
ENT_METER = b"\x2a"
ENT_DIRECT_METER = b"\x32"
ENT_COUNTER = b"\x3a"
ENT_DIRECT_COUNTER = b"\x42"
ENT_PRE = b"\x4a"
ENT_VALUE_SET = b"\x52"
ENT_REGISTER = b"\x5a"
ENT_DIGEST = b"\x62"


def ln(n: int) -> bytes:
    """A length prefix."""
    return BYTE[n] if n < 0x80 else enc_varint(n)


def field(key: bytes, payload: bytes) -> bytes:
    """A length-delimited field with a one-byte key."""
    n = len(payload)
    return key + (BYTE[n] if n < 0x80 else enc_varint(n)) + payload


def vfield(key: bytes, value: int) -> bytes:
    """A varint field with a one-byte key; nothing for 0."""
    if not value:
        return b""
    return key + (BYTE[value] if 0 < value < 0x80 else enc_varint(value))


class ValuePrefixes:
    """The bytes before a canonical value of length L in a message whose
    other contents are fixed: ``outer key, length, head, inner key, L``.
    Cached per L (values are short)."""

    __slots__ = ("outer", "head", "inner", "cache")

    def __init__(self, outer: bytes, head: bytes, inner: bytes) -> None:
        self.outer = outer
        self.head = head
        self.inner = inner
        self.cache: dict[int, bytes] = {}

    def get(self, n: int) -> bytes:
        p = self.cache.get(n)
        if p is None:
            body = len(self.head) + len(self.inner) + len(ln(n)) + n
            p = self.cache[n] = self.outer + ln(body) + self.head + self.inner + ln(n)
        return p


def exact_prefixes(field_id: int, kind_key: int) -> ValuePrefixes:
    """A FieldMatch ``{field_id, <kind> {value}}`` (exact or optional):
    prefix + value is the match field of TableEntry (key 0x12)."""
    # FieldMatch: 0x08 field_id, <kind key> len { 0x0a len value }
    return _NestedPrefixes(b"\x12", b"\x08" + enc_varint(field_id), BYTE[kind_key], b"\x0a")


class _NestedPrefixes(ValuePrefixes):
    """outer{ head, mid{ inner value } }: two levels of length."""

    __slots__ = ("mid",)

    def __init__(self, outer: bytes, head: bytes, mid: bytes, inner: bytes) -> None:
        super().__init__(outer, head, inner)
        self.mid = mid

    def get(self, n: int) -> bytes:
        p = self.cache.get(n)
        if p is None:
            inner = self.inner + ln(n)
            mid_len = len(inner) + n
            mid = self.mid + ln(mid_len) + inner
            body = len(self.head) + len(mid) + n
            p = self.cache[n] = self.outer + ln(body) + self.head + mid
        return p


def param_prefixes(param_id: int) -> ValuePrefixes:
    """An Action.Param ``{param_id (2), value (3)}`` as Action field 4."""
    return ValuePrefixes(b"\x22", b"\x10" + enc_varint(param_id), b"\x1a")
