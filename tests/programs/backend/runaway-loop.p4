// A loop whose bound the packet controls: with count = 255, `i <= count`
// holds forever for a bit<8> i.
#include <core.p4>
#include <v1model.p4>

header h_t { bit<8> count; bit<8> sum; }
struct headers_t { h_t h; }
struct metadata_t { }

parser P(packet_in pkt, out headers_t hdr, inout metadata_t meta,
         inout standard_metadata_t sm) {
    state start { pkt.extract(hdr.h); transition accept; }
}
control VC(inout headers_t hdr, inout metadata_t meta) { apply { } }
control I(inout headers_t hdr, inout metadata_t meta, inout standard_metadata_t sm) {
    apply {
        hdr.h.sum = 0;
        for (bit<8> i = 1; i <= hdr.h.count; i = i + 1) {
            hdr.h.sum = hdr.h.sum + 1;
        }
        sm.egress_spec = 2;
    }
}
control E(inout headers_t hdr, inout metadata_t meta, inout standard_metadata_t sm) {
    apply { }
}
control CC(inout headers_t hdr, inout metadata_t meta) { apply { } }
control D(packet_out pkt, in headers_t hdr) { apply { pkt.emit(hdr.h); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
