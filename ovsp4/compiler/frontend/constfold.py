"""Compile-time evaluation with P4's exact integer semantics.

The type checker calls these helpers on the `const_value`s of operands it
has already typed; they know nothing about IR nodes. Values are Python
ints / bools / strs (see `ir/values.py`), interpreted with their type:

- `bit<W>` values live in [0, 2**W) and wrap around modulo 2**W;
- `int<W>` values are two's complement in [-2**(W-1), 2**(W-1));
- `int` (arbitrary precision) values are exact.

Errors (division by zero, negative shift...) raise `FoldError`; the caller
attaches the source position.
"""

from __future__ import annotations

from ovsp4.compiler.ir.nodes import BinaryOp, UnaryOp
from ovsp4.compiler.ir.types import BitsType, BoolType, InfIntType, P4Type
from ovsp4.compiler.ir.values import EnumMemberValue


class FoldError(Exception):
    """An operation that is invalid on these compile-time values."""


def reduce(value: int, t: P4Type) -> int:
    """`value` brought into the range of `t` (wrap-around for bit<W>/int<W>)."""
    if isinstance(t, BitsType):
        mask = (1 << t.width) - 1
        value &= mask
        if t.signed and t.width > 0 and value >> (t.width - 1):
            value -= 1 << t.width
    return value


def fits(value: int, t: BitsType) -> bool:
    if t.signed:
        return -(1 << (t.width - 1)) <= value < (1 << (t.width - 1))
    return 0 <= value < (1 << t.width)


def _saturate(value: int, t: BitsType) -> int:
    if t.signed:
        lo, hi = -(1 << (t.width - 1)), (1 << (t.width - 1)) - 1
    else:
        lo, hi = 0, (1 << t.width) - 1
    return max(lo, min(hi, value))


def fold_unary(op: UnaryOp, value: object, t: P4Type) -> object:
    if op is UnaryOp.LNOT:
        return not value
    assert isinstance(value, int)
    if op is UnaryOp.NEG:
        return reduce(-value, t)
    if op is UnaryOp.POS:
        return value
    # BNOT: only on fixed-width values (the checker rejects `~` on int).
    return reduce(~value, t)


def fold_binary(op: BinaryOp, left: object, right: object, t: P4Type) -> object:
    """`left op right`, both operands of type `t` (for shifts, `t` is the
    left operand's type). Comparisons return bool."""
    if op is BinaryOp.LAND:
        return bool(left) and bool(right)
    if op is BinaryOp.LOR:
        return bool(left) or bool(right)
    if op is BinaryOp.EQ:
        return left == right
    if op is BinaryOp.NE:
        return left != right
    if isinstance(t, BoolType):
        raise FoldError(f"operation '{op.value}' is not defined on bool")
    if not isinstance(left, int) or not isinstance(right, int):
        raise FoldError(f"operation '{op.value}' is not defined on these values")
    if op is BinaryOp.LT:
        return left < right
    if op is BinaryOp.LE:
        return left <= right
    if op is BinaryOp.GT:
        return left > right
    if op is BinaryOp.GE:
        return left >= right
    return reduce(_arith(op, left, right, t), t)


def _arith(op: BinaryOp, a: int, b: int, t: P4Type) -> int:
    if op is BinaryOp.ADD:
        return a + b
    if op is BinaryOp.SUB:
        return a - b
    if op is BinaryOp.MUL:
        return a * b
    if op in (BinaryOp.DIV, BinaryOp.MOD):
        if b == 0:
            raise FoldError("division by zero")
        if a < 0 or b < 0:
            raise FoldError(f"operation '{op.value}' is not defined on negative numbers")
        return a // b if op is BinaryOp.DIV else a % b
    if op in (BinaryOp.ADD_SAT, BinaryOp.SUB_SAT):
        exact = a + b if op is BinaryOp.ADD_SAT else a - b
        return _saturate(exact, t) if isinstance(t, BitsType) else exact
    if op in (BinaryOp.SHL, BinaryOp.SHR):
        if b < 0:
            raise FoldError("negative shift amount")
        if op is BinaryOp.SHL:
            if isinstance(t, BitsType) and b >= t.width:
                return 0
            return a << b
        # Python's >> on a negative int is an arithmetic shift, which is
        # what int<W> and int need; bit<W> values are never negative.
        return a >> b
    if op is BinaryOp.BAND:
        return a & b
    if op is BinaryOp.BOR:
        return a | b
    if op is BinaryOp.BXOR:
        return a ^ b
    raise FoldError(f"operation '{op.value}' cannot be evaluated at compile time")


def fold_concat(left: int, right: int, right_type: BitsType, result: BitsType) -> int:
    lo = right & ((1 << right_type.width) - 1)
    return reduce((left << right_type.width) | lo, result)


def fold_slice(value: int, hi: int, lo: int) -> int:
    return (value >> lo) & ((1 << (hi - lo + 1)) - 1)


def fold_cast(value: object, src: P4Type, dst: P4Type) -> object:
    """Explicit or implicit cast of a compile-time value (the checker has
    already decided the cast is legal). Enum/newtype wrappers are handled
    by the caller; here only the representation changes."""
    if isinstance(value, EnumMemberValue):
        value = value.value
    if isinstance(dst, BoolType):
        if isinstance(value, bool):
            return value
        if value not in (0, 1):
            raise FoldError(f"cannot cast {value} to bool (only 0 and 1 can be)")
        return value == 1
    if isinstance(value, bool):
        value = int(value)
    if not isinstance(value, int):
        return value
    if isinstance(dst, BitsType):
        return reduce(value, dst)
    if isinstance(dst, InfIntType):
        return value
    return value
