"""P4 programs for OVSDB: compiled, stored as P4_Program records, and their
pipeline artifacts kept (or rebuilt) next to the database.

The source stored in ``P4_Program.source`` is self-contained, so a missing
artifact can be rebuilt from the database alone: the program file as
written when it includes nothing but the compiler's own headers
(``core.p4``, ``v1model.p4``...), else the preprocessed program with the
user's headers inlined and ``#include`` lines for the compiler's own.
The ``-D`` macros are stored beside it (``P4_Program.defines``).
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ovsp4
from ovsp4.ovsdb import artifacts
from ovsp4.ovsdb import bridges as brs
from ovsp4.ovsdb import records as rec
from ovsp4.ovsdb.db import Database

_MARKER = re.compile(r'^#\s*(\d+)\s+"((?:[^"\\]|\\.)*)"((?:\s+\d+)*)\s*$')


@dataclass(frozen=True)
class BuiltProgram:
    record: brs.ProgramRecord
    so: Path | None           # in the build cache (None: not built)
    p4info: object            # p4.config.v1.P4Info


def compiler_id() -> str:
    cc = os.environ.get("OVSP4_CC", "gcc")
    try:
        out = subprocess.run([cc, "--version"], capture_output=True, text=True, check=False)
        first = out.stdout.splitlines()[0] if out.stdout else cc
    except OSError:
        first = cc
    return f"ovs-p4c {ovsp4.__version__}; {first}"


def _define_map(defines: tuple[tuple[str, str | None], ...]) -> dict[str, str]:
    # cpp's -DNAME means NAME=1.
    return {name: "1" if value is None else value for name, value in defines}


def storable_source(path: Path, include_dirs: tuple[str, ...],
                    defines: tuple[tuple[str, str | None], ...]) -> str:
    """The program as P4_Program.source keeps it (see the module's doc)."""
    from ovsp4.compiler.source import P4INCLUDE_DIR, preprocess

    pp = preprocess(path, include_dirs, defines)
    system = str(P4INCLUDE_DIR) + os.sep
    main = os.path.realpath(path)
    user = {f for f in pp.source_map.files
            if f and not f.startswith(system) and os.path.realpath(f) != main}
    if not user:
        return path.read_text()
    out: list[str] = [f"// {path.name}, preprocessed by ovs-p4ctl: its headers are inlined.",
                      ""]
    stack: list[str] = []
    for line in pp.cpp_output.split("\n"):
        m = _MARKER.match(line)
        if m:
            name = re.sub(r"\\(.)", r"\1", m.group(2))
            flags = m.group(3).split()
            if "1" in flags:
                if name.startswith(system) and not any(s.startswith(system) for s in stack):
                    out.append(f"#include <{os.path.relpath(name, P4INCLUDE_DIR)}>")
                stack.append(name)
            elif "2" in flags and stack:
                stack.pop()
            continue
        if stack and stack[-1].startswith(system):
            continue
        if line.strip() or (out and out[-1].strip()):
            out.append(line)
    return "\n".join(out) + "\n"


def compile_file(path: Path, include_dirs: tuple[str, ...] = (),
                 defines: tuple[tuple[str, str | None], ...] = (),
                 arch: str = "v1model") -> BuiltProgram:
    """Compiles a P4 program into a pipeline .so and the record to store
    (``artifact_sha256`` is the .so's digest)."""
    from ovsp4.compiler.backend import build_pipeline
    from ovsp4.compiler.driver import CompileOptions, compile_program
    from ovsp4.compiler.p4info import serialize

    options = CompileOptions(include_dirs, defines, arch)
    compiled = compile_program(path, options)
    if compiled.toplevel is None:
        raise ValueError(f"{path}: the program has no 'main': nothing to run")
    so = build_pipeline(compiled)
    source = storable_source(path, include_dirs, defines)
    p4info_text = serialize.dumps(compiled.p4info, "text").decode()  # type: ignore[arg-type]
    record = brs.ProgramRecord(
        name=path.stem, source=source, arch=arch, p4info=p4info_text,
        compiler=compiler_id(), artifact_sha256=artifacts.sha256_file(so),
        defines=_define_map(defines),
        external_ids={"source-path": str(path.resolve())})
    return BuiltProgram(record, so, compiled.p4info)


@contextlib.contextmanager
def _in_dir(directory: str) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(old)


def compile_text(name: str, source: str, defines: dict[str, str] | None = None,
                 arch: str = "v1model", *, build: bool = True) -> BuiltProgram:
    """Compiles a self-contained program given as text (it may include only
    the compiler's own headers), as P4_Program.source keeps it; with
    ``build`` False, only the front end and P4Info run (``so`` is then
    None).  Raises CompileError (positions in ``<name>.p4``) or ValueError."""
    from ovsp4.compiler.backend import build_pipeline
    from ovsp4.compiler.driver import CompileOptions, compile_program
    from ovsp4.compiler.p4info import serialize

    defines = dict(defines or {})
    options = CompileOptions((), tuple((k, v) for k, v in sorted(defines.items())), arch)
    with tempfile.TemporaryDirectory(prefix="ovsp4-compile-") as tmp, _in_dir(tmp):
        path = Path(f"{name}.p4")
        path.write_text(source)
        compiled = compile_program(path, options)
        if compiled.toplevel is None:
            raise ValueError(f"{path}: the program has no 'main': nothing to run")
        so = build_pipeline(compiled) if build else None
    p4info_text = serialize.dumps(compiled.p4info, "text").decode()  # type: ignore[arg-type]
    record = brs.ProgramRecord(
        name=name, source=source, arch=arch, p4info=p4info_text, compiler=compiler_id(),
        artifact_sha256=artifacts.sha256_file(so) if so else "", defines=defines,
        external_ids={})
    return BuiltProgram(record, so, compiled.p4info)  # type: ignore[arg-type]


def rebuild(program: rec.Program) -> Path:
    """The pipeline .so of a stored program, compiled from its stored
    source."""
    built = compile_text(program.name, program.source, program.defines, program.arch)
    assert built.so is not None
    return built.so


def store(built: BuiltProgram, dbdir: Path | None = None) -> Path:
    """Puts a compiled program's .so into the artifact store; its path."""
    _, path = artifacts.store(built.so, artifacts.artifact_dir(dbdir))
    return path


@dataclass(frozen=True)
class SyncAction:
    bridge: str
    what: str


def sync(db: Database, dbdir: Path | None = None, *, wait: bool = True) -> list[SyncAction]:
    """Makes every managed P4 bridge's pipeline artifact exist and its
    ``other_config:p4-pipeline`` point at it: missing artifacts are rebuilt
    from the source in OVSDB (a different compiler may give another digest:
    the records follow).  Unreferenced artifacts are removed."""
    directory = artifacts.artifact_dir(dbdir)
    done: list[SyncAction] = []
    for br in rec.p4_bridges(db):
        program = br.program
        if program is None:
            continue
        sha = program.artifact_sha256
        if not artifacts.present(sha, directory):
            so = rebuild(program)
            sha, _ = artifacts.store(so, directory)
            done.append(SyncAction(br.name, f"rebuilt {program.name} from its source in OVSDB"
                                   + ("" if sha == program.artifact_sha256
                                      else f" (new digest {sha[:12]})")))
        path = str(artifacts.path_for(sha, directory))
        if br.pipeline != path or sha != program.artifact_sha256:
            brs.set_pipeline(db, br.name, path,
                             artifact_sha256=sha if sha != program.artifact_sha256 else None,
                             wait=wait)
            done.append(SyncAction(br.name, f"pipeline {path}"))
    collect_garbage(db, dbdir)
    return done


def collect_garbage(db: Database, dbdir: Path | None = None) -> list[Path]:
    """Removes the artifacts no P4_Program refers to (and not just
    written: see artifacts.collect_garbage)."""
    db.refresh()
    keep = {row.artifact_sha256 for row in db.rows("P4_Program")}
    return artifacts.collect_garbage(artifacts.artifact_dir(dbdir), keep)
