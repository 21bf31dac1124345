/*
 * OvS.p4 runtime: the generic part of tables.  See table.h.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#include "table-private.h"

#include <stdlib.h>

#include "rcu.h"

/* --- Actions ------------------------------------------------------------ */

static void
action_init(struct ovsp4_action *a, uint32_t size, uint32_t id,
            const uint8_t *data, uint32_t len)
{
    a->id = id;
    a->size = size;
    memset(a->data, 0, size);
    if (data && len) {
        memcpy(a->data, data, len);
    }
}

static struct ovsp4_action *
action_create(const struct ovsp4_table *t, uint32_t id, const uint8_t *data,
              uint32_t len)
{
    struct ovsp4_action *a = malloc(t->action_size);

    if (a) {
        action_init(a, t->action_data_size, id, data, len);
    }
    return a;
}

static bool
action_data_ok(const struct ovsp4_table *t, const uint8_t *data,
               uint32_t len)
{
    return len <= t->action_data_size && (data || !len);
}

/* --- Entries ------------------------------------------------------------ */

static struct ovsp4_action *
entry_inline_action(const struct ovsp4_table *t, struct ovsp4_entry *e)
{
    return (struct ovsp4_action *) ((char *) e + t->action_offset);
}

/* An entry with its struct ovsp4_entry_ctl in front, zeroed. */
static struct ovsp4_entry *
entry_alloc(const struct ovsp4_table *t)
{
    char *p = calloc(1, OVSP4_ENTRY_CTL_SIZE + t->entry_size);

    return p ? (struct ovsp4_entry *) (p + OVSP4_ENTRY_CTL_SIZE) : NULL;
}

static void
entry_free(void *e_)
{
    struct ovsp4_entry *e = e_;

    if (e) {
        if (e->action_ext) {
            free((void *) atomic_load_explicit(&e->action,
                                               memory_order_relaxed));
        }
        free(CTL(e));
    }
}

/* Frees a chain of entries linked by list_next (ovsp4_table_clear()). */
static void
entry_list_free(void *head)
{
    for (struct ovsp4_entry *e = head, *next; e; e = next) {
        next = CTL(e)->list_next;
        entry_free(e);
    }
}

static void
list_append(struct ovsp4_table *t, struct ovsp4_entry *e)
{
    CTL(e)->list_prev = t->tail;
    CTL(e)->list_next = NULL;
    if (t->tail) {
        CTL(t->tail)->list_next = e;
    } else {
        t->head = e;
    }
    t->tail = e;
}

static void
list_remove(struct ovsp4_table *t, struct ovsp4_entry *e)
{
    /* The iteration hint moves back to the predecessor, whose successors
     * all have ids above the caller's cursor: see ovsp4_table_iterate(). */
    if (t->cursor_entry == e) {
        t->cursor_entry = CTL(e)->list_prev;
    }
    if (CTL(e)->list_prev) {
        CTL(CTL(e)->list_prev)->list_next = CTL(e)->list_next;
    } else {
        t->head = CTL(e)->list_next;
    }
    if (CTL(e)->list_next) {
        CTL(CTL(e)->list_next)->list_prev = CTL(e)->list_prev;
    } else {
        t->tail = CTL(e)->list_prev;
    }
}

/* --- Creation ----------------------------------------------------------- */

static char *
str_copy(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);

    return copy ? memcpy(copy, s, n) : NULL;
}

static enum ovsp4_status
check_desc(const struct ovsp4_table_desc *d)
{
    uint8_t used[OVSP4_TABLE_MAX_KEY];

    if (!d || d->key_len > OVSP4_TABLE_MAX_KEY
        || d->n_fields > OVSP4_TABLE_MAX_FIELDS
        || (d->n_fields && !d->fields)
        || !d->max_size || d->max_size > OVSP4_TABLE_MAX_SIZE
        || d->action_data_size > OVSP4_TABLE_MAX_ACTION_DATA) {
        return OVSP4_E_INVALID;
    }
    memset(used, 0, sizeof used);
    for (uint32_t i = 0; i < d->n_fields; i++) {
        const struct ovsp4_field_desc *f = &d->fields[i];
        uint32_t n = ovsp4_field_bytes(f);

        if (!f->width || f->width > 8 * OVSP4_TABLE_MAX_KEY
            || f->offset > d->key_len || n > d->key_len - f->offset
            || f->kind > OVSP4_MATCH_OPTIONAL) {
            return OVSP4_E_INVALID;
        }
        for (uint32_t j = 0; j < n; j++) {
            if (used[f->offset + j]++) {
                return OVSP4_E_INVALID;         /* overlapping fields */
            }
        }
    }
    return OVSP4_OK;
}

/* Picks the algorithm for the key shape, or checks a forced one. */
static enum ovsp4_status
choose_class(const struct ovsp4_table_desc *d,
             const struct ovsp4_table_class **classp)
{
    uint32_t n_exact = 0, n_lpm = 0, n_prio = 0, lpm_width = 0;
    enum ovsp4_table_algo algo = d->algo;

    for (uint32_t i = 0; i < d->n_fields; i++) {
        switch (d->fields[i].kind) {
        case OVSP4_MATCH_EXACT:
            n_exact++;
            break;
        case OVSP4_MATCH_LPM:
            n_lpm++;
            lpm_width = d->fields[i].width;
            break;
        default:
            n_prio++;
            break;
        }
    }
    /* Two LPM fields and no priority: no defined winner (BMv2 refuses
     * such tables too). */
    if (n_lpm > 1 && !n_prio) {
        return OVSP4_E_UNSUPPORTED;
    }

    if (algo == OVSP4_ALGO_AUTO) {
        if (!d->n_fields) {
            algo = OVSP4_ALGO_NONE;
        } else if (n_prio) {
            algo = OVSP4_ALGO_TSS;
        } else if (!n_lpm) {
            algo = OVSP4_ALGO_EXACT;
        } else if (!n_exact && lpm_width <= 32) {
            algo = OVSP4_ALGO_LPM_DIR;
        } else if (lpm_width <= OVSP4_BSL_MAX_WIDTH) {
            algo = OVSP4_ALGO_LPM_BSL;
        } else {
            algo = OVSP4_ALGO_TSS;      /* absurdly wide prefixes */
        }
    }

    switch (algo) {
    case OVSP4_ALGO_NONE:
        *classp = &ovsp4_table_none_class;
        return d->n_fields ? OVSP4_E_UNSUPPORTED : OVSP4_OK;
    case OVSP4_ALGO_EXACT:
        *classp = &ovsp4_table_exact_class;
        return n_lpm || n_prio || !d->n_fields ? OVSP4_E_UNSUPPORTED
                                                : OVSP4_OK;
    case OVSP4_ALGO_LPM_DIR:
        *classp = &ovsp4_table_lpm_dir_class;
        return n_lpm == 1 && !n_exact && !n_prio && lpm_width <= 32
               ? OVSP4_OK : OVSP4_E_UNSUPPORTED;
    case OVSP4_ALGO_LPM_BSL:
        *classp = &ovsp4_table_lpm_bsl_class;
        return n_lpm == 1 && !n_prio && lpm_width <= OVSP4_BSL_MAX_WIDTH
               ? OVSP4_OK : OVSP4_E_UNSUPPORTED;
    case OVSP4_ALGO_TSS:
        *classp = &ovsp4_table_tss_class;
        return d->n_fields ? OVSP4_OK : OVSP4_E_UNSUPPORTED;
    case OVSP4_ALGO_AUTO:
    default:
        return OVSP4_E_INVALID;
    }
}

struct ovsp4_table *
ovsp4_table_create(const struct ovsp4_table_desc *d, struct ovsp4_rcu *rcu,
                   enum ovsp4_status *errorp)
{
    const struct ovsp4_table_class *class = NULL;
    struct ovsp4_action *dflt;
    struct ovsp4_table *t;
    enum ovsp4_status error;
    bool all_exact = true;

    error = check_desc(d);
    if (!error) {
        error = rcu ? choose_class(d, &class) : OVSP4_E_INVALID;
    }
    if (error) {
        goto out;
    }

    error = OVSP4_E_NOMEM;
    t = calloc(1, sizeof *t);
    if (!t) {
        goto out;
    }
    pthread_mutex_init(&t->mutex, NULL);
    t->class = class;
    t->pp.lookup = class->lookup;
    t->prefetch = class->prefetch;
    t->rcu = rcu;
    t->key_len = d->key_len;
    t->kl = OVSP4_MAX(8, OVSP4_ROUND_UP(d->key_len, 8));
    t->name = str_copy(d->name ? d->name : "");
    t->n_fields = d->n_fields;
    t->fields = calloc(OVSP4_MAX(1, d->n_fields), sizeof *t->fields);
    t->max_size = d->max_size;
    t->action_data_size = d->action_data_size;
    t->seed = d->seed;
    t->lpm_field = -1;
    if (!t->name || !t->fields) {
        goto error;
    }
    if (d->n_fields) {
        memcpy(t->fields, d->fields, d->n_fields * sizeof *t->fields);
    }
    for (uint32_t i = 0; i < d->n_fields; i++) {
        switch (d->fields[i].kind) {
        case OVSP4_MATCH_EXACT:
            break;
        case OVSP4_MATCH_LPM:
            t->lpm_field = i;
            all_exact = false;
            break;
        case OVSP4_MATCH_RANGE:
            t->has_range = true;
            /* fall through */
        default:
            t->has_priority = true;
            all_exact = false;
            break;
        }
    }
    if (t->has_priority) {
        t->lpm_field = -1;      /* LPM fields are plain masks there */
    }
    /* Tuple space search indexes subtables by mask, even for exact
     * fields (when forced on an exact table). */
    t->n_arrays = t->has_range ? 3
                  : all_exact && class != &ovsp4_table_tss_class ? 1 : 2;
    t->action_size = sizeof(struct ovsp4_action)
                     + OVSP4_ROUND_UP(t->action_data_size, 8);
    t->action_offset = sizeof(struct ovsp4_entry)
                       + (size_t) t->n_arrays * t->kl;
    t->entry_size = t->action_offset + t->action_size;

    t->scratch = entry_alloc(t);
    t->info_fields = calloc(OVSP4_MAX(1, t->n_fields),
                            sizeof *t->info_fields);
    dflt = action_create(t, d->default_action_id, d->default_action_data,
                         d->default_action_data ? d->action_data_size : 0);
    if (!t->scratch || !t->info_fields || !dflt) {
        free(dflt);
        goto error;
    }
    atomic_init(&t->pp.default_action, dflt);

    error = class->init(t);
    if (error) {
        goto error;
    }
    return t;

error:
    free((void *) atomic_load_explicit(&t->pp.default_action,
                                       memory_order_relaxed));
    entry_free(t->scratch);
    free(t->info_fields);
    free(t->fields);
    free(t->name);
    pthread_mutex_destroy(&t->mutex);
    free(t);
out:
    if (errorp) {
        *errorp = error;
    }
    return NULL;
}

void
ovsp4_table_destroy(struct ovsp4_table *t)
{
    if (!t) {
        return;
    }
    t->class->destroy(t);
    entry_list_free(t->head);
    free((void *) atomic_load_explicit(&t->pp.default_action,
                                       memory_order_relaxed));
    entry_free(t->scratch);
    free(t->info_fields);
    free(t->fields);
    free(t->name);
    pthread_mutex_destroy(&t->mutex);
    free(t);
}

/* --- Packet path -------------------------------------------------------- */

void
ovsp4_table_prefetch(const struct ovsp4_table *t, const uint8_t *const *keys,
                     uint32_t n, const struct ovsp4_entry **results)
{
    if (t->prefetch && n) {
        t->prefetch(t, keys, n, results);
    } else if (results) {
        for (uint32_t i = 0; i < n; i++) {
            results[i] = t->pp.lookup(t, keys[i]);
        }
    }
}

void
ovsp4_table_prefetch_update(const struct ovsp4_table *t,
                            const struct ovsp4_match *m)
{
    if (t->class->prefetch_update && m && m->fields) {
        t->class->prefetch_update(t, m);
    }
}

/* --- Control ------------------------------------------------------------ */

static void
table_lock(struct ovsp4_table *t)
{
    pthread_mutex_lock(&t->mutex);
}

/* Unlocks, then, every RCU_POLL_OPS operations, gives the RCU domain a
 * chance to free what earlier operations retired: a poll with callbacks
 * pending takes the domain's mutex twice, which costs an insert into a
 * large table a tenth of its time.  (ovsp4_table_run() polls at once.) */
#define RCU_POLL_OPS 16

static void
table_unlock(struct ovsp4_table *t)
{
    bool poll = ++t->n_ops % RCU_POLL_OPS == 0;

    pthread_mutex_unlock(&t->mutex);
    if (poll) {
        ovsp4_rcu_poll(t->rcu);
    }
}

/* Canonicalises `m` into the scratch entry and finds the published entry
 * with that match.  Caller holds the mutex. */
static enum ovsp4_status
find_locked(struct ovsp4_table *t, const struct ovsp4_match *m,
            struct ovsp4_entry **ep)
{
    enum ovsp4_status error = ovsp4_match_canonicalize(t, m, t->scratch);

    if (error) {
        return error;
    }
    *ep = t->class->find(t, t->scratch);
    return *ep ? OVSP4_OK : OVSP4_E_NOT_FOUND;
}

enum ovsp4_status
ovsp4_table_insert(struct ovsp4_table *t, const struct ovsp4_match *m,
                   const struct ovsp4_entry_spec *spec)
{
    struct ovsp4_entry *e;
    enum ovsp4_status error;

    if (!spec || !action_data_ok(t, spec->action_data, spec->action_data_len)
        || !t->n_fields) {
        return OVSP4_E_INVALID;
    }
    e = entry_alloc(t);
    if (!e) {
        return OVSP4_E_NOMEM;
    }
    error = ovsp4_match_canonicalize(t, m, e);
    if (error) {
        entry_free(e);
        return error;
    }
    action_init(entry_inline_action(t, e), t->action_data_size,
                spec->action_id, spec->action_data, spec->action_data_len);
    atomic_init(&e->action, entry_inline_action(t, e));
    atomic_init(&e->next_rule, NULL);
    atomic_init(&e->n_packets, 0);
    atomic_init(&e->n_bytes, 0);
    atomic_init(&e->last_hit, spec->last_hit);
    CTL(e)->idle_timeout_ns = spec->idle_timeout_ns;
    CTL(e)->cookie = spec->cookie;

    table_lock(t);
    if (t->class->find(t, e)) {
        error = OVSP4_E_EXISTS;
    } else if (t->n_entries >= t->max_size) {
        error = OVSP4_E_FULL;
    } else {
        CTL(e)->id = ++t->next_id;
        error = t->class->insert(t, e);
        if (!error) {
            list_append(t, e);
            t->n_entries++;
        }
    }
    table_unlock(t);

    if (error) {
        entry_free(e);
    }
    return error;
}

enum ovsp4_status
ovsp4_table_modify(struct ovsp4_table *t, const struct ovsp4_match *m,
                   const struct ovsp4_entry_spec *spec)
{
    struct ovsp4_action *a;
    struct ovsp4_entry *e;
    enum ovsp4_status error;

    if (!spec || !action_data_ok(t, spec->action_data,
                                 spec->action_data_len)) {
        return OVSP4_E_INVALID;
    }
    a = action_create(t, spec->action_id, spec->action_data,
                      spec->action_data_len);
    if (!a) {
        return OVSP4_E_NOMEM;
    }

    table_lock(t);
    error = find_locked(t, m, &e);
    if (!error) {
        const struct ovsp4_action *old
            = atomic_load_explicit(&e->action, memory_order_relaxed);

        atomic_store_explicit(&t->actions_moved, true, memory_order_relaxed);
        atomic_store_explicit(&e->action, a, memory_order_release);
        if (e->action_ext) {
            ovsp4_rcu_defer(t->rcu, free, (void *) old);
        }
        e->action_ext = 1;
        CTL(e)->idle_timeout_ns = spec->idle_timeout_ns;
        CTL(e)->cookie = spec->cookie;
        a = NULL;
    }
    table_unlock(t);

    free(a);
    return error;
}

enum ovsp4_status
ovsp4_table_delete(struct ovsp4_table *t, const struct ovsp4_match *m)
{
    struct ovsp4_entry *e;
    enum ovsp4_status error;

    table_lock(t);
    error = find_locked(t, m, &e);
    if (!error) {
        t->class->remove(t, e);
        list_remove(t, e);
        t->n_entries--;
        ovsp4_rcu_defer(t->rcu, entry_free, e);
    }
    table_unlock(t);
    return error;
}

static void
fill_info(struct ovsp4_table *t, const struct ovsp4_entry *e,
          struct ovsp4_entry_info *info)
{
    const struct ovsp4_action *a = ovsp4_entry_action(e);
    struct ovsp4_entry *me = (struct ovsp4_entry *) e;

    ovsp4_match_export(t, e, t->info_fields);
    info->entry = e;
    info->id = CTL(e)->id;
    info->fields = t->info_fields;
    info->priority = e->priority;
    info->action_id = a->id;
    info->action_data = a->data;
    info->action_data_len = a->size;
    info->n_packets = atomic_load_explicit(&me->n_packets,
                                           memory_order_relaxed);
    info->n_bytes = atomic_load_explicit(&me->n_bytes, memory_order_relaxed);
    info->last_hit = atomic_load_explicit(&me->last_hit,
                                          memory_order_relaxed);
    info->idle_timeout_ns = CTL(e)->idle_timeout_ns;
    info->cookie = CTL(e)->cookie;
}

enum ovsp4_status
ovsp4_table_read(struct ovsp4_table *t, const struct ovsp4_match *m,
                 ovsp4_entry_cb *cb, void *aux)
{
    struct ovsp4_entry_info info;
    struct ovsp4_entry *e;
    enum ovsp4_status error;

    table_lock(t);
    error = find_locked(t, m, &e);
    if (!error) {
        fill_info(t, e, &info);
        cb(&info, aux);
    }
    table_unlock(t);
    return error;
}

enum ovsp4_status
ovsp4_table_set_counters(struct ovsp4_table *t, const struct ovsp4_match *m,
                         uint64_t n_packets, uint64_t n_bytes)
{
    struct ovsp4_entry *e;
    enum ovsp4_status error;

    table_lock(t);
    error = find_locked(t, m, &e);
    if (!error) {
        atomic_store_explicit(&e->n_packets, n_packets, memory_order_relaxed);
        atomic_store_explicit(&e->n_bytes, n_bytes, memory_order_relaxed);
    }
    table_unlock(t);
    return error;
}

bool
ovsp4_table_iterate(struct ovsp4_table *t, uint64_t *cursor,
                    ovsp4_entry_cb *cb, void *aux)
{
    struct ovsp4_entry *e;
    bool done;

    table_lock(t);
    /* The list is sorted by id.  The hint remembers where the last
     * iteration stopped: when deleted, it moves to its predecessor (or to
     * NULL, the head), so the entries after it still are exactly those
     * with ids above the cursor. */
    if (*cursor == t->cursor_id) {
        e = t->cursor_entry ? CTL(t->cursor_entry)->list_next : t->head;
    } else {
        for (e = t->head; e && CTL(e)->id <= *cursor; e = CTL(e)->list_next) {
            continue;
        }
    }
    for (; e; e = CTL(e)->list_next) {
        struct ovsp4_entry_info info;

        fill_info(t, e, &info);
        if (!cb(&info, aux)) {
            break;
        }
        *cursor = CTL(e)->id;
        t->cursor_entry = e;
        t->cursor_id = CTL(e)->id;
    }
    done = !e;
    table_unlock(t);
    return done;
}

void
ovsp4_table_clear(struct ovsp4_table *t)
{
    table_lock(t);
    if (t->head) {
        t->class->clear(t);
        ovsp4_rcu_defer(t->rcu, entry_list_free, t->head);
        t->head = t->tail = NULL;
        t->cursor_entry = NULL;
        t->n_entries = 0;
    }
    table_unlock(t);
}

enum ovsp4_status
ovsp4_table_set_default(struct ovsp4_table *t, uint32_t action_id,
                        const uint8_t *data, uint32_t data_len)
{
    struct ovsp4_action *a;
    const struct ovsp4_action *old;

    if (!action_data_ok(t, data, data_len)) {
        return OVSP4_E_INVALID;
    }
    a = action_create(t, action_id, data, data_len);
    if (!a) {
        return OVSP4_E_NOMEM;
    }
    table_lock(t);
    old = atomic_exchange_explicit(&t->pp.default_action, a,
                                   memory_order_acq_rel);
    ovsp4_rcu_defer(t->rcu, free, (void *) old);
    table_unlock(t);
    return OVSP4_OK;
}

uint32_t
ovsp4_table_count(struct ovsp4_table *t)
{
    uint32_t n;

    table_lock(t);
    n = t->n_entries;
    pthread_mutex_unlock(&t->mutex);
    return n;
}

void
ovsp4_table_get_stats(struct ovsp4_table *t, struct ovsp4_table_stats *st)
{
    memset(st, 0, sizeof *st);
    table_lock(t);
    st->n_entries = t->n_entries;
    if (t->class->stats) {
        t->class->stats(t, st);
    }
    table_unlock(t);
}

enum ovsp4_table_algo
ovsp4_table_get_algo(const struct ovsp4_table *t)
{
    return t->class->algo;
}

const char *
ovsp4_table_algo_name(enum ovsp4_table_algo algo)
{
    switch (algo) {
    case OVSP4_ALGO_AUTO: return "auto";
    case OVSP4_ALGO_NONE: return "none";
    case OVSP4_ALGO_EXACT: return "exact";
    case OVSP4_ALGO_LPM_DIR: return "lpm-dir";
    case OVSP4_ALGO_LPM_BSL: return "lpm-bsl";
    case OVSP4_ALGO_TSS: return "tss";
    }
    return "?";
}

const char *
ovsp4_table_name(const struct ovsp4_table *t)
{
    return t->name;
}

void
ovsp4_table_run(struct ovsp4_table *t)
{
    ovsp4_rcu_poll(t->rcu);
}

/* --- Keyless tables ------------------------------------------------------ */

static enum ovsp4_status
none_init(struct ovsp4_table *t)
{
    (void) t;
    return OVSP4_OK;
}

static void
none_destroy(struct ovsp4_table *t)
{
    (void) t;
}

static const struct ovsp4_entry *
none_lookup(const struct ovsp4_table *t, const uint8_t *key)
{
    (void) t;
    (void) key;
    return NULL;
}

static struct ovsp4_entry *
none_find(struct ovsp4_table *t, const struct ovsp4_entry *proto)
{
    (void) t;
    (void) proto;
    return NULL;
}

static enum ovsp4_status
none_insert(struct ovsp4_table *t, struct ovsp4_entry *e)
{
    (void) t;
    (void) e;
    return OVSP4_E_INVALID;
}

static void
none_remove(struct ovsp4_table *t, struct ovsp4_entry *e)
{
    (void) t;
    (void) e;
}

const struct ovsp4_table_class ovsp4_table_none_class = {
    .algo = OVSP4_ALGO_NONE,
    .name = "none",
    .init = none_init,
    .destroy = none_destroy,
    .lookup = none_lookup,
    .find = none_find,
    .insert = none_insert,
    .remove = none_remove,
    .clear = none_destroy,
};
