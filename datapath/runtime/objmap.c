/*
 * OvS.p4 runtime: a small u64 -> u64 hash map.  See objmap.h.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#include "objmap.h"

#include <stdlib.h>
#include <string.h>

static uint32_t
objmap_hash(uint64_t key)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    key *= 0xc4ceb9fe1a85ec53ULL;
    key ^= key >> 33;
    return (uint32_t) key;
}

void
objmap_init(struct objmap *m)
{
    memset(m, 0, sizeof *m);
}

void
objmap_destroy(struct objmap *m)
{
    free(m->slots);
    free(m->used);
    objmap_init(m);
}

void
objmap_clear(struct objmap *m)
{
    if (m->used) {
        memset(m->used, 0, (size_t) m->mask + 1);
    }
    m->n = 0;
}

static bool
objmap_find(const struct objmap *m, uint64_t key, uint32_t *pos)
{
    if (!m->slots) {
        return false;
    }
    for (uint32_t i = objmap_hash(key) & m->mask;; i = (i + 1) & m->mask) {
        if (!m->used[i]) {
            *pos = i;
            return false;
        }
        if (m->slots[i].key == key) {
            *pos = i;
            return true;
        }
    }
}

static bool
objmap_grow(struct objmap *m)
{
    uint32_t cap = m->slots ? (m->mask + 1) * 2 : 16;
    struct objmap old = *m;
    struct objmap_slot *slots = malloc(sizeof *slots * cap);
    uint8_t *used = calloc(cap, 1);

    if (!slots || !used || cap < 16) {
        free(slots);
        free(used);
        return false;
    }
    m->slots = slots;
    m->used = used;
    m->mask = cap - 1;
    m->n = 0;
    if (old.slots) {
        for (uint32_t i = 0; i <= old.mask; i++) {
            if (old.used[i]) {
                uint32_t pos;

                objmap_find(m, old.slots[i].key, &pos);
                m->used[pos] = 1;
                m->slots[pos] = old.slots[i];
                m->n++;
            }
        }
    }
    free(old.slots);
    free(old.used);
    return true;
}

bool
objmap_put(struct objmap *m, uint64_t key, uint64_t value)
{
    uint32_t pos;

    if (objmap_find(m, key, &pos)) {
        m->slots[pos].value = value;
        return true;
    }
    if (!m->slots || (m->n + 1) * 4 > (m->mask + 1) * 3) {
        if (!objmap_grow(m)) {
            return false;
        }
        objmap_find(m, key, &pos);
    }
    m->used[pos] = 1;
    m->slots[pos].key = key;
    m->slots[pos].value = value;
    m->n++;
    return true;
}

bool
objmap_get(const struct objmap *m, uint64_t key, uint64_t *value)
{
    uint32_t pos;

    if (objmap_find(m, key, &pos)) {
        if (value) {
            *value = m->slots[pos].value;
        }
        return true;
    }
    return false;
}

bool
objmap_remove(struct objmap *m, uint64_t key)
{
    uint32_t i, j;

    if (!objmap_find(m, key, &i)) {
        return false;
    }
    /* Backward shift: move later members of the probe run into the hole
     * when their home slot does not lie cyclically in (i, j]. */
    m->used[i] = 0;
    m->n--;
    for (j = (i + 1) & m->mask; m->used[j]; j = (j + 1) & m->mask) {
        uint32_t home = objmap_hash(m->slots[j].key) & m->mask;

        if (i <= j ? (i < home && home <= j) : (i < home || home <= j)) {
            continue;
        }
        m->slots[i] = m->slots[j];
        m->used[i] = 1;
        m->used[j] = 0;
        i = j;
    }
    return true;
}

bool
objmap_next(const struct objmap *m, uint32_t *pos, uint64_t *key,
            uint64_t *value)
{
    if (!m->slots) {
        return false;
    }
    for (; *pos <= m->mask; (*pos)++) {
        if (m->used[*pos]) {
            *key = m->slots[*pos].key;
            *value = m->slots[*pos].value;
            (*pos)++;
            return true;
        }
    }
    return false;
}
