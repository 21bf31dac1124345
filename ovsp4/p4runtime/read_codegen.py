"""Converters of table entries generated per *shape* (table, flags, action,
what the read asks for): the read hot path.

An entry of a table whose fields are all present has a fixed layout once
its flags and action are known, so one struct reads all of it, and a
function with no loop and no branch but for values that may be zero builds
its Entity bytes. Python runs such straight-line code two to three times
faster than the general converter's loops over fields, parameters and
optional parts (:meth:`ovsp4.p4runtime.read_entries.EntryConverter.convert`
falls back to those for anything else). The functions are made from source
with ``exec``, as :mod:`dataclasses` makes its methods; their names and
constants come from the P4Info, never from data.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from ovsp4.control import protocol as cp
from ovsp4.p4runtime.pbout import field, vfield
from ovsp4.p4runtime.schema import FM_LPM, FM_RANGE, FM_TERNARY, ActionInfo, TableInfo
from ovsp4.p4runtime.wire import BYTE, enc_varint

# Varint length prefixes, precomputed.
LN = [enc_varint(i) for i in range(4096)]

# f(data, pos, n, append) -> (end, entries converted): converts the entries
# at pos while they have the shape, at most n.
Converter = Callable[[bytes, int, int, Callable[[bytes], None]], "tuple[int, int]"]


def _ln(n: int) -> bytes:
    return LN[n] if n < 4096 else enc_varint(n)


def _meter(cir: int, cburst: int, pir: int, pburst: int) -> bytes:
    return field(b"\x32", vfield(b"\x08", cir) + vfield(b"\x10", cburst)
                 + vfield(b"\x18", pir) + vfield(b"\x20", pburst))


def _counter(packets: int, nbytes: int) -> bytes:
    return field(b"\x3a", vfield(b"\x08", nbytes) + vfield(b"\x10", packets))


def _time(elapsed: int) -> bytes:
    return field(b"\x52", vfield(b"\x08", elapsed))


def compile_converter(tbl: TableInfo, head: bytes, kinds: list, action: ActionInfo,
                      action_head: bytes, param_prefixes: list[list[bytes]], flags: int,
                      *, counter: bool, meter: bool, time: bool,
                      match: Callable[..., bytes], lpm: Callable[..., bytes],
                      is_const: bytes) -> Converter:
    """The converter of one shape of ``tbl``'s entries as TableEntry
    entities (see :data:`Converter`)."""
    ns: dict[str, object] = {"LN": LN, "ln": _ln, "V": enc_varint, "Z": b"\0", "TH": head,
                             "AH": action_head, "MATCH": match, "LPM": lpm, "TBL": tbl,
                             "METER": _meter, "COUNTER": _counter, "TIME": _time,
                             "CONST": is_const, "PL": [b"\x10" + BYTE[p] for p in range(128)]}
    fmt = "<IBiH"
    names = ["_", "_", "prio", "_"]
    body: list[str] = []
    key: list[str] = []
    for i, (_kind, fid, prefixes) in enumerate(kinds):
        f = tbl.fields[fid]
        nb = f.nbytes
        ns[f"MP{i}"] = prefixes
        if f.fm == FM_LPM:
            fmt += f"9x{nb}s4xH"
            names += [f"v{i}", f"pl{i}"]
            body.append(f"    c{i} = v{i}.lstrip(Z) or Z")
            if f.width < 0x80:
                key.append(f"(MP{i}[len(c{i})] + c{i} + PL[pl{i}] if pl{i} else b'')")
            else:
                key.append(f"(LPM({fid}, c{i}, pl{i}) if pl{i} else b'')")
        elif f.fm in (FM_TERNARY, FM_RANGE):
            fmt += f"9x{nb}s4x{nb}s2x"
            names += [f"v{i}", f"w{i}"]
            ctl = cp.MatchKind.TERNARY if f.fm == FM_TERNARY else cp.MatchKind.RANGE
            key.append(f"MATCH(TBL, {fid}, {int(ctl)}, v{i}, w{i}, 0)")
        else:
            fmt += f"9x{nb}s4x2x"
            names.append(f"v{i}")
            body.append(f"    c{i} = v{i}.lstrip(Z) or Z")
            key.append(f"MP{i}[len(c{i})] + c{i}")
    fmt += "BIH"
    names += ["_", "_", "np"]
    a_parts = ["AH"]
    for j, p in enumerate(action.order):
        fmt += f"8x{(p.width + 7) // 8}s"
        names.append(f"p{j}")
        ns[f"PP{j}"] = param_prefixes[j]
        body.append(f"    q{j} = p{j}.lstrip(Z) or Z")
        a_parts.append(f"PP{j}[len(q{j})] + q{j}")
    fmt += "QQ"
    names += ["idle", "cookie"]
    default = flags & cp.ENTRY_DEFAULT
    tail = []
    if tbl.needs_priority:
        tail.append("(b'\\x20' + V(prio) if prio else b'')")
    tail.append("(b'\\x28' + V(cookie) if cookie else b'')")
    if flags & cp.ENTRY_METER:
        fmt += "QQQQ"
        names += ["m0", "m1", "m2", "m3"]
        if meter:
            tail.append("METER(m0, m1, m2, m3)")
    if flags & cp.ENTRY_COUNTER:
        fmt += "QQ"
        names += ["pk", "by"]
        if counter and tbl.direct_counter and not default:
            tail.append("COUNTER(pk, by)")
    if default:
        tail.append("b'\\x40\\x01'")
    tail.append("(b'\\x48' + V(idle) if idle else b'')")
    if flags & cp.ENTRY_TIME:
        fmt += "8xQ"
        names.append("el")
    if time:
        tail.append("TIME(el)" if flags & cp.ENTRY_TIME else "TIME(0)")
    if is_const and not default:
        tail.append("CONST")
    s = struct.Struct(fmt)
    ns["S"] = s
    # The shape's identity: table id and flags; action kind and id.
    ns["H5"] = struct.pack("<IB", tbl.id, flags)
    action_at = struct.calcsize("<IBiH" + fmt[5:fmt.index("BIH")])
    ns["A5"] = struct.pack("<BI", cp.ActionKind.DIRECT, action.id)
    key_expr = " + ".join(key) if key else "b''"
    src = [
        "def convert(d, pos, n, append):",
        "    i = 0",
        "    while i < n:",
        f"        if d[pos:pos + 5] != H5 or d[pos + {action_at}:pos + {action_at + 5}] != A5:",
        "            break",
        f"        ({', '.join(names)},) = S.unpack_from(d, pos)",
        f"        if np != {len(action.order)}:",
        "            break",
        *("    " + line for line in body),
        f"        a = {' + '.join(a_parts)}",
        "        ta = b'\\x0a' + ln(len(a)) + a",
        f"        te = TH + {key_expr} + b'\\x1a' + ln(len(ta)) + ta + {' + '.join(tail)}",
        "        append(b'\\x12' + ln(len(te)) + te)",
        f"        pos += {s.size}",
        "        i += 1",
        "    return pos, i",
    ]
    exec("\n".join(src), ns)  # noqa: S102 -- generated from the P4Info, see the module doc
    return ns["convert"]  # type: ignore[return-value]
