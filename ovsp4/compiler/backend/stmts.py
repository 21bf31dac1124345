"""Lowering of P4 statements to lines of C.

Each P4 block becomes a C block (P4 and C scoping agree), so P4 locals
become C locals. Temporaries that expressions need are declared just
before the statement that uses them. `#line`-style comments are not
emitted per statement; each generated function starts with a comment
naming the P4 object and its source line.
"""

from __future__ import annotations

from ovsp4.compiler.backend import scalar
from ovsp4.compiler.backend.cnames import C_KEYWORDS
from ovsp4.compiler.backend.ctype_map import bits_of, is_code_type, strip_newtype
from ovsp4.compiler.backend.env import Binding, Env, zero_init
from ovsp4.compiler.backend.exprs import ExprGen, num
from ovsp4.compiler.diagnostics import UnsupportedError
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.types import (
    ActionEnumType,
    BitsType,
    BoolType,
    HeaderType,
    HeaderUnionType,
    InfIntType,
    P4Type,
    StackType,
)

INDENT = "    "
RESERVED = frozenset({"ctx", "f", "fr", "key", "entry", "act", "st", "res"})


def local_name(env: Env, name: str) -> str:
    """A C name for a P4 local/parameter (P4 names, unless reserved)."""
    if name in C_KEYWORDS or name in RESERVED or name.startswith(("ovsp4_", "_")):
        return env.fresh(f"p4_{name}")
    return name


def reset_code(gen: ExprGen, code: str, t: P4Type) -> list[str]:
    """Statements giving an `out` parameter (or uninitialised variable)
    its initial value: invalid headers, zeros."""
    ctype = gen.stype(t)
    return (
        [f"{code} = ({ctype}) {zero_init(ctype)};"]
        if ctype.startswith("struct")
        else [f"{code} = {zero_init(ctype)};"]
    )


class StmtGen:
    def __init__(self, env: Env) -> None:
        self.env = env
        self.gen = ExprGen(env)

    def child(self) -> StmtGen:
        return StmtGen(self.env.child())

    # -- blocks --------------------------------------------------------------

    def block_body(self, block: nodes.BlockStatement) -> list[str]:
        """The statements of a block, in the current scope."""
        out: list[str] = []
        for comp in block.components:
            out.extend(self.component(comp))
        return out

    def component(self, comp: nodes.Node) -> list[str]:
        start = len(self.env.temps)
        guard_start = len(self.env.guards)
        if isinstance(comp, nodes.VariableDecl):
            lines = self.var_decl(comp)
        elif isinstance(comp, (nodes.ConstDecl,)):
            lines = []
        elif isinstance(comp, nodes.Statement):
            lines = self.statement(comp)
        elif isinstance(comp, nodes.Instantiation):
            raise UnsupportedError("instantiations inside a block", comp.loc)
        else:
            raise UnsupportedError(f"'{type(comp).__name__}' in a block", comp.loc)
        temps = self.env.temps[start:]
        del self.env.temps[start:]
        guards = self.env.guards[guard_start:]
        del self.env.guards[guard_start:]
        pre = [*temps, *self.guard_lines(guards)]
        return pre + lines

    def guard_lines(self, guards: list[tuple[str, str]]) -> list[str]:
        out = []
        for cond, err in guards:
            code = self.env.prog.error_code(err)
            out.append(
                f"if (OVSP4_UNLIKELY({cond})) {{ ctx->parser_error = {code}; goto ovsp4_stop; }}"
            )
        return out

    def var_decl(self, d: nodes.VariableDecl) -> list[str]:
        t = self.gen.t(d.resolved_type)
        ctype = self.gen.stype(t, d.loc)
        name = local_name(self.env, d.name)
        if d.init is not None:
            init = (
                self.gen.convert(d.init, t, d)
                if not isinstance(d.init.type, InfIntType)
                else self.gen.value(d.init, t)
            )
            lines = [f"OVSP4_UNUSED {ctype} {name} = {init};"]
        else:
            lines = [f"OVSP4_UNUSED {ctype} {name} = {zero_init(ctype)};"]
        self.env.bind(d, Binding(name, t))
        return lines

    # -- statements ---------------------------------------------------------------

    def statement(self, s: nodes.Statement) -> list[str]:
        method = getattr(self, "_s_" + type(s).__name__, None)
        if method is None:
            raise UnsupportedError(f"the statement '{type(s).__name__}'", s.loc)
        return method(s)  # type: ignore[no-any-return]

    def nested(self, s: nodes.Statement) -> list[str]:
        """A statement as the body of if/else/loops: always a C block."""
        inner = self.child()
        if isinstance(s, nodes.BlockStatement):
            lines = inner.block_body(s)
        else:
            lines = inner.component(s)
        return [INDENT + line for line in lines]

    def _s_BlockStatement(self, s: nodes.BlockStatement) -> list[str]:
        inner = self.child()
        body = inner.block_body(s)
        if not body:
            return []
        return ["{", *(INDENT + x for x in body), "}"]

    def _s_EmptyStatement(self, s: nodes.EmptyStatement) -> list[str]:
        return []

    def _s_AssignmentStatement(self, s: nodes.AssignmentStatement) -> list[str]:
        return self.gen.assign_expr(s.left, s.right, s)

    def _s_MethodCallStatement(self, s: nodes.MethodCallStatement) -> list[str]:
        if s.call.const_value is not None:  # static_assert and friends
            return []
        return self.gen.calls.statement(s.call)

    def _s_IfStatement(self, s: nodes.IfStatement) -> list[str]:
        c = s.cond.const_value
        if isinstance(c, bool):
            # p4c removes the dead branch before anything else (actions only
            # used there are unused): so do we.
            taken = s.then if c else s.otherwise
            return (
                self._s_BlockStatement(
                    taken
                    if isinstance(taken, nodes.BlockStatement)
                    else nodes.BlockStatement(components=[taken], loc=taken.loc)
                )
                if taken is not None
                else []
            )
        cond = self.gen.cond(s.cond)
        lines = [f"if ({cond}) {{", *self.nested(s.then)]
        other = s.otherwise
        while other is not None:
            if isinstance(other, nodes.IfStatement) and not isinstance(
                other.cond.const_value, bool
            ):
                lines.append(f"}} else if ({self._else_if_cond(other, lines)}) {{")
                lines.extend(self.nested(other.then))
                other = other.otherwise
                continue
            lines.append("} else {")
            lines.extend(self.nested(other))
            break
        lines.append("}")
        return lines

    def _else_if_cond(self, s: nodes.IfStatement, lines: list[str]) -> str:
        # temporaries of the condition land in env.temps: declared before
        # the whole if statement, assigned inside the condition
        return self.gen.cond(s.cond)

    def _s_ExitStatement(self, s: nodes.ExitStatement) -> list[str]:
        if self.env.exit_code is None:
            raise UnsupportedError("'exit' here", s.loc)
        self.env.prog.uses.add("exit")
        return ["ctx->exited = true;", self.env.exit_code]

    def _s_ReturnStatement(self, s: nodes.ReturnStatement) -> list[str]:
        if s.expr is None:
            return (
                ["return;"]
                if self.env.return_type in (None, "void")
                else [f"return ({self.env.return_type}) {{ 0 }};"]
            )
        t = self.env.prog.current_return_type(self.env)
        value = (
            self.gen.convert(s.expr, t, s)
            if not isinstance(s.expr.type, InfIntType)
            else self.gen.value(s.expr, t)
        )
        return [f"return {value};"]

    def _s_SwitchStatement(self, s: nodes.SwitchStatement) -> list[str]:
        t = strip_newtype(self.gen.t(s.expr.type))
        subject = self.gen.value(s.expr)
        if isinstance(t, ActionEnumType):
            labels = [self._action_label(c.label) for c in s.cases]
        else:
            n = num(t)
            if not (is_code_type(t) or (n is not None and n.cls == "small")):
                return self._switch_as_ifs(s, t, subject)
            labels = [
                None if isinstance(c.label, nodes.DefaultExpression) else self.gen.value(c.label, t)
                for c in s.cases
            ]
        lines = [f"switch ({subject}) {{"]
        for case, label in zip(s.cases, labels, strict=True):
            lines.append(f"{'default' if label is None else 'case ' + label}:")
            if case.body is not None:
                lines.append(INDENT + "{")
                lines.extend(INDENT + x for x in self.nested(case.body))
                lines.append(INDENT + "}")
                lines.append(INDENT + "break;")
        lines.append("}")
        return lines

    def _switch_as_ifs(self, s: nodes.SwitchStatement, t: P4Type, subject: str) -> list[str]:
        tmp = self.env.temp(self.gen.ctype(t), "sw")
        lines = [f"{tmp} = {subject};"]
        pending: list[str] = []
        first = True
        default_body: nodes.BlockStatement | None = None
        n = num(t)
        for case in s.cases:
            if isinstance(case.label, nodes.DefaultExpression):
                default_body = case.body
                continue
            value = self.gen.value(case.label, t)
            pending.append(scalar.compare("==", tmp, value, n) if n else f"{tmp} == {value}")
            if case.body is None:
                continue
            kw = "if" if first else "} else if"
            lines.append(f"{kw} ({' || '.join(pending)}) {{")
            lines.extend(self.nested(case.body))
            pending = []
            first = False
        if default_body is not None:
            lines.append("{" if first else "} else {")
            lines.extend(self.nested(default_body))
        if not first or default_body is not None:
            lines.append("}")
        return lines

    def _action_label(self, label: nodes.Expression) -> str | None:
        if isinstance(label, nodes.DefaultExpression):
            return None
        decl = getattr(label, "decl", None)
        if not isinstance(decl, nodes.ActionDecl):
            raise UnsupportedError("this switch label", label.loc)
        return self.env.prog.action_run_code(self.env.block, decl)

    # -- loops (p4c's extension) ---------------------------------------------------

    def _s_ForStatement(self, s: nodes.ForStatement) -> list[str]:
        inner = self.child()
        lines: list[str] = []
        for init in s.init:
            lines.extend(inner.component(init))
        cond = inner.gen.cond(s.cond)
        updates: list[str] = []
        for u in s.updates:
            updates.extend(inner.statement(u))
        label = self.env.fresh("ovsp4_next")
        inner.env.continue_label = label
        body = inner.nested(s.body)
        # A loop whose bound the packet controls may never end (`i <= 255`
        # on a bit<8>): P4 does not say, but a switch must not hang. Past
        # MAX_LOOP_ITERATIONS the packet is dropped, as if by an `exit`.
        if self.env.exit_code is None:
            raise UnsupportedError("a 'for' loop here (it could not stop a runaway)", s.loc)
        self.env.prog.uses.update(("exit", "abort"))
        iters = self.env.fresh("ovsp4_iters")
        lines.append(f"uint32_t {iters} = 0;")
        lines.append(f"while ({cond}) {{")
        lines.append(
            f"{INDENT}if (OVSP4_UNLIKELY(++{iters} > {MAX_LOOP_ITERATIONS})) {{ "
            f'ovsp4_rt_log(ctx->t, "packet dropped: a loop ran over {MAX_LOOP_ITERATIONS} '
            f'iterations"); ctx->aborted = true; ctx->exited = true; {self.env.exit_code} }}'
        )
        lines.extend(body)
        lines.append(f"{INDENT}{label}: OVSP4_UNUSED;")
        lines.extend(INDENT + u for u in updates)
        lines.append("}")
        return ["{", *(INDENT + x for x in lines), "}"]

    def _s_ForInStatement(self, s: nodes.ForInStatement) -> list[str]:
        coll = s.collection
        if not (isinstance(coll, nodes.Binary) and coll.op is nodes.BinaryOp.RANGE):
            raise UnsupportedError("'for ... in' over anything but a range", s.loc)
        inner = self.child()
        t = inner.gen.t(s.decl.resolved_type)
        ctype = inner.gen.stype(t)
        var = local_name(inner.env, s.decl.name)
        inner.env.bind(s.decl, Binding(var, t))
        lo = inner.gen.value(coll.left, t)
        hi_tmp = inner.env.fresh("hi")
        hi = inner.gen.value(coll.right, t)
        label = self.env.fresh("ovsp4_next")
        inner.env.continue_label = label
        body = inner.nested(s.body)
        lines = [
            f"{inner.gen.ctype(t)} {hi_tmp} = {hi};",
            f"for ({ctype} {var} = {lo}; {var} <= {hi_tmp}; {var}++) {{",
            *body,
            f"{INDENT}{label}: OVSP4_UNUSED;",
            f"{INDENT}if ({var} == {hi_tmp}) break;",
            "}",
        ]
        return ["{", *(INDENT + x for x in lines), "}"]

    def _s_BreakStatement(self, s: nodes.BreakStatement) -> list[str]:
        return ["break;"]

    def _s_ContinueStatement(self, s: nodes.ContinueStatement) -> list[str]:
        if self.env.continue_label is None:
            raise UnsupportedError("'continue' outside a loop", s.loc)
        return [f"goto {self.env.continue_label};"]


MAX_LOOP_ITERATIONS = 1 << 16


def is_header_like(t: P4Type) -> bool:
    t = strip_newtype(t)
    return isinstance(t, (HeaderType, HeaderUnionType, StackType))


def scalar_width(t: P4Type) -> int | None:
    t = strip_newtype(t)
    if isinstance(t, BoolType):
        return 1
    b = bits_of(t)
    if isinstance(b, BitsType):
        return b.width
    return None
