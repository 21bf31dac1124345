"""Open vSwitch with the `p4` datapath type, for real.

Builds (or reuses) ./build/ovs with `make -f datapath/ovs.mk ovs`, then,
for each test, starts a real ovsdb-server and the built ovs-vswitchd in a
temporary directory and drives them with ovs-vsctl, ovs-appctl and
ovs-ofctl: P4 bridges (datapath_type=p4) with dummy ports (packets injected
with netdev-dummy/receive, captured with tx_pcap) or veth pairs into network
namespaces (real traffic), a hand-written pipeline .so (P4 ports 1 <-> 2)
loaded, swapped and reloaded at run time, and the bridge's control socket.

Needs root (network namespaces, tap devices).  See
Documentation/ovs-integration.md.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ovstest import (
    BUILD,
    ETH_TYPE,
    RECEIVER,
    ROOT,
    SCHEMA,
    SENDER,
    requires_root_linux,
    sh,
    wait_until,
)

pytestmark = requires_root_linux

# A hand-written pipeline implementing datapath/include/ovsp4/pipeline.h:
# P4 port 1 <-> 2 in place; a packet from port 3 becomes an event and is
# copied to ports 1 and 2; VARIANT 2 also copies 1 -> 2 packets to port 3.
# control(): request "u32 length, text", reply "u32 length, variant=V
# packets=N threads=T cpu=C echo=<text>"; "EVENTS n" queues n events.
FWD_C = r"""
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ovsp4/pipeline.h"

#ifndef VARIANT
#define VARIANT 1
#endif

struct ev { struct ev *next; size_t len; uint8_t data[]; };
struct ovsp4_instance {
    pthread_mutex_t mu;
    struct ev *head, **tail;
    uint64_t n_packets;
    uint32_t cpu_port;
    int n_threads;
};
struct ovsp4_thread {
    struct ovsp4_instance *inst;
    uint8_t scratch[1 << 18];
    size_t used;
};

static void put_u32(uint8_t *p, uint32_t v)
{ p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }

static void queue_event(struct ovsp4_instance *in, const char *tag,
                        const uint8_t *d, size_t n)
{
    size_t tl = strlen(tag), len = 4 + tl + n;
    struct ev *e = malloc(sizeof *e + len);
    e->next = NULL;
    e->len = len;
    put_u32(e->data, len);
    memcpy(e->data + 4, tag, tl);
    memcpy(e->data + 4 + tl, d, n);
    pthread_mutex_lock(&in->mu);
    *in->tail = e;
    in->tail = &e->next;
    pthread_mutex_unlock(&in->mu);
}

static struct ovsp4_instance *inst_create(const struct ovsp4_instance_config *c)
{
    struct ovsp4_instance *in = calloc(1, sizeof *in);
    pthread_mutex_init(&in->mu, NULL);
    in->tail = &in->head;
    in->cpu_port = c->cpu_port;
    return in;
}

static void inst_destroy(struct ovsp4_instance *in)
{
    while (in->head) {
        struct ev *e = in->head;
        in->head = e->next;
        free(e);
    }
    free(in);
}

static struct ovsp4_thread *th_create(struct ovsp4_instance *in)
{
    struct ovsp4_thread *t = calloc(1, sizeof *t);
    t->inst = in;
    __atomic_add_fetch(&in->n_threads, 1, __ATOMIC_SEQ_CST);
    return t;
}

static void th_destroy(struct ovsp4_thread *t)
{
    __atomic_sub_fetch(&t->inst->n_threads, 1, __ATOMIC_SEQ_CST);
    free(t);
}

static void th_quiesce(struct ovsp4_thread *t) { (void) t; }

static const uint8_t *copy(struct ovsp4_thread *t, const uint8_t *d, uint32_t n)
{
    if (t->used + n > sizeof t->scratch) return NULL;
    uint8_t *c = t->scratch + t->used;
    memcpy(c, d, n);
    t->used += n;
    return c;
}

static uint32_t process(struct ovsp4_thread *t, struct ovsp4_packet *p,
                        uint32_t n, struct ovsp4_output *out, uint32_t max,
                        uint64_t now)
{
    uint32_t k = 0;
    (void) now;
    t->used = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t in = p[i].in_port;
        const uint8_t *c;
        __atomic_add_fetch(&t->inst->n_packets, 1, __ATOMIC_RELAXED);
        if ((in == 1 || in == 2) && k < max) {
            out[k++] = (struct ovsp4_output) {
                p[i].data, p[i].len, in == 1 ? 2 : 1, i, OVSP4_OUT_PORT, 1 };
            if (VARIANT == 2 && in == 1 && k < max
                && (c = copy(t, p[i].data, p[i].len))) {
                out[k++] = (struct ovsp4_output) {
                    c, p[i].len, 3, i, OVSP4_OUT_PORT, 0 };
            }
        } else if (in == 3) {
            queue_event(t->inst, "PKTIN", p[i].data, p[i].len);
            for (uint32_t port = 1; port <= 2 && k < max; port++) {
                if ((c = copy(t, p[i].data, p[i].len))) {
                    out[k++] = (struct ovsp4_output) {
                        c, p[i].len, port, i, OVSP4_OUT_PORT, 0 };
                }
            }
        }
    }
    return k;
}

static size_t control(struct ovsp4_instance *in, const uint8_t *req,
                      size_t rlen, uint8_t *rep, size_t cap)
{
    char text[512], reqs[201];
    size_t tl = rlen > 4 ? rlen - 4 : 0;
    if (tl > 200) tl = 200;
    memcpy(reqs, req + 4, tl);
    reqs[tl] = 0;
    if (!strncmp(reqs, "EVENTS ", 7)) {
        int m = atoi(reqs + 7);
        for (int i = 0; i < m; i++) {
            char b[32];
            int bl = snprintf(b, sizeof b, "%d", i);
            queue_event(in, "EVENT", (const uint8_t *) b, bl);
        }
    }
    int n = snprintf(text, sizeof text,
                     "variant=%d packets=%llu threads=%d cpu=%u echo=%s",
                     VARIANT,
                     (unsigned long long) __atomic_load_n(&in->n_packets,
                                                          __ATOMIC_RELAXED),
                     __atomic_load_n(&in->n_threads, __ATOMIC_SEQ_CST),
                     in->cpu_port, reqs);
    if (cap < (size_t) n + 4) return 0;
    put_u32(rep, n + 4);
    memcpy(rep + 4, text, n);
    return n + 4;
}

static uint32_t poll_events(struct ovsp4_instance *in, ovsp4_event_cb cb,
                            void *aux, uint32_t max)
{
    uint32_t k = 0;
    while (k < max) {
        pthread_mutex_lock(&in->mu);
        struct ev *e = in->head;
        if (e) {
            in->head = e->next;
            if (!in->head) in->tail = &in->head;
        }
        pthread_mutex_unlock(&in->mu);
        if (!e) break;
        cb(aux, e->data, e->len);
        free(e);
        k++;
    }
    return k;
}

static const struct ovsp4_pipeline_def def = {
    .abi_version = OVSP4_ABI_VERSION,
    .program_name = "fwd",
    .compiler = "hand-written",
    .arch = "test",
    .instance_create = inst_create,
    .instance_destroy = inst_destroy,
    .thread_create = th_create,
    .thread_destroy = th_destroy,
    .thread_quiesce = th_quiesce,
    .process_batch = process,
    .control = control,
    .poll_events = poll_events,
};

const struct ovsp4_pipeline_def *ovsp4_pipeline_get(void) { return &def; }
"""

# --- Build ------------------------------------------------------------------
# ovs_bin (make ovs): conftest.py.


@pytest.fixture(scope="session")
def pipelines(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    d = tmp_path_factory.mktemp("pipelines")
    src = d / "fwd.c"
    src.write_text(FWD_C)
    out = {}
    for variant in (1, 2):
        so = d / f"fwd{variant}.so"
        subprocess.run(
            ["gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Werror",
             f"-I{ROOT / 'datapath' / 'include'}", f"-DVARIANT={variant}",
             "-o", str(so), str(src), "-lpthread"],
            check=True,
        )
        out[variant] = so
    return out


# --- Running OVS --------------------------------------------------------------


class Ovs:
    """ovsdb-server + ovs-vswitchd in a private run directory."""

    def __init__(self, bindir: Path, rundir: Path, netns: str):
        self.bin = bindir
        self.dir = rundir
        # ovs-vswitchd runs in a network namespace of its own: its tap
        # devices ("ovs-p4", the bridges' local ports) do not meet another
        # ovs-vswitchd's.
        self.netns = netns
        self.env = dict(os.environ)
        for var in ("OVS_RUNDIR", "OVS_DBDIR", "OVS_LOGDIR", "OVS_SYSCONFDIR"):
            self.env[var] = str(rundir)
        self.env["OVS_PKGDATADIR"] = str(SCHEMA.parent)
        self.db = f"unix:{rundir}/db.sock"
        self.ctl = str(rundir / "ovs-vswitchd.ctl")

    def _run(self, args, check=True, timeout=60) -> subprocess.CompletedProcess:
        r = subprocess.run(
            [str(a) for a in args], env=self.env, capture_output=True, text=True,
            timeout=timeout,
        )
        if check and r.returncode:
            raise AssertionError(
                f"{' '.join(map(str, args))} failed ({r.returncode}):\n{r.stdout}{r.stderr}"
                f"\n--- ovs-vswitchd.log (end) ---\n{self.log()[-4000:]}"
            )
        return r

    def start(self, *vswitchd_args: str) -> None:
        d = self.dir
        self._run([self.bin / "ovsdb-tool", "create", d / "conf.db", SCHEMA])
        self._run([
            self.bin / "ovsdb-server", d / "conf.db", f"--remote=punix:{d}/db.sock",
            f"--unixctl={d}/ovsdb-server.ctl", f"--pidfile={d}/ovsdb-server.pid",
            f"--log-file={d}/ovsdb-server.log", "--detach",
        ])
        self.vsctl("--no-wait", "init")
        self._run([
            "ip", "netns", "exec", self.netns, self.bin / "ovs-vswitchd", self.db,
            f"--unixctl={self.ctl}",
            f"--pidfile={d}/ovs-vswitchd.pid", f"--log-file={d}/ovs-vswitchd.log",
            "--detach", "--enable-dummy", *vswitchd_args,
        ])

    def stop(self) -> None:
        self._run([self.bin / "ovs-appctl", "-t", self.ctl, "exit", "--cleanup"], check=False)
        self._run([self.bin / "ovs-appctl", "-t", self.dir / "ovsdb-server.ctl", "exit"],
                  check=False)
        for name in ("ovs-vswitchd", "ovsdb-server"):
            pidfile = self.dir / f"{name}.pid"
            try:
                pid = int(pidfile.read_text())
            except (OSError, ValueError):
                continue
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
            else:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass

    def log(self) -> str:
        try:
            return (self.dir / "ovs-vswitchd.log").read_text(errors="replace")
        except OSError:
            return ""

    def vsctl(self, *args: str, check=True) -> str:
        return self._run([self.bin / "ovs-vsctl", f"--db={self.db}", "--timeout=30", *args],
                         check=check).stdout

    def appctl(self, *args: str, check=True) -> str:
        return self._run([self.bin / "ovs-appctl", "-t", self.ctl, *args], check=check).stdout

    def ofctl(self, bridge: str, *args: str, check=True) -> subprocess.CompletedProcess:
        cmd, rest = args[0], args[1:]
        return self._run([self.bin / "ovs-ofctl", cmd, f"unix:{self.dir}/{bridge}.mgmt", *rest],
                         check=check)

    def p4_bridge(self, name: str, ports: dict[str, int], pipeline: Path | None = None,
                  port_type: str = "dummy") -> None:
        """A P4 bridge with ports {name: ofport}; dummy ports capture their
        output in <name>.pcap."""
        args = ["add-br", name, "--", "set", "bridge", name, "datapath_type=p4"]
        if pipeline:
            args.append(f"other_config:p4-pipeline={pipeline}")
        for port, ofport in ports.items():
            args += ["--", "add-port", name, port, "--", "set", "interface", port,
                     f"ofport_request={ofport}"]
            if port_type:
                args.append(f"type={port_type}")
            if port_type and port_type.startswith("dummy"):
                args.append(f"options:tx_pcap={self.dir / port}.pcap")
        self.vsctl(*args)

    def receive(self, port: str, frame: bytes) -> None:
        self.appctl("netdev-dummy/receive", port, frame.hex())

    def sent(self, port: str) -> list[bytes]:
        return read_pcap(self.dir / f"{port}.pcap")


@pytest.fixture
def ovs(ovs_bin: Path, tmp_path: Path):
    if shutil.which("ip") is None:
        pytest.fail("iproute2 (ip) is not installed")
    rundir = tmp_path / "run"
    rundir.mkdir()
    netns = f"p4sw{os.getpid() % 100000}"
    subprocess.run(["ip", "netns", "del", netns], capture_output=True)
    subprocess.run(["ip", "netns", "add", netns], check=True)
    o = Ovs(ovs_bin, rundir, netns)
    try:
        o.start()
        yield o
    finally:
        o.stop()
        subprocess.run(["ip", "netns", "del", netns], capture_output=True)
    # Shown by pytest for a failed test only.
    print(f"--- ovs-vswitchd.log ---\n{o.log()[-8000:]}")


# --- Packets ------------------------------------------------------------------


def frame(seq: int, size: int = 64) -> bytes:
    dst = bytes.fromhex("020000000002")
    src = bytes.fromhex("020000000001")
    payload = b"OVSP4" + struct.pack("!I", seq)
    f = dst + src + struct.pack("!H", ETH_TYPE) + payload
    return f + bytes(max(0, size - len(f)))


def read_pcap(path: Path) -> list[bytes]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    out, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        if off + 16 + incl > len(data):
            break
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return out


def ours(frames: list[bytes]) -> list[bytes]:
    return [f for f in frames if len(f) >= 14 and struct.unpack("!H", f[12:14])[0] == ETH_TYPE]


class Control:
    """A client of a P4 bridge's control socket (the fwd test protocol)."""

    def __init__(self, path: Path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(10)
        self.s.connect(str(path))

    def send(self, text: str) -> None:
        b = text.encode()
        self.s.sendall(struct.pack("<I", len(b) + 4) + b)

    def read(self) -> bytes:
        head = self._exact(4)
        (n,) = struct.unpack("<I", head)
        return self._exact(n - 4)

    def request(self, text: str) -> dict[str, str]:
        self.send(text)
        reply = self.read().decode()
        fields = dict(kv.split("=", 1) for kv in reply.split(" echo=")[0].split())
        fields["echo"] = reply.split(" echo=", 1)[1]
        return fields

    def _exact(self, n: int) -> bytes:
        b = b""
        while len(b) < n:
            chunk = self.s.recv(n - len(b))
            if not chunk:
                raise ConnectionError("control socket closed")
            b += chunk
        return b

    def close(self) -> None:
        self.s.close()


# --- Tests: build --------------------------------------------------------------


def test_build_outputs_and_incremental(ovs_bin: Path):
    for prog in ("ovs-vswitchd", "ovsdb-server", "ovs-vsctl", "ovs-appctl", "ovs-ofctl",
                 "ovsdb-tool", "ovsdb-client", "ovs-dpctl"):
        assert os.access(ovs_bin / prog, os.X_OK), prog
    assert SCHEMA.exists()
    stamp = BUILD / "ovs" / ".stamp"
    before = stamp.stat().st_mtime_ns
    t0 = time.monotonic()
    r = subprocess.run(["make", "-f", "datapath/ovs.mk", "ovs", f"OVSP4_BUILD={BUILD}"],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert stamp.stat().st_mtime_ns == before, "a second `make ovs` rebuilt something"
    assert "ovs: make" not in r.stdout
    assert time.monotonic() - t0 < 30


# --- Tests: the datapath type -------------------------------------------------


def test_p4_datapath_type_registered(ovs: Ovs):
    types = ovs.vsctl("get", "Open_vSwitch", ".", "datapath_types")
    assert "p4" in types
    assert "netdev" in types


def test_p4_bridge_shows_like_any_bridge(ovs: Ovs):
    ovs.p4_bridge("p4br0", {"p1": 1, "p2": 2, "p3": 7})
    show = ovs.vsctl("show")
    assert "Bridge p4br0" in show
    assert "datapath_type: p4" in show
    for p in ("p1", "p2", "p3"):
        assert f"Interface {p}" in show
    assert "error" not in show
    assert ovs.vsctl("get", "interface", "p3", "ofport").strip() == "7"
    dp = ovs.appctl("dpctl/show")
    assert "p4@ovs-p4" in dp
    p4 = ovs.appctl("p4/show", "p4br0")
    assert "pipeline: none" in p4
    assert "7: p3 (odp port" in p4
    assert "not a P4 port" in p4       # the bridge's local port
    # OpenFlow read requests work as on any bridge.
    show = ovs.ofctl("p4br0", "show").stdout
    assert "7(p3)" in show


def test_openflow_changes_refused(ovs: Ovs):
    ovs.p4_bridge("p4br0", {"p1": 1, "p2": 2})
    r = ovs.ofctl("p4br0", "add-flow", "actions=drop", check=False)
    assert r.returncode != 0
    assert "OFPBRC_EPERM" in r.stdout + r.stderr
    assert "P4 bridge" in ovs.log()
    r = ovs.ofctl("p4br0", "add-group", "group_id=1,type=all,bucket=output:1", check=False)
    assert r.returncode != 0
    r = ovs.ofctl("p4br0", "packet-out", "in_port=1", "packet=" + frame(1).hex(), "output:2",
                  check=False)
    assert r.returncode != 0
    # No flows at all, not even standalone mode's NORMAL flow.
    flows = ovs.ofctl("p4br0", "dump-flows").stdout
    assert "actions=" not in flows
    # A normal bridge in the same ovs-vswitchd still takes flows.
    ovs.vsctl("add-br", "nbr0", "--", "set", "bridge", "nbr0", "datapath_type=netdev")
    ovs.ofctl("nbr0", "add-flow", "actions=drop")


# --- Tests: pipelines and packets ---------------------------------------------


def test_forwarding_through_the_pipeline(ovs: Ovs, pipelines):
    ovs.p4_bridge("p4br0", {"p1": 1, "p2": 2, "p3": 3}, pipelines[1])
    p4 = ovs.appctl("p4/show", "p4br0")
    assert f"pipeline: {pipelines[1]}" in p4
    assert "program: fwd" in p4
    for i in range(5):
        ovs.receive("p1", frame(i))
    ovs.receive("p2", frame(100))
    wait_until(lambda: len(ours(ovs.sent("p2"))) == 5, what="5 frames out of p2")
    wait_until(lambda: len(ours(ovs.sent("p1"))) == 1, what="1 frame out of p1")
    assert ours(ovs.sent("p2")) == [frame(i) for i in range(5)]
    assert ours(ovs.sent("p1")) == [frame(100)]
    # A packet from port 3: copies to 1 and 2 (outputs built in scratch).
    ovs.receive("p3", frame(200))
    wait_until(lambda: frame(200) in ovs.sent("p1") and frame(200) in ovs.sent("p2"),
               what="the copies of the port-3 frame")
    assert not ours(ovs.sent("p3"))
    assert "packets: rx 7, tx 8" in ovs.appctl("p4/show", "p4br0")


def test_no_pipeline_drops(ovs: Ovs):
    ovs.p4_bridge("p4br0", {"p1": 1, "p2": 2})
    ovs.receive("p1", frame(1))
    wait_until(lambda: "p4_drop_no_pipeline" in ovs.appctl("coverage/show"),
               what="the no-pipeline drop counter")
    assert not ours(ovs.sent("p2"))


def test_two_bridges_have_their_own_ports_and_instances(ovs: Ovs, pipelines):
    """The port-number trap: both bridges' ports live in one dp_netdev with
    distinct odp port numbers, but each bridge has P4 ports 1 and 2."""
    ovs.p4_bridge("p4br0", {"a1": 1, "a2": 2}, pipelines[1])
    ovs.p4_bridge("p4br1", {"b1": 1, "b2": 2}, pipelines[1])
    ovs.receive("b1", frame(1))
    ovs.receive("b1", frame(2))
    ovs.receive("a2", frame(3))
    wait_until(lambda: len(ours(ovs.sent("b2"))) == 2, what="b1 -> b2")
    wait_until(lambda: len(ours(ovs.sent("a1"))) == 1, what="a2 -> a1")
    time.sleep(0.2)
    assert not ours(ovs.sent("a2")) and not ours(ovs.sent("b1"))
    c0 = Control(ovs.dir / "p4br0.p4ctl")
    c1 = Control(ovs.dir / "p4br1.p4ctl")
    assert c0.request("x")["packets"] == "1"
    assert c1.request("x")["packets"] == "2"
    c0.close()
    c1.close()
    p4 = ovs.appctl("p4/show")
    assert "p4br0:" in p4 and "p4br1:" in p4


def test_swap_pipeline_at_run_time(ovs: Ovs, pipelines, tmp_path: Path):
    path = tmp_path / "current.so"
    shutil.copy(pipelines[1], path)
    ovs.p4_bridge("p4br0", {"p1": 1, "p2": 2, "p3": 3}, path)
    c = Control(ovs.dir / "p4br0.p4ctl")
    assert c.request("hello") == {"variant": "1", "packets": "0", "threads": "0", "cpu": "0",
                                  "echo": "hello"}
    ovs.receive("p1", frame(1))
    wait_until(lambda: len(ours(ovs.sent("p2"))) == 1, what="frame 1")
    assert c.request("x")["threads"] == "1"

    # Another file: replaced, the client stays connected to the bridge.
    ovs.vsctl("set", "bridge", "p4br0", f"other_config:p4-pipeline={pipelines[2]}",
              "other_config:p4-cpu-port=64")
    r = c.request("again")
    assert r["variant"] == "2" and r["packets"] == "0" and r["cpu"] == "64"
    ovs.receive("p1", frame(2))
    wait_until(lambda: len(ours(ovs.sent("p2"))) == 2, what="frame 2")
    wait_until(lambda: frame(2) in ovs.sent("p3"), what="variant 2's copy to port 3")

    # The same path, a new file (a recompiled program): reloaded.
    ovs.vsctl("set", "bridge", "p4br0", f"other_config:p4-pipeline={path}",
              "other_config:p4-cpu-port=0")
    assert c.request("x")["variant"] == "1"
    tmp = tmp_path / "new.so"
    shutil.copy(pipelines[2], tmp)
    os.rename(tmp, path)
    # Any database change makes ovs-vswitchd look at the file again.
    ovs.vsctl("set", "bridge", "p4br0", "other_config:p4-reload=1")
    assert c.request("x")["variant"] == "2"

    # A pipeline that cannot load: the running one stays, the error shows.
    ovs.vsctl("set", "bridge", "p4br0", f"other_config:p4-pipeline={tmp_path}/missing.so")
    assert c.request("x")["variant"] == "2"
    show = ovs.appctl("p4/show", "p4br0")
    assert f"error: cannot copy {tmp_path}/missing.so: No such file" in show
    # Unloading: packets are dropped, requests close the connection.
    ovs.vsctl("remove", "bridge", "p4br0", "other_config", "p4-pipeline")
    assert "pipeline: none" in ovs.appctl("p4/show", "p4br0")
    c.send("x")
    with pytest.raises((ConnectionError, OSError)):
        c.read()
    c.close()


def test_control_socket_events_and_lifecycle(ovs: Ovs, pipelines):
    ovs.p4_bridge("p4br0", {"p1": 1, "p2": 2, "p3": 3}, pipelines[1])
    sock = ovs.dir / "p4br0.p4ctl"
    assert sock.is_socket()
    a, b = Control(sock), Control(sock)
    assert a.request("ping")["echo"] == "ping"
    wait_until(lambda: "(2 clients)" in ovs.appctl("p4/show", "p4br0"), what="2 clients")
    # Events go to every client.
    a.send("EVENTS 3")
    assert a.read().startswith(b"variant=1")
    for c in (a, b):
        assert [c.read() for _ in range(3)] == [b"EVENT0", b"EVENT1", b"EVENT2"]
    # A packet-in (an event the packet path queued).
    ovs.receive("p3", frame(42))
    for c in (a, b):
        assert c.read() == b"PKTIN" + frame(42)
    # Pipelined requests, one large.
    big = "y" * 150
    a.send("one")
    a.send(big)
    assert a.read().endswith(b"echo=one")
    assert a.read().endswith(big.encode())
    # A malformed length closes that client only.
    b.s.sendall(struct.pack("<I", 2))
    with pytest.raises((ConnectionError, OSError)):
        b.read()
    assert a.request("still")["echo"] == "still"
    a.close()
    # Removing the bridge removes the socket.
    ovs.vsctl("del-br", "p4br0")
    wait_until(lambda: not sock.exists(), what="the socket to go")
    assert "p4br0" not in ovs.appctl("p4/show")


def test_ports_added_and_deleted(ovs: Ovs, pipelines):
    ovs.p4_bridge("p4br0", {"p1": 1}, pipelines[1])
    ovs.receive("p1", frame(1))
    # Port 2 does not exist yet: the pipeline's output is dropped.
    wait_until(lambda: "p4_drop_bad_port" in ovs.appctl("coverage/show"), what="bad-port drop")
    ovs.vsctl("add-port", "p4br0", "p2", "--", "set", "interface", "p2", "type=dummy",
              "ofport_request=2", f"options:tx_pcap={ovs.dir}/p2.pcap")
    ovs.receive("p1", frame(2))
    wait_until(lambda: ours(ovs.sent("p2")) == [frame(2)], what="frame 2 on the new port")
    ovs.vsctl("del-port", "p4br0", "p2")
    assert "p2" not in ovs.appctl("p4/show", "p4br0")
    # A bridge that stops being P4 is forgotten.
    ovs.vsctl("set", "bridge", "p4br0", "datapath_type=netdev")
    assert "p4br0" not in ovs.appctl("p4/show")


def test_pmd_threads(ovs: Ovs, pipelines):
    """dummy-pmd ports are polled by PMD threads: the pipeline gets a
    thread per PMD, indexed by the PMD's static Tx queue id."""
    ovs.vsctl("set", "Open_vSwitch", ".", "other_config:pmd-cpu-mask=1")
    ovs.p4_bridge("p4br0", {"p1": 1, "p2": 2}, pipelines[1], port_type="dummy-pmd")
    for i in range(20):
        ovs.receive("p1", frame(i))
    wait_until(lambda: len(ours(ovs.sent("p2"))) == 20, what="20 frames through a PMD")
    assert ours(ovs.sent("p2")) == [frame(i) for i in range(20)]
    c = Control(ovs.dir / "p4br0.p4ctl")
    assert c.request("x")["threads"] == "1"
    # Swapping while the PMD runs.
    ovs.vsctl("set", "bridge", "p4br0", f"other_config:p4-pipeline={pipelines[2]}")
    for i in range(20, 40):
        ovs.receive("p1", frame(i))
    wait_until(lambda: len(ours(ovs.sent("p2"))) == 40, what="20 more frames")
    c.close()
    if (os.cpu_count() or 1) < 2:
        return
    # The PMD thread moves to another core: its state is released.
    ovs.vsctl("set", "Open_vSwitch", ".", "other_config:pmd-cpu-mask=2")
    for i in range(40, 50):
        ovs.receive("p1", frame(i))
    wait_until(lambda: len(ours(ovs.sent("p2"))) == 50, what="frames through another PMD")
    c = Control(ovs.dir / "p4br0.p4ctl")
    assert c.request("x")["threads"] == "1"
    c.close()


def test_restart_keeps_the_p4_bridge(ovs: Ovs, pipelines):
    """ovs-vswitchd follows OVSDB: restarted, it loads the pipeline again."""
    ovs.p4_bridge("p4br0", {"p1": 1, "p2": 2}, pipelines[1])
    ovs.appctl("exit")
    pid = ovs.dir / "ovs-vswitchd.pid"
    wait_until(lambda: not pid.exists(), what="ovs-vswitchd to exit")
    ovs._run([
        "ip", "netns", "exec", ovs.netns, ovs.bin / "ovs-vswitchd", ovs.db,
        f"--unixctl={ovs.ctl}", f"--pidfile={pid}", f"--log-file={ovs.dir}/ovs-vswitchd.log",
        "--detach", "--enable-dummy",
    ])
    wait_until(lambda: "program: fwd" in ovs.appctl("p4/show", "p4br0", check=False),
               what="the pipeline after the restart")
    ovs.receive("p1", frame(7))
    wait_until(lambda: frame(7) in ovs.sent("p2"), what="forwarding after the restart")


# --- Tests: real traffic between network namespaces -----------------------------


@pytest.fixture
def netns_pair(ovs: Ovs):
    """Two namespaces ("hosts"), each with a veth whose peer is in
    ovs-vswitchd's namespace: (ns, inner veth, outer veth, address)."""
    tag = f"{os.getpid() % 10000}"
    hosts = []
    subnet = f"10.250.{os.getpid() % 250}"
    for i in (1, 2):
        ns, inner, outer = f"p4ns{tag}{i}", f"p4v{tag}{i}i", f"p4v{tag}{i}o"
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", outer, "type", "veth", "peer", "name", inner)
        sh("ip", "link", "set", inner, "netns", ns)
        sh("ip", "link", "set", outer, "netns", ovs.netns)
        sh("ip", "-n", ns, "addr", "add", f"{subnet}.{i}/24", "dev", inner)
        sh("ip", "-n", ns, "link", "set", inner, "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", ovs.netns, "link", "set", outer, "up")
        hosts.append((ns, inner, outer, f"{subnet}.{i}"))
    yield hosts
    for ns, _inner, outer, _addr in hosts:
        sh("ip", "-n", ovs.netns, "link", "del", outer, check=False)
        sh("ip", "netns", "del", ns, check=False)


def test_veth_namespaces_real_traffic_and_swap_without_loss(ovs: Ovs, pipelines, netns_pair,
                                                             tmp_path: Path):
    (ns1, in1, out1, addr1), (ns2, in2, out2, addr2) = netns_pair
    ovs.p4_bridge("p4br0", {out1: 1, out2: 2}, pipelines[1], port_type="")
    assert "error" not in ovs.vsctl("show")

    # ping, when iputils is there (ARP and ICMP both ways through the pipeline).
    if shutil.which("ping"):
        r = sh("ip", "netns", "exec", ns1, "ping", "-c", "3", "-i", "0.2", "-W", "2", addr2,
               check=False)
        assert r.returncode == 0, r.stdout + r.stderr

    # Counted frames ns1 -> ns2 while the pipeline is swapped back and forth.
    n = 1500
    recv = subprocess.Popen(
        ["ip", "netns", "exec", ns2, sys.executable, "-c", RECEIVER, in2, str(n), "5"],
        stdout=subprocess.PIPE, text=True)
    assert recv.stdout.readline().strip() == "ready"
    send = subprocess.Popen(
        ["ip", "netns", "exec", ns1, sys.executable, "-c", SENDER, in1, str(n), "0.001"])
    swaps = 0
    while send.poll() is None:
        ovs.vsctl("set", "bridge", "p4br0",
                  f"other_config:p4-pipeline={pipelines[1 + (swaps + 1) % 2]}")
        swaps += 1
        time.sleep(0.05)
    assert send.wait() == 0
    got = int(recv.communicate(timeout=30)[0].strip())
    assert swaps >= 3
    assert got == n, f"{n - got} of {n} frames lost across {swaps} pipeline swaps"
