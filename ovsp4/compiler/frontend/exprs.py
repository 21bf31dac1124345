"""Typing of expressions: every `Expression.type`, implicit casts, and
compile-time folding into `const_value`.

Expressions are typed bottom-up (`check_expr`), then fitted to the type
their context expects (`coerce`): that is where an unsized `int` constant
takes the width of its destination and where `{...}` list and struct
expressions become values of the struct, header, tuple or stack type they
initialise. Both return the expression to store back into the parent,
since fitting may replace a node (a list expression assigned to a struct
becomes a `StructExpression`; a non-constant `int` or a serializable enum
converted to a bit<W> is wrapped in a synthesised `Cast`).

Conventions for back ends: an expression whose `const_value` is not None is
a compile-time constant and that value (typed by `type`) is what counts;
the node's operands need not be evaluated again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ovsp4.compiler.frontend import constfold
from ovsp4.compiler.frontend.checkbase import CheckerBase
from ovsp4.compiler.frontend.exprfmt import fmt
from ovsp4.compiler.frontend.scopes import describe, is_type_decl
from ovsp4.compiler.frontend.typeutil import (
    BOOL,
    DONT_CARE,
    ERROR,
    INT,
    MATCH_KIND,
    STRING,
    as_bits,
    field_type,
    implicitly_castable,
    is_object_type,
    ser_enum_underlying,
    struct_fields,
)
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.nodes import BinaryOp
from ovsp4.compiler.ir.types import (
    ActionEnumType,
    ActionType,
    BitsType,
    BoolType,
    ControlType,
    DontCareType,
    EnumType,
    ErrorType,
    HeaderType,
    HeaderUnionType,
    InfIntType,
    MethodType,
    NewType,
    P4Type,
    ParserType,
    SetType,
    StackType,
    StateType,
    StructLikeType,
    TableApplyResultType,
    TableType,
    TupleType,
    ValueSetType,
)
from ovsp4.compiler.ir.values import EnumMemberValue, ErrorValue, StructValue

STATE = StateType()
BIT32 = BitsType(32)

_ORDER = {BinaryOp.LT, BinaryOp.LE, BinaryOp.GT, BinaryOp.GE}


@dataclass(frozen=True, eq=False)
class UnknownStructType(P4Type):
    """Provisional type of `{f = e, ...}` before its context gives it a
    struct or header type (never left in the final IR)."""

    fields: tuple[tuple[str, P4Type], ...]

    def __str__(self) -> str:
        return "{" + ", ".join(f"{n}: {t}" for n, t in self.fields) + "}"


@dataclass(frozen=True, eq=False)
class UnknownHeaderType(P4Type):
    """Provisional type of `{#}` before its context gives it a header type."""

    def __str__(self) -> str:
        return "{#}"


def synth_bits_ref(t: BitsType) -> nodes.BitsTypeRef:
    """A TypeRef for a synthesised cast to `t` (already resolved)."""
    width = nodes.Constant(value=t.width, type=INT, const_value=t.width)
    return nodes.BitsTypeRef(kind="int" if t.signed else "bit", width=width, resolved=t)


def synth_cast(e: nodes.Expression, t: P4Type, value: object = None) -> nodes.Cast:
    """An implicit cast made explicit: `(t) e`, at `e`'s position."""
    ref: nodes.TypeRef
    if isinstance(t, BitsType):
        ref = synth_bits_ref(t)
    else:
        ref = nodes.TypeRef(resolved=t)
    return nodes.Cast(loc=e.loc, type_ref=ref, expr=e, type=t, const_value=value)


class ExprChecker(CheckerBase):
    """Expression typing (mixin of the TypeChecker)."""

    # Provided by the call checker mixin (calls.py).
    def check_call(self, e: nodes.MethodCall) -> nodes.Expression:
        raise NotImplementedError

    def check_constructor_call(self, e: nodes.ConstructorCall) -> nodes.Expression:
        raise NotImplementedError

    # -- entry points -----------------------------------------------------

    def check_expr(self, e: nodes.Expression) -> nodes.Expression:
        name = _DISPATCH.get(type(e))
        if name is None:
            raise self.unsupported(f"expression '{fmt(e)}'", e)
        result: nodes.Expression = getattr(self, name)(e)
        return result

    def check_value(self, e: nodes.Expression) -> nodes.Expression:
        """Check an expression used as a value (not a type, `_` or `default`)."""
        e = self.check_expr(e)
        if self.denoted_type(e) is not None:
            raise self.error(f"type '{fmt(e)}' cannot be used as a value", e)
        if isinstance(e, (nodes.DontCare, nodes.DefaultExpression)):
            raise self.error(f"'{fmt(e)}' cannot be used as a value here", e)
        if isinstance(e.type, (ActionType, MethodType)):
            raise self.error(f"{describe(e.type.decl)} '{fmt(e)}' must be called", e)
        return e

    def check_bool(self, e: nodes.Expression, what: str) -> nodes.Expression:
        e = self.check_value(e)
        if not isinstance(e.type, BoolType):
            raise self.error(f"{what} must be a bool, but '{fmt(e)}' has type {e.type}", e)
        return e

    def const_int(self, e: nodes.Expression, what: str) -> int:
        """Check `e` and return its value, which must be a compile-time integer."""
        checked = self.check_value(e)
        value = checked.const_value
        if isinstance(value, EnumMemberValue):
            value = value.value
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(
                f"{what} must be a compile-time constant integer, not '{fmt(checked)}'", e
            )
        return value

    def denoted_type(self, e: nodes.Expression) -> P4Type | None:
        """The type `e` names, if `e` is a type name in expression position."""
        if isinstance(e, nodes.TypeNameExpression):
            return e.type_ref.resolved
        if isinstance(e, nodes.PathExpression) and e.decl is not None and is_type_decl(e.decl):
            return e.type
        return None

    # -- implicit conversions ---------------------------------------------------

    def coerce(self, e: nodes.Expression, target: P4Type, where: str) -> nodes.Expression:
        """Fit the checked expression `e` to `target` (see module docstring);
        `where` names the destination for error messages."""
        src = e.type
        if isinstance(target, DontCareType):
            return e
        if isinstance(e, nodes.StructExpression) and isinstance(target, StructLikeType):
            return self._fit_struct(e, target, where)
        if isinstance(e, nodes.ListExpression):
            fitted = self._fit_list(e, target, where)
            if fitted is not None:
                return fitted
        if isinstance(e, nodes.InvalidHeaderExpression) and isinstance(
            target, (HeaderType, HeaderUnionType)
        ):
            e.type = target
            e.const_value = StructValue((), valid=False)
            return e
        if src == target:
            return e
        if isinstance(e, nodes.Mux) and isinstance(src, InfIntType):
            e.then = self.coerce(e.then, target, where)
            e.otherwise = self.coerce(e.otherwise, target, where)
            e.type = target
            return e
        if isinstance(src, InfIntType) and isinstance(target, BitsType):
            return self._fit_int(e, target)
        underlying = ser_enum_underlying(src) if src is not None else None
        if underlying is not None and underlying == target:
            return self.to_underlying(e)
        if isinstance(src, (ParserType, ControlType)) and implicitly_castable(src, target):
            return e
        raise self.error(
            f"type mismatch in {where}: expected {target}, but '{fmt(e)}' has type {src}", e
        )

    def _fit_int(self, e: nodes.Expression, target: BitsType) -> nodes.Expression:
        value = e.const_value
        if isinstance(value, int) and not isinstance(value, bool):
            reduced = constfold.reduce(value, target)
            if not constfold.fits(value, target):
                self.warn(f"value {value} does not fit in {target}; it becomes {reduced}", e)
            if isinstance(e, nodes.Constant):
                # A literal simply takes the width its context gives it.
                e.type = target
                e.const_value = reduced
                return e
            return synth_cast(e, target, reduced)
        return synth_cast(e, target)

    def to_underlying(self, e: nodes.Expression) -> nodes.Expression:
        """A serializable-enum value converted to its underlying bit<W>."""
        underlying = ser_enum_underlying(e.type) if e.type is not None else None
        if underlying is None:
            return e
        value = e.const_value.value if isinstance(e.const_value, EnumMemberValue) else None
        return synth_cast(e, underlying, value)

    def _fit_struct(
        self, e: nodes.StructExpression, target: StructLikeType, where: str
    ) -> nodes.Expression:
        if isinstance(e.type, StructLikeType):
            if e.type != target:
                raise self.error(
                    f"type mismatch in {where}: expected {target}, but '{fmt(e)}' has type "
                    f"{e.type}",
                    e,
                )
            return e
        fields = dict(struct_fields(target))
        given = {f.name: f for f in e.fields}
        for f in e.fields:
            if f.name not in fields:
                raise self.error(f"{target} has no field '{f.name}'", f)
        missing = [n for n in fields if n not in given]
        if missing and not e.has_dots:
            raise self.error(
                f"{where}: initializer of {target} has no value for field '{missing[0]}'", e
            )
        for f in e.fields:
            f.expr = self.coerce(f.expr, fields[f.name], f"field '{f.name}'")
        # Keep the initialiser in field order, as the back ends expect.
        order = {n: i for i, n in enumerate(fields)}
        e.fields.sort(key=lambda f: order[f.name])
        e.type = target
        e.const_value = self._struct_value(e)
        return e

    @staticmethod
    def _struct_value(e: nodes.StructExpression) -> StructValue | None:
        if e.has_dots or any(f.expr.const_value is None for f in e.fields):
            return None
        return StructValue(tuple((f.name, f.expr.const_value) for f in e.fields))

    def _fit_list(
        self, e: nodes.ListExpression, target: P4Type, where: str
    ) -> nodes.Expression | None:
        if isinstance(target, StructLikeType):
            fields = struct_fields(target)
            if len(fields) != len(e.elements):
                raise self.error(
                    f"{where}: {target} has {len(fields)} field(s), but the list has "
                    f"{len(e.elements)} element(s)",
                    e,
                )
            named = [
                nodes.NamedExpression(loc=x.loc, name=n, expr=self.coerce(x, ft, f"field '{n}'"))
                for (n, ft), x in zip(fields, e.elements, strict=True)
            ]
            result = nodes.StructExpression(loc=e.loc, fields=named, type=target)
            result.const_value = self._struct_value(result)
            return result
        if isinstance(target, TupleType):
            if len(target.elements) != len(e.elements):
                raise self.error(
                    f"{where}: expected a list of {len(target.elements)} element(s), but the "
                    f"list has {len(e.elements)}",
                    e,
                )
            e.elements = [
                self.coerce(x, t, where) for t, x in zip(target.elements, e.elements, strict=True)
            ]
        elif isinstance(target, StackType):
            if target.size != len(e.elements):
                raise self.error(
                    f"{where}: {target} has {target.size} element(s), but the list has "
                    f"{len(e.elements)}",
                    e,
                )
            e.elements = [self.coerce(x, target.element, where) for x in e.elements]
        else:
            return None
        e.type = target
        values = [x.const_value for x in e.elements]
        e.const_value = None if any(v is None for v in values) else tuple(values)
        return e

    # -- l-values and compile-time constants -------------------------------------

    def lvalue_problem(self, e: nodes.Expression) -> str | None:
        """Why `e` cannot be written (None if it is a left-value)."""
        if isinstance(e, nodes.PathExpression):
            d = e.decl
            if isinstance(d, nodes.VariableDecl):
                return None
            if isinstance(d, nodes.Parameter):
                if d.direction in (nodes.Direction.OUT, nodes.Direction.INOUT):
                    return None
                if d.direction is nodes.Direction.IN:
                    return f"'{e.name}' is an 'in' parameter (read-only)"
                return f"'{e.name}' is a directionless parameter (read-only)"
            if d is not None:
                return f"'{e.name}' is a {describe(d)}, not a left-value"
            return f"'{fmt(e)}' is not a left-value"
        if isinstance(e, nodes.Member):
            base = e.expr.type
            if isinstance(base, StructLikeType) or (
                isinstance(base, StackType) and e.member in ("next", "last")
            ):
                return self.lvalue_problem(e.expr)
            return f"'{fmt(e)}' is not a left-value"
        if isinstance(e, (nodes.ArrayIndex, nodes.Slice)):
            return self.lvalue_problem(e.expr)
        return f"'{fmt(e)}' is not a left-value"

    def require_lvalue(self, e: nodes.Expression, what: str) -> None:
        problem = self.lvalue_problem(e)
        if problem is not None:
            raise self.error(f"{what}: {problem}", e)

    def is_compile_time(self, e: nodes.Expression) -> bool:
        """A compile-time known value: folded, or bound at instantiation time
        (constructor parameters, instances), as p4c's notion."""
        if e.const_value is not None:
            return True
        if isinstance(e, nodes.PathExpression):
            d = e.decl
            return isinstance(d, (nodes.ConstDecl, nodes.Instantiation)) or (
                isinstance(d, nodes.Parameter) and d.direction is nodes.Direction.NONE
            )
        if isinstance(e, nodes.ConstructorCall):
            return True
        if isinstance(e, nodes.Member):
            return self.is_compile_time(e.expr)
        if isinstance(e, (nodes.Unary, nodes.Cast)):
            return self.is_compile_time(e.expr)
        if isinstance(e, nodes.Binary):
            return self.is_compile_time(e.left) and self.is_compile_time(e.right)
        if isinstance(e, nodes.ListExpression):
            return all(self.is_compile_time(x) for x in e.elements)
        if isinstance(e, nodes.StructExpression):
            return all(self.is_compile_time(f.expr) for f in e.fields)
        return False

    # -- folding helper --------------------------------------------------------------

    def fold(self, e: nodes.Expression, compute: Callable[[], object]) -> None:
        try:
            e.const_value = compute()
        except constfold.FoldError as exc:
            raise self.error(f"{exc} in '{fmt(e)}'", e) from None

    # -- leaves -------------------------------------------------------------------

    def _constant(self, e: nodes.Constant) -> nodes.Expression:
        if e.width is None:
            e.type = INT
            e.const_value = e.value
            return e
        if e.width == 0 and e.signed:
            raise self.error(f"invalid width 0 in integer literal '{fmt(e)}'", e)
        t = BitsType(e.width, e.signed)
        e.type = t
        if not constfold.fits(e.value, t) and not (t.signed and 0 <= e.value < (1 << t.width)):
            self.warn(f"value {e.value} does not fit in {t}; it is truncated", e)
        e.const_value = constfold.reduce(e.value, t)
        return e

    def _bool(self, e: nodes.BoolLiteral) -> nodes.Expression:
        e.type = BOOL
        e.const_value = e.value
        return e

    def _string(self, e: nodes.StringLiteral) -> nodes.Expression:
        e.type = STRING
        e.const_value = e.value
        return e

    def _dont_care(self, e: nodes.Expression) -> nodes.Expression:
        e.type = DONT_CARE
        return e

    def _this(self, e: nodes.ThisExpression) -> nodes.Expression:
        raise self.unsupported("'this' (abstract method implementations)", e)

    def _invalid_header(self, e: nodes.InvalidHeaderExpression) -> nodes.Expression:
        e.type = UnknownHeaderType()
        return e

    def _type_name(self, e: nodes.TypeNameExpression) -> nodes.Expression:
        e.type = self.resolve_type(e.type_ref)
        return e

    def resolve_path(self, e: nodes.PathExpression) -> list[nodes.Declaration]:
        scope = self.global_scope if e.is_global else self.scope
        found = scope.lookup(e.name)
        if not found:
            raise self.error(f"'{e.name}' is not declared", e)
        return found

    def _path(self, e: nodes.PathExpression) -> nodes.Expression:
        found = self.resolve_path(e)
        decl = found[0]
        e.decl = decl
        if len(found) > 1:
            raise self.error(f"'{e.name}' is overloaded; it can only be called", e)
        self.type_path(e, decl)
        return e

    def type_path(self, e: nodes.PathExpression, decl: nodes.Declaration) -> None:
        """Type a name that resolved to `decl`."""
        if is_type_decl(decl):
            e.type = self.named_type_for_decl(decl, e)
            return
        if isinstance(decl, nodes.ConstDecl):
            e.type = decl.resolved_type
            e.const_value = decl.value.const_value
        elif isinstance(decl, (nodes.VariableDecl, nodes.Parameter, nodes.Instantiation)):
            if decl.resolved_type is None:
                raise self.error(f"'{e.name}' cannot be used in its own declaration", e)
            e.type = decl.resolved_type
        elif isinstance(decl, nodes.ActionDecl):
            e.type = ActionType(decl)
        elif isinstance(decl, nodes.TableDecl):
            if self.ctx.table is decl:
                raise self.error(f"table '{decl.name}' cannot refer to itself", e)
            e.type = TableType(decl)
        elif isinstance(decl, nodes.ParserState):
            e.type = STATE
        elif isinstance(decl, nodes.EnumMember):  # a match_kind member
            e.type = MATCH_KIND
            e.const_value = decl.name
        elif isinstance(decl, nodes.ValueSetDecl):
            e.type = ValueSetType(decl)
        elif isinstance(decl, (nodes.FunctionDecl, nodes.ExternFunctionDecl, nodes.MethodDecl)):
            e.type = MethodType(decl)
        else:
            raise self.unsupported(f"reference to {describe(decl)} '{e.name}'", e)

    def named_type_for_decl(self, decl: nodes.Declaration, where: nodes.Node) -> P4Type:
        if isinstance(decl, nodes.TypeParameter):
            return decl.resolved_type  # type: ignore[return-value]
        if isinstance(decl, nodes.TypedefDecl):
            return NewType(decl) if decl.is_newtype else decl.resolved_type  # type: ignore[return-value]
        if isinstance(decl, nodes.ErrorDecl):
            return ERROR
        if isinstance(decl, nodes.MatchKindDecl):
            return MATCH_KIND
        return self.named_type_of(decl, (), where)

    # -- member access --------------------------------------------------------------

    def _member(self, e: nodes.Member) -> nodes.Expression:
        e.expr = self.check_expr(e.expr)
        denoted = self.denoted_type(e.expr)
        if denoted is not None:
            return self._type_member(e, denoted)
        if isinstance(e.expr, (nodes.DontCare, nodes.DefaultExpression)):
            raise self.error(f"'{fmt(e.expr)}' has no members", e)
        t = e.expr.type
        if isinstance(t, StructLikeType):
            ft = field_type(t, e.member)
            if ft is None:
                if e.member in ("isValid", "setValid", "setInvalid") and isinstance(
                    t, (HeaderType, HeaderUnionType)
                ):
                    raise self.error(f"method '{e.member}' of '{fmt(e.expr)}' must be called", e)
                kind = describe(t.decl)
                raise self.error(f"'{e.member}' is not a field of {kind} '{t.decl.name}'", e)
            e.type = ft
            if isinstance(e.expr.const_value, StructValue) and e.expr.const_value.valid:
                e.const_value = e.expr.const_value.get(e.member)
            return e
        if isinstance(t, StackType):
            return self._stack_member(e, t)
        if isinstance(t, TableApplyResultType):
            if e.member in ("hit", "miss"):
                e.type = BOOL
                return e
            if e.member == "action_run":
                e.type = ActionEnumType(t.decl)
                return e
            raise self.error(
                f"the result of a table apply has no member '{e.member}' "
                "(only hit, miss and action_run)",
                e,
            )
        if isinstance(t, UnknownStructType):
            for n, ft in t.fields:
                if n == e.member:
                    e.type = ft
                    return e
        if is_object_type(t) if t is not None else False:
            raise self.error(f"method '{e.member}' of '{fmt(e.expr)}' must be called", e)
        raise self.error(f"'{fmt(e.expr)}' of type {t} has no member '{e.member}'", e)

    def _type_member(self, e: nodes.Member, t: P4Type) -> nodes.Expression:
        if isinstance(t, ErrorType):
            code = self.names.error_codes.get(e.member)
            if code is None:
                raise self.error(f"error '{e.member}' is not declared", e)
            e.type = ERROR
            e.const_value = ErrorValue(e.member, code)
            return e
        if isinstance(t, EnumType):
            decl: nodes.EnumDecl = t.decl  # type: ignore[assignment]
            m = decl.member(e.member)
            if m is None:
                raise self.error(f"enum '{decl.name}' has no member '{e.member}'", e)
            e.type = t
            e.const_value = EnumMemberValue(decl, m.name, m.const_value)
            return e
        raise self.error(f"type '{t}' has no member '{e.member}'", e)

    def _stack_member(self, e: nodes.Member, t: StackType) -> nodes.Expression:
        m = e.member
        if m in ("next", "last", "lastIndex"):
            if self.ctx.parser is None:
                raise self.error(f"'{m}' of a header stack can only be used in a parser", e)
            e.type = t.element if m != "lastIndex" else BIT32
            return e
        if m == "size":
            e.type = BIT32
            e.const_value = t.size
            return e
        if m in ("push_front", "pop_front"):
            raise self.error(f"method '{m}' of '{fmt(e.expr)}' must be called", e)
        raise self.error(f"header stack '{fmt(e.expr)}' has no member '{m}'", e)

    def _array_index(self, e: nodes.ArrayIndex) -> nodes.Expression:
        e.expr = self.check_value(e.expr)
        e.index = self.check_value(e.index)
        t = e.expr.type
        idx = e.index.const_value
        if isinstance(t, StackType):
            it = e.index.type
            if isinstance(it, InfIntType):
                e.index = self.coerce(e.index, BIT32, "a stack index")
            elif as_bits(it) is None if it is not None else True:
                raise self.error(
                    f"index '{fmt(e.index)}' must be an integer, not {e.index.type}", e.index
                )
            if isinstance(idx, int) and not 0 <= idx < t.size:
                raise self.error(f"index {idx} is out of range for {t}", e.index)
            e.type = t.element
            return e
        if isinstance(t, TupleType):
            if not isinstance(idx, int):
                raise self.error(f"tuple index '{fmt(e.index)}' must be a constant", e.index)
            if not 0 <= idx < len(t.elements):
                raise self.error(f"index {idx} is out of range for {t}", e.index)
            e.type = t.elements[idx]
            if isinstance(e.expr.const_value, tuple):
                e.const_value = e.expr.const_value[idx]
            return e
        raise self.error(f"'{fmt(e.expr)}' of type {t} cannot be indexed", e)

    def _slice(self, e: nodes.Slice) -> nodes.Expression:
        e.expr = self.check_value(e.expr)
        if isinstance(e.expr.type, EnumType):
            e.expr = self.to_underlying(e.expr)
        t = e.expr.type
        if not isinstance(t, BitsType):
            raise self.error(f"bit slices are only defined on bit<W> and int<W>, not {t}", e)
        hi = self.const_int(e.hi, "a slice bit index")
        lo = self.const_int(e.lo, "a slice bit index")
        e.hi = self.check_expr(e.hi)
        e.lo = self.check_expr(e.lo)
        if lo < 0 or hi < 0:
            raise self.error("slice bit indexes must not be negative", e)
        if hi >= t.width:
            raise self.error(f"bit index {hi} is out of range for {t}", e.hi)
        if lo > hi:
            raise self.error(f"slice [{hi}:{lo}]: the low index is greater than the high one", e)
        e.type = BitsType(hi - lo + 1)
        if isinstance(e.expr.const_value, int):
            v = e.expr.const_value
            self.fold(e, lambda: constfold.fold_slice(v, hi, lo))
        return e

    # -- lists, structs ------------------------------------------------------------

    def _list(self, e: nodes.ListExpression) -> nodes.Expression:
        e.elements = [self.check_value(x) for x in e.elements]
        e.type = TupleType(tuple(x.type for x in e.elements))  # type: ignore[misc]
        values = [x.const_value for x in e.elements]
        e.const_value = None if any(v is None for v in values) else tuple(values)
        return e

    def _struct(self, e: nodes.StructExpression) -> nodes.Expression:
        seen: set[str] = set()
        for f in e.fields:
            if f.name in seen:
                raise self.error(f"field '{f.name}' is initialised twice", f)
            seen.add(f.name)
            f.expr = self.check_value(f.expr)
        e.type = UnknownStructType(tuple((f.name, f.expr.type) for f in e.fields))  # type: ignore[misc]
        if e.type_ref is not None:
            target = self.resolve_type(e.type_ref)
            if not isinstance(target, StructLikeType):
                raise self.error(f"{target} is not a struct or header type", e.type_ref)
            return self._fit_struct(e, target, f"initializer of {target}")
        return e

    def _select(self, e: nodes.SelectExpression) -> nodes.Expression:
        raise self.error("a select expression can only be a parser transition", e)

    # -- keysets (select cases, table entries) -------------------------------------------

    def check_keyset(self, e: nodes.Expression, key_type: P4Type, where: str) -> nodes.Expression:
        """One element of a keyset matched against a key of `key_type`."""
        if isinstance(e, (nodes.DefaultExpression, nodes.DontCare)):
            e.type = DONT_CARE
            return e
        if isinstance(e, nodes.Binary) and e.op in (BinaryOp.MASK, BinaryOp.RANGE):
            e.left = self.coerce(self.check_value(e.left), key_type, where)
            e.right = self.coerce(self.check_value(e.right), key_type, where)
            if as_bits(key_type) is None and not isinstance(key_type, BoolType):
                raise self.error(f"'{e.op.value}' is not defined on keys of type {key_type}", e)
            e.type = SetType(key_type)
            lv, rv = e.left.const_value, e.right.const_value
            if lv is not None and rv is not None:
                e.const_value = (lv, rv)
            return e
        e = self.check_value(e)
        return self.coerce(e, key_type, where)


# Expression class -> name of the checker method typing it. By name, so that
# the methods may live in the mixins that extend ExprChecker (operators,
# calls).
_DISPATCH: dict[type, str] = {
    nodes.Constant: "_constant",
    nodes.BoolLiteral: "_bool",
    nodes.StringLiteral: "_string",
    nodes.PathExpression: "_path",
    nodes.TypeNameExpression: "_type_name",
    nodes.Member: "_member",
    nodes.ArrayIndex: "_array_index",
    nodes.Slice: "_slice",
    nodes.Unary: "_unary",
    nodes.Binary: "_binary",
    nodes.Cast: "_cast",
    nodes.Mux: "_mux",
    nodes.MethodCall: "check_call",
    nodes.ConstructorCall: "check_constructor_call",
    nodes.ListExpression: "_list",
    nodes.StructExpression: "_struct",
    nodes.InvalidHeaderExpression: "_invalid_header",
    nodes.DefaultExpression: "_dont_care",
    nodes.DontCare: "_dont_care",
    nodes.ThisExpression: "_this",
    nodes.SelectExpression: "_select",
}
