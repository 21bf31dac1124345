/*
 * OvS.p4 runtime: the hash and checksum algorithms of P4 programs.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The algorithms and their parameters are BMv2's (bm_sim/calculations.cpp),
 * so that programs compute the same values as on simple_switch:
 *
 *   CRC16         CRC-16/ARC: poly 0x8005, init 0, xorout 0, reflected in
 *                 and out ("123456789" -> 0xbb3d)
 *   CRC32         CRC-32 (ISO-HDLC): poly 0x04c11db7, init and xorout
 *                 0xffffffff, reflected ("123456789" -> 0xcbf43926)
 *   CRC16_CUSTOM  configurable; BMv2's default is CRC-16/ARC
 *   CRC32_CUSTOM  configurable; BMv2's default is CRC-32
 *   CRC8_CUSTOM   configurable; default poly 0x07, init 0, xorout 0, not
 *                 reflected (CRC-8/SMBUS, "123456789" -> 0xf4)
 *   CRC64_CUSTOM  configurable; default poly 0x1b, init 0, xorout 0,
 *                 reflected
 *   CRC_CCITT     CRC-16/CCITT-FALSE: poly 0x1021, init 0xffff, xorout 0,
 *                 not reflected ("123456789" -> 0x29b1)
 *   CSUM16        the Internet checksum (RFC 1071): ones' complement of
 *                 the ones' complement sum of big-endian 16-bit words, an
 *                 odd last byte padded with a zero byte
 *   XOR16/XOR32   XOR of the big-endian 16/32-bit words, the last one
 *                 padded with zero bytes
 *   IDENTITY      the first min(8, length) bytes as a big-endian number
 *   RANDOM        a pseudo-random number (ignores the input)
 *
 * Input.  As in BMv2, the input of a hash is the byte string obtained by
 * packing the fields of the field list bit by bit, most significant bit
 * first, and padding the last byte with zero bits: `nbits` bits occupy
 * ceil(nbits / 8) bytes.  The algorithms then work on those bytes, so only
 * the byte count matters (IDENTITY of one 12-bit field is its value << 4,
 * as on BMv2).
 *
 * The numbering of enum ovsp4_hash_algo follows v1model's HashAlgorithm
 * for the first eight algorithms.
 */

#ifndef OVSP4_RT_HASH_H
#define OVSP4_RT_HASH_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ovsp4_hash_algo {
    OVSP4_HASH_CRC32 = 0,
    OVSP4_HASH_CRC32_CUSTOM = 1,
    OVSP4_HASH_CRC16 = 2,
    OVSP4_HASH_CRC16_CUSTOM = 3,
    OVSP4_HASH_RANDOM = 4,
    OVSP4_HASH_IDENTITY = 5,
    OVSP4_HASH_CSUM16 = 6,
    OVSP4_HASH_XOR16 = 7,
    /* BMv2 extras (not in v1model's enum). */
    OVSP4_HASH_CRC_CCITT = 8,
    OVSP4_HASH_XOR32 = 9,
    OVSP4_HASH_CRC8_CUSTOM = 10,
    OVSP4_HASH_CRC64_CUSTOM = 11,
    OVSP4_HASH_N_ALGOS
};

/* The hash of the first ceil(nbits / 8) bytes of `bytes` (see above). */
uint64_t ovsp4_hash(enum ovsp4_hash_algo, const uint8_t *bytes, size_t nbits);

/* The hash of the concatenation of two byte strings (v1model's
 * update_checksum_with_payload: the packed fields, then the payload). */
uint64_t ovsp4_hash2(enum ovsp4_hash_algo, const uint8_t *a, size_t a_len,
                     const uint8_t *b, size_t b_len);

/* The Internet checksum of `len` bytes (CSUM16). */
uint16_t ovsp4_csum16(const uint8_t *bytes, size_t len);

/* Incremental Internet checksum: a 32-bit accumulator of 16-bit big-endian
 * words.  Pieces must have an even length, but for the last one. */
static inline uint32_t
ovsp4_csum16_add(uint32_t sum, const uint8_t *bytes, size_t len)
{
    size_t i;

    for (i = 0; i + 1 < len; i += 2) {
        sum += ((uint32_t) bytes[i] << 8) | bytes[i + 1];
        sum = (sum & 0xffff) + (sum >> 16);
    }
    if (i < len) {
        sum += (uint32_t) bytes[i] << 8;
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

static inline uint16_t
ovsp4_csum16_finish(uint32_t sum)
{
    /* Two folds take any 32-bit sum to 16 bits (the first leaves at most
     * 0x1fffe), without a branch the data would mispredict. */
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t) ~sum;
}

/* A CRC in the Rocksoft model, computed as BMv2's crc_custom<T> does:
 * width 8, 16, 32 or 64 bits.  `init` is the initial remainder, used
 * unreflected (as BMv2 does).  Computed a byte at a time with a table:
 * with refin, the remainder is kept reflected (the LSB-first algorithm),
 * so that neither the input bytes nor, with refout too, the result need
 * reflecting. */
struct ovsp4_crc_config {
    uint8_t width;
    bool refin;                 /* reflect each input byte */
    bool refout;                /* reflect the final remainder */
    uint64_t poly;
    uint64_t init;
    uint64_t xorout;
    uint64_t start;             /* the register at the start: init, or
                                 * init reflected with refin */
    uint64_t table[256];        /* MSB-first; LSB-first with refin */
};

/* Returns false for an unsupported width. */
bool ovsp4_crc_config_init(struct ovsp4_crc_config *, unsigned int width,
                           uint64_t poly, uint64_t init, uint64_t xorout,
                           bool refin, bool refout);
uint64_t ovsp4_crc(const struct ovsp4_crc_config *, const uint8_t *bytes,
                   size_t len);

/* The default configuration of a *_CUSTOM algorithm, NULL for others. */
const struct ovsp4_crc_config *ovsp4_crc_default(enum ovsp4_hash_algo);

#endif /* OVSP4_RT_HASH_H */
