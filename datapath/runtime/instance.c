/*
 * OvS.p4 runtime: the pipeline ABI around a generated program -- instances,
 * threads, process_batch() and the packet-path services of program.h that
 * belong to no extern.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <time.h>

#include "runtime-private.h"

/* --- Creation ------------------------------------------------------------ */

static bool
check_program(const struct ovsp4_program *p)
{
    if (!p || p->abi_version != OVSP4_ABI_VERSION || !p->process
        || (p->n_actions && !p->actions) || (p->n_tables && !p->tables)
        || (p->n_counters && !p->counters) || (p->n_meters && !p->meters)
        || (p->n_registers && !p->registers)
        || (p->n_action_profiles && !p->action_profiles)
        || (p->n_value_sets && !p->value_sets)
        || (p->n_digests && !p->digests)) {
        return false;
    }
    for (uint32_t i = 0; i < p->n_actions; i++) {
        const struct ovsp4_prog_action *a = &p->actions[i];
        uint32_t size = 0;

        if (a->n_params && (!a->param_ids || !a->param_bits)) {
            return false;
        }
        for (uint32_t j = 0; j < a->n_params; j++) {
            if (!a->param_bits[j]) {
                return false;
            }
            size += OVSP4_DIV_ROUND_UP(a->param_bits[j], 8);
        }
        if (size != a->data_size) {
            return false;
        }
    }
    for (uint32_t i = 0; i < p->n_tables; i++) {
        const struct ovsp4_prog_table *t = &p->tables[i];

        if (t->default_action >= p->n_actions
            || (t->n_actions && (!t->actions || !t->scopes))
            || (t->n_fields && (!t->fields || !t->field_ids))
            || (t->n_entries && !t->entries)
            || (t->action_profile >= 0
                && (uint32_t) t->action_profile >= p->n_action_profiles)
            || (t->direct_counter >= 0
                && (uint32_t) t->direct_counter >= p->n_counters)
            || (t->direct_meter >= 0
                && (uint32_t) t->direct_meter >= p->n_meters)
            || p->actions[t->default_action].data_size
               > t->action_data_size) {
            return false;
        }
        for (uint32_t j = 0; j < t->n_actions; j++) {
            if (t->actions[j] >= p->n_actions
                || p->actions[t->actions[j]].data_size
                   > t->action_data_size) {
                return false;
            }
        }
        for (uint32_t j = 0; j < t->n_entries; j++) {
            if (t->entries[j].action >= p->n_actions) {
                return false;
            }
        }
    }
    for (uint32_t i = 0; i < p->n_value_sets; i++) {
        const struct ovsp4_prog_value_set *v = &p->value_sets[i];

        if (v->key_len > OVSP4_TABLE_MAX_KEY || (v->n_fields && !v->fields)) {
            return false;
        }
        for (uint32_t j = 0; j < v->n_fields; j++) {
            if (!v->fields[j].width || v->fields[j].offset
                + OVSP4_DIV_ROUND_UP(v->fields[j].width, 8) > v->key_len) {
                return false;
            }
        }
    }
    for (uint32_t i = 0; i < p->n_action_profiles; i++) {
        const struct ovsp4_prog_action_profile *a = &p->action_profiles[i];

        if (a->n_tables && !a->tables) {
            return false;
        }
        for (uint32_t j = 0; j < a->n_tables; j++) {
            if (a->tables[j] >= p->n_tables) {
                return false;
            }
        }
    }
    for (uint32_t i = 0; i < p->n_digests; i++) {
        if (p->digests[i].n_members && !p->digests[i].member_bits) {
            return false;
        }
    }
    for (int k = 0; k < 2; k++) {
        const struct ovsp4_prog_controller_header *h
            = k ? p->packet_out : p->packet_in;

        if (h && h->n_fields && (!h->field_ids || !h->field_bits)) {
            return false;
        }
    }
    return true;
}

static bool
map_ids(struct objmap *map, const void *array, size_t elem_size,
        size_t id_offset, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t id;

        memcpy(&id, (const char *) array + i * elem_size + id_offset, 4);
        if (objmap_get(map, id, NULL) || !objmap_put(map, id, i)) {
            return false;       /* duplicate P4Info id, or no memory */
        }
    }
    return true;
}

#define MAP_IDS(MAP, ARRAY, TYPE, N) \
    map_ids(MAP, ARRAY, sizeof(TYPE), offsetof(TYPE, id), N)

static uint32_t
header_bits(const struct ovsp4_prog_controller_header *h)
{
    uint32_t bits = 0;

    for (uint32_t i = 0; h && i < h->n_fields; i++) {
        bits += h->field_bits[i];
    }
    return bits;
}

static bool
create_tables(struct ovsp4_rt_instance *inst)
{
    const struct ovsp4_program *p = inst->prog;

    for (uint32_t i = 0; i < p->n_tables; i++) {
        const struct ovsp4_prog_table *d = &p->tables[i];
        const struct ovsp4_prog_action *dflt = &p->actions[d->default_action];
        struct rt_table *t = &inst->tables[i];
        struct ovsp4_table_desc td;
        enum ovsp4_status error;

        t->inst = inst;
        t->desc = d;
        objmap_init(&t->notified);
        t->data_size = d->action_data_size;
        if (d->action_profile >= 0) {
            t->ap = &inst->aps[d->action_profile];
            t->data_size = OVSP4_MAX(t->data_size, RT_AP_REF_SIZE);
        }
        if (d->direct_meter >= 0) {
            t->dmeter = &inst->meters[d->direct_meter];
        }
        if (d->direct_counter >= 0) {
            t->dcounter = &inst->counters[d->direct_counter];
        }

        memset(&td, 0, sizeof td);
        td.name = d->name;
        td.key_len = d->key_len;
        td.n_fields = d->n_fields;
        td.fields = d->fields;
        td.max_size = OVSP4_MAX(OVSP4_MAX(d->size, d->n_entries), 1);
        td.max_size = OVSP4_MIN(td.max_size, OVSP4_TABLE_MAX_SIZE);
        td.action_data_size = t->data_size;
        td.default_action_id = dflt->id;
        td.seed = inst->cfg.seed ^ ((uint64_t) i * 0x9e3779b97f4a7c15ULL);
        td.algo = OVSP4_ALGO_AUTO;
        t->table = ovsp4_table_create(&td, inst->rcu, &error);
        if (!t->table
            || ovsp4_table_set_default(t->table, dflt->id, d->default_data,
                                       d->default_data ? dflt->data_size
                                                       : 0)) {
            return false;
        }
        inst->objects.tables[i] = t->table;

        for (uint32_t j = 0; j < d->n_entries; j++) {
            const struct ovsp4_prog_entry *e = &d->entries[j];
            const struct ovsp4_prog_action *a = &p->actions[e->action];
            struct ovsp4_match m = { e->fields, e->priority };
            struct ovsp4_entry_spec spec = {
                .action_id = a->id,
                .action_data = e->data,
                .action_data_len = e->data ? a->data_size : 0,
            };

            if (ovsp4_table_insert(t->table, &m, &spec)) {
                return false;
            }
        }
    }
    return true;
}

static void
slot_free_ring(struct rt_slot *s)
{
    free(atomic_load_explicit(&s->ring.buf, memory_order_relaxed));
    atomic_store_explicit(&s->ring.buf, NULL, memory_order_relaxed);
}

struct ovsp4_rt_instance *
rt_instance_create(const struct ovsp4_program *p,
                   const struct ovsp4_instance_config *cfg)
{
    struct ovsp4_rt_instance *inst;
    bool ok = true;

    if (!check_program(p)) {
        return NULL;
    }
    inst = calloc(1, sizeof *inst);
    if (!inst) {
        return NULL;
    }
    inst->prog = p;
    if (cfg) {
        inst->cfg = *cfg;
    }
    if (!inst->cfg.max_threads) {
        inst->cfg.max_threads = RT_DEFAULT_THREADS;
    }
    pthread_mutex_init(&inst->control_mutex, NULL);
    pthread_mutex_init(&inst->threads_mutex, NULL);
    pthread_mutex_init(&inst->digest_mutex, NULL);
    atomic_flag_clear(&inst->poll_busy);
    atomic_init(&inst->clock_mode, OVSP4_CLOCK_MONOTONIC);
    atomic_init(&inst->manual_now, 0);
    inst->packet_in_bits = header_bits(p->packet_in);
    inst->packet_out_bits = header_bits(p->packet_out);
    objmap_init(&inst->action_ids);
    objmap_init(&inst->table_ids);
    objmap_init(&inst->counter_ids);
    objmap_init(&inst->meter_ids);
    objmap_init(&inst->register_ids);
    objmap_init(&inst->value_set_ids);
    objmap_init(&inst->ap_ids);
    objmap_init(&inst->digest_ids);

    inst->rcu = ovsp4_rcu_create();
    if (!inst->rcu) {
        free(inst);
        return NULL;
    }
    rt_pre_init(&inst->pre, inst->rcu);

#define ALLOC(FIELD, N) \
    (inst->FIELD = calloc((N) ? (N) : 1, sizeof *inst->FIELD)) != NULL
    ok = ALLOC(tables, p->n_tables) && ALLOC(counters, p->n_counters)
         && ALLOC(meters, p->n_meters) && ALLOC(registers, p->n_registers)
         && ALLOC(value_sets, p->n_value_sets)
         && ALLOC(aps, p->n_action_profiles)
         && ALLOC(objects.tables, p->n_tables)
         && ALLOC(objects.counters, p->n_counters)
         && ALLOC(objects.meters, p->n_meters)
         && ALLOC(objects.registers, p->n_registers)
         && ALLOC(objects.value_sets, p->n_value_sets);
#undef ALLOC
    ok = ok && rt_events_init(inst);
    ok = ok
         && MAP_IDS(&inst->action_ids, p->actions, struct ovsp4_prog_action,
                    p->n_actions)
         && MAP_IDS(&inst->table_ids, p->tables, struct ovsp4_prog_table,
                    p->n_tables)
         && MAP_IDS(&inst->counter_ids, p->counters,
                    struct ovsp4_prog_counter, p->n_counters)
         && MAP_IDS(&inst->meter_ids, p->meters, struct ovsp4_prog_meter,
                    p->n_meters)
         && MAP_IDS(&inst->register_ids, p->registers,
                    struct ovsp4_prog_register, p->n_registers)
         && MAP_IDS(&inst->value_set_ids, p->value_sets,
                    struct ovsp4_prog_value_set, p->n_value_sets)
         && MAP_IDS(&inst->ap_ids, p->action_profiles,
                    struct ovsp4_prog_action_profile, p->n_action_profiles)
         && MAP_IDS(&inst->digest_ids, p->digests, struct ovsp4_prog_digest,
                    p->n_digests);

    for (uint32_t i = 0; ok && i < p->n_counters; i++) {
        ok = rt_counter_init(&inst->counters[i], &p->counters[i]);
        inst->objects.counters[i] = &inst->counters[i];
    }
    for (uint32_t i = 0; ok && i < p->n_meters; i++) {
        ok = rt_meter_init(&inst->meters[i], &p->meters[i], inst->rcu);
        inst->objects.meters[i] = &inst->meters[i];
    }
    for (uint32_t i = 0; ok && i < p->n_registers; i++) {
        ok = rt_register_init(&inst->registers[i], &p->registers[i]);
        inst->objects.registers[i] = &inst->registers[i];
    }
    for (uint32_t i = 0; ok && i < p->n_value_sets; i++) {
        ok = rt_value_set_init(&inst->value_sets[i], &p->value_sets[i],
                               inst->rcu);
        inst->objects.value_sets[i] = &inst->value_sets[i];
    }
    for (uint32_t i = 0; ok && i < p->n_action_profiles; i++) {
        rt_ap_init(&inst->aps[i], &p->action_profiles[i], inst->rcu);
    }
    ok = ok && create_tables(inst);

    if (ok) {
        inst->n_slots = inst->cfg.max_threads + 1;
        inst->slots = calloc(inst->n_slots, sizeof *inst->slots);
        ok = inst->slots != NULL;
    }
    if (ok) {
        inst->control_thread = rt_thread_create(
            inst, &inst->slots[inst->n_slots - 1]);
        ok = inst->control_thread != NULL;
        if (ok) {
            ovsp4_rcu_offline(inst->control_thread->rcu);
        }
    }
    if (!ok) {
        rt_instance_destroy(inst);
        return NULL;
    }
    return inst;
}

void
rt_instance_destroy(struct ovsp4_rt_instance *inst)
{
    const struct ovsp4_program *p;

    if (!inst) {
        return;
    }
    p = inst->prog;
    for (uint32_t i = 0; inst->slots && i < inst->n_slots; i++) {
        if (inst->slots[i].thread) {
            rt_thread_destroy(inst->slots[i].thread);
        }
        slot_free_ring(&inst->slots[i]);
    }
    free(inst->slots);
    for (uint32_t i = 0; inst->tables && i < p->n_tables; i++) {
        ovsp4_table_destroy(inst->tables[i].table);
        objmap_destroy(&inst->tables[i].notified);
    }
    for (uint32_t i = 0; inst->counters && i < p->n_counters; i++) {
        rt_counter_destroy(&inst->counters[i]);
    }
    for (uint32_t i = 0; inst->meters && i < p->n_meters; i++) {
        rt_meter_destroy(&inst->meters[i]);
    }
    for (uint32_t i = 0; inst->registers && i < p->n_registers; i++) {
        rt_register_destroy(&inst->registers[i]);
    }
    for (uint32_t i = 0; inst->value_sets && i < p->n_value_sets; i++) {
        rt_value_set_destroy(&inst->value_sets[i]);
    }
    for (uint32_t i = 0; inst->aps && i < p->n_action_profiles; i++) {
        if (inst->aps[i].desc) {
            rt_ap_destroy(&inst->aps[i]);
        }
    }
    rt_pre_destroy(&inst->pre);
    rt_events_destroy(inst);
    ovsp4_rcu_destroy(inst->rcu);

    free(inst->ctl_scratch);
    free(inst->tables);
    free(inst->counters);
    free(inst->meters);
    free(inst->registers);
    free(inst->value_sets);
    free(inst->aps);
    free(inst->objects.tables);
    free(inst->objects.counters);
    free(inst->objects.meters);
    free(inst->objects.registers);
    free(inst->objects.value_sets);
    objmap_destroy(&inst->action_ids);
    objmap_destroy(&inst->table_ids);
    objmap_destroy(&inst->counter_ids);
    objmap_destroy(&inst->meter_ids);
    objmap_destroy(&inst->register_ids);
    objmap_destroy(&inst->value_set_ids);
    objmap_destroy(&inst->ap_ids);
    objmap_destroy(&inst->digest_ids);
    pthread_mutex_destroy(&inst->control_mutex);
    pthread_mutex_destroy(&inst->threads_mutex);
    pthread_mutex_destroy(&inst->digest_mutex);
    free(inst);
}

/* --- Threads ------------------------------------------------------------- */

struct ovsp4_rt_thread *
rt_thread_create(struct ovsp4_rt_instance *inst, struct rt_slot *slot)
{
    struct ovsp4_rt_thread *t = calloc(1, sizeof *t);

    if (!t) {
        return NULL;
    }
    t->hot.objs = &inst->objects;
    t->hot.cpu_port = inst->cfg.cpu_port;
    t->inst = inst;
    t->slot = slot;
    t->arena_size = RT_ARENA_SIZE;
    t->arena = malloc(t->arena_size);
    t->rng = inst->cfg.seed ^ (0x9e3779b97f4a7c15ULL
                               * (uint64_t) (slot - inst->slots + 1));
    if (!atomic_load_explicit(&slot->ring.buf, memory_order_relaxed)) {
        slot->ring.size = RT_RING_SIZE;
        atomic_store_explicit(&slot->ring.buf, malloc(RT_RING_SIZE),
                              memory_order_release);
    }
    t->rcu = ovsp4_rcu_register(inst->rcu);
    if (!t->arena || !t->rcu
        || !atomic_load_explicit(&slot->ring.buf, memory_order_relaxed)) {
        if (t->rcu) {
            ovsp4_rcu_unregister(t->rcu);
        }
        free(t->arena);
        free(t);
        return NULL;
    }
    slot->thread = t;
    return t;
}

void
rt_thread_destroy(struct ovsp4_rt_thread *t)
{
    if (t) {
        t->slot->thread = NULL;
        ovsp4_rcu_unregister(t->rcu);
        free(t->arena);
        free(t);
    }
}

void
rt_thread_begin(struct ovsp4_rt_thread *t, struct ovsp4_packet *pkts,
                uint32_t n, struct ovsp4_output *out, uint32_t max_out,
                uint64_t now_ns)
{
    t->hot.now = now_ns;
    atomic_store_explicit(&t->slot->now, now_ns, memory_order_relaxed);
    t->hot.pkts = pkts;
    t->hot.n_pkts = n;
    t->hot.cur_input = 0;
    t->hot.out = out;
    t->hot.n_out = 0;
    t->hot.max_out = out ? max_out : 0;
    t->hot.hint_n = 0;
    t->arena_used = 0;
    memset(t->hot.in_place, 0, sizeof t->hot.in_place);
}

/* --- The ABI ------------------------------------------------------------- */

static const struct ovsp4_program *the_program;

static struct ovsp4_instance *
abi_instance_create(const struct ovsp4_instance_config *cfg)
{
    return (struct ovsp4_instance *) rt_instance_create(the_program, cfg);
}

static void
abi_instance_destroy(struct ovsp4_instance *inst)
{
    rt_instance_destroy(rt_instance(inst));
}

static struct ovsp4_thread *
abi_thread_create(struct ovsp4_instance *inst_)
{
    struct ovsp4_rt_instance *inst = rt_instance(inst_);
    struct ovsp4_rt_thread *t = NULL;

    pthread_mutex_lock(&inst->threads_mutex);
    for (uint32_t i = 0; i + 1 < inst->n_slots; i++) {
        if (!inst->slots[i].thread) {
            t = rt_thread_create(inst, &inst->slots[i]);
            break;
        }
    }
    pthread_mutex_unlock(&inst->threads_mutex);
    return (struct ovsp4_thread *) t;
}

static void
abi_thread_destroy(struct ovsp4_thread *t_)
{
    struct ovsp4_rt_thread *t = (struct ovsp4_rt_thread *) t_;

    if (t) {
        struct ovsp4_rt_instance *inst = t->inst;

        pthread_mutex_lock(&inst->threads_mutex);
        rt_thread_destroy(t);
        pthread_mutex_unlock(&inst->threads_mutex);
    }
}

static void
abi_thread_quiesce(struct ovsp4_thread *t)
{
    ovsp4_rcu_quiesce(((struct ovsp4_rt_thread *) t)->rcu);
}

static void
abi_thread_offline(struct ovsp4_thread *t)
{
    ovsp4_rcu_offline(((struct ovsp4_rt_thread *) t)->rcu);
}

static void
abi_thread_online(struct ovsp4_thread *t)
{
    ovsp4_rcu_online(((struct ovsp4_rt_thread *) t)->rcu);
}

static uint32_t
abi_process_batch(struct ovsp4_thread *t_, struct ovsp4_packet *pkts,
                  uint32_t n, struct ovsp4_output *out, uint32_t max_out,
                  uint64_t now_ns)
{
    struct ovsp4_rt_thread *t = (struct ovsp4_rt_thread *) t_;
    const struct ovsp4_program *p = t->inst->prog;
    struct rt_slot *s = t->slot;

    if (n > RT_MAX_BATCH) {
        n = RT_MAX_BATCH;
    }
    rt_thread_begin(t, pkts, n, out, max_out, now_ns);
    /* By chunks: the program's lookup hint prefetches for a chunk, which is
     * then processed while what was prefetched is still in the cache. */
    for (uint32_t base = 0; base < n; base += OVSP4_RT_PREFETCH_CHUNK) {
        uint32_t m = OVSP4_MIN(n - base, OVSP4_RT_PREFETCH_CHUNK);

        if (p->prefetch) {
            p->prefetch(t, &pkts[base], m);
        }
        p->process(t, &pkts[base], m, base);
        t->hot.hint_n = 0;
    }
    atomic_store_explicit(&s->stats[RT_STAT_PACKETS],
                          atomic_load_explicit(&s->stats[RT_STAT_PACKETS],
                                               memory_order_relaxed) + n,
                          memory_order_relaxed);
    atomic_store_explicit(&s->stats[RT_STAT_OUTPUTS],
                          atomic_load_explicit(&s->stats[RT_STAT_OUTPUTS],
                                               memory_order_relaxed)
                          + t->hot.n_out, memory_order_relaxed);
    ovsp4_rcu_quiesce(t->rcu);
    return t->hot.n_out;
}

static size_t
abi_control(struct ovsp4_instance *inst, const uint8_t *request,
            size_t request_len, uint8_t *reply, size_t reply_cap)
{
    return rt_control(rt_instance(inst), request, request_len, reply,
                      reply_cap);
}

static uint32_t
abi_poll_events(struct ovsp4_instance *inst, ovsp4_event_cb cb, void *aux,
                uint32_t max)
{
    return rt_poll_events(rt_instance(inst), cb, aux, max);
}

const struct ovsp4_pipeline_def *
ovsp4_rt_pipeline(const struct ovsp4_program *p)
{
    static struct ovsp4_pipeline_def def;

    /* One program per pipeline .so: the ABI's instance_create() has no
     * program argument. */
    the_program = p;
    def.abi_version = OVSP4_ABI_VERSION;
    def.program_name = p->name;
    def.compiler = "ovs-p4c";
    def.arch = p->arch;
    def.p4info = p->p4info;
    def.p4info_len = p->p4info_len;
    def.instance_create = abi_instance_create;
    def.instance_destroy = abi_instance_destroy;
    def.thread_create = abi_thread_create;
    def.thread_destroy = abi_thread_destroy;
    def.thread_quiesce = abi_thread_quiesce;
    def.process_batch = abi_process_batch;
    def.control = abi_control;
    def.poll_events = abi_poll_events;
    def.thread_offline = abi_thread_offline;
    def.thread_online = abi_thread_online;
    return &def;
}

/* --- Packet-path services ------------------------------------------------ */

uint32_t
ovsp4_rt_cpu_port(struct ovsp4_rt_thread *t)
{
    return t->inst->cfg.cpu_port;
}

uint8_t *
ovsp4_rt_scratch(struct ovsp4_rt_thread *t, uint32_t len)
{
    size_t need = OVSP4_ROUND_UP((size_t) len, 16);
    uint8_t *p;

    if (t->arena_size - t->arena_used < need) {
        return NULL;
    }
    p = t->arena + t->arena_used;
    t->arena_used += need;
    return p;
}

static bool
in_arena(const struct ovsp4_rt_thread *t, const uint8_t *data, uint32_t len)
{
    uintptr_t a = (uintptr_t) t->arena, d = (uintptr_t) data;

    return d >= a && d + len <= a + t->arena_used;
}

void
ovsp4_rt_output(struct ovsp4_rt_thread *t, uint16_t input_index,
                const uint8_t *data, uint32_t len, uint32_t port,
                bool in_place)
{
    struct ovsp4_rt_instance *inst = t->inst;
    struct ovsp4_output *o;

    if (inst->cfg.cpu_port && port == inst->cfg.cpu_port) {
        uint32_t hlen = OVSP4_DIV_ROUND_UP(inst->packet_in_bits, 8);

        if (hlen && len >= hlen) {
            ovsp4_rt_packet_in(t, data, hlen, data + hlen, len - hlen);
        } else {
            ovsp4_rt_packet_in(t, NULL, 0, data, len);
        }
        return;
    }
    if (t->hot.n_out >= t->hot.max_out) {
        rt_stat_inc(t->slot, RT_STAT_OUTPUT_DROPS);
        return;
    }
    if (in_place && input_index < t->hot.n_pkts) {
        uint64_t bit = UINT64_C(1) << (input_index % 64);

        if (t->hot.in_place[input_index / 64] & bit) {
            in_place = false;
        } else {
            t->hot.in_place[input_index / 64] |= bit;
        }
    } else {
        in_place = false;
    }
    if (!in_place && !in_arena(t, data, len)) {
        uint8_t *copy = ovsp4_rt_scratch(t, len);

        if (!copy) {
            rt_stat_inc(t->slot, RT_STAT_OUTPUT_DROPS);
            return;
        }
        memcpy(copy, data, len);
        data = copy;
    }
    o = &t->hot.out[t->hot.n_out++];
    o->data = data;
    o->len = len;
    o->port = port;
    o->input = input_index;
    o->kind = OVSP4_OUT_PORT;
    o->in_place = in_place;
}

uint64_t
ovsp4_rt_random(struct ovsp4_rt_thread *t)
{
    uint64_t z = (t->rng += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* --- The control side's clock -------------------------------------------- */

uint64_t
rt_control_now(struct ovsp4_rt_instance *inst)
{
    switch (atomic_load_explicit(&inst->clock_mode, memory_order_relaxed)) {
    case OVSP4_CLOCK_PACKET: {
        uint64_t now = 0;

        for (uint32_t i = 0; i < inst->n_slots; i++) {
            now = OVSP4_MAX(now, atomic_load_explicit(&inst->slots[i].now,
                                                      memory_order_relaxed));
        }
        return now;
    }
    case OVSP4_CLOCK_MANUAL:
        return atomic_load_explicit(&inst->manual_now, memory_order_relaxed);
    case OVSP4_CLOCK_MONOTONIC:
    default: {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
    }
    }
}
