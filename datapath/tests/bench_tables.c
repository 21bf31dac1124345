/*
 * OvS.p4 runtime: table micro-benchmarks.  Prints insert, lookup and
 * delete rates for each algorithm on one core.  Not pass/fail.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Usage: bench_tables [SUBSTRING...]   (default: all benchmarks)
 *
 * Lookups run in a tight loop over pre-generated keys, from a thread
 * registered with the RCU domain that quiesces every 32 lookups, as a PMD
 * thread does once per batch; the loop consumes each result so the
 * compiler cannot drop lookups.  Inserts and deletes go through the full
 * control API (validation, canonical form, duplicate check, locking).
 */

#define _GNU_SOURCE 1

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "table.h"
#include "testlib.h"

#define F(OFF, W, K) { OFF, W, OVSP4_MATCH_##K }

struct bench_env {
    struct ovsp4_rcu *rcu;
    struct ovsp4_rcu_thread *me;
    struct test_rng rng;
};

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
report(const char *what, uint64_t n, double secs)
{
    printf("  %-44s %10.2f M/s  (%" PRIu64 " in %.3f s, %.1f ns each)\n",
           what, n / secs / 1e6, n, secs, secs * 1e9 / n);
}

static struct ovsp4_table *
make_table(struct bench_env *env, const struct ovsp4_field_desc *fields,
           uint32_t n, uint32_t key_len, uint32_t max_size)
{
    struct ovsp4_table_desc d = {
        .name = "bench", .key_len = key_len, .n_fields = n,
        .fields = fields, .max_size = max_size, .action_data_size = 8,
        .seed = 42,
    };
    enum ovsp4_status err;
    struct ovsp4_table *t = ovsp4_table_create(&d, env->rcu, &err);

    if (!t) {
        fprintf(stderr, "table creation failed: %d\n", err);
        exit(1);
    }
    return t;
}

/* Looks up `n_keys` keys of `klen` bytes at `keys`, cyclically, for about
 * `secs` seconds.  Returns lookups done and fills *hits. */
static uint64_t
lookup_loop(struct bench_env *env, struct ovsp4_table *t,
            const uint8_t *keys, uint32_t n_keys, uint32_t klen,
            double secs, uint64_t *hits, double *elapsed)
{
    uint64_t n = 0, h = 0;
    double start = now_s(), end;
    uint32_t i = 0;

    do {
        for (int round = 0; round < 1024; round++) {
            for (int j = 0; j < 32; j++) {
                const struct ovsp4_entry *e
                    = ovsp4_table_lookup(t, keys + (size_t) i * klen);
                h += e != NULL;
                if (++i == n_keys) {
                    i = 0;
                }
            }
            ovsp4_rcu_quiesce(env->me);
        }
        n += 1024 * 32;
        end = now_s();
    } while (end - start < secs);
    *hits = h;
    *elapsed = end - start;
    return n;
}

static void
bench_lookups(struct bench_env *env, struct ovsp4_table *t, const char *what,
              const uint8_t *keys, uint32_t n_keys, uint32_t klen)
{
    uint64_t hits, n;
    double secs;
    char label[128];

    n = lookup_loop(env, t, keys, n_keys, klen, 1.0, &hits, &secs);
    snprintf(label, sizeof label, "%s (%.0f%% hits)", what,
             100.0 * hits / n);
    report(label, n, secs);
}

static const uint8_t zero_data[8];

static void
print_stats(struct ovsp4_table *t)
{
    struct ovsp4_table_stats st;

    ovsp4_table_get_stats(t, &st);
    printf("  %u entries", st.n_entries);
    if (st.n_subtables) {
        printf(", %u %s", st.n_subtables,
               ovsp4_table_get_algo(t) == OVSP4_ALGO_TSS ? "subtables"
                                                          : "levels");
    }
    if (st.n_groups) {
        printf(", %u groups", st.n_groups);
    }
    if (st.n_nodes) {
        printf(", %u nodes", st.n_nodes);
    }
    printf("\n");
}

/* Inserts `n` entries whose field values are given per entry. */
static double
insert_all(struct ovsp4_table *t, uint32_t n, uint32_t n_fields,
           const struct ovsp4_field_match *fms, const int32_t *prios,
           uint32_t *n_ok)
{
    struct ovsp4_entry_spec spec = {
        .action_id = 1, .action_data = zero_data, .action_data_len = 8,
    };
    double start = now_s();

    *n_ok = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct ovsp4_match m = { &fms[(size_t) i * n_fields],
                                 prios ? prios[i] : 0 };
        *n_ok += ovsp4_table_insert(t, &m, &spec) == OVSP4_OK;
    }
    return now_s() - start;
}

static double
delete_all(struct ovsp4_table *t, uint32_t n, uint32_t n_fields,
           const struct ovsp4_field_match *fms, const int32_t *prios)
{
    double start = now_s();

    for (uint32_t i = 0; i < n; i++) {
        struct ovsp4_match m = { &fms[(size_t) i * n_fields],
                                 prios ? prios[i] : 0 };
        ovsp4_table_delete(t, &m);
    }
    return now_s() - start;
}

/* --- Exact: 5-tuple ----------------------------------------------------- */

static void
bench_exact(struct bench_env *env, uint32_t n)
{
    static const struct ovsp4_field_desc f[] = {
        F(0, 32, EXACT), F(4, 32, EXACT), F(8, 8, EXACT), F(9, 16, EXACT),
        F(11, 16, EXACT),
    };
    const uint32_t klen = 13;
    uint8_t *keys = malloc((size_t) n * klen);
    uint8_t *miss = malloc((size_t) n * klen);
    uint8_t *shuf = malloc((size_t) n * klen);
    struct ovsp4_field_match *fms = calloc((size_t) n * 5, sizeof *fms);
    struct ovsp4_table *t = make_table(env, f, 5, klen, n);
    uint32_t ok;
    double secs;
    char what[96];

    printf("exact, 5-tuple key (13 bytes), %u entries\n", n);
    rng_bytes(&env->rng, keys, (size_t) n * klen);
    rng_bytes(&env->rng, miss, (size_t) n * klen);
    memcpy(shuf, keys, (size_t) n * klen);
    for (uint32_t i = 0; i < n; i++) {
        for (int j = 0; j < 5; j++) {
            fms[i * 5 + j].value = keys + (size_t) i * klen + f[j].offset;
        }
    }
    secs = insert_all(t, n, 5, fms, NULL, &ok);
    snprintf(what, sizeof what, "insert (%u ok)", ok);
    report(what, n, secs);
    /* Look up in random order: entries were allocated in key order. */
    for (uint32_t i = n - 1; i > 0; i--) {
        uint32_t j = rng_below(&env->rng, i + 1);
        uint8_t tmp[13];

        memcpy(tmp, shuf + (size_t) i * klen, klen);
        memcpy(shuf + (size_t) i * klen, shuf + (size_t) j * klen, klen);
        memcpy(shuf + (size_t) j * klen, tmp, klen);
    }
    bench_lookups(env, t, "lookup, hits", shuf, n, klen);
    bench_lookups(env, t, "lookup, misses", miss, n, klen);
    report("delete", n, delete_all(t, n, 5, fms, NULL));
    ovsp4_table_destroy(t);
    free(keys);
    free(miss);
    free(shuf);
    free(fms);
}

/* --- LPM ------------------------------------------------------------------ */

/* Prefix lengths roughly as in an Internet routing table. */
static uint32_t
bgp_len(struct test_rng *rng)
{
    uint32_t r = rng_below(rng, 1000);

    return r < 550 ? 24
           : r < 750 ? 22 + rng_below(rng, 2)
           : r < 950 ? 16 + rng_below(rng, 6)
           : r < 990 ? 8 + rng_below(rng, 8)
           : 25 + rng_below(rng, 8);
}

static void
bench_lpm4(struct bench_env *env, uint32_t n, bool bgp, uint32_t max_size)
{
    static const struct ovsp4_field_desc f[] = { F(0, 32, LPM) };
    uint8_t *pfx = malloc((size_t) n * 4);
    uint8_t *addrs = malloc((size_t) 4 << 20);
    struct ovsp4_field_match *fms = calloc(n, sizeof *fms);
    struct ovsp4_table *t = make_table(env, f, 1, 4, max_size);
    uint32_t ok;
    double secs;
    char what[96];

    printf("lpm %s, IPv4, %u random routes, %s lengths\n",
           ovsp4_table_algo_name(ovsp4_table_get_algo(t)), n,
           bgp ? "BGP-like" : "uniform /8-/32");
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = bgp ? bgp_len(&env->rng) : 8 + rng_below(&env->rng,
                                                                 25);
        uint32_t v = (uint32_t) rng_next(&env->rng);

        v &= len ? ~0u << (32 - len) : 0;
        pfx[i * 4] = v >> 24;
        pfx[i * 4 + 1] = v >> 16;
        pfx[i * 4 + 2] = v >> 8;
        pfx[i * 4 + 3] = v;
        fms[i] = (struct ovsp4_field_match) { .value = pfx + i * 4,
                                              .prefix_len = len };
    }
    rng_bytes(&env->rng, addrs, (size_t) 4 << 20);

    secs = insert_all(t, n, 1, fms, NULL, &ok);
    snprintf(what, sizeof what, "insert (%u distinct)", ok);
    report(what, n, secs);
    print_stats(t);
    bench_lookups(env, t, "lookup, random addresses", addrs, 1 << 20, 4);
    report("delete", n, delete_all(t, n, 1, fms, NULL));
    ovsp4_table_destroy(t);
    free(pfx);
    free(addrs);
    free(fms);
}

static void
bench_lpm6(struct bench_env *env, uint32_t n)
{
    static const struct ovsp4_field_desc f[] = { F(0, 128, LPM) };
    uint8_t *pfx = malloc((size_t) n * 16);
    uint8_t *addrs = malloc((size_t) 16 << 20);
    struct ovsp4_field_match *fms = calloc(n, sizeof *fms);
    struct ovsp4_table *t = make_table(env, f, 1, 16, n);
    uint8_t tops[256][6];
    uint32_t ok;
    double secs;
    char what[96];

    printf("lpm %s, IPv6, %u routes (/16-/64, mostly /48, under 256 "
           "allocations)\n", ovsp4_table_algo_name(ovsp4_table_get_algo(t)),
           n);
    rng_bytes(&env->rng, &tops[0][0], sizeof tops);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = rng_below(&env->rng, 100);
        uint32_t len = r < 60 ? 48 : r < 80 ? 32 + rng_below(&env->rng, 16)
                       : r < 95 ? 49 + rng_below(&env->rng, 16)
                       : 16 + rng_below(&env->rng, 16);
        uint8_t *p = pfx + (size_t) i * 16;

        rng_bytes(&env->rng, p, 16);
        memcpy(p, tops[rng_below(&env->rng, 256)], 4);
        for (uint32_t b = 0; b < 128; b++) {
            if (b >= len) {
                p[b / 8] &= ~(0x80 >> (b % 8));
            }
        }
        fms[i] = (struct ovsp4_field_match) { .value = p, .prefix_len = len };
    }
    /* Addresses inside random routes (mostly hits), with random hosts. */
    for (uint32_t i = 0; i < (1u << 20); i++) {
        uint8_t *a = addrs + (size_t) i * 16;

        memcpy(a, pfx + (size_t) rng_below(&env->rng, n) * 16, 8);
        rng_bytes(&env->rng, a + 8, 8);
        if (!rng_below(&env->rng, 4)) {
            a[5] ^= 0x5a;
        }
    }

    secs = insert_all(t, n, 1, fms, NULL, &ok);
    snprintf(what, sizeof what, "insert (%u distinct)", ok);
    report(what, n, secs);
    print_stats(t);
    bench_lookups(env, t, "lookup, addresses near routes", addrs, 1 << 20,
                  16);
    report("delete", n, delete_all(t, n, 1, fms, NULL));
    ovsp4_table_destroy(t);
    free(pfx);
    free(addrs);
    free(fms);
}

/* --- TSS: an ACL -------------------------------------------------------- */

static void
bench_acl(struct bench_env *env, uint32_t n)
{
    static const struct ovsp4_field_desc f[] = {
        F(0, 32, TERNARY), F(4, 32, TERNARY), F(8, 8, TERNARY),
        F(9, 16, RANGE), F(11, 16, RANGE),
    };
    const uint32_t klen = 13;
    uint8_t *vals = calloc(n, 32), *keys = malloc((size_t) klen << 20);
    struct ovsp4_field_match *fms = calloc((size_t) n * 5, sizeof *fms);
    int32_t *prios = calloc(n, sizeof *prios);
    struct ovsp4_table *t = make_table(env, f, 5, klen, n);
    static const uint8_t m32[5][4] = {
        { 255, 255, 255, 255 }, { 255, 255, 255, 0 }, { 255, 255, 0, 0 },
        { 255, 0, 0, 0 }, { 0, 0, 0, 0 },
    };
    static const uint8_t m8[1] = { 255 };
    static const uint8_t all16[2] = { 255, 255 };
    uint32_t ok;
    double secs;
    char what[96];

    printf("tss, ACL (src/dst ternary, proto, 2 port ranges), %u rules\n",
           n);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *v = vals + (size_t) i * 32;
        struct ovsp4_field_match *fm = fms + (size_t) i * 5;
        const uint8_t *ms = m32[rng_below(&env->rng, 5)];
        const uint8_t *md = m32[rng_below(&env->rng, 4)];
        uint32_t port = rng_below(&env->rng, 4) ? 1 + rng_below(&env->rng,
                                                                 1024)
                        : 1024 + rng_below(&env->rng, 60000);
        uint32_t hi = rng_below(&env->rng, 3) ? port
                      : port + rng_below(&env->rng, 1000);

        rng_bytes(&env->rng, v, 9);
        v[0] &= 10;             /* few distinct networks: overlaps */
        for (int b = 0; b < 4; b++) {
            v[b] &= ms[b];
            v[4 + b] &= md[b];
        }
        v[8] = rng_below(&env->rng, 2) ? 6 : 17;
        v[9] = port >> 8;
        v[10] = port;
        v[11] = hi >> 8;
        v[12] = hi;
        fm[0] = (struct ovsp4_field_match) { .value = v, .mask = ms };
        fm[1] = (struct ovsp4_field_match) { .value = v + 4, .mask = md };
        fm[2] = (struct ovsp4_field_match) { .value = v + 8, .mask = m8 };
        fm[3] = (struct ovsp4_field_match) { .value = NULL };
        fm[4] = (struct ovsp4_field_match) { .value = v + 9, .high = v + 11 };
        if (!ms[0]) {
            fm[0].value = NULL;
        }
        prios[i] = 1 + rng_below(&env->rng, 1000000);
    }
    for (uint32_t i = 0; i < (1u << 20); i++) {
        const uint8_t *v = vals + (size_t) rng_below(&env->rng, n) * 32;
        uint8_t *k = keys + (size_t) i * klen;

        rng_bytes(&env->rng, k, klen);
        if (rng_below(&env->rng, 4)) {
            memcpy(k, v, 2);
            memcpy(k + 4, v + 4, 3);
            k[8] = v[8];
            memcpy(k + 11, v + 9, 2);
        }
    }
    (void) all16;

    secs = insert_all(t, n, 5, fms, prios, &ok);
    snprintf(what, sizeof what, "insert (%u ok)", ok);
    report(what, n, secs);
    print_stats(t);
    bench_lookups(env, t, "lookup, mixed keys", keys, 1 << 20, klen);
    report("delete", n, delete_all(t, n, 5, fms, prios));
    ovsp4_table_destroy(t);
    free(vals);
    free(keys);
    free(fms);
    free(prios);
}

/* Lets the previous benchmark's deferred frees run now rather than during
 * the next one's timed phases. */
static void
settle(struct bench_env *env)
{
    ovsp4_rcu_offline(env->me);
    ovsp4_rcu_barrier(env->rcu);
    ovsp4_rcu_online(env->me);
}

static bool
want(const char *name, int argc, char *argv[])
{
    if (argc < 2) {
        return true;
    }
    for (int i = 1; i < argc; i++) {
        if (strstr(name, argv[i])) {
            return true;
        }
    }
    return false;
}

int
main(int argc, char *argv[])
{
    struct bench_env env;

    env.rcu = ovsp4_rcu_create();
    env.me = ovsp4_rcu_register(env.rcu);
    env.rng.s = 0xbe9c4;
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (want("exact", argc, argv)) {
        bench_exact(&env, 1000000);
        settle(&env);
    }
    if (want("lpm4", argc, argv)) {
        bench_lpm4(&env, 100000, true, 1 << 20);
        settle(&env);
        bench_lpm4(&env, 100000, false, 1 << 20);
        settle(&env);
        bench_lpm4(&env, 1000000, true, 1 << 20);
        settle(&env);
    }
    if (want("lpm6", argc, argv)) {
        bench_lpm6(&env, 10000);
        settle(&env);
        bench_lpm6(&env, 100000);
        settle(&env);
    }
    if (want("acl", argc, argv)) {
        bench_acl(&env, 1000);
        settle(&env);
        bench_acl(&env, 10000);
        settle(&env);
    }
    ovsp4_rcu_unregister(env.me);
    ovsp4_rcu_barrier(env.rcu);
    ovsp4_rcu_destroy(env.rcu);
    return 0;
}
