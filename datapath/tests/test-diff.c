/*
 * OvS.p4 runtime tests: every algorithm against a naive linear scan, on
 * random entries, updates and keys (differential testing).
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A run applies thousands of random inserts (fresh and duplicate, with
 * alternative spellings of don't-care fields), deletes (present and
 * absent), modifies, reads and clears to a table and to a reference list,
 * checking every status code, and after each step compares lookups of
 * random keys -- half of them built to hit some entry -- with the best
 * entry the reference finds by scanning all entries.  Tables with
 * priorities may resolve ties between equal priorities either way, so
 * there the check is that the returned entry matches the key and has the
 * best priority; elsewhere the answer is unique and must be the same
 * entry.  Periodically a full paged iteration must return each entry
 * exactly once.  The thread doing this is also the RCU reader that
 * quiesces between steps, like the simulator's single thread.
 */

#include <stdlib.h>
#include <string.h>

#include "tablegen.h"

#define ADATA 16        /* action data: rule index, version, checksum */

struct diff {
    const struct tg_shape *shape;
    struct tg_gen gen;
    struct test_rng rng;
    struct ovsp4_rcu *rcu;
    struct ovsp4_rcu_thread *me;
    struct ovsp4_table *t;
    struct tg_rule *rules;
    bool *live;
    uint32_t *version;
    uint32_t cap;               /* rule slots */
    uint32_t n_live;
    uint32_t max_size;
    uint64_t n_lookups, n_hits;
};

static void
encode_data(uint8_t data[ADATA], uint32_t idx, uint32_t version,
            const struct tg_rule *r, uint32_t key_len)
{
    uint64_t sum = tg_checksum(r->cv, key_len, r->priority);

    memcpy(data, &idx, 4);
    memcpy(data + 4, &version, 4);
    memcpy(data + 8, &sum, 8);
}

/* A duplicate of a live rule, or -1. */
static int
find_same(const struct diff *d, const struct tg_rule *r)
{
    for (uint32_t i = 0; i < d->cap; i++) {
        if (d->live[i] && tg_same(&d->gen, &d->rules[i], r)) {
            return i;
        }
    }
    return -1;
}

static int
random_live(struct diff *d)
{
    if (!d->n_live) {
        return -1;
    }
    for (;;) {
        uint32_t i = rng_below(&d->rng, d->cap);
        if (d->live[i]) {
            return i;
        }
    }
}

static void
check_lookup(struct diff *d, const uint8_t *key)
{
    const struct ovsp4_entry *e = ovsp4_table_lookup(d->t, key);
    int best = -1;

    for (uint32_t i = 0; i < d->cap; i++) {
        if (d->live[i] && tg_matches(&d->gen, &d->rules[i], key)
            && (best < 0 || d->rules[i].rank > d->rules[best].rank)) {
            best = i;
        }
    }
    d->n_lookups++;
    if (best < 0) {
        if (e) {
            test_fail(__FILE__, __LINE__, "%s: hit, expected a miss",
                      d->shape->name);
        }
        return;
    }
    if (!e) {
        test_fail(__FILE__, __LINE__, "%s: miss, expected rule %d (rank %d)",
                  d->shape->name, best, d->rules[best].rank);
        return;
    }
    d->n_hits++;

    const struct ovsp4_action *a = ovsp4_entry_action(e);
    uint32_t idx, version;

    memcpy(&idx, a->data, 4);
    memcpy(&version, a->data + 4, 4);
    if (idx >= d->cap || !d->live[idx]) {
        test_fail(__FILE__, __LINE__, "%s: hit a dead rule %u",
                  d->shape->name, idx);
    } else if (!tg_matches(&d->gen, &d->rules[idx], key)) {
        test_fail(__FILE__, __LINE__, "%s: hit rule %u does not match",
                  d->shape->name, idx);
    } else if (d->rules[idx].rank != d->rules[best].rank
               || (!d->gen.has_priority && (int) idx != best)) {
        test_fail(__FILE__, __LINE__,
                  "%s: hit rule %u (rank %d), expected %d (rank %d)",
                  d->shape->name, idx, d->rules[idx].rank, best,
                  d->rules[best].rank);
    } else if (version != d->version[idx] || a->id != idx % 5) {
        test_fail(__FILE__, __LINE__, "%s: stale action", d->shape->name);
    } else if (e->priority != d->rules[idx].priority) {
        test_fail(__FILE__, __LINE__, "%s: priority", d->shape->name);
    }
}

/* Looks up `n` random keys, in batches that are prefetched first
 * (ovsp4_table_prefetch()), as the generated pipelines do: each lookup is
 * checked against the reference, and against the same lookup before the
 * prefetch.  Every key is a heap block of exactly key_len bytes, so that
 * the sanitizers see a read past its end. */
static void
check_lookups(struct diff *d, int n)
{
    enum { PF_BATCH = 40 };     /* more than one chunk of the prefetch */
    uint32_t len = d->shape->key_len;
    uint8_t *keys[PF_BATCH];
    const struct ovsp4_entry *before[PF_BATCH];

    for (int done = 0; done < n; ) {
        int m = 1 + (int) rng_below(&d->rng, PF_BATCH);

        if (m > n - done) {
            m = n - done;
        }

        for (int i = 0; i < m; i++) {
            int r = rng_below(&d->rng, 2) ? random_live(d) : -1;
            uint8_t key[TG_MAX_KEY];

            tg_random_key(&d->gen, &d->rng, r >= 0 ? &d->rules[r] : NULL,
                          key);
            keys[i] = malloc(len);
            memcpy(keys[i], key, len);
            before[i] = ovsp4_table_lookup(d->t, keys[i]);
        }
        const struct ovsp4_entry *found[PF_BATCH];
        bool with_results = rng_below(&d->rng, 2);

        ovsp4_table_prefetch(d->t, (const uint8_t *const *) keys, m,
                             with_results ? found : NULL);
        for (int i = 0; i < m; i++) {
            if (ovsp4_table_lookup(d->t, keys[i]) != before[i]) {
                test_fail(__FILE__, __LINE__, "%s: a prefetch changed a "
                          "lookup", d->shape->name);
            }
            if (with_results && found[i] != before[i]) {
                test_fail(__FILE__, __LINE__, "%s: a prefetch's result is "
                          "not the lookup's", d->shape->name);
            }
            check_lookup(d, keys[i]);
            free(keys[i]);
        }
        done += m;
    }
}

struct iter_state {
    struct diff *d;
    uint8_t *seen;
    uint32_t budget;
    uint64_t last_id;
    uint32_t n;
};

static bool
iter_cb(const struct ovsp4_entry_info *info, void *aux)
{
    struct iter_state *s = aux;
    uint32_t idx;

    if (!s->budget) {
        return false;
    }
    s->budget--;
    memcpy(&idx, info->action_data, 4);
    if (info->id <= s->last_id) {
        test_fail(__FILE__, __LINE__, "iteration out of order");
    }
    s->last_id = info->id;
    if (idx >= s->d->cap || !s->d->live[idx]) {
        test_fail(__FILE__, __LINE__, "iteration: dead rule %u", idx);
    } else {
        if (s->seen[idx]++) {
            test_fail(__FILE__, __LINE__, "iteration: rule %u twice", idx);
        }
        if (!tg_export_equal(&s->d->gen, &s->d->rules[idx], info->fields)) {
            test_fail(__FILE__, __LINE__, "iteration: rule %u: bad match",
                      idx);
        }
    }
    s->n++;
    return true;
}

static void
check_iteration(struct diff *d)
{
    struct iter_state s = { .d = d, .seen = calloc(d->cap, 1) };
    uint64_t cursor = 0;
    bool done;

    do {
        s.budget = 1 + rng_below(&d->rng, 64);
        done = ovsp4_table_iterate(d->t, &cursor, iter_cb, &s);
    } while (!done);
    CHECK_EQ(s.n, d->n_live);
    CHECK_EQ(ovsp4_table_count(d->t), d->n_live);
    free(s.seen);
}

static bool
read_cb(const struct ovsp4_entry_info *info, void *aux)
{
    memcpy(aux, info, sizeof *info);
    return true;
}

static void
op_insert(struct diff *d, bool dup)
{
    struct ovsp4_field_match fm[TG_MAX_FIELDS];
    struct ovsp4_match m;
    struct tg_rule r;
    uint32_t slot;
    int same;
    enum ovsp4_status st, want;
    uint8_t data[ADATA];

    if (dup) {
        int i = random_live(d);
        if (i < 0) {
            return;
        }
        r = d->rules[i];
    } else {
        tg_random_rule(&d->gen, &d->rng, &r);
    }
    do {
        slot = rng_below(&d->rng, d->cap);
    } while (d->live[slot]);

    same = find_same(d, &r);
    want = same >= 0 ? OVSP4_E_EXISTS
           : d->n_live >= d->max_size ? OVSP4_E_FULL : OVSP4_OK;
    encode_data(data, slot, 0, &r, d->shape->key_len);
    tg_to_match(&d->gen, &r, rng_below(&d->rng, 2), fm, &m);
    st = ovsp4_table_insert(d->t, &m, &(struct ovsp4_entry_spec) {
        .action_id = slot % 5, .action_data = data,
        .action_data_len = ADATA,
    });
    if (st != want) {
        test_fail(__FILE__, __LINE__, "%s: insert returned %d, expected %d",
                  d->shape->name, st, want);
    }
    if (st == OVSP4_OK) {
        d->rules[slot] = r;
        d->live[slot] = true;
        d->version[slot] = 0;
        d->n_live++;
    }
}

static void
op_delete(struct diff *d, bool present)
{
    struct ovsp4_field_match fm[TG_MAX_FIELDS];
    struct ovsp4_match m;
    struct tg_rule r;
    int i = -1;
    enum ovsp4_status st;

    if (present) {
        i = random_live(d);
        if (i < 0) {
            return;
        }
        r = d->rules[i];
    } else {
        tg_random_rule(&d->gen, &d->rng, &r);
        i = find_same(d, &r);
    }
    tg_to_match(&d->gen, &r, rng_below(&d->rng, 2), fm, &m);
    st = ovsp4_table_delete(d->t, &m);
    CHECK_EQ(st, i >= 0 ? OVSP4_OK : OVSP4_E_NOT_FOUND);
    if (i >= 0 && st == OVSP4_OK) {
        d->live[i] = false;
        d->n_live--;
    }
}

static void
op_modify(struct diff *d)
{
    struct ovsp4_field_match fm[TG_MAX_FIELDS];
    struct ovsp4_entry_info info;
    struct ovsp4_match m;
    uint8_t data[ADATA];
    int i = random_live(d);

    if (i < 0) {
        return;
    }
    tg_to_match(&d->gen, &d->rules[i], rng_below(&d->rng, 2), fm, &m);
    encode_data(data, i, ++d->version[i], &d->rules[i], d->shape->key_len);
    CHECK_EQ(ovsp4_table_modify(d->t, &m, &(struct ovsp4_entry_spec) {
        .action_id = i % 5, .action_data = data, .action_data_len = ADATA,
        .cookie = d->version[i],
    }), OVSP4_OK);

    CHECK_EQ(ovsp4_table_read(d->t, &m, read_cb, &info), OVSP4_OK);
    CHECK_EQ(info.cookie, d->version[i]);
    CHECK_EQ(info.priority, d->rules[i].priority);
    CHECK(!memcmp(info.action_data, data, ADATA));
}

static void
run_diff(const struct tg_shape *shape, enum ovsp4_table_algo algo,
         enum ovsp4_table_algo expect, uint32_t max_size, uint32_t n_ops,
         uint32_t cap)
{
    struct diff d = { .shape = shape, .max_size = max_size, .cap = cap };
    struct ovsp4_table_desc desc = tg_desc(shape, max_size, ADATA, algo);
    enum ovsp4_status error;

    d.rng.s = test_seed() ^ (uintptr_t) shape->name[0] ^ (algo << 8)
              ^ ((uint64_t) max_size << 16);
    tg_init(&d.gen, shape, &d.rng);
    d.rules = calloc(cap, sizeof *d.rules);
    d.live = calloc(cap, sizeof *d.live);
    d.version = calloc(cap, sizeof *d.version);
    d.rcu = ovsp4_rcu_create();
    d.me = ovsp4_rcu_register(d.rcu);
    d.t = ovsp4_table_create(&desc, d.rcu, &error);
    if (!d.t) {
        test_fail(__FILE__, __LINE__, "%s: create failed (%d)", shape->name,
                  error);
        goto out;
    }
    CHECK_EQ(ovsp4_table_get_algo(d.t), expect);

    n_ops = test_scaled(n_ops);
    for (uint32_t op = 0; op < n_ops && !TOO_MANY_FAILURES(); op++) {
        uint32_t r = rng_below(&d.rng, 100);

        /* Grow towards the capacity, then churn around it. */
        if (d.n_live < cap / 2 && r < 30) {
            r = 0;
        } else if (d.n_live > cap * 3 / 4 && r < 45) {
            r = 50;
        }
        if (r < 40) {
            op_insert(&d, false);
        } else if (r < 45) {
            op_insert(&d, true);
        } else if (r < 65) {
            op_delete(&d, true);
        } else if (r < 70) {
            op_delete(&d, false);
        } else if (r < 80) {
            op_modify(&d);
        } else {
            check_lookups(&d, 8);
        }
        if (op % 997 == 0) {
            check_iteration(&d);
        }
        if (op == n_ops / 2) {
            ovsp4_table_clear(d.t);
            memset(d.live, 0, cap * sizeof *d.live);
            d.n_live = 0;
            check_lookups(&d, 64);
        }
        ovsp4_rcu_quiesce(d.me);
    }
    check_lookups(&d, test_scaled(4000));
    check_iteration(&d);
    CHECK(d.n_hits > d.n_lookups / 4);

    /* Deleting every entry one by one leaves no trie group, marker node
     * or subtable behind. */
    for (uint32_t i = 0; i < cap && !TOO_MANY_FAILURES(); i++) {
        if (d.live[i]) {
            struct ovsp4_field_match fm[TG_MAX_FIELDS];
            struct ovsp4_match m;

            tg_to_match(&d.gen, &d.rules[i], false, fm, &m);
            CHECK_EQ(ovsp4_table_delete(d.t, &m), OVSP4_OK);
            d.live[i] = false;
            d.n_live--;
        }
    }
    struct ovsp4_table_stats stats;
    ovsp4_table_get_stats(d.t, &stats);
    CHECK_EQ(stats.n_entries, 0);
    CHECK_EQ(stats.n_groups, 0);
    CHECK_EQ(stats.n_nodes, 0);
    CHECK_EQ(stats.n_subtables, 0);
    check_lookups(&d, 16);

    ovsp4_rcu_quiesce(d.me);
    ovsp4_table_destroy(d.t);
out:
    ovsp4_rcu_unregister(d.me);
    ovsp4_rcu_destroy(d.rcu);
    free(d.rules);
    free(d.live);
    free(d.version);
}

/* --- Shapes ------------------------------------------------------------- */

#define F(OFF, W, K) { OFF, W, OVSP4_MATCH_##K }

static const struct tg_shape exact_small = {
    "exact-9-32-3", 7, 3, { F(0, 9, EXACT), F(2, 32, EXACT), F(6, 3, EXACT) },
};
static const struct tg_shape exact_wide = {
    "exact-wide", 40, 3,
    { F(0, 128, EXACT), F(16, 128, EXACT), F(32, 64, EXACT) },
};
static const struct tg_shape lpm32 = { "lpm-32", 4, 1, { F(0, 32, LPM) } };
static const struct tg_shape lpm20 = { "lpm-20", 3, 1, { F(0, 20, LPM) } };
static const struct tg_shape lpm12 = { "lpm-12", 2, 1, { F(0, 12, LPM) } };
static const struct tg_shape lpm7 = { "lpm-7", 1, 1, { F(0, 7, LPM) } };
static const struct tg_shape lpm30_off = {
    "lpm-30-offset", 6, 1, { F(2, 30, LPM) },
};
static const struct tg_shape lpm128 = { "lpm-128", 16, 1, { F(0, 128, LPM) } };
static const struct tg_shape lpm48 = { "lpm-48", 6, 1, { F(0, 48, LPM) } };
static const struct tg_shape vrf_lpm = {
    "exact12-lpm32", 6, 2, { F(0, 12, EXACT), F(2, 32, LPM) },
};
static const struct tg_shape mixed_lpm = {
    "exact16-lpm61-exact8", 12, 3,
    { F(0, 16, EXACT), F(2, 61, LPM), F(11, 8, EXACT) },
};
static const struct tg_shape acl = {
    "acl-5tuple", 13, 5,
    { F(0, 32, TERNARY), F(4, 32, LPM), F(8, 8, EXACT), F(9, 16, RANGE),
      F(11, 16, RANGE) },
};
static const struct tg_shape ternary_odd = {
    "ternary-odd", 20, 4,
    { F(0, 9, TERNARY), F(2, 128, TERNARY), F(18, 1, OPTIONAL),
      F(19, 5, RANGE) },
};
static const struct tg_shape optional_only = {
    "optional-exact", 5, 3,
    { F(0, 16, OPTIONAL), F(2, 16, EXACT), F(4, 8, OPTIONAL) },
};
static const struct tg_shape range_only = {
    "range-64", 10, 2, { F(0, 64, RANGE), F(8, 12, RANGE) },
};

#define DIFF(NAME, SHAPE, ALGO, EXPECT, MAX, OPS, CAP)                  \
    static void NAME(void)                                              \
    {                                                                   \
        run_diff(&SHAPE, OVSP4_ALGO_##ALGO, OVSP4_ALGO_##EXPECT, MAX,   \
                 OPS, CAP);                                             \
    }

DIFF(diff_exact_small, exact_small, AUTO, EXACT, 1000, 6000, 1200)
DIFF(diff_exact_wide, exact_wide, AUTO, EXACT, 5000, 6000, 1500)
DIFF(diff_exact_tss, exact_small, TSS, TSS, 1000, 4000, 1200)
DIFF(diff_lpm32_large, lpm32, AUTO, LPM_DIR, 100000, 6000, 1500)
DIFF(diff_lpm32_small, lpm32, AUTO, LPM_DIR, 1000, 6000, 1200)
DIFF(diff_lpm20, lpm20, AUTO, LPM_DIR, 100000, 4000, 1000)
DIFF(diff_lpm12, lpm12, AUTO, LPM_DIR, 500, 4000, 800)
DIFF(diff_lpm7, lpm7, AUTO, LPM_DIR, 100, 3000, 200)
DIFF(diff_lpm30_off, lpm30_off, AUTO, LPM_DIR, 1000, 4000, 1200)
DIFF(diff_lpm32_bsl, lpm32, LPM_BSL, LPM_BSL, 1000, 4000, 1200)
DIFF(diff_lpm32_tss, lpm32, TSS, TSS, 1000, 4000, 1200)
DIFF(diff_lpm128, lpm128, AUTO, LPM_BSL, 2000, 6000, 1500)
DIFF(diff_lpm128_tss, lpm128, TSS, TSS, 2000, 3000, 1200)
DIFF(diff_lpm48, lpm48, AUTO, LPM_BSL, 2000, 5000, 1500)
DIFF(diff_vrf_lpm, vrf_lpm, AUTO, LPM_BSL, 2000, 6000, 1500)
DIFF(diff_mixed_lpm, mixed_lpm, AUTO, LPM_BSL, 2000, 5000, 1500)
DIFF(diff_acl, acl, AUTO, TSS, 2000, 6000, 1500)
DIFF(diff_ternary_odd, ternary_odd, AUTO, TSS, 2000, 5000, 1500)
DIFF(diff_optional, optional_only, AUTO, TSS, 2000, 4000, 1200)
DIFF(diff_range, range_only, AUTO, TSS, 2000, 4000, 1200)
DIFF(diff_full, exact_small, AUTO, EXACT, 50, 3000, 200)
DIFF(diff_full_lpm, lpm32, AUTO, LPM_DIR, 50, 3000, 200)
DIFF(diff_full_acl, acl, AUTO, TSS, 50, 3000, 200)

const struct ovsp4_test diff_tests[] = {
    { "diff/exact-small", diff_exact_small },
    { "diff/exact-wide", diff_exact_wide },
    { "diff/exact-as-tss", diff_exact_tss },
    { "diff/lpm32-dir24", diff_lpm32_large },
    { "diff/lpm32-dir16", diff_lpm32_small },
    { "diff/lpm20-dir", diff_lpm20 },
    { "diff/lpm12-dir", diff_lpm12 },
    { "diff/lpm7-dir", diff_lpm7 },
    { "diff/lpm30-offset-dir", diff_lpm30_off },
    { "diff/lpm32-as-bsl", diff_lpm32_bsl },
    { "diff/lpm32-as-tss", diff_lpm32_tss },
    { "diff/lpm128-bsl", diff_lpm128 },
    { "diff/lpm128-as-tss", diff_lpm128_tss },
    { "diff/lpm48-bsl", diff_lpm48 },
    { "diff/exact-lpm32-bsl", diff_vrf_lpm },
    { "diff/exact-lpm61-exact-bsl", diff_mixed_lpm },
    { "diff/acl-tss", diff_acl },
    { "diff/ternary-odd-tss", diff_ternary_odd },
    { "diff/optional-tss", diff_optional },
    { "diff/range-tss", diff_range },
    { "diff/full-exact", diff_full },
    { "diff/full-lpm", diff_full_lpm },
    { "diff/full-tss", diff_full_acl },
    { NULL, NULL },
};
