/*
 * OvS.p4 runtime tests: QSBR.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#define _GNU_SOURCE 1

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "rcu.h"
#include "testlib.h"

static void
count_cb(void *arg)
{
    atomic_fetch_add((_Atomic int *) arg, 1);
}

/* A callback waits for every online reader, and only for online ones. */
static void
test_rcu_grace_period(void)
{
    struct ovsp4_rcu *rcu = ovsp4_rcu_create();
    struct ovsp4_rcu_thread *a = ovsp4_rcu_register(rcu);
    struct ovsp4_rcu_thread *b = ovsp4_rcu_register(rcu);
    _Atomic int n = 0;

    ovsp4_rcu_defer(rcu, count_cb, &n);
    CHECK_EQ(ovsp4_rcu_pending(rcu), 1);
    ovsp4_rcu_poll(rcu);
    CHECK_EQ(atomic_load(&n), 0);       /* nobody quiesced */
    ovsp4_rcu_quiesce(a);
    ovsp4_rcu_poll(rcu);
    CHECK_EQ(atomic_load(&n), 0);       /* b still may hold it */
    ovsp4_rcu_quiesce(b);
    ovsp4_rcu_poll(rcu);
    CHECK_EQ(atomic_load(&n), 1);
    CHECK_EQ(ovsp4_rcu_pending(rcu), 0);

    /* Quiescent points before the retirement do not count. */
    ovsp4_rcu_defer(rcu, count_cb, &n);
    ovsp4_rcu_quiesce(a);
    ovsp4_rcu_quiesce(b);
    ovsp4_rcu_poll(rcu);
    CHECK_EQ(atomic_load(&n), 1);
    ovsp4_rcu_quiesce(a);
    ovsp4_rcu_quiesce(b);
    ovsp4_rcu_poll(rcu);
    CHECK_EQ(atomic_load(&n), 2);

    /* An offline reader does not hold anything back. */
    ovsp4_rcu_defer(rcu, count_cb, &n);
    ovsp4_rcu_offline(b);
    ovsp4_rcu_poll(rcu);
    CHECK_EQ(atomic_load(&n), 2);
    ovsp4_rcu_quiesce(a);
    ovsp4_rcu_poll(rcu);
    CHECK_EQ(atomic_load(&n), 3);

    /* Back online, it holds back what is retired afterwards. */
    ovsp4_rcu_online(b);
    ovsp4_rcu_defer(rcu, count_cb, &n);
    ovsp4_rcu_poll(rcu);
    ovsp4_rcu_quiesce(a);
    ovsp4_rcu_poll(rcu);
    CHECK_EQ(atomic_load(&n), 3);
    ovsp4_rcu_quiesce(b);
    ovsp4_rcu_poll(rcu);
    CHECK_EQ(atomic_load(&n), 4);

    /* Unregistering releases too; destroy runs what is left. */
    ovsp4_rcu_defer(rcu, count_cb, &n);
    ovsp4_rcu_unregister(a);
    ovsp4_rcu_unregister(b);
    ovsp4_rcu_poll(rcu);
    CHECK_EQ(atomic_load(&n), 5);
    ovsp4_rcu_defer(rcu, count_cb, &n);
    ovsp4_rcu_destroy(rcu);
    CHECK_EQ(atomic_load(&n), 6);
}

static void
test_rcu_tickets(void)
{
    struct ovsp4_rcu *rcu = ovsp4_rcu_create();
    struct ovsp4_rcu_thread *a = ovsp4_rcu_register(rcu);
    uint64_t t1 = ovsp4_rcu_ticket(rcu);

    CHECK(!ovsp4_rcu_ticket_done(rcu, t1));
    ovsp4_rcu_quiesce(a);
    CHECK(ovsp4_rcu_ticket_done(rcu, t1));
    CHECK(ovsp4_rcu_ticket_done(rcu, t1));
    ovsp4_rcu_unregister(a);
    CHECK(ovsp4_rcu_ticket_done(rcu, ovsp4_rcu_ticket(rcu)));
    ovsp4_rcu_destroy(rcu);
}

/* The single-threaded host (the simulator): control operations on the one
 * reader thread never block, memory is reclaimed at its next batch. */
static void
test_rcu_same_thread(void)
{
    struct ovsp4_rcu *rcu = ovsp4_rcu_create();
    struct ovsp4_rcu_thread *me = ovsp4_rcu_register(rcu);
    _Atomic int n = 0;

    for (int i = 0; i < 1000; i++) {
        ovsp4_rcu_defer(rcu, count_cb, &n);
        ovsp4_rcu_poll(rcu);
        ovsp4_rcu_quiesce(me);
    }
    ovsp4_rcu_poll(rcu);
    CHECK_EQ(atomic_load(&n), 1000);
    ovsp4_rcu_unregister(me);
    ovsp4_rcu_destroy(rcu);
}

/* Concurrent readers dereference a published object while a writer swaps
 * and frees it; ASan/TSan catch premature frees. */
struct shared_obj {
    uint64_t magic;
    uint64_t serial;
};

struct rcu_stress {
    struct ovsp4_rcu *rcu;
    _Atomic(struct shared_obj *) obj;
    _Atomic bool stop;
    _Atomic uint64_t reads;
};

#define MAGIC 0x5ca1ab1e0ddba11ULL

static void *
rcu_reader(void *arg)
{
    struct rcu_stress *s = arg;
    struct ovsp4_rcu_thread *me = ovsp4_rcu_register(s->rcu);
    uint64_t n = 0;

    while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
        struct shared_obj *held[16];

        for (int i = 0; i < 16; i++) {
            held[i] = atomic_load_explicit(&s->obj, memory_order_acquire);
        }
        for (int i = 0; i < 16; i++) {
            if (held[i]->magic != MAGIC) {
                test_fail(__FILE__, __LINE__, "stale object");
            }
            n++;
        }
        if (n % 4096 == 0) {
            /* Exercise extended quiescent states too. */
            ovsp4_rcu_offline(me);
            ovsp4_rcu_online(me);
        }
        ovsp4_rcu_quiesce(me);
    }
    atomic_fetch_add(&s->reads, n);
    ovsp4_rcu_unregister(me);
    return NULL;
}

static void
free_obj(void *p)
{
    struct shared_obj *o = p;

    o->magic = 0;               /* visible to a racing reader without ASan */
    free(o);
}

static void
test_rcu_stress(void)
{
    struct rcu_stress s = { .rcu = ovsp4_rcu_create() };
    uint64_t deadline = test_now_ns() + test_stress_ms() * 1000000ULL / 2;
    struct shared_obj *o = malloc(sizeof *o);
    pthread_t readers[2];
    uint64_t serial = 0;

    *o = (struct shared_obj) { MAGIC, 0 };
    atomic_init(&s.obj, o);
    for (int i = 0; i < 2; i++) {
        pthread_create(&readers[i], NULL, rcu_reader, &s);
    }
    while (test_now_ns() < deadline) {
        struct shared_obj *n = malloc(sizeof *n);
        struct shared_obj *old;

        *n = (struct shared_obj) { MAGIC, ++serial };
        old = atomic_exchange_explicit(&s.obj, n, memory_order_acq_rel);
        ovsp4_rcu_defer(s.rcu, free_obj, old);
        ovsp4_rcu_poll(s.rcu);
        if (serial % 1024 == 0) {
            ovsp4_rcu_synchronize(s.rcu);
        }
    }
    atomic_store(&s.stop, true);
    for (int i = 0; i < 2; i++) {
        pthread_join(readers[i], NULL);
    }
    ovsp4_rcu_barrier(s.rcu);
    CHECK_EQ(ovsp4_rcu_pending(s.rcu), 0);
    CHECK(atomic_load(&s.reads) > 0);
    free(atomic_load(&s.obj));
    ovsp4_rcu_destroy(s.rcu);
}

const struct ovsp4_test rcu_tests[] = {
    { "rcu/grace-period", test_rcu_grace_period },
    { "rcu/tickets", test_rcu_tickets },
    { "rcu/same-thread", test_rcu_same_thread },
    { "rcu/stress", test_rcu_stress },
    { NULL, NULL },
};
