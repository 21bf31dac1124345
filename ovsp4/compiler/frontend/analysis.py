"""Semantic analysis entry point: `analyze(program)`.

Passes, in order:

1. name resolution, type checking and constant folding, in one walk in
   source order (`typecheck.TypeChecker`: P4 requires declaration before
   use, so one ordered walk with a scope chain resolves every name);
2. structured annotation bodies (compile-time constants);
3. `main`: present and a package instance, when required;
4. a final sweep that every expression has a type and every type reference
   is resolved, so back ends can rely on it (a miss is a compiler bug,
   reported as a positioned error rather than a crash downstream).

The evaluation of `main` into the instance tree is the next stage
(`frontend/evaluate.py`).
"""

from __future__ import annotations

from ovsp4.compiler.diagnostics import CompileError, DiagnosticSink
from ovsp4.compiler.frontend.exprfmt import fmt
from ovsp4.compiler.frontend.exprs import UnknownHeaderType, UnknownStructType
from ovsp4.compiler.frontend.typecheck import TypeChecker
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.types import PackageType


def analyze(
    program: nodes.Program, *, require_main: bool, sink: DiagnosticSink | None = None
) -> nodes.Program:
    """Resolve, type and fold `program` in place; returns it."""
    checker = TypeChecker(sink)
    checker.check_program(program)
    _check_annotations(checker, program)
    if require_main:
        find_main(program)
    _verify(program)
    return program


def find_main(program: nodes.Program) -> nodes.Instantiation:
    """The top-level `... main;` package instance."""
    for d in program.declarations:
        if isinstance(d, nodes.Instantiation) and d.name == "main":
            if not isinstance(d.resolved_type, PackageType):
                raise CompileError(
                    f"'main' must be an instance of a package, not of {d.resolved_type}", d.loc
                )
            return d
    last = program.declarations[-1].loc if program.declarations else program.loc
    raise CompileError("the program has no 'main' (e.g. V1Switch(...) main;)", last)


def _check_annotations(checker: TypeChecker, program: nodes.Program) -> None:
    for node in program.walk():
        if not isinstance(node, nodes.Annotation):
            continue
        exprs = list(node.exprs) + [kv.expr for kv in node.kv]
        if not exprs:
            continue
        checked = [checker.check_value(e) for e in exprs]
        for e in checked:
            if e.const_value is None:
                raise CompileError(
                    f"@{node.name}: '{fmt(e)}' must be a compile-time constant", e.loc
                )
        node.exprs = checked[: len(node.exprs)]
        for kv, e in zip(node.kv, checked[len(node.exprs) :], strict=True):
            kv.expr = e


def _verify(program: nodes.Program) -> None:
    for node in program.walk():
        if isinstance(node, nodes.Expression):
            if node.type is None:
                raise CompileError(f"internal error: '{fmt(node)}' was not type-checked", node.loc)
            if isinstance(node.type, (UnknownStructType, UnknownHeaderType)):
                raise CompileError(
                    f"cannot infer the type of '{fmt(node)}'; cast it to the intended type",
                    node.loc,
                )
        elif isinstance(node, nodes.TypeRef) and node.resolved is None:
            raise CompileError(f"internal error: type '{fmt(node)}' was not resolved", node.loc)
