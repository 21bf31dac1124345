"""The type checker: declarations and statements, in source order.

`TypeChecker` is one object assembled from a chain of mixins, one module
each: `checkbase` (scopes, context, type references) <- `exprs`
(expressions, implicit casts, l-values) <- `operators` (operators, casts,
`?:`) <- `calls` (calls, overloads, generics, instantiations) <- `tables`
<- this module, which adds declarations (resolving their types and
declaring their names in scope as it meets them) and statements.
`analysis.analyze` is the entry point.
"""

from __future__ import annotations

from collections.abc import Callable

from ovsp4.compiler.frontend import typeutil as tu
from ovsp4.compiler.frontend.exprfmt import fmt
from ovsp4.compiler.frontend.exprs import STATE
from ovsp4.compiler.frontend.scopes import builtin_states, describe
from ovsp4.compiler.frontend.tables import TableChecker
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.nodes import Direction
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
    InfIntType,
    NewType,
    P4Type,
    PackageType,
    ParserType,
    SetType,
    StackType,
    StringType,
    StructType,
    TupleType,
    ValueSetType,
    VarbitType,
)

Handler = Callable[["TypeChecker", nodes.Node], None]


class TypeChecker(TableChecker):
    """Resolves and types a whole program in place."""

    def check_program(self, program: nodes.Program) -> None:
        for d in program.declarations:
            self.check_declaration(d)

    # -- declarations ------------------------------------------------------

    def check_declaration(self, d: nodes.Declaration) -> None:
        handler = _DECLS.get(type(d))
        if handler is None:
            raise self.unsupported(f"{describe(d)} declaration '{d.name}' here", d)
        handler(self, d)

    def _const(self, d: nodes.ConstDecl) -> None:
        t = self.resolve_type(d.type_ref)
        value = self.check_value(d.value)
        d.value = self.coerce(value, t, f"constant '{d.name}'")
        if d.value.const_value is None:
            raise self.error(
                f"the value of constant '{d.name}' is not a compile-time constant: "
                f"'{fmt(d.value)}'",
                d.value,
            )
        d.resolved_type = t
        self.declare(d)

    def _variable(self, d: nodes.VariableDecl) -> None:
        t = self.resolve_type(d.type_ref)
        if isinstance(t, (InfIntType, StringType)) or tu.is_object_type(t):
            raise self.error(f"cannot declare a variable of type {t}", d.type_ref)
        if d.init is not None:
            d.init = self.coerce(self.check_value(d.init), t, f"initializer of '{d.name}'")
        d.resolved_type = t
        self.declare(d)

    def _typedef(self, d: nodes.TypedefDecl) -> None:
        t = self.resolve_type(d.type_ref)
        if d.is_newtype and not isinstance(t, (BitsType, BoolType, NewType)):
            raise self.error(f"'type' can only define a new type over bit<W> or bool, not {t}", d)
        d.resolved_type = t
        self.declare(d)

    def _struct_like(self, d: nodes.StructLikeDecl) -> None:
        with self.scoped("type", d):
            self.declare_type_params(d.type_params)
            seen: set[str] = set()
            for f in d.fields:
                if f.name in seen:
                    raise self.error(f"duplicate field '{f.name}' in {describe(d)} '{d.name}'", f)
                seen.add(f.name)
                f.resolved_type = self.resolve_type(f.type_ref)
                self._check_field_type(d, f)
        self.declare(d)

    def _check_field_type(self, d: nodes.StructLikeDecl, f: nodes.StructField) -> None:
        t = f.resolved_type
        assert t is not None
        if isinstance(d, nodes.HeaderDecl):
            if not tu.is_header_field_type(t) and not tu.contains_typevar(t):
                raise self.error(f"header field '{f.name}' cannot have type {t}", f)
            if isinstance(t, VarbitType) and any(
                isinstance(g.resolved_type, VarbitType) for g in d.fields if g is not f
            ):
                raise self.error(f"header '{d.name}' has more than one varbit field", f)
        elif isinstance(d, nodes.HeaderUnionDecl):
            if not isinstance(t, HeaderType):
                raise self.error(f"header_union field '{f.name}' must be a header, not {t}", f)
        elif tu.is_object_type(t) or isinstance(t, (InfIntType, StringType)):
            raise self.error(f"struct field '{f.name}' cannot have type {t}", f)

    def _enum(self, d: nodes.EnumDecl) -> None:
        underlying: BitsType | None = None
        if d.underlying is not None:
            u = self.resolve_type(d.underlying)
            if not isinstance(u, BitsType):
                raise self.error(f"an enum's underlying type must be bit<W> or int<W>, not {u}", d)
            underlying = u
            d.resolved_underlying = u
        seen: set[str] = set()
        for m in d.members:
            if m.name in seen:
                raise self.error(f"duplicate member '{m.name}' in enum '{d.name}'", m)
            seen.add(m.name)
            if underlying is None:
                if m.value is not None:
                    raise self.error("only an enum with an underlying type has member values", m)
                continue
            if m.value is None:
                raise self.error(f"member '{m.name}' of enum '{d.name}' needs a value", m)
            m.value = self.coerce(self.check_value(m.value), underlying, f"enum member '{m.name}'")
            if not isinstance(m.value.const_value, int):
                raise self.error(f"the value of '{m.name}' must be a compile-time constant", m)
            m.const_value = m.value.const_value
        self.declare(d)

    def _error_decl(self, d: nodes.ErrorDecl) -> None:
        self.names.add_errors(d)

    def _match_kind_decl(self, d: nodes.MatchKindDecl) -> None:
        self.names.add_match_kinds(d, self.global_scope)

    def check_params(self, params: list[nodes.Parameter], owner: str) -> None:
        """Resolve and declare parameters (in the current scope)."""
        for p in params:
            t = self.resolve_type(p.type_ref)
            p.resolved_type = t
            if isinstance(t, InfIntType) and p.direction is not Direction.NONE:
                raise self.error(f"parameter '{p.name}' of type int must be directionless", p)
            if isinstance(t, (ParserType, ControlType)) and owner not in ("package", "constructor"):
                raise self.error(f"parameter '{p.name}' cannot have type {t}", p)
            if p.default is not None:
                e = self.check_value(p.default)
                p.default = self.coerce(e, t, f"default value of '{p.name}'")
                if not self.is_compile_time(p.default):
                    raise self.error(
                        f"the default value of '{p.name}' must be a compile-time constant",
                        p.default,
                    )
            self.declare(p)

    def _extern(self, d: nodes.ExternDecl) -> None:
        with self.scoped("extern", d):
            self.declare_type_params(d.type_params)
            for m in d.methods:
                if m.is_constructor and m.name != d.name:
                    raise self.error(f"constructor '{m.name}' of extern '{d.name}' misnamed", m)
                with self.scoped("method", m):
                    self.declare_type_params(m.type_params)
                    if m.return_type is not None:
                        self.resolve_type(m.return_type)
                    self.check_params(m.params, "constructor" if m.is_constructor else "method")
                self.declare(m)
        self.declare(d)

    def _extern_function(self, d: nodes.ExternFunctionDecl) -> None:
        with self.scoped("function", d):
            self.declare_type_params(d.type_params)
            self.resolve_type(d.return_type)
            self.check_params(d.params, "function")
        self.declare(d)

    def _function(self, d: nodes.FunctionDecl) -> None:
        with self.scoped("function", d):
            self.declare_type_params(d.type_params)
            ret = self.resolve_type(d.return_type)
            self.check_params(d.params, "function")
            with self.inside(
                function=d, return_type=ret, action=None, in_apply=False, in_loop=False
            ):
                self.check_block(d.body)
        if not isinstance(ret, tu.VoidType) and not _always_returns(d.body):
            raise self.error(f"function '{d.name}' does not return a value on every path", d)
        self.declare(d)

    def _action(self, d: nodes.ActionDecl) -> None:
        seen_data = False
        for p in d.params:
            if p.direction is Direction.NONE:
                seen_data = True
            elif seen_data:
                raise self.error(
                    f"parameter '{p.name}' of action '{d.name}': parameters with a direction "
                    "must come before directionless ones",
                    p,
                )
        with self.scoped("action", d):
            self.check_params(d.params, "action")
            for p in d.params:
                if isinstance(p.resolved_type, InfIntType):
                    raise self.error(f"action parameter '{p.name}' cannot have type int", p)
            with self.inside(action=d, in_apply=False, in_loop=False):
                self.check_block(d.body)
        self.declare(d)

    def _type_decl_with_params(
        self, d: nodes.ParserTypeDecl | nodes.ControlTypeDecl | nodes.PackageTypeDecl
    ) -> None:
        with self.scoped("type", d):
            self.declare_type_params(d.type_params)
            owner = "package" if isinstance(d, nodes.PackageTypeDecl) else "apply"
            self.check_params(d.params, owner)
        self.declare(d)

    def _parser(self, d: nodes.ParserDecl) -> None:
        with self.scoped("parser", d):
            self.declare_type_params(d.type_params)
            self.check_params(d.params, "apply")
            self.check_params(d.ctor_params, "constructor")
            with self.inside(parser=d, control=None, action=None, in_apply=False):
                for local in list(d.locals):  # direct applies may add instances
                    self._local(local)
                # States share the parser's namespace; all are visible from
                # every state (forward references are allowed).
                for state in builtin_states(d):
                    clash = self.scope.names.get(state.name)
                    if clash:
                        raise self.error(
                            f"'{state.name}' is the name of a built-in parser state", clash[0]
                        )
                    self.declare(state)
                for state in d.states:
                    self.declare(state)
                for state in d.states:
                    self._state(state)
        self.declare(d)

    def _local(self, d: nodes.Declaration) -> None:
        if isinstance(d, (nodes.ParserDecl, nodes.ControlDecl, nodes.PackageTypeDecl)):
            raise self.error(f"a {describe(d)} cannot be declared here", d)
        self.check_declaration(d)

    def _state(self, s: nodes.ParserState) -> None:
        with self.scoped("state", s):
            for c in s.components:
                self.check_component(c)
            if s.transition is not None:
                s.transition = self._transition(s.transition)

    def _transition(self, t: nodes.Expression) -> nodes.Expression:
        if isinstance(t, nodes.PathExpression):
            self._state_ref(t)
            return t
        if isinstance(t, nodes.SelectExpression):
            self._select(t)
            return t
        raise self.error(f"a transition must name a state or be a select, not '{fmt(t)}'", t)

    def _state_ref(self, e: nodes.PathExpression) -> None:
        found = (self.global_scope if e.is_global else self.scope).lookup(e.name)
        if not found:
            raise self.error(f"parser state '{e.name}' is not declared", e)
        if not isinstance(found[0], nodes.ParserState):
            raise self.error(f"'{e.name}' is a {describe(found[0])}, not a parser state", e)
        e.decl = found[0]
        e.type = STATE

    def _select(self, sel: nodes.SelectExpression) -> None:
        sel.keys = [self.check_value(k) for k in sel.keys]
        key_types: list[P4Type] = []
        for k in sel.keys:
            assert k.type is not None
            if not _is_select_type(k.type):
                raise self.error(f"'{fmt(k)}' of type {k.type} cannot be used in select", k)
            key_types.append(k.type)
        for case in sel.cases:
            case.keyset = self._select_keyset(case.keyset, key_types)
            self._state_ref(case.state)
        sel.type = STATE

    def _select_keyset(self, ks: nodes.Expression, key_types: list[P4Type]) -> nodes.Expression:
        where = "a select case"
        if isinstance(ks, (nodes.DefaultExpression, nodes.DontCare)):
            ks.type = tu.DONT_CARE
            return ks
        if isinstance(ks, nodes.PathExpression):
            found = self.resolve_path(ks)
            if isinstance(found[0], nodes.ValueSetDecl):
                ks = self.check_value(ks)
                self._check_value_set_keys(ks, key_types)
                return ks
        if isinstance(ks, nodes.ListExpression) and (len(key_types) != 1 or len(ks.elements) == 1):
            if len(ks.elements) != len(key_types):
                raise self.error(
                    f"the case has {len(ks.elements)} value(s) for {len(key_types)} select key(s)",
                    ks,
                )
            ks.elements = [
                self._keyset_element(x, t, where)
                for x, t in zip(ks.elements, key_types, strict=True)
            ]
            ks.type = TupleType(tuple(x.type for x in ks.elements))  # type: ignore[misc]
            return ks
        if len(key_types) != 1:
            raise self.error(f"the case has one value for {len(key_types)} select keys", ks)
        return self._keyset_element(ks, key_types[0], where)

    def _keyset_element(self, e: nodes.Expression, t: P4Type, where: str) -> nodes.Expression:
        e = self.check_keyset(e, t, where)
        if isinstance(e.type, (DontCareType, ValueSetType)):
            return e
        if not self.is_compile_time(e):
            raise self.error(f"select case value '{fmt(e)}' must be a compile-time constant", e)
        return e

    def _check_value_set_keys(self, e: nodes.Expression, key_types: list[P4Type]) -> None:
        vs: nodes.ValueSetDecl = e.decl  # type: ignore[attr-defined,assignment]
        et = vs.resolved_type
        assert et is not None
        if len(key_types) == 1 and et == key_types[0]:
            return
        if isinstance(et, StructType):
            fields = [ft for _, ft in tu.struct_fields(et)]
        elif isinstance(et, TupleType):
            fields = list(et.elements)
        else:
            fields = [et]
        if fields != key_types:
            keys = ", ".join(map(str, key_types))
            raise self.error(
                f"value_set '{vs.name}' of {et} does not match the select keys ({keys})", e
            )

    def _value_set(self, d: nodes.ValueSetDecl) -> None:
        if self.ctx.parser is None:
            raise self.error("a value_set can only be declared in a parser", d)
        d.resolved_type = self.resolve_type(d.element_type)
        size = self.const_int(d.size, "the size of a value_set")
        d.size = self.check_expr(d.size)
        if size < 0:
            raise self.error("the size of a value_set must not be negative", d.size)
        self.declare(d)

    def _control(self, d: nodes.ControlDecl) -> None:
        with self.scoped("control", d):
            self.declare_type_params(d.type_params)
            self.check_params(d.params, "apply")
            self.check_params(d.ctor_params, "constructor")
            with self.inside(control=d, parser=None, action=None, in_apply=False):
                for local in list(d.locals):  # direct applies may add instances
                    self._local(local)
                with self.inside(in_apply=True):
                    self.check_block(d.body)
        self.declare(d)

    def _table(self, d: nodes.TableDecl) -> None:
        if self.ctx.control is None:
            raise self.error("a table can only be declared in a control", d)
        self.check_table(d)
        self.declare(d)

    def _instantiation(self, d: nodes.Instantiation) -> None:
        if d.initializer is not None:
            raise self.unsupported("instantiation with an initializer block (abstract methods)", d)
        t, ctor, bound = self.check_instance(d, d.type_ref, d.args)
        if isinstance(t, PackageType) and self.ctx.control is not None:
            raise self.error("a package can only be instantiated at the top level", d)
        d.resolved_type = t
        d.constructor = ctor
        d.bound_args = bound
        self.declare(d)

    # -- statements ------------------------------------------------------------

    def check_block(self, b: nodes.BlockStatement) -> None:
        with self.scoped("block", b):
            for c in b.components:
                self.check_component(c)

    def check_component(self, c: nodes.Node) -> None:
        if isinstance(c, (nodes.VariableDecl, nodes.ConstDecl)):
            self.check_declaration(c)
        elif isinstance(c, nodes.Instantiation):
            if self.ctx.parser is None:
                raise self.error("instances cannot be declared inside a block", c)
            self.check_declaration(c)
        elif isinstance(c, nodes.Statement):
            self.check_statement(c)
        else:
            raise self.error(f"a {describe(c)} cannot be declared here", c)  # type: ignore[arg-type]

    def check_statement(self, s: nodes.Statement) -> None:
        handler = _STMTS.get(type(s))
        if handler is None:
            raise self.unsupported(f"statement {type(s).__name__}", s)
        handler(self, s)

    def _assign(self, s: nodes.AssignmentStatement) -> None:
        s.left = self.check_value(s.left)
        self.require_lvalue(s.left, f"cannot assign to '{fmt(s.left)}'")
        target = s.left.type
        assert target is not None
        s.right = self.coerce(self.check_value(s.right), target, f"assignment to '{fmt(s.left)}'")

    def _call_stmt(self, s: nodes.MethodCallStatement) -> None:
        result = self.check_call(s.call)
        if not isinstance(result, nodes.MethodCall):
            raise self.error(f"'{fmt(s.call)}' constructs an instance; it is not a statement", s)
        s.call = result

    def _block(self, s: nodes.BlockStatement) -> None:
        self.check_block(s)

    def _if(self, s: nodes.IfStatement) -> None:
        s.cond = self.check_bool(s.cond, "the condition of 'if'")
        self._branch(s.then)
        if s.otherwise is not None:
            self._branch(s.otherwise)

    def _branch(self, s: nodes.Statement) -> None:
        with self.scoped("block", s):
            self.check_statement(s)

    def _switch(self, s: nodes.SwitchStatement) -> None:
        s.expr = self.check_value(s.expr)
        t = s.expr.type
        on_actions = isinstance(t, ActionEnumType)
        if not on_actions and not isinstance(t, (BitsType, EnumType, ErrorType)):
            if isinstance(t, InfIntType):
                raise self.error(
                    f"switch on '{fmt(s.expr)}' of unknown width; give it a width", s.expr
                )
            raise self.error(f"cannot switch on '{fmt(s.expr)}' of type {t}", s.expr)
        seen: set[object] = set()
        for i, case in enumerate(s.cases):
            label = case.label
            if isinstance(label, nodes.DefaultExpression):
                if i != len(s.cases) - 1:
                    raise self.error("'default' must be the last switch label", label)
                label.type = tu.DONT_CARE
            elif on_actions:
                case.label = self._action_label(label, t)  # type: ignore[arg-type]
                key: object = case.label.decl  # type: ignore[attr-defined]
                if key in seen:
                    raise self.error(f"duplicate switch label '{fmt(label)}'", label)
                seen.add(key)
            else:
                case.label = self.coerce(self.check_value(label), t, "a switch label")  # type: ignore[arg-type]
                value = case.label.const_value
                if value is None:
                    raise self.error(f"switch label '{fmt(label)}' must be a constant", label)
                if value in seen:
                    raise self.error(f"duplicate switch label '{fmt(label)}'", label)
                seen.add(value)
            if case.body is not None:
                self.check_block(case.body)
            elif i == len(s.cases) - 1:
                raise self.error("the last switch case needs a body", case)

    def _action_label(self, label: nodes.Expression, t: ActionEnumType) -> nodes.Expression:
        if not isinstance(label, nodes.PathExpression):
            raise self.error(f"switch label '{fmt(label)}' must be an action name", label)
        found = self.resolve_path(label)
        decl = found[0]
        table: nodes.TableDecl = t.decl  # type: ignore[assignment]
        prop = table.property("actions")
        listed = []
        for ref in prop.actions if prop is not None else []:
            e = ref.expr
            listed.append(e.callee if isinstance(e, nodes.MethodCall) else e.decl)  # type: ignore[attr-defined]
        if not isinstance(decl, nodes.ActionDecl) or decl not in listed:
            raise self.error(f"'{label.name}' is not an action of table '{table.name}'", label)
        label.decl = decl
        label.type = ActionType(decl)
        return label

    def _for(self, s: nodes.ForStatement) -> None:
        with self.scoped("loop", s):
            for c in s.init:
                self.check_component(c)
            s.cond = self.check_bool(s.cond, "the condition of 'for'")
            for u in s.updates:
                self.check_statement(u)
            with self.inside(in_loop=True):
                self._branch(s.body)

    def _for_in(self, s: nodes.ForInStatement) -> None:
        with self.scoped("loop", s):
            var = s.decl
            t = self.resolve_type(var.type_ref)
            var.resolved_type = t
            s.collection = self._loop_collection(s.collection, t, var.name)
            self.declare(var)
            with self.inside(in_loop=True):
                self._branch(s.body)

    def _loop_collection(self, e: nodes.Expression, t: P4Type, var: str) -> nodes.Expression:
        """What `for (T var in e)` iterates over: a range `lo .. hi` of T, a
        header stack of T, or a list of T values."""
        where = f"the values of loop variable '{var}'"
        if isinstance(e, nodes.Binary) and e.op is nodes.BinaryOp.RANGE:
            if not isinstance(t, (BitsType, InfIntType)):
                raise self.error(f"a range loop needs an integer loop variable, not {t}", e)
            e.left = self.coerce(self.check_value(e.left), t, where)
            e.right = self.coerce(self.check_value(e.right), t, where)
            e.type = SetType(t)
            return e
        if isinstance(e, nodes.ListExpression):
            e.elements = [self.coerce(self.check_value(x), t, where) for x in e.elements]
            e.type = TupleType(tuple(t for _ in e.elements))
            return e
        e = self.check_value(e)
        if not isinstance(e.type, StackType) or e.type.element != t:
            raise self.error(f"cannot iterate over '{fmt(e)}' of type {e.type} with a {t}", e)
        return e

    def _break(self, s: nodes.Statement) -> None:
        if not self.ctx.in_loop:
            word = "break" if isinstance(s, nodes.BreakStatement) else "continue"
            raise self.error(f"'{word}' outside a loop", s)

    def _exit(self, s: nodes.ExitStatement) -> None:
        if self.ctx.parser is not None:
            raise self.error("'exit' cannot be used in a parser", s)
        if self.ctx.function is not None:
            raise self.error("'exit' cannot be used in a function", s)

    def _return(self, s: nodes.ReturnStatement) -> None:
        if self.ctx.parser is not None:
            raise self.error("'return' cannot be used in a parser", s)
        ret = self.ctx.return_type
        if self.ctx.function is None or ret is None or isinstance(ret, tu.VoidType):
            if s.expr is not None:
                raise self.error("'return' with a value outside a function returning one", s)
            return
        if s.expr is None:
            raise self.error(f"'return' needs a value of type {ret}", s)
        s.expr = self.coerce(self.check_value(s.expr), ret, "the return value")

    def _empty(self, s: nodes.Statement) -> None:
        return


def _is_select_type(t: P4Type) -> bool:
    if isinstance(t, (BitsType, BoolType, EnumType, ErrorType)):
        return True
    if isinstance(t, NewType):
        return _is_select_type(t.underlying)
    if isinstance(t, TupleType):
        return all(_is_select_type(x) for x in t.elements)
    return False


def _always_returns(s: nodes.Node) -> bool:
    """Does every path through `s` end in return or exit?"""
    if isinstance(s, (nodes.ReturnStatement, nodes.ExitStatement)):
        return True
    if isinstance(s, nodes.BlockStatement):
        return any(_always_returns(c) for c in s.components)
    if isinstance(s, nodes.IfStatement):
        return s.otherwise is not None and _always_returns(s.then) and _always_returns(s.otherwise)
    if isinstance(s, nodes.SwitchStatement):
        has_default = any(isinstance(c.label, nodes.DefaultExpression) for c in s.cases)
        bodies = [c.body for c in s.cases if c.body is not None]
        return has_default and all(_always_returns(b) for b in bodies)
    return False


_DECLS: dict[type, Handler] = {
    nodes.ConstDecl: TypeChecker._const,
    nodes.VariableDecl: TypeChecker._variable,
    nodes.TypedefDecl: TypeChecker._typedef,
    nodes.HeaderDecl: TypeChecker._struct_like,
    nodes.HeaderUnionDecl: TypeChecker._struct_like,
    nodes.StructDecl: TypeChecker._struct_like,
    nodes.EnumDecl: TypeChecker._enum,
    nodes.ErrorDecl: TypeChecker._error_decl,
    nodes.MatchKindDecl: TypeChecker._match_kind_decl,
    nodes.ExternDecl: TypeChecker._extern,
    nodes.ExternFunctionDecl: TypeChecker._extern_function,
    nodes.FunctionDecl: TypeChecker._function,
    nodes.ActionDecl: TypeChecker._action,
    nodes.ParserTypeDecl: TypeChecker._type_decl_with_params,
    nodes.ControlTypeDecl: TypeChecker._type_decl_with_params,
    nodes.PackageTypeDecl: TypeChecker._type_decl_with_params,
    nodes.ParserDecl: TypeChecker._parser,
    nodes.ControlDecl: TypeChecker._control,
    nodes.TableDecl: TypeChecker._table,
    nodes.Instantiation: TypeChecker._instantiation,
    nodes.ValueSetDecl: TypeChecker._value_set,
}  # type: ignore[dict-item]

_STMTS: dict[type, Handler] = {
    nodes.AssignmentStatement: TypeChecker._assign,
    nodes.MethodCallStatement: TypeChecker._call_stmt,
    nodes.BlockStatement: TypeChecker._block,
    nodes.IfStatement: TypeChecker._if,
    nodes.SwitchStatement: TypeChecker._switch,
    nodes.ForStatement: TypeChecker._for,
    nodes.ForInStatement: TypeChecker._for_in,
    nodes.BreakStatement: TypeChecker._break,
    nodes.ContinueStatement: TypeChecker._break,
    nodes.ExitStatement: TypeChecker._exit,
    nodes.ReturnStatement: TypeChecker._return,
    nodes.EmptyStatement: TypeChecker._empty,
}  # type: ignore[dict-item]
