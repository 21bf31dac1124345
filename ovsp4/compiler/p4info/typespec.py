"""P4 types -> P4Runtime `P4DataTypeSpec`, filling `P4TypeInfo` on the way.

As p4c's TypeSpecConverter: every named type that a type spec refers to
(struct, header, union, enum, serializable enum, error, new type) is
described once in `type_info`, recursively.
"""

from __future__ import annotations

from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.types import (
    BitsType,
    BoolType,
    EnumType,
    ErrorType,
    HeaderType,
    HeaderUnionType,
    NewType,
    P4Type,
    StackType,
    StructType,
    TupleType,
    VarbitType,
)
from ovsp4.compiler.p4info.annotations import fill_annotations
from ovsp4.proto import p4types_pb2


def translation_of(decl: nodes.Declaration) -> tuple[str, int | None] | None:
    """`@p4runtime_translation("uri", N | string)` -> (uri, sdn bitwidth or
    None for a string SDN type), else None."""
    a = decl.annotation("p4runtime_translation")
    if a is None:
        return None
    args = [t for t in a.tokens if t.kind != "punct"]
    if not args or args[0].kind != "string":
        return None
    uri = args[0].text
    rest = args[1:]
    if rest and rest[0].kind == "identifier" and rest[0].text == "bit":
        rest = rest[1:]  # (uri, bit<W>) means the same as (uri, W)
    if rest and rest[0].kind == "int":
        return uri, nodes.parse_int_literal(rest[0].text)[0]
    return uri, None


def padded_bytes(value: int, width: int) -> bytes:
    """`value` big-endian in ceil(width/8) bytes, as p4c writes constants
    into P4Info (not the minimal canonical form P4Runtime uses on the wire);
    negative values in two's complement."""
    length = max(1, (width + 7) // 8)
    return (value & ((1 << (8 * length)) - 1)).to_bytes(length, "big")


class TypeSpecConverter:
    def __init__(self, type_info: p4types_pb2.P4TypeInfo, errors: list[str]) -> None:
        self.type_info = type_info
        self.error_members = errors

    def convert(self, t: P4Type) -> p4types_pb2.P4DataTypeSpec:
        spec = p4types_pb2.P4DataTypeSpec()
        if isinstance(t, BitsType):
            if t.signed:
                spec.bitstring.int.bitwidth = t.width
            else:
                spec.bitstring.bit.bitwidth = t.width
        elif isinstance(t, VarbitType):
            spec.bitstring.varbit.max_bitwidth = t.max_width
        elif isinstance(t, BoolType):
            spec.bool.SetInParent()
        elif isinstance(t, TupleType):
            spec.tuple.SetInParent()
            for element in t.elements:
                spec.tuple.members.append(self.convert(element))
        elif isinstance(t, HeaderType):
            spec.header.name = t.name
            self._header(t)
        elif isinstance(t, HeaderUnionType):
            spec.header_union.name = t.name
            self._header_union(t)
        elif isinstance(t, StructType):
            spec.struct.name = t.name
            self._struct(t)
        elif isinstance(t, StackType):
            if isinstance(t.element, HeaderUnionType):
                spec.header_union_stack.header_union.name = t.element.name
                spec.header_union_stack.size = t.size
                self._header_union(t.element)
            else:
                assert isinstance(t.element, HeaderType), t
                spec.header_stack.header.name = t.element.name
                spec.header_stack.size = t.size
                self._header(t.element)
        elif isinstance(t, EnumType):
            if t.underlying is not None:
                spec.serializable_enum.name = t.name
                self._serializable_enum(t)
            else:
                spec.enum.name = t.name
                self._enum(t)
        elif isinstance(t, ErrorType):
            spec.error.SetInParent()
            self._error()
        elif isinstance(t, NewType):
            spec.new_type.name = t.name
            self.new_type(t)
        else:
            raise TypeError(f"no P4Runtime type spec for {t}")
        return spec

    def _bitstring_like(self, t: P4Type) -> p4types_pb2.P4BitstringLikeTypeSpec:
        spec = p4types_pb2.P4BitstringLikeTypeSpec()
        if isinstance(t, BitsType):
            if t.signed:
                spec.int.bitwidth = t.width
            else:
                spec.bit.bitwidth = t.width
        elif isinstance(t, VarbitType):
            spec.varbit.max_bitwidth = t.max_width
        elif isinstance(t, BoolType):
            spec.bit.bitwidth = 1
        elif isinstance(t, EnumType) and t.underlying is not None:
            return self._bitstring_like(t.underlying)
        elif isinstance(t, NewType):
            return self._bitstring_like(t.underlying)
        else:
            raise TypeError(f"header field of type {t} has no bitstring type spec")
        return spec

    def _header(self, t: HeaderType) -> None:
        if t.name in self.type_info.headers:
            return
        entry = self.type_info.headers[t.name]
        for name, ftype in t.fields():
            member = entry.members.add(name=name)
            member.type_spec.CopyFrom(self._bitstring_like(ftype))

    def _header_union(self, t: HeaderUnionType) -> None:
        if t.name in self.type_info.header_unions:
            return
        entry = self.type_info.header_unions[t.name]
        for name, ftype in t.fields():
            assert isinstance(ftype, HeaderType)
            member = entry.members.add(name=name)
            member.header.name = ftype.name
            self._header(ftype)

    def _struct(self, t: StructType) -> None:
        if t.name in self.type_info.structs:
            return
        entry = self.type_info.structs[t.name]
        for name, ftype in t.fields():
            member = entry.members.add(name=name)
            member.type_spec.CopyFrom(self.convert(ftype))

    def _enum(self, t: EnumType) -> None:
        if t.name in self.type_info.enums:
            return
        entry = self.type_info.enums[t.name]
        decl: nodes.EnumDecl = t.decl  # type: ignore[assignment]
        for m in decl.members:
            entry.members.add(name=m.name)

    def _serializable_enum(self, t: EnumType) -> None:
        if t.name in self.type_info.serializable_enums:
            return
        underlying = t.underlying
        assert underlying is not None
        entry = self.type_info.serializable_enums[t.name]
        entry.underlying_type.bitwidth = underlying.width
        decl: nodes.EnumDecl = t.decl  # type: ignore[assignment]
        for m in decl.members:
            value = m.const_value if m.const_value is not None else 0
            entry.members.add(name=m.name, value=padded_bytes(value, underlying.width))

    def _error(self) -> None:
        if self.type_info.HasField("error"):
            return
        self.type_info.error.members.extend(self.error_members)

    def new_type(self, t: NewType) -> None:
        if t.name in self.type_info.new_types:
            return
        entry = self.type_info.new_types[t.name]
        translation = translation_of(t.decl)
        if translation is not None:
            uri, sdn_width = translation
            entry.translated_type.uri = uri
            if sdn_width is None:
                entry.translated_type.sdn_string.SetInParent()
            else:
                entry.translated_type.sdn_bitwidth = sdn_width
        else:
            inner = t.underlying
            while isinstance(inner, NewType):  # through all `type`s (§16.2)
                inner = inner.underlying
            entry.original_type.CopyFrom(self.convert(inner))
        fill_annotations(
            entry, [a for a in t.decl.annotations if a.name != "p4runtime_translation"]
        )
