"""Compile-time benchmark: how long ovs-p4c's front end and P4Info take.

Prints, for each P4 tutorial program, the best of N runs of the whole
compile (preprocess, parse, analyse, evaluate, P4Info), and the total for
the p4c v1model conformance folder. The baseline printed beside them is the
time of the C preprocessor alone on the same file (a floor no compile can
beat), measured in the same run, so figures from noisy machines compare as
ratios.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from ovsp4.compiler.diagnostics import CompileError
from ovsp4.compiler.driver import compile_program

REPO = Path(__file__).resolve().parents[1]
CONFORMANCE = (REPO / ".." / "shared" / "conformance").resolve()
INCLUDE = REPO / "ovsp4" / "p4include"
RUNS = 5


def best_of(fn, runs: int = RUNS) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def cpp_only(path: Path) -> None:
    subprocess.run(
        ["cpp", "-undef", "-nostdinc", "-x", "assembler-with-cpp", f"-I{INCLUDE}", str(path)],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> int:
    if not CONFORMANCE.is_dir():
        print(f"compile_time: conformance data not found at {CONFORMANCE}", file=sys.stderr)
        return 1
    print(f"{'program':<28} {'lines':>6} {'compile ms':>11} {'cpp ms':>8} {'ratio':>6}")
    for program in sorted((CONFORMANCE / "tutorials").glob("*/*.p4")):
        lines = len(program.read_text().splitlines())
        t_compile = best_of(lambda p=program: compile_program(p))
        t_cpp = best_of(lambda p=program: cpp_only(p))
        print(
            f"{program.parent.name:<28} {lines:>6} {t_compile * 1e3:>11.1f} "
            f"{t_cpp * 1e3:>8.1f} {t_compile / t_cpp:>6.1f}"
        )
    samples = sorted((CONFORMANCE / "p4c-v1model").glob("*.p4"))
    compiled = failed = 0
    start = time.perf_counter()
    for program in samples:
        try:
            compile_program(program)
            compiled += 1
        except CompileError:
            failed += 1
    total = time.perf_counter() - start
    start = time.perf_counter()
    for program in samples:
        cpp_only(program)
    t_cpp = time.perf_counter() - start
    print(
        f"\np4c-v1model folder: {len(samples)} programs ({compiled} compiled, {failed} errors) "
        f"in {total:.2f} s ({total / len(samples) * 1e3:.1f} ms/program); "
        f"cpp alone {t_cpp:.2f} s; ratio {total / t_cpp:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
