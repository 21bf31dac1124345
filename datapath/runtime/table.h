/*
 * OvS.p4 runtime: match-action tables.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Keys.  The generated code builds, for each lookup, a key as a byte string
 * of the table's `key_len` bytes: every match field big-endian in
 * ceil(width / 8) bytes at its `offset` (the value right-aligned, the bits
 * above `width` zero).  The control plane describes entries with the same
 * field layout (struct ovsp4_match).  Key buffers need no padding: the
 * runtime never reads past `key_len` bytes.
 *
 * Threads.  ovsp4_table_lookup(), ovsp4_table_prefetch(),
 * ovsp4_table_default_action() and the ovsp4_entry_*() helpers are the
 * packet path: they take no lock, allocate nothing and may run in any
 * number of threads registered with the table's RCU domain, concurrently
 * with the control functions.  Pointers they return stay valid until the
 * calling thread's next quiescent point.  Control functions may be called
 * from any thread that is not an online reader of the same domain, or from
 * an online reader between batches (the simulator does that): they never
 * wait for readers.  They serialise on a per-table mutex; the callbacks of
 * ovsp4_table_read()/iterate() run under it and must not call back into
 * the same table.
 *
 * Matching.  Highest priority wins in tables with TERNARY, RANGE or
 * OPTIONAL fields (P4Runtime semantics, priorities compared as signed
 * int32; among overlapping entries of equal priority the winner is
 * unspecified but stable for a given sequence of updates).  Otherwise the
 * longest prefix wins (one LPM field), or the key is exact.
 *
 * Algorithms (chosen from the key shape; see Documentation in
 * Documentation/datapath-tables.md):
 *   - EXACT    all fields exact: a hash index (rhash.h);
 *   - LPM_DIR  one LPM field alone, width <= 32: DIR-24-8 style multibit
 *              trie (tbl-lpm-dir.c);
 *   - LPM_BSL  one LPM field, wider, or with exact fields: binary search
 *              on prefix lengths over per-length hash tables with markers
 *              (tbl-lpm-bsl.c);
 *   - TSS      anything else: tuple space search with priority-sorted
 *              subtables and early termination (tbl-tss.c).
 */

#ifndef OVSP4_RT_TABLE_H
#define OVSP4_RT_TABLE_H 1

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ovsp4/pipeline.h"     /* enum ovsp4_status */
#include "rcu.h"

#define OVSP4_TABLE_MAX_KEY 1024        /* bytes */
#define OVSP4_TABLE_MAX_FIELDS 64
#define OVSP4_TABLE_MAX_ACTION_DATA 65536
#define OVSP4_TABLE_MAX_SIZE (1u << 24) /* entries */

enum ovsp4_match_kind {
    OVSP4_MATCH_EXACT = 0,
    OVSP4_MATCH_LPM = 1,
    OVSP4_MATCH_TERNARY = 2,
    OVSP4_MATCH_RANGE = 3,
    OVSP4_MATCH_OPTIONAL = 4,
};

enum ovsp4_table_algo {
    OVSP4_ALGO_AUTO = 0,        /* choose from the key shape */
    OVSP4_ALGO_NONE = 1,        /* keyless table: always misses */
    OVSP4_ALGO_EXACT = 2,
    OVSP4_ALGO_LPM_DIR = 3,
    OVSP4_ALGO_LPM_BSL = 4,
    OVSP4_ALGO_TSS = 5,         /* handles every key shape */
};

struct ovsp4_field_desc {
    uint32_t offset;            /* in bytes, within the key */
    uint32_t width;             /* in bits, >= 1 */
    enum ovsp4_match_kind kind;
};

struct ovsp4_table_desc {
    const char *name;           /* for messages; copied */
    uint32_t key_len;           /* bytes */
    uint32_t n_fields;
    const struct ovsp4_field_desc *fields;      /* copied; fields must not
                                                 * overlap */
    uint32_t max_size;          /* entries, 1..OVSP4_TABLE_MAX_SIZE */
    uint32_t action_data_size;  /* bytes: the largest action's data */
    uint32_t default_action_id;
    const uint8_t *default_action_data;         /* NULL: zeros */
    uint64_t seed;              /* hash seed (e.g. the instance's seed) */
    enum ovsp4_table_algo algo; /* OVSP4_ALGO_AUTO unless testing */
};

/* --- Entries, as the packet path sees them ---------------------------- */

struct ovsp4_action {
    uint32_t id;
    uint32_t size;              /* the table's action_data_size */
    uint8_t data[];             /* 8-byte aligned */
};

struct ovsp4_entry {
    /* Read by packet threads; immutable once published, but for `action`,
     * which ovsp4_table_modify() swaps. */
    _Atomic(const struct ovsp4_action *) action;
    int32_t priority;           /* P4Runtime priority; 0 if the table has
                                 * none */
    int32_t rank;               /* private: priority, or prefix length */
    _Atomic(struct ovsp4_entry *) next_rule;    /* private (TSS) */

    /* Direct counters and idle-timeout timestamp, updated by packet
     * threads with relaxed atomics (ovsp4_entry_hit()). */
    _Atomic uint64_t n_packets;
    _Atomic uint64_t n_bytes;
    _Atomic uint64_t last_hit;  /* `now_ns` of the latest hit */

    /* Private to the runtime.  Control-side fields live in front of the
     * entry, so that what the packet path reads -- this header and the
     * key -- shares as few cache lines as possible. */
    uint16_t plen;              /* prefix length of the table's LPM field */
    uint8_t range_check;        /* TSS: a range is not a prefix */
    uint8_t action_ext;         /* `action` is not the inline one */
    uint32_t reserved_;
    uint64_t match[];           /* value, mask, high: see table-private.h */
};

static inline const struct ovsp4_action *
ovsp4_entry_action(const struct ovsp4_entry *e)
{
    return atomic_load_explicit(&((struct ovsp4_entry *) e)->action,
                                memory_order_acquire);
}

/* Accounts a hit of one packet of `bytes` bytes at `now_ns`.  Counters are
 * deliberately relaxed: they order nothing. */
static inline void
ovsp4_entry_hit(const struct ovsp4_entry *e_, uint32_t bytes, uint64_t now_ns)
{
    struct ovsp4_entry *e = (struct ovsp4_entry *) e_;

    atomic_fetch_add_explicit(&e->n_packets, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&e->n_bytes, bytes, memory_order_relaxed);
    atomic_store_explicit(&e->last_hit, now_ns, memory_order_relaxed);
}

/* --- Match specifications (control plane) ------------------------------ */

/* One field of an entry's match, in the table's field order.  Byte strings
 * are big-endian, ceil(width / 8) bytes, right-aligned.
 *
 *   EXACT     value (required)
 *   LPM       value, prefix_len (0..width); value bits past the prefix
 *             must be zero.  value NULL or prefix_len 0: don't care.
 *   TERNARY   value, mask (NULL: all ones); value & ~mask must be zero.
 *             value NULL or an all-zero mask: don't care.
 *   RANGE     value = low, high; low <= high.  value NULL or the full
 *             range: don't care.
 *   OPTIONAL  value; NULL: don't care.
 *
 * Bits above `width` set in any byte string: OVSP4_E_INVALID.  Reads
 * return the canonical form: don't-care fields have value NULL. */
struct ovsp4_field_match {
    const uint8_t *value;
    union {
        const uint8_t *mask;    /* TERNARY */
        const uint8_t *high;    /* RANGE */
    };
    uint32_t prefix_len;        /* LPM */
};

struct ovsp4_match {
    const struct ovsp4_field_match *fields;     /* n_fields of them */
    int32_t priority;           /* must be 0 in tables without TERNARY,
                                 * RANGE or OPTIONAL fields */
};

/* What an insert or modify sets. */
struct ovsp4_entry_spec {
    uint32_t action_id;
    const uint8_t *action_data; /* NULL: zeros */
    uint32_t action_data_len;   /* <= action_data_size; the rest is zero */
    uint64_t idle_timeout_ns;   /* stored for the control plane */
    uint64_t cookie;            /* stored for the control plane (P4Runtime
                                 * controller_metadata) */
    uint64_t last_hit;          /* insert only: initial last_hit, normally
                                 * the host's now, so that idle timeouts
                                 * count from the insertion */
};

/* An entry as control reads see it; valid during the callback only. */
struct ovsp4_entry_info {
    const struct ovsp4_entry *entry;
    uint64_t id;
    const struct ovsp4_field_match *fields;     /* canonical */
    int32_t priority;
    uint32_t action_id;
    const uint8_t *action_data;
    uint32_t action_data_len;
    uint64_t n_packets;
    uint64_t n_bytes;
    uint64_t last_hit;
    uint64_t idle_timeout_ns;
    uint64_t cookie;
};

/* Returns true to go on, false to stop (the entry is then not consumed:
 * see ovsp4_table_iterate()). */
typedef bool ovsp4_entry_cb(const struct ovsp4_entry_info *, void *aux);

/* --- Tables ------------------------------------------------------------ */

struct ovsp4_table;

/* Creates a table whose readers are `rcu`'s threads.  On failure returns
 * NULL and sets *error (OVSP4_E_INVALID: bad descriptor; OVSP4_E_UNSUPPORTED:
 * no algorithm for the key shape, e.g. two LPM fields without priorities;
 * OVSP4_E_NOMEM). */
struct ovsp4_table *ovsp4_table_create(const struct ovsp4_table_desc *,
                                       struct ovsp4_rcu *,
                                       enum ovsp4_status *error);
/* Frees the table and its entries at once: no reader may be using it. */
void ovsp4_table_destroy(struct ovsp4_table *);

/* What the packet path reads of every table, its first member: the lookup
 * and the default action are reached inline, with no call into table.c. */
struct ovsp4_table_head {
    const struct ovsp4_entry *(*lookup)(const struct ovsp4_table *,
                                        const uint8_t *key);
    _Atomic(const struct ovsp4_action *) default_action;
};

/* Packet path: the best entry for `key` (key_len bytes), or NULL (then the
 * caller uses the default action). */
static inline const struct ovsp4_entry *
ovsp4_table_lookup(const struct ovsp4_table *t, const uint8_t *key)
{
    return ((const struct ovsp4_table_head *) t)->lookup(t, key);
}

static inline const struct ovsp4_action *
ovsp4_table_default_action(const struct ovsp4_table *t)
{
    struct ovsp4_table_head *h = (struct ovsp4_table_head *) t;

    return atomic_load_explicit(&h->default_action, memory_order_acquire);
}

/* Packet path: a hint that lookups of `keys` (n keys of key_len bytes) are
 * coming.  Brings into the cache what those lookups will read -- for LPM_DIR
 * the first-level slot, the group slots, the next-hop slot, the entry and
 * its action data; for EXACT the hash slot, the entry and its action data
 * -- in stages, as DPDK's bulk lookups do: each stage prefetches its level
 * for every key and the next stage reads that level (now cached, or in
 * flight) to find the next one, so the cache misses of all the keys
 * overlap instead of following each other key after key.  Changes nothing
 * (no counters, no state: results are those of the same lookups without
 * it), takes no lock, allocates nothing; like lookup it must run in an
 * online reader of the table's RCU domain.  A no-op for the algorithms
 * without a prefetch (NONE, LPM_BSL, TSS).  A key that is not looked up in
 * the end costs time, nothing else.
 *
 * With `results` (n of them), also the lookups themselves: results[i] is
 * what ovsp4_table_lookup(keys[i]) returns now, found by the walk that
 * prefetches (the lookups of a batch, side by side, instead of one per
 * packet with the packet's work in between). */
void ovsp4_table_prefetch(const struct ovsp4_table *,
                          const uint8_t *const *keys, uint32_t n,
                          const struct ovsp4_entry **results);

/* A hint that an insert, modify or delete of match `m` is coming (the next
 * update of a batch, while the caller applies the one before): brings into
 * the cache the first things it will touch.  Changes nothing; a match that
 * is not valid is ignored.  Takes no lock, like the packet path. */
void ovsp4_table_prefetch_update(const struct ovsp4_table *,
                                 const struct ovsp4_match *m);

/* Control.  Return OVSP4_OK or the error:
 *   insert: OVSP4_E_EXISTS (same match, and priority where the table has
 *           priorities), OVSP4_E_FULL, OVSP4_E_INVALID, OVSP4_E_NOMEM;
 *   modify: sets action, data, idle timeout and cookie, keeps counters;
 *           OVSP4_E_NOT_FOUND;
 *   delete: OVSP4_E_NOT_FOUND;
 *   read:   calls `cb` once for the entry with that match, or returns
 *           OVSP4_E_NOT_FOUND;
 *   set_counters: overwrites an entry's direct counters. */
enum ovsp4_status ovsp4_table_insert(struct ovsp4_table *,
                                     const struct ovsp4_match *,
                                     const struct ovsp4_entry_spec *);
enum ovsp4_status ovsp4_table_modify(struct ovsp4_table *,
                                     const struct ovsp4_match *,
                                     const struct ovsp4_entry_spec *);
enum ovsp4_status ovsp4_table_delete(struct ovsp4_table *,
                                     const struct ovsp4_match *);
enum ovsp4_status ovsp4_table_read(struct ovsp4_table *,
                                   const struct ovsp4_match *,
                                   ovsp4_entry_cb *, void *aux);
enum ovsp4_status ovsp4_table_set_counters(struct ovsp4_table *,
                                           const struct ovsp4_match *,
                                           uint64_t n_packets,
                                           uint64_t n_bytes);

/* Calls `cb` for the entries whose id is greater than *cursor, in id
 * (insertion) order, until `cb` returns false.  *cursor becomes the id of
 * the last entry `cb` accepted, so a caller filling bounded replies pages
 * through a table by calling again with the same cursor (start with 0).
 * Returns true when no entry is left after *cursor.  Across calls, an
 * entry present throughout is delivered exactly once; resuming costs O(1)
 * when the caller pages sequentially. */
bool ovsp4_table_iterate(struct ovsp4_table *, uint64_t *cursor,
                         ovsp4_entry_cb *, void *aux);

/* Deletes every entry. */
void ovsp4_table_clear(struct ovsp4_table *);

/* Swaps the default action (RCU: readers see the old or the new one). */
enum ovsp4_status ovsp4_table_set_default(struct ovsp4_table *,
                                          uint32_t action_id,
                                          const uint8_t *data,
                                          uint32_t data_len);

uint32_t ovsp4_table_count(struct ovsp4_table *);

/* Shape of the lookup structure, for operators, tests and benchmarks. */
struct ovsp4_table_stats {
    uint32_t n_entries;
    uint32_t n_subtables;       /* TSS: subtables (masks); LPM_BSL: levels
                                 * in use */
    uint32_t n_groups;          /* LPM_DIR: 256-slot groups in use */
    uint32_t n_nodes;           /* LPM_BSL: nodes (prefixes and markers) */
};
void ovsp4_table_get_stats(struct ovsp4_table *, struct ovsp4_table_stats *);
enum ovsp4_table_algo ovsp4_table_get_algo(const struct ovsp4_table *);
const char *ovsp4_table_algo_name(enum ovsp4_table_algo);
const char *ovsp4_table_name(const struct ovsp4_table *);

/* Runs deferred frees whose grace period has elapsed (every control call
 * does it too); for a host's periodic housekeeping. */
void ovsp4_table_run(struct ovsp4_table *);

#endif /* OVSP4_RT_TABLE_H */
