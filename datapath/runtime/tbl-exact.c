/*
 * OvS.p4 runtime: exact-match tables.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A hash of the whole key indexes the entries (rhash.h: linear probing,
 * RCU-resized).  A lookup costs one hash of key_len bytes, usually one
 * cache line of slots and one key comparison.  exact_prefetch() runs the
 * first steps of a batch of lookups stage by stage, with prefetches.
 */

#include <stdlib.h>

#include "rcu.h"
#include "rhash.h"
#include "table-private.h"

struct exact {
    struct ovsp4_rhash index;
};

static enum ovsp4_status
exact_init(struct ovsp4_table *t)
{
    struct exact *x = calloc(1, sizeof *x);

    if (!x) {
        return OVSP4_E_NOMEM;
    }
    ovsp4_rhash_init(&x->index);
    t->impl = x;
    return OVSP4_OK;
}

static void
exact_destroy(struct ovsp4_table *t)
{
    struct exact *x = t->impl;

    ovsp4_rhash_destroy(&x->index);
    free(x);
}

/* Compares a caller's key with an entry's zero-padded value, by words. */
static inline bool
key_equal(const uint8_t *key, const struct ovsp4_entry *e, uint32_t len)
{
    uint64_t diff = 0;
    uint32_t n = OVSP4_DIV_ROUND_UP(len, 8);

    for (uint32_t i = 0; i < n; i++) {
        diff |= ovsp4_load_word(key, i, len) ^ e->match[i];
    }
    return !diff;
}

static const struct ovsp4_entry *
exact_lookup(const struct ovsp4_table *t, const uint8_t *key)
{
    const struct exact *x = t->impl;
    uint32_t hash = ovsp4_hash_bytes(key, t->key_len, t->seed);
    struct ovsp4_rhash_pos pos;
    const struct ovsp4_entry *e;

    OVSP4_RHASH_FOR_EACH_WITH_HASH (e, hash, &x->index, &pos) {
        if (key_equal(key, e, t->key_len)) {
            return e;
        }
    }
    return NULL;
}

/* The lookup of every key, stage by stage: (1) hash the keys and prefetch
 * their first hash slots; (2) read the slots and take the first candidate
 * with the key's hash (not compared: a prefetch may guess wrong); (3)
 * prefetch the candidates' headers, keys and actions
 * (ovsp4_prefetch_entry()), then their moved actions
 * (ovsp4_prefetch_moved_actions()). */
static void
exact_prefetch(const struct ovsp4_table *t, const uint8_t *const *keys,
               uint32_t n, const struct ovsp4_entry **results)
{
    const struct exact *x = t->impl;

    for (uint32_t base = 0; base < n; base += OVSP4_PREFETCH_CHUNK) {
        uint32_t m = OVSP4_MIN(n - base, OVSP4_PREFETCH_CHUNK);
        uint32_t hash[OVSP4_PREFETCH_CHUNK];
        const struct ovsp4_entry *e[OVSP4_PREFETCH_CHUNK];

        for (uint32_t i = 0; i < m; i++) {
            hash[i] = ovsp4_hash_bytes(keys[base + i], t->key_len, t->seed);
            ovsp4_rhash_prefetch(&x->index, hash[i]);
        }
        for (uint32_t i = 0; i < m; i++) {
            struct ovsp4_rhash_pos pos;

            e[i] = ovsp4_rhash_first(&x->index, hash[i], &pos);
            ovsp4_prefetch_entry(t, e[i], t->key_len);
        }
        ovsp4_prefetch_moved_actions(t, e, m);
        for (uint32_t i = 0; results && i < m; i++) {
            /* (the candidates' lines are cached now) */
            results[base + i] = exact_lookup(t, keys[base + i]);
        }
    }
}

/* An update of a key probes the key's hash slot first. */
static void
exact_prefetch_update(const struct ovsp4_table *t, const struct ovsp4_match *m)
{
    const struct exact *x = t->impl;
    uint8_t key[OVSP4_TABLE_MAX_KEY];

    for (uint32_t i = 0; i < t->n_fields; i++) {
        const struct ovsp4_field_desc *f = &t->fields[i];

        if (!m->fields[i].value) {
            return;
        }
        memcpy(key + f->offset, m->fields[i].value, ovsp4_field_bytes(f));
    }
    ovsp4_rhash_prefetch(&x->index, ovsp4_hash_bytes(key, t->key_len, t->seed));
}

static struct ovsp4_entry *
exact_find(struct ovsp4_table *t, const struct ovsp4_entry *proto)
{
    return (struct ovsp4_entry *) exact_lookup(t, ovsp4_entry_value(proto));
}

static enum ovsp4_status
exact_insert(struct ovsp4_table *t, struct ovsp4_entry *e)
{
    struct exact *x = t->impl;

    CTL(e)->hash = ovsp4_hash_bytes(ovsp4_entry_value(e), t->key_len, t->seed);
    return ovsp4_rhash_insert(&x->index, t->rcu, CTL(e)->hash, e)
           ? OVSP4_OK : OVSP4_E_NOMEM;
}

static void
exact_remove(struct ovsp4_table *t, struct ovsp4_entry *e)
{
    struct exact *x = t->impl;

    ovsp4_rhash_remove(&x->index, t->rcu, CTL(e)->hash, e);
}

static void
exact_clear(struct ovsp4_table *t)
{
    struct exact *x = t->impl;

    ovsp4_rhash_clear(&x->index, t->rcu);
}

const struct ovsp4_table_class ovsp4_table_exact_class = {
    .algo = OVSP4_ALGO_EXACT,
    .name = "exact",
    .init = exact_init,
    .destroy = exact_destroy,
    .lookup = exact_lookup,
    .prefetch = exact_prefetch,
    .prefetch_update = exact_prefetch_update,
    .find = exact_find,
    .insert = exact_insert,
    .remove = exact_remove,
    .clear = exact_clear,
};
