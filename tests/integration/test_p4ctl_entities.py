"""ovs-p4ctl's entity commands, for real: P4Runtime to ovs-p4rtd.

A sandbox with ovs-p4rtd (`ovs-p4-sandbox start --with-p4rtd`, on a free
port that ovs-p4ctl finds in $OVSP4_P4RUNTIME), P4 bridges made with
`ovs-p4ctl add-br`, hosts in network namespaces joined to their ports by
veth pairs, and real traffic:

- the tutorials' basic.p4: entries added, modified and deleted by hand
  (ping follows), dumped as text and JSON, loaded from s1-runtime.json;
- tests/programs/p4ctl_entities.p4: ternary, range and optional fields
  with priorities, direct counters and meters, indexed counters, meters
  and registers, packet-out, packet-in, digests and a clone session
  (`monitor`), arbitration against a controller, default entries in
  dump-entries (and tests/programs/p4rt_tables.p4's const default action);
- tests/programs/p4rt_tables.p4: action profile members and groups, entries
  pointing at them, a parser value set;
- the tutorials' multicast.p4: multicast groups;
- TLS: the entity commands to a second ovs-p4rtd that requires client
  certificates (mutual TLS).

Needs root (network namespaces) and, for the tutorials' programs,
../shared/conformance.  See Documentation/management.md.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from ovstest import (
    ROOT,
    Capture,
    Host,
    Sandbox,
    basic_hosts,
    make_pki,
    p4_bridge,
    requires_root_linux,
    tls_p4rtd,
    wait_until,
)

from conformance_data import TUTORIALS, requires_conformance

pytestmark = requires_root_linux

BASIC = TUTORIALS / "basic" / "basic.p4"
BASIC_S1 = TUTORIALS / "basic" / "pod-topo" / "s1-runtime.json"
MULTICAST = TUTORIALS / "multicast" / "multicast.p4"
PROGRAM = ROOT / "tests" / "programs" / "p4ctl_entities.p4"
TABLES = ROOT / "tests" / "programs" / "p4rt_tables.p4"
CPU_PORT = 64
H1_MAC, H2_MAC = "08:00:00:00:01:11", "08:00:00:00:02:22"
FORWARD = "MyIngress.ipv4_forward"
LPM_DEFAULT = "table=MyIngress.ipv4_lpm, default action=MyIngress.drop"


@pytest.fixture
def sandbox(p4rt_sandbox: Sandbox) -> Sandbox:
    """Every test here has ovs-p4rtd (the `hosts` fixture uses this one)."""
    return p4rt_sandbox


def not_pinging(h: Host, addr: str) -> bool:
    return not h.ping(addr, count=2, wait=1)


def error(sb: Sandbox, *args: str | Path) -> str:
    """The one line an ovs-p4ctl command that must fail prints."""
    r = sb.p4ctl(*args, check=False)
    assert r.returncode == 1, (args, r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ovs-p4ctl: "), r.stderr
    assert "Traceback" not in r.stderr
    return lines[0]


def dump(sb: Sandbox, bridge: str, *args: str) -> list[str]:
    return sb.p4ctl("dump-entries", bridge, *args).stdout.splitlines()


# --- basic.p4 --------------------------------------------------------------------------


@requires_conformance
def test_entries_by_hand_follow_ping(sandbox: Sandbox, hosts):
    sb = sandbox
    h1, h2 = basic_hosts(hosts)
    p4_bridge(sb, "s1", BASIC, ["s1-eth1", "s1-eth2"], "--device-id", "1")
    assert dump(sb, "s1") == [LPM_DEFAULT]
    assert not_pinging(h1, h2.ip)

    # The design brief's example, and the way back.
    sb.p4ctl("add-entry", "s1", "MyIngress.ipv4_lpm", "hdr.ipv4.dstAddr=10.0.2.0/24",
             f"action={FORWARD}(dstAddr={H2_MAC}, port=2)")
    sb.p4ctl("add-entry", "s1", "ipv4_lpm", "dstAddr=10.0.1.1",
             f"ipv4_forward({H1_MAC}, 1)")
    assert h1.ping(h2.ip), "h1 -> h2 with entries from ovs-p4ctl add-entry"
    assert dump(sb, "s1") == [
        f"table=MyIngress.ipv4_lpm, hdr.ipv4.dstAddr=10.0.1.1/32 "
        f"action={FORWARD}(dstAddr={H1_MAC},port=1)",
        f"table=MyIngress.ipv4_lpm, hdr.ipv4.dstAddr=10.0.2.0/24 "
        f"action={FORWARD}(dstAddr={H2_MAC},port=2)",
        LPM_DEFAULT]
    js = json.loads(sb.p4ctl("dump-entries", "s1", "ipv4_lpm", "--format", "json").stdout)
    assert js["table_entries"][1] == {
        "table": "MyIngress.ipv4_lpm", "match": {"hdr.ipv4.dstAddr": ["10.0.2.0", 24]},
        "action_name": FORWARD, "action_params": {"dstAddr": H2_MAC, "port": 2}}

    # Twice: the server's reason, on one line.
    line = error(sb, "add-entry", "s1", "ipv4_lpm", "dstAddr=10.0.1.1",
                 f"ipv4_forward({H1_MAC}, 1)")
    assert line.startswith("ovs-p4ctl: s1: ALREADY_EXISTS: "), line

    # Modified to the wrong port, and back.
    sb.p4ctl("mod-entry", "s1", "ipv4_lpm", "dstAddr=10.0.2.0/24",
             f"action=ipv4_forward(dstAddr={H2_MAC},port=3)")
    assert not_pinging(h1, h2.ip)
    assert f"action={FORWARD}(dstAddr={H2_MAC},port=3)" in dump(sb, "s1")[1]
    sb.p4ctl("mod-entry", "s1", "ipv4_lpm", "dstAddr=10.0.2.0/24",
             f"action=ipv4_forward(dstAddr={H2_MAC},port=2)")
    assert h1.ping(h2.ip, count=1)

    # Default entries.
    assert sb.p4ctl("get-default-entry", "s1", "ipv4_lpm").stdout.strip() == \
        "table=MyIngress.ipv4_lpm, default action=MyIngress.drop"
    sb.p4ctl("set-default-entry", "s1", "ipv4_lpm", f"{FORWARD}(dstAddr={H2_MAC},port=2)")
    assert json.loads(sb.p4ctl("get-default-entry", "s1", "ipv4_lpm", "--format",
                               "json").stdout) == {
        "table": "MyIngress.ipv4_lpm", "default_action": True, "action_name": FORWARD,
        "action_params": {"dstAddr": H2_MAC, "port": 2}}
    assert dump(sb, "s1")[-1] == (f"table=MyIngress.ipv4_lpm, default "
                                  f"action={FORWARD}(dstAddr={H2_MAC},port=2)")
    sb.p4ctl("set-default-entry", "s1", "ipv4_lpm", "--reset")
    assert "action=MyIngress.drop" in sb.p4ctl("get-default-entry", "s1", "ipv4_lpm").stdout

    # Deleted: no forwarding.
    sb.p4ctl("del-entry", "s1", "ipv4_lpm", "dstAddr=10.0.2.0/24")
    assert not_pinging(h1, h2.ip)
    assert len(dump(sb, "s1")) == 2
    line = error(sb, "del-entry", "s1", "ipv4_lpm", "dstAddr=10.0.2.0/24")
    assert line.startswith("ovs-p4ctl: s1: NOT_FOUND: "), line
    sb.p4ctl("del-entries", "s1")
    assert dump(sb, "s1") == [LPM_DEFAULT]

    # The tutorial's runtime file, over P4Runtime.
    sb.p4ctl("load-entries", "s1", BASIC_S1)
    assert h1.ping(h2.ip) and h2.ping(h1.ip)
    assert len(dump(sb, "s1")) == 5
    line = error(sb, "load-entries", "s1", BASIC_S1)   # there already
    assert line.startswith("ovs-p4ctl: s1: s1-runtime.json: table_entries[1]: ALREADY_EXISTS:")
    assert line.endswith("(and 3 more)"), line
    # What dump-entries --format json prints loads back.
    saved = sb.dir / "saved.json"
    saved.write_text(sb.p4ctl("dump-entries", "s1", "--format", "json").stdout)
    sb.p4ctl("del-entries", "s1", "MyIngress.ipv4_lpm")
    assert not_pinging(h1, h2.ip)
    sb.p4ctl("load-entries", "s1", saved)
    assert h1.ping(h2.ip, count=1)

    # Errors: one line each.
    assert "no table 'nope' (known: MyIngress.ipv4_lpm)" in error(
        sb, "add-entry", "s1", "nope", "x=1", "drop")
    assert "does not fit in 32 bits" in error(
        sb, "add-entry", "s1", "ipv4_lpm", "dstAddr=0x1ffffffff", "drop")
    assert "no value for parameter port" in error(
        sb, "add-entry", "s1", "ipv4_lpm", "dstAddr=10.9.0.0/16", f"ipv4_forward({H2_MAC})")
    assert "no bridge named ghost" in error(sb, "dump-entries", "ghost")
    sb.vsctl("add-br", "raw", "--", "set", "bridge", "raw", "datapath_type=p4")
    assert "raw has no P4Runtime device id" in error(sb, "dump-entries", "raw")
    line = error(sb, "--p4runtime", "127.0.0.1:1", "dump-entries", "s1")
    assert "s1: cannot reach ovs-p4rtd at 127.0.0.1:1" in line, line


# --- p4ctl_entities.p4: every kind of match, counters, meters, registers ------------


@pytest.fixture
def acl_switch(sandbox: Sandbox, hosts) -> tuple[Sandbox, Host, Host]:
    sb = sandbox
    h1, h2 = basic_hosts(hosts)
    p4_bridge(sb, "s1", PROGRAM, ["s1-eth1", "s1-eth2"], "--device-id", "1",
              "--cpu-port", str(CPU_PORT))
    sb.p4ctl("add-entry", "s1", "acl", "hdr.ipv4.dstAddr=10.0.2.0/24", "protocol=1",
             "priority=10", f"action=forward(port=2, dstAddr={H2_MAC})")
    sb.p4ctl("add-entry", "s1", "acl", "hdr.ipv4.dstAddr=10.0.1.0&&&255.255.255.0",
             "--priority", "10", f"forward(1, {H1_MAC})")
    return sb, h1, h2


def _counts(line: str) -> tuple[int, int]:
    fields = dict(re.findall(r"(n_packets|n_bytes)=(\d+)", line))
    return int(fields["n_packets"]), int(fields["n_bytes"])


def test_ternary_range_optional_priorities_and_direct_counters(acl_switch):
    sb, h1, h2 = acl_switch
    assert h1.ping(h2.ip, count=3)
    lines = dump(sb, "s1", "acl")
    assert len(lines) == 3 and lines[2] == "table=I.acl, default action=I.drop"
    assert lines[0].startswith("table=I.acl, n_packets=")
    assert lines[0].endswith(", priority=10,hdr.ipv4.dstAddr=10.0.1.0&&&255.255.255.0 "
                             f"action=I.forward(port=1,dstAddr={H1_MAC})"), lines[0]
    assert lines[1].endswith(", priority=10,hdr.ipv4.dstAddr=10.0.2.0&&&255.255.255.0,"
                             f"hdr.ipv4.protocol=1..1 action=I.forward(port=2,"
                             f"dstAddr={H2_MAC})"), lines[1]
    packets, n_bytes = _counts(lines[1])
    assert packets >= 3 and n_bytes >= 3 * 98, lines[1]
    assert h1.ping(h2.ip, count=2)
    again, _ = _counts(dump(sb, "s1", "acl")[1])
    assert again >= packets + 2, "the direct counter counts"
    js = json.loads(sb.p4ctl("dump-entries", "s1", "--format", "json").stdout)
    entry = js["table_entries"][1]
    assert entry["match"]["hdr.ipv4.protocol"] == [1, 1] and entry["priority"] == 10
    assert entry["counter_data"]["packets"] == again

    # A higher priority wins: drop h1's packets (ternary on the source,
    # optional on the Ethernet source, range on the protocol).
    sb.p4ctl("add-entry", "s1", "acl", "ipv4.srcAddr=10.0.1.1&&&0xffffffff",
             f"hdr.ethernet.srcAddr={H1_MAC}", "protocol=0..17", "priority=20", "drop")
    assert not_pinging(h1, h2.ip)
    # The same at a lower priority: the forwarding entries win.
    sb.p4ctl("del-entry", "s1", "acl", "hdr.ipv4.srcAddr=10.0.1.1",
             f"hdr.ethernet.srcAddr={H1_MAC}", "protocol=0..17", "priority=20")
    sb.p4ctl("add-entry", "s1", "acl", "hdr.ipv4.srcAddr=10.0.1.1", "priority=5", "drop")
    assert h1.ping(h2.ip, count=1)
    assert "its entries need a priority" in error(sb, "add-entry", "s1", "acl", "protocol=6",
                                                  "drop")

    # A direct meter's configuration shows with its entry.
    sb.p4ctl("set-meter", "s1", "acl", "hdr.ipv4.srcAddr=10.0.1.1", "priority=5",
             "cir=1000", "cburst=2000")
    line = [x for x in dump(sb, "s1", "acl") if "priority=5," in x][0]
    assert "cir=1000, cburst=2000, pir=1000, pburst=2000" in line, line


def test_counters_registers_and_meters(acl_switch):
    sb, h1, h2 = acl_switch
    assert h1.ping(h2.ip, count=3)
    line = sb.p4ctl("dump-counters", "s1", "port_pkts", "1").stdout.strip()
    assert line.startswith("I.port_pkts[1]: n_packets="), line
    packets, _ = _counts(line)
    assert packets >= 3
    every = sb.p4ctl("dump-counters", "s1").stdout.splitlines()
    assert len(every) == 512 and every[1] == line
    assert "direct counter of table I.acl" in error(sb, "dump-counters", "s1", "acl_hits")
    js = json.loads(sb.p4ctl("dump-counters", "s1", "port_pkts", "2", "--format",
                             "json").stdout)
    assert js[0]["counter"] == "I.port_pkts" and js[0]["packets"] >= 3  # the replies

    # The last packet length of each port (ping: 98 bytes).
    assert sb.p4ctl("read-register", "s1", "last_len", "1").stdout.strip() == "I.last_len[1]: 98"
    assert json.loads(sb.p4ctl("read-register", "s1", "last_len", "2", "--format",
                               "json").stdout) == [{"register": "I.last_len", "index": 2,
                                                    "value": 98}]
    # blocked[0] = 1 drops everything.
    sb.p4ctl("write-register", "s1", "blocked", "0", "1")
    assert sb.p4ctl("read-register", "s1", "blocked").stdout.strip() == "I.blocked[0]: 1"
    assert not_pinging(h1, h2.ip)
    sb.p4ctl("write-register", "s1", "blocked", "0", "0")
    assert h1.ping(h2.ip, count=1)
    assert "256 does not fit in 8 bits" in error(sb, "write-register", "s1", "blocked", "0",
                                                 "256")

    # port_meter[1]: one packet per second, a burst of one: a fast ping
    # loses most of its packets.
    sb.p4ctl("set-meter", "s1", "port_meter", "1", "cir=1", "cburst=1")
    assert sb.p4ctl("dump-meters", "s1", "port_meter", "1").stdout.strip() == \
        "I.port_meter[1]: cir=1, cburst=1, pir=1, pburst=1"
    r = h1.run("ping", "-n", "-c", "10", "-i", "0.05", "-W", "1", h2.ip, check=False)
    received = int(r.stdout.split(" received")[0].rsplit(" ", 1)[1])
    assert received <= 4, r.stdout
    sb.p4ctl("set-meter", "s1", "port_meter", "1")          # unconfigured again
    assert sb.p4ctl("dump-meters", "s1", "port_meter", "1").stdout.strip() == \
        "I.port_meter[1]: unconfigured"
    assert h1.ping(h2.ip, count=3)
    js = json.loads(sb.p4ctl("dump-meters", "s1", "port_meter", "--format", "json").stdout)
    assert len(js) == 512 and js[1] == {"meter": "I.port_meter", "index": 1, "config": None}


def test_arbitration_with_a_controller(acl_switch):
    from ovsp4.p4runtime.client import P4RuntimeClient

    sb, h1, h2 = acl_switch
    add = ("add-entry", "s1", "acl", "protocol=6", "priority=1", "drop")
    with P4RuntimeClient(sb.p4runtime, 1, election_id=(0, 10)) as controller:
        controller.arbitrate()
        line = error(sb, *add)
        assert line == ("ovs-p4ctl: s1 (device 1): a controller is the primary client, with "
                        "election id 0:10: ovs-p4ctl writes only as the primary; "
                        "--election-id HIGH:LOW above 0:10 takes over from it"), line
        assert len(dump(sb, "s1")) == 4                  # reads need no arbitration
        sb.p4ctl("--election-id", "0:11", *add)          # takes over
        # No primary now, 0:11 the highest seen: ovs-p4ctl uses it.
        sb.p4ctl("del-entry", "s1", "acl", "protocol=6", "priority=1")
        line = error(sb, "--election-id", "5", *add)
        assert "election id 0:5 is below the highest one the device has seen (0:11)" in line
    assert h1.ping(h2.ip, count=1)


def test_dump_entries_shows_default_entries(sandbox: Sandbox):
    """Each table's default entry after its entries, as ovs-ofctl dump-flows
    shows the table-miss flow; a const default action too."""
    sb = sandbox
    p4_bridge(sb, "s1", PROGRAM, [], "--device-id", "1")
    assert dump(sb, "s1") == ["table=I.acl, default action=I.drop",
                              "table=I.ipv6_lpm, default action=I.drop"]
    sb.p4ctl("add-entry", "s1", "acl", "protocol=6", "priority=1", "drop")
    sb.p4ctl("set-default-entry", "s1", "acl", f"forward(port=2, dstAddr={H2_MAC})")
    lines = dump(sb, "s1")
    assert len(lines) == 3 and lines[0].endswith(", priority=1,hdr.ipv4.protocol=6..6 "
                                                 "action=I.drop"), lines
    assert lines[1] == f"table=I.acl, default action=I.forward(port=2,dstAddr={H2_MAC})"
    assert lines[1] == sb.p4ctl("get-default-entry", "s1", "acl").stdout.strip()
    assert lines[2] == "table=I.ipv6_lpm, default action=I.drop"
    assert dump(sb, "s1", "ipv6_lpm") == [lines[2]]

    # JSON: the default entry as runtime files write it; it loads back.
    text = sb.p4ctl("dump-entries", "s1", "acl", "--format", "json").stdout
    assert json.loads(text)["table_entries"][1] == {
        "table": "I.acl", "default_action": True, "action_name": "I.forward",
        "action_params": {"port": 2, "dstAddr": H2_MAC}}
    saved = sb.dir / "acl.json"
    saved.write_text(text)
    sb.p4ctl("del-entries", "s1")
    sb.p4ctl("set-default-entry", "s1", "acl", "--reset")
    assert dump(sb, "s1", "acl") == ["table=I.acl, default action=I.drop"]
    sb.p4ctl("load-entries", "s1", saved)
    assert dump(sb, "s1", "acl") == lines[:2]

    # A const default action shows, marked const, after the const entries.
    p4_bridge(sb, "s2", TABLES, [], "--device-id", "2")
    const = dump(sb, "s2", "t_const")
    assert len(const) == 3 and const[-1] == "table=I.t_const, default, const action=I.drop"
    assert json.loads(sb.p4ctl("dump-entries", "s2", "t_const", "--format", "json").stdout)[
        "table_entries"][-1] == {"table": "I.t_const", "default_action": True,
                                 "action_name": "I.drop", "action_params": {},
                                 "is_const": True}
    assert "const default action" in error(sb, "set-default-entry", "s2", "t_const",
                                           "NoAction")
    # Saved and loaded back: what is marked is_const is the program's, skipped.
    saved = sb.dir / "s2.json"
    saved.write_text(sb.p4ctl("dump-entries", "s2", "--format", "json").stdout)
    sb.p4ctl("load-entries", "s2", saved)
    assert dump(sb, "s2", "t_const") == const


# --- Action profiles and parser value sets (p4rt_tables.p4) -------------------------------


def test_action_profiles_and_value_sets(sandbox: Sandbox):
    """Members and groups of an action selector, entries pointing at them,
    dumped as text and JSON; the server's errors on one line; a parser
    value set replaced and dumped."""
    sb = sandbox
    p4_bridge(sb, "s1", TABLES, [], "--device-id", "1")
    sb.p4ctl("add-member", "s1", "t_sel", "1", "set_out(port=2, v=1)")
    sb.p4ctl("add-member", "s1", "I.t_sel", "2", "action=set_out(3,2)")
    sb.p4ctl("mod-member", "s1", "t_sel", "2", "set_out(port=4,v=2)")
    sb.p4ctl("add-profile-group", "s1", "t_sel", "10", "1", "2:3")
    sb.p4ctl("add-member", "s1", "t_prof", "5", "NoAction")
    sb.p4ctl("add-entry", "s1", "t_sel", "b=7", "group=10")
    sb.p4ctl("add-entry", "s1", "t_sel", "b=8", "member=1")
    sb.p4ctl("add-entry", "s1", "t_prof", "b=9", "member=5")
    lines = sb.p4ctl("dump-profiles", "s1").stdout.splitlines()
    assert lines == [
        "profile=I.t_prof, member=5 action=NoAction",
        "profile=I.t_sel, member=1 action=I.set_out(port=2,v=1)",
        "profile=I.t_sel, member=2 action=I.set_out(port=4,v=2)",
        "profile=I.t_sel, group=10 max_size=8 members=1:1,2:3"]
    assert sb.p4ctl("dump-profiles", "s1", "t_sel").stdout.splitlines() == lines[1:]
    assert json.loads(sb.p4ctl("dump-profiles", "s1", "t_sel", "--format",
                               "json").stdout)[1:] == [
        {"profile": "I.t_sel", "member_id": 2, "action_name": "I.set_out",
         "action_params": {"port": 4, "v": 2}},
        {"profile": "I.t_sel", "group_id": 10, "max_size": 8,
         "members": [{"member_id": 1, "weight": 1}, {"member_id": 2, "weight": 3}]}]
    assert dump(sb, "s1", "t_sel")[:2] == ["table=I.t_sel, h.ctl.b=7 group=10",
                                           "table=I.t_sel, h.ctl.b=8 member=1"]

    # The server's reasons, on one line: weight 9 in a group of at most 8; a
    # member an entry points at.
    assert error(sb, "add-profile-group", "s1", "t_sel", "11", "1:5", "2:4") == (
        "ovs-p4ctl: s1: RESOURCE_EXHAUSTED: action profile I.t_sel group 11: 9 weight "
        "above max_size 8")
    assert error(sb, "del-member", "s1", "t_sel", "1").startswith(
        "ovs-p4ctl: s1: FAILED_PRECONDITION: action profile I.t_sel member 1: ")
    assert "has no selector" in error(sb, "add-profile-group", "s1", "t_prof", "1", "5")
    sb.p4ctl("del-entry", "s1", "t_sel", "b=8")
    sb.p4ctl("mod-profile-group", "s1", "t_sel", "10", "2")
    sb.p4ctl("del-member", "s1", "t_sel", "1")
    assert sb.p4ctl("dump-profiles", "s1", "t_sel").stdout.splitlines() == [
        lines[2], "profile=I.t_sel, group=10 max_size=8 members=2:1"]

    # Parser value sets: replaced whole.
    sb.p4ctl("set-value-set", "s1", "special", "0x1234", "22136")
    assert sb.p4ctl("dump-value-sets", "s1").stdout.splitlines() == [
        "value_set=P.special, members=4660,22136"]
    assert json.loads(sb.p4ctl("dump-value-sets", "s1", "special", "--format",
                               "json").stdout) == [
        {"value_set": "P.special", "members": [4660, 22136]}]
    assert error(sb, "set-value-set", "s1", "special", "1", "2", "3", "4", "5") == (
        "ovs-p4ctl: s1: RESOURCE_EXHAUSTED: value set P.special: 5 members, the size is 4")
    sb.p4ctl("set-value-set", "s1", "special")
    assert sb.p4ctl("dump-value-sets", "s1", "special").stdout.splitlines() == [
        "value_set=P.special, members=none"]


# --- Packets: packet-out, packet-in, digests, clone sessions ------------------------------

class Monitor:
    """`ovs-p4ctl monitor` in the background, its lines as they come."""

    def __init__(self, sb: Sandbox, *args: str) -> None:
        self.proc = subprocess.Popen(["ovs-p4ctl", "monitor", *args], env=sb.env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def lines_while(self, poke: Callable[[], None], timeout: float = 30) -> list[str]:
        """Calls poke() until the monitor exits (after its --count)."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            poke()
            time.sleep(0.3)
        if self.proc.poll() is None:
            self.proc.kill()
        out, err = self.proc.communicate(timeout=10)
        assert self.proc.returncode == 0, err
        return out.splitlines()


@pytest.fixture
def capture() -> Iterator[Callable[[Host], Capture]]:
    caps: list[Capture] = []

    def start(h: Host) -> Capture:
        caps.append(Capture(h.ns, ethertype=0x88B5))
        return caps[-1]

    yield start
    for c in caps:
        c.close()


def test_packet_out_packet_in_digests_and_clones(acl_switch, capture):
    sb, h1, h2 = acl_switch

    # packet-out to port 2: h2 receives the frame as it was sent.
    frame = (H2_MAC.replace(":", "") + "020000000001" + "88b5" + "6f7670347034" + "00" * 40)
    cap = capture(h2)
    sb.p4ctl("packet-out", "s1", frame, "egress_port=2")
    assert cap.wait_for(bytes.fromhex(frame)) == [bytes.fromhex(frame)]
    assert "no packet_out header field 'port'" in error(sb, "packet-out", "s1", frame, "port=2")

    # packet-in: ICMP from h1 to the controller.
    sb.p4ctl("add-entry", "s1", "acl", "ipv4.srcAddr=10.0.1.1", "protocol=1", "priority=30",
             "to_cpu(reason=3)")
    mon = Monitor(sb, "s1", "--count", "1", "--duration", "30")
    lines = mon.lines_while(lambda: h1.ping(h2.ip, count=1, wait=0.2))
    assert len(lines) == 1
    assert lines[0].startswith("packet_in: ingress_port=1, reason=3, len=98, payload="), lines
    payload = lines[0].split("payload=")[1]
    assert payload[12:24] == H1_MAC.replace(":", "") and payload[24:28] == "0800"
    sb.p4ctl("del-entry", "s1", "acl", "ipv4.srcAddr=10.0.1.1", "protocol=1", "priority=30")

    # Digests, as JSON lines.
    mon = Monitor(sb, "s1", "--digest", "learn_t", "--ack", "--count", "1", "--format", "json")
    (line,) = mon.lines_while(lambda: h1.ping(h2.ip, count=1, wait=0.2))
    msg = json.loads(line)
    assert msg["type"] == "digest" and msg["digest"] == "learn_t"
    assert {"srcAddr": H1_MAC, "port": 1} in msg["data"]

    # A clone session to the CPU port: forwarded packets arrive as
    # packet-ins too (reason 127, set in egress for clones).
    sb.p4ctl("add-clone-session", "s1", "5", str(CPU_PORT))
    # As written, or as P4Runtime's CPU port (0xfffffffd, printed `cpu`).
    assert sb.p4ctl("dump-groups", "s1").stdout.strip() in (
        f"clone_session=5, replicas={CPU_PORT}", "clone_session=5, replicas=cpu")
    sb.p4ctl("mod-entry", "s1", "acl", "hdr.ipv4.dstAddr=10.0.2.0/24", "protocol=1",
             "priority=10", f"forward_mirror(port=2, dstAddr={H2_MAC}, session=5)")
    mon = Monitor(sb, "s1", "--count", "1")
    lines = mon.lines_while(lambda: h1.ping(h2.ip, count=1, wait=0.2))
    # (ingress_port: what the runtime gives egress for a clone.)
    assert re.match(r"packet_in: ingress_port=\d+, reason=127, len=98, ", lines[0]), lines
    assert h1.ping(h2.ip, count=1), "the original still forwarded"
    sb.p4ctl("del-clone-session", "s1", "5")
    assert sb.p4ctl("dump-groups", "s1").stdout == ""


# --- multicast.p4: multicast groups -----------------------------------------------------


@requires_conformance
def test_multicast_groups(sandbox: Sandbox, hosts):
    sb = sandbox
    h = [hosts(f"h{i}", f"s2-eth{i}", f"10.0.0.{i}", f"08:00:00:00:0{i}:{i}{i}")
         for i in (1, 2, 3)]
    p4_bridge(sb, "s2", MULTICAST, [f"s2-eth{i}" for i in (1, 2, 3)])
    for i in (1, 2, 3):
        sb.p4ctl("add-entry", "s2", "mac_lookup", f"dstAddr=08:00:00:00:0{i}:{i}{i}",
                 f"mac_forward(port={i})")
    # ARP requests go to multicast group 1, which does not exist yet.
    assert not_pinging(h[0], h[1].ip)
    sb.p4ctl("add-group", "s2", "1", "1", "2", "3")
    assert sb.p4ctl("dump-groups", "s2").stdout.strip() == "group=1, replicas=1,2,3"
    assert h[0].ping(h[1].ip) and h[2].ping(h[0].ip)
    sb.p4ctl("mod-group", "s2", "1", "1", "2")
    assert json.loads(sb.p4ctl("dump-groups", "s2", "--format", "json").stdout) == {
        "multicast_group_entries": [{"multicast_group_id": 1, "replicas": [
            {"egress_port": 1, "instance": 0}, {"egress_port": 2, "instance": 0}]}],
        "clone_session_entries": []}
    for x in h:
        x.run("ip", "neigh", "flush", "dev", "eth0")
    assert not_pinging(h[0], h[2].ip), "h3 is not in the group any more"
    assert "ALREADY_EXISTS" in error(sb, "add-group", "s2", "1", "3")
    sb.p4ctl("del-group", "s2", "1")
    for x in h:
        x.run("ip", "neigh", "flush", "dev", "eth0")
    assert not_pinging(h[0], h[1].ip)
    wait_until(lambda: sb.p4ctl("dump-groups", "s2").stdout == "", what="no groups")


# --- TLS ----------------------------------------------------------------------------------


def test_entity_commands_over_mutual_tls(sandbox: Sandbox, tmp_path: Path):
    """A second ovs-p4rtd serving the sandbox's devices over mutual TLS:
    ovs-p4ctl gets in with the CA and a client certificate (options, or
    their environment variables), and fails with one line without the
    certificate, with another CA, or with bad files."""
    sb = sandbox
    p4_bridge(sb, "s1", PROGRAM, [], "--device-id", "1")
    pki = make_pki(tmp_path / "pki")
    other = make_pki(tmp_path / "other")
    with tls_p4rtd(sb, pki, tmp_path) as addr:
        ca = ("--p4runtime", addr, "--p4runtime-ca-cert", pki["ca.pem"])
        cert = ("--p4runtime-certificate", pki["client.pem"],
                "--p4runtime-private-key", pki["client.key"])
        wait_until(lambda: sb.p4ctl(*ca, *cert, "dump-entries", "s1", check=False)
                   .returncode == 0, 30, "the TLS ovs-p4rtd to know device 1")
        sb.p4ctl(*ca, *cert, "add-entry", "s1", "acl", "protocol=6", "priority=1", "drop")
        lines = sb.p4ctl(*ca, *cert, "dump-entries", "s1", "acl").stdout.splitlines()
        assert len(lines) == 2 and lines[0].endswith(
            ", priority=1,hdr.ipv4.protocol=6..6 action=I.drop"), lines

        # The same from the environment.
        tls_env = {"OVSP4_P4RUNTIME": addr, "OVSP4_P4RUNTIME_CA_CERT": str(pki["ca.pem"]),
                   "OVSP4_P4RUNTIME_CERTIFICATE": str(pki["client.pem"]),
                   "OVSP4_P4RUNTIME_PRIVATE_KEY": str(pki["client.key"])}
        plain = dict(sb.env)
        sb.env.update(tls_env)
        try:
            assert dump(sb, "s1", "acl") == lines
        finally:
            sb.env = plain

        # No client certificate: the server ends the handshake.
        line = error(sb, *ca, "dump-entries", "s1")
        head = f"ovs-p4ctl: s1: cannot reach ovs-p4rtd at {addr} over TLS ("
        assert line.startswith(head), line
        assert line.endswith("--p4runtime-certificate and --p4runtime-private-key if it "
                             "requires a client certificate"), line
        # Another CA: the server's certificate does not verify.
        line = error(sb, "--p4runtime", addr, "--p4runtime-ca-cert", other["ca.pem"], *cert,
                     "dump-entries", "s1")
        assert "over TLS (" in line and "CERTIFICATE_VERIFY_FAILED" in line, line
        # No TLS at all.
        line = error(sb, "--p4runtime", addr, "dump-entries", "s1")
        assert "(and --p4runtime-ca-cert if it serves TLS)" in line, line

    # Files: a missing one, a key of another certificate, a half pair.
    missing = tmp_path / "nope.pem"
    assert error(sb, "--p4runtime-ca-cert", missing, "dump-entries", "s1") == \
        f"ovs-p4ctl: {missing}: cannot read: No such file or directory"
    assert error(sb, "--p4runtime-ca-cert", pki["ca.key"], "dump-entries", "s1") == \
        f"ovs-p4ctl: {pki['ca.key']}: not a PEM certificate"
    assert error(sb, "--p4runtime-certificate", pki["client.pem"], "--p4runtime-private-key",
                 other["client.key"], "dump-entries", "s1") == (
        f"ovs-p4ctl: {other['client.key']}: does not match the certificate "
        f"{pki['client.pem']}")
    r = sb.p4ctl("--p4runtime-certificate", pki["client.pem"], "dump-entries", "s1",
                 check=False)
    assert r.returncode == 2 and r.stderr.startswith(
        "ovs-p4ctl: --p4runtime-certificate and --p4runtime-private-key"), r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
