// The P4Runtime spec checks (tests/integration/test_p4runtime_spec.py):
// a small exact table (to fill it), a ternary table (priorities), a const
// table, a const default action, indexed counters/registers/meters.
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
    counter(8, CounterType.packets_and_bytes) port_packets;
    register<bit<32>>(8) scratch;
    meter(8, MeterType.packets) port_meter;

    action forward(bit<9> port) { sm.egress_spec = port; }
    action drop() { mark_to_drop(sm); }

    table dmac {
        key = { h.eth.dst: exact; }
        actions = { forward; drop; }
        size = 4;
        default_action = drop();
    }
    table acl {
        key = { h.eth.type: ternary; h.eth.src: exact; }
        actions = { forward; drop; NoAction; }
        default_action = NoAction();
    }
    table aging {
        key = { h.eth.src: exact; }
        actions = { NoAction; }
        support_timeout = true;
        default_action = NoAction();
    }
    table fixed {
        key = { h.eth.type: exact; }
        actions = { forward; drop; }
        const entries = { 0x0806 : drop(); }
        const default_action = drop();
    }
    apply {
        port_packets.count((bit<32>) sm.ingress_port);
        scratch.write(0, (bit<32>) sm.ingress_port);
        dmac.apply();
        acl.apply();
        aging.apply();
        fixed.apply();
    }
}
control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t h, inout meta_t m) { apply { } }
control D(packet_out pkt, in headers_t h) { apply { pkt.emit(h.eth); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
