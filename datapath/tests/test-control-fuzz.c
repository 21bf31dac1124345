/*
 * OvS.p4 runtime tests: control-protocol fuzzing.  Random well-formed
 * requests (random ids, widths, values, operations) and their random
 * mutations (truncation, bit flips, overwritten counts and lengths, random
 * bytes) must always get a well-formed reply that fits the caller's
 * buffer, never crash, never leak (ASan), while packets keep flowing.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#include <stdlib.h>
#include <string.h>

#include "test-control.h"
#include "testlib.h"
#include "util.h"

static const uint32_t table_ids[] = { TP_TBL_LPM, TP_TBL_ACL, TP_TBL_ECMP,
                                      TP_TBL_CONST, 0, 0x02000099 };
static const uint32_t action_ids[] = { TP_ACT_FWD, TP_ACT_DROP, TP_ACT_MCAST,
                                       TP_ACT_NOACTION, TP_ACT_CLONE,
                                       0x01000077 };

static uint32_t
pick(struct test_rng *rng, const uint32_t *ids, uint32_t n)
{
    return rng_below(rng, 8) ? ids[rng_below(rng, n)] : (uint32_t) rng_next(
        rng);
}

static void
put_random_bytes(struct test_rng *rng, struct wire_writer *w, uint32_t max)
{
    uint8_t buf[32];
    uint32_t len = rng_below(rng, OVSP4_MIN(max, sizeof buf) + 1);

    rng_bytes(rng, buf, len);
    if (rng_below(rng, 2)) {
        for (uint32_t i = 0; i + 1 < len; i++) {
            buf[i] = 0;         /* mostly small values: often valid */
        }
    }
    wire_put_bytes(w, buf, len);
}

static void
put_random_action(struct test_rng *rng, struct wire_writer *w)
{
    uint8_t kind = (uint8_t) rng_below(rng, 5);

    wire_put_u8(w, kind);
    if (kind == OVSP4_ACT_DIRECT) {
        uint16_t n = (uint16_t) rng_below(rng, 3);

        wire_put_u32(w, pick(rng, action_ids, 6));
        wire_put_u16(w, n);
        for (uint16_t i = 0; i < n; i++) {
            wire_put_u32(w, rng_below(rng, 3));
            put_random_bytes(rng, w, 5);
        }
    } else if (kind == OVSP4_ACT_MEMBER || kind == OVSP4_ACT_GROUP) {
        wire_put_u32(w, rng_below(rng, 6));
    }
}

static void
put_random_entry(struct test_rng *rng, struct wire_writer *w)
{
    uint8_t flags = (uint8_t) rng_next(rng) & 0x0f;
    uint16_t n = (uint16_t) rng_below(rng, 4);

    if (rng_below(rng, 2)) {
        flags &= OVSP4_ENTRY_METER | OVSP4_ENTRY_COUNTER;
    }
    put_entry_head(w, pick(rng, table_ids, 6), flags,
                   (int32_t) rng_below(rng, 4) - 1, n);
    for (uint16_t i = 0; i < n; i++) {
        wire_put_u32(w, 1 + rng_below(rng, 3));
        wire_put_u8(w, (uint8_t) rng_below(rng, 6));
        put_random_bytes(rng, w, 5);
        put_random_bytes(rng, w, 5);
        wire_put_u16(w, (uint16_t) rng_below(rng, 40));
    }
    put_random_action(rng, w);
    put_entry_tail(w, rng_below(rng, 2) ? 0 : rng_below(rng, 1000000),
                   rng_next(rng));
    if (flags & OVSP4_ENTRY_METER) {
        for (int i = 0; i < 4; i++) {
            wire_put_u64(w, rng_below(rng, 5000));
        }
    }
    if (flags & OVSP4_ENTRY_COUNTER) {
        wire_put_u64(w, rng_next(rng));
        wire_put_u64(w, rng_next(rng));
    }
    if (flags & OVSP4_ENTRY_TIME) {
        wire_put_u64(w, rng_next(rng));
        wire_put_u64(w, rng_next(rng));
    }
}

static void
put_random_update(struct test_rng *rng, struct wire_writer *w)
{
    uint8_t entity = (uint8_t) (1 + rng_below(rng, 12));
    uint32_t n;

    wire_put_u8(w, (uint8_t) (1 + rng_below(rng, 4)));
    wire_put_u8(w, entity);
    switch (entity) {
    case OVSP4_ENT_TABLE_ENTRY:
    case OVSP4_ENT_DIRECT_COUNTER:
    case OVSP4_ENT_DIRECT_METER:
        put_random_entry(rng, w);
        break;
    case OVSP4_ENT_COUNTER:
    case OVSP4_ENT_METER:
    case OVSP4_ENT_REGISTER: {
        static const uint32_t ids[] = { TP_CNT, TP_DCNT_ACL, TP_METER,
                                        TP_DMETER_ACL, TP_REG, TP_REG_WIDE };

        wire_put_u32(w, pick(rng, ids, 6));
        wire_put_u32(w, rng_below(rng, 4) ? rng_below(rng, 20)
                                          : OVSP4_INDEX_ALL);
        if (entity == OVSP4_ENT_COUNTER) {
            wire_put_u64(w, rng_next(rng));
            wire_put_u64(w, rng_next(rng));
        } else if (entity == OVSP4_ENT_METER) {
            wire_put_u8(w, (uint8_t) rng_below(rng, 2));
            for (int i = 0; i < 4; i++) {
                wire_put_u64(w, rng_below(rng, 3) ? rng_below(rng, 100000)
                                                  : rng_next(rng));
            }
        } else {
            put_random_bytes(rng, w, 16);
        }
        break;
    }
    case OVSP4_ENT_MCAST_GROUP:
    case OVSP4_ENT_CLONE_SESSION:
        wire_put_u32(w, rng_below(rng, 5));
        if (entity == OVSP4_ENT_CLONE_SESSION) {
            wire_put_u32(w, rng_below(rng, 8));
            wire_put_u32(w, rng_below(rng, 100));
        }
        n = rng_below(rng, 5);
        wire_put_u32(w, n);
        for (uint32_t i = 0; i < n; i++) {
            wire_put_u32(w, rng_below(rng, 16));
            wire_put_u32(w, rng_below(rng, 4));
        }
        break;
    case OVSP4_ENT_VALUE_SET:
        wire_put_u32(w, rng_below(rng, 4) ? TP_VS : rng_below(rng, 3));
        n = rng_below(rng, 6);
        wire_put_u32(w, n);
        for (uint32_t i = 0; i < n; i++) {
            uint16_t k = (uint16_t) rng_below(rng, 3);

            wire_put_u16(w, k);
            for (uint16_t j = 0; j < k; j++) {
                wire_put_u32(w, rng_below(rng, 3));
                wire_put_u8(w, (uint8_t) rng_below(rng, 5));
                put_random_bytes(rng, w, 3);
                put_random_bytes(rng, w, 3);
                wire_put_u16(w, (uint16_t) rng_below(rng, 20));
            }
        }
        break;
    case OVSP4_ENT_AP_MEMBER:
        wire_put_u32(w, rng_below(rng, 4) ? TP_AP_SEL : 5);
        wire_put_u32(w, rng_below(rng, 6));
        put_random_action(rng, w);
        break;
    case OVSP4_ENT_AP_GROUP:
        wire_put_u32(w, rng_below(rng, 4) ? TP_AP_SEL : 5);
        wire_put_u32(w, rng_below(rng, 6));
        wire_put_u32(w, rng_below(rng, 12));
        n = rng_below(rng, 10);
        wire_put_u32(w, n);
        for (uint32_t i = 0; i < n; i++) {
            wire_put_u32(w, rng_below(rng, 6));
            wire_put_u32(w, rng_below(rng, 4));
        }
        break;
    case OVSP4_ENT_DIGEST_CONFIG:
    default:
        wire_put_u32(w, rng_below(rng, 4) ? TP_DIGEST : 3);
        wire_put_u64(w, rng_below(rng, 1000));
        wire_put_u32(w, rng_below(rng, 4));
        wire_put_u64(w, rng_below(rng, 1000));
        break;
    }
}

/* A random structurally valid request. */
static void
build_request(struct test_rng *rng, struct tmsg *m)
{
    struct wire_writer *w;
    uint32_t n;

    switch (rng_below(rng, 10)) {
    case 0:
        tmsg_begin(m, OVSP4_MSG_GET_INFO);
        break;
    case 1:
    case 2:
    case 3:
        n = 1 + rng_below(rng, 6);
        w = tmsg_begin(m, OVSP4_MSG_WRITE);
        wire_put_u32(w, n);
        for (uint32_t i = 0; i < n; i++) {
            put_random_update(rng, w);
        }
        break;
    case 4:
    case 5: {
        uint8_t flags = (uint8_t) rng_below(rng, 3);

        w = tmsg_begin(m, OVSP4_MSG_READ);
        wire_put_u8(w, (uint8_t) rng_below(rng, 14));
        wire_put_u32(w, rng_below(rng, 3) ? 0 : pick(rng, table_ids, 6));
        wire_put_u32(w, rng_below(rng, 2) ? OVSP4_INDEX_ALL
                                          : rng_below(rng, 20));
        wire_put_u8(w, flags);
        if (flags & OVSP4_READ_KEY) {
            put_random_entry(rng, w);
        }
        wire_put_u64(w, rng_below(rng, 3) ? 0 : rng_below(rng, 6));
        wire_put_u64(w, rng_below(rng, 3) ? 0 : rng_next(rng) % 300);
        wire_put_u32(w, rng_below(rng, 4));
        break;
    }
    case 6:
        w = tmsg_begin(m, OVSP4_MSG_PACKET_OUT);
        n = rng_below(rng, 3);
        wire_put_u16(w, (uint16_t) n);
        for (uint32_t i = 0; i < n; i++) {
            wire_put_u32(w, rng_below(rng, 3));
            put_random_bytes(rng, w, 3);
        }
        put_random_bytes(rng, w, 32);
        break;
    case 7:
        w = tmsg_begin(m, OVSP4_MSG_DIGEST_ACK);
        wire_put_u32(w, rng_below(rng, 2) ? TP_DIGEST : 0);
        wire_put_u64(w, rng_below(rng, 5));
        break;
    case 8:
        w = tmsg_begin(m, OVSP4_MSG_SET_CONFIG);
        n = rng_below(rng, 3);
        wire_put_u16(w, (uint16_t) n);
        for (uint32_t i = 0; i < n; i++) {
            uint16_t key = (uint16_t) rng_below(rng, 5);

            wire_put_u16(w, key);
            /* Keep the clock sane: manual time or the monotonic clock. */
            wire_put_u64(w, key == OVSP4_CFG_CLOCK_MODE
                            ? rng_below(rng, 4) : rng_below(rng, 1000000));
        }
        break;
    default:
        tmsg_begin(m, OVSP4_MSG_GET_STATS);
        break;
    }
}

static void
mutate(struct test_rng *rng, uint8_t *buf, size_t *len, size_t cap)
{
    uint32_t kind = rng_below(rng, 6);

    switch (kind) {
    case 0:                     /* truncate */
        *len = rng_below(rng, (uint32_t) *len + 1);
        break;
    case 1:                     /* flip bits */
        for (uint32_t i = 1 + rng_below(rng, 8); i > 0 && *len; i--) {
            size_t at = rng_below(rng, (uint32_t) *len);

            buf[at] ^= (uint8_t) (1u << rng_below(rng, 8));
        }
        break;
    case 2: {                   /* an interesting 32-bit value */
        static const uint32_t vals[] = { 0, 1, 2, 0x7fffffff, 0xffffffff,
                                         0xfffffff1, 0x10000, 0xffff, 64 };
        uint32_t v = vals[rng_below(rng, sizeof vals / sizeof vals[0])];

        if (*len >= 4) {
            size_t at = rng_below(rng, (uint32_t) *len - 3);

            memcpy(buf + at, &v, 4);
        }
        break;
    }
    case 3:                     /* duplicate a slice */
        if (*len > 16 && *len * 2 < cap) {
            size_t from = 16 + rng_below(rng, (uint32_t) *len - 16);
            size_t n = rng_below(rng, (uint32_t) (*len - from) + 1);

            memmove(buf + from + n, buf + from, *len - from);
            *len += n;
        }
        break;
    case 4:                     /* random tail */
        if (*len < cap - 64) {
            uint32_t n = rng_below(rng, 64);

            rng_bytes(rng, buf + *len, n);
            *len += n;
        }
        break;
    default:                    /* random body */
        if (*len > 16) {
            rng_bytes(rng, buf + 16, *len - 16);
        }
        break;
    }
    /* Mostly keep the envelope's length right, to get past it. */
    if (*len >= 4 && rng_below(rng, 4)) {
        uint32_t l = (uint32_t) *len;

        memcpy(buf, &l, 4);
    }
}

static void
fuzz_round(struct cenv *env, struct test_rng *rng, uint8_t *buf,
           size_t len)
{
    static const size_t caps[] = { 0, 8, 16, 17, 20, 40, 100, 1000, 65536,
                                   1 << 20 };
    size_t cap = caps[rng_below(rng, sizeof caps / sizeof caps[0])];
    size_t rlen = env->def->control(env->inst, buf, len, env->reply, cap);

    if (cap < OVSP4_MSG_HEADER_LEN) {
        CHECK_EQ(rlen, 0);
        return;
    }
    if (!rlen) {
        return;                 /* does not fit: nothing was changed */
    }
    CHECK(rlen >= OVSP4_MSG_HEADER_LEN && rlen <= cap);
    CHECK_EQ(env->reply[0] | env->reply[1] << 8 | env->reply[2] << 16
             | (uint32_t) env->reply[3] << 24, rlen);
    CHECK(reply_type(env->reply) & OVSP4_MSG_REPLY);
    CHECK(reply_status(env->reply) <= OVSP4_E_IN_USE);
    CHECK(reply_status(env->reply) != OVSP4_E_TOOBIG);
}

static void
test_control_fuzz(void)
{
    struct cenv *env = cenv_create(TP_CPU_PORT);
    struct test_rng rng = { test_seed() ^ 0xf022 };
    uint32_t n = test_scaled(60000);
    static uint8_t buf[1 << 17];
    uint8_t pkt[128];
    static const uint32_t ports[] = { 2, 3 };

    /* Some state for the requests to find. */
    for (uint32_t i = 0; i < 8; i++) {
        lpm_write(env, OVSP4_OP_INSERT, 0x0a000000 + (i << 8), 24,
                  TP_ACT_FWD, i);
    }
    (void) ports;
    for (uint32_t i = 0; i < n && !TOO_MANY_FAILURES(); i++) {
        struct tmsg *m = &env->msg;
        size_t len;

        build_request(&rng, m);
        len = tmsg_end(m, i);
        if (m->w.overflow) {
            continue;
        }
        memcpy(buf, m->buf, len);
        if (rng_below(&rng, 3)) {
            for (uint32_t k = rng_below(&rng, 3) + 1; k > 0; k--) {
                mutate(&rng, buf, &len, sizeof buf);
            }
        }
        fuzz_round(env, &rng, buf, len);
        if (!(i % 16)) {
            cenv_run(env, rng_below(&rng, 12), pkt,
                     make_pkt(pkt, (uint32_t) rng_next(&rng) & 0x0b0000ff,
                              (uint8_t) rng_below(&rng, 20),
                              (uint16_t) rng_below(&rng, 300), 60));
            cenv_poll(env);
            cenv_clear_events(env);
        }
    }
    /* Pure noise. */
    for (uint32_t i = 0; i < n / 4 && !TOO_MANY_FAILURES(); i++) {
        size_t len = rng_below(&rng, 200);

        rng_bytes(&rng, buf, len);
        if (len >= 8 && rng_below(&rng, 2)) {
            uint32_t l = (uint32_t) len;

            memcpy(buf, &l, 4);
            buf[4] = OVSP4_PROTO_VERSION;
            buf[5] = 0;
            buf[6] = (uint8_t) rng_below(&rng, 9);
            buf[7] = 0;
        }
        fuzz_round(env, &rng, buf, len);
    }
    /* Still healthy: a fresh entry forwards. */
    CHECK_EQ(lpm_write(env, OVSP4_OP_DELETE, 0x0c0c0c00, 24, 0, 0) <= 2, 1);
    CHECK_EQ(lpm_write(env, OVSP4_OP_INSERT, 0x0c0c0c00, 24, TP_ACT_FWD, 77),
             OVSP4_OK);
    {
        struct wire_writer *w = tmsg_begin(&env->msg, OVSP4_MSG_SET_CONFIG);

        wire_put_u16(w, 1);
        wire_put_u16(w, OVSP4_CFG_CLOCK_MODE);
        wire_put_u64(w, OVSP4_CLOCK_MONOTONIC);
        cenv_send(env, &env->msg);
        /* In case a fuzzed meter or ACL entry drops: clear them. */
        w = wbegin(&env->msg, 1);
        wire_put_u8(w, OVSP4_OP_CLEAR);
        wire_put_u8(w, OVSP4_ENT_TABLE_ENTRY);
        put_entry_head(w, TP_TBL_ACL, 0, 0, 0);
        wire_put_u8(w, OVSP4_ACT_NONE);
        put_entry_tail(w, 0, 0);
        cenv_write1(env, &env->msg);
        w = wbegin(&env->msg, 1);
        wire_put_u8(w, OVSP4_OP_MODIFY);
        wire_put_u8(w, OVSP4_ENT_METER);
        wire_put_u32(w, TP_METER);
        wire_put_u32(w, OVSP4_INDEX_ALL);
        wire_put_u8(w, 0);
        for (int i = 0; i < 4; i++) {
            wire_put_u64(w, 0);
        }
        CHECK_EQ(cenv_write1(env, &env->msg), OVSP4_OK);
    }
    CHECK_EQ(cenv_run(env, 1, pkt, make_pkt(pkt, 0x0c0c0c01, 1, 1, 60)), 1);
    CHECK_EQ(env->out[0].port, 77);
    cenv_destroy(env);
}

const struct ovsp4_test control_fuzz_tests[] = {
    { "control-fuzz", test_control_fuzz },
    { NULL, NULL },
};
