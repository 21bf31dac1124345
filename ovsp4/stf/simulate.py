"""Run an STF test on a P4 program in the simulator: compile, build the
pipeline, load it, and drive it with the STF's commands."""

from __future__ import annotations

from pathlib import Path

from ovsp4.compiler.backend.build import build_pipeline
from ovsp4.compiler.driver import CompileOptions, compile_program
from ovsp4.control.client import ControlClient
from ovsp4.sim.pipeline import Pipeline
from ovsp4.stf.parser import parse_stf_file
from ovsp4.stf.runner import StfResult, StfRunner


def run_stf(program: Path, stf: Path, options: CompileOptions | None = None) -> StfResult:
    """CompileError/UnsupportedError if the program cannot be built;
    StfSyntaxError/StfError if the test cannot be run."""
    commands = parse_stf_file(stf)
    compiled = compile_program(program, options or CompileOptions())
    so = build_pipeline(compiled)
    with Pipeline(so) as pipeline:
        client = ControlClient(pipeline.control, pipeline.poll_events)
        return StfRunner(compiled.p4info, client, pipeline.send).run(commands)
