/*
 * OvS.p4 pipeline ABI.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A P4 program compiled by ovs-p4c is a shared object exporting one symbol,
 * OVSP4_PIPELINE_SYMBOL, a function returning a `struct ovsp4_pipeline_def`.
 * Its hosts -- the `p4` datapath in ovs-vswitchd and the in-process
 * simulator (Python, ctypes) -- load it with dlopen() and use nothing else.
 * The .so is self-contained: it links the OvS.p4 C runtime statically and
 * uses no OVS symbols.
 *
 * Threads.  One host thread per packet-processing context (an OVS PMD
 * thread, the simulator's caller) gets an `ovsp4_thread` from
 * thread_create() and passes it to every process_batch() call.  The packet
 * path takes no locks and allocates nothing: all per-packet scratch space
 * lives in the ovsp4_thread.  Control operations (control()) may run in any
 * other thread at the same time; they publish changes RCU-style and reclaim
 * memory only after every registered thread has passed a quiescent point
 * (the end of a process_batch() call, or thread_quiesce()).
 *
 * Versioning.  OVSP4_ABI_VERSION changes whenever this file changes
 * incompatibly; hosts refuse a pipeline with another version.
 */

#ifndef OVSP4_PIPELINE_H
#define OVSP4_PIPELINE_H 1

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OVSP4_ABI_VERSION 1
#define OVSP4_PIPELINE_SYMBOL "ovsp4_pipeline_get"

/* v1model conventions (as BMv2 simple_switch). */
#define OVSP4_PORT_DROP 511u    /* egress_spec 511 drops the packet */
#define OVSP4_PORT_NONE 0xffffffffu

struct ovsp4_instance;          /* one running pipeline (one P4 bridge) */
struct ovsp4_thread;            /* per packet-processing thread state */

/* --- Packets ----------------------------------------------------------- */

/* A packet handed to process_batch().  The pipeline may rewrite the
 * packet in place, grow it into the headroom (a deparser that emits more
 * header bytes than the parser extracted moves `data` back) or shrink it.
 * When the headroom does not suffice, the output is built in the thread's
 * scratch space instead (see ovsp4_output.data). */
struct ovsp4_packet {
    uint8_t *data;
    uint32_t len;
    uint32_t headroom;          /* writable bytes before `data` */
    uint32_t in_port;           /* P4 ingress port */
    uint32_t reserved;
};

enum ovsp4_output_kind {
    OVSP4_OUT_PORT = 0,         /* transmit on `port` */
    OVSP4_OUT_CONTROLLER = 1,   /* packet-in (egress to the CPU port) */
};

/* One packet leaving the pipeline.  An input packet yields zero outputs
 * (dropped), one (forwarded; usually in place), or several (multicast
 * replicas, clones, resubmitted/recirculated copies already processed).
 * `data` points either into the input packet (`in_place` = 1: the host may
 * send the input buffer itself, whose data/len process_batch() updated) or
 * into the thread's scratch space, valid until the next process_batch()
 * call on that thread. */
struct ovsp4_output {
    const uint8_t *data;
    uint32_t len;
    uint32_t port;              /* P4 egress port */
    uint16_t input;             /* index of the input packet it came from */
    uint8_t kind;               /* enum ovsp4_output_kind */
    uint8_t in_place;
};

/* --- Control operations -------------------------------------------------
 *
 * Control operations are messages of the OvS.p4 control protocol
 * (Documentation/control-protocol.md), so the datapath, the simulator and
 * the control socket share one encoding.  control() handles one request
 * and writes one reply; it is thread-safe against process_batch() and
 * against itself. */

enum ovsp4_status {
    OVSP4_OK = 0,
    OVSP4_E_INVALID = 1,        /* malformed request, bad key/param width */
    OVSP4_E_NOT_FOUND = 2,
    OVSP4_E_EXISTS = 3,
    OVSP4_E_FULL = 4,           /* table or resource at capacity */
    OVSP4_E_RANGE = 5,          /* index out of range */
    OVSP4_E_UNSUPPORTED = 6,
    OVSP4_E_CONST = 7,          /* modifying a const table / default */
    OVSP4_E_NOMEM = 8,
    OVSP4_E_TOOBIG = 9,         /* reply does not fit: retry with more room */
    OVSP4_E_IN_USE = 10,        /* deleting a member/group still referenced */
};

/* Events the pipeline queues for the control plane (packet-in, digests,
 * idle timeouts); drained with poll_events(). */
typedef void (*ovsp4_event_cb)(void *aux, const uint8_t *msg, size_t len);

struct ovsp4_instance_config {
    uint32_t cpu_port;          /* v1model CPU port (packet-in/out); 0 = none */
    uint32_t max_threads;       /* upper bound of thread_create() calls */
    uint64_t seed;              /* for random(), hashes of action selectors */
};

/* --- The pipeline definition -------------------------------------------- */

struct ovsp4_pipeline_def {
    uint32_t abi_version;       /* OVSP4_ABI_VERSION */
    uint32_t reserved;
    const char *program_name;   /* e.g. "basic" */
    const char *compiler;       /* e.g. "ovs-p4c 0.1.0" */
    const char *arch;           /* "v1model" */
    const uint8_t *p4info;      /* serialised p4.config.v1.P4Info */
    size_t p4info_len;

    struct ovsp4_instance *(*instance_create)(
        const struct ovsp4_instance_config *);
    void (*instance_destroy)(struct ovsp4_instance *);

    struct ovsp4_thread *(*thread_create)(struct ovsp4_instance *);
    void (*thread_destroy)(struct ovsp4_thread *);
    /* Declare a quiescent point for a thread idle outside process_batch(). */
    void (*thread_quiesce)(struct ovsp4_thread *);

    /* Run `n` packets (n <= 256) through the pipeline.  Writes at most
     * `max_out` outputs and returns their number; outputs that did not fit
     * are dropped and counted in the instance's statistics. `now_ns` is the
     * host's monotonic time (timestamps, meters, idle timeouts). */
    uint32_t (*process_batch)(struct ovsp4_thread *, struct ovsp4_packet *pkts,
                              uint32_t n, struct ovsp4_output *out,
                              uint32_t max_out, uint64_t now_ns);

    /* One control-protocol request -> one reply.  Returns the reply length,
     * or 0 if `reply_cap` is too small (never for a reply of at most
     * 64 KiB). */
    size_t (*control)(struct ovsp4_instance *, const uint8_t *request,
                      size_t request_len, uint8_t *reply, size_t reply_cap);

    /* Deliver queued events (packet-in, digest lists, idle timeouts), at
     * most `max` of them; returns how many were delivered.  Also the
     * control side's housekeeping (idle-timeout scans, deferred frees):
     * hosts call it periodically even when nobody listens to events. */
    uint32_t (*poll_events)(struct ovsp4_instance *, ovsp4_event_cb, void *aux,
                            uint32_t max);

    /* A thread that will sleep (an idle PMD thread) goes offline so that
     * memory reclamation does not wait for it; online again before its
     * next process_batch(). */
    void (*thread_offline)(struct ovsp4_thread *);
    void (*thread_online)(struct ovsp4_thread *);
};

/* Threading contract, in short: every thread is destroyed before its
 * instance; the end of process_batch() is a quiescent point of its thread;
 * control() and poll_events() may run on any thread, including a packet
 * thread between two of its batches; `now_ns` is CLOCK_MONOTONIC. */

typedef const struct ovsp4_pipeline_def *(*ovsp4_pipeline_get_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* OVSP4_PIPELINE_H */
