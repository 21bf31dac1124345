// A small v1model program used by the CLI tests.
#include <core.p4>
#include <v1model.p4>
#include "two-tables-headers.p4"

struct metadata_t { }

parser P(packet_in pkt, out headers_t hdr, inout metadata_t meta,
         inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.eth);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout metadata_t meta) { apply { } }

control MyIngress(inout headers_t hdr, inout metadata_t meta, inout standard_metadata_t sm) {
    action forward(bit<9> port) { sm.egress_spec = port; }
    action drop() { mark_to_drop(sm); }
    table dmac {
        key = { hdr.eth.dst : exact; }
        actions = { forward; drop; }
        default_action = drop();
    }
#ifdef WITH_ACL
    table acl {
        key = { hdr.eth.etherType : ternary; }
        actions = { drop; NoAction; }
    }
#endif
    apply {
        dmac.apply();
#ifdef WITH_ACL
        acl.apply();
#endif
    }
}

control MyEgress(inout headers_t hdr, inout metadata_t meta, inout standard_metadata_t sm) {
    apply { }
}

control CC(inout headers_t hdr, inout metadata_t meta) { apply { } }

control D(packet_out pkt, in headers_t hdr) { apply { pkt.emit(hdr.eth); } }

V1Switch(P(), VC(), MyIngress(), MyEgress(), CC(), D()) main;
