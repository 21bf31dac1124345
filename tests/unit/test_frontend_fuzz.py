"""No input, however malformed, gets anything but a CompileError out of the
front end: mutated versions of real programs go through the whole of it
(preprocess, parse, resolve, type-check, evaluate, P4Info)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from ovsp4.compiler.diagnostics import CompileError
from ovsp4.compiler.driver import CompileOptions, compile_program

from conformance_data import tutorial_programs

OWN = Path(__file__).resolve().parents[1] / "programs" / "valid"
COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+w\d+|0x[0-9a-fA-F]+|\d+|\S")
MUTATIONS_PER_PROGRAM = 30


def mutate(text: str, rng: random.Random) -> str:
    tokens = [m for m in TOKEN.finditer(text)]
    idents = [m.group() for m in tokens if m.group()[0].isalpha()]
    target = rng.choice(tokens)
    start, end = target.span()
    kind = rng.randrange(5)
    if kind == 0:  # delete a token
        return text[:start] + text[end:]
    if kind == 1:  # duplicate it
        return text[:end] + " " + target.group() + text[end:]
    if kind == 2:  # another identifier of the program in its place
        return text[:start] + rng.choice(idents) + text[end:]
    if kind == 3:  # a number in its place
        number = rng.choice(["0", "8w300", "1s1", "0xFFFFFFFFFFFFFFFFFFFF"])
        return text[:start] + number + text[end:]
    other = rng.choice(tokens)  # swap with another token
    a, b = sorted([target, other], key=lambda m: m.start())
    if a.end() > b.start():
        return text
    return (
        text[: a.start()] + b.group() + text[a.end() : b.start()] + a.group() + text[b.end() :]
    )


def programs() -> list[Path]:
    return [OWN / "two-tables.p4", *tutorial_programs()]


@pytest.mark.parametrize("program", programs(), ids=lambda p: p.stem)
def test_mutated_programs_only_raise_compile_errors(program: Path, tmp_path: Path) -> None:
    rng = random.Random(program.name)
    # Mutations inside comments would test nothing.
    text = COMMENT.sub(" ", program.read_text())
    options = CompileOptions(include_dirs=(str(OWN / "include"),))
    rejected = 0
    for i in range(MUTATIONS_PER_PROGRAM):
        mutated = tmp_path / f"m{i}.p4"
        mutated.write_text(mutate(text, rng))
        try:
            compile_program(mutated, options)
        except CompileError as exc:
            rejected += 1
            assert exc.location is not None or "main" in exc.message, str(exc)
        except RecursionError:
            pytest.fail(f"recursion error on {mutated}")
        except Exception as exc:  # noqa: BLE001 -- the point of the test
            pytest.fail(f"{type(exc).__name__}: {exc} on mutation {i}:\n{mutated.read_text()}")
    # Most mutations of a valid program make it invalid: the errors were real.
    assert rejected > MUTATIONS_PER_PROGRAM // 4
