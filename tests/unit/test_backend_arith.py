"""Exact fixed-width arithmetic in generated code, against Python integers.

tests/programs/backend/arith.p4 computes every operator at width W (from
5 bits to 200, across the uint64_t / __int128 / limb representations) on
operands taken from the packet; each packet's results are compared with
this file's model.
"""

from __future__ import annotations

import random

import pytest
from test_backend_support import Switch

WIDTHS = [5, 8, 13, 32, 63, 64, 65, 100, 127, 128, 129, 200]


def _signed(v: int, w: int) -> int:
    return v - (1 << w) if v >> (w - 1) else v


def model(w: int, a: int, b: int, s: int) -> list[int]:
    """The out_t fields of arith.p4, in order."""
    m = (1 << w) - 1
    h = w // 2
    out = [
        (a + b) & m,
        (a - b) & m,
        (a * b) & m,
        a & b,
        a | b,
        a ^ b,
        ~a & m,
        -a & m,
        (a << s) & m if s < w else 0,
        a >> s if s < w else 0,
        (a >> 1) & ((1 << (w - 1)) - 1),
        ((a >> h) << h) | (b & ((1 << h) - 1)),
        a if a < b else b,
    ]
    flags = [a < b, a <= b, a == b, a != b, a > b, a >= b]
    if w <= 128:
        sa, sb = _signed(a, w), _signed(b, w)
        lo, hi = -(1 << (w - 1)), (1 << (w - 1)) - 1
        flags += [sa < sb, sa >= sb]
        out.append(sum(int(f) << (7 - i) for i, f in enumerate(flags)))
        wb = (w + 7) // 8 * 8
        out += [
            a // b if b else 0,
            a % b if b else 0,
            min(a + b, m),
            max(a - b, 0),
            (sa + sb) & m,
            (sa - sb) & m,
            (sa >> s) & m,
            max(lo, min(hi, sa + sb)) & m,
            max(lo, min(hi, sa - sb)) & m,
            -sa & m,
            sa & ((1 << wb) - 1),
        ]
    else:
        flags += [False, False]
        out.append(sum(int(f) << (7 - i) for i, f in enumerate(flags)))
    return out


def _fields(w: int) -> list[int]:
    """Widths of out_t's fields."""
    wb = (w + 7) // 8 * 8
    n_before = 13
    widths = [wb] * n_before + [8]
    if w <= 128:
        widths += [wb] * 11
    return widths


def _unpack(data: bytes, widths: list[int]) -> list[int]:
    value = int.from_bytes(data, "big")
    total = sum(widths)
    out = []
    for wd in widths:
        total -= wd
        out.append((value >> total) & ((1 << wd) - 1))
    return out


def _operands(w: int, rng: random.Random) -> list[tuple[int, int, int]]:
    m = (1 << w) - 1
    edges = [0, 1, m, 1 << (w - 1), (1 << (w - 1)) - 1, m - 1]
    cases = [(a, b, s) for a in edges for b in edges for s in (0, 1, w - 1)]
    cases += [(a, b, w + 3) for a, b in ((m, 1), (1 << (w - 1), 0))]
    for _ in range(60):
        cases.append((rng.getrandbits(w), rng.getrandbits(w), rng.randrange(0, w + 5)))
    return cases


@pytest.mark.parametrize("w", WIDTHS)
def test_arithmetic_matches_python(w: int) -> None:
    wb = (w + 7) // 8 * 8
    rng = random.Random(w)
    defines = {"W": w, "WB": wb, "W8": w + 8}
    with Switch("arith.p4", defines) as sw:
        for a, b, s in _operands(w, rng):
            pkt = a.to_bytes(wb // 8, "big") + b.to_bytes(wb // 8, "big") + bytes([s])
            outs = sw.send(0, pkt)
            assert len(outs) == 1 and outs[0].port == 1
            data = outs[0].data
            assert data[: len(pkt)] == pkt
            got = _unpack(data[len(pkt) :], _fields(w))
            want = model(w, a, b, s)
            assert got == want, f"W={w} a={a:#x} b={b:#x} s={s}: {got} != {want}"
