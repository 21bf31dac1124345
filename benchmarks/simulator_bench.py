"""Pipeline throughput in the simulator, with its baselines from the same run.

For each workload, pipeline_bench.c (built here against the runtime) runs
batches of 32 packets on one core for a few seconds and reports packets per
second and ns per packet:

- basic.p4 with 100k LPM routes (random destinations over the routes),
  firewall.p4 and basic_tunnel.p4 (the P4 tutorials) with their runtime
  files' entries, through the generated pipeline .so;
- baseline "touch": a loop that only copies, touches and forwards each
  packet (the memory ceiling of this machine);
- baseline "basic-by-hand": hand-written C doing what basic.p4 does with
  the same LPM structure.

Then the table insert rate through the ABI (100k LPM entries in batches of
the control protocol). Figures are printed with their ratios to the
baselines; this is a benchmark, not a test: nothing fails on a slow run.

    python benchmarks/simulator_bench.py [--seconds S] [--routes N]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONFORMANCE = (REPO / ".." / "shared" / "conformance").resolve()
DATAPATH = REPO / "datapath"
HARNESS = REPO / "benchmarks" / "pipeline_bench.c"


def build_harness(workdir: Path) -> Path:
    """pipeline_bench, linked with the runtime built by the same flags."""
    runtime = sorted((DATAPATH / "runtime").glob("*.c"))
    headers = sorted((DATAPATH / "runtime").glob("*.h")) + sorted(DATAPATH.glob("include/**/*.h"))
    digest = hashlib.sha256()
    for f in [HARNESS, *runtime, *headers]:
        digest.update(f.read_bytes())
    exe = workdir / f"pipeline_bench-{digest.hexdigest()[:12]}"
    if exe.exists():
        return exe
    cmd = [
        "gcc", "-O2", "-std=gnu11", "-pthread",
        f"-I{DATAPATH / 'include'}", f"-I{DATAPATH / 'runtime'}",
        str(HARNESS), *map(str, runtime), "-ldl", "-o", str(exe),
    ]  # fmt: skip
    subprocess.run(cmd, check=True)
    return exe


def ipv4_packet(src_mac: bytes, dst_mac: bytes, dst_ip: int, payload: int = 26) -> bytes:
    """Ethernet + IPv4 (checksummed) + UDP-sized payload: a 64-byte frame."""
    total = 20 + payload
    header = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, total, 1, 0, 64, 17, 0, bytes([10, 0, 1, 1]),
        dst_ip.to_bytes(4, "big"),
    )  # fmt: skip
    csum = sum(struct.unpack("!10H", header))
    csum = (csum & 0xFFFF) + (csum >> 16)
    csum = ~((csum & 0xFFFF) + (csum >> 16)) & 0xFFFF
    header = header[:10] + struct.pack("!H", csum) + header[12:]
    return dst_mac + src_mac + b"\x08\x00" + header + bytes(payload)


def basic_workload(
    n_routes: int, n_packets: int, rng: random.Random
) -> tuple[list[tuple[int, int, bytes, int]], list[tuple[int, bytes]]]:
    """Random IPv4 routes and packets to random addresses within them.

    Prefix lengths are drawn as in Internet routing tables: most /24, many
    /16../23, a few longer than /24 (those cost the LPM a second level)."""
    routes: dict[tuple[int, int], tuple[bytes, int]] = {}
    while len(routes) < n_routes:
        draw = rng.random()
        if draw < 0.6:
            plen = 24
        elif draw < 0.9:
            plen = rng.randint(16, 23)
        else:
            plen = rng.randint(25, 32)
        prefix = rng.getrandbits(32) & (((1 << plen) - 1) << (32 - plen))
        routes[(prefix, plen)] = (rng.randbytes(6), rng.randint(1, 8))
    keys = list(routes)
    packets = []
    for _ in range(n_packets):
        prefix, plen = rng.choice(keys)
        host = rng.getrandbits(32 - plen) if plen < 32 else 0
        packets.append((1, ipv4_packet(b"\x02" * 6, b"\x04" * 6, prefix | host)))
    return [(p, ln, mac, port) for (p, ln), (mac, port) in routes.items()], packets


def write_packets(path: Path, packets: list[tuple[int, bytes]]) -> None:
    with path.open("wb") as f:
        for port, data in packets:
            f.write(struct.pack("<HH", len(data), port) + data)


def write_routes(path: Path, routes: list[tuple[int, int, bytes, int]]) -> None:
    with path.open("wb") as f:
        for prefix, plen, mac, port in routes:
            f.write(struct.pack(">IB", prefix, plen) + mac + struct.pack("<H", port))


def run(exe: Path, *args: object) -> dict[str, str]:
    out = subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"pipeline_bench {args[0]} failed: {out.stderr.strip()}")
    line = out.stdout.strip().splitlines()[-1]
    return dict(kv.split("=", 1) for kv in line.split())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--routes", type=int, default=100_000)
    ap.add_argument("--packets", type=int, default=8192)
    args = ap.parse_args()
    if shutil.which("gcc") is None:
        print("simulator_bench: gcc not found", file=sys.stderr)
        return 1
    rng = random.Random(1)
    with tempfile.TemporaryDirectory(prefix="ovsp4-bench-") as tmp:
        work = Path(tmp)
        exe = build_harness(work)
        routes, packets = basic_workload(args.routes, args.packets, rng)
        write_routes(work / "routes.bin", routes)
        write_packets(work / "basic.pkts", packets)
        touch = run(exe, "touch", work / "basic.pkts", args.seconds)
        by_hand = run(exe, "basic", work / "routes.bin", work / "basic.pkts", args.seconds)
        rows = [("touch (memory ceiling)", touch), ("basic by hand, 100k routes", by_hand)]
        results = _pipelines(exe, work, routes, packets, args.seconds)
        rows += results
        ceiling = float(touch["mpps"])
        hand = float(by_hand["mpps"])
        print(f"{'workload':<34} {'Mpps':>8} {'ns/pkt':>8} {'/touch':>7} {'/by hand':>9}")
        for name, r in rows:
            mpps = float(r["mpps"])
            print(
                f"{name:<34} {mpps:>8.2f} {float(r['ns_per_packet']):>8.1f} "
                f"{mpps / ceiling:>7.2f} {mpps / hand:>9.2f}"
            )
        for line in _insert_rate(exe, work, routes):
            print(line)
    return 0


def _pipelines(
    exe: Path,
    work: Path,
    routes: list[tuple[int, int, bytes, int]],
    packets: list[tuple[int, bytes]],
    seconds: float,
) -> list[tuple[str, dict[str, str]]]:
    """The generated pipelines (needs the C back end and control protocol)."""
    try:
        from workloads import pipeline_workloads
    except ImportError as exc:
        print(f"(pipelines not measured: {exc})", file=sys.stderr)
        return []
    rows = []
    for name, so, control, pkts in pipeline_workloads(work, routes, packets, CONFORMANCE):
        rows.append((name, run(exe, "pipeline", so, control, pkts, seconds)))
    return rows


def _insert_rate(exe: Path, work: Path, routes: list[tuple[int, int, bytes, int]]) -> list[str]:
    try:
        from workloads import insert_workloads
    except ImportError:
        return []
    lines = []
    for name, so, control, n_entries in insert_workloads(work, routes, CONFORMANCE):
        r = run(exe, "insert", so, control)
        rate = n_entries / float(r["seconds"])
        lines.append(
            f"table inserts through the ABI, {name}: {n_entries} entries in "
            f"{float(r['seconds']):.3f} s = {rate / 1e6:.2f} M entries/s"
        )
    return lines


if __name__ == "__main__":
    sys.exit(main())
