"""Packet-out and packet-in through a P4 bridge's control socket, for real.

A sandbox (``ovs-p4-sandbox``: ovsdb-server and this project's
ovs-vswitchd, in a network namespace of its own), a P4 bridge running
tests/programs/packet_io.p4 with CPU port 64, hosts in network namespaces
joined to its ports 1 and 2 by veth pairs, and the control protocol over
``<rundir>/<bridge>.p4ctl`` (ControlClient over SocketTransport).  A
PACKET_OUT must leave on the port its packet_out header names (checked with
a raw AF_PACKET capture in the host's namespace), frames the hosts send
must come back as PACKET_IN events, and an output to a port the bridge does
not have must arrive nowhere -- not even on another P4 bridge's port with
that P4 port number (both bridges share one backing datapath).

Needs root (network namespaces).  See Documentation/ovs-integration.md.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Iterator

import pytest
from ovstest import (
    ROOT,
    Capture,
    Host,
    Sandbox,
    p4_bridge,
    requires_root_linux,
    wait_until,
)

from ovsp4.control import protocol as p
from ovsp4.control.client import ControlClient
from ovsp4.proto import p4info_pb2

pytestmark = requires_root_linux

PROGRAM = ROOT / "tests" / "programs" / "packet_io.p4"
CPU_PORT = 64
ETH_TYPE = 0x88B5  # IEEE local experimental: only our frames are captured

SEND = r"""
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
for f in sys.argv[2:]:
    s.send(bytes.fromhex(f))
"""


def frame(dst: str, src: str, tag: str, pad: int = 40) -> bytes:
    """An Ethernet frame of ETH_TYPE whose payload starts with ``tag``."""
    return (bytes.fromhex(dst.replace(":", "")) + bytes.fromhex(src.replace(":", ""))
            + struct.pack("!H", ETH_TYPE) + tag.encode() + bytes(i % 256 for i in range(pad)))


@pytest.fixture
def hosts(sandbox: Sandbox) -> Iterator[list[Host]]:
    """h1, h2 on P4 ports 1, 2 of bridge ``pio``; h3 on P4 port 3 of another
    P4 bridge, ``other``."""
    made: list[Host] = []
    try:
        for i in (1, 2, 3):
            made.append(Host.create(f"{sandbox.netns}-h{i}", sandbox.netns, f"pio-eth{i}",
                                    f"10.0.5.{i}", f"02:00:00:00:05:0{i}"))
        yield made
    finally:
        for h in made:
            h.destroy()


def packet_out_field(client: ControlClient, name: str) -> int:
    """The id of the packet_out header's field ``name``, from the P4Info."""
    info = p4info_pb2.P4Info.FromString(client.get_info().p4info)
    (cpm,) = [c for c in info.controller_packet_metadata if c.preamble.name == "packet_out"]
    (field,) = [m for m in cpm.metadata if m.name == name]
    return field.id


def packet_ins(client: ControlClient, seen: list[p.PacketIn]) -> list[p.PacketIn]:
    seen += [ev for ev in client.poll_events() if isinstance(ev, p.PacketIn)]
    return seen


def test_packet_out_and_packet_in_over_the_control_socket(sandbox: Sandbox,
                                                           hosts: list[Host]):
    switch = sandbox
    h1, h2, h3 = hosts
    p4_bridge(switch, "pio", PROGRAM, ["pio-eth1", "pio-eth2"], "--cpu-port", str(CPU_PORT))
    # Another P4 bridge with a P4 port 3: the same backing datapath, where
    # the packet-outs of pio to its port 3 must not go.
    p4_bridge(switch, "other", PROGRAM, ["pio-eth3"], "--cpu-port", str(CPU_PORT), first_port=3)
    caps = {h.ns: Capture(h.ns, ethertype=ETH_TYPE) for h in hosts}
    client, t = switch.control("pio")
    try:
        egress = packet_out_field(client, "egress_port")

        # To port 1, then port 2: the exact frame (packet_out header gone)
        # on that host only.
        to1 = frame("ff:ff:ff:ff:ff:ff", "02:00:00:00:00:64", "OUT1")
        to2 = frame(h2.mac, "02:00:00:00:00:64", "OUT2", pad=300)
        reply = client.packet_out(to1, {egress: 1})
        assert reply.outputs == [(1, to1)] and reply.n_dropped == 0
        assert caps[h1.ns].wait_for(to1) == [to1]
        reply = client.packet_out(to2, {egress: 2})
        assert reply.outputs == [(2, to2)]
        assert caps[h2.ns].wait_for(to2) == [to2]

        # To P4 port 3, which pio does not have: the reply still lists the
        # pipeline's output, ovs-vswitchd drops it.  Markers sent after it on
        # each path show it did not arrive before them.
        lost = frame("ff:ff:ff:ff:ff:ff", "02:00:00:00:00:64", "LOST")
        assert client.packet_out(lost, {egress: 3}).outputs == [(3, lost)]
        marks = {}
        for port, h in ((1, h1), (2, h2)):
            marks[h.ns] = frame("ff:ff:ff:ff:ff:ff", "02:00:00:00:00:64", f"MARK{port}")
            client.packet_out(marks[h.ns], {egress: port})
        assert caps[h1.ns].wait_for(marks[h1.ns]) == [to1, marks[h1.ns]]
        assert caps[h2.ns].wait_for(marks[h2.ns]) == [to2, marks[h2.ns]]
        # h3 is reachable through other's port 3, yet pio's output to its
        # (missing) port 3 never got there.
        oclient, ot = switch.control("other")
        try:
            mark3 = frame("ff:ff:ff:ff:ff:ff", "02:00:00:00:00:64", "MARK3")
            oclient.packet_out(mark3, {egress: 3})
            assert caps[h3.ns].wait_for(mark3) == [mark3]
        finally:
            ot.close()
        show = switch.appctl("p4/show", "pio")
        assert "packet-outs: 5, outputs sent 4, dropped 1" in show, show
        # Coverage counters reach the totals within a second or so.
        wait_until(lambda: switch.appctl("coverage/read-counter",
                                      "p4_drop_pktout_bad_port").strip() == "1",
                   what="coverage counter p4_drop_pktout_bad_port = 1")
        assert "pio: packet-out to P4 port 3, which the bridge does not have" in switch.log()

        # A burst of packet-outs alternating between the ports: every one
        # arrives, in order.
        burst = {1: [], 2: []}
        for i in range(200):
            port = 1 + i % 2
            f = frame("ff:ff:ff:ff:ff:ff", "02:00:00:00:00:64", f"B{i:03d}")
            burst[port].append(f)
            client.packet_out(f, {egress: port})
        for port, h in ((1, h1), (2, h2)):
            got = caps[h.ns].wait_for(burst[port][-1])
            assert got[-len(burst[port]):] == burst[port]

        # Frames from the hosts: PACKET_IN events with their ingress port,
        # in the packet_in header's field too, and the frame as payload.
        seen: list[p.PacketIn] = []
        sent = {1: frame(h2.mac, h1.mac, "IN1"), 2: frame(h1.mac, h2.mac, "IN2", pad=500)}
        for port, h in ((1, h1), (2, h2)):
            h.run(sys.executable, "-c", SEND, "eth0", sent[port].hex())
        wait_until(lambda: len([pi for pi in packet_ins(client, seen)
                                if pi.payload[14:16] == b"IN"]) == 2, what="2 packet-ins")
        pins = {pi.ingress_port: pi for pi in seen if pi.payload[14:16] == b"IN"}
        for port in (1, 2):
            assert pins[port].payload == sent[port]
            assert dict(pins[port].metadata)[1] == port.to_bytes(2, "big")

        # A packet-out to the CPU port comes straight back as a PACKET_IN.
        back = frame("ff:ff:ff:ff:ff:ff", "02:00:00:00:00:64", "BACK")
        assert client.packet_out(back, {egress: CPU_PORT}).outputs == []
        wait_until(lambda: any(pi.payload == back for pi in packet_ins(client, seen)),
                   what="the packet-out to the CPU port as a packet-in")
        (pin,) = [pi for pi in seen if pi.payload == back]
        assert pin.ingress_port == CPU_PORT
        assert dict(pin.metadata)[1] == CPU_PORT.to_bytes(2, "big")
        # Neither that nor the output to port 3 reached a host.
        assert all(back not in c.frames and lost not in c.frames for c in caps.values())
    finally:
        t.close()
        for c in caps.values():
            c.close()
