/*
 * OvS.p4 runtime: tuple space search, for tables with TERNARY, RANGE or
 * OPTIONAL fields (and any other key shape when forced).
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * As OVS's classifier: entries are grouped into subtables by mask; each
 * subtable is a hash of the masked key.  A lookup visits the subtables in
 * decreasing order of the highest priority they contain and stops as soon
 * as no remaining subtable can beat the best match so far, so tables whose
 * high-priority entries match most traffic visit few subtables.
 *
 * Entries with the same masked value in one subtable (same match but
 * different priorities, or ranges differing only in their bounds) form a
 * list sorted by decreasing priority; the list head is what the hash
 * indexes.  Ties between equal priorities go to the oldest entry.
 *
 * Ranges.  A range that is exactly a prefix block ([0x100, 0x1ff], and the
 * full range, i.e. don't care) is stored as a mask and costs nothing.  Any
 * other range leaves its field out of the subtable mask and is checked
 * against the key, by priority, along the bucket's list.  Range-heavy
 * ACLs whose entries share all other fields thus degrade to a
 * priority-ordered scan of those entries -- the price of correctness
 * without the memory blow-up of range-to-prefix expansion (up to 2W - 2
 * prefixes per range field, multiplied across fields), and with one
 * subtable per shape instead of dozens per range.
 *
 * RCU.  The subtable vector is copied, re-sorted and republished whenever
 * a subtable appears, disappears or raises its maximum priority; the
 * maximum recorded there is always >= the priority of every published
 * entry of the subtable (raised before publishing an entry, lowered
 * lazily), so early termination never skips a better entry.  Lists are
 * RCU lists: a new entry is fully linked before its predecessor points to
 * it; an unlinked entry keeps its successor pointer for readers still on
 * it.
 */

#include <limits.h>
#include <stdlib.h>

#include "rcu.h"
#include "rhash.h"
#include "table-private.h"

struct tss_subtable {
    struct ovsp4_rhash rules;   /* list heads by hash of the masked value */
    uint32_t n_widx;
    uint16_t *widx;             /* words where mask is non-zero */

    /* Control side. */
    uint32_t hash;              /* of the mask, in tss->subtables */
    uint32_t n_rules;
    int32_t max_rank;           /* as recorded in the vector */
    uint32_t n_stale;           /* deletions at max_rank since exact */
    uint64_t mask[];            /* kw words, then the widx array */
};

struct tss_vec_entry {
    int32_t max_rank;
    struct tss_subtable *st;
};

struct tss_vec {
    uint32_t n;
    struct tss_vec_entry e[];
};

/* Published by empty tables, so that clearing allocates nothing. */
static const struct tss_vec empty_vec = { 0 };

struct tss {
    _Atomic(struct tss_vec *) vec;      /* sorted by decreasing max_rank */
    uint32_t kw;
    uint32_t n_ranges;
    uint32_t range_off[OVSP4_TABLE_MAX_FIELDS];
    uint32_t range_len[OVSP4_TABLE_MAX_FIELDS];

    /* Control side. */
    struct ovsp4_rhash subtables;       /* by hash of the mask */
};

#define ENTRY_SUBTABLE(E) ((struct tss_subtable *) CTL(E)->algo_ptr[0])

/* --- Packet path -------------------------------------------------------- */

static inline bool
ranges_ok(const struct ovsp4_table *t, const struct tss *x,
          const struct ovsp4_entry *r, const uint8_t *key)
{
    const uint8_t *low = ovsp4_entry_value(r);
    const uint8_t *high = ovsp4_entry_high(t, r);

    for (uint32_t i = 0; i < x->n_ranges; i++) {
        uint32_t off = x->range_off[i], n = x->range_len[i];

        /* Big-endian bytes of equal length compare as numbers. */
        if (memcmp(key + off, low + off, n) < 0
            || memcmp(key + off, high + off, n) > 0) {
            return false;
        }
    }
    return true;
}

static inline struct ovsp4_entry *
next_rule(const struct ovsp4_entry *r)
{
    return atomic_load_explicit(&((struct ovsp4_entry *) r)->next_rule,
                                memory_order_acquire);
}

/* The head of the list in `st` whose masked value equals `key`'s. */
static inline struct ovsp4_entry *
find_head(const struct ovsp4_table *t, const struct tss_subtable *st,
          const uint8_t *key)
{
    uint32_t hash = ovsp4_hash_masked(key, t->key_len, st->mask, st->widx,
                                      st->n_widx, t->seed);
    struct ovsp4_rhash_pos pos;
    struct ovsp4_entry *head;

    OVSP4_RHASH_FOR_EACH_WITH_HASH (head, hash, &st->rules, &pos) {
        if (ovsp4_masked_equal(key, t->key_len, head->match, st->mask,
                               st->widx, st->n_widx)) {
            return head;
        }
    }
    return NULL;
}

static const struct ovsp4_entry *
tss_lookup(const struct ovsp4_table *t, const uint8_t *key)
{
    const struct tss *x = t->impl;
    const struct tss_vec *v = atomic_load_explicit(
        &((struct tss *) x)->vec, memory_order_acquire);
    const struct ovsp4_entry *best = NULL;
    int64_t best_rank = INT64_MIN;

    for (uint32_t i = 0; i < v->n; i++) {
        const struct ovsp4_entry *r;

        if (v->e[i].max_rank <= best_rank) {
            break;              /* nothing further can beat `best` */
        }
        for (r = find_head(t, v->e[i].st, key); r; r = next_rule(r)) {
            if (r->rank <= best_rank) {
                break;
            }
            if (!r->range_check || ranges_ok(t, x, r, key)) {
                best = r;
                best_rank = r->rank;
                break;
            }
        }
    }
    return best;
}

/* --- Control side ------------------------------------------------------- */

static uint32_t
mask_hash(const struct ovsp4_table *t, const uint8_t *mask)
{
    return ovsp4_hash_bytes(mask, t->kl, t->seed ^ 0x5bd1e995);
}

static struct tss_subtable *
subtable_find(const struct ovsp4_table *t, const uint8_t *mask)
{
    const struct tss *x = t->impl;
    struct ovsp4_rhash_pos pos;
    struct tss_subtable *st;

    OVSP4_RHASH_FOR_EACH_WITH_HASH (st, mask_hash(t, mask), &x->subtables,
                                    &pos) {
        if (!memcmp(st->mask, mask, t->kl)) {
            return st;
        }
    }
    return NULL;
}

static void
subtable_free(void *st_)
{
    struct tss_subtable *st = st_;

    ovsp4_rhash_destroy(&st->rules);
    free(st);
}

static void
vec_publish(struct ovsp4_table *t, struct tss_vec *v)
{
    struct tss *x = t->impl;
    struct tss_vec *old = atomic_load_explicit(&x->vec, memory_order_relaxed);

    atomic_store_explicit(&x->vec, v, memory_order_release);
    if (old != &empty_vec) {
        ovsp4_rcu_defer(t->rcu, free, old);
    }
}

/* Publishes a new vector: the current one with `st`'s entry set to
 * `max_rank` (added if absent, removed if `remove`), re-sorted. */
static bool
vec_update(struct ovsp4_table *t, struct tss_subtable *st, int32_t max_rank,
           bool remove)
{
    struct tss *x = t->impl;
    struct tss_vec *old = atomic_load_explicit(&x->vec, memory_order_relaxed);
    struct tss_vec *v = malloc(sizeof *v + (old->n + 1) * sizeof v->e[0]);
    uint32_t n = 0;

    if (!v) {
        return false;
    }
    for (uint32_t i = 0; i < old->n; i++) {
        if (old->e[i].st != st) {
            v->e[n++] = old->e[i];
        }
    }
    if (!remove) {
        v->e[n++] = (struct tss_vec_entry) { max_rank, st };
    }
    v->n = n;
    /* Insertion sort, stable: the vector is nearly sorted already. */
    for (uint32_t i = 1; i < n; i++) {
        struct tss_vec_entry cur = v->e[i];
        uint32_t j = i;

        for (; j > 0 && v->e[j - 1].max_rank < cur.max_rank; j--) {
            v->e[j] = v->e[j - 1];
        }
        v->e[j] = cur;
    }
    vec_publish(t, v);
    st->max_rank = max_rank;
    return true;
}

static struct tss_subtable *
subtable_create(struct ovsp4_table *t, const uint8_t *mask, int32_t rank)
{
    struct tss *x = t->impl;
    struct tss_subtable *st = calloc(1, sizeof *st
                                     + x->kw * (sizeof(uint64_t)
                                                + sizeof(uint16_t)));

    if (!st) {
        return NULL;
    }
    ovsp4_rhash_init(&st->rules);
    memcpy(st->mask, mask, t->kl);
    st->widx = (uint16_t *) &st->mask[x->kw];
    for (uint32_t w = 0; w < x->kw; w++) {
        if (st->mask[w]) {
            st->widx[st->n_widx++] = w;
        }
    }
    st->hash = mask_hash(t, mask);
    if (!ovsp4_rhash_insert(&x->subtables, t->rcu, st->hash, st)) {
        free(st);
        return NULL;
    }
    if (!vec_update(t, st, rank, false)) {
        ovsp4_rhash_remove(&x->subtables, t->rcu, st->hash, st);
        free(st);
        return NULL;
    }
    return st;
}

static void
subtable_delete(struct ovsp4_table *t, struct tss_subtable *st)
{
    struct tss *x = t->impl;

    /* Removing from a vector only shrinks it: on allocation failure the
     * empty subtable stays listed, harmlessly, until a later update. */
    if (vec_update(t, st, 0, true)) {
        ovsp4_rhash_remove(&x->subtables, t->rcu, st->hash, st);
        ovsp4_rcu_defer(t->rcu, subtable_free, st);
    }
}

static struct ovsp4_entry *
tss_find(struct ovsp4_table *t, const struct ovsp4_entry *proto)
{
    struct tss_subtable *st = subtable_find(t, ovsp4_entry_mask(t, proto));
    struct ovsp4_entry *r;

    if (!st) {
        return NULL;
    }
    for (r = find_head(t, st, ovsp4_entry_value(proto)); r;
         r = next_rule(r)) {
        if (ovsp4_match_same(t, r, proto)) {
            return r;
        }
    }
    return NULL;
}

static enum ovsp4_status
tss_insert(struct ovsp4_table *t, struct ovsp4_entry *e)
{
    struct tss_subtable *st = subtable_find(t, ovsp4_entry_mask(t, e));
    struct ovsp4_entry *head, *prev, *next;

    if (!st) {
        st = subtable_create(t, ovsp4_entry_mask(t, e), e->rank);
        if (!st) {
            return OVSP4_E_NOMEM;
        }
    } else if (e->rank > st->max_rank) {
        if (!vec_update(t, st, e->rank, false)) {
            return OVSP4_E_NOMEM;
        }
    }

    CTL(e)->algo_ptr[0] = st;
    CTL(e)->hash = ovsp4_hash_masked(ovsp4_entry_value(e), t->key_len, st->mask,
                                st->widx, st->n_widx, t->seed);
    head = find_head(t, st, ovsp4_entry_value(e));
    if (!head) {
        atomic_store_explicit(&e->next_rule, NULL, memory_order_relaxed);
        if (!ovsp4_rhash_insert(&st->rules, t->rcu, CTL(e)->hash, e)) {
            if (!st->n_rules) {
                subtable_delete(t, st);
            }
            return OVSP4_E_NOMEM;
        }
    } else if (e->rank > head->rank) {
        atomic_store_explicit(&e->next_rule, head, memory_order_relaxed);
        ovsp4_rhash_replace(&st->rules, CTL(e)->hash, head, e);
    } else {
        for (prev = head; (next = next_rule(prev)) && next->rank >= e->rank;
             prev = next) {
            continue;
        }
        atomic_store_explicit(&e->next_rule, next, memory_order_relaxed);
        atomic_store_explicit(&prev->next_rule, e, memory_order_release);
    }
    st->n_rules++;
    return OVSP4_OK;
}

/* Recomputes a subtable's exact maximum priority (the list heads hold
 * their lists' maxima) and lowers the recorded one. */
static void
subtable_refresh_max(struct ovsp4_table *t, struct tss_subtable *st)
{
    int32_t max = INT32_MIN;
    struct ovsp4_entry *head;
    uint32_t i;

    OVSP4_RHASH_FOR_EACH (head, i, &st->rules) {
        max = OVSP4_MAX(max, head->rank);
    }
    st->n_stale = 0;
    if (max < st->max_rank) {
        vec_update(t, st, max, false);  /* on failure: stays higher, fine */
    }
}

static void
tss_remove(struct ovsp4_table *t, struct ovsp4_entry *e)
{
    struct tss_subtable *st = ENTRY_SUBTABLE(e);
    struct ovsp4_entry *head = find_head(t, st, ovsp4_entry_value(e));
    struct ovsp4_entry *next = next_rule(e);

    if (head == e) {
        if (next) {
            ovsp4_rhash_replace(&st->rules, CTL(e)->hash, e, next);
        } else {
            ovsp4_rhash_remove(&st->rules, t->rcu, CTL(e)->hash, e);
        }
    } else {
        struct ovsp4_entry *prev = head;

        while (next_rule(prev) != e) {
            prev = next_rule(prev);
        }
        /* `e` keeps pointing to `next` for readers still on it. */
        atomic_store_explicit(&prev->next_rule, next, memory_order_release);
    }

    if (!--st->n_rules) {
        subtable_delete(t, st);
    } else if (e->rank == st->max_rank
               && ++st->n_stale > st->n_rules / 4) {
        /* Amortised: O(list heads) once per n/4 deletions at the top. */
        subtable_refresh_max(t, st);
    }
}

static void
tss_clear(struct ovsp4_table *t)
{
    struct tss *x = t->impl;
    struct tss_subtable *st;
    uint32_t i;

    vec_publish(t, (struct tss_vec *) &empty_vec);
    OVSP4_RHASH_FOR_EACH (st, i, &x->subtables) {
        ovsp4_rcu_defer(t->rcu, subtable_free, st);
    }
    ovsp4_rhash_clear(&x->subtables, t->rcu);
}

static void
tss_destroy(struct ovsp4_table *t)
{
    struct tss *x = t->impl;
    struct tss_vec *vec;
    struct tss_subtable *st;
    uint32_t i;

    OVSP4_RHASH_FOR_EACH (st, i, &x->subtables) {
        subtable_free(st);
    }
    ovsp4_rhash_destroy(&x->subtables);
    vec = atomic_load_explicit(&x->vec, memory_order_relaxed);
    if (vec != &empty_vec) {
        free(vec);
    }
    free(x);
}

static enum ovsp4_status
tss_init(struct ovsp4_table *t)
{
    struct tss *x = calloc(1, sizeof *x);

    if (!x) {
        return OVSP4_E_NOMEM;
    }
    atomic_init(&x->vec, (struct tss_vec *) &empty_vec);
    x->kw = t->kl / 8;
    for (uint32_t i = 0; i < t->n_fields; i++) {
        if (t->fields[i].kind == OVSP4_MATCH_RANGE) {
            x->range_off[x->n_ranges] = t->fields[i].offset;
            x->range_len[x->n_ranges++] = ovsp4_field_bytes(&t->fields[i]);
        }
    }
    ovsp4_rhash_init(&x->subtables);
    t->impl = x;
    return OVSP4_OK;
}

static void
tss_stats(struct ovsp4_table *t, struct ovsp4_table_stats *st)
{
    st->n_subtables = ((struct tss *) t->impl)->subtables.n;
}

const struct ovsp4_table_class ovsp4_table_tss_class = {
    .algo = OVSP4_ALGO_TSS,
    .name = "tss",
    .init = tss_init,
    .destroy = tss_destroy,
    .lookup = tss_lookup,
    .find = tss_find,
    .insert = tss_insert,
    .remove = tss_remove,
    .clear = tss_clear,
    .stats = tss_stats,
};
