/*
 * OvS.p4 runtime: a small u64 -> u64 hash map for the control side.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Open addressing, linear probing, deletion by backward shift (no
 * tombstones).  Not thread-safe: the control side uses it under its own
 * mutexes (P4Info id -> object index, member ids -> members, ...).  The
 * packet path never touches one.
 */

#ifndef OVSP4_RT_OBJMAP_H
#define OVSP4_RT_OBJMAP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct objmap_slot {
    uint64_t key;
    uint64_t value;
};

struct objmap {
    struct objmap_slot *slots;  /* NULL while empty */
    uint8_t *used;
    uint32_t mask;              /* capacity - 1 */
    uint32_t n;
};

void objmap_init(struct objmap *);
void objmap_destroy(struct objmap *);
void objmap_clear(struct objmap *);
/* Inserts or replaces.  False on allocation failure. */
bool objmap_put(struct objmap *, uint64_t key, uint64_t value);
bool objmap_get(const struct objmap *, uint64_t key, uint64_t *value);
/* True if the key was present. */
bool objmap_remove(struct objmap *, uint64_t key);
static inline uint32_t objmap_count(const struct objmap *m) { return m->n; }

/* Iteration: for (i = 0; objmap_next(m, &i, &k, &v); ) ... (no changes
 * during the walk). */
bool objmap_next(const struct objmap *, uint32_t *pos, uint64_t *key,
                 uint64_t *value);

#endif /* OVSP4_RT_OBJMAP_H */
