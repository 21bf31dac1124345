"""Bad input gets a positioned error in P4 terms, a non-zero exit, and no
Python traceback: every program under tests/programs/invalid is checked
through the real `ovs-p4c --check` command."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

INVALID = Path(__file__).resolve().parents[1] / "programs" / "invalid"

# program: (file the error must point into, line, column or None, message regex)
EXPECTED: dict[str, tuple[str, int, int | None, str]] = {
    "missing-semicolon.p4": ("missing-semicolon.p4", 4, 5, r"syntax error.*'bit'.*';'"),
    "unbalanced-brace.p4": ("unbalanced-brace.p4", 7, None, r"end of (file|input)"),
    "undeclared-name.p4": ("undeclared-name.p4", 4, 13, r"\by\b"),
    "undeclared-type.p4": ("undeclared-type.p4", 3, 5, r"ipv4_t"),
    "width-mismatch.p4": ("width-mismatch.p4", 5, None, r"bit<16>.*bit<8>|bit<8>.*bit<16>"),
    "duplicate-declaration.p4": (
        "duplicate-declaration.p4",
        4,
        None,
        r"\ba\b.*(duplicate|already|redeclar|re-declar)",
    ),
    "unknown-field.p4": ("unknown-field.p4", 5, None, r"\bg\b"),
    "assign-to-in-param.p4": (
        "assign-to-in-param.p4",
        4,
        None,
        r"\bx\b.*(read-only|'in'|cannot be (assigned|written)|l-?value)",
    ),
    "unknown-match-kind.p4": ("unknown-match-kind.p4", 5, None, r"fuzzy"),
    "wrong-argument-count.p4": ("wrong-argument-count.p4", 5, None, r"argument"),
    "bad-integer-literal.p4": ("bad-integer-literal.p4", 2, None, r"integer|literal|syntax"),
    "unterminated-comment.p4": ("unterminated-comment.p4", 2, None, r"comment"),
    "out-arg-not-lvalue.p4": ("out-arg-not-lvalue.p4", 5, None, r"l-?value|\bout\b"),
    "type-mismatch-bool.p4": ("type-mismatch-bool.p4", 4, None, r"bool"),
    "error-in-include.p4": ("included-with-error.p4", 4, None, r"\ba\b"),
    "missing-include.p4": ("missing-include.p4", 2, None, r"no-such-file\.p4"),
    "non-constant-width.p4": ("non-constant-width.p4", 4, None, r"constant|compile-time"),
    "undefined-action-in-table.p4": ("undefined-action-in-table.p4", 5, None, r"nope"),
    "unknown-state.p4": ("unknown-state.p4", 4, None, r"parse_nothing"),
    "huge-width.p4": ("huge-width.p4", 3, 9, r"too large"),
}

LOCATION = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): error: (?P<msg>.*)$")


def run_check(program: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ovsp4.cli.p4c", "--check", str(program)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_every_invalid_program_has_an_expectation() -> None:
    top_level = {p.name for p in INVALID.glob("*.p4") if not p.name.startswith("included-")}
    assert top_level == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_program_gets_positioned_error(name: str) -> None:
    file, line, column, pattern = EXPECTED[name]
    result = run_check(INVALID / name)
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert result.returncode == 1, output
    first = result.stderr.splitlines()[0] if result.stderr else ""
    m = LOCATION.match(first)
    assert m, f"not 'file:line:column: error: message': {first!r}"
    assert Path(m["file"]).name == file, first
    assert int(m["line"]) == line, first
    if column is not None:
        assert int(m["col"]) == column, first
    assert re.search(pattern, m["msg"]), first


def test_valid_program_checks_clean(tmp_path: Path) -> None:
    program = tmp_path / "ok.p4"
    program.write_text(
        "#include <core.p4>\n"
        "header h_t { bit<8> f; }\n"
        "control C(inout h_t h) { apply { h.f = h.f + 1; } }\n"
    )
    result = run_check(program)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run_check(tmp_path / "absent.p4")
    assert result.returncode == 2
    assert "absent.p4" in result.stderr
    assert "Traceback" not in result.stderr
