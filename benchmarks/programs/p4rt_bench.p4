// ovs-p4rtd benchmark program (benchmarks/p4runtime_bench.py): a large
// exact table, a large LPM table, and packet-outs looped back to the
// controller as packet-ins.
#include <core.p4>
#include <v1model.p4>

#define CPU_PORT 510

@controller_header("packet_out")
header packet_out_t { bit<16> tag; }
@controller_header("packet_in")
header packet_in_t { bit<16> tag; }
header ethernet_t { bit<48> dst; bit<48> src; bit<16> type; }
header ipv4_t {
    bit<4> version; bit<4> ihl; bit<8> diffserv; bit<16> totalLen;
    bit<16> identification; bit<3> flags; bit<13> fragOffset;
    bit<8> ttl; bit<8> protocol; bit<16> hdrChecksum;
    bit<32> srcAddr; bit<32> dstAddr;
}
struct headers_t { packet_in_t pin; packet_out_t pout; ethernet_t eth; ipv4_t ipv4; }
struct meta_t { }

parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start {
        transition select(sm.ingress_port) { CPU_PORT: cpu; default: eth; }
    }
    state cpu { pkt.extract(h.pout); transition eth; }
    state eth {
        pkt.extract(h.eth);
        transition select(h.eth.type) { 0x0800: ipv4; default: accept; }
    }
    state ipv4 { pkt.extract(h.ipv4); transition accept; }
}
control VC(inout headers_t h, inout meta_t m) { apply { } }

control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    action forward(bit<9> port) { sm.egress_spec = port; }
    action set_dmac(bit<48> dmac, bit<9> port) { h.eth.dst = dmac; sm.egress_spec = port; }
    action drop() { mark_to_drop(sm); }
    table mac_table {
        key = { h.eth.dst: exact; }
        actions = { forward; drop; }
        size = 262144;
        default_action = drop();
    }
    table route_table {
        key = { h.ipv4.dstAddr: lpm; }
        actions = { set_dmac; drop; }
        size = 262144;
        default_action = drop();
    }
    apply {
        if (h.pout.isValid()) {
            // Back to the controller: the packet-in benchmark.
            h.pin.setValid();
            h.pin.tag = h.pout.tag;
            h.pout.setInvalid();
            sm.egress_spec = CPU_PORT;
        } else {
            mac_table.apply();
            if (h.ipv4.isValid()) { route_table.apply(); }
        }
    }
}
control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t h, inout meta_t m) { apply { } }
control D(packet_out pkt, in headers_t h) {
    apply { pkt.emit(h.pin); pkt.emit(h.eth); pkt.emit(h.ipv4); }
}
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
