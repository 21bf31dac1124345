"""The datapath's table entries (READ replies, idle timeout events) as
serialized P4Runtime ``Entity`` messages: the read hot path.

The datapath writes every value at its field's full width and the fields
of an entry in P4Info order, so the entries of a table whose fields are all
present have one layout: a precompiled struct per table reads the whole
match key, one per action its parameters. Values become canonical (leading
zero bytes dropped) and go behind prefixes computed once per value length.
Don't-care matches the datapath may report (entries written by other tools)
are left out, as the canonical form requires.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

from ovsp4.control import protocol as cp
from ovsp4.p4runtime import pbout
from ovsp4.p4runtime.ctlenc import FM_HEAD, METER, READ_ENTRY_HEAD, U16, U32, U64
from ovsp4.p4runtime.pbout import field, ln, vfield
from ovsp4.p4runtime.read_codegen import Converter, compile_converter
from ovsp4.p4runtime.schema import (
    FM_EXACT,
    FM_LPM,
    FM_OPTIONAL,
    FM_RANGE,
    FM_TERNARY,
    ActionInfo,
    Schema,
    TableInfo,
)
from ovsp4.p4runtime.state import HIDDEN, State, key_sig
from ovsp4.p4runtime.values import canonical
from ovsp4.p4runtime.wire import BYTE, enc_varint

_ACTION = struct.Struct("<IH")
_PARAM = struct.Struct("<II")
_COUNTER = struct.Struct("<QQ")

# Field kinds of the fixed layout.
_K_EXACT, _K_LPM, _K_TERNARY, _K_RANGE = 0, 1, 2, 3

# What the entries become.
AS_TABLE_ENTRY, AS_DIRECT_COUNTER, AS_DIRECT_METER = 0, 1, 2


def _nested(fid: int, kind_key: int, n: int, tail: int = 0) -> bytes:
    """The bytes of a FieldMatch (TableEntry field 2) before a value of n
    bytes: ``0x12 len {0x08 fid, kind len {0x0a n`` -- ``tail`` bytes
    follow the value inside the kind's message (an LPM prefix length)."""
    fid_b = b"\x08" + enc_varint(fid)
    inner = 1 + len(ln(n)) + n + tail
    fm = len(fid_b) + 1 + len(ln(inner)) + inner
    return b"\x12" + ln(fm) + fid_b + BYTE[kind_key] + ln(inner) + b"\x0a" + ln(n)


@dataclass(eq=False, slots=True)
class _ActionOut:
    head: bytes                      # action_id field
    n: int                           # parameters
    params: struct.Struct | None     # the parameter block (None: no parameter)
    prefixes: list[list[bytes]]      # per parameter, by canonical length


@dataclass(eq=False, slots=True)
class _TableOut:
    info: TableInfo
    head: bytes                       # table_id field
    layout: struct.Struct | None      # the match block when every field is present
    kinds: list[tuple[int, int, list[bytes]]]   # per field: kind, id, prefixes by
                                                # canonical length
    is_const: bytes


class EntryConverter:
    def __init__(self, schema: Schema, state: State,
                 action_set: Callable[[int, int], bytes | None]) -> None:
        self.schema = schema
        self.state = state
        self.action_set = action_set          # one-shot groups' action sets
        self.tables: dict[int, _TableOut] = {t.id: self._table(t)
                                              for t in schema.tables.values()}
        self.actions: dict[int, _ActionOut] = {a.id: self._action(a)
                                                for a in schema.actions.values()}
        # (counter, meter, time) -> (table, flags, action) -> converter
        self._shapes: dict[tuple[bool, bool, bool], dict[tuple[int, int, int], Converter]] = {}

    @staticmethod
    def _table(t: TableInfo) -> _TableOut:
        fmt = "<"
        kinds = []
        fixed = t.supported
        for f in t.order:
            nb = f.nbytes
            if f.fm in (FM_EXACT, FM_OPTIONAL):
                fmt += f"9x{nb}s4x2x"
                kinds.append((_K_EXACT, f.id,
                              [_nested(f.id, f.fm << 3 | 2, n) for n in range(nb + 1)]))
            elif f.fm == FM_LPM:
                fmt += f"9x{nb}s4xH"
                kinds.append((_K_LPM, f.id,
                              [_nested(f.id, FM_LPM << 3 | 2, n, 2) for n in range(nb + 1)]))
            elif f.fm in (FM_TERNARY, FM_RANGE):
                fmt += f"9x{nb}s4x{nb}s2x"
                kinds.append((_K_TERNARY if f.fm == FM_TERNARY else _K_RANGE, f.id, []))
            else:
                fixed = False
        return _TableOut(t, b"\x08" + enc_varint(t.id),
                         struct.Struct(fmt) if fixed and t.order else None, kinds,
                         b"\x68\x01" if t.is_const else b"")

    @staticmethod
    def _action(a: ActionInfo) -> _ActionOut:
        fmt = "<" + "".join(f"8x{(p.width + 7) // 8}s" for p in a.order)
        prefixes = []
        for p in a.order:
            pp = pbout.param_prefixes(p.id)
            prefixes.append([pp.get(n) for n in range((p.width + 7) // 8 + 1)])
        return _ActionOut(b"\x08" + enc_varint(a.id), len(a.order),
                          struct.Struct(fmt) if a.order else None, prefixes)

    def convert(self, d: bytes, pos: int, n: int, *, as_: int = AS_TABLE_ENTRY,
                counter: bool = False, meter: bool = False, time: bool = False,
                filters: tuple[int, int, bytes, int] | None = None
                ) -> tuple[list[bytes], int]:
        """The ``n`` entries at ``d[pos:]`` as serialized Entity messages,
        and where they end. ``filters``: (priority, cookie, metadata,
        action_id), 0/empty for any."""
        out: list[bytes] = []
        append = out.append
        tables = self.tables
        actions = self.actions
        meta = self.state.table_meta
        unpack_head = READ_ENTRY_HEAD.unpack_from
        unpack_q = U64.unpack_from
        unpack_u32 = U32.unpack_from
        # Generated converters (read_codegen) for plain reads of entries.
        shapes = self._shapes.setdefault((counter, meter, time), {}) \
            if as_ == AS_TABLE_ENTRY and filters is None else None
        left = n
        while left:
            tid, flags, prio, nm = unpack_head(d, pos)
            to = tables[tid]
            if shapes is not None and to.layout is not None and nm == len(to.kinds) \
                    and not meta.get(tid):
                x = pos + 11 + to.layout.size
                if d[x] == cp.ActionKind.DIRECT:
                    skey = (tid, flags, unpack_u32(d, x + 1)[0])
                    fn = shapes.get(skey)
                    if fn is None:
                        fn = shapes[skey] = self._shape(to, flags, skey[2], counter, meter,
                                                        time)
                    pos, done = fn(d, pos, left, append)
                    if done:
                        left -= done
                        continue
            left -= 1
            pos += 11
            parts = [to.head]
            layout = to.layout
            md_table = meta.get(tid)
            if layout is not None and nm == len(to.kinds) and not md_table:
                vals = layout.unpack_from(d, pos)
                pos += layout.size
                k = 0
                for kind, fid, prefixes in to.kinds:
                    v = vals[k]
                    k += 1
                    if kind == _K_EXACT:
                        c = v.lstrip(b"\0") or b"\0"
                        parts.append(prefixes[len(c)])
                        parts.append(c)
                    elif kind == _K_LPM:
                        plen = vals[k]
                        k += 1
                        if not plen:
                            continue            # a don't-care: omitted
                        c = v.lstrip(b"\0") or b"\0"
                        if plen < 0x80:
                            parts.append(prefixes[len(c)])
                            parts.append(c)
                            parts.append(b"\x10" + BYTE[plen])
                        else:
                            parts.append(_lpm(fid, c, plen))
                    else:
                        v2 = vals[k]
                        k += 1
                        m = _match(to.info, fid, cp.MatchKind.TERNARY if kind == _K_TERNARY
                                   else cp.MatchKind.RANGE, v, v2, 0)
                        if m:
                            parts.append(m)
                sig = None
            else:
                pos, sig = self._matches(to, d, pos, nm, parts, bool(md_table))
            akind = d[pos]
            pos += 1
            aid = 0
            ta = b""
            if akind == cp.ActionKind.DIRECT:
                aid, np_ = _ACTION.unpack_from(d, pos)
                pos += 6
                ao = actions.get(aid)
                if ao is not None and np_ == ao.n:
                    a_parts = [ao.head]
                    if ao.params is not None:
                        pv = ao.params.unpack_from(d, pos)
                        pos += ao.params.size
                        for v, prefixes in zip(pv, ao.prefixes, strict=True):
                            c = v.lstrip(b"\0") or b"\0"
                            a_parts.append(prefixes[len(c)])
                            a_parts.append(c)
                    a = b"".join(a_parts)
                else:
                    a, pos = _params(d, pos, aid, np_)
                ta = b"\x0a" + (BYTE[len(a)] if len(a) < 0x80 else enc_varint(len(a))) + a
            elif akind in (cp.ActionKind.MEMBER, cp.ActionKind.GROUP):
                (ref,) = U32.unpack_from(d, pos)
                pos += 4
                ta = self._ref(to.info, akind, ref)
            idle, cookie = _COUNTER.unpack_from(d, pos)
            pos += 16
            cfg = None
            packets = nbytes = elapsed = 0
            if flags & cp.ENTRY_METER:
                cfg = METER.unpack_from(d, pos)
                pos += 32
            if flags & cp.ENTRY_COUNTER:
                packets, nbytes = _COUNTER.unpack_from(d, pos)
                pos += 16
            if flags & cp.ENTRY_TIME:
                elapsed = unpack_q(d, pos + 8)[0]
                pos += 16
            md = md_table.get(key_sig(prio, sig), b"") if md_table and sig is not None else b""
            if filters is not None:
                fp, fc, fm, fa = filters
                if (fp and prio != fp) or (fc and cookie != fc) or (fm and md != fm) \
                        or (fa and aid != fa):
                    continue
            if as_ == AS_TABLE_ENTRY:
                if ta:
                    parts.append(b"\x1a" + (BYTE[len(ta)] if len(ta) < 0x80
                                            else enc_varint(len(ta))) + ta)
                if prio:
                    parts.append(b"\x20" + enc_varint(prio))
                if cookie:
                    parts.append(b"\x28" + enc_varint(cookie))
                if meter and cfg is not None:
                    parts.append(field(b"\x32", _meter(cfg)))
                default = flags & cp.ENTRY_DEFAULT
                if counter and to.info.direct_counter and not default:
                    parts.append(field(b"\x3a", vfield(b"\x08", nbytes)
                                       + vfield(b"\x10", packets)))
                if default:
                    parts.append(b"\x40\x01")
                if idle:
                    parts.append(b"\x48" + enc_varint(idle))
                if time:
                    parts.append(field(b"\x52", vfield(b"\x08", elapsed)))
                if md:
                    parts.append(field(b"\x5a", md))
                if to.is_const and not default:
                    parts.append(to.is_const)
                te = b"".join(parts)
                append(b"\x12" + (BYTE[len(te)] if len(te) < 0x80 else enc_varint(len(te)))
                       + te)
                continue
            if prio:
                parts.append(b"\x20" + enc_varint(prio))
            key = field(b"\x0a", b"".join(parts))
            if as_ == AS_DIRECT_COUNTER:
                append(field(pbout.ENT_DIRECT_COUNTER, key + field(
                    b"\x12", vfield(b"\x08", nbytes) + vfield(b"\x10", packets))))
            else:
                append(field(pbout.ENT_DIRECT_METER, key + (
                    field(b"\x12", _meter(cfg)) if cfg is not None else b"")))
        return out, pos

    def _shape(self, to: _TableOut, flags: int, aid: int, counter: bool, meter: bool,
               time: bool) -> Converter:
        ao = self.actions.get(aid)
        info = self.schema.actions.get(aid)
        if ao is None or info is None:
            return _no_shape
        return compile_converter(to.info, to.head, to.kinds, info, ao.head, ao.prefixes, flags,
                                 counter=counter, meter=meter, time=time, match=_match,
                                 lpm=_lpm, is_const=to.is_const)

    def _matches(self, to: _TableOut, d: bytes, pos: int, nm: int, parts: list[bytes],
                 want_sig: bool) -> tuple[int, list[tuple[int, int, int, int]] | None]:
        """Matches of any layout (fields missing, tables with metadata)."""
        sig: list[tuple[int, int, int, int]] | None = [] if want_sig else None
        tbl = to.info
        for _ in range(nm):
            fid, kind, n1 = FM_HEAD.unpack_from(d, pos)
            pos += 9
            v = d[pos:pos + n1]
            pos += n1
            (n2,) = U32.unpack_from(d, pos)
            pos += 4
            v2 = d[pos:pos + n2]
            pos += n2
            (plen,) = U16.unpack_from(d, pos)
            pos += 2
            m = _match(tbl, fid, kind, v, v2, plen)
            if m:
                parts.append(m)
            if sig is not None:
                sig.append((fid, int.from_bytes(v, "big"),
                            int.from_bytes(v2, "big") if kind in (cp.MatchKind.TERNARY,
                                                                   cp.MatchKind.RANGE) else 0,
                            plen))
        return pos, sig

    def _ref(self, tbl: TableInfo, akind: int, ref: int) -> bytes:
        """The TableAction of a member or group reference; a one-shot's
        hidden group reads back as its action set."""
        if akind == cp.ActionKind.MEMBER:
            return vfield(b"\x10", ref)
        if ref >= HIDDEN and tbl.profile is not None:
            aps = self.action_set(tbl.profile.id, ref)
            if aps is not None:
                return field(b"\x22", aps)
        return vfield(b"\x18", ref)


def _no_shape(d: bytes, pos: int, n: int, append: Callable[[bytes], None]) -> tuple[int, int]:
    """The converter of a shape there is none for (unknown action)."""
    return pos, 0


def _params(d: bytes, pos: int, aid: int, n: int) -> tuple[bytes, int]:
    """An action of a layout the P4Info does not predict (generic)."""
    parts = [b"\x08" + enc_varint(aid)]
    for _ in range(n):
        pid, size = _PARAM.unpack_from(d, pos)
        pos += 8
        c = canonical(d[pos:pos + size])
        pos += size
        parts.append(field(b"\x22", b"\x10" + enc_varint(pid) + field(b"\x1a", c)))
    return b"".join(parts), pos


def _meter(cfg: tuple[int, int, int, int]) -> bytes:
    cir, cburst, pir, pburst = cfg
    return (vfield(b"\x08", cir) + vfield(b"\x10", cburst) + vfield(b"\x18", pir)
            + vfield(b"\x20", pburst))


def _lpm(fid: int, c: bytes, plen: int) -> bytes:
    inner = field(b"\x0a", c) + vfield(b"\x10", plen)
    return field(b"\x12", b"\x08" + enc_varint(fid) + field(b"\x22", inner))


def _match(tbl: TableInfo, fid: int, kind: int, v: bytes, v2: bytes, plen: int) -> bytes:
    """One FieldMatch of any kind, or b"" for a don't-care the datapath
    reported (left out: canonical)."""
    f = tbl.fields.get(fid)
    w = f.width if f is not None else len(v) * 8
    if kind == cp.MatchKind.LPM:
        return _lpm(fid, canonical(v), plen) if plen else b""
    if kind == cp.MatchKind.TERNARY:
        if not v2.strip(b"\0"):
            return b""
        inner = field(b"\x0a", canonical(v)) + field(b"\x12", canonical(v2))
        return field(b"\x12", b"\x08" + enc_varint(fid) + field(b"\x1a", inner))
    if kind == cp.MatchKind.RANGE:
        lo, hi = int.from_bytes(v, "big"), int.from_bytes(v2, "big")
        if lo == 0 and hi == (1 << w) - 1:
            return b""
        inner = field(b"\x0a", canonical(v)) + field(b"\x12", canonical(v2))
        return field(b"\x12", b"\x08" + enc_varint(fid) + field(b"\x32", inner))
    key = b"\x3a" if kind == cp.MatchKind.OPTIONAL else b"\x12"
    return field(b"\x12", b"\x08" + enc_varint(fid) + field(key, field(b"\x0a", canonical(v))))
