"""Every p4c v1model sample and every tutorial program passes the front end
(parse, resolve, type-check, fold), or fails with an explicit, positioned
UnsupportedError for a construct OvS.p4 does not implement (listed below,
so that a new failure is a regression, not a silent skip)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ovsp4.compiler.diagnostics import CompileError, UnsupportedError
from ovsp4.compiler.frontend.analysis import analyze
from ovsp4.compiler.frontend.parser import parse_program
from ovsp4.compiler.ir import nodes

from conformance_data import record, requires_conformance, tutorial_programs, v1model_programs

SUITE = "front end: parse and type-check"

# program -> what it uses that OvS.p4 does not support (UnsupportedError).
EXPECTED_UNSUPPORTED: dict[str, str] = {}


def _front_end(program: Path) -> nodes.Program:
    # A few samples have no `main` (p4c only warns, and emits an empty
    # P4Info): the front end is checked here, `main` by the compile tests.
    return analyze(parse_program(program), require_main=False)


@requires_conformance
@pytest.mark.parametrize(
    "program",
    v1model_programs() + tutorial_programs(),
    ids=lambda p: p.name if p.parent.name == "p4c-v1model" else f"tutorials/{p.name}",
)
def test_program_type_checks(program: Path) -> None:
    name = program.name
    try:
        _front_end(program)
    except UnsupportedError as exc:
        record(SUITE, name, "unsupported", str(exc).splitlines()[0])
        assert exc.location is not None, f"unsupported without a position: {exc}"
        assert name in EXPECTED_UNSUPPORTED, f"newly unsupported: {exc}"
        return
    except CompileError as exc:
        record(SUITE, name, "fail", str(exc).splitlines()[0])
        raise
    record(SUITE, name, "pass")
    assert name not in EXPECTED_UNSUPPORTED, "now supported: remove it from the list"


@requires_conformance
def test_largest_tutorial_front_end_is_fast() -> None:
    programs = tutorial_programs()
    if not programs:
        pytest.skip("no tutorials")
    largest = max(programs, key=lambda p: len(p.read_text().splitlines()))
    _front_end(largest)  # warm caches (parser tables)
    start = time.perf_counter()
    _front_end(largest)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"{largest.name}: front end took {elapsed:.2f}s"
