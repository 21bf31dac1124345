"""Values as people write them, to and from the integers P4 fields hold.

Read (:func:`parse_value`): integers, decimal, `0x` hex, `0b`, `0o` (`_`
separators allowed), IPv4 (`10.0.0.1`), IPv6 (`2001:db8::1`), MAC
(`08:00:00:00:01:11` or with `-`).

Printed (:func:`format_value`) by field width and name, so that what is
printed reads back:

- 48 bits: a MAC address, `08:00:00:00:01:11`;
- 32 bits, when the name's last component ends in `addr`, `address`,
  `ip` or `ipv4` (any case: `hdr.ipv4.dstAddr`, `nhop_ip`): IPv4;
- 128 bits: IPv6, `2001:db8::1`;
- anything else in decimal (`port=1`), except values wider than 64 bits
  and ternary values and masks, in `0x` hex (`0x0800&&&0xffff`).

A ternary match on an address is printed in the address form
(`10.0.0.0&&&255.0.0.0`).  JSON output uses the same strings, with the
decimal values as JSON numbers.

P4Runtime carries values as byte strings; :func:`canonical` is the
canonical form the spec asks for (no leading zero bytes, at least one).
"""

from __future__ import annotations

import enum
import ipaddress
import re

MAC = re.compile(r"^[0-9a-fA-F]{1,2}([:-][0-9a-fA-F]{1,2}){5}$")
_ADDRESS_NAME = re.compile(r"(addr|address|ip|ipv4)$", re.IGNORECASE)


class EntityError(ValueError):
    """Something a person or a file wrote that does not describe a valid
    P4 entity: one line, said as is."""


class BadValue(EntityError):
    """A value that cannot be read, or does not fit its field."""


def parse_value(text: str | int, bitwidth: int, what: str = "value") -> int:
    """The integer `text` denotes, checked to fit in `bitwidth` bits."""
    if isinstance(text, bool):
        value = int(text)
    elif isinstance(text, int):
        value = text
    elif isinstance(text, str):
        value = _parse_text(text.strip(), what)
    else:
        raise BadValue(f"{what}: {text!r} is not a value")
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
    """`value` in the field's full width, big-endian."""
    return value.to_bytes(max(1, (bitwidth + 7) // 8), "big")


def canonical(value: int) -> bytes:
    """P4Runtime's canonical byte string: no leading zero bytes, at least
    one byte."""
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def from_bytes(data: bytes) -> int:
    return int.from_bytes(data, "big")


def mask(bitwidth: int) -> int:
    return (1 << bitwidth) - 1


class Style(enum.Enum):
    MAC = "mac"
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    DEC = "dec"
    HEX = "hex"


def style_for(bitwidth: int, name: str = "") -> Style:
    """How a value of this field is printed (the module's rule)."""
    if bitwidth == 48:
        return Style.MAC
    if bitwidth == 32 and _ADDRESS_NAME.search(name.rsplit(".", 1)[-1]):
        return Style.IPV4
    if bitwidth == 128:
        return Style.IPV6
    return Style.HEX if bitwidth > 64 else Style.DEC


def format_value(value: int, bitwidth: int, name: str = "", *, is_mask: bool = False,
                 style: Style | None = None) -> str:
    """`value` as :func:`parse_value` reads it back, by the module's rule
    (or the given `style`)."""
    style = style or style_for(bitwidth, name)
    if style is Style.MAC:
        return ":".join(f"{b:02x}" for b in value.to_bytes(6, "big"))
    if style is Style.IPV4:
        return str(ipaddress.IPv4Address(value))
    if style is Style.IPV6:
        return str(ipaddress.IPv6Address(value))
    if style is Style.HEX or is_mask:
        return hex(value)
    return str(value)


def json_value(value: int, bitwidth: int, name: str = "", *, is_mask: bool = False
               ) -> int | str:
    """As :func:`format_value`, but decimal values as JSON numbers."""
    style = style_for(bitwidth, name)
    if style is Style.DEC and not is_mask:
        return value
    return format_value(value, bitwidth, name, is_mask=is_mask, style=style)
