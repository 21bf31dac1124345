/*
 * OvS.p4 runtime tests: the hand-written test program (see
 * test-control-prog.h).  Built into the test binary, and, with
 * -DOVSP4_TEST_PIPELINE_SO, into a pipeline .so for the Python tests.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#include "test-control-prog.h"

enum { A_FWD, A_DROP, A_MCAST, A_NOACTION, A_CLONE };
enum { T_LPM, T_ACL, T_ECMP, T_CONST };

static const uint32_t one_id[] = { 1 };
static const uint32_t two_ids[] = { 1, 2 };
static const uint32_t bits_9[] = { 9 };
static const uint32_t bits_16[] = { 16 };
static const uint32_t bits_32[] = { 32 };

static const struct ovsp4_prog_action actions[] = {
    [A_FWD] = { "fwd", TP_ACT_FWD, 1, one_id, bits_9, 2 },
    [A_DROP] = { "drop", TP_ACT_DROP, 0, NULL, NULL, 0 },
    [A_MCAST] = { "mcast", TP_ACT_MCAST, 1, one_id, bits_16, 2 },
    [A_NOACTION] = { "NoAction", TP_ACT_NOACTION, 0, NULL, NULL, 0 },
    [A_CLONE] = { "clone_to", TP_ACT_CLONE, 1, one_id, bits_32, 4 },
};

static const struct ovsp4_field_desc lpm_fields[] = {
    { 0, 32, OVSP4_MATCH_LPM },
};
static const uint32_t lpm_actions[] = { A_FWD, A_DROP, A_MCAST, A_NOACTION,
                                        A_CLONE };
static const uint8_t lpm_scopes[] = { 0, 0, 0, 0, 0 };

static const struct ovsp4_field_desc acl_fields[] = {
    { 0, 8, OVSP4_MATCH_TERNARY },
    { 1, 16, OVSP4_MATCH_RANGE },
};
static const uint32_t acl_actions[] = { A_NOACTION, A_DROP };
static const uint8_t acl_scopes[] = { 0, 0 };

static const struct ovsp4_field_desc ecmp_fields[] = {
    { 0, 32, OVSP4_MATCH_EXACT },
};
static const uint32_t ecmp_actions[] = { A_FWD, A_NOACTION };
static const uint8_t ecmp_scopes[] = { OVSP4_SCOPE_TABLE_AND_DEFAULT,
                                       OVSP4_SCOPE_DEFAULT_ONLY };

static const struct ovsp4_field_desc const_fields[] = {
    { 0, 8, OVSP4_MATCH_EXACT },
};
static const uint32_t const_actions[] = { A_FWD, A_DROP, A_NOACTION };
static const uint8_t const_scopes[] = { 0, 0, 0 };
static const uint8_t proto_6[] = { 6 }, proto_17[] = { 17 };
static const struct ovsp4_field_match const_m6[] = { { proto_6, { NULL },
                                                       0 } };
static const struct ovsp4_field_match const_m17[] = { { proto_17, { NULL },
                                                        0 } };
static const uint8_t port_7[] = { 0, 7 };
static const struct ovsp4_prog_entry const_entries[] = {
    { const_m6, 0, A_FWD, port_7 },
    { const_m17, 0, A_DROP, NULL },
};

static const struct ovsp4_prog_table tables[] = {
    [T_LPM] = {
        .name = "lpm", .id = TP_TBL_LPM, .size = 1024, .key_len = 4,
        .n_fields = 1, .fields = lpm_fields, .field_ids = one_id,
        .n_actions = 5, .actions = lpm_actions, .scopes = lpm_scopes,
        .action_data_size = 4, .default_action = A_DROP,
        .action_profile = -1, .direct_counter = -1, .direct_meter = -1,
    },
    [T_ACL] = {
        .name = "acl", .id = TP_TBL_ACL, .size = 64, .key_len = 3,
        .n_fields = 2, .fields = acl_fields, .field_ids = two_ids,
        .n_actions = 2, .actions = acl_actions, .scopes = acl_scopes,
        .action_data_size = 0, .default_action = A_NOACTION,
        .has_priority = true, .idle_timeout = true,
        .action_profile = -1, .direct_counter = 1, .direct_meter = 1,
    },
    [T_ECMP] = {
        .name = "ecmp", .id = TP_TBL_ECMP, .size = 128, .key_len = 4,
        .n_fields = 1, .fields = ecmp_fields, .field_ids = one_id,
        .n_actions = 2, .actions = ecmp_actions, .scopes = ecmp_scopes,
        .action_data_size = 2, .default_action = A_NOACTION,
        .action_profile = 0, .direct_counter = -1, .direct_meter = -1,
    },
    [T_CONST] = {
        .name = "const_tbl", .id = TP_TBL_CONST, .size = 2, .key_len = 1,
        .n_fields = 1, .fields = const_fields, .field_ids = one_id,
        .n_actions = 3, .actions = const_actions, .scopes = const_scopes,
        .action_data_size = 2, .default_action = A_NOACTION,
        .default_const = true, .entries_const = true,
        .n_entries = 2, .entries = const_entries,
        .action_profile = -1, .direct_counter = -1, .direct_meter = -1,
    },
};

static const struct ovsp4_prog_counter counters[] = {
    { "cnt", TP_CNT, 16, OVSP4_UNIT_BOTH, -1 },
    { "acl_cnt", TP_DCNT_ACL, 0, OVSP4_UNIT_BOTH, T_ACL },
};

static const struct ovsp4_prog_meter meters[] = {
    { "m", TP_METER, 8, OVSP4_UNIT_PACKETS, -1 },
    { "acl_meter", TP_DMETER_ACL, 0, OVSP4_UNIT_BYTES, T_ACL },
};

static const struct ovsp4_prog_register registers[] = {
    { "reg", TP_REG, 16, 32 },
    { "wide", TP_REG_WIDE, 4, 100 },
};

static const uint32_t sel_tables[] = { T_ECMP };
static const struct ovsp4_prog_action_profile aps[] = {
    { "sel", TP_AP_SEL, 16, true, 8, 1, sel_tables },
};

static const struct ovsp4_field_desc vs_fields[] = {
    { 0, 16, OVSP4_MATCH_EXACT },
};
static const struct ovsp4_prog_value_set value_sets[] = {
    { "vs", TP_VS, 4, 2, 1, vs_fields },
};

static const uint32_t learn_bits[] = { 32, 16 };
static const struct ovsp4_prog_digest digests[] = {
    { "learn", TP_DIGEST, 6, 2, learn_bits },
};

static const uint32_t hdr_bits[] = { 9, 7 };
static const struct ovsp4_prog_controller_header packet_in = {
    "packet_in", TP_PKT_IN, 2, two_ids, hdr_bits,
};
static const struct ovsp4_prog_controller_header packet_out = {
    "packet_out", TP_PKT_OUT, 2, two_ids, hdr_bits,
};

static const uint8_t fake_p4info[] = { 0x0a, 0x02, 'o', 'k' };

static uint32_t
be16(const uint8_t *p)
{
    return (uint32_t) p[0] << 8 | p[1];
}

static void
process_one(struct ovsp4_rt_thread *t, struct ovsp4_packet *pkt, uint16_t idx)
{
    const struct ovsp4_rt_objects *o = ovsp4_rt_objects(t);
    uint64_t now = ovsp4_rt_now(t);
    uint32_t cpu = ovsp4_rt_cpu_port(t);
    const struct ovsp4_entry *e;
    const struct ovsp4_action *a;
    uint8_t key[4];
    uint32_t in = pkt->in_port;

    if (cpu && in == cpu) {
        if (pkt->len >= 2) {
            uint32_t port = (uint32_t) pkt->data[0] << 1 | pkt->data[1] >> 7;

            pkt->data += 2;
            pkt->len -= 2;
            pkt->headroom += 2;
            ovsp4_rt_output(t, idx, pkt->data, pkt->len, port, true);
        }
        return;
    }
    if (pkt->len < 7) {
        return;
    }
    ovsp4_rt_counter_count(o->counters[0], in % 16, pkt->len);
    ovsp4_rt_register_write64(o->registers[0], in % 16,
                              ovsp4_rt_register_read64(o->registers[0],
                                                       in % 16) + 1);
    if (ovsp4_rt_meter_execute(o->meters[0], in % 8, pkt->len, now)
        == OVSP4_METER_RED) {
        return;
    }

    if (ovsp4_rt_value_set_match(o->value_sets[0], pkt->data + 5)) {
        uint8_t digest[6], hdr[2];

        memcpy(digest, pkt->data, 4);
        digest[4] = (uint8_t) (in >> 8);
        digest[5] = (uint8_t) in;
        ovsp4_rt_digest(t, 0, digest);
        hdr[0] = (uint8_t) (in >> 1);
        hdr[1] = (uint8_t) ((in & 1) << 7 | 1);
        ovsp4_rt_packet_in(t, hdr, 2, pkt->data, pkt->len);
    }

    /* acl */
    memcpy(key, pkt->data + 4, 3);
    e = ovsp4_table_lookup(o->tables[T_ACL], key);
    if (e) {
        ovsp4_entry_hit(e, pkt->len, now);
        if (ovsp4_rt_direct_meter_execute(e, o->meters[1], pkt->len, now)
            == OVSP4_METER_RED
            || ovsp4_entry_action(e)->id == TP_ACT_DROP) {
            return;
        }
    }

    /* const_tbl */
    e = ovsp4_table_lookup(o->tables[T_CONST], pkt->data + 4);
    a = e ? ovsp4_entry_action(e)
        : ovsp4_table_default_action(o->tables[T_CONST]);
    if (a->id == TP_ACT_DROP) {
        return;
    } else if (a->id == TP_ACT_FWD) {
        ovsp4_rt_output(t, idx, pkt->data, pkt->len, be16(a->data), true);
        return;
    }

    /* ecmp */
    e = ovsp4_table_lookup(o->tables[T_ECMP], pkt->data);
    if (e) {
        a = ovsp4_entry_action(e);
        if (ovsp4_action_is_ref(a)) {
            a = ovsp4_rt_action_profile_resolve(
                a, ovsp4_hash(OVSP4_HASH_CRC16, pkt->data, 32));
        }
        if (a && a->id == TP_ACT_FWD) {
            ovsp4_rt_output(t, idx, pkt->data, pkt->len, be16(a->data),
                            true);
        }
        return;
    }

    /* lpm */
    e = ovsp4_table_lookup(o->tables[T_LPM], pkt->data);
    a = e ? ovsp4_entry_action(e)
        : ovsp4_table_default_action(o->tables[T_LPM]);
    if (e) {
        ovsp4_entry_hit(e, pkt->len, now);
    }
    switch (a->id) {
    case TP_ACT_FWD:
        ovsp4_rt_output(t, idx, pkt->data, pkt->len, be16(a->data), true);
        break;
    case TP_ACT_MCAST: {
        uint32_t n;
        const struct ovsp4_rt_replica *r
            = ovsp4_rt_mcast_group(t, be16(a->data), &n);

        for (uint32_t i = 0; i < n; i++) {
            ovsp4_rt_output(t, idx, pkt->data, pkt->len, r[i].port, false);
        }
        break;
    }
    case TP_ACT_CLONE: {
        uint32_t session = (uint32_t) a->data[0] << 24 | a->data[1] << 16
                           | a->data[2] << 8 | a->data[3];
        const struct ovsp4_rt_clone_session *s
            = ovsp4_rt_clone_session(t, session);

        for (uint32_t i = 0; s && i < s->n_replicas; i++) {
            uint32_t len = s->truncate_len && s->truncate_len < pkt->len
                           ? s->truncate_len : pkt->len;

            ovsp4_rt_output(t, idx, pkt->data, len, s->replicas[i].port,
                            false);
        }
        ovsp4_rt_output(t, idx, pkt->data, pkt->len, 1, true);
        break;
    }
    default:
        break;
    }
    if (pkt->data[7 < pkt->len ? 7 : 0] == 0xee) {
        ovsp4_rt_log(t, "saw 0xee");
    }
}

static void
process(struct ovsp4_rt_thread *t, struct ovsp4_packet *pkts, uint32_t n,
        uint32_t first)
{
    for (uint32_t i = 0; i < n; i++) {
        ovsp4_rt_hot(t)->cur_input = first + i;
        process_one(t, &pkts[i], (uint16_t) (first + i));
    }
}

const struct ovsp4_program test_program = {
    .abi_version = OVSP4_ABI_VERSION,
    .name = "test_control",
    .arch = "v1model",
    .p4info = fake_p4info,
    .p4info_len = sizeof fake_p4info,
    .n_actions = 5, .n_tables = 4, .n_counters = 2, .n_meters = 2,
    .n_registers = 2, .n_action_profiles = 1, .n_value_sets = 1,
    .n_digests = 1,
    .actions = actions, .tables = tables, .counters = counters,
    .meters = meters, .registers = registers, .action_profiles = aps,
    .value_sets = value_sets, .digests = digests,
    .packet_in = &packet_in, .packet_out = &packet_out,
    .process = process,
};

#ifdef OVSP4_TEST_PIPELINE_SO
const struct ovsp4_pipeline_def *ovsp4_pipeline_get(void);

const struct ovsp4_pipeline_def *
ovsp4_pipeline_get(void)
{
    return ovsp4_rt_pipeline(&test_program);
}
#endif
