/*
 * Packet I/O with the controller, v1model style (BMv2 simple_switch's
 * conventions): CPU port 64 (the bridge's other_config:p4-cpu-port).
 *
 *   - A packet-out (from the CPU port) goes to the port its packet_out
 *     header names; the header is removed, the rest leaves untouched.
 *   - A packet from any other port goes to the CPU port with a packet_in
 *     header carrying its ingress port: a PACKET_IN event.
 *   - A packet-out to the CPU port comes back as a PACKET_IN.
 *
 * Used by tests/integration/test_packet_out.py.
 */
#include <core.p4>
#include <v1model.p4>

#define CPU_PORT 64

@controller_header("packet_in")
header packet_in_t {
    bit<9> ingress_port;
    bit<7> pad;
}

@controller_header("packet_out")
header packet_out_t {
    bit<9> egress_port;
    bit<7> pad;
}

struct headers_t {
    packet_in_t pin;
    packet_out_t pout;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t h, inout meta_t m,
         inout standard_metadata_t sm) {
    state start {
        transition select(sm.ingress_port) {
            CPU_PORT: parse_packet_out;
            default: accept;
        }
    }
    state parse_packet_out {
        pkt.extract(h.pout);
        transition accept;
    }
}

control VC(inout headers_t h, inout meta_t m) { apply { } }

control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply {
        if (h.pout.isValid()) {
            sm.egress_spec = h.pout.egress_port;
            h.pout.setInvalid();
        } else {
            sm.egress_spec = CPU_PORT;
        }
        if (sm.egress_spec == CPU_PORT) {
            h.pin.setValid();
            h.pin.ingress_port = sm.ingress_port;
            h.pin.pad = 0;
        }
    }
}

control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply { }
}

control CC(inout headers_t h, inout meta_t m) { apply { } }

control D(packet_out pkt, in headers_t h) {
    apply {
        pkt.emit(h.pin);
        pkt.emit(h.pout);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
