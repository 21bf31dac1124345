"""Real P4Runtime clients against ovs-p4rtd, with real traffic.

A sandbox with ovs-p4rtd (ovsdb-server, this project's ovs-vswitchd in a
network namespace, ovs-p4rtd on a free local port), P4 bridges made with
``ovs-p4ctl add-br``/``add-port``, three hosts in network namespaces on
each bridge's ports 1-3, and two real client libraries, each run from its
own virtual environment (they pin incompatible protobuf versions; ``make
p4rt-clients``):

- p4runtime-shell 0.0.6 (build/venv-p4rt-shell): tests/p4rt_clients/shell_client.py
- finsy 0.30 (build/venv-finsy): tests/p4rt_clients/finsy_client.py

The same scenarios run with both: the test drives the client script over
a JSON line protocol (tests/p4rt_clients/driver.py), the client does each
step with its library's own objects, and the test checks both what the
client reports and what the datapath does with the hosts' traffic.  The
program is tests/programs/p4rt_client_switch.p4, pushed by the clients
with SetForwardingPipelineConfig(VERIFY_AND_COMMIT) (its P4 source as the
device config, its P4Info from ``ovs-p4c --p4runtime-files``).

Last, a PTF test (``ptf``, in ./.venv) of the tutorials' basic.p4:
tests/p4rt_clients/ptf/, packets sent and checked one by one on veth
interfaces bound to the bridge's ports.

Needs root (network namespaces).  See Documentation/p4runtime.md, "Real
clients".
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import os
import queue
import re
import shutil
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ovstest import (
    BUILD,
    ROOT,
    VENV_BIN,
    Capture,
    Host,
    Sandbox,
    netns_add,
    netns_del,
    requires_root_linux,
    sh,
    unique,
    wait_until,
)

from conformance_data import TUTORIALS, requires_conformance

pytestmark = requires_root_linux

CLIENTS = ROOT / "tests" / "p4rt_clients"
PROGRAM = ROOT / "tests" / "programs" / "p4rt_client_switch.p4"
OTHER_PROGRAM = ROOT / "tests" / "programs" / "packet_io.p4"
BASIC = TUTORIALS / "basic" / "basic.p4"
CPU_PORT = 64
VENVS = {"shell": "venv-p4rt-shell", "finsy": "venv-finsy"}
SCRIPTS = {"shell": CLIENTS / "shell_client.py", "finsy": CLIENTS / "finsy_client.py"}
KINDS = sorted(VENVS)

_names = itertools.count(1)

# --- Set-up ----------------------------------------------------------------------


def client_python(kind: str) -> Path:
    """The python of the client's virtual environment, made by ``make`` if
    it is missing or out of date (``make p4rt-clients`` does both)."""
    venv = BUILD / VENVS[kind]
    r = subprocess.run(["make", f"OVSP4_BUILD={BUILD}", f"{venv}/.stamp"], cwd=ROOT,
                       capture_output=True, text=True, timeout=900)
    if r.returncode:
        pytest.fail(f"make {venv}/.stamp failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return venv / "bin" / "python"


def p4info_of(program: Path, out: Path) -> Path:
    """The P4Info (text) of ``program``, as a controller gets it."""
    path = out / f"{program.stem}.p4info.txtpb"
    sh(VENV_BIN / "ovs-p4c", program, "--p4runtime-files", path, timeout=300)
    return path


@pytest.fixture(scope="module")
def rt(ovs_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One sandbox with ovs-p4rtd for the module; each test makes its own
    bridges and hosts."""
    if shutil.which("ip") is None:
        pytest.fail("iproute2 (ip) is not installed")
    netns = unique("p4rc")
    netns_add(netns)
    sb = Sandbox(tmp_path_factory.mktemp("p4rt-clients") / "sandbox", netns)
    try:
        sb.start(p4rtd=True)
        wait_until(lambda: sb.p4rtd_log() or (sb.dir / "ovs-p4rtd.pid").exists(), 30,
                   "ovs-p4rtd to start")
        yield sb
    finally:
        sb.stop()
        netns_del(netns)
        print(f"--- ovs-vswitchd.log ---\n{sb.log()[-6000:]}")
        print(f"--- ovs-p4rtd.log ---\n{sb.p4rtd_log()[-8000:]}")


@pytest.fixture(scope="module")
def p4info(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return p4info_of(PROGRAM, tmp_path_factory.mktemp("p4info"))


# --- Traffic ---------------------------------------------------------------------

SEND_UDP = r"""
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dst, port, gap = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
for tag in sys.argv[4:]:
    s.sendto(tag.encode(), (dst, port))
    if gap:
        time.sleep(gap)
"""

SEND_FRAMES = r"""
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
for f in sys.argv[1:]:
    s.send(bytes.fromhex(f))
"""

ETH_TEST = 0x88B5  # IEEE local experimental


def mac_int(mac: str) -> int:
    return int(mac.replace(":", ""), 16)


def ip_int(ip: str) -> int:
    return int(ipaddress.IPv4Address(ip))


class Net:
    """A P4 bridge ``name`` (device ``device_id``) with hosts h1-h3 on its
    P4 ports 1-3 (10.0.0.N, 02:00:00:00:00:0N, static neighbours), each
    with a capture running."""

    def __init__(self, sb: Sandbox, program: Path, cpu_port: int | None = CPU_PORT) -> None:
        n = next(_names)
        self.sb = sb
        self.name = f"c{n}"
        self.device_id = 100 + n
        self.hosts: list[Host] = []
        self.caps: list[Capture] = []
        self._tags = itertools.count(1)
        for i in (1, 2, 3):
            self.hosts.append(Host.create(f"{sb.netns}-{self.name}h{i}", sb.netns,
                                          f"{self.name}-eth{i}", f"10.0.0.{i}",
                                          f"02:00:00:00:00:0{i}"))
        for h in self.hosts:
            for o in self.hosts:
                if o is not h:
                    sh("ip", "-n", h.ns, "neigh", "replace", o.ip, "lladdr", o.mac,
                       "dev", "eth0", "nud", "permanent")
        extra = ["--cpu-port", str(cpu_port)] if cpu_port else []
        sb.p4ctl("add-br", self.name, "--program", program, "--device-id",
                 str(self.device_id), *extra)
        for i in (1, 2, 3):
            sb.p4ctl("add-port", self.name, f"{self.name}-eth{i}", "--port-id", str(i))
        self.caps = [Capture(h.ns) for h in self.hosts]

    def destroy(self) -> None:
        for c in self.caps:
            c.close()
        self.sb.p4ctl("del-br", self.name, check=False)
        for h in self.hosts:
            h.destroy()

    def tag(self, what: str = "T") -> str:
        return f"OVSP4-{self.name}-{what}{next(self._tags)}"

    def seen(self, tag: str) -> list[int]:
        """The hosts (1-3) whose capture has ``tag``, as many times as it
        arrived."""
        return [i for i, c in enumerate(self.caps, 1) for _ in range(c.count(tag.encode()))]

    def udp(self, src: int, dst: int, dport: int, n: int = 1, gap: float = 0.0,
            what: str = "U") -> list[str]:
        """``n`` UDP datagrams from host ``src`` to host ``dst``'s address,
        each with a unique tag; the tags."""
        tags = [self.tag(what) for _ in range(n)]
        h = self.hosts[src - 1]
        h.run(sys.executable, "-c", SEND_UDP, self.hosts[dst - 1].ip, str(dport), str(gap),
              *tags)
        return tags

    def frames(self, src: int, frames: list[bytes]) -> None:
        self.hosts[src - 1].run(sys.executable, "-c", SEND_FRAMES, *(f.hex() for f in frames))

    def where(self, src: int, dst: int, dport: int, timeout: float = 3.0,
              settle: float = 0.3) -> list[int]:
        """Where one UDP datagram from ``src`` to ``dst`` arrives: the hosts
        that got it (waits until one did, or ``timeout``)."""
        (tag,) = self.udp(src, dst, dport)
        deadline = time.monotonic() + timeout
        while not self.seen(tag) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(settle)
        return self.seen(tag)

    def delivered(self, src: int, dst: int, dport: int, n: int, gap: float = 0.0,
                  wait: float = 1.5) -> int:
        """How many of ``n`` datagrams from ``src`` reached ``dst``."""
        tags = self.udp(src, dst, dport, n, gap)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if all(self.seen(t) for t in tags):
                break
            time.sleep(0.05)
        time.sleep(0.2)
        return sum(dst in self.seen(t) for t in tags)


def frame_len(tag: str) -> int:
    """The Ethernet frame (no FCS) of a datagram of ``Net.udp``."""
    return 14 + 20 + 8 + len(tag)


def eth_frame(dst: str, src: str, tag: str) -> bytes:
    return (bytes.fromhex(dst.replace(":", "")) + bytes.fromhex(src.replace(":", ""))
            + struct.pack("!H", ETH_TEST) + tag.encode() + bytes(40))


# --- The clients --------------------------------------------------------------------


class ClientError(AssertionError):
    def __init__(self, op: str, reply: dict, log: str) -> None:
        super().__init__(f"{op}: {reply.get('error')} (code {reply.get('code')}, "
                         f"details {reply.get('details')})\n--- client log ---\n{log[-4000:]}")
        self.reply = reply
        self.code = reply.get("code")
        self.details = reply.get("details") or []


class Client:
    """A client script in its virtual environment, connected to the
    bridge's device (pushing ``config``/``p4info`` when given)."""

    def __init__(self, kind: str, sb: Sandbox, device_id: int, log: Path,
                 p4info: Path | None = None, config: Path | None = None,
                 election_id: int | None = None) -> None:
        self.kind = kind
        self.log_path = log
        argv = [str(client_python(kind)), str(SCRIPTS[kind]), "--addr", sb.p4runtime,
                "--device-id", str(device_id)]
        if election_id is not None:
            argv += ["--election-id", str(election_id)]
        if config is not None:
            argv += ["--p4info", str(p4info), "--config", str(config)]
        self._log = open(log, "w")  # noqa: SIM115 -- closed in close()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._log, text=True, bufsize=1)
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        try:
            self.ready = self._reply("connect", 180)
        except BaseException:
            self.close()
            raise

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def _reply(self, op: str, timeout: float) -> object:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"{self.kind} client: no reply to {op} in {timeout}s\n"
                                 f"--- client log ---\n{self.log()[-4000:]}") from None
        if line is None:
            raise AssertionError(f"{self.kind} client exited ({self.proc.wait()}) during {op}"
                                 f"\n--- client log ---\n{self.log()[-4000:]}")
        reply = json.loads(line)
        if not reply["ok"]:
            raise ClientError(op, reply, self.log())
        return reply["result"]

    def __call__(self, op: str, _timeout: float = 60, **args: object) -> object:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.proc.stdin.flush()
        return self._reply(op, _timeout)

    def fails(self, op: str, **args: object) -> ClientError:
        with pytest.raises(ClientError) as exc:
            self(op, **args)
        return exc.value

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self("quit", _timeout=20)
                self.proc.wait(timeout=20)
            except (AssertionError, subprocess.TimeoutExpired, BrokenPipeError):
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@pytest.fixture
def net(rt: Sandbox) -> Iterator[Net]:
    """A bridge running another program (packet_io.p4): the client pushes
    p4rt_client_switch.p4."""
    n = Net(rt, OTHER_PROGRAM)
    try:
        yield n
    finally:
        n.destroy()


@pytest.fixture(params=KINDS)
def client(request: pytest.FixtureRequest, rt: Sandbox, net: Net, p4info: Path,
           tmp_path: Path) -> Iterator[Client]:
    c = Client(request.param, rt, net.device_id, tmp_path / f"{request.param}.log",
               p4info, PROGRAM)
    try:
        yield c
    finally:
        c.close()
        print(f"--- {c.kind} client log ---\n{c.log_path.read_text(errors='replace')[-4000:]}")


def exact(v: object) -> dict:
    return {"exact": str(v)}


MACS = {i: f"02:00:00:00:00:0{i}" for i in (1, 2, 3)}
IPS = {i: f"10.0.0.{i}" for i in (1, 2, 3)}


def l2(c: Client) -> None:
    """dmac entries for the three hosts."""
    for i in (1, 2, 3):
        c("table", type="insert", table="MyIngress.dmac",
          match={"hdr.ethernet.dstAddr": exact(MACS[i])}, action="MyIngress.forward",
          params={"port": i})


def entries(c: Client, table: str, **kw: object) -> list[dict]:
    return sorted(c("read_table", table=table, **kw), key=json.dumps)  # type: ignore[arg-type]


def codes(err: ClientError) -> list[str]:
    """The per-update codes of a failed Write (else the RPC's code)."""
    if err.details and isinstance(err.details[0], dict):
        return [d["code"] for d in err.details]
    return [err.code or "?"]


# --- Tests ------------------------------------------------------------------------


def test_pipeline_push_and_tables_of_every_match_kind(rt: Sandbox, net: Net, client: Client,
                                                      p4info: Path, tmp_path: Path):
    c = client
    # The push: the bridge ran packet_io.p4; the client's
    # SetForwardingPipelineConfig made it run p4rt_client_switch.p4.
    assert c.ready["pipeline"]["name"] == "p4rt_client_switch", c.ready
    assert "MyIngress.acl" in c.ready["pipeline"]["tables"]
    show = rt.p4ctl("show", net.name).stdout
    assert "program: p4rt_client_switch" in show, show
    pipe = c("pipeline")
    assert pipe["name"] == "p4rt_client_switch" and pipe["version"] == "1.0"
    if c.kind == "finsy":
        # finsy pushes with a cookie of its own and skips the push when the
        # switch already has it.
        assert pipe["cookie"] == c.ready["finsy_cookie"]
        assert pipe["device_config_bytes"] == len(PROGRAM.read_bytes())
    assert c.ready["api_version"].startswith("1.")

    # No entries: dmac's default action drops.
    assert net.where(1, 2, 1000, timeout=1.5) == []

    # exact: dmac.
    l2(c)
    assert net.hosts[0].ping(net.hosts[1].ip, count=2)
    dmac = entries(c, "MyIngress.dmac")
    assert [(e["match"], e["action"], e["params"]) for e in dmac] == sorted(
        [({"hdr.ethernet.dstAddr": {"exact": mac_int(MACS[i])}}, "MyIngress.forward",
          {"port": i}) for i in (1, 2, 3)], key=json.dumps)
    c("table", type="modify", table="MyIngress.dmac",
      match={"hdr.ethernet.dstAddr": exact(MACS[2])}, action="MyIngress.forward",
      params={"port": 3})
    assert net.where(1, 2, 1000) == [3]
    (e,) = c("read_table", table="MyIngress.dmac",
             match={"hdr.ethernet.dstAddr": exact(MACS[2])})
    assert e["params"] == {"port": 3}
    c("table", type="modify", table="MyIngress.dmac",
      match={"hdr.ethernet.dstAddr": exact(MACS[2])}, action="MyIngress.forward",
      params={"port": 2})
    assert net.where(1, 2, 1000) == [2]

    # Errors, per update (P4Runtime 12.3): a duplicate, a missing entry.
    err = c.fails("table", type="insert", table="MyIngress.dmac",
                  match={"hdr.ethernet.dstAddr": exact(MACS[1])}, action="MyIngress.forward",
                  params={"port": 1})
    assert codes(err) == ["ALREADY_EXISTS"], err
    err = c.fails("table", type="delete", table="MyIngress.dmac",
                  match={"hdr.ethernet.dstAddr": exact("02:00:00:00:00:99")})
    assert codes(err) == ["NOT_FOUND"], err
    err = c.fails("table", type="modify", table="MyIngress.dmac",
                  match={"hdr.ethernet.dstAddr": exact("02:00:00:00:00:99")},
                  action="MyIngress.forward", params={"port": 1})
    assert codes(err) == ["NOT_FOUND"], err

    # lpm: the longest prefix wins over dmac and over a shorter prefix.
    lpm = "MyIngress.ipv4_lpm"
    c("table", type="insert", table=lpm, match={"hdr.ipv4.dstAddr": {"lpm": ["10.0.0.0", 24]}},
      action="MyIngress.route", params={"port": 3})
    c("table", type="insert", table=lpm, match={"hdr.ipv4.dstAddr": {"lpm": ["10.0.0.2", 32]}},
      action="MyIngress.route", params={"port": 2})
    assert net.where(1, 2, 1000) == [2]        # /32
    assert net.where(2, 1, 1000) == [3]        # /24
    got = entries(c, lpm)
    assert [(e["match"], e["params"]) for e in got] == sorted(
        [({"hdr.ipv4.dstAddr": {"lpm": [ip_int("10.0.0.0"), 24]}}, {"port": 3}),
         ({"hdr.ipv4.dstAddr": {"lpm": [ip_int("10.0.0.2"), 32]}}, {"port": 2})],
        key=json.dumps)
    c("table", type="modify", table=lpm, match={"hdr.ipv4.dstAddr": {"lpm": ["10.0.0.2", 32]}},
      action="MyIngress.route", params={"port": 3})
    assert net.where(1, 2, 1000) == [3]
    c("table", type="delete", table=lpm, match={"hdr.ipv4.dstAddr": {"lpm": ["10.0.0.0", 24]}})
    assert net.where(2, 1, 1000) == [1]        # dmac again
    c("table", type="delete", table=lpm, match={"hdr.ipv4.dstAddr": {"lpm": ["10.0.0.2", 32]}})
    assert net.where(1, 2, 1000) == [2]
    assert c("read_table", table=lpm) == []

    # ternary + range + optional: acl, with priorities.
    acl = "MyIngress.acl"
    from_h1 = {"hdr.ipv4.srcAddr": {"ternary": ["10.0.0.1", "255.255.255.255"]},
               "meta.l4_dport": {"range": ["1000", "2000"]},
               "hdr.ipv4.protocol": {"optional": "17"}}
    c("table", type="insert", table=acl, match=from_h1, action="MyIngress.drop", priority=10)
    assert net.where(1, 2, 1500, timeout=1.5) == []     # all three match
    assert net.where(1, 2, 2001) == [2]                 # range: no
    assert net.where(1, 2, 1000) == []                  # range bounds are inclusive
    assert net.where(1, 2, 2000, timeout=1.5) == []
    assert net.where(3, 2, 1500) == [2]                 # ternary: no
    any_h = {"hdr.ipv4.srcAddr": {"ternary": ["10.0.0.0", "255.255.255.0"]},
             "meta.l4_dport": {"range": ["3000", "3999"]}}  # protocol: optional, omitted
    c("table", type="insert", table=acl, match=any_h, action="MyIngress.drop", priority=20)
    assert net.where(3, 1, 3500, timeout=1.5) == []
    assert net.where(3, 1, 4000) == [1]
    got = {e["priority"]: e for e in c("read_table", table=acl)}
    assert sorted(got) == [10, 20]
    assert got[10]["match"] == {
        "hdr.ipv4.srcAddr": {"ternary": [ip_int("10.0.0.1"), 0xFFFFFFFF]},
        "meta.l4_dport": {"range": [1000, 2000]},
        "hdr.ipv4.protocol": {"optional": 17}}
    assert got[20]["match"] == {
        "hdr.ipv4.srcAddr": {"ternary": [ip_int("10.0.0.0"), 0xFFFFFF00]},
        "meta.l4_dport": {"range": [3000, 3999]}}
    assert got[10]["action"] == "MyIngress.drop"
    c("table", type="modify", table=acl, match=from_h1, action="NoAction", priority=10)
    assert net.where(1, 2, 1500) == [2]
    # A ternary entry needs a priority (P4Runtime 9.1): INVALID_ARGUMENT.
    err = c.fails("table", type="insert", table=acl, match=from_h1, action="MyIngress.drop")
    assert codes(err) == ["INVALID_ARGUMENT"], err
    for prio, match in ((10, from_h1), (20, any_h)):
        c("table", type="delete", table=acl, match=match, priority=prio)
    assert c("read_table", table=acl) == []
    assert net.where(3, 1, 3500) == [1]

    # A P4Info that is not the program's: refused, nothing changes.
    other = p4info_of(OTHER_PROGRAM, tmp_path)
    if c.kind == "shell":
        err = c.fails("set_pipeline", p4info=str(other), config=str(PROGRAM))
        assert err.code == "INVALID_ARGUMENT", err
    else:
        # finsy pushes when it connects: a second controller, primary with a
        # higher election id, whose push fails; then the first is primary
        # again (finsy finds its cookie and pushes nothing).
        with pytest.raises(ClientError) as exc:
            Client("finsy", rt, net.device_id, tmp_path / "finsy-bad.log", other, PROGRAM,
                   election_id=20)
        assert "INVALID_ARGUMENT" in str(exc.value) and "P4Info" in str(exc.value), exc.value
        wait_until(lambda: "Become primary" in c.log(), 10, "finsy to be primary again")
        c("table", type="delete", table="MyIngress.dmac",
          match={"hdr.ethernet.dstAddr": exact(MACS[3])})
        assert net.where(1, 3, 1000, timeout=1.5) == []
    assert "program: p4rt_client_switch" in rt.p4ctl("show", net.name).stdout
    assert net.where(1, 2, 1000) == [2]


def test_counters_meters_registers(net: Net, client: Client):
    c = client
    l2(c)
    # Indexed counter, per ingress port: reset, count exactly.
    c("counter_write", name="MyIngress.port_pkts", index=1, packets=0, bytes=0)
    assert c("counter_read", name="MyIngress.port_pkts", index=1) == [
        {"index": 1, "packets": 0, "bytes": 0}]
    tags = net.udp(1, 2, 1000, n=10)
    wait_until(lambda: all(net.seen(t) for t in tags), 5, "10 datagrams at h2")
    (cnt,) = c("counter_read", name="MyIngress.port_pkts", index=1)
    assert cnt["packets"] == 10, cnt
    assert cnt["bytes"] == sum(frame_len(t) for t in tags), cnt
    every = c("counter_read", name="MyIngress.port_pkts")
    assert len(every) == 64 and {e["index"] for e in every} == set(range(64))
    assert [e for e in every if e["index"] == 1] == [cnt]

    # Direct counter of an lpm entry.
    route2 = {"hdr.ipv4.dstAddr": {"lpm": ["10.0.0.2", 32]}}
    c("table", type="insert", table="MyIngress.ipv4_lpm", match=route2,
      action="MyIngress.route", params={"port": 2})
    tags = net.udp(1, 2, 1000, n=7)
    wait_until(lambda: all(net.seen(t) for t in tags), 5, "7 datagrams at h2")
    (dc,) = c("direct_counter_read", name="MyIngress.lpm_hits", match=route2)
    assert dc["packets"] == 7 and dc["bytes"] == sum(frame_len(t) for t in tags), dc
    c("direct_counter_write", name="MyIngress.lpm_hits", match=route2, packets=0, bytes=0)
    assert c("direct_counter_read", name="MyIngress.lpm_hits", match=route2) == [
        {"packets": 0, "bytes": 0}]

    # Indexed meter (packets), per ingress port: 1 packet/s, burst 1.
    slow = {"cir": 1, "cburst": 1, "pir": 1, "pburst": 1}
    assert net.delivered(3, 1, 1000, n=20) == 20
    c("meter_write", name="MyIngress.port_meter", index=3, config=slow)
    assert c("meter_read", name="MyIngress.port_meter", index=3) == [
        {"index": 3, "config": slow}]
    got = net.delivered(3, 1, 1000, n=20)
    assert 1 <= got <= 3, f"{got} of 20 packets through a 1 packet/s meter"
    assert net.delivered(2, 1, 1000, n=20) == 20      # another port, another meter
    c("meter_write", name="MyIngress.port_meter", index=3, config=None)
    (m,) = c("meter_read", name="MyIngress.port_meter", index=3)
    assert not m["config"], m
    assert net.delivered(3, 1, 1000, n=20) == 20

    # Direct meter of the lpm entry.
    c("direct_meter_write", name="MyIngress.lpm_meter", match=route2, config=slow)
    assert c("direct_meter_read", name="MyIngress.lpm_meter", match=route2) == [
        {"config": slow}]
    got = net.delivered(1, 2, 1000, n=20)
    assert 1 <= got <= 3, f"{got} of 20 packets through a 1 packet/s direct meter"
    assert net.delivered(1, 3, 1000, n=20) == 20      # no entry, no meter
    c("direct_meter_write", name="MyIngress.lpm_meter", match=route2, config=None)
    assert net.delivered(1, 2, 1000, n=20) == 20

    # Register, per ingress port, incremented by every packet.
    c("register_write", name="MyIngress.port_seen", index=2, value=1000)
    assert c("register_read", name="MyIngress.port_seen", index=2) == [
        {"index": 2, "value": 1000}]
    assert net.delivered(2, 1, 1000, n=5) == 5
    assert c("register_read", name="MyIngress.port_seen", index=2) == [
        {"index": 2, "value": 1005}]
    regs = c("register_read", name="MyIngress.port_seen")
    assert len(regs) == 64
    by_index = {r["index"]: r["value"] for r in regs}
    assert by_index[2] == 1005 and by_index[1] >= 10 + 7 + 40 and by_index[4] == 0


def test_multicast_clone_packet_io_digests(net: Net, client: Client):
    c = client
    h1, h2, h3 = net.hosts
    bcast = "ff:ff:ff:ff:ff:ff"

    # Digests: configured first; smac misses send learn_t digests.
    c("digest_config", type="insert", name="learn_t", max_timeout_ns=0, max_list_size=1,
      ack_timeout_ns=500_000_000)
    assert c("digest_read", name="learn_t") == [
        {"max_timeout_ns": 0, "max_list_size": 1, "ack_timeout_ns": 500_000_000}]

    # Multicast: dmac's default becomes flood() (group 1).  No group yet:
    # nothing arrives.
    c("table", type="modify", table="MyIngress.dmac", default=True, action="MyIngress.flood")
    (d,) = c("read_table", table="MyIngress.dmac", default=True)
    assert d["default"] and d["action"] == "MyIngress.flood"
    tag = net.tag("B")
    net.frames(1, [eth_frame(bcast, h1.mac, tag)])
    time.sleep(1.0)
    assert net.seen(tag) == []
    c("mcast", type="insert", group=1, ports=[1, 2, 3])
    (g,) = c("mcast_read", group=1)
    assert (g["group"], g["ports"]) == (1, [1, 2, 3]), g
    if c.kind == "shell":
        # Read back in the form written (the deprecated egress_port), the
        # only one p4runtime-shell 0.0.6's MulticastGroupEntry reads.
        assert g["fields"] == ["egress_port"] and g["shell_ports"] == [1, 2, 3], g
    tag = net.tag("B")
    net.frames(1, [eth_frame(bcast, h1.mac, tag)])
    wait_until(lambda: net.seen(tag) == [2, 3], 5, "the broadcast at h2 and h3")
    time.sleep(0.3)
    assert net.seen(tag) == [2, 3]          # once each, not back to h1
    # A ping that needs ARP: the request is flooded to every host.
    sh("ip", "-n", h1.ns, "neigh", "del", h2.ip, "dev", "eth0")
    assert h1.ping(h2.ip, count=2)
    arp_at_h3 = [f for f in net.caps[2].frames
                 if f[12:14] == b"\x08\x06" and f[38:42] == bytes([10, 0, 0, 2])]
    assert arp_at_h3, "h1's ARP request for h2 did not reach h3"
    c("mcast", type="modify", group=1, ports=[1, 2])
    from3, from1 = net.tag("B"), net.tag("B")
    net.frames(3, [eth_frame(bcast, h3.mac, from3)])
    net.frames(1, [eth_frame(bcast, h1.mac, from1)])
    wait_until(lambda: net.seen(from1) == [2], 5, "the broadcast at h2 only")
    time.sleep(0.3)
    assert net.seen(from3) == [1, 2] and net.seen(from1) == [2]
    c("mcast", type="delete", group=1)
    assert all(g["group"] != 1 for g in c("mcast_read"))
    c("table", type="modify", table="MyIngress.dmac", default=True, action="MyIngress.drop")

    # The digests of all that: h1's and h3's MACs, with their ports.
    got = c("digests", count=100, timeout=2)
    learnt = {(d["srcAddr"], d["ingress_port"]) for dl in got for d in dl["data"]}
    assert all(dl["digest"] == "learn_t" for dl in got)
    assert {(mac_int(h1.mac), 1), (mac_int(h3.mac), 3)} <= learnt, got
    # Learnt: no more digests for h1; h2 is still unknown.
    for i in (1, 3):
        c("table", type="insert", table="MyIngress.smac",
          match={"hdr.ethernet.srcAddr": exact(MACS[i])}, action="NoAction")
    c("digests", count=100, timeout=1)     # whatever was still on its way
    net.frames(1, [eth_frame(bcast, h1.mac, net.tag("L"))])
    net.frames(2, [eth_frame(bcast, h2.mac, net.tag("L"))])
    got = c("digests", count=100, timeout=2)
    learnt = {(d["srcAddr"], d["ingress_port"]) for dl in got for d in dl["data"]}
    assert learnt == {(mac_int(h2.mac), 2)}, got

    # Clone sessions: acl's mirror() clones to session 5 (port 3), then
    # session 6 (the CPU port: a packet-in with the clone's instance type).
    l2(c)
    c("clone", type="insert", session=5, ports=[3])
    assert [(s["session"], s["ports"]) for s in c("clone_read", session=5)] == [(5, [3])]
    acl = "MyIngress.acl"
    mirror = {"hdr.ipv4.srcAddr": {"ternary": ["10.0.0.1", "255.255.255.255"]},
              "meta.l4_dport": {"range": ["4000", "4000"]}}
    c("table", type="insert", table=acl, match=mirror, action="MyIngress.mirror",
      params={"session": 5}, priority=1)
    assert net.where(1, 2, 4000) == [2, 3]
    assert net.where(1, 2, 4001) == [2]
    c("clone", type="modify", session=5, ports=[CPU_PORT])
    c("packet_ins", count=100, timeout=0.5)
    (tag,) = net.udp(1, 2, 4000)
    (pin,) = c("packet_ins", count=1, timeout=5)
    assert tag.encode().hex() in pin["payload"]
    # A clone (BMv2's PKT_INSTANCE_TYPE_INGRESS_CLONE); its other standard
    # metadata are reset, as v1model clones without a field list are.
    assert pin["metadata"]["instance_type"] == 1, pin
    c("table", type="delete", table=acl, match=mirror, priority=1)
    c("clone", type="delete", session=5)
    assert net.where(1, 2, 4000) == [2]

    # Packet-in: acl's to_cpu().
    to_cpu = {"meta.l4_dport": {"range": ["5000", "5000"]}}
    c("table", type="insert", table=acl, match=to_cpu, action="MyIngress.to_cpu", priority=1)
    (tag,) = net.udp(3, 2, 5000)
    (pin,) = c("packet_ins", count=1, timeout=5)
    payload = bytes.fromhex(pin["payload"])
    assert tag.encode() in payload
    assert payload[:12] == bytes.fromhex("020000000002" "020000000003")  # the frame as sent
    assert pin["metadata"] == {"ingress_port": 3, "pad": 0, "instance_type": 0} or \
        pin["metadata"] == {"ingress_port": 3, "instance_type": 0}, pin
    time.sleep(0.3)
    assert net.seen(tag) == []

    # Packet-out: to the port its metadata names, the frame untouched.
    for port in (2, 3):
        tag = net.tag("O")
        frame = eth_frame(net.hosts[port - 1].mac, "02:00:00:00:00:64", tag)
        c("packet_out", payload=frame.hex(), metadata={"egress_port": port, "pad": 0})
        wait_until(lambda tag=tag, port=port: net.seen(tag) == [port], 5,
                   f"the packet-out at h{port}")
        frames = [f for f in net.caps[port - 1].frames if tag.encode() in f]
        assert frames == [frame]


@requires_conformance
def test_ptf_basic_p4(rt: Sandbox, tmp_path: Path):
    """PTF (tests/p4rt_clients/ptf/basic_fwd.py) against basic.p4 through
    ovs-p4rtd, on veth interfaces bound to the bridge's ports 1 and 2."""
    ptf = VENV_BIN / "ptf"
    if not ptf.exists():
        pytest.fail(f"{ptf} is missing: ptf comes with setup.cfg's test extra (make venv)")
    p4info = p4info_of(BASIC, tmp_path)
    n = next(_names)
    name, device_id = f"c{n}", 100 + n
    # PTF runs in this namespace (ovs-p4rtd listens on its loopback), so its
    # ends of the veth pairs are here, silenced (no IPv6).
    ifaces = [f"ptf{os.getpid() % 100000}{p}" for p in "ab"]
    try:
        for i, ifname in enumerate(ifaces, 1):
            port = f"{name}-eth{i}"
            sh("ip", "link", "del", ifname, check=False)
            sh("ip", "link", "add", ifname, "type", "veth", "peer", "name", port,
               "netns", rt.netns)
            sh("sysctl", "-qw", f"net.ipv6.conf.{ifname}.disable_ipv6=1")
            sh("ip", "netns", "exec", rt.netns, "sysctl", "-qw",
               f"net.ipv6.conf.{port}.disable_ipv6=1")
            sh("ip", "link", "set", ifname, "up")
            sh("ip", "-n", rt.netns, "link", "set", port, "up")
        rt.p4ctl("add-br", name, "--program", BASIC, "--device-id", str(device_id))
        for i in (1, 2):
            rt.p4ctl("add-port", name, f"{name}-eth{i}", "--port-id", str(i))
        params = (f"grpcaddr='{rt.p4runtime}';device_id={device_id};"
                  f"p4info='{p4info}';config='{BASIC}'")
        r = subprocess.run(
            [str(ptf), "--test-dir", str(CLIENTS / "ptf"), "--interface", f"1@{ifaces[0]}",
             "--interface", f"2@{ifaces[1]}", "--test-params", params,
             "--log-dir", str(tmp_path / "ptf-log"), "--default-negative-timeout", "0.5"],
            cwd=tmp_path, capture_output=True, text=True, timeout=600)
        out = r.stdout + r.stderr
        print(out)
        assert r.returncode == 0, out[-6000:]
        ran = re.search(r"Ran (\d+) tests?", out)
        assert ran and int(ran.group(1)) == 4, out[-3000:]
        assert re.search(r"^OK\s*$", out, re.M), out[-3000:]
    finally:
        rt.p4ctl("del-br", name, check=False)
        for ifname in ifaces:
            sh("ip", "link", "del", ifname, check=False)
