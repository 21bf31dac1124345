"""Every P4 tutorial program and every p4c v1model sample either builds a
pipeline .so (the generated C compiles warning-free under -Wall -Werror
and links with the runtime) or is refused with a positioned
UnsupportedError. The table printed at the end lists the refused ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from ovsp4.compiler.backend import generate_c
from ovsp4.compiler.backend.build import CFLAGS, compile_c
from ovsp4.compiler.diagnostics import UnsupportedError
from ovsp4.compiler.driver import compile_program

import conformance_data as cd

PROGRAMS = cd.tutorial_programs() + cd.v1model_programs()
SUITE = "C back end: build"


@cd.requires_conformance
@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_program_builds_or_is_refused(path: Path) -> None:
    compiled = compile_program(path)
    if compiled.toplevel is None:
        cd.record(SUITE, path.name, "no main")
        return
    try:
        source = generate_c(compiled)
    except UnsupportedError as exc:
        assert exc.location is not None and exc.location.line > 0, str(exc)
        cd.record(SUITE, path.name, "unsupported", exc.message)
        return
    so = compile_c(source, path.stem, cflags=(*CFLAGS, "-Werror"))
    assert so.is_file()
    cd.record(SUITE, path.name, "pass")
