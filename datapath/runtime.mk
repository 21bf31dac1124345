# OvS.p4 C runtime: the static library every pipeline .so links, its tests
# and its benchmark.
#
# Include it from the top-level Makefile (`include datapath/runtime.mk`) or
# run it alone: `make -f datapath/runtime.mk runtime-check`.
#
#   runtime              $(OVSP4_BUILD)/runtime/libovsp4rt.a (PIC objects)
#   runtime-tests        the test programs (plain, ASan+UBSan, TSan)
#   runtime-check        run the tests (plain build)
#   runtime-check-asan   ... built with -fsanitize=address,undefined
#   runtime-check-tsan   ... built with -fsanitize=thread
#   runtime-check-all    all three
#   runtime-bench        build and run bench_tables
#   runtime-clean
#
# Knobs: OVSP4_BUILD (build directory, default build), RT_CC (default gcc),
# OVSP4_TEST_SEED, OVSP4_TEST_SCALE, OVSP4_STRESS_MS (see tests/testlib.h).

RT_SRCDIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
OVSP4_BUILD ?= build
RT_OUT := $(OVSP4_BUILD)/runtime
RT_CC ?= gcc

RT_WARN := -std=c11 -Wall -Wextra -Werror
RT_INC := -I$(RT_SRCDIR)/include -I$(RT_SRCDIR)/runtime
RT_CFLAGS := $(RT_WARN) -O2 -fPIC -pthread $(RT_INC) -MMD -MP
RT_ASAN_CFLAGS := $(RT_WARN) -O1 -g -fno-omit-frame-pointer \
    -fsanitize=address,undefined -fno-sanitize-recover=all \
    -pthread $(RT_INC) -MMD -MP
RT_TSAN_CFLAGS := $(RT_WARN) -O1 -g -fsanitize=thread -pthread \
    $(RT_INC) -MMD -MP

# The library is the whole runtime.  The test binaries link all of it (the
# control-protocol and extern tests in tests/ need the whole runtime); the
# benchmark only the table core.
RT_LIB_SRCS := $(wildcard $(RT_SRCDIR)/runtime/*.c)
RT_CORE_SRCS := $(addprefix $(RT_SRCDIR)/runtime/, \
    idpool.c match.c rcu.c rhash.c table.c tbl-exact.c tbl-lpm-bsl.c \
    tbl-lpm-dir.c tbl-tss.c util.c)
RT_TEST_SRCS := $(filter-out %/bench_tables.c, \
    $(wildcard $(RT_SRCDIR)/tests/*.c))

rt_objs = $(patsubst %.c,$(RT_OUT)/$(1)/%.o,$(notdir $(2)))

RT_LIB := $(RT_OUT)/libovsp4rt.a
RT_TEST := $(RT_OUT)/test_runtime
RT_TEST_ASAN := $(RT_OUT)/test_runtime_asan
RT_TEST_TSAN := $(RT_OUT)/test_runtime_tsan
RT_BENCH := $(RT_OUT)/bench_tables

RT_LIB_OBJS := $(call rt_objs,obj,$(RT_LIB_SRCS))

.PHONY: runtime runtime-tests runtime-check runtime-check-asan \
    runtime-check-tsan runtime-check-all runtime-bench runtime-clean

runtime: $(RT_LIB)
runtime-tests: $(RT_TEST) $(RT_TEST_ASAN) $(RT_TEST_TSAN) $(RT_BENCH)

$(RT_LIB): $(RT_LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

# One object directory per flavour; sources come from runtime/ and tests/.
define rt_flavour
$(RT_OUT)/$(1)/%.o: $(RT_SRCDIR)/runtime/%.c
	@mkdir -p $$(@D)
	$$(RT_CC) $(2) -c $$< -o $$@
$(RT_OUT)/$(1)/%.o: $(RT_SRCDIR)/tests/%.c
	@mkdir -p $$(@D)
	$$(RT_CC) $(2) -c $$< -o $$@
-include $$(wildcard $(RT_OUT)/$(1)/*.d)
endef
$(eval $(call rt_flavour,obj,$(RT_CFLAGS)))
$(eval $(call rt_flavour,test,$(RT_CFLAGS) -g))
$(eval $(call rt_flavour,asan,$(RT_ASAN_CFLAGS)))
$(eval $(call rt_flavour,tsan,$(RT_TSAN_CFLAGS)))

# The plain tests and the benchmark use the library's own (PIC) objects.
$(RT_TEST): $(call rt_objs,test,$(RT_TEST_SRCS)) \
            $(call rt_objs,obj,$(RT_LIB_SRCS))
	$(RT_CC) -pthread -o $@ $^
$(RT_TEST_ASAN): $(call rt_objs,asan,$(RT_TEST_SRCS) $(RT_LIB_SRCS))
	$(RT_CC) -fsanitize=address,undefined -pthread -o $@ $^
$(RT_TEST_TSAN): $(call rt_objs,tsan,$(RT_TEST_SRCS) $(RT_LIB_SRCS))
	$(RT_CC) -fsanitize=thread -pthread -o $@ $^
$(RT_BENCH): $(call rt_objs,test,$(RT_SRCDIR)/tests/bench_tables.c) \
             $(call rt_objs,obj,$(RT_CORE_SRCS))
	$(RT_CC) -pthread -o $@ $^

runtime-check: $(RT_TEST)
	$(RT_TEST)
runtime-check-asan: $(RT_TEST_ASAN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(RT_TEST_ASAN)
runtime-check-tsan: $(RT_TEST_TSAN)
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	OVSP4_TEST_SCALE=$${OVSP4_TEST_SCALE:-0.25} \
	OVSP4_STRESS_MS=$${OVSP4_STRESS_MS:-2000} $(RT_TEST_TSAN)
runtime-check-all: runtime-check runtime-check-asan runtime-check-tsan

runtime-bench: $(RT_BENCH)
	$(RT_BENCH)

runtime-clean:
	rm -rf $(RT_OUT)
