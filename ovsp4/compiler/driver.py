"""The compiler driver: runs the front end, the evaluator and the back ends.

    source --preprocess/parse--> IR --analyze--> typed IR --evaluate--> Toplevel
                                                               |--> P4Info
                                                               '--> C --gcc--> pipeline.so

Each stage is a module of its own; this file only sequences them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ovsp4.compiler.diagnostics import CompileError
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.blocks import Toplevel

SUPPORTED_ARCHS = ("v1model",)


@dataclass(frozen=True)
class CompileOptions:
    include_dirs: tuple[str, ...] = ()
    defines: tuple[tuple[str, str | None], ...] = ()
    arch: str = "v1model"


@dataclass
class CompiledProgram:
    # The IR's repr is the whole program tree: never print it by accident.
    path: Path
    program: nodes.Program = field(repr=False)
    toplevel: Toplevel | None = field(repr=False)  # None for a program without `main`
    p4info: object = field(repr=False)  # p4.config.v1.P4Info
    warnings: list[str] = field(default_factory=list)


def parse_and_check(
    path: str | Path, options: CompileOptions, *, require_main: bool
) -> nodes.Program:
    """Front end only: preprocess, parse, resolve and type-check."""
    from ovsp4.compiler.frontend.analysis import analyze
    from ovsp4.compiler.frontend.parser import parse_program

    if options.arch not in SUPPORTED_ARCHS:
        raise CompileError(
            f"unknown architecture '{options.arch}' (supported: {', '.join(SUPPORTED_ARCHS)})"
        )
    program = parse_program(
        Path(path), include_dirs=list(options.include_dirs), defines=list(options.defines)
    )
    return analyze(program, require_main=require_main)


def compile_program(path: str | Path, options: CompileOptions | None = None) -> CompiledProgram:
    """Compile a P4 program down to its evaluated IR and P4Info."""
    from ovsp4.compiler.frontend.evaluate import evaluate
    from ovsp4.compiler.p4info.generator import generate_p4info

    options = options or CompileOptions()
    program = parse_and_check(path, options, require_main=False)
    toplevel = evaluate(program, arch=options.arch)
    warnings = []
    if toplevel is None:
        warnings.append(f"{path}: warning: the program has no 'main': nothing to run")
    p4info = generate_p4info(toplevel)
    return CompiledProgram(Path(path), program, toplevel, p4info, warnings)
