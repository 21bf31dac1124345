"""The C back end's interfaces: the generated source, the build cache,
gcc failures, the exported pipeline symbol and descriptor, ovs-p4c -o."""

from __future__ import annotations

import ctypes
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_backend_support import PROGRAMS

from ovsp4.cli.p4c import main as p4c_main
from ovsp4.compiler.backend import build as build_mod
from ovsp4.compiler.backend import build_pipeline, generate_c
from ovsp4.compiler.diagnostics import UnsupportedError
from ovsp4.compiler.driver import compile_program
from ovsp4.sim.pipeline import Pipeline

CALLS = PROGRAMS / "calls.p4"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A build cache of this module's own (the runtime is built once)."""
    d = tmp_path_factory.mktemp("cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("OVSP4_CACHE_DIR", str(d))
    yield d
    mp.undo()


def test_generated_code_is_named_after_the_p4_objects() -> None:
    source = generate_c(compile_program(CALLS))
    for name in (
        "control_I",
        "action_I_swap",
        "table_I_t",
        "parser_P",
        "fn_twice",
        "control_I_sub",
        "table_I_sub_t",
    ):
        assert re.search(rf"^{name}\(", source, re.M), name
    # each function says which P4 object it implements, and where
    assert re.search(r"/\* table I\.t -- .*calls\.p4:\d+ \*/", source)
    assert re.search(r"/\* action I\.peek -- .*calls\.p4:\d+ \*/", source)
    assert "ovsp4_pipeline_get(void)" in source


def test_generation_is_deterministic() -> None:
    compiled = compile_program(CALLS)
    assert generate_c(compiled) == generate_c(compile_program(CALLS))


def test_build_cache_is_content_addressed(cache: Path) -> None:
    compiled = compile_program(CALLS)
    so = build_pipeline(compiled)
    assert so.is_file() and cache in so.parents
    assert (so.parent / "calls.c").read_text() == generate_c(compiled)
    mtime = so.stat().st_mtime_ns
    assert build_pipeline(compile_program(CALLS)) == so
    assert so.stat().st_mtime_ns == mtime
    assert len(list((cache / "runtime").iterdir())) == 1
    # other flags: another entry
    other = build_pipeline(compiled, cflags=(*build_mod.CFLAGS, "-DOVSP4_TEST_FLAG"))
    assert other != so


def test_gcc_failure_is_reported_as_a_compiler_bug(cache: Path) -> None:
    with pytest.raises(build_mod.BuildError) as info:
        build_mod.compile_c("this is not C;\n", "broken")
    message = str(info.value)
    assert "bug in the OvS.p4 compiler" in message
    kept = Path(re.search(r"kept at (\S+\.c)", message).group(1))  # type: ignore[union-attr]
    assert kept.read_text() == "this is not C;\n"


def test_pipeline_symbol_and_descriptor(cache: Path) -> None:
    compiled = compile_program(CALLS)
    so = build_pipeline(compiled)
    lib = ctypes.CDLL(str(so))
    assert hasattr(lib, "ovsp4_pipeline_get")
    with Pipeline(so) as pipeline:
        assert pipeline.program_name == "calls"
        assert pipeline.arch == "v1model"
        assert pipeline.p4info_bytes == compiled.p4info.SerializeToString()


def test_unsupported_constructs_are_positioned(tmp_path: Path) -> None:
    src = (PROGRAMS / "calls.p4").read_text()
    src = src.replace(
        "control VC(inout headers h, inout metadata m) { apply { } }",
        "extern void magic(inout bit<8> x);\n"
        "control VC(inout headers h, inout metadata m) { apply { magic(h.d.a); } }",
    )
    program = tmp_path / "magic.p4"
    program.write_text(src)
    with pytest.raises(UnsupportedError) as info:
        generate_c(compile_program(program))
    assert info.value.location is not None
    assert info.value.location.file.endswith("magic.p4")
    assert "extern function 'magic'" in info.value.message


def test_ovs_p4c_writes_the_c_source_and_the_pipeline(tmp_path: Path, cache: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(p4c_main, [str(CALLS), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "calls.c").read_text().startswith("/*")
    assert (out / "calls.p4info.txtpb").is_file()
    with Pipeline(out / "calls.so") as pipeline:
        assert pipeline.program_name == "calls"
