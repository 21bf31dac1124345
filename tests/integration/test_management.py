"""The management plane of P4 bridges, for real.

A sandbox (`ovs-p4-sandbox`: ovsdb-server with the extended schema, this
project's ovs-vswitchd, here in a network namespace of its own, and
ovs-p4rtd, through which `load-entries` installs entries), P4 bridges
made with `ovs-p4ctl`, hosts in network namespaces joined to the bridges'
ports by veth pairs, the P4 tutorials' programs and runtime files, and
real traffic (ping, counted frames).  Also the schema upgrade of a
database made with the stock Open_vSwitch schema.

Needs root (network namespaces) and the tutorials (../shared/conformance).
See Documentation/management.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from ovstest import (
    SCHEMA,
    VENV_BIN,
    Host,
    Sandbox,
    basic_hosts,
    counted_frames,
    netns_add,
    netns_del,
    p4_bridge,
    requires_root_linux,
    sh,
    unique,
    wait_until,
)

from conformance_data import TUTORIALS, requires_conformance

pytestmark = [*requires_root_linux, requires_conformance]


@pytest.fixture
def sandbox(p4rt_sandbox: Sandbox) -> Sandbox:
    """With ovs-p4rtd: load-entries goes through P4Runtime."""
    return p4rt_sandbox

BASIC = TUTORIALS / "basic" / "basic.p4"
BASIC_S1 = TUTORIALS / "basic" / "pod-topo" / "s1-runtime.json"
MULTICAST = TUTORIALS / "multicast" / "multicast.p4"
MULTICAST_S1 = TUTORIALS / "multicast" / "s1-runtime.json"

# P4 ports 1 <-> 2, whatever the table state: a pipeline swap under traffic
# loses nothing only if both pipelines forward without entries.  VERSION
# makes the variants different programs.
WIRE_P4 = r"""
#include <core.p4>
#include <v1model.p4>
header ethernet_t { bit<48> dst; bit<48> src; bit<16> type; }
struct headers_t { ethernet_t eth; }
struct meta_t { }
parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start { pkt.extract(h.eth); transition accept; }
}
control VC(inout headers_t h, inout meta_t m) { apply { } }
control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    register<bit<32>>(1) version;
    apply {
        version.write(0, VERSION);
        if (sm.ingress_port == 1) { sm.egress_spec = 2; }
        else if (sm.ingress_port == 2) { sm.egress_spec = 1; }
        else { mark_to_drop(sm); }
    }
}
control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t h, inout meta_t m) { apply { } }
control D(packet_out pkt, in headers_t h) { apply { pkt.emit(h.eth); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
"""


def not_pinging(h: Host, addr: str) -> bool:
    return not h.ping(addr, count=2, wait=1)


# --- Tests -------------------------------------------------------------------------


def test_sandbox_exports_drive_the_ovs_tools(sandbox: Sandbox):
    exports = sandbox.run(VENV_BIN / "ovs-p4-sandbox", "env", sandbox.dir).stdout
    script = (f"{exports}\novs-vsctl add-br plain0 -- set bridge plain0 datapath_type=netdev"
              " && ovs-appctl version && ovs-p4ctl list-br")
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60,
                       env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/")})
    assert r.returncode == 0, r.stderr
    assert "ovs-vswitchd (Open vSwitch)" in r.stdout
    assert "Bridge plain0" in sandbox.vsctl("show")
    # start again: everything runs, nothing is started twice.
    pid = sandbox.vswitchd_pid()
    again = sandbox.start()
    assert "started" not in again.stderr
    assert sandbox.vswitchd_pid() == pid


def test_basic_p4_ping_entries_and_restart(sandbox: Sandbox, hosts):
    """The tutorials' basic.p4 as pod-topo's s1: forwarding follows the
    table entries; a restart of ovs-vswitchd keeps the bridge and program
    (the pipeline file even rebuilt from OVSDB), not the entries."""
    sb = sandbox
    h1, h2 = basic_hosts(hosts)
    p4_bridge(sb, "s1", BASIC, ["s1-eth1", "s1-eth2"], "--device-id", "1")
    show = sb.vsctl("show")
    assert "Bridge s1" in show and "datapath_type: p4" in show
    assert "Interface s1-eth1" in show and "Interface s1-eth2" in show
    assert "error" not in show
    assert sb.vsctl("get", "interface", "s1-eth2", "ofport").strip() == "2"

    # No entries: basic.p4's default action drops.
    assert not_pinging(h1, h2.ip)
    sb.p4ctl("load-entries", "s1", BASIC_S1)
    assert h1.ping(h2.ip), "h1 -> h2 through basic.p4 with s1's entries"
    assert h2.ping(h1.ip)

    # Entries removed through the control protocol: no forwarding.
    client, t = sb.control("s1")
    assert client.get_info().program_name == "basic"
    assert len(client.read_entries()) == 4
    client.clear_table()
    t.close()
    assert not_pinging(h1, h2.ip)

    # Back, then set-pipe with the same program: a fresh pipeline, no entries.
    sb.p4ctl("load-entries", "s1", BASIC_S1)
    assert h1.ping(h2.ip, count=1)
    sb.p4ctl("set-pipe", "s1", BASIC)
    assert not_pinging(h1, h2.ip)
    sb.p4ctl("load-entries", "s1", BASIC_S1)
    assert h1.ping(h2.ip, count=1)

    show = sb.p4ctl("show", "s1").stdout
    assert "device_id: 1" in show and "program: basic (v1model)" in show
    assert "port 1: s1-eth1 (system): link up" in show
    assert "port 2: s1-eth2 (system): link up" in show

    # Restart ovs-vswitchd, its pipeline file gone meanwhile.
    pipeline = Path(sb.vsctl("get", "bridge", "s1", "other_config:p4-pipeline").strip()
                    .strip('"'))
    pid = sb.vswitchd_pid()
    sb.appctl("-t", "ovs-vswitchd", "exit")
    wait_until(lambda: not Path(f"/proc/{pid}").exists()
               or "Z" in Path(f"/proc/{pid}/stat").read_text().split(")")[1][:3],
               what="ovs-vswitchd to exit")
    pipeline.unlink()
    r = sb.start()
    assert "rebuilt basic from its source in OVSDB" in r.stderr
    assert "started ovs-vswitchd" in r.stderr
    new = Path(sb.vsctl("get", "bridge", "s1", "other_config:p4-pipeline").strip().strip('"'))
    assert new.is_file()
    assert "program: basic" in sb.appctl("p4/show", "s1")
    # Documented: table entries are the controller's and do not survive.
    assert not_pinging(h1, h2.ip)
    sb.p4ctl("load-entries", "s1", BASIC_S1)
    assert h1.ping(h2.ip), "forwarding again after the restart and the entries"


def test_two_p4_bridges_and_an_openflow_bridge(sandbox: Sandbox, hosts):
    """basic.p4 and multicast.p4 in one ovs-vswitchd, both with P4 ports 1
    and 2, next to an ordinary OpenFlow bridge (NORMAL)."""
    sb = sandbox
    h1, h2 = basic_hosts(hosts)
    p4_bridge(sb, "s1", BASIC, ["s1-eth1", "s1-eth2"])
    # multicast.p4: L2, ARP flooded through multicast group 1.
    h3 = hosts("h3", "s2-eth1", "10.0.0.1", "08:00:00:00:01:11")
    h4 = hosts("h4", "s2-eth2", "10.0.0.2", "08:00:00:00:02:22")
    p4_bridge(sb, "s2", MULTICAST, ["s2-eth1", "s2-eth2"])
    # An OpenFlow bridge in the same ovs-vswitchd.
    h5 = hosts("h5", "of-eth1", "10.0.9.1", "02:00:00:00:09:01")
    h6 = hosts("h6", "of-eth2", "10.0.9.2", "02:00:00:00:09:02")
    sb.vsctl("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev",
             "--", "add-port", "br0", "of-eth1", "--", "add-port", "br0", "of-eth2")

    sb.p4ctl("load-entries", "s1", BASIC_S1)
    sb.p4ctl("load-entries", "s2", MULTICAST_S1)
    assert h1.ping(h2.ip), "s1 (basic.p4)"
    assert h3.ping(h4.ip), "s2 (multicast.p4)"
    assert h5.ping(h6.ip), "br0 (OpenFlow NORMAL)"
    assert h4.ping(h3.ip) and h2.ping(h1.ip)

    assert sb.p4ctl("list-br").stdout.split() == ["s1", "s2"]
    shows = {b: sb.p4ctl("show", b).stdout for b in ("s1", "s2")}
    assert "device_id: 1" in shows["s1"] and "device_id: 2" in shows["s2"]
    assert "program: multicast" in shows["s2"]
    for b in ("s1", "s2"):
        assert f"port 1: {b}-eth1" in shows[b] and f"port 2: {b}-eth2" in shows[b]
    assert "NORMAL" in sb.run("ovs-ofctl", "dump-flows", "br0").stdout
    p4show = sb.appctl("p4/show")
    assert "program: basic" in p4show and "program: multicast" in p4show
    assert "br0" not in sb.p4ctl("show").stdout


def test_set_pipe_is_hitless_under_traffic(sandbox: Sandbox, hosts, tmp_path: Path):
    sb = sandbox
    wire = tmp_path / "wire.p4"
    wire.write_text(WIRE_P4)
    a = hosts("a", "w-eth1", "10.0.7.1", "02:00:00:00:07:01")
    b = hosts("b", "w-eth2", "10.0.7.2", "02:00:00:00:07:02")
    p4_bridge(sb, "w", wire, ["w-eth1", "w-eth2"], "-D", "VERSION=0")
    swaps: list[float] = []

    def swap() -> None:
        t0 = time.monotonic()
        sb.p4ctl("set-pipe", "w", wire, "-D", f"VERSION={len(swaps) + 1}")
        swaps.append(time.monotonic() - t0)

    n = 3000
    got = counted_frames((a.ns, "eth0"), (b.ns, "eth0"), n, 0.001, swap)
    assert len(swaps) >= 2, f"only {len(swaps)} swaps while the frames flowed"
    assert sb.log().count("w: replaced the P4 pipeline wire") == len(swaps)
    pipeline = sb.vsctl("get", "bridge", "w", "other_config:p4-pipeline").strip().strip('"')
    assert f"pipeline: {pipeline}" in sb.appctl("p4/show", "w")
    assert got == n, f"{n - got} of {n} frames lost across {len(swaps)} set-pipe swaps"
    print(f"{n} frames, {len(swaps)} set-pipe swaps "
          f"({', '.join(f'{s:.2f}' for s in swaps)} s each), none lost")


def test_p4ctl_bridges_ports_and_errors(sandbox: Sandbox, tmp_path: Path):
    sb = sandbox
    sb.p4ctl("add-br", "p4a", "--program", BASIC, "--device-id", "7",
             "--p4runtime-addr", "127.0.0.1:9660", "--cpu-port", "64")
    sb.p4ctl("add-port", "p4a", "d1", "--type", "dummy")
    sb.p4ctl("add-port", "p4a", "d9", "--type", "dummy", "--port-id", "9")
    sb.p4ctl("add-port", "p4a", "d2", "--type", "dummy")
    # Concurrent add-ports: retried on the conflict, distinct port numbers.
    procs = [subprocess.Popen(["ovs-p4ctl", "add-port", "p4a", f"c{i}", "--type", "dummy"],
                              env=sb.env, stderr=subprocess.PIPE, text=True) for i in range(4)]
    assert [pr.wait(timeout=60) for pr in procs] == [0] * 4
    ofports = {sb.vsctl("get", "interface", f"c{i}", "ofport").strip() for i in range(4)}
    assert ofports == {"3", "4", "5", "6"}
    for i in range(4):
        sb.p4ctl("del-port", "p4a", f"c{i}")
    r = sb.p4ctl("add-port", "p4a", "nosuchdev")   # as ovs-vsctl: a warning
    assert r.stderr.startswith("ovs-p4ctl: warning: nosuchdev: could not open network device")
    sb.p4ctl("del-port", "p4a", "nosuchdev")
    show = sb.p4ctl("show").stdout
    assert "Bridge p4a" in show and "device_id: 7" in show
    assert "p4runtime_address: 127.0.0.1:9660" in show and "cpu_port: 64" in show
    assert [line.split(":")[0].strip() for line in show.splitlines()
            if line.strip().startswith("port ")] == ["port 1", "port 2", "port 9"]
    assert sb.vsctl("get", "bridge", "p4a", "external_ids:p4-device-id").strip() == '"7"'
    assert sb.vsctl("get", "bridge", "p4a", "external_ids:p4-program").strip() == "basic"
    assert "cpu port: 64" in sb.appctl("p4/show", "p4a")

    p4info = sb.p4ctl("get-pipe", "p4a").stdout
    assert 'name: "MyIngress.ipv4_lpm"' in p4info
    sb.p4ctl("get-pipe", "p4a", "-o", tmp_path / "p.json")
    assert json.loads((tmp_path / "p.json").read_text())["tables"]
    assert "control MyIngress" in sb.p4ctl("get-pipe", "p4a", "--source").stdout

    # Errors: one line, non-zero exit.
    def error(*args: str | Path, prefix: str = "ovs-p4ctl: ") -> str:
        r = sb.p4ctl(*args, check=False)
        assert r.returncode != 0, args
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(prefix), r.stderr
        return lines[0]

    assert "already exists" in error("add-br", "p4a", "--program", BASIC)
    assert "device id 7 is already used by bridge p4a" in error(
        "add-br", "p4b", "--program", BASIC, "--device-id", "7")
    assert "P4 port 9 of p4a is already used by d9" in error(
        "add-port", "p4a", "d3", "--type", "dummy", "--port-id", "9")
    assert "no bridge named nope" in error("add-port", "nope", "x")
    assert "has no port named zz" in error("del-port", "p4a", "zz")
    assert "no such file" in error("set-pipe", "p4a", tmp_path / "missing.p4")
    bad = tmp_path / "bad.p4"
    bad.write_text("control C() { apply { x = 1; } }\n")
    assert "'x' is not declared" in error("set-pipe", "p4a", bad, prefix=f"{bad}:1:23: error:")
    assert "Missing argument" in error("add-port")
    sb.p4ctl("load-entries", "p4a", BASIC_S1)
    assert "p4a: s1-runtime.json: " in error("load-entries", "p4a", BASIC_S1)  # there already
    assert "no bridge named ghost" in error("load-entries", "ghost", BASIC_S1)

    # A P4 bridge made by ovs-vsctl is listed; set-pipe gives it P4 records.
    sb.vsctl("add-br", "raw", "--", "set", "bridge", "raw", "datapath_type=p4")
    assert sb.p4ctl("list-br").stdout.split() == ["p4a", "raw"]
    assert "device_id: none" in sb.p4ctl("show", "raw").stdout
    sb.p4ctl("set-pipe", "raw", MULTICAST)
    assert "device_id: 1" in sb.p4ctl("show", "raw").stdout
    assert "no bridge named br-none" in error("del-br", "br-none")
    sb.vsctl("add-br", "ofbr", "--", "set", "bridge", "ofbr", "datapath_type=netdev")
    assert "not a P4 bridge" in error("del-br", "ofbr")

    # Ports and bridges go, with their P4 records and unused pipelines.
    sb.p4ctl("del-port", "p4a", "d9")
    assert "Interface d9" not in sb.vsctl("show")
    sb.p4ctl("del-br", "p4a")
    sb.run("ovs-vsctl", "del-br", "raw")  # plain ovs-vsctl: the P4 records go too
    for table in ("P4_Bridge", "P4_Program"):
        dump = sb.run("ovsdb-client", "--format=json", "dump", f"unix:{sb.dir}/db.sock",
                      table).stdout
        assert json.loads(dump)["data"] == [], dump
    sb.p4ctl("del-br", "p4a", "--if-exists")


# --- Schema upgrade ----------------------------------------------------------------


def _ovs(bindir: Path, tool: str) -> str:
    return str(bindir / tool)


def _dump(bindir: Path, db: Path, tables: list[str]) -> dict[str, dict[str, dict]]:
    """Every row of ``tables``, offline (ovsdb-tool query), by uuid."""
    ops = ["Open_vSwitch"] + [{"op": "select", "table": t, "where": []} for t in tables]
    r = sh(_ovs(bindir, "ovsdb-tool"), "query", db, json.dumps(ops))
    out = {}
    for t, result in zip(tables, json.loads(r.stdout), strict=True):
        assert "rows" in result, result
        out[t] = {row["_uuid"][1]: {k: v for k, v in row.items() if k != "_version"}
                  for row in result["rows"]}
    return out


class Server:
    def __init__(self, bindir: Path, d: Path, db: Path) -> None:
        self.bindir, self.dir, self.db = bindir, d, db
        self.env = dict(os.environ, OVS_RUNDIR=str(d), OVS_DBDIR=str(d), OVS_LOGDIR=str(d))
        self.remote = f"unix:{d}/db.sock"

    def start(self) -> None:
        sh(_ovs(self.bindir, "ovsdb-server"), self.db, f"--remote=punix:{self.dir}/db.sock",
           f"--pidfile={self.dir}/ovsdb-server.pid", f"--log-file={self.dir}/ovsdb-server.log",
           "--detach", "--no-chdir", env=self.env)

    def stop(self) -> None:
        sh(_ovs(self.bindir, "ovs-appctl"), "-t", "ovsdb-server", "exit", env=self.env,
           check=False)
        wait_until(lambda: not (self.dir / "ovsdb-server.pid").exists(),
                   what="ovsdb-server to exit")

    def vsctl(self, *args: str) -> str:
        return sh(_ovs(self.bindir, "ovs-vsctl"), f"--db={self.remote}", "--no-wait",
                  *args, env=self.env).stdout

    def p4ctl(self, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        return sh(VENV_BIN / "ovs-p4ctl", f"--db={self.remote}", "--no-wait", *args,
                  check=check, env=self.env)


def test_schema_upgrade_keeps_everything(ovs_bin: Path, tmp_path: Path):
    """A conf.db made with the stock schema, with bridges, ports, QoS, a
    controller...: upgraded offline (ovsdb-tool convert) and online (the
    server's convert), nothing lost; ovs-p4ctl says what to do before."""
    stock_tables = sorted(json.loads(SCHEMA.read_text())["tables"])
    db = tmp_path / "conf.db"
    sh(_ovs(ovs_bin, "ovsdb-tool"), "create", db, SCHEMA)
    server = Server(ovs_bin, tmp_path, db)
    server.start()
    try:
        server.vsctl("init")
        server.vsctl("add-br", "br0", "--", "set", "bridge", "br0", "other_config:a=b",
                     "external_ids:owner=test", "--", "add-port", "br0", "p1",
                     "--", "set", "interface", "p1", "type=dummy", "ofport_request=5",
                     "options:foo=bar")
        server.vsctl("add-br", "br1", "--", "set", "bridge", "br1", "datapath_type=netdev",
                     "--", "add-port", "br1", "p2", "tag=10")
        server.vsctl("set-controller", "br0", "tcp:127.0.0.1:6653")
        server.vsctl("--", "set", "port", "p1", "qos=@q", "--", "--id=@q", "create", "qos",
                     "type=linux-htb", "other-config:max-rate=1000000")
        server.vsctl("set", "Open_vSwitch", ".", "external_ids:system-id=test-host")
        # Not upgraded: one clear line.
        r = server.p4ctl("list-br", check=False)
        assert r.returncode == 1
        assert r.stderr.count("\n") == 1 and "ovs-p4ctl upgrade-db" in r.stderr, r.stderr
    finally:
        server.stop()
    before = _dump(ovs_bin, db, stock_tables)
    assert len(before["Bridge"]) == 2 and len(before["Interface"]) == 4
    assert len(before["QoS"]) == 1 and len(before["Controller"]) == 1

    # Offline, on a copy.
    offline = tmp_path / "offline.db"
    shutil.copy(db, offline)
    r = sh(VENV_BIN / "ovs-p4ctl", "upgrade-db", "--db-file", offline,
           "--ovs-bindir", ovs_bin)
    assert "upgraded from schema 8.3.1 to 8.3.1001" in r.stdout
    assert (tmp_path / "offline.db.backup8.3.1").is_file()
    assert sh(_ovs(ovs_bin, "ovsdb-tool"), "db-version", offline).stdout.strip() == "8.3.1001"
    after = _dump(ovs_bin, offline, stock_tables)
    for t in stock_tables:
        for uuid, row in before[t].items():
            new = dict(after[t][uuid])
            if t == "Bridge":
                assert new.pop("p4") == ["set", []]
            assert new == row, f"{t} {uuid} changed"
        assert after[t].keys() == before[t].keys()
    assert _dump(ovs_bin, offline, ["P4_Bridge", "P4_Program"]) == {
        "P4_Bridge": {}, "P4_Program": {}}
    r = sh(VENV_BIN / "ovs-p4ctl", "upgrade-db", "--db-file", offline, "--ovs-bindir", ovs_bin)
    assert "already has the P4 records" in r.stdout

    # Online, on the original.
    server.start()
    try:
        r = server.p4ctl("upgrade-db")
        assert "upgraded from schema 8.3.1 to 8.3.1001" in r.stdout
        assert server.p4ctl("list-br").stdout == ""
        assert "already has" in server.p4ctl("upgrade-db").stdout
        assert "Port p1" in server.vsctl("show")   # ovs-vsctl still at home
    finally:
        server.stop()
    online = _dump(ovs_bin, db, stock_tables)
    for t in stock_tables:
        for uuid, row in before[t].items():
            new = dict(online[t][uuid])
            if t == "Bridge":
                new.pop("p4")
            assert new == row, f"{t} {uuid} changed"


def test_online_upgrade_under_a_running_vswitchd(ovs_bin: Path, tmp_path: Path):
    """ovs-vswitchd follows the conversion: afterwards it applies P4 bridges
    (ovs-p4ctl waits for it) and still runs its other bridges."""
    from ovsp4.cli.daemons import Daemon

    db = tmp_path / "conf.db"
    sh(_ovs(ovs_bin, "ovsdb-tool"), "create", db, SCHEMA)
    server = Server(ovs_bin, tmp_path, db)
    netns = unique("p4up")
    netns_add(netns)
    vswitchd = Daemon("ovs-vswitchd", tmp_path)
    server.start()
    try:
        server.vsctl("init")
        server.vsctl("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev",
                     "--", "add-port", "br0", "p1", "--", "set", "interface", "p1",
                     "type=dummy")
        pid = vswitchd.start(["ip", "netns", "exec", netns, _ovs(ovs_bin, "ovs-vswitchd"),
                              server.remote, f"--pidfile={vswitchd.pidfile}",
                              f"--log-file={vswitchd.logfile}", "--detach", "--no-chdir",
                              "--enable-dummy"], server.env)
        sh(_ovs(ovs_bin, "ovs-vsctl"), f"--db={server.remote}", "--timeout=30", "set",
           "Open_vSwitch", ".", "external_ids:up=1")  # waits for ovs-vswitchd
        assert "upgraded" in server.p4ctl("upgrade-db").stdout
        r = sh(VENV_BIN / "ovs-p4ctl", f"--db={server.remote}", f"--dbdir={tmp_path}",
               f"--rundir={tmp_path}", "-t", "30", "add-br", "p4x", "--program", BASIC,
               env=server.env)
        assert "warning" not in r.stderr, r.stderr
        sh(VENV_BIN / "ovs-p4ctl", f"--db={server.remote}", "-t", "30", "add-port", "p4x", "d1",
           "--type", "dummy", env=server.env)
        assert vswitchd.pid() == pid
        show = sh(_ovs(ovs_bin, "ovs-vsctl"), f"--db={server.remote}", "show").stdout
        assert "Bridge br0" in show and "Bridge p4x" in show and "error" not in show
        assert "program: basic" in sh(_ovs(ovs_bin, "ovs-appctl"), "-t", "ovs-vswitchd",
                                      "p4/show", "p4x", env=server.env).stdout
    finally:
        pid = vswitchd.pid()
        if pid is not None:
            vswitchd.stop(graceful=[_ovs(ovs_bin, "ovs-appctl"), "-t",
                                    str(tmp_path / f"ovs-vswitchd.{pid}.ctl"), "exit",
                                    "--cleanup"], env=server.env)
        server.stop()
        netns_del(netns)
