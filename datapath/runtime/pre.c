/*
 * OvS.p4 runtime: the packet replication engine's state -- multicast
 * groups and clone sessions.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Each group or session is an immutable object in an RCU hash index keyed
 * by its id; a write publishes a new object and frees the old one after a
 * grace period, so the packet path sees a whole replica list, old or new.
 * Writers serialise on the instance's control mutex.
 */

#include <stdlib.h>

#include "runtime-private.h"

static uint32_t
id_hash(uint32_t id)
{
    return ovsp4_hash_finish(ovsp4_hash_add64(0x5eed, id), 4);
}

void
rt_pre_init(struct rt_pre *pre, struct ovsp4_rcu *rcu)
{
    ovsp4_rhash_init(&pre->groups);
    ovsp4_rhash_init(&pre->sessions);
    pre->rcu = rcu;
}

void
rt_pre_destroy(struct rt_pre *pre)
{
    void *p;
    uint32_t idx;

    OVSP4_RHASH_FOR_EACH (p, idx, &pre->groups) {
        free(p);
    }
    OVSP4_RHASH_FOR_EACH (p, idx, &pre->sessions) {
        free(p);
    }
    ovsp4_rhash_destroy(&pre->groups);
    ovsp4_rhash_destroy(&pre->sessions);
}

const struct rt_mcast_group *
rt_pre_group(const struct rt_pre *pre, uint32_t id)
{
    struct ovsp4_rhash_pos pos;
    const struct rt_mcast_group *g;

    OVSP4_RHASH_FOR_EACH_WITH_HASH (g, id_hash(id), &pre->groups, &pos) {
        if (g->id == id) {
            return g;
        }
    }
    return NULL;
}

const struct rt_clone *
rt_pre_session(const struct rt_pre *pre, uint32_t id)
{
    struct ovsp4_rhash_pos pos;
    const struct rt_clone *c;

    OVSP4_RHASH_FOR_EACH_WITH_HASH (c, id_hash(id), &pre->sessions, &pos) {
        if (c->id == id) {
            return c;
        }
    }
    return NULL;
}

/* Publishes `new` (NULL: delete) in place of `old` (NULL: insert). */
static enum ovsp4_status
publish(struct rt_pre *pre, struct ovsp4_rhash *rh, uint32_t id, void *old,
        void *new)
{
    uint32_t hash = id_hash(id);

    if (old && new) {
        ovsp4_rhash_replace(rh, hash, old, new);
    } else if (new) {
        if (!ovsp4_rhash_insert(rh, pre->rcu, hash, new)) {
            free(new);
            return OVSP4_E_NOMEM;
        }
    } else if (old) {
        ovsp4_rhash_remove(rh, pre->rcu, hash, old);
    }
    if (old) {
        ovsp4_rcu_defer(pre->rcu, free, old);
    }
    return OVSP4_OK;
}

static enum ovsp4_status
check_write(int op, const void *old, uint32_t id, uint32_t n)
{
    if (!id) {
        return OVSP4_E_INVALID;         /* 0 means "none" in v1model */
    }
    switch (op) {
    case OVSP4_OP_INSERT:
        return old ? OVSP4_E_EXISTS : n > RT_MAX_REPLICAS ? OVSP4_E_FULL
               : OVSP4_OK;
    case OVSP4_OP_MODIFY:
        return !old ? OVSP4_E_NOT_FOUND : n > RT_MAX_REPLICAS ? OVSP4_E_FULL
               : OVSP4_OK;
    case OVSP4_OP_DELETE:
        return old ? OVSP4_OK : OVSP4_E_NOT_FOUND;
    default:
        return OVSP4_E_INVALID;
    }
}

enum ovsp4_status
rt_pre_group_write(struct rt_pre *pre, int op, uint32_t id,
                   const struct ovsp4_rt_replica *replicas, uint32_t n)
{
    struct rt_mcast_group *old = (void *) rt_pre_group(pre, id), *g = NULL;
    enum ovsp4_status error = check_write(op, old, id, n);

    if (error) {
        return error;
    }
    if (op != OVSP4_OP_DELETE) {
        g = malloc(sizeof *g + (size_t) n * sizeof g->replicas[0]);
        if (!g) {
            return OVSP4_E_NOMEM;
        }
        g->id = id;
        g->n = n;
        if (n) {
            memcpy(g->replicas, replicas, n * sizeof *replicas);
        }
    }
    return publish(pre, &pre->groups, id, old, g);
}

enum ovsp4_status
rt_pre_session_write(struct rt_pre *pre, int op, uint32_t id, uint32_t cos,
                     uint32_t truncate_len,
                     const struct ovsp4_rt_replica *replicas, uint32_t n)
{
    struct rt_clone *old = (void *) rt_pre_session(pre, id), *c = NULL;
    enum ovsp4_status error = check_write(op, old, id, n);

    if (error) {
        return error;
    }
    if (op != OVSP4_OP_DELETE) {
        c = malloc(sizeof *c + (size_t) n * sizeof c->replicas[0]);
        if (!c) {
            return OVSP4_E_NOMEM;
        }
        c->id = id;
        c->s.n_replicas = n;
        c->s.replicas = c->replicas;
        c->s.class_of_service = cos;
        c->s.truncate_len = truncate_len;
        if (n) {
            memcpy(c->replicas, replicas, n * sizeof *replicas);
        }
    }
    return publish(pre, &pre->sessions, id, old, c);
}

static int
cmp_u32(const void *a_, const void *b_)
{
    uint32_t a = *(const uint32_t *) a_, b = *(const uint32_t *) b_;

    return a < b ? -1 : a > b;
}

uint32_t
rt_pre_group_ids(struct rt_pre *pre, uint32_t **ids)
{
    const struct rt_mcast_group *g;
    uint32_t idx, n = 0;

    *ids = malloc((pre->groups.n + 1) * sizeof **ids);
    if (!*ids) {
        return 0;
    }
    OVSP4_RHASH_FOR_EACH (g, idx, &pre->groups) {
        (*ids)[n++] = g->id;
    }
    qsort(*ids, n, sizeof **ids, cmp_u32);
    return n;
}

uint32_t
rt_pre_session_ids(struct rt_pre *pre, uint32_t **ids)
{
    const struct rt_clone *c;
    uint32_t idx, n = 0;

    *ids = malloc((pre->sessions.n + 1) * sizeof **ids);
    if (!*ids) {
        return 0;
    }
    OVSP4_RHASH_FOR_EACH (c, idx, &pre->sessions) {
        (*ids)[n++] = c->id;
    }
    qsort(*ids, n, sizeof **ids, cmp_u32);
    return n;
}

/* --- Packet path --------------------------------------------------------- */

const struct ovsp4_rt_replica *
ovsp4_rt_mcast_group(struct ovsp4_rt_thread *t, uint32_t group, uint32_t *n)
{
    const struct rt_mcast_group *g = rt_pre_group(&t->inst->pre, group);

    *n = g ? g->n : 0;
    return g ? g->replicas : NULL;
}

const struct ovsp4_rt_clone_session *
ovsp4_rt_clone_session(struct ovsp4_rt_thread *t, uint32_t session)
{
    const struct rt_clone *c = rt_pre_session(&t->inst->pre, session);

    return c ? &c->s : NULL;
}
