"""Lowering of calls to externs: core.p4's packet_in/packet_out/verify and
v1model's functions and objects, with BMv2 simple_switch's semantics.

Run-time objects (counters, meters, registers) are reached through the
thread's object tables by their index in the program descriptor
(`ctx->objs->counters[i]`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ovsp4.compiler.backend import bitpack, scalar
from ovsp4.compiler.backend.calls import CallCode
from ovsp4.compiler.backend.ctype_map import bits_of, strip_newtype
from ovsp4.compiler.backend.env import LValue
from ovsp4.compiler.backend.exprs import c_string, member_of, num
from ovsp4.compiler.backend.scalar import Num
from ovsp4.compiler.diagnostics import UnsupportedError
from ovsp4.compiler.frontend.typeutil import size_in_bits
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.types import (
    BoolType,
    HeaderType,
    HeaderUnionType,
    P4Type,
    StackType,
    StructLikeType,
    TupleType,
    VarbitType,
)
from ovsp4.compiler.ir.values import EnumMemberValue

if TYPE_CHECKING:
    from ovsp4.compiler.backend.exprs import ExprGen

# v1model HashAlgorithm members -> the runtime's algorithm constants (hash.h).
HASH_ALGOS = {
    "crc32": "OVSP4_HASH_CRC32",
    "crc32_custom": "OVSP4_HASH_CRC32_CUSTOM",
    "crc16": "OVSP4_HASH_CRC16",
    "crc16_custom": "OVSP4_HASH_CRC16_CUSTOM",
    "random": "OVSP4_HASH_RANDOM",
    "identity": "OVSP4_HASH_IDENTITY",
    "csum16": "OVSP4_HASH_CSUM16",
    "xor16": "OVSP4_HASH_XOR16",
}

METHODS_BY_EXTERN = {
    "counter": ("count",),
    "direct_counter": ("count",),
    "meter": ("execute_meter",),
    "direct_meter": ("read",),
    "register": ("read", "write"),
}


def _arg(e: nodes.MethodCall, i: int) -> nodes.Expression:
    a = e.bound_args[i]
    if a is None:
        raise UnsupportedError("omitting this argument", e.loc)
    return a


class ExternGen:
    def __init__(self, gen: ExprGen) -> None:
        self.gen = gen
        self.env = gen.env
        self.prog = gen.prog

    def lower(self, e: nodes.MethodCall) -> CallCode:
        callee = e.callee
        name = callee.name if callee is not None else "?"
        if e.kind is nodes.CallKind.EXTERN_METHOD:
            method = e.method
            assert isinstance(method, nodes.Member)
            owner = self.prog.extern_type_name(method.expr)
            fn = getattr(self, f"_m_{owner}_{name}", None)
            if fn is None:
                raise UnsupportedError(f"the extern method '{owner}.{name}'", e.loc)
            return fn(e, method.expr)  # type: ignore[no-any-return]
        fn = getattr(self, f"_f_{name}", None)
        if fn is None:
            raise UnsupportedError(f"the extern function '{name}'", e.loc)
        return fn(e)  # type: ignore[no-any-return]

    # -- helpers ------------------------------------------------------------------

    def _u64(self, x: nodes.Expression) -> str:
        """An integer argument as uint64_t (saturated if wider)."""
        n = num(self.gen.t(x.type))
        if n is None:
            return f"(uint64_t) ({self.gen.value(x, None)})"
        if x.const_value is not None and isinstance(x.const_value, int):
            return scalar.u64_literal(x.const_value & (2**64 - 1))
        return scalar.to_u64(self.gen.value(x), n)

    def _store_out(self, target: nodes.Expression, code: str, t: P4Type) -> list[str]:
        """`target = code` for an out argument (`code` of type `t`)."""
        if isinstance(target, nodes.DontCare):
            return [f"(void) ({code});"]
        lv = self.gen.lvalue(target)
        return self.gen.assign(lv, self.gen.convert_code(code, t, lv.type, target), target)

    def _error(self, name: str) -> str:
        return str(self.prog.error_code(name))

    def _parser_fail(self, err: str) -> str:
        return f"{{ ctx->parser_error = {self._error(err)}; goto ovsp4_stop; }}"

    def _algo(self, e: nodes.Expression) -> str:
        v = e.const_value
        if not isinstance(v, EnumMemberValue) or v.name not in HASH_ALGOS:
            raise UnsupportedError("a hash algorithm that is not a compile-time constant", e.loc)
        return HASH_ALGOS[v.name]

    # -- core: packet_in ------------------------------------------------------------

    def _m_packet_in_extract(self, e: nodes.MethodCall, target: nodes.Expression) -> CallCode:
        hdr = _arg(e, 0)
        t = strip_newtype(self.gen.t(hdr.type))
        if not isinstance(t, HeaderType):
            raise UnsupportedError(f"extracting a {t}", e.loc)
        stack = self._next_stack(hdr)
        lines: list[str] = []
        if isinstance(hdr, nodes.DontCare):
            tmp = self.env.fresh("skip")
            lines.append(f"{self.gen.stype(t)} {tmp};")
            lv = LValue(tmp, t)
        else:
            lv = self.gen.lvalue(hdr)
        if len(e.bound_args) > 1 and e.bound_args[1] is not None:
            lines += self.prog.parsers.extract_varbit(self.gen, lv, t, self._u64(_arg(e, 1)), e)
        else:
            lines += self.prog.parsers.extract_fixed(lv, t, e)
        if stack is not None:
            lines.append(f"{member_of(stack, 'next')}++;")
        if isinstance(hdr, nodes.DontCare):
            return CallCode(["{", *("    " + x for x in lines), "}"])
        return CallCode(lines)

    def _next_stack(self, hdr: nodes.Expression) -> str | None:
        """For `stack.next` (possibly `stack.next.member` of a union): the
        stack, whose nextIndex the extract advances."""
        e = hdr
        while isinstance(e, nodes.Member):
            if e.member == "next" and isinstance(strip_newtype(self.gen.t(e.expr.type)), StackType):
                return self.gen.lvalue(e.expr).code
            e = e.expr
        return None

    def _m_packet_in_lookahead(self, e: nodes.MethodCall, target: nodes.Expression) -> CallCode:
        t = strip_newtype(self.gen.t(e.type))
        bits = size_in_bits(t, maximum=False)
        if bits is None:
            raise UnsupportedError(f"lookahead of {t}", e.loc)
        nbytes = (bits + 7) // 8
        self.env.guards.append((f"ctx->pkt_len - ctx->off < {nbytes}", "PacketTooShort"))
        at = "ctx->pkt + ctx->off"
        n = num(t)
        if n is not None:
            return CallCode([], scalar.load(at, "0", n))
        if isinstance(t, BoolType):
            return CallCode([], f"(ovsp4_ld64({at}, 0, 1) != 0)")
        if isinstance(t, HeaderType):
            fn = self.prog.parsers.extract_fn(t, e.loc)
            tmp = self.env.fresh("la")
            ctype = self.gen.ctype(t)
            return CallCode([f"{ctype} {tmp};", f"{fn}(&{tmp}, {at});"], tmp)
        raise UnsupportedError(f"lookahead of {t}", e.loc)

    def _m_packet_in_advance(self, e: nodes.MethodCall, target: nodes.Expression) -> CallCode:
        amount = self._u64(_arg(e, 0))
        v = self.env.fresh("adv")
        return CallCode(
            [
                f"uint64_t {v} = {amount};",
                f"if ({v} % 8) {self._parser_fail('ParserInvalidArgument')}",
                f"if (ctx->pkt_len - ctx->off < {v} / 8) {self._parser_fail('PacketTooShort')}",
                f"ctx->off += (uint32_t) ({v} / 8);",
            ]
        )

    def _m_packet_in_length(self, e: nodes.MethodCall, target: nodes.Expression) -> CallCode:
        return CallCode([], "(uint64_t) ctx->pkt_len")

    def _f_verify(self, e: nodes.MethodCall) -> CallCode:
        cond = self.gen.cond(_arg(e, 0))
        err = self.gen.value(_arg(e, 1))
        return CallCode([f"if (!{cond}) {{ ctx->parser_error = {err}; goto ovsp4_stop; }}"])

    # -- core: packet_out ------------------------------------------------------------

    def _m_packet_out_emit(self, e: nodes.MethodCall, target: nodes.Expression) -> CallCode:
        arg = _arg(e, 0)
        t = strip_newtype(self.gen.t(arg.type))
        if self.gen.is_lvalue(arg):
            code = self.gen.lvalue(arg).code
        else:
            tmp = self.env.fresh("em")
            return CallCode(
                [
                    f"{self.gen.ctype(t)} {tmp} = {self.gen.value(arg)};",
                    *self.prog.deparsers.emit(tmp, t, e),
                ]
            )
        return CallCode(self.prog.deparsers.emit(code, t, e))

    # -- v1model: functions -------------------------------------------------------------

    def _f_mark_to_drop(self, e: nodes.MethodCall) -> CallCode:
        if e.bound_args:
            sm = self.gen.lvalue(_arg(e, 0)).code
        else:
            # the deprecated form: the enclosing control's standard_metadata
            sm = self._standard_metadata(e)
        return CallCode(
            [
                f"{member_of(sm, 'egress_spec')} = OVSP4_PORT_DROP;",
                f"{member_of(sm, 'mcast_grp')} = 0;",
            ]
        )

    def _standard_metadata(self, e: nodes.MethodCall) -> str:
        env = self.env
        while env is not None:
            for binding in env.bindings.values():
                t = strip_newtype(binding.type)
                if isinstance(t, StructLikeType) and t.decl.name == "standard_metadata_t":
                    return binding.object
            env = env.parent
        raise UnsupportedError("mark_to_drop() where no standard_metadata is in scope", e.loc)

    def _f_random(self, e: nodes.MethodCall) -> CallCode:
        out, lo, hi = _arg(e, 0), _arg(e, 1), _arg(e, 2)
        t = self.gen.t(out.type)
        n = num(t)
        if n is None or n.cls != "small":
            raise UnsupportedError(f"random() of {t}", e.loc)
        low, span = self.env.fresh("lo"), self.env.fresh("span")
        # BMv2: uniform in [lo, hi]; a span of 2^64 takes the raw number
        code = scalar.normalize(
            f"{low} + ({span} ? ovsp4_rt_random(ctx->t) % {span} : ovsp4_rt_random(ctx->t))", n
        )
        lines = [
            f"uint64_t {low} = (uint64_t) {self.gen.value(lo, t)};",
            f"uint64_t {span} = (uint64_t) {self.gen.value(hi, t)} - {low} + 1;",
        ]
        return CallCode(lines + self._store_out(out, code, t))

    def _pack(self, data: nodes.Expression, where: nodes.Node) -> tuple[list[str], str, str]:
        """Statements packing `data`'s fields bitwise (BMv2 field lists);
        returns (statements, buffer, bit count expression)."""
        fields = self._flatten(data)
        max_bits = 0
        for _, t in fields:
            w = size_in_bits(t, maximum=True)
            if w is None:
                raise UnsupportedError(f"a field of type {t} in a field list", where.loc)
            max_bits += w
        buf, nb = self.env.fresh("buf"), self.env.fresh("nbits")
        nbytes = max(1, (max_bits + 7) // 8)
        if not any(isinstance(strip_newtype(t), VarbitType) for _, t in fields):
            # a fixed layout: whole-byte groups of fields stored once each
            items = []
            for code, t in fields:
                n = Num(1) if isinstance(strip_newtype(t), BoolType) else num(t)
                if n is None:
                    raise UnsupportedError(f"a field of type {t} in a field list", where.loc)
                if n.width:
                    items.append((scalar.unsigned_bits(code, n), n))
            init = " = { 0 }" if max_bits % 8 else ""
            lines = [f"uint8_t {buf}[{nbytes}]{init};"]
            lines += bitpack.store(buf, bitpack.layout(items))
            return lines, buf, str(max_bits)
        lines = [
            f"uint8_t {buf}[{nbytes}] = {{ 0 }};",
            f"uint32_t {nb} = 0;",
        ]
        for code, t in fields:
            t = strip_newtype(t)
            if isinstance(t, VarbitType):
                lines.append(f"ovsp4_copy_bits({buf}, {nb}, {code}.data, 0, {code}.len);")
                lines.append(f"{nb} += {code}.len;")
                continue
            if isinstance(t, BoolType):
                lines.append(f"ovsp4_st64({buf}, {nb}, 1, {code});")
                lines.append(f"{nb} += 1;")
                continue
            n = num(t)
            if n is None:
                raise UnsupportedError(f"a field of type {t} in a field list", where.loc)
            if n.width == 0:
                continue
            lines.append(scalar.store(buf, nb, n, code))
            lines.append(f"{nb} += {n.width};")
        return lines, buf, nb

    def _words16(self, data: nodes.Expression) -> list[str] | None:
        """The 16-bit words of a field list with a fixed layout (None when
        it has a varbit field)."""
        items = []
        for code, t in self._flatten(data):
            t = strip_newtype(t)
            if isinstance(t, VarbitType):
                return None
            n = Num(1) if isinstance(t, BoolType) else num(t)
            if n is None:
                return None
            if n.width:
                bits = scalar.unsigned_bits(code, n)
                items.append((bits, Num(n.width) if n.cls != "wide" else Num(n.width)))
        return bitpack.words16(bitpack.layout(items))

    def _flatten(self, e: nodes.Expression) -> list[tuple[str, P4Type]]:
        """The scalar fields of a field-list expression, as C values."""
        t = strip_newtype(self.gen.t(e.type))
        if isinstance(e, nodes.ListExpression):
            out = []
            for x in e.elements:
                out.extend(self._flatten(x))
            return out
        if isinstance(e, nodes.StructExpression):
            out = []
            for f in e.fields:
                out.extend(self._flatten(f.expr))
            return out
        if isinstance(t, (StructLikeType, TupleType, StackType)):
            if self.gen.is_lvalue(e):
                base = self.gen.lvalue(e).code
            else:
                base = self.env.temp(self.gen.ctype(t), "fl")
                self.env.temps[-1] = f"{self.gen.ctype(t)} {base} = {self.gen.value(e)};"
            return self._flatten_code(base, t, e)
        return [(self.gen.value(e), t)]

    def _flatten_code(self, code: str, t: P4Type, where: nodes.Node) -> list[tuple[str, P4Type]]:
        t = strip_newtype(t)
        if isinstance(t, TupleType):
            out = []
            for i, et in enumerate(t.elements):
                out.extend(self._flatten_code(f"{code}.f{i}", et, where))
            return out
        if isinstance(t, StackType):
            out = []
            for i in range(t.size):
                out.extend(self._flatten_code(f"{code}.elem[{i}]", t.element, where))
            return out
        if isinstance(t, StructLikeType):
            if isinstance(t, HeaderUnionType):
                raise UnsupportedError("header unions in field lists", where.loc)
            out = []
            for _, member, ft in self.gen.ctypes.fields(t):
                out.extend(self._flatten_code(f"{code}.{member}", ft, where))
            return out
        return [(self.gen._read(code, t), t)]

    def _f_hash(self, e: nodes.MethodCall) -> CallCode:
        out, algo, base, data, mx = (_arg(e, i) for i in range(5))
        ot = self.gen.t(out.type)
        on = num(ot)
        if on is None:
            raise UnsupportedError(f"hash() into {ot}", e.loc)
        lines, buf, nb = self._pack(data, e)
        h, b, m = self.env.fresh("hash"), self.env.fresh("base"), self.env.fresh("max")
        lines += [
            f"uint64_t {h} = ovsp4_hash({self._algo(algo)}, {buf}, {nb});",
            f"uint64_t {b} = {self._u64(base)};",
            f"uint64_t {m} = {self._u64(mx)};",
        ]
        value = f"{b} + ({m} ? {h} % {m} : 0)"
        u = Num(on.width, False)
        code = scalar.convert(scalar.convert(value, Num(64), u), u, on)
        return CallCode(lines + self._store_out(out, code, on and ot))

    def _checksum(self, e: nodes.MethodCall, *, update: bool, payload: bool) -> CallCode:
        cond, data, cks, algo = (_arg(e, i) for i in range(4))
        ct = self.gen.t(cks.type)
        n = num(ct)
        if n is None or n.cls != "small":
            raise UnsupportedError(f"a checksum of type {ct}", e.loc)
        h = self.env.fresh("cks")
        lines = self._checksum_lines(h, data, self._algo(algo), payload, e)
        value = scalar.convert(h, Num(64), n)
        body = lines
        if update:
            body = body + self._store_out(cks, value, ct)
        else:
            current = self.gen.value(cks)
            body = body + [f"if ({value} != {current}) ctx->checksum_error = 1;"]
        c = self.gen.cond(cond)
        if c == "true":
            return CallCode(["{", *("    " + x for x in body), "}"])
        return CallCode([f"if ({c}) {{", *("    " + x for x in body), "}"])

    def _checksum_lines(
        self, h: str, data: nodes.Expression, algo: str, payload: bool, where: nodes.Node
    ) -> list[str]:
        """Statements computing `uint64_t h`, the checksum of `data` (and the
        payload)."""
        words = None if payload or algo != "OVSP4_HASH_CSUM16" else self._words16(data)
        if words is not None:
            # the Internet checksum of a fixed layout: summed from the field
            # values directly, without a byte buffer
            total = " + ".join(f"(uint32_t) ({w})" for w in words) or "0"
            return [f"uint32_t {h}_sum = {total};", f"uint64_t {h} = ovsp4_csum16_finish({h}_sum);"]
        lines, buf, nb = self._pack(data, where)
        if payload:
            lines.append(
                f"uint64_t {h} = ovsp4_hash2({algo}, {buf}, ({nb} + 7) / 8, "
                "ctx->payload, ctx->payload_len);"
            )
        else:
            lines.append(f"uint64_t {h} = ovsp4_hash({algo}, {buf}, {nb});")
        return lines

    def _f_verify_checksum(self, e: nodes.MethodCall) -> CallCode:
        return self._checksum(e, update=False, payload=False)

    def _f_update_checksum(self, e: nodes.MethodCall) -> CallCode:
        return self._checksum(e, update=True, payload=False)

    def _f_verify_checksum_with_payload(self, e: nodes.MethodCall) -> CallCode:
        return self._checksum(e, update=False, payload=True)

    def _f_update_checksum_with_payload(self, e: nodes.MethodCall) -> CallCode:
        return self._checksum(e, update=True, payload=True)

    def _m_Checksum16_get(self, e: nodes.MethodCall, target: nodes.Expression) -> CallCode:
        lines, buf, nb = self._pack(_arg(e, 0), e)
        h = self.env.fresh("cks")
        lines.append(f"uint64_t {h} = ovsp4_hash(OVSP4_HASH_CSUM16, {buf}, {nb}) & 0xffffu;")
        return CallCode(lines, h)

    # -- v1model: packet replication, recirculation -------------------------------------

    def _session(self, x: nodes.Expression) -> str:
        return f"(uint32_t) {self._u64(x)}"

    def _f_clone(self, e: nodes.MethodCall) -> CallCode:
        self.prog.uses.add("clone")
        return CallCode(
            [
                f"ctx->clone_session = {self._session(_arg(e, 1))};",
                "ctx->clone = true;",
                "ctx->clone_fl = -1;",
            ]
        )

    def _field_list_index(self, x: nodes.Expression) -> int:
        v = x.const_value
        if not isinstance(v, int):
            raise UnsupportedError("a field list index that is not a compile-time constant", x.loc)
        self.prog.field_lists.use(v)
        return v

    def _f_clone_preserving_field_list(self, e: nodes.MethodCall) -> CallCode:
        self.prog.uses.add("clone")
        fl = self._field_list_index(_arg(e, 2))
        return CallCode(
            [
                f"ctx->clone_session = {self._session(_arg(e, 1))};",
                "ctx->clone = true;",
                f"ctx->clone_fl = {fl};",
            ]
        )

    def _f_clone3(self, e: nodes.MethodCall) -> CallCode:
        self.prog.uses.add("clone")
        fl = self.prog.field_lists.from_data(self.gen, _arg(e, 2))
        return CallCode(
            [
                f"ctx->clone_session = {self._session(_arg(e, 1))};",
                "ctx->clone = true;",
                f"ctx->clone_fl = {fl};",
            ]
        )

    def _f_resubmit_preserving_field_list(self, e: nodes.MethodCall) -> CallCode:
        self.prog.uses.add("resubmit")
        fl = self._field_list_index(_arg(e, 0))
        return CallCode(["ctx->resubmit = true;", f"ctx->resubmit_fl = {fl};"])

    def _f_resubmit(self, e: nodes.MethodCall) -> CallCode:
        self.prog.uses.add("resubmit")
        fl = self.prog.field_lists.from_data(self.gen, _arg(e, 0))
        return CallCode(["ctx->resubmit = true;", f"ctx->resubmit_fl = {fl};"])

    def _f_recirculate_preserving_field_list(self, e: nodes.MethodCall) -> CallCode:
        self.prog.uses.add("recirculate")
        fl = self._field_list_index(_arg(e, 0))
        return CallCode(["ctx->recirculate = true;", f"ctx->recirculate_fl = {fl};"])

    def _f_recirculate(self, e: nodes.MethodCall) -> CallCode:
        self.prog.uses.add("recirculate")
        fl = self.prog.field_lists.from_data(self.gen, _arg(e, 0))
        return CallCode(["ctx->recirculate = true;", f"ctx->recirculate_fl = {fl};"])

    def _f_truncate(self, e: nodes.MethodCall) -> CallCode:
        self.prog.uses.add("truncate")
        # BMv2: the smallest length asked for wins
        n = self.env.fresh("len")
        return CallCode(
            [
                f"uint64_t {n} = {self._u64(_arg(e, 0))};",
                f"if (!ctx->truncate || {n} < ctx->truncate_len) "
                f"ctx->truncate_len = (uint32_t) ovsp4_min_u64({n}, UINT32_MAX);",
                "ctx->truncate = true;",
            ]
        )

    def _f_digest(self, e: nodes.MethodCall) -> CallCode:
        self.prog.uses.add("digest")
        data = _arg(e, 1)
        t = self.gen.t(data.type)
        index, members = self.prog.digest_index(t, e)
        lines = []
        fields = self._flatten(data)
        off = 0
        for (code, ft), bits in zip(fields, members, strict=True):
            nbytes = (bits + 7) // 8
            n = num(ft)
            if isinstance(strip_newtype(ft), BoolType):
                lines.append(f"ctx->digest_data[{off}] = {code};")
            elif n is None:
                raise UnsupportedError(f"a digest member of type {ft}", e.loc)
            elif n.cls == "small":
                lines.append(
                    f"ovsp4_put64(ctx->digest_data + {off}, {nbytes}, "
                    f"{scalar.unsigned_bits(code, n)});"
                )
            elif n.cls == "mid":
                lines.append(
                    f"ovsp4_put128(ctx->digest_data + {off}, {nbytes}, "
                    f"{scalar.unsigned_bits(code, n)});"
                )
            else:
                raise UnsupportedError(f"a digest member of type {ft}", e.loc)
            off += nbytes
        lines.append(f"ctx->digest = {index};")
        return CallCode(lines)

    def _f_assert(self, e: nodes.MethodCall) -> CallCode:
        return self._assertion(e, "assert")

    def _f_assume(self, e: nodes.MethodCall) -> CallCode:
        return self._assertion(e, "assume")

    def _assertion(self, e: nodes.MethodCall, what: str) -> CallCode:
        cond = self.gen.cond(_arg(e, 0))
        where = f"{e.loc.file}:{e.loc.line}" if e.loc else "?"
        msg = c_string(f"{what} failed at {where}")
        return CallCode([f"if (!{cond}) ovsp4_rt_log_level(ctx->t, 2, {msg});"])

    def _f_log_msg(self, e: nodes.MethodCall) -> CallCode:
        msg = _arg(e, 0).const_value
        if not isinstance(msg, str):
            raise UnsupportedError("log_msg with a message that is not a string literal", e.loc)
        values: list[tuple[str, P4Type]] = []
        if len(e.bound_args) > 1 and e.bound_args[1] is not None:
            values = self._flatten(_arg(e, 1))
        parts = msg.split("{}")
        fmt = parts[0].replace("%", "%%")
        args = []
        for i, part in enumerate(parts[1:]):
            if i < len(values):
                code, t = values[i]
                f, a = self._log_value(code, t, e)
                fmt += f
                args.extend(a)
            else:
                fmt += "{}"
            fmt += part.replace("%", "%%")
        buf = self.env.fresh("log")
        call = f"snprintf({buf}, sizeof {buf}, {c_string(fmt)}{''.join(', ' + a for a in args)});"
        return CallCode([f"char {buf}[512];", call, f"ovsp4_rt_log(ctx->t, {buf});"])

    def _log_value(self, code: str, t: P4Type, e: nodes.Node) -> tuple[str, list[str]]:
        t = strip_newtype(t)
        if isinstance(t, BoolType):
            return "%d", [f"(int) {code}"]
        b = bits_of(t)
        if b is not None:
            n = Num(b.width, b.signed)
            if n.cls == "small":
                return (
                    ("%lld", [f"(long long) {code}"])
                    if n.signed
                    else ("%llu", [f"(unsigned long long) {code}"])
                )
            if n.cls == "mid":
                u = scalar.unsigned_bits(code, n)
                return "0x%016llx%016llx", [
                    f"(unsigned long long) ((ovsp4_u128) ({u}) >> 64)",
                    f"(unsigned long long) ({u})",
                ]
        return "%u", [f"(unsigned) {code}"] if t is not None else []

    # -- v1model: objects -----------------------------------------------------------------

    def _index(self, x: nodes.Expression) -> str:
        return self._u64(x)

    def _m_counter_count(self, e: nodes.MethodCall, target: nodes.Expression) -> CallCode:
        obj = self.prog.extern_object(self.env.block, target, e)
        i = self.env.fresh("idx")
        return CallCode(
            [
                f"uint64_t {i} = {self._index(_arg(e, 0))};",
                f"if ({i} < {obj.size}) ovsp4_rt_counter_count(ctx->objs->counters[{obj.index}], "
                f"(uint32_t) {i}, ctx->ingress_len);",
            ]
        )

    def _m_direct_counter_count(self, e: nodes.MethodCall, target: nodes.Expression) -> CallCode:
        # Direct counters count every hit of their table (as BMv2 does).
        return CallCode([])

    def _m_meter_execute_meter(self, e: nodes.MethodCall, target: nodes.Expression) -> CallCode:
        obj = self.prog.extern_object(self.env.block, target, e)
        out = _arg(e, 1)
        t = self.gen.t(out.type)
        i, c = self.env.fresh("idx"), self.env.fresh("color")
        store = self._store_out(out, self._color(c, t, e), t)
        # BMv2: an index out of range updates nothing, not even `result`
        return CallCode(
            [
                f"uint64_t {i} = {self._index(_arg(e, 0))};",
                f"if ({i} < {obj.size}) {{",
                f"    uint64_t {c} = ovsp4_rt_meter_execute(ctx->objs->meters[{obj.index}], "
                f"(uint32_t) {i}, ctx->ingress_len, ctx->now);",
                *("    " + x for x in store),
                "}",
            ]
        )

    def _color(self, c: str, t: P4Type, where: nodes.Node) -> str:
        n = num(t)
        if n is None:
            raise UnsupportedError(f"a meter colour of type {t}", where.loc)
        return scalar.convert(c, Num(64), n)

    def _m_direct_meter_read(self, e: nodes.MethodCall, target: nodes.Expression) -> CallCode:
        out = _arg(e, 0)
        t = self.gen.t(out.type)
        return CallCode(self._store_out(out, self._color("(uint64_t) ctx->meter_color", t, e), t))

    def _m_register_read(self, e: nodes.MethodCall, target: nodes.Expression) -> CallCode:
        obj = self.prog.extern_object(self.env.block, target, e)
        out = _arg(e, 0)
        t = self.gen.t(out.type)
        n = num(t)
        reg = f"ctx->objs->registers[{obj.index}]"
        i = self.env.fresh("idx")
        inner: list[str] = []
        if isinstance(strip_newtype(t), BoolType):
            value = f"(ovsp4_rt_register_read64({reg}, (uint32_t) {i}) != 0)"
        elif n is None:
            raise UnsupportedError(f"registers of {t}", e.loc)
        elif n.cls == "small":
            value = scalar.normalize(f"ovsp4_rt_register_read64({reg}, (uint32_t) {i})", n)
        else:
            nbytes = (n.width + 7) // 8
            b = self.env.fresh("cell")
            inner += [
                f"uint8_t {b}[{nbytes}] = {{ 0 }};",
                f"ovsp4_rt_register_read({reg}, (uint32_t) {i}, {b});",
            ]
            value = scalar.load(b, str(nbytes * 8 - n.width), Num(n.width, n.signed))
        inner += self._store_out(out, value, t)
        # BMv2: an index out of range leaves `result` unchanged
        return CallCode(
            [
                f"uint64_t {i} = {self._index(_arg(e, 1))};",
                f"if ({i} < {obj.size}) {{",
                *("    " + x for x in inner),
                "}",
            ]
        )

    def _m_register_write(self, e: nodes.MethodCall, target: nodes.Expression) -> CallCode:
        obj = self.prog.extern_object(self.env.block, target, e)
        val = _arg(e, 1)
        t = self.gen.t(val.type)
        n = num(t)
        reg = f"ctx->objs->registers[{obj.index}]"
        i = self.env.fresh("idx")
        lines = [f"uint64_t {i} = {self._index(_arg(e, 0))};"]
        code = self.gen.value(val, t)
        if isinstance(strip_newtype(t), BoolType):
            lines.append(
                f"if ({i} < {obj.size}) ovsp4_rt_register_write64({reg}, (uint32_t) {i}, {code});"
            )
        elif n is None:
            raise UnsupportedError(f"registers of {t}", e.loc)
        elif n.cls == "small":
            lines.append(
                f"if ({i} < {obj.size}) ovsp4_rt_register_write64({reg}, (uint32_t) {i}, "
                f"{scalar.unsigned_bits(code, n)});"
            )
        else:
            nbytes = (n.width + 7) // 8
            b = self.env.fresh("cell")
            lines += [
                f"uint8_t {b}[{nbytes}] = {{ 0 }};",
                scalar.store(b, str(nbytes * 8 - n.width), n, code),
                f"if ({i} < {obj.size}) ovsp4_rt_register_write({reg}, (uint32_t) {i}, {b});",
            ]
        return CallCode(lines)
