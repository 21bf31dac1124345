/*
 * OvS.p4 runtime tests: helpers shared by the control-protocol tests.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#ifndef OVSP4_TEST_CONTROL_H
#define OVSP4_TEST_CONTROL_H 1

#include "test-control-prog.h"

#define CENV_MAX_EVENTS 4096
#define CENV_MAX_OUT 256

/* One instance of the test program with one packet thread. */
struct cenv {
    const struct ovsp4_pipeline_def *def;
    struct ovsp4_instance *inst;
    struct ovsp4_thread *thr;
    uint64_t now;
    uint32_t xid;
    struct tmsg msg;
    uint8_t reply[1 << 20];
    size_t rlen;
    struct wire_reader body;            /* the last reply's body */
    struct ovsp4_output out[CENV_MAX_OUT];
    uint32_t n_out;
    uint8_t *events[CENV_MAX_EVENTS];
    size_t event_len[CENV_MAX_EVENTS];
    uint32_t n_events;
};

struct dec_entry {
    uint32_t table_id;
    uint8_t flags;
    int32_t priority;
    uint16_t n_matches;
    uint32_t fm_id[4];
    uint8_t fm_kind[4];
    uint8_t fm_value[4][8];
    uint32_t fm_len[4];
    uint8_t fm_second[4][8];
    uint16_t fm_plen[4];
    uint8_t action_kind;
    uint32_t action_id;
    uint16_t n_params;
    uint64_t param0;                    /* all params, concatenated */
    uint64_t idle_timeout_ns, cookie;
    uint64_t cir, pir;
    uint64_t packets, bytes;
    uint64_t last_hit, elapsed;
};

struct cenv *cenv_create(uint32_t cpu_port);
void cenv_destroy(struct cenv *);
void cenv_clear_events(struct cenv *);
uint32_t cenv_send(struct cenv *, struct tmsg *);
uint32_t cenv_write1(struct cenv *, struct tmsg *);
uint32_t cenv_run(struct cenv *, uint32_t in_port, const uint8_t *data,
                  uint32_t len);
uint32_t cenv_poll(struct cenv *);
struct wire_writer *wbegin(struct tmsg *, uint32_t n_updates);
struct wire_writer *rbegin(struct tmsg *, uint8_t entity, uint32_t id,
                           uint32_t index);
void rend(struct wire_writer *, uint64_t ca, uint64_t cb, uint32_t max);
uint32_t make_pkt(uint8_t *p, uint32_t dst, uint8_t proto, uint16_t l4port,
                  uint32_t len);
void put_lpm_update(struct wire_writer *, uint8_t op, uint32_t dst,
                    uint16_t plen, uint32_t action, uint32_t param);
uint32_t lpm_write(struct cenv *, uint8_t op, uint32_t dst, uint16_t plen,
                   uint32_t action, uint32_t param);
void decode_entry(struct wire_reader *, struct dec_entry *);

#endif /* OVSP4_TEST_CONTROL_H */
