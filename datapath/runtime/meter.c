/*
 * OvS.p4 runtime: meters -- two-rate three-colour markers (RFC 2698).
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Semantics are BMv2's (bm_sim/meters.cpp): colour-blind trTCM with
 * P4Runtime's MeterConfig (cir, cburst, pir, pburst in units per second
 * and units, the unit being packets or bytes).  Both buckets start full.
 * A packet of B units is RED if the peak bucket holds fewer than B tokens
 * (nothing is taken), else YELLOW if the committed bucket holds fewer than
 * B (B taken from the peak bucket), else GREEN (B taken from both).  An
 * unconfigured meter marks GREEN.
 *
 * Lock-free buckets.  A token bucket of rate r and depth b is the generic
 * cell rate algorithm: its whole state is one number, the theoretical
 * arrival time TAT, and a packet of B units at time t conforms iff
 * max(TAT, t) + B*T - t <= b*T (T = 1/r), in which case TAT becomes
 * max(TAT, t) + B*T.  That is exactly a bucket that fills continuously,
 * and it is updated with one compare-and-swap per bucket.  The two buckets
 * of a meter are updated one after the other: two packets racing on one
 * meter may be ordered differently on each bucket, which can only change
 * which of them gets which colour, never the number of tokens taken (a
 * benign race).
 *
 * Exact arithmetic.  Time is measured in "credits": V(t) = t * r * m / 1e9
 * for a time t in ns, m a power of two chosen per bucket so that r * m is
 * about 2^34 credits per second.  A token is then worth exactly m credits
 * (no rounding that could accumulate over a burst), the bucket depth is
 * b * m credits, and the only rounding is V(t)'s, below one credit (a
 * 2^-34 s tick at most), computed without division as t * q + t * f / 2^64
 * with q + f / 2^64 = r * m / 1e9.  Credits count modulo 2^64 and TAT is
 * compared with V(t) by signed difference; the period is at least 2^30 s
 * (34 years).  A TAT more than depth + METER_SKEW ahead of V(t) can only
 * be stale and counts as a full bucket.  TAT 0 means "fresh: bucket full".
 * A rate of 0 never refills: the word then counts the tokens taken from
 * the initial burst.
 *
 * Reconfiguring a meter publishes a new state object (config and buckets
 * together, buckets full, as BMv2's set_rates) and frees the old one after
 * a grace period.
 */

#include <stdlib.h>

#include "runtime-private.h"

#define METER_CREDIT_RATE (UINT64_C(1) << 34)     /* credits per second */
#define METER_SKEW (UINT64_C(1) << 56)
#define METER_TAU_MAX (UINT64_C(1) << 62)
#define NS_PER_SEC 1000000000u

typedef unsigned __int128 u128;

struct rt_bucket {
    uint64_t q, f;              /* credits per ns: q + f / 2^64 */
    uint64_t m;                 /* credits per token */
    uint64_t tau;               /* bucket depth, in credits */
    uint64_t burst;             /* tokens, for rate 0 */
    bool finite;                /* rate > 0 */
};

struct rt_meter_state {
    const struct ovsp4_entry *entry;    /* direct meters: the key */
    struct rt_meter_config cfg;
    bool bytes;
    struct rt_bucket b[2];              /* peak, committed */
    _Atomic uint64_t tat[2];
};

static void
bucket_init(struct rt_bucket *b, uint64_t rate, uint64_t burst)
{
    u128 rm;

    memset(b, 0, sizeof *b);
    b->finite = rate > 0;
    b->burst = burst;
    if (!rate) {
        return;
    }
    b->m = 1;
    while (b->m < (UINT64_C(1) << 62)
           && (u128) rate * b->m * 2 <= METER_CREDIT_RATE
           && (u128) burst * b->m * 2 <= METER_TAU_MAX) {
        b->m *= 2;
    }
    b->tau = (u128) burst * b->m > METER_TAU_MAX ? METER_TAU_MAX
             : burst * b->m;
    rm = (u128) rate * b->m;
    b->q = (uint64_t) (rm / NS_PER_SEC);
    b->f = (uint64_t) (((rm % NS_PER_SEC) << 64) / NS_PER_SEC);
}

static inline uint64_t
bucket_credits(const struct rt_bucket *b, uint64_t now_ns)
{
    return now_ns * b->q + (uint64_t) (((u128) now_ns * b->f) >> 64);
}

static bool
bucket_take(const struct rt_bucket *b, _Atomic uint64_t *tat, uint64_t units,
            uint64_t now_ns)
{
    uint64_t old = atomic_load_explicit(tat, memory_order_relaxed);
    uint64_t v, cost, d, new;

    if (!b->finite) {
        do {
            if (units > b->burst || old > b->burst - units) {
                return false;
            }
        } while (!atomic_compare_exchange_weak_explicit(
                     tat, &old, old + units, memory_order_relaxed,
                     memory_order_relaxed));
        return true;
    }

    if ((u128) units * b->m > b->tau) {
        return false;
    }
    cost = units * b->m;
    v = bucket_credits(b, now_ns);
    for (;;) {
        int64_t diff = (int64_t) (old - v);

        d = !old || diff <= 0 || (uint64_t) diff > b->tau + METER_SKEW
            ? v : old;
        if ((d - v) + cost > b->tau) {
            return false;
        }
        new = d + cost;
        if (!new) {
            new = 1;
        }
        if (atomic_compare_exchange_weak_explicit(tat, &old, new,
                                                  memory_order_relaxed,
                                                  memory_order_relaxed)) {
            return true;
        }
    }
}

static uint32_t
meter_run(struct rt_meter_state *st, uint32_t bytes, uint64_t now_ns)
{
    uint64_t units = st->bytes ? bytes : 1;

    if (!bucket_take(&st->b[0], &st->tat[0], units, now_ns)) {
        return OVSP4_METER_RED;
    }
    if (!bucket_take(&st->b[1], &st->tat[1], units, now_ns)) {
        return OVSP4_METER_YELLOW;
    }
    return OVSP4_METER_GREEN;
}

enum ovsp4_status
rt_meter_check(const struct rt_meter_config *cfg)
{
    return cfg->cir > cfg->pir ? OVSP4_E_INVALID : OVSP4_OK;
}

static struct rt_meter_state *
state_create(const struct ovsp4_rt_meter *m, const struct ovsp4_entry *e,
             const struct rt_meter_config *cfg)
{
    struct rt_meter_state *st = malloc(sizeof *st);

    if (st) {
        st->entry = e;
        st->cfg = *cfg;
        st->bytes = m->desc->unit == OVSP4_UNIT_BYTES;
        bucket_init(&st->b[0], cfg->pir, cfg->pburst);
        bucket_init(&st->b[1], cfg->cir, cfg->cburst);
        atomic_init(&st->tat[0], 0);
        atomic_init(&st->tat[1], 0);
    }
    return st;
}

bool
rt_meter_init(struct ovsp4_rt_meter *m, const struct ovsp4_prog_meter *desc,
              struct ovsp4_rcu *rcu)
{
    m->desc = desc;
    m->rcu = rcu;
    m->size = desc->direct_table >= 0 ? 0 : desc->size;
    m->cells = NULL;
    ovsp4_rhash_init(&m->direct);
    if (m->size) {
        m->cells = calloc(m->size, sizeof *m->cells);
        if (!m->cells) {
            return false;
        }
        for (uint32_t i = 0; i < m->size; i++) {
            atomic_init(&m->cells[i], NULL);
        }
    }
    return true;
}

void
rt_meter_destroy(struct ovsp4_rt_meter *m)
{
    struct rt_meter_state *st;
    uint32_t idx;

    for (uint32_t i = 0; i < m->size; i++) {
        free(atomic_load_explicit(&m->cells[i], memory_order_relaxed));
    }
    free(m->cells);
    m->cells = NULL;
    OVSP4_RHASH_FOR_EACH (st, idx, &m->direct) {
        free(st);
    }
    ovsp4_rhash_destroy(&m->direct);
}

uint32_t
ovsp4_rt_meter_execute(struct ovsp4_rt_meter *m, uint32_t index,
                       uint32_t bytes, uint64_t now_ns)
{
    struct rt_meter_state *st;

    if (OVSP4_UNLIKELY(index >= m->size)) {
        return OVSP4_METER_GREEN;
    }
    st = atomic_load_explicit(&m->cells[index], memory_order_acquire);
    return st ? meter_run(st, bytes, now_ns) : OVSP4_METER_GREEN;
}

enum ovsp4_status
rt_meter_set(struct ovsp4_rt_meter *m, uint32_t index,
             const struct rt_meter_config *cfg)
{
    struct rt_meter_state *st = NULL, *old;

    if (index >= m->size) {
        return OVSP4_E_RANGE;
    }
    if (cfg) {
        if (rt_meter_check(cfg)) {
            return OVSP4_E_INVALID;
        }
        st = state_create(m, NULL, cfg);
        if (!st) {
            return OVSP4_E_NOMEM;
        }
    }
    old = atomic_exchange_explicit(&m->cells[index], st,
                                   memory_order_acq_rel);
    if (old) {
        ovsp4_rcu_defer(m->rcu, free, old);
    }
    return OVSP4_OK;
}

bool
rt_meter_get(const struct ovsp4_rt_meter *m, uint32_t index,
             struct rt_meter_config *cfg)
{
    struct rt_meter_state *st;

    if (index >= m->size) {
        return false;
    }
    st = atomic_load_explicit(&m->cells[index], memory_order_acquire);
    if (st) {
        *cfg = st->cfg;
    }
    return st != NULL;
}

/* --- Direct meters: entry -> state --------------------------------------- */

static uint32_t
entry_hash(const struct ovsp4_entry *e)
{
    uintptr_t p = (uintptr_t) e;

    return ovsp4_hash_finish(ovsp4_hash_add64(0, p), 8);
}

static struct rt_meter_state *
direct_find(const struct ovsp4_rt_meter *m, const struct ovsp4_entry *e)
{
    struct ovsp4_rhash_pos pos;
    struct rt_meter_state *st;

    OVSP4_RHASH_FOR_EACH_WITH_HASH (st, entry_hash(e), &m->direct, &pos) {
        if (st->entry == e) {
            return st;
        }
    }
    return NULL;
}

uint32_t
ovsp4_rt_direct_meter_execute(const struct ovsp4_entry *e,
                              struct ovsp4_rt_meter *m, uint32_t bytes,
                              uint64_t now_ns)
{
    struct rt_meter_state *st;

    if (!e || ovsp4_rhash_is_empty(&m->direct)) {
        return OVSP4_METER_GREEN;
    }
    st = direct_find(m, e);
    return st ? meter_run(st, bytes, now_ns) : OVSP4_METER_GREEN;
}

enum ovsp4_status
rt_meter_direct_set(struct ovsp4_rt_meter *m, const struct ovsp4_entry *e,
                    const struct rt_meter_config *cfg)
{
    struct rt_meter_state *old = direct_find(m, e);
    uint32_t hash = entry_hash(e);
    struct rt_meter_state *st;

    if (!cfg) {
        if (old) {
            ovsp4_rhash_remove(&m->direct, m->rcu, hash, old);
            ovsp4_rcu_defer(m->rcu, free, old);
        }
        return OVSP4_OK;
    }
    if (rt_meter_check(cfg)) {
        return OVSP4_E_INVALID;
    }
    st = state_create(m, e, cfg);
    if (!st) {
        return OVSP4_E_NOMEM;
    }
    if (old) {
        ovsp4_rhash_replace(&m->direct, hash, old, st);
        ovsp4_rcu_defer(m->rcu, free, old);
    } else if (!ovsp4_rhash_insert(&m->direct, m->rcu, hash, st)) {
        free(st);
        return OVSP4_E_NOMEM;
    }
    return OVSP4_OK;
}

bool
rt_meter_direct_get(const struct ovsp4_rt_meter *m,
                    const struct ovsp4_entry *e, struct rt_meter_config *cfg)
{
    struct rt_meter_state *st = direct_find(m, e);

    if (st) {
        *cfg = st->cfg;
    }
    return st != NULL;
}

void
rt_meter_direct_clear(struct ovsp4_rt_meter *m)
{
    struct rt_meter_state *st;
    uint32_t idx;

    OVSP4_RHASH_FOR_EACH (st, idx, &m->direct) {
        ovsp4_rcu_defer(m->rcu, free, st);
    }
    ovsp4_rhash_clear(&m->direct, m->rcu);
}
