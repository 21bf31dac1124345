"""Operations on resolved P4 types: predicates, generic substitution,
unification (type-argument inference), the spec's cast rules and sizes.

Pure functions over `ir/types.py`; no scopes, no diagnostics.
"""

from __future__ import annotations

from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.types import (
    ActionType,
    BitsType,
    BoolType,
    ControlType,
    DontCareType,
    EnumType,
    ErrorType,
    ExternType,
    HeaderUnionType,
    InfIntType,
    MatchKindType,
    NamedType,
    NewType,
    P4Type,
    PackageType,
    ParserType,
    SetType,
    StackType,
    StringType,
    StructLikeType,
    StructType,
    TableType,
    TupleType,
    TypeVar,
    VarbitType,
    VoidType,
)

Subst = dict[TypeVar, P4Type]

INT = InfIntType()
BOOL = BoolType()
VOID = VoidType()
STRING = StringType()
ERROR = ErrorType()
MATCH_KIND = MatchKindType()
DONT_CARE = DontCareType()


def type_params(decl: nodes.Declaration) -> list[nodes.TypeParameter]:
    return list(getattr(decl, "type_params", []))


def typevar_of(tp: nodes.TypeParameter) -> TypeVar:
    return tp.resolved_type  # type: ignore[return-value]


def ser_enum_underlying(t: P4Type) -> BitsType | None:
    if isinstance(t, EnumType):
        return t.underlying
    return None


def as_bits(t: P4Type) -> BitsType | None:
    """`t` as a bit<W>/int<W> (serializable enums count as their
    underlying type, as the spec's implicit casts allow)."""
    if isinstance(t, BitsType):
        return t
    return ser_enum_underlying(t)


# -- generic substitution ---------------------------------------------------


def contains_typevar(t: P4Type) -> bool:
    if isinstance(t, TypeVar):
        return True
    if isinstance(t, NamedType):
        return any(contains_typevar(a) for a in t.type_args)
    if isinstance(t, (StackType, SetType)):
        return contains_typevar(t.element)
    if isinstance(t, TupleType):
        return any(contains_typevar(e) for e in t.elements)
    return False


def substitute(t: P4Type, subst: Subst) -> P4Type:
    if not subst:
        return t
    if isinstance(t, TypeVar):
        return subst.get(t, t)
    if isinstance(t, NamedType):
        if not t.type_args:
            return t
        return type(t)(t.decl, tuple(substitute(a, subst) for a in t.type_args))
    if isinstance(t, StackType):
        return StackType(substitute(t.element, subst), t.size)
    if isinstance(t, SetType):
        return SetType(substitute(t.element, subst))
    if isinstance(t, TupleType):
        return TupleType(tuple(substitute(e, subst) for e in t.elements))
    return t


def decl_subst(t: NamedType) -> Subst:
    """Type variables of `t`'s (generic) declaration -> `t`'s arguments."""
    if not t.type_args:
        return {}
    return {typevar_of(tp): arg for tp, arg in zip(type_params(t.decl), t.type_args, strict=False)}


def struct_fields(t: StructLikeType) -> list[tuple[str, P4Type]]:
    """(name, type) of each field, generic ones specialised."""
    subst = decl_subst(t)
    return [(n, substitute(ft, subst)) for n, ft in t.fields()]


def field_type(t: StructLikeType, name: str) -> P4Type | None:
    for n, ft in struct_fields(t):
        if n == name:
            return ft
    return None


def apply_params(t: ParserType | ControlType) -> list[tuple[nodes.Direction, P4Type]]:
    """The apply parameters of a parser/control (type), specialised."""
    decl = t.decl
    subst = decl_subst(t)
    params: list[nodes.Parameter] = decl.params  # type: ignore[attr-defined]
    return [(p.direction, substitute(p.resolved_type, subst)) for p in params]  # type: ignore[arg-type]


# -- unification ------------------------------------------------------------


def unify(
    want: P4Type, got: P4Type, subst: Subst, free: set[TypeVar], *, weak: bool = True
) -> bool:
    """Make `got` (an argument's type) match `want` (a parameter's type) by
    binding the free type variables of `want` in `subst`. An unsized `int`
    argument does not bind a variable (the variable's type comes from other
    arguments, and the constant is then cast to it) unless `weak` is False.
    Returns False when the two types cannot match."""
    if isinstance(want, TypeVar) and want in free:
        bound = subst.get(want)
        if bound is None:
            if isinstance(got, InfIntType) and weak:
                return True
            subst[want] = got
            return True
        return unify(bound, got, subst, free, weak=weak) or implicitly_castable(got, bound)
    if isinstance(want, DontCareType) or isinstance(got, DontCareType):
        return True
    if isinstance(want, NamedType) and isinstance(got, NamedType):
        if want.decl is got.decl and type(want) is type(got):
            if not want.type_args or not got.type_args:
                return True
            return len(want.type_args) == len(got.type_args) and all(
                unify(w, g, subst, free, weak=False)
                for w, g in zip(want.type_args, got.type_args, strict=True)
            )
        if isinstance(want, (ParserType, ControlType)) and type(got) is type(want):
            return _unify_apply(want, got, subst, free)  # type: ignore[arg-type]
        return False
    if isinstance(want, StackType) and isinstance(got, StackType):
        return want.size == got.size and unify(want.element, got.element, subst, free, weak=False)
    if isinstance(want, TupleType) and isinstance(got, TupleType):
        return len(want.elements) == len(got.elements) and all(
            unify(w, g, subst, free, weak=weak)
            for w, g in zip(want.elements, got.elements, strict=True)
        )
    if isinstance(want, SetType) and isinstance(got, SetType):
        return unify(want.element, got.element, subst, free, weak=weak)
    if want == got:
        return True
    return implicitly_castable(got, want)


def _unify_apply(
    want: ParserType | ControlType, got: ParserType | ControlType, subst: Subst, free: set[TypeVar]
) -> bool:
    """A parser/control declaration matches a parser/control type when their
    apply parameters agree in number, direction and (unified) type."""
    wp, gp = apply_params(want), apply_params(got)
    if len(wp) != len(gp):
        return False
    return all(
        wd is gd and unify(wt, gt, subst, free, weak=False)
        for (wd, wt), (gd, gt) in zip(wp, gp, strict=True)
    )


# -- casts --------------------------------------------------------------------


def implicitly_castable(src: P4Type, dst: P4Type) -> bool:
    """May a value of type `src` be used where `dst` is expected (assignment,
    argument, operand) without a written cast?"""
    if src == dst or isinstance(dst, DontCareType):
        return True
    if isinstance(src, (ParserType, ControlType)) and type(src) is type(dst):
        # A parser/control declaration conforms to a parser/control type
        # with the same apply parameters.
        return _unify_apply(dst, src, {}, set())  # type: ignore[arg-type]
    if isinstance(src, InfIntType):
        return isinstance(dst, (BitsType, InfIntType))
    u = ser_enum_underlying(src)
    return u is not None and u == dst


def explicitly_castable(src: P4Type, dst: P4Type) -> bool:
    """The spec's explicit casts (section 8.11), as p4c implements them."""
    if isinstance(src, ActionType):
        return False
    if src == dst:
        return True
    if isinstance(dst, NewType) and dst.underlying == src:
        return True
    if isinstance(src, NewType):
        return src.underlying == dst
    if isinstance(src, BitsType):
        if isinstance(dst, BitsType):
            return src.width == dst.width or src.signed == dst.signed
        if isinstance(dst, BoolType):
            return src.width == 1 and not src.signed
        if isinstance(dst, EnumType):
            return dst.underlying == src
        return isinstance(dst, InfIntType)
    if isinstance(src, BoolType):
        return isinstance(dst, BitsType) and dst.width == 1 and not dst.signed
    if isinstance(src, InfIntType):
        return isinstance(dst, (BitsType, BoolType, InfIntType)) or (
            isinstance(dst, EnumType) and dst.underlying is not None
        )
    if isinstance(src, EnumType) and src.underlying is not None:
        if isinstance(dst, BitsType):
            return src.underlying == dst
        if isinstance(dst, EnumType):
            return dst.underlying == src.underlying
    return False


# -- kinds of types -------------------------------------------------------------


def is_object_type(t: P4Type) -> bool:
    """Types of things that are instantiated, not values."""
    return isinstance(t, (ExternType, ParserType, ControlType, PackageType, TableType, ActionType))


def can_compare_equal(t: P4Type) -> bool:
    return not isinstance(t, VoidType) and not is_object_type(t)


def is_key_type(t: P4Type) -> bool:
    """Types allowed for table keys and select expressions."""
    return isinstance(t, (BitsType, BoolType, EnumType, ErrorType, VarbitType, NewType))


def is_header_field_type(t: P4Type) -> bool:
    if isinstance(t, (BitsType, VarbitType, BoolType)):
        return True
    if isinstance(t, EnumType):
        return t.underlying is not None
    if isinstance(t, NewType):
        return is_header_field_type(t.underlying)
    if isinstance(t, StructType):
        return all(is_header_field_type(ft) for _, ft in struct_fields(t))
    if isinstance(t, StackType):  # bit<8>[16] (p4c accepts arrays of bit<W>)
        return isinstance(t.element, BitsType)
    return False


# -- sizes ----------------------------------------------------------------------


def size_in_bits(t: P4Type, *, maximum: bool) -> int | None:
    """Minimum (or maximum) serialised size in bits; None if not defined."""
    if isinstance(t, BitsType):
        return t.width
    if isinstance(t, BoolType):
        return 1
    if isinstance(t, VarbitType):
        return t.max_width if maximum else 0
    if isinstance(t, EnumType):
        return t.underlying.width if t.underlying is not None else None
    if isinstance(t, NewType):
        return size_in_bits(t.underlying, maximum=maximum)
    if isinstance(t, StackType):
        e = size_in_bits(t.element, maximum=maximum)
        return None if e is None else e * t.size
    if isinstance(t, HeaderUnionType):
        sizes = [size_in_bits(ft, maximum=maximum) for _, ft in struct_fields(t)]
        if any(s is None for s in sizes):
            return None
        if not sizes:
            return 0
        return max(sizes) if maximum else min(sizes)  # type: ignore[type-var]
    if isinstance(t, StructLikeType):
        total = 0
        for _, ft in struct_fields(t):
            s = size_in_bits(ft, maximum=maximum)
            if s is None:
                return None
            total += s
        return total
    if isinstance(t, TupleType):
        total = 0
        for et in t.elements:
            s = size_in_bits(et, maximum=maximum)
            if s is None:
                return None
            total += s
        return total
    return None


def has_varbit(t: P4Type) -> bool:
    if isinstance(t, VarbitType):
        return True
    if isinstance(t, StructLikeType):
        return any(has_varbit(ft) for _, ft in struct_fields(t))
    if isinstance(t, StackType):
        return has_varbit(t.element)
    return False
