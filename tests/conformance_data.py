"""Where the third-party conformance data lives, and how tests skip without it.

The data is not part of the repository: CI has `../shared/conformance`
beside the clone. A clone without it skips only the suites that need it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CONFORMANCE = (REPO / ".." / "shared" / "conformance").resolve()
P4C_V1MODEL = CONFORMANCE / "p4c-v1model"
TUTORIALS = CONFORMANCE / "tutorials"

SKIP_REASON = (
    f"conformance data not found at {CONFORMANCE} (it lives in ../shared beside the clone)"
)

requires_conformance = pytest.mark.skipif(not CONFORMANCE.is_dir(), reason=SKIP_REASON)


def v1model_programs() -> list[Path]:
    """Every top-level program of the p4c v1model samples (not the skeletons
    that others include)."""
    if not P4C_V1MODEL.is_dir():
        return []
    included = {"arith-skeleton.p4", "arith-inline-skeleton.p4", "ml-headers.p4"}
    return sorted(p for p in P4C_V1MODEL.glob("*.p4") if p.name not in included)


def tutorial_programs() -> list[Path]:
    if not TUTORIALS.is_dir():
        return []
    return sorted(TUTORIALS.glob("*/*.p4"))


# -- Conformance tables ------------------------------------------------------
# Tests record one row per program; conftest prints a table per suite at the
# end of the run (pytest's own output lists only failures).

RESULTS: dict[str, list[tuple[str, str, str]]] = {}


def record(suite: str, program: str, status: str, detail: str = "") -> None:
    RESULTS.setdefault(suite, []).append((program, status, detail))


def format_tables() -> list[str]:
    lines: list[str] = []
    for suite, rows in sorted(RESULTS.items()):
        counts: dict[str, int] = {}
        for _, status, _ in rows:
            counts[status] = counts.get(status, 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        lines.append(f"== {suite}: {len(rows)} programs: {summary}")
        width = max(len(p) for p, _, _ in rows)
        for program, status, detail in sorted(rows):
            if status != "pass":
                lines.append(f"  {program:<{width}}  {status:<11}  {detail}")
    return lines
