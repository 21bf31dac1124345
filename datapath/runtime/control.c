/*
 * OvS.p4 runtime: the control protocol over a program's objects.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Documentation/control-protocol.md specifies the messages.  Every request
 * is decoded with bounds-checked readers (wire.h); a malformed request gets
 * a reply with OVSP4_E_INVALID and changes nothing.  A WRITE is decoded
 * twice: a first pass checks the framing of every update (so a truncated
 * batch is rejected whole), the second applies the updates in order, each
 * with its own status.  Replies never exceed the caller's buffer: reads
 * page with cursors, and when even a minimal reply does not fit, control()
 * returns 0 (the ABI's "retry with more room") having changed nothing.
 *
 * All control operations run under the instance's control mutex.
 */

#include <stdlib.h>

#include "runtime-private.h"
#include "wire.h"

#define PKT_HEADROOM 256
#define PKT_MAX_OUTPUTS 1024
#define READ_TRAILER (1 + 8 + 8)

typedef enum ovsp4_status status_t;

/* --- Views of decoded items (pointers into the request) ------------------ */

struct fm_view {
    uint32_t field_id;
    uint8_t kind;
    const uint8_t *value;
    uint32_t value_len;
    const uint8_t *second;      /* mask (TERNARY) or high (RANGE) */
    uint32_t second_len;
    uint16_t prefix_len;
};

struct action_view {
    uint8_t kind;               /* enum ovsp4_action_kind */
    uint32_t id;                /* action, member or group id */
    uint16_t n_params;
    const uint8_t *params;      /* n_params x (u32 id, bytes value) */
    size_t params_len;
};

struct entry_view {
    uint32_t table_id;
    uint8_t flags;
    int32_t priority;
    uint16_t n_matches;
    const uint8_t *matches;
    size_t matches_len;
    struct action_view action;
    uint64_t idle_timeout_ns;
    uint64_t cookie;
    struct rt_meter_config meter;
    uint64_t packets, bytes;
};

static void
read_fm(struct wire_reader *r, struct fm_view *v)
{
    v->field_id = wire_u32(r);
    v->kind = wire_u8(r);
    v->value = wire_bytes(r, &v->value_len);
    v->second = wire_bytes(r, &v->second_len);
    v->prefix_len = wire_u16(r);
}

static void
read_action(struct wire_reader *r, struct action_view *v)
{
    memset(v, 0, sizeof *v);
    v->kind = wire_u8(r);
    switch (v->kind) {
    case OVSP4_ACT_NONE:
        break;
    case OVSP4_ACT_DIRECT:
        v->id = wire_u32(r);
        v->n_params = wire_u16(r);
        v->params = r->p;
        for (uint32_t i = 0; i < v->n_params && !r->err; i++) {
            uint32_t len;

            wire_u32(r);
            wire_bytes(r, &len);
        }
        v->params_len = r->err ? 0 : (size_t) (r->p - v->params);
        break;
    case OVSP4_ACT_MEMBER:
    case OVSP4_ACT_GROUP:
        v->id = wire_u32(r);
        break;
    default:
        r->err = true;
        break;
    }
}

static void
read_meter_config(struct wire_reader *r, struct rt_meter_config *c)
{
    c->cir = wire_u64(r);
    c->cburst = wire_u64(r);
    c->pir = wire_u64(r);
    c->pburst = wire_u64(r);
}

static void
read_entry(struct wire_reader *r, struct entry_view *v)
{
    memset(v, 0, sizeof *v);
    v->table_id = wire_u32(r);
    v->flags = wire_u8(r);
    v->priority = wire_i32(r);
    v->n_matches = wire_u16(r);
    v->matches = r->p;
    for (uint32_t i = 0; i < v->n_matches && !r->err; i++) {
        struct fm_view fm;

        read_fm(r, &fm);
    }
    v->matches_len = r->err ? 0 : (size_t) (r->p - v->matches);
    read_action(r, &v->action);
    v->idle_timeout_ns = wire_u64(r);
    v->cookie = wire_u64(r);
    if (v->flags & OVSP4_ENTRY_METER) {
        read_meter_config(r, &v->meter);
    }
    if (v->flags & OVSP4_ENTRY_COUNTER) {
        v->packets = wire_u64(r);
        v->bytes = wire_u64(r);
    }
    if (v->flags & OVSP4_ENTRY_TIME) {
        wire_u64(r);            /* last_hit and elapsed: read-only */
        wire_u64(r);
    }
}

struct replicas_view {
    uint32_t n;
    const uint8_t *p;           /* n x (u32 port, u32 rid) */
};

static void
read_replicas(struct wire_reader *r, struct replicas_view *v)
{
    v->n = wire_u32(r);
    v->p = wire_take(r, (size_t) v->n * 8);
    if (!v->p) {
        v->n = 0;
    }
}

/* Decodes replicas into a malloc'ed array (NULL for none or no memory). */
static struct ovsp4_rt_replica *
replicas_decode(const struct replicas_view *v)
{
    struct ovsp4_rt_replica *reps;
    struct wire_reader r;

    if (!v->n || v->n > RT_MAX_REPLICAS) {
        return NULL;
    }
    reps = malloc(v->n * sizeof *reps);
    if (reps) {
        wire_reader_init(&r, v->p, (size_t) v->n * 8);
        for (uint32_t i = 0; i < v->n; i++) {
            reps[i].port = wire_u32(&r);
            reps[i].rid = wire_u32(&r);
        }
    }
    return reps;
}

/* --- Byte strings -------------------------------------------------------- */

/* Copies a big-endian value of any length into `nbytes` bytes of a field of
 * `bits` bits: shorter values are zero-extended, longer ones must have zero
 * leading bytes, and bits above `bits` must be zero. */
static bool
normalize(const uint8_t *in, uint32_t in_len, uint8_t *out, uint32_t bits)
{
    uint32_t nbytes = OVSP4_DIV_ROUND_UP(bits, 8);

    if (!in) {
        in_len = 0;
    }
    while (in_len > nbytes) {
        if (*in) {
            return false;
        }
        in++;
        in_len--;
    }
    memset(out, 0, nbytes - in_len);
    if (in_len) {
        memcpy(out + nbytes - in_len, in, in_len);
    }
    return !(out[0] & (uint8_t) ~(0xff >> (nbytes * 8 - bits)));
}

/* --- Lookups by P4Info id ------------------------------------------------ */

static bool
lookup(const struct objmap *map, uint32_t id, uint32_t *idx)
{
    uint64_t v;

    if (objmap_get(map, id, &v)) {
        *idx = (uint32_t) v;
        return true;
    }
    return false;
}

static struct rt_table *
find_table(struct ovsp4_rt_instance *inst, uint32_t id)
{
    uint32_t i;

    return lookup(&inst->table_ids, id, &i) ? &inst->tables[i] : NULL;
}

static const struct ovsp4_prog_action *
find_action(struct ovsp4_rt_instance *inst, uint32_t id, uint32_t *idx)
{
    uint32_t i;

    if (!lookup(&inst->action_ids, id, &i)) {
        return NULL;
    }
    if (idx) {
        *idx = i;
    }
    return &inst->prog->actions[i];
}

/* --- Actions ------------------------------------------------------------- */

/* Packs a direct action's parameters into `data` (zeroed, at least the
 * action's data_size bytes): every parameter exactly once. */
static status_t
pack_params(const struct ovsp4_prog_action *a, const struct action_view *av,
            uint8_t *data)
{
    uint8_t seen[256];
    struct wire_reader r;

    if (av->n_params != a->n_params || a->n_params > sizeof seen) {
        return OVSP4_E_INVALID;
    }
    memset(seen, 0, sizeof seen);
    wire_reader_init(&r, av->params, av->params_len);
    for (uint32_t i = 0; i < av->n_params; i++) {
        uint32_t id = wire_u32(&r), len, off = 0, j;
        const uint8_t *value = wire_bytes(&r, &len);

        for (j = 0; j < a->n_params; j++) {
            if (a->param_ids[j] == id) {
                break;
            }
            off += OVSP4_DIV_ROUND_UP(a->param_bits[j], 8);
        }
        if (j == a->n_params || seen[j]
            || !normalize(value, len, data + off, a->param_bits[j])) {
            return OVSP4_E_INVALID;
        }
        seen[j] = 1;
    }
    return OVSP4_OK;
}

/* Is action index `idx` allowed in table `t` (as an entry's action, or as
 * the default action)? */
static bool
table_allows(const struct ovsp4_prog_table *t, uint32_t idx, bool dflt)
{
    for (uint32_t j = 0; j < t->n_actions; j++) {
        if (t->actions[j] == idx) {
            return t->scopes[j] != (dflt ? OVSP4_SCOPE_TABLE_ONLY
                                         : OVSP4_SCOPE_DEFAULT_ONLY);
        }
    }
    return false;
}

struct resolved_action {
    uint32_t action_id;         /* P4Info id, or OVSP4_ACTION_REF_* */
    uint32_t data_len;
    void *ref;                  /* member or group */
    uint8_t data[OVSP4_TABLE_MAX_ACTION_DATA];
};

static status_t
resolve_action(struct ovsp4_rt_instance *inst, const struct rt_table *t,
               const struct action_view *av, bool dflt,
               struct resolved_action *ra)
{
    const struct ovsp4_prog_action *a;
    uint32_t idx;
    status_t error;

    ra->ref = NULL;
    memset(ra->data, 0, t->data_size);
    ra->data_len = t->data_size;
    switch (av->kind) {
    case OVSP4_ACT_DIRECT:
        if (t->ap && !dflt) {
            return OVSP4_E_INVALID;
        }
        a = find_action(inst, av->id, &idx);
        if (!a) {
            return OVSP4_E_NOT_FOUND;
        }
        if (!table_allows(t->desc, idx, dflt)) {
            return OVSP4_E_INVALID;
        }
        error = pack_params(a, av, ra->data);
        if (error) {
            return error;
        }
        ra->action_id = a->id;
        return OVSP4_OK;
    case OVSP4_ACT_MEMBER:
    case OVSP4_ACT_GROUP:
        if (!t->ap || dflt) {
            return OVSP4_E_INVALID;
        }
        if (av->kind == OVSP4_ACT_MEMBER) {
            ra->ref = rt_ap_member_find(t->ap, av->id);
            ra->action_id = OVSP4_ACTION_REF_MEMBER;
        } else {
            if (!t->ap->desc->with_selector) {
                return OVSP4_E_INVALID;
            }
            ra->ref = rt_ap_group_find(t->ap, av->id);
            ra->action_id = OVSP4_ACTION_REF_GROUP;
        }
        if (!ra->ref) {
            return OVSP4_E_NOT_FOUND;
        }
        rt_ap_ref_encode(ra->data, av->id, ra->ref);
        return OVSP4_OK;
    default:
        return OVSP4_E_INVALID;
    }
}

static void
ref_adjust(uint32_t action_id, void *ref, int delta)
{
    if (!ref) {
        return;
    }
    if (action_id == OVSP4_ACTION_REF_MEMBER) {
        ((struct rt_ap_member *) ref)->refs += delta;
    } else if (action_id == OVSP4_ACTION_REF_GROUP) {
        ((struct rt_ap_group *) ref)->refs += delta;
    }
}

/* --- Matches ------------------------------------------------------------- */

struct match_buf {
    struct ovsp4_field_match fields[OVSP4_TABLE_MAX_FIELDS];
    uint8_t value[OVSP4_TABLE_MAX_KEY];
    uint8_t second[OVSP4_TABLE_MAX_KEY];
    struct ovsp4_match m;
};

/* Large per-instance buffers of control operations (under the control
 * mutex): too big for the stack of some host threads. */
struct ctl_scratch {
    uint64_t write_now;         /* the clock when the WRITE began */
    struct resolved_action ra;
    struct match_buf mb;
    struct match_buf mb_next;   /* the next update's, for its hint */
    uint8_t buf[OVSP4_TABLE_MAX_ACTION_DATA];
};

static struct ctl_scratch *
scratch(struct ovsp4_rt_instance *inst)
{
    return inst->ctl_scratch;
}

static status_t
build_match(const struct rt_table *t, const struct entry_view *v,
            struct match_buf *mb)
{
    const struct ovsp4_prog_table *d = t->desc;
    bool present[OVSP4_TABLE_MAX_FIELDS];
    struct wire_reader r;

    if (d->n_fields > OVSP4_TABLE_MAX_FIELDS
        || (d->has_priority ? v->priority <= 0 : v->priority != 0)) {
        return OVSP4_E_INVALID;
    }
    memset(present, 0, sizeof present);
    memset(mb->fields, 0, d->n_fields * sizeof mb->fields[0]);
    wire_reader_init(&r, v->matches, v->matches_len);
    for (uint32_t i = 0; i < v->n_matches; i++) {
        const struct ovsp4_field_desc *f;
        struct ovsp4_field_match *fm;
        struct fm_view fv;
        uint32_t j;

        read_fm(&r, &fv);
        for (j = 0; j < d->n_fields; j++) {
            if (d->field_ids[j] == fv.field_id) {
                break;
            }
        }
        if (j == d->n_fields || present[j]) {
            return OVSP4_E_INVALID;
        }
        f = &d->fields[j];
        if (fv.kind != f->kind
            || f->offset + OVSP4_DIV_ROUND_UP(f->width, 8)
               > OVSP4_TABLE_MAX_KEY) {
            return OVSP4_E_INVALID;
        }
        present[j] = true;
        fm = &mb->fields[j];
        if (!normalize(fv.value, fv.value_len, mb->value + f->offset,
                       f->width)) {
            return OVSP4_E_INVALID;
        }
        fm->value = mb->value + f->offset;
        switch (f->kind) {
        case OVSP4_MATCH_LPM:
            fm->prefix_len = fv.prefix_len;
            break;
        case OVSP4_MATCH_TERNARY:
        case OVSP4_MATCH_RANGE:
            if (!normalize(fv.second, fv.second_len, mb->second + f->offset,
                           f->width)) {
                return OVSP4_E_INVALID;
            }
            fm->mask = mb->second + f->offset;
            break;
        case OVSP4_MATCH_EXACT:
        case OVSP4_MATCH_OPTIONAL:
        default:
            break;
        }
    }
    for (uint32_t j = 0; j < d->n_fields; j++) {
        if (!present[j] && d->fields[j].kind == OVSP4_MATCH_EXACT) {
            return OVSP4_E_INVALID;
        }
    }
    mb->m.fields = mb->fields;
    mb->m.priority = v->priority;
    return OVSP4_OK;
}

/* What an entry holds, as seen through ovsp4_table_read(). */
struct entry_peek {
    const struct ovsp4_entry *entry;
    uint32_t action_id;
    void *ref;
};

static bool
peek_cb(const struct ovsp4_entry_info *info, void *aux)
{
    struct entry_peek *pk = aux;

    pk->entry = info->entry;
    pk->action_id = info->action_id;
    pk->ref = NULL;
    if (info->action_id == OVSP4_ACTION_REF_MEMBER
        || info->action_id == OVSP4_ACTION_REF_GROUP) {
        pk->ref = rt_ap_ref_obj(info->action_data);
    }
    return true;
}

static status_t
peek_entry(const struct rt_table *t, const struct ovsp4_match *m,
           struct entry_peek *pk)
{
    memset(pk, 0, sizeof *pk);
    return ovsp4_table_read(t->table, m, peek_cb, pk);
}

/* --- Encoding ------------------------------------------------------------ */

static void
put_meter_config(struct wire_writer *w, const struct rt_meter_config *c)
{
    wire_put_u64(w, c->cir);
    wire_put_u64(w, c->cburst);
    wire_put_u64(w, c->pir);
    wire_put_u64(w, c->pburst);
}

static void
put_action(struct wire_writer *w, struct ovsp4_rt_instance *inst,
           uint32_t action_id, const uint8_t *data)
{
    const struct ovsp4_prog_action *a;

    if (action_id == OVSP4_ACTION_REF_MEMBER
        || action_id == OVSP4_ACTION_REF_GROUP) {
        wire_put_u8(w, action_id == OVSP4_ACTION_REF_MEMBER
                       ? OVSP4_ACT_MEMBER : OVSP4_ACT_GROUP);
        wire_put_u32(w, rt_ap_ref_id(data));
        return;
    }
    a = find_action(inst, action_id, NULL);
    wire_put_u8(w, OVSP4_ACT_DIRECT);
    wire_put_u32(w, action_id);
    wire_put_u16(w, a ? (uint16_t) a->n_params : 0);
    for (uint32_t i = 0, off = 0; a && i < a->n_params; i++) {
        uint32_t n = OVSP4_DIV_ROUND_UP(a->param_bits[i], 8);

        wire_put_u32(w, a->param_ids[i]);
        wire_put_bytes(w, data + off, n);
        off += n;
    }
}

void
rt_encode_entry(struct wire_writer *w, const struct rt_table *t,
                const struct ovsp4_entry_info *info, uint8_t flags,
                const struct rt_meter_config *meter, uint64_t now)
{
    const struct ovsp4_prog_table *d = t->desc;
    struct ovsp4_rt_instance *inst = t->inst;
    uint16_t n = 0;

    if (t->dcounter && !(flags & OVSP4_ENTRY_DEFAULT)) {
        flags |= OVSP4_ENTRY_COUNTER;
    }
    if (meter) {
        flags |= OVSP4_ENTRY_METER;
    }
    wire_put_u32(w, d->id);
    wire_put_u8(w, flags);
    wire_put_i32(w, info->priority);
    for (uint32_t j = 0; j < d->n_fields; j++) {
        n += info->fields[j].value != NULL;
    }
    wire_put_u16(w, n);
    for (uint32_t j = 0; j < d->n_fields; j++) {
        const struct ovsp4_field_match *fm = &info->fields[j];
        const struct ovsp4_field_desc *f = &d->fields[j];
        uint32_t nbytes = OVSP4_DIV_ROUND_UP(f->width, 8);

        if (!fm->value) {
            continue;
        }
        wire_put_u32(w, d->field_ids[j]);
        wire_put_u8(w, (uint8_t) f->kind);
        wire_put_bytes(w, fm->value, nbytes);
        if ((f->kind == OVSP4_MATCH_TERNARY || f->kind == OVSP4_MATCH_RANGE)
            && fm->mask) {
            wire_put_bytes(w, fm->mask, nbytes);
        } else if (f->kind == OVSP4_MATCH_TERNARY) {
            uint8_t ones[OVSP4_TABLE_MAX_KEY];

            memset(ones, 0xff, nbytes);
            ones[0] = 0xff >> (nbytes * 8 - f->width);
            wire_put_bytes(w, ones, nbytes);
        } else {
            wire_put_bytes(w, NULL, 0);
        }
        wire_put_u16(w, f->kind == OVSP4_MATCH_LPM
                        ? (uint16_t) fm->prefix_len : 0);
    }
    put_action(w, inst, info->action_id, info->action_data);
    wire_put_u64(w, info->idle_timeout_ns);
    wire_put_u64(w, info->cookie);
    if (flags & OVSP4_ENTRY_METER) {
        put_meter_config(w, meter);
    }
    if (flags & OVSP4_ENTRY_COUNTER) {
        wire_put_u64(w, info->n_packets);
        wire_put_u64(w, info->n_bytes);
    }
    if (flags & OVSP4_ENTRY_TIME) {
        wire_put_u64(w, info->last_hit);
        wire_put_u64(w, now > info->last_hit ? now - info->last_hit : 0);
    }
}

/* --- WRITE: table entries ------------------------------------------------ */

/* Drops the references held by every entry of an action-profile table. */
static bool
unref_cb(const struct ovsp4_entry_info *info, void *aux)
{
    (void) aux;
    if (info->action_id == OVSP4_ACTION_REF_MEMBER
        || info->action_id == OVSP4_ACTION_REF_GROUP) {
        ref_adjust(info->action_id, rt_ap_ref_obj(info->action_data), -1);
    }
    return true;
}

static void
table_clear(struct rt_table *t)
{
    if (t->ap) {
        uint64_t cursor = 0;

        ovsp4_table_iterate(t->table, &cursor, unref_cb, NULL);
    }
    if (t->dmeter) {
        rt_meter_direct_clear(t->dmeter);
    }
    ovsp4_table_clear(t->table);
}

static status_t
write_default(struct ovsp4_rt_instance *inst, struct rt_table *t, int op,
              const struct entry_view *v)
{
    const struct ovsp4_prog_table *d = t->desc;
    struct resolved_action *ra = &scratch(inst)->ra;
    status_t error;

    if (v->flags & (OVSP4_ENTRY_METER | OVSP4_ENTRY_COUNTER)
        || v->n_matches || v->priority) {
        return OVSP4_E_INVALID;
    }
    if (op == OVSP4_OP_DELETE
        || (op == OVSP4_OP_MODIFY && v->action.kind == OVSP4_ACT_NONE)) {
        const struct ovsp4_prog_action *a = &inst->prog->actions[
            d->default_action];

        if (d->default_const) {
            return OVSP4_OK;    /* it is its own default */
        }
        return ovsp4_table_set_default(t->table, a->id, d->default_data,
                                       d->default_data ? a->data_size : 0);
    }
    if (op != OVSP4_OP_MODIFY) {
        return OVSP4_E_INVALID;
    }
    if (d->default_const) {
        return OVSP4_E_CONST;
    }
    error = resolve_action(inst, t, &v->action, true, ra);
    if (error) {
        return error;
    }
    return ovsp4_table_set_default(t->table, ra->action_id, ra->data,
                                   ra->data_len);
}

static status_t
write_entry(struct ovsp4_rt_instance *inst, int op, const struct entry_view *v)
{
    struct resolved_action *ra = &scratch(inst)->ra;
    struct match_buf *mb = &scratch(inst)->mb;
    struct ovsp4_entry_spec spec;
    struct entry_peek old, now;
    struct rt_table *t;
    status_t error;

    if (op == OVSP4_OP_CLEAR) {
        if (!v->table_id) {
            for (uint32_t i = 0; i < inst->prog->n_tables; i++) {
                if (!inst->tables[i].desc->entries_const) {
                    table_clear(&inst->tables[i]);
                }
            }
            return OVSP4_OK;
        }
        t = find_table(inst, v->table_id);
        if (!t) {
            return OVSP4_E_NOT_FOUND;
        }
        if (t->desc->entries_const) {
            return OVSP4_E_CONST;
        }
        table_clear(t);
        return OVSP4_OK;
    }

    t = find_table(inst, v->table_id);
    if (!t) {
        return OVSP4_E_NOT_FOUND;
    }
    if (v->flags & OVSP4_ENTRY_DEFAULT) {
        return write_default(inst, t, op, v);
    }
    if (t->desc->entries_const) {
        return OVSP4_E_CONST;
    }
    if (((v->flags & OVSP4_ENTRY_METER) && !t->dmeter)
        || ((v->flags & OVSP4_ENTRY_COUNTER) && !t->dcounter)
        || (v->idle_timeout_ns && !t->desc->idle_timeout)
        || ((v->flags & OVSP4_ENTRY_METER) && rt_meter_check(&v->meter))) {
        return OVSP4_E_INVALID;
    }
    error = build_match(t, v, mb);
    if (error) {
        return error;
    }

    switch (op) {
    case OVSP4_OP_INSERT:
    case OVSP4_OP_MODIFY:
        error = resolve_action(inst, t, &v->action, false, ra);
        if (error) {
            return error;
        }
        memset(&spec, 0, sizeof spec);
        spec.action_id = ra->action_id;
        spec.action_data = ra->data;
        spec.action_data_len = ra->data_len;
        spec.idle_timeout_ns = v->idle_timeout_ns;
        spec.cookie = v->cookie;
        spec.last_hit = scratch(inst)->write_now;
        if (op == OVSP4_OP_INSERT) {
            error = ovsp4_table_insert(t->table, &mb->m, &spec);
            if (error) {
                return error;
            }
        } else {
            error = peek_entry(t, &mb->m, &old);
            if (error) {
                return error;
            }
            error = ovsp4_table_modify(t->table, &mb->m, &spec);
            if (error) {
                return error;
            }
            ref_adjust(old.action_id, old.ref, -1);
        }
        ref_adjust(ra->action_id, ra->ref, 1);
        if (v->flags & OVSP4_ENTRY_COUNTER) {
            ovsp4_table_set_counters(t->table, &mb->m, v->packets, v->bytes);
        }
        if (v->flags & OVSP4_ENTRY_METER) {
            /* (the entry itself: read back only when it is needed) */
            if (peek_entry(t, &mb->m, &now)) {
                return OVSP4_OK;    /* cannot happen: we hold the mutex */
            }
            return rt_meter_direct_set(t->dmeter, now.entry, &v->meter);
        }
        return OVSP4_OK;

    case OVSP4_OP_DELETE:
        error = peek_entry(t, &mb->m, &old);
        if (error) {
            return error;
        }
        error = ovsp4_table_delete(t->table, &mb->m);
        if (error) {
            return error;
        }
        ref_adjust(old.action_id, old.ref, -1);
        if (t->dmeter) {
            rt_meter_direct_set(t->dmeter, old.entry, NULL);
        }
        return OVSP4_OK;

    default:
        return OVSP4_E_INVALID;
    }
}

/* DIRECT_COUNTER and DIRECT_METER writes: a TableEntry key with data. */
static status_t
write_direct(struct ovsp4_rt_instance *inst, int entity, int op,
             const struct entry_view *v)
{
    struct match_buf *mb = &scratch(inst)->mb;
    struct entry_peek pk;
    struct rt_table *t;
    status_t error;

    if (op != OVSP4_OP_MODIFY) {
        return OVSP4_E_INVALID;
    }
    t = find_table(inst, v->table_id);
    if (!t) {
        return OVSP4_E_NOT_FOUND;
    }
    if (v->flags & OVSP4_ENTRY_DEFAULT) {
        return OVSP4_E_UNSUPPORTED;
    }
    if (entity == OVSP4_ENT_DIRECT_COUNTER
        ? !t->dcounter || !(v->flags & OVSP4_ENTRY_COUNTER) : !t->dmeter) {
        return OVSP4_E_INVALID;
    }
    error = build_match(t, v, mb);
    if (error) {
        return error;
    }
    if (entity == OVSP4_ENT_DIRECT_COUNTER) {
        return ovsp4_table_set_counters(t->table, &mb->m, v->packets,
                                        v->bytes);
    }
    error = peek_entry(t, &mb->m, &pk);
    if (error) {
        return error;
    }
    return rt_meter_direct_set(t->dmeter, pk.entry,
                               v->flags & OVSP4_ENTRY_METER ? &v->meter
                                                            : NULL);
}

/* --- WRITE: other entities ----------------------------------------------- */

struct cell_view {
    uint32_t id;
    uint32_t index;
    uint64_t a, b;                      /* counter data */
    uint8_t configured;                 /* meter */
    struct rt_meter_config meter;
    const uint8_t *value;               /* register */
    uint32_t value_len;
};

static status_t
write_counter(struct ovsp4_rt_instance *inst, int op,
              const struct cell_view *v)
{
    struct ovsp4_rt_counter *c;
    uint32_t i;

    if (op != OVSP4_OP_MODIFY) {
        return OVSP4_E_INVALID;
    }
    if (!lookup(&inst->counter_ids, v->id, &i)) {
        return OVSP4_E_NOT_FOUND;
    }
    c = &inst->counters[i];
    if (!c->size) {
        return OVSP4_E_INVALID;         /* a direct counter */
    }
    if (v->index == OVSP4_INDEX_ALL) {
        for (i = 0; i < c->size; i++) {
            rt_counter_write(c, i, v->a, v->b);
        }
        return OVSP4_OK;
    }
    if (v->index >= c->size) {
        return OVSP4_E_RANGE;
    }
    rt_counter_write(c, v->index, v->a, v->b);
    return OVSP4_OK;
}

static status_t
write_meter(struct ovsp4_rt_instance *inst, int op, const struct cell_view *v)
{
    const struct rt_meter_config *cfg = v->configured ? &v->meter : NULL;
    struct ovsp4_rt_meter *m;
    uint32_t i;

    if (op != OVSP4_OP_MODIFY) {
        return OVSP4_E_INVALID;
    }
    if (!lookup(&inst->meter_ids, v->id, &i)) {
        return OVSP4_E_NOT_FOUND;
    }
    m = &inst->meters[i];
    if (!m->size || (cfg && rt_meter_check(cfg))) {
        return OVSP4_E_INVALID;
    }
    if (v->index == OVSP4_INDEX_ALL) {
        for (i = 0; i < m->size; i++) {
            status_t error = rt_meter_set(m, i, cfg);

            if (error) {
                return error;
            }
        }
        return OVSP4_OK;
    }
    return rt_meter_set(m, v->index, cfg);
}

static status_t
write_register(struct ovsp4_rt_instance *inst, int op,
               const struct cell_view *v)
{
    uint8_t *buf = scratch(inst)->buf;
    struct ovsp4_rt_register *r;
    uint32_t i;

    if (op != OVSP4_OP_MODIFY) {
        return OVSP4_E_INVALID;
    }
    if (!lookup(&inst->register_ids, v->id, &i)) {
        return OVSP4_E_NOT_FOUND;
    }
    r = &inst->registers[i];
    if (r->nbytes > sizeof scratch(inst)->buf || !normalize(v->value, v->value_len, buf,
                                             r->bits)) {
        return OVSP4_E_INVALID;
    }
    if (v->index == OVSP4_INDEX_ALL) {
        for (i = 0; i < r->size; i++) {
            ovsp4_rt_register_write(r, i, buf);
        }
        return OVSP4_OK;
    }
    if (v->index >= r->size) {
        return OVSP4_E_RANGE;
    }
    ovsp4_rt_register_write(r, v->index, buf);
    return OVSP4_OK;
}

static status_t
write_pre(struct ovsp4_rt_instance *inst, int entity, int op, uint32_t id,
          uint32_t cos, uint32_t truncate_len, const struct replicas_view *rv)
{
    struct ovsp4_rt_replica *reps = NULL;
    status_t error;

    if (op != OVSP4_OP_DELETE) {
        if (rv->n > RT_MAX_REPLICAS) {
            return OVSP4_E_FULL;
        }
        reps = replicas_decode(rv);
        if (rv->n && !reps) {
            return OVSP4_E_NOMEM;
        }
    }
    if (entity == OVSP4_ENT_MCAST_GROUP) {
        error = rt_pre_group_write(&inst->pre, op, id, reps,
                                   reps ? rv->n : 0);
    } else {
        error = rt_pre_session_write(&inst->pre, op, id, cos, truncate_len,
                                     reps, reps ? rv->n : 0);
    }
    free(reps);
    return error;
}

struct vs_view {
    uint32_t id;
    uint32_t n_members;
    const uint8_t *members;     /* n x (u16 n, FieldMatch...) */
    size_t members_len;
};

static void
read_vs(struct wire_reader *r, struct vs_view *v)
{
    v->id = wire_u32(r);
    v->n_members = wire_u32(r);
    v->members = r->p;
    for (uint32_t i = 0; i < v->n_members && !r->err; i++) {
        uint16_t n = wire_u16(r);

        for (uint32_t j = 0; j < n && !r->err; j++) {
            struct fm_view fm;

            read_fm(r, &fm);
        }
    }
    v->members_len = r->err ? 0 : (size_t) (r->p - v->members);
}

static status_t
write_value_set(struct ovsp4_rt_instance *inst, int op,
                const struct vs_view *v)
{
    struct ovsp4_rt_value_set *vs;
    const struct ovsp4_prog_value_set *d;
    struct wire_reader r;
    uint8_t *pairs;
    status_t error = OVSP4_OK;
    uint32_t i;

    if (op != OVSP4_OP_MODIFY) {
        return OVSP4_E_INVALID;
    }
    if (!lookup(&inst->value_set_ids, v->id, &i)) {
        return OVSP4_E_NOT_FOUND;
    }
    vs = &inst->value_sets[i];
    d = vs->desc;
    if (v->n_members > d->size) {
        return OVSP4_E_FULL;
    }
    pairs = calloc((size_t) 2 * (v->n_members ? v->n_members : 1),
                   d->key_len ? d->key_len : 1);
    if (!pairs) {
        return OVSP4_E_NOMEM;
    }
    wire_reader_init(&r, v->members, v->members_len);
    for (uint32_t k = 0; k < v->n_members && !error; k++) {
        uint8_t *value = pairs + (size_t) 2 * k * d->key_len;
        uint8_t *mask = value + d->key_len;
        uint16_t n = wire_u16(&r);
        uint64_t present = 0;

        for (uint32_t j = 0; j < n && !error; j++) {
            const struct ovsp4_field_desc *f;
            uint8_t tmp[OVSP4_TABLE_MAX_KEY];
            uint32_t nbytes;
            struct fm_view fm;

            read_fm(&r, &fm);
            if (!fm.field_id || fm.field_id > d->n_fields
                || fm.field_id > 64
                || (present & (UINT64_C(1) << (fm.field_id - 1)))) {
                error = OVSP4_E_INVALID;
                break;
            }
            present |= UINT64_C(1) << (fm.field_id - 1);
            f = &d->fields[fm.field_id - 1];
            nbytes = OVSP4_DIV_ROUND_UP(f->width, 8);
            if (fm.kind != f->kind
                || !normalize(fm.value, fm.value_len, value + f->offset,
                              f->width)) {
                error = OVSP4_E_INVALID;
                break;
            }
            memset(tmp, 0xff, nbytes);
            tmp[0] = 0xff >> (nbytes * 8 - f->width);
            switch (f->kind) {
            case OVSP4_MATCH_EXACT:
            case OVSP4_MATCH_OPTIONAL:
                break;
            case OVSP4_MATCH_TERNARY:
                if (!normalize(fm.second, fm.second_len, tmp, f->width)) {
                    error = OVSP4_E_INVALID;
                }
                break;
            case OVSP4_MATCH_LPM:
                if (fm.prefix_len > f->width) {
                    error = OVSP4_E_INVALID;
                    break;
                }
                memset(tmp, 0, nbytes);
                for (uint32_t b = 0; b < fm.prefix_len; b++) {
                    uint32_t bit = nbytes * 8 - f->width + b;

                    tmp[bit / 8] |= (uint8_t) (0x80 >> (bit % 8));
                }
                break;
            case OVSP4_MATCH_RANGE:
            default:
                error = OVSP4_E_UNSUPPORTED;
                break;
            }
            for (uint32_t b = 0; !error && b < nbytes; b++) {
                if (value[f->offset + b] & ~tmp[b]) {
                    error = OVSP4_E_INVALID;    /* value outside the mask */
                }
                mask[f->offset + b] = tmp[b];
            }
        }
        for (uint32_t j = 0; !error && j < d->n_fields && j < 64; j++) {
            if (!(present & (UINT64_C(1) << j))
                && d->fields[j].kind == OVSP4_MATCH_EXACT) {
                error = OVSP4_E_INVALID;
            }
        }
    }
    if (!error) {
        error = rt_value_set_replace(vs, pairs, v->n_members);
    }
    free(pairs);
    return error;
}

static struct rt_action_profile *
find_ap(struct ovsp4_rt_instance *inst, uint32_t id)
{
    uint32_t i;

    return lookup(&inst->ap_ids, id, &i) ? &inst->aps[i] : NULL;
}

static status_t
write_member(struct ovsp4_rt_instance *inst, int op, uint32_t profile_id,
             uint32_t member_id, const struct action_view *av)
{
    struct rt_action_profile *ap = find_ap(inst, profile_id);
    const struct ovsp4_prog_action *a;
    struct ovsp4_action *action;
    uint32_t idx;
    status_t error;

    if (!ap) {
        return OVSP4_E_NOT_FOUND;
    }
    if (op == OVSP4_OP_DELETE) {
        return rt_ap_member_delete(ap, member_id);
    }
    if (op != OVSP4_OP_INSERT && op != OVSP4_OP_MODIFY) {
        return OVSP4_E_INVALID;
    }
    if (av->kind != OVSP4_ACT_DIRECT) {
        return OVSP4_E_INVALID;
    }
    a = find_action(inst, av->id, &idx);
    if (!a) {
        return OVSP4_E_NOT_FOUND;
    }
    for (uint32_t i = 0; i < ap->desc->n_tables; i++) {
        if (!table_allows(&inst->prog->tables[ap->desc->tables[i]], idx,
                          false)) {
            return OVSP4_E_INVALID;
        }
    }
    action = calloc(1, sizeof *action + OVSP4_ROUND_UP(a->data_size, 8));
    if (!action) {
        return OVSP4_E_NOMEM;
    }
    action->id = a->id;
    action->size = a->data_size;
    error = pack_params(a, av, action->data);
    if (error) {
        free(action);
        return error;
    }
    return op == OVSP4_OP_INSERT
           ? rt_ap_member_insert(ap, member_id, action)
           : rt_ap_member_modify(ap, member_id, action);
}

static status_t
write_group(struct ovsp4_rt_instance *inst, int op, uint32_t profile_id,
            uint32_t group_id, uint32_t max_size, uint32_t n,
            const uint8_t *members)
{
    struct rt_action_profile *ap = find_ap(inst, profile_id);
    struct rt_ap_group_member *list;
    struct wire_reader r;
    status_t error;

    if (!ap) {
        return OVSP4_E_NOT_FOUND;
    }
    if (op == OVSP4_OP_DELETE) {
        return rt_ap_group_delete(ap, group_id);
    }
    if (op != OVSP4_OP_INSERT && op != OVSP4_OP_MODIFY) {
        return OVSP4_E_INVALID;
    }
    list = malloc((n ? n : 1) * sizeof *list);
    if (!list) {
        return OVSP4_E_NOMEM;
    }
    wire_reader_init(&r, members, (size_t) n * 8);
    for (uint32_t i = 0; i < n; i++) {
        list[i].member_id = wire_u32(&r);
        list[i].weight = wire_u32(&r);
    }
    error = rt_ap_group_write(ap, op == OVSP4_OP_INSERT, group_id, max_size,
                              list, n);
    free(list);
    return error;
}

static status_t
write_digest(struct ovsp4_rt_instance *inst, int op, uint32_t id,
             uint64_t max_timeout, uint32_t max_list, uint64_t ack_timeout)
{
    struct rt_digest *d;
    bool enabled;
    uint32_t i;

    if (!lookup(&inst->digest_ids, id, &i)) {
        return OVSP4_E_NOT_FOUND;
    }
    d = &inst->digests[i];
    enabled = atomic_load_explicit(&d->enabled, memory_order_relaxed);
    switch (op) {
    case OVSP4_OP_INSERT:
        if (enabled) {
            return OVSP4_E_EXISTS;
        }
        return rt_digest_config(inst, i, true, max_timeout, max_list,
                                ack_timeout);
    case OVSP4_OP_MODIFY:
        if (!enabled) {
            return OVSP4_E_NOT_FOUND;
        }
        return rt_digest_config(inst, i, true, max_timeout, max_list,
                                ack_timeout);
    case OVSP4_OP_DELETE:
        if (!enabled) {
            return OVSP4_E_NOT_FOUND;
        }
        return rt_digest_config(inst, i, false, 0, 0, 0);
    default:
        return OVSP4_E_INVALID;
    }
}

/* When the update at `r` (the next one of a WRITE) is a table entry's,
 * tells its table, so that what it will touch first comes into the cache
 * while the current update is applied: the updates of a large table miss
 * the cache where they land, and one after the other those misses add up.
 * Decodes a copy of the reader; a malformed update is left to its turn. */
static void
hint_next_update(struct ovsp4_rt_instance *inst, const struct wire_reader *r)
{
    struct wire_reader peek = *r;
    struct match_buf *mb = &scratch(inst)->mb_next;
    struct entry_view v;
    const struct rt_table *t;
    uint8_t op;

    if (!wire_left(&peek)) {
        return;
    }
    op = wire_u8(&peek);
    if (wire_u8(&peek) != OVSP4_ENT_TABLE_ENTRY
        || (op != OVSP4_OP_INSERT && op != OVSP4_OP_MODIFY
            && op != OVSP4_OP_DELETE)) {
        return;
    }
    read_entry(&peek, &v);
    if (peek.err || v.flags & OVSP4_ENTRY_DEFAULT) {
        return;
    }
    t = find_table(inst, v.table_id);
    if (t && !t->desc->entries_const && !build_match(t, &v, mb)) {
        ovsp4_table_prefetch_update(t->table, &mb->m);
    }
}

/* Decodes (and, when `apply`, applies) one update.  Framing errors set
 * r->err. */
static status_t
do_update(struct ovsp4_rt_instance *inst, struct wire_reader *r, bool apply)
{
    uint8_t op = wire_u8(r);
    uint8_t entity = wire_u8(r);

    switch (entity) {
    case OVSP4_ENT_TABLE_ENTRY:
    case OVSP4_ENT_DIRECT_COUNTER:
    case OVSP4_ENT_DIRECT_METER: {
        struct entry_view v;

        read_entry(r, &v);
        if (!apply || r->err) {
            return OVSP4_OK;
        }
        if (entity == OVSP4_ENT_TABLE_ENTRY) {
            hint_next_update(inst, r);
            return write_entry(inst, op, &v);
        }
        return write_direct(inst, entity, op, &v);
    }
    case OVSP4_ENT_COUNTER:
    case OVSP4_ENT_METER:
    case OVSP4_ENT_REGISTER: {
        struct cell_view v;

        memset(&v, 0, sizeof v);
        v.id = wire_u32(r);
        v.index = wire_u32(r);
        if (entity == OVSP4_ENT_COUNTER) {
            v.a = wire_u64(r);
            v.b = wire_u64(r);
        } else if (entity == OVSP4_ENT_METER) {
            v.configured = wire_u8(r);
            read_meter_config(r, &v.meter);
        } else {
            v.value = wire_bytes(r, &v.value_len);
        }
        if (!apply || r->err) {
            return OVSP4_OK;
        }
        return entity == OVSP4_ENT_COUNTER ? write_counter(inst, op, &v)
               : entity == OVSP4_ENT_METER ? write_meter(inst, op, &v)
               : write_register(inst, op, &v);
    }
    case OVSP4_ENT_MCAST_GROUP:
    case OVSP4_ENT_CLONE_SESSION: {
        uint32_t id = wire_u32(r), cos = 0, trunc = 0;
        struct replicas_view rv;

        if (entity == OVSP4_ENT_CLONE_SESSION) {
            cos = wire_u32(r);
            trunc = wire_u32(r);
        }
        read_replicas(r, &rv);
        if (!apply || r->err) {
            return OVSP4_OK;
        }
        return write_pre(inst, entity, op, id, cos, trunc, &rv);
    }
    case OVSP4_ENT_VALUE_SET: {
        struct vs_view v;

        read_vs(r, &v);
        if (!apply || r->err) {
            return OVSP4_OK;
        }
        return write_value_set(inst, op, &v);
    }
    case OVSP4_ENT_AP_MEMBER: {
        uint32_t profile = wire_u32(r), member = wire_u32(r);
        struct action_view av;

        read_action(r, &av);
        if (!apply || r->err) {
            return OVSP4_OK;
        }
        return write_member(inst, op, profile, member, &av);
    }
    case OVSP4_ENT_AP_GROUP: {
        uint32_t profile = wire_u32(r), group = wire_u32(r);
        uint32_t max_size = wire_u32(r), n = wire_u32(r);
        const uint8_t *members = wire_take(r, (size_t) n * 8);

        if (!apply || r->err || !members) {
            return OVSP4_OK;
        }
        return write_group(inst, op, profile, group, max_size, n, members);
    }
    case OVSP4_ENT_DIGEST_CONFIG: {
        uint32_t id = wire_u32(r);
        uint64_t max_timeout = wire_u64(r);
        uint32_t max_list = wire_u32(r);
        uint64_t ack_timeout = wire_u64(r);

        if (!apply || r->err) {
            return OVSP4_OK;
        }
        return write_digest(inst, op, id, max_timeout, max_list,
                            ack_timeout);
    }
    default:
        r->err = true;
        return OVSP4_E_INVALID;
    }
}

static status_t
do_write(struct ovsp4_rt_instance *inst, struct wire_reader *req,
         struct wire_writer *w)
{
    struct wire_reader r = *req;
    uint32_t n = wire_u32(&r);
    status_t first = OVSP4_OK;
    uint8_t *statuses;

    if (n > OVSP4_MAX_UPDATES) {
        return OVSP4_E_INVALID;
    }
    /* Pass 1: framing. */
    for (uint32_t i = 0; i < n && !r.err; i++) {
        do_update(inst, &r, false);
    }
    if (r.err || wire_left(&r)) {
        return OVSP4_E_INVALID;
    }
    wire_put_u32(w, n);
    statuses = wire_put(w, n);
    if (!statuses) {
        return OVSP4_E_TOOBIG;
    }
    /* Pass 2: apply, all at the same time (one clock reading for the new
     * entries' idle timeouts: a WRITE is one operation). */
    scratch(inst)->write_now = rt_control_now(inst);
    r = *req;
    wire_u32(&r);
    for (uint32_t i = 0; i < n; i++) {
        status_t s = do_update(inst, &r, true);

        statuses[i] = (uint8_t) s;
        if (s && !first) {
            first = s;
        }
    }
    return first;
}

/* --- READ ---------------------------------------------------------------- */

struct page {
    struct ovsp4_rt_instance *inst;
    struct wire_writer *w;
    uint32_t count;
    uint32_t max_items;         /* 0: as many as fit */
    uint64_t now;
    bool more;                  /* stopped early: resume at the cursor */
};

static bool
page_room(const struct page *pg)
{
    return !pg->max_items || pg->count < pg->max_items;
}

/* Ends an item started at `mark`: false (and the item undone) if it did
 * not fit. */
static bool
page_end(struct page *pg, size_t mark)
{
    if (pg->w->overflow) {
        wire_rollback(pg->w, mark);
        pg->more = true;
        return false;
    }
    pg->count++;
    return true;
}

struct enc_ctx {
    struct page *pg;
    const struct rt_table *t;
};

static bool
encode_cb(const struct ovsp4_entry_info *info, void *ctx_)
{
    struct enc_ctx *ctx = ctx_;
    struct rt_meter_config cfg;
    const struct rt_meter_config *meter = NULL;
    size_t mark;

    if (!page_room(ctx->pg)) {
        ctx->pg->more = true;
        return false;
    }
    if (ctx->t->dmeter && rt_meter_direct_get(ctx->t->dmeter, info->entry,
                                              &cfg)) {
        meter = &cfg;
    }
    mark = wire_mark(ctx->pg->w);
    rt_encode_entry(ctx->pg->w, ctx->t, info, OVSP4_ENTRY_TIME, meter,
                    ctx->pg->now);
    return page_end(ctx->pg, mark);
}

static void
encode_default(struct page *pg, const struct rt_table *t)
{
    const struct ovsp4_action *a = ovsp4_table_default_action(t->table);
    struct ovsp4_entry_info info;
    size_t mark = wire_mark(pg->w);

    memset(&info, 0, sizeof info);
    memset(scratch(pg->inst)->mb.fields, 0,
           sizeof scratch(pg->inst)->mb.fields);
    info.fields = scratch(pg->inst)->mb.fields;
    info.action_id = a->id;
    info.action_data = a->data;
    info.action_data_len = a->size;
    rt_encode_entry(pg->w, t, &info, OVSP4_ENTRY_DEFAULT, NULL, pg->now);
    page_end(pg, mark);
}

static bool
entry_eligible(const struct rt_table *t, int entity)
{
    return entity == OVSP4_ENT_TABLE_ENTRY
           || (entity == OVSP4_ENT_DIRECT_COUNTER && t->dcounter)
           || (entity == OVSP4_ENT_DIRECT_METER && t->dmeter);
}

static status_t
read_entries(struct page *pg, int entity, uint32_t id, bool has_key,
             const struct entry_view *key, uint64_t *ca, uint64_t *cb)
{
    struct ovsp4_rt_instance *inst = pg->inst;
    uint32_t lo = 0, hi = inst->prog->n_tables;
    struct enc_ctx ctx = { pg, NULL };

    if (has_key) {
        struct match_buf *mb = &scratch(inst)->mb;
        const struct rt_table *t = find_table(inst, key->table_id);
        status_t error;

        if (!t) {
            return OVSP4_E_NOT_FOUND;
        }
        if (!entry_eligible(t, entity)) {
            return OVSP4_E_INVALID;
        }
        if (key->flags & OVSP4_ENTRY_DEFAULT) {
            if (entity != OVSP4_ENT_TABLE_ENTRY) {
                return OVSP4_E_UNSUPPORTED;
            }
            encode_default(pg, t);
            return OVSP4_OK;
        }
        error = build_match(t, key, mb);
        if (error) {
            return error;
        }
        ctx.t = t;
        return ovsp4_table_read(t->table, &mb->m, encode_cb, &ctx);
    }
    if (id) {
        const struct rt_table *t = find_table(inst, id);

        if (!t) {
            return OVSP4_E_NOT_FOUND;
        }
        if (!entry_eligible(t, entity)) {
            return OVSP4_E_INVALID;
        }
        lo = (uint32_t) (t - inst->tables);
        hi = lo + 1;
    }
    for (uint32_t ti = OVSP4_MAX(lo, (uint32_t) OVSP4_MIN(*ca, hi));
         ti < hi; ti++) {
        const struct rt_table *t = &inst->tables[ti];
        uint64_t cursor = ti == *ca ? *cb : 0;

        if (!entry_eligible(t, entity)) {
            continue;
        }
        ctx.t = t;
        if (!ovsp4_table_iterate(t->table, &cursor, encode_cb, &ctx)
            || pg->more) {
            pg->more = true;
            *ca = ti;
            *cb = cursor;
            return OVSP4_OK;
        }
    }
    *ca = *cb = 0;
    return OVSP4_OK;
}

static void
encode_cell(struct page *pg, int entity, uint32_t o, uint32_t cell)
{
    struct ovsp4_rt_instance *inst = pg->inst;

    switch (entity) {
    case OVSP4_ENT_COUNTER: {
        uint64_t packets, bytes;

        rt_counter_read(&inst->counters[o], cell, &packets, &bytes);
        wire_put_u32(pg->w, inst->counters[o].desc->id);
        wire_put_u32(pg->w, cell);
        wire_put_u64(pg->w, packets);
        wire_put_u64(pg->w, bytes);
        break;
    }
    case OVSP4_ENT_METER: {
        struct rt_meter_config cfg;
        bool on;

        memset(&cfg, 0, sizeof cfg);
        on = rt_meter_get(&inst->meters[o], cell, &cfg);
        wire_put_u32(pg->w, inst->meters[o].desc->id);
        wire_put_u32(pg->w, cell);
        wire_put_u8(pg->w, on);
        put_meter_config(pg->w, &cfg);
        break;
    }
    case OVSP4_ENT_REGISTER: {
        struct ovsp4_rt_register *r = &inst->registers[o];
        uint8_t *v;

        wire_put_u32(pg->w, r->desc->id);
        wire_put_u32(pg->w, cell);
        wire_put_u32(pg->w, r->nbytes);
        v = wire_put(pg->w, r->nbytes);
        if (v) {
            ovsp4_rt_register_read(r, cell, v);
        }
        break;
    }
    default:
        break;
    }
}

static status_t
read_cells(struct page *pg, int entity, uint32_t id, uint32_t index,
           uint64_t *ca, uint64_t *cb)
{
    struct ovsp4_rt_instance *inst = pg->inst;
    const struct objmap *ids;
    uint32_t n_objs, lo = 0, hi;

    switch (entity) {
    case OVSP4_ENT_COUNTER:
        ids = &inst->counter_ids;
        n_objs = inst->prog->n_counters;
        break;
    case OVSP4_ENT_METER:
        ids = &inst->meter_ids;
        n_objs = inst->prog->n_meters;
        break;
    default:
        ids = &inst->register_ids;
        n_objs = inst->prog->n_registers;
        break;
    }
#define CELLS(O) (entity == OVSP4_ENT_COUNTER ? inst->counters[O].size   \
                  : entity == OVSP4_ENT_METER ? inst->meters[O].size     \
                  : inst->registers[O].size)
    hi = n_objs;
    if (id) {
        if (!lookup(ids, id, &lo)) {
            return OVSP4_E_NOT_FOUND;
        }
        if (!CELLS(lo) && entity != OVSP4_ENT_REGISTER) {
            return OVSP4_E_INVALID;     /* direct counter or meter */
        }
        hi = lo + 1;
        if (index != OVSP4_INDEX_ALL) {
            size_t mark = wire_mark(pg->w);

            if (index >= CELLS(lo)) {
                return OVSP4_E_RANGE;
            }
            encode_cell(pg, entity, lo, index);
            page_end(pg, mark);
            return OVSP4_OK;
        }
    }
    for (uint32_t o = OVSP4_MAX(lo, (uint32_t) OVSP4_MIN(*ca, hi)); o < hi;
         o++) {
        uint32_t size = CELLS(o);

        for (uint64_t c = o == *ca ? *cb : 0; c < size; c++) {
            size_t mark = wire_mark(pg->w);

            if (!page_room(pg)) {
                pg->more = true;
            } else {
                encode_cell(pg, entity, o, (uint32_t) c);
                page_end(pg, mark);
            }
            if (pg->more) {
                *ca = o;
                *cb = c;
                return OVSP4_OK;
            }
        }
    }
#undef CELLS
    *ca = *cb = 0;
    return OVSP4_OK;
}

static void
put_replicas(struct wire_writer *w, const struct ovsp4_rt_replica *r,
             uint32_t n)
{
    wire_put_u32(w, n);
    for (uint32_t i = 0; i < n; i++) {
        wire_put_u32(w, r[i].port);
        wire_put_u32(w, r[i].rid);
    }
}

static void
encode_pre(struct page *pg, int entity, uint32_t id)
{
    struct ovsp4_rt_instance *inst = pg->inst;

    if (entity == OVSP4_ENT_MCAST_GROUP) {
        const struct rt_mcast_group *g = rt_pre_group(&inst->pre, id);

        wire_put_u32(pg->w, id);
        put_replicas(pg->w, g->replicas, g->n);
    } else {
        const struct rt_clone *c = rt_pre_session(&inst->pre, id);

        wire_put_u32(pg->w, id);
        wire_put_u32(pg->w, c->s.class_of_service);
        wire_put_u32(pg->w, c->s.truncate_len);
        put_replicas(pg->w, c->replicas, c->s.n_replicas);
    }
}

/* Pages through a sorted id list: *cb is the next id to deliver. */
static status_t
read_id_list(struct page *pg, const uint32_t *ids, uint32_t n, uint64_t *cb,
             void (*encode)(struct page *, const void *, uint32_t),
             const void *aux)
{
    for (uint32_t i = 0; i < n; i++) {
        size_t mark;

        if (ids[i] < *cb) {
            continue;
        }
        if (!page_room(pg)) {
            pg->more = true;
        } else {
            mark = wire_mark(pg->w);
            encode(pg, aux, ids[i]);
            page_end(pg, mark);
        }
        if (pg->more) {
            *cb = ids[i];
            return OVSP4_OK;
        }
    }
    *cb = 0;
    return OVSP4_OK;
}

static void
encode_pre_cb(struct page *pg, const void *aux, uint32_t id)
{
    encode_pre(pg, *(const int *) aux, id);
}

static status_t
read_pre(struct page *pg, int entity, uint32_t id, uint64_t *ca,
         uint64_t *cb)
{
    struct ovsp4_rt_instance *inst = pg->inst;
    uint32_t *ids, n;
    status_t error;

    if (id) {
        size_t mark = wire_mark(pg->w);

        if (entity == OVSP4_ENT_MCAST_GROUP
            ? !rt_pre_group(&inst->pre, id) : !rt_pre_session(&inst->pre,
                                                              id)) {
            return OVSP4_E_NOT_FOUND;
        }
        encode_pre(pg, entity, id);
        page_end(pg, mark);
        return OVSP4_OK;
    }
    n = entity == OVSP4_ENT_MCAST_GROUP ? rt_pre_group_ids(&inst->pre, &ids)
        : rt_pre_session_ids(&inst->pre, &ids);
    if (!ids) {
        return OVSP4_E_NOMEM;
    }
    error = read_id_list(pg, ids, n, cb, encode_pre_cb, &entity);
    *ca = 0;
    free(ids);
    return error;
}

static void
encode_value_set(struct page *pg, const struct ovsp4_rt_value_set *vs)
{
    const struct ovsp4_prog_value_set *d = vs->desc;
    const struct rt_vs_members *m = atomic_load_explicit(
        &((struct ovsp4_rt_value_set *) vs)->members, memory_order_acquire);
    uint32_t n = m ? m->n : 0;

    wire_put_u32(pg->w, d->id);
    wire_put_u32(pg->w, n);
    for (uint32_t k = 0; k < n; k++) {
        const uint8_t *value = m->data + (size_t) 2 * k * m->key_len;
        const uint8_t *mask = value + m->key_len;
        size_t count_at;
        uint16_t count = 0;

        count_at = wire_mark(pg->w);
        wire_put_u16(pg->w, 0);
        for (uint32_t j = 0; j < d->n_fields; j++) {
            const struct ovsp4_field_desc *f = &d->fields[j];
            uint32_t nbytes = OVSP4_DIV_ROUND_UP(f->width, 8), ones = 0;
            bool any = false;

            for (uint32_t b = 0; b < nbytes; b++) {
                any |= mask[f->offset + b] != 0;
                ones += (uint32_t) __builtin_popcount(mask[f->offset + b]);
            }
            if (!any && f->kind != OVSP4_MATCH_EXACT) {
                continue;
            }
            count++;
            wire_put_u32(pg->w, j + 1);
            wire_put_u8(pg->w, (uint8_t) f->kind);
            wire_put_bytes(pg->w, value + f->offset, nbytes);
            if (f->kind == OVSP4_MATCH_TERNARY) {
                wire_put_bytes(pg->w, mask + f->offset, nbytes);
            } else {
                wire_put_bytes(pg->w, NULL, 0);
            }
            wire_put_u16(pg->w, f->kind == OVSP4_MATCH_LPM
                                ? (uint16_t) ones : 0);
        }
        if (!pg->w->overflow) {
            pg->w->buf[count_at] = (uint8_t) count;
            pg->w->buf[count_at + 1] = (uint8_t) (count >> 8);
        }
    }
}

static status_t
read_value_sets(struct page *pg, uint32_t id, uint64_t *ca, uint64_t *cb)
{
    struct ovsp4_rt_instance *inst = pg->inst;
    uint32_t lo = 0, hi = inst->prog->n_value_sets;

    if (id) {
        if (!lookup(&inst->value_set_ids, id, &lo)) {
            return OVSP4_E_NOT_FOUND;
        }
        hi = lo + 1;
    }
    for (uint32_t i = OVSP4_MAX(lo, (uint32_t) OVSP4_MIN(*ca, hi)); i < hi;
         i++) {
        size_t mark = wire_mark(pg->w);

        if (!page_room(pg)) {
            pg->more = true;
        } else {
            encode_value_set(pg, &inst->value_sets[i]);
            page_end(pg, mark);
        }
        if (pg->more) {
            *ca = i;
            return OVSP4_OK;
        }
    }
    *ca = *cb = 0;
    return OVSP4_OK;
}

static void
encode_member(struct page *pg, const void *ap_, uint32_t id)
{
    struct rt_action_profile *ap = (struct rt_action_profile *) ap_;
    struct rt_ap_member *m = rt_ap_member_find(ap, id);
    const struct ovsp4_action *a = atomic_load_explicit(&m->action,
                                                        memory_order_acquire);

    wire_put_u32(pg->w, ap->desc->id);
    wire_put_u32(pg->w, id);
    put_action(pg->w, pg->inst, a->id, a->data);
}

static void
encode_group(struct page *pg, const void *ap_, uint32_t id)
{
    struct rt_action_profile *ap = (struct rt_action_profile *) ap_;
    struct rt_ap_group *g = rt_ap_group_find(ap, id);

    wire_put_u32(pg->w, ap->desc->id);
    wire_put_u32(pg->w, id);
    wire_put_u32(pg->w, g->max_size);
    wire_put_u32(pg->w, g->n_members);
    for (uint32_t i = 0; i < g->n_members; i++) {
        wire_put_u32(pg->w, g->members[i].member_id);
        wire_put_u32(pg->w, g->members[i].weight);
    }
}

static status_t
read_ap(struct page *pg, int entity, uint32_t id, uint32_t index,
        uint64_t *ca, uint64_t *cb)
{
    struct ovsp4_rt_instance *inst = pg->inst;
    uint32_t lo = 0, hi = inst->prog->n_action_profiles;
    bool members = entity == OVSP4_ENT_AP_MEMBER;

    if (id) {
        if (!lookup(&inst->ap_ids, id, &lo)) {
            return OVSP4_E_NOT_FOUND;
        }
        hi = lo + 1;
        if (index != OVSP4_INDEX_ALL) {
            struct rt_action_profile *ap = &inst->aps[lo];
            size_t mark = wire_mark(pg->w);

            if (members ? !rt_ap_member_find(ap, index)
                : !rt_ap_group_find(ap, index)) {
                return OVSP4_E_NOT_FOUND;
            }
            (members ? encode_member : encode_group)(pg, ap, index);
            page_end(pg, mark);
            return OVSP4_OK;
        }
    }
    for (uint32_t i = OVSP4_MAX(lo, (uint32_t) OVSP4_MIN(*ca, hi)); i < hi;
         i++) {
        struct rt_action_profile *ap = &inst->aps[i];
        uint64_t next = i == *ca ? *cb : 0;
        uint32_t *ids, n;

        n = members ? rt_ap_member_ids(ap, &ids) : rt_ap_group_ids(ap, &ids);
        if (!ids) {
            return OVSP4_E_NOMEM;
        }
        read_id_list(pg, ids, n, &next,
                     members ? encode_member : encode_group, ap);
        free(ids);
        if (pg->more) {
            *ca = i;
            *cb = next;
            return OVSP4_OK;
        }
    }
    *ca = *cb = 0;
    return OVSP4_OK;
}

static void
encode_digest(struct page *pg, const struct rt_digest *d)
{
    wire_put_u32(pg->w, d->desc->id);
    wire_put_u64(pg->w, d->max_timeout_ns);
    wire_put_u32(pg->w, d->max_list_size);
    wire_put_u64(pg->w, d->ack_timeout_ns);
}

static status_t
read_digests(struct page *pg, uint32_t id, uint64_t *ca, uint64_t *cb)
{
    struct ovsp4_rt_instance *inst = pg->inst;
    uint32_t lo = 0, hi = inst->prog->n_digests;

    if (id) {
        if (!lookup(&inst->digest_ids, id, &lo)) {
            return OVSP4_E_NOT_FOUND;
        }
        if (!atomic_load_explicit(&inst->digests[lo].enabled,
                                  memory_order_relaxed)) {
            return OVSP4_E_NOT_FOUND;
        }
        hi = lo + 1;
    }
    for (uint32_t i = OVSP4_MAX(lo, (uint32_t) OVSP4_MIN(*ca, hi)); i < hi;
         i++) {
        const struct rt_digest *d = &inst->digests[i];
        size_t mark = wire_mark(pg->w);

        if (!atomic_load_explicit(&d->enabled, memory_order_relaxed)) {
            continue;
        }
        if (!page_room(pg)) {
            pg->more = true;
        } else {
            encode_digest(pg, d);
            page_end(pg, mark);
        }
        if (pg->more) {
            *ca = i;
            return OVSP4_OK;
        }
    }
    *ca = *cb = 0;
    return OVSP4_OK;
}

static status_t
do_read(struct ovsp4_rt_instance *inst, struct wire_reader *r,
        struct wire_writer *w)
{
    uint8_t entity = wire_u8(r);
    uint32_t id = wire_u32(r), index = wire_u32(r);
    uint8_t flags = wire_u8(r);
    struct entry_view key;
    uint64_t ca, cb;
    uint32_t max_items;
    struct page pg;
    size_t count_at, cap = w->cap;
    status_t error;

    memset(&key, 0, sizeof key);
    if (flags & OVSP4_READ_KEY) {
        read_entry(r, &key);
    }
    ca = wire_u64(r);
    cb = wire_u64(r);
    max_items = wire_u32(r);
    if (r->err || wire_left(r) || (flags & ~OVSP4_READ_KEY)) {
        return OVSP4_E_INVALID;
    }
    if (cap - w->len < 1 + 4 + READ_TRAILER) {
        return OVSP4_E_TOOBIG;
    }
    w->cap -= READ_TRAILER;
    wire_put_u8(w, entity);
    count_at = wire_mark(w);
    wire_put_u32(w, 0);

    memset(&pg, 0, sizeof pg);
    pg.inst = inst;
    pg.w = w;
    pg.max_items = max_items;
    pg.now = rt_control_now(inst);
    switch (entity) {
    case OVSP4_ENT_TABLE_ENTRY:
    case OVSP4_ENT_DIRECT_COUNTER:
    case OVSP4_ENT_DIRECT_METER:
        error = read_entries(&pg, entity, id, flags & OVSP4_READ_KEY, &key,
                             &ca, &cb);
        break;
    case OVSP4_ENT_COUNTER:
    case OVSP4_ENT_METER:
    case OVSP4_ENT_REGISTER:
        error = read_cells(&pg, entity, id, index, &ca, &cb);
        break;
    case OVSP4_ENT_MCAST_GROUP:
    case OVSP4_ENT_CLONE_SESSION:
        error = read_pre(&pg, entity, id, &ca, &cb);
        break;
    case OVSP4_ENT_VALUE_SET:
        error = read_value_sets(&pg, id, &ca, &cb);
        break;
    case OVSP4_ENT_AP_MEMBER:
    case OVSP4_ENT_AP_GROUP:
        error = read_ap(&pg, entity, id, index, &ca, &cb);
        break;
    case OVSP4_ENT_DIGEST_CONFIG:
        error = read_digests(&pg, id, &ca, &cb);
        break;
    default:
        error = OVSP4_E_INVALID;
        break;
    }
    w->cap = cap;
    if (error) {
        return error;
    }
    if (pg.more && !pg.count) {
        return OVSP4_E_TOOBIG;
    }
    if (!pg.more) {
        ca = cb = 0;
    }
    wire_patch_u32(w, count_at, pg.count);
    wire_put_u8(w, pg.more);
    wire_put_u64(w, ca);
    wire_put_u64(w, cb);
    return OVSP4_OK;
}

/* --- PACKET_OUT ---------------------------------------------------------- */

static status_t
do_packet_out(struct ovsp4_rt_instance *inst, struct wire_reader *r,
              struct wire_writer *w)
{
    const struct ovsp4_prog_controller_header *ph = inst->prog->packet_out;
    uint32_t hbits = inst->packet_out_bits;
    uint32_t hlen = OVSP4_DIV_ROUND_UP(hbits, 8);
    uint16_t n_meta = wire_u16(r);
    const uint8_t *meta = r->p;
    struct ovsp4_rt_thread *ct = inst->control_thread;
    struct ovsp4_output *outs;
    struct ovsp4_packet pkt;
    uint32_t payload_len, n_out, n_sent = 0;
    const uint8_t *payload;
    struct wire_reader mr;
    size_t count_at;
    uint8_t *buf;
    uint64_t drops_before;

    for (uint32_t i = 0; i < n_meta && !r->err; i++) {
        uint32_t len;

        wire_u32(r);
        wire_bytes(r, &len);
    }
    wire_reader_init(&mr, meta, r->err ? 0 : (size_t) (r->p - meta));
    payload = wire_bytes(r, &payload_len);
    if (r->err || wire_left(r) || payload_len > OVSP4_MAX_PACKET) {
        return OVSP4_E_INVALID;
    }
    if (!inst->cfg.cpu_port) {
        return OVSP4_E_UNSUPPORTED;
    }
    if (n_meta && !ph) {
        return OVSP4_E_INVALID;
    }
    /* Room for the counts, checked before the packet runs: a TOOBIG
     * reply makes the caller retry, which must not run it twice. */
    if (w->cap - w->len < 8) {
        return OVSP4_E_TOOBIG;
    }

    buf = calloc(1, PKT_HEADROOM + hlen + payload_len + 1);
    outs = malloc(PKT_MAX_OUTPUTS * sizeof *outs);
    if (!buf || !outs) {
        free(buf);
        free(outs);
        return OVSP4_E_NOMEM;
    }
    for (uint32_t i = 0; i < n_meta; i++) {
        uint32_t id = wire_u32(&mr), len, off = 0, j;
        const uint8_t *value = wire_bytes(&mr, &len);
        uint8_t field[OVSP4_TABLE_MAX_KEY];

        for (j = 0; j < ph->n_fields; j++) {
            if (ph->field_ids[j] == id) {
                break;
            }
            off += ph->field_bits[j];
        }
        if (j == ph->n_fields || ph->field_bits[j] > 8 * sizeof field
            || !normalize(value, len, field, ph->field_bits[j])) {
            free(buf);
            free(outs);
            return OVSP4_E_INVALID;
        }
        rt_bits_put(buf + PKT_HEADROOM, off, ph->field_bits[j], field);
    }
    if (payload_len) {
        memcpy(buf + PKT_HEADROOM + hlen, payload, payload_len);
    }
    memset(&pkt, 0, sizeof pkt);
    pkt.data = buf + PKT_HEADROOM;
    pkt.len = hlen + payload_len;
    pkt.headroom = PKT_HEADROOM;
    pkt.in_port = inst->cfg.cpu_port;

    drops_before = atomic_load_explicit(
        &ct->slot->stats[RT_STAT_OUTPUT_DROPS], memory_order_relaxed);
    ovsp4_rcu_online(ct->rcu);
    rt_thread_begin(ct, &pkt, 1, outs, PKT_MAX_OUTPUTS,
                    rt_control_now(inst));
    inst->prog->process(ct, &pkt, 1, 0);
    n_out = ct->hot.n_out;
    rt_stat_inc(ct->slot, RT_STAT_PACKETS);

    wire_put_u32(w, 0);
    count_at = wire_mark(w) - 4;
    w->cap -= 4;                        /* keep room for n_dropped */
    for (uint32_t i = 0; i < n_out; i++) {
        size_t mark = wire_mark(w);

        wire_put_u32(w, outs[i].port);
        wire_put_bytes(w, outs[i].data, outs[i].len);
        if (w->overflow) {
            wire_rollback(w, mark);
            break;
        }
        n_sent++;
    }
    ovsp4_rcu_quiesce(ct->rcu);
    ovsp4_rcu_offline(ct->rcu);
    w->cap += 4;
    wire_patch_u32(w, count_at, n_sent);
    wire_put_u32(w, (uint32_t) (n_out - n_sent
                                + atomic_load_explicit(
                                    &ct->slot->stats[RT_STAT_OUTPUT_DROPS],
                                    memory_order_relaxed) - drops_before));
    free(buf);
    free(outs);
    return OVSP4_OK;
}

/* --- Small requests ------------------------------------------------------ */

static status_t
do_get_info(struct ovsp4_rt_instance *inst, struct wire_reader *r,
            struct wire_writer *w)
{
    const struct ovsp4_program *p = inst->prog;
    const char *name = p->name ? p->name : "";
    const char *arch = p->arch ? p->arch : "";
    const char *compiler = "ovs-p4c";

    if (wire_left(r)) {
        return OVSP4_E_INVALID;
    }
    wire_put_u32(w, OVSP4_ABI_VERSION);
    wire_put_u32(w, inst->cfg.cpu_port);
    wire_put_bytes(w, name, (uint32_t) strlen(name));
    wire_put_bytes(w, arch, (uint32_t) strlen(arch));
    wire_put_bytes(w, compiler, (uint32_t) strlen(compiler));
    wire_put_bytes(w, p->p4info, p->p4info ? (uint32_t) p->p4info_len : 0);
    return w->overflow ? OVSP4_E_TOOBIG : OVSP4_OK;
}

static status_t
do_digest_ack(struct ovsp4_rt_instance *inst, struct wire_reader *r)
{
    uint32_t id = wire_u32(r), idx;
    uint64_t list_id = wire_u64(r);

    if (r->err || wire_left(r)) {
        return OVSP4_E_INVALID;
    }
    if (!lookup(&inst->digest_ids, id, &idx)) {
        return OVSP4_E_NOT_FOUND;
    }
    return rt_digest_ack(inst, idx, list_id);
}

static status_t
do_set_config(struct ovsp4_rt_instance *inst, struct wire_reader *r)
{
    uint16_t n = wire_u16(r);
    const uint8_t *items = wire_take(r, (size_t) n * 10);
    struct wire_reader ir;

    if (r->err || wire_left(r)) {
        return OVSP4_E_INVALID;
    }
    /* Check every item before applying any. */
    wire_reader_init(&ir, items, (size_t) n * 10);
    for (uint32_t i = 0; i < n; i++) {
        uint16_t key = wire_u16(&ir);
        uint64_t value = wire_u64(&ir);

        switch (key) {
        case OVSP4_CFG_IDLE_SWEEP_NS:
        case OVSP4_CFG_CLOCK_NOW:
            break;
        case OVSP4_CFG_CLOCK_MODE:
            if (value > OVSP4_CLOCK_MANUAL) {
                return OVSP4_E_INVALID;
            }
            break;
        default:
            return OVSP4_E_UNSUPPORTED;
        }
    }
    wire_reader_init(&ir, items, (size_t) n * 10);
    for (uint32_t i = 0; i < n; i++) {
        uint16_t key = wire_u16(&ir);
        uint64_t value = wire_u64(&ir);

        if (key == OVSP4_CFG_IDLE_SWEEP_NS) {
            atomic_store_explicit(&inst->idle_sweep_ns, value,
                                  memory_order_relaxed);
        } else if (key == OVSP4_CFG_CLOCK_MODE) {
            atomic_store_explicit(&inst->clock_mode, (int) value,
                                  memory_order_relaxed);
        } else {
            atomic_store_explicit(&inst->manual_now, value,
                                  memory_order_relaxed);
        }
    }
    return OVSP4_OK;
}

static status_t
do_get_stats(struct ovsp4_rt_instance *inst, struct wire_reader *r,
             struct wire_writer *w)
{
    static const struct {
        uint16_t key;
        enum rt_stat stat;
    } map[] = {
        { OVSP4_STAT_PACKETS, RT_STAT_PACKETS },
        { OVSP4_STAT_OUTPUTS, RT_STAT_OUTPUTS },
        { OVSP4_STAT_OUTPUT_DROPS, RT_STAT_OUTPUT_DROPS },
        { OVSP4_STAT_PACKET_INS, RT_STAT_PACKET_INS },
        { OVSP4_STAT_PACKET_IN_DROPS, RT_STAT_PACKET_IN_DROPS },
        { OVSP4_STAT_DIGESTS, RT_STAT_DIGESTS },
        { OVSP4_STAT_DIGEST_DROPS, RT_STAT_DIGEST_DROPS },
        { OVSP4_STAT_LOGS, RT_STAT_LOGS },
        { OVSP4_STAT_LOG_DROPS, RT_STAT_LOG_DROPS },
    };
    uint64_t threads = 0;

    if (wire_left(r)) {
        return OVSP4_E_INVALID;
    }
    pthread_mutex_lock(&inst->threads_mutex);
    for (uint32_t i = 0; i + 1 < inst->n_slots; i++) {
        threads += inst->slots[i].thread != NULL;
    }
    pthread_mutex_unlock(&inst->threads_mutex);

    wire_put_u16(w, (uint16_t) (sizeof map / sizeof map[0] + 1));
    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++) {
        uint64_t sum = 0;

        for (uint32_t i = 0; i < inst->n_slots; i++) {
            sum += atomic_load_explicit(&inst->slots[i].stats[map[k].stat],
                                        memory_order_relaxed);
        }
        wire_put_u16(w, map[k].key);
        wire_put_u64(w, sum);
    }
    wire_put_u16(w, OVSP4_STAT_THREADS);
    wire_put_u64(w, threads);
    return w->overflow ? OVSP4_E_TOOBIG : OVSP4_OK;
}

/* --- Entry point --------------------------------------------------------- */

size_t
rt_control(struct ovsp4_rt_instance *inst, const uint8_t *req, size_t req_len,
           uint8_t *reply, size_t reply_cap)
{
    struct wire_reader r;
    struct wire_writer w;
    uint32_t len, xid = 0;
    uint16_t version, type = 0;
    status_t status;

    if (!reply || reply_cap < OVSP4_MSG_HEADER_LEN) {
        return 0;
    }
    if (!req) {
        req_len = 0;
    }
    wire_reader_init(&r, req, req_len);
    len = wire_u32(&r);
    version = wire_u16(&r);
    type = wire_u16(&r);
    xid = wire_u32(&r);
    wire_u32(&r);                       /* status: ignored in requests */
    wire_writer_init(&w, reply + OVSP4_MSG_HEADER_LEN,
                     reply_cap - OVSP4_MSG_HEADER_LEN);
    if (r.err) {
        rt_write_header(reply, OVSP4_MSG_HEADER_LEN, OVSP4_MSG_REPLY, 0,
                        OVSP4_E_INVALID);
        return OVSP4_MSG_HEADER_LEN;
    }
    if (version != OVSP4_PROTO_VERSION || (type & OVSP4_MSG_REPLY)) {
        status = OVSP4_E_UNSUPPORTED;   /* another version, or a reply */
        type &= (uint16_t) ~OVSP4_MSG_REPLY;
    } else if (len != req_len) {
        status = OVSP4_E_INVALID;
    } else {
        pthread_mutex_lock(&inst->control_mutex);
        if (!inst->ctl_scratch) {
            inst->ctl_scratch = malloc(sizeof *inst->ctl_scratch);
        }
        if (!inst->ctl_scratch) {
            status = OVSP4_E_NOMEM;
        } else {
            switch (type) {
            case OVSP4_MSG_GET_INFO:
                status = do_get_info(inst, &r, &w);
                break;
            case OVSP4_MSG_WRITE:
                status = do_write(inst, &r, &w);
                break;
            case OVSP4_MSG_READ:
                status = do_read(inst, &r, &w);
                break;
            case OVSP4_MSG_PACKET_OUT:
                status = do_packet_out(inst, &r, &w);
                break;
            case OVSP4_MSG_DIGEST_ACK:
                status = do_digest_ack(inst, &r);
                break;
            case OVSP4_MSG_SET_CONFIG:
                status = do_set_config(inst, &r);
                break;
            case OVSP4_MSG_GET_STATS:
                status = do_get_stats(inst, &r, &w);
                break;
            default:
                status = OVSP4_E_UNSUPPORTED;
                break;
            }
        }
        pthread_mutex_unlock(&inst->control_mutex);
        ovsp4_rcu_poll(inst->rcu);
    }
    /* A reply that does not fit: 0, the ABI's "retry with more room".
     * Every request that reports TOOBIG has changed nothing (WRITE checks
     * the room for its statuses first, PACKET_OUT for its counts, READ
     * pages), so the retry is safe. */
    if (w.overflow || status == OVSP4_E_TOOBIG) {
        return 0;
    }
    /* Failed requests have an empty body, but WRITE's statuses. */
    if (status && (type != OVSP4_MSG_WRITE || w.len < 4)) {
        w.len = 0;
    }
    rt_write_header(reply, (uint32_t) (OVSP4_MSG_HEADER_LEN + w.len),
                    type | OVSP4_MSG_REPLY, xid, status);
    return OVSP4_MSG_HEADER_LEN + w.len;
}
