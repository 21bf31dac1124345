/*
 * OvS.p4 runtime: indexed counters.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Every cell counts packets and bytes whatever the counter's unit (the
 * control plane reports what the unit asks for).  Packet threads add with
 * relaxed atomics: counters order nothing.  Direct counters live in the
 * table entries (ovsp4_entry_hit()); their ovsp4_rt_counter has no cells.
 */

#include <stdlib.h>

#include "runtime-private.h"

bool
rt_counter_init(struct ovsp4_rt_counter *c,
                const struct ovsp4_prog_counter *desc)
{
    c->desc = desc;
    c->size = desc->direct_table >= 0 ? 0 : desc->size;
    c->cells = NULL;
    if (c->size) {
        c->cells = calloc(c->size, sizeof *c->cells);
        if (!c->cells) {
            return false;
        }
    }
    return true;
}

void
rt_counter_destroy(struct ovsp4_rt_counter *c)
{
    free(c->cells);
    c->cells = NULL;
}

void
ovsp4_rt_counter_count(struct ovsp4_rt_counter *c, uint32_t index,
                       uint32_t bytes)
{
    if (OVSP4_LIKELY(index < c->size)) {
        struct rt_counter_cell *cell = &c->cells[index];

        atomic_fetch_add_explicit(&cell->packets, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&cell->bytes, bytes, memory_order_relaxed);
    }
}

void
rt_counter_read(const struct ovsp4_rt_counter *c, uint32_t index,
                uint64_t *packets, uint64_t *bytes)
{
    struct rt_counter_cell *cell = &c->cells[index];

    *packets = atomic_load_explicit(&cell->packets, memory_order_relaxed);
    *bytes = atomic_load_explicit(&cell->bytes, memory_order_relaxed);
}

void
rt_counter_write(struct ovsp4_rt_counter *c, uint32_t index,
                 uint64_t packets, uint64_t bytes)
{
    struct rt_counter_cell *cell = &c->cells[index];

    atomic_store_explicit(&cell->packets, packets, memory_order_relaxed);
    atomic_store_explicit(&cell->bytes, bytes, memory_order_relaxed);
}
