/*
 * OvS.p4 runtime tests: a minimal test runner.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Each test file defines an array of `struct ovsp4_test` and registers it
 * in test-main.c.  CHECK() records a failure and goes on; the runner exits
 * non-zero if any check failed.  Randomised tests draw from a generator
 * seeded with OVSP4_TEST_SEED (default fixed), so failures reproduce.
 */

#ifndef OVSP4_TESTLIB_H
#define OVSP4_TESTLIB_H 1

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct ovsp4_test {
    const char *name;
    void (*fn)(void);
};

void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
unsigned long test_n_failures(void);
uint64_t test_seed(void);
/* Scales iteration counts: OVSP4_TEST_SCALE (default 1.0; sanitizer builds
 * pass less). */
uint32_t test_scaled(uint32_t n);
/* Stress test duration in milliseconds: OVSP4_STRESS_MS (default 1000). */
uint32_t test_stress_ms(void);
uint64_t test_now_ns(void);

#define CHECK(COND)                                                     \
    do {                                                                \
        if (!(COND)) {                                                  \
            test_fail(__FILE__, __LINE__, "%s", #COND);                 \
        }                                                               \
    } while (0)

#define CHECK_EQ(A, B)                                                  \
    do {                                                                \
        long long a_ = (long long) (A), b_ = (long long) (B);           \
        if (a_ != b_) {                                                 \
            test_fail(__FILE__, __LINE__, "%s == %s (%lld != %lld)",    \
                      #A, #B, a_, b_);                                  \
        }                                                               \
    } while (0)

/* Aborts the current test's loop early once failures pile up. */
#define TOO_MANY_FAILURES() (test_n_failures() > 20)

/* splitmix64: small, fast, good enough for test data. */
struct test_rng {
    uint64_t s;
};

static inline uint64_t
rng_next(struct test_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static inline uint32_t
rng_below(struct test_rng *r, uint32_t n)
{
    return n ? (uint32_t) (((rng_next(r) >> 32) * (uint64_t) n) >> 32) : 0;
}

static inline void
rng_bytes(struct test_rng *r, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t) rng_next(r);
    }
}

extern const struct ovsp4_test rcu_tests[];
extern const struct ovsp4_test table_api_tests[];
extern const struct ovsp4_test diff_tests[];
extern const struct ovsp4_test stress_tests[];
extern const struct ovsp4_test hash_tests[];
extern const struct ovsp4_test meter_tests[];
extern const struct ovsp4_test control_tests[];
extern const struct ovsp4_test control_fuzz_tests[];

#endif /* OVSP4_TESTLIB_H */
