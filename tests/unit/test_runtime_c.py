"""The C runtime (datapath/runtime): the static library every pipeline .so
links, and the table core's C unit tests -- randomised differential tests of
every lookup algorithm against a linear scan, API tests, and reader/writer
stress tests -- built with datapath/runtime.mk and run as a plain build,
with AddressSanitizer + UndefinedBehaviorSanitizer, and with
ThreadSanitizer."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = ROOT / "datapath" / "runtime.mk"

pytestmark = pytest.mark.skipif(
    shutil.which("gcc") is None, reason="gcc is not installed: the C runtime cannot be built"
)


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # A private build directory: concurrent test runs do not share objects.
    return tmp_path_factory.mktemp("runtime-build")


def make(build_dir: Path, *targets: str, timeout: int = 900) -> subprocess.CompletedProcess:
    if shutil.which("make") is None:
        pytest.fail("make is not installed (needed to build the C runtime)")
    env = dict(os.environ)
    # Reproducible test data unless the caller picks a seed.
    env.setdefault("OVSP4_TEST_SEED", "0x0b5e55ed")
    return subprocess.run(
        ["make", "-s", "-j2", "-f", str(MAKEFILE), f"OVSP4_BUILD={build_dir}", *targets],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_library_is_pic_and_self_contained(build_dir: Path, tmp_path: Path) -> None:
    """libovsp4rt.a links into a shared object with every symbol resolved by
    libc: position-independent, and no OVS (or other) symbols needed."""
    r = make(build_dir, "runtime")
    assert r.returncode == 0, r.stdout + r.stderr
    lib = build_dir / "runtime" / "libovsp4rt.a"
    assert lib.is_file()

    so = tmp_path / "rt.so"
    link = subprocess.run(
        ["gcc", "-shared", "-o", str(so), "-Wl,--whole-archive", str(lib),
         "-Wl,--no-whole-archive", "-Wl,-z,defs", "-pthread"],
        capture_output=True,
        text=True,
    )
    assert link.returncode == 0, link.stderr

    if shutil.which("nm"):
        nm = subprocess.run(["nm", "-D", "--undefined-only", str(so)],
                            capture_output=True, text=True, check=True)
        foreign = []
        for line in nm.stdout.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[-2] == "U" and "@GLIBC_" not in parts[-1]:
                foreign.append(parts[-1])
        assert not foreign, f"symbols from outside libc: {foreign}"


@pytest.mark.parametrize(
    "target",
    ["runtime-check", "runtime-check-asan", "runtime-check-tsan"],
    ids=["plain", "asan-ubsan", "tsan"],
)
def test_c_unit_tests(build_dir: Path, target: str) -> None:
    r = make(build_dir, target)
    output = r.stdout + r.stderr
    assert r.returncode == 0, output
    lines = output.splitlines()
    summary = [line for line in lines if line.endswith(" failed")]
    assert summary and summary[-1].endswith(" 0 failed"), output
    # Every test family ran.
    for family in ("rcu/", "api/", "diff/", "stress/"):
        assert any(line.startswith("ok   " + family) for line in lines), output
    # Sanitizers report on stderr even when a test does not notice.
    assert "ERROR: AddressSanitizer" not in output, output
    assert "WARNING: ThreadSanitizer" not in output, output
    assert "runtime error:" not in output, output


def test_benchmark_builds(build_dir: Path) -> None:
    """The benchmark is not pass/fail, but it must keep compiling."""
    r = make(build_dir, str(build_dir / "runtime" / "bench_tables"))
    assert r.returncode == 0, r.stdout + r.stderr
