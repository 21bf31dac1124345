"""Random and truncated packets through every conformance pipeline never
crash or hang: each program runs in its own process with a time limit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conformance_data import record, requires_conformance, tutorial_programs, v1model_programs

FUZZER = Path(__file__).resolve().parents[1] / "tools" / "packet_fuzz.py"
SUITE = "packet fuzzing (random and truncated packets)"
TIME_LIMIT = 120  # seconds per program, build included


def programs() -> list[Path]:
    return v1model_programs() + tutorial_programs()


@requires_conformance
@pytest.mark.parametrize("program", programs(), ids=lambda p: p.stem)
def test_pipeline_survives_random_packets(program: Path) -> None:
    from ovsp4.compiler.diagnostics import CompileError
    from ovsp4.compiler.driver import compile_program

    try:
        compiled = compile_program(program)
    except CompileError as exc:
        pytest.skip(f"does not compile: {exc}")  # the compiler suites report it
    if compiled.toplevel is None:
        pytest.skip("no main: nothing to run")
    stf = program.with_suffix(".stf")
    cmd = [sys.executable, str(FUZZER), str(program)] + ([str(stf)] if stf.exists() else [])
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        record(SUITE, program.stem, "hang", f"no answer in {TIME_LIMIT} s")
        pytest.fail(f"{program.name}: no answer in {TIME_LIMIT} s")
    if result.returncode != 0 and "UnsupportedError" in result.stderr:
        record(SUITE, program.stem, "unsupported", result.stderr.strip().splitlines()[-1])
        pytest.skip("the back end does not support this program (reported by the STF suite)")
    if result.returncode != 0:
        record(SUITE, program.stem, "crash", f"exit {result.returncode}")
        pytest.fail(f"exit status {result.returncode}\n{result.stdout}\n{result.stderr[-3000:]}")
    record(SUITE, program.stem, "pass")
