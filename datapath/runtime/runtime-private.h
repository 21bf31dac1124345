/*
 * OvS.p4 runtime: the instance and its objects, shared by instance.c,
 * control.c and the externs' files.  Not for generated code.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Locking.  The packet path (process_batch() and everything the generated
 * code calls) takes no lock and allocates nothing.  Control operations
 * serialise on `control_mutex`; poll_events() runs under the `poll_busy`
 * flag (a second concurrent poll returns at once) and takes
 * `digest_mutex` for the digest state it shares with control operations,
 * never while calling the host's callback.  Objects the packet path reads
 * are published RCU-style and freed through the instance's RCU domain.
 */

#ifndef OVSP4_RT_RUNTIME_PRIVATE_H
#define OVSP4_RT_RUNTIME_PRIVATE_H 1

#include <pthread.h>
#include <stdatomic.h>

#include "control-proto.h"
#include "objmap.h"
#include "program.h"
#include "rcu.h"
#include "rhash.h"
#include "util.h"

#define RT_MAX_BATCH OVSP4_RT_MAX_BATCH
#define RT_DEFAULT_THREADS 64           /* when config.max_threads is 0 */
#define RT_RING_SIZE (1u << 20)         /* event ring bytes per thread */
#define RT_ARENA_SIZE (8u << 20)        /* output scratch per thread */
#define RT_MAX_REPLICAS 4096            /* per multicast group / session */

/* --- Counters (counter.c) ------------------------------------------------ */

struct rt_counter_cell {
    _Atomic uint64_t packets;
    _Atomic uint64_t bytes;
};

struct ovsp4_rt_counter {
    const struct ovsp4_prog_counter *desc;
    uint32_t size;                      /* 0 for a direct counter */
    struct rt_counter_cell *cells;
};

bool rt_counter_init(struct ovsp4_rt_counter *,
                     const struct ovsp4_prog_counter *);
void rt_counter_destroy(struct ovsp4_rt_counter *);
void rt_counter_read(const struct ovsp4_rt_counter *, uint32_t index,
                     uint64_t *packets, uint64_t *bytes);
void rt_counter_write(struct ovsp4_rt_counter *, uint32_t index,
                      uint64_t packets, uint64_t bytes);

/* --- Meters (meter.c) ---------------------------------------------------- */

/* P4Runtime MeterConfig: rates in units (packets or bytes) per second,
 * bursts in units. */
struct rt_meter_config {
    uint64_t cir, cburst, pir, pburst;
};

struct rt_meter_state;

struct ovsp4_rt_meter {
    const struct ovsp4_prog_meter *desc;
    uint32_t size;                      /* 0 for a direct meter */
    _Atomic(struct rt_meter_state *) *cells;    /* NULL: unconfigured */
    struct ovsp4_rhash direct;          /* entry -> rt_meter_state */
    struct ovsp4_rcu *rcu;
};

bool rt_meter_init(struct ovsp4_rt_meter *, const struct ovsp4_prog_meter *,
                   struct ovsp4_rcu *);
void rt_meter_destroy(struct ovsp4_rt_meter *);
/* `cfg` NULL: back to unconfigured.  OVSP4_E_INVALID for cir > pir. */
enum ovsp4_status rt_meter_set(struct ovsp4_rt_meter *, uint32_t index,
                               const struct rt_meter_config *);
bool rt_meter_get(const struct ovsp4_rt_meter *, uint32_t index,
                  struct rt_meter_config *);
enum ovsp4_status rt_meter_direct_set(struct ovsp4_rt_meter *,
                                      const struct ovsp4_entry *,
                                      const struct rt_meter_config *);
bool rt_meter_direct_get(const struct ovsp4_rt_meter *,
                         const struct ovsp4_entry *,
                         struct rt_meter_config *);
void rt_meter_direct_clear(struct ovsp4_rt_meter *);
enum ovsp4_status rt_meter_check(const struct rt_meter_config *);

/* --- Registers (register.c) ---------------------------------------------- */

struct ovsp4_rt_register {
    const struct ovsp4_prog_register *desc;
    uint32_t size;
    uint32_t bits;
    uint32_t nbytes;                    /* ceil(bits / 8) */
    uint32_t nwords;                    /* 64-bit words per cell */
    _Atomic uint64_t *cells;
};

bool rt_register_init(struct ovsp4_rt_register *,
                      const struct ovsp4_prog_register *);
void rt_register_destroy(struct ovsp4_rt_register *);

/* --- Value sets (value-set.c) -------------------------------------------- */

struct rt_vs_members {
    uint32_t n;
    uint32_t key_len;
    uint8_t data[];                     /* n x (value, mask), key_len each */
};

struct ovsp4_rt_value_set {
    const struct ovsp4_prog_value_set *desc;
    _Atomic(const struct rt_vs_members *) members;
    struct ovsp4_rcu *rcu;
};

bool rt_value_set_init(struct ovsp4_rt_value_set *,
                       const struct ovsp4_prog_value_set *,
                       struct ovsp4_rcu *);
void rt_value_set_destroy(struct ovsp4_rt_value_set *);
/* Replaces the members: `n` (value, mask) pairs of key_len bytes each. */
enum ovsp4_status rt_value_set_replace(struct ovsp4_rt_value_set *,
                                       const uint8_t *pairs, uint32_t n);

/* --- Action profiles (action-profile.c) ---------------------------------- */

struct rt_ap_member {
    uint32_t id;
    uint32_t refs;                      /* entries and groups using it */
    _Atomic(const struct ovsp4_action *) action;
};

struct rt_ap_group_member {
    uint32_t member_id;
    uint32_t weight;
};

struct rt_ap_set;                       /* what the packet path sees */

struct rt_ap_group {
    uint32_t id;
    uint32_t refs;                      /* entries using it */
    uint32_t max_size;
    uint32_t n_members;
    struct rt_ap_group_member *members; /* control side, by member id */
    _Atomic(const struct rt_ap_set *) set;
};

struct rt_action_profile {
    const struct ovsp4_prog_action_profile *desc;
    struct objmap members;              /* id -> struct rt_ap_member * */
    struct objmap groups;               /* id -> struct rt_ap_group * */
    struct ovsp4_rcu *rcu;
};

void rt_ap_init(struct rt_action_profile *,
                const struct ovsp4_prog_action_profile *, struct ovsp4_rcu *);
void rt_ap_destroy(struct rt_action_profile *);
struct rt_ap_member *rt_ap_member_find(struct rt_action_profile *,
                                       uint32_t id);
struct rt_ap_group *rt_ap_group_find(struct rt_action_profile *, uint32_t id);
/* `action` is a complete struct ovsp4_action (malloc'ed), taken over. */
enum ovsp4_status rt_ap_member_insert(struct rt_action_profile *, uint32_t id,
                                      struct ovsp4_action *);
enum ovsp4_status rt_ap_member_modify(struct rt_action_profile *, uint32_t id,
                                      struct ovsp4_action *);
enum ovsp4_status rt_ap_member_delete(struct rt_action_profile *,
                                      uint32_t id);
enum ovsp4_status rt_ap_group_write(struct rt_action_profile *, bool insert,
                                    uint32_t id, uint32_t max_size,
                                    const struct rt_ap_group_member *,
                                    uint32_t n);
enum ovsp4_status rt_ap_group_delete(struct rt_action_profile *, uint32_t id);
/* Sorted ids, for reads; the caller frees *ids. */
uint32_t rt_ap_member_ids(struct rt_action_profile *, uint32_t **ids);
uint32_t rt_ap_group_ids(struct rt_action_profile *, uint32_t **ids);

/* Table entries' references (OVSP4_ACTION_REF_*): data holds the id and
 * the object's address. */
#define RT_AP_REF_SIZE 16
void rt_ap_ref_encode(uint8_t *data, uint32_t id, const void *obj);
uint32_t rt_ap_ref_id(const uint8_t *data);
void *rt_ap_ref_obj(const uint8_t *data);

/* --- Packet replication engine (pre.c) ----------------------------------- */

struct rt_pre {
    struct ovsp4_rhash groups;          /* struct rt_mcast_group * */
    struct ovsp4_rhash sessions;        /* struct rt_clone * */
    struct ovsp4_rcu *rcu;
};

struct rt_mcast_group {
    uint32_t id;
    uint32_t n;
    struct ovsp4_rt_replica replicas[];
};

struct rt_clone {
    uint32_t id;
    struct ovsp4_rt_clone_session s;
    struct ovsp4_rt_replica replicas[];
};

void rt_pre_init(struct rt_pre *, struct ovsp4_rcu *);
void rt_pre_destroy(struct rt_pre *);
const struct rt_mcast_group *rt_pre_group(const struct rt_pre *,
                                          uint32_t id);
const struct rt_clone *rt_pre_session(const struct rt_pre *, uint32_t id);
/* op: OVSP4_OP_INSERT, _MODIFY or _DELETE. */
enum ovsp4_status rt_pre_group_write(struct rt_pre *, int op, uint32_t id,
                                     const struct ovsp4_rt_replica *,
                                     uint32_t n);
enum ovsp4_status rt_pre_session_write(struct rt_pre *, int op, uint32_t id,
                                       uint32_t cos, uint32_t truncate_len,
                                       const struct ovsp4_rt_replica *,
                                       uint32_t n);
/* Sorted ids, for reads; the caller frees *ids. */
uint32_t rt_pre_group_ids(struct rt_pre *, uint32_t **ids);
uint32_t rt_pre_session_ids(struct rt_pre *, uint32_t **ids);

/* --- Events (events.c) --------------------------------------------------- */

/* A single-producer single-consumer ring of records: u32 length (of the
 * record, 8-byte aligned), u32 kind, payload.  The producer is the slot's
 * thread, the consumer poll_events(). */
struct rt_ring {
    _Alignas(64) _Atomic uint64_t head;         /* bytes produced */
    uint64_t pending;                           /* producer: head to be */
    _Alignas(64) _Atomic uint64_t tail;         /* bytes consumed */
    _Alignas(64) _Atomic(uint8_t *) buf;        /* allocated on first use,
                                                 * freed with the instance */
    uint32_t size;                              /* a power of 2 */
};

enum rt_record_kind {
    RT_REC_PAD = 0,             /* filler up to the end of the buffer */
    RT_REC_MSG = 1,             /* a complete control-protocol message */
    RT_REC_DIGEST = 2,          /* u32 digest index, data */
};

enum rt_stat {
    RT_STAT_PACKETS,
    RT_STAT_OUTPUTS,
    RT_STAT_OUTPUT_DROPS,
    RT_STAT_PACKET_INS,
    RT_STAT_PACKET_IN_DROPS,
    RT_STAT_DIGESTS,
    RT_STAT_DIGEST_DROPS,
    RT_STAT_LOGS,
    RT_STAT_LOG_DROPS,
    RT_N_STATS
};

/* A thread slot: survives its thread, so that poll_events() never races
 * with thread_destroy() freeing a ring. */
struct rt_slot {
    struct rt_ring ring;
    _Atomic uint64_t stats[RT_N_STATS];         /* written by the owner */
    _Atomic uint64_t now;                       /* latest batch's now_ns */
    struct ovsp4_rt_thread *thread;             /* under threads_mutex */
};

/* Producer: reserves `len` payload bytes in a record of `kind` (NULL if
 * full), then publishes it. */
uint8_t *rt_ring_reserve(struct rt_ring *, uint32_t kind, uint32_t len);
void rt_ring_commit(struct rt_ring *);

static inline void
rt_stat_inc(struct rt_slot *s, enum rt_stat k)
{
    atomic_store_explicit(&s->stats[k],
                          atomic_load_explicit(&s->stats[k],
                                               memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

struct rt_digest {
    const struct ovsp4_prog_digest *desc;
    _Atomic bool enabled;
    uint64_t max_timeout_ns;
    uint64_t ack_timeout_ns;
    uint32_t max_list_size;
    /* Pending list (not sent yet). */
    uint8_t *pending;
    uint32_t n_pending, cap_pending;
    uint64_t first_ns;
    /* Duplicate suppression: data hash -> list id (RT_LIST_PENDING while
     * in the pending list). */
    struct objmap seen;
    /* Sent lists awaiting an ack. */
    struct rt_sent_list *sent;
    uint32_t n_sent, cap_sent;
};

#define RT_LIST_PENDING UINT64_MAX

struct rt_sent_list {
    uint64_t list_id;
    uint64_t expires;
    uint32_t n;
    uint8_t *data;
};

/* --- Tables -------------------------------------------------------------- */

struct rt_table {
    struct ovsp4_rt_instance *inst;
    const struct ovsp4_prog_table *desc;
    struct ovsp4_table *table;
    uint32_t data_size;                 /* action data bytes in entries */
    struct rt_action_profile *ap;       /* or NULL */
    struct ovsp4_rt_meter *dmeter;      /* or NULL */
    struct ovsp4_rt_counter *dcounter;  /* or NULL */
    /* Idle-timeout notifications sent: entry id -> last_hit then. */
    struct objmap notified;
};

/* --- Threads and instances ----------------------------------------------- */

struct ovsp4_rt_thread {
    /* The current batch, as generated code sees it (program.h): objects,
     * time, inputs, outputs.  First, so that a thread is its hot part. */
    struct ovsp4_rt_hot hot;

    struct ovsp4_rt_instance *inst;
    struct rt_slot *slot;
    struct ovsp4_rcu_thread *rcu;
    uint64_t rng;
    uint8_t *arena;
    size_t arena_used, arena_size;
};

struct ovsp4_rt_instance {
    const struct ovsp4_program *prog;
    struct ovsp4_instance_config cfg;
    struct ovsp4_rcu *rcu;

    struct ovsp4_rt_objects objects;    /* what generated code sees */
    struct rt_table *tables;
    struct ovsp4_rt_counter *counters;
    struct ovsp4_rt_meter *meters;
    struct ovsp4_rt_register *registers;
    struct ovsp4_rt_value_set *value_sets;
    struct rt_action_profile *aps;
    struct rt_digest *digests;
    struct rt_pre pre;

    /* P4Info id -> index. */
    struct objmap action_ids, table_ids, counter_ids, meter_ids;
    struct objmap register_ids, value_set_ids, ap_ids, digest_ids;

    uint32_t packet_in_bits;            /* packet_in header, 0: none */
    uint32_t packet_out_bits;

    pthread_mutex_t control_mutex;
    pthread_mutex_t threads_mutex;
    pthread_mutex_t digest_mutex;
    atomic_flag poll_busy;

    /* Slots 0..n_slots-2 for packet threads, the last for control(). */
    uint32_t n_slots;
    struct rt_slot *slots;
    struct ovsp4_rt_thread *control_thread;

    /* Control-side clock and housekeeping. */
    _Atomic int clock_mode;             /* enum ovsp4_clock_mode */
    _Atomic uint64_t manual_now;
    _Atomic uint64_t idle_sweep_ns;
    uint64_t last_sweep;
    uint64_t next_list_id;              /* under digest_mutex */
    struct ctl_scratch *ctl_scratch;    /* control.c's, under its mutex */
};

static inline struct ovsp4_rt_instance *
rt_instance(struct ovsp4_instance *i)
{
    return (struct ovsp4_rt_instance *) i;
}

/* instance.c */
struct ovsp4_rt_instance *rt_instance_create(
    const struct ovsp4_program *, const struct ovsp4_instance_config *);
void rt_instance_destroy(struct ovsp4_rt_instance *);
uint64_t rt_control_now(struct ovsp4_rt_instance *);
struct ovsp4_rt_thread *rt_thread_create(struct ovsp4_rt_instance *,
                                         struct rt_slot *);
void rt_thread_destroy(struct ovsp4_rt_thread *);
void rt_thread_begin(struct ovsp4_rt_thread *, struct ovsp4_packet *,
                     uint32_t n, struct ovsp4_output *, uint32_t max_out,
                     uint64_t now_ns);

/* control.c */
size_t rt_control(struct ovsp4_rt_instance *, const uint8_t *request,
                  size_t request_len, uint8_t *reply, size_t reply_cap);
/* Encodes a table entry (TableEntry) for reads and idle notifications. */
struct wire_writer;
void rt_encode_entry(struct wire_writer *, const struct rt_table *,
                     const struct ovsp4_entry_info *, uint8_t flags,
                     const struct rt_meter_config *meter, uint64_t now);

/* events.c */
bool rt_events_init(struct ovsp4_rt_instance *);
void rt_events_destroy(struct ovsp4_rt_instance *);
uint32_t rt_poll_events(struct ovsp4_rt_instance *, ovsp4_event_cb, void *aux,
                        uint32_t max);
enum ovsp4_status rt_digest_config(struct ovsp4_rt_instance *, uint32_t idx,
                                   bool enable, uint64_t max_timeout_ns,
                                   uint32_t max_list_size,
                                   uint64_t ack_timeout_ns);
enum ovsp4_status rt_digest_ack(struct ovsp4_rt_instance *, uint32_t idx,
                                uint64_t list_id);
void rt_write_header(uint8_t *p, uint32_t len, uint16_t type, uint32_t xid,
                     uint32_t status);
/* Controller header fields: `bits` bits at bit offset `off` of a header,
 * most significant bit first <-> a big-endian value of ceil(bits / 8)
 * bytes. */
void rt_bits_get(const uint8_t *src, uint32_t off, uint32_t bits,
                 uint8_t *dst);
void rt_bits_put(uint8_t *dst, uint32_t off, uint32_t bits,
                 const uint8_t *src);

#endif /* OVSP4_RT_RUNTIME_PRIVATE_H */
