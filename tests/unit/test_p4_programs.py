"""Programs as P4_Program stores them (ovsp4/programs/): the stored
source is self-contained, a rebuild from it gives the same P4Info, and
artifacts are content-addressed."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ovsp4 import programs
from ovsp4.compiler.driver import CompileOptions, compile_program
from ovsp4.ovsdb import artifacts
from ovsp4.ovsdb.records import Program

HEADERS = """
header ethernet_t { bit<48> dst; bit<48> src; bit<16> type; }
struct headers_t { ethernet_t eth; }
#define OUT_PORT 2
"""

MAIN = """
#include <core.p4>
#include <v1model.p4>
#include "headers.p4"
struct meta_t { }
parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start { pkt.extract(h.eth); transition accept; }
}
control VC(inout headers_t h, inout meta_t m) { apply { } }
control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    action fwd(bit<9> port) { sm.egress_spec = port; }
    table t { key = { h.eth.dst: exact; } actions = { fwd; NoAction; } }
    apply { t.apply(); if (sm.egress_spec == 0) { sm.egress_spec = OUT_PORT + EXTRA; } }
}
control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t h, inout meta_t m) { apply { } }
control D(packet_out pkt, in headers_t h) { apply { pkt.emit(h.eth); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
"""


def _program(built: programs.BuiltProgram) -> Program:
    r = built.record
    return Program(uuid=None, name=r.name, source=r.source, defines=r.defines,  # type: ignore
                   arch=r.arch, p4info=r.p4info, compiler=r.compiler,
                   artifact_sha256=r.artifact_sha256, external_ids=r.external_ids)


def test_user_headers_are_inlined_and_the_rebuild_matches(tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "headers.p4").write_text(HEADERS)
    main = src / "fwd.p4"
    main.write_text(MAIN)
    built = programs.compile_file(main, (), (("EXTRA", "1"),))
    stored = built.record.source
    assert "#include <core.p4>" in stored and "#include <v1model.p4>" in stored
    assert "header ethernet_t" in stored and '"headers.p4"' not in stored
    assert "extern packet_in" not in stored  # the compiler's own headers stay included
    assert built.record.defines == {"EXTRA": "1"}
    assert built.record.name == "fwd" and built.record.arch == "v1model"
    assert built.record.artifact_sha256 == artifacts.sha256_file(built.so)

    # Rebuilt from the record alone, with the user's files gone.
    (src / "headers.p4").unlink()
    so = programs.rebuild(_program(built))
    assert so.is_file()
    again = tmp_path / "again" / "fwd.p4"
    again.parent.mkdir()
    again.write_text(stored)
    compiled = compile_program(again, CompileOptions(defines=(("EXTRA", "1"),)))
    assert compiled.p4info == built.p4info


def test_a_program_without_user_headers_is_stored_as_written(tmp_path: Path):
    text = MAIN.replace('#include "headers.p4"', HEADERS).replace("OUT_PORT + EXTRA", "2")
    main = tmp_path / "plain.p4"
    main.write_text(text)
    built = programs.compile_file(main)
    assert built.record.source == text
    assert built.record.external_ids["source-path"] == str(main.resolve())


def test_artifacts_are_content_addressed(tmp_path: Path):
    so = tmp_path / "x.so"
    so.write_bytes(b"\x7fELF pretend")
    store = tmp_path / "db" / "p4"
    sha, path = artifacts.store(so, store)
    assert path == store / f"{sha}.so" and path.read_bytes() == so.read_bytes()
    assert artifacts.store(so, store) == (sha, path)
    assert artifacts.present(sha, store)
    path.write_bytes(b"corrupt")
    assert not artifacts.present(sha, store)
    artifacts.store(so, store)
    assert artifacts.present(sha, store)
    # Garbage: unreferenced and old only.
    other = tmp_path / "y.so"
    other.write_bytes(b"other")
    sha2, path2 = artifacts.store(other, store)
    assert artifacts.collect_garbage(store, keep={sha}) == []      # too recent
    old = time.time() - 3600
    os.utime(path2, (old, old))
    os.utime(path, (old, old))
    assert artifacts.collect_garbage(store, keep={sha}) == [path2]
    assert path.exists() and not path2.exists()
