/*
 * OvS.p4 runtime tests: random entries, keys and the reference matcher.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#include "tablegen.h"

#include <string.h>

static uint32_t
fbytes(const struct ovsp4_field_desc *f)
{
    return (f->width + 7) / 8;
}

static uint8_t
top_mask(const struct ovsp4_field_desc *f)
{
    return 0xff >> (fbytes(f) * 8 - f->width);
}

static void
prefix_mask(uint8_t *m, const struct ovsp4_field_desc *f, uint32_t plen)
{
    uint32_t n = fbytes(f), pad = n * 8 - f->width;

    memset(m, 0, n);
    for (uint32_t b = 0; b < plen; b++) {
        uint32_t bit = pad + b;
        m[bit / 8] |= 0x80 >> (bit % 8);
    }
}

static void
full_mask(uint8_t *m, const struct ovsp4_field_desc *f)
{
    memset(m, 0xff, fbytes(f));
    m[0] = top_mask(f);
}

static void
and_bytes(uint8_t *v, const uint8_t *m, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        v[i] &= m[i];
    }
}

static void
random_field(struct test_rng *rng, const struct ovsp4_field_desc *f,
             uint8_t *v)
{
    rng_bytes(rng, v, fbytes(f));
    v[0] &= top_mask(f);
}

static uint64_t
be_get(const uint8_t *p, uint32_t n)
{
    uint64_t v = 0;

    for (uint32_t i = 0; i < n; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

static void
be_put(uint8_t *p, uint32_t n, uint64_t v)
{
    for (uint32_t i = n; i-- > 0; v >>= 8) {
        p[i] = (uint8_t) v;
    }
}

static uint64_t
field_max(const struct ovsp4_field_desc *f)
{
    return f->width >= 64 ? UINT64_MAX : (1ULL << f->width) - 1;
}

void
tg_init(struct tg_gen *g, const struct tg_shape *s, struct test_rng *rng)
{
    memset(g, 0, sizeof *g);
    g->shape = s;
    g->lpm_field = -1;
    g->prio_range = rng_below(rng, 2) ? 8 : 1000;
    for (uint32_t i = 0; i < s->n_fields; i++) {
        const struct ovsp4_field_desc *f = &s->fields[i];

        switch (f->kind) {
        case OVSP4_MATCH_LPM:
            g->lpm_field = i;
            break;
        case OVSP4_MATCH_EXACT:
            break;
        default:
            g->has_priority = true;
            break;
        }
        for (int p = 0; p < TG_POOL; p++) {
            random_field(rng, f, g->pool[i][p]);
            if (f->kind == OVSP4_MATCH_RANGE) {
                /* Small numbers, so that ranges overlap. */
                uint64_t v = be_get(g->pool[i][p], fbytes(f)) & 1023;
                be_put(g->pool[i][p], fbytes(f), v & field_max(f));
            }
        }
        full_mask(g->mask_pool[i][0], f);
        random_field(rng, f, g->mask_pool[i][1]);
        prefix_mask(g->mask_pool[i][2], f, f->width / 2);
        random_field(rng, f, g->mask_pool[i][3]);
        and_bytes(g->mask_pool[i][3], g->mask_pool[i][1], fbytes(f));
    }
    if (g->has_priority) {
        g->lpm_field = -1;
    }
}

static uint32_t
random_plen(struct test_rng *rng, uint32_t w)
{
    uint32_t r = rng_below(rng, 100);

    if (r < 60) {
        return w / 2 + rng_below(rng, w - w / 2 + 1);
    } else if (r < 95) {
        return w / 4 + rng_below(rng, w - w / 4 + 1);
    }
    return rng_below(rng, w + 1);
}

void
tg_random_rule(const struct tg_gen *g, struct test_rng *rng,
               struct tg_rule *r)
{
    const struct tg_shape *s = g->shape;

    memset(r, 0, sizeof *r);
    for (uint32_t i = 0; i < s->n_fields; i++) {
        const struct ovsp4_field_desc *f = &s->fields[i];
        struct tg_field *tf = &r->f[i];
        uint32_t n = fbytes(f);

        if (rng_below(rng, 4)) {
            memcpy(tf->value, g->pool[i][rng_below(rng, TG_POOL)], n);
        } else {
            random_field(rng, f, tf->value);
        }

        switch (f->kind) {
        case OVSP4_MATCH_EXACT:
            full_mask(tf->mask, f);
            break;
        case OVSP4_MATCH_LPM:
            tf->plen = g->realistic
                       ? f->width / 2 + rng_below(rng, f->width / 2 + 1)
                       : random_plen(rng, f->width);
            prefix_mask(tf->mask, f, tf->plen);
            tf->any = !tf->plen;
            break;
        case OVSP4_MATCH_TERNARY:
            if (!rng_below(rng, 4)) {
                tf->any = true;
                memset(tf->mask, 0, n);
            } else if (g->realistic || rng_below(rng, 4)) {
                memcpy(tf->mask, g->mask_pool[i][rng_below(rng, 4)], n);
            } else {
                random_field(rng, f, tf->mask);
            }
            /* An all-zero mask is don't care, however it was drawn. */
            tf->any = true;
            for (uint32_t j = 0; j < n; j++) {
                tf->any &= !tf->mask[j];
            }
            break;
        case OVSP4_MATCH_OPTIONAL:
            if (rng_below(rng, 2)) {
                tf->any = true;
                memset(tf->mask, 0, n);
            } else {
                full_mask(tf->mask, f);
            }
            break;
        case OVSP4_MATCH_RANGE: {
            uint64_t max = field_max(f), lo, hi;

            if (!rng_below(rng, 4)) {
                tf->any = true;
                lo = 0;
                hi = max;
            } else if (!rng_below(rng, 3)) {
                uint32_t k = g->realistic ? 0
                             : rng_below(rng, f->width < 10 ? f->width + 1
                                                            : 11);
                uint64_t size = k >= 64 ? 0 : 1ULL << k;

                lo = (be_get(tf->value, n) & max) & ~(size - 1);
                hi = lo + (size - 1);
            } else {
                lo = be_get(g->pool[i][rng_below(rng, TG_POOL)], n);
                hi = lo + rng_below(rng, 600);
                if (hi > max || hi < lo) {
                    hi = max;
                }
            }
            if (!tf->any && lo == 0 && hi == max) {
                tf->any = true;
            }
            be_put(tf->value, n, lo);
            be_put(tf->high, n, hi);
            memset(tf->mask, 0, n);
            break;
        }
        }
        if (f->kind != OVSP4_MATCH_RANGE) {
            and_bytes(tf->value, tf->mask, n);
        }
        memcpy(r->cv + f->offset, tf->value, n);
    }
    if (g->has_priority) {
        r->priority = 1 + rng_below(rng, g->prio_range);
        r->rank = r->priority;
    } else {
        r->rank = g->lpm_field >= 0 ? (int32_t) r->f[g->lpm_field].plen : 0;
    }
}

void
tg_random_key(const struct tg_gen *g, struct test_rng *rng,
              const struct tg_rule *r, uint8_t *key)
{
    const struct tg_shape *s = g->shape;

    memset(key, 0, s->key_len);
    for (uint32_t i = 0; i < s->n_fields; i++) {
        const struct ovsp4_field_desc *f = &s->fields[i];
        uint32_t n = fbytes(f);
        uint8_t *k = key + f->offset;

        if (!r) {
            if (rng_below(rng, 4)) {
                memcpy(k, g->pool[i][rng_below(rng, TG_POOL)], n);
            } else {
                random_field(rng, f, k);
            }
            continue;
        }
        if (f->kind == OVSP4_MATCH_RANGE) {
            const struct tg_field *tf = &r->f[i];
            uint64_t lo = be_get(tf->value, n), hi = be_get(tf->high, n);
            uint64_t span = hi - lo;

            be_put(k, n, span == UINT64_MAX ? rng_next(rng) & field_max(f)
                         : lo + rng_next(rng) % (span + 1));
        } else {
            random_field(rng, f, k);
            for (uint32_t j = 0; j < n; j++) {
                k[j] = (k[j] & ~r->f[i].mask[j]) | r->f[i].value[j];
            }
        }
    }
}

bool
tg_matches(const struct tg_gen *g, const struct tg_rule *r,
           const uint8_t *key)
{
    const struct tg_shape *s = g->shape;

    for (uint32_t i = 0; i < s->n_fields; i++) {
        const struct ovsp4_field_desc *f = &s->fields[i];
        const struct tg_field *tf = &r->f[i];
        const uint8_t *k = key + f->offset;
        uint32_t n = fbytes(f);

        if (f->kind == OVSP4_MATCH_RANGE) {
            if (memcmp(k, tf->value, n) < 0 || memcmp(k, tf->high, n) > 0) {
                return false;
            }
        } else {
            for (uint32_t j = 0; j < n; j++) {
                if ((k[j] & tf->mask[j]) != tf->value[j]) {
                    return false;
                }
            }
        }
    }
    return true;
}

bool
tg_same(const struct tg_gen *g, const struct tg_rule *a,
        const struct tg_rule *b)
{
    const struct tg_shape *s = g->shape;

    if (g->has_priority && a->priority != b->priority) {
        return false;
    }
    for (uint32_t i = 0; i < s->n_fields; i++) {
        uint32_t n = fbytes(&s->fields[i]);

        if (memcmp(a->f[i].value, b->f[i].value, n)
            || memcmp(a->f[i].mask, b->f[i].mask, n)
            || memcmp(a->f[i].high, b->f[i].high, n)
            || a->f[i].plen != b->f[i].plen) {
            return false;
        }
    }
    return true;
}

void
tg_to_match(const struct tg_gen *g, const struct tg_rule *r, bool alt,
            struct ovsp4_field_match fm[TG_MAX_FIELDS], struct ovsp4_match *m)
{
    const struct tg_shape *s = g->shape;

    memset(fm, 0, sizeof *fm * TG_MAX_FIELDS);
    for (uint32_t i = 0; i < s->n_fields; i++) {
        const struct tg_field *tf = &r->f[i];

        if (tf->any && !alt && s->fields[i].kind != OVSP4_MATCH_EXACT) {
            continue;           /* omitted: value NULL */
        }
        fm[i].value = tf->value;
        switch (s->fields[i].kind) {
        case OVSP4_MATCH_LPM:
            fm[i].prefix_len = tf->plen;
            break;
        case OVSP4_MATCH_TERNARY:
            fm[i].mask = tf->mask;
            break;
        case OVSP4_MATCH_RANGE:
            fm[i].high = tf->high;
            break;
        case OVSP4_MATCH_OPTIONAL:
            if (tf->any) {
                fm[i].value = NULL;     /* no other spelling */
            }
            break;
        default:
            break;
        }
    }
    m->fields = fm;
    m->priority = r->priority;
}

bool
tg_export_equal(const struct tg_gen *g, const struct tg_rule *r,
                const struct ovsp4_field_match *fm)
{
    const struct tg_shape *s = g->shape;

    for (uint32_t i = 0; i < s->n_fields; i++) {
        const struct ovsp4_field_desc *f = &s->fields[i];
        const struct tg_field *tf = &r->f[i];
        uint32_t n = fbytes(f);

        if (tf->any && f->kind != OVSP4_MATCH_EXACT) {
            if (fm[i].value) {
                return false;
            }
            continue;
        }
        if (!fm[i].value || memcmp(fm[i].value, tf->value, n)) {
            return false;
        }
        switch (f->kind) {
        case OVSP4_MATCH_LPM:
            if (fm[i].prefix_len != tf->plen) {
                return false;
            }
            break;
        case OVSP4_MATCH_TERNARY:
            if (!fm[i].mask || memcmp(fm[i].mask, tf->mask, n)) {
                return false;
            }
            break;
        case OVSP4_MATCH_RANGE:
            if (!fm[i].high || memcmp(fm[i].high, tf->high, n)) {
                return false;
            }
            break;
        default:
            break;
        }
    }
    return true;
}

struct ovsp4_table_desc
tg_desc(const struct tg_shape *s, uint32_t max_size,
        uint32_t action_data_size, enum ovsp4_table_algo algo)
{
    return (struct ovsp4_table_desc) {
        .name = s->name,
        .key_len = s->key_len,
        .n_fields = s->n_fields,
        .fields = s->fields,
        .max_size = max_size,
        .action_data_size = action_data_size,
        .default_action_id = 7,
        .seed = 0x1234,
        .algo = algo,
    };
}

uint64_t
tg_checksum(const uint8_t *cv, uint32_t key_len, int32_t priority)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ (uint32_t) priority;

    for (uint32_t i = 0; i < key_len; i++) {
        h = (h ^ cv[i]) * 0x100000001b3ULL;
    }
    return h;
}
