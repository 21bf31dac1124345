/*
 * OvS.p4 runtime: index allocator with RCU-delayed reuse.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Packet-path structures that refer to objects by index (the LPM trie's
 * next hops and node groups) must not see an index reused while a reader
 * may still hold it: a stale index would then name an unrelated object.
 * Retired indices wait for a grace period (an RCU ticket) before they are
 * handed out again.  Control side only.
 */

#ifndef OVSP4_RT_IDPOOL_H
#define OVSP4_RT_IDPOOL_H 1

#include <stdbool.h>
#include <stdint.h>

struct ovsp4_rcu;

struct ovsp4_idpool_pending {
    uint64_t ticket;
    uint32_t idx;
};

struct ovsp4_idpool {
    uint32_t next;              /* lowest never-allocated index */
    uint32_t limit;             /* indices are < limit */
    uint32_t *free;             /* reusable now (a stack) */
    uint32_t n_free, cap_free;
    struct ovsp4_idpool_pending *pend;  /* ring, in ticket order */
    uint32_t pend_head, n_pend, cap_pend;
};

void ovsp4_idpool_init(struct ovsp4_idpool *, uint32_t limit);
void ovsp4_idpool_destroy(struct ovsp4_idpool *);
/* Allocates an index.  False if every index is in use or waiting. */
bool ovsp4_idpool_alloc(struct ovsp4_idpool *, struct ovsp4_rcu *,
                        uint32_t *idx);
/* Gives back an index no reader ever saw. */
bool ovsp4_idpool_put(struct ovsp4_idpool *, uint32_t idx);
/* Gives back an index readers may still hold. */
bool ovsp4_idpool_retire(struct ovsp4_idpool *, struct ovsp4_rcu *,
                         uint32_t idx);

#endif /* OVSP4_RT_IDPOOL_H */
