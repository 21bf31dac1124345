"""PTF tests of the P4 tutorials' basic.p4 on an OvS.p4 bridge, driven
through ovs-p4rtd: the test is the controller (base_test.P4RuntimeTest),
packets are sent and checked one by one on the veth interfaces bound to
the bridge's ports.  PTF port N is the bridge's P4 port N.

    ptf --test-dir tests/p4rt_clients/ptf --interface 1@VETH1 --interface 2@VETH2 \\
        --test-params "grpcaddr='127.0.0.1:9559';device_id=1;\
                       p4info='basic.p4info.txtpb';config='basic.p4'"

Run by tests/integration/test_p4rt_clients.py::test_ptf_basic_p4.
"""

from __future__ import annotations

from base_test import P4RuntimeTest
from ptf.testutils import (
    send_packet,
    simple_arp_packet,
    simple_tcp_packet,
    simple_udp_packet,
    verify_no_other_packets,
    verify_packet,
)

LPM = "MyIngress.ipv4_lpm"
FORWARD = "MyIngress.ipv4_forward"
SWITCH_MAC = "08:00:00:00:01:00"   # pod-topo: the hosts' gateway MAC on s1
H1_MAC, H2_MAC = "08:00:00:00:01:11", "08:00:00:00:02:22"
H1_IP, H2_IP = "10.0.1.1", "10.0.2.2"


def expected(pkt, dst_mac):
    """What ipv4_forward makes of ``pkt``: the old destination MAC as the
    source, ``dst_mac`` as the destination, TTL - 1, checksum updated."""
    exp = pkt.copy()
    exp["Ether"].src = pkt["Ether"].dst
    exp["Ether"].dst = dst_mac
    exp["IP"].ttl = pkt["IP"].ttl - 1
    del exp["IP"].chksum
    return exp.__class__(bytes(exp))


class DropTest(P4RuntimeTest):
    """A fresh pipeline has no entries: ipv4_lpm's default action drops."""

    def runTest(self):
        pkt = simple_tcp_packet(eth_src=H1_MAC, eth_dst=SWITCH_MAC, ip_src=H1_IP, ip_dst=H2_IP)
        send_packet(self, 1, pkt)
        verify_no_other_packets(self)


class FwdTest(P4RuntimeTest):
    """pod-topo's s1 entries: h1 <-> h2, each packet rewritten as
    ipv4_forward says and sent out of the port of its entry."""

    def runTest(self):
        self.table_add(LPM, {"hdr.ipv4.dstAddr": (H1_IP, 32)}, FORWARD,
                       {"dstAddr": H1_MAC, "port": 1})
        self.table_add(LPM, {"hdr.ipv4.dstAddr": (H2_IP, 32)}, FORWARD,
                       {"dstAddr": H2_MAC, "port": 2})
        for i, ttl in enumerate((64, 17, 2)):
            pkt = simple_tcp_packet(eth_src=H1_MAC, eth_dst=SWITCH_MAC, ip_src=H1_IP,
                                    ip_dst=H2_IP, ip_ttl=ttl, tcp_sport=1000 + i,
                                    pktlen=100 + 50 * i)
            send_packet(self, 1, pkt)
            verify_packet(self, expected(pkt, H2_MAC), 2)
            back = simple_udp_packet(eth_src=H2_MAC, eth_dst="08:00:00:00:02:00",
                                     ip_src=H2_IP, ip_dst=H1_IP, ip_ttl=ttl,
                                     udp_dport=2000 + i)
            send_packet(self, 2, back)
            verify_packet(self, expected(back, H1_MAC), 1)
        # No route: dropped.  Not IPv4: no table, no egress port: dropped.
        send_packet(self, 1, simple_tcp_packet(eth_dst=SWITCH_MAC, ip_dst="10.0.3.3"))
        send_packet(self, 1, simple_arp_packet())
        verify_no_other_packets(self)


class LpmTest(P4RuntimeTest):
    """The longest prefix wins; entries modified and deleted take effect."""

    def runTest(self):
        self.table_add(LPM, {"hdr.ipv4.dstAddr": ("10.0.0.0", 8)}, FORWARD,
                       {"dstAddr": H1_MAC, "port": 1})
        self.table_add(LPM, {"hdr.ipv4.dstAddr": ("10.0.2.0", 24)}, FORWARD,
                       {"dstAddr": H2_MAC, "port": 2})
        to_24 = simple_tcp_packet(eth_dst=SWITCH_MAC, ip_dst="10.0.2.9")
        to_8 = simple_tcp_packet(eth_dst=SWITCH_MAC, ip_dst="10.7.7.7")
        send_packet(self, 1, to_24)
        verify_packet(self, expected(to_24, H2_MAC), 2)
        send_packet(self, 2, to_8)
        verify_packet(self, expected(to_8, H1_MAC), 1)
        verify_no_other_packets(self)

        self.table_modify(LPM, {"hdr.ipv4.dstAddr": ("10.0.0.0", 8)}, FORWARD,
                          {"dstAddr": "08:00:00:00:09:99", "port": 2})
        send_packet(self, 1, to_8)
        verify_packet(self, expected(to_8, "08:00:00:00:09:99"), 2)

        self.table_delete(LPM, {"hdr.ipv4.dstAddr": ("10.0.2.0", 24)})
        send_packet(self, 1, to_24)
        verify_packet(self, expected(to_24, "08:00:00:00:09:99"), 2)
        verify_no_other_packets(self)

        entries = self.read_table(LPM)
        self.assertEqual(len(entries), 1)
        self.assertEqual(entries[0].match[0].lpm.prefix_len, 8)


class DefaultActionTest(P4RuntimeTest):
    """The default action, changed from drop() to a forward."""

    def runTest(self):
        pkt = simple_udp_packet(eth_dst=SWITCH_MAC, ip_dst="192.168.1.1")
        send_packet(self, 1, pkt)
        verify_no_other_packets(self)
        self.set_default(LPM, FORWARD, {"dstAddr": H2_MAC, "port": 2})
        send_packet(self, 1, pkt)
        verify_packet(self, expected(pkt, H2_MAC), 2)
        self.set_default(LPM, "MyIngress.drop")
        send_packet(self, 1, pkt)
        verify_no_other_packets(self)
