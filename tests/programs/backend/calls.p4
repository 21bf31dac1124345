/*
 * Calls and tables (calls.stf): copy-in/copy-out of action, function and
 * control arguments (also when they alias what the callee reaches
 * directly), exit, hit/miss, switch on action_run, constant entries,
 * sub-controls with their own tables, header stack operations.
 */
#include <core.p4>
#include <v1model.p4>

header d_t {
    bit<8> op;
    bit<8> a;
    bit<8> b;
    bit<8> c;
    bit<8> d;
}

header s_t { bit<8> v; }

struct headers {
    d_t d;
    s_t[4] s;
}

struct metadata {
    bit<8> idx;
}

parser P(packet_in pkt, out headers h, inout metadata m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.d);
        transition select(h.d.op) {
            0x40 &&& 0xF0: stack;
            default: accept;
        }
    }
    state stack {
        pkt.extract(h.s.next);
        pkt.extract(h.s.next);
        transition accept;
    }
}

control VC(inout headers h, inout metadata m) { apply { } }

bit<8> twice(in bit<8> x, out bit<8> y) {
    y = x + 1;
    return x + x;
}

control Sub(inout bit<8> x, in bit<8> y) {
    action set(bit<8> v) { x = v; }
    table t {
        key = { y : exact; }
        actions = { set; NoAction; }
        const entries = {
            1 : set(0x11);
            2 : set(0x22);
        }
        default_action = set(0xEE);
    }
    apply {
        t.apply();
    }
}

control I(inout headers h, inout metadata m, inout standard_metadata_t sm) {
    Sub() sub;

    action swap(inout bit<8> x, inout bit<8> y) {
        bit<8> t = x;
        x = y;
        y = t;
    }
    /* writes its argument and reads the same field directly */
    action peek(inout bit<8> x) {
        x = 5;
        h.d.d = h.d.c;
    }
    action leave(inout bit<8> x) {
        x = 9;
        exit;
    }
    action hit_a(bit<8> v) { h.d.a = v; }
    action hit_b() { h.d.b = 0xBB; }
    action miss() { h.d.c = 0xCC; }

    table t {
        key = {
            h.d.a : ternary;
            h.s[0].isValid() : exact;
        }
        actions = { hit_a; hit_b; miss; }
        const entries = {
            (0x10 &&& 0xF0, false) : hit_a(0x77);
            (0x20 &&& 0xF0, false) : hit_b();
            (_, true) : hit_b();
        }
        default_action = miss();
    }

    apply {
        sm.egress_spec = 1;
        if (h.d.op == 1) {
            swap(h.d.a, h.d.b);
        } else if (h.d.op == 2) {
            swap(h.d.a, h.d.a);
        } else if (h.d.op == 3) {
            peek(h.d.c);
        } else if (h.d.op == 4) {
            leave(h.d.a);
            h.d.b = 0xFF;               /* not reached */
        } else if (h.d.op == 5) {
            h.d.c = twice(h.d.a, h.d.b);
        } else if (h.d.op == 6) {
            switch (t.apply().action_run) {
                hit_a: { h.d.d = 1; }
                hit_b: { h.d.d = 2; }
                default: { h.d.d = 3; }
            }
        } else if (h.d.op == 7) {
            if (t.apply().hit) {
                h.d.d = 0x48;
            } else {
                h.d.d = 0x4D;
            }
        } else if (h.d.op == 8) {
            sub.apply(h.d.c, h.d.a);
        } else if (h.d.op == 9) {
            sub.apply(h.d.a, h.d.a);    /* inout and in aliased */
        } else if (h.d.op == 0x41) {
            h.s.push_front(1);
            h.s[0].setValid();
            h.s[0].v = 0x99;
        } else if (h.d.op == 0x42) {
            h.s.pop_front(1);
        } else if (h.d.op == 0x43) {
            m.idx = h.d.a;
            h.s[m.idx].v = 0x55;        /* run-time index */
            h.d.d = h.s[m.idx].v;
        }
    }
}

control E(inout headers h, inout metadata m, inout standard_metadata_t sm) { apply { } }
control CC(inout headers h, inout metadata m) { apply { } }

control D(packet_out pkt, in headers h) {
    apply {
        pkt.emit(h.d);
        pkt.emit(h.s);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
