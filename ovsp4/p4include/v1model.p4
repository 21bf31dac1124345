/*
 * OvS.p4 standard include file, declares the v1model architecture API.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * v1model is the architecture of BMv2's simple_switch, the one most P4_16
 * programs (p4c's samples, the P4 tutorials) are written for.  A program
 * uses it with `#include <v1model.p4>` and instantiates the V1Switch
 * package at the end of this file as `main`.
 *
 * The names, parameter names and directions, type parameters, annotations
 * and member orders are those of the reference compiler's include file, so
 * that programs written for p4c compile unchanged and produce the same
 * P4Info.  The comments are ours.  See Documentation/architectures.md.
 *
 * Versions.  A program may `#define V1MODEL_VERSION <yyyymmdd>` before
 * including this file; without it the file declares version 20180101.
 * Versions 20200408 and later differ from 20180101 in three ways, marked
 * `#if V1MODEL_VERSION >= 20200408` below:
 *   - the port fields of standard_metadata_t have the type PortId_t
 *     (a typedef of bit<9>) instead of bit<9>;
 *   - counter and meter take a type parameter I, the type of their index,
 *     instead of a fixed bit<32> index;
 *   - register takes a second type parameter I, the type of its index.
 * The value chosen is available to the program as __v1model_version.
 */

#ifndef _V1_MODEL_P4_
#define _V1_MODEL_P4_

#include "core.p4"

#ifndef V1MODEL_VERSION
#define V1MODEL_VERSION 20180101
#endif

/* Match kinds v1model adds to exact/ternary/lpm. */
match_kind {
    range,      /* lo <= value <= hi */
    optional,   /* exact match, or wildcard (any value) */
    selector    /* key fields hashed to pick a member of an action selector */
}

const bit<32> __v1model_version = V1MODEL_VERSION;

#if V1MODEL_VERSION >= 20200408
typedef bit<9>  PortId_t;
#endif

/*
 * Per-packet intrinsic metadata.  The controls receive it as their
 * `standard_metadata` parameter.  @alias gives the name BMv2 uses for the
 * field internally.
 *
 * Port numbers are 9 bits wide; port 511 drops the packet (see
 * mark_to_drop).
 */
@metadata @name("standard_metadata")
struct standard_metadata_t {
#if V1MODEL_VERSION >= 20200408
    PortId_t    ingress_port;   /* port the packet arrived on */
    PortId_t    egress_spec;    /* set in ingress: port to send to */
    PortId_t    egress_port;    /* in egress: port being sent to */
#else
    bit<9>      ingress_port;
    bit<9>      egress_spec;
    bit<9>      egress_port;
#endif
    bit<32>     instance_type;  /* normal, clone, resubmit, recirculate... */
    bit<32>     packet_length;  /* in bytes */

    /* Queueing information, valid in egress. */
    @alias("queueing_metadata.enq_timestamp")
    bit<32> enq_timestamp;
    @alias("queueing_metadata.enq_qdepth")
    bit<19> enq_qdepth;
    @alias("queueing_metadata.deq_timedelta")
    bit<32> deq_timedelta;
    @alias("queueing_metadata.deq_qdepth")
    bit<19> deq_qdepth;

    /* Timestamps, in microseconds. */
    @alias("intrinsic_metadata.ingress_global_timestamp")
    bit<48> ingress_global_timestamp;
    @alias("intrinsic_metadata.egress_global_timestamp")
    bit<48> egress_global_timestamp;

    /* Set in ingress: multicast group to replicate to (0: none). */
    @alias("intrinsic_metadata.mcast_grp")
    bit<16> mcast_grp;
    /* In egress: replication id of this copy of a multicast packet. */
    @alias("intrinsic_metadata.egress_rid")
    bit<16> egress_rid;

    /* 1 when a verify_checksum() call found a wrong checksum. */
    bit<1>  checksum_error;
    /* The error the parser ended with (error.NoError if none). */
    error   parser_error;

    /* Packet priority (egress queue). */
    @alias("intrinsic_metadata.priority")
    bit<3>  priority;
}

enum CounterType {
    packets,
    bytes,
    packets_and_bytes
}

enum MeterType {
    packets,
    bytes
}

/* An array of `size` counters, updated by index. */
extern counter
#if V1MODEL_VERSION >= 20200408
<I>
#endif
{
    counter(bit<32> size, CounterType type);
    /* Add this packet to counter `index`; out of range: no effect. */
#if V1MODEL_VERSION >= 20200408
    void count(in I index);
#else
    void count(in bit<32> index);
#endif
}

/* One counter per entry of the table whose `counters` property names it. */
extern direct_counter {
    direct_counter(CounterType type);
    /* Optional: the entry's counter is updated on every hit anyway. */
    void count();
}

/* Colour values written by meter.execute_meter and direct_meter.read. */
#define V1MODEL_METER_COLOR_GREEN  0
#define V1MODEL_METER_COLOR_YELLOW 1
#define V1MODEL_METER_COLOR_RED    2

/* An array of `size` two-rate three-colour meters (RFC 2698). */
extern meter
#if V1MODEL_VERSION >= 20200408
<I>
#endif
{
    meter(bit<32> size, MeterType type);
    /* Run meter `index` on this packet and write its colour to `result`
     * (a bit<W>, W >= 2): 0 green, 1 yellow, 2 red. */
#if V1MODEL_VERSION >= 20200408
    void execute_meter<T>(in I index, out T result);
#else
    void execute_meter<T>(in bit<32> index, out T result);
#endif
}

/* One meter per entry of the table whose `meters` property names it. */
extern direct_meter<T> {
    direct_meter(MeterType type);
    /* In an action of that table: the colour of the matched entry's meter. */
    void read(out T result);
}

/* An array of `size` values of type T that persist across packets. */
#if V1MODEL_VERSION >= 20200408
extern register<T, I>
#else
extern register<T>
#endif
{
    register(bit<32> size);
    /* Element `index` into `result` (unspecified when out of range). */
    @noSideEffects
#if V1MODEL_VERSION >= 20200408
    void read(out T result, in I index);
#else
    void read(out T result, in bit<32> index);
#endif
    /* `value` into element `index` (no effect when out of range). */
#if V1MODEL_VERSION >= 20200408
    void write(in I index, in T value);
#else
    void write(in bit<32> index, in T value);
#endif
}

/* Table `implementation`: entries point to shared action members. */
extern action_profile {
    action_profile(bit<32> size);
}

/* A random value in [lo, hi], both inclusive, into `result`. */
extern void random<T>(out T result, in T lo, in T hi);

/* Send `data` to the control plane as a digest.  When T is a named struct
 * its name names the digest in P4Info.  `receiver` is ignored by
 * P4Runtime targets. */
extern void digest<T>(in bit<32> receiver, in T data);

enum HashAlgorithm {
    crc32,
    crc32_custom,
    crc16,
    crc16_custom,
    random,
    identity,
    csum16,
    xor16
}

/* Old form, reads and writes standard_metadata implicitly. */
@deprecated("Please use mark_to_drop(standard_metadata) instead.")
extern void mark_to_drop();

/* Set egress_spec to the drop port (511) and mcast_grp to 0.  Later
 * assignments to those fields undo it. */
@pure
extern void mark_to_drop(inout standard_metadata_t standard_metadata);

/* result = base + (hash of data) % max, or base when max == 0.
 * O, T, M: bit<W>; D: a tuple (or struct) of bit/int/varbit fields. */
@pure
extern void hash<O, T, D, M>(out O result, in HashAlgorithm algo, in T base, in D data, in M max);

/* Table `implementation`: an action profile whose groups are chosen from
 * by a hash of the table's `selector` key fields. */
extern action_selector {
    action_selector(HashAlgorithm algorithm, bit<32> size, bit<32> outputWidth);
}

enum CloneType {
    I2E,    /* clone from ingress to egress */
    E2E     /* clone from egress to egress */
}

@deprecated("Please use verify_checksum/update_checksum instead.")
extern Checksum16 {
    Checksum16();
    bit<16> get<D>(in D data);
}

/*
 * Checksums, only in the VerifyChecksum/ComputeChecksum controls.
 * T: a tuple (or struct) of bit/int/varbit fields, in total a multiple of
 * the checksum's width; O: bit<W>; algo: a compile-time constant.  Nothing
 * happens when `condition` is false.  The _with_payload forms also cover
 * the bytes after the last parsed header.
 */

/* Set standard_metadata.checksum_error when `checksum` is wrong. */
extern void verify_checksum<T, O>(in bool condition, in T data, in O checksum, HashAlgorithm algo);

/* Compute the checksum of `data` into `checksum`. */
@pure
extern void update_checksum<T, O>(in bool condition, in T data, inout O checksum, HashAlgorithm algo);

extern void verify_checksum_with_payload<T, O>(in bool condition, in T data, in O checksum, HashAlgorithm algo);

@noSideEffects
extern void update_checksum_with_payload<T, O>(in bool condition, in T data, inout O checksum, HashAlgorithm algo);

/*
 * Packet replication.  The *_preserving_field_list forms carry over to the
 * new packet those user metadata fields annotated @field_list(index); the
 * older forms name the preserved data directly and are deprecated.
 */

/* Clone the packet to mirror session `session` (ingress: I2E, egress: E2E). */
extern void clone(in CloneType type, in bit<32> session);

@deprecated("Please use 'resubmit_preserving_field_list' instead")
extern void resubmit<T>(in T data);

/* In ingress: run the original packet through ingress again. */
extern void resubmit_preserving_field_list(bit<8> index);

@deprecated("Please use 'recirculate_preserving_field_list' instead")
extern void recirculate<T>(in T data);

/* In egress: send the deparsed packet back to the parser. */
extern void recirculate_preserving_field_list(bit<8> index);

@deprecated("Please use 'clone_preserving_field_list' instead")
extern void clone3<T>(in CloneType type, in bit<32> session, in T data);

extern void clone_preserving_field_list(in CloneType type, in bit<32> session, bit<8> index);

/* Send at most `length` bytes of the packet. */
extern void truncate(in bit<32> length);

/* Debugging aids.  assert: stop with an error when `check` is false;
 * assume: the same, and a hint for formal tools that it holds. */
extern void assert(in bool check);

extern void assume(in bool check);

/* Log a message; "{}" in `msg` are replaced by the members of `data`. */
extern void log_msg(string msg);
extern void log_msg<T>(string msg, in T data);

/*
 * The programmable blocks.  H: a struct of headers, header stacks and
 * header unions; M: a struct of user metadata.  The name
 * `standard_metadata` is reserved.
 */

parser Parser<H, M>(packet_in b,
                    out H parsedHdr,
                    inout M meta,
                    inout standard_metadata_t standard_metadata);

/* Body: verify_checksum*() calls only. */
control VerifyChecksum<H, M>(inout H hdr,
                             inout M meta);

@pipeline
control Ingress<H, M>(inout H hdr,
                      inout M meta,
                      inout standard_metadata_t standard_metadata);

@pipeline
control Egress<H, M>(inout H hdr,
                     inout M meta,
                     inout standard_metadata_t standard_metadata);

/* Body: update_checksum*() calls only. */
control ComputeChecksum<H, M>(inout H hdr,
                              inout M meta);

/* Body: packet_out.emit() calls only. */
@deparser
control Deparser<H>(packet_out b, in H hdr);

package V1Switch<H, M>(Parser<H, M> p,
                       VerifyChecksum<H, M> vr,
                       Ingress<H, M> ig,
                       Egress<H, M> eg,
                       ComputeChecksum<H, M> ck,
                       Deparser<H> dep
                       );

#endif  /* _V1_MODEL_P4_ */
