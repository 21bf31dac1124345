/*
 * OvS.p4 runtime: RCU-safe hash index.  See rhash.h.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#include "rhash.h"

#include <stdlib.h>

#include "rcu.h"

#define MIN_SLOTS 8u

/* Arrays from this size up are mmap()ed, for transparent huge pages: a
 * lookup in a large table then costs one cache miss, not also a TLB
 * miss. */
#define BIG_ARRAY (2u << 20)

static size_t
array_size(uint32_t n_slots)
{
    return sizeof(struct ovsp4_rhash_array)
           + (size_t) n_slots * sizeof(struct ovsp4_rhash_slot);
}

static struct ovsp4_rhash_array *
array_alloc(uint32_t n_slots)
{
    size_t size = array_size(n_slots);

    return size >= BIG_ARRAY ? ovsp4_big_alloc(size) : calloc(1, size);
}

static void
array_free(void *a_)
{
    struct ovsp4_rhash_array *a = a_;

    if (a) {
        size_t size = array_size(a->mask + 1);

        if (size >= BIG_ARRAY) {
            ovsp4_big_free(a, size);
        } else {
            free(a);
        }
    }
}

void
ovsp4_rhash_init(struct ovsp4_rhash *rh)
{
    atomic_init(&rh->arr, NULL);
    rh->n = 0;
    rh->n_used = 0;
}

void
ovsp4_rhash_destroy(struct ovsp4_rhash *rh)
{
    array_free(atomic_load_explicit(&rh->arr, memory_order_relaxed));
    ovsp4_rhash_init(rh);
}

static struct ovsp4_rhash_array *
cur(const struct ovsp4_rhash *rh)
{
    return atomic_load_explicit(&((struct ovsp4_rhash *) rh)->arr,
                                memory_order_relaxed);
}

static void
put(struct ovsp4_rhash_array *a, uint32_t hash, void *ptr)
{
    for (uint32_t i = hash & a->mask; ; i = (i + 1) & a->mask) {
        struct ovsp4_rhash_slot *s = &a->slots[i];
        void *p = atomic_load_explicit(&s->ptr, memory_order_relaxed);

        if (!p || p == OVSP4_RHASH_TOMB) {
            atomic_store_explicit(&s->hash, hash, memory_order_relaxed);
            atomic_store_explicit(&s->ptr, ptr, memory_order_release);
            return;
        }
    }
}

/* Rebuilds into an array of `n_slots` slots (or none if the index is
 * empty) and publishes it. */
static bool
rebuild(struct ovsp4_rhash *rh, struct ovsp4_rcu *rcu, uint32_t n_slots)
{
    struct ovsp4_rhash_array *old = cur(rh);
    struct ovsp4_rhash_array *a = NULL;

    if (rh->n) {
        a = array_alloc(n_slots);
        if (!a) {
            return false;
        }
        a->mask = n_slots - 1;
        for (uint32_t i = 0; old && i <= old->mask; i++) {
            void *p = atomic_load_explicit(&old->slots[i].ptr,
                                           memory_order_relaxed);
            if (p && p != OVSP4_RHASH_TOMB) {
                put(a, atomic_load_explicit(&old->slots[i].hash,
                                            memory_order_relaxed), p);
            }
        }
    }
    atomic_store_explicit(&rh->arr, a, memory_order_release);
    rh->n_used = rh->n;
    if (old) {
        ovsp4_rcu_defer(rcu, array_free, old);
    }
    return true;
}

/* Slots for `n` live pointers at a load factor of at most 1/2. */
static uint32_t
slots_for(uint32_t n)
{
    return OVSP4_MAX(MIN_SLOTS, ovsp4_round_up_pow2(n * 2));
}

bool
ovsp4_rhash_reserve(struct ovsp4_rhash *rh, struct ovsp4_rcu *rcu,
                    uint32_t n)
{
    struct ovsp4_rhash_array *a = cur(rh);
    uint32_t want = slots_for(n);
    uint32_t saved = rh->n;
    bool ok;

    if (a && a->mask + 1 >= want) {
        return true;
    }
    rh->n = OVSP4_MAX(rh->n, 1);    /* allocate even while empty */
    ok = rebuild(rh, rcu, want);
    rh->n = saved;
    return ok;
}

bool
ovsp4_rhash_insert(struct ovsp4_rhash *rh, struct ovsp4_rcu *rcu,
                   uint32_t hash, void *ptr)
{
    struct ovsp4_rhash_array *a = cur(rh);

    if (!a || (uint64_t) (rh->n_used + 1) * 4 > (uint64_t) (a->mask + 1) * 3) {
        rh->n++;
        if (!rebuild(rh, rcu, slots_for(rh->n))) {
            rh->n--;
            return false;
        }
        rh->n--;
        a = cur(rh);
    }

    for (uint32_t i = hash & a->mask; ; i = (i + 1) & a->mask) {
        struct ovsp4_rhash_slot *s = &a->slots[i];
        void *p = atomic_load_explicit(&s->ptr, memory_order_relaxed);

        if (!p || p == OVSP4_RHASH_TOMB) {
            atomic_store_explicit(&s->hash, hash, memory_order_relaxed);
            atomic_store_explicit(&s->ptr, ptr, memory_order_release);
            rh->n_used += !p;
            rh->n++;
            return true;
        }
    }
}

static struct ovsp4_rhash_slot *
find_slot(struct ovsp4_rhash_array *a, uint32_t hash, void *ptr)
{
    for (uint32_t i = hash & a->mask; ; i = (i + 1) & a->mask) {
        struct ovsp4_rhash_slot *s = &a->slots[i];
        void *p = atomic_load_explicit(&s->ptr, memory_order_relaxed);

        if (p == ptr) {
            return s;
        }
        if (!p) {
            abort();            /* caller bug: not present */
        }
    }
}

void
ovsp4_rhash_remove(struct ovsp4_rhash *rh, struct ovsp4_rcu *rcu,
                   uint32_t hash, void *ptr)
{
    struct ovsp4_rhash_array *a = cur(rh);
    struct ovsp4_rhash_slot *s = find_slot(a, hash, ptr);
    uint32_t i = s - a->slots;

    rh->n--;
    if (!rh->n) {
        rebuild(rh, rcu, 0);    /* publishes NULL: cannot fail */
        return;
    }

    /* A tombstone followed by an empty slot ends no probe sequence that
     * would not end one slot later anyway: make it empty, and so on
     * backwards.  Keeps tombstones from piling up under churn. */
    if (!atomic_load_explicit(&a->slots[(i + 1) & a->mask].ptr,
                              memory_order_relaxed)) {
        for (;;) {
            atomic_store_explicit(&a->slots[i].ptr, NULL,
                                  memory_order_release);
            rh->n_used--;
            i = (i - 1) & a->mask;
            if (atomic_load_explicit(&a->slots[i].ptr, memory_order_relaxed)
                != OVSP4_RHASH_TOMB) {
                break;
            }
        }
    } else {
        atomic_store_explicit(&s->ptr, OVSP4_RHASH_TOMB, memory_order_release);
    }

    /* Shrink when mostly empty; a failure to shrink is harmless. */
    if (a->mask + 1 > MIN_SLOTS && rh->n < (a->mask + 1) / 8) {
        rebuild(rh, rcu, slots_for(rh->n));
    }
}

void
ovsp4_rhash_replace(struct ovsp4_rhash *rh, uint32_t hash, void *old,
                    void *new)
{
    struct ovsp4_rhash_slot *s = find_slot(cur(rh), hash, old);

    atomic_store_explicit(&s->ptr, new, memory_order_release);
}

void
ovsp4_rhash_clear(struct ovsp4_rhash *rh, struct ovsp4_rcu *rcu)
{
    rh->n = 0;
    rebuild(rh, rcu, 0);
}
