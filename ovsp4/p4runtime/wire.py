"""Just enough of the protobuf wire format to read and write the hot
P4Runtime messages (table entries) without building message objects, which
costs microseconds per entry in Python.

Readers take ``bytes`` and a position and return the new position; they
trust their input to be well-formed protobuf (it was parsed or serialized
by the protobuf runtime) but raise :class:`WireError` rather than loop or
crash on anything else.
"""

from __future__ import annotations

VARINT, I64, LEN, I32 = 0, 1, 2, 5

# Single-byte lengths and varints, the common case.
BYTE = [bytes([i]) for i in range(256)]


class WireError(ValueError):
    """Bytes that are not well-formed protobuf."""


def varint(data: bytes, pos: int) -> tuple[int, int]:
    """The varint at ``pos``: (value, position after it)."""
    result = 0
    shift = 0
    try:
        while True:
            b = data[pos]
            pos += 1
            result |= (b & 0x7F) << shift
            if b < 0x80:
                return result, pos
            shift += 7
            if shift > 63:
                raise WireError("varint longer than 10 bytes")
    except IndexError:
        raise WireError("truncated varint") from None


def enc_varint(value: int) -> bytes:
    """A varint (negative numbers as 64-bit two's complement, as protobuf
    encodes int32/int64)."""
    if 0 <= value < 0x80:
        return BYTE[value]
    if value < 0:
        value &= (1 << 64) - 1
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def signed64(value: int) -> int:
    """An int64/int32 read as a varint, back to its sign."""
    return value - (1 << 64) if value >= 1 << 63 else value


def skip(data: bytes, pos: int, wtype: int) -> int:
    """The position after a field's value of wire type ``wtype``."""
    if wtype == VARINT:
        return varint(data, pos)[1]
    if wtype == LEN:
        n, pos = varint(data, pos)
        return pos + n
    if wtype == I64:
        return pos + 8
    if wtype == I32:
        return pos + 4
    raise WireError(f"unsupported wire type {wtype}")


def fields(data: bytes, pos: int, end: int):  # noqa: ANN201 -- a generator
    """(field number, wire type, value start, value end or varint value)
    of each field of the message in ``data[pos:end]``: for LEN fields the
    fourth item is where the value ends, for VARINT fields the value."""
    while pos < end:
        key, pos = varint(data, pos)
        num, wtype = key >> 3, key & 7
        if wtype == VARINT:
            value, nxt = varint(data, pos)
            yield num, wtype, pos, value
            pos = nxt
        elif wtype == LEN:
            n, pos = varint(data, pos)
            if pos + n > end:
                raise WireError("truncated length-delimited field")
            yield num, wtype, pos, pos + n
            pos += n
        else:
            nxt = skip(data, pos, wtype)
            yield num, wtype, pos, nxt
            pos = nxt
    if pos != end:
        raise WireError("field runs past its message")


def tag(num: int, wtype: int) -> bytes:
    return enc_varint(num << 3 | wtype)


def len_field(num: int, payload: bytes) -> bytes:
    """A length-delimited field: key, length, payload."""
    n = len(payload)
    if n < 0x80 and num < 16:
        return BYTE[num << 3 | LEN] + BYTE[n] + payload
    return tag(num, LEN) + enc_varint(n) + payload


def varint_field(num: int, value: int) -> bytes:
    """A varint field, or nothing for 0 (proto3's default)."""
    if not value:
        return b""
    return tag(num, VARINT) + enc_varint(value)


def split_repeated(data: bytes, num: int) -> tuple[list[bytes], bytes]:
    """The payloads of repeated message field ``num`` of a serialized
    message, and the message's other fields re-serialized (to parse them with
    the protobuf runtime)."""
    items: list[bytes] = []
    rest = bytearray()
    pos = 0
    end = len(data)
    want = num << 3 | LEN
    while pos < end:
        start = pos
        key = data[pos]
        if key < 0x80:
            pos += 1
        else:
            key, pos = varint(data, pos)
        if key == want:
            n = data[pos] if pos < end else 0x80
            if n < 0x80:
                pos += 1
            else:
                n, pos = varint(data, pos)
            if pos + n > end:
                raise WireError("truncated repeated field")
            items.append(data[pos:pos + n])
            pos += n
        else:
            pos = skip(data, pos, key & 7)
            if pos > end:
                raise WireError("truncated field")
            rest += data[start:pos]
    return items, bytes(rest)
