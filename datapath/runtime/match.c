/*
 * OvS.p4 runtime: validation and canonical form of entry matches.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Every algorithm works on the canonical arrays (value, mask, high; see
 * table-private.h), so two requests naming the same entry compare equal
 * byte for byte whatever way they spelled don't-care fields.
 */

#include "table-private.h"

/* Writes the mask of the first `plen` bits of field `f` at `mask`. */
void
ovsp4_prefix_mask(uint8_t *mask, const struct ovsp4_field_desc *f,
                  uint32_t plen)
{
    uint32_t n = ovsp4_field_bytes(f);
    uint32_t pad = n * 8 - f->width;
    uint32_t bits = plen + pad;         /* from the first byte's MSB */

    for (uint32_t i = 0; i < n; i++) {
        uint32_t b = i * 8;
        uint8_t m;

        if (bits >= b + 8) {
            m = 0xff;
        } else if (bits <= b) {
            m = 0;
        } else {
            m = (uint8_t) (0xff << (8 - (bits - b)));
        }
        mask[i] = m;
    }
    mask[0] &= ovsp4_field_top_mask(f);
}

static void
full_mask(uint8_t *mask, const struct ovsp4_field_desc *f)
{
    uint32_t n = ovsp4_field_bytes(f);

    memset(mask, 0xff, n);
    mask[0] = ovsp4_field_top_mask(f);
}

static bool
beyond_width(const uint8_t *v, const struct ovsp4_field_desc *f)
{
    return (v[0] & ~ovsp4_field_top_mask(f)) != 0;
}

static bool
outside_mask(const uint8_t *v, const uint8_t *mask, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (v[i] & ~mask[i]) {
            return true;
        }
    }
    return false;
}

static bool
is_zero(const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

/* If [low, high] is exactly the set of values sharing a prefix, writes that
 * prefix's mask and returns true. */
static bool
range_as_prefix(const uint8_t *low, const uint8_t *high, uint8_t *mask,
                const struct ovsp4_field_desc *f)
{
    uint32_t n = ovsp4_field_bytes(f);
    bool in_suffix = false;

    /* low ^ high must be 0...01...1 and low must have zeros there. */
    for (uint32_t i = 0; i < n; i++) {
        uint8_t x = low[i] ^ high[i];

        if (in_suffix) {
            if (x != 0xff) {
                return false;
            }
        } else if (x) {
            if (x & (x + 1)) {          /* not of the form 2^k - 1 */
                return false;
            }
            in_suffix = true;
        }
        if (low[i] & x) {
            return false;
        }
        mask[i] = ~x;
    }
    mask[0] &= ovsp4_field_top_mask(f);
    return true;
}

enum ovsp4_status
ovsp4_match_canonicalize(const struct ovsp4_table *t,
                         const struct ovsp4_match *m, struct ovsp4_entry *e)
{
    uint8_t *value = ovsp4_entry_value(e);
    uint8_t *mask = t->n_arrays >= 2 ? ovsp4_entry_mask(t, e) : NULL;
    uint8_t *high = t->n_arrays >= 3 ? ovsp4_entry_high(t, e) : NULL;

    memset(e->match, 0, (size_t) t->n_arrays * t->kl);
    e->plen = 0;
    e->range_check = 0;

    if (!m || (t->n_fields && !m->fields)) {
        return OVSP4_E_INVALID;
    }
    for (uint32_t i = 0; i < t->n_fields; i++) {
        const struct ovsp4_field_desc *f = &t->fields[i];
        const struct ovsp4_field_match *fm = &m->fields[i];
        uint32_t n = ovsp4_field_bytes(f);
        uint8_t *v = value + f->offset;
        uint8_t *mk = mask ? mask + f->offset : NULL;

        switch (f->kind) {
        case OVSP4_MATCH_EXACT:
            if (!fm->value || beyond_width(fm->value, f)) {
                return OVSP4_E_INVALID;
            }
            memcpy(v, fm->value, n);
            if (mk) {
                full_mask(mk, f);
            }
            break;

        case OVSP4_MATCH_LPM:
            if (!fm->value) {
                break;                  /* don't care */
            }
            if (fm->prefix_len > f->width || beyond_width(fm->value, f)) {
                return OVSP4_E_INVALID;
            }
            ovsp4_prefix_mask(mk, f, fm->prefix_len);
            if (outside_mask(fm->value, mk, n)) {
                return OVSP4_E_INVALID;
            }
            memcpy(v, fm->value, n);
            if ((int) i == t->lpm_field) {
                e->plen = fm->prefix_len;
            }
            break;

        case OVSP4_MATCH_TERNARY:
            if (!fm->value) {
                break;
            }
            if (beyond_width(fm->value, f)
                || (fm->mask && beyond_width(fm->mask, f))) {
                return OVSP4_E_INVALID;
            }
            if (fm->mask) {
                memcpy(mk, fm->mask, n);
            } else {
                full_mask(mk, f);
            }
            if (outside_mask(fm->value, mk, n)) {
                return OVSP4_E_INVALID;
            }
            memcpy(v, fm->value, n);
            break;

        case OVSP4_MATCH_RANGE: {
            uint8_t *h = high + f->offset;

            if (!fm->value) {
                full_mask(h, f);        /* [0, max]; mask stays 0 */
                break;
            }
            if (!fm->high || beyond_width(fm->value, f)
                || beyond_width(fm->high, f)
                || memcmp(fm->value, fm->high, n) > 0) {
                return OVSP4_E_INVALID;
            }
            memcpy(v, fm->value, n);
            memcpy(h, fm->high, n);
            if (!range_as_prefix(v, h, mk, f)) {
                memset(mk, 0, n);
                e->range_check = 1;
            }
            break;
        }

        case OVSP4_MATCH_OPTIONAL:
            if (!fm->value) {
                break;
            }
            if (beyond_width(fm->value, f)) {
                return OVSP4_E_INVALID;
            }
            memcpy(v, fm->value, n);
            full_mask(mk, f);
            break;

        default:
            return OVSP4_E_INVALID;
        }
    }

    if (t->has_priority) {
        e->priority = m->priority;
        e->rank = m->priority;
    } else {
        if (m->priority) {
            return OVSP4_E_INVALID;
        }
        e->priority = 0;
        e->rank = e->plen;
    }
    return OVSP4_OK;
}

static uint32_t
popcount_bytes(const uint8_t *p, uint32_t n)
{
    uint32_t c = 0;

    for (uint32_t i = 0; i < n; i++) {
        c += __builtin_popcount(p[i]);
    }
    return c;
}

void
ovsp4_match_export(const struct ovsp4_table *t, const struct ovsp4_entry *e,
                   struct ovsp4_field_match *out)
{
    const uint8_t *value = ovsp4_entry_value(e);
    const uint8_t *mask = t->n_arrays >= 2 ? ovsp4_entry_mask(t, e) : NULL;
    const uint8_t *high = t->n_arrays >= 3 ? ovsp4_entry_high(t, e) : NULL;

    for (uint32_t i = 0; i < t->n_fields; i++) {
        const struct ovsp4_field_desc *f = &t->fields[i];
        struct ovsp4_field_match *fm = &out[i];
        uint32_t n = ovsp4_field_bytes(f);
        uint32_t off = f->offset;

        memset(fm, 0, sizeof *fm);
        switch (f->kind) {
        case OVSP4_MATCH_EXACT:
            fm->value = value + off;
            break;
        case OVSP4_MATCH_LPM:
            fm->prefix_len = popcount_bytes(mask + off, n);
            fm->value = fm->prefix_len ? value + off : NULL;
            break;
        case OVSP4_MATCH_TERNARY:
            if (!is_zero(mask + off, n)) {
                fm->value = value + off;
                fm->mask = mask + off;
            }
            break;
        case OVSP4_MATCH_RANGE: {
            uint8_t full[OVSP4_TABLE_MAX_KEY];

            full_mask(full, f);
            if (!is_zero(value + off, n) || memcmp(high + off, full, n)) {
                fm->value = value + off;
                fm->high = high + off;
            }
            break;
        }
        case OVSP4_MATCH_OPTIONAL:
            if (!is_zero(mask + off, n)) {
                fm->value = value + off;
            }
            break;
        }
    }
}

bool
ovsp4_match_same(const struct ovsp4_table *t, const struct ovsp4_entry *a,
                 const struct ovsp4_entry *b)
{
    return (!t->has_priority || a->priority == b->priority)
           && !memcmp(a->match, b->match, (size_t) t->n_arrays * t->kl);
}
