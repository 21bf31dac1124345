"""Shared helpers of the integration tests: the OVS build, commands, network
namespaces with hosts joined by veth pairs, and counted test traffic.

The fixtures built on these are in conftest.py beside this file.  Needs
root (network namespaces) and Linux.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import grpc
import pytest

from ovsp4.control.client import ControlClient
from ovsp4.control.socket import SocketTransport

if TYPE_CHECKING:
    from ovsp4.p4runtime.client import P4RuntimeClient

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("OVSP4_BUILD", ROOT / "build"))
if not BUILD.is_absolute():
    BUILD = ROOT / BUILD
BIN = BUILD / "ovs" / "bin"
SCHEMA = BUILD / "ovs" / "share" / "vswitch.ovsschema"
VENV_BIN = Path(sys.executable).parent

requires_root_linux = [
    pytest.mark.skipif(sys.platform != "linux", reason="Open vSwitch datapath: Linux only"),
    pytest.mark.skipif(
        hasattr(os, "geteuid") and os.geteuid() != 0,
        reason="needs root: ovs-vswitchd creates tap devices, the tests network namespaces",
    ),
]

T = TypeVar("T")


def p4rt_client(sb: Sandbox, device_id: int = 1,
                election: tuple[int, int] | None = (0, 1), **kw: object) -> P4RuntimeClient:
    """A P4Runtime client of the sandbox's ovs-p4rtd; with ``election``,
    arbitrated (once ovs-p4rtd knows the device from OVSDB)."""
    from ovsp4.p4runtime.client import P4RuntimeClient, P4RuntimeClientError

    def arbitrate() -> bool:
        try:
            c.arbitrate(election, check=False)
            return True
        except P4RuntimeClientError as exc:
            if exc.code != grpc.StatusCode.NOT_FOUND:
                raise
            c.close()
            c.__init__(c.address, c.device_id, timeout=60)  # type: ignore[misc]
            return False

    c = P4RuntimeClient(sb.p4runtime, device_id, timeout=60, **kw)  # type: ignore[arg-type]
    if election is not None:
        wait_until(arbitrate, 30, "ovs-p4rtd to know the device")
    return c


def wait_until(cond: Callable[[], T], timeout: float = 10.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def sh(*args: str | Path, check: bool = True, timeout: float = 60,
       env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout,
                       env=env)
    if check and r.returncode:
        raise AssertionError(f"{' '.join(map(str, args))} ({r.returncode}): {r.stdout}{r.stderr}")
    return r


def build_ovs() -> Path:
    """``make ovs`` (does nothing when build/ovs is up to date); the bindir."""
    r = subprocess.run(["make", "-f", "datapath/ovs.mk", "ovs", f"OVSP4_BUILD={BUILD}"],
                       cwd=ROOT, capture_output=True, text=True, timeout=3600)
    if r.returncode:
        pytest.fail(f"make ovs failed:\n{r.stdout[-3000:]}\n{r.stderr[-5000:]}")
    return BIN


def free_tcp_port() -> int:
    """A TCP port free on 127.0.0.1 now (the kernel's pick)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique(prefix: str) -> str:
    """A name for this test process (namespaces are system-wide)."""
    return f"{prefix}{os.getpid() % 100000}"


# --- Network namespaces and hosts ---------------------------------------------


def netns_add(name: str) -> None:
    sh("ip", "netns", "del", name, check=False)
    sh("ip", "netns", "add", name)
    sh("ip", "-n", name, "link", "set", "lo", "up")


def netns_del(name: str) -> None:
    sh("ip", "netns", "del", name, check=False)


@dataclass
class Host:
    """A host: a network namespace with one interface ``eth0``, the peer of
    ``port`` in the switch's namespace."""

    ns: str
    port: str
    ip: str
    mac: str

    @classmethod
    def create(cls, ns: str, switch_ns: str, port: str, ip: str, mac: str,
               prefix: int = 24) -> Host:
        netns_add(ns)
        sh("ip", "-n", switch_ns, "link", "add", port, "type", "veth",
           "peer", "name", "eth0", "netns", ns)
        sh("ip", "-n", ns, "link", "set", "eth0", "address", mac)
        # No IPv6 chatter (router solicitations...) in the counted traffic.
        sh("ip", "netns", "exec", ns, "sh", "-c",
           "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6", check=False)
        sh("ip", "-n", ns, "addr", "add", f"{ip}/{prefix}", "dev", "eth0")
        sh("ip", "-n", ns, "link", "set", "eth0", "up")
        sh("ip", "-n", switch_ns, "link", "set", port, "up")
        return cls(ns, port, ip, mac)

    def run(self, *args: str | Path, check: bool = True, timeout: float = 60
            ) -> subprocess.CompletedProcess[str]:
        return sh("ip", "netns", "exec", self.ns, *args, check=check, timeout=timeout)

    def gateway(self, gw_ip: str, gw_mac: str) -> None:
        """A default route through a gateway with a static neighbour entry
        (the P4 tutorials' hosts: their switches do not answer ARP)."""
        sh("ip", "-n", self.ns, "neigh", "replace", gw_ip, "lladdr", gw_mac, "dev", "eth0",
           "nud", "permanent")
        sh("ip", "-n", self.ns, "route", "replace", "default", "via", gw_ip, "dev", "eth0")

    def ping(self, addr: str, count: int = 3, wait: float = 2.0) -> bool:
        r = self.run("ping", "-n", "-c", str(count), "-i", "0.2", "-W", str(wait), addr,
                     check=False, timeout=count * (wait + 1) + 10)
        return r.returncode == 0

    def destroy(self) -> None:
        netns_del(self.ns)


# --- Counted test frames --------------------------------------------------------

ETH_TYPE = 0x88B5  # IEEE local experimental: our test frames

RECEIVER = r"""
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88B5))
s.bind((sys.argv[1], 0))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.settimeout(float(sys.argv[3]))
want, seen = int(sys.argv[2]), set()
print("ready", flush=True)
try:
    while len(seen) < want:
        f = s.recv(2048)
        if f[14:19] == b"OVSP4":
            seen.add(struct.unpack("!I", f[19:23])[0])
except socket.timeout:
    pass
print(len(seen), flush=True)
"""

SENDER = r"""
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
n, gap = int(sys.argv[2]), float(sys.argv[3])
for i in range(n):
    f = bytes.fromhex("ffffffffffff020000000001") + struct.pack("!H", 0x88B5)
    f += b"OVSP4" + struct.pack("!I", i) + bytes(50)
    s.send(f)
    time.sleep(gap)
"""


def counted_frames(send: tuple[str, str], recv: tuple[str, str], n: int, gap: float,
                   during: Callable[[], None], recv_timeout: float = 5.0) -> int:
    """Sends ``n`` numbered frames from (namespace, interface) ``send`` to
    ``recv`` (``gap`` seconds apart), calling ``during()`` repeatedly while
    they flow; returns how many distinct frames arrived."""
    receiver = subprocess.Popen(
        ["ip", "netns", "exec", recv[0], sys.executable, "-c", RECEIVER, recv[1], str(n),
         str(recv_timeout)], stdout=subprocess.PIPE, text=True)
    try:
        assert receiver.stdout is not None
        assert receiver.stdout.readline().strip() == "ready"
        sender = subprocess.Popen(
            ["ip", "netns", "exec", send[0], sys.executable, "-c", SENDER, send[1], str(n),
             str(gap)])
        while sender.poll() is None:
            during()
        assert sender.wait() == 0
        return int(receiver.communicate(timeout=60)[0].strip())
    finally:
        if receiver.poll() is None:
            receiver.kill()
            receiver.wait()


# --- The sandbox (ovs-p4-sandbox) -----------------------------------------------


@dataclass
class Sandbox:
    dir: Path
    netns: str
    env: dict[str, str] = field(default_factory=dict)
    p4runtime: str = ""       # ovs-p4rtd's address, once started with it

    def __post_init__(self) -> None:
        self.env = dict(os.environ)
        for var in ("OVS_RUNDIR", "OVS_DBDIR", "OVS_LOGDIR", "OVS_SYSCONFDIR"):
            self.env[var] = str(self.dir)
        self.env["PATH"] = f"{SCHEMA.parent.parent / 'bin'}:{VENV_BIN}:{self.env['PATH']}"

    def run(self, *args: str | Path, check: bool = True, timeout: float = 120
            ) -> subprocess.CompletedProcess[str]:
        r = subprocess.run([str(a) for a in args], env=self.env, capture_output=True, text=True,
                           timeout=timeout)
        if check and r.returncode:
            raise AssertionError(
                f"{' '.join(map(str, args))} ({r.returncode}):\n{r.stdout}{r.stderr}"
                f"\n--- ovs-vswitchd.log (end) ---\n{self.log()[-3000:]}")
        return r

    def start(self, *, p4rtd: bool = False) -> subprocess.CompletedProcess[str]:
        """Starts the daemons; with ``p4rtd``, ovs-p4rtd too, on a free
        local port (``p4runtime``), which ovs-p4ctl finds in the env."""
        extra: list[str] = []
        if p4rtd:
            self.p4runtime = f"127.0.0.1:{free_tcp_port()}"
            self.env["OVSP4_P4RUNTIME"] = self.p4runtime
            extra = ["--p4rtd-listen", self.p4runtime]
        return self.run(VENV_BIN / "ovs-p4-sandbox", "start", self.dir, "--netns", self.netns,
                        "--enable-dummy", *extra)

    def p4rtd_log(self) -> str:
        try:
            return (self.dir / "ovs-p4rtd.log").read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        self.run(VENV_BIN / "ovs-p4-sandbox", "stop", self.dir, check=False)

    def p4ctl(self, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("ovs-p4ctl", *args, check=check)

    def vsctl(self, *args: str) -> str:
        return self.run("ovs-vsctl", "--timeout=30", *args).stdout

    def appctl(self, *args: str, check: bool = True) -> str:
        return self.run("ovs-appctl", *args, check=check).stdout

    def log(self) -> str:
        try:
            return (self.dir / "ovs-vswitchd.log").read_text(errors="replace")
        except OSError:
            return ""

    def vswitchd_pid(self) -> int | None:
        try:
            return int((self.dir / "ovs-vswitchd.pid").read_text())
        except (OSError, ValueError):
            return None

    def control(self, bridge: str) -> tuple[ControlClient, SocketTransport]:
        t = SocketTransport.connect(self.dir / f"{bridge}.p4ctl", timeout=10)
        return ControlClient(t, t.events), t


def basic_hosts(make: Callable[..., Host], switch: str = "s1") -> tuple[Host, Host]:
    """The tutorials' pod-topo h1 and h2 on ports 1 and 2 of ``switch``."""
    h1 = make("h1", f"{switch}-eth1", "10.0.1.1", "08:00:00:00:01:11")
    h2 = make("h2", f"{switch}-eth2", "10.0.2.2", "08:00:00:00:02:22")
    h1.gateway("10.0.1.10", "08:00:00:00:01:00")
    h2.gateway("10.0.2.20", "08:00:00:00:02:00")
    return h1, h2


def p4_bridge(sb: Sandbox, name: str, program: Path, ports: list[str], *extra: str,
              first_port: int = 1) -> None:
    """A P4 bridge running ``program`` with ``ports`` as P4 ports
    ``first_port``, ``first_port + 1``..."""
    sb.p4ctl("add-br", name, "--program", program, *extra)
    for n, port in enumerate(ports, first_port):
        sb.p4ctl("add-port", name, port, "--port-id", str(n))


# --- TLS ----------------------------------------------------------------------------


def make_pki(d: Path) -> dict[str, Path]:
    """In ``d``: a CA (ca.pem, ca.key), a server certificate for
    127.0.0.1 (server.pem, server.key) and a client certificate
    (client.pem, client.key), all signed by the CA; by file name."""
    def ssl(*args: str | Path) -> None:
        sh("openssl", *args)

    d.mkdir(parents=True, exist_ok=True)
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=ovsp4-ca",
        "-keyout", d / "ca.key", "-out", d / "ca.pem")
    for name in ("server", "client"):
        ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN=ovsp4-{name}",
            "-keyout", d / f"{name}.key", "-out", d / f"{name}.csr")
        (d / f"{name}.ext").write_text("subjectAltName=IP:127.0.0.1\n")
        ssl("x509", "-req", "-in", d / f"{name}.csr", "-CA", d / "ca.pem", "-CAkey",
            d / "ca.key", "-CAcreateserial", "-days", "1", "-extfile", d / f"{name}.ext",
            "-out", d / f"{name}.pem")
    return {n: d / n for n in ("ca.pem", "ca.key", "server.pem", "server.key", "client.pem",
                                "client.key")}


@contextmanager
def tls_p4rtd(sb: Sandbox, pki: dict[str, Path], d: Path) -> Iterator[str]:
    """A second ovs-p4rtd serving the sandbox's devices over mutual TLS
    (``make_pki``'s server certificate; clients need one its CA signed), on
    a free port: its address.  Its log is d/tls-p4rtd.log."""
    addr = f"127.0.0.1:{free_tcp_port()}"
    pidfile = d / "tls-p4rtd.pid"
    sb.run(VENV_BIN / "ovs-p4rtd", f"--db=unix:{sb.dir / 'db.sock'}", f"--listen={addr}",
           f"--cert={pki['server.pem']}", f"--key={pki['server.key']}", f"--ca={pki['ca.pem']}",
           f"--pidfile={pidfile}", f"--log-file={d / 'tls-p4rtd.log'}", "--detach")
    try:
        yield addr
    finally:
        sb.run("kill", pidfile.read_text().strip(), check=False)


# --- Frames on a host's interface -------------------------------------------------

# Prints "ready", then the hex of every frame of the given ethertype that
# arrives on the interface (not those it sends), one per line, until killed.
_CAPTURE = r"""
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(int(sys.argv[2])))
s.bind((sys.argv[1], 0))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
print("ready", flush=True)
while True:
    frame, addr = s.recvfrom(65536)
    if addr[2] != socket.PACKET_OUTGOING:
        print(frame.hex(), flush=True)
"""
ETH_P_ALL = 0x0003


class Capture:
    """Frames arriving on ``ifname`` in namespace ``ns`` (of ``ethertype``,
    default all), captured by a raw AF_PACKET socket there from the moment
    the constructor returns."""

    def __init__(self, ns: str, ifname: str = "eth0", ethertype: int = ETH_P_ALL) -> None:
        self.where = f"{ns}/{ifname}"
        self.frames: list[bytes] = []
        self._proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, sys.executable, "-c", _CAPTURE, ifname, str(ethertype)],
            stdout=subprocess.PIPE, text=True)
        assert self._proc.stdout is not None
        assert self._proc.stdout.readline().strip() == "ready"
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self.frames.append(bytes.fromhex(line.strip()))

    def wait_for(self, f: bytes, timeout: float = 10.0) -> list[bytes]:
        """Waits until ``f`` arrived; returns the frames up to it."""
        wait_until(lambda: f in self.frames, timeout, f"{f[14:30]!r} on {self.where}")
        return self.frames[:self.frames.index(f) + 1]

    def count(self, tag: bytes) -> int:
        """How many frames so far contain ``tag``."""
        return sum(tag in f for f in list(self.frames))

    def close(self) -> None:
        self._proc.kill()
        self._proc.wait()
