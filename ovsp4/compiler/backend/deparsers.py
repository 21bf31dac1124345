"""Header emission (packet_out.emit).

`emit(h)` of a valid header appends its bytes at `ctx->out + ctx->out_len`;
structs, stacks and unions emit their headers in order (invalid ones are
skipped). An emit beyond `ctx->out_cap` writes nothing, sets
`ctx->emit_overflow` and still counts its bytes in `ctx->out_len`. The
architecture (templates/v1model.c.j2) deparses a packet that is the last
use of its input buffer straight over the parsed headers (`out_cap` their
length): one pass, unless the headers grew. Otherwise it runs the deparser
twice: with `ctx->out` NULL (or after the overflowed pass) to measure the
headers, then to write them where they go (right before the payload in the
packet buffer when the headroom allows), so that the payload is never moved
when it need not be.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ovsp4.compiler.backend import bitpack, scalar
from ovsp4.compiler.backend.ctype_map import strip_newtype
from ovsp4.compiler.backend.exprs import num
from ovsp4.compiler.backend.model import CFunc
from ovsp4.compiler.backend.parsers import field_num, header_layout
from ovsp4.compiler.diagnostics import SourceLocation, UnsupportedError
from ovsp4.compiler.frontend.typeutil import has_varbit, size_in_bits
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.types import (
    BoolType,
    HeaderType,
    HeaderUnionType,
    P4Type,
    StackType,
    StructType,
    VarbitType,
)

if TYPE_CHECKING:
    from ovsp4.compiler.backend.program import ProgramGen


class DeparserGen:
    def __init__(self, prog: ProgramGen) -> None:
        self.prog = prog
        self.helpers: list[CFunc] = []
        self._emit: dict[HeaderType, str] = {}
        self._partial: dict[HeaderType, set[int] | None] = {}
        self._emit_partial: dict[HeaderType, str] = {}

    # -- partial emission ----------------------------------------------------------

    def _written_items(self, t: HeaderType) -> set[int] | None:
        """The fields (indices in the header's layout) that may change after
        extraction (headerwrites.py), when emitting only their byte groups
        writes less than the whole header; else None."""
        if t in self._partial:
            return self._partial[t]
        result: set[int] | None = None
        written = self.prog.header_writes.written(t)
        try:
            layout = header_layout(self.prog, t, None)
        except UnsupportedError:
            layout = []
        if (
            written is not None
            and layout
            and not any(isinstance(ft, VarbitType) for _, ft, _ in layout)
            and sum(w for _, _, w in layout) % 8 == 0
        ):
            members = {member for name, member, _ in self.prog.ctypes.fields(t) if name in written}
            only = {i for i, (path, _, _) in enumerate(layout) if path.split(".")[0] in members}
            fields = bitpack.layout([("x", field_num(ft, w)) for _, ft, w in layout])
            if len(bitpack.store("p", fields, only)) < len(bitpack.store("p", fields)):
                result = only
        self._partial[t] = result
        return result

    def partial_emit_possible(self, t: HeaderType) -> bool:
        """Whether a header of type `t` emitted where it was extracted from
        may skip fields (then its struct records `ovsp4_src`)."""
        return self._written_items(t) is not None

    def emit_partial_fn(self, t: HeaderType, loc: SourceLocation | None) -> str:
        """`void fn(uint8_t *p, const struct H *h)`: the byte groups of the
        fields that may have changed since `h` was extracted from `p`."""
        fn = self._emit_partial.get(t)
        if fn is not None:
            return fn
        only = self._written_items(t)
        assert only is not None
        layout = header_layout(self.prog, t, loc)
        fn = self.prog.names.fresh(f"emit_changed_{t.name}")
        self._emit_partial[t] = fn
        ctype = self.prog.ctypes.storage(t, loc)
        body = bitpack.store("p", bitpack.layout(_field_items(layout)), only)
        self.helpers.append(
            CFunc(
                fn,
                "void",
                ["uint8_t *p", f"const {ctype} *h"],
                body or ["(void) p;", "(void) h;"],
                f"header {t.name}: the fields that may have changed",
                inline=True,
            )
        )
        return fn

    def emit_fn(self, t: HeaderType, loc: SourceLocation | None) -> str:
        """`uint32_t fn(uint8_t *p, const struct H *h)`: writes the header's
        bytes (unless `p` is NULL), returns their number."""
        fn = self._emit.get(t)
        if fn is not None:
            return fn
        layout = header_layout(self.prog, t, loc)
        fn = self.prog.names.fresh(f"emit_{t.name}")
        self._emit[t] = fn
        ctype = self.prog.ctypes.storage(t, loc)
        body: list[str] = []
        fixed = 0
        varbit: str | None = None
        if not any(isinstance(ft, VarbitType) for _, ft, _ in layout):
            # fixed layout: whole-byte groups of fields, stored once each
            body += bitpack.store("p", bitpack.layout(_field_items(layout)))
            fixed = sum(w for _, _, w in layout)
            layout = []
        for member, ft, w in layout:
            at = str(fixed) if varbit is None else f"{fixed} + {varbit}"
            if isinstance(ft, VarbitType):
                body.append(f"ovsp4_copy_bits(p, {at}, h->{member}.data, 0, h->{member}.len);")
                varbit = f"h->{member}.len"
                continue
            if isinstance(ft, BoolType):
                body.append(f"ovsp4_st64(p, {at}, 1, h->{member});")
            else:
                n = num(ft)
                assert n is not None
                value = f"h->{member}"
                if n.cls == "small" and not n.signed:
                    value = f"(uint64_t) {value}"
                body.append(scalar.store("p", at, n, value))
            fixed += w
        if fixed % 8:
            raise UnsupportedError(
                f"emitting header {t.name} of {fixed} bits (not a whole number of bytes)", loc
            )
        total = f"{fixed // 8}" if varbit is None else f"{fixed // 8} + {varbit} / 8"
        body = ["if (p) {", *("    " + x for x in body), "}", f"return {total};"]
        self.helpers.append(
            CFunc(
                fn,
                "uint32_t",
                ["uint8_t *p", f"const {ctype} *h"],
                body,
                f"header {t.name}",
                inline=True,
            )
        )
        return fn

    def emit(self, code: str, t: P4Type, e: nodes.Node) -> list[str]:
        """Statements emitting the value `code` (an l-value) of type `t`."""
        t = strip_newtype(t)
        if isinstance(t, HeaderType):
            fn = self.emit_fn(t, e.loc)
            size = ((size_in_bits(t, maximum=True) or 0) + 7) // 8
            if has_varbit(t):
                n = f"{fn}(NULL, &{code})"
                return [
                    f"if ({code}.ovsp4_valid) {{",
                    f"    uint32_t n = {n};",
                    "    if (OVSP4_UNLIKELY(ctx->out_len + n > ctx->out_cap)) "
                    "ctx->emit_overflow = true;",
                    f"    else if (ctx->out) {fn}(ctx->out + ctx->out_len, &{code});",
                    "    ctx->out_len += n;",
                    "}",
                ]
            if self.partial_emit_possible(t):
                # over the very bytes it was extracted from, in the first
                # pass over the input buffer: only what may have changed
                partial = self.emit_partial_fn(t, e.loc)
                return [
                    f"if ({code}.ovsp4_valid) {{",
                    f"    if (OVSP4_UNLIKELY(ctx->out_len + {size} > ctx->out_cap)) "
                    "ctx->emit_overflow = true;",
                    "    else if (ctx->out) {",
                    "        uint8_t *p = ctx->out + ctx->out_len;",
                    f"        if (ctx->emit_in_place && p == {code}.ovsp4_src) "
                    f"{partial}(p, &{code});",
                    f"        else {fn}(p, &{code});",
                    "    }",
                    f"    ctx->out_len += {size};",
                    "}",
                ]
            return [
                f"if ({code}.ovsp4_valid) {{",
                f"    if (OVSP4_UNLIKELY(ctx->out_len + {size} > ctx->out_cap)) "
                "ctx->emit_overflow = true;",
                f"    else if (ctx->out) {fn}(ctx->out + ctx->out_len, &{code});",
                f"    ctx->out_len += {size};",
                "}",
            ]
        if isinstance(t, StackType):
            out = []
            for i in range(t.size):
                out.extend(self.emit(f"{code}.elem[{i}]", t.element, e))
            return out
        if isinstance(t, (StructType, HeaderUnionType)):
            out = []
            for _, member, ft in self.prog.ctypes.fields(t):
                out.extend(self.emit(f"{code}.{member}", ft, e))
            return out
        raise UnsupportedError(f"emitting a value of type {t}", e.loc)


def _field_items(layout: list) -> list:  # type: ignore[type-arg]
    """The (value code, numeric kind) of each field of a fixed header
    layout, as bitpack.layout() takes them: `h->member`, unsigned."""
    items = []
    for member, ft, w in layout:
        n = field_num(ft, w)
        code = f"h->{member}"
        if n.cls == "small" and not n.signed:
            code = f"(uint64_t) {code}"
        items.append((scalar.unsigned_bits(code, n), n))
    return items
