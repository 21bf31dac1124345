/*
 * OvS.p4 runtime tests: hash and checksum algorithms against published
 * check values and a bit-by-bit reference CRC.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#include <string.h>

#include "hash.h"
#include "testlib.h"

static const uint8_t check_input[] = "123456789";

/* The textbook bitwise CRC (Rocksoft model, BMv2's use of `init`). */
static uint64_t
ref_crc(unsigned int width, uint64_t poly, uint64_t init, uint64_t xorout,
        bool refin, bool refout, const uint8_t *p, size_t len)
{
    uint64_t mask = width == 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1;
    uint64_t top = UINT64_C(1) << (width - 1), rem = init;

    for (size_t i = 0; i < len; i++) {
        uint8_t b = p[i];

        if (refin) {
            uint8_t r = 0;

            for (int k = 0; k < 8; k++) {
                r |= (uint8_t) (((b >> k) & 1) << (7 - k));
            }
            b = r;
        }
        for (int k = 7; k >= 0; k--) {
            bool bit = ((b >> k) & 1) ^ ((rem & top) != 0);

            rem = (rem << 1) & mask;
            if (bit) {
                rem ^= poly;
            }
        }
    }
    if (refout) {
        uint64_t r = 0;

        for (unsigned int k = 0; k < width; k++) {
            r |= ((rem >> k) & 1) << (width - 1 - k);
        }
        rem = r;
    }
    return (rem ^ xorout) & mask;
}

static void
test_hash_check_values(void)
{
    CHECK_EQ(ovsp4_hash(OVSP4_HASH_CRC16, check_input, 72), 0xbb3d);
    CHECK_EQ(ovsp4_hash(OVSP4_HASH_CRC16_CUSTOM, check_input, 72), 0xbb3d);
    CHECK_EQ(ovsp4_hash(OVSP4_HASH_CRC32, check_input, 72), 0xcbf43926);
    CHECK_EQ(ovsp4_hash(OVSP4_HASH_CRC32_CUSTOM, check_input, 72),
             0xcbf43926);
    CHECK_EQ(ovsp4_hash(OVSP4_HASH_CRC_CCITT, check_input, 72), 0x29b1);
    CHECK_EQ(ovsp4_hash(OVSP4_HASH_CRC8_CUSTOM, check_input, 72), 0xf4);
    CHECK(ovsp4_hash(OVSP4_HASH_CRC64_CUSTOM, check_input, 72)
          == ref_crc(64, 0x1b, 0, 0, true, true, check_input, 9));
    /* BMv2's crc16 of the empty string and of one byte. */
    CHECK_EQ(ovsp4_hash(OVSP4_HASH_CRC16, check_input, 0), 0);
    CHECK_EQ(ovsp4_hash(OVSP4_HASH_CRC32, check_input, 0), 0);
    CHECK(ovsp4_hash(OVSP4_HASH_CRC16, (const uint8_t *) "\x80", 1)
          == ref_crc(16, 0x8005, 0, 0, true, true,
                     (const uint8_t *) "\x80", 1));
}

static void
test_hash_custom_crcs(void)
{
    struct ovsp4_crc_config c;

    /* CRC-32C. */
    CHECK(ovsp4_crc_config_init(&c, 32, 0x1edc6f41, 0xffffffff, 0xffffffff,
                                true, true));
    CHECK_EQ(ovsp4_crc(&c, check_input, 9), 0xe3069283);
    /* CRC-16/XMODEM, CRC-16/MODBUS, CRC-16/KERMIT. */
    CHECK(ovsp4_crc_config_init(&c, 16, 0x1021, 0, 0, false, false));
    CHECK_EQ(ovsp4_crc(&c, check_input, 9), 0x31c3);
    CHECK(ovsp4_crc_config_init(&c, 16, 0x8005, 0xffff, 0, true, true));
    CHECK_EQ(ovsp4_crc(&c, check_input, 9), 0x4b37);
    CHECK(ovsp4_crc_config_init(&c, 16, 0x1021, 0, 0, true, true));
    CHECK_EQ(ovsp4_crc(&c, check_input, 9), 0x2189);
    /* CRC-32/BZIP2 (not reflected), CRC-64/XZ. */
    CHECK(ovsp4_crc_config_init(&c, 32, 0x04c11db7, 0xffffffff, 0xffffffff,
                                false, false));
    CHECK_EQ(ovsp4_crc(&c, check_input, 9), 0xfc891918);
    CHECK(ovsp4_crc_config_init(&c, 64, 0x42f0e1eba9ea3693ULL, UINT64_MAX,
                                UINT64_MAX, true, true));
    CHECK(ovsp4_crc(&c, check_input, 9) == 0x995dc9bbdf1939faULL);
    CHECK(!ovsp4_crc_config_init(&c, 12, 0x80f, 0, 0, false, false));

    /* Random configurations against the bitwise reference. */
    struct test_rng rng = { test_seed() };
    static const unsigned int widths[] = { 8, 16, 32, 64 };

    for (int i = 0; i < 2000 && !TOO_MANY_FAILURES(); i++) {
        unsigned int w = widths[rng_below(&rng, 4)];
        uint64_t mask = w == 64 ? UINT64_MAX : (UINT64_C(1) << w) - 1;
        uint64_t poly = rng_next(&rng) & mask, init = rng_next(&rng) & mask;
        uint64_t xo = rng_next(&rng) & mask;
        bool ri = rng_next(&rng) & 1, ro = rng_next(&rng) & 1;
        uint8_t buf[40];
        size_t len = rng_below(&rng, sizeof buf + 1);

        rng_bytes(&rng, buf, len);
        ovsp4_crc_config_init(&c, w, poly, init, xo, ri, ro);
        CHECK(ovsp4_crc(&c, buf, len)
              == ref_crc(w, poly, init, xo, ri, ro, buf, len));
    }
}

static void
test_hash_csum16(void)
{
    /* An IPv4 header whose checksum is 0xb861. */
    uint8_t ip[20] = {
        0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
        0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
    };

    CHECK_EQ(ovsp4_csum16(ip, 20), 0xb861);
    CHECK_EQ(ovsp4_hash(OVSP4_HASH_CSUM16, ip, 160), 0xb861);
    ip[10] = 0xb8;
    ip[11] = 0x61;
    CHECK_EQ(ovsp4_csum16(ip, 20), 0);
    /* RFC 1071's example words 0001 f203 f4f5 f6f7: sum ddf2, ~ = 220d. */
    static const uint8_t rfc[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5,
                                   0xf6, 0xf7 };
    CHECK_EQ(ovsp4_csum16(rfc, 8), 0x220d);
    /* Odd length: the last byte is padded with a zero byte. */
    static const uint8_t odd[] = { 0x01, 0x02, 0x03 };
    CHECK_EQ(ovsp4_csum16(odd, 3), (uint16_t) ~(0x0102 + 0x0300));
    CHECK_EQ(ovsp4_csum16(odd, 0), 0xffff);
    CHECK_EQ(ovsp4_csum16_finish(ovsp4_csum16_add(
                 ovsp4_csum16_add(0, rfc, 4), rfc + 4, 4)), 0x220d);
}

static void
test_hash_xor_identity(void)
{
    static const uint8_t b[] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde,
                                 0xf0, 0x11, 0x22 };

    CHECK_EQ(ovsp4_hash(OVSP4_HASH_XOR16, b, 40), 0x1234 ^ 0x5678 ^ 0x9a00);
    CHECK_EQ(ovsp4_hash(OVSP4_HASH_XOR16, b, 80),
             0x1234 ^ 0x5678 ^ 0x9abc ^ 0xdef0 ^ 0x1122);
    CHECK_EQ(ovsp4_hash(OVSP4_HASH_XOR32, b, 40), 0x12345678u ^ 0x9a000000u);
    CHECK_EQ(ovsp4_hash(OVSP4_HASH_IDENTITY, b, 24), 0x123456);
    CHECK(ovsp4_hash(OVSP4_HASH_IDENTITY, b, 80) == 0x123456789abcdef0ULL);
    /* 12 bits occupy two bytes, the value left-aligned (as on BMv2). */
    static const uint8_t f12[] = { 0xab, 0xc0 };
    CHECK_EQ(ovsp4_hash(OVSP4_HASH_IDENTITY, f12, 12), 0xabc0);
    CHECK(ovsp4_hash(OVSP4_HASH_RANDOM, b, 8)
          != ovsp4_hash(OVSP4_HASH_RANDOM, b, 8));
}

static void
test_hash_two_pieces(void)
{
    struct test_rng rng = { test_seed() ^ 2 };

    for (int i = 0; i < 3000 && !TOO_MANY_FAILURES(); i++) {
        uint8_t buf[64];
        size_t len = rng_below(&rng, sizeof buf + 1);
        size_t split = rng_below(&rng, (uint32_t) len + 1);
        enum ovsp4_hash_algo algo = rng_below(&rng, OVSP4_HASH_N_ALGOS);

        if (algo == OVSP4_HASH_RANDOM) {
            continue;
        }
        rng_bytes(&rng, buf, len);
        CHECK(ovsp4_hash2(algo, buf, split, buf + split, len - split)
              == ovsp4_hash(algo, buf, len * 8));
    }
    CHECK(ovsp4_crc_default(OVSP4_HASH_CSUM16) == NULL);
}

const struct ovsp4_test hash_tests[] = {
    { "hash-check-values", test_hash_check_values },
    { "hash-custom-crcs", test_hash_custom_crcs },
    { "hash-csum16", test_hash_csum16 },
    { "hash-xor-identity", test_hash_xor_identity },
    { "hash-two-pieces", test_hash_two_pieces },
    { NULL, NULL },
};
