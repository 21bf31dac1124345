/*
 * OvS.p4 control protocol: constants.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The protocol is specified in Documentation/control-protocol.md; the
 * Python codec (ovsp4/control/protocol.py) mirrors these values.  Every
 * message starts with a 16-byte envelope, little-endian:
 *
 *     u32 length   whole message, envelope included
 *     u16 version  OVSP4_PROTO_VERSION
 *     u16 type     enum ovsp4_msg_type; replies: request type | REPLY
 *     u32 xid      chosen by the requester, echoed in the reply; 0 in
 *                  unsolicited events
 *     u32 status   0 in requests; in replies enum ovsp4_status (or
 *                  OVSP4_E_IN_USE)
 */

#ifndef OVSP4_CONTROL_PROTO_H
#define OVSP4_CONTROL_PROTO_H 1

#define OVSP4_PROTO_VERSION 1
#define OVSP4_MSG_HEADER_LEN 16

enum ovsp4_msg_type {
    /* Requests, each answered by one reply of type | OVSP4_MSG_REPLY. */
    OVSP4_MSG_GET_INFO = 0x01,
    OVSP4_MSG_WRITE = 0x02,
    OVSP4_MSG_READ = 0x03,
    OVSP4_MSG_PACKET_OUT = 0x04,
    OVSP4_MSG_DIGEST_ACK = 0x05,
    OVSP4_MSG_SET_CONFIG = 0x06,
    OVSP4_MSG_GET_STATS = 0x07,

    /* Unsolicited events (poll_events(), the control socket). */
    OVSP4_MSG_PACKET_IN = 0x40,
    OVSP4_MSG_DIGEST_LIST = 0x41,
    OVSP4_MSG_IDLE_TIMEOUT = 0x42,
    OVSP4_MSG_LOG = 0x43,
};

/* A reply's type is its request's type with this bit set.  A request too
 * short to have a type gets a reply of type OVSP4_MSG_REPLY (0x8000). */
#define OVSP4_MSG_REPLY 0x8000

/* The entities of WRITE and READ. */
enum ovsp4_entity {
    OVSP4_ENT_TABLE_ENTRY = 1,
    OVSP4_ENT_COUNTER = 2,
    OVSP4_ENT_DIRECT_COUNTER = 3,
    OVSP4_ENT_METER = 4,
    OVSP4_ENT_DIRECT_METER = 5,
    OVSP4_ENT_REGISTER = 6,
    OVSP4_ENT_MCAST_GROUP = 7,
    OVSP4_ENT_CLONE_SESSION = 8,
    OVSP4_ENT_VALUE_SET = 9,
    OVSP4_ENT_AP_MEMBER = 10,
    OVSP4_ENT_AP_GROUP = 11,
    OVSP4_ENT_DIGEST_CONFIG = 12,
};

enum ovsp4_op {
    OVSP4_OP_INSERT = 1,
    OVSP4_OP_MODIFY = 2,
    OVSP4_OP_DELETE = 3,
    OVSP4_OP_CLEAR = 4,         /* TABLE_ENTRY: every entry of a table */
};

/* FieldMatch.kind: enum ovsp4_match_kind (table.h). */

enum ovsp4_action_kind {
    OVSP4_ACT_NONE = 0,
    OVSP4_ACT_DIRECT = 1,
    OVSP4_ACT_MEMBER = 2,
    OVSP4_ACT_GROUP = 3,
};

/* TableEntry.flags. */
#define OVSP4_ENTRY_DEFAULT 0x01        /* the table's default entry */
#define OVSP4_ENTRY_METER 0x02          /* a MeterConfig follows */
#define OVSP4_ENTRY_COUNTER 0x04        /* CounterData follows */
#define OVSP4_ENTRY_TIME 0x08           /* last_hit, elapsed follow (reads) */

/* READ flags. */
#define OVSP4_READ_KEY 0x01             /* a TableEntry key follows */

#define OVSP4_INDEX_ALL 0xffffffffu

/* SET_CONFIG keys. */
enum ovsp4_config_key {
    OVSP4_CFG_IDLE_SWEEP_NS = 1,        /* idle-timeout scan period */
    OVSP4_CFG_CLOCK_MODE = 2,           /* enum ovsp4_clock_mode */
    OVSP4_CFG_CLOCK_NOW = 3,            /* the time, in MANUAL mode */
};

enum ovsp4_clock_mode {
    OVSP4_CLOCK_MONOTONIC = 0,  /* CLOCK_MONOTONIC (hosts passing it) */
    OVSP4_CLOCK_PACKET = 1,     /* the latest process_batch() now_ns */
    OVSP4_CLOCK_MANUAL = 2,     /* set by OVSP4_CFG_CLOCK_NOW */
};

/* GET_STATS keys. */
enum ovsp4_stat_key {
    OVSP4_STAT_PACKETS = 1,             /* packets processed */
    OVSP4_STAT_OUTPUTS = 2,             /* outputs produced */
    OVSP4_STAT_OUTPUT_DROPS = 3,        /* outputs that did not fit */
    OVSP4_STAT_PACKET_INS = 4,          /* packet-in events queued */
    OVSP4_STAT_PACKET_IN_DROPS = 5,     /* ... dropped: ring full */
    OVSP4_STAT_DIGESTS = 6,             /* digests queued */
    OVSP4_STAT_DIGEST_DROPS = 7,        /* ... dropped: ring full */
    OVSP4_STAT_LOGS = 8,
    OVSP4_STAT_LOG_DROPS = 9,
    OVSP4_STAT_THREADS = 10,            /* packet threads */
    OVSP4_STAT_N_KEYS = 11
};

enum ovsp4_log_level {
    OVSP4_LOG_INFO = 0,
    OVSP4_LOG_WARN = 1,
    OVSP4_LOG_ERROR = 2,
};

/* Limits. */
#define OVSP4_MAX_UPDATES 60000         /* updates in one WRITE */
#define OVSP4_MAX_PACKET 65535          /* PACKET_OUT payload */

#endif /* OVSP4_CONTROL_PROTO_H */
