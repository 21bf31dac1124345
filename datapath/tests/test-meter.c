/*
 * OvS.p4 runtime tests: meters against a reference trTCM (RFC 2698 with
 * exact rational token arithmetic), plus edge cases and a concurrent
 * token-conservation check.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "runtime-private.h"
#include "testlib.h"

/* Tokens scaled by 1e9: a bucket of rate r units/s gains r scaled tokens
 * per nanosecond, exactly. */
struct ref_bucket {
    unsigned __int128 tokens, depth;
    uint64_t rate;
};

struct ref_meter {
    struct ref_bucket p, c;
    uint64_t last;
    bool started;
};

static void
ref_init(struct ref_meter *m, const struct rt_meter_config *cfg)
{
    m->p.rate = cfg->pir;
    m->p.depth = m->p.tokens = (unsigned __int128) cfg->pburst * 1000000000u;
    m->c.rate = cfg->cir;
    m->c.depth = m->c.tokens = (unsigned __int128) cfg->cburst * 1000000000u;
    m->started = false;
    m->last = 0;
}

static void
ref_fill(struct ref_bucket *b, uint64_t dt)
{
    b->tokens += (unsigned __int128) dt * b->rate;
    if (b->tokens > b->depth) {
        b->tokens = b->depth;
    }
}

static uint32_t
ref_execute(struct ref_meter *m, uint64_t units, uint64_t now)
{
    unsigned __int128 need = (unsigned __int128) units * 1000000000u;

    if (m->started && now > m->last) {
        ref_fill(&m->p, now - m->last);
        ref_fill(&m->c, now - m->last);
    }
    if (!m->started || now > m->last) {
        m->last = now;
    }
    m->started = true;
    if (m->p.tokens < need) {
        return OVSP4_METER_RED;
    }
    m->p.tokens -= need;
    if (m->c.tokens < need) {
        return OVSP4_METER_YELLOW;
    }
    m->c.tokens -= need;
    return OVSP4_METER_GREEN;
}

struct meter_env {
    struct ovsp4_rcu *rcu;
    struct ovsp4_prog_meter desc;
    struct ovsp4_rt_meter m;
};

static void
env_init(struct meter_env *env, uint8_t unit, uint32_t size)
{
    env->rcu = ovsp4_rcu_create();
    env->desc = (struct ovsp4_prog_meter) { "m", 1, size, unit, -1 };
    CHECK(rt_meter_init(&env->m, &env->desc, env->rcu));
}

static void
env_fini(struct meter_env *env)
{
    rt_meter_destroy(&env->m);
    ovsp4_rcu_destroy(env->rcu);
}

/* Rates r with r * m a multiple of 10^9 (m = 2^34 / r): the credit clock
 * has no rounding, so colours must agree packet by packet. */
static const uint64_t exact_rates[] = {
    1000000000, 500000000, 250000000, 125000000, 62500000, 31250000,
    15625000, 7812500, 3906250, 1953125,
};

static uint64_t colour_counts[3];

/* Runs a random traffic mix through a meter and the reference, packet by
 * packet.  With other rates than exact_rates the credit clock rounds time
 * down to the credit (a 2^-34 s tick at most): a colour may then differ
 * for a packet that lands within a tick of a bucket boundary, which the
 * caller bounds; after a mismatch both restart. */
static void
run_against_reference(uint8_t unit, bool exact, uint32_t n_packets,
                      uint64_t seed, uint32_t *mismatches)
{

    struct test_rng rng = { seed };
    struct meter_env env;
    struct rt_meter_config cfg;
    struct ref_meter ref;
    uint64_t now = 1000000000000ULL + rng_next(&rng) % 1000000;
    uint32_t n_rates = sizeof exact_rates / sizeof exact_rates[0];

    env_init(&env, unit, 1);
    if (exact) {
        cfg.cir = exact_rates[rng_below(&rng, n_rates)];
        cfg.pir = exact_rates[rng_below(&rng, n_rates)];
    } else {
        cfg.cir = 1 + rng_below(&rng, 2000000);
        cfg.pir = 1 + rng_below(&rng, 4000000);
    }
    if (cfg.cir > cfg.pir) {
        uint64_t x = cfg.cir;

        cfg.cir = cfg.pir;
        cfg.pir = x;
    }
    cfg.cburst = unit == OVSP4_UNIT_BYTES ? 1 + rng_below(&rng, 20000)
                                           : 1 + rng_below(&rng, 20);
    cfg.pburst = cfg.cburst + rng_below(&rng, (uint32_t) cfg.cburst * 2 + 1);
    CHECK_EQ(rt_meter_set(&env.m, 0, &cfg), OVSP4_OK);
    ref_init(&ref, &cfg);

    /* Offered load: between half the committed rate and twice the peak
     * rate, with back-to-back bursts. */
    uint64_t load = cfg.cir / 2 + 1
                    + rng_next(&rng) % (2 * cfg.pir - cfg.cir / 2 + 1);

    for (uint32_t i = 0; i < n_packets; i++) {
        uint32_t bytes = 1 + rng_below(&rng, 1500);
        uint64_t units = unit == OVSP4_UNIT_BYTES ? bytes : 1;
        uint64_t gap = (uint64_t) units * 1000000000u / load + 1;
        uint32_t got, want;

        if (rng_below(&rng, 8)) {
            now += rng_next(&rng) % OVSP4_MIN(2 * gap, 4000000000u);
        }
        got = ovsp4_rt_meter_execute(&env.m, 0, bytes, now);
        want = ref_execute(&ref, units, now);
        colour_counts[want % 3]++;
        if (got != want) {
            (*mismatches)++;
            /* Resynchronise: the models diverged by a rounding step. */
            CHECK_EQ(rt_meter_set(&env.m, 0, &cfg), OVSP4_OK);
            ref_init(&ref, &cfg);
        }
    }
    env_fini(&env);
}

static void
test_meter_reference_exact(void)
{
    uint32_t n = test_scaled(20000), mismatches = 0;

    memset(colour_counts, 0, sizeof colour_counts);
    for (int round = 0; round < 40 && !TOO_MANY_FAILURES(); round++) {
        run_against_reference(round & 1 ? OVSP4_UNIT_BYTES
                                        : OVSP4_UNIT_PACKETS,
                              true, n, test_seed() + round, &mismatches);
    }
    CHECK_EQ(mismatches, 0);
    /* The traffic mix exercises every colour. */
    for (int c = 0; c < 3; c++) {
        CHECK(colour_counts[c] > n);
    }
}

static void
test_meter_reference_any_rate(void)
{
    uint32_t n = test_scaled(20000), mismatches = 0;

    /* Any rates: rare boundary ties only. */
    for (int round = 0; round < 40; round++) {
        run_against_reference(round & 1 ? OVSP4_UNIT_BYTES
                                        : OVSP4_UNIT_PACKETS,
                              false, n, test_seed() * 7 + round,
                              &mismatches);
    }
    CHECK(mismatches <= 40 * n / 20000);
}

static void
test_meter_basics(void)
{
    struct meter_env env;
    struct rt_meter_config cfg = { 10, 3, 20, 5 }, got;
    uint64_t t = 5000000000ULL;

    env_init(&env, OVSP4_UNIT_PACKETS, 4);
    /* Unconfigured: GREEN; out of range: GREEN. */
    CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 0, 100, t), OVSP4_METER_GREEN);
    CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 99, 100, t), OVSP4_METER_GREEN);
    CHECK(!rt_meter_get(&env.m, 0, &got));
    CHECK_EQ(rt_meter_set(&env.m, 4, &cfg), OVSP4_E_RANGE);
    struct rt_meter_config bad = { 30, 3, 20, 5 };
    CHECK_EQ(rt_meter_set(&env.m, 0, &bad), OVSP4_E_INVALID);

    CHECK_EQ(rt_meter_set(&env.m, 0, &cfg), OVSP4_OK);
    CHECK(rt_meter_get(&env.m, 0, &got) && got.cir == 10 && got.pburst == 5);
    /* A burst at one instant: 3 green (cburst), 2 yellow (pburst - cburst),
     * then red. */
    uint32_t colours[7];
    for (int i = 0; i < 7; i++) {
        colours[i] = ovsp4_rt_meter_execute(&env.m, 0, 1, t);
    }
    CHECK_EQ(colours[0], OVSP4_METER_GREEN);
    CHECK_EQ(colours[2], OVSP4_METER_GREEN);
    CHECK_EQ(colours[3], OVSP4_METER_YELLOW);
    CHECK_EQ(colours[4], OVSP4_METER_YELLOW);
    CHECK_EQ(colours[5], OVSP4_METER_RED);
    CHECK_EQ(colours[6], OVSP4_METER_RED);
    /* 100 ms later: 1 committed token (10/s), 2 peak tokens (20/s). */
    t += 100000000;
    CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 0, 1, t), OVSP4_METER_GREEN);
    CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 0, 1, t), OVSP4_METER_YELLOW);
    CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 0, 1, t), OVSP4_METER_RED);
    /* Idle for a year, and for three quarters of the clock's period (the
     * timestamp then wraps to look ahead of now): full. */
    for (int k = 0; k < 2; k++) {
        t += k ? UINT64_C(3) << 56 : 31536000000000000ULL;
        for (int i = 0; i < 3; i++) {
            CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 0, 1, t),
                     OVSP4_METER_GREEN);
        }
        CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 0, 1, t),
                 OVSP4_METER_YELLOW);
        CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 0, 1, t),
                 OVSP4_METER_YELLOW);
        CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 0, 1, t), OVSP4_METER_RED);
    }
    /* Reconfiguring refills. */
    CHECK_EQ(rt_meter_set(&env.m, 0, &cfg), OVSP4_OK);
    CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 0, 1, t), OVSP4_METER_GREEN);
    /* Reset: GREEN forever. */
    CHECK_EQ(rt_meter_set(&env.m, 0, NULL), OVSP4_OK);
    for (int i = 0; i < 10; i++) {
        CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 0, 1, t), OVSP4_METER_GREEN);
    }
    /* Rate 0: the initial burst only. */
    struct rt_meter_config zero = { 0, 2, 0, 3 };
    CHECK_EQ(rt_meter_set(&env.m, 1, &zero), OVSP4_OK);
    CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 1, 1, t), OVSP4_METER_GREEN);
    CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 1, 1, t + 1000000000000ULL),
             OVSP4_METER_GREEN);
    CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 1, 1, t), OVSP4_METER_YELLOW);
    CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 1, 1, t), OVSP4_METER_RED);
    /* A zero burst never conforms. */
    struct rt_meter_config nob = { 1000, 0, 1000, 0 };
    CHECK_EQ(rt_meter_set(&env.m, 2, &nob), OVSP4_OK);
    CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 2, 1, t), OVSP4_METER_RED);
    /* Time going backwards (threads' batch clocks differ) takes nothing
     * for free. */
    struct rt_meter_config one = { 1, 1, 1, 1 };
    CHECK_EQ(rt_meter_set(&env.m, 3, &one), OVSP4_OK);
    CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 3, 1, t), OVSP4_METER_GREEN);
    CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 3, 1, t - 1000), OVSP4_METER_RED);
    ovsp4_rcu_barrier(env.rcu);
    env_fini(&env);
}

static void
test_meter_bytes_and_direct(void)
{
    struct meter_env env;
    struct rt_meter_config cfg = { 1000, 1500, 2000, 3000 }, got;
    uint64_t t = 77;
    struct ovsp4_entry *e1 = calloc(1, sizeof *e1);
    struct ovsp4_entry *e2 = calloc(1, sizeof *e2);

    env_init(&env, OVSP4_UNIT_BYTES, 1);
    CHECK_EQ(rt_meter_set(&env.m, 0, &cfg), OVSP4_OK);
    CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 0, 1500, t), OVSP4_METER_GREEN);
    CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 0, 1500, t), OVSP4_METER_YELLOW);
    CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 0, 1, t), OVSP4_METER_RED);
    /* Larger than the peak burst: always RED. */
    CHECK_EQ(ovsp4_rt_meter_execute(&env.m, 0, 3001, t + 100000000000ULL),
             OVSP4_METER_RED);

    /* Direct meters, keyed by entry. */
    CHECK_EQ(ovsp4_rt_direct_meter_execute(e1, &env.m, 1, t),
             OVSP4_METER_GREEN);
    CHECK_EQ(rt_meter_direct_set(&env.m, e1, &cfg), OVSP4_OK);
    CHECK(rt_meter_direct_get(&env.m, e1, &got) && got.pburst == 3000);
    CHECK(!rt_meter_direct_get(&env.m, e2, &got));
    CHECK_EQ(ovsp4_rt_direct_meter_execute(e1, &env.m, 1500, t),
             OVSP4_METER_GREEN);
    CHECK_EQ(ovsp4_rt_direct_meter_execute(e1, &env.m, 1500, t),
             OVSP4_METER_YELLOW);
    CHECK_EQ(ovsp4_rt_direct_meter_execute(e2, &env.m, 1500, t),
             OVSP4_METER_GREEN);
    CHECK_EQ(rt_meter_direct_set(&env.m, e1, &cfg), OVSP4_OK);  /* replace */
    CHECK_EQ(ovsp4_rt_direct_meter_execute(e1, &env.m, 1500, t),
             OVSP4_METER_GREEN);
    CHECK_EQ(rt_meter_direct_set(&env.m, e2, &cfg), OVSP4_OK);
    CHECK_EQ(rt_meter_direct_set(&env.m, e1, NULL), OVSP4_OK);
    CHECK(!rt_meter_direct_get(&env.m, e1, &got));
    rt_meter_direct_clear(&env.m);
    CHECK(!rt_meter_direct_get(&env.m, e2, &got));
    ovsp4_rcu_barrier(env.rcu);
    env_fini(&env);
    free(e1);
    free(e2);
}

/* Two threads share one meter: whatever the interleaving, the peak bucket
 * hands out no more than its burst plus what its rate refills. */
struct hammer {
    struct ovsp4_rt_meter *m;
    uint64_t t0;
    uint32_t n;
    uint32_t colours[3];
};

static void *
hammer_main(void *h_)
{
    struct hammer *h = h_;

    for (uint32_t i = 0; i < h->n; i++) {
        h->colours[ovsp4_rt_meter_execute(h->m, 0, 1, h->t0 + i * 100)]++;
    }
    return NULL;
}

static void
test_meter_concurrent(void)
{
    struct meter_env env;
    struct rt_meter_config cfg = { 100000, 50, 200000, 100 };
    struct hammer h[2];
    pthread_t th[2];
    uint32_t n = test_scaled(200000);
    uint64_t green = 0, taken_p = 0, span_ns = (uint64_t) n * 100;

    env_init(&env, OVSP4_UNIT_PACKETS, 1);
    CHECK_EQ(rt_meter_set(&env.m, 0, &cfg), OVSP4_OK);
    for (int i = 0; i < 2; i++) {
        h[i] = (struct hammer) { &env.m, 1000000, n, { 0, 0, 0 } };
        pthread_create(&th[i], NULL, hammer_main, &h[i]);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        green += h[i].colours[OVSP4_METER_GREEN];
        taken_p += h[i].colours[OVSP4_METER_GREEN]
                   + h[i].colours[OVSP4_METER_YELLOW];
    }
    CHECK(taken_p <= cfg.pburst + cfg.pir * span_ns / 1000000000u + 1);
    CHECK(green <= cfg.cburst + cfg.cir * span_ns / 1000000000u + 1);
    CHECK(green > 0);
    env_fini(&env);
}

const struct ovsp4_test meter_tests[] = {
    { "meter-basics", test_meter_basics },
    { "meter-bytes-and-direct", test_meter_bytes_and_direct },
    { "meter-reference-exact", test_meter_reference_exact },
    { "meter-reference-any-rate", test_meter_reference_any_rate },
    { "meter-concurrent", test_meter_concurrent },
    { NULL, NULL },
};
