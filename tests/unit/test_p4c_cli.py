"""ovs-p4c as a user runs it: include paths, defines, output formats."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ovsp4.compiler.p4info import serialize

VALID = Path(__file__).resolve().parents[1] / "programs" / "valid"
PROGRAM = VALID / "two-tables.p4"
INCLUDE = VALID / "include"


def p4c(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ovsp4.cli.p4c", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def table_names(path: Path) -> list[str]:
    return sorted(t.preamble.name for t in serialize.read(path).tables)


def test_every_format_holds_the_same_p4info(tmp_path: Path) -> None:
    files = [tmp_path / f"out.{ext}" for ext in ("txtpb", "txt", "bin", "json")]
    result = p4c(str(PROGRAM), "-I", str(INCLUDE), "--p4runtime-files", ",".join(map(str, files)))
    assert result.returncode == 0, result.stderr
    infos = [serialize.read(f) for f in files]
    assert all(info == infos[0] for info in infos)
    assert table_names(files[0]) == ["MyIngress.dmac"]
    assert files[0].read_text().startswith("# proto-file: p4/config/v1/p4info.proto")


def test_define_changes_the_program(tmp_path: Path) -> None:
    out = tmp_path / "acl.txtpb"
    result = p4c(str(PROGRAM), "-I", str(INCLUDE), "-D", "WITH_ACL", "--p4runtime-files", str(out))
    assert result.returncode == 0, result.stderr
    assert table_names(out) == ["MyIngress.acl", "MyIngress.dmac"]


def test_outdir(tmp_path: Path) -> None:
    result = p4c(str(PROGRAM), "-I", str(INCLUDE), "-o", str(tmp_path / "build"))
    assert result.returncode == 0, result.stderr
    assert table_names(tmp_path / "build" / "two-tables.p4info.txtpb") == ["MyIngress.dmac"]


def test_missing_include_dir_is_a_positioned_error() -> None:
    result = p4c(str(PROGRAM), "--check")
    assert result.returncode == 1
    assert result.stderr.startswith(f"{PROGRAM}:4:")
    assert "two-tables-headers.p4" in result.stderr


@pytest.mark.parametrize("name", ["info.yaml", "info"])
def test_unknown_p4info_extension_is_refused_before_compiling(tmp_path: Path, name: str) -> None:
    result = p4c(str(PROGRAM), "-I", str(INCLUDE), "--p4runtime-files", str(tmp_path / name))
    assert result.returncode == 2
    assert "unknown P4Runtime file extension" in result.stderr
    assert not (tmp_path / name).exists()


def test_check_needs_no_main(tmp_path: Path) -> None:
    program = tmp_path / "lib.p4"
    program.write_text("#include <core.p4>\nheader h_t { bit<8> f; }\n")
    assert p4c("--check", str(program)).returncode == 0


def test_pkginfo_in_p4c_key_value_form(tmp_path):
    """`@pkginfo(name="x", version="1")` (p4c reads the unstructured body
    as key = value pairs) fills P4Info's pkg_info as `@pkginfo[...]` does."""
    from ovsp4.compiler.driver import compile_program

    src = tmp_path / "pk.p4"
    src.write_text("""#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> a; }
struct hs { h_t h; }
struct m_t {}
parser P(packet_in p, out hs h, inout m_t m, inout standard_metadata_t sm) {
    state start { p.extract(h.h); transition accept; } }
control C(inout hs h, inout m_t m) { apply {} }
control I(inout hs h, inout m_t m, inout standard_metadata_t sm) { apply {} }
control E(inout hs h, inout m_t m, inout standard_metadata_t sm) { apply {} }
control D(packet_out p, in hs h) { apply { p.emit(h.h); } }
@pkginfo(name="demo", version="1.2")
V1Switch(P(), C(), I(), E(), C(), D()) main;
""")
    info = compile_program(src).p4info
    assert (info.pkg_info.name, info.pkg_info.version) == ("demo", "1.2")
