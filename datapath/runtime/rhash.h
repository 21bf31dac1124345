/*
 * OvS.p4 runtime: an RCU-safe, resizable hash index of pointers.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Open addressing with linear probing over slots of (32-bit hash, pointer).
 * The index stores no keys: a reader walks the candidates whose stored
 * hash equals the one it looks for and compares keys itself, so one
 * implementation serves the exact-match table (entries), the LPM marker
 * levels (trie nodes) and the tuple-space subtables (rule lists).
 *
 * Readers take no locks and never retry.  Writers (serialised by the
 * caller) change a slot by storing the hash and then, with release
 * semantics, the pointer; readers load the pointer with acquire semantics
 * and then the hash, so a hash they accept belongs to the pointer or to a
 * later one (which the key comparison filters).  Removed slots become
 * tombstones, which readers skip; entries never move while an array is
 * published, so a lookup racing with other updates cannot miss an entry
 * that was present throughout.  Growing, shrinking or purging tombstones
 * builds a new array, publishes it and frees the old one after a grace
 * period: readers are never stalled, a resize costs the writer O(n).
 *
 * The load factor (live + tombstones) stays at most 3/4, so every array
 * has an empty slot and every probe terminates.
 */

#ifndef OVSP4_RT_RHASH_H
#define OVSP4_RT_RHASH_H 1

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "util.h"

struct ovsp4_rcu;

struct ovsp4_rhash_slot {
    _Atomic uint32_t hash;
    _Atomic(void *) ptr;        /* NULL: empty; OVSP4_RHASH_TOMB: removed */
};

struct ovsp4_rhash_array {
    uint32_t mask;              /* number of slots - 1 (a power of 2 - 1) */
    uint32_t reserved;
    struct ovsp4_rhash_slot slots[];
};

#define OVSP4_RHASH_TOMB ((void *) (uintptr_t) 1)

struct ovsp4_rhash {
    _Atomic(struct ovsp4_rhash_array *) arr;    /* NULL while empty */
    uint32_t n;                 /* live pointers (writer side) */
    uint32_t n_used;            /* live + tombstones (writer side) */
};

/* Reader-side probe state. */
struct ovsp4_rhash_pos {
    const struct ovsp4_rhash_array *a;
    uint32_t i;
    uint32_t hash;
};

static inline void *
ovsp4_rhash_next__(struct ovsp4_rhash_pos *pos)
{
    const struct ovsp4_rhash_array *a = pos->a;

    for (;;) {
        struct ovsp4_rhash_slot *s
            = (struct ovsp4_rhash_slot *) &a->slots[pos->i];
        void *p = atomic_load_explicit(&s->ptr, memory_order_acquire);

        pos->i = (pos->i + 1) & a->mask;
        if (!p) {
            return NULL;
        }
        if (p != OVSP4_RHASH_TOMB
            && atomic_load_explicit(&s->hash, memory_order_relaxed)
               == pos->hash) {
            return p;
        }
    }
}

/* First candidate with `hash`, or NULL.  Packet path. */
static inline void *
ovsp4_rhash_first(const struct ovsp4_rhash *rh, uint32_t hash,
                  struct ovsp4_rhash_pos *pos)
{
    const struct ovsp4_rhash_array *a = atomic_load_explicit(
        &((struct ovsp4_rhash *) rh)->arr, memory_order_acquire);

    if (!a) {
        return NULL;
    }
    pos->a = a;
    pos->i = hash & a->mask;
    pos->hash = hash;
    return ovsp4_rhash_next__(pos);
}

/* Prefetches the slot where the probe for `hash` starts.  Packet path.
 * (Always inlined: see OVSP4_PREFETCH_INLINE in table-private.h.) */
static inline __attribute__((always_inline)) void
ovsp4_rhash_prefetch(const struct ovsp4_rhash *rh, uint32_t hash)
{
    const struct ovsp4_rhash_array *a = atomic_load_explicit(
        &((struct ovsp4_rhash *) rh)->arr, memory_order_acquire);

    if (a) {
        __builtin_prefetch(&a->slots[hash & a->mask], 0, 3);
    }
}

/* Next candidate after the one ovsp4_rhash_first/next returned. */
static inline void *
ovsp4_rhash_next(struct ovsp4_rhash_pos *pos)
{
    return ovsp4_rhash_next__(pos);
}

#define OVSP4_RHASH_FOR_EACH_WITH_HASH(PTR, HASH, RH, POS)              \
    for ((PTR) = ovsp4_rhash_first(RH, HASH, POS); (PTR);               \
         (PTR) = ovsp4_rhash_next(POS))

static inline bool
ovsp4_rhash_is_empty(const struct ovsp4_rhash *rh)
{
    return !atomic_load_explicit(&((struct ovsp4_rhash *) rh)->arr,
                                 memory_order_acquire);
}

/* Writer side: the caller serialises writers and owns `rcu`, the domain
 * that delays freeing replaced arrays. */
void ovsp4_rhash_init(struct ovsp4_rhash *);
/* Frees the array at once: no reader may be running. */
void ovsp4_rhash_destroy(struct ovsp4_rhash *);
/* Adds `ptr` (not already present).  Returns false on allocation failure,
 * leaving the index unchanged. */
bool ovsp4_rhash_insert(struct ovsp4_rhash *, struct ovsp4_rcu *,
                        uint32_t hash, void *ptr);
/* Removes `ptr`, which must be present with `hash`. */
void ovsp4_rhash_remove(struct ovsp4_rhash *, struct ovsp4_rcu *,
                        uint32_t hash, void *ptr);
/* Replaces `old` (present with `hash`) by `new`, atomically for readers. */
void ovsp4_rhash_replace(struct ovsp4_rhash *, uint32_t hash, void *old,
                         void *new);
/* Empties the index; the array is freed after a grace period. */
void ovsp4_rhash_clear(struct ovsp4_rhash *, struct ovsp4_rcu *);
/* Makes room for `n` pointers at once, so that bulk loads do not rehash
 * repeatedly.  Returns false on allocation failure. */
bool ovsp4_rhash_reserve(struct ovsp4_rhash *, struct ovsp4_rcu *,
                         uint32_t n);

/* Writer-side iteration over every live pointer. */
#define OVSP4_RHASH_FOR_EACH(PTR, IDX, RH)                              \
    for (const struct ovsp4_rhash_array *a__ = atomic_load_explicit(    \
             &(RH)->arr, memory_order_relaxed);                         \
         a__; a__ = NULL)                                               \
        for ((IDX) = 0; (IDX) <= a__->mask; (IDX)++)                    \
            if (((PTR) = atomic_load_explicit(                          \
                     &((struct ovsp4_rhash_slot *) a__->slots)[IDX].ptr, \
                     memory_order_relaxed))                             \
                && (void *) (PTR) != OVSP4_RHASH_TOMB)

#endif /* OVSP4_RT_RHASH_H */
