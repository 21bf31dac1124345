/*
 * Parser semantics as BMv2 simple_switch's (parse.stf): errors reach
 * ingress in standard_metadata.parser_error with the headers extracted
 * so far; an explicit reject and a select without a matching case end
 * parsing without an error; header stacks, unions, lookahead, advance,
 * varbit, select masks, ranges and tuples.
 *
 * Output: res_t, then the headers that are valid, then the unparsed rest.
 */
#include <core.p4>
#include <v1model.p4>

error { Custom }

header kind_t { bit<8> kind; }
header byte_t { bit<8> v; }
header word_t { bit<16> v; }
header vl_t { bit<8> len; varbit<32> data; }
header_union u_t { byte_t b; word_t w; }

header res_t {
    bit<8> err;         /* parser_error as a number */
    bit<8> valid;       /* st[0], st[1], st[2], u.b, u.w, vl, tail valid bits */
    bit<8> la;          /* lookahead / state counter */
}

struct headers {
    res_t res;
    kind_t k;
    byte_t[3] st;
    u_t u;
    vl_t vl;
    byte_t tail;
}

struct metadata { bit<8> la; }

parser SubP(packet_in pkt, inout headers h) {
    state start {
        pkt.extract(h.tail);
        transition select(h.tail.v) {
            0xEE: reject;
            default: accept;
        }
    }
}

parser P(packet_in pkt, out headers h, inout metadata m, inout standard_metadata_t sm) {
    SubP() sub;
    state start {
        pkt.extract(h.k);
        transition select(h.k.kind) {
            1: stack;
            2: union_b;
            3: union_w;
            4: look;
            5: vlen;
            6: failing;
            7: explicit_reject;
            8: subparser;
            0x10 &&& 0xF0: masked;
            0x20 .. 0x2F: ranged;
            0x30: tuples;
            /* no default: anything else ends parsing without error */
        }
    }
    state stack {
        pkt.extract(h.st.next);
        transition select(h.st.last.v) {
            0: accept;
            default: stack;     /* a 4th element: StackOutOfBounds */
        }
    }
    state union_b { pkt.extract(h.u.b); transition union_again; }
    state union_w { pkt.extract(h.u.w); transition union_again; }
    state union_again {
        /* a second member extracted invalidates the first */
        transition select(pkt.lookahead<bit<8>>()) {
            0xBB: union_b2;
            default: accept;
        }
    }
    state union_b2 { pkt.extract(h.u.b); transition accept; }
    state look {
        m.la = pkt.lookahead<bit<8>>();
        pkt.advance(8);
        pkt.extract(h.tail);
        transition accept;
    }
    state vlen {
        pkt.extract(h.vl, (bit<32>) pkt.lookahead<bit<8>>() * 8);
        transition accept;
    }
    state failing {
        pkt.extract(h.tail);
        verify(h.tail.v == 0, error.Custom);
        transition accept;
    }
    state explicit_reject {
        pkt.extract(h.tail);
        transition reject;
    }
    state subparser {
        sub.apply(pkt, h);
        m.la = 1;               /* not reached when the sub-parser rejects */
        transition accept;
    }
    state masked { m.la = 0x10; transition accept; }
    state ranged { m.la = 0x20; transition accept; }
    state tuples {
        pkt.extract(h.tail);
        transition select(h.k.kind, h.tail.v) {
            (0x30, 0x01 &&& 0x0F): t1;
            (_, 0x02 .. 0x05): t2;
            (0x30, default): t3;
        }
    }
    state t1 { m.la = 1; transition accept; }
    state t2 { m.la = 2; transition accept; }
    state t3 { m.la = 3; transition accept; }
}

control VC(inout headers h, inout metadata m) { apply { } }

control I(inout headers h, inout metadata m, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = 1;
        h.res.setValid();
        if (sm.parser_error == error.NoError) { h.res.err = 0; }
        else if (sm.parser_error == error.PacketTooShort) { h.res.err = 1; }
        else if (sm.parser_error == error.NoMatch) { h.res.err = 2; }
        else if (sm.parser_error == error.StackOutOfBounds) { h.res.err = 3; }
        else if (sm.parser_error == error.HeaderTooShort) { h.res.err = 4; }
        else if (sm.parser_error == error.ParserTimeout) { h.res.err = 5; }
        else if (sm.parser_error == error.ParserInvalidArgument) { h.res.err = 6; }
        else if (sm.parser_error == error.Custom) { h.res.err = 7; }
        else { h.res.err = 0xFF; }
        h.res.valid = (bit<1>) h.st[0].isValid() ++ (bit<1>) h.st[1].isValid()
                      ++ (bit<1>) h.st[2].isValid() ++ (bit<1>) h.u.b.isValid()
                      ++ (bit<1>) h.u.w.isValid() ++ (bit<1>) h.vl.isValid()
                      ++ (bit<1>) h.tail.isValid() ++ 1w0;
        h.res.la = m.la;
    }
}

control E(inout headers h, inout metadata m, inout standard_metadata_t sm) { apply { } }
control CC(inout headers h, inout metadata m) { apply { } }

control D(packet_out pkt, in headers h) {
    apply {
        pkt.emit(h);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
