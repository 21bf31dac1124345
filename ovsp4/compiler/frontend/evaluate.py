"""Evaluate `main` into the instance tree, and name every control-plane object.

Works on the resolved, typed program. Like p4c's evaluator after its naming
passes (InstantiateDirectCalls, Inline with HierarchicalNames,
LocalizeAllActions, RemoveAllUnusedDeclarations), it yields one Block per
parser/control/extern instance and gives each table, action, extern
instance and value set its fully qualified control-plane name, following
Documentation/p4info-rules.md (section numbers below refer to it):

- objects of a control passed to `main` are prefixed with the control's
  *declaration* name (`MyIngress.ipv4_lpm`, §4.2);
- objects of a control instantiated inside another (`C() c1;`) get the
  instance's path (`MyIngress.c1.t`); a direct `C.apply()` is an instance
  named `C` (§4.3);
- `@name("x")` replaces the local name, `@name(".x")` the whole name;
- top-level actions keep their global name, shared by all users (§4.4);
- tables never applied and actions never used are dropped; extern
  instances never are (§3, §9.1).
"""

from __future__ import annotations

from ovsp4.compiler.diagnostics import CompileError, UnsupportedError
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.blocks import (
    ActionInstance,
    Block,
    ControlBlock,
    ExternBlock,
    PackageBlock,
    ParserBlock,
    TableInstance,
    Toplevel,
    ValueSetInstance,
)
from ovsp4.compiler.ir.types import ExternType, NamedType

# Table properties whose value is an extern instance attached to the table.
ATTACHED_PROPERTIES = ("implementation", "counters", "meters")


def local_name(decl: nodes.Declaration) -> str:
    return decl.name_annotation() or decl.name


def control_plane_name(prefix: tuple[str, ...], decl: nodes.Declaration) -> str:
    """`prefix.name`, with `@name` applied (a leading dot makes it global)."""
    return qualify(prefix, local_name(decl))


def qualify(prefix: tuple[str, ...], name: str) -> str:
    if name.startswith("."):
        return name[1:]
    return ".".join((*prefix, name))


def _constant(expr: nodes.Expression | None) -> object:
    if expr is None:
        return None
    value = expr.const_value
    return value if value is not None else expr


def _calls(node: nodes.Node, kind: nodes.CallKind) -> list[nodes.MethodCall]:
    return [n for n in live_nodes(node) if isinstance(n, nodes.MethodCall) and n.kind is kind]


def live_nodes(node: nodes.Node) -> list[nodes.Node]:
    """`node.walk()` minus the branches of `if`s on constants, which p4c's
    front end removes before anything is named (so an action called only
    there is unused)."""
    out: list[nodes.Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        out.append(n)
        if isinstance(n, nodes.IfStatement) and isinstance(n.cond.const_value, bool):
            taken = n.then if n.cond.const_value else n.otherwise
            if taken is not None:
                stack.append(taken)
            continue
        stack.extend(reversed(list(n.children())))
    return out


def _call_target_decl(call: nodes.MethodCall) -> nodes.Declaration | None:
    """For `x.apply()`: what `x` names (an instance, or a type applied directly)."""
    method = call.method
    if not isinstance(method, nodes.Member):
        return None
    target = method.expr
    if isinstance(target, nodes.PathExpression):
        return target.decl
    if isinstance(target, nodes.TypeNameExpression):
        ref = target.type_ref
        if isinstance(ref, nodes.NamedTypeRef):
            return ref.decl
        resolved = ref.resolved
        return resolved.decl if isinstance(resolved, NamedType) else None
    return None


class Evaluator:
    def __init__(self, program: nodes.Program, arch: str) -> None:
        self.program = program
        self.arch = arch
        self.globals: dict[str, Block] = {}
        self.global_actions: dict[int, ActionInstance] = {}
        self.no_action = next(
            (
                d
                for d in program.declarations
                if isinstance(d, nodes.ActionDecl) and d.name == "NoAction"
            ),
            None,
        )

    # -- entry --------------------------------------------------------------

    def run(self) -> Toplevel | None:
        """The evaluated program, or None when it has no `main`."""
        main: Block | None = None
        main_decl: nodes.Instantiation | None = None
        for decl in self.program.declarations:
            if not isinstance(decl, nodes.Instantiation):
                continue
            if decl.name == "main":
                main_decl = decl
                continue
            block = self._instantiate(decl, decl.name, (), None, named=decl)
            self.globals[decl.name] = block
        if main_decl is None:
            return None
        main = self._instantiate(main_decl, "main", (), None, named=main_decl)
        if not isinstance(main, PackageBlock):
            raise CompileError("'main' must be an instance of a package", main_decl.loc)
        return Toplevel(self.program, main, self.arch, self.globals)

    # -- instances ----------------------------------------------------------

    def _type_decl(
        self, type_ref: nodes.TypeRef, where: nodes.Node
    ) -> tuple[nodes.Declaration, NamedType | None]:
        resolved = type_ref.resolved
        if isinstance(resolved, NamedType):
            return resolved.decl, resolved
        if isinstance(type_ref, nodes.NamedTypeRef) and type_ref.decl is not None:
            return type_ref.decl, None
        raise CompileError(f"cannot instantiate type '{resolved}'", where.loc)

    def _instantiate(
        self,
        node: nodes.Instantiation | nodes.ConstructorCall,
        name: str,
        path: tuple[str, ...],
        parent: Block | None,
        *,
        named: nodes.Declaration | None,
    ) -> Block:
        """An Instantiation or ConstructorCall -> a Block. `path` is the
        prefix of names inside it (for an extern: of its own name)."""
        decl, resolved = self._type_decl(node.type_ref, node)
        if isinstance(decl, nodes.PackageTypeDecl):
            block = PackageBlock(name, decl, node, (), parent)
            self._bind(block, decl.params, node)
            for pname, value in block.ctor_args.items():
                if isinstance(value, Block):
                    block.children[pname] = value
            return block
        if isinstance(decl, nodes.ControlDecl):
            control = ControlBlock(name, decl, node, path or (decl.name,), parent)
            self._bind(control, decl.ctor_params, node)
            self._control(control)
            return control
        if isinstance(decl, nodes.ParserDecl):
            parser = ParserBlock(name, decl, node, path or (decl.name,), parent)
            self._bind(parser, decl.ctor_params, node)
            self._parser(parser)
            return parser
        if isinstance(decl, nodes.ExternDecl):
            extern_type = resolved if isinstance(resolved, ExternType) else None
            prefix = parent.path if parent is not None else ()
            cp = control_plane_name(prefix, named) if named is not None else None
            extern = ExternBlock(name, decl, node, prefix, parent, type=extern_type, cp_name=cp)
            params = node.constructor.params if node.constructor is not None else []
            self._bind(extern, params, node)
            return extern
        raise UnsupportedError(f"instantiating {decl.name}", node.loc)

    def _bind(
        self,
        block: Block,
        params: list[nodes.Parameter],
        node: nodes.Instantiation | nodes.ConstructorCall,
    ) -> None:
        """Constructor arguments by parameter name (semantic analysis matched
        positional, named and default arguments to the parameters)."""
        bound = node.bound_args
        for index, param in enumerate(params):
            expr = bound[index] if index < len(bound) else None
            if expr is None:
                expr = param.default
            if expr is None:
                continue
            block.ctor_args[param.name] = self._argument_value(expr, block)

    def _argument_value(self, expr: nodes.Expression, block: Block) -> object:
        """A constructor argument: a constant, or an instance (a nested
        constructor call or a reference to an instance declared earlier)."""
        if isinstance(expr, nodes.ConstructorCall):
            decl, _ = self._type_decl(expr.type_ref, expr)
            # A control or parser passed to `main` is named after its type.
            return self._instantiate(expr, decl.name, (decl.name,), block, named=None)
        if isinstance(expr, nodes.PathExpression) and isinstance(expr.decl, nodes.Instantiation):
            scope = block.parent
            while scope is not None:
                found = getattr(scope, "children", {}).get(expr.decl.name)
                if found is not None:
                    return found
                scope = scope.parent
            found = self.globals.get(expr.decl.name)
            if found is not None:
                return found
        return _constant(expr)

    # -- controls -----------------------------------------------------------

    def _local_instances(self, block: ControlBlock | ParserBlock, body: nodes.Node) -> None:
        """Instances declared in a control or parser, and the instances
        p4c's InstantiateDirectCalls creates for `Type.apply()`."""
        decl = block.decl
        assert isinstance(decl, (nodes.ControlDecl, nodes.ParserDecl))
        for local in decl.locals:
            if isinstance(local, nodes.Instantiation):
                path = (*block.path, local_name(local).lstrip("."))
                block.children[local.name] = self._instantiate(
                    local, local.name, path, block, named=local
                )
        kinds = (nodes.CallKind.CONTROL_APPLY, nodes.CallKind.PARSER_APPLY)
        for kind in kinds:
            for call in _calls(body, kind):
                target = _call_target_decl(call)
                if isinstance(target, (nodes.ControlDecl, nodes.ParserDecl)):
                    if target.name in block.children:
                        continue
                    ctor = nodes.ConstructorCall(
                        type_ref=nodes.NamedTypeRef(name=target.name, loc=call.loc), loc=call.loc
                    )
                    ctor.type_ref.decl = target  # type: ignore[attr-defined]
                    block.children[target.name] = self._instantiate(
                        ctor, target.name, (*block.path, target.name), block, named=None
                    )

    def _control(self, block: ControlBlock) -> None:
        decl: nodes.ControlDecl = block.decl  # type: ignore[assignment]
        prefix = block.path
        self._local_instances(block, decl.body)
        # Tables are applied in the apply block, or in another table's key
        # (`t.apply().hit : exact`).
        applied = {id(c.callee) for c in _calls(decl, nodes.CallKind.TABLE_APPLY)}
        local_actions = {id(a): a for a in decl.locals if isinstance(a, nodes.ActionDecl)}
        used: dict[int, ActionInstance] = {}

        def use(action: nodes.ActionDecl, in_table: bool) -> None:
            inst = used.get(id(action))
            if inst is None:
                if id(action) in local_actions:
                    name = control_plane_name(prefix, action)
                    inst = ActionInstance(action, block, name, in_table=in_table)
                else:
                    inst = self._global_action(action)
                used[id(action)] = inst
            if in_table:
                inst.in_table = True

        for local in decl.locals:
            if isinstance(local, nodes.TableDecl) and id(local) in applied:
                table = TableInstance(local, block, control_plane_name(prefix, local))
                block.tables.append(table)
                self._attach(table, block, prefix)
                for action in self._table_actions(local):
                    use(action, in_table=True)
        for call in _calls(decl.body, nodes.CallKind.ACTION):
            if isinstance(call.callee, nodes.ActionDecl):
                use(call.callee, in_table=False)
        block.actions = list(used.values())

    def _table_actions(self, table: nodes.TableDecl) -> list[nodes.ActionDecl]:
        found: list[nodes.ActionDecl] = []
        prop = table.property("actions")
        exprs = [ref.expr for ref in prop.actions] if prop is not None else []
        default = table.property("default_action")
        if default is not None and default.value is not None:
            exprs.append(default.value)
        elif self.no_action is not None and self.no_action not in found:
            # p4c's CreateBuiltins: a table without default_action has
            # `default_action = NoAction()`, so NoAction is used (§8).
            found.append(self.no_action)
        for expr in exprs:
            target = expr.method if isinstance(expr, nodes.MethodCall) else expr
            decl = getattr(target, "decl", None)
            if isinstance(decl, nodes.ActionDecl) and decl not in found:
                found.append(decl)
        return found

    def _global_action(self, action: nodes.ActionDecl) -> ActionInstance:
        inst = self.global_actions.get(id(action))
        if inst is None:
            # p4c's LocalizeAllActions: a top-level action's name is global,
            # with or without a dot in its @name (p4c issue 4969).
            name = local_name(action).lstrip(".")
            inst = ActionInstance(action, None, name, in_table=False)
            self.global_actions[id(action)] = inst
        return inst

    def _attach(self, table: TableInstance, block: ControlBlock, prefix: tuple[str, ...]) -> None:
        for prop_name in ATTACHED_PROPERTIES:
            prop = table.decl.property(prop_name)
            if prop is None or prop.value is None:
                continue
            value = prop.value
            if isinstance(value, nodes.ConstructorCall):
                ext = self._instantiate(value, prop_name, prefix, block, named=None)
                if isinstance(ext, ExternBlock):
                    # HierarchicalNames does not look inside table properties:
                    # an in-place instance keeps the property's @name as is.
                    ext.cp_name = (prop.name_annotation() or table.cp_name).lstrip(".")
                    table.attached[prop_name] = ext
                continue
            if isinstance(value, nodes.PathExpression) and isinstance(
                value.decl, nodes.Instantiation
            ):
                found = block.children.get(value.decl.name) or self.globals.get(value.decl.name)
                if isinstance(found, ExternBlock):
                    table.attached[prop_name] = found

    # -- parsers ------------------------------------------------------------

    def _parser(self, block: ParserBlock) -> None:
        decl: nodes.ParserDecl = block.decl  # type: ignore[assignment]
        states = nodes.BlockStatement(components=list(decl.states))
        self._local_instances(block, states)
        for local in decl.locals:
            if isinstance(local, nodes.ValueSetDecl):
                size = local.size.const_value
                block.value_sets.append(
                    ValueSetInstance(
                        local,
                        block,
                        control_plane_name(block.path, local),
                        local.resolved_type,
                        int(size) if isinstance(size, int) else 0,
                    )
                )


def evaluate(program: nodes.Program, *, arch: str = "v1model") -> Toplevel | None:
    """Evaluate `main`; None for a program without one (as p4c, whose
    P4Info is then empty)."""
    toplevel = Evaluator(program, arch).run()
    program.toplevel = toplevel
    return toplevel
