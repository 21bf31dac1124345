"""The P4 tutorials' programs in the simulator, with their runtime files,
behaving as the tutorials' exercises describe (and as BMv2 simple_switch,
whose v1model semantics the C back end follows, would make them behave).

Every tutorial program has its tests here. Packets are real frames built
with scapy; outputs are checked field by field, most of them byte for byte
against the frame the switch must produce. Expectations are derived from
the P4 source (its comments), from the runtime file the switch was
configured with, and, where the program hashes, from BMv2's hash
algorithms (crc16, crc32) recomputed here.

BMv2 facts the negative cases rely on (bm_sim/parser.cpp, simple_switch):
a parser error (PacketTooShort, StackOutOfBounds, a failed `verify`) stops
the parser, keeps the headers extracted so far, and the packet goes on
through ingress with the unparsed bytes as payload; `egress_spec` starts at
0, so a packet no table sends anywhere leaves on port 0 (only port 511 is
the drop port); counters count the packet's length as received.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scapy.layers.inet import ICMP, IP, TCP, UDP, IPOption
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Packet, Raw
from tutorial_harness import (
    Built,
    MyTunnel,
    P4Calc,
    Probe,
    ProbeData,
    SourceRoute,
    TutorialSwitch,
    assert_ipv4_checksum_valid,
    build_tutorial,
    crc16,
    crc32,
    ethertype,
    expected_ipv4_checksum,
    mri_option,
    packet_in_fields,
    parse_mri,
    runtime_entries,
    v1model_hash,
)

from ovsp4.sim import Output

from conformance_data import requires_conformance

pytestmark = requires_conformance

PAYLOAD = b"OvS.p4 tutorial payload"


# -- Helpers --------------------------------------------------------------------------


def ip_of(frame: bytes | Packet, offset: int = 14) -> IP:
    return IP(bytes(frame)[offset:])


def rewritten_ip(
    frame: bytes | Packet, ttl_delta: int = -1, offset: int = 14, **changes: int | str
) -> bytes:
    """The IPv4 header and payload of `frame` after the switch's rewrite:
    TTL changed by `ttl_delta` (mod 256), other fields changed, the
    checksum recomputed by scapy."""
    ip = ip_of(frame, offset)
    ip.ttl = (ip.ttl + ttl_delta) % 256
    for name, value in changes.items():
        assert name in {f.name for f in ip.fields_desc}, f"IP has no field {name}"
        setattr(ip, name, value)
    del ip.chksum
    return bytes(ip)


def assert_routed(
    out: Output,
    sent: Packet,
    *,
    port: int,
    dst: str,
    src: str,
    ttl_delta: int = -1,
    ip: dict[str, int | str] | None = None,
) -> None:
    """`out` is `sent` routed: out of `port`, Ethernet addresses rewritten,
    TTL decremented, IPv4 checksum recomputed, nothing else changed (but
    the IPv4 fields in `ip`)."""
    assert out.port == port
    eth = Ether(out.data)
    assert (eth.dst, eth.src, eth.type) == (dst, src, 0x0800)
    assert_ipv4_checksum_valid(out.data)
    assert out.data[14:] == rewritten_ip(sent, ttl_delta, **(ip or {}))


def udp_frame(
    src_ip: str,
    dst_ip: str,
    *,
    eth_src: str = "08:00:00:00:01:11",
    eth_dst: str = "08:00:00:00:01:00",
    ttl: int = 64,
    tos: int = 0,
    sport: int = 4321,
    dport: int = 1234,
    payload: bytes = PAYLOAD,
) -> Packet:
    frame = (
        Ether(src=eth_src, dst=eth_dst)
        / IP(src=src_ip, dst=dst_ip, ttl=ttl, tos=tos, id=0x4242)
        / UDP(sport=sport, dport=dport)
        / Raw(payload)
    )
    return Ether(bytes(frame))  # every length and checksum filled in, as on a wire


def tcp_frame(
    src_ip: str,
    dst_ip: str,
    sport: int,
    dport: int,
    flags: str = "S",
    *,
    eth_src: str = "08:00:00:00:01:11",
    eth_dst: str = "08:00:00:00:01:00",
    ttl: int = 64,
    tos: int = 0,
) -> Packet:
    frame = (
        Ether(src=eth_src, dst=eth_dst)
        / IP(src=src_ip, dst=dst_ip, ttl=ttl, tos=tos, id=7)
        / TCP(sport=sport, dport=dport, flags=flags, seq=1000)
        / Raw(PAYLOAD)
    )
    return Ether(bytes(frame))


def switch_fixture(
    built: Built, runtime: str | None, cpu_port: int = 0
) -> Iterator[TutorialSwitch]:
    with TutorialSwitch(built, cpu_port=cpu_port) as sw:
        if runtime is not None:
            sw.load_runtime_file(runtime)
        yield sw


def routes(relpath: str, table: str) -> list[tuple[str, int, str, int]]:
    """(address, prefix length, next-hop MAC, port) of a runtime file's
    ipv4_forward entries."""
    out = []
    for e in runtime_entries(relpath):
        if e["table"] == table and not e.get("default_action"):
            ((addr, plen),) = e["match"].values()
            out.append((addr, plen, e["action_params"]["dstAddr"], e["action_params"]["port"]))
    return out


# == basic ============================================================================

BASIC_POD = "basic/pod-topo/s1-runtime.json"


@pytest.fixture(scope="module")
def basic_built() -> Built:
    return build_tutorial("basic/basic.p4")


@pytest.fixture
def basic(basic_built: Built) -> Iterator[TutorialSwitch]:
    yield from switch_fixture(basic_built, "pod-topo/s1-runtime.json")


def test_basic_routes_every_runtime_entry(basic: TutorialSwitch) -> None:
    entries = routes(BASIC_POD, "MyIngress.ipv4_lpm")
    assert len(entries) == 4
    for addr, _, mac, port in entries:
        sent = udp_frame("10.0.1.1", addr)
        out = basic.send1(1, sent)
        assert_routed(out, sent, port=port, dst=mac, src="08:00:00:00:01:00")


def test_basic_recomputes_the_checksum_and_wraps_the_ttl(basic: TutorialSwitch) -> None:
    # A wrong checksum on input (basic verifies nothing) is replaced by the
    # right one; TTL is bit<8> arithmetic: 0 - 1 = 255 (basic does not check).
    sent = udp_frame("10.0.1.1", "10.0.2.2", ttl=0)
    sent[IP].chksum ^= 0x5555
    out = basic.send1(1, Ether(bytes(sent)))
    assert ip_of(out.data).ttl == 255
    assert_routed(out, sent, port=2, dst="08:00:00:00:02:22", src="08:00:00:00:01:00")


def test_basic_drops_unknown_destinations(basic: TutorialSwitch) -> None:
    # default_action drop(); the /32 host routes do not cover their /24
    for dst in ("10.0.1.2", "10.0.3.4", "192.168.0.1"):
        assert basic.send(1, udp_frame("10.0.1.1", dst)) == []


def test_basic_passes_non_ipv4_to_port_0_unchanged(basic: TutorialSwitch) -> None:
    # ipv4_lpm is applied to IPv4 only: egress_spec keeps its initial 0.
    arp = Ether(src="08:00:00:00:01:11", dst="ff:ff:ff:ff:ff:ff") / ARP(pdst="10.0.1.10")
    out = basic.send1(1, arp)
    assert (out.port, out.data) == (0, bytes(arp))


def test_basic_truncated_packets_continue_with_a_parser_error(basic: TutorialSwitch) -> None:
    # IPv4 cut after 10 bytes: extract(hdr.ipv4) fails with PacketTooShort,
    # hdr.ipv4 stays invalid, the 10 bytes stay payload: out on port 0 as is.
    full = bytes(udp_frame("10.0.1.1", "10.0.2.2"))
    for cut in (24, 33, 10, 1):
        out = basic.send1(1, full[:cut])
        assert (out.port, out.data) == (0, full[:cut]), f"cut at {cut}"


def test_basic_triangle_topology_runtime(basic_built: Built) -> None:
    with TutorialSwitch(basic_built) as sw:
        sw.load_runtime_file("triangle-topo/s1-runtime.json")
        sent = udp_frame("10.0.1.1", "10.0.3.3")
        assert_routed(
            sw.send1(1, sent), sent, port=3, dst="08:00:00:00:03:00", src="08:00:00:00:01:00"
        )
        sent = udp_frame("10.0.1.1", "10.0.2.2")
        assert_routed(
            sw.send1(1, sent), sent, port=2, dst="08:00:00:00:02:00", src="08:00:00:00:01:00"
        )
        assert sw.send(1, udp_frame("10.0.1.1", "10.0.4.4")) == []


# == basic_tunnel =====================================================================


@pytest.fixture(scope="module")
def tunnel_built() -> Built:
    return build_tutorial("basic_tunnel/basic_tunnel.p4")


@pytest.fixture
def tunnel(tunnel_built: Built) -> Iterator[TutorialSwitch]:
    yield from switch_fixture(tunnel_built, "s1-runtime.json")


def tunneled(dst_id: int, inner: Packet | bytes, proto_id: int = 0x0800) -> bytes:
    eth = Ether(src="08:00:00:00:01:11", dst="08:00:00:00:02:22", type=0x1212)
    return bytes(eth / MyTunnel(proto_id=proto_id, dst_id=dst_id) / Raw(bytes(inner)))


def test_basic_tunnel_routes_plain_ipv4(tunnel: TutorialSwitch) -> None:
    for addr, _, mac, port in routes("basic_tunnel/s1-runtime.json", "MyIngress.ipv4_lpm"):
        sent = udp_frame("10.0.1.1", addr)
        assert_routed(tunnel.send1(1, sent), sent, port=port, dst=mac, src="08:00:00:00:01:00")
    assert tunnel.send(1, udp_frame("10.0.1.1", "10.0.9.9")) == []


def test_basic_tunnel_forwards_by_dst_id_only(tunnel: TutorialSwitch) -> None:
    # Tunneled packets skip ipv4_lpm: the inner 10.0.1.1 would go to port 1,
    # but dst_id 3 says port 3; nothing is rewritten (no TTL, no MAC).
    inner = IP(bytes(IP(src="10.0.2.2", dst="10.0.1.1", ttl=17) / UDP() / Raw(PAYLOAD)))
    for dst_id in (1, 2, 3):
        frame = tunneled(dst_id, inner)
        out = tunnel.send1(2, frame)
        assert (out.port, out.data) == (dst_id, frame)
    tun = MyTunnel(out.data[14:])
    assert (tun.proto_id, tun.dst_id, tun[IP].ttl, tun[IP].dst) == (0x0800, 3, 17, "10.0.1.1")


def test_basic_tunnel_non_ipv4_payload_and_unknown_ids(tunnel: TutorialSwitch) -> None:
    frame = tunneled(2, b"\x60\x00\x00\x00 not ipv4", proto_id=0x86DD)
    out = tunnel.send1(1, frame)
    assert (out.port, out.data) == (2, frame)
    # myTunnel_exact's default is drop()
    for dst_id in (0, 4, 0xFFFF):
        assert tunnel.send(1, tunneled(dst_id, IP(dst="10.0.1.1") / UDP())) == []
    # a tunnel header cut short: PacketTooShort, myTunnel invalid, ipv4 invalid:
    # no table runs, port 0
    short = tunneled(2, b"")[:16]
    out = tunnel.send1(1, short)
    assert (out.port, out.data) == (0, short)


# == calc =============================================================================

CALC_OPS = {
    "+": lambda a, b: (a + b) & 0xFFFFFFFF,
    "-": lambda a, b: (a - b) & 0xFFFFFFFF,
    "&": lambda a, b: a & b,
    "|": lambda a, b: a | b,
    "^": lambda a, b: a ^ b,
}
H1 = "08:00:00:00:01:11"
SW_MAC = "00:00:00:00:01:01"


@pytest.fixture(scope="module")
def calc_built() -> Built:
    return build_tutorial("calc/calc.p4")


@pytest.fixture
def calc(calc_built: Built) -> Iterator[TutorialSwitch]:
    yield from switch_fixture(calc_built, "s1-runtime.json")


def calc_frame(op: str | int, a: int, b: int, **fields: int) -> bytes:
    code = ord(op) if isinstance(op, str) else op
    hdr = P4Calc(op=code, operand_a=a, operand_b=b, **fields)
    return bytes(Ether(src=H1, dst=SW_MAC, type=0x1234) / hdr / Raw(b"tail"))


@pytest.mark.parametrize("op", list(CALC_OPS))
def test_calc_computes_each_operator_and_answers_on_the_ingress_port(
    calc: TutorialSwitch, op: str
) -> None:
    cases = [(0xF0F01234, 0x0FF04321), (3, 5), (0xFFFFFFFF, 2), (0, 0)]
    for a, b in cases:
        for port in (1, 7):
            out = calc.send1(port, calc_frame(op, a, b))
            assert out.port == port  # "back out of the same port it came in on"
            eth = Ether(out.data)
            assert (eth.dst, eth.src, eth.type) == (H1, SW_MAC, 0x1234)  # swapped
            res = P4Calc(out.data[14:30])
            assert (res.p, res.four, res.ver, res.op) == (0x50, 0x34, 0x01, ord(op))
            assert (res.operand_a, res.operand_b) == (a, b)
            assert res.res == CALC_OPS[op](a, b), f"{a:#x} {op} {b:#x}"
            assert out.data[30:] == b"tail"


def test_calc_drops_what_it_cannot_compute(calc: TutorialSwitch) -> None:
    # unknown operator: the const default operation_drop()
    for op in ("*", "/", 0):
        assert calc.send(1, calc_frame(op, 6, 7)) == []
    # not 'P' '4' version 1: the parser does not extract p4calc, so it is dropped
    assert calc.send(1, calc_frame("+", 1, 2, p=0x51)) == []
    assert calc.send(1, calc_frame("+", 1, 2, four=0x35)) == []
    assert calc.send(1, calc_frame("+", 1, 2, ver=0x02)) == []
    # other Ethernet types, and a calc header cut short (lookahead or extract
    # fails: p4calc invalid) are dropped too
    assert calc.send(1, udp_frame("10.0.1.1", "10.0.2.2")) == []
    full = calc_frame("+", 1, 2)
    for cut in (29, 20, 16, 14, 5):
        assert calc.send(1, full[:cut]) == [], f"cut at {cut}"


# == ecn ==============================================================================


@pytest.fixture(scope="module")
def ecn_built() -> Built:
    return build_tutorial("ecn/ecn.p4")


@pytest.fixture
def ecn(ecn_built: Built) -> Iterator[TutorialSwitch]:
    yield from switch_fixture(ecn_built, "s1-runtime.json")


def test_ecn_routes_with_longest_prefix_match(ecn: TutorialSwitch) -> None:
    cases = [
        ("10.0.1.1", 2, "08:00:00:00:01:01"),
        ("10.0.1.11", 1, "08:00:00:00:01:11"),
        ("10.0.2.2", 3, "08:00:00:00:02:00"),
        ("10.0.2.99", 3, "08:00:00:00:02:00"),
        ("10.0.3.3", 4, "08:00:00:00:03:00"),
    ]
    for dst, port, mac in cases:
        sent = udp_frame("10.0.1.1", dst, tos=0x01)
        assert_routed(ecn.send1(2, sent), sent, port=port, dst=mac, src="08:00:00:00:01:00")


def test_ecn_bits_pass_unmarked_with_an_empty_queue(ecn: TutorialSwitch) -> None:
    # The egress marks ECN-capable packets (ecn 1 or 2) with 3 when
    # enq_qdepth >= ECN_THRESHOLD (10). The simulator has no queues: its
    # enq_qdepth is always 0, so no packet is ever marked and every ECN
    # codepoint, with any DSCP, goes through unchanged.
    for dscp in (0, 46):
        for ecn_bits in (0, 1, 2, 3):
            sent = udp_frame("10.0.1.1", "10.0.2.2", tos=dscp << 2 | ecn_bits)
            out = ecn.send1(2, sent)
            assert ip_of(out.data).tos == dscp << 2 | ecn_bits
            assert_routed(out, sent, port=3, dst="08:00:00:00:02:00", src="08:00:00:00:01:00")


def test_ecn_unknown_destination_keeps_egress_spec_0(ecn: TutorialSwitch) -> None:
    # ecn's ipv4_lpm defaults to NoAction (its runtime file sets no default):
    # the packet leaves on port 0, not rewritten.
    sent = udp_frame("10.0.1.1", "10.0.9.9", tos=0x02)
    out = ecn.send1(2, sent)
    assert (out.port, out.data) == (0, bytes(sent))


# == firewall =========================================================================

BLOOM_ENTRIES = 4096


@pytest.fixture(scope="module")
def firewall_built() -> Built:
    return build_tutorial("firewall/firewall.p4")


@pytest.fixture
def firewall(firewall_built: Built) -> Iterator[TutorialSwitch]:
    yield from switch_fixture(firewall_built, "pod-topo/s1-runtime.json")


def bloom_positions(src: str, dst: str, sport: int, dport: int, proto: int = 6) -> tuple[int, int]:
    """Where compute_hashes(...) sets the two bloom filters for a flow seen
    from inside (BMv2's crc16 and crc32 over the 13 bytes of the tuple)."""
    data = _ip(src) + _ip(dst)
    data += sport.to_bytes(2, "big") + dport.to_bytes(2, "big") + bytes([proto])
    return (
        v1model_hash(crc16(data), 0, BLOOM_ENTRIES),
        v1model_hash(crc32(data), 0, BLOOM_ENTRIES),
    )


def _ip(addr: str) -> bytes:
    return bytes(int(x) for x in addr.split("."))


def set_cells(sw: TutorialSwitch, name: str) -> list[int]:
    return sorted(i for i, v in sw.registers(name).items() if v)


def test_firewall_internal_syn_opens_the_flow_in_both_bloom_filters(
    firewall: TutorialSwitch,
) -> None:
    syn = tcp_frame("10.0.1.1", "10.0.3.3", 41000, 80, "S")
    out = firewall.send1(1, syn)
    assert_routed(out, syn, port=3, dst="08:00:00:00:03:00", src="08:00:00:00:01:00")
    pos1, pos2 = bloom_positions("10.0.1.1", "10.0.3.3", 41000, 80)
    assert set_cells(firewall, "bloom_filter_1") == [pos1]
    assert set_cells(firewall, "bloom_filter_2") == [pos2]
    # the reply from outside hashes the reversed tuple to the same cells: allowed
    reply = tcp_frame(
        "10.0.3.3",
        "10.0.1.1",
        80,
        41000,
        "SA",
        eth_src="08:00:00:00:03:33",
        eth_dst="08:00:00:00:03:00",
    )
    assert_routed(
        firewall.send1(3, reply), reply, port=1, dst="08:00:00:00:01:11", src="08:00:00:00:03:00"
    )
    # later packets of the flow, both ways
    assert firewall.send1(1, tcp_frame("10.0.1.1", "10.0.3.3", 41000, 80, "A")).port == 3
    assert firewall.send1(3, tcp_frame("10.0.3.3", "10.0.1.1", 80, 41000, "A")).port == 1


def test_firewall_drops_external_tcp_without_an_internal_syn(firewall: TutorialSwitch) -> None:
    for port, src in ((3, "10.0.3.3"), (4, "10.0.4.4")):
        for flags in ("S", "A", "SA"):
            assert firewall.send(port, tcp_frame(src, "10.0.1.1", 80, 41000, flags)) == []
            assert firewall.send(port, tcp_frame(src, "10.0.2.2", 80, 41000, flags)) == []
    # an opened flow lets only its own replies in
    firewall.send1(1, tcp_frame("10.0.1.1", "10.0.3.3", 41000, 80, "S"))
    assert firewall.send(3, tcp_frame("10.0.3.3", "10.0.1.1", 80, 41001, "SA")) == []
    assert firewall.send(3, tcp_frame("10.0.3.3", "10.0.1.1", 81, 41000, "SA")) == []
    assert firewall.send(3, tcp_frame("10.0.3.3", "10.0.2.2", 80, 41000, "SA")) == []
    assert firewall.send(4, tcp_frame("10.0.4.4", "10.0.1.1", 80, 41000, "SA")) == []
    # external packets set nothing
    assert len(set_cells(firewall, "bloom_filter_1")) == 1


def test_firewall_only_internal_syns_open_flows(firewall: TutorialSwitch) -> None:
    # an internal packet without SYN goes out but opens nothing
    ack = tcp_frame("10.0.1.1", "10.0.4.4", 5000, 22, "A")
    assert firewall.send1(1, ack).port == 4
    assert set_cells(firewall, "bloom_filter_1") == []
    assert set_cells(firewall, "bloom_filter_2") == []
    assert firewall.send(4, tcp_frame("10.0.4.4", "10.0.1.1", 22, 5000, "A")) == []
    # an external SYN opens nothing either
    assert firewall.send(3, tcp_frame("10.0.3.3", "10.0.1.1", 80, 41000, "S")) == []
    assert set_cells(firewall, "bloom_filter_1") == []


def test_firewall_leaves_internal_and_non_tcp_traffic_alone(firewall: TutorialSwitch) -> None:
    # internal to internal: check_ports misses, no filtering, no state
    sent = tcp_frame("10.0.1.1", "10.0.2.2", 1000, 2000, "S")
    assert_routed(
        firewall.send1(1, sent), sent, port=2, dst="08:00:00:00:02:22", src="08:00:00:00:01:00"
    )
    assert set_cells(firewall, "bloom_filter_1") == []
    # UDP and ICMP from outside are not filtered
    sent = udp_frame("10.0.3.3", "10.0.1.1", eth_src="08:00:00:00:03:33")
    assert_routed(
        firewall.send1(3, sent), sent, port=1, dst="08:00:00:00:01:11", src="08:00:00:00:01:00"
    )
    icmp = Ether(
        bytes(
            Ether(src="08:00:00:00:04:44", dst="08:00:00:00:04:00")
            / IP(src="10.0.4.4", dst="10.0.2.2")
            / ICMP()
        )
    )
    assert firewall.send1(4, icmp).port == 2
    # unknown destinations are dropped (TCP or not)
    assert firewall.send(1, tcp_frame("10.0.1.1", "10.0.5.5", 1, 2, "S")) == []
    assert firewall.send(1, udp_frame("10.0.1.1", "10.0.5.5")) == []
    assert set_cells(firewall, "bloom_filter_1") == []


# == flowcache ========================================================================
# No runtime file: the tutorial's controller configures clone session 57 to
# the CPU port (510, the topology's cpu_port), learns flows from packet-ins
# (punt reason FLOW_UNKNOWN) and installs flow_cache entries.

FC_CPU_PORT = 510


@pytest.fixture(scope="module")
def flowcache_built() -> Built:
    return build_tutorial("flowcache/flowcache.p4")


@pytest.fixture
def flowcache(flowcache_built: Built) -> Iterator[TutorialSwitch]:
    with TutorialSwitch(flowcache_built, cpu_port=FC_CPU_PORT) as sw:
        sw.client.set_clone_session(57, [(FC_CPU_PORT, 0)])
        yield sw


def cache_flow(
    sw: TutorialSwitch,
    src: str,
    dst: str,
    action: str,
    params: dict[str, object] | None = None,
    proto: int = 17,
) -> None:
    sw.load_runtime(
        {
            "table_entries": [
                {
                    "table": "MyIngress.flow_cache",
                    "match": {
                        "hdr.ipv4.protocol": proto,
                        "hdr.ipv4.srcAddr": src,
                        "hdr.ipv4.dstAddr": dst,
                    },
                    "action_name": action,
                    "action_params": params or {},
                }
            ]
        }
    )


def test_flowcache_punts_unknown_flows_to_the_controller(flowcache: TutorialSwitch) -> None:
    sent = udp_frame("10.0.1.1", "10.0.2.2")
    assert flowcache.send(1, sent) == []  # the original is dropped
    (pin,) = flowcache.packet_ins()
    assert pin.ingress_port == 1
    assert set(packet_in_fields(flowcache, pin)) == {"input_port", "punt_reason", "opcode"}
    assert pin.payload == bytes(sent)  # the original packet, packet_in header stripped
    # egress counted the packet-in at dstAddr[5:0] = 2, its length as received
    assert flowcache.counter("egressPktInCounter", 2) == (1, len(sent))
    assert flowcache.counter("egressPktInCounter", 1) == (0, 0)


def test_flowcache_packet_in_carries_the_preserved_field_list(flowcache: TutorialSwitch) -> None:
    # send_copy_to_controller() clones with field list FL_PACKET_IN and sets
    # meta afterwards: BMv2 copies the values at the end of ingress, and the
    # egress writes them into the packet_in header.
    flowcache.send(3, udp_frame("10.0.3.3", "10.0.1.1"))
    (pin,) = flowcache.packet_ins()
    assert packet_in_fields(flowcache, pin) == {"input_port": 3, "punt_reason": 1, "opcode": 0}


def test_flowcache_applies_cached_actions(flowcache: TutorialSwitch) -> None:
    cache_flow(
        flowcache,
        "10.0.1.1",
        "10.0.2.2",
        "MyIngress.cached_action",
        {"port": 2, "decrement_ttl": 1, "new_dscp": 46, "dst_eth_addr": "08:00:00:00:02:22"},
    )
    cache_flow(
        flowcache,
        "10.0.1.1",
        "10.0.3.3",
        "MyIngress.cached_action",
        {"port": 3, "decrement_ttl": 0, "new_dscp": 10, "dst_eth_addr": "08:00:00:00:03:33"},
    )
    # DSCP replaced (diffserv[7:2]), ECN bits kept, only the destination MAC set
    sent = udp_frame("10.0.1.1", "10.0.2.2", tos=0x03)
    out = flowcache.send1(1, sent)
    assert_routed(
        out,
        sent,
        port=2,
        dst="08:00:00:00:02:22",
        src="08:00:00:00:01:11",
        ip={"tos": 46 << 2 | 0x03},
    )
    sent = udp_frame("10.0.1.1", "10.0.3.3", tos=0xB9, ttl=9)
    out = flowcache.send1(1, sent)
    assert_routed(
        out,
        sent,
        port=3,
        dst="08:00:00:00:03:33",
        src="08:00:00:00:01:11",
        ttl_delta=0,
        ip={"tos": 10 << 2 | 0x01},
    )
    # TTL decrement saturates (|-|): 0 stays 0
    sent = udp_frame("10.0.1.1", "10.0.2.2", ttl=0)
    assert ip_of(flowcache.send1(1, sent).data).ttl == 0
    # a wrong input checksum only sets checksum_error, which flowcache ignores
    bad = udp_frame("10.0.1.1", "10.0.2.2")
    bad[IP].chksum ^= 0xFFFF
    out = flowcache.send1(1, Ether(bytes(bad)))
    assert_routed(
        out, bad, port=2, dst="08:00:00:00:02:22", src="08:00:00:00:01:11", ip={"tos": 46 << 2}
    )
    # cached flows are not punted; the protocol is part of the key
    assert flowcache.packet_ins() == []
    assert flowcache.send(1, tcp_frame("10.0.1.1", "10.0.2.2", 1, 2)) == []
    assert len(flowcache.packet_ins()) == 1


def test_flowcache_drop_entries_and_non_ipv4(flowcache: TutorialSwitch) -> None:
    cache_flow(flowcache, "10.0.1.1", "10.0.2.2", "MyIngress.drop_packet")
    assert flowcache.send(1, udp_frame("10.0.1.1", "10.0.2.2")) == []
    arp = Ether(src=H1, dst="ff:ff:ff:ff:ff:ff") / ARP()
    assert flowcache.send(1, arp) == []
    assert flowcache.send(1, bytes(udp_frame("10.0.1.1", "10.0.2.2"))[:20]) == []
    assert flowcache.packet_ins() == []


def test_flowcache_packet_out_to_a_port(flowcache: TutorialSwitch) -> None:
    frame = bytes(udp_frame("10.0.1.1", "10.0.2.2"))
    # opcode SEND_TO_PORT_IN_OPERAND0: the packet_out header is removed and
    # the rest leaves, untouched (the parser did not look past packet_out)
    reply = flowcache.client.packet_out(frame, {1: 1, 2: 0, 3: 3})
    assert reply.outputs == [(3, frame)]
    assert flowcache.packet_ins() == []


def test_flowcache_packet_out_with_an_unknown_opcode_comes_back(
    flowcache: TutorialSwitch,
) -> None:
    frame = bytes(udp_frame("10.0.1.1", "10.0.2.2"))
    reply = flowcache.client.packet_out(frame, {1: 0x77, 3: 2})
    assert reply.outputs == []
    (pin,) = flowcache.packet_ins()
    # punt reason UNRECOGNIZED_OPCODE, from the CPU port; prepend_packet_in_hdr
    # always writes opcode NO_OP
    assert packet_in_fields(flowcache, pin) == {
        "input_port": FC_CPU_PORT,
        "punt_reason": 2,
        "opcode": 0,
    }
    assert pin.payload == frame


# == link_monitor =====================================================================

LM_T0 = 1_000_000_000_000  # ns


@pytest.fixture(scope="module")
def link_monitor_built() -> Built:
    return build_tutorial("link_monitor/link_monitor.p4")


@pytest.fixture
def link_monitor(link_monitor_built: Built) -> Iterator[TutorialSwitch]:
    yield from switch_fixture(link_monitor_built, "pod-topo/s1-runtime.json")


def probe_frame(hop_cnt: int, data: list[ProbeData], fwd: list[int]) -> bytes:
    eth = Ether(src="08:00:00:00:01:11", dst="ff:ff:ff:ff:ff:ff", type=0x812)
    body = bytes(Probe(hop_cnt=hop_cnt)) + b"".join(bytes(d) for d in data)
    return bytes(eth) + body + bytes(fwd)


def parse_probe(frame: bytes, n_data: int) -> tuple[int, list[ProbeData], bytes]:
    """(hop_cnt, probe_data headers, the bytes after them)."""
    assert ethertype(frame) == 0x812
    hop_cnt = frame[14]
    data = [ProbeData(frame[15 + 18 * i : 33 + 18 * i]) for i in range(n_data)]
    return hop_cnt, data, frame[15 + 18 * n_data :]


def test_link_monitor_routes_ipv4(link_monitor: TutorialSwitch) -> None:
    for addr, _, mac, port in routes("link_monitor/pod-topo/s1-runtime.json", "MyIngress.ipv4_lpm"):
        sent = udp_frame("10.0.1.1", addr)
        assert_routed(
            link_monitor.send1(1, sent), sent, port=port, dst=mac, src="08:00:00:00:01:00"
        )
    assert link_monitor.send(1, udp_frame("10.0.1.1", "10.0.9.9")) == []


def test_link_monitor_probe_reports_bytes_and_times_per_port(
    link_monitor: TutorialSwitch,
) -> None:
    sw = link_monitor
    a = udp_frame("10.0.1.1", "10.0.2.2")
    b = udp_frame("10.0.1.1", "10.0.2.2", payload=PAYLOAD * 3)
    other = udp_frame("10.0.1.1", "10.0.3.3")
    for frame, port in ((a, 2), (b, 2), (other, 3)):
        assert sw.send1(1, frame).port == port
    assert sw.register("byte_cnt_reg", 2) == len(a) + len(b)
    assert sw.register("byte_cnt_reg", 3) == len(other)

    # first probe, out of port 2 (probe_fwd[0]); the rest of the route follows
    probe = probe_frame(0, [], [2, 3, 1])
    out = sw.send1(4, probe, now_ns=LM_T0)
    assert out.port == 2
    hop_cnt, (d,), rest = parse_probe(out.data, 1)
    assert hop_cnt == 1
    assert (d.bos, d.swid, d.port) == (1, 1, 2)  # swid 1: s1's runtime default
    assert d.byte_cnt == len(a) + len(b) + len(probe)  # the probe counts itself
    assert d.last_time == 0  # no probe went out of port 2 before
    first_time = d.cur_time
    assert rest == bytes([2, 3, 1])
    assert out.data[:14] == probe[:14]
    assert len(out.data) == len(probe) + 18
    assert sw.register("byte_cnt_reg", 2) == 0  # reset by the probe
    assert sw.register("byte_cnt_reg", 3) == len(other)
    assert sw.register("last_time_reg", 2) == first_time

    # second probe 5 ms later: only what went out since, the time between
    c = udp_frame("10.0.1.1", "10.0.2.2", payload=b"x")
    sw.send1(1, c, now_ns=LM_T0 + 1_000_000)
    probe2 = probe_frame(0, [], [2])
    out = sw.send1(1, probe2, now_ns=LM_T0 + 5_000_000)
    _, (d,), rest = parse_probe(out.data, 1)
    assert d.byte_cnt == len(c) + len(probe2)
    assert d.last_time == first_time
    assert d.cur_time - first_time == 5000  # egress_global_timestamp is in microseconds
    assert rest == b"\x02"


def test_link_monitor_probe_grows_by_one_hop(link_monitor: TutorialSwitch) -> None:
    # A probe that already crossed one switch (swid 4, out of its port 1):
    # this switch takes probe_fwd[hop_cnt] and pushes its data in front.
    earlier = ProbeData(bos=1, swid=4, port=1, byte_cnt=1234, last_time=5, cur_time=9)
    probe = probe_frame(1, [earlier], [1, 4, 2])
    out = link_monitor.send1(2, probe, now_ns=LM_T0)
    assert out.port == 4
    hop_cnt, (new, old), rest = parse_probe(out.data, 2)
    assert hop_cnt == 2
    assert (new.bos, new.swid, new.port, new.byte_cnt) == (0, 1, 4, len(probe))
    assert bytes(old) == bytes(earlier)
    assert rest == bytes([1, 4, 2])


def test_link_monitor_truncated_probe(link_monitor: TutorialSwitch) -> None:
    # The probe ends before its probe_fwd: PacketTooShort in parse_probe_fwd;
    # hdr.probe is valid, meta.egress_spec still 0: ingress sends it to port 0
    # with hop_cnt incremented, and egress adds its probe data as always.
    probe = probe_frame(0, [], [])
    out = link_monitor.send1(1, probe, now_ns=LM_T0)
    assert out.port == 0
    hop_cnt, (d,), rest = parse_probe(out.data, 1)
    assert (hop_cnt, d.bos, d.swid, d.port, d.byte_cnt) == (1, 1, 1, 0, len(probe))
    assert rest == b""


# == load_balance =====================================================================

LB_HOPS = {0: (2, "08:00:00:00:02:02", "10.0.2.2"), 1: (3, "08:00:00:00:03:03", "10.0.3.3")}


@pytest.fixture(scope="module")
def load_balance_built() -> Built:
    return build_tutorial("load_balance/load_balance.p4")


@pytest.fixture
def load_balance(load_balance_built: Built) -> Iterator[TutorialSwitch]:
    yield from switch_fixture(load_balance_built, "s1-runtime.json")


def ecmp_select(src: str, dst: str, sport: int, dport: int) -> int:
    """set_ecmp_select(0, 2): crc16 over srcAddr, dstAddr, protocol (TCP),
    srcPort, dstPort."""
    data = _ip(src) + _ip(dst) + bytes([6]) + sport.to_bytes(2, "big") + dport.to_bytes(2, "big")
    return v1model_hash(crc16(data), 0, 2)


def assert_load_balanced(out: Output, sent: Packet, hop: int) -> None:
    port, mac, ip = LB_HOPS[hop]
    assert_routed(out, sent, port=port, dst=mac, src="08:00:00:00:01:00", ip={"dst": ip})


def test_load_balance_spreads_flows_by_their_crc16_hash(load_balance: TutorialSwitch) -> None:
    used = set()
    for sport in range(40000, 40064):
        sent = tcp_frame("10.0.1.1", "10.0.0.1", sport, 80, "S")
        hop = ecmp_select("10.0.1.1", "10.0.0.1", sport, 80)
        out = load_balance.send1(1, sent)
        assert_load_balanced(out, sent, hop)
        used.add(out.port)
    assert used == {2, 3}  # both next hops carry flows


def test_load_balance_keeps_each_flow_on_its_hop(load_balance: TutorialSwitch) -> None:
    flows = [
        ("10.0.1.1", sport, dport) for sport in (1111, 2222, 3333, 4444) for dport in (80, 443)
    ]
    first = {f: load_balance.send1(1, tcp_frame(f[0], "10.0.0.1", f[1], f[2])).port for f in flows}
    assert set(first.values()) == {2, 3}
    # interleaved, with other flags and TTLs: the same hop every time
    batch = [
        (1, tcp_frame(f[0], "10.0.0.1", f[1], f[2], flags, ttl=ttl))
        for flags, ttl in (("A", 64), ("PA", 3), ("F", 200))
        for f in flows
    ]
    outputs = load_balance.pipeline.process([(p, bytes(f)) for p, f in batch])
    assert len(outputs) == len(batch)
    for o in outputs:
        assert o.port == first[flows[o.input % len(flows)]]


def test_load_balance_drops_and_ttl_0(load_balance: TutorialSwitch) -> None:
    # other destinations: ecmp_group's default drop
    assert load_balance.send(1, tcp_frame("10.0.1.1", "10.0.2.2", 1, 2)) == []
    # TTL 0: no table is applied, egress_spec stays 0 and send_frame has no
    # entry for port 0: out on port 0 untouched
    sent = tcp_frame("10.0.1.1", "10.0.0.1", 1, 2, ttl=0)
    out = load_balance.send1(1, sent)
    assert (out.port, out.data) == (0, bytes(sent))


def test_load_balance_non_tcp_flows_use_a_valid_hop(load_balance: TutorialSwitch) -> None:
    # UDP: the hash reads the invalid tcp header's ports (unspecified by P4),
    # but the flow must still go to one of the hops, rewritten for it, always
    # the same one.
    sent = udp_frame("10.0.1.1", "10.0.0.1")
    ports = {load_balance.send1(1, sent).port for _ in range(4)}
    assert len(ports) == 1
    (port,) = ports
    hop = 0 if port == 2 else 1
    assert_load_balanced(load_balance.send1(1, sent), sent, hop)


# == mri ==============================================================================


@pytest.fixture(scope="module")
def mri_built() -> Built:
    return build_tutorial("mri/mri.p4")


@pytest.fixture
def mri(mri_built: Built) -> Iterator[TutorialSwitch]:
    yield from switch_fixture(mri_built, "s1-runtime.json")


def mri_frame(dst: str, swids: list[int], ttl: int = 64) -> Packet:
    frame = (
        Ether(src="08:00:00:00:01:01", dst="08:00:00:00:01:00")
        / IP(src="10.0.1.1", dst=dst, ttl=ttl, id=99, options=[IPOption(mri_option(swids))])
        / UDP(sport=1234, dport=4321)
        / Raw(PAYLOAD)
    )
    return Ether(bytes(frame))


def assert_mri_hop(out: bytes, sent: bytes, swids: list[int]) -> None:
    """`out` is `sent` with one more hop, the traces `swids` (newest first)."""
    n_in = len(swids) - 1
    ip_in, ip_out = ip_of(sent), ip_of(out)
    assert ip_out.ihl == ip_in.ihl + 2 == 6 + 2 * len(swids)
    assert ip_out.len == ip_in.len + 8
    assert ip_out.ttl == (ip_in.ttl - 1) % 256
    assert (ip_out.src, ip_out.dst, ip_out.id, ip_out.proto) == (
        ip_in.src,
        ip_in.dst,
        ip_in.id,
        ip_in.proto,
    )
    # mri's update_checksum lists the 20-byte header's fields, not the
    # options: the checksum covers those only (as BMv2 computes it too)
    assert_ipv4_checksum_valid(out, base_only=True)
    assert parse_mri(out) == (4 + 8 * len(swids), len(swids), [(s, 0) for s in swids])
    # everything after the option (UDP and payload) unchanged
    assert out[14 + 4 * ip_out.ihl :] == sent[14 + 24 + 8 * n_in :]
    assert len(out) == len(sent) + 8


def test_mri_appends_the_switch_id(mri: TutorialSwitch) -> None:
    sent = bytes(mri_frame("10.0.2.2", []))
    out = mri.send1(2, sent)
    assert out.port == 3
    eth = Ether(out.data)
    assert (eth.dst, eth.src) == ("08:00:00:00:02:00", "08:00:00:00:01:00")
    # qdepth: the simulator has no queues, deq_qdepth is 0
    assert_mri_hop(out.data, sent, [1])


def test_mri_grows_along_the_path(mri_built: Built) -> None:
    # h1 -> s1 (port 3) -> s2 (port 3 in, port 2 out) -> h2: two traces
    with TutorialSwitch(mri_built) as s1, TutorialSwitch(mri_built) as s2:
        s1.load_runtime_file("s1-runtime.json")
        s2.load_runtime_file("s2-runtime.json")
        sent = bytes(mri_frame("10.0.2.2", []))
        hop1 = s1.send1(2, sent)
        hop2 = s2.send1(3, hop1.data)
        assert hop2.port == 2
        assert Ether(hop2.data).dst == "08:00:00:00:02:02"
        assert_mri_hop(hop2.data, hop1.data, [2, 1])
        assert ip_of(hop2.data).ttl == 62


def test_mri_stack_full_drops_the_oldest_trace(mri: TutorialSwitch) -> None:
    # 9 traces (MAX_HOPS): push_front(1) shifts the last one out, yet count,
    # ihl, optionLength and totalLen still grow, as the program says.
    swids = [10 + i for i in range(9)]
    sent = bytes(mri_frame("10.0.3.3", swids))
    out = mri.send1(2, sent)
    assert out.port == 4
    ip_out = ip_of(out.data)
    assert ip_out.ihl == ip_of(sent).ihl + 2
    assert ip_out.len == ip_of(sent).len + 8
    opt = out.data[14 + 20 :]
    assert opt[1] == 4 + 8 * 9 + 8 and int.from_bytes(opt[2:4], "big") == 10
    traces = [int.from_bytes(opt[4 + 8 * i : 8 + 8 * i], "big") for i in range(9)]
    assert traces == [1] + swids[:8]
    assert len(out.data) == len(sent)  # one trace in, one out
    assert out.data[14 + 24 + 72 :] == sent[14 + 24 + 72 :]


def test_mri_packets_without_the_option(mri: TutorialSwitch) -> None:
    # no options: routed, nothing added
    sent = udp_frame("10.0.1.1", "10.0.3.3")
    assert_routed(
        mri.send1(2, sent), sent, port=4, dst="08:00:00:00:03:00", src="08:00:00:00:01:00"
    )
    # another option (router alert, option number 20): ipv4_option is
    # extracted, hdr.mri stays invalid, nothing is added
    plain = bytes(udp_frame("10.0.1.1", "10.0.3.3"))
    header = bytearray(plain[14:34] + b"\x94\x04\x00\x00")
    header[0] = 0x46
    header[2:4] = (len(plain) - 14 + 4).to_bytes(2, "big")
    header[10:12] = expected_ipv4_checksum(bytes(header)).to_bytes(2, "big")
    frame = plain[:14] + bytes(header) + plain[34:]
    out = mri.send1(2, frame)
    assert out.port == 4
    assert ip_of(out.data).ttl == 63
    assert out.data[14 + 20 :] == frame[14 + 20 :]
    assert_ipv4_checksum_valid(out.data, base_only=True)


def test_mri_unknown_destination_and_bad_ihl(mri: TutorialSwitch) -> None:
    # unknown destination: NoAction, port 0; the egress still adds the trace
    sent = bytes(mri_frame("10.0.9.9", []))
    out = mri.send1(2, sent)
    assert out.port == 0
    assert parse_mri(out.data) == (12, 1, [(1, 0)])
    assert ip_of(out.data).ttl == 64
    # ihl 4: verify() fails (IPHeaderTooShort) after hdr.ipv4 was extracted;
    # BMv2 keeps it valid and goes on: routed, TTL decremented, checksum
    # recomputed over the header fields, ihl left as it was.
    raw = bytearray(bytes(udp_frame("10.0.1.1", "10.0.2.2")))
    raw[14] = 0x44
    out = mri.send1(2, bytes(raw))
    assert out.port == 3
    want = bytearray(raw)
    want[0:12] = bytes.fromhex("080000000200080000000100")
    want[22] -= 1
    want[24:26] = expected_ipv4_checksum(bytes(want[14:34])).to_bytes(2, "big")
    assert out.data == bytes(want)


# == multicast ========================================================================


@pytest.fixture(scope="module")
def multicast_built() -> Built:
    return build_tutorial("multicast/multicast.p4")


@pytest.fixture
def multicast(multicast_built: Built) -> Iterator[TutorialSwitch]:
    yield from switch_fixture(multicast_built, "s1-runtime.json")


def l2_frame(src: str, dst: str) -> bytes:
    return bytes(
        Ether(
            bytes(
                Ether(src=src, dst=dst)
                / IP(src="10.0.0.1", dst="10.0.0.255")
                / UDP()
                / Raw(PAYLOAD)
            )
        )
    )


def test_multicast_floods_unknown_destinations_to_the_group_but_the_ingress_port(
    multicast: TutorialSwitch,
) -> None:
    for in_port in (1, 2, 3, 4):
        frame = l2_frame("08:00:00:00:01:11", "ff:ff:ff:ff:ff:ff")
        outs = multicast.send(in_port, frame)
        assert sorted(o.port for o in outs) == sorted({1, 2, 3, 4} - {in_port})
        assert all(o.data == frame for o in outs)


def test_multicast_forwards_known_macs(multicast: TutorialSwitch) -> None:
    macs = {
        1: "08:00:00:00:01:11",
        2: "08:00:00:00:02:22",
        3: "08:00:00:00:03:33",
        4: "08:00:00:00:04:44",
    }
    for port, mac in macs.items():
        frame = l2_frame("08:00:00:00:01:11", mac)
        in_port = 1 if port != 1 else 2
        out = multicast.send1(in_port, frame)
        assert (out.port, out.data) == (port, frame)
        # towards the port it came from: pruned by the egress
        assert multicast.send(port, frame) == []


def test_multicast_sig_topology_group(multicast_built: Built) -> None:
    with TutorialSwitch(multicast_built) as sw:
        sw.load_runtime_file("sig-topo/s1-runtime.json")
        frame = l2_frame("08:00:00:00:02:22", "01:00:5e:00:00:01")
        assert sorted(o.port for o in sw.send(2, frame)) == [1, 3]
        assert sorted(o.port for o in sw.send(4, frame)) == [1, 2, 3]


def test_multicast_runt_frame(multicast: TutorialSwitch) -> None:
    # shorter than Ethernet: extract fails, no table runs, port 0
    out = multicast.send1(1, b"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a")
    assert (out.port, out.data) == (0, b"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a")


# == p4runtime/advanced_tunnel ========================================================
# No runtime file: mycontroller.py installs, with writeTunnelRules(), for the
# tunnel s1 -> s2 (id 100, to h2 10.0.2.2 08:00:00:00:02:22) and s2 -> s1
# (id 200, to h1 10.0.1.1 08:00:00:00:01:11): on the ingress switch an
# ipv4_lpm /32 entry -> myTunnel_ingress(id) and a myTunnel_exact entry ->
# myTunnel_forward(SWITCH_TO_SWITCH_PORT = 2); on the egress switch a
# myTunnel_exact entry -> myTunnel_egress(mac, SWITCH_TO_HOST_PORT = 1).
# It then reads ingressTunnelCounter and egressTunnelCounter.


def tunnel_rules(
    ingress: TutorialSwitch, egress: TutorialSwitch, tunnel_id: int, dst_mac: str, dst_ip: str
) -> None:
    ingress.load_runtime(
        {
            "table_entries": [
                {
                    "table": "MyIngress.ipv4_lpm",
                    "match": {"hdr.ipv4.dstAddr": [dst_ip, 32]},
                    "action_name": "MyIngress.myTunnel_ingress",
                    "action_params": {"dst_id": tunnel_id},
                },
                {
                    "table": "MyIngress.myTunnel_exact",
                    "match": {"hdr.myTunnel.dst_id": tunnel_id},
                    "action_name": "MyIngress.myTunnel_forward",
                    "action_params": {"port": 2},
                },
            ]
        }
    )
    egress.load_runtime(
        {
            "table_entries": [
                {
                    "table": "MyIngress.myTunnel_exact",
                    "match": {"hdr.myTunnel.dst_id": tunnel_id},
                    "action_name": "MyIngress.myTunnel_egress",
                    "action_params": {"dstAddr": dst_mac, "port": 1},
                }
            ]
        }
    )


@pytest.fixture(scope="module")
def advanced_tunnel_built() -> Built:
    return build_tutorial("p4runtime/advanced_tunnel.p4")


@pytest.fixture
def tunnel_pair(advanced_tunnel_built: Built) -> Iterator[tuple[TutorialSwitch, TutorialSwitch]]:
    with TutorialSwitch(advanced_tunnel_built) as s1, TutorialSwitch(advanced_tunnel_built) as s2:
        tunnel_rules(s1, s2, 100, "08:00:00:00:02:22", "10.0.2.2")
        tunnel_rules(s2, s1, 200, "08:00:00:00:01:11", "10.0.1.1")
        yield s1, s2


def test_advanced_tunnel_encapsulates_carries_and_decapsulates(
    tunnel_pair: tuple[TutorialSwitch, TutorialSwitch],
) -> None:
    s1, s2 = tunnel_pair
    sent = bytes(udp_frame("10.0.1.1", "10.0.2.2", eth_dst="ff:ff:ff:ff:ff:ff"))
    # s1: tunnel ingress and transit in the same pass, out to s2
    enc = s1.send1(1, sent)
    assert enc.port == 2
    assert enc.data[:12] == sent[:12]  # MACs untouched
    assert ethertype(enc.data) == 0x1212
    tun = MyTunnel(enc.data[14:18])
    assert (tun.proto_id, tun.dst_id) == (0x0800, 100)
    assert enc.data[18:] == sent[14:]  # the IPv4 packet as it was (TTL too)
    # s2: tunnel egress to h2
    dec = s2.send1(2, enc.data)
    assert dec.port == 1
    eth = Ether(dec.data)
    assert (eth.dst, eth.src, eth.type) == ("08:00:00:00:02:22", "08:00:00:00:01:11", 0x0800)
    assert dec.data[14:] == sent[14:]
    assert_ipv4_checksum_valid(dec.data)


def test_advanced_tunnel_counters(tunnel_pair: tuple[TutorialSwitch, TutorialSwitch]) -> None:
    s1, s2 = tunnel_pair
    sizes = []
    for n in (1, 10, 100):
        sent = bytes(udp_frame("10.0.1.1", "10.0.2.2", payload=b"p" * n))
        sizes.append(len(sent))
        s2.send1(2, s1.send1(1, sent).data)
    back = bytes(udp_frame("10.0.2.2", "10.0.1.1", eth_src="08:00:00:00:02:22"))
    enc = s2.send1(1, back)
    assert (enc.port, MyTunnel(enc.data[14:18]).dst_id) == (2, 200)
    dec = s1.send1(2, enc.data)
    assert (dec.port, Ether(dec.data).dst) == (1, "08:00:00:00:01:11")
    # counters count the packet as received: plain on the ingress switch,
    # with its 4-byte tunnel header on the egress switch
    assert s1.counter("ingressTunnelCounter", 100) == (3, sum(sizes))
    assert s2.counter("egressTunnelCounter", 100) == (3, sum(sizes) + 12)
    assert s2.counter("ingressTunnelCounter", 200) == (1, len(back))
    assert s1.counter("egressTunnelCounter", 200) == (1, len(back) + 4)
    assert s1.counter("egressTunnelCounter", 100) == (0, 0)
    assert s2.counter("ingressTunnelCounter", 100) == (0, 0)


def test_advanced_tunnel_unknown_tunnels_and_destinations(
    tunnel_pair: tuple[TutorialSwitch, TutorialSwitch],
) -> None:
    s1, _ = tunnel_pair
    # an unknown tunnel id: myTunnel_exact's default drop()
    frame = bytes(
        Ether(src=H1, dst=SW_MAC, type=0x1212) / MyTunnel(dst_id=300) / IP(dst="10.0.2.2") / UDP()
    )
    assert s1.send(2, frame) == []
    # an IPv4 destination with no entry: ipv4_lpm's NoAction, port 0, as is
    sent = udp_frame("10.0.1.1", "10.0.3.3")
    out = s1.send1(1, sent)
    assert (out.port, out.data) == (0, bytes(sent))
    assert s1.counter("ingressTunnelCounter", 100) == (0, 0)


# == qos ==============================================================================


@pytest.fixture(scope="module")
def qos_built() -> Built:
    return build_tutorial("qos/qos.p4")


@pytest.fixture
def qos(qos_built: Built) -> Iterator[TutorialSwitch]:
    yield from switch_fixture(qos_built, "s1-runtime.json")


def test_qos_marks_dscp_by_protocol(qos: TutorialSwitch) -> None:
    for ecn_bits in (0, 2):
        tos = 10 << 2 | ecn_bits  # AF11 from the host
        udp = udp_frame("10.0.1.1", "10.0.2.2", tos=tos)
        assert_routed(
            qos.send1(2, udp),
            udp,
            port=3,
            dst="08:00:00:00:02:00",
            src="08:00:00:00:01:00",
            ip={"tos": 46 << 2 | ecn_bits},
        )  # EF
        tcp = tcp_frame("10.0.1.1", "10.0.3.3", 1, 2, tos=tos)
        assert_routed(
            qos.send1(2, tcp),
            tcp,
            port=4,
            dst="08:00:00:00:03:00",
            src="08:00:00:00:01:00",
            ip={"tos": 44 << 2 | ecn_bits},
        )  # voice admit
        icmp = Ether(
            bytes(
                Ether(src=H1, dst="08:00:00:00:01:00")
                / IP(src="10.0.1.1", dst="10.0.1.11", tos=tos)
                / ICMP()
            )
        )
        assert_routed(
            qos.send1(2, icmp), icmp, port=1, dst="08:00:00:00:01:11", src="08:00:00:00:01:00"
        )  # other protocols: unchanged


def test_qos_unknown_destination_is_marked_but_not_routed(qos: TutorialSwitch) -> None:
    # marking happens before ipv4_lpm, whose default is NoAction: port 0,
    # DSCP set, TTL unchanged, checksum recomputed
    sent = udp_frame("10.0.1.1", "10.0.9.9", tos=1)
    out = qos.send1(2, sent)
    assert out.port == 0
    assert out.data[:14] == bytes(sent)[:14]
    assert out.data[14:] == rewritten_ip(sent, ttl_delta=0, tos=46 << 2 | 1)


# == source_routing ===================================================================


@pytest.fixture(scope="module")
def source_routing_built() -> Built:
    return build_tutorial("source_routing/source_routing.p4")


@pytest.fixture
def source_routing(source_routing_built: Built) -> Iterator[TutorialSwitch]:
    yield from switch_fixture(source_routing_built, "s1-runtime.json")


def routed_frame(hops: list[int], inner: bytes | None = None, *, last_bos: bool = True) -> bytes:
    stack = b"".join(
        bytes(SourceRoute(bos=int(last_bos and i == len(hops) - 1), port=p))
        for i, p in enumerate(hops)
    )
    if inner is None:
        inner = bytes(IP(src="10.0.1.1", dst="10.0.2.2", ttl=64) / UDP() / Raw(PAYLOAD))
    return bytes(Ether(src=H1, dst="ff:ff:ff:ff:ff:ff", type=0x1234)) + stack + inner


def test_source_routing_pops_one_hop(source_routing: TutorialSwitch) -> None:
    sent = routed_frame([2, 3, 1])
    out = source_routing.send1(1, sent)
    assert out.port == 2
    assert out.data[:14] == sent[:14]  # still source routed
    assert [SourceRoute(out.data[14 + 2 * i : 16 + 2 * i]).port for i in range(2)] == [3, 1]
    assert SourceRoute(out.data[16:18]).bos == 1
    ip_in, ip_out = ip_of(sent, 20), ip_of(out.data, 18)
    assert ip_out.ttl == ip_in.ttl - 1
    # source_routing computes no checksum: the old one stays, now stale
    assert ip_out.chksum == ip_in.chksum
    assert ip_out.chksum != expected_ipv4_checksum(bytes(ip_out)[:20])
    assert out.data[18:] == bytes(sent)[20:28] + bytes([63]) + bytes(sent)[29:]


def test_source_routing_last_hop_restores_ipv4(source_routing: TutorialSwitch) -> None:
    inner = bytes(IP(src="10.0.3.3", dst="10.0.1.1", ttl=9) / UDP() / Raw(PAYLOAD))
    out = source_routing.send1(3, routed_frame([1], inner))
    assert out.port == 1
    assert ethertype(out.data) == 0x0800
    assert out.data[14:] == inner[:8] + bytes([8]) + inner[9:]


def test_source_routing_drops_what_is_not_source_routed(source_routing: TutorialSwitch) -> None:
    assert source_routing.send(1, udp_frame("10.0.1.1", "10.0.2.2")) == []
    # the first hop cut short: PacketTooShort, srcRoutes[0] invalid, dropped
    assert source_routing.send(1, routed_frame([2])[:15]) == []
    assert source_routing.send(1, routed_frame([2])[:12]) == []


def test_source_routing_overlong_route(source_routing: TutorialSwitch) -> None:
    # 10 hops without bottom of stack: the tenth does not fit in
    # srcRoutes[9] (StackOutOfBounds). BMv2 goes on with the nine parsed: the
    # first is popped and used, the rest is emitted, the unparsed bytes follow.
    sent = routed_frame([4, 5, 6, 7, 8, 9, 10, 11, 12, 13], last_bos=False)
    out = source_routing.send1(1, sent)
    assert out.port == 4
    assert out.data == sent[:14] + sent[16:]


def test_source_routing_non_ipv4_payload(source_routing: TutorialSwitch) -> None:
    # the stack ends (bos) on a payload too short for IPv4: PacketTooShort,
    # hdr.ipv4 invalid, no TTL to update; the packet is still routed
    sent = routed_frame([3, 2], inner=b"short")
    out = source_routing.send1(1, sent)
    assert out.port == 3
    assert out.data == sent[:14] + sent[16:]
