"""Send random and truncated packets through one program's pipeline.

    python tests/tools/packet_fuzz.py PROGRAM.p4 [TEST.stf] [--count N] [--seed S]

Run in a process of its own by tests/conformance/test_packet_fuzz.py, so a
crash shows as that program's failure, not the test run's. When an STF
is given, its table entries and packets are applied first, so the fuzzing
also reaches the parts of the program that need entries; its packets, cut
at every length and with bits flipped, join the random ones. Exit 0 when
every packet came back (dropped or not); anything else is a failure.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from ovsp4.compiler.backend.build import build_pipeline
from ovsp4.compiler.driver import compile_program
from ovsp4.control.client import ControlClient
from ovsp4.sim.pipeline import Pipeline
from ovsp4.stf import parser as stf
from ovsp4.stf.runner import StfRunner


def packets(seed: int, count: int, seeds: list[bytes]) -> list[tuple[int, bytes]]:
    rng = random.Random(seed)
    out: list[tuple[int, bytes]] = []
    for base in seeds:
        for cut in range(len(base) + 1):
            out.append((rng.randrange(8), base[:cut]))
        for _ in range(16):
            flipped = bytearray(base)
            if flipped:
                i = rng.randrange(len(flipped))
                flipped[i] ^= 1 << rng.randrange(8)
            out.append((rng.randrange(8), bytes(flipped)))
    for _ in range(count):
        length = rng.choice([0, 1, 13, 14, 20, 34, 54, 64, rng.randrange(0, 1500)])
        out.append((rng.randrange(512), rng.randbytes(length)))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("program", type=Path)
    ap.add_argument("stf", type=Path, nargs="?")
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    compiled = compile_program(args.program)
    so = build_pipeline(compiled)
    seeds: list[bytes] = []
    with Pipeline(so, cpu_port=64, seed=args.seed) as pipeline:
        client = ControlClient(pipeline.control, pipeline.poll_events)
        if args.stf is not None:
            commands = stf.parse_stf_file(args.stf)
            seeds = [c.data for c in commands if isinstance(c, stf.Packet)]
            StfRunner(compiled.p4info, client, pipeline.send).run(commands)
        todo = packets(args.seed, args.count, seeds)
        for start in range(0, len(todo), 32):
            pipeline.process(todo[start : start + 32])
        sent = len(todo)
        pipeline.poll_events()
    print(f"{args.program.name}: {sent} packets, no crash")
    return 0


if __name__ == "__main__":
    sys.exit(main())
