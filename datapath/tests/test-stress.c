/*
 * OvS.p4 runtime tests: readers against a writer.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Reader threads prefetch and look up random keys in a tight loop, hold on
 * to up to 32 returned entries per "batch", then check every one of them:
 * its action data carries a checksum of the entry's own canonical match,
 * which must agree (a torn or recycled entry would not), the entry must
 * match the key it was returned for, and its counters take a hit; then the
 * reader quiesces.  Meanwhile a writer inserts, modifies (swapping action
 * data), deletes, clears and swaps the default action.  Run under ASan a
 * premature free is a use-after-free report, under TSan a missing
 * happens-before edge is a data race report.
 */

#define _GNU_SOURCE 1

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "table-private.h"
#include "tablegen.h"

#define N_READERS 2
#define BATCH 32
#define ADATA 16        /* checksum, version */

struct stress {
    const struct tg_shape *shape;
    struct tg_gen gen;
    struct ovsp4_rcu *rcu;
    struct ovsp4_table *t;
    _Atomic bool stop;
    _Atomic uint64_t lookups, hits;
};

static bool
entry_matches(const struct ovsp4_table *t, const struct ovsp4_entry *e,
              const uint8_t *key)
{
    const uint8_t *v = ovsp4_entry_value(e);

    if (t->n_arrays == 1) {
        return !memcmp(v, key, t->key_len);
    }
    const uint8_t *m = ovsp4_entry_mask(t, e);
    for (uint32_t i = 0; i < t->key_len; i++) {
        if ((key[i] & m[i]) != (v[i] & m[i])) {
            return false;
        }
    }
    if (t->n_arrays == 3) {
        const uint8_t *h = ovsp4_entry_high(t, e);

        for (uint32_t i = 0; i < t->n_fields; i++) {
            const struct ovsp4_field_desc *f = &t->fields[i];
            uint32_t off = f->offset, n = (f->width + 7) / 8;

            if (f->kind == OVSP4_MATCH_RANGE
                && (memcmp(key + off, v + off, n) < 0
                    || memcmp(key + off, h + off, n) > 0)) {
                return false;
            }
        }
    }
    return true;
}

static void
check_entry(struct stress *s, const struct ovsp4_entry *e, const uint8_t *key)
{
    const struct ovsp4_action *a = ovsp4_entry_action(e);
    uint64_t sum;

    memcpy(&sum, a->data, 8);
    if (sum != tg_checksum(ovsp4_entry_value(e), s->shape->key_len,
                           e->priority)) {
        test_fail(__FILE__, __LINE__, "%s: entry checksum mismatch",
                  s->shape->name);
    }
    if (a->id != 42) {
        test_fail(__FILE__, __LINE__, "%s: bad action id %u",
                  s->shape->name, a->id);
    }
    if (!entry_matches(s->t, e, key)) {
        test_fail(__FILE__, __LINE__, "%s: entry does not match its key",
                  s->shape->name);
    }
}

struct reader_arg {
    struct stress *s;
    uint64_t seed;
};

static void *
reader(void *arg_)
{
    struct reader_arg *arg = arg_;
    struct stress *s = arg->s;
    struct ovsp4_rcu_thread *me = ovsp4_rcu_register(s->rcu);
    struct test_rng rng = { arg->seed };
    uint8_t keys[BATCH][TG_MAX_KEY];
    const uint8_t *kp[BATCH];
    const struct ovsp4_entry *held[BATCH];
    uint64_t n = 0, hits = 0;

    while (!atomic_load_explicit(&s->stop, memory_order_relaxed)
           && !TOO_MANY_FAILURES()) {
        const struct ovsp4_action *dflt;

        for (int i = 0; i < BATCH; i++) {
            tg_random_key(&s->gen, &rng, NULL, keys[i]);
            kp[i] = keys[i];
        }
        /* What the pipelines do: the prefetch reads the structures the
         * writer is changing, as lookups do. */
        if ((n / BATCH) % 2) {
            ovsp4_table_prefetch(s->t, kp, BATCH, NULL);
            for (int i = 0; i < BATCH; i++) {
                held[i] = ovsp4_table_lookup(s->t, keys[i]);
            }
        } else {
            /* The lookups done by the prefetch, as the pipelines' hint
             * does: the entries are checked like the lookups'. */
            ovsp4_table_prefetch(s->t, kp, BATCH, held);
        }
        dflt = ovsp4_table_default_action(s->t);
        for (int i = 0; i < BATCH; i++) {
            if (held[i]) {
                check_entry(s, held[i], keys[i]);
                ovsp4_entry_hit(held[i], 64, n);
                hits++;
            }
        }
        if (dflt->data[0] != (uint8_t) dflt->id) {
            test_fail(__FILE__, __LINE__, "torn default action");
        }
        n += BATCH;
        ovsp4_rcu_quiesce(me);
    }
    atomic_fetch_add(&s->lookups, n);
    atomic_fetch_add(&s->hits, hits);
    ovsp4_rcu_unregister(me);
    return NULL;
}

static void
spec_for(struct stress *s, const struct tg_rule *r, uint64_t version,
         uint8_t data[ADATA], struct ovsp4_entry_spec *spec)
{
    uint64_t sum = tg_checksum(r->cv, s->shape->key_len, r->priority);

    memcpy(data, &sum, 8);
    memcpy(data + 8, &version, 8);
    *spec = (struct ovsp4_entry_spec) {
        .action_id = 42, .action_data = data, .action_data_len = ADATA,
    };
}

static void
run_stress(const struct tg_shape *shape, uint32_t max_size, uint32_t target)
{
    struct stress s = { .shape = shape };
    struct ovsp4_table_desc desc = tg_desc(shape, max_size, ADATA,
                                           OVSP4_ALGO_AUTO);
    struct test_rng rng = { test_seed() ^ shape->name[0] };
    struct reader_arg args[N_READERS];
    pthread_t threads[N_READERS];
    struct tg_rule *rules = calloc(target * 2, sizeof *rules);
    uint32_t n_rules = 0;
    uint64_t deadline, version = 0, ops = 0;
    enum ovsp4_status error;

    tg_init(&s.gen, shape, &rng);
    s.gen.realistic = true;
    s.rcu = ovsp4_rcu_create();
    s.t = ovsp4_table_create(&desc, s.rcu, &error);
    CHECK(s.t);
    if (!s.t) {
        goto out;
    }
    /* Readers check that the default action's data is its id. */
    CHECK_EQ(ovsp4_table_set_default(s.t, 0, NULL, 0), OVSP4_OK);
    for (int i = 0; i < N_READERS; i++) {
        args[i] = (struct reader_arg) { &s, rng_next(&rng) };
        pthread_create(&threads[i], NULL, reader, &args[i]);
    }

    deadline = test_now_ns() + test_stress_ms() * 1000000ULL;
    while (test_now_ns() < deadline && !TOO_MANY_FAILURES()) {
        for (int burst = 0; burst < 64; burst++, ops++) {
            struct ovsp4_field_match fm[TG_MAX_FIELDS];
            struct ovsp4_entry_spec spec;
            struct ovsp4_match m;
            uint8_t data[ADATA];
            uint32_t r = rng_below(&rng, 100);

            if (n_rules < target / 2 || (r < 45 && n_rules < 2 * target)) {
                struct tg_rule *rule = &rules[n_rules];

                tg_random_rule(&s.gen, &rng, rule);
                tg_to_match(&s.gen, rule, false, fm, &m);
                spec_for(&s, rule, ++version, data, &spec);
                if (ovsp4_table_insert(s.t, &m, &spec) == OVSP4_OK) {
                    n_rules++;
                }
            } else if (r < 85) {
                uint32_t i = rng_below(&rng, n_rules);

                tg_to_match(&s.gen, &rules[i], false, fm, &m);
                CHECK_EQ(ovsp4_table_delete(s.t, &m), OVSP4_OK);
                rules[i] = rules[--n_rules];
            } else if (r < 99) {
                uint32_t i = rng_below(&rng, n_rules);

                tg_to_match(&s.gen, &rules[i], false, fm, &m);
                spec_for(&s, &rules[i], ++version, data, &spec);
                CHECK_EQ(ovsp4_table_modify(s.t, &m, &spec), OVSP4_OK);
            } else {
                uint8_t d[ADATA];
                uint32_t id = rng_below(&rng, 200);

                memset(d, (uint8_t) id, sizeof d);
                ovsp4_table_set_default(s.t, id, d, sizeof d);
            }
        }
        if (ops % (64 * 200) == 0) {
            ovsp4_table_clear(s.t);
            n_rules = 0;
        }
    }

    atomic_store(&s.stop, true);
    for (int i = 0; i < N_READERS; i++) {
        pthread_join(threads[i], NULL);
    }
    CHECK(atomic_load(&s.lookups) > 0);
    CHECK(atomic_load(&s.hits) > 0);
    printf("     %-14s %9" PRIu64 " lookups %9" PRIu64 " hits %8" PRIu64
           " updates\n", shape->name, atomic_load(&s.lookups),
           atomic_load(&s.hits), ops);
    ovsp4_table_destroy(s.t);
out:
    ovsp4_rcu_barrier(s.rcu);
    ovsp4_rcu_destroy(s.rcu);
    free(rules);
}

#define F(OFF, W, K) { OFF, W, OVSP4_MATCH_##K }

static const struct tg_shape st_exact = {
    "exact", 6, 2, { F(0, 16, EXACT), F(2, 32, EXACT) },
};
static const struct tg_shape st_lpm32 = { "lpm32", 4, 1, { F(0, 32, LPM) } };
static const struct tg_shape st_lpm128 = {
    "lpm128", 16, 1, { F(0, 128, LPM) },
};
static const struct tg_shape st_acl = {
    "acl", 13, 5,
    { F(0, 32, TERNARY), F(4, 32, LPM), F(8, 8, EXACT), F(9, 16, RANGE),
      F(11, 16, RANGE) },
};

/* Small targets keep hit rates high; the rhash resizes back and forth. */
static void stress_exact(void) { run_stress(&st_exact, 4096, 300); }
static void stress_lpm32(void) { run_stress(&st_lpm32, 100000, 300); }
static void stress_lpm32_small(void) { run_stress(&st_lpm32, 1000, 300); }
static void stress_lpm128(void) { run_stress(&st_lpm128, 4096, 300); }
static void stress_acl(void) { run_stress(&st_acl, 4096, 300); }

const struct ovsp4_test stress_tests[] = {
    { "stress/exact", stress_exact },
    { "stress/lpm32-dir24", stress_lpm32 },
    { "stress/lpm32-dir16", stress_lpm32_small },
    { "stress/lpm128-bsl", stress_lpm128 },
    { "stress/acl-tss", stress_acl },
    { NULL, NULL },
};
