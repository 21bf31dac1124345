/*
 * Fixed-width arithmetic at width W (compile with -D W=... -D WB=...,
 * WB the width rounded up to whole bytes).  The operands arrive in
 * byte-aligned bit<WB> fields and are cast to bit<W>/int<W>; every result
 * goes back zero-extended.  tests/unit/test_backend_arith.py checks the
 * results against Python integers.
 */
#include <core.p4>
#include <v1model.p4>

header in_t {
    bit<WB> a;
    bit<WB> b;
    bit<8>  s;      /* shift amount */
}

header out_t {
    bit<WB> add;
    bit<WB> sub;
    bit<WB> mul;
    bit<WB> band;
    bit<WB> bor;
    bit<WB> bxor;
    bit<WB> bnot;
    bit<WB> neg;
    bit<WB> shl;
    bit<WB> shr;
    bit<WB> slice;      /* a[W-1:1] */
    bit<WB> concat;     /* a[W-1:H] ++ b[H-1:0], H = W / 2 */
    bit<WB> mux;        /* a < b ? a : b */
    bit<8>  flags;      /* <, <=, ==, !=, >, >= (unsigned), then signed <, >= */
#if W <= 128
    bit<WB> div;
    bit<WB> mod;
    bit<WB> addsat;
    bit<WB> subsat;
    bit<WB> sadd;
    bit<WB> ssub;
    bit<WB> sshr;
    bit<WB> saddsat;
    bit<WB> ssubsat;
    bit<WB> sneg;
    bit<WB> sext;       /* (int<W+8>) sa, truncated back to WB bits */
#endif
}

struct headers { in_t i; out_t o; }
struct metadata { }

parser P(packet_in pkt, out headers h, inout metadata m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.i);
        transition accept;
    }
}

control VC(inout headers h, inout metadata m) { apply { } }

control I(inout headers h, inout metadata m, inout standard_metadata_t sm) {
    apply {
        bit<W> a = (bit<W>) h.i.a;
        bit<W> b = (bit<W>) h.i.b;
        h.o.setValid();
        h.o.add = (bit<WB>) (a + b);
        h.o.sub = (bit<WB>) (a - b);
        h.o.mul = (bit<WB>) (a * b);
        h.o.band = (bit<WB>) (a & b);
        h.o.bor = (bit<WB>) (a | b);
        h.o.bxor = (bit<WB>) (a ^ b);
        h.o.bnot = (bit<WB>) (~a);
        h.o.neg = (bit<WB>) (-a);
        h.o.shl = (bit<WB>) (a << h.i.s);
        h.o.shr = (bit<WB>) (a >> h.i.s);
        h.o.slice = (bit<WB>) a[W - 1:1];
        h.o.concat = (bit<WB>) (a[W - 1:W / 2] ++ b[W / 2 - 1:0]);
        h.o.mux = (bit<WB>) (a < b ? a : b);
        bit<1> lt = a < b ? 1w1 : 1w0;
        bit<1> le = (bit<1>) (a <= b);
        bit<1> eq = (bit<1>) (a == b);
        bit<1> ne = (bit<1>) (a != b);
        bit<1> gt = (bit<1>) (a > b);
        bit<1> ge = (bit<1>) (a >= b);
#if W <= 128
        int<W> sa = (int<W>) a;
        int<W> sb = (int<W>) b;
        bit<1> slt = (bit<1>) (sa < sb);
        bit<1> sge = (bit<1>) (sa >= sb);
        h.o.flags = lt ++ le ++ eq ++ ne ++ gt ++ ge ++ slt ++ sge;
        if (b != 0) {
            h.o.div = (bit<WB>) (a / b);
            h.o.mod = (bit<WB>) (a % b);
        }
        h.o.addsat = (bit<WB>) (a |+| b);
        h.o.subsat = (bit<WB>) (a |-| b);
        h.o.sadd = (bit<WB>) (bit<W>) (sa + sb);
        h.o.ssub = (bit<WB>) (bit<W>) (sa - sb);
        h.o.sshr = (bit<WB>) (bit<W>) (sa >> h.i.s);
        h.o.saddsat = (bit<WB>) (bit<W>) (sa |+| sb);
        h.o.ssubsat = (bit<WB>) (bit<W>) (sa |-| sb);
        h.o.sneg = (bit<WB>) (bit<W>) (-sa);
        int<W8> wide = (int<W8>) sa;
        h.o.sext = (bit<WB>) (bit<W8>) wide;
#else
        h.o.flags = lt ++ le ++ eq ++ ne ++ gt ++ ge ++ 2w0;
#endif
        sm.egress_spec = 1;
    }
}

control E(inout headers h, inout metadata m, inout standard_metadata_t sm) { apply { } }
control CC(inout headers h, inout metadata m) { apply { } }

control D(packet_out pkt, in headers h) {
    apply {
        pkt.emit(h.i);
        pkt.emit(h.o);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
