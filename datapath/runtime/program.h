/*
 * OvS.p4 runtime: what a generated program gives the runtime.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * ovs-p4c generates, for each P4 program, C code that defines one constant
 * `struct ovsp4_program` describing the program's control-plane objects
 * (with their P4Info ids) and its packet-processing entry point.  The
 * runtime builds the pipeline ABI (ovsp4/pipeline.h) around it, generically:
 * instance and thread management, the control protocol
 * (Documentation/control-protocol.md) over tables, counters, meters,
 * registers, the packet replication engine, value sets and digests, and the
 * event queue.  The generated code never parses a control message; the
 * runtime never knows a header layout.
 *
 * Object indices.  Generated code refers to runtime objects by their index
 * in the program's arrays (tables[3], counters[0], ...); the control plane
 * refers to them by P4Info id.
 *
 * Action ids.  Table entries and default actions hold the action's P4Info
 * id in ovsp4_action.id (the runtime translates the action indices of the
 * descriptors' const entries and default actions), so generated code
 * dispatches on P4Info ids.  In tables with an action profile, an entry's
 * action is a reference to a member or group instead: see
 * ovsp4_rt_action_profile_resolve().
 *
 * Byte strings.  Action data, register cells, digests and controller
 * header fields are sequences of big-endian values of ceil(bits / 8) bytes
 * each, in declaration order, with the bits above the width zero.
 */

#ifndef OVSP4_RT_PROGRAM_H
#define OVSP4_RT_PROGRAM_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "ovsp4/pipeline.h"
#include "table.h"

struct ovsp4_rt_instance;       /* the runtime's ovsp4_instance */
struct ovsp4_rt_thread;         /* the runtime's ovsp4_thread */

/* --- Descriptors --------------------------------------------------------- */

/* An action as the control plane sees it: its parameters are packed in the
 * action data, each big-endian in ceil(bits / 8) bytes, in order. */
struct ovsp4_prog_action {
    const char *name;           /* P4Info name */
    uint32_t id;                /* P4Info id */
    uint32_t n_params;
    const uint32_t *param_ids;  /* P4Info param ids */
    const uint32_t *param_bits; /* widths */
    uint32_t data_size;         /* sum of ceil(bits / 8) */
};

enum ovsp4_action_scope {
    OVSP4_SCOPE_TABLE_AND_DEFAULT = 0,
    OVSP4_SCOPE_TABLE_ONLY = 1,
    OVSP4_SCOPE_DEFAULT_ONLY = 2,
};

/* A constant entry (`entries = { ... }`), in the runtime's match form. */
struct ovsp4_prog_entry {
    const struct ovsp4_field_match *fields;
    int32_t priority;
    uint32_t action;            /* index in the program's actions */
    const uint8_t *data;        /* the action's data_size bytes */
};

struct ovsp4_prog_table {
    const char *name;           /* P4Info name */
    uint32_t id;                /* P4Info id */
    uint32_t size;              /* P4Info size */
    uint32_t key_len;
    uint32_t n_fields;
    const struct ovsp4_field_desc *fields;
    const uint32_t *field_ids;  /* P4Info match field ids */
    uint32_t n_actions;
    const uint32_t *actions;    /* indices in the program's actions */
    const uint8_t *scopes;      /* enum ovsp4_action_scope, per action */
    uint32_t action_data_size;  /* the largest action's data_size */
    uint32_t default_action;    /* index in the program's actions */
    const uint8_t *default_data;
    bool default_const;
    bool entries_const;         /* `const entries`: no writes at all */
    bool has_priority;          /* TERNARY, RANGE or OPTIONAL fields */
    bool idle_timeout;          /* support_timeout = true */
    uint32_t n_entries;
    const struct ovsp4_prog_entry *entries;
    int32_t action_profile;     /* index, or -1 */
    int32_t direct_counter;     /* index in counters, or -1 */
    int32_t direct_meter;       /* index in meters, or -1 */
};

enum ovsp4_counter_unit {
    OVSP4_UNIT_PACKETS = 1,
    OVSP4_UNIT_BYTES = 2,
    OVSP4_UNIT_BOTH = 3,
};

struct ovsp4_prog_counter {
    const char *name;
    uint32_t id;
    uint32_t size;              /* 0 for a direct counter */
    uint8_t unit;               /* enum ovsp4_counter_unit */
    int32_t direct_table;       /* index, or -1 */
};

struct ovsp4_prog_meter {
    const char *name;
    uint32_t id;
    uint32_t size;              /* 0 for a direct meter */
    uint8_t unit;               /* OVSP4_UNIT_PACKETS or _BYTES */
    int32_t direct_table;
};

struct ovsp4_prog_register {
    const char *name;
    uint32_t id;
    uint32_t size;              /* cells */
    uint32_t bits;              /* cell width */
};

struct ovsp4_prog_action_profile {
    const char *name;
    uint32_t id;
    uint32_t size;
    bool with_selector;
    uint32_t max_group_size;    /* 0: no limit but size */
    uint32_t n_tables;
    const uint32_t *tables;     /* indices */
};

/* A parser value set; its P4Info match fields have the ids 1..n_fields (as
 * p4c numbers them), in order. */
struct ovsp4_prog_value_set {
    const char *name;
    uint32_t id;
    uint32_t size;
    uint32_t key_len;
    uint32_t n_fields;
    const struct ovsp4_field_desc *fields;
};

/* A digest: its data is the struct's members, each big-endian in
 * ceil(bits / 8) bytes, in order (data_size bytes in all). */
struct ovsp4_prog_digest {
    const char *name;
    uint32_t id;
    uint32_t data_size;         /* bytes of one serialised digest */
    uint32_t n_members;
    const uint32_t *member_bits;        /* struct members, in order */
};

/* A @controller_header header: packet-in/out metadata fields. */
struct ovsp4_prog_controller_header {
    const char *name;           /* "packet_in", "packet_out" */
    uint32_t id;
    uint32_t n_fields;
    const uint32_t *field_ids;
    const uint32_t *field_bits;
};

struct ovsp4_program {
    uint32_t abi_version;       /* OVSP4_ABI_VERSION */
    const char *name;
    const char *arch;
    const uint8_t *p4info;
    size_t p4info_len;

    uint32_t n_actions, n_tables, n_counters, n_meters, n_registers;
    uint32_t n_action_profiles, n_value_sets, n_digests;
    const struct ovsp4_prog_action *actions;
    const struct ovsp4_prog_table *tables;
    const struct ovsp4_prog_counter *counters;
    const struct ovsp4_prog_meter *meters;
    const struct ovsp4_prog_register *registers;
    const struct ovsp4_prog_action_profile *action_profiles;
    const struct ovsp4_prog_value_set *value_sets;
    const struct ovsp4_prog_digest *digests;
    const struct ovsp4_prog_controller_header *packet_in;   /* or NULL */
    const struct ovsp4_prog_controller_header *packet_out;  /* or NULL */

    /* Runs packets pkts[0..n-1], the batch's inputs first..first+n-1, one
     * after the other through the whole architecture (v1model: parser,
     * verifyChecksum, ingress, the packet replication engine, egress for
     * each copy, computeChecksum, deparser; resubmit and recirculate),
     * appending outputs with ovsp4_rt_output() or ovsp4_rt_output_input().
     * It sets ovsp4_rt_hot.cur_input to each packet's input index before
     * it runs it.  n <= OVSP4_RT_MAX_BATCH. */
    void (*process)(struct ovsp4_rt_thread *, struct ovsp4_packet *pkts,
                    uint32_t n, uint32_t first);

    /* Optional (NULL: none): the lookup hint of a chunk of a batch.
     * process_batch calls it with the chunk's input packets (at most
     * OVSP4_RT_PREFETCH_CHUNK) before it runs process() on them.  It may
     * read the packets, prefetch (ovsp4_table_prefetch()) and look up
     * (ovsp4_rt_hot's hint), nothing else: no side effect on packets,
     * tables, counters, registers, outputs or events.  ovs-p4c's hint.py
     * says what it generates. */
    void (*prefetch)(struct ovsp4_rt_thread *, const struct ovsp4_packet *,
                     uint32_t n);
};

/* --- Services the runtime gives generated code (packet path) ------------- */

#define OVSP4_RT_MAX_BATCH 256          /* packets per process_batch() */
#define OVSP4_RT_PREFETCH_CHUNK 32      /* packets per lookup hint */
#define OVSP4_RT_HINT_KEY_MAX 64        /* bytes of a hinted key */

/* What generated code reads and writes directly on the packet path: the
 * first member of every runtime thread, so that a thread pointer is a
 * pointer to it (ovsp4_rt_hot()).  Set up by the runtime for each batch;
 * generated code only writes `cur_input` and, through
 * ovsp4_rt_output_input(), the outputs. */
struct ovsp4_rt_hot {
    const struct ovsp4_rt_objects *objs;
    uint64_t now;                       /* ns, per batch */
    uint32_t cur_input;                 /* the input being processed */
    uint32_t cpu_port;                  /* the instance's CPU port, 0: none */
    struct ovsp4_packet *pkts;          /* the batch's inputs */
    uint32_t n_pkts;
    uint32_t n_out, max_out;
    struct ovsp4_output *out;
    uint64_t in_place[OVSP4_RT_MAX_BATCH / 64]; /* inputs sent in place */

    /* The lookup hint's results for the chunk about to be processed: the
     * program's `prefetch` may look up a table for the chunk's packets
     * (hint_key[i], hint_entry[i] for packet i < hint_n) so that `process`
     * need not, when it builds the same key.  The runtime sets hint_n to 0
     * after each chunk: entries are only good until the thread's next
     * quiescent point, and the table may change in between. */
    uint32_t hint_n;
    const struct ovsp4_entry *hint_entry[OVSP4_RT_PREFETCH_CHUNK];
    uint8_t hint_key[OVSP4_RT_PREFETCH_CHUNK][OVSP4_RT_HINT_KEY_MAX];
};

static inline struct ovsp4_rt_hot *
ovsp4_rt_hot(struct ovsp4_rt_thread *t)
{
    return (struct ovsp4_rt_hot *) t;
}

/* The object tables of a running instance, as generated code reaches them
 * through its thread. */
struct ovsp4_rt_objects {
    struct ovsp4_table **tables;
    struct ovsp4_rt_counter **counters;
    struct ovsp4_rt_meter **meters;
    struct ovsp4_rt_register **registers;
    struct ovsp4_rt_value_set **value_sets;
};

static inline const struct ovsp4_rt_objects *
ovsp4_rt_objects(struct ovsp4_rt_thread *t)
{
    return ovsp4_rt_hot(t)->objs;
}

static inline uint64_t
ovsp4_rt_now(struct ovsp4_rt_thread *t)     /* ns, per batch */
{
    return ovsp4_rt_hot(t)->now;
}

/* Outputs a packet (copied into the thread's scratch unless it is the
 * input buffer itself or already lies in the scratch space).  At most one
 * output per input packet is sent in place: a second in-place output of
 * the same input is copied.  An output to the instance's CPU port
 * (ovsp4_instance_config.cpu_port, when not 0) becomes a packet-in event:
 * the first bytes are the program's packet_in @controller_header (its
 * fields packed bit by bit) when the program has one, the rest is the
 * payload.  Outputs that do not fit (the caller's output array or the
 * scratch space is full) are dropped and counted. */
void ovsp4_rt_output(struct ovsp4_rt_thread *, uint16_t input_index,
                     const uint8_t *data, uint32_t len, uint32_t port,
                     bool in_place);

/* ovsp4_rt_output(t, input, data, len, port, true) for `data` in input
 * `input`'s own buffer, with the common case inline: not to the CPU port,
 * room in the output array, the first in-place output of that input. */
static inline void
ovsp4_rt_output_input(struct ovsp4_rt_thread *t, uint16_t input,
                      const uint8_t *data, uint32_t len, uint32_t port)
{
    struct ovsp4_rt_hot *h = ovsp4_rt_hot(t);
    uint64_t bit = UINT64_C(1) << (input % 64);

    if (__builtin_expect(port != h->cpu_port && h->n_out < h->max_out
                         && input < h->n_pkts
                         && !(h->in_place[input / 64] & bit), 1)) {
        struct ovsp4_output *o = &h->out[h->n_out++];

        h->in_place[input / 64] |= bit;
        o->data = data;
        o->len = len;
        o->port = port;
        o->input = input;
        o->kind = OVSP4_OUT_PORT;
        o->in_place = true;
        return;
    }
    ovsp4_rt_output(t, input, data, len, port, true);
}

/* Scratch space for building a packet; valid until the next batch. */
uint8_t *ovsp4_rt_scratch(struct ovsp4_rt_thread *, uint32_t len);

/* The instance's CPU port (0: none). */
uint32_t ovsp4_rt_cpu_port(struct ovsp4_rt_thread *);

/* Counters and meters (index = cell).  An index out of range is ignored
 * (counters) or gives GREEN (meters).  Meters are two-rate three-colour
 * markers (RFC 2698, colour-blind, as BMv2's); a meter cell the control
 * plane has not configured marks every packet GREEN. */
#define OVSP4_METER_GREEN 0u
#define OVSP4_METER_YELLOW 1u
#define OVSP4_METER_RED 2u

void ovsp4_rt_counter_count(struct ovsp4_rt_counter *, uint32_t index,
                            uint32_t bytes);
/* Returns the colour: 0 green, 1 yellow, 2 red (v1model's encoding). */
uint32_t ovsp4_rt_meter_execute(struct ovsp4_rt_meter *, uint32_t index,
                                uint32_t bytes, uint64_t now_ns);
uint32_t ovsp4_rt_direct_meter_execute(const struct ovsp4_entry *,
                                       struct ovsp4_rt_meter *,
                                       uint32_t bytes, uint64_t now_ns);

/* Registers: cells of `bits` bits, read and written as big-endian byte
 * strings of ceil(bits / 8) bytes (or as uint64_t for bits <= 64; for
 * wider registers read64/write64 see the low 64 bits).  Reads out of range
 * give zero, writes out of range are ignored.  Each 64-bit word of a cell
 * is accessed atomically; a cell wider than 64 bits written by one thread
 * while another reads it may be seen half-written (as without @atomic on
 * BMv2). */
uint64_t ovsp4_rt_register_read64(struct ovsp4_rt_register *, uint32_t index);
void ovsp4_rt_register_write64(struct ovsp4_rt_register *, uint32_t index,
                               uint64_t value);
void ovsp4_rt_register_read(struct ovsp4_rt_register *, uint32_t index,
                            uint8_t *out);
void ovsp4_rt_register_write(struct ovsp4_rt_register *, uint32_t index,
                             const uint8_t *in);

/* Value sets: true if `key` (the set's key_len bytes, laid out as a table
 * key) matches a member. */
bool ovsp4_rt_value_set_match(const struct ovsp4_rt_value_set *,
                              const uint8_t *key);

/* The packet replication engine.  Multicast group replicas and clone
 * sessions are configured by the control plane. */
struct ovsp4_rt_replica {
    uint32_t port;
    uint32_t rid;               /* egress_rid */
};
/* Replicas of a multicast group; *n = 0 for an unknown or empty group. */
const struct ovsp4_rt_replica *ovsp4_rt_mcast_group(struct ovsp4_rt_thread *,
                                                    uint32_t group,
                                                    uint32_t *n);
struct ovsp4_rt_clone_session {
    uint32_t n_replicas;
    const struct ovsp4_rt_replica *replicas;
    uint32_t class_of_service;
    uint32_t truncate_len;      /* 0: whole packet */
};
/* NULL for a session the control plane has not configured. */
const struct ovsp4_rt_clone_session *ovsp4_rt_clone_session(
    struct ovsp4_rt_thread *, uint32_t session);

/* Action profiles and selectors.  In a table whose descriptor has an
 * action_profile, an entry's action (ovsp4_entry_action()) is a reference
 * to a member or a group, recognised by ovsp4_action_is_ref(); the table's
 * default action is always a direct action.  Generated code resolves a
 * reference to the member's action -- P4Info action id and action data,
 * laid out as the action's own data_size bytes -- with
 *
 *     const struct ovsp4_action *a = ovsp4_entry_action(e);
 *     if (ovsp4_action_is_ref(a)) {
 *         a = ovsp4_rt_action_profile_resolve(a, hash);
 *         if (!a) { ...treat as a miss: run the default action... }
 *     }
 *
 * where `hash` is the selector's hash of the selector fields (ignored for
 * a member reference; for a group, the member is the (hash % n)-th of the
 * group's members, each repeated `weight` times, in member id order).
 * NULL for an empty group.  Packet path; the result is valid until the
 * thread's next quiescent point. */
#define OVSP4_ACTION_REF_MEMBER 0xfffffff1u
#define OVSP4_ACTION_REF_GROUP 0xfffffff2u

static inline bool
ovsp4_action_is_ref(const struct ovsp4_action *a)
{
    return a->id == OVSP4_ACTION_REF_MEMBER || a->id == OVSP4_ACTION_REF_GROUP;
}

const struct ovsp4_action *ovsp4_rt_action_profile_resolve(
    const struct ovsp4_action *ref, uint64_t selector_hash);

/* Events for the control plane: packet-in (payload after the packet_in
 * header, with the header's fields; `header` is the serialised
 * @controller_header header, its fields packed bit by bit, or NULL),
 * digests (a serialised digest of the digest's data_size bytes).  Events
 * go to per-thread rings drained by poll_events(); when a ring is full the
 * event is dropped and counted.  Digests whose digest the control plane
 * has not configured (a DIGEST_CONFIG write) are dropped. */
void ovsp4_rt_packet_in(struct ovsp4_rt_thread *, const uint8_t *header,
                        uint32_t header_len, const uint8_t *payload,
                        uint32_t payload_len);
void ovsp4_rt_digest(struct ovsp4_rt_thread *, uint32_t digest_index,
                     const uint8_t *data);

/* Random numbers (v1model random(), hash HashAlgorithm.random). */
uint64_t ovsp4_rt_random(struct ovsp4_rt_thread *);

/* log_msg and failed assert/assume go to the host's log: a LOG event of
 * the control protocol. */
void ovsp4_rt_log(struct ovsp4_rt_thread *, const char *msg);
/* The same with a level: 0 info, 1 warning, 2 error (failed assert). */
void ovsp4_rt_log_level(struct ovsp4_rt_thread *, int level,
                        const char *msg);

/* The runtime's ovsp4_pipeline_def for a generated program; the generated
 * code's exported OVSP4_PIPELINE_SYMBOL returns it. */
const struct ovsp4_pipeline_def *ovsp4_rt_pipeline(const struct ovsp4_program *);

#endif /* OVSP4_RT_PROGRAM_H */
