/*
 * OvS.p4 runtime: helpers.  See util.h.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#define _GNU_SOURCE 1

#include "util.h"

#include <sys/mman.h>

void *
ovsp4_big_alloc(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

    if (p == MAP_FAILED) {
        return NULL;
    }
#ifdef MADV_HUGEPAGE
    if (size >= 2u << 20) {
        madvise(p, size, MADV_HUGEPAGE);   /* a hint: failure is fine */
    }
#endif
    return p;
}

void
ovsp4_big_populate(void *p, size_t size)
{
#ifdef MADV_POPULATE_WRITE
    if (!madvise(p, size, MADV_POPULATE_WRITE)) {
        return;
    }
#endif
    for (size_t off = 0; off < size; off += 4096) {
        ((volatile char *) p)[off] = 0;
    }
}

void
ovsp4_big_free(void *p, size_t size)
{
    if (p) {
        munmap(p, size);
    }
}
