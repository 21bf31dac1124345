"""How P4 types are represented in the generated C.

Scalars:

| P4 type                         | stored as                 | computed in              |
|---------------------------------|---------------------------|--------------------------|
| bool                            | bool                      | bool                     |
| bit<W>, int<W>, W <= 64         | smallest [u]intN_t        | uint64_t / int64_t       |
| bit<W>, int<W>, 64 < W <= 128   | ovsp4_u128 / ovsp4_s128   | the same                 |
| bit<W>, W > 128                 | ovsp4_wK (K 64-bit limbs) | the same                 |
| serializable enum, `type` T     | as the underlying bit<W>  |                          |
| enum (not serializable), error  | uint32_t (member number)  | uint32_t                 |

Computed values are always normalised: unsigned ones masked to W bits,
signed ones sign-extended from bit W-1, so that C comparisons and
equality work unchanged.

Aggregates are C structs: a header has an `ovsp4_valid` byte before its
fields (and `ovsp4_src`, where it was extracted from, when the deparser can
emit it partially: deparsers.py), a header stack `elem[N + 1]` (the extra element absorbs accesses
with an out-of-range run-time index) and `next` (BMv2's nextIndex), a
tuple `f0..fN`, a varbit `len` (bits) and the bytes, left-aligned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ovsp4.compiler.backend.cnames import NameTable, c_ident, field_ident
from ovsp4.compiler.diagnostics import SourceLocation, UnsupportedError
from ovsp4.compiler.frontend.typeutil import struct_fields
from ovsp4.compiler.ir.types import (
    BitsType,
    BoolType,
    EnumType,
    ErrorType,
    HeaderType,
    HeaderUnionType,
    InfIntType,
    NewType,
    P4Type,
    StackType,
    StringType,
    StructLikeType,
    TupleType,
    VarbitType,
    VoidType,
)

SMALL = 64
MEDIUM = 128


def strip_newtype(t: P4Type) -> P4Type:
    while isinstance(t, NewType):
        t = t.underlying
    return t


def bits_of(t: P4Type) -> BitsType | None:
    """The bit<W>/int<W> a scalar is represented as (serializable enums and
    `type`s as their underlying type); None for anything else."""
    t = strip_newtype(t)
    if isinstance(t, BitsType):
        return t
    if isinstance(t, EnumType) and t.underlying is not None:
        return t.underlying
    return None


def is_code_type(t: P4Type) -> bool:
    """error and non-serializable enums: numbered members in a uint32_t."""
    t = strip_newtype(t)
    return isinstance(t, ErrorType) or (isinstance(t, EnumType) and t.underlying is None)


def is_aggregate(t: P4Type) -> bool:
    t = strip_newtype(t)
    return isinstance(t, (StructLikeType, TupleType, StackType, VarbitType))


def limbs(width: int) -> int:
    return (width + 63) // 64


def scalar_c(width: int, signed: bool, *, storage: bool) -> str:
    if width <= SMALL:
        if not storage:
            return "int64_t" if signed else "uint64_t"
        for n in (8, 16, 32, 64):
            if width <= n:
                return f"int{n}_t" if signed else f"uint{n}_t"
    if width <= MEDIUM:
        return "ovsp4_s128" if signed else "ovsp4_u128"
    return f"ovsp4_w{limbs(width)}"  # signed: the W-bit two's-complement pattern


@dataclass
class StructDef:
    """One C struct of the generated code, with its members in order."""

    name: str  # the C tag: `struct <name>`
    comment: str
    members: list[tuple[str, str]] = field(default_factory=list)  # (C decl, comment)
    kind: str = "struct"  # header / struct / union / tuple / stack / varbit
    eq_body: list[str] = field(default_factory=list)


class CTypes:
    """The C types of one program: names them, and collects the struct
    definitions (dependencies first) and equality functions they need."""

    def __init__(self, names: NameTable) -> None:
        self.names = names
        # header types whose struct records where they were extracted from
        # (`ovsp4_src`: deparsers.py's partial emission); set by ProgramGen
        self.tracks_source: Callable[[HeaderType], bool] = lambda t: False
        self._names: dict[P4Type, str] = {}
        self.structs: list[StructDef] = []
        self.wide_limbs: set[int] = set()
        self._eq_needed: set[str] = set()

    # -- scalars --------------------------------------------------------------

    def storage(self, t: P4Type, loc: SourceLocation | None = None) -> str:
        """The C type a value of `t` is stored in (struct members, locals)."""
        return self._ctype(t, loc, storage=True)

    def compute(self, t: P4Type, loc: SourceLocation | None = None) -> str:
        """The C type expressions of `t` evaluate to."""
        return self._ctype(t, loc, storage=False)

    def _ctype(self, t: P4Type, loc: SourceLocation | None, *, storage: bool) -> str:
        t = strip_newtype(t)
        if isinstance(t, BoolType):
            return "bool"
        b = bits_of(t)
        if b is not None:
            if b.width > MEDIUM:
                if limbs(b.width) > 16:
                    raise UnsupportedError(f"integers wider than 1024 bits ({b})", loc)
                self.wide_limbs.add(limbs(b.width))
            if b.width == 0:
                return "uint8_t" if storage else "uint64_t"
            return scalar_c(b.width, b.signed, storage=storage)
        if is_code_type(t):
            return "uint32_t"
        if isinstance(t, StringType):
            return "const char *"
        if isinstance(t, VoidType):
            return "void"
        if isinstance(t, InfIntType):
            return "int64_t"
        if is_aggregate(t):
            return f"struct {self.struct_name(t, loc)}"
        raise UnsupportedError(f"values of type '{t}'", loc)

    # -- aggregates -------------------------------------------------------------

    def struct_name(self, t: P4Type, loc: SourceLocation | None = None) -> str:
        t = strip_newtype(t)
        name = self._names.get(t)
        if name is not None:
            return name
        if isinstance(t, VarbitType):
            name = self.names.fresh(f"ovsp4_varbit{t.max_width}")
            self._names[t] = name
            nbytes = max(1, (t.max_width + 7) // 8)
            sd = StructDef(name, f"varbit<{t.max_width}>", kind="varbit")
            sd.members = [("uint32_t len", "bits"), (f"uint8_t data[{nbytes}]", "left-aligned")]
            self.structs.append(sd)
            return name
        if isinstance(t, StackType):
            elem = self.storage(t.element, loc)
            hint = f"{c_ident(str(t.element))}_stack{t.size}"
            name = self.names.fresh(hint)
            self._names[t] = name
            sd = StructDef(name, f"{t.element}[{t.size}]", kind="stack")
            sd.members = [
                (f"{elem} elem[{t.size + 1}]", "elem[size]: out-of-range index sink"),
                ("uint32_t next", "nextIndex"),
            ]
            self.structs.append(sd)
            return name
        if isinstance(t, TupleType):
            name = self.names.fresh("ovsp4_tuple")
            self._names[t] = name
            members = [(f"{self.storage(e, loc)} f{i}", str(e)) for i, e in enumerate(t.elements)]
            sd = StructDef(name, str(t), members, kind="tuple")
            self.structs.append(sd)
            return name
        if isinstance(t, StructLikeType):
            hint = t.decl.name
            if t.type_args:
                hint += "_" + "_".join(c_ident(str(a)) for a in t.type_args)
            name = self.names.fresh(hint)
            self._names[t] = name
            kind = (
                "header"
                if isinstance(t, HeaderType)
                else "union"
                if isinstance(t, HeaderUnionType)
                else "struct"
            )
            members: list[tuple[str, str]] = []
            if kind == "header":
                members.append(("uint8_t ovsp4_valid", ""))
                if self.tracks_source(t):  # type: ignore[arg-type]
                    members.append(("const uint8_t *ovsp4_src", "extracted from here (NULL: not)"))
            for fname, ftype in struct_fields(t):
                members.append(
                    (f"{self.storage(ftype, t.decl.loc)} {field_ident(fname)}", str(ftype))
                )
            if not members:
                members.append(("uint8_t ovsp4_empty", "C structs need a member"))
            keyword = "header_union" if kind == "union" else kind
            sd = StructDef(name, f"{keyword} {t}", members, kind=kind)
            self.structs.append(sd)
            return name
        raise UnsupportedError(f"values of type '{t}'", loc)

    def fields(self, t: P4Type) -> list[tuple[str, str, P4Type]]:
        """(P4 name, C member name, type) of a struct-like type's fields."""
        t = strip_newtype(t)
        assert isinstance(t, StructLikeType)
        return [(n, field_ident(n), ft) for n, ft in struct_fields(t)]

    # -- equality -----------------------------------------------------------

    def eq_function(self, t: P4Type, loc: SourceLocation | None = None) -> str:
        """The name of `static bool NAME(const struct T *a, const struct T *b)`."""
        name = self.struct_name(t, loc)
        fn = f"{name}_eq"
        if fn in self._eq_needed:
            return fn
        self._eq_needed.add(fn)
        sd = next(s for s in self.structs if s.name == name)
        sd.eq_body = self._eq_body(strip_newtype(t), loc)
        return fn

    def _eq_member(self, t: P4Type, a: str, b: str, loc: SourceLocation | None) -> str:
        t = strip_newtype(t)
        if is_aggregate(t):
            return f"{self.eq_function(t, loc)}(&{a}, &{b})"
        bits = bits_of(t)
        if bits is not None and bits.width > MEDIUM:
            return f"ovsp4_w{limbs(bits.width)}_eq({a}, {b})"
        return f"{a} == {b}"

    def _eq_body(self, t: P4Type, loc: SourceLocation | None) -> list[str]:
        if isinstance(t, VarbitType):
            return [
                "if (a->len != b->len) return false;",
                "return memcmp(a->data, b->data, (a->len + 7) / 8) == 0;",
            ]
        if isinstance(t, StackType):
            return [
                f"for (unsigned i = 0; i < {t.size}; i++)",
                f"    if (!({self._eq_member(t.element, 'a->elem[i]', 'b->elem[i]', loc)}))",
                "        return false;",
                "return true;",
            ]
        if isinstance(t, TupleType):
            conds = [
                self._eq_member(e, f"a->f{i}", f"b->f{i}", loc) for i, e in enumerate(t.elements)
            ]
            return [f"return {' && '.join(f'({c})' for c in conds) or 'true'};"]
        assert isinstance(t, StructLikeType)
        conds = [self._eq_member(ft, f"a->{m}", f"b->{m}", loc) for _, m, ft in self.fields(t)]
        if isinstance(t, HeaderType):
            lines = [
                "if (a->ovsp4_valid != b->ovsp4_valid) return false;",
                "if (!a->ovsp4_valid) return true;",
            ]
            return lines + [f"return {' && '.join(f'({c})' for c in conds) or 'true'};"]
        return [f"return {' && '.join(f'({c})' for c in conds) or 'true'};"]
