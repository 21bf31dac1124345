"""A loop the packet keeps going forever drops that packet, and only it:
the datapath never hangs."""

from __future__ import annotations

from pathlib import Path

from ovsp4.compiler.backend.build import build_pipeline
from ovsp4.compiler.driver import compile_program
from ovsp4.sim import Pipeline

PROGRAM = Path(__file__).resolve().parents[1] / "programs" / "backend" / "runaway-loop.p4"


def test_runaway_loop_drops_the_packet_only() -> None:
    so = build_pipeline(compile_program(PROGRAM))
    with Pipeline(so) as pipeline:
        out = pipeline.process([(1, bytes([3, 0])), (1, bytes([255, 0])), (1, bytes([5, 0]))])
        assert [(o.port, o.data, o.input) for o in out] == [
            (2, bytes([3, 3]), 0),
            (2, bytes([5, 5]), 2),
        ]
