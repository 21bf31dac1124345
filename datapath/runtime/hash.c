/*
 * OvS.p4 runtime: hash and checksum algorithms.  See hash.h.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#include "hash.h"

#include <stdatomic.h>

static struct ovsp4_crc_config crc16_arc;       /* CRC16, CRC16_CUSTOM */
static struct ovsp4_crc_config crc32_std;       /* CRC32, CRC32_CUSTOM */
static struct ovsp4_crc_config crc8_smbus;      /* CRC8_CUSTOM */
static struct ovsp4_crc_config crc64_bmv2;      /* CRC64_CUSTOM */
static struct ovsp4_crc_config crc_ccitt;       /* CRC_CCITT */

static uint64_t
reflect(uint64_t v, unsigned int nbits)
{
    uint64_t r = 0;

    for (unsigned int i = 0; i < nbits; i++) {
        r = (r << 1) | (v & 1);
        v >>= 1;
    }
    return r;
}

static uint64_t
width_mask(unsigned int width)
{
    return width >= 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1;
}

bool
ovsp4_crc_config_init(struct ovsp4_crc_config *c, unsigned int width,
                      uint64_t poly, uint64_t init, uint64_t xorout,
                      bool refin, bool refout)
{
    uint64_t mask = width_mask(width);
    uint64_t top;

    if (width != 8 && width != 16 && width != 32 && width != 64) {
        return false;
    }
    top = UINT64_C(1) << (width - 1);
    c->width = width;
    c->refin = refin;
    c->refout = refout;
    c->poly = poly & mask;
    c->init = init & mask;
    c->xorout = xorout & mask;
    if (!refin) {
        /* The remainder of each dividend byte followed by zeros. */
        c->start = c->init;
        for (unsigned int d = 0; d < 256; d++) {
            uint64_t rem = (uint64_t) d << (width - 8);

            for (int bit = 0; bit < 8; bit++) {
                rem = rem & top ? (rem << 1) ^ c->poly : rem << 1;
            }
            c->table[d] = rem & mask;
        }
    } else {
        /* The same, all reflected: the register holds the remainder bit
         * reversed, and reflected input bytes need no reversing. */
        uint64_t rpoly = reflect(c->poly, width);

        c->start = reflect(c->init, width);
        for (unsigned int d = 0; d < 256; d++) {
            uint64_t rem = d;

            for (int bit = 0; bit < 8; bit++) {
                rem = rem & 1 ? (rem >> 1) ^ rpoly : rem >> 1;
            }
            c->table[d] = rem;
        }
    }
    return true;
}

static uint64_t
crc_update(const struct ovsp4_crc_config *c, uint64_t rem,
           const uint8_t *p, size_t len)
{
    if (c->refin) {
        for (size_t i = 0; i < len; i++) {
            rem = c->table[(uint8_t) (rem ^ p[i])] ^ (rem >> 8);
        }
    } else {
        unsigned int shift = c->width - 8;
        uint64_t mask = width_mask(c->width);

        for (size_t i = 0; i < len; i++) {
            uint8_t idx = p[i] ^ (uint8_t) (rem >> shift);
            rem = (c->table[idx] ^ (rem << 8)) & mask;
        }
    }
    return rem;
}

/* The register -> the CRC: reflected when exactly one of refin (the
 * register is reflected) and refout (the result is) holds. */
static uint64_t
crc_final(const struct ovsp4_crc_config *c, uint64_t rem)
{
    if (c->refin != c->refout) {
        rem = reflect(rem, c->width);
    }
    return rem ^ c->xorout;
}

uint64_t
ovsp4_crc(const struct ovsp4_crc_config *c, const uint8_t *bytes, size_t len)
{
    return crc_final(c, crc_update(c, c->start, bytes, len));
}

/* Built when the pipeline .so is loaded (or the test binary starts). */
__attribute__((constructor)) static void
hash_init(void)
{
    ovsp4_crc_config_init(&crc16_arc, 16, 0x8005, 0, 0, true, true);
    ovsp4_crc_config_init(&crc32_std, 32, 0x04c11db7, 0xffffffff,
                          0xffffffff, true, true);
    ovsp4_crc_config_init(&crc8_smbus, 8, 0x07, 0, 0, false, false);
    ovsp4_crc_config_init(&crc64_bmv2, 64, 0x1b, 0, 0, true, true);
    ovsp4_crc_config_init(&crc_ccitt, 16, 0x1021, 0xffff, 0, false, false);
}

const struct ovsp4_crc_config *
ovsp4_crc_default(enum ovsp4_hash_algo algo)
{
    switch (algo) {
    case OVSP4_HASH_CRC16:
    case OVSP4_HASH_CRC16_CUSTOM:
        return &crc16_arc;
    case OVSP4_HASH_CRC32:
    case OVSP4_HASH_CRC32_CUSTOM:
        return &crc32_std;
    case OVSP4_HASH_CRC8_CUSTOM:
        return &crc8_smbus;
    case OVSP4_HASH_CRC64_CUSTOM:
        return &crc64_bmv2;
    case OVSP4_HASH_CRC_CCITT:
        return &crc_ccitt;
    case OVSP4_HASH_RANDOM:
    case OVSP4_HASH_IDENTITY:
    case OVSP4_HASH_CSUM16:
    case OVSP4_HASH_XOR16:
    case OVSP4_HASH_XOR32:
    case OVSP4_HASH_N_ALGOS:
        break;
    }
    return NULL;
}

uint16_t
ovsp4_csum16(const uint8_t *bytes, size_t len)
{
    return ovsp4_csum16_finish(ovsp4_csum16_add(0, bytes, len));
}

/* --- The non-CRC algorithms, as streams over the input's pieces ---------- */

struct hash_stream {
    uint64_t acc;
    uint64_t pos;               /* bytes consumed */
};

static void
csum_stream(struct hash_stream *s, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++, s->pos++) {
        s->acc += s->pos & 1 ? p[i] : (uint64_t) p[i] << 8;
    }
}

static void
xor_stream(struct hash_stream *s, unsigned int word, const uint8_t *p,
           size_t len)
{
    for (size_t i = 0; i < len; i++, s->pos++) {
        s->acc ^= (uint64_t) p[i] << (8 * (word - 1 - s->pos % word));
    }
}

static void
identity_stream(struct hash_stream *s, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len && s->pos < 8; i++, s->pos++) {
        s->acc = (s->acc << 8) | p[i];
    }
}

/* splitmix64 over a process-wide counter: lock-free, and good enough for
 * HashAlgorithm.random (generated code normally uses ovsp4_rt_random(),
 * which has per-thread state). */
static uint64_t
global_random(void)
{
    static _Atomic uint64_t state = 0x2545f4914f6cdd1dULL;
    uint64_t z = atomic_fetch_add_explicit(&state, 0x9e3779b97f4a7c15ULL,
                                           memory_order_relaxed)
                 + 0x9e3779b97f4a7c15ULL;

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t
ovsp4_hash2(enum ovsp4_hash_algo algo, const uint8_t *a, size_t a_len,
            const uint8_t *b, size_t b_len)
{
    const struct ovsp4_crc_config *crc = ovsp4_crc_default(algo);
    struct hash_stream s = { 0, 0 };

    if (!a) {
        a_len = 0;
    }
    if (!b) {
        b_len = 0;
    }
    if (crc) {
        uint64_t rem = crc_update(crc, crc->start, a, a_len);

        return crc_final(crc, crc_update(crc, rem, b, b_len));
    }
    switch (algo) {
    case OVSP4_HASH_CSUM16:
        csum_stream(&s, a, a_len);
        csum_stream(&s, b, b_len);
        while (s.acc >> 16) {
            s.acc = (s.acc & 0xffff) + (s.acc >> 16);
        }
        return (uint16_t) ~s.acc;
    case OVSP4_HASH_XOR16:
        xor_stream(&s, 2, a, a_len);
        xor_stream(&s, 2, b, b_len);
        return s.acc;
    case OVSP4_HASH_XOR32:
        xor_stream(&s, 4, a, a_len);
        xor_stream(&s, 4, b, b_len);
        return s.acc;
    case OVSP4_HASH_IDENTITY:
        identity_stream(&s, a, a_len);
        identity_stream(&s, b, b_len);
        return s.acc;
    case OVSP4_HASH_RANDOM:
        return global_random();
    case OVSP4_HASH_CRC32:
    case OVSP4_HASH_CRC32_CUSTOM:
    case OVSP4_HASH_CRC16:
    case OVSP4_HASH_CRC16_CUSTOM:
    case OVSP4_HASH_CRC_CCITT:
    case OVSP4_HASH_CRC8_CUSTOM:
    case OVSP4_HASH_CRC64_CUSTOM:
    case OVSP4_HASH_N_ALGOS:
        break;
    }
    return 0;
}

uint64_t
ovsp4_hash(enum ovsp4_hash_algo algo, const uint8_t *bytes, size_t nbits)
{
    return ovsp4_hash2(algo, bytes, (nbits + 7) / 8, NULL, 0);
}
