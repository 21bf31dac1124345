/*
 * A small switch for the real P4Runtime clients' tests
 * (tests/integration/test_p4rt_clients.py: p4runtime-shell and finsy
 * driving ovs-p4rtd, real traffic between hosts in network namespaces).
 * Every P4Runtime entity kind has a visible effect on that traffic:
 *
 *   smac      exact     source MAC; a miss sends a `learn_t` digest
 *   dmac      exact     destination MAC -> port; default drop, which the
 *                       controller changes to flood() (multicast group 1)
 *   ipv4_lpm  lpm       IPv4 destination -> port (overrides dmac); a
 *                       direct counter and a direct meter (RED drops)
 *   acl       ternary (IPv4 source), range (UDP destination port),
 *             optional (IP protocol): drop, to the CPU (packet-in), or
 *             mirror (clone to a clone session)
 *   port_pkts   indexed counter, per ingress port
 *   port_meter  indexed meter (packets), per ingress port: RED drops
 *   port_seen   register, per ingress port: packets seen
 *
 * Packet-out: a packet from the CPU port (64, the bridge's --cpu-port)
 * leaves on its packet_out header's egress_port.  Packet-in: a packet sent
 * to the CPU port gets a packet_in header (ingress port, instance type).
 * Multicast replicas and clones are not sent back where they came from.
 */
#include <core.p4>
#include <v1model.p4>

#define CPU_PORT 64

const bit<16> TYPE_IPV4 = 0x0800;
const bit<8>  PROTO_UDP = 17;

@controller_header("packet_in")
header packet_in_t {
    bit<9>  ingress_port;
    bit<7>  pad;
    bit<32> instance_type;
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

header udp_t {
    bit<16> srcPort;
    bit<16> dstPort;
    bit<16> length;
    bit<16> checksum;
}

struct learn_t {
    bit<48> srcAddr;
    bit<9>  ingress_port;
}

struct headers {
    packet_in_t  pin;
    packet_out_t pout;
    ethernet_t   ethernet;
    ipv4_t       ipv4;
    udp_t        udp;
}

struct metadata {
    bit<16> l4_dport;
    bit<2>  port_color;
    bit<2>  lpm_color;
}

parser MyParser(packet_in packet, out headers hdr, inout metadata meta,
                inout standard_metadata_t sm) {
    state start {
        transition select(sm.ingress_port) {
            CPU_PORT: parse_packet_out;
            default: parse_ethernet;
        }
    }
    state parse_packet_out {
        packet.extract(hdr.pout);
        transition parse_ethernet;
    }
    state parse_ethernet {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            TYPE_IPV4: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition select(hdr.ipv4.protocol) {
            PROTO_UDP: parse_udp;
            default: accept;
        }
    }
    state parse_udp {
        packet.extract(hdr.udp);
        meta.l4_dport = hdr.udp.dstPort;
        transition accept;
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) { apply { } }

control MyIngress(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    counter(64, CounterType.packets_and_bytes) port_pkts;
    meter(64, MeterType.packets) port_meter;
    register<bit<32>>(64) port_seen;
    direct_counter(CounterType.packets_and_bytes) lpm_hits;
    direct_meter<bit<2>>(MeterType.packets) lpm_meter;

    action drop() {
        mark_to_drop(sm);
    }

    action learn() {
        digest<learn_t>(1, { hdr.ethernet.srcAddr, sm.ingress_port });
    }

    table smac {
        key = { hdr.ethernet.srcAddr : exact; }
        actions = { learn; NoAction; }
        default_action = learn();
        size = 256;
    }

    action forward(bit<9> port) {
        sm.egress_spec = port;
    }

    action flood() {
        sm.mcast_grp = 1;
    }

    table dmac {
        key = { hdr.ethernet.dstAddr : exact; }
        actions = { forward; flood; drop; }
        default_action = drop();
        size = 256;
    }

    action route(bit<9> port) {
        sm.egress_spec = port;
        sm.mcast_grp = 0;
        lpm_meter.read(meta.lpm_color);
    }

    action lpm_miss() {
        lpm_meter.read(meta.lpm_color);
    }

    table ipv4_lpm {
        key = { hdr.ipv4.dstAddr : lpm; }
        actions = { route; lpm_miss; }
        default_action = lpm_miss();
        counters = lpm_hits;
        meters = lpm_meter;
        size = 256;
    }

    action to_cpu() {
        sm.egress_spec = CPU_PORT;
        sm.mcast_grp = 0;
    }

    action mirror(bit<32> session) {
        clone(CloneType.I2E, session);
    }

    table acl {
        key = {
            hdr.ipv4.srcAddr  : ternary;
            meta.l4_dport     : range;
            hdr.ipv4.protocol : optional;
        }
        actions = { drop; to_cpu; mirror; NoAction; }
        default_action = NoAction();
        size = 64;
    }

    apply {
        if (hdr.pout.isValid()) {
            sm.egress_spec = hdr.pout.egress_port;
            hdr.pout.setInvalid();
            exit;
        }
        port_pkts.count((bit<32>) sm.ingress_port);
        bit<32> seen;
        port_seen.read(seen, (bit<32>) sm.ingress_port);
        port_seen.write((bit<32>) sm.ingress_port, seen + 1);
        port_meter.execute_meter((bit<32>) sm.ingress_port, meta.port_color);
        if (meta.port_color == V1MODEL_METER_COLOR_RED) {
            drop();
            exit;
        }
        smac.apply();
        dmac.apply();
        if (hdr.ipv4.isValid()) {
            ipv4_lpm.apply();
            if (meta.lpm_color == V1MODEL_METER_COLOR_RED) {
                drop();
                exit;
            }
            acl.apply();
        }
    }
}

control MyEgress(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    apply {
        if (sm.egress_port == CPU_PORT) {
            hdr.pin.setValid();
            hdr.pin.ingress_port = sm.ingress_port;
            hdr.pin.pad = 0;
            hdr.pin.instance_type = sm.instance_type;
        } else if (sm.egress_port == sm.ingress_port) {
            // Flooded replicas and clones do not go back to the sender.
            mark_to_drop(sm);
        }
    }
}

control MyComputeChecksum(inout headers hdr, inout metadata meta) { apply { } }

control MyDeparser(packet_out packet, in headers hdr) {
    apply {
        packet.emit(hdr.pin);
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.udp);
    }
}

@pkginfo[name="p4rt_client_switch", version="1.0"]
V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(), MyComputeChecksum(),
         MyDeparser()) main;
