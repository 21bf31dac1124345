/*
 * OvS.p4 runtime: small helpers shared by the runtime's files.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#ifndef OVSP4_RT_UTIL_H
#define OVSP4_RT_UTIL_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define OVSP4_CACHE_LINE 64

#define OVSP4_LIKELY(X) __builtin_expect(!!(X), 1)
#define OVSP4_UNLIKELY(X) __builtin_expect(!!(X), 0)

#define OVSP4_DIV_ROUND_UP(X, Y) (((X) + (Y) - 1) / (Y))
#define OVSP4_ROUND_UP(X, Y) (OVSP4_DIV_ROUND_UP(X, Y) * (Y))
#define OVSP4_MIN(A, B) ((A) < (B) ? (A) : (B))
#define OVSP4_MAX(A, B) ((A) > (B) ? (A) : (B))

/* Unaligned native-endian loads: memcpy is the only portable way, and gcc
 * turns a fixed-size memcpy into a single mov. */
static inline uint64_t
ovsp4_load64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Word `i` (bytes 8i..8i+7) of a `len`-byte key, zero-extended when the key
 * ends inside the word.  Keys are never read past their end, so callers
 * need not pad their key buffers; the runtime's own copies are padded with
 * zeros to a multiple of 8 bytes and give the same words. */
static inline uint64_t
ovsp4_load_word(const uint8_t *key, size_t i, size_t len)
{
    size_t off = i * 8;
    size_t rem = len - off;
    uint64_t v = 0;

    if (OVSP4_LIKELY(rem >= 8)) {
        return ovsp4_load64(key + off);
    }
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (len >= 8) {
        /* The last 8 bytes of the key, shifted down: one load, no call. */
        return ovsp4_load64(key + len - 8) >> (8 * (8 - rem));
    }
#endif
    /* Short keys: fixed-size copies, which compile to plain loads. */
    {
        uint8_t *d = (uint8_t *) &v;
        const uint8_t *p = key + off;

        if (rem & 4) {
            memcpy(d, p, 4);
            d += 4;
            p += 4;
        }
        if (rem & 2) {
            memcpy(d, p, 2);
            d += 2;
            p += 2;
        }
        if (rem & 1) {
            *d = *p;
        }
    }
    return v;
}

/* Big-endian load of an n-byte (1 <= n <= 4) unsigned field. */
static inline uint32_t
ovsp4_load_be_u32(const uint8_t *p, unsigned int n)
{
    uint32_t v = 0;

    if (OVSP4_LIKELY(n == 4)) {
        memcpy(&v, p, 4);
        return __builtin_bswap32(v);
    }
    for (unsigned int i = 0; i < n; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

static inline uint64_t
ovsp4_rotl64(uint64_t x, unsigned int r)
{
    return (x << r) | (x >> (64 - r));
}

/* Hashing.  One 64-bit multiply-rotate round per key word (murmur3's
 * body), murmur3's finaliser at the end.  Tables are keyed with a per-table
 * seed; the hash is internal and never leaves the process. */
static inline uint64_t
ovsp4_hash_add64(uint64_t h, uint64_t w)
{
    w *= 0x87c37b91114253d5ULL;
    w = ovsp4_rotl64(w, 31);
    w *= 0x4cf5ad432745937fULL;
    h ^= w;
    h = ovsp4_rotl64(h, 27);
    return h * 5 + 0x52dce729;
}

static inline uint32_t
ovsp4_hash_finish(uint64_t h, uint64_t n)
{
    h ^= n;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return (uint32_t) h ^ (uint32_t) (h >> 32);
}

static inline uint32_t
ovsp4_hash_bytes(const uint8_t *p, size_t len, uint64_t seed)
{
    uint64_t h = seed;
    size_t n = len / 8;

    for (size_t i = 0; i < n; i++) {
        h = ovsp4_hash_add64(h, ovsp4_load64(p + i * 8));
    }
    if (len % 8) {
        h = ovsp4_hash_add64(h, ovsp4_load_word(p, n, len));
    }
    return ovsp4_hash_finish(h, len);
}

/* Hash of `key & mask` over the words listed in `widx` (the words where
 * `mask` is non-zero). */
static inline uint32_t
ovsp4_hash_masked(const uint8_t *key, size_t len, const uint64_t *mask,
                  const uint16_t *widx, size_t n_widx, uint64_t seed)
{
    uint64_t h = seed;

    for (size_t j = 0; j < n_widx; j++) {
        size_t i = widx[j];
        h = ovsp4_hash_add64(h, ovsp4_load_word(key, i, len) & mask[i]);
    }
    return ovsp4_hash_finish(h, n_widx);
}

/* Does `key` equal `value` on the bits set in `mask` (same word list)? */
static inline bool
ovsp4_masked_equal(const uint8_t *key, size_t len, const uint64_t *value,
                   const uint64_t *mask, const uint16_t *widx, size_t n_widx)
{
    uint64_t diff = 0;

    for (size_t j = 0; j < n_widx; j++) {
        size_t i = widx[j];
        diff |= (ovsp4_load_word(key, i, len) ^ value[i]) & mask[i];
    }
    return !diff;
}

static inline uint32_t
ovsp4_round_up_pow2(uint32_t x)
{
    return x <= 1 ? 1 : 1u << (32 - __builtin_clz(x - 1));
}

/* Large, often sparse arrays (the first level of the LPM trie, big hash
 * arrays), zero-filled: anonymous
 * mappings are zero-filled lazily, so untouched parts cost no memory, and
 * are backed by transparent huge pages where the kernel allows it, which
 * cuts the TLB misses of random lookups. */
void *ovsp4_big_alloc(size_t size);
/* Faults in (zeroed) the pages of [p, p + size) of a big allocation now, so
 * that the first writes to them do not pay for it later. */
void ovsp4_big_populate(void *p, size_t size);
void ovsp4_big_free(void *p, size_t size);

#endif /* OVSP4_RT_UTIL_H */
