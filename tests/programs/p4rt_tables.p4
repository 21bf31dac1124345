/*
 * Every kind of object P4Runtime controls, for the P4Runtime translation
 * tests (tests/unit/test_p4runtime_translate.py): tables of every match
 * kind, action scopes, const entries and a const default action, a keyless
 * table, idle timeout, direct counters and meters, an action profile and an
 * action selector, a parser value set, a digest, indexed counters, meters
 * and registers, packet-in/out controller headers.
 *
 * Input: ctl_t, whose `kind` selects the table to apply; the results go to
 * ctl_t.res and the egress port.
 */
#include <core.p4>
#include <v1model.p4>

#define CPU_PORT 64

@controller_header("packet_in")
header packet_in_t {
    bit<9> ingress_port;
    bit<7> pad;
    bit<16> reason;
}

@controller_header("packet_out")
header packet_out_t {
    bit<9> egress_port;
    bit<7> pad;
}

header ctl_t {
    bit<8>   kind;
    bit<32>  a;
    bit<16>  b;
    bit<12>  vid;
    bit<4>   pcp;
    bit<48>  mac;
    bit<128> wide;
    bit<8>   res;
    bit<8>   color;
    bit<8>   vs;
}

struct learn_t {
    bit<48> mac;
    bit<9>  port;
}

struct headers {
    packet_out_t pout;
    packet_in_t  pin;
    ctl_t        ctl;
}

struct metadata { }

parser P(packet_in pkt, out headers h, inout metadata m, inout standard_metadata_t sm) {
    value_set<bit<16>>(4) special;
    state start {
        transition select(sm.ingress_port) {
            CPU_PORT: parse_pout;
            default: parse_ctl;
        }
    }
    state parse_pout {
        pkt.extract(h.pout);
        transition parse_ctl;
    }
    state parse_ctl {
        pkt.extract(h.ctl);
        transition select(h.ctl.b) {
            special: is_special;
            default: accept;
        }
    }
    state is_special {
        h.ctl.vs = 1;
        transition accept;
    }
}

control VC(inout headers h, inout metadata m) { apply { } }

control I(inout headers h, inout metadata m, inout standard_metadata_t sm) {
    direct_counter(CounterType.packets_and_bytes) exact_hits;
    direct_meter<bit<8>>(MeterType.bytes) lpm_colors;
    counter(8, CounterType.packets_and_bytes) pkts;
    meter(4, MeterType.packets) meters;
    register<bit<32>>(8) regs;
    register<bit<128>>(2) wide_regs;

    action set_out(bit<9> port, bit<8> v) {
        sm.egress_spec = port;
        h.ctl.res = v;
    }
    action set_out_counted(bit<9> port, bit<8> v) {
        sm.egress_spec = port;
        h.ctl.res = v;
        exact_hits.count();
    }
    action set_colored(bit<9> port) {
        sm.egress_spec = port;
        lpm_colors.read(h.ctl.color);
    }
    action set_wide(bit<128> w, bit<12> vid) {
        h.ctl.wide = w;
        h.ctl.vid = vid;
    }
    action drop() {
        mark_to_drop(sm);
    }
    action only_in_table(bit<8> v) { h.ctl.res = v; }
    action only_default(bit<8> v) { h.ctl.res = v; }
    action to_cpu() {
        sm.egress_spec = CPU_PORT;
    }

    table t_exact {
        key = {
            h.ctl.a : exact;
            h.ctl.b : exact;
        }
        actions = { set_out_counted; set_wide; drop; NoAction; }
        counters = exact_hits;
        support_timeout = true;
        size = 1024;
        default_action = NoAction();
    }

    table t_lpm {
        key = { h.ctl.a : lpm; }
        actions = { set_colored; set_out; drop; }
        meters = lpm_colors;
        default_action = drop();
    }

    table t_ternary {
        key = {
            h.ctl.a   : ternary;
            h.ctl.b   : range;
            h.ctl.vid : optional;
            h.ctl.mac : exact;
        }
        actions = { set_out; set_wide; NoAction; }
    }

    table t_wide {
        key = { h.ctl.wide : lpm; }
        actions = { set_wide; NoAction; }
    }

    table t_scope {
        key = { h.ctl.b : exact; }
        actions = {
            @tableonly only_in_table;
            @defaultonly only_default;
            set_out;
        }
    }

    table t_const {
        key = { h.ctl.b : exact; }
        actions = { set_out; drop; }
        const entries = {
            7 : set_out(5, 0x77);
            8 : drop();
        }
        const default_action = drop();
    }

    table t_const_ternary {
        key = { h.ctl.a : ternary; }
        actions = { set_out; }
        const entries = {
            32w0x0a000000 &&& 32w0xff000000 : set_out(2, 1);
            _ : set_out(3, 2);
        }
    }

    table t_keyless {
        actions = { set_out; NoAction; }
        default_action = NoAction();
    }

    table t_prof {
        key = { h.ctl.b : exact; }
        actions = { set_out; NoAction; }
        implementation = action_profile(32);
    }

    table t_sel {
        key = {
            h.ctl.b : exact;
            h.ctl.a : selector;
        }
        actions = { set_out; NoAction; }
        @max_group_size(8)
        implementation = action_selector(HashAlgorithm.crc16, 64, 16);
    }

    table t_sel2 {
        key = {
            h.ctl.b : exact;
            h.ctl.a : selector;
        }
        actions = { set_out; NoAction; }
        implementation = action_selector(HashAlgorithm.crc16, 64, 16);
    }

    table t_cpu {
        key = { h.ctl.b : exact; }
        actions = { to_cpu; NoAction; }
    }

    apply {
        sm.egress_spec = 1;
        if (h.pout.isValid()) {
            sm.egress_spec = h.pout.egress_port;
            h.pout.setInvalid();
            exit;
        }
        pkts.count((bit<32>) h.ctl.res);
        if (h.ctl.kind == 1) {
            t_exact.apply();
        } else if (h.ctl.kind == 2) {
            t_lpm.apply();
        } else if (h.ctl.kind == 3) {
            t_ternary.apply();
        } else if (h.ctl.kind == 4) {
            t_wide.apply();
        } else if (h.ctl.kind == 5) {
            t_scope.apply();
        } else if (h.ctl.kind == 6) {
            t_const.apply();
        } else if (h.ctl.kind == 7) {
            t_const_ternary.apply();
        } else if (h.ctl.kind == 8) {
            t_keyless.apply();
        } else if (h.ctl.kind == 9) {
            t_prof.apply();
        } else if (h.ctl.kind == 10) {
            t_sel.apply();
        } else if (h.ctl.kind == 11) {
            t_sel2.apply();
        } else if (h.ctl.kind == 12) {
            t_cpu.apply();
        } else if (h.ctl.kind == 13) {
            digest<learn_t>(1, { h.ctl.mac, sm.ingress_port });
        } else if (h.ctl.kind == 14) {
            bit<32> old;
            regs.read(old, (bit<32>) h.ctl.res);
            regs.write((bit<32>) h.ctl.res, old + 1);
            wide_regs.write(0, h.ctl.wide);
            bit<2> color;
            meters.execute_meter((bit<32>) h.ctl.res, color);
            h.ctl.color = (bit<8>) color;
        }
    }
}

control E(inout headers h, inout metadata m, inout standard_metadata_t sm) {
    apply {
        if (sm.egress_port == CPU_PORT) {
            h.pin.setValid();
            h.pin.ingress_port = sm.ingress_port;
            h.pin.reason = 0x1234;
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
