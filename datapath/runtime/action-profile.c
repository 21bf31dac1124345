/*
 * OvS.p4 runtime: action profiles and action selectors.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A member is an action (P4Info id and data).  A group is a set of members
 * with weights; the packet path sees it as an immutable array of members
 * sorted by member id with cumulative weights, and picks the member whose
 * weight interval holds selector_hash % total_weight (with all weights 1,
 * the (hash % n)-th member, as BMv2's selectors).  Table entries refer to a
 * member or group by address (see rt_ap_ref_encode()); members and groups
 * count their references and cannot be deleted while referenced
 * (OVSP4_E_IN_USE), so an address held by an entry is always valid.  Freed
 * objects go through the RCU domain.
 */

#include <stdlib.h>

#include "runtime-private.h"

struct rt_ap_set_elem {
    uint64_t cum;               /* cumulative weight, up to this member */
    struct rt_ap_member *m;
};

struct rt_ap_set {
    uint32_t n;
    uint64_t total;
    struct rt_ap_set_elem e[];
};

void
rt_ap_ref_encode(uint8_t *data, uint32_t id, const void *obj)
{
    uint32_t zero = 0;

    memcpy(data, &id, 4);
    memcpy(data + 4, &zero, 4);
    memcpy(data + 8, &obj, sizeof obj);
}

uint32_t
rt_ap_ref_id(const uint8_t *data)
{
    uint32_t id;

    memcpy(&id, data, 4);
    return id;
}

void *
rt_ap_ref_obj(const uint8_t *data)
{
    void *obj;

    memcpy(&obj, data + 8, sizeof obj);
    return obj;
}

const struct ovsp4_action *
ovsp4_rt_action_profile_resolve(const struct ovsp4_action *ref,
                                uint64_t selector_hash)
{
    if (ref->id == OVSP4_ACTION_REF_MEMBER) {
        struct rt_ap_member *m = rt_ap_ref_obj(ref->data);

        return atomic_load_explicit(&m->action, memory_order_acquire);
    } else if (ref->id == OVSP4_ACTION_REF_GROUP) {
        struct rt_ap_group *g = rt_ap_ref_obj(ref->data);
        const struct rt_ap_set *set
            = atomic_load_explicit(&g->set, memory_order_acquire);
        uint32_t lo, hi;
        uint64_t x;

        if (!set || !set->n) {
            return NULL;
        }
        x = selector_hash % set->total;
        lo = 0;
        hi = set->n - 1;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;

            if (set->e[mid].cum > x) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return atomic_load_explicit(&set->e[lo].m->action,
                                    memory_order_acquire);
    }
    return ref;
}

void
rt_ap_init(struct rt_action_profile *ap,
           const struct ovsp4_prog_action_profile *desc, struct ovsp4_rcu *rcu)
{
    ap->desc = desc;
    ap->rcu = rcu;
    objmap_init(&ap->members);
    objmap_init(&ap->groups);
}

static void
member_free(void *m_)
{
    struct rt_ap_member *m = m_;

    free((void *) atomic_load_explicit(&m->action, memory_order_relaxed));
    free(m);
}

static void
group_free(void *g_)
{
    struct rt_ap_group *g = g_;

    free((void *) atomic_load_explicit(&g->set, memory_order_relaxed));
    free(g->members);
    free(g);
}

void
rt_ap_destroy(struct rt_action_profile *ap)
{
    uint64_t key, value;
    uint32_t pos = 0;

    while (objmap_next(&ap->groups, &pos, &key, &value)) {
        group_free((void *) (uintptr_t) value);
    }
    pos = 0;
    while (objmap_next(&ap->members, &pos, &key, &value)) {
        member_free((void *) (uintptr_t) value);
    }
    objmap_destroy(&ap->groups);
    objmap_destroy(&ap->members);
}

struct rt_ap_member *
rt_ap_member_find(struct rt_action_profile *ap, uint32_t id)
{
    uint64_t v;

    return objmap_get(&ap->members, id, &v) ? (void *) (uintptr_t) v : NULL;
}

struct rt_ap_group *
rt_ap_group_find(struct rt_action_profile *ap, uint32_t id)
{
    uint64_t v;

    return objmap_get(&ap->groups, id, &v) ? (void *) (uintptr_t) v : NULL;
}

enum ovsp4_status
rt_ap_member_insert(struct rt_action_profile *ap, uint32_t id,
                    struct ovsp4_action *action)
{
    struct rt_ap_member *m;

    if (rt_ap_member_find(ap, id)) {
        free(action);
        return OVSP4_E_EXISTS;
    }
    if (ap->desc->size && objmap_count(&ap->members) >= ap->desc->size) {
        free(action);
        return OVSP4_E_FULL;
    }
    m = malloc(sizeof *m);
    if (!m) {
        free(action);
        return OVSP4_E_NOMEM;
    }
    m->id = id;
    m->refs = 0;
    atomic_init(&m->action, action);
    if (!objmap_put(&ap->members, id, (uintptr_t) m)) {
        member_free(m);
        return OVSP4_E_NOMEM;
    }
    return OVSP4_OK;
}

enum ovsp4_status
rt_ap_member_modify(struct rt_action_profile *ap, uint32_t id,
                    struct ovsp4_action *action)
{
    struct rt_ap_member *m = rt_ap_member_find(ap, id);
    const struct ovsp4_action *old;

    if (!m) {
        free(action);
        return OVSP4_E_NOT_FOUND;
    }
    old = atomic_exchange_explicit(&m->action, action, memory_order_acq_rel);
    ovsp4_rcu_defer(ap->rcu, free, (void *) old);
    return OVSP4_OK;
}

enum ovsp4_status
rt_ap_member_delete(struct rt_action_profile *ap, uint32_t id)
{
    struct rt_ap_member *m = rt_ap_member_find(ap, id);

    if (!m) {
        return OVSP4_E_NOT_FOUND;
    }
    if (m->refs) {
        return (enum ovsp4_status) OVSP4_E_IN_USE;
    }
    objmap_remove(&ap->members, id);
    ovsp4_rcu_defer(ap->rcu, member_free, m);
    return OVSP4_OK;
}

static int
cmp_member_id(const void *a_, const void *b_)
{
    const struct rt_ap_group_member *a = a_, *b = b_;

    return a->member_id < b->member_id ? -1 : a->member_id > b->member_id;
}

enum ovsp4_status
rt_ap_group_write(struct rt_action_profile *ap, bool insert, uint32_t id,
                  uint32_t max_size, const struct rt_ap_group_member *members,
                  uint32_t n)
{
    struct rt_ap_group *g = rt_ap_group_find(ap, id);
    struct rt_ap_group_member *sorted = NULL;
    struct rt_ap_set *set = NULL;
    const struct rt_ap_set *old_set;
    uint32_t limit;
    uint64_t total = 0;

    if (!ap->desc->with_selector) {
        return OVSP4_E_UNSUPPORTED;
    }
    if (insert ? g != NULL : g == NULL) {
        return insert ? OVSP4_E_EXISTS : OVSP4_E_NOT_FOUND;
    }
    if (insert && ap->desc->size
        && objmap_count(&ap->groups) >= ap->desc->size) {
        return OVSP4_E_FULL;
    }
    limit = insert ? max_size : g->max_size;
    if (ap->desc->max_group_size
        && (!limit || limit > ap->desc->max_group_size)) {
        if (limit > ap->desc->max_group_size) {
            return OVSP4_E_INVALID;
        }
        limit = ap->desc->max_group_size;
    }
    if (limit && n > limit) {
        return OVSP4_E_FULL;
    }

    /* Validate and sort the members. */
    if (n) {
        sorted = malloc(n * sizeof *sorted);
        set = malloc(sizeof *set + n * sizeof set->e[0]);
        if (!sorted || !set) {
            free(sorted);
            free(set);
            return OVSP4_E_NOMEM;
        }
        memcpy(sorted, members, n * sizeof *sorted);
        qsort(sorted, n, sizeof *sorted, cmp_member_id);
        for (uint32_t i = 0; i < n; i++) {
            struct rt_ap_member *m = rt_ap_member_find(ap,
                                                       sorted[i].member_id);

            if (!sorted[i].weight) {
                sorted[i].weight = 1;   /* P4Runtime's default */
            }
            if (!m || (i && sorted[i].member_id == sorted[i - 1].member_id)) {
                free(sorted);
                free(set);
                return m ? OVSP4_E_INVALID : OVSP4_E_NOT_FOUND;
            }
            total += sorted[i].weight;
            set->e[i].cum = total;
            set->e[i].m = m;
        }
        set->n = n;
        set->total = total;
    }

    if (insert) {
        g = calloc(1, sizeof *g);
        if (!g || !objmap_put(&ap->groups, id, (uintptr_t) g)) {
            free(g);
            free(sorted);
            free(set);
            return OVSP4_E_NOMEM;
        }
        g->id = id;
        g->max_size = limit;
        atomic_init(&g->set, NULL);
    }
    for (uint32_t i = 0; i < n; i++) {
        set->e[i].m->refs++;
    }
    for (uint32_t i = 0; i < g->n_members; i++) {
        struct rt_ap_member *m = rt_ap_member_find(ap,
                                                   g->members[i].member_id);
        if (m) {
            m->refs--;
        }
    }
    free(g->members);
    g->members = sorted;
    g->n_members = n;
    old_set = atomic_exchange_explicit(&g->set, set, memory_order_acq_rel);
    if (old_set) {
        ovsp4_rcu_defer(ap->rcu, free, (void *) old_set);
    }
    return OVSP4_OK;
}

enum ovsp4_status
rt_ap_group_delete(struct rt_action_profile *ap, uint32_t id)
{
    struct rt_ap_group *g = rt_ap_group_find(ap, id);

    if (!g) {
        return OVSP4_E_NOT_FOUND;
    }
    if (g->refs) {
        return (enum ovsp4_status) OVSP4_E_IN_USE;
    }
    for (uint32_t i = 0; i < g->n_members; i++) {
        struct rt_ap_member *m = rt_ap_member_find(ap,
                                                   g->members[i].member_id);
        if (m) {
            m->refs--;
        }
    }
    objmap_remove(&ap->groups, id);
    ovsp4_rcu_defer(ap->rcu, group_free, g);
    return OVSP4_OK;
}

static int
cmp_u32(const void *a_, const void *b_)
{
    uint32_t a = *(const uint32_t *) a_, b = *(const uint32_t *) b_;

    return a < b ? -1 : a > b;
}

static uint32_t
sorted_keys(const struct objmap *map, uint32_t **ids)
{
    uint32_t n = objmap_count(map), i = 0, pos = 0;
    uint64_t key, value;

    *ids = malloc((n ? n : 1) * sizeof **ids);
    if (!*ids) {
        return 0;
    }
    while (i < n && objmap_next(map, &pos, &key, &value)) {
        (*ids)[i++] = (uint32_t) key;
    }
    qsort(*ids, i, sizeof **ids, cmp_u32);
    return i;
}

uint32_t
rt_ap_member_ids(struct rt_action_profile *ap, uint32_t **ids)
{
    return sorted_keys(&ap->members, ids);
}

uint32_t
rt_ap_group_ids(struct rt_action_profile *ap, uint32_t **ids)
{
    return sorted_keys(&ap->groups, ids);
}
