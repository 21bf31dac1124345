/*
 * OvS.p4 runtime: table internals shared by table.c and the algorithms.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#ifndef OVSP4_RT_TABLE_PRIVATE_H
#define OVSP4_RT_TABLE_PRIVATE_H 1

#include <pthread.h>

#include "table.h"
#include "util.h"

/* An algorithm.  Every function but lookup and prefetch runs under the
 * table mutex.  The generic code (table.c) validates and canonicalises
 * matches, checks duplicates (with find) and capacity, keeps the list of
 * entries for iteration, and frees entries after a grace period; an
 * algorithm only publishes and unpublishes entries in its lookup
 * structure. */
struct ovsp4_table_class {
    enum ovsp4_table_algo algo;
    const char *name;

    enum ovsp4_status (*init)(struct ovsp4_table *);
    /* Frees everything at once (no readers). */
    void (*destroy)(struct ovsp4_table *);
    const struct ovsp4_entry *(*lookup)(const struct ovsp4_table *,
                                        const uint8_t *key);
    /* Packet path, optional (NULL: no prefetching): ovsp4_table_prefetch().
     * Reads what lookup reads, nothing else, and writes nothing but the
     * CPU's caches and the results (NULL: none wanted). */
    void (*prefetch)(const struct ovsp4_table *, const uint8_t *const *keys,
                     uint32_t n, const struct ovsp4_entry **results);
    /* Optional: ovsp4_table_prefetch_update(). */
    void (*prefetch_update)(const struct ovsp4_table *,
                            const struct ovsp4_match *);
    /* The published entry with the same match (and priority) as `proto`,
     * a canonical entry that is not published. */
    struct ovsp4_entry *(*find)(struct ovsp4_table *,
                                const struct ovsp4_entry *proto);
    /* Publishes `e` (no duplicate exists).  On failure nothing changed. */
    enum ovsp4_status (*insert)(struct ovsp4_table *, struct ovsp4_entry *);
    /* Unpublishes `e`; the caller frees it after a grace period. */
    void (*remove)(struct ovsp4_table *, struct ovsp4_entry *);
    /* Unpublishes every entry. */
    void (*clear)(struct ovsp4_table *);
    /* Fills the algorithm's part of the statistics (may be NULL). */
    void (*stats)(struct ovsp4_table *, struct ovsp4_table_stats *);
};

/* Widest LPM field for binary search on lengths (levels are 0..width). */
#define OVSP4_BSL_MAX_WIDTH 2048

extern const struct ovsp4_table_class ovsp4_table_none_class;
extern const struct ovsp4_table_class ovsp4_table_exact_class;
extern const struct ovsp4_table_class ovsp4_table_lpm_dir_class;
extern const struct ovsp4_table_class ovsp4_table_lpm_bsl_class;
extern const struct ovsp4_table_class ovsp4_table_tss_class;

struct ovsp4_table {
    /* Packet path: the lookup (constant after creation) and the default
     * action (table.h).  First. */
    struct ovsp4_table_head pp;
    _Atomic bool actions_moved; /* a modify has moved an entry's action out
                                 * of the entry (never reset) */
    void (*prefetch)(const struct ovsp4_table *, const uint8_t *const *keys,
                     uint32_t n, const struct ovsp4_entry **results);
                                /* the class's, or NULL */
    void *impl;                 /* the algorithm's state */
    uint32_t key_len;
    uint32_t kl;                /* key_len rounded up to 8 (>= 8) */

    /* Constant after creation. */
    const struct ovsp4_table_class *class;
    char *name;
    uint32_t n_fields;
    struct ovsp4_field_desc *fields;
    uint32_t max_size;
    uint32_t action_data_size;
    uint64_t seed;
    int lpm_field;              /* index of the (single) LPM field, or -1 */
    bool has_priority;          /* TERNARY, RANGE or OPTIONAL fields */
    bool has_range;
    uint32_t n_arrays;          /* value; + mask; + high */
    size_t entry_size;          /* with the inline action, without the
                                 * struct ovsp4_entry_ctl in front */
    size_t action_offset;       /* of the inline action in an entry */
    size_t action_size;         /* sizeof(struct ovsp4_action) + data */
    struct ovsp4_rcu *rcu;

    /* Control side, under `mutex`. */
    pthread_mutex_t mutex;
    uint32_t n_ops;                     /* operations, for RCU polling */
    uint32_t n_entries;
    uint64_t next_id;
    struct ovsp4_entry *head, *tail;    /* all entries by id */
    struct ovsp4_entry *cursor_entry;   /* iteration resume hint */
    uint64_t cursor_id;
    struct ovsp4_entry *scratch;        /* canonical match of a request */
    struct ovsp4_field_match *info_fields;
};

/* Control-side fields of an entry, allocated just before it. */
struct ovsp4_entry_ctl {
    struct ovsp4_entry *list_prev, *list_next;  /* table's entries, by id */
    uint64_t id;                /* unique in the table, insertion order */
    uint64_t idle_timeout_ns;
    uint64_t cookie;
    void *algo_ptr[3];          /* algorithm's: TSS subtable, BSL treap
                                 * and covering prefix */
    uint32_t algo_u32;          /* algorithm's: DIR next hop, BSL treap */
    uint32_t hash;              /* algorithm's index hash */
};

#define OVSP4_ENTRY_CTL_SIZE OVSP4_ROUND_UP(sizeof(struct ovsp4_entry_ctl), 16)

static inline struct ovsp4_entry_ctl *
ovsp4_entry_ctl(const struct ovsp4_entry *e)
{
    return (struct ovsp4_entry_ctl *) ((char *) e - OVSP4_ENTRY_CTL_SIZE);
}

#define CTL(E) ovsp4_entry_ctl(E)

/* Canonical match arrays of an entry, each t->kl bytes (zero-padded):
 *   value  exact/LPM/ternary/optional value, RANGE low bound;
 *   mask   the bits a lookup compares by hash: full for EXACT, the prefix
 *          for LPM, the mask for TERNARY, all or nothing for OPTIONAL, and
 *          for RANGE the equivalent prefix when the range is one (else 0,
 *          and the entry's range_check is set);  absent in EXACT tables;
 *   high   RANGE high bounds (absent without RANGE fields). */
static inline uint8_t *
ovsp4_entry_value(const struct ovsp4_entry *e)
{
    return (uint8_t *) e->match;
}

static inline uint8_t *
ovsp4_entry_mask(const struct ovsp4_table *t, const struct ovsp4_entry *e)
{
    return (uint8_t *) e->match + t->kl;
}

static inline uint8_t *
ovsp4_entry_high(const struct ovsp4_table *t, const struct ovsp4_entry *e)
{
    return (uint8_t *) e->match + 2 * t->kl;
}

static inline uint32_t
ovsp4_field_bytes(const struct ovsp4_field_desc *f)
{
    return OVSP4_DIV_ROUND_UP(f->width, 8);
}

/* Mask of the meaningful bits of a field's first byte. */
static inline uint8_t
ovsp4_field_top_mask(const struct ovsp4_field_desc *f)
{
    return 0xff >> (ovsp4_field_bytes(f) * 8 - f->width);
}

/* --- Prefetching (ovsp4_table_prefetch()) ------------------------------ */

/* The prefetch helpers are always inlined: gcc deems a function that does
 * nothing but prefetch "const" and deletes the calls to it (gcc 12), so a
 * helper that is not inlined early prefetches nothing. */
#define OVSP4_PREFETCH_INLINE static inline __attribute__((always_inline))

OVSP4_PREFETCH_INLINE void
ovsp4_prefetch(const void *p)
{
    __builtin_prefetch(p, 0, 3);
}

/* Prefetches the cache lines of [p, p + last]: a line prefetched twice
 * costs next to nothing, so no alignment arithmetic. */
OVSP4_PREFETCH_INLINE void
ovsp4_prefetch_span(const void *p, size_t last)
{
    const char *c = p;

    for (size_t off = 0; off < last; off += OVSP4_CACHE_LINE) {
        ovsp4_prefetch(c + off);
    }
    ovsp4_prefetch(c + last);
}

/* The entry's inline action: where its action lives until a modify. */
static inline const struct ovsp4_action *
ovsp4_entry_inline_action(const struct ovsp4_table *t,
                          const struct ovsp4_entry *e)
{
    return (const struct ovsp4_action *) ((const char *) e + t->action_offset);
}

/* Keys an algorithm's prefetch handles per round of stages (its per-key
 * state lives on the stack). */
#define OVSP4_PREFETCH_CHUNK 32

/* The last two stages of an algorithm's prefetch.  Stage "entry", for an
 * entry `e` found by the earlier stages (NULL: nothing): the lines that
 * its lookup and the caller read -- the header (the action pointer, the
 * counters), `key_bytes` of the match (what the lookup compares, 0 if
 * nothing) and the inline action with its data (its first cache line). */
OVSP4_PREFETCH_INLINE void
ovsp4_prefetch_entry(const struct ovsp4_table *t, const struct ovsp4_entry *e,
                     size_t key_bytes)
{
    if (e) {
        size_t act = sizeof(struct ovsp4_action)
                     + OVSP4_MIN(t->action_data_size, OVSP4_CACHE_LINE) - 1;

        ovsp4_prefetch_span(e, offsetof(struct ovsp4_entry, match)
                               + key_bytes - 1);
        ovsp4_prefetch_span(ovsp4_entry_inline_action(t, e), act);
    }
}

/* Stage "action", once the entries' lines are on their way: an action that
 * is not the entry's inline one (after a modify).  A table that never had
 * an entry modified skips it: the stage waits for the entries' lines. */
OVSP4_PREFETCH_INLINE void
ovsp4_prefetch_moved_actions(const struct ovsp4_table *t,
                             const struct ovsp4_entry *const *e, uint32_t n)
{
    size_t offset = t->action_offset;

    if (!atomic_load_explicit(&((struct ovsp4_table *) t)->actions_moved,
                              memory_order_relaxed)) {
        return;
    }

    for (uint32_t i = 0; i < n; i++) {
        if (e[i]) {
            const struct ovsp4_action *a = ovsp4_entry_action(e[i]);

            if (OVSP4_UNLIKELY((const char *) a
                               != (const char *) e[i] + offset)) {
                ovsp4_prefetch_span(a, sizeof(struct ovsp4_action)
                                       + OVSP4_MIN(t->action_data_size,
                                                   OVSP4_CACHE_LINE) - 1);
            }
        }
    }
}

/* match.c */
enum ovsp4_status ovsp4_match_canonicalize(const struct ovsp4_table *,
                                           const struct ovsp4_match *,
                                           struct ovsp4_entry *);
void ovsp4_match_export(const struct ovsp4_table *,
                        const struct ovsp4_entry *,
                        struct ovsp4_field_match *);
bool ovsp4_match_same(const struct ovsp4_table *, const struct ovsp4_entry *,
                      const struct ovsp4_entry *);
void ovsp4_prefix_mask(uint8_t *mask, const struct ovsp4_field_desc *,
                       uint32_t plen);

#endif /* OVSP4_RT_TABLE_PRIVATE_H */
