"""Values as people write them, to and from the integers P4 fields hold.

Accepted: integers, decimal, `0x` hex, `0b`, `0o`, IPv4 (`10.0.0.1`),
IPv6 (`2001:db8::1`), MAC (`08:00:00:00:01:11`). Printed by field width:
48 bits as a MAC, 32 as IPv4, 128 as IPv6, anything else in decimal
(`hex_output` prints `0x` hex instead).
"""

from __future__ import annotations

import ipaddress
import re

MAC = re.compile(r"^[0-9a-fA-F]{1,2}([:-][0-9a-fA-F]{1,2}){5}$")


class BadValue(ValueError):
    """A value that cannot be read, or does not fit its field."""


def parse_value(text: str | int, bitwidth: int, what: str = "value") -> int:
    """The integer `text` denotes, checked to fit in `bitwidth` bits."""
    if isinstance(text, bool):
        value = int(text)
    elif isinstance(text, int):
        value = text
    else:
        value = _parse_text(text.strip(), what)
    if value < 0:
        raise BadValue(f"{what}: {text} is negative")
    if bitwidth and value >> bitwidth:
        raise BadValue(f"{what}: {text} does not fit in {bitwidth} bits")
    return value


def _parse_text(text: str, what: str) -> int:
    if MAC.match(text):
        return int("".join(part.zfill(2) for part in re.split(r"[:-]", text)), 16)
    if ":" in text:
        try:
            return int(ipaddress.IPv6Address(text))
        except ValueError:
            pass
    if text.count(".") == 3:
        try:
            return int(ipaddress.IPv4Address(text))
        except ValueError:
            pass
    try:
        return int(text.replace("_", ""), 0)
    except ValueError:
        raise BadValue(f"{what}: cannot read '{text}' (a number, IPv4, IPv6 or MAC)") from None


def to_bytes(value: int, bitwidth: int) -> bytes:
    return value.to_bytes(max(1, (bitwidth + 7) // 8), "big")


def format_value(value: int, bitwidth: int, *, hex_output: bool = False) -> str:
    if bitwidth == 48:
        raw = value.to_bytes(6, "big")
        return ":".join(f"{b:02x}" for b in raw)
    if bitwidth == 32 and not hex_output:
        return str(ipaddress.IPv4Address(value))
    if bitwidth == 128:
        return str(ipaddress.IPv6Address(value))
    return hex(value) if hex_output else str(value)
