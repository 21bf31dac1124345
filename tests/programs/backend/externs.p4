/*
 * v1model externs: registers, counters, meters, hash, checksums, random,
 * truncate, log_msg, assert, digest.  Driven by tests/unit/test_backend_externs.py.
 *
 * Input:  op_t { op, index, value (32 bits) }, then a payload.
 * Output (port 1): op_t, res_t with the results of the operation.
 */
#include <core.p4>
#include <v1model.p4>

header op_t {
    bit<8>  op;
    bit<8>  index;
    bit<32> value;
}

header res_t {
    bit<32> reg;        /* register value before the operation */
    bit<16> crc16;
    bit<32> crc32;
    bit<16> csum;
    bit<16> xor16;
    bit<16> ident;
    bit<8>  rnd;
    bit<8>  color;
    bit<16> hashmod;    /* base 100 + crc16 % 7 */
}

struct learn_t {
    bit<8>  index;
    bit<32> value;
}

struct headers { op_t op; res_t res; }
struct metadata { bit<8> unused; }

parser P(packet_in pkt, out headers h, inout metadata m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.op);
        transition accept;
    }
}

control VC(inout headers h, inout metadata m) { apply { } }

control I(inout headers h, inout metadata m, inout standard_metadata_t sm) {
    register<bit<32>>(16) regs;
    counter(16, CounterType.packets_and_bytes) pkts;
    meter(4, MeterType.packets) meters;

    apply {
        sm.egress_spec = 1;
        h.res.setValid();
        bit<32> old;
        regs.read(old, (bit<32>) h.op.index);
        h.res.reg = old;
        pkts.count((bit<32>) h.op.index);
        if (h.op.op == 1) {
            regs.write((bit<32>) h.op.index, h.op.value);
        } else if (h.op.op == 2) {
            regs.write((bit<32>) h.op.index, old + h.op.value);
        }
        hash(h.res.crc16, HashAlgorithm.crc16, 16w0, { h.op.value, h.op.index }, 32w65536);
        hash(h.res.crc32, HashAlgorithm.crc32, 32w0, { h.op.value, h.op.index }, 64w4294967296);
        hash(h.res.csum, HashAlgorithm.csum16, 16w0, { h.op.value, h.op.index }, 32w65536);
        hash(h.res.xor16, HashAlgorithm.xor16, 16w0, { h.op.value, h.op.index }, 32w65536);
        hash(h.res.ident, HashAlgorithm.identity, 16w0, { h.op.value[15:0] }, 32w65536);
        hash(h.res.hashmod, HashAlgorithm.crc16, 16w100, { h.op.value, h.op.index }, 16w7);
        random(h.res.rnd, 8w10, 8w20);
        bit<2> color;
        meters.execute_meter((bit<32>) h.op.index, color);
        h.res.color = (bit<8>) color;
        if (h.op.op == 3) {
            truncate(8);
        }
        if (h.op.op == 4) {
            log_msg("op4 index={} value={}", { h.op.index, h.op.value });
        }
        if (h.op.op == 5) {
            digest<learn_t>(1, { h.op.index, h.op.value });
        }
        if (h.op.op == 6) {
            assert(h.op.value == 0);
        }
        if (h.op.op == 7) {
            mark_to_drop(sm);
        }
    }
}

control E(inout headers h, inout metadata m, inout standard_metadata_t sm) { apply { } }

control CC(inout headers h, inout metadata m) { apply { } }

control D(packet_out pkt, in headers h) {
    apply {
        pkt.emit(h.op);
        pkt.emit(h.res);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
