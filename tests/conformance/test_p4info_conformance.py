"""P4Info conformance: our P4Info equals p4c's for every p4c v1model sample.

Compared as protobuf messages field by field; only the order of the
top-level entity lists is normalised (see ovsp4.compiler.p4info.compare).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ovsp4.compiler.diagnostics import CompileError, UnsupportedError
from ovsp4.compiler.driver import compile_program
from ovsp4.compiler.p4info import serialize
from ovsp4.compiler.p4info.compare import diff_p4info

from conformance_data import P4C_V1MODEL, record, requires_conformance, v1model_programs

SUITE = "P4Info vs p4c (p4c-v1model samples)"


def _with_reference() -> list[Path]:
    return [p for p in v1model_programs() if p.with_name(p.name + ".p4info.txtpb").exists()]


def _without_reference() -> list[Path]:
    return [p for p in v1model_programs() if not p.with_name(p.name + ".p4info.txtpb").exists()]


@requires_conformance
@pytest.mark.parametrize("program", _with_reference(), ids=lambda p: p.name)
def test_p4info_matches_p4c(program: Path) -> None:
    expected = serialize.read(program.with_name(program.name + ".p4info.txtpb"))
    try:
        compiled = compile_program(program)
    except CompileError as exc:
        record(SUITE, program.name, "error", str(exc).splitlines()[0])
        raise
    diffs = diff_p4info(expected, compiled.p4info)
    if diffs:
        record(SUITE, program.name, "mismatch", f"{len(diffs)} differences, first: {diffs[0]}")
        pytest.fail(f"{len(diffs)} differences:\n" + "\n".join(diffs[:20]))
    record(SUITE, program.name, "pass")


@requires_conformance
@pytest.mark.parametrize("program", _without_reference(), ids=lambda p: p.name)
def test_program_without_reference_compiles_or_says_why(program: Path) -> None:
    """No reference P4Info: it must compile, or fail with a positioned
    error naming what is unsupported (never an internal error)."""
    try:
        compile_program(program)
    except UnsupportedError as exc:
        assert exc.location is not None, f"unsupported error without a position: {exc}"
        record(SUITE + " (no reference)", program.name, "unsupported", str(exc))
        return
    except CompileError as exc:
        assert exc.location is not None, f"error without a position: {exc}"
        record(SUITE + " (no reference)", program.name, "error", str(exc))
        return
    record(SUITE + " (no reference)", program.name, "pass")


def test_conformance_folder_is_where_ci_expects_it() -> None:
    """CI has ../shared beside the clone: there the suites must really run."""
    import os

    if os.environ.get("CI"):
        assert P4C_V1MODEL.is_dir(), f"CI without conformance data at {P4C_V1MODEL}"
