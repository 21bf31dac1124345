"""The back end's own STF tests: tests/programs/backend/NAME.p4 with
NAME.stf, run in the simulator."""

from __future__ import annotations

import pytest
from test_backend_support import PROGRAMS, run_stf

STF_PROGRAMS = sorted(p.stem for p in PROGRAMS.glob("*.stf"))


@pytest.mark.parametrize("name", STF_PROGRAMS)
def test_stf(name: str) -> None:
    result = run_stf(PROGRAMS / f"{name}.p4", PROGRAMS / f"{name}.stf")
    assert result.passed, result.message
