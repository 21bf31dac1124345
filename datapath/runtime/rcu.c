/*
 * OvS.p4 runtime: quiescent-state-based reclamation.  See rcu.h.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#define _GNU_SOURCE 1

#include "rcu.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "util.h"

struct ovsp4_rcu_cb {
    uint64_t target;            /* runs once every reader has seen this */
    void (*fn)(void *);
    void *arg;
};

struct ovsp4_rcu {
    /* Read by every reader at every quiescent point: alone on its line. */
    _Alignas(64) _Atomic uint64_t epoch;

    /* Writer side. */
    _Alignas(64) pthread_mutex_t mutex;
    struct ovsp4_rcu_thread *threads;   /* registered readers */
    _Atomic uint64_t completed;         /* all online readers have seen it */
    _Atomic uint64_t n_pending;         /* callbacks queued */

    /* FIFO of callbacks, in non-decreasing target order (a ring). */
    struct ovsp4_rcu_cb *cbs;
    size_t cb_head;
    size_t cb_n;
    size_t cb_cap;
};

struct ovsp4_rcu *
ovsp4_rcu_create(void)
{
    struct ovsp4_rcu *rcu = aligned_alloc(64, OVSP4_ROUND_UP(sizeof *rcu, 64));

    if (!rcu) {
        return NULL;
    }
    memset(rcu, 0, sizeof *rcu);
    atomic_init(&rcu->epoch, 1);
    atomic_init(&rcu->completed, 0);
    atomic_init(&rcu->n_pending, 0);
    pthread_mutex_init(&rcu->mutex, NULL);
    return rcu;
}

static void run_ready(struct ovsp4_rcu *, uint64_t completed);

void
ovsp4_rcu_destroy(struct ovsp4_rcu *rcu)
{
    if (!rcu) {
        return;
    }
    /* No readers are left: every callback is ready. */
    run_ready(rcu, UINT64_MAX);
    pthread_mutex_destroy(&rcu->mutex);
    free(rcu->cbs);
    free(rcu);
}

struct ovsp4_rcu_thread *
ovsp4_rcu_register(struct ovsp4_rcu *rcu)
{
    struct ovsp4_rcu_thread *t = aligned_alloc(64,
                                               OVSP4_ROUND_UP(sizeof *t, 64));

    if (!t) {
        return NULL;
    }
    memset(t, 0, sizeof *t);
    t->rcu = rcu;
    t->epoch = &rcu->epoch;

    pthread_mutex_lock(&rcu->mutex);
    atomic_store_explicit(&t->seen,
                          atomic_load_explicit(&rcu->epoch,
                                               memory_order_acquire),
                          memory_order_seq_cst);
    t->next = rcu->threads;
    rcu->threads = t;
    pthread_mutex_unlock(&rcu->mutex);
    atomic_thread_fence(memory_order_seq_cst);
    return t;
}

void
ovsp4_rcu_unregister(struct ovsp4_rcu_thread *t)
{
    struct ovsp4_rcu *rcu;

    if (!t) {
        return;
    }
    rcu = t->rcu;
    pthread_mutex_lock(&rcu->mutex);
    for (struct ovsp4_rcu_thread **p = &rcu->threads; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    pthread_mutex_unlock(&rcu->mutex);
    free(t);
}

void
ovsp4_rcu_offline(struct ovsp4_rcu_thread *t)
{
    atomic_store_explicit(&t->seen, 0, memory_order_release);
}

void
ovsp4_rcu_online(struct ovsp4_rcu_thread *t)
{
    atomic_store_explicit(&t->seen,
                          atomic_load_explicit(t->epoch, memory_order_acquire),
                          memory_order_seq_cst);
    /* Pairs with the fence in advance(): see rcu.h. */
    atomic_thread_fence(memory_order_seq_cst);
}

/* Makes sure the epoch has reached `target`, then recomputes and returns
 * the epoch every online reader has seen.  Caller holds the mutex. */
static uint64_t
advance(struct ovsp4_rcu *rcu, uint64_t target)
{
    uint64_t epoch = atomic_load_explicit(&rcu->epoch, memory_order_relaxed);
    uint64_t min;

    if (epoch < target) {
        epoch = atomic_fetch_add_explicit(&rcu->epoch, 1,
                                          memory_order_seq_cst) + 1;
    }
    atomic_thread_fence(memory_order_seq_cst);

    min = epoch;
    for (struct ovsp4_rcu_thread *t = rcu->threads; t; t = t->next) {
        uint64_t seen = atomic_load_explicit(&t->seen, memory_order_acquire);
        if (seen && seen < min) {
            min = seen;
        }
    }
    atomic_store_explicit(&rcu->completed, min, memory_order_release);
    return min;
}

/* Pops the callbacks whose target is at most `completed` and runs them
 * outside the mutex (a callback may free memory a long time). */
static void
run_ready(struct ovsp4_rcu *rcu, uint64_t completed)
{
    struct ovsp4_rcu_cb batch[64];

    for (;;) {
        size_t n = 0;

        pthread_mutex_lock(&rcu->mutex);
        while (rcu->cb_n && n < sizeof batch / sizeof batch[0]) {
            struct ovsp4_rcu_cb *cb = &rcu->cbs[rcu->cb_head];
            if (cb->target > completed) {
                break;
            }
            batch[n++] = *cb;
            rcu->cb_head = (rcu->cb_head + 1) % rcu->cb_cap;
            rcu->cb_n--;
        }
        atomic_store_explicit(&rcu->n_pending, rcu->cb_n,
                              memory_order_relaxed);
        pthread_mutex_unlock(&rcu->mutex);

        for (size_t i = 0; i < n; i++) {
            batch[i].fn(batch[i].arg);
        }
        if (n < sizeof batch / sizeof batch[0]) {
            return;
        }
    }
}

void
ovsp4_rcu_defer(struct ovsp4_rcu *rcu, void (*fn)(void *), void *arg)
{
    struct ovsp4_rcu_cb *cb;

    pthread_mutex_lock(&rcu->mutex);
    if (rcu->cb_n == rcu->cb_cap) {
        size_t cap = rcu->cb_cap ? rcu->cb_cap * 2 : 256;
        struct ovsp4_rcu_cb *cbs = malloc(cap * sizeof *cbs);

        if (!cbs) {
            /* Like OVS's xmalloc(): a control thread that cannot queue
             * 24 bytes has no good way to continue. */
            abort();
        }
        for (size_t i = 0; i < rcu->cb_n; i++) {
            cbs[i] = rcu->cbs[(rcu->cb_head + i) % rcu->cb_cap];
        }
        free(rcu->cbs);
        rcu->cbs = cbs;
        rcu->cb_cap = cap;
        rcu->cb_head = 0;
    }
    cb = &rcu->cbs[(rcu->cb_head + rcu->cb_n) % rcu->cb_cap];
    /* The epoch is advanced lazily, by advance(), after this call and so
     * after the caller unpublished `arg`. */
    cb->target = atomic_load_explicit(&rcu->epoch, memory_order_relaxed) + 1;
    cb->fn = fn;
    cb->arg = arg;
    rcu->cb_n++;
    atomic_store_explicit(&rcu->n_pending, rcu->cb_n, memory_order_relaxed);
    pthread_mutex_unlock(&rcu->mutex);
}

void
ovsp4_rcu_poll(struct ovsp4_rcu *rcu)
{
    uint64_t completed;

    if (!atomic_load_explicit(&rcu->n_pending, memory_order_relaxed)) {
        return;
    }
    pthread_mutex_lock(&rcu->mutex);
    if (!rcu->cb_n) {
        pthread_mutex_unlock(&rcu->mutex);
        return;
    }
    completed = advance(rcu, rcu->cbs[(rcu->cb_head + rcu->cb_n - 1)
                                      % rcu->cb_cap].target);
    pthread_mutex_unlock(&rcu->mutex);
    run_ready(rcu, completed);
}

uint64_t
ovsp4_rcu_ticket(struct ovsp4_rcu *rcu)
{
    uint64_t ticket;

    /* Under the mutex, like ovsp4_rcu_defer(): the epoch can then reach
     * the ticket only through an advance() that happens after this call,
     * and so after the caller's unpublishing stores.  A plain load would
     * let another writer's concurrent advance() count, whose readers need
     * not see those stores yet. */
    pthread_mutex_lock(&rcu->mutex);
    ticket = atomic_load_explicit(&rcu->epoch, memory_order_relaxed) + 1;
    pthread_mutex_unlock(&rcu->mutex);
    return ticket;
}

bool
ovsp4_rcu_ticket_done(struct ovsp4_rcu *rcu, uint64_t ticket)
{
    uint64_t completed;

    if (atomic_load_explicit(&rcu->completed, memory_order_acquire)
        >= ticket) {
        return true;
    }
    pthread_mutex_lock(&rcu->mutex);
    completed = advance(rcu, ticket);
    pthread_mutex_unlock(&rcu->mutex);
    return completed >= ticket;
}

void
ovsp4_rcu_synchronize(struct ovsp4_rcu *rcu)
{
    uint64_t target;
    struct timespec delay = { 0, 20 * 1000 };

    pthread_mutex_lock(&rcu->mutex);
    target = atomic_load_explicit(&rcu->epoch, memory_order_relaxed) + 1;
    pthread_mutex_unlock(&rcu->mutex);

    while (!ovsp4_rcu_ticket_done(rcu, target)) {
        nanosleep(&delay, NULL);
        if (delay.tv_nsec < 1000 * 1000) {
            delay.tv_nsec *= 2;
        }
    }
}

void
ovsp4_rcu_barrier(struct ovsp4_rcu *rcu)
{
    ovsp4_rcu_synchronize(rcu);
    run_ready(rcu, atomic_load_explicit(&rcu->completed,
                                        memory_order_acquire));
}

uint64_t
ovsp4_rcu_pending(const struct ovsp4_rcu *rcu)
{
    return atomic_load_explicit(&((struct ovsp4_rcu *) rcu)->n_pending,
                                memory_order_relaxed);
}
