"""P4Runtime bytestrings (spec section "Bytestrings").

Received strings may have any length: a value is accepted when it is not
empty and, leading zero bits removed, fits the P4Info bitwidth (signed
values: sign extension undone). Sent strings are canonical: the shortest
string holding the value, at least one byte. The datapath takes values of
any length, zero-extended on the left, so accepted strings are passed on as
they are and only replies need rewriting.
"""

from __future__ import annotations


def fits(value: bytes, width: int) -> bool:
    """Whether an unsigned bytestring is valid for a ``bit<width>``."""
    n = len(value)
    if n * 8 <= width:
        return n > 0
    return int.from_bytes(value, "big").bit_length() <= width


def fits_signed(value: bytes, width: int) -> bool:
    """Whether a bytestring is valid for an ``int<width>`` (two's
    complement, sign-extended to its length)."""
    if not value or width <= 0:
        return False
    v = int.from_bytes(value, "big", signed=True)
    return -(1 << (width - 1)) <= v < (1 << (width - 1))


def canonical(value: bytes) -> bytes:
    """The canonical form of an unsigned bytestring."""
    if value[:1] != b"\0":
        return value or b"\0"
    return value.lstrip(b"\0") or b"\0"


def canonical_int(value: int) -> bytes:
    """An unsigned integer as a canonical bytestring."""
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def canonical_signed(value: int) -> bytes:
    """A signed integer as a canonical (shortest two's complement)
    bytestring."""
    n = max(1, (value.bit_length() + 8) // 8)
    return value.to_bytes(n, "big", signed=True)


def to_unsigned(value: bytes, width: int) -> bytes:
    """A valid ``int<width>`` bytestring as the datapath's ``bit<width>``
    bytes (two's complement in ceil(width/8) bytes)."""
    v = int.from_bytes(value, "big", signed=True) & ((1 << width) - 1)
    return v.to_bytes((width + 7) // 8, "big")


def from_unsigned(value: bytes, width: int) -> bytes:
    """The datapath's bytes of an ``int<width>`` as a canonical signed
    bytestring."""
    v = int.from_bytes(value, "big")
    if width and v >> (width - 1):
        v -= 1 << width
    return canonical_signed(v)


def to_int(value: bytes) -> int:
    return int.from_bytes(value, "big")
