/*
 * Port forwarding: P4 port 1 -> 2, 2 -> 1, anything else dropped; the
 * Ethernet header parsed and emitted again.  The P4 side of
 * benchmarks/ovs_bench.py, whose native OVS baseline is one OpenFlow flow
 * in_port=1,actions=output:2.
 */
#include <core.p4>
#include <v1model.p4>

header ethernet_t {
    bit<48> dst;
    bit<48> src;
    bit<16> type;
}

struct headers_t { ethernet_t eth; }
struct meta_t { }

parser P(packet_in pkt, out headers_t h, inout meta_t m,
         inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.eth);
        transition accept;
    }
}

control VC(inout headers_t h, inout meta_t m) { apply { } }

control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply {
        if (sm.ingress_port == 1) {
            sm.egress_spec = 2;
        } else if (sm.ingress_port == 2) {
            sm.egress_spec = 1;
        } else {
            mark_to_drop(sm);
        }
    }
}

control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply { }
}

control CC(inout headers_t h, inout meta_t m) { apply { } }

control D(packet_out pkt, in headers_t h) { apply { pkt.emit(h.eth); } }

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
