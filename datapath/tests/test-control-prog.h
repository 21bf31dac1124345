/*
 * OvS.p4 runtime tests: a hand-written program (what ovs-p4c would
 * generate) exercising every runtime service, and helpers to build
 * control-protocol messages.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Packet layout: dst (4 bytes), proto (1), l4port (2), payload.
 *
 *   - counter "cnt" [in_port % 16] counts every packet; register "reg"
 *     [in_port % 16] += 1; meter "m" [in_port % 8]: RED drops;
 *   - l4port in value set "vs": digest "learn" (dst, in_port as 16 bits)
 *     and a packet-in (packet_in header: ingress_port 9 bits, reason 7
 *     bits = 1; payload: the whole packet);
 *   - table "acl" (proto ternary, l4port range; direct counter and meter,
 *     idle timeouts): deny or a RED direct meter drops;
 *   - table "const_tbl" (proto exact, const entries 6 -> fwd(7), 17 ->
 *     drop; const default NoAction);
 *   - table "ecmp" (dst exact, action selector "sel"): a hit forwards via
 *     the member chosen by crc16(dst);
 *   - table "lpm" (dst LPM): fwd(port) in place, mcast(grp) replicates to
 *     the group's ports, clone_to(session) sends a copy to the session's
 *     ports truncated as configured and the original to port 1, drop
 *     (default).
 *   - From the CPU port: the packet_out header (egress_port 9 bits, 7 bits
 *     pad) gives the port; the rest is sent there.
 */

#ifndef OVSP4_TEST_CONTROL_PROG_H
#define OVSP4_TEST_CONTROL_PROG_H 1

#include "control-proto.h"
#include "program.h"
#include "wire.h"

/* P4Info ids. */
#define TP_ACT_FWD 0x01000001u
#define TP_ACT_DROP 0x01000002u
#define TP_ACT_MCAST 0x01000003u
#define TP_ACT_NOACTION 0x01000004u
#define TP_ACT_CLONE 0x01000005u
#define TP_TBL_LPM 0x02000001u
#define TP_TBL_ACL 0x02000002u
#define TP_TBL_ECMP 0x02000003u
#define TP_TBL_CONST 0x02000004u
#define TP_VS 0x03000001u
#define TP_PKT_IN 0x04000001u
#define TP_PKT_OUT 0x04000002u
#define TP_AP_SEL 0x11000001u
#define TP_CNT 0x12000001u
#define TP_DCNT_ACL 0x13000001u
#define TP_METER 0x14000001u
#define TP_DMETER_ACL 0x15000001u
#define TP_REG 0x16000001u
#define TP_REG_WIDE 0x16000002u
#define TP_DIGEST 0x17000001u

#define TP_CPU_PORT 510u

extern const struct ovsp4_program test_program;

/* --- Message building ---------------------------------------------------- */

struct tmsg {
    uint8_t buf[1 << 16];
    struct wire_writer w;
};

static inline struct wire_writer *
tmsg_begin(struct tmsg *m, uint16_t type)
{
    wire_writer_init(&m->w, m->buf, sizeof m->buf);
    wire_put(&m->w, OVSP4_MSG_HEADER_LEN);
    m->buf[6] = (uint8_t) type;
    m->buf[7] = (uint8_t) (type >> 8);
    return &m->w;
}

static inline size_t
tmsg_end(struct tmsg *m, uint32_t xid)
{
    uint32_t len = (uint32_t) m->w.len;

    for (int i = 0; i < 4; i++) {
        m->buf[i] = (uint8_t) (len >> (8 * i));
        m->buf[8 + i] = (uint8_t) (xid >> (8 * i));
        m->buf[12 + i] = 0;
    }
    m->buf[4] = OVSP4_PROTO_VERSION;
    m->buf[5] = 0;
    return len;
}

static inline void
put_fm(struct wire_writer *w, uint32_t id, uint8_t kind, const void *value,
       uint32_t len, const void *second, uint32_t second_len, uint16_t plen)
{
    wire_put_u32(w, id);
    wire_put_u8(w, kind);
    wire_put_bytes(w, value, len);
    wire_put_bytes(w, second, second_len);
    wire_put_u16(w, plen);
}

/* TableEntry header up to n_matches; matches, the action and
 * put_entry_tail() follow. */
static inline void
put_entry_head(struct wire_writer *w, uint32_t table, uint8_t flags,
               int32_t prio, uint16_t n_matches)
{
    wire_put_u32(w, table);
    wire_put_u8(w, flags);
    wire_put_i32(w, prio);
    wire_put_u16(w, n_matches);
}

static inline void
put_action_direct(struct wire_writer *w, uint32_t action, uint16_t n_params)
{
    wire_put_u8(w, OVSP4_ACT_DIRECT);
    wire_put_u32(w, action);
    wire_put_u16(w, n_params);
}

static inline void
put_param(struct wire_writer *w, uint32_t id, const void *v, uint32_t len)
{
    wire_put_u32(w, id);
    wire_put_bytes(w, v, len);
}

static inline void
put_entry_tail(struct wire_writer *w, uint64_t idle_ns, uint64_t cookie)
{
    wire_put_u64(w, idle_ns);
    wire_put_u64(w, cookie);
}

/* Reply access. */
static inline uint32_t
reply_status(const uint8_t *reply)
{
    return (uint32_t) reply[12] | (uint32_t) reply[13] << 8
           | (uint32_t) reply[14] << 16 | (uint32_t) reply[15] << 24;
}

static inline uint16_t
reply_type(const uint8_t *reply)
{
    return (uint16_t) (reply[6] | reply[7] << 8);
}

#endif /* OVSP4_TEST_CONTROL_PROG_H */
