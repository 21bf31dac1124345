/*
 * Everything ovs-p4ctl's entity commands touch, on real IPv4 traffic, for
 * tests/unit/test_entities_p4rt.py and tests/integration/test_p4ctl_entities.py.
 * v1model, CPU port 64 (the bridge's --cpu-port).
 *
 *   - acl: ternary, range and optional fields (entries need a priority),
 *     a direct counter and a direct meter; forwards (optionally cloning to
 *     a clone session), drops, or sends to the controller (packet-in).
 *   - ipv6_lpm: a 128-bit LPM key; idle timeouts.
 *   - port_pkts (counter) and port_meter (meter, packets: RED drops) by
 *     ingress port; last_len (register) keeps each port's last packet
 *     length; blocked (register) drops every IPv4 packet while cell 0 is 1.
 *   - learn (digest): source MAC and ingress port of IPv4 packets.
 *   - packet-out: sent to the port its packet_out header names, as is.
 */
#include <core.p4>
#include <v1model.p4>

#define CPU_PORT 64

@controller_header("packet_in")
header packet_in_t {
    bit<9> ingress_port;
    bit<7> reason;
}

@controller_header("packet_out")
header packet_out_t {
    bit<9> egress_port;
    bit<7> pad;
}

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

header ipv4_t {
    bit<4>  version;
    bit<4>  ihl;
    bit<8>  diffserv;
    bit<16> totalLen;
    bit<16> identification;
    bit<3>  flags;
    bit<13> fragOffset;
    bit<8>  ttl;
    bit<8>  protocol;
    bit<16> hdrChecksum;
    bit<32> srcAddr;
    bit<32> dstAddr;
}

header ipv6_t {
    bit<4>   version;
    bit<8>   trafficClass;
    bit<20>  flowLabel;
    bit<16>  payloadLen;
    bit<8>   nextHdr;
    bit<8>   hopLimit;
    bit<128> srcAddr;
    bit<128> dstAddr;
}

struct headers {
    packet_out_t packet_out;
    packet_in_t  packet_in;
    ethernet_t   ethernet;
    ipv4_t       ipv4;
    ipv6_t       ipv6;
}

struct learn_t {
    bit<48> srcAddr;
    bit<9>  port;
}

struct metadata { }

parser P(packet_in pkt, out headers hdr, inout metadata meta,
         inout standard_metadata_t sm) {
    state start {
        transition select(sm.ingress_port) {
            CPU_PORT: parse_packet_out;
            default: parse_ethernet;
        }
    }
    state parse_packet_out {
        pkt.extract(hdr.packet_out);
        transition accept;
    }
    state parse_ethernet {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            0x0800: parse_ipv4;
            0x86dd: parse_ipv6;
            default: accept;
        }
    }
    state parse_ipv4 {
        pkt.extract(hdr.ipv4);
        transition accept;
    }
    state parse_ipv6 {
        pkt.extract(hdr.ipv6);
        transition accept;
    }
}

control VC(inout headers hdr, inout metadata meta) { apply { } }

control I(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    direct_counter(CounterType.packets_and_bytes) acl_hits;
    direct_meter<bit<2>>(MeterType.bytes) acl_meter;
    counter(512, CounterType.packets_and_bytes) port_pkts;
    meter(512, MeterType.packets) port_meter;
    register<bit<32>>(512) last_len;
    register<bit<8>>(1) blocked;
    bit<2> acl_color = 0;

    action drop() {
        mark_to_drop(sm);
        acl_meter.read(acl_color);
        acl_hits.count();
    }
    action forward(bit<9> port, bit<48> dstAddr) {
        sm.egress_spec = port;
        hdr.ethernet.srcAddr = hdr.ethernet.dstAddr;
        hdr.ethernet.dstAddr = dstAddr;
        acl_meter.read(acl_color);
        acl_hits.count();
    }
    action forward_mirror(bit<9> port, bit<48> dstAddr, bit<32> session) {
        forward(port, dstAddr);
        clone(CloneType.I2E, session);
    }
    action to_cpu(bit<7> reason) {
        sm.egress_spec = CPU_PORT;
        hdr.packet_in.setValid();
        hdr.packet_in.ingress_port = sm.ingress_port;
        hdr.packet_in.reason = reason;
        acl_meter.read(acl_color);
        acl_hits.count();
    }
    action miss(bit<7> reason) {
        to_cpu(reason);
    }
    action set_v6(bit<9> port) {
        sm.egress_spec = port;
    }

    table acl {
        key = {
            hdr.ipv4.srcAddr    : ternary;
            hdr.ipv4.dstAddr    : ternary;
            hdr.ipv4.protocol   : range;
            hdr.ethernet.srcAddr: optional;
        }
        actions = { forward; forward_mirror; drop; to_cpu; @tableonly NoAction; @defaultonly miss; }
        counters = acl_hits;
        meters = acl_meter;
        size = 256;
        default_action = drop();
    }

    table ipv6_lpm {
        key = { hdr.ipv6.dstAddr : lpm; }
        actions = { set_v6; drop; }
        support_timeout = true;
        default_action = drop();
    }

    apply {
        if (hdr.packet_out.isValid()) {
            sm.egress_spec = hdr.packet_out.egress_port;
            hdr.packet_out.setInvalid();
            exit;
        }
        port_pkts.count((bit<32>) sm.ingress_port);
        last_len.write((bit<32>) sm.ingress_port, sm.packet_length);
        bit<2> color;
        port_meter.execute_meter((bit<32>) sm.ingress_port, color);
        bit<8> b;
        blocked.read(b, 0);
        if (color == V1MODEL_METER_COLOR_RED || b == 1) {
            mark_to_drop(sm);
        } else if (hdr.ipv4.isValid()) {
            digest<learn_t>(1, { hdr.ethernet.srcAddr, sm.ingress_port });
            acl.apply();
            if (acl_color == V1MODEL_METER_COLOR_RED) {
                mark_to_drop(sm);
            }
        } else if (hdr.ipv6.isValid()) {
            ipv6_lpm.apply();
        } else {
            mark_to_drop(sm);
        }
    }
}

control E(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    apply {
        if (sm.egress_port == CPU_PORT && !hdr.packet_in.isValid()) {
            // A clone sent to the CPU port.
            hdr.packet_in.setValid();
            hdr.packet_in.ingress_port = sm.ingress_port;
            hdr.packet_in.reason = 127;
        }
    }
}

control CC(inout headers hdr, inout metadata meta) { apply { } }

control D(packet_out pkt, in headers hdr) {
    apply {
        pkt.emit(hdr.packet_in);
        pkt.emit(hdr.ethernet);
        pkt.emit(hdr.ipv4);
        pkt.emit(hdr.ipv6);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
