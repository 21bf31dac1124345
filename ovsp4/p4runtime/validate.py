"""Validation of match keys and actions against the P4Info, as the spec's
"Match Format" and "Action Specification" sections require. Every
violation is INVALID_ARGUMENT there, bytestrings included (those sections
name the code for their values; the general OUT_OF_RANGE of "Bytestrings"
applies to other values), except an action used outside its scope, which is
PERMISSION_DENIED.

Checks that depend on a value (not only on its length) are also returned as
*value checks* -- ``(function, positions, arguments)`` -- so that a cached
translation (:mod:`ovsp4.p4runtime.fastpath`) can repeat exactly them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ovsp4.p4runtime import errors as E
from ovsp4.p4runtime.errors import P4RuntimeError
from ovsp4.p4runtime.schema import (
    FM_EXACT,
    FM_LPM,
    FM_NAMES,
    FM_OPTIONAL,
    FM_OTHER,
    FM_RANGE,
    FM_TERNARY,
    ActionInfo,
    FieldInfo,
    Scope,
)
from ovsp4.p4runtime.values import fits

# A match as given: (field_id, fm, a, b, prefix_len); a/b the value and
# mask (TERNARY) or low and high (RANGE), b None for other kinds.
Match = tuple[int, int, bytes, "bytes | None", int]
# A value check: the function gets the values at the positions, then args.
ValueCheck = tuple[Callable[..., bool], tuple[int, ...], tuple[int, ...]]


def _int(v: bytes) -> int:
    return int.from_bytes(v, "big")


def fit_check(v: bytes, width: int) -> bool:
    return _int(v).bit_length() <= width


def lpm_check(v: bytes, width: int, plen: int) -> bool:
    x = _int(v)
    return x.bit_length() <= width and not x & ((1 << (width - plen)) - 1)


def lpm_var_check(v: bytes, plen_varint: bytes, width: int) -> bool:
    """lpm_check with the prefix length as its wire varint (a cached
    translation's variable)."""
    if len(plen_varint) == 1:
        plen = plen_varint[0]
        if plen > 0x7F:
            return False
    else:
        plen = 0
        for i, b in enumerate(plen_varint):
            if (b >= 0x80) != (i < len(plen_varint) - 1):
                return False
            plen |= (b & 0x7F) << (7 * i)
    if not 0 < plen <= width:
        return False
    x = _int(v)
    return x.bit_length() <= width and not x & ((1 << (width - plen)) - 1)


def ternary_check(v: bytes, m: bytes, width: int) -> bool:
    x = _int(v)
    mask = _int(m)
    return mask.bit_length() <= width and x.bit_length() <= width and mask != 0 \
        and not x & ~mask


def range_check(lo: bytes, hi: bytes, width: int) -> bool:
    low = _int(lo)
    high = _int(hi)
    return high.bit_length() <= width and low <= high \
        and not (low == 0 and high == (1 << width) - 1)


def _needs_fit_check(v: bytes, width: int) -> bool:
    return len(v) * 8 > width


def check_matches(fields: dict[int, FieldInfo], exact_ids: frozenset[int],
                  matches: Sequence[Match], what: str
                  ) -> tuple[P4RuntimeError | None, list[ValueCheck]]:
    """Validates a key. Value checks refer to positions ``2*i`` (value a of
    match i) and ``2*i+1`` (value b)."""
    checks: list[ValueCheck] = []
    seen: set[int] = set()
    for i, (fid, fm, a, b, plen) in enumerate(matches):
        f = fields.get(fid)
        if f is None:
            return E.invalid(f"{what}: no match field id {fid}"), checks
        if fid in seen:
            return E.invalid(f"{what}: match field {f.name} given twice"), checks
        seen.add(fid)
        if fm == 0:
            return E.invalid(f"{what}: match field {f.name} has no match kind set"), checks
        if fm != f.fm:
            given = FM_NAMES.get(fm, "unknown")
            if fm == FM_OTHER:
                given = "other"
            return E.invalid(f"{what}: match field {f.name} is {f.kind_name}, "
                             f"not {given}"), checks
        err = _check_match(f, fm, a, b, plen, what)
        if err is not None:
            return err, checks
        w = f.width
        if fm == FM_LPM:
            if plen != w or _needs_fit_check(a, w):
                checks.append((lpm_check, (2 * i,), (w, plen)))
        elif fm == FM_TERNARY:
            checks.append((ternary_check, (2 * i, 2 * i + 1), (w,)))
        elif fm == FM_RANGE:
            checks.append((range_check, (2 * i, 2 * i + 1), (w,)))
        elif _needs_fit_check(a, w):
            checks.append((fit_check, (2 * i,), (w,)))
    missing = exact_ids - seen
    if missing:
        names = ", ".join(sorted(fields[m].name for m in missing))
        return E.invalid(f"{what}: exact match field {names} missing"), checks
    return None, checks


def _check_match(f: FieldInfo, fm: int, a: bytes, b: bytes | None, plen: int,
                 what: str) -> P4RuntimeError | None:
    w = f.width
    name = f"{what}: match field {f.name}"
    if fm in (FM_EXACT, FM_OPTIONAL):
        if not a or not fits(a, w):
            return E.invalid(f"{name}: value {a.hex() or 'empty'} is not a bit<{w}>")
        return None
    if fm == FM_LPM:
        if not a or not fits(a, w):
            return E.invalid(f"{name}: value {a.hex() or 'empty'} is not a bit<{w}>")
        if plen <= 0:
            return E.invalid(f"{name}: prefix length {plen}: a don't-care LPM match "
                             "must be omitted" if plen == 0 else
                             f"{name}: negative prefix length {plen}")
        if plen > w:
            return E.invalid(f"{name}: prefix length {plen} exceeds the width {w}")
        if _int(a) & ((1 << (w - plen)) - 1):
            return E.invalid(f"{name}: value has bits set past the /{plen} prefix")
        return None
    assert b is not None
    if fm == FM_TERNARY:
        if not a or not fits(a, w):
            return E.invalid(f"{name}: value {a.hex() or 'empty'} is not a bit<{w}>")
        if not b or not fits(b, w):
            return E.invalid(f"{name}: mask {b.hex() or 'empty'} is not a bit<{w}>")
        if not _int(b):
            return E.invalid(f"{name}: all-zero mask: a don't-care ternary match "
                             "must be omitted")
        if _int(a) & ~_int(b):
            return E.invalid(f"{name}: value has bits set outside the mask")
        return None
    if fm == FM_RANGE:
        if not a or not fits(a, w):
            return E.invalid(f"{name}: low bound {a.hex() or 'empty'} is not a bit<{w}>")
        if not b or not fits(b, w):
            return E.invalid(f"{name}: high bound {b.hex() or 'empty'} is not a bit<{w}>")
        lo, hi = _int(a), _int(b)
        if lo > hi:
            return E.invalid(f"{name}: low bound {lo} above high bound {hi}")
        if lo == 0 and hi == (1 << w) - 1:
            return E.invalid(f"{name}: full range: a don't-care range match must be omitted")
        return None
    return E.invalid(f"{name}: unsupported match kind")


def check_action(actions: dict[int, ActionInfo], scopes: dict[int, int], action_id: int,
                 params: Sequence[tuple[int, bytes]], what: str, *, default: bool
                 ) -> tuple[P4RuntimeError | None, ActionInfo | None, list[ValueCheck]]:
    """Validates an action for a table (or an action profile member):
    known, in scope, every parameter exactly once and fitting. Value checks
    refer to parameter positions."""
    action = actions.get(action_id)
    if action is None:
        return E.invalid(f"{what}: action id {action_id} is not an action of it"), None, []
    scope = scopes.get(action_id, Scope.TABLE_AND_DEFAULT)
    if default and scope == Scope.TABLE_ONLY:
        return E.permission_denied(f"{what}: action {action.name} is @tableonly: it cannot "
                                   "be the default action"), None, []
    if not default and scope == Scope.DEFAULT_ONLY:
        return E.permission_denied(f"{what}: action {action.name} is @defaultonly: it can "
                                   "only be the default action"), None, []
    checks: list[ValueCheck] = []
    seen: set[int] = set()
    for i, (pid, value) in enumerate(params):
        p = action.params.get(pid)
        if p is None:
            return E.invalid(f"{what}: action {action.name} has no parameter id {pid}"), \
                None, []
        if pid in seen:
            return E.invalid(f"{what}: action {action.name}: parameter {p.name} given "
                             "twice"), None, []
        seen.add(pid)
        if not value or not fits(value, p.width):
            return E.invalid(f"{what}: action {action.name}: parameter {p.name}: value "
                             f"{value.hex() or 'empty'} is not a bit<{p.width}>"), None, []
        if _needs_fit_check(value, p.width):
            checks.append((fit_check, (i,), (p.width,)))
    if len(seen) != len(action.params):
        missing = ", ".join(p.name for p in action.order if p.id not in seen)
        return E.invalid(f"{what}: action {action.name}: parameter {missing} missing"), \
            None, []
    return None, action, checks
