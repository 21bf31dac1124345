/*
 * OvS.p4 runtime: registers.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A cell is `nwords` 64-bit words accessed with relaxed atomics.  Cells of
 * at most 64 bits hold the value in their only word; wider cells hold the
 * big-endian byte string right-aligned in nwords * 8 bytes (word i = bytes
 * 8i..8i+7 in memory order).
 */

#include <stdlib.h>

#include "runtime-private.h"

bool
rt_register_init(struct ovsp4_rt_register *r,
                 const struct ovsp4_prog_register *desc)
{
    r->desc = desc;
    r->size = desc->size;
    r->bits = desc->bits ? desc->bits : 1;
    r->nbytes = OVSP4_DIV_ROUND_UP(r->bits, 8);
    r->nwords = OVSP4_DIV_ROUND_UP(r->nbytes, 8);
    r->cells = NULL;
    if (r->size) {
        r->cells = calloc((size_t) r->size * r->nwords, sizeof *r->cells);
        if (!r->cells) {
            return false;
        }
    }
    return true;
}

void
rt_register_destroy(struct ovsp4_rt_register *r)
{
    free(r->cells);
    r->cells = NULL;
}

static uint64_t
low_mask(uint32_t bits)
{
    return bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
}

uint64_t
ovsp4_rt_register_read64(struct ovsp4_rt_register *r, uint32_t index)
{
    if (OVSP4_UNLIKELY(index >= r->size)) {
        return 0;
    }
    if (OVSP4_LIKELY(r->nwords == 1 && r->bits <= 64)) {
        return atomic_load_explicit(&r->cells[index], memory_order_relaxed);
    } else {
        uint8_t buf[8];

        /* The last word holds the low 64 bits, big-endian in memory. */
        uint64_t w = atomic_load_explicit(
            &r->cells[(size_t) index * r->nwords + r->nwords - 1],
            memory_order_relaxed);
        memcpy(buf, &w, 8);
        w = 0;
        for (int i = 0; i < 8; i++) {
            w = (w << 8) | buf[i];
        }
        return w;
    }
}

/* Reads a cell as nwords * 8 bytes, right-aligned big-endian. */
static void
read_wide(struct ovsp4_rt_register *r, uint32_t index, uint8_t *buf)
{
    _Atomic uint64_t *cell = &r->cells[(size_t) index * r->nwords];

    for (uint32_t i = 0; i < r->nwords; i++) {
        uint64_t w = atomic_load_explicit(&cell[i], memory_order_relaxed);

        memcpy(buf + 8 * i, &w, 8);
    }
}

static void
write_wide(struct ovsp4_rt_register *r, uint32_t index, const uint8_t *buf)
{
    _Atomic uint64_t *cell = &r->cells[(size_t) index * r->nwords];

    for (uint32_t i = 0; i < r->nwords; i++) {
        uint64_t w;

        memcpy(&w, buf + 8 * i, 8);
        atomic_store_explicit(&cell[i], w, memory_order_relaxed);
    }
}

void
ovsp4_rt_register_write64(struct ovsp4_rt_register *r, uint32_t index,
                          uint64_t value)
{
    if (OVSP4_UNLIKELY(index >= r->size)) {
        return;
    }
    if (OVSP4_LIKELY(r->nwords == 1 && r->bits <= 64)) {
        atomic_store_explicit(&r->cells[index], value & low_mask(r->bits),
                              memory_order_relaxed);
    } else {
        uint8_t buf[8];
        uint64_t w;

        for (int i = 7; i >= 0; i--) {
            buf[i] = (uint8_t) value;
            value >>= 8;
        }
        memcpy(&w, buf, 8);
        /* The other words become zero: the value is 64 bits wide. */
        for (uint32_t i = 0; i + 1 < r->nwords; i++) {
            atomic_store_explicit(&r->cells[(size_t) index * r->nwords + i],
                                  0, memory_order_relaxed);
        }
        atomic_store_explicit(
            &r->cells[(size_t) index * r->nwords + r->nwords - 1], w,
            memory_order_relaxed);
    }
}

void
ovsp4_rt_register_read(struct ovsp4_rt_register *r, uint32_t index,
                       uint8_t *out)
{
    if (OVSP4_UNLIKELY(index >= r->size)) {
        memset(out, 0, r->nbytes);
    } else if (r->nwords == 1 && r->bits <= 64) {
        uint64_t v = atomic_load_explicit(&r->cells[index],
                                          memory_order_relaxed);

        for (uint32_t i = r->nbytes; i-- > 0;) {
            out[i] = (uint8_t) v;
            v >>= 8;
        }
    } else {
        uint8_t buf[OVSP4_TABLE_MAX_KEY + 8];
        uint8_t *big = r->nwords * 8 <= sizeof buf ? buf : NULL;

        if (!big) {
            /* Wider than any sane register: read word by word. */
            _Atomic uint64_t *cell = &r->cells[(size_t) index * r->nwords];
            size_t skip = (size_t) r->nwords * 8 - r->nbytes;

            for (uint32_t i = 0; i < r->nbytes; i++) {
                size_t pos = skip + i;
                uint64_t w = atomic_load_explicit(&cell[pos / 8],
                                                  memory_order_relaxed);
                uint8_t b[8];

                memcpy(b, &w, 8);
                out[i] = b[pos % 8];
            }
            return;
        }
        read_wide(r, index, big);
        memcpy(out, big + r->nwords * 8 - r->nbytes, r->nbytes);
    }
}

void
ovsp4_rt_register_write(struct ovsp4_rt_register *r, uint32_t index,
                        const uint8_t *in)
{
    if (OVSP4_UNLIKELY(index >= r->size)) {
        return;
    }
    if (r->nwords == 1 && r->bits <= 64) {
        uint64_t v = 0;

        for (uint32_t i = 0; i < r->nbytes; i++) {
            v = (v << 8) | in[i];
        }
        atomic_store_explicit(&r->cells[index], v & low_mask(r->bits),
                              memory_order_relaxed);
    } else {
        uint8_t buf[OVSP4_TABLE_MAX_KEY + 8];
        size_t skip = (size_t) r->nwords * 8 - r->nbytes;
        uint8_t top = (uint8_t) (0xff >> (r->nbytes * 8 - r->bits));

        if (r->nwords * 8 > sizeof buf) {
            return;             /* registers are at most 8 KiB bits wide */
        }
        memset(buf, 0, skip);
        memcpy(buf + skip, in, r->nbytes);
        buf[skip] &= top;
        write_wide(r, index, buf);
    }
}
