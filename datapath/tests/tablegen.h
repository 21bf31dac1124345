/*
 * OvS.p4 runtime tests: random table entries and keys, and the naive
 * reference matcher the tables are checked against.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#ifndef OVSP4_TABLEGEN_H
#define OVSP4_TABLEGEN_H 1

#include "table.h"
#include "testlib.h"

#define TG_MAX_FIELDS 8
#define TG_MAX_KEY 64
#define TG_MAX_FBYTES 32
#define TG_POOL 8

struct tg_shape {
    const char *name;
    uint32_t key_len;
    uint32_t n_fields;
    struct ovsp4_field_desc fields[TG_MAX_FIELDS];
};

struct tg_field {
    uint8_t value[TG_MAX_FBYTES];       /* canonical: masked; RANGE: low */
    uint8_t mask[TG_MAX_FBYTES];        /* TERNARY/LPM/OPTIONAL/EXACT */
    uint8_t high[TG_MAX_FBYTES];        /* RANGE */
    uint32_t plen;                      /* LPM */
    bool any;                           /* don't care */
};

struct tg_rule {
    struct tg_field f[TG_MAX_FIELDS];
    uint8_t cv[TG_MAX_KEY];             /* the runtime's canonical value */
    int32_t priority;
    int32_t rank;                       /* priority, or prefix length */
};

struct tg_gen {
    const struct tg_shape *shape;
    bool has_priority;
    int lpm_field;
    uint8_t pool[TG_MAX_FIELDS][TG_POOL][TG_MAX_FBYTES];
    uint8_t mask_pool[TG_MAX_FIELDS][4][TG_MAX_FBYTES];
    uint32_t prio_range;                /* priorities in [1, prio_range] */
    bool realistic;                     /* set after tg_init(): prefixes of
                                         * at least half the width, masks
                                         * from the pool only (few
                                         * subtables, cheap updates) */
};

void tg_init(struct tg_gen *, const struct tg_shape *, struct test_rng *);
void tg_random_rule(const struct tg_gen *, struct test_rng *,
                    struct tg_rule *);
/* A key: matching `r` if non-NULL, else built from the value pools. */
void tg_random_key(const struct tg_gen *, struct test_rng *,
                   const struct tg_rule *r, uint8_t *key);
bool tg_matches(const struct tg_gen *, const struct tg_rule *,
                const uint8_t *key);
/* Same entry identity (match and, where the table has them, priority). */
bool tg_same(const struct tg_gen *, const struct tg_rule *,
             const struct tg_rule *);
/* The API form of `r`.  `alt` spells don't-care fields differently (a
 * zero mask, prefix length 0, the full range) instead of omitting them. */
void tg_to_match(const struct tg_gen *, const struct tg_rule *, bool alt,
                 struct ovsp4_field_match fm[TG_MAX_FIELDS],
                 struct ovsp4_match *);
/* Checks that an exported canonical match describes `r`. */
bool tg_export_equal(const struct tg_gen *, const struct tg_rule *,
                     const struct ovsp4_field_match *);
struct ovsp4_table_desc tg_desc(const struct tg_shape *, uint32_t max_size,
                                uint32_t action_data_size,
                                enum ovsp4_table_algo);
/* A checksum of a canonical value (key_len bytes) and a priority, which
 * the tests store in action data and readers verify. */
uint64_t tg_checksum(const uint8_t *cv, uint32_t key_len, int32_t priority);

#endif /* OVSP4_TABLEGEN_H */
