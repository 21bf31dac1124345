"""The P4 tutorials' programs compile, and the names their runtime files use
(tables, actions, match fields, action parameters) exist in our P4Info."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ovsp4.compiler.driver import compile_program

from conformance_data import record, requires_conformance, tutorial_programs

SUITE = "tutorials: compile and runtime-file names"


def _runtime_files(program: Path) -> list[Path]:
    return sorted(program.parent.rglob("*-runtime.json"))


def _check_names(p4info: object, runtime: dict) -> list[str]:
    tables = {t.preamble.name: t for t in p4info.tables}  # type: ignore[attr-defined]
    actions = {a.preamble.name: a for a in p4info.actions}  # type: ignore[attr-defined]
    problems = []
    for entry in runtime.get("table_entries", []):
        table = tables.get(entry["table"])
        if table is None:
            problems.append(f"no table {entry['table']}")
            continue
        fields = {f.name for f in table.match_fields}
        for name in entry.get("match", {}):
            if name not in fields:
                problems.append(f"table {entry['table']} has no match field {name}")
        action = actions.get(entry["action_name"])
        if action is None:
            problems.append(f"no action {entry['action_name']}")
            continue
        if action.preamble.id not in {r.id for r in table.action_refs}:
            problems.append(f"action {entry['action_name']} not in table {entry['table']}")
        params = {p.name for p in action.params}
        for name in entry.get("action_params", {}):
            if name not in params:
                problems.append(f"action {entry['action_name']} has no parameter {name}")
    return problems


@requires_conformance
@pytest.mark.parametrize("program", tutorial_programs(), ids=lambda p: p.parent.name)
def test_tutorial_compiles_with_runtime_names(program: Path) -> None:
    compiled = compile_program(program)
    problems: list[str] = []
    for runtime_file in _runtime_files(program):
        runtime = json.loads(runtime_file.read_text())
        problems += [f"{runtime_file.name}: {p}" for p in _check_names(compiled.p4info, runtime)]
    record(SUITE, program.parent.name, "fail" if problems else "pass", "; ".join(problems[:3]))
    assert not problems, "\n".join(problems)
