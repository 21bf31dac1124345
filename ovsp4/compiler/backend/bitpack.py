"""C code moving fields at static bit offsets between values and a
big-endian byte buffer (header extraction and emission, field-list
packing for hashes and checksums).

Consecutive fields that together span whole bytes and at most 64 bits are
moved with one big-endian load or store of those bytes (`ovsp4_get64` /
`ovsp4_put64`, which gcc turns into byte swaps), so that emitting a
header writes every byte once and never reads the buffer back. Fields
that do not fit such a group fall back to the bit-granular helpers.
"""

from __future__ import annotations

from dataclasses import dataclass

from ovsp4.compiler.backend import scalar
from ovsp4.compiler.backend.scalar import Num


@dataclass
class Field:
    """A field at bit offset `bit` of the buffer; `code` is the value to
    store (unsigned bits) or the l-value to load into."""

    code: str
    num: Num  # width and signedness of the field's C value
    bit: int


def layout(items: list[tuple[str, Num]]) -> list[Field]:
    out, bit = [], 0
    for code, n in items:
        out.append(Field(code, n, bit))
        bit += n.width
    return out


def _groups(fields: list[Field]) -> list[list[Field]]:
    """Runs of small fields starting and ending on byte boundaries, at most
    64 bits long; any other field forms a group of its own."""
    groups: list[list[Field]] = []
    run: list[Field] = []
    for f in fields:
        if f.num.cls != "small":
            if run:
                groups.append(run)
                run = []
            groups.append([f])
            continue
        if run and (f.bit + f.num.width - run[0].bit) > 64:
            groups.append(run)
            run = []
        run.append(f)
        if (f.bit + f.num.width) % 8 == 0 and run[0].bit % 8 == 0:
            groups.append(run)
            run = []
    if run:
        groups.append(run)
    return groups


def _aligned(group: list[Field]) -> bool:
    first, last = group[0], group[-1]
    return first.bit % 8 == 0 and (last.bit + last.num.width) % 8 == 0


def store(buf: str, fields: list[Field], only: set[int] | None = None) -> list[str]:
    """Statements storing each field's value (its unsigned bits, nothing
    above its width) into `buf` at its bit offset; with `only` (indices in
    `fields`), just the groups of bytes holding those fields."""
    lines = []
    index = {id(f): i for i, f in enumerate(fields)}
    for group in _groups(fields):
        if only is not None and not any(index[id(f)] in only for f in group):
            continue
        first, last = group[0], group[-1]
        if len(group) == 1 and first.num.cls != "small":
            n = first.num
            if _aligned(group) and n.cls == "mid":
                lines.append(
                    f"ovsp4_put128({buf} + {first.bit // 8}, {n.width // 8}, {first.code});"
                )
            else:
                lines.append(scalar.store(buf, str(first.bit), Num(n.width), first.code))
            continue
        end = last.bit + last.num.width
        terms = []
        for f in group:
            shift = end - (f.bit + f.num.width)
            value = f.code  # normalised: no bits above the field's width
            if shift:
                cast = "" if value.startswith("(uint64_t) ") else "(uint64_t) "
                value = f"({cast}{scalar.p(value)} << {shift})"
            terms.append(value)
        joined = " | ".join(terms)
        if _aligned(group):
            lines.append(
                f"ovsp4_put64({buf} + {first.bit // 8}, {(end - first.bit) // 8}, {joined});"
            )
        else:
            lines.append(f"ovsp4_st64({buf}, {first.bit}, {end - first.bit}, {joined});")
    return lines


def load(buf: str, fields: list[Field]) -> list[str]:
    """Statements assigning each field (an l-value) the bits at its offset
    of `buf`, normalised for its type."""
    lines = []
    for i, group in enumerate(_groups(fields)):
        first, last = group[0], group[-1]
        if len(group) == 1 and (first.num.cls != "small" or not _aligned(group)):
            lines.append(f"{first.code} = {scalar.load(buf, str(first.bit), first.num)};")
            continue
        if not _aligned(group):
            for f in group:
                lines.append(f"{f.code} = {scalar.load(buf, str(f.bit), f.num)};")
            continue
        end = last.bit + last.num.width
        nbytes = (end - first.bit) // 8
        if len(group) == 1:
            whole = f"ovsp4_get64({buf} + {first.bit // 8}, {nbytes})"
            lines.append(f"{first.code} = {_field(whole, 0, first.num, nbytes * 8)};")
            continue
        word = f"w{i}"
        lines.append(f"uint64_t {word} = ovsp4_get64({buf} + {first.bit // 8}, {nbytes});")
        for f in group:
            shift = end - (f.bit + f.num.width)
            lines.append(f"{f.code} = {_field(word, shift, f.num, nbytes * 8 - shift)};")
    return lines


def _field(word: str, shift: int, n: Num, avail: int) -> str:
    """Field `n` at `shift` of `word`, whose bits above `avail` are zero."""
    bits = f"({word} >> {shift})" if shift else word
    if n.width < avail:
        bits = f"({bits} & {scalar.u64_literal((1 << n.width) - 1)})"
    return scalar.normalize(bits, n) if n.signed else bits


def words16(fields: list[Field]) -> list[str]:
    """The big-endian 16-bit words the fields form when packed (the last
    one padded with zero bits), as C expressions of the field values --
    for the Internet checksum without a byte buffer.  The pieces of a word
    occupy disjoint bits, so they are added rather than or-ed: gcc merges
    `(a << 8) | b` of two adjacent byte fields into one 16-bit load, which
    stalls when an action has just stored one of them (a store cannot be
    forwarded to a wider load); a sum it leaves alone."""
    total = sum(f.num.width for f in fields)
    words = []
    for k in range((total + 15) // 16):
        lo, hi = 16 * k, 16 * k + 16
        terms = []
        for f in fields:
            b, e = f.bit, f.bit + f.num.width
            start, end = max(b, lo), min(e, hi)
            if start >= end:
                continue
            bottom = e - end  # the slice's lowest bit, counted in the field
            part = _slice64(f.code, f.num, bottom, end - start)
            shift = hi - end
            terms.append(f"({part} << {shift})" if shift else part)
        words.append(" + ".join(terms))
    return words


def _slice64(code: str, n: Num, bottom: int, width: int) -> str:
    """Bits [bottom, bottom + width) (width <= 16) of an unsigned field
    value, as a uint64_t."""
    if n.cls == "wide":
        value = (
            f"{n.wide}_lo64({n.wide}_shr({code}, {bottom}))" if bottom else f"{n.wide}_lo64({code})"
        )
    elif n.cls == "mid":
        value = (
            f"(uint64_t) ({scalar.p(code)} >> {bottom})"
            if bottom
            else f"(uint64_t) {scalar.p(code)}"
        )
    else:
        value = f"({scalar.p(code)} >> {bottom})" if bottom else code
    if bottom + width < n.width or n.cls != "small":
        value = f"({scalar.p(value)} & {scalar.u64_literal((1 << width) - 1)})"
    return value
