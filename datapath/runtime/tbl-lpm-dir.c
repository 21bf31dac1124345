/*
 * OvS.p4 runtime: LPM on one field of at most 32 bits (DIR-24-8).
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The structure of DPDK's rte_lpm, generalised to any field width up to 32
 * bits and to more than one extension level.  The field is left-aligned in
 * a 32-bit word.  A first-level array `tbl1` is indexed by its top s1 bits
 * (s1 = 24 for tables declared with at least 8192 entries, 16 otherwise,
 * never more than the width: 64 MiB of mostly untouched virtual memory,
 * or 256 KiB); every further level is a "group" of 256 slots indexed by the
 * next 8 bits.  A slot is 32 bits:
 *
 *     bit 31      valid: a route covers this slot
 *     bit 30      group: the payload is a group index (a longer route
 *                 exists below; the group carries the covering route down)
 *     bits 24-29  depth: prefix length of the route in a leaf slot
 *     bits 0-23   payload: next-hop index (leaf) or group index
 *
 * A lookup is one load per level -- one for routes up to /s1, two with
 * s1 = 24 and a /32 -- plus the next-hop load, with no comparisons.
 * dir_prefetch() runs the lookups of a batch of keys level by level, with
 * prefetches, so that their cache misses overlap.
 *
 * Insertion of prefix P/len writes a leaf (nh, len) in the 2^(end - len)
 * slots the prefix covers at the first level resolving `len` bits (end >=
 * len), creating groups on the way down (a new group starts as 256 copies
 * of the slot it replaces), and overwrites only slots holding no route or
 * a route of depth <= len, recursing into groups, so longer routes stay.
 * Deletion rewrites the slots of depth == len with the covering route --
 * the longest shorter route containing P, found in the control-side route
 * index (a hash of (prefix, length) probed at each shorter length in use)
 * -- or with "no route", then folds back groups that became uniform.
 *
 * Readers never see a half-built state: a group is filled before its
 * index is published; next-hop and group indices are reused only after a
 * grace period (idpool.h), so a stale index never names another route; a
 * lookup racing with an update returns the old or the new route of every
 * slot it reads.
 *
 * Groups and next-hop pointers live in chunks reached through directories
 * whose chunks never move, so both grow without copying.  1M prefixes with
 * a realistic length distribution need a few thousand groups.
 */

#include <stdlib.h>

#include "idpool.h"
#include "rcu.h"
#include "rhash.h"
#include "table-private.h"

#define DIR_VALID 0x80000000u
#define DIR_GROUP 0x40000000u
#define DIR_DEPTH_SHIFT 24
#define DIR_DEPTH_MASK 0x3fu
#define DIR_PAYLOAD 0x00ffffffu
#define DIR_MAX_IDX (1u << 24)

#define GROUP_SLOTS 256u
#define CHUNK_GROUPS 64u                /* 64 KiB chunks */
#define NH_CHUNK 4096u                  /* 32 KiB chunks */
#define N_GDIR (DIR_MAX_IDX / CHUNK_GROUPS)
#define N_NDIR (DIR_MAX_IDX / NH_CHUNK)

#define LARGE_TABLE 8192u               /* entries: use a 24-bit tbl1 */

typedef _Atomic uint32_t slot_t;
typedef _Atomic(struct ovsp4_entry *) nh_t;

struct dir {
    /* Packet path. */
    uint32_t field_off;
    uint32_t field_bytes;
    uint32_t shift;             /* 32 - width */
    uint32_t s1;                /* bits resolved by tbl1 */
    slot_t *tbl1;
    _Atomic(slot_t *) *gdir;    /* group chunks */
    _Atomic(nh_t *) *ndir;      /* next-hop chunks */

    /* Control side. */
    uint32_t width;
    size_t tbl1_bytes;
    struct ovsp4_idpool groups;
    struct ovsp4_idpool nhs;
    struct ovsp4_rhash routes;  /* (prefix, len) -> entry */
    uint32_t len_count[33];     /* routes per prefix length */
};

static inline uint32_t
leaf(uint32_t nh, uint32_t depth)
{
    return DIR_VALID | (depth << DIR_DEPTH_SHIFT) | nh;
}

static inline uint32_t
depth_of(uint32_t s)
{
    return (s >> DIR_DEPTH_SHIFT) & DIR_DEPTH_MASK;
}

static inline uint32_t
load_slot(const slot_t *s)
{
    return atomic_load_explicit((slot_t *) s, memory_order_acquire);
}

static inline void
store_slot(slot_t *s, uint32_t v)
{
    atomic_store_explicit(s, v, memory_order_release);
}

/* The field, left-aligned in 32 bits. */
static inline uint32_t
field_bits(const struct dir *d, const uint8_t *key)
{
    return ovsp4_load_be_u32(key + d->field_off, d->field_bytes) << d->shift;
}

/* The slot of group slot value `s` that the lookup of `v` reads next, `pos`
 * bits of `v` being resolved. */
static inline const slot_t *
group_slot(const struct dir *d, uint32_t s, uint32_t v, uint32_t pos)
{
    uint32_t g = s & DIR_PAYLOAD;
    const slot_t *gs = atomic_load_explicit(&d->gdir[g / CHUNK_GROUPS],
                                            memory_order_acquire);

    return &gs[(g % CHUNK_GROUPS) * GROUP_SLOTS + ((v << pos) >> 24)];
}

/* Where next hop `nh` lives. */
static inline const nh_t *
nh_slot(const struct dir *d, uint32_t nh)
{
    const nh_t *chunk = atomic_load_explicit(&d->ndir[nh / NH_CHUNK],
                                             memory_order_acquire);

    return &chunk[nh % NH_CHUNK];
}

static const struct ovsp4_entry *
dir_lookup(const struct ovsp4_table *t, const uint8_t *key)
{
    const struct dir *d = t->impl;
    uint32_t v = field_bits(d, key);
    uint32_t s = load_slot(&d->tbl1[v >> (32 - d->s1)]);
    uint32_t pos = d->s1;

    while (OVSP4_UNLIKELY(s & DIR_GROUP)) {
        s = load_slot(group_slot(d, s, v, pos));
        pos += 8;
    }
    if (!(s & DIR_VALID)) {
        return NULL;
    }
    return atomic_load_explicit((nh_t *) nh_slot(d, s & DIR_PAYLOAD),
                                memory_order_acquire);
}

/* The lookup of every key, stage by stage: (1) prefetch the first-level
 * slots; (2) read them and prefetch the next-hop slots, or for the keys
 * that meet a group the group slots below, as many rounds as there are
 * group levels (rare: only those keys take part); (3) read the next-hop
 * slots and prefetch the entries, then their actions
 * (ovsp4_prefetch_entry(), ovsp4_prefetch_moved_actions()).  Each stage
 * runs over a whole chunk of keys before the next, so that the misses of
 * the chunk overlap. */
static void
dir_prefetch(const struct ovsp4_table *t, const uint8_t *const *keys,
             uint32_t n, const struct ovsp4_entry **results)
{
    const struct dir *d = t->impl;
    const uint32_t s1 = d->s1;
    const slot_t *const tbl1 = d->tbl1;

    for (uint32_t base = 0; base < n; base += OVSP4_PREFETCH_CHUNK) {
        uint32_t m = OVSP4_MIN(n - base, OVSP4_PREFETCH_CHUNK);
        const slot_t *slot[OVSP4_PREFETCH_CHUNK];
        const nh_t *nhp[OVSP4_PREFETCH_CHUNK];
        const struct ovsp4_entry *e[OVSP4_PREFETCH_CHUNK];
        uint8_t deep[OVSP4_PREFETCH_CHUNK];     /* keys in a group */
        uint32_t n_deep = 0;

        for (uint32_t i = 0; i < m; i++) {
            slot[i] = &tbl1[field_bits(d, keys[base + i]) >> (32 - s1)];
            ovsp4_prefetch(slot[i]);
        }
        for (uint32_t i = 0; i < m; i++) {
            uint32_t s = load_slot(slot[i]);

            nhp[i] = NULL;
            if (OVSP4_LIKELY(!(s & DIR_GROUP))) {
                if (s & DIR_VALID) {
                    nhp[i] = nh_slot(d, s & DIR_PAYLOAD);
                    ovsp4_prefetch(nhp[i]);
                }
            } else {
                slot[i] = group_slot(d, s, field_bits(d, keys[base + i]), s1);
                ovsp4_prefetch(slot[i]);
                deep[n_deep++] = i;
            }
        }
        for (uint32_t pos = s1 + 8; n_deep; pos += 8) {
            uint32_t still = 0;

            for (uint32_t j = 0; j < n_deep; j++) {
                uint32_t i = deep[j];
                uint32_t s = load_slot(slot[i]);

                if (s & DIR_GROUP) {
                    slot[i] = group_slot(d, s, field_bits(d, keys[base + i]),
                                         pos);
                    ovsp4_prefetch(slot[i]);
                    deep[still++] = i;
                } else if (s & DIR_VALID) {
                    nhp[i] = nh_slot(d, s & DIR_PAYLOAD);
                    ovsp4_prefetch(nhp[i]);
                }
            }
            n_deep = still;
        }
        for (uint32_t i = 0; i < m; i++) {
            e[i] = nhp[i] ? atomic_load_explicit((nh_t *) nhp[i],
                                                 memory_order_acquire)
                          : NULL;
            ovsp4_prefetch_entry(t, e[i], 0);
        }
        if (results) {
            /* (the walk above is dir_lookup()'s, level by level) */
            memcpy(&results[base], e, m * sizeof *e);
        }
        ovsp4_prefetch_moved_actions(t, e, m);
    }
}

/* --- Control side ------------------------------------------------------- */

static uint32_t prefix_mask32(uint32_t len);
static uint32_t route_hash(const struct ovsp4_table *, uint32_t p,
                           uint32_t len);

/* An update of prefix P/len touches P's first-level slot first (and the
 * slots after it, which the hardware prefetcher follows), and P's place in
 * the route index. */
static void
dir_prefetch_update(const struct ovsp4_table *t, const struct ovsp4_match *m)
{
    const struct dir *d = t->impl;
    const struct ovsp4_field_match *fm = &m->fields[t->lpm_field];
    uint32_t len = fm->prefix_len, p;

    if (!fm->value || len > d->width) {
        return;
    }
    p = (ovsp4_load_be_u32(fm->value, d->field_bytes) << d->shift)
        & prefix_mask32(len);
    ovsp4_prefetch(&d->tbl1[p >> (32 - d->s1)]);
    ovsp4_rhash_prefetch(&d->routes, route_hash(t, p, len));
}


static slot_t *
group_slots(const struct dir *d, uint32_t g)
{
    slot_t *chunk = atomic_load_explicit(&d->gdir[g / CHUNK_GROUPS],
                                         memory_order_relaxed);
    return &chunk[(g % CHUNK_GROUPS) * GROUP_SLOTS];
}

/* Allocates a group index whose chunk exists. */
static bool
group_alloc(struct dir *d, struct ovsp4_rcu *rcu, uint32_t *gp)
{
    uint32_t g;

    if (!ovsp4_idpool_alloc(&d->groups, rcu, &g)) {
        return false;
    }
    if (!atomic_load_explicit(&d->gdir[g / CHUNK_GROUPS],
                              memory_order_relaxed)) {
        slot_t *chunk = calloc(CHUNK_GROUPS * GROUP_SLOTS, sizeof *chunk);

        if (!chunk) {
            ovsp4_idpool_put(&d->groups, g);
            return false;
        }
        atomic_store_explicit(&d->gdir[g / CHUNK_GROUPS], chunk,
                              memory_order_release);
    }
    *gp = g;
    return true;
}

static bool
nh_alloc(struct dir *d, struct ovsp4_rcu *rcu, uint32_t *nhp)
{
    uint32_t nh;

    if (!ovsp4_idpool_alloc(&d->nhs, rcu, &nh)) {
        return false;
    }
    if (!atomic_load_explicit(&d->ndir[nh / NH_CHUNK],
                              memory_order_relaxed)) {
        nh_t *chunk = calloc(NH_CHUNK, sizeof *chunk);

        if (!chunk) {
            ovsp4_idpool_put(&d->nhs, nh);
            return false;
        }
        atomic_store_explicit(&d->ndir[nh / NH_CHUNK], chunk,
                              memory_order_release);
    }
    *nhp = nh;
    return true;
}

static void
nh_set(struct dir *d, uint32_t nh, struct ovsp4_entry *e)
{
    nh_t *chunk = atomic_load_explicit(&d->ndir[nh / NH_CHUNK],
                                       memory_order_relaxed);

    atomic_store_explicit(&chunk[nh % NH_CHUNK], e, memory_order_release);
}

/* Number of group levels below tbl1 needed to resolve `len` bits. */
static uint32_t
levels_for(const struct dir *d, uint32_t len)
{
    return len > d->s1 ? OVSP4_DIV_ROUND_UP(len - d->s1, 8) : 0;
}

/* Writes `lf` (a leaf of depth `len`) where no longer route is. */
static void
fill_add(struct dir *d, slot_t *slots, uint32_t first, uint32_t count,
         uint32_t lf, uint32_t len)
{
    for (uint32_t i = first; i < first + count; i++) {
        uint32_t s = atomic_load_explicit(&slots[i], memory_order_relaxed);

        if (s & DIR_GROUP) {
            fill_add(d, group_slots(d, s & DIR_PAYLOAD), 0, GROUP_SLOTS,
                     lf, len);
        } else if (!(s & DIR_VALID) || depth_of(s) <= len) {
            if (s != lf) {
                store_slot(&slots[i], lf);
            }
        }
    }
}

static void
group_retire(struct dir *d, struct ovsp4_rcu *rcu, uint32_t g)
{
    ovsp4_idpool_retire(&d->groups, rcu, g);
}

/* If group `g`, referenced by `*parent`, holds 256 identical leaves (or no
 * route at all), puts that value back in the parent and frees the group. */
static void
try_collapse(struct dir *d, struct ovsp4_rcu *rcu, slot_t *parent,
             uint32_t g)
{
    const slot_t *gs = group_slots(d, g);
    uint32_t v = atomic_load_explicit(&gs[0], memory_order_relaxed);

    if (v & DIR_GROUP) {
        return;
    }
    for (uint32_t i = 1; i < GROUP_SLOTS; i++) {
        if (atomic_load_explicit(&gs[i], memory_order_relaxed) != v) {
            return;
        }
    }
    store_slot(parent, v);
    group_retire(d, rcu, g);
}

/* Replaces the leaves of depth `len` by `repl`, recursing into groups and
 * folding back those that become uniform. */
static void
fill_del(struct dir *d, struct ovsp4_rcu *rcu, slot_t *slots, uint32_t first,
         uint32_t count, uint32_t len, uint32_t repl)
{
    for (uint32_t i = first; i < first + count; i++) {
        uint32_t s = atomic_load_explicit(&slots[i], memory_order_relaxed);

        if (s & DIR_GROUP) {
            uint32_t g = s & DIR_PAYLOAD;

            fill_del(d, rcu, group_slots(d, g), 0, GROUP_SLOTS, len, repl);
            try_collapse(d, rcu, &slots[i], g);
        } else if ((s & DIR_VALID) && depth_of(s) == len) {
            store_slot(&slots[i], repl);
        }
    }
}

/* Where prefix `p`/`len` lives: the slot array at the level resolving
 * `len` bits and the index of p's slot in it.  `path[k]` receives the slot
 * through which level k + 1 is reached.  With `create`, missing groups are
 * created (the caller has checked that `spare` has enough of them). */
static slot_t *
walk(struct dir *d, uint32_t p, uint32_t len, bool create,
     uint32_t *spare, slot_t **path, uint32_t *idxp)
{
    slot_t *slots = d->tbl1;
    uint32_t idx = p >> (32 - d->s1);
    uint32_t end = d->s1;
    uint32_t k = 0;

    while (len > end) {
        uint32_t s = atomic_load_explicit(&slots[idx], memory_order_relaxed);
        uint32_t g;

        if (s & DIR_GROUP) {
            g = s & DIR_PAYLOAD;
        } else {
            slot_t *gs;

            if (!create) {
                abort();        /* a route's groups always exist */
            }
            g = *spare++;
            gs = group_slots(d, g);
            for (uint32_t i = 0; i < GROUP_SLOTS; i++) {
                atomic_store_explicit(&gs[i], s, memory_order_relaxed);
            }
            store_slot(&slots[idx], DIR_GROUP | g);    /* publishes gs */
        }
        path[k++] = &slots[idx];
        slots = group_slots(d, g);
        idx = (p << end) >> 24;
        end += 8;
    }
    *idxp = idx;
    return slots;
}

/* Left-aligned prefix of an entry. */
static uint32_t
entry_prefix(const struct dir *d, const struct ovsp4_entry *e)
{
    return field_bits(d, ovsp4_entry_value(e));
}

static uint32_t
prefix_mask32(uint32_t len)
{
    return len ? ~0u << (32 - len) : 0;
}

static uint32_t
route_hash(const struct ovsp4_table *t, uint32_t p, uint32_t len)
{
    return ovsp4_hash_finish(ovsp4_hash_add64(t->seed,
                                              ((uint64_t) p << 8) | len), 1);
}

static struct ovsp4_entry *
route_find(const struct ovsp4_table *t, uint32_t p, uint32_t len)
{
    const struct dir *d = t->impl;
    struct ovsp4_rhash_pos pos;
    struct ovsp4_entry *e;

    OVSP4_RHASH_FOR_EACH_WITH_HASH (e, route_hash(t, p, len), &d->routes,
                                    &pos) {
        if (e->plen == len && entry_prefix(d, e) == p) {
            return e;
        }
    }
    return NULL;
}

static struct ovsp4_entry *
dir_find(struct ovsp4_table *t, const struct ovsp4_entry *proto)
{
    return route_find(t, entry_prefix(t->impl, proto), proto->plen);
}

static enum ovsp4_status
dir_insert(struct ovsp4_table *t, struct ovsp4_entry *e)
{
    struct dir *d = t->impl;
    uint32_t p = entry_prefix(d, e);
    uint32_t len = e->plen;
    uint32_t spare[4], n_spare = 0, need = 0;
    slot_t *path[4], *slots;
    uint32_t nh, idx, count;

    /* Count and allocate the groups the walk will create, so that nothing
     * fails once publication has started. */
    slots = d->tbl1;
    idx = p >> (32 - d->s1);
    for (uint32_t end = d->s1; len > end; end += 8) {
        uint32_t s = atomic_load_explicit(&slots[idx], memory_order_relaxed);

        if (!(s & DIR_GROUP)) {
            need = levels_for(d, len) - (end - d->s1) / 8;
            break;
        }
        slots = group_slots(d, s & DIR_PAYLOAD);
        idx = (p << end) >> 24;
    }
    for (; n_spare < need; n_spare++) {
        if (!group_alloc(d, t->rcu, &spare[n_spare])) {
            goto nomem;
        }
    }
    if (!nh_alloc(d, t->rcu, &nh)) {
        goto nomem;
    }
    CTL(e)->hash = route_hash(t, p, len);
    if (!ovsp4_rhash_insert(&d->routes, t->rcu, CTL(e)->hash, e)) {
        ovsp4_idpool_put(&d->nhs, nh);
        goto nomem;
    }

    nh_set(d, nh, e);           /* before any slot names it */
    CTL(e)->algo_u32 = nh;
    d->len_count[len]++;
    slots = walk(d, p, len, true, spare, path, &idx);
    count = 1u << (d->s1 + 8 * levels_for(d, len) - len);
    fill_add(d, slots, idx & ~(count - 1), count, leaf(nh, len), len);
    return OVSP4_OK;

nomem:
    while (n_spare) {
        ovsp4_idpool_put(&d->groups, spare[--n_spare]);
    }
    return OVSP4_E_NOMEM;
}

static void
dir_remove(struct ovsp4_table *t, struct ovsp4_entry *e)
{
    struct dir *d = t->impl;
    uint32_t p = entry_prefix(d, e);
    uint32_t len = e->plen;
    uint32_t levels = levels_for(d, len);
    uint32_t repl = 0, idx, count;
    slot_t *path[4], *slots;

    /* The covering route: the longest shorter prefix containing p. */
    for (uint32_t l = len; l-- > 0; ) {
        if (d->len_count[l]) {
            struct ovsp4_entry *c = route_find(t, p & prefix_mask32(l), l);
            if (c) {
                repl = leaf(CTL(c)->algo_u32, l);
                break;
            }
        }
    }

    ovsp4_rhash_remove(&d->routes, t->rcu, CTL(e)->hash, e);
    d->len_count[len]--;

    slots = walk(d, p, len, false, NULL, path, &idx);
    count = 1u << (d->s1 + 8 * levels - len);
    fill_del(d, t->rcu, slots, idx & ~(count - 1), count, len, repl);

    /* Fold back the groups on the path that became uniform, bottom up. */
    for (uint32_t k = levels; k-- > 0; ) {
        uint32_t s = atomic_load_explicit(path[k], memory_order_relaxed);

        if (!(s & DIR_GROUP)) {
            break;
        }
        try_collapse(d, t->rcu, path[k], s & DIR_PAYLOAD);
        if (atomic_load_explicit(path[k], memory_order_relaxed) & DIR_GROUP) {
            break;
        }
    }

    ovsp4_idpool_retire(&d->nhs, t->rcu, CTL(e)->algo_u32);
}

/* Retires group `g` and the groups below it. */
static void
retire_tree(struct dir *d, struct ovsp4_rcu *rcu, uint32_t g)
{
    const slot_t *gs = group_slots(d, g);

    for (uint32_t i = 0; i < GROUP_SLOTS; i++) {
        uint32_t s = atomic_load_explicit(&gs[i], memory_order_relaxed);
        if (s & DIR_GROUP) {
            retire_tree(d, rcu, s & DIR_PAYLOAD);
        }
    }
    group_retire(d, rcu, g);
}

static void
dir_clear(struct ovsp4_table *t)
{
    struct dir *d = t->impl;
    uint32_t n = 1u << d->s1;
    struct ovsp4_entry *e;
    uint32_t i;

    for (i = 0; i < n; i++) {
        uint32_t s = atomic_load_explicit(&d->tbl1[i], memory_order_relaxed);

        if (s) {
            store_slot(&d->tbl1[i], 0);
            if (s & DIR_GROUP) {
                retire_tree(d, t->rcu, s & DIR_PAYLOAD);
            }
        }
    }
    OVSP4_RHASH_FOR_EACH (e, i, &d->routes) {
        ovsp4_idpool_retire(&d->nhs, t->rcu, CTL(e)->algo_u32);
    }
    ovsp4_rhash_clear(&d->routes, t->rcu);
    memset(d->len_count, 0, sizeof d->len_count);
}

static void
dir_destroy(struct ovsp4_table *t)
{
    struct dir *d = t->impl;

    for (uint32_t i = 0; d->gdir && i < N_GDIR; i++) {
        free(atomic_load_explicit(&d->gdir[i], memory_order_relaxed));
    }
    for (uint32_t i = 0; d->ndir && i < N_NDIR; i++) {
        free(atomic_load_explicit(&d->ndir[i], memory_order_relaxed));
    }
    ovsp4_big_free(d->gdir, N_GDIR * sizeof *d->gdir);
    free(d->ndir);
    ovsp4_big_free(d->tbl1, d->tbl1_bytes);
    ovsp4_idpool_destroy(&d->groups);
    ovsp4_idpool_destroy(&d->nhs);
    ovsp4_rhash_destroy(&d->routes);
    free(d);
}

static enum ovsp4_status
dir_init(struct ovsp4_table *t)
{
    const struct ovsp4_field_desc *f = &t->fields[t->lpm_field];
    struct dir *d = calloc(1, sizeof *d);

    if (!d) {
        return OVSP4_E_NOMEM;
    }
    d->width = f->width;
    d->field_off = f->offset;
    d->field_bytes = ovsp4_field_bytes(f);
    d->shift = 32 - f->width;
    d->s1 = OVSP4_MIN(f->width, t->max_size >= LARGE_TABLE ? 24u : 16u);
    d->tbl1_bytes = ((size_t) 1 << d->s1) * sizeof(slot_t);
    d->tbl1 = ovsp4_big_alloc(d->tbl1_bytes);
    if (d->tbl1 && t->max_size >= LARGE_TABLE) {
        /* A large table's routes spread over all of its first level: its
         * pages are faulted in now, as DPDK's rte_lpm allocates its tbl24,
         * not by the first inserts (zero-filled pages cost an insert of
         * the first 100k routes half its time, and more in a VM whose
         * memory is backed lazily). */
        ovsp4_big_populate(d->tbl1, d->tbl1_bytes);
    }
    d->gdir = ovsp4_big_alloc(N_GDIR * sizeof *d->gdir);
    d->ndir = calloc(N_NDIR, sizeof *d->ndir);
    ovsp4_idpool_init(&d->groups, DIR_MAX_IDX);
    ovsp4_idpool_init(&d->nhs, DIR_MAX_IDX);
    ovsp4_rhash_init(&d->routes);
    t->impl = d;
    if (!d->tbl1 || !d->gdir || !d->ndir) {
        dir_destroy(t);
        t->impl = NULL;
        return OVSP4_E_NOMEM;
    }
    return OVSP4_OK;
}

static void
dir_stats(struct ovsp4_table *t, struct ovsp4_table_stats *st)
{
    const struct ovsp4_idpool *g = &((struct dir *) t->impl)->groups;

    st->n_groups = g->next - g->n_free - g->n_pend;
}

const struct ovsp4_table_class ovsp4_table_lpm_dir_class = {
    .algo = OVSP4_ALGO_LPM_DIR,
    .name = "lpm-dir",
    .init = dir_init,
    .destroy = dir_destroy,
    .lookup = dir_lookup,
    .prefetch = dir_prefetch,
    .prefetch_update = dir_prefetch_update,
    .find = dir_find,
    .insert = dir_insert,
    .remove = dir_remove,
    .clear = dir_clear,
    .stats = dir_stats,
};
