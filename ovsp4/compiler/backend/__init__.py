"""The C back end: the evaluated program -> C (Jinja2 templates) -> gcc ->
a pipeline shared object (datapath/include/ovsp4/pipeline.h).

    generate_c(compiled) -> str          the C source of the pipeline
    build_pipeline(compiled) -> Path     the .so, through the build cache

Lowering (program.py and the modules it uses) is separate from the
templates (templates/*.j2), which only lay the lowered program out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from ovsp4.compiler.driver import CompiledProgram


def generate_c(compiled: CompiledProgram) -> str:
    """The C source of a compiled program's pipeline."""
    from ovsp4.compiler.backend.program import ProgramGen
    from ovsp4.compiler.backend.render import render

    return render(ProgramGen(compiled))


def build_pipeline(compiled: CompiledProgram, **kwargs: object) -> Path:
    """Build (or find in the cache) the pipeline .so of a compiled program."""
    from ovsp4.compiler.backend.build import build_pipeline as build

    return build(compiled, **kwargs)  # type: ignore[arg-type]
