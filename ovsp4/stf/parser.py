"""Parse p4c's STF ("simple test framework") files.

An STF file is a sequence of commands, one a line, `#` starting a comment:

    packet PORT HEX...                 send a packet
    expect PORT HEX... [$]             expect a packet on PORT: hex digits,
                                       `*` a wildcard nibble, `$` the end
                                       (without it, longer packets match)
    expect PORT                        any number of packets on PORT
    add TABLE [PRIO] FIELD:VALUE... ACTION(ARG:VALUE, ...)
    setdefault TABLE ACTION(ARG:VALUE, ...)
    mirroring_add SESSION PORT         a clone session to PORT
    mc_mgrp_create GROUP               a multicast group
    mc_node_create RID PORT...         a multicast node (handles 0, 1, ...)
    mc_node_associate GROUP HANDLE
    wait                               let queued work finish

Names and values are kept as written: resolving them needs the program's
P4Info (see runner.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


class StfSyntaxError(Exception):
    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.line = line


@dataclass(frozen=True)
class Command:
    line: int


@dataclass(frozen=True)
class Packet(Command):
    port: int
    data: bytes


@dataclass(frozen=True)
class Expect(Command):
    port: int
    pattern: str | None  # upper-case hex nibbles and '*'; None: any packets
    exact_length: bool = False


@dataclass(frozen=True)
class Add(Command):
    table: str
    priority: int | None
    keys: list[tuple[str, str]] = field(default_factory=list)
    action: str = ""
    args: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class SetDefault(Command):
    table: str
    action: str
    args: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class MirroringAdd(Command):
    session: int
    port: int


@dataclass(frozen=True)
class McGroupCreate(Command):
    group: int


@dataclass(frozen=True)
class McNodeCreate(Command):
    rid: int
    ports: list[int]


@dataclass(frozen=True)
class McNodeAssociate(Command):
    group: int
    handle: int


@dataclass(frozen=True)
class Wait(Command):
    pass


HEX = re.compile(r"^[0-9a-fA-F*]*$")
NUMBER = re.compile(r"^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|\d+)$")


def _int(text: str, path: str, line: int, what: str) -> int:
    if not NUMBER.match(text):
        raise StfSyntaxError(path, line, f"{what} '{text}' is not a number")
    return int(text, 0)


def _action_call(text: str, path: str, line: int) -> tuple[str, list[tuple[str, str]]]:
    """`name(arg:value, ...)` -> (name, [(arg, value), ...])."""
    m = re.fullmatch(r"\s*([^\s(]+)\s*\((.*)\)\s*", text)
    if not m:
        raise StfSyntaxError(path, line, f"expected ACTION(ARG:VALUE, ...), got '{text.strip()}'")
    args = []
    for part in m.group(2).split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, value = part.partition(":")
        if not sep or not name.strip() or not value.strip():
            raise StfSyntaxError(path, line, f"action argument '{part}' is not NAME:VALUE")
        args.append((name.strip(), value.strip()))
    return m.group(1), args


def _packet_bytes(words: list[str], path: str, line: int) -> bytes:
    digits = "".join(words)
    if not HEX.match(digits) or "*" in digits or len(digits) % 2:
        raise StfSyntaxError(path, line, f"bad packet data '{' '.join(words)}'")
    return bytes.fromhex(digits)


def _parse_line(words: list[str], rest: str, path: str, n: int) -> Command:
    cmd = words[0]
    if cmd == "packet":
        if len(words) < 2:
            raise StfSyntaxError(path, n, "packet needs a port")
        return Packet(n, _int(words[1], path, n, "port"), _packet_bytes(words[2:], path, n))
    if cmd == "expect":
        if len(words) < 2:
            raise StfSyntaxError(path, n, "expect needs a port")
        port = _int(words[1], path, n, "port")
        pattern = "".join(words[2:]).upper()
        exact = pattern.endswith("$")  # may be written apart or attached
        pattern = pattern.removesuffix("$")
        if not HEX.match(pattern):
            raise StfSyntaxError(path, n, f"bad expected packet '{' '.join(words[2:])}'")
        if not pattern and not exact:
            return Expect(n, port, None)
        return Expect(n, port, pattern, exact)
    if cmd == "add":
        if len(words) < 3:
            raise StfSyntaxError(path, n, "add needs a table, a key and an action")
        table = words[1]
        parts = rest.split(None, 2)
        body = parts[2] if len(parts) > 2 else ""
        priority = None
        first = body.split(None, 1)
        if first and NUMBER.match(first[0]):
            priority = int(first[0], 0)
            body = first[1] if len(first) > 1 else ""
        paren = body.find("(")
        if paren < 0:
            raise StfSyntaxError(path, n, "add: no action call ACTION(...)")
        head, _, _ = body[:paren].rpartition(" ")
        keys = []
        for word in head.split():
            name, sep, value = word.partition(":")
            if not sep or not name or not value:
                raise StfSyntaxError(path, n, f"key '{word}' is not FIELD:VALUE")
            keys.append((name, value))
        action, args = _action_call(body[len(head) :], path, n)
        return Add(n, table, priority, keys, action, args)
    if cmd == "setdefault":
        if len(words) < 3:
            raise StfSyntaxError(path, n, "setdefault needs a table and an action")
        action, args = _action_call(rest.split(None, 2)[2], path, n)
        return SetDefault(n, words[1], action, args)
    if cmd == "mirroring_add":
        if len(words) != 3:
            raise StfSyntaxError(path, n, "mirroring_add needs SESSION PORT")
        return MirroringAdd(n, _int(words[1], path, n, "session"), _int(words[2], path, n, "port"))
    if cmd == "mc_mgrp_create":
        if len(words) != 2:
            raise StfSyntaxError(path, n, "mc_mgrp_create needs GROUP")
        return McGroupCreate(n, _int(words[1], path, n, "group"))
    if cmd == "mc_node_create":
        if len(words) < 2:
            raise StfSyntaxError(path, n, "mc_node_create needs RID PORT...")
        ports = [_int(w, path, n, "port") for w in words[2:]]
        return McNodeCreate(n, _int(words[1], path, n, "rid"), ports)
    if cmd == "mc_node_associate":
        if len(words) != 3:
            raise StfSyntaxError(path, n, "mc_node_associate needs GROUP HANDLE")
        return McNodeAssociate(
            n, _int(words[1], path, n, "group"), _int(words[2], path, n, "handle")
        )
    if cmd == "wait":
        return Wait(n)
    raise StfSyntaxError(path, n, f"unsupported STF command '{cmd}'")


def parse_stf(text: str, path: str = "<stf>") -> list[Command]:
    commands: list[Command] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        commands.append(_parse_line(line.split(), line, path, n))
    return commands


def parse_stf_file(path: str | Path) -> list[Command]:
    return parse_stf(Path(path).read_text(), str(path))
