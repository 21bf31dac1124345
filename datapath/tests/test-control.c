/*
 * OvS.p4 runtime tests: the pipeline ABI and the control protocol, driven
 * end to end on the hand-written test program (test-control-prog.c).
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "runtime-private.h"
#include "test-control-prog.h"
#include "test-control.h"
#include "testlib.h"

/* --- Environment --------------------------------------------------------- */

static void
event_cb(void *aux, const uint8_t *msg, size_t len)
{
    struct cenv *env = aux;

    if (env->n_events < CENV_MAX_EVENTS) {
        uint8_t *copy = malloc(len);

        memcpy(copy, msg, len);
        env->events[env->n_events] = copy;
        env->event_len[env->n_events] = len;
        env->n_events++;
    }
}

struct cenv *
cenv_create(uint32_t cpu_port)
{
    struct cenv *env = calloc(1, sizeof *env);
    struct ovsp4_instance_config cfg = { cpu_port, 4, 42 };

    env->def = ovsp4_rt_pipeline(&test_program);
    env->inst = env->def->instance_create(&cfg);
    CHECK(env->inst != NULL);
    env->thr = env->def->thread_create(env->inst);
    CHECK(env->thr != NULL);
    env->now = 1000000000;
    return env;
}

void
cenv_clear_events(struct cenv *env)
{
    for (uint32_t i = 0; i < env->n_events; i++) {
        free(env->events[i]);
    }
    env->n_events = 0;
}

void
cenv_destroy(struct cenv *env)
{
    cenv_clear_events(env);
    env->def->thread_destroy(env->thr);
    env->def->instance_destroy(env->inst);
    free(env);
}

uint32_t
cenv_send(struct cenv *env, struct tmsg *m)
{
    size_t len = tmsg_end(m, ++env->xid);

    env->rlen = env->def->control(env->inst, m->buf, len, env->reply,
                                  sizeof env->reply);
    CHECK(env->rlen >= OVSP4_MSG_HEADER_LEN);
    if (env->rlen < OVSP4_MSG_HEADER_LEN) {
        memset(env->reply, 0, OVSP4_MSG_HEADER_LEN);
        env->reply[12] = OVSP4_E_TOOBIG;
        env->rlen = OVSP4_MSG_HEADER_LEN;
    }
    CHECK_EQ(reply_type(env->reply), m->buf[6] | OVSP4_MSG_REPLY);
    CHECK_EQ(env->reply[8], (uint8_t) env->xid);
    wire_reader_init(&env->body, env->reply + OVSP4_MSG_HEADER_LEN,
                     env->rlen - OVSP4_MSG_HEADER_LEN);
    return reply_status(env->reply);
}

uint32_t
cenv_write1(struct cenv *env, struct tmsg *m)
{
    uint32_t status = cenv_send(env, m), n;

    if (env->rlen == OVSP4_MSG_HEADER_LEN) {
        return status;
    }
    n = wire_u32(&env->body);
    CHECK_EQ(n, 1);
    return wire_u8(&env->body);
}

struct wire_writer *
wbegin(struct tmsg *m, uint32_t n)
{
    struct wire_writer *w = tmsg_begin(m, OVSP4_MSG_WRITE);

    wire_put_u32(w, n);
    return w;
}

uint32_t
cenv_run(struct cenv *env, uint32_t in_port, const uint8_t *data,
         uint32_t len)
{
    static uint8_t bufs[4][2048];
    struct ovsp4_packet pkt;

    memcpy(bufs[0] + 128, data, len);
    pkt.data = bufs[0] + 128;
    pkt.len = len;
    pkt.headroom = 128;
    pkt.in_port = in_port;
    pkt.reserved = 0;
    env->now += 1000;
    env->n_out = env->def->process_batch(env->thr, &pkt, 1, env->out,
                                         CENV_MAX_OUT, env->now);
    return env->n_out;
}

uint32_t
cenv_poll(struct cenv *env)
{
    return env->def->poll_events(env->inst, event_cb, env, 1000);
}

/* A packet: dst, proto, l4port, then filler. */
uint32_t
make_pkt(uint8_t *p, uint32_t dst, uint8_t proto, uint16_t l4port,
         uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        p[i] = (uint8_t) i;
    }
    p[0] = (uint8_t) (dst >> 24);
    p[1] = (uint8_t) (dst >> 16);
    p[2] = (uint8_t) (dst >> 8);
    p[3] = (uint8_t) dst;
    p[4] = proto;
    p[5] = (uint8_t) (l4port >> 8);
    p[6] = (uint8_t) l4port;
    return len;
}

/* Builds one lpm update. */
void
put_lpm_update(struct wire_writer *w, uint8_t op, uint32_t dst, uint16_t plen,
               uint32_t action, uint32_t param)
{
    uint8_t v[4] = { dst >> 24, dst >> 16, dst >> 8, dst };
    uint8_t p[4] = { param >> 24, param >> 16, param >> 8, param };

    wire_put_u8(w, op);
    wire_put_u8(w, OVSP4_ENT_TABLE_ENTRY);
    put_entry_head(w, TP_TBL_LPM, 0, 0, 1);
    put_fm(w, 1, OVSP4_MATCH_LPM, v, 4, NULL, 0, plen);
    if (action == TP_ACT_DROP || action == TP_ACT_NOACTION) {
        put_action_direct(w, action, 0);
    } else if (action == TP_ACT_CLONE) {
        put_action_direct(w, action, 1);
        put_param(w, 1, p, 4);
    } else if (action) {
        put_action_direct(w, action, 1);
        put_param(w, 1, p + 2, 2);
    } else {
        wire_put_u8(w, OVSP4_ACT_NONE);
    }
    put_entry_tail(w, 0, 0xc00c1e);
}

uint32_t
lpm_write(struct cenv *env, uint8_t op, uint32_t dst, uint16_t plen,
          uint32_t action, uint32_t param)
{
    struct tmsg *m = &env->msg;

    put_lpm_update(wbegin(m, 1), op, dst, plen, action, param);
    return cenv_write1(env, m);
}

/* Starts a READ; the caller adds nothing but may set flags via key. */
struct wire_writer *
rbegin(struct tmsg *m, uint8_t entity, uint32_t id, uint32_t index)
{
    struct wire_writer *w = tmsg_begin(m, OVSP4_MSG_READ);

    wire_put_u8(w, entity);
    wire_put_u32(w, id);
    wire_put_u32(w, index);
    return w;
}

void
rend(struct wire_writer *w, uint64_t ca, uint64_t cb, uint32_t max_items)
{
    wire_put_u64(w, ca);
    wire_put_u64(w, cb);
    wire_put_u32(w, max_items);
}

/* Decodes a TableEntry of the reply body. */
void
decode_entry(struct wire_reader *r, struct dec_entry *e)
{
    memset(e, 0, sizeof *e);
    e->table_id = wire_u32(r);
    e->flags = wire_u8(r);
    e->priority = wire_i32(r);
    e->n_matches = wire_u16(r);
    for (uint32_t i = 0; i < e->n_matches; i++) {
        uint32_t len;
        const uint8_t *p;

        e->fm_id[i % 4] = wire_u32(r);
        e->fm_kind[i % 4] = wire_u8(r);
        p = wire_bytes(r, &len);
        if (p && len <= 8) {
            memcpy(e->fm_value[i % 4], p, len);
            e->fm_len[i % 4] = len;
        }
        p = wire_bytes(r, &len);
        if (p && len <= 8) {
            memcpy(e->fm_second[i % 4], p, len);
        }
        e->fm_plen[i % 4] = wire_u16(r);
    }
    e->action_kind = wire_u8(r);
    if (e->action_kind == OVSP4_ACT_DIRECT) {
        e->action_id = wire_u32(r);
        e->n_params = wire_u16(r);
        for (uint32_t i = 0; i < e->n_params; i++) {
            uint32_t len;
            const uint8_t *p;

            wire_u32(r);
            p = wire_bytes(r, &len);
            for (uint32_t k = 0; p && k < len; k++) {
                e->param0 = e->param0 << 8 | p[k];
            }
        }
    } else if (e->action_kind) {
        e->action_id = wire_u32(r);
    }
    e->idle_timeout_ns = wire_u64(r);
    e->cookie = wire_u64(r);
    if (e->flags & OVSP4_ENTRY_METER) {
        e->cir = wire_u64(r);
        wire_u64(r);
        e->pir = wire_u64(r);
        wire_u64(r);
    }
    if (e->flags & OVSP4_ENTRY_COUNTER) {
        e->packets = wire_u64(r);
        e->bytes = wire_u64(r);
    }
    if (e->flags & OVSP4_ENTRY_TIME) {
        e->last_hit = wire_u64(r);
        e->elapsed = wire_u64(r);
    }
}

/* Removes every entry of `table` (a CLEAR update). */
static void
clear_table(struct cenv *env, uint32_t table)
{
    struct wire_writer *w = wbegin(&env->msg, 1);

    wire_put_u8(w, OVSP4_OP_CLEAR);
    wire_put_u8(w, OVSP4_ENT_TABLE_ENTRY);
    put_entry_head(w, table, 0, 0, 0);
    wire_put_u8(w, OVSP4_ACT_NONE);
    put_entry_tail(w, 0, 0);
    CHECK_EQ(cenv_write1(env, &env->msg), OVSP4_OK);
}

/* Reads every entry of `table` (0: all), `page` entries per request, and
 * returns how many came back. */
static uint32_t
read_all_entries(struct cenv *env, uint32_t table, uint32_t page,
                 struct dec_entry *out, uint32_t max)
{
    uint64_t ca = 0, cb = 0;
    uint32_t total = 0;

    for (int guard = 0; guard < 10000; guard++) {
        struct wire_writer *w = rbegin(&env->msg, OVSP4_ENT_TABLE_ENTRY,
                                       table, 0);
        uint32_t n;
        uint8_t more;

        wire_put_u8(w, 0);
        rend(w, ca, cb, page);
        CHECK_EQ(cenv_send(env, &env->msg), OVSP4_OK);
        CHECK_EQ(wire_u8(&env->body), OVSP4_ENT_TABLE_ENTRY);
        n = wire_u32(&env->body);
        for (uint32_t i = 0; i < n; i++) {
            struct dec_entry e;

            decode_entry(&env->body, &e);
            if (total < max) {
                out[total] = e;
            }
            total++;
        }
        more = wire_u8(&env->body);
        ca = wire_u64(&env->body);
        cb = wire_u64(&env->body);
        CHECK(!env->body.err && !wire_left(&env->body));
        if (!more || env->body.err) {
            break;
        }
    }
    return total;
}

/* --- Tests --------------------------------------------------------------- */

static void
test_control_info_and_errors(void)
{
    struct cenv *env = cenv_create(TP_CPU_PORT);
    struct tmsg *m = &env->msg;
    uint32_t len;
    const uint8_t *p;
    uint8_t tiny[4];

    tmsg_begin(m, OVSP4_MSG_GET_INFO);
    CHECK_EQ(cenv_send(env, m), OVSP4_OK);
    CHECK_EQ(wire_u32(&env->body), OVSP4_ABI_VERSION);
    CHECK_EQ(wire_u32(&env->body), TP_CPU_PORT);
    p = wire_bytes(&env->body, &len);
    CHECK(p && len == 12 && !memcmp(p, "test_control", 12));
    p = wire_bytes(&env->body, &len);
    CHECK(p && len == 7 && !memcmp(p, "v1model", 7));
    wire_bytes(&env->body, &len);
    p = wire_bytes(&env->body, &len);
    CHECK(p && len == 4 && p[2] == 'o');
    CHECK(!env->body.err && !wire_left(&env->body));

    /* Too short for a header. */
    CHECK_EQ(env->def->control(env->inst, tiny, 0, env->reply, 64), 16);
    CHECK_EQ(reply_type(env->reply), OVSP4_MSG_REPLY);
    CHECK_EQ(reply_status(env->reply), OVSP4_E_INVALID);
    /* A reply buffer too small for a header. */
    CHECK_EQ(env->def->control(env->inst, tiny, 0, env->reply, 8), 0);
    /* Bad length field, version, type; trailing bytes. */
    tmsg_begin(m, OVSP4_MSG_GET_INFO);
    len = (uint32_t) tmsg_end(m, 7);
    m->buf[0] = 99;
    CHECK_EQ(env->def->control(env->inst, m->buf, len, env->reply, 64), 16);
    CHECK_EQ(reply_status(env->reply), OVSP4_E_INVALID);
    CHECK_EQ(env->reply[8], 7);
    m->buf[0] = (uint8_t) len;
    m->buf[4] = 9;
    env->def->control(env->inst, m->buf, len, env->reply, 64);
    CHECK_EQ(reply_status(env->reply), OVSP4_E_UNSUPPORTED);
    tmsg_begin(m, 0x3f);
    CHECK_EQ(cenv_send(env, m), OVSP4_E_UNSUPPORTED);
    wire_put_u8(tmsg_begin(m, OVSP4_MSG_GET_INFO), 1);
    CHECK_EQ(cenv_send(env, m), OVSP4_E_INVALID);
    /* A reply that does not fit. */
    tmsg_begin(m, OVSP4_MSG_GET_INFO);
    len = (uint32_t) tmsg_end(m, 8);
    CHECK_EQ(env->def->control(env->inst, m->buf, len, env->reply, 20), 0);
    cenv_destroy(env);
}

static void
test_control_table_entries(void)
{
    struct cenv *env = cenv_create(TP_CPU_PORT);
    static struct dec_entry entries[300];
    uint8_t pkt[64];
    uint32_t n;

    /* Insert, forward, duplicate, modify, delete. */
    CHECK_EQ(lpm_write(env, OVSP4_OP_INSERT, 0x0a000100, 24, TP_ACT_FWD, 3),
             OVSP4_OK);
    CHECK_EQ(lpm_write(env, OVSP4_OP_INSERT, 0x0a000100, 24, TP_ACT_FWD, 4),
             OVSP4_E_EXISTS);
    CHECK_EQ(cenv_run(env, 2, pkt, make_pkt(pkt, 0x0a000105, 1, 1, 60)), 1);
    CHECK_EQ(env->out[0].port, 3);
    CHECK_EQ(env->out[0].in_place, 1);
    CHECK_EQ(env->out[0].len, 60);
    CHECK_EQ(lpm_write(env, OVSP4_OP_MODIFY, 0x0a000100, 24, TP_ACT_FWD, 5),
             OVSP4_OK);
    CHECK_EQ(cenv_run(env, 2, pkt, make_pkt(pkt, 0x0a000105, 1, 1, 60)), 1);
    CHECK_EQ(env->out[0].port, 5);
    CHECK_EQ(cenv_run(env, 2, pkt, make_pkt(pkt, 0x0b000105, 1, 1, 60)), 0);

    /* Validation. */
    CHECK_EQ(lpm_write(env, OVSP4_OP_INSERT, 0x0a000101, 24, TP_ACT_FWD, 1),
             OVSP4_E_INVALID);          /* bits past the prefix */
    CHECK_EQ(lpm_write(env, OVSP4_OP_INSERT, 0x0a000000, 33, TP_ACT_FWD, 1),
             OVSP4_E_INVALID);
    CHECK_EQ(lpm_write(env, OVSP4_OP_INSERT, 0x0c000000, 8, TP_ACT_FWD,
                       512), OVSP4_E_INVALID);  /* port is 9 bits */
    CHECK_EQ(lpm_write(env, OVSP4_OP_INSERT, 0x0c000000, 8, 0x01000099, 1),
             OVSP4_E_NOT_FOUND);
    CHECK_EQ(lpm_write(env, OVSP4_OP_INSERT, 0x0c000000, 8, 0, 0),
             OVSP4_E_INVALID);
    CHECK_EQ(lpm_write(env, OVSP4_OP_MODIFY, 0x0c000000, 8, TP_ACT_DROP, 0),
             OVSP4_E_NOT_FOUND);
    CHECK_EQ(lpm_write(env, OVSP4_OP_DELETE, 0x0c000000, 8, 0, 0),
             OVSP4_E_NOT_FOUND);
    CHECK_EQ(lpm_write(env, 9, 0x0c000000, 8, 0, 0), OVSP4_E_INVALID);

    /* Many entries, read back in pages of every size. */
    for (uint32_t i = 0; i < 200; i++) {
        CHECK_EQ(lpm_write(env, OVSP4_OP_INSERT, 0x14000000 + (i << 8), 24,
                           TP_ACT_FWD, i % 500), OVSP4_OK);
    }
    for (uint32_t page = 0; page < 260; page += 37) {
        n = read_all_entries(env, TP_TBL_LPM, page, entries, 300);
        CHECK_EQ(n, 201);
    }
    n = read_all_entries(env, 0, 0, entries, 300);
    CHECK_EQ(n, 203);                   /* + 2 const entries */
    n = read_all_entries(env, TP_TBL_LPM, 0, entries, 300);
    CHECK_EQ(entries[0].table_id, TP_TBL_LPM);
    CHECK_EQ(entries[0].n_matches, 1);
    CHECK_EQ(entries[0].fm_plen[0], 24);
    CHECK_EQ(entries[0].fm_value[0][0], 0x0a);
    CHECK_EQ(entries[0].action_id, TP_ACT_FWD);
    CHECK_EQ(entries[0].param0, 5);
    CHECK(entries[0].cookie == 0xc00c1e);
    CHECK(entries[0].flags & OVSP4_ENTRY_TIME);
    CHECK_EQ(entries[200].param0, 199);

    /* Pages bounded by the reply buffer rather than a count. */
    {
        struct wire_writer *w;
        uint64_t ca = 0, cb = 0;
        uint32_t total = 0, rounds = 0;
        uint8_t more = 1;

        while (more && rounds++ < 1000) {
            size_t len;

            w = rbegin(&env->msg, OVSP4_ENT_TABLE_ENTRY, TP_TBL_LPM, 0);
            wire_put_u8(w, 0);
            rend(w, ca, cb, 0);
            len = tmsg_end(&env->msg, 1);
            env->rlen = env->def->control(env->inst, env->msg.buf, len,
                                          env->reply, 400);
            CHECK_EQ(reply_status(env->reply), OVSP4_OK);
            wire_reader_init(&env->body, env->reply + 16, env->rlen - 16);
            wire_u8(&env->body);
            n = wire_u32(&env->body);
            CHECK(n >= 1);
            for (uint32_t i = 0; i < n; i++) {
                struct dec_entry e;

                decode_entry(&env->body, &e);
            }
            total += n;
            more = wire_u8(&env->body);
            ca = wire_u64(&env->body);
            cb = wire_u64(&env->body);
        }
        CHECK_EQ(total, 201);
        CHECK(rounds > 10);
        /* Too small for one entry. */
        w = rbegin(&env->msg, OVSP4_ENT_TABLE_ENTRY, TP_TBL_LPM, 0);
        wire_put_u8(w, 0);
        rend(w, 0, 0, 0);
        env->rlen = env->def->control(env->inst, env->msg.buf,
                                      tmsg_end(&env->msg, 1), env->reply,
                                      60);
        CHECK_EQ(env->rlen, 0);
    }

    /* Read one entry by key. */
    {
        struct wire_writer *w = rbegin(&env->msg, OVSP4_ENT_TABLE_ENTRY, 0,
                                       0);
        uint8_t v[4] = { 20, 0, 5, 0 };
        struct dec_entry e;

        wire_put_u8(w, OVSP4_READ_KEY);
        put_entry_head(w, TP_TBL_LPM, 0, 0, 1);
        put_fm(w, 1, OVSP4_MATCH_LPM, v, 4, NULL, 0, 24);
        wire_put_u8(w, OVSP4_ACT_NONE);
        put_entry_tail(w, 0, 0);
        rend(w, 0, 0, 0);
        CHECK_EQ(cenv_send(env, &env->msg), OVSP4_OK);
        wire_u8(&env->body);
        CHECK_EQ(wire_u32(&env->body), 1);
        decode_entry(&env->body, &e);
        CHECK_EQ(e.param0, 5);
        /* Not there. */
        v[2] = 255;
        w = rbegin(&env->msg, OVSP4_ENT_TABLE_ENTRY, 0, 0);
        wire_put_u8(w, OVSP4_READ_KEY);
        put_entry_head(w, TP_TBL_LPM, 0, 0, 1);
        put_fm(w, 1, OVSP4_MATCH_LPM, v, 4, NULL, 0, 24);
        wire_put_u8(w, OVSP4_ACT_NONE);
        put_entry_tail(w, 0, 0);
        rend(w, 0, 0, 0);
        CHECK_EQ(cenv_send(env, &env->msg), OVSP4_E_NOT_FOUND);
    }

    /* Clear. */
    {
        clear_table(env, TP_TBL_LPM);
        CHECK_EQ(read_all_entries(env, TP_TBL_LPM, 0, entries, 300), 0);
        CHECK_EQ(cenv_run(env, 2, pkt, make_pkt(pkt, 0x0a000105, 1, 1, 60)),
                 0);
    }
    cenv_destroy(env);
}

static uint32_t
set_default(struct cenv *env, uint32_t table, uint8_t op, uint32_t action,
            int n_params, uint16_t param)
{
    struct wire_writer *w = wbegin(&env->msg, 1);
    uint8_t p[2] = { param >> 8, param };

    wire_put_u8(w, op);
    wire_put_u8(w, OVSP4_ENT_TABLE_ENTRY);
    put_entry_head(w, table, OVSP4_ENTRY_DEFAULT, 0, 0);
    if (action) {
        put_action_direct(w, action, (uint16_t) n_params);
        if (n_params) {
            put_param(w, 1, p, 2);
        }
    } else {
        wire_put_u8(w, OVSP4_ACT_NONE);
    }
    put_entry_tail(w, 0, 0);
    return cenv_write1(env, &env->msg);
}

static uint32_t
read_default(struct cenv *env, uint32_t table, struct dec_entry *e)
{
    struct wire_writer *w = rbegin(&env->msg, OVSP4_ENT_TABLE_ENTRY, 0, 0);
    uint32_t status;

    wire_put_u8(w, OVSP4_READ_KEY);
    put_entry_head(w, table, OVSP4_ENTRY_DEFAULT, 0, 0);
    wire_put_u8(w, OVSP4_ACT_NONE);
    put_entry_tail(w, 0, 0);
    rend(w, 0, 0, 0);
    status = cenv_send(env, &env->msg);
    if (!status) {
        wire_u8(&env->body);
        CHECK_EQ(wire_u32(&env->body), 1);
        decode_entry(&env->body, e);
    }
    return status;
}

static void
test_control_defaults_and_const(void)
{
    struct cenv *env = cenv_create(TP_CPU_PORT);
    struct dec_entry e;
    uint8_t pkt[64];

    CHECK_EQ(read_default(env, TP_TBL_LPM, &e), OVSP4_OK);
    CHECK_EQ(e.action_id, TP_ACT_DROP);
    CHECK(e.flags & OVSP4_ENTRY_DEFAULT);
    CHECK_EQ(set_default(env, TP_TBL_LPM, OVSP4_OP_MODIFY, TP_ACT_FWD, 1, 9),
             OVSP4_OK);
    CHECK_EQ(cenv_run(env, 2, pkt, make_pkt(pkt, 0x01020304, 1, 1, 40)), 1);
    CHECK_EQ(env->out[0].port, 9);
    CHECK_EQ(read_default(env, TP_TBL_LPM, &e), OVSP4_OK);
    CHECK_EQ(e.action_id, TP_ACT_FWD);
    CHECK_EQ(e.param0, 9);
    CHECK_EQ(set_default(env, TP_TBL_LPM, OVSP4_OP_INSERT, TP_ACT_FWD, 1, 9),
             OVSP4_E_INVALID);
    CHECK_EQ(set_default(env, TP_TBL_LPM, OVSP4_OP_MODIFY, TP_ACT_FWD, 0, 0),
             OVSP4_E_INVALID);          /* missing parameter */
    CHECK_EQ(set_default(env, TP_TBL_LPM, OVSP4_OP_DELETE, 0, 0, 0),
             OVSP4_OK);
    CHECK_EQ(read_default(env, TP_TBL_LPM, &e), OVSP4_OK);
    CHECK_EQ(e.action_id, TP_ACT_DROP);
    CHECK_EQ(cenv_run(env, 2, pkt, make_pkt(pkt, 0x01020304, 1, 1, 40)), 0);
    /* Scope: NoAction is default-only in ecmp, fwd is allowed. */
    CHECK_EQ(set_default(env, TP_TBL_ECMP, OVSP4_OP_MODIFY, TP_ACT_NOACTION,
                         0, 0), OVSP4_OK);
    CHECK_EQ(set_default(env, TP_TBL_ECMP, OVSP4_OP_MODIFY, TP_ACT_MCAST, 1,
                         0), OVSP4_E_INVALID);  /* not the table's */

    /* The const table: entries work, writes are refused. */
    CHECK_EQ(cenv_run(env, 2, pkt, make_pkt(pkt, 0x01020304, 6, 1, 40)), 1);
    CHECK_EQ(env->out[0].port, 7);
    CHECK_EQ(cenv_run(env, 2, pkt, make_pkt(pkt, 0x01020304, 17, 1, 40)), 0);
    CHECK_EQ(set_default(env, TP_TBL_CONST, OVSP4_OP_MODIFY, TP_ACT_DROP, 0,
                         0), OVSP4_E_CONST);
    {
        struct wire_writer *w = wbegin(&env->msg, 1);
        uint8_t v = 9;

        wire_put_u8(w, OVSP4_OP_INSERT);
        wire_put_u8(w, OVSP4_ENT_TABLE_ENTRY);
        put_entry_head(w, TP_TBL_CONST, 0, 0, 1);
        put_fm(w, 1, OVSP4_MATCH_EXACT, &v, 1, NULL, 0, 0);
        put_action_direct(w, TP_ACT_DROP, 0);
        put_entry_tail(w, 0, 0);
        CHECK_EQ(cenv_write1(env, &env->msg), OVSP4_E_CONST);
    }
    cenv_destroy(env);
}

static uint32_t
acl_write(struct cenv *env, uint8_t op, uint8_t proto, uint8_t mask,
          uint16_t lo, uint16_t hi, int32_t prio, uint32_t action,
          uint64_t idle_ns, const struct rt_meter_config *meter)
{
    struct wire_writer *w = wbegin(&env->msg, 1);
    uint8_t l[2] = { lo >> 8, lo }, h[2] = { hi >> 8, hi };

    wire_put_u8(w, op);
    wire_put_u8(w, OVSP4_ENT_TABLE_ENTRY);
    put_entry_head(w, TP_TBL_ACL, meter ? OVSP4_ENTRY_METER : 0, prio, 2);
    put_fm(w, 1, OVSP4_MATCH_TERNARY, &proto, 1, &mask, 1, 0);
    put_fm(w, 2, OVSP4_MATCH_RANGE, l, 2, h, 2, 0);
    put_action_direct(w, action, 0);
    put_entry_tail(w, idle_ns, 77);
    if (meter) {
        wire_put_u64(w, meter->cir);
        wire_put_u64(w, meter->cburst);
        wire_put_u64(w, meter->pir);
        wire_put_u64(w, meter->pburst);
    }
    return cenv_write1(env, &env->msg);
}

static void
put_acl_key(struct wire_writer *w, uint8_t flags, uint8_t proto,
            uint8_t mask, uint16_t lo, uint16_t hi, int32_t prio)
{
    uint8_t l[2] = { lo >> 8, lo }, h[2] = { hi >> 8, hi };

    put_entry_head(w, TP_TBL_ACL, flags, prio, 2);
    put_fm(w, 1, OVSP4_MATCH_TERNARY, &proto, 1, &mask, 1, 0);
    put_fm(w, 2, OVSP4_MATCH_RANGE, l, 2, h, 2, 0);
    wire_put_u8(w, OVSP4_ACT_NONE);
    put_entry_tail(w, 0, 0);
}

static void
test_control_direct_resources(void)
{
    struct cenv *env = cenv_create(TP_CPU_PORT);
    struct rt_meter_config meter = { 1000, 100, 1000, 100 };
    struct dec_entry e;
    struct wire_writer *w;
    uint8_t pkt[256];

    CHECK_EQ(lpm_write(env, OVSP4_OP_INSERT, 0, 0, TP_ACT_FWD, 3), OVSP4_OK);
    /* Priorities are required; ranges and masks validated. */
    CHECK_EQ(acl_write(env, OVSP4_OP_INSERT, 6, 0xff, 0, 100, 0,
                       TP_ACT_NOACTION, 0, NULL), OVSP4_E_INVALID);
    CHECK_EQ(acl_write(env, OVSP4_OP_INSERT, 6, 0xff, 100, 10, 5,
                       TP_ACT_NOACTION, 0, NULL), OVSP4_E_INVALID);
    CHECK_EQ(acl_write(env, OVSP4_OP_INSERT, 7, 0xfe, 0, 100, 5,
                       TP_ACT_NOACTION, 0, NULL), OVSP4_E_INVALID);
    CHECK_EQ(acl_write(env, OVSP4_OP_INSERT, 6, 0xff, 0, 100, 5,
                       TP_ACT_NOACTION, 5000000, &meter), OVSP4_OK);
    CHECK_EQ(acl_write(env, OVSP4_OP_INSERT, 6, 0xff, 200, 300, 5,
                       TP_ACT_DROP, 0, NULL), OVSP4_OK);
    struct rt_meter_config bad = { 2000, 100, 1000, 100 };
    CHECK_EQ(acl_write(env, OVSP4_OP_INSERT, 8, 0xff, 0, 100, 5,
                       TP_ACT_NOACTION, 0, &bad), OVSP4_E_INVALID);

    /* Hits count; 100-byte meter bursts: the second 60-byte packet is RED
     * (both buckets 100 bytes deep). */
    CHECK_EQ(cenv_run(env, 2, pkt, make_pkt(pkt, 1, 6, 50, 60)), 1);
    CHECK_EQ(cenv_run(env, 2, pkt, make_pkt(pkt, 1, 6, 50, 60)), 0);
    CHECK_EQ(cenv_run(env, 2, pkt, make_pkt(pkt, 1, 6, 250, 60)), 0);
    CHECK_EQ(cenv_run(env, 2, pkt, make_pkt(pkt, 1, 9, 250, 60)), 1);

    /* Read back with counters, meter config and times. */
    w = rbegin(&env->msg, OVSP4_ENT_TABLE_ENTRY, 0, 0);
    wire_put_u8(w, OVSP4_READ_KEY);
    put_acl_key(w, 0, 6, 0xff, 0, 100, 5);
    rend(w, 0, 0, 0);
    CHECK_EQ(cenv_send(env, &env->msg), OVSP4_OK);
    wire_u8(&env->body);
    CHECK_EQ(wire_u32(&env->body), 1);
    decode_entry(&env->body, &e);
    CHECK_EQ(e.priority, 5);
    CHECK_EQ(e.n_matches, 2);
    CHECK_EQ(e.fm_kind[1], OVSP4_MATCH_RANGE);
    CHECK_EQ(e.fm_second[1][1], 100);
    CHECK(e.flags & OVSP4_ENTRY_COUNTER);
    CHECK(e.flags & OVSP4_ENTRY_METER);
    CHECK_EQ(e.packets, 2);
    CHECK_EQ(e.bytes, 120);
    CHECK_EQ(e.cir, 1000);
    CHECK(e.idle_timeout_ns == 5000000);
    CHECK(e.cookie == 77);

    /* Direct counter write and read. */
    w = wbegin(&env->msg, 1);
    wire_put_u8(w, OVSP4_OP_MODIFY);
    wire_put_u8(w, OVSP4_ENT_DIRECT_COUNTER);
    put_acl_key(w, OVSP4_ENTRY_COUNTER, 6, 0xff, 0, 100, 5);
    wire_put_u64(w, 1000);
    wire_put_u64(w, 64000);
    CHECK_EQ(cenv_write1(env, &env->msg), OVSP4_OK);
    w = rbegin(&env->msg, OVSP4_ENT_DIRECT_COUNTER, TP_TBL_ACL, 0);
    wire_put_u8(w, 0);
    rend(w, 0, 0, 0);
    CHECK_EQ(cenv_send(env, &env->msg), OVSP4_OK);
    CHECK_EQ(wire_u8(&env->body), OVSP4_ENT_DIRECT_COUNTER);
    CHECK_EQ(wire_u32(&env->body), 2);
    decode_entry(&env->body, &e);
    CHECK_EQ(e.packets, 1000);
    CHECK_EQ(e.bytes, 64000);
    /* A table without a direct counter. */
    w = rbegin(&env->msg, OVSP4_ENT_DIRECT_COUNTER, TP_TBL_LPM, 0);
    wire_put_u8(w, 0);
    rend(w, 0, 0, 0);
    CHECK_EQ(cenv_send(env, &env->msg), OVSP4_E_INVALID);

    /* Direct meter: reset makes the entry GREEN again. */
    w = wbegin(&env->msg, 1);
    wire_put_u8(w, OVSP4_OP_MODIFY);
    wire_put_u8(w, OVSP4_ENT_DIRECT_METER);
    put_acl_key(w, 0, 6, 0xff, 0, 100, 5);
    CHECK_EQ(cenv_write1(env, &env->msg), OVSP4_OK);
    for (int i = 0; i < 5; i++) {
        CHECK_EQ(cenv_run(env, 2, pkt, make_pkt(pkt, 1, 6, 50, 60)), 1);
    }
    w = rbegin(&env->msg, OVSP4_ENT_DIRECT_METER, 0, 0);
    wire_put_u8(w, 0);
    rend(w, 0, 0, 0);
    CHECK_EQ(cenv_send(env, &env->msg), OVSP4_OK);
    wire_u8(&env->body);
    CHECK_EQ(wire_u32(&env->body), 2);
    decode_entry(&env->body, &e);
    CHECK(!(e.flags & OVSP4_ENTRY_METER));

    /* Idle timeout: a manual clock, a sweep, one notification. */
    {
        struct wire_writer *cw = tmsg_begin(&env->msg, OVSP4_MSG_SET_CONFIG);
        uint64_t t0 = env->now;

        wire_put_u16(cw, 3);
        wire_put_u16(cw, OVSP4_CFG_CLOCK_MODE);
        wire_put_u64(cw, OVSP4_CLOCK_MANUAL);
        wire_put_u16(cw, OVSP4_CFG_CLOCK_NOW);
        wire_put_u64(cw, t0 + 1000000);
        wire_put_u16(cw, OVSP4_CFG_IDLE_SWEEP_NS);
        wire_put_u64(cw, 0);
        CHECK_EQ(cenv_send(env, &env->msg), OVSP4_OK);
        cenv_poll(env);
        CHECK_EQ(env->n_events, 0);
        cenv_clear_events(env);

        cw = tmsg_begin(&env->msg, OVSP4_MSG_SET_CONFIG);
        wire_put_u16(cw, 1);
        wire_put_u16(cw, OVSP4_CFG_CLOCK_NOW);
        wire_put_u64(cw, t0 + 6000000);
        CHECK_EQ(cenv_send(env, &env->msg), OVSP4_OK);
        cenv_poll(env);
        CHECK_EQ(env->n_events, 1);
        if (env->n_events == 1) {
            struct wire_reader r;

            CHECK_EQ(reply_type(env->events[0]), OVSP4_MSG_IDLE_TIMEOUT);
            wire_reader_init(&r, env->events[0] + 16,
                             env->event_len[0] - 16);
            CHECK(wire_u64(&r) == t0 + 6000000);
            CHECK_EQ(wire_u32(&r), 1);
            decode_entry(&r, &e);
            CHECK_EQ(e.priority, 5);
            CHECK(e.elapsed >= 5000000);
            CHECK(!r.err && !wire_left(&r));
        }
        cenv_clear_events(env);
        cenv_poll(env);                 /* not again */
        CHECK_EQ(env->n_events, 0);
        /* A hit re-arms it. */
        CHECK_EQ(cenv_run(env, 2, pkt, make_pkt(pkt, 1, 6, 50, 60)), 1);
        cw = tmsg_begin(&env->msg, OVSP4_MSG_SET_CONFIG);
        wire_put_u16(cw, 1);
        wire_put_u16(cw, OVSP4_CFG_CLOCK_NOW);
        wire_put_u64(cw, env->now + 5000001);
        CHECK_EQ(cenv_send(env, &env->msg), OVSP4_OK);
        cenv_poll(env);
        CHECK_EQ(env->n_events, 1);
        cenv_clear_events(env);
        /* Bad config values. */
        cw = tmsg_begin(&env->msg, OVSP4_MSG_SET_CONFIG);
        wire_put_u16(cw, 1);
        wire_put_u16(cw, OVSP4_CFG_CLOCK_MODE);
        wire_put_u64(cw, 9);
        CHECK_EQ(cenv_send(env, &env->msg), OVSP4_E_INVALID);
        cw = tmsg_begin(&env->msg, OVSP4_MSG_SET_CONFIG);
        wire_put_u16(cw, 1);
        wire_put_u16(cw, 99);
        wire_put_u64(cw, 9);
        CHECK_EQ(cenv_send(env, &env->msg), OVSP4_E_UNSUPPORTED);
    }
    /* Idle timeouts on a table without support. */
    {
        struct wire_writer *uw = wbegin(&env->msg, 1);
        uint8_t v[4] = { 9, 0, 0, 0 };

        wire_put_u8(uw, OVSP4_OP_INSERT);
        wire_put_u8(uw, OVSP4_ENT_TABLE_ENTRY);
        put_entry_head(uw, TP_TBL_LPM, 0, 0, 1);
        put_fm(uw, 1, OVSP4_MATCH_LPM, v, 4, NULL, 0, 8);
        put_action_direct(uw, TP_ACT_DROP, 0);
        put_entry_tail(uw, 1000, 0);
        CHECK_EQ(cenv_write1(env, &env->msg), OVSP4_E_INVALID);
    }
    /* Delete removes the entry's meter too. */
    CHECK_EQ(acl_write(env, OVSP4_OP_DELETE, 6, 0xff, 0, 100, 5, 0, 0, NULL),
             OVSP4_OK);
    CHECK_EQ(acl_write(env, OVSP4_OP_DELETE, 6, 0xff, 0, 100, 5, 0, 0, NULL),
             OVSP4_E_NOT_FOUND);
    cenv_destroy(env);
}

static uint32_t
cell_write(struct cenv *env, uint8_t entity, uint32_t id, uint32_t index,
           uint64_t a, uint64_t b)
{
    struct wire_writer *w = wbegin(&env->msg, 1);

    wire_put_u8(w, OVSP4_OP_MODIFY);
    wire_put_u8(w, entity);
    wire_put_u32(w, id);
    wire_put_u32(w, index);
    if (entity == OVSP4_ENT_COUNTER) {
        wire_put_u64(w, a);
        wire_put_u64(w, b);
    } else if (entity == OVSP4_ENT_METER) {
        wire_put_u8(w, a != 0);
        wire_put_u64(w, a);
        wire_put_u64(w, b);
        wire_put_u64(w, a);
        wire_put_u64(w, b);
    } else {
        uint8_t v[13];

        memset(v, 0, sizeof v);
        for (int i = 0; i < 8; i++) {
            v[12 - i] = (uint8_t) (a >> (8 * i));
        }
        v[4] = (uint8_t) b;
        if (id == TP_REG_WIDE) {
            wire_put_bytes(w, v, 13);
        } else {
            wire_put_bytes(w, v + 9, 4);
        }
    }
    return cenv_write1(env, &env->msg);
}

static uint32_t
cell_read(struct cenv *env, uint8_t entity, uint32_t id, uint32_t index,
          uint32_t max_items)
{
    struct wire_writer *w = rbegin(&env->msg, entity, id, index);
    uint32_t status;

    wire_put_u8(w, 0);
    rend(w, 0, 0, max_items);
    status = cenv_send(env, &env->msg);
    if (!status) {
        CHECK_EQ(wire_u8(&env->body), entity);
    }
    return status;
}

static void
test_control_cells(void)
{
    struct cenv *env = cenv_create(TP_CPU_PORT);
    uint8_t pkt[64];
    const uint8_t *p;
    uint32_t len;

    for (int i = 0; i < 3; i++) {
        cenv_run(env, 5, pkt, make_pkt(pkt, 1, 1, 1, 50));
    }
    /* Counters: one cell, all cells, writes, errors. */
    CHECK_EQ(cell_read(env, OVSP4_ENT_COUNTER, TP_CNT, 5, 0), OVSP4_OK);
    CHECK_EQ(wire_u32(&env->body), 1);
    CHECK_EQ(wire_u32(&env->body), TP_CNT);
    CHECK_EQ(wire_u32(&env->body), 5);
    CHECK_EQ(wire_u64(&env->body), 3);
    CHECK_EQ(wire_u64(&env->body), 150);
    CHECK_EQ(cell_read(env, OVSP4_ENT_COUNTER, TP_CNT, OVSP4_INDEX_ALL, 0),
             OVSP4_OK);
    CHECK_EQ(wire_u32(&env->body), 16);
    CHECK_EQ(cell_read(env, OVSP4_ENT_COUNTER, 0, OVSP4_INDEX_ALL, 0),
             OVSP4_OK);
    CHECK_EQ(wire_u32(&env->body), 16);    /* the direct one is skipped */
    CHECK_EQ(cell_read(env, OVSP4_ENT_COUNTER, TP_CNT, OVSP4_INDEX_ALL, 5),
             OVSP4_OK);
    CHECK_EQ(wire_u32(&env->body), 5);
    CHECK_EQ(cell_read(env, OVSP4_ENT_COUNTER, TP_CNT, 16, 0),
             OVSP4_E_RANGE);
    CHECK_EQ(cell_read(env, OVSP4_ENT_COUNTER, TP_DCNT_ACL, 0, 0),
             OVSP4_E_INVALID);
    CHECK_EQ(cell_read(env, OVSP4_ENT_COUNTER, 0x12000099, 0, 0),
             OVSP4_E_NOT_FOUND);
    CHECK_EQ(cell_write(env, OVSP4_ENT_COUNTER, TP_CNT, 5, 10, 20),
             OVSP4_OK);
    CHECK_EQ(cell_write(env, OVSP4_ENT_COUNTER, TP_CNT, 99, 10, 20),
             OVSP4_E_RANGE);
    cenv_run(env, 5, pkt, make_pkt(pkt, 1, 1, 1, 50));
    CHECK_EQ(cell_read(env, OVSP4_ENT_COUNTER, TP_CNT, 5, 0), OVSP4_OK);
    wire_u32(&env->body);
    wire_u32(&env->body);
    wire_u32(&env->body);
    CHECK_EQ(wire_u64(&env->body), 11);
    CHECK_EQ(wire_u64(&env->body), 70);
    CHECK_EQ(cell_write(env, OVSP4_ENT_COUNTER, TP_CNT, OVSP4_INDEX_ALL, 0,
                        0), OVSP4_OK);

    /* Registers: the packet path increments reg[in_port % 16]. */
    CHECK_EQ(cell_read(env, OVSP4_ENT_REGISTER, TP_REG, 5, 0), OVSP4_OK);
    CHECK_EQ(wire_u32(&env->body), 1);
    wire_u32(&env->body);
    wire_u32(&env->body);
    p = wire_bytes(&env->body, &len);
    CHECK(p && len == 4 && p[3] == 4);
    CHECK_EQ(cell_write(env, OVSP4_ENT_REGISTER, TP_REG, 5, 0xdeadbeef, 0),
             OVSP4_OK);
    cenv_run(env, 5, pkt, make_pkt(pkt, 1, 1, 1, 50));
    CHECK(ovsp4_rt_register_read64(
              ovsp4_rt_objects((struct ovsp4_rt_thread *) env->thr)
              ->registers[0], 5) == 0xdeadbef0);
    /* Wide: 100 bits = 13 bytes, the top nibble must be 0. */
    CHECK_EQ(cell_write(env, OVSP4_ENT_REGISTER, TP_REG_WIDE, 2,
                        0x1122334455667788ULL, 0x0f), OVSP4_OK);
    CHECK_EQ(cell_read(env, OVSP4_ENT_REGISTER, TP_REG_WIDE, 2, 0),
             OVSP4_OK);
    wire_u32(&env->body);
    wire_u32(&env->body);
    wire_u32(&env->body);
    p = wire_bytes(&env->body, &len);
    CHECK(p && len == 13 && p[4] == 0x0f && p[5] == 0x11 && p[12] == 0x88);
    {
        struct wire_writer *w = wbegin(&env->msg, 1);
        uint8_t v[13];

        memset(v, 0, sizeof v);
        v[0] = 0x10;
        wire_put_u8(w, OVSP4_OP_MODIFY);
        wire_put_u8(w, OVSP4_ENT_REGISTER);
        wire_put_u32(w, TP_REG_WIDE);
        wire_put_u32(w, 0);
        wire_put_bytes(w, v, 13);
        CHECK_EQ(cenv_write1(env, &env->msg), OVSP4_E_INVALID);
    }
    CHECK(ovsp4_rt_register_read64(
              ovsp4_rt_objects((struct ovsp4_rt_thread *) env->thr)
              ->registers[1], 2) == 0x1122334455667788ULL);
    CHECK_EQ(cell_read(env, OVSP4_ENT_REGISTER, 0, OVSP4_INDEX_ALL, 0),
             OVSP4_OK);
    CHECK_EQ(wire_u32(&env->body), 20);

    /* Meters: packets of in_port 3 use m[3]; 1 packet bursts. */
    CHECK_EQ(cell_write(env, OVSP4_ENT_METER, TP_METER, 3, 1, 1), OVSP4_OK);
    CHECK_EQ(cenv_run(env, 3, pkt, make_pkt(pkt, 0x0a000001, 6, 1, 50)), 1);
    CHECK_EQ(cenv_run(env, 3, pkt, make_pkt(pkt, 0x0a000001, 6, 1, 50)), 0);
    CHECK_EQ(cell_read(env, OVSP4_ENT_METER, TP_METER, 3, 0), OVSP4_OK);
    CHECK_EQ(wire_u32(&env->body), 1);
    wire_u32(&env->body);
    wire_u32(&env->body);
    CHECK_EQ(wire_u8(&env->body), 1);
    CHECK_EQ(wire_u64(&env->body), 1);
    CHECK_EQ(cell_write(env, OVSP4_ENT_METER, TP_METER, 3, 0, 0), OVSP4_OK);
    CHECK_EQ(cenv_run(env, 3, pkt, make_pkt(pkt, 0x0a000001, 6, 1, 50)), 1);
    CHECK_EQ(cell_write(env, OVSP4_ENT_METER, TP_METER, OVSP4_INDEX_ALL, 5,
                        5), OVSP4_OK);
    CHECK_EQ(cell_read(env, OVSP4_ENT_METER, TP_METER, OVSP4_INDEX_ALL, 0),
             OVSP4_OK);
    CHECK_EQ(wire_u32(&env->body), 8);
    CHECK_EQ(cell_write(env, OVSP4_ENT_METER, TP_DMETER_ACL, 0, 5, 5),
             OVSP4_E_INVALID);
    cenv_destroy(env);
}

static uint32_t
pre_write(struct cenv *env, uint8_t entity, uint8_t op, uint32_t id,
          uint32_t trunc, const uint32_t *ports, uint32_t n)
{
    struct wire_writer *w = wbegin(&env->msg, 1);

    wire_put_u8(w, op);
    wire_put_u8(w, entity);
    wire_put_u32(w, id);
    if (entity == OVSP4_ENT_CLONE_SESSION) {
        wire_put_u32(w, 3);
        wire_put_u32(w, trunc);
    }
    wire_put_u32(w, n);
    for (uint32_t i = 0; i < n; i++) {
        wire_put_u32(w, ports[i]);
        wire_put_u32(w, i + 100);
    }
    return cenv_write1(env, &env->msg);
}

static void
test_control_pre(void)
{
    struct cenv *env = cenv_create(TP_CPU_PORT);
    static const uint32_t ports[] = { 4, 5, 6 };
    uint8_t pkt[128];

    CHECK_EQ(lpm_write(env, OVSP4_OP_INSERT, 0xe0000000, 8, TP_ACT_MCAST,
                       7), OVSP4_OK);
    CHECK_EQ(cenv_run(env, 1, pkt, make_pkt(pkt, 0xe0000001, 1, 1, 90)), 0);
    CHECK_EQ(pre_write(env, OVSP4_ENT_MCAST_GROUP, OVSP4_OP_INSERT, 7, 0,
                       ports, 3), OVSP4_OK);
    CHECK_EQ(pre_write(env, OVSP4_ENT_MCAST_GROUP, OVSP4_OP_INSERT, 7, 0,
                       ports, 3), OVSP4_E_EXISTS);
    CHECK_EQ(pre_write(env, OVSP4_ENT_MCAST_GROUP, OVSP4_OP_INSERT, 0, 0,
                       ports, 3), OVSP4_E_INVALID);
    CHECK_EQ(cenv_run(env, 1, pkt, make_pkt(pkt, 0xe0000001, 1, 1, 90)), 3);
    for (uint32_t i = 0; i < env->n_out && i < 3; i++) {
        CHECK_EQ(env->out[i].port, ports[i]);
        CHECK_EQ(env->out[i].len, 90);
        CHECK_EQ(env->out[i].in_place, 0);
        CHECK(env->out[i].data[4] == 1 && env->out[i].data[89] == 89);
    }
    CHECK_EQ(pre_write(env, OVSP4_ENT_MCAST_GROUP, OVSP4_OP_MODIFY, 7, 0,
                       ports + 2, 1), OVSP4_OK);
    CHECK_EQ(cenv_run(env, 1, pkt, make_pkt(pkt, 0xe0000001, 1, 1, 90)), 1);
    CHECK_EQ(pre_write(env, OVSP4_ENT_MCAST_GROUP, OVSP4_OP_INSERT, 9, 0,
                       ports, 2), OVSP4_OK);
    /* Read all, read one. */
    CHECK_EQ(cell_read(env, OVSP4_ENT_MCAST_GROUP, 0, 0, 0), OVSP4_OK);
    CHECK_EQ(wire_u32(&env->body), 2);
    CHECK_EQ(wire_u32(&env->body), 7);
    CHECK_EQ(wire_u32(&env->body), 1);
    CHECK_EQ(wire_u32(&env->body), 6);
    CHECK_EQ(wire_u32(&env->body), 100);
    CHECK_EQ(wire_u32(&env->body), 9);
    CHECK_EQ(cell_read(env, OVSP4_ENT_MCAST_GROUP, 0, 0, 1), OVSP4_OK);
    CHECK_EQ(wire_u32(&env->body), 1);
    CHECK_EQ(cell_read(env, OVSP4_ENT_MCAST_GROUP, 9, 0, 0), OVSP4_OK);
    CHECK_EQ(wire_u32(&env->body), 1);
    CHECK_EQ(wire_u32(&env->body), 9);
    CHECK_EQ(wire_u32(&env->body), 2);
    CHECK_EQ(pre_write(env, OVSP4_ENT_MCAST_GROUP, OVSP4_OP_DELETE, 7, 0,
                       NULL, 0), OVSP4_OK);
    CHECK_EQ(pre_write(env, OVSP4_ENT_MCAST_GROUP, OVSP4_OP_DELETE, 7, 0,
                       NULL, 0), OVSP4_E_NOT_FOUND);
    CHECK_EQ(cell_read(env, OVSP4_ENT_MCAST_GROUP, 7, 0, 0),
             OVSP4_E_NOT_FOUND);
    CHECK_EQ(cenv_run(env, 1, pkt, make_pkt(pkt, 0xe0000001, 1, 1, 90)), 0);

    /* Clone sessions with truncation. */
    CHECK_EQ(lpm_write(env, OVSP4_OP_INSERT, 0x0a000000, 8, TP_ACT_CLONE,
                       33), OVSP4_OK);
    CHECK_EQ(cenv_run(env, 1, pkt, make_pkt(pkt, 0x0a000001, 1, 1, 90)), 1);
    CHECK_EQ(pre_write(env, OVSP4_ENT_CLONE_SESSION, OVSP4_OP_INSERT, 33, 20,
                       ports, 2), OVSP4_OK);
    CHECK_EQ(cenv_run(env, 1, pkt, make_pkt(pkt, 0x0a000001, 1, 1, 90)), 3);
    CHECK_EQ(env->out[0].len, 20);
    CHECK_EQ(env->out[1].port, 5);
    CHECK_EQ(env->out[2].port, 1);
    CHECK_EQ(env->out[2].len, 90);
    CHECK_EQ(cell_read(env, OVSP4_ENT_CLONE_SESSION, 33, 0, 0), OVSP4_OK);
    CHECK_EQ(wire_u32(&env->body), 1);
    CHECK_EQ(wire_u32(&env->body), 33);
    CHECK_EQ(wire_u32(&env->body), 3);
    CHECK_EQ(wire_u32(&env->body), 20);
    CHECK_EQ(wire_u32(&env->body), 2);
    CHECK_EQ(pre_write(env, OVSP4_ENT_CLONE_SESSION, OVSP4_OP_MODIFY, 34, 20,
                       ports, 2), OVSP4_E_NOT_FOUND);
    CHECK_EQ(pre_write(env, OVSP4_ENT_CLONE_SESSION, OVSP4_OP_DELETE, 33, 0,
                       NULL, 0), OVSP4_OK);
    cenv_destroy(env);
}

static uint32_t
vs_write(struct cenv *env, const uint16_t *values, uint32_t n)
{
    struct wire_writer *w = wbegin(&env->msg, 1);

    wire_put_u8(w, OVSP4_OP_MODIFY);
    wire_put_u8(w, OVSP4_ENT_VALUE_SET);
    wire_put_u32(w, TP_VS);
    wire_put_u32(w, n);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t v[2] = { values[i] >> 8, values[i] };

        wire_put_u16(w, 1);
        put_fm(w, 1, OVSP4_MATCH_EXACT, v, 2, NULL, 0, 0);
    }
    return cenv_write1(env, &env->msg);
}

static uint32_t
digest_cfg(struct cenv *env, uint8_t op, uint64_t max_timeout,
           uint32_t max_list, uint64_t ack_timeout)
{
    struct wire_writer *w = wbegin(&env->msg, 1);

    wire_put_u8(w, op);
    wire_put_u8(w, OVSP4_ENT_DIGEST_CONFIG);
    wire_put_u32(w, TP_DIGEST);
    wire_put_u64(w, max_timeout);
    wire_put_u32(w, max_list);
    wire_put_u64(w, ack_timeout);
    return cenv_write1(env, &env->msg);
}

static uint32_t
count_events(struct cenv *env, uint16_t type)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < env->n_events; i++) {
        n += reply_type(env->events[i]) == type;
    }
    return n;
}

static void
test_control_events(void)
{
    struct cenv *env = cenv_create(TP_CPU_PORT);
    static const uint16_t vals[] = { 1234, 80, 1, 2, 3 };
    uint8_t pkt[128];
    struct wire_reader r;
    uint64_t list_id = 0;
    uint32_t len;
    const uint8_t *p;

    CHECK_EQ(vs_write(env, vals, 2), OVSP4_OK);
    CHECK_EQ(vs_write(env, vals, 5), OVSP4_E_FULL);
    CHECK_EQ(cell_read(env, OVSP4_ENT_VALUE_SET, TP_VS, 0, 0), OVSP4_OK);
    CHECK_EQ(wire_u32(&env->body), 1);
    CHECK_EQ(wire_u32(&env->body), TP_VS);
    CHECK_EQ(wire_u32(&env->body), 2);

    /* Digests are dropped until configured; packet-ins are queued. */
    cenv_run(env, 3, pkt, make_pkt(pkt, 0x01020304, 1, 80, 30));
    CHECK_EQ(cenv_poll(env), 1);
    CHECK_EQ(count_events(env, OVSP4_MSG_PACKET_IN), 1);
    wire_reader_init(&r, env->events[0] + 16, env->event_len[0] - 16);
    CHECK_EQ(wire_u32(&r), 3);                  /* in_port */
    CHECK_EQ(wire_u16(&r), 2);
    CHECK_EQ(wire_u32(&r), 1);
    p = wire_bytes(&r, &len);
    CHECK(p && len == 2 && p[0] == 0 && p[1] == 3);     /* ingress_port */
    CHECK_EQ(wire_u32(&r), 2);
    p = wire_bytes(&r, &len);
    CHECK(p && len == 1 && p[0] == 1);                  /* reason */
    p = wire_bytes(&r, &len);
    CHECK(p && len == 30 && p[0] == 1 && p[3] == 4);
    CHECK(!r.err && !wire_left(&r));
    cenv_clear_events(env);

    CHECK_EQ(digest_cfg(env, OVSP4_OP_MODIFY, 0, 2, 0), OVSP4_E_NOT_FOUND);
    CHECK_EQ(digest_cfg(env, OVSP4_OP_INSERT, 1000000000000ULL, 2,
                        1000000000000ULL), OVSP4_OK);
    CHECK_EQ(digest_cfg(env, OVSP4_OP_INSERT, 0, 2, 0), OVSP4_E_EXISTS);
    /* Two identical digests and a third: one list of two (dedup). */
    cenv_run(env, 3, pkt, make_pkt(pkt, 0x01020304, 1, 80, 30));
    cenv_run(env, 3, pkt, make_pkt(pkt, 0x01020304, 1, 80, 30));
    cenv_run(env, 4, pkt, make_pkt(pkt, 0x01020304, 1, 1234, 30));
    cenv_poll(env);
    CHECK_EQ(count_events(env, OVSP4_MSG_PACKET_IN), 3);
    CHECK_EQ(count_events(env, OVSP4_MSG_DIGEST_LIST), 1);
    for (uint32_t i = 0; i < env->n_events; i++) {
        if (reply_type(env->events[i]) == OVSP4_MSG_DIGEST_LIST) {
            wire_reader_init(&r, env->events[i] + 16,
                             env->event_len[i] - 16);
            CHECK_EQ(wire_u32(&r), TP_DIGEST);
            list_id = wire_u64(&r);
            wire_u64(&r);
            CHECK_EQ(wire_u32(&r), 2);
            p = wire_bytes(&r, &len);
            CHECK(p && len == 6 && p[3] == 4 && p[5] == 3);
            p = wire_bytes(&r, &len);
            CHECK(p && len == 6 && p[5] == 4);
            CHECK(!r.err && !wire_left(&r));
        }
    }
    cenv_clear_events(env);
    /* Unacknowledged: suppressed; acknowledged: delivered again. */
    cenv_run(env, 3, pkt, make_pkt(pkt, 0x01020304, 1, 80, 30));
    cenv_poll(env);
    CHECK_EQ(count_events(env, OVSP4_MSG_DIGEST_LIST), 0);
    cenv_clear_events(env);
    {
        struct wire_writer *w = tmsg_begin(&env->msg, OVSP4_MSG_DIGEST_ACK);

        wire_put_u32(w, TP_DIGEST);
        wire_put_u64(w, list_id);
        CHECK_EQ(cenv_send(env, &env->msg), OVSP4_OK);
        CHECK_EQ(cenv_send(env, &env->msg), OVSP4_E_NOT_FOUND);
    }
    cenv_run(env, 3, pkt, make_pkt(pkt, 0x01020304, 1, 80, 30));
    cenv_run(env, 5, pkt, make_pkt(pkt, 0x01020304, 1, 80, 30));
    cenv_poll(env);
    CHECK_EQ(count_events(env, OVSP4_MSG_DIGEST_LIST), 1);
    cenv_clear_events(env);
    CHECK_EQ(cell_read(env, OVSP4_ENT_DIGEST_CONFIG, 0, 0, 0), OVSP4_OK);
    CHECK_EQ(wire_u32(&env->body), 1);
    CHECK_EQ(wire_u32(&env->body), TP_DIGEST);
    CHECK(wire_u64(&env->body) == 1000000000000ULL);
    CHECK_EQ(wire_u32(&env->body), 2);
    CHECK_EQ(digest_cfg(env, OVSP4_OP_DELETE, 0, 0, 0), OVSP4_OK);
    CHECK_EQ(cell_read(env, OVSP4_ENT_DIGEST_CONFIG, TP_DIGEST, 0, 0),
             OVSP4_E_NOT_FOUND);

    /* Logs. */
    {
        uint8_t big[16];

        make_pkt(big, 0x0b000000, 1, 1, 16);
        big[7] = 0xee;
        cenv_run(env, 1, big, 16);
        cenv_poll(env);
        CHECK_EQ(count_events(env, OVSP4_MSG_LOG), 1);
        cenv_clear_events(env);
    }

    /* A full ring drops and counts. */
    {
        uint32_t n_in = 0;
        uint8_t big[1500];

        make_pkt(big, 0x01020304, 1, 80, sizeof big);
        for (int i = 0; i < 1000; i++) {
            cenv_run(env, 3, big, sizeof big);
        }
        while (cenv_poll(env)) {
            n_in = env->n_events;
        }
        CHECK(n_in > 100 && n_in < 1000);
        cenv_clear_events(env);
        struct wire_writer *w = tmsg_begin(&env->msg, OVSP4_MSG_GET_STATS);
        (void) w;
        CHECK_EQ(cenv_send(env, &env->msg), OVSP4_OK);
        uint16_t n = wire_u16(&env->body);
        uint64_t drops = 0, threads = 0;
        for (uint16_t i = 0; i < n; i++) {
            uint16_t k = wire_u16(&env->body);
            uint64_t v = wire_u64(&env->body);

            if (k == OVSP4_STAT_PACKET_IN_DROPS) {
                drops = v;
            } else if (k == OVSP4_STAT_THREADS) {
                threads = v;
            }
        }
        CHECK(drops == 1000 - n_in);
        CHECK_EQ(threads, 1);
    }
    cenv_destroy(env);
}

static uint32_t
member_write(struct cenv *env, uint8_t op, uint32_t member, uint16_t port)
{
    struct wire_writer *w = wbegin(&env->msg, 1);
    uint8_t p[2] = { port >> 8, port };

    wire_put_u8(w, op);
    wire_put_u8(w, OVSP4_ENT_AP_MEMBER);
    wire_put_u32(w, TP_AP_SEL);
    wire_put_u32(w, member);
    put_action_direct(w, TP_ACT_FWD, 1);
    put_param(w, 1, p, 2);
    return cenv_write1(env, &env->msg);
}

static uint32_t
group_write(struct cenv *env, uint8_t op, uint32_t group,
            const uint32_t *members, const uint32_t *weights, uint32_t n)
{
    struct wire_writer *w = wbegin(&env->msg, 1);

    wire_put_u8(w, op);
    wire_put_u8(w, OVSP4_ENT_AP_GROUP);
    wire_put_u32(w, TP_AP_SEL);
    wire_put_u32(w, group);
    wire_put_u32(w, 0);
    wire_put_u32(w, n);
    for (uint32_t i = 0; i < n; i++) {
        wire_put_u32(w, members[i]);
        wire_put_u32(w, weights ? weights[i] : 1);
    }
    return cenv_write1(env, &env->msg);
}

static uint32_t
ecmp_write(struct cenv *env, uint8_t op, uint32_t dst, uint8_t kind,
           uint32_t id)
{
    struct wire_writer *w = wbegin(&env->msg, 1);
    uint8_t v[4] = { dst >> 24, dst >> 16, dst >> 8, dst };

    wire_put_u8(w, op);
    wire_put_u8(w, OVSP4_ENT_TABLE_ENTRY);
    put_entry_head(w, TP_TBL_ECMP, 0, 0, 1);
    put_fm(w, 1, OVSP4_MATCH_EXACT, v, 4, NULL, 0, 0);
    if (kind == OVSP4_ACT_DIRECT) {
        uint8_t p[2] = { 0, 1 };

        put_action_direct(w, TP_ACT_FWD, 1);
        put_param(w, 1, p, 2);
    } else {
        wire_put_u8(w, kind);
        wire_put_u32(w, id);
    }
    put_entry_tail(w, 0, 0);
    return cenv_write1(env, &env->msg);
}

/* Destinations whose crc16 vary in their low bits (consecutive ones do
 * not: a CRC is linear). */
#define ECMP_DST(I) (0x0b000000u ^ (((I) * 2654435761u) & 0x00ffffffu))

static void
test_control_action_profiles(void)
{
    struct cenv *env = cenv_create(TP_CPU_PORT);
    static const uint32_t members[] = { 3, 1, 2 }, weights[] = { 1, 1, 2 };
    uint32_t hist[16];
    uint8_t pkt[64];

    for (uint32_t m = 1; m <= 3; m++) {
        CHECK_EQ(member_write(env, OVSP4_OP_INSERT, m, (uint16_t) (10 + m)),
                 OVSP4_OK);
    }
    CHECK_EQ(member_write(env, OVSP4_OP_INSERT, 1, 11), OVSP4_E_EXISTS);
    CHECK_EQ(member_write(env, OVSP4_OP_MODIFY, 9, 11), OVSP4_E_NOT_FOUND);
    CHECK_EQ(group_write(env, OVSP4_OP_INSERT, 100, members, NULL, 3),
             OVSP4_OK);
    CHECK_EQ(group_write(env, OVSP4_OP_INSERT, 101, (const uint32_t[]) { 7 },
                         NULL, 1), OVSP4_E_NOT_FOUND);
    CHECK_EQ(group_write(env, OVSP4_OP_INSERT, 101,
                         (const uint32_t[]) { 1, 1 }, NULL, 2),
             OVSP4_E_INVALID);
    CHECK_EQ(group_write(env, OVSP4_OP_INSERT, 102,
                         (const uint32_t[]) { 1, 2, 3, 1, 2, 3, 1, 2, 3 },
                         NULL, 9), OVSP4_E_FULL);

    /* Direct actions are refused in an indirect table. */
    CHECK_EQ(ecmp_write(env, OVSP4_OP_INSERT, 0x0a0a0a0a, OVSP4_ACT_DIRECT,
                        0), OVSP4_E_INVALID);
    CHECK_EQ(ecmp_write(env, OVSP4_OP_INSERT, 0x0a0a0a0a, OVSP4_ACT_MEMBER,
                        2), OVSP4_OK);
    CHECK_EQ(ecmp_write(env, OVSP4_OP_INSERT, 0x0a0a0a0b, OVSP4_ACT_MEMBER,
                        77), OVSP4_E_NOT_FOUND);
    CHECK_EQ(cenv_run(env, 1, pkt, make_pkt(pkt, 0x0a0a0a0a, 1, 1, 40)), 1);
    CHECK_EQ(env->out[0].port, 12);
    CHECK_EQ(member_write(env, OVSP4_OP_MODIFY, 2, 22), OVSP4_OK);
    CHECK_EQ(cenv_run(env, 1, pkt, make_pkt(pkt, 0x0a0a0a0a, 1, 1, 40)), 1);
    CHECK_EQ(env->out[0].port, 22);
    CHECK_EQ(member_write(env, OVSP4_OP_DELETE, 2, 0), OVSP4_E_IN_USE);

    /* A group: the member follows crc16(dst) % 3 over members sorted by
     * id. */
    for (uint32_t i = 0; i < 64; i++) {
        uint32_t dst = ECMP_DST(i), want;
        uint8_t key[4] = { dst >> 24, dst >> 16, dst >> 8, dst };

        CHECK_EQ(ecmp_write(env, OVSP4_OP_INSERT, dst, OVSP4_ACT_GROUP, 100),
                 OVSP4_OK);
        want = (uint32_t) (ovsp4_hash(OVSP4_HASH_CRC16, key, 32) % 3);
        CHECK_EQ(cenv_run(env, 1, pkt, make_pkt(pkt, dst, 1, 1, 40)), 1);
        CHECK_EQ(env->out[0].port, want == 0 ? 11 : want == 1 ? 22 : 13);
    }
    CHECK_EQ(group_write(env, OVSP4_OP_DELETE, 100, NULL, NULL, 0),
             OVSP4_E_IN_USE);
    /* Weights. */
    CHECK_EQ(group_write(env, OVSP4_OP_MODIFY, 100, members, weights, 3),
             OVSP4_OK);
    memset(hist, 0, sizeof hist);
    for (uint32_t i = 0; i < 64; i++) {
        CHECK_EQ(cenv_run(env, 1, pkt, make_pkt(pkt, ECMP_DST(i), 1, 1,
                                                40)), 1);
        hist[env->out[0].port % 16]++;
    }
    CHECK(hist[22 % 16] > hist[11 % 16] && hist[22 % 16] > hist[13 % 16]);
    CHECK(hist[11 % 16] > 0 && hist[13 % 16] > 0);
    /* Read members and groups. */
    CHECK_EQ(cell_read(env, OVSP4_ENT_AP_MEMBER, TP_AP_SEL, OVSP4_INDEX_ALL,
                       0), OVSP4_OK);
    CHECK_EQ(wire_u32(&env->body), 3);
    CHECK_EQ(wire_u32(&env->body), TP_AP_SEL);
    CHECK_EQ(wire_u32(&env->body), 1);
    CHECK_EQ(cell_read(env, OVSP4_ENT_AP_GROUP, 0, OVSP4_INDEX_ALL, 0),
             OVSP4_OK);
    CHECK_EQ(wire_u32(&env->body), 1);
    wire_u32(&env->body);
    CHECK_EQ(wire_u32(&env->body), 100);
    CHECK_EQ(wire_u32(&env->body), 8);  /* max_group_size */
    CHECK_EQ(wire_u32(&env->body), 3);
    CHECK_EQ(wire_u32(&env->body), 1);          /* sorted by member id */
    CHECK_EQ(cell_read(env, OVSP4_ENT_AP_GROUP, TP_AP_SEL, 55, 0),
             OVSP4_E_NOT_FOUND);
    /* Entries show their references. */
    {
        static struct dec_entry es[80];
        uint32_t n = read_all_entries(env, TP_TBL_ECMP, 0, es, 80);

        CHECK_EQ(n, 65);
        CHECK_EQ(es[0].action_kind, OVSP4_ACT_MEMBER);
        CHECK_EQ(es[0].action_id, 2);
        CHECK_EQ(es[1].action_kind, OVSP4_ACT_GROUP);
        CHECK_EQ(es[1].action_id, 100);
    }
    /* An empty group resolves to nothing: a miss. */
    CHECK_EQ(group_write(env, OVSP4_OP_MODIFY, 100, NULL, NULL, 0), OVSP4_OK);
    CHECK_EQ(cenv_run(env, 1, pkt, make_pkt(pkt, ECMP_DST(1), 1, 1, 40)), 0);
    /* Clearing the table drops the references: everything deletable. */
    {
        clear_table(env, TP_TBL_ECMP);
    }
    CHECK_EQ(group_write(env, OVSP4_OP_DELETE, 100, NULL, NULL, 0), OVSP4_OK);
    for (uint32_t m = 1; m <= 3; m++) {
        CHECK_EQ(member_write(env, OVSP4_OP_DELETE, m, 0), OVSP4_OK);
    }
    cenv_destroy(env);
}

static void
test_control_packet_out(void)
{
    struct cenv *env = cenv_create(TP_CPU_PORT);
    struct wire_writer *w;
    uint8_t payload[100], v[2] = { 0, 9 };
    const uint8_t *p;
    uint32_t len;

    for (int i = 0; i < 100; i++) {
        payload[i] = (uint8_t) (i * 3);
    }
    w = tmsg_begin(&env->msg, OVSP4_MSG_PACKET_OUT);
    wire_put_u16(w, 1);
    wire_put_u32(w, 1);
    wire_put_bytes(w, v, 2);
    wire_put_bytes(w, payload, 100);
    CHECK_EQ(cenv_send(env, &env->msg), OVSP4_OK);
    CHECK_EQ(wire_u32(&env->body), 1);
    CHECK_EQ(wire_u32(&env->body), 9);
    p = wire_bytes(&env->body, &len);
    CHECK(p && len == 100 && !memcmp(p, payload, 100));
    CHECK_EQ(wire_u32(&env->body), 0);
    CHECK(!env->body.err && !wire_left(&env->body));

    /* Port 510 (the CPU port): back as a packet-in. */
    v[0] = 510 >> 8;
    v[1] = 510 & 0xff;
    w = tmsg_begin(&env->msg, OVSP4_MSG_PACKET_OUT);
    wire_put_u16(w, 1);
    wire_put_u32(w, 1);
    wire_put_bytes(w, v, 2);
    wire_put_bytes(w, payload, 10);
    CHECK_EQ(cenv_send(env, &env->msg), OVSP4_OK);
    CHECK_EQ(wire_u32(&env->body), 0);
    cenv_poll(env);
    CHECK_EQ(count_events(env, OVSP4_MSG_PACKET_IN), 1);
    cenv_clear_events(env);

    /* A buffer too small for the counts: 0, and the packet did not run. */
    w = tmsg_begin(&env->msg, OVSP4_MSG_PACKET_OUT);
    wire_put_u16(w, 1);
    wire_put_u32(w, 1);
    wire_put_bytes(w, v, 2);
    wire_put_bytes(w, payload, 10);
    CHECK_EQ(env->def->control(env->inst, env->msg.buf,
                               tmsg_end(&env->msg, 9), env->reply, 20), 0);
    cenv_poll(env);
    CHECK_EQ(count_events(env, OVSP4_MSG_PACKET_IN), 0);
    /* One that holds the counts but not the packet: dropped, counted. */
    v[1] = 9;
    v[0] = 0;
    w = tmsg_begin(&env->msg, OVSP4_MSG_PACKET_OUT);
    wire_put_u16(w, 1);
    wire_put_u32(w, 1);
    wire_put_bytes(w, v, 2);
    wire_put_bytes(w, payload, 10);
    CHECK_EQ(env->def->control(env->inst, env->msg.buf,
                               tmsg_end(&env->msg, 9), env->reply, 30), 24);
    CHECK_EQ(env->reply[16], 0);                /* n */
    CHECK_EQ(env->reply[20], 1);                /* n_dropped */

    /* Errors: unknown metadata, too wide, no CPU port. */
    w = tmsg_begin(&env->msg, OVSP4_MSG_PACKET_OUT);
    wire_put_u16(w, 1);
    wire_put_u32(w, 7);
    wire_put_bytes(w, v, 2);
    wire_put_bytes(w, payload, 10);
    CHECK_EQ(cenv_send(env, &env->msg), OVSP4_E_INVALID);
    v[0] = 2;
    w = tmsg_begin(&env->msg, OVSP4_MSG_PACKET_OUT);
    wire_put_u16(w, 1);
    wire_put_u32(w, 1);
    wire_put_bytes(w, v, 2);
    wire_put_bytes(w, payload, 10);
    CHECK_EQ(cenv_send(env, &env->msg), OVSP4_E_INVALID);
    cenv_destroy(env);

    env = cenv_create(0);
    w = tmsg_begin(&env->msg, OVSP4_MSG_PACKET_OUT);
    wire_put_u16(w, 0);
    wire_put_bytes(w, payload, 10);
    CHECK_EQ(cenv_send(env, &env->msg), OVSP4_E_UNSUPPORTED);
    cenv_destroy(env);
}

static void
test_control_batches(void)
{
    struct cenv *env = cenv_create(TP_CPU_PORT);
    static struct dec_entry entries[8];
    struct wire_writer *w = wbegin(&env->msg, 4);
    size_t len;

    put_lpm_update(w, OVSP4_OP_INSERT, 0x01000000, 8, TP_ACT_FWD, 1);
    put_lpm_update(w, OVSP4_OP_INSERT, 0x01000000, 8, TP_ACT_FWD, 2);
    put_lpm_update(w, OVSP4_OP_DELETE, 0x02000000, 8, 0, 0);
    put_lpm_update(w, OVSP4_OP_INSERT, 0x03000000, 8, TP_ACT_DROP, 0);
    CHECK_EQ(cenv_send(env, &env->msg), OVSP4_E_EXISTS);
    CHECK_EQ(wire_u32(&env->body), 4);
    CHECK_EQ(wire_u8(&env->body), OVSP4_OK);
    CHECK_EQ(wire_u8(&env->body), OVSP4_E_EXISTS);
    CHECK_EQ(wire_u8(&env->body), OVSP4_E_NOT_FOUND);
    CHECK_EQ(wire_u8(&env->body), OVSP4_OK);
    CHECK_EQ(read_all_entries(env, TP_TBL_LPM, 0, entries, 8), 2);

    /* A truncated batch is rejected whole. */
    w = wbegin(&env->msg, 2);
    put_lpm_update(w, OVSP4_OP_INSERT, 0x04000000, 8, TP_ACT_FWD, 1);
    put_lpm_update(w, OVSP4_OP_INSERT, 0x05000000, 8, TP_ACT_FWD, 1);
    env->msg.w.len -= 3;
    CHECK_EQ(cenv_send(env, &env->msg), OVSP4_E_INVALID);
    CHECK_EQ(env->rlen, 16);
    CHECK_EQ(read_all_entries(env, TP_TBL_LPM, 0, entries, 8), 2);
    /* So is one with an unknown entity, or too many updates. */
    w = wbegin(&env->msg, 2);
    put_lpm_update(w, OVSP4_OP_INSERT, 0x04000000, 8, TP_ACT_FWD, 1);
    wire_put_u8(w, OVSP4_OP_INSERT);
    wire_put_u8(w, 99);
    CHECK_EQ(cenv_send(env, &env->msg), OVSP4_E_INVALID);
    CHECK_EQ(read_all_entries(env, TP_TBL_LPM, 0, entries, 8), 2);
    w = wbegin(&env->msg, OVSP4_MAX_UPDATES + 1);
    CHECK_EQ(cenv_send(env, &env->msg), OVSP4_E_INVALID);
    /* Statuses that do not fit. */
    w = wbegin(&env->msg, 1);
    put_lpm_update(w, OVSP4_OP_INSERT, 0x06000000, 8, TP_ACT_FWD, 1);
    len = tmsg_end(&env->msg, 3);
    CHECK_EQ(env->def->control(env->inst, env->msg.buf, len, env->reply, 18),
             0);
    /* ... and nothing was applied: it fits now. */
    CHECK_EQ(env->def->control(env->inst, env->msg.buf, len, env->reply, 64),
             21);
    CHECK_EQ(reply_status(env->reply), OVSP4_OK);
    cenv_destroy(env);
}

/* Several packet threads forward while the control thread rewrites the
 * tables, groups and meters (run under TSan: no data races). */
struct fwd_thread {
    struct cenv *env;
    struct ovsp4_thread *thr;
    _Atomic bool *stop;
    uint64_t n_out;
};

static void *
fwd_main(void *f_)
{
    struct fwd_thread *f = f_;
    const struct ovsp4_pipeline_def *def = f->env->def;
    static __thread uint8_t bufs[32][256];
    struct ovsp4_packet pkts[32];
    struct ovsp4_output out[256];
    uint64_t now = 1;

    while (!atomic_load(f->stop)) {
        for (int i = 0; i < 32; i++) {
            make_pkt(bufs[i] + 64, (i & 1 ? 0xe0000001 : 0x0a000000) + i,
                     (uint8_t) i, (uint16_t) (i * 7), 80);
            pkts[i] = (struct ovsp4_packet) { bufs[i] + 64, 80, 64,
                                              (uint32_t) i, 0 };
        }
        f->n_out += def->process_batch(f->thr, pkts, 32, out, 256,
                                       now += 1000);
    }
    return NULL;
}

static void
test_control_concurrent(void)
{
    struct cenv *env = cenv_create(TP_CPU_PORT);
    struct fwd_thread f[2];
    pthread_t th[2];
    _Atomic bool stop = false;
    static const uint32_t ports[] = { 1, 2, 3, 4 };
    uint64_t deadline = test_now_ns() + (uint64_t) test_stress_ms() * 500000;
    struct rt_meter_config mc = { 10000, 100, 20000, 200 };

    /* Packet-ins and digests flow too (l4ports 21 and 35). */
    CHECK_EQ(vs_write(env, (const uint16_t[]) { 21, 35 }, 2), OVSP4_OK);
    CHECK_EQ(digest_cfg(env, OVSP4_OP_INSERT, 0, 4, 1000), OVSP4_OK);
    for (int i = 0; i < 2; i++) {
        f[i] = (struct fwd_thread) { env, env->def->thread_create(env->inst),
                                     &stop, 0 };
        pthread_create(&th[i], NULL, fwd_main, &f[i]);
    }
    for (uint32_t round = 0; test_now_ns() < deadline || round < 20;
         round++) {
        uint32_t n = 1 + round % 4;

        lpm_write(env, OVSP4_OP_INSERT, 0x0a000000, 8, TP_ACT_FWD, round);
        pre_write(env, OVSP4_ENT_MCAST_GROUP, round & 1 ? OVSP4_OP_MODIFY
                  : OVSP4_OP_INSERT, 5, 0, ports, n);
        lpm_write(env, OVSP4_OP_INSERT, 0xe0000000, 8, TP_ACT_MCAST, 5);
        acl_write(env, OVSP4_OP_INSERT, (uint8_t) (round & 0x1f), 0xff, 0,
                  1000, 1 + (int32_t) (round % 7), TP_ACT_NOACTION, 0, &mc);
        cell_write(env, OVSP4_ENT_METER, TP_METER, round % 8, 1000, 10);
        cell_write(env, OVSP4_ENT_COUNTER, TP_CNT, OVSP4_INDEX_ALL, 0, 0);
        cenv_poll(env);
        cenv_clear_events(env);
        lpm_write(env, OVSP4_OP_DELETE, 0x0a000000, 8, 0, 0);
        if (round & 1) {
            pre_write(env, OVSP4_ENT_MCAST_GROUP, OVSP4_OP_DELETE, 5, 0,
                      NULL, 0);
        }
        acl_write(env, OVSP4_OP_DELETE, (uint8_t) (round & 0x1f), 0xff, 0,
                  1000, 1 + (int32_t) (round % 7), 0, 0, NULL);
    }
    atomic_store(&stop, true);
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        CHECK(f[i].n_out > 0);
        env->def->thread_destroy(f[i].thr);
    }
    cenv_destroy(env);
}

const struct ovsp4_test control_tests[] = {
    { "control-info-and-errors", test_control_info_and_errors },
    { "control-table-entries", test_control_table_entries },
    { "control-defaults-and-const", test_control_defaults_and_const },
    { "control-direct-resources", test_control_direct_resources },
    { "control-cells", test_control_cells },
    { "control-pre", test_control_pre },
    { "control-events", test_control_events },
    { "control-action-profiles", test_control_action_profiles },
    { "control-packet-out", test_control_packet_out },
    { "control-batches", test_control_batches },
    { "control-concurrent", test_control_concurrent },
    { NULL, NULL },
};
