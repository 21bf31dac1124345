/*
 * OvS.p4 runtime: index allocator with RCU-delayed reuse.  See idpool.h.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#include "idpool.h"

#include <stdlib.h>
#include <string.h>

#include "rcu.h"

void
ovsp4_idpool_init(struct ovsp4_idpool *p, uint32_t limit)
{
    memset(p, 0, sizeof *p);
    p->limit = limit;
}

void
ovsp4_idpool_destroy(struct ovsp4_idpool *p)
{
    free(p->free);
    free(p->pend);
    memset(p, 0, sizeof *p);
}

bool
ovsp4_idpool_put(struct ovsp4_idpool *p, uint32_t idx)
{
    if (p->n_free == p->cap_free) {
        uint32_t cap = p->cap_free ? p->cap_free * 2 : 64;
        uint32_t *f = realloc(p->free, cap * sizeof *f);

        if (!f) {
            return false;
        }
        p->free = f;
        p->cap_free = cap;
    }
    p->free[p->n_free++] = idx;
    return true;
}

/* Moves the retired indices whose grace period has elapsed to the free
 * stack.  Tickets are non-decreasing along the ring, so it stops at the
 * first one not done. */
static void
drain(struct ovsp4_idpool *p, struct ovsp4_rcu *rcu)
{
    while (p->n_pend) {
        struct ovsp4_idpool_pending *pd = &p->pend[p->pend_head];

        if (!ovsp4_rcu_ticket_done(rcu, pd->ticket)
            || !ovsp4_idpool_put(p, pd->idx)) {
            return;
        }
        p->pend_head = (p->pend_head + 1) % p->cap_pend;
        p->n_pend--;
    }
}

bool
ovsp4_idpool_alloc(struct ovsp4_idpool *p, struct ovsp4_rcu *rcu,
                   uint32_t *idx)
{
    if (!p->n_free && p->n_pend) {
        drain(p, rcu);
    }
    if (p->n_free) {
        *idx = p->free[--p->n_free];
        return true;
    }
    if (p->next < p->limit) {
        *idx = p->next++;
        return true;
    }
    return false;
}

bool
ovsp4_idpool_retire(struct ovsp4_idpool *p, struct ovsp4_rcu *rcu,
                    uint32_t idx)
{
    if (p->n_pend == p->cap_pend) {
        uint32_t cap = p->cap_pend ? p->cap_pend * 2 : 64;
        struct ovsp4_idpool_pending *r = malloc(cap * sizeof *r);

        if (!r) {
            /* The index leaks: safe, merely wasteful. */
            return false;
        }
        for (uint32_t i = 0; i < p->n_pend; i++) {
            r[i] = p->pend[(p->pend_head + i) % p->cap_pend];
        }
        free(p->pend);
        p->pend = r;
        p->cap_pend = cap;
        p->pend_head = 0;
    }
    p->pend[(p->pend_head + p->n_pend) % p->cap_pend]
        = (struct ovsp4_idpool_pending) { ovsp4_rcu_ticket(rcu), idx };
    p->n_pend++;
    return true;
}
