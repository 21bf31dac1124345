"""End-to-end throughput of a P4 bridge against a native OVS bridge, same run.

One ovs-vswitchd (this project's build, in an ovs-p4-sandbox in a network
namespace of its own) runs two bridges, each between two namespaces joined
to it by veth pairs:

- ``p4``: ``datapath_type=p4`` running benchmarks/programs/portfwd.p4
  (P4 port 1 -> 2, 2 -> 1);
- ``native``: ``datapath_type=netdev`` with one OpenFlow flow
  ``in_port=1,actions=output:2`` (the classic userspace datapath: EMC,
  megaflow cache).

Both paths are alike: veth ports polled by dpif-netdev's non-PMD thread,
64-byte UDP frames from a generator (C, built here with gcc: AF_PACKET,
PACKET_QDISC_BYPASS, sendmmsg, as fast as it can) in the sending namespace.
Offered load: frames that entered the bridge's ingress veth per second (its
rx counter); throughput: frames the bridge sent out of its egress veth per
second (its tx counter, the receiving namespace's rx), over ``--seconds``
after a warm-up.  Measurements alternate between the bridges (ABBA order)
for ``--reps`` repetitions; medians and the ratio P4/native are printed.
This is a benchmark, not a test: nothing fails on a slow run.

    sudo .venv/bin/python benchmarks/ovs_bench.py [--seconds S] [--reps N] [--flows F]

Needs root, iproute2, gcc and `make ovs` (run here if needed).  The
generator and ovs-vswitchd are pinned to two different CPUs (``--cpus``):
unpinned, the scheduler sometimes runs both on one CPU, which halves some
measurements and not others.  "forwarded per CPU-second" (frames forwarded
per second of CPU time of all ovs-vswitchd threads) is the steadiest figure
on a shared machine: other load takes CPU time from ovs-vswitchd, not
cycles from each packet.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ovsp4.control.client import ControlClient
from ovsp4.control.socket import SocketTransport

REPO = Path(__file__).resolve().parents[1]
PROGRAM = REPO / "benchmarks" / "programs" / "portfwd.p4"
VENV_BIN = Path(sys.executable).parent

# The generator: 64-byte UDP frames (60 without the FCS) from a ring of
# `flows` source ports, in batches of 64 with sendmmsg(), for `seconds`.
# Prints how many the kernel accepted.
GEN_C = r"""
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BATCH 64
#define LEN 60

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint16_t csum(const uint8_t *p, int n)
{
    uint32_t s = 0;
    for (int i = 0; i < n; i += 2) s += (p[i] << 8) | p[i + 1];
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return ~s;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: gen IFNAME SECONDS FLOWS\n");
        return 2;
    }
    double end = now() + atof(argv[2]);
    int flows = atoi(argv[3]) > 0 ? atoi(argv[3]) : 1;
    int fd = socket(AF_PACKET, SOCK_RAW, 0);    /* protocol 0: send only */
    int one = 1;
    struct sockaddr_ll sll = { .sll_family = AF_PACKET,
                               .sll_ifindex = if_nametoindex(argv[1]) };
    static uint8_t frames[BATCH][LEN];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    unsigned long long sent = 0;

    if (fd < 0 || !sll.sll_ifindex
        || bind(fd, (struct sockaddr *) &sll, sizeof sll)) {
        perror("gen");
        return 1;
    }
    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
    for (int i = 0; i < BATCH; i++) {
        static const uint8_t eth[14] = {
            0x02, 0, 0, 0, 0, 0x99,     /* nobody's: the sink drops it early */
            0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00 };
        uint8_t *f = frames[i], *ip = f + 14, *udp = ip + 20;
        uint16_t sport = 1024 + i % flows;

        memset(f, 0, LEN);
        memcpy(f, eth, 14);
        ip[0] = 0x45; ip[3] = LEN - 14; ip[8] = 64; ip[9] = 17;
        ip[12] = 10; ip[13] = 0; ip[14] = 8; ip[15] = 1;
        ip[16] = 10; ip[17] = 0; ip[18] = 8; ip[19] = 2;
        uint16_t c = csum(ip, 20);
        ip[10] = c >> 8; ip[11] = c;
        udp[0] = sport >> 8; udp[1] = sport; udp[2] = 0x13; udp[3] = 0x89;
        udp[5] = LEN - 34;
        iov[i] = (struct iovec) { frames[i], LEN };
        memset(&msgs[i], 0, sizeof msgs[i]);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    while (now() < end) {
        int n = sendmmsg(fd, msgs, BATCH, 0);
        if (n > 0) {
            sent += n;
        } else if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
            perror("sendmmsg");
            return 1;
        }
    }
    printf("%llu\n", sent);
    return 0;
}
"""


def sh(*args: str | Path, check: bool = True, env: dict[str, str] | None = None
       ) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env,
                       timeout=300)
    if check and r.returncode:
        raise SystemExit(f"{' '.join(map(str, args))} ({r.returncode}): {r.stdout}{r.stderr}")
    return r


@dataclass
class Path2:
    """A bridge between two namespaces: gen -> ``inp`` (port 1) -> bridge
    -> ``out`` (port 2) -> sink."""

    name: str
    gen_ns: str
    sink_ns: str
    inp: str
    out: str


@dataclass
class Sample:
    offered: float      # frames/s into the bridge
    forwarded: float    # frames/s out of it
    cpu: float          # ovs-vswitchd's CPU use (1.0: one core busy)

    @property
    def per_cpu(self) -> float:
        """Frames forwarded per CPU-second of ovs-vswitchd: what the
        bridge costs, less sensitive to other load on the machine."""
        return self.forwarded / self.cpu if self.cpu else 0.0


class Bench:
    def __init__(self, work: Path, tag: str) -> None:
        self.work = work
        self.ns = f"{tag}sw"
        self.sandbox = work / "sandbox"
        self.env = dict(os.environ)
        for var in ("OVS_RUNDIR", "OVS_DBDIR", "OVS_LOGDIR", "OVS_SYSCONFDIR"):
            self.env[var] = str(self.sandbox)
        bindir = REPO / "build" / "ovs" / "bin"
        self.env["PATH"] = f"{bindir}:{VENV_BIN}:{self.env['PATH']}"
        self.namespaces = [self.ns]
        self.gen = work / "gen"
        self.tag = tag
        self.gen_cpus: set[int] | None = None

    def pin(self, gen_cpu: int, ovs_cpu: int) -> None:
        """The generator on one CPU, every ovs-vswitchd thread on another:
        otherwise the scheduler sometimes puts the two busy threads on one
        CPU (the receive wakes ovs-vswitchd up on the sender's CPU), which
        halves the figures of some measurements and not of others."""
        self.gen_cpus = {gen_cpu}
        pid = (self.sandbox / "ovs-vswitchd.pid").read_text().strip()
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                os.sched_setaffinity(int(task.name), {ovs_cpu})
            except OSError:
                pass    # a thread that just exited

    # --- Set-up ------------------------------------------------------------

    def build(self) -> None:
        r = subprocess.run(["make", "-f", "datapath/ovs.mk", "ovs"], cwd=REPO, text=True,
                           capture_output=True)
        if r.returncode:
            raise SystemExit(f"make ovs failed:\n{r.stdout[-2000:]}{r.stderr[-3000:]}")
        src = self.work / "gen.c"
        src.write_text(GEN_C)
        sh("gcc", "-O2", "-Wall", "-o", self.gen, src)

    def netns(self, name: str) -> None:
        sh("ip", "netns", "del", name, check=False)
        sh("ip", "netns", "add", name)
        sh("ip", "-n", name, "link", "set", "lo", "up")
        self.namespaces.append(name)

    def veth(self, port: str, ns: str) -> None:
        """``port`` in the switch's namespace, its peer ``eth0`` in ``ns``."""
        sh("ip", "-n", self.ns, "link", "add", port, "type", "veth", "peer", "name", "eth0",
           "netns", ns)
        sh("ip", "netns", "exec", ns, "sh", "-c",
           "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6")
        sh("ip", "-n", ns, "link", "set", "eth0", "up")
        sh("ip", "-n", self.ns, "link", "set", port, "up")

    def start(self) -> None:
        sh("ip", "netns", "del", self.ns, check=False)
        sh("ip", "netns", "add", self.ns)
        sh("ip", "-n", self.ns, "link", "set", "lo", "up")
        sh(VENV_BIN / "ovs-p4-sandbox", "start", self.sandbox, "--netns", self.ns,
           env=self.env)

    def path(self, name: str) -> Path2:
        p = Path2(name, f"{self.tag}{name}-g", f"{self.tag}{name}-s", f"{name}-in", f"{name}-out")
        self.netns(p.gen_ns)
        self.netns(p.sink_ns)
        self.veth(p.inp, p.gen_ns)
        self.veth(p.out, p.sink_ns)
        return p

    def p4_bridge(self, p: Path2) -> None:
        """Made as the native one is, with ovs-vsctl: ovs-vswitchd's own
        contract (Documentation/ovs-integration.md), the program compiled by
        ovs-p4c."""
        sh(VENV_BIN / "ovs-p4c", PROGRAM, "-o", self.work / "portfwd")
        so = self.work / "portfwd" / "portfwd.so"
        sh("ovs-vsctl", "--timeout=30", "add-br", p.name, "--", "set", "bridge", p.name,
           "datapath_type=p4", f"other_config:p4-pipeline={so}", "--", "add-port", p.name,
           p.inp, "--", "set", "interface", p.inp, "ofport_request=1", "--", "add-port",
           p.name, p.out, "--", "set", "interface", p.out, "ofport_request=2", env=self.env)

    def native_bridge(self, p: Path2) -> None:
        sh("ovs-vsctl", "--timeout=30", "add-br", p.name, "--", "set", "bridge", p.name,
           "datapath_type=netdev", "--", "add-port", p.name, p.inp, "--", "set", "interface",
           p.inp, "ofport_request=1", "--", "add-port", p.name, p.out, "--", "set",
           "interface", p.out, "ofport_request=2", env=self.env)
        sh("ovs-ofctl", "del-flows", p.name, env=self.env)
        sh("ovs-ofctl", "add-flow", p.name, "in_port=1,actions=output:2", env=self.env)

    def stop(self) -> None:
        sh(VENV_BIN / "ovs-p4-sandbox", "stop", self.sandbox, check=False, env=self.env)
        for ns in self.namespaces:
            sh("ip", "netns", "del", ns, check=False)

    # --- Measurement ---------------------------------------------------------

    def vswitchd_cpu_ns(self) -> int:
        """CPU time of all ovs-vswitchd threads so far (schedstat: ns)."""
        pid = (self.sandbox / "ovs-vswitchd.pid").read_text().strip()
        total = 0
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                pass    # a thread that just exited
        return total

    def counters(self, p: Path2) -> tuple[float, int, int, int]:
        """(time, frames into the bridge, frames out of it, ovs-vswitchd's
        CPU ns), read together."""
        t0 = time.monotonic()
        r = sh("ip", "netns", "exec", self.ns, "cat",
               f"/sys/class/net/{p.inp}/statistics/rx_packets",
               f"/sys/class/net/{p.out}/statistics/tx_packets")
        cpu = self.vswitchd_cpu_ns()
        t1 = time.monotonic()
        rx, tx = map(int, r.stdout.split())
        return (t0 + t1) / 2, rx, tx, cpu

    def measure(self, p: Path2, seconds: float, warmup: float, flows: int) -> Sample:
        cpus = self.gen_cpus
        gen = subprocess.Popen(
            ["ip", "netns", "exec", p.gen_ns, str(self.gen), "eth0",
             str(warmup + seconds + 0.5), str(flows)],
            stdout=subprocess.PIPE, text=True,
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
        try:
            time.sleep(warmup)
            t0, rx0, tx0, cpu0 = self.counters(p)
            time.sleep(seconds)
            t1, rx1, tx1, cpu1 = self.counters(p)
        finally:
            out, _ = gen.communicate(timeout=warmup + seconds + 30)
        if gen.returncode:
            raise SystemExit(f"generator failed ({gen.returncode})")
        assert int(out) > 0
        # Drain: the next measurement starts on an idle path.
        time.sleep(0.3)
        dt = t1 - t0
        return Sample((rx1 - rx0) / dt, (tx1 - tx0) / dt, (cpu1 - cpu0) / 1e9 / dt)


def fmt(pps: float) -> str:
    return f"{pps / 1e3:8.1f} kpps"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=2.0, help="per measurement (default 2)")
    ap.add_argument("--warmup", type=float, default=0.5, help="before each (default 0.5)")
    ap.add_argument("--reps", type=int, default=5, help="measurements per bridge (default 5)")
    ap.add_argument("--flows", type=int, default=1,
                    help="distinct UDP source ports in the traffic (default 1)")
    ap.add_argument("--cpus", metavar="GEN,OVS",
                    help="CPUs for the generator and ovs-vswitchd (default: the first "
                         "two this process may use; 'none': not pinned)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        # `make bench` runs every benchmark: skip, say so, do not fail.
        print("ovs_bench: skipped: needs root (network namespaces, ovs-vswitchd)",
              file=sys.stderr)
        return 0
    for tool in ("ip", "gcc", "make"):
        if shutil.which(tool) is None:
            print(f"ovs_bench: {tool} is not installed", file=sys.stderr)
            return 1

    with tempfile.TemporaryDirectory(prefix="ovs_bench.") as d:
        bench = Bench(Path(d), f"ob{os.getpid() % 10000}")
        bench.build()
        try:
            bench.start()
            paths = {"p4": bench.path("p4"), "native": bench.path("nat")}
            bench.p4_bridge(paths["p4"])
            bench.native_bridge(paths["native"])
            allowed = sorted(os.sched_getaffinity(0))
            if args.cpus and args.cpus != "none":
                gen_cpu, ovs_cpu = map(int, args.cpus.split(","))
            elif args.cpus is None and len(allowed) >= 2:
                gen_cpu, ovs_cpu = allowed[:2]
            else:
                gen_cpu = ovs_cpu = -1
            if gen_cpu >= 0:
                bench.pin(gen_cpu, ovs_cpu)
            results: dict[str, list[Sample]] = {k: [] for k in paths}
            pinned = (f"generator on CPU {gen_cpu}, ovs-vswitchd on CPU {ovs_cpu}"
                      if gen_cpu >= 0 else "not pinned")
            print(f"{args.reps} x {args.seconds:g} s per bridge, 64-byte UDP frames, "
                  f"{args.flows} flow(s), measurements interleaved, {pinned}")
            for rep in range(args.reps):
                order = list(paths) if rep % 2 == 0 else list(reversed(paths))
                for kind in order:
                    s = bench.measure(paths[kind], args.seconds, args.warmup, args.flows)
                    results[kind].append(s)
                    print(f"  {rep + 1}. {kind:6}  offered {fmt(s.offered)}  "
                          f"forwarded {fmt(s.forwarded)}  ovs-vswitchd CPU {s.cpu:4.0%}  "
                          f"{fmt(s.per_cpu)}/CPU", flush=True)
            p4show = sh("ovs-appctl", "p4/show", "p4", env=bench.env).stdout
            with SocketTransport.connect(bench.sandbox / "p4.p4ctl") as t:
                stats = ControlClient(t).get_stats()
        finally:
            bench.stop()

    med = {k: (statistics.median(s.offered for s in v),
               statistics.median(s.forwarded for s in v),
               statistics.median(s.per_cpu for s in v)) for k, v in results.items()}
    print()
    print(f"{'medians':8} {'offered':>14} {'forwarded':>14} {'forwarded/CPU-s':>16}")
    for k, (offered, fwd, per_cpu) in med.items():
        print(f"{k:8} {fmt(offered):>14} {fmt(fwd):>14} {fmt(per_cpu):>16}")

    def ratio(i: int) -> float:
        return med["p4"][i] / med["native"][i] if med["native"][i] else float("nan")

    print(f"\nratio P4/native: forwarded {ratio(1):.3f}, forwarded per CPU-second "
          f"{ratio(2):.3f} (offered {ratio(0):.3f})")
    line = next((ln.strip() for ln in p4show.splitlines() if ln.strip().startswith("packets:")),
                "")
    if line:
        print(f"P4 bridge counters: {line}")
    print(f"P4 pipeline counters: packets {stats['packets']}, outputs {stats['outputs']}, "
          f"output drops {stats['output_drops']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
