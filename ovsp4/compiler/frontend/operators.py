"""Typing of operators, casts and conditional expressions, with the
spec's width rules:

- arithmetic, bitwise and saturating operators need operands of one type;
  an unsized `int` operand takes the other operand's bit<W>/int<W>, a
  serializable enum its underlying type; two `int`s fold exactly;
- shifts keep the left operand's type; shifting an `int` needs a constant
  amount; the amount must be unsigned;
- `++` needs sized operands and gives bit<W1+W2> with the left's sign;
- comparisons give bool; `==`/`!=` work on any values of one type, the
  ordering ones only on numbers;
- casts are those of the spec (section 8.11): bit<W> <-> int<W>, width
  changes of one signedness, bit<1> <-> bool, int -> any numeric, to/from
  serializable enums and `type`s over their underlying type.

Every operator with constant operands is folded (constfold.py).
"""

from __future__ import annotations

from ovsp4.compiler.frontend import constfold
from ovsp4.compiler.frontend.exprfmt import fmt
from ovsp4.compiler.frontend.exprs import ExprChecker, UnknownHeaderType, UnknownStructType
from ovsp4.compiler.frontend.typeutil import (
    BOOL,
    INT,
    STRING,
    can_compare_equal,
    explicitly_castable,
    implicitly_castable,
)
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.nodes import BinaryOp, UnaryOp
from ovsp4.compiler.ir.types import (
    BitsType,
    BoolType,
    EnumType,
    InfIntType,
    NewType,
    P4Type,
    StackType,
    StringType,
    StructLikeType,
    TupleType,
)
from ovsp4.compiler.ir.values import EnumMemberValue

_ORDER = {BinaryOp.LT, BinaryOp.LE, BinaryOp.GT, BinaryOp.GE}


class OperatorChecker(ExprChecker):
    """Operators, casts and `?:` (mixin of the TypeChecker)."""

    # -- operators ---------------------------------------------------------------------

    def _unary(self, e: nodes.Unary) -> nodes.Expression:
        e.expr = self.check_value(e.expr)
        op = e.op
        if op is UnaryOp.LNOT:
            if not isinstance(e.expr.type, BoolType):
                raise self.error(f"'!' needs a bool operand, not {e.expr.type}", e)
        else:
            if isinstance(e.expr.type, EnumType):
                e.expr = self.to_underlying(e.expr)
            t = e.expr.type
            if isinstance(t, InfIntType) and op is UnaryOp.BNOT:
                raise self.error(
                    f"'~' cannot be applied to '{fmt(e.expr)}' of unknown width; "
                    "give the constant a width (e.g. 8w5)",
                    e,
                )
            if not isinstance(t, (BitsType, InfIntType)):
                raise self.error(f"'{op.value}' is not defined on {t}", e)
        e.type = e.expr.type
        if e.expr.const_value is not None:
            v, t2 = e.expr.const_value, e.type
            self.fold(e, lambda: constfold.fold_unary(op, v, t2))  # type: ignore[arg-type]
        return e

    def _binary(self, e: nodes.Binary) -> nodes.Expression:
        op = e.op
        if op in (BinaryOp.MASK, BinaryOp.RANGE):
            raise self.error(f"'{op.value}' is only allowed in select cases and table entries", e)
        e.left = self.check_value(e.left)
        e.right = self.check_value(e.right)
        if op in (BinaryOp.LAND, BinaryOp.LOR):
            for side in (e.left, e.right):
                if not isinstance(side.type, BoolType):
                    raise self.error(
                        f"'{op.value}' needs bool operands, but '{fmt(side)}' has type {side.type}",
                        side,
                    )
            e.type = BOOL
        elif op in (BinaryOp.EQ, BinaryOp.NE):
            self._equality(e)
        elif op in (BinaryOp.SHL, BinaryOp.SHR):
            self._shift(e)
        elif op is BinaryOp.CONCAT:
            self._concat(e)
        else:
            self._numeric(e)
        lv, rv = e.left.const_value, e.right.const_value
        if lv is not None and rv is not None and op is not BinaryOp.CONCAT:
            operand_type = e.left.type
            self.fold(e, lambda: constfold.fold_binary(op, lv, rv, operand_type))  # type: ignore[arg-type]
        elif op is BinaryOp.LAND and lv is False or op is BinaryOp.LOR and lv is True:
            e.const_value = lv  # short-circuit: the right side is not evaluated
        return e

    def _numeric_operands(self, e: nodes.Binary) -> tuple[P4Type, P4Type]:
        """Serializable enums become their underlying type, and an `int`
        operand takes the type of the other one."""
        if isinstance(e.left.type, EnumType) and e.left.type.underlying is not None:
            e.left = self.to_underlying(e.left)
        if isinstance(e.right.type, EnumType) and e.right.type.underlying is not None:
            e.right = self.to_underlying(e.right)
        lt, rt = e.left.type, e.right.type
        where = f"operand of '{e.op.value}'"
        if isinstance(lt, InfIntType) and isinstance(rt, BitsType):
            e.left = self.coerce(e.left, rt, where)
        elif isinstance(rt, InfIntType) and isinstance(lt, BitsType):
            e.right = self.coerce(e.right, lt, where)
        return e.left.type, e.right.type  # type: ignore[return-value]

    def _numeric(self, e: nodes.Binary) -> None:
        lt, rt = self._numeric_operands(e)
        op = e.op
        for side, st in ((e.left, lt), (e.right, rt)):
            if not isinstance(st, (BitsType, InfIntType)):
                raise self.error(f"'{op.value}' is not defined on '{fmt(side)}' of type {st}", side)
        if isinstance(lt, BitsType) and isinstance(rt, BitsType):
            if lt.width != rt.width:
                raise self.error(
                    f"'{op.value}': cannot operate on values of different widths: "
                    f"'{fmt(e.left)}' is {lt}, '{fmt(e.right)}' is {rt}",
                    e,
                )
            if lt.signed != rt.signed:
                raise self.error(
                    f"'{op.value}': cannot mix signed and unsigned values ({lt} and {rt})", e
                )
        if op in (BinaryOp.DIV, BinaryOp.MOD) and isinstance(lt, BitsType) and lt.signed:
            raise self.error(f"'{op.value}' is not defined on signed values ({lt})", e)
        e.type = BOOL if op in _ORDER else lt

    def _equality(self, e: nodes.Binary) -> None:
        lt, rt = e.left.type, e.right.type
        if isinstance(lt, EnumType) and lt != rt and lt.underlying is not None:
            e.left = self.to_underlying(e.left)
        if isinstance(rt, EnumType) and rt != e.left.type and rt.underlying is not None:
            e.right = self.to_underlying(e.right)
        lt, rt = e.left.type, e.right.type
        where = f"operand of '{e.op.value}'"
        if isinstance(lt, InfIntType) and isinstance(rt, BitsType):
            e.left = self.coerce(e.left, rt, where)
        elif isinstance(rt, InfIntType) and isinstance(lt, BitsType):
            e.right = self.coerce(e.right, lt, where)
        elif (
            isinstance(lt, (UnknownStructType, UnknownHeaderType))
            or isinstance(e.left, nodes.ListExpression)
            and not isinstance(rt, TupleType)
        ):
            e.left = self.coerce(e.left, rt, where)  # type: ignore[arg-type]
        elif (
            isinstance(rt, (UnknownStructType, UnknownHeaderType))
            or isinstance(e.right, nodes.ListExpression)
            and not isinstance(lt, TupleType)
        ):
            e.right = self.coerce(e.right, lt, where)  # type: ignore[arg-type]
        lt, rt = e.left.type, e.right.type
        if lt != rt or lt is None or not can_compare_equal(lt):
            raise self.error(
                f"'{fmt(e.left)}' of type {lt} cannot be compared to '{fmt(e.right)}' of type {rt}",
                e,
            )
        e.type = BOOL

    def _shift(self, e: nodes.Binary) -> None:
        if isinstance(e.left.type, EnumType):
            e.left = self.to_underlying(e.left)
        lt, rt = e.left.type, e.right.type
        if not isinstance(lt, (BitsType, InfIntType)):
            raise self.error(
                f"the left operand of '{e.op.value}' must be a number, not {lt}", e.left
            )
        amount = e.right.const_value
        if isinstance(rt, BitsType):
            if rt.signed and not isinstance(amount, int):
                raise self.error("the shift amount must be unsigned", e.right)
        elif not isinstance(rt, InfIntType):
            raise self.error(f"the shift amount must be a number, not {rt}", e.right)
        if isinstance(amount, int) and amount < 0:
            raise self.error(f"negative shift amount {amount}", e.right)
        if isinstance(lt, InfIntType) and amount is None:
            raise self.error(
                f"'{fmt(e)}': shifting an int constant by a run-time amount; give the "
                "left operand a width (e.g. 32w1)",
                e,
            )
        if isinstance(lt, BitsType) and isinstance(amount, int) and amount >= lt.width:
            self.warn(f"shifting a {lt} value by {amount} bits", e)
        e.type = lt

    def _concat(self, e: nodes.Binary) -> None:
        if isinstance(e.left.type, StringType) and isinstance(e.right.type, StringType):
            e.type = STRING
            lv, rv = e.left.const_value, e.right.const_value
            if isinstance(lv, str) and isinstance(rv, str):
                e.const_value = lv + rv
            return
        if isinstance(e.left.type, EnumType):
            e.left = self.to_underlying(e.left)
        if isinstance(e.right.type, EnumType):
            e.right = self.to_underlying(e.right)
        lt, rt = e.left.type, e.right.type
        for side, st in ((e.left, lt), (e.right, rt)):
            if isinstance(st, InfIntType):
                raise self.error(f"'++': the operand '{fmt(side)}' needs a width (e.g. 8w5)", side)
            if not isinstance(st, BitsType):
                raise self.error(f"'++' is not defined on '{fmt(side)}' of type {st}", side)
        assert isinstance(lt, BitsType) and isinstance(rt, BitsType)
        result = BitsType(lt.width + rt.width, lt.signed)
        e.type = result
        lv, rv = e.left.const_value, e.right.const_value
        if isinstance(lv, int) and isinstance(rv, int):
            e.const_value = constfold.fold_concat(lv, rv, rt, result)

    # -- casts and conditionals -------------------------------------------------------

    def _cast(self, e: nodes.Cast) -> nodes.Expression:
        target = self.resolve_type(e.type_ref)
        inner = e.expr
        if isinstance(
            inner, (nodes.StructExpression, nodes.ListExpression, nodes.InvalidHeaderExpression)
        ) and isinstance(target, (StructLikeType, TupleType, StackType)):
            e.expr = self.coerce(self.check_expr(inner), target, f"cast to {target}")
            e.type = target
            e.const_value = e.expr.const_value
            return e
        e.expr = self.check_value(inner)
        src = e.expr.type
        assert src is not None
        if isinstance(src, InfIntType) and isinstance(target, NewType):
            legal = isinstance(target.underlying, (BitsType, BoolType))
        else:
            legal = explicitly_castable(src, target) or implicitly_castable(src, target)
        if not legal:
            raise self.error(f"illegal cast of '{fmt(e.expr)}' from {src} to {target}", e)
        e.type = target
        value = e.expr.const_value
        if value is not None:
            self.fold(e, lambda: self._cast_value(value, src, target))
        return e

    def _cast_value(self, value: object, src: P4Type, target: P4Type) -> object:
        base = target.underlying if isinstance(target, NewType) else target
        if isinstance(base, EnumType):
            u = base.underlying
            raw = value.value if isinstance(value, EnumMemberValue) else value
            assert u is not None and isinstance(raw, int)
            raw = constfold.reduce(raw, u)
            decl: nodes.EnumDecl = base.decl  # type: ignore[assignment]
            name = next((m.name for m in decl.members if m.const_value == raw), None)
            return EnumMemberValue(decl, name, raw)
        return constfold.fold_cast(value, src, base)

    def _mux(self, e: nodes.Mux) -> nodes.Expression:
        e.cond = self.check_bool(e.cond, "the condition of '?:'")
        e.then = self.check_value(e.then)
        e.otherwise = self.check_value(e.otherwise)
        tt, ot = e.then.type, e.otherwise.type
        if isinstance(tt, InfIntType) and isinstance(ot, InfIntType):
            if e.cond.const_value is None:
                raise self.error(
                    f"'{fmt(e)}': give at least one of the alternatives a width (e.g. 8w1)", e
                )
            e.type = INT
        elif isinstance(tt, InfIntType) or isinstance(e.then, nodes.ListExpression):
            e.then = self.coerce(e.then, ot, "the alternatives of '?:'")  # type: ignore[arg-type]
        elif isinstance(ot, InfIntType) or isinstance(e.otherwise, nodes.ListExpression):
            e.otherwise = self.coerce(e.otherwise, tt, "the alternatives of '?:'")  # type: ignore[arg-type]
        if e.then.type != e.otherwise.type:
            raise self.error(
                f"the alternatives of '?:' have different types: {e.then.type} and "
                f"{e.otherwise.type}",
                e,
            )
        e.type = e.then.type
        c = e.cond.const_value
        if c is not None:
            e.const_value = (e.then if c else e.otherwise).const_value
        return e
