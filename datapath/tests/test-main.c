/*
 * OvS.p4 runtime tests: runner.  Usage: test_runtime [SUBSTRING...]
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 */

#define _GNU_SOURCE 1

#include "testlib.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static unsigned long n_failures;        /* test process state */
static const char *current_test;

void
test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list args;

    flockfile(stderr);
    fprintf(stderr, "  FAILED %s:%d (%s): ", file, line, current_test);
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fputc('\n', stderr);
    funlockfile(stderr);
    __atomic_add_fetch(&n_failures, 1, __ATOMIC_RELAXED);
}

unsigned long
test_n_failures(void)
{
    return __atomic_load_n(&n_failures, __ATOMIC_RELAXED);
}

uint64_t
test_seed(void)
{
    const char *s = getenv("OVSP4_TEST_SEED");

    return s ? strtoull(s, NULL, 0) : 0x0b5e55ed;
}

uint32_t
test_scaled(uint32_t n)
{
    const char *s = getenv("OVSP4_TEST_SCALE");
    double scale = s ? strtod(s, NULL) : 1.0;
    double v = n * scale;

    return v < 1 ? 1 : (uint32_t) v;
}

uint32_t
test_stress_ms(void)
{
    const char *s = getenv("OVSP4_STRESS_MS");

    return s ? (uint32_t) strtoul(s, NULL, 0) : 1000;
}

uint64_t
test_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool
selected(const char *name, int argc, char *argv[])
{
    if (argc < 2) {
        return true;
    }
    for (int i = 1; i < argc; i++) {
        if (strstr(name, argv[i])) {
            return true;
        }
    }
    return false;
}

int
main(int argc, char *argv[])
{
    const struct ovsp4_test *suites[] = {
        rcu_tests, table_api_tests, diff_tests, stress_tests,
        hash_tests, meter_tests, control_tests, control_fuzz_tests,
    };
    unsigned int n_run = 0, n_failed = 0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("seed 0x%" PRIx64 "\n", test_seed());
    for (size_t s = 0; s < sizeof suites / sizeof suites[0]; s++) {
        for (const struct ovsp4_test *t = suites[s]; t->name; t++) {
            unsigned long before = test_n_failures();
            uint64_t start;

            if (!selected(t->name, argc, argv)) {
                continue;
            }
            current_test = t->name;
            start = test_now_ns();
            t->fn();
            n_run++;
            if (test_n_failures() != before) {
                n_failed++;
                printf("FAIL %s\n", t->name);
            } else {
                printf("ok   %-40s %8.1f ms\n", t->name,
                       (test_now_ns() - start) / 1e6);
            }
        }
    }
    printf("%u tests, %u failed\n", n_run, n_failed);
    return n_failed || !n_run ? 1 : 0;
}
