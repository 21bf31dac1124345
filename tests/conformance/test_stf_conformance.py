"""p4c's STF packet tests for v1model, run in the simulator with BMv2's rules.

Every `.stf` of the p4c v1model samples runs through the same path as
`ovs-p4test`: compile, build the pipeline .so, load it, drive it. The
table printed at the end of the run lists every program that does not
pass, with the reason. KNOWN_GAPS names, with its reason, each test that
cannot pass yet; they are strict expected failures, so one that starts
passing must be taken off the list.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ovsp4.compiler.diagnostics import UnsupportedError

from conformance_data import P4C_V1MODEL, record, requires_conformance

SUITE = "STF packet tests (p4c-v1model samples, simulator)"

# program name -> why it cannot pass yet
KNOWN_GAPS: dict[str, str] = {
    "extern-funcs-bmv2": (
        "calls extern_func(), an extern function the program declares itself; BMv2 "
        "runs this test with a test-only module implementing it, OvS.p4 has no way "
        "to load implementations of program-declared externs"
    ),
}


def stf_tests() -> list[Path]:
    if not P4C_V1MODEL.is_dir():
        return []
    return sorted(P4C_V1MODEL.glob("*.stf"))


@requires_conformance
@pytest.mark.parametrize("stf", stf_tests(), ids=lambda p: p.stem)
def test_stf(stf: Path) -> None:
    from ovsp4.stf.simulate import run_stf

    program = stf.with_suffix(".p4")
    gap = KNOWN_GAPS.get(stf.stem)
    try:
        result = run_stf(program, stf)
    except UnsupportedError as exc:
        record(SUITE, stf.stem, "unsupported", str(exc))
        if gap is not None:
            pytest.xfail(gap)
        raise
    if not result.passed:
        record(SUITE, stf.stem, "fail", result.message.splitlines()[0])
        if gap is not None:
            pytest.xfail(gap)
        pytest.fail(result.message)
    record(SUITE, stf.stem, "pass", f"{result.packets_checked} packets checked")
    assert gap is None, f"{stf.stem} passes now: take it off KNOWN_GAPS ({gap})"
