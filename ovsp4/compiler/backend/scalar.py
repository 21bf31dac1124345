"""C code for fixed-width integer operations on normalised values.

Every function takes C expressions that evaluate to normalised values
(see ctype_map.py) of the given width/signedness and returns a C
expression of the result, normalised. The prelude (templates/prelude.h.j2)
provides the helpers named here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ovsp4.compiler.backend.ctype_map import MEDIUM, SMALL, limbs, scalar_c


@dataclass(frozen=True)
class Num:
    width: int
    signed: bool = False

    @property
    def cls(self) -> str:
        if self.width <= SMALL:
            return "small"
        if self.width <= MEDIUM:
            return "mid"
        return "wide"

    @property
    def ctype(self) -> str:
        return scalar_c(max(self.width, 1), self.signed, storage=False)

    @property
    def wide(self) -> str:
        return f"ovsp4_w{limbs(self.width)}"


_ATOM = re.compile(r"^[A-Za-z_][\w]*(?:(?:->|\.)[A-Za-z_]\w*|\[[^\[\]]*\])*$|^-?\w+$")


def p(code: str) -> str:
    """`code` parenthesised unless it is already an operand as it stands
    (a name, member access, literal, call, parenthesised or cast atom)."""
    if _ATOM.match(code):
        return code
    if code.startswith("(") and _closes_at_end(code):
        return code
    m = re.match(r"^[A-Za-z_]\w*\(", code)
    if m and _closes_at_end(code, m.end() - 1):
        return code
    m = re.match(r"^\((?:u?int\d+_t|ovsp4_[us]128|bool|uint64_t)\) ", code)
    if m and (_ATOM.match(code[m.end() :]) or p(code[m.end() :]) == code[m.end() :]):
        return code
    return f"({code})"


def _closes_at_end(code: str, start: int = 0) -> bool:
    """Whether the parenthesis at `start` closes at the last character."""
    depth = 0
    for i in range(start, len(code)):
        if code[i] == "(":
            depth += 1
        elif code[i] == ")":
            depth -= 1
            if depth == 0:
                return i == len(code) - 1
    return False


def _hex(v: int) -> str:
    return hex(v) if v > 9 else str(v)


def u64_literal(v: int) -> str:
    """An unsigned literal usable as a uint64_t operand: a plain (int)
    literal when it fits in a positive int (its conversion to uint64_t,
    even under `~`, is exact), UINT64_C otherwise -- never an `unsigned
    int`, whose `~` would only be 32 bits wide."""
    return _hex(v) if v <= 0x7FFFFFFF else f"UINT64_C({_hex(v)})"


def constant(value: int, n: Num) -> str:
    """A normalised constant of type `n`."""
    w = max(n.width, 1)
    value &= (1 << w) - 1
    if n.signed and value >> (w - 1):
        value -= 1 << w
    if n.cls == "small":
        if n.signed:
            if value == -(1 << 63):
                return "INT64_MIN"
            return f"INT64_C({value})" if abs(value) > 0x7FFFFFFF else f"(int64_t) {value}"
        return u64_literal(value)
    if n.cls == "mid":
        raw = value & ((1 << 128) - 1)
        if raw >> 64 == 0 and not n.signed:
            return f"(ovsp4_u128) {u64_literal(raw)}"
        text = f"OVSP4_U128({u64_literal(raw >> 64)}, {u64_literal(raw & (2**64 - 1))})"
        return f"(ovsp4_s128) {text}" if n.signed else text
    k = limbs(n.width)
    value &= (1 << w) - 1  # wide signed values are kept as their bit pattern
    parts = [u64_literal((value >> (64 * i)) & (2**64 - 1)) for i in range(k)]
    return f"(({n.wide}) {{ {{ {', '.join(parts)} }} }})"


def normalize(code: str, n: Num) -> str:
    """Normalise a value computed in `n`'s C type with garbage above W."""
    w = n.width
    if n.cls == "small":
        if n.signed:
            return f"(int64_t) ({code})" if w == 64 else f"ovsp4_sext64((uint64_t) ({code}), {w})"
        return p(code) if w == 64 else f"({p(code)} & {u64_literal((1 << w) - 1)})"
    if n.cls == "mid":
        if n.signed:
            return (
                f"(ovsp4_s128) ({code})"
                if w == 128
                else f"ovsp4_sext128((ovsp4_u128) ({code}), {w})"
            )
        return p(code) if w == 128 else f"({p(code)} & ovsp4_mask128({w}))"
    if w == 64 * limbs(w):
        return code
    return f"{n.wide}_trunc({code}, {w})"


def unsigned_bits(code: str, n: Num) -> str:
    """The W-bit two's-complement pattern of a value, as unsigned."""
    if not n.signed or n.cls == "wide":
        return code
    return normalize(
        f"(uint64_t) ({code})" if n.cls == "small" else f"(ovsp4_u128) ({code})",
        Num(n.width, False),
    )


def convert(code: str, src: Num, dst: Num) -> str:
    """Cast between fixed-width integer types (P4 casts: truncate or extend,
    then reinterpret the sign)."""
    if src == dst:
        return code
    if src.cls == "wide" and src.signed:
        # a wide signed value is its W-bit pattern: sign-extend it first
        code = f"{src.wide}_sext({code}, {src.width})"
    # Sign/zero-extend or truncate through the bit pattern.
    if src.cls == dst.cls:
        if src.cls == "wide":
            if limbs(src.width) != limbs(dst.width):
                fill = "true" if src.signed else "false"
                if src.signed:
                    fill = f"(({code}).w[{limbs(src.width) - 1}] >> 63) != 0"
                code = f"{dst.wide}_from(({code}).w, {limbs(src.width)}, {fill})"
            return normalize(code, dst)
        return normalize(f"({dst.ctype}) ({code})", dst)
    widened = _change_class(code, src, dst)
    return normalize(widened, dst)


def _change_class(code: str, src: Num, dst: Num) -> str:
    """`code` in `dst`'s C type (extended by `src`'s signedness, or
    truncated), not yet normalised."""
    if dst.cls == "wide":
        if src.cls == "small":
            base = f"{dst.wide}_from64((uint64_t) ({code}))"
            fill = src.signed
        else:
            base = f"{dst.wide}_from128((ovsp4_u128) ({code}))"
            fill = src.signed
        if fill:
            # sign extension beyond the source's C width
            top = 64 if src.cls == "small" else 128
            return (
                f"(({code}) < 0 ? {dst.wide}_or({base}, "
                f"{dst.wide}_shl({dst.wide}_not({dst.wide}_from64(0)), {top})) : {base})"
            )
        return base
    if src.cls == "wide":
        if dst.cls == "small":
            return f"({dst.ctype}) {src.wide}_lo64({code})"
        return f"({dst.ctype}) {src.wide}_lo128({code})"
    return f"({dst.ctype}) ({code})"


def arith(op: str, a: str, b: str, n: Num) -> str:
    """`+`, `-`, `*` with wrap-around."""
    if n.cls == "wide":
        fn = {"+": "add", "-": "sub", "*": "mul"}[op]
        return normalize(f"{n.wide}_{fn}({a}, {b})", n)
    if n.signed:
        u = "uint64_t" if n.cls == "small" else "ovsp4_u128"
        return normalize(f"({u}) {p(a)} {op} ({u}) {p(b)}", n)
    return normalize(f"{p(a)} {op} {p(b)}", n)


def divmod_(op: str, a: str, b: str, n: Num) -> str:
    bits = "64" if n.cls == "small" else "128"
    if n.cls == "wide":
        return ""
    if n.signed:
        if op == "/":
            return f"ovsp4_divs{bits}({a}, {b}, {n.width})"
        return f"ovsp4_mods{bits}({a}, {b})"
    return f"ovsp4_{'divu' if op == '/' else 'modu'}{bits}({a}, {b})"


def saturating(op: str, a: str, b: str, n: Num) -> str:
    bits = "64" if n.cls == "small" else "128"
    if n.signed:
        return f"ovsp4_{'addsats' if op == '+' else 'subsats'}{bits}({a}, {b}, {n.width})"
    if op == "+":
        return f"ovsp4_addsatu{bits}({a}, {b}, {n.width})"
    return f"ovsp4_subsatu{bits}({a}, {b})"


def shift(op: str, a: str, amount: str, n: Num) -> str:
    """`a << amount` / `a >> amount`; `amount` a uint64_t expression."""
    if n.cls == "wide" and n.signed and op == ">>":
        return f"{n.wide}_sshr({a}, {amount}, {n.width})"
    if n.cls == "wide":
        fn = "shl" if op == "<<" else "shr"
        return normalize(f"{n.wide}_{fn}({a}, {amount})", n)
    bits = "64" if n.cls == "small" else "128"
    if op == "<<":
        return f"ovsp4_shl{'s' if n.signed else ''}{bits}({a}, {amount}, {n.width})"
    if n.signed:
        return f"ovsp4_shrs{bits}({a}, {amount})"
    return f"ovsp4_shr{bits}({a}, {amount})"


def bitwise(op: str, a: str, b: str, n: Num) -> str:
    if n.cls == "wide":
        fn = {"&": "and", "|": "or", "^": "xor"}[op]
        return f"{n.wide}_{fn}({a}, {b})"
    return f"({p(a)} {op} {p(b)})"


def complement(a: str, n: Num) -> str:
    if n.cls == "wide":
        return normalize(f"{n.wide}_not({a})", n)
    if n.signed:
        return f"(~({a}))"
    return normalize(f"~({a})", n)


def negate(a: str, n: Num) -> str:
    if n.cls == "wide":
        return normalize(f"{n.wide}_sub({constant(0, n)}, {a})", n)
    u = "uint64_t" if n.cls == "small" else "ovsp4_u128"
    return normalize(f"({u}) 0 - ({u}) ({a})", n)


def compare(op: str, a: str, b: str, n: Num) -> str:
    if n.cls == "wide":
        if op == "==":
            return f"{n.wide}_eq({a}, {b})"
        if op == "!=":
            return f"!{n.wide}_eq({a}, {b})"
        if n.signed:
            return f"({n.wide}_scmp({a}, {b}, {n.width}) {op} 0)"
        return f"({n.wide}_cmp({a}, {b}) {op} 0)"
    return f"({p(a)} {op} {p(b)})"


def concat(a: str, na: Num, b: str, nb: Num, result: Num) -> str:
    """`a ++ b`: result width na.width + nb.width."""
    ra = Num(result.width, False)
    hi = convert(unsigned_bits(a, na), Num(na.width, False), ra)
    lo = convert(unsigned_bits(b, nb), Num(nb.width, False), ra)
    joined = bitwise("|", shift("<<", hi, str(nb.width), ra), lo, ra)
    if result.signed:
        return convert(joined, ra, result)
    return joined


def slice_(a: str, n: Num, hi: int, lo: int) -> str:
    """`a[hi:lo]`, a bit<hi - lo + 1>."""
    src = Num(n.width, False)
    bits = unsigned_bits(a, n)
    shifted = shift(">>", bits, str(lo), src) if lo else bits
    return convert(shifted, src, Num(hi - lo + 1, False))


def set_slice(target: str, n: Num, hi: int, lo: int, value: str) -> str:
    """The value of `target` after `target[hi:lo] = value` (value a
    normalised bit<hi - lo + 1>)."""
    src = Num(n.width, False)
    w = hi - lo + 1
    field_mask = constant(((1 << w) - 1) << lo, src)
    keep = bitwise("&", unsigned_bits(target, n), complement(field_mask, src), src)
    ins = shift("<<", convert(value, Num(w, False), src), str(lo), src)
    merged = bitwise("|", keep, ins, src)
    return convert(merged, src, n) if n.signed else merged


def to_u64(code: str, n: Num) -> str:
    """A non-negative amount as uint64_t, saturated (shift counts, indices)."""
    if n.cls == "small":
        return f"(uint64_t) ({code})" if not n.signed else f"(uint64_t) ({code})"
    if n.cls == "mid":
        return f"(({code}) > 0xffffu ? (uint64_t) 0xffffu : (uint64_t) ({code}))"
    return f"({n.wide}_cmp({code}, {n.wide}_from64(0xffffu)) > 0 ? 0xffffu : {n.wide}_lo64({code}))"


def load(buf: str, bit: str, n: Num) -> str:
    """The `n.width` bits at bit offset `bit` of byte buffer `buf`."""
    if n.cls == "small":
        raw = f"ovsp4_ld64({buf}, {bit}, {n.width})"
    elif n.cls == "mid":
        raw = f"ovsp4_ld128({buf}, {bit}, {n.width})"
    else:
        raw = f"{n.wide}_ld({buf}, {bit}, {n.width})"
    if n.signed:
        return normalize(raw, n)
    return raw


def store(buf: str, bit: str, n: Num, value: str) -> str:
    """A statement storing `value` at bit offset `bit` of `buf`."""
    bits = unsigned_bits(value, n) if n.signed else value
    if n.cls == "small":
        return f"ovsp4_st64({buf}, {bit}, {n.width}, {bits});"
    if n.cls == "mid":
        return f"ovsp4_st128({buf}, {bit}, {n.width}, {bits});"
    return f"{n.wide}_st({buf}, {bit}, {n.width}, {bits});"
