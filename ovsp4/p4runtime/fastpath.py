"""Cached translations of table entry updates: the write hot path.

A batch of table entries is mostly the same update with other values: same
table, same action, same field lengths. Translation is a function of an
update's *structure* (its bytes outside the variables, see
:mod:`ovsp4.p4runtime.entry_wire`) and of its variables' values, and the
control update it produces holds the variables verbatim (or re-encoded,
for the priority and cookie) in fixed places. So once an update has been
translated the slow way, a :class:`Template` translates any update with
the same structure: a regular expression made of the structure's bytes
(escaped) and one fixed-length group per variable recognises it and
extracts the variables in one C call, the value checks the slow path needed
are repeated (bit widths of full-length values, LPM host bits, ternary
masks, range bounds, the priority's range), and ``%``-formatting the
variables into the control update's bytes produces the result.

Only the variables' lengths are part of the structure: an update matching
a template parses exactly like the template's (same tags, same lengths,
varints well-formed and as long), which is why the result is the one the
slow path would give. Updates with side effects on the translator state are
never cached; a template whose translation depends on table metadata
(``guard``) is used only while that table has none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import itemgetter

from ovsp4.p4runtime.ctlenc import I32, U16, U32, U64
from ovsp4.p4runtime.entry_wire import V_BYTES, V_I32, V_U16, V_U32, V_U64, RawEntry
from ovsp4.p4runtime.tables import EntryOut
from ovsp4.p4runtime.validate import lpm_var_check

MAX_TEMPLATES = 4096


def _varint(b: bytes) -> int:
    """A captured varint; -1 unless exactly one well-formed varint."""
    n = len(b)
    v = 0
    for i, x in enumerate(b):
        if (x >= 0x80) != (i < n - 1):
            return -1
        v |= (x & 0x7F) << (7 * i)
    return v


# Control-protocol bytes of a varint variable, by kind: (struct, mask).
_PACK = {V_I32: I32.pack, V_U16: U16.pack, V_U32: U32.pack, V_U64: U64.pack}
# Zero bytes completing a one-byte varint variable (value < 128) into its
# little-endian control-protocol integer: the byte is the integer's low byte.
_PAD = {V_I32: b"\0" * 3, V_U16: b"\0", V_U32: b"\0" * 3, V_U64: b"\0" * 7}
_SMALL = b"([\x00-\x7f])"        # a one-byte varint


def _check(fn: Callable[..., bool], groups: tuple[int, ...], args: tuple[int, ...]
           ) -> Callable[[tuple[bytes, ...]], bool]:
    """A value check on a match's groups, as one call."""
    if len(groups) == 1:
        (g0,) = groups
        return lambda vals: fn(vals[g0], *args)
    g0, g1 = groups
    return lambda vals: fn(vals[g0], vals[g1], *args)


def _specialize(fn: Callable[..., bool], groups: tuple[int, ...], args: tuple[int, ...],
                e: RawEntry, vars_: tuple[int, ...]) -> Callable[[tuple[bytes, ...]], bool]:
    """A check as one call; the LPM check of a value that cannot exceed the
    width with a one-byte prefix length (the common case) as a mask test."""
    if fn is lpm_var_check:
        value_var, plen_var = vars_
        width = args[0]
        s, t = e.spans[plen_var]
        if t - s == 1 and len(e.vals[value_var]) * 8 <= width:  # type: ignore[arg-type]
            gv, gp = groups
            masks = [(1 << (width - p)) - 1 for p in range(width + 1)]
            from_bytes = int.from_bytes

            def lpm(vals: tuple[bytes, ...]) -> bool:
                p = vals[gp][0]
                return 0 < p <= width and not from_bytes(vals[gv], "big") & masks[p]

            lpm.spec = (gv, gp, width, masks)  # type: ignore[attr-defined]  # see Template.lpm
            return lpm
    return _check(fn, groups, args)


def _well_formed(g: int) -> Callable[[tuple[bytes, ...]], bool]:
    return lambda vals: _varint(vals[g]) >= 0


def _prio_check(v: bytes) -> bool:
    p = _varint(v)
    return 1 <= p < 1 << 31


class Template:
    __slots__ = ("rx", "fmt", "order", "transforms", "checks", "n_ctl", "guard", "simple",
                 "lpm")

    def __init__(self, rx: re.Pattern[bytes], fmt: bytes, order: itemgetter | None,
                 transforms: tuple[tuple[int, int], ...],
                 checks: tuple[Callable[[tuple[bytes, ...]], bool], ...],
                 n_ctl: int, guard: dict | None) -> None:
        self.rx = rx
        self.fmt = fmt
        self.order = order
        self.transforms = transforms
        self.checks = checks
        self.n_ctl = n_ctl
        self.guard = guard
        # Nothing to do but format (the caller may inline it).
        self.simple = not transforms and not checks and n_ctl == 1 and order is not None
        # Nothing but format after one LPM value check, (value group, prefix
        # length group, width, host masks by prefix length): the caller may
        # inline that too (LPM tables are the bulk of routing tables).
        self.lpm: tuple[int, int, int, list[int]] | None = None
        if (len(checks) == 1 and not transforms and n_ctl == 1 and order is not None
                and hasattr(checks[0], "spec")):
            self.lpm = checks[0].spec

    def apply(self, raw: bytes) -> bytes | None:
        """The control update(s) of ``raw``, or None if this template does
        not translate it."""
        if self.guard:
            return None
        m = self.rx.fullmatch(raw)
        if m is None:
            return None
        vals = m.groups()
        for check in self.checks:
            if not check(vals):
                return None
        if self.transforms:
            vals = list(vals)  # type: ignore[assignment]
            for g, kind in self.transforms:
                v = _varint(vals[g])
                if v < 0:
                    return None
                vals[g] = _PACK[kind](v & 0xFFFFFFFFFFFFFFFF if kind == V_U64 else v)  # type: ignore[index]
        order = self.order
        if order is None:
            return self.fmt
        out = order(vals)
        return self.fmt % (out if type(out) is tuple else (out,))


def make_template(e: RawEntry, out: EntryOut, needs_priority: bool) -> Template | None:
    """The template of a translated update (None if it cannot be one)."""
    spans = e.spans
    kinds = e.kinds
    n = len(spans)
    by_pos = sorted(range(n), key=lambda i: spans[i][0])
    group = [0] * n
    parts = []
    prev = 0
    raw = e.raw
    for g, v in enumerate(by_pos):
        s, t = spans[v]
        if s < prev or t <= s:
            return None             # empty (invalid) or overlapping variables
        group[v] = g
        parts.append(re.escape(raw[prev:s]))
        # A one-byte varint stays one byte below 128: its control bytes are
        # that byte and zeros, no decoding needed.
        parts.append(_SMALL if kinds[v] != V_BYTES and t - s == 1 else b"(.{%d})" % (t - s))
        prev = t
    parts.append(re.escape(raw[prev:]))
    rx = re.compile(b"".join(parts), re.DOTALL)
    fmt = []
    order = []
    transforms = []
    for p in out.pieces:
        if isinstance(p, bytes):
            fmt.append(p.replace(b"%", b"%%"))
            continue
        order.append(group[p])
        s, t = spans[p]
        if kinds[p] == V_BYTES:
            fmt.append(b"%s")
        elif t - s == 1:
            fmt.append(b"%s" + _PAD[kinds[p]])
        else:
            fmt.append(b"%s")
            transforms.append((group[p], kinds[p]))
    checks = [_specialize(fn, tuple(group[v] for v in vars_), args, e, vars_)  # type: ignore
              for fn, vars_, args in out.checks]
    if needs_priority and e.prio >= 0 and spans[e.prio][1] - spans[e.prio][0] > 1:
        g = group[e.prio]
        checks.append(lambda vals: _prio_check(vals[g]))
    decoded = {g for g, _kind in transforms}
    for v in range(n):
        # Every longer varint must be one (else the bytes parse otherwise),
        # output or not.
        if kinds[v] != V_BYTES and spans[v][1] - spans[v][0] > 1 and group[v] not in decoded:
            checks.append(_well_formed(group[v]))
    return Template(rx, b"".join(fmt), itemgetter(*order) if order else None,
                    tuple(transforms), tuple(checks), out.n_ctl, out.guard)


class FastPath:
    """Templates by the length of the update bytes they match."""

    def __init__(self) -> None:
        self.by_len: dict[int, list[Template]] = {}
        self.count = 0

    def lookup(self, raw: bytes) -> tuple[bytes, int] | None:
        templates = self.by_len.get(len(raw))
        if templates:
            for t in templates:
                out = t.apply(raw)
                if out is not None:
                    return out, t.n_ctl
        return None

    def learn(self, e: RawEntry, out: EntryOut, needs_priority: bool) -> None:
        if not out.cacheable:
            return
        t = make_template(e, out, needs_priority)
        if t is None:
            return
        if self.count >= MAX_TEMPLATES:
            self.by_len.clear()
            self.count = 0
        self.by_len.setdefault(len(e.raw), []).append(t)
        self.count += 1

    def clear(self) -> None:
        self.by_len.clear()
        self.count = 0
