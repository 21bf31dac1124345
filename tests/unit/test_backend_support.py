"""Helpers of the C back-end tests: build a program's pipeline and run
packets through it in the in-process simulator (no test functions here)."""

from __future__ import annotations

from pathlib import Path

from ovsp4.compiler.backend import build_pipeline
from ovsp4.compiler.driver import CompiledProgram, CompileOptions, compile_program
from ovsp4.control import protocol as proto
from ovsp4.control.client import ControlClient
from ovsp4.sim.pipeline import Output, Pipeline
from ovsp4.stf import parser as stf
from ovsp4.stf.runner import StfResult, StfRunner

PROGRAMS = Path(__file__).resolve().parents[1] / "programs" / "backend"

_built: dict[tuple[str, tuple[tuple[str, str | None], ...]], tuple[CompiledProgram, Path]] = {}


def build(
    program: str | Path, defines: dict[str, object] | None = None
) -> tuple[CompiledProgram, Path]:
    """Compile a program (a name in tests/programs/backend, or a path) and
    build its pipeline (cached per process and in the build cache)."""
    path = Path(program)
    if not path.is_absolute() and not path.exists():
        path = PROGRAMS / path
    defs = tuple(sorted((k, str(v)) for k, v in (defines or {}).items()))
    key = (str(path), defs)
    if key not in _built:
        compiled = compile_program(path, CompileOptions(defines=defs))
        _built[key] = (compiled, build_pipeline(compiled))
    return _built[key]


class Switch:
    """A pipeline instance with a control-protocol client."""

    def __init__(
        self, program: str | Path, defines: dict[str, object] | None = None, *, cpu_port: int = 0
    ) -> None:
        self.compiled, self.so = build(program, defines)
        self.p4info = self.compiled.p4info
        self.pipeline = Pipeline(self.so, cpu_port=cpu_port)
        self.client = ControlClient(self.pipeline.control, self.pipeline.poll_events)

    def close(self) -> None:
        self.pipeline.close()

    def __enter__(self) -> Switch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, port: int, data: bytes) -> list[Output]:
        return self.pipeline.send(port, data)

    def events(self) -> list[object]:
        return [proto.decode(e)[1] for e in self.pipeline.poll_events()]

    # -- P4Info lookups ----------------------------------------------------------

    def table_id(self, name: str) -> int:
        return next(t.preamble.id for t in self.p4info.tables if t.preamble.name == name)

    def action_id(self, name: str) -> int:
        return next(a.preamble.id for a in self.p4info.actions if a.preamble.name == name)

    def object_id(self, kind: str, name: str) -> int:
        return next(o.preamble.id for o in getattr(self.p4info, kind) if o.preamble.name == name)


def run_stf(
    program: str | Path, stf_path: str | Path, defines: dict[str, object] | None = None
) -> StfResult:
    with Switch(program, defines) as switch:
        commands = stf.parse_stf_file(stf_path)
        return StfRunner(switch.p4info, switch.client, switch.pipeline.send).run(commands)
