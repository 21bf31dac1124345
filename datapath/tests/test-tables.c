/*
 * OvS.p4 runtime tests: the table API -- descriptors, validation, status
 * codes, read-back, counters, defaults, iteration, and hand-written LPM
 * cases.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "testlib.h"

#define F(OFF, W, K) { OFF, W, OVSP4_MATCH_##K }

struct env {
    struct ovsp4_rcu *rcu;
    struct ovsp4_rcu_thread *me;
};

static struct env
env_create(void)
{
    struct env e;

    e.rcu = ovsp4_rcu_create();
    e.me = ovsp4_rcu_register(e.rcu);
    return e;
}

static void
env_destroy(struct env *e)
{
    ovsp4_rcu_unregister(e->me);
    ovsp4_rcu_destroy(e->rcu);
}

static struct ovsp4_table *
create(struct env *env, const struct ovsp4_field_desc *fields,
       uint32_t n_fields, uint32_t key_len, uint32_t max_size,
       enum ovsp4_status *error)
{
    struct ovsp4_table_desc d = {
        .name = "t", .key_len = key_len, .n_fields = n_fields,
        .fields = fields, .max_size = max_size, .action_data_size = 6,
        .default_action_id = 1,
    };
    enum ovsp4_status dummy;

    return ovsp4_table_create(&d, env->rcu, error ? error : &dummy);
}

static enum ovsp4_table_algo
algo_for(struct env *env, const struct ovsp4_field_desc *fields,
         uint32_t n_fields, uint32_t key_len, enum ovsp4_status *error)
{
    struct ovsp4_table *t = create(env, fields, n_fields, key_len, 16,
                                   error);
    enum ovsp4_table_algo a = t ? ovsp4_table_get_algo(t) : OVSP4_ALGO_AUTO;

    if (t) {
        *error = OVSP4_OK;
    }
    ovsp4_table_destroy(t);
    return a;
}

static void
test_algo_choice(void)
{
    struct env env = env_create();
    enum ovsp4_status err;

    const struct ovsp4_field_desc ex[] = { F(0, 48, EXACT), F(6, 9, EXACT) };
    CHECK_EQ(algo_for(&env, ex, 2, 8, &err), OVSP4_ALGO_EXACT);
    const struct ovsp4_field_desc l4[] = { F(0, 32, LPM) };
    CHECK_EQ(algo_for(&env, l4, 1, 4, &err), OVSP4_ALGO_LPM_DIR);
    const struct ovsp4_field_desc l6[] = { F(0, 128, LPM) };
    CHECK_EQ(algo_for(&env, l6, 1, 16, &err), OVSP4_ALGO_LPM_BSL);
    const struct ovsp4_field_desc vrf[] = { F(0, 16, EXACT), F(2, 32, LPM) };
    CHECK_EQ(algo_for(&env, vrf, 2, 6, &err), OVSP4_ALGO_LPM_BSL);
    const struct ovsp4_field_desc tern[] = { F(0, 32, LPM), F(4, 8, TERNARY) };
    CHECK_EQ(algo_for(&env, tern, 2, 5, &err), OVSP4_ALGO_TSS);
    const struct ovsp4_field_desc rng[] = { F(0, 16, RANGE) };
    CHECK_EQ(algo_for(&env, rng, 1, 2, &err), OVSP4_ALGO_TSS);
    CHECK_EQ(algo_for(&env, NULL, 0, 0, &err), OVSP4_ALGO_NONE);

    /* Two LPM fields and no priorities: unsupported (as BMv2). */
    const struct ovsp4_field_desc two[] = { F(0, 32, LPM), F(4, 32, LPM) };
    CHECK(!create(&env, two, 2, 8, 16, &err));
    CHECK_EQ(err, OVSP4_E_UNSUPPORTED);
    /* ... but fine with a ternary field. */
    const struct ovsp4_field_desc two_t[] = {
        F(0, 32, LPM), F(4, 32, LPM), F(8, 8, TERNARY),
    };
    CHECK_EQ(algo_for(&env, two_t, 3, 9, &err), OVSP4_ALGO_TSS);

    /* Bad descriptors. */
    const struct ovsp4_field_desc overlap[] = { F(0, 16, EXACT), F(1, 8, EXACT) };
    CHECK(!create(&env, overlap, 2, 2, 16, &err));
    CHECK_EQ(err, OVSP4_E_INVALID);
    const struct ovsp4_field_desc past[] = { F(2, 32, EXACT) };
    CHECK(!create(&env, past, 1, 5, 16, &err));
    CHECK_EQ(err, OVSP4_E_INVALID);
    const struct ovsp4_field_desc zero[] = { F(0, 0, EXACT) };
    CHECK(!create(&env, zero, 1, 1, 16, &err));
    CHECK_EQ(err, OVSP4_E_INVALID);
    CHECK(!create(&env, ex, 2, 8, 0, &err));
    CHECK_EQ(err, OVSP4_E_INVALID);

    /* Forcing an algorithm that cannot handle the shape. */
    struct ovsp4_table_desc d = {
        .key_len = 16, .n_fields = 1, .fields = l6, .max_size = 4,
        .algo = OVSP4_ALGO_LPM_DIR,
    };
    CHECK(!ovsp4_table_create(&d, env.rcu, &err));
    CHECK_EQ(err, OVSP4_E_UNSUPPORTED);
    d.algo = OVSP4_ALGO_EXACT;
    CHECK(!ovsp4_table_create(&d, env.rcu, &err));
    CHECK_EQ(err, OVSP4_E_UNSUPPORTED);
    env_destroy(&env);
}

static bool
copy_info(const struct ovsp4_entry_info *info, void *aux)
{
    memcpy(aux, info, sizeof *info);
    return true;
}

static enum ovsp4_status
put(struct ovsp4_table *t, const struct ovsp4_field_match *fm, int32_t prio,
    uint32_t action, uint8_t tag)
{
    uint8_t data[6] = { tag, 0, 0, 0, 0, tag };
    struct ovsp4_match m = { fm, prio };

    return ovsp4_table_insert(t, &m, &(struct ovsp4_entry_spec) {
        .action_id = action, .action_data = data, .action_data_len = 6,
    });
}

static void
test_validation(void)
{
    struct env env = env_create();
    const struct ovsp4_field_desc fields[] = {
        F(0, 9, EXACT), F(2, 20, LPM), F(5, 12, TERNARY), F(7, 10, RANGE),
        F(9, 4, OPTIONAL),
    };
    struct ovsp4_table *t = create(&env, fields, 5, 10, 4, NULL);
    uint8_t ex[2] = { 0x01, 0x23 };
    uint8_t lpm[3] = { 0x0a, 0xbc, 0x00 };
    uint8_t tv[2] = { 0x01, 0x20 }, tm[2] = { 0x0f, 0xf0 };
    uint8_t lo[2] = { 0x00, 0x10 }, hi[2] = { 0x03, 0xff };
    uint8_t opt[1] = { 0x05 };
    struct ovsp4_field_match fm[5] = {
        { .value = ex }, { .value = lpm, .prefix_len = 12 },
        { .value = tv, .mask = tm }, { .value = lo, .high = hi },
        { .value = opt },
    };
    struct ovsp4_match m = { fm, 10 };
    struct ovsp4_entry_spec spec = { .action_id = 3 };
    uint8_t bad[3];

    CHECK(t);
    if (!t) {
        goto out;
    }
    CHECK_EQ(ovsp4_table_get_algo(t), OVSP4_ALGO_TSS);
    CHECK_EQ(ovsp4_table_insert(t, &m, &spec), OVSP4_OK);
    CHECK_EQ(ovsp4_table_insert(t, &m, &spec), OVSP4_E_EXISTS);
    m.priority = 11;            /* same match, other priority: new entry */
    CHECK_EQ(ovsp4_table_insert(t, &m, &spec), OVSP4_OK);
    m.priority = 12;

    /* Value bits above the width. */
    bad[0] = 0x02; bad[1] = 0x00;
    fm[0].value = bad;
    CHECK_EQ(ovsp4_table_insert(t, &m, &spec), OVSP4_E_INVALID);
    fm[0].value = NULL;         /* exact fields are mandatory */
    CHECK_EQ(ovsp4_table_insert(t, &m, &spec), OVSP4_E_INVALID);
    fm[0].value = ex;

    /* Prefix length beyond the width; value bits past the prefix. */
    fm[1].prefix_len = 21;
    CHECK_EQ(ovsp4_table_insert(t, &m, &spec), OVSP4_E_INVALID);
    fm[1].prefix_len = 8;
    CHECK_EQ(ovsp4_table_insert(t, &m, &spec), OVSP4_E_INVALID);
    bad[0] = 0x1a; bad[1] = 0; bad[2] = 0;    /* 20-bit: top nibble pad */
    fm[1].value = bad;
    fm[1].prefix_len = 4;
    CHECK_EQ(ovsp4_table_insert(t, &m, &spec), OVSP4_E_INVALID);
    fm[1].value = lpm;
    fm[1].prefix_len = 12;

    /* Ternary: mask bits beyond the width; value outside the mask. */
    bad[0] = 0x1f; bad[1] = 0xf0;
    fm[2].mask = bad;
    CHECK_EQ(ovsp4_table_insert(t, &m, &spec), OVSP4_E_INVALID);
    bad[0] = 0x0f; bad[1] = 0x00;
    CHECK_EQ(ovsp4_table_insert(t, &m, &spec), OVSP4_E_INVALID);
    fm[2].mask = tm;

    /* Range: low > high, missing high, high beyond the width. */
    fm[3].value = hi;
    fm[3].high = lo;
    CHECK_EQ(ovsp4_table_insert(t, &m, &spec), OVSP4_E_INVALID);
    fm[3].value = lo;
    fm[3].high = NULL;
    CHECK_EQ(ovsp4_table_insert(t, &m, &spec), OVSP4_E_INVALID);
    bad[0] = 0x04; bad[1] = 0x00;
    fm[3].high = bad;
    CHECK_EQ(ovsp4_table_insert(t, &m, &spec), OVSP4_E_INVALID);
    fm[3].high = hi;

    /* Optional beyond its 4 bits. */
    bad[0] = 0x10;
    fm[4].value = bad;
    CHECK_EQ(ovsp4_table_insert(t, &m, &spec), OVSP4_E_INVALID);
    fm[4].value = opt;

    /* Action data too long. */
    spec.action_data = bad;
    spec.action_data_len = 7;
    CHECK_EQ(ovsp4_table_insert(t, &m, &spec), OVSP4_E_INVALID);
    spec.action_data_len = 0;

    /* All fields but the exact one don't care. */
    fm[1].value = fm[2].value = fm[3].value = fm[4].value = NULL;
    CHECK_EQ(ovsp4_table_insert(t, &m, &spec), OVSP4_OK);
    /* The same, spelled out: exists. */
    uint8_t z[3] = { 0 }, full[2] = { 0x03, 0xff };
    fm[1].value = z; fm[1].prefix_len = 0;
    fm[2].value = z; fm[2].mask = z;
    fm[3].value = z; fm[3].high = full;
    CHECK_EQ(ovsp4_table_insert(t, &m, &spec), OVSP4_E_EXISTS);

    /* Full at 4. */
    m.priority = 13;
    CHECK_EQ(ovsp4_table_insert(t, &m, &spec), OVSP4_OK);
    m.priority = 14;
    CHECK_EQ(ovsp4_table_insert(t, &m, &spec), OVSP4_E_FULL);
    CHECK_EQ(ovsp4_table_count(t), 4);
    CHECK_EQ(ovsp4_table_delete(t, &m), OVSP4_E_NOT_FOUND);
    CHECK_EQ(ovsp4_table_modify(t, &m, &spec), OVSP4_E_NOT_FOUND);
    m.priority = 13;
    CHECK_EQ(ovsp4_table_delete(t, &m), OVSP4_OK);
    CHECK_EQ(ovsp4_table_delete(t, &m), OVSP4_E_NOT_FOUND);

    ovsp4_table_destroy(t);
out:
    env_destroy(&env);
}

static void
test_priority_rules(void)
{
    struct env env = env_create();
    const struct ovsp4_field_desc lf[] = { F(0, 32, LPM) };
    struct ovsp4_table *t = create(&env, lf, 1, 4, 16, NULL);
    uint8_t v[4] = { 10, 0, 0, 0 };
    struct ovsp4_field_match fm[1] = { { .value = v, .prefix_len = 8 } };

    /* LPM-only tables take no priority. */
    CHECK_EQ(put(t, fm, 5, 1, 1), OVSP4_E_INVALID);
    CHECK_EQ(put(t, fm, 0, 1, 1), OVSP4_OK);
    ovsp4_table_destroy(t);
    env_destroy(&env);
}

static void
test_readback_counters(void)
{
    struct env env = env_create();
    const struct ovsp4_field_desc fields[] = {
        F(0, 16, EXACT), F(2, 24, LPM), F(5, 8, TERNARY), F(6, 16, RANGE),
    };
    struct ovsp4_table *t = create(&env, fields, 4, 8, 16, NULL);
    uint8_t ex[2] = { 0xab, 0xcd }, lpm[3] = { 0x0a, 0x80, 0 };
    uint8_t lo[2] = { 0x04, 0x00 }, hi[2] = { 0x04, 0xff };
    struct ovsp4_field_match fm[4] = {
        { .value = ex }, { .value = lpm, .prefix_len = 9 }, { 0 },
        { .value = lo, .high = hi },
    };
    struct ovsp4_match m = { fm, 7 };
    struct ovsp4_entry_info info;
    uint8_t key[8] = { 0xab, 0xcd, 0x0a, 0x80, 0x01, 0x77, 0x04, 0x10 };
    const struct ovsp4_entry *e;
    uint8_t data[6] = { 1, 2, 3, 4, 5, 6 };

    CHECK_EQ(ovsp4_table_insert(t, &m, &(struct ovsp4_entry_spec) {
        .action_id = 9, .action_data = data, .action_data_len = 3,
        .idle_timeout_ns = 5000, .cookie = 77, .last_hit = 100,
    }), OVSP4_OK);

    e = ovsp4_table_lookup(t, key);
    CHECK(e != NULL);
    if (!e) {
        goto out;
    }
    CHECK_EQ(ovsp4_entry_action(e)->id, 9);
    CHECK(!memcmp(ovsp4_entry_action(e)->data, "\1\2\3\0\0\0", 6));
    ovsp4_entry_hit(e, 100, 1000);
    ovsp4_entry_hit(e, 50, 2000);

    CHECK_EQ(ovsp4_table_read(t, &m, copy_info, &info), OVSP4_OK);
    CHECK_EQ(info.n_packets, 2);
    CHECK_EQ(info.n_bytes, 150);
    CHECK_EQ(info.last_hit, 2000);
    CHECK_EQ(info.idle_timeout_ns, 5000);
    CHECK_EQ(info.cookie, 77);
    CHECK_EQ(info.priority, 7);
    CHECK_EQ(info.action_id, 9);
    CHECK_EQ(info.action_data_len, 6);
    CHECK(info.fields[0].value && !memcmp(info.fields[0].value, ex, 2));
    CHECK(info.fields[1].value && info.fields[1].prefix_len == 9);
    CHECK(!info.fields[2].value);       /* don't care: omitted */
    CHECK(info.fields[3].value && !memcmp(info.fields[3].value, lo, 2)
          && !memcmp(info.fields[3].high, hi, 2));

    /* Modify swaps the action, keeps the counters. */
    CHECK_EQ(ovsp4_table_modify(t, &m, &(struct ovsp4_entry_spec) {
        .action_id = 4, .cookie = 78,
    }), OVSP4_OK);
    CHECK_EQ(ovsp4_table_read(t, &m, copy_info, &info), OVSP4_OK);
    CHECK_EQ(info.action_id, 4);
    CHECK_EQ(info.n_packets, 2);
    CHECK_EQ(info.cookie, 78);
    CHECK(ovsp4_table_lookup(t, key) == e);
    CHECK_EQ(ovsp4_entry_action(e)->id, 4);
    CHECK_EQ(ovsp4_table_set_counters(t, &m, 0, 0), OVSP4_OK);
    CHECK_EQ(ovsp4_table_read(t, &m, copy_info, &info), OVSP4_OK);
    CHECK_EQ(info.n_packets, 0);

    /* Range bounds are inclusive. */
    key[6] = 0x03; key[7] = 0xff;
    CHECK(!ovsp4_table_lookup(t, key));
    key[6] = 0x04; key[7] = 0x00;
    CHECK(ovsp4_table_lookup(t, key) == e);
    key[7] = 0xff;
    CHECK(ovsp4_table_lookup(t, key) == e);
    key[6] = 0x05; key[7] = 0x00;
    CHECK(!ovsp4_table_lookup(t, key));

    /* Default action swap. */
    CHECK_EQ(ovsp4_table_default_action(t)->id, 1);
    CHECK_EQ(ovsp4_table_set_default(t, 2, data, 6), OVSP4_OK);
    CHECK_EQ(ovsp4_table_default_action(t)->id, 2);
    CHECK(!memcmp(ovsp4_table_default_action(t)->data, data, 6));
    CHECK_EQ(ovsp4_table_set_default(t, 2, data, 7), OVSP4_E_INVALID);
out:
    ovsp4_rcu_quiesce(env.me);
    ovsp4_table_destroy(t);
    env_destroy(&env);
}

static void
test_keyless(void)
{
    struct env env = env_create();
    struct ovsp4_table *t = create(&env, NULL, 0, 0, 1, NULL);
    struct ovsp4_match m = { NULL, 0 };

    CHECK(t);
    if (t) {
        CHECK(!ovsp4_table_lookup(t, (const uint8_t *) ""));
        CHECK_EQ(ovsp4_table_insert(t, &m, &(struct ovsp4_entry_spec) { 0 }),
                 OVSP4_E_INVALID);
        CHECK_EQ(ovsp4_table_default_action(t)->id, 1);
        ovsp4_table_destroy(t);
    }
    env_destroy(&env);
}

/* A typical routing table, by hand: longest prefix wins, deleting a route
 * restores the covering one, host routes and the default route work. */
static void
lpm_by_hand(enum ovsp4_table_algo algo, uint32_t max_size)
{
    struct env env = env_create();
    const struct ovsp4_field_desc lf[] = { F(0, 32, LPM) };
    struct ovsp4_table_desc d = {
        .key_len = 4, .n_fields = 1, .fields = lf, .max_size = max_size,
        .action_data_size = 6, .algo = algo,
    };
    enum ovsp4_status err;
    struct ovsp4_table *t = ovsp4_table_create(&d, env.rcu, &err);
    static const struct {
        uint8_t p[4];
        uint32_t len;
    } routes[] = {
        { { 0, 0, 0, 0 }, 0 },          /* action 1 */
        { { 10, 0, 0, 0 }, 8 },         /* 2 */
        { { 10, 1, 0, 0 }, 16 },        /* 3 */
        { { 10, 1, 2, 0 }, 24 },        /* 4 */
        { { 10, 1, 2, 128 }, 25 },      /* 5 */
        { { 10, 1, 2, 130 }, 32 },      /* 6 */
        { { 10, 1, 3, 0 }, 31 },        /* 7 */
    };
    static const struct {
        uint8_t a[4];
        uint32_t action[8];     /* after deleting 0, 1, ... 7 routes, from
                                 * the last one (the /31) backwards */
    } probes[] = {
        { { 10, 1, 2, 130 }, { 6, 6, 5, 4, 3, 2, 1, 0 } },
        { { 10, 1, 2, 131 }, { 5, 5, 5, 4, 3, 2, 1, 0 } },
        { { 10, 1, 2, 5 }, { 4, 4, 4, 4, 3, 2, 1, 0 } },
        { { 10, 1, 3, 1 }, { 7, 3, 3, 3, 3, 2, 1, 0 } },
        { { 10, 1, 3, 2 }, { 3, 3, 3, 3, 3, 2, 1, 0 } },
        { { 10, 2, 0, 0 }, { 2, 2, 2, 2, 2, 2, 1, 0 } },
        { { 11, 0, 0, 0 }, { 1, 1, 1, 1, 1, 1, 1, 0 } },
    };
    size_t n = sizeof routes / sizeof routes[0];

    CHECK(t);
    if (!t) {
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        struct ovsp4_field_match fm = {
            .value = routes[i].p, .prefix_len = routes[i].len,
        };
        CHECK_EQ(put(t, &fm, 0, i + 1, i), OVSP4_OK);
    }
    for (size_t step = 0; step <= n; step++) {
        for (size_t j = 0; j < sizeof probes / sizeof probes[0]; j++) {
            const struct ovsp4_entry *e = ovsp4_table_lookup(t, probes[j].a);
            uint32_t got = e ? ovsp4_entry_action(e)->id : 0;

            if (got != probes[j].action[step]) {
                test_fail(__FILE__, __LINE__,
                          "%s: step %zu probe %zu: got %u, want %u",
                          ovsp4_table_algo_name(algo), step, j, got,
                          probes[j].action[step]);
            }
        }
        if (step < n) {
            size_t i = n - 1 - step;
            struct ovsp4_field_match fm = {
                .value = routes[i].p, .prefix_len = routes[i].len,
            };
            struct ovsp4_match m = { &fm, 0 };

            CHECK_EQ(ovsp4_table_delete(t, &m), OVSP4_OK);
        }
        ovsp4_rcu_quiesce(env.me);
    }
    CHECK_EQ(ovsp4_table_count(t), 0);
    ovsp4_table_destroy(t);
out:
    env_destroy(&env);
}

static void
test_lpm_by_hand(void)
{
    lpm_by_hand(OVSP4_ALGO_AUTO, 100000);       /* DIR, 24-bit tbl1 */
    lpm_by_hand(OVSP4_ALGO_AUTO, 100);          /* DIR, 16-bit tbl1 */
    lpm_by_hand(OVSP4_ALGO_LPM_BSL, 100);
    lpm_by_hand(OVSP4_ALGO_TSS, 100);
}

struct page_state {
    uint32_t budget;
    uint64_t ids[64];
    uint32_t n;
};

static bool
page_cb(const struct ovsp4_entry_info *info, void *aux)
{
    struct page_state *p = aux;

    if (!p->budget) {
        return false;
    }
    p->budget--;
    p->ids[p->n++ % 64] = info->id;
    return true;
}

/* Paging while the table changes: an entry present throughout is
 * delivered exactly once; new entries come after, deleted ones vanish. */
static void
test_iterate_paging(void)
{
    struct env env = env_create();
    const struct ovsp4_field_desc f[] = { F(0, 16, EXACT) };
    struct ovsp4_table *t = create(&env, f, 1, 2, 1000, NULL);
    uint8_t seen[600] = { 0 };
    uint64_t cursor = 0;
    struct page_state p = { 0 };
    bool done = false;
    uint32_t total = 0;

    for (uint32_t i = 0; i < 500; i++) {
        uint8_t v[2] = { (uint8_t) (i >> 8), (uint8_t) i };
        struct ovsp4_field_match fm = { .value = v };
        put(t, &fm, 0, i, 0);
    }
    while (!done) {
        uint32_t before = p.n;

        p.budget = 7;
        done = ovsp4_table_iterate(t, &cursor, page_cb, &p);
        for (uint32_t k = before; k < p.n; k++) {
            uint64_t id = p.ids[k % 64];
            CHECK(id >= 1 && id < 600);
            if (id < 600 && seen[id]++) {
                test_fail(__FILE__, __LINE__, "id %" PRIu64 " twice", id);
            }
            total++;
        }
        /* Between pages: delete the entry just returned and the one
         * after the cursor, add one at the end. */
        if (!done && p.n) {
            uint32_t last = p.ids[(p.n - 1) % 64] - 1;   /* key = id - 1 */
            for (uint32_t k = last; k <= last + 1 && k < 500; k++) {
                uint8_t v[2] = { (uint8_t) (k >> 8), (uint8_t) k };
                struct ovsp4_field_match fm = { .value = v };
                struct ovsp4_match m = { &fm, 0 };
                ovsp4_table_delete(t, &m);
            }
        }
    }
    /* Every entry never deleted was seen. */
    CHECK(total >= 400);
    CHECK_EQ(ovsp4_table_iterate(t, &cursor, page_cb, &p), true);
    ovsp4_rcu_quiesce(env.me);
    ovsp4_table_destroy(t);
    env_destroy(&env);
}

static void
test_clear_reuse(void)
{
    struct env env = env_create();
    const struct ovsp4_field_desc lf[] = { F(0, 32, LPM) };
    struct ovsp4_table *t = create(&env, lf, 1, 4, 100000, NULL);

    for (int round = 0; round < 3; round++) {
        for (uint32_t i = 0; i < 3000; i++) {
            uint8_t v[4] = { (uint8_t) i, (uint8_t) (i >> 8), 7, 0 };
            struct ovsp4_field_match fm = {
                .value = v, .prefix_len = 24 + (i % 9),
            };
            v[3] = (uint8_t) (0xff << (32 - fm.prefix_len));
            v[3] &= 0xaa;
            put(t, &fm, 0, 1, 0);
        }
        CHECK(ovsp4_table_count(t) > 2000);
        ovsp4_table_clear(t);
        CHECK_EQ(ovsp4_table_count(t), 0);
        uint8_t k[4] = { 1, 0, 7, 0 };
        CHECK(!ovsp4_table_lookup(t, k));
        ovsp4_rcu_quiesce(env.me);
    }
    ovsp4_table_destroy(t);
    env_destroy(&env);
}

/* Prefetches `n` keys of `t` and checks that every lookup gives what it
 * gave before. */
static void
prefetch_check(struct ovsp4_table *t, uint8_t (*keys)[4], uint32_t n)
{
    const struct ovsp4_entry *before[200];
    const uint8_t *kp[200] = { NULL };

    for (uint32_t i = 0; i < n; i++) {
        kp[i] = keys[i];
        before[i] = ovsp4_table_lookup(t, keys[i]);
    }
    ovsp4_table_prefetch(t, kp, n, NULL);
    for (uint32_t i = 0; i < n; i++) {
        CHECK(ovsp4_table_lookup(t, keys[i]) == before[i]);
    }

    const struct ovsp4_entry *found[200];

    ovsp4_table_prefetch(t, kp, n, found);
    for (uint32_t i = 0; i < n; i++) {
        CHECK(found[i] == before[i]);
    }
}

/* ovsp4_table_prefetch() on the shapes the differential tests reach
 * rarely: no keys, empty and keyless tables, two group levels below a
 * 16-bit first level, misses, actions moved out of their entry by a
 * modify, batches of several chunks. */
static void
test_prefetch(void)
{
    struct env env = env_create();
    const struct ovsp4_field_desc lf[] = { F(0, 32, LPM) };
    const struct ovsp4_field_desc ef[] = { F(0, 32, EXACT) };
    struct ovsp4_table *keyless = create(&env, NULL, 0, 0, 1, NULL);
    uint8_t keys[200][4];

    ovsp4_table_prefetch(keyless, NULL, 0, NULL);
    ovsp4_table_prefetch(keyless, (const uint8_t *const[]) { NULL }, 1, NULL);
    const struct ovsp4_entry *one[1] = { (const void *) &one };
    ovsp4_table_prefetch(keyless, (const uint8_t *const[]) { NULL }, 1, one);
    CHECK(!one[0]);
    for (uint32_t i = 0; i < 200; i++) {
        keys[i][0] = 10;
        keys[i][1] = (uint8_t) (i % 3);
        keys[i][2] = (uint8_t) (i * 7);
        keys[i][3] = (uint8_t) (i * 13);
    }
    for (int variant = 0; variant < 3; variant++) {
        /* LPM with a 16-bit and a 24-bit first level, exact. */
        uint32_t max_size = variant == 1 ? 100000 : 1000;
        struct ovsp4_table *t = variant < 2
                                ? create(&env, lf, 1, 4, max_size, NULL)
                                : create(&env, ef, 1, 4, max_size, NULL);

        ovsp4_table_prefetch(t, NULL, 0, NULL);
        prefetch_check(t, keys, 200);           /* empty */
        for (uint32_t i = 0; i < 200; i += 2) {
            uint8_t v[4];
            struct ovsp4_field_match fm = { .value = v, .prefix_len = 32 };

            memcpy(v, keys[i], 4);
            if (variant < 2 && i % 6 == 0) {
                fm.prefix_len = 16 + i % 17;    /* 16..32 */
                for (uint32_t b = fm.prefix_len; b < 32; b++) {
                    v[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
                }
            }
            put(t, &fm, 0, 1 + i % 3, (uint8_t) i);
            if (i % 4 == 0) {           /* the action leaves the entry */
                struct ovsp4_match m = { &fm, 0 };
                uint8_t data[6] = { 9, 9, 9, 9, 9, 9 };

                CHECK_EQ(ovsp4_table_modify(t, &m, &(struct ovsp4_entry_spec) {
                    .action_id = 2, .action_data = data,
                    .action_data_len = 6,
                }), OVSP4_OK);
            }
        }
        for (uint32_t n = 1; n <= 200; n = n * 3 + 1) {
            prefetch_check(t, keys, n);
        }
        prefetch_check(t, keys, 200);
        ovsp4_rcu_quiesce(env.me);
        ovsp4_table_destroy(t);
    }
    ovsp4_table_destroy(keyless);
    env_destroy(&env);
}

const struct ovsp4_test table_api_tests[] = {
    { "api/algo-choice", test_algo_choice },
    { "api/validation", test_validation },
    { "api/priority", test_priority_rules },
    { "api/readback-counters", test_readback_counters },
    { "api/keyless", test_keyless },
    { "api/lpm-by-hand", test_lpm_by_hand },
    { "api/iterate-paging", test_iterate_paging },
    { "api/clear-reuse", test_clear_reuse },
    { "api/prefetch", test_prefetch },
    { NULL, NULL },
};
