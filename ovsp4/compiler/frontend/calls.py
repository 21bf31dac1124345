"""Calls: which declaration a call invokes, argument binding, generic
type-argument inference, direction checks; and constructor calls /
instantiations of externs, parsers, controls and packages.

Fills `MethodCall.kind/callee/builtin/bound_args/type_bindings` (and the
`constructor/bound_args` of constructor calls and instantiations).

Overloads (`mark_to_drop()` vs `mark_to_drop(smeta)`, the two
`packet_in.extract`s, `log_msg` with or without data) are told apart by the
number and names of the arguments, as the spec says; type arguments of a
generic callee are inferred by unifying parameter types with argument types
(an unsized `int` argument never decides a type variable on its own: it
takes the type the other arguments give, e.g. `random(x, 0, 255)`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ovsp4.compiler.frontend import typeutil as tu
from ovsp4.compiler.frontend.exprfmt import fmt, fmt_type_ref
from ovsp4.compiler.frontend.exprs import UnknownHeaderType, UnknownStructType
from ovsp4.compiler.frontend.operators import OperatorChecker
from ovsp4.compiler.frontend.scopes import describe, is_type_decl
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.nodes import CallKind, Direction
from ovsp4.compiler.ir.types import (
    ActionType,
    ControlType,
    DontCareType,
    ExternType,
    HeaderType,
    HeaderUnionType,
    InfIntType,
    MethodType,
    NamedType,
    P4Type,
    ParserType,
    StackType,
    TableApplyResultType,
    TableType,
    TupleType,
    TypeVar,
)

SIZE_BUILTINS = (
    "minSizeInBits",
    "minSizeInBytes",
    "maxSizeInBits",
    "maxSizeInBytes",
    "sizeInBits",
    "sizeInBytes",
)

# Declarations standing for the built-in methods, so that the `Member`
# naming one has a MethodType like any other method reference.
_BUILTIN_DECLS: dict[str, nodes.MethodDecl] = {}


def builtin_decl(name: str) -> nodes.MethodDecl:
    decl = _BUILTIN_DECLS.get(name)
    if decl is None:
        decl = _BUILTIN_DECLS[name] = nodes.MethodDecl(name=name)
    return decl


@dataclass
class Callee:
    """What a call resolved to, before its arguments are checked."""

    decl: nodes.Declaration | None
    kind: CallKind
    params: list[nodes.Parameter]
    return_type: P4Type
    type_params: list[nodes.TypeParameter] = field(default_factory=list)
    fixed: tu.Subst = field(default_factory=dict)  # e.g. an extern instance's type arguments
    builtin: str | None = None


class BindError(Exception):
    pass


def bind_arguments(
    params: list[nodes.Parameter], args: list[nodes.Argument]
) -> list[nodes.Argument | None]:
    """Match arguments to parameters (positional or all named); a missing
    argument is allowed for a parameter with a default value or @optional."""
    named = [a for a in args if a.name is not None]
    if named and len(named) != len(args):
        raise BindError("arguments must be either all positional or all named")
    bound: list[nodes.Argument | None] = [None] * len(params)
    if named:
        index = {p.name: i for i, p in enumerate(params)}
        for a in args:
            i = index.get(a.name)  # type: ignore[arg-type]
            if i is None:
                raise BindError(f"there is no parameter named '{a.name}'")
            if bound[i] is not None:
                raise BindError(f"parameter '{a.name}' is given twice")
            bound[i] = a
    else:
        if len(args) > len(params):
            raise BindError(f"too many arguments: {len(args)} given, at most {len(params)} taken")
        for i, a in enumerate(args):
            bound[i] = a
    for p, a in zip(params, bound, strict=True):
        if a is None and p.default is None and not p.has_annotation("optional"):
            raise BindError(f"missing argument for parameter '{p.name}'")
    return bound


class CallChecker(OperatorChecker):
    """Calls and constructor calls (mixin of the TypeChecker)."""

    # -- method calls ------------------------------------------------------

    def check_call(self, e: nodes.MethodCall) -> nodes.Expression:
        method = e.method
        if isinstance(method, nodes.PathExpression):
            found = self.resolve_path(method)
            first = found[0]
            if is_type_decl(first):
                return self._call_as_constructor(e, method)
            method.decl = first
            if isinstance(first, nodes.ActionDecl):
                method.type = ActionType(first)
                return self.check_action_call(e, first, in_table=False)
            funcs = [
                d for d in found if isinstance(d, (nodes.FunctionDecl, nodes.ExternFunctionDecl))
            ]
            if not funcs:
                raise self.error(f"{describe(first)} '{method.name}' cannot be called", method)
            callees = [self._function_callee(d) for d in funcs]
        elif isinstance(method, nodes.Member):
            callees = self._member_callees(e, method)
            if not callees:  # a size builtin folded to a constant
                return e
        else:
            raise self.error(f"'{fmt(method)}' cannot be called", method)
        callee, bound = self._choose(callees, e)
        if callee.decl is not None and isinstance(method, nodes.PathExpression):
            method.decl = callee.decl
        method.type = MethodType(callee.decl or builtin_decl(callee.builtin or "?"))
        self._finish_call(e, callee, bound)
        return e

    def _function_callee(self, d: nodes.FunctionDecl | nodes.ExternFunctionDecl) -> Callee:
        kind = CallKind.FUNCTION if isinstance(d, nodes.FunctionDecl) else CallKind.EXTERN_FUNCTION
        return Callee(d, kind, d.params, d.return_type.resolved, d.type_params)  # type: ignore[arg-type]

    def _member_callees(self, e: nodes.MethodCall, m: nodes.Member) -> list[Callee]:
        m.expr = self.check_expr(m.expr)
        target = m.expr
        denoted = self.denoted_type(target)
        if denoted is not None:
            if m.member in SIZE_BUILTINS:
                self._size_builtin(e, m, denoted)
                return []
            if m.member == "apply" and isinstance(denoted, (ControlType, ParserType)):
                m.expr = self._direct_instance(m, denoted)
                return [self._apply_callee(e, denoted)]
            raise self.error(f"type '{fmt(target)}' has no method '{m.member}'", m)
        if isinstance(target, (nodes.DontCare, nodes.DefaultExpression)):
            raise self.error(f"'{fmt(target)}' has no methods", m)
        t = target.type
        name = m.member
        if isinstance(t, ExternType):
            ext: nodes.ExternDecl = t.decl  # type: ignore[assignment]
            methods = ext.methods_named(name)
            if not methods:
                raise self.error(f"extern '{ext.name}' has no method named '{name}'", m)
            fixed = tu.decl_subst(t)
            return [
                Callee(
                    md,
                    CallKind.EXTERN_METHOD,
                    md.params,
                    md.return_type.resolved if md.return_type else tu.VOID,  # type: ignore[arg-type]
                    md.type_params,
                    fixed,
                )
                for md in methods
            ]
        if name == "apply":
            if isinstance(t, TableType):
                self._check_apply_context(e, "a table")
                return [Callee(t.decl, CallKind.TABLE_APPLY, [], TableApplyResultType(t.decl))]
            if isinstance(t, (ControlType, ParserType)):
                return [self._apply_callee(e, t)]
        if name in SIZE_BUILTINS:
            self._size_builtin(e, m, t)  # type: ignore[arg-type]
            return []
        if isinstance(t, (HeaderType, HeaderUnionType)):
            if name == "isValid":
                return [Callee(None, CallKind.BUILTIN, [], tu.BOOL, builtin=name)]
            if name in ("setValid", "setInvalid") and isinstance(t, HeaderType):
                self.require_lvalue(target, f"'{name}' needs a header that can be written")
                return [Callee(None, CallKind.BUILTIN, [], tu.VOID, builtin=name)]
        if isinstance(t, StackType) and name in ("push_front", "pop_front"):
            if self.ctx.parser is not None:
                raise self.error(f"'{name}' cannot be used in a parser", m)
            self.require_lvalue(target, f"'{name}' needs a stack that can be written")
            count = nodes.Parameter(name="count", type_ref=nodes.BaseTypeRef(name="int"))
            count.resolved_type = tu.INT
            return [Callee(None, CallKind.BUILTIN, [count], tu.VOID, builtin=name)]
        raise self.error(f"'{fmt(target)}' of type {t} has no method '{name}'", m)

    def _direct_instance(
        self, m: nodes.Member, t: ControlType | ParserType
    ) -> nodes.PathExpression:
        """`C.apply(...)` applies a control/parser type directly (P4 1.2.2):
        as p4c does, add an instance `C() C_inst` (named "C" for the control
        plane) to the enclosing control/parser and apply that."""
        decl = t.decl
        if not isinstance(decl, (nodes.ControlDecl, nodes.ParserDecl)):
            raise self.error(f"'{decl.name}' is a type without a body; it cannot be applied", m)
        if decl.ctor_params:
            raise self.error(
                f"'{decl.name}' has constructor parameters; instantiate it to apply it", m
            )
        owner = self.ctx.control if isinstance(t, ControlType) else self.ctx.parser
        if owner is None:
            what = "control" if isinstance(t, ControlType) else "parser"
            raise self.error(f"a {what} can only be applied inside a {what}", m)
        taken = {d.name for d in owner.locals}
        name = f"{decl.name}_inst"
        n = 0
        while name in taken or self.scope.lookup(name) is not None:
            name = f"{decl.name}_inst_{n}"
            n += 1
        ref = nodes.NamedTypeRef(loc=m.expr.loc, name=decl.name, decl=decl, resolved=t)
        label = nodes.AnnotationToken("string", decl.name)
        note = nodes.Annotation(
            name="name", tokens=[label], source_text=f'"{decl.name}"', has_parens=True
        )
        inst = nodes.Instantiation(
            loc=m.expr.loc, name=name, annotations=[note], type_ref=ref, resolved_type=t
        )
        owner.locals.insert(0, inst)
        return nodes.PathExpression(loc=m.expr.loc, name=name, decl=inst, type=t)

    def _apply_callee(self, e: nodes.MethodCall, t: ControlType | ParserType) -> Callee:
        decl = t.decl
        if isinstance(t, ControlType):
            if self.ctx.parser is not None or self.ctx.control is None:
                raise self.error("a control can only be applied inside a control", e)
            self._check_apply_context(e, "a control")
            kind = CallKind.CONTROL_APPLY
        else:
            if self.ctx.parser is None:
                raise self.error("a parser can only be applied inside a parser", e)
            kind = CallKind.PARSER_APPLY
        return Callee(decl, kind, decl.params, tu.VOID, [], tu.decl_subst(t))  # type: ignore[attr-defined]

    def _check_apply_context(self, e: nodes.Node, what: str) -> None:
        if self.ctx.action is not None:
            raise self.error(f"{what} cannot be applied inside an action", e)
        if self.ctx.function is not None:
            raise self.error(f"{what} cannot be applied inside a function", e)
        if self.ctx.parser is not None and what == "a table":
            raise self.error("a table cannot be applied inside a parser", e)
        if not self.ctx.in_apply:
            raise self.error(f"{what} can only be applied in the apply block of a control", e)

    def _size_builtin(self, e: nodes.MethodCall, m: nodes.Member, t: P4Type) -> None:
        if e.args or e.type_args:
            raise self.error(f"'{m.member}' takes no arguments", e)
        exact = m.member.startswith("size")
        if exact and tu.has_varbit(t):
            raise self.error(f"'{m.member}': {t} has no fixed size (it contains a varbit)", e)
        bits = tu.size_in_bits(t, maximum=m.member.startswith("max"))
        if bits is None:
            raise self.error(f"'{m.member}' is not defined on {t}", e)
        value = (bits + 7) // 8 if m.member.endswith("Bytes") else bits
        m.type = MethodType(builtin_decl(m.member))
        e.kind = CallKind.BUILTIN
        e.builtin = m.member
        e.type = tu.INT
        e.const_value = value

    def _choose(
        self, callees: list[Callee], e: nodes.MethodCall
    ) -> tuple[Callee, list[nodes.Argument | None]]:
        """The overload matching the arguments (by count and names)."""
        matches: list[tuple[Callee, list[nodes.Argument | None]]] = []
        problem = ""
        for c in callees:
            try:
                matches.append((c, bind_arguments(c.params, e.args)))
            except BindError as exc:
                problem = str(exc)
        what = self._call_name(e)
        if not matches:
            if len(callees) == 1:
                raise self.error(f"call of {what}: {problem}", e)
            raise self.error(
                f"no overload of {what} takes {len(e.args)} argument(s)"
                + (" with these names" if any(a.name for a in e.args) else ""),
                e,
            )
        if len(matches) > 1:
            # Prefer the overload that needs no default/optional parameters.
            exact = [mt for mt in matches if len(mt[0].params) == len(e.args)]
            if len(exact) == 1:
                return exact[0]
            raise self.error(f"call of {what} is ambiguous between overloads", e)
        return matches[0]

    @staticmethod
    def _call_name(e: nodes.MethodCall) -> str:
        return f"'{fmt(e.method)}'"

    def _finish_call(
        self, e: nodes.MethodCall, callee: Callee, bound: list[nodes.Argument | None]
    ) -> None:
        """Check the bound arguments, infer type arguments, set the call's
        semantic fields and type."""
        what = self._call_name(e)
        subst = self._infer(e, callee, bound, what)
        for p, a in zip(callee.params, bound, strict=True):
            if a is not None:
                self._check_argument(a, p, tu.substitute(p.resolved_type, subst), what)  # type: ignore[arg-type]
        ret = tu.substitute(callee.return_type, subst)
        if tu.contains_typevar(ret):
            raise self.error(f"cannot infer the return type of {what}; give type arguments", e)
        e.kind = callee.kind
        e.callee = callee.decl
        e.builtin = callee.builtin
        e.bound_args = _bound_exprs(callee.params, bound)
        e.type_bindings = {tv.name: t for tv, t in subst.items()}
        e.type = ret
        if callee.builtin in ("push_front", "pop_front"):
            count = e.bound_args[0]
            if count is None or not isinstance(count.const_value, int) or count.const_value < 0:
                raise self.error(f"the argument of '{callee.builtin}' must be a constant >= 0", e)
        decl = callee.decl
        if isinstance(decl, nodes.ExternFunctionDecl) and decl.name == "static_assert":
            self._static_assert(e)

    def _infer(
        self,
        e: nodes.MethodCall,
        callee: Callee,
        bound: list[nodes.Argument | None],
        what: str,
    ) -> tu.Subst:
        subst: tu.Subst = dict(callee.fixed)
        free = {tu.typevar_of(tp) for tp in callee.type_params}
        if e.type_args:
            if len(e.type_args) != len(callee.type_params):
                raise self.error(
                    f"{what} takes {len(callee.type_params)} type argument(s), "
                    f"not {len(e.type_args)}",
                    e,
                )
            for tp, ref in zip(callee.type_params, e.type_args, strict=True):
                subst[tu.typevar_of(tp)] = self.resolve_type(ref)
            free = set()
        for a in bound:
            if a is not None:
                a.expr = self.check_expr(a.expr)
        for weak in (True, False):
            for p, a in zip(callee.params, bound, strict=True):
                if a is None or isinstance(a.expr, nodes.DontCare):
                    continue
                want = tu.substitute(p.resolved_type, subst)  # type: ignore[arg-type]
                got = a.expr.type
                if isinstance(got, (UnknownStructType, UnknownHeaderType)) or (
                    isinstance(a.expr, nodes.ListExpression) and not isinstance(want, TypeVar)
                ):
                    if not weak and isinstance(want, TypeVar) and want not in subst:
                        # p4c invents an anonymous struct type here.
                        raise self.unsupported(
                            f"'{fmt(a.expr)}' without a type as the argument for the generic "
                            f"parameter '{p.name}' (write the type: (T){fmt(a.expr)})",
                            a.expr,
                        )
                    continue  # fitted to the parameter type afterwards
                assert got is not None
                if not tu.unify(want, got, subst, free, weak=weak):
                    raise self.error(
                        f"{what}: argument '{fmt(a.expr)}' of type {got} does not match "
                        f"parameter '{p.name}' of type {want}",
                        a.expr,
                    )
        for tv in free - subst.keys():
            # Only in omitted optional parameters, or only `_` given: no constraint.
            if not self._typevar_used(tv, callee, bound):
                subst[tv] = tu.DONT_CARE
            else:
                raise self.error(
                    f"cannot infer type argument '{tv.name}' of {what}; give it explicitly", e
                )
        return subst

    @staticmethod
    def _typevar_used(tv: TypeVar, callee: Callee, bound: list[nodes.Argument | None]) -> bool:
        for p, a in zip(callee.params, bound, strict=True):
            if a is not None and not isinstance(a.expr, nodes.DontCare):
                if tv in _typevars(p.resolved_type):  # type: ignore[arg-type]
                    return True
        return tv in _typevars(callee.return_type)

    def _check_argument(self, a: nodes.Argument, p: nodes.Parameter, pt: P4Type, what: str) -> None:
        where = f"argument for parameter '{p.name}' of {what}"
        if isinstance(a.expr, nodes.DontCare):
            if p.direction is not Direction.OUT:
                raise self.error(f"'_' can only be passed for an 'out' parameter ({where})", a.expr)
            a.expr.type = pt
            return
        if isinstance(pt, InfIntType) and p.direction is not Direction.NONE:
            raise self.error(
                f"{where}: cannot infer the width of '{fmt(a.expr)}'; give it a width (e.g. 8w5)",
                a.expr,
            )
        if _has_infint(pt) and p.direction is not Direction.NONE:
            raise self.error(
                f"{where}: cannot infer the width of the constants in '{fmt(a.expr)}'; "
                "give them widths (e.g. 8w5)",
                a.expr,
            )
        if p.direction in (Direction.OUT, Direction.INOUT):
            self.require_lvalue(a.expr, f"{where} ('{p.direction.value}')")
            if a.expr.type != pt and not isinstance(pt, DontCareType):
                raise self.error(
                    f"type mismatch in {where}: expected {pt}, but '{fmt(a.expr)}' has type "
                    f"{a.expr.type}",
                    a.expr,
                )
            return
        if self.denoted_type(a.expr) is not None:
            raise self.error(f"type '{fmt(a.expr)}' cannot be used as a value", a.expr)
        a.expr = self.coerce(a.expr, pt, where)

    def _static_assert(self, e: nodes.MethodCall) -> None:
        cond = e.bound_args[0]
        if cond is None or not isinstance(cond.const_value, bool):
            raise self.error("the condition of static_assert must be a compile-time constant", e)
        if not cond.const_value:
            msg = e.bound_args[1] if len(e.bound_args) > 1 else None
            text = msg.const_value if msg is not None else None
            raise self.error(f"static assertion failed: {text or fmt(cond)}", e)
        e.const_value = True

    # -- action calls -------------------------------------------------------

    def check_action_call(
        self, e: nodes.MethodCall, action: nodes.ActionDecl, *, in_table: bool
    ) -> nodes.Expression:
        """A direct call `a(args)` (all parameters bound), or, `in_table`, an
        action reference in a table (`actions = { a(x); }`, default_action,
        entries): then only the directional parameters are bound here and
        the directionless ones are left to the control plane."""
        if self.ctx.parser is not None:
            raise self.error("actions cannot be called inside a parser", e)
        if self.ctx.function is not None:
            raise self.error("actions cannot be called inside a function", e)
        if e.type_args:
            raise self.error("actions take no type arguments", e)
        if isinstance(e.method, nodes.PathExpression):
            e.method.decl = action
            e.method.type = ActionType(action)
        what = f"action '{action.name}'"
        params = action.params
        if in_table:
            try:
                bound = bind_directional(params, e.args)
            except BindError as exc:
                raise self.error(f"{what}: {exc}", e) from None
        else:
            try:
                bound = bind_arguments(params, e.args)
            except BindError as exc:
                raise self.error(f"call of {what}: {exc}", e) from None
        for p, a in zip(params, bound, strict=True):
            if a is not None:
                a.expr = self.check_expr(a.expr)
                self._check_argument(a, p, p.resolved_type, what)  # type: ignore[arg-type]
        e.kind = CallKind.ACTION
        e.callee = action
        e.bound_args = _bound_exprs(params, bound)
        e.type = tu.VOID
        return e

    # -- constructor calls and instantiations ------------------------------------

    def _call_as_constructor(
        self, e: nodes.MethodCall, method: nodes.PathExpression
    ) -> nodes.Expression:
        """`T(args)` where T names a type: a constructor call (the parser cannot
        tell it from a function call)."""
        ref = nodes.NamedTypeRef(
            loc=method.loc, name=method.name, type_args=e.type_args, is_global=method.is_global
        )
        cc = nodes.ConstructorCall(loc=e.loc, type_ref=ref, args=e.args)
        return self.check_constructor_call(cc)

    def check_constructor_call(self, e: nodes.ConstructorCall) -> nodes.Expression:
        t, ctor, bound = self.check_instance(e, e.type_ref, e.args)
        e.type = t
        e.constructor = ctor
        e.bound_args = bound
        return e

    def check_instance(
        self, node: nodes.Node, ref: nodes.TypeRef, args: list[nodes.Argument]
    ) -> tuple[P4Type, nodes.MethodDecl | None, list[nodes.Expression | None]]:
        """Type an instantiation `T(args)`: its type (with inferred type
        arguments), the extern constructor used, and the bound arguments."""
        t = self.resolve_type(ref, allow_generic=True)
        if not isinstance(t, NamedType):
            raise self.error(f"cannot instantiate type {t}", ref)
        decl = t.decl
        ctor: nodes.MethodDecl | None = None
        if isinstance(decl, nodes.ExternDecl):
            ctors = decl.constructors()
            if not ctors:
                raise self.error(f"extern '{decl.name}' has no constructor", node)
            callees = [Callee(c, CallKind.EXTERN_METHOD, c.params, tu.VOID) for c in ctors]
        elif isinstance(decl, (nodes.ParserDecl, nodes.ControlDecl)):
            callees = [Callee(decl, CallKind.EXTERN_METHOD, decl.ctor_params, tu.VOID)]
        elif isinstance(decl, nodes.PackageTypeDecl):
            callees = [Callee(decl, CallKind.EXTERN_METHOD, decl.params, tu.VOID)]
        elif isinstance(decl, (nodes.ParserTypeDecl, nodes.ControlTypeDecl)):
            raise self.error(
                f"'{decl.name}' is a {describe(decl)}; only a {describe(decl)[:-5]} "
                "declaration with a body can be instantiated",
                node,
            )
        else:
            raise self.error(f"{describe(decl)} '{decl.name}' cannot be instantiated", node)
        params = tu.type_params(decl)
        for c in callees:
            if t.type_args:
                c.fixed = tu.decl_subst(t)
            else:
                c.type_params = params
        name = nodes.PathExpression(name=fmt_type_ref(ref))
        call = nodes.MethodCall(loc=node.loc, method=name, args=args)
        callee, bound = self._choose(callees, call)
        subst = self._infer(call, callee, bound, f"'{fmt_type_ref(ref)}'")
        for p, a in zip(callee.params, bound, strict=True):
            if a is None:
                continue
            pt = tu.substitute(p.resolved_type, subst)  # type: ignore[arg-type]
            self._check_argument(a, p, pt, f"the constructor of '{decl.name}'")
            if not self.is_compile_time(a.expr):
                raise self.error(
                    f"constructor argument '{fmt(a.expr)}' must be a compile-time constant", a.expr
                )
        if params and not t.type_args:
            args = tuple(subst.get(tu.typevar_of(tp), tu.DONT_CARE) for tp in params)
            for tp, arg in zip(params, args, strict=True):
                if isinstance(arg, DontCareType):
                    raise self.error(
                        f"cannot infer type argument '{tp.name}' of '{decl.name}'; write "
                        f"{decl.name}<...>",
                        ref,
                    )
            t = type(t)(decl, args)
        if isinstance(callee.decl, nodes.MethodDecl):
            ctor = callee.decl
        return t, ctor, _bound_exprs(callee.params, bound)


def bind_directional(
    params: list[nodes.Parameter], args: list[nodes.Argument]
) -> list[nodes.Argument | None]:
    """Binding of an action reference in a table: arguments go to the
    directional parameters; the directionless ones belong to the control
    plane."""
    bound = [None] * len(params)  # type: list[nodes.Argument | None]
    if any(a.name is not None for a in args):
        index = {p.name: i for i, p in enumerate(params)}
        for a in args:
            i = index.get(a.name)  # type: ignore[arg-type]
            if i is None:
                raise BindError(f"there is no parameter named '{a.name}'")
            bound[i] = a
    else:
        if len(args) > len(params):
            raise BindError(f"too many arguments: {len(args)} given")
        for i, a in enumerate(args):
            bound[i] = a
    for p, a in zip(params, bound, strict=True):
        if p.direction is not Direction.NONE and a is None and p.default is None:
            raise BindError(f"parameter '{p.name}' ('{p.direction.value}') must be bound here")
    return bound


def _bound_exprs(
    params: list[nodes.Parameter], bound: list[nodes.Argument | None]
) -> list[nodes.Expression | None]:
    """Argument expressions in parameter order; a default value stands for
    an omitted argument, None for an omitted @optional one."""
    return [a.expr if a is not None else p.default for p, a in zip(params, bound, strict=True)]


def _typevars(t: P4Type) -> set[TypeVar]:
    if isinstance(t, TypeVar):
        return {t}
    out: set[TypeVar] = set()
    if isinstance(t, NamedType):
        for a in t.type_args:
            out |= _typevars(a)
    elif isinstance(t, StackType):
        out |= _typevars(t.element)
    elif isinstance(t, TupleType):
        for x in t.elements:
            out |= _typevars(x)
    return out


def _has_infint(t: P4Type) -> bool:
    if isinstance(t, InfIntType):
        return True
    if isinstance(t, TupleType):
        return any(_has_infint(x) for x in t.elements)
    return False
