/*
 * The lookup hint (ovsp4/compiler/backend/hint.py): the first table ingress
 * applies is prefetched for a whole batch before its packets run one by
 * one; whatever the hint does, the packets' fate must not change.  Also
 * the one-pass deparse over the parsed headers, with headers that stay,
 * shrink and grow.  Driven by tests/unit/test_backend_hint.py.
 *
 *   KEY_META       the table's key is metadata that ingress writes before
 *                  applying it: the hint's key (computed right after the
 *                  parser) is stale, and every prefetch is a wrong guess
 *   IMPURE_PARSER  the parser logs: no hint at all
 *   SUB_FIRST      a sub-control applies a table first: no hint
 *   SMALL          the table is declared small (cache-resident): no hint
 */
#include <core.p4>
#include <v1model.p4>

header eth_t {
    bit<48> dst;
    bit<48> src;
    bit<16> type;
}

header tag_t {
    bit<16> id;
    bit<16> type;
}

header ip_t {
    bit<32> dst;
    bit<8>  ttl;
    bit<8>  op;         /* 1: push a tag, 2: pop it */
}

struct headers {
    eth_t eth;
    tag_t tag;
    ip_t  ip;
}

struct metadata {
    bit<32> dst;
}

parser P(packet_in pkt, out headers h, inout metadata m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.eth);
#ifdef IMPURE_PARSER
        log_msg("parsing");
#endif
        transition select(h.eth.type) {
            0x8100: parse_tag;
            0x0800: parse_ip;
            default: accept;
        }
    }
    state parse_tag {
        pkt.extract(h.tag);
        transition select(h.tag.type) {
            0x0800: parse_ip;
            default: accept;
        }
    }
    state parse_ip {
        pkt.extract(h.ip);
        transition accept;
    }
}

control VC(inout headers h, inout metadata m) { apply { } }

control Sub(inout headers h, inout standard_metadata_t sm) {
    action nop() { }
    table first {
        key = { h.eth.src : exact; }
        actions = { nop; }
        default_action = nop();
    }
    apply { first.apply(); }
}

control I(inout headers h, inout metadata m, inout standard_metadata_t sm) {
    direct_counter(CounterType.packets_and_bytes) hits;
    Sub() sub;

    action forward(bit<9> port, bit<48> dst) {
        sm.egress_spec = port;
        h.eth.dst = dst;
        h.ip.ttl = h.ip.ttl - 1;
    }
    action drop() {
        mark_to_drop(sm);
    }
    table routes {
        key = {
#ifdef KEY_META
            m.dst : lpm;
#else
            h.ip.dst : lpm;
#endif
        }
        actions = { forward; drop; }
        default_action = drop();
        counters = hits;
#ifdef SMALL
        size = 1024;
#else
        size = 16384;
#endif
    }
    apply {
#ifdef SUB_FIRST
        sub.apply(h, sm);
#endif
        m.dst = h.ip.dst;
        if (h.ip.isValid()) {
            routes.apply();
            if (h.ip.op == 1 && !h.tag.isValid()) {
                h.tag.setValid();
                h.tag.id = 7;
                h.tag.type = h.eth.type;
                h.eth.type = 0x8100;
            } else if (h.ip.op == 2 && h.tag.isValid()) {
                h.eth.type = h.tag.type;
                h.tag.setInvalid();
            }
        } else {
            mark_to_drop(sm);
        }
    }
}

control E(inout headers h, inout metadata m, inout standard_metadata_t sm) { apply { } }

control CC(inout headers h, inout metadata m) { apply { } }

control D(packet_out pkt, in headers h) {
    apply {
        pkt.emit(h.eth);
        pkt.emit(h.tag);
        pkt.emit(h.ip);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
