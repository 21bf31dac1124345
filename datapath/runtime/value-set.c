/*
 * OvS.p4 runtime: parser value sets.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The members are an immutable array of (value, mask) pairs laid out as
 * the set's key, published RCU-style: a write replaces the whole set (as a
 * P4Runtime ValueSetEntry write does).  Value sets are small (their size
 * is declared in the program), so matching is a linear scan.
 */

#include <stdlib.h>

#include "runtime-private.h"

bool
rt_value_set_init(struct ovsp4_rt_value_set *vs,
                  const struct ovsp4_prog_value_set *desc,
                  struct ovsp4_rcu *rcu)
{
    vs->desc = desc;
    vs->rcu = rcu;
    atomic_init(&vs->members, NULL);
    return true;
}

void
rt_value_set_destroy(struct ovsp4_rt_value_set *vs)
{
    free((void *) atomic_load_explicit(&vs->members, memory_order_relaxed));
    atomic_store_explicit(&vs->members, NULL, memory_order_relaxed);
}

bool
ovsp4_rt_value_set_match(const struct ovsp4_rt_value_set *vs,
                         const uint8_t *key)
{
    const struct rt_vs_members *m = atomic_load_explicit(
        &((struct ovsp4_rt_value_set *) vs)->members, memory_order_acquire);

    if (!m) {
        return false;
    }
    for (uint32_t i = 0; i < m->n; i++) {
        const uint8_t *value = m->data + (size_t) 2 * i * m->key_len;
        const uint8_t *mask = value + m->key_len;
        uint8_t diff = 0;

        for (uint32_t j = 0; j < m->key_len; j++) {
            diff |= (key[j] ^ value[j]) & mask[j];
        }
        if (!diff) {
            return true;
        }
    }
    return false;
}

enum ovsp4_status
rt_value_set_replace(struct ovsp4_rt_value_set *vs, const uint8_t *pairs,
                     uint32_t n)
{
    uint32_t key_len = vs->desc->key_len;
    struct rt_vs_members *m = NULL;
    const struct rt_vs_members *old;

    if (n > vs->desc->size) {
        return OVSP4_E_FULL;
    }
    if (n) {
        m = malloc(sizeof *m + (size_t) 2 * n * key_len);
        if (!m) {
            return OVSP4_E_NOMEM;
        }
        m->n = n;
        m->key_len = key_len;
        memcpy(m->data, pairs, (size_t) 2 * n * key_len);
    }
    old = atomic_exchange_explicit(&vs->members, m, memory_order_acq_rel);
    if (old) {
        ovsp4_rcu_defer(vs->rcu, free, (void *) old);
    }
    return OVSP4_OK;
}
