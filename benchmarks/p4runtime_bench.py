#!/usr/bin/env python3
"""ovs-p4rtd throughput and latency, into a real P4 bridge.

Starts a sandbox (ovsdb-server, this project's ovs-vswitchd in a network
namespace, ovs-p4rtd), creates a P4 bridge running
benchmarks/programs/p4rt_bench.p4 and measures, with every request built
and serialized before the clock starts (the figures are the server's and
the datapath's, not the client's protobuf work):

- Write: N exact entries, then N LPM routes, INSERT in batches of 1000;
- Read: a wildcard read of each table (responses not parsed);
- Delete: the same entries in batches of 1000;
- single-update Write RPCs back to back: RPCs/s, p50 and p99 latency,
  beside two floors: Capabilities (an RPC doing nothing) on the same
  server, and the same Writes to a grpc.aio server that does nothing with
  them (grpc_noop_server.py): what Python gRPC alone costs here;
- packet-in: packet-outs looped back by the program as packet-ins on one
  StreamChannel, packets/s received.

Baseline in the same run: the same inserts, reads and deletes sent straight
to the bridge's control socket by the Python control client (no gRPC, no
P4Runtime translation), so the ratio shows what the P4Runtime layer costs.
The issue's reference figures for BMv2's simple_switch_grpc on this machine
are printed beside them (BMv2 is not installed here: not measured).

Needs root and `make ovs`.  Usage: p4runtime_bench.py [--entries N]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc

from ovsp4.control import protocol as cp
from ovsp4.control.client import ControlClient
from ovsp4.control.socket import SocketTransport
from ovsp4.p4runtime.client import P4RuntimeClient
from ovsp4.proto import p4info_pb2, p4runtime_pb2

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PROGRAM = HERE / "programs" / "p4rt_bench.p4"
CPP_CLIENT = REPO / "build" / "bench" / "grpc_write_client"   # make bench
VENV_BIN = Path(sys.executable).parent
BATCH = 1000
CPU_PORT = 510
BMV2 = {"write": 300e3, "read": 235e3, "delete": 400e3, "single": 5000.0}

Update = p4runtime_pb2.Update
Figures = tuple[float, float, float]     # RPCs/s, p50 ms, p99 ms


def run(*args: object, env: dict[str, str] | None = None) -> str:
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env,
                       check=False, timeout=600)
    if r.returncode:
        raise SystemExit(f"{' '.join(map(str, args))}: {r.stderr.strip() or r.stdout.strip()}")
    return r.stdout


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sandbox:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="p4rt-bench-"))
        self.netns = f"p4rtb{os.getpid()}"
        self.addr = f"127.0.0.1:{free_port()}"
        self.env = dict(os.environ)
        for var in ("OVS_RUNDIR", "OVS_DBDIR", "OVS_LOGDIR", "OVS_SYSCONFDIR"):
            self.env[var] = str(self.dir)
        self.env["PATH"] = f"{REPO / 'build/ovs/bin'}:{VENV_BIN}:{self.env['PATH']}"
        self.env["OVSP4_P4RUNTIME"] = self.addr

    def __enter__(self) -> Sandbox:
        run("ip", "netns", "add", self.netns)
        run(VENV_BIN / "ovs-p4-sandbox", "start", self.dir, "--netns", self.netns,
            "--with-p4rtd", "--p4rtd-listen", self.addr, env=self.env)
        run(VENV_BIN / "ovs-p4ctl", "add-br", "bench0", "--program", PROGRAM, "--device-id",
            "1", "--cpu-port", str(CPU_PORT), env=self.env)
        return self

    def __exit__(self, *exc: object) -> None:
        subprocess.run([VENV_BIN / "ovs-p4-sandbox", "stop", self.dir], env=self.env,
                       capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", self.netns], capture_output=True, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


# --- Requests, built before any clock starts -----------------------------------------


def _canon(value: int, nbytes: int) -> bytes:
    return value.to_bytes(nbytes, "big").lstrip(b"\0") or b"\0"


class Workload:
    def __init__(self, p4info: p4info_pb2.P4Info, n: int) -> None:
        by_name = {o.preamble.name: o for kind in ("tables", "actions")
                   for o in getattr(p4info, kind)}
        self.mac = by_name["I.mac_table"]
        self.route = by_name["I.route_table"]
        self.forward = by_name["I.forward"]
        self.set_dmac = by_name["I.set_dmac"]
        self.n = n

    def exact(self, i: int) -> p4runtime_pb2.Entity:
        e = p4runtime_pb2.Entity()
        te = e.table_entry
        te.table_id = self.mac.preamble.id
        m = te.match.add()
        m.field_id = 1
        m.exact.value = _canon(0x020000000000 + i, 6)
        a = te.action.action
        a.action_id = self.forward.preamble.id
        a.params.add(param_id=1, value=_canon(1 + i % 8, 2))
        return e

    def lpm(self, i: int) -> p4runtime_pb2.Entity:
        e = p4runtime_pb2.Entity()
        te = e.table_entry
        te.table_id = self.route.preamble.id
        m = te.match.add()
        m.field_id = 1
        m.lpm.value = _canon((0x0A000000 + (i << 8)) & 0xFFFFFF00, 4)
        m.lpm.prefix_len = 24
        a = te.action.action
        a.action_id = self.set_dmac.preamble.id
        a.params.add(param_id=1, value=_canon(0x020000000000 + i, 6))
        a.params.add(param_id=2, value=_canon(1 + i % 8, 2))
        return e

    def batches(self, make: Callable[[int], p4runtime_pb2.Entity], kind: int,
                client: P4RuntimeClient) -> list[bytes]:
        out = []
        for start in range(0, self.n, BATCH):
            updates = [Update(type=kind, entity=make(i))
                       for i in range(start, min(self.n, start + BATCH))]
            out.append(client.write_request(updates).SerializeToString())
        return out

    def control_entries(self, exact: bool) -> list[cp.TableEntry]:
        out = []
        for i in range(self.n):
            if exact:
                out.append(cp.TableEntry(
                    self.mac.preamble.id, [cp.FieldMatch.exact(1, (0x020000000000 + i)
                                                                .to_bytes(6, "big"))],
                    action=cp.Action.direct(self.forward.preamble.id,
                                            [(1, (1 + i % 8).to_bytes(2, "big"))])))
            else:
                out.append(cp.TableEntry(
                    self.route.preamble.id,
                    [cp.FieldMatch.lpm(1, ((0x0A000000 + (i << 8)) & 0xFFFFFF00)
                                       .to_bytes(4, "big"), 24)],
                    action=cp.Action.direct(self.set_dmac.preamble.id,
                                            [(1, (0x020000000000 + i).to_bytes(6, "big")),
                                             (2, (1 + i % 8).to_bytes(2, "big"))])))
        return out


# --- Measurements -----------------------------------------------------------------------


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def raw_stubs(channel: grpc.Channel) -> tuple[Callable[..., bytes], Callable[..., Iterator[bytes]]]:
    ident = lambda b: b  # noqa: E731
    write = channel.unary_unary("/p4.v1.P4Runtime/Write", request_serializer=ident,
                                response_deserializer=ident)
    read = channel.unary_stream("/p4.v1.P4Runtime/Read", request_serializer=ident,
                                response_deserializer=ident)
    return write, read


def p4runtime_round(client: P4RuntimeClient, work: Workload, exact: bool) -> dict[str, float]:
    make = work.exact if exact else work.lpm
    table = work.mac if exact else work.route
    inserts = work.batches(make, Update.INSERT, client)
    deletes = work.batches(make, Update.DELETE, client)
    wildcard = p4runtime_pb2.ReadRequest(device_id=client.device_id)
    wildcard.entities.add().table_entry.table_id = table.preamble.id
    read_bytes = wildcard.SerializeToString()
    write, read = raw_stubs(client.channel)
    t_write = timed(lambda: [write(b, timeout=600) for b in inserts])
    count = 0

    def do_read() -> None:
        nonlocal count
        for chunk in read(read_bytes, timeout=600):
            count += len(chunk)
    t_read = timed(do_read)
    assert count > work.n * 10, "the read returned too little"
    t_delete = timed(lambda: [write(b, timeout=600) for b in deletes])
    return {"write": work.n / t_write, "read": work.n / t_read, "delete": work.n / t_delete}


def control_round(ctl: ControlClient, work: Workload, exact: bool) -> dict[str, float]:
    entries = work.control_entries(exact)
    table = (work.mac if exact else work.route).preamble.id
    batches = [[cp.Update(cp.Op.INSERT, e) for e in entries[i:i + BATCH]]
               for i in range(0, len(entries), BATCH)]
    dels = [[cp.Update(cp.Op.DELETE, e) for e in entries[i:i + BATCH]]
            for i in range(0, len(entries), BATCH)]
    t_write = timed(lambda: [ctl.write(b) for b in batches])
    t_read = timed(lambda: list(ctl.read(cp.Entity.TABLE_ENTRY, table)))
    t_delete = timed(lambda: [ctl.write(b) for b in dels])
    return {"write": work.n / t_write, "read": work.n / t_read, "delete": work.n / t_delete}


def single_update_requests(client: P4RuntimeClient, work: Workload, n: int) -> list[bytes]:
    return [client.write_request([Update(type=Update.INSERT, entity=work.exact(i))])
            .SerializeToString() for i in range(n)]


def single_updates(client: P4RuntimeClient, work: Workload, reqs: list[bytes]) -> Figures:
    write, _ = raw_stubs(client.channel)
    figures = serial_rpcs(write, reqs)
    client.write([Update(type=Update.DELETE, entity=work.exact(i)) for i in range(len(reqs))])
    return figures


def empty_rpcs(client: P4RuntimeClient, n: int) -> tuple[float, float]:
    """The floor of any RPC on this machine: Capabilities, which does
    nothing, against the same server (RPCs/s, p50 ms)."""
    same = lambda b: b  # noqa: E731
    caps = client.channel.unary_unary("/p4.v1.P4Runtime/Capabilities",
                                      request_serializer=same, response_deserializer=same)
    rps, p50, _ = serial_rpcs(caps, [p4runtime_pb2.CapabilitiesRequest().SerializeToString()] * n)
    return rps, p50


def serial_rpcs(write: Callable[..., bytes], reqs: list[bytes]) -> Figures:
    """RPCs sent back to back: RPCs/s, p50 and p99 latency (ms)."""
    lat = []
    t0 = time.perf_counter()
    for r in reqs:
        t = time.perf_counter()
        write(r, timeout=60)
        lat.append(time.perf_counter() - t)
    total = time.perf_counter() - t0
    lat.sort()
    return len(reqs) / total, lat[len(lat) // 2] * 1e3, lat[int(len(lat) * 0.99)] * 1e3


def cpp_client_rpcs(addr: str, reqs: list[bytes]) -> Figures | None:
    """The same requests sent back to back by grpc_write_client (gRPC's C++
    library: it costs the RPC little, the figures are the server's); its
    first CPP_WARMUP requests are untimed.  None if it is not built."""
    if not CPP_CLIENT.exists():
        return None
    with tempfile.NamedTemporaryFile(prefix="p4rt-bench-") as f:
        f.write(b"".join(len(r).to_bytes(4, "little") + r for r in reqs))
        f.flush()
        out = json.loads(run(CPP_CLIENT, addr, f.name))
    return out["rate"], out["p50_ms"], out["p99_ms"]


def noop_server_rpcs(reqs: list[bytes]) -> tuple[Figures, Figures | None]:
    """The same single-update Writes, from the Python and the C++ client, to
    a grpc.aio server that does nothing with them (grpc_noop_server.py):
    what Python gRPC alone costs on this machine."""
    addr = f"127.0.0.1:{free_port()}"
    server = subprocess.Popen([sys.executable, HERE / "grpc_noop_server.py", addr],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        with grpc.insecure_channel(addr) as channel:
            write, _ = raw_stubs(channel)
            for r in reqs[:200]:
                write(r, timeout=60)
            python = serial_rpcs(write, reqs)
        return python, cpp_client_rpcs(addr, reqs)
    finally:
        server.kill()
        server.wait()


def figures(f: Figures | None) -> str:
    if f is None:
        return f"not measured ({CPP_CLIENT.relative_to(REPO)} not built: make bench builds it)"
    return f"{f[0]:,.0f}/s, p50 {f[1]:.3f} ms, p99 {f[2]:.3f} ms"


def packet_in_rate(client: P4RuntimeClient, n: int) -> tuple[float, int]:
    frame = bytes.fromhex("ffffffffffff020000000001" "0800") + bytes(50)
    outs = []
    for i in range(n):
        req = p4runtime_pb2.StreamMessageRequest()
        req.packet.payload = frame
        req.packet.metadata.add(metadata_id=1, value=_canon(i & 0xFFFF, 2))
        outs.append(req)
    got = 0
    done = threading.Event()

    def count() -> None:
        nonlocal got
        while got < n:
            try:
                msg = client.receive(5, kind="packet")
            except queue.Empty:
                break
            if msg.packet.payload:
                got += 1
        done.set()

    reader = threading.Thread(target=count, daemon=True)
    t0 = time.perf_counter()
    reader.start()
    for r in outs:
        client.send(r)
    done.wait(120)
    elapsed = time.perf_counter() - t0
    return got / elapsed, got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--singles", type=int, default=3000)
    ap.add_argument("--packet-ins", type=int, default=20000)
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("p4runtime_bench.py needs root (network namespaces)")
    with Sandbox() as sb:
        client = P4RuntimeClient(sb.addr, 1, election_id=(0, 1), timeout=600)
        for _ in range(100):
            try:
                client.arbitrate()
                break
            except Exception:  # ovs-p4rtd still learning the bridge from OVSDB
                client.close()
                time.sleep(0.2)
                client = P4RuntimeClient(sb.addr, 1, election_id=(0, 1), timeout=600)
        work = Workload(client.p4info(), args.entries)
        transport = SocketTransport.connect(sb.dir / "bench0.p4ctl", timeout=600)
        ctl = ControlClient(transport, transport.events)
        print(f"ovs-p4rtd into a P4 bridge, {args.entries} entries, batches of {BATCH} "
              f"(requests serialized before timing)\n")
        print(f"{'operation':<22}{'P4Runtime/s':>14}{'control/s':>14}{'ratio':>8}"
              f"{'BMv2 ref/s':>13}{'vs BMv2':>9}")
        for exact in (True, False):
            rt = p4runtime_round(client, work, exact)
            base = control_round(ctl, work, exact)
            for op in ("write", "read", "delete"):
                print(f"{('exact ' if exact else 'LPM ') + op:<22}{rt[op]:>14,.0f}"
                      f"{base[op]:>14,.0f}{rt[op] / base[op]:>8.2f}{BMV2[op]:>13,.0f}"
                      f"{rt[op] / BMV2[op]:>9.2f}")
        singles = single_update_requests(client, work, args.singles)
        floor_rps, floor_p50 = empty_rpcs(client, args.singles)
        py = single_updates(client, work, singles)
        cpp = cpp_client_rpcs(sb.addr, singles)
        if cpp is not None:
            client.write([Update(type=Update.DELETE, entity=work.exact(i))
                          for i in range(len(singles))])
        noop_py, noop_cpp = noop_server_rpcs(singles)
        print(f"\nsingle-update Write RPCs, back to back (BMv2 ref {BMV2['single']:,.0f}/s, "
              "p50 0.19 ms):")
        for name, f, noop in (("C++ client", cpp, noop_cpp), ("Python client", py, noop_py)):
            vs = f"; ratio to BMv2 {f[0] / BMV2['single']:.2f}" if f else ""
            print(f"  {name + ':':<15}{figures(f)}{vs}")
            ratio = f"; ovs-p4rtd/no-op rate {f[0] / noop[0]:.2f}" if f and noop else ""
            print(f"    baseline, a grpc.aio server doing nothing with them: "
                  f"{figures(noop)}{ratio}")
        print(f"  baseline, Capabilities (an RPC doing nothing) on ovs-p4rtd, Python client: "
              f"{floor_rps:,.0f}/s, p50 {floor_p50:.3f} ms (grpcio {grpc.__version__})")
        rate, got = packet_in_rate(client, args.packet_ins)
        print(f"packet-in (packet-out looped back): {rate:,.0f} packets/s "
              f"({got}/{args.packet_ins} received)")
        transport.close()
        client.close()


if __name__ == "__main__":
    main()
