/*
 * Objects the control plane fills: action profiles and selectors, parser
 * value sets, direct counters and meters, tables with run-time entries.
 * Driven by tests/unit/test_backend_profiles.py.
 */
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<8>  kind;
    bit<16> key;
    bit<32> flow;
    bit<8>  res;
    bit<8>  color;
    bit<8>  vs;
}

struct headers { h_t h; }
struct metadata { }

parser P(packet_in pkt, out headers hdr, inout metadata m, inout standard_metadata_t sm) {
    value_set<bit<16>>(4) special;
    state start {
        pkt.extract(hdr.h);
        transition select(hdr.h.key) {
            special: is_special;
            default: accept;
        }
    }
    state is_special {
        hdr.h.vs = 1;
        transition accept;
    }
}

control VC(inout headers h, inout metadata m) { apply { } }

control I(inout headers hdr, inout metadata m, inout standard_metadata_t sm) {
    action set_out(bit<8> v, bit<9> port) {
        hdr.h.res = v;
        sm.egress_spec = port;
    }
    action set_color() { }

    table prof {
        key = { hdr.h.key : exact; }
        actions = { set_out; NoAction; }
        implementation = action_profile(16);
    }

    table sel {
        key = {
            hdr.h.key : exact;
            hdr.h.flow : selector;
        }
        actions = { set_out; NoAction; }
        implementation = action_selector(HashAlgorithm.crc16, 16, 16);
    }

    direct_counter(CounterType.packets_and_bytes) hits;
    direct_meter<bit<8>>(MeterType.packets) colors;

    action count_it(bit<8> v) {
        hdr.h.res = v;
        colors.read(hdr.h.color);
    }

    table counted {
        key = { hdr.h.key : lpm; }
        actions = { count_it; NoAction; }
        counters = hits;
        meters = colors;
    }

    apply {
        sm.egress_spec = 1;
        if (hdr.h.kind == 1) {
            prof.apply();
        } else if (hdr.h.kind == 2) {
            sel.apply();
        } else if (hdr.h.kind == 3) {
            counted.apply();
        }
    }
}

control E(inout headers h, inout metadata m, inout standard_metadata_t sm) { apply { } }
control CC(inout headers h, inout metadata m) { apply { } }

control D(packet_out pkt, in headers h) {
    apply { pkt.emit(h.h); }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
