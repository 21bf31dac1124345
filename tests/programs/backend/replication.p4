/*
 * The packet replication engine and packet copies, as BMv2 simple_switch:
 * multicast, I2E/E2E clones with field lists, resubmit, recirculate,
 * packet-in.  Driven by tests/unit/test_backend_replication.py.
 *
 * ctl_t.mode selects what ingress/egress do with a NORMAL packet; ingress
 * records its instance_type (iitype), egress its own (itype; BMv2 makes a
 * unicast packet NORMAL again after ingress), egress_rid and the
 * preserved metadata.
 */
#include <core.p4>
#include <v1model.p4>

#define CPU_PORT 64

@controller_header("packet_in")
header packet_in_t {
    bit<9> ingress_port;
    bit<7> pad;
}

header ctl_t {
    bit<8>  mode;
    bit<8>  iitype;
    bit<8>  itype;
    bit<8>  rid;
    bit<8>  keep;
    bit<8>  lost;
    bit<8>  len;
}

struct headers {
    packet_in_t pin;
    ctl_t ctl;
}

struct metadata {
    @field_list(1)
    bit<8> keep;
    bit<8> lost;
}

parser P(packet_in pkt, out headers h, inout metadata m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.ctl);
        transition accept;
    }
}

control VC(inout headers h, inout metadata m) { apply { } }

control I(inout headers h, inout metadata m, inout standard_metadata_t sm) {
    apply {
        h.ctl.iitype = (bit<8>) sm.instance_type;
        if (sm.instance_type == 0) {
            sm.egress_spec = 2;
            if (h.ctl.mode == 1) {
                sm.mcast_grp = 5;
            } else if (h.ctl.mode == 2) {
                clone_preserving_field_list(CloneType.I2E, 7, 1);
                m.keep = 0x11;
                m.lost = 0x22;
            } else if (h.ctl.mode == 3) {
                resubmit_preserving_field_list(1);
                m.keep = 0x33;
                m.lost = 0x44;
            } else if (h.ctl.mode == 6) {
                sm.egress_spec = CPU_PORT;
            }
        } else if (sm.instance_type == 6) {     /* resubmitted */
            sm.egress_spec = 3;
        } else if (sm.instance_type == 4) {     /* recirculated */
            sm.egress_spec = 4;
        }
    }
}

control E(inout headers h, inout metadata m, inout standard_metadata_t sm) {
    apply {
        h.ctl.itype = (bit<8>) sm.instance_type;
        h.ctl.rid = (bit<8>) sm.egress_rid;
        h.ctl.keep = m.keep;
        h.ctl.lost = m.lost;
        h.ctl.len = (bit<8>) sm.packet_length;
        if (h.ctl.iitype == 0 && h.ctl.mode == 4) {
            recirculate_preserving_field_list(1);
            m.keep = 0x55;
            m.lost = 0x66;
        }
        if (sm.instance_type == 0 && h.ctl.mode == 5) {
            clone_preserving_field_list(CloneType.E2E, 8, 1);
            m.keep = 0x77;
            m.lost = 0x88;
        }
        if (sm.egress_port == CPU_PORT) {
            h.pin.setValid();
            h.pin.ingress_port = sm.ingress_port;
        }
    }
}

control CC(inout headers h, inout metadata m) { apply { } }

control D(packet_out pkt, in headers h) {
    apply {
        pkt.emit(h.pin);
        pkt.emit(h.ctl);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
