# zdm: build, test, demo and bench.  `make help` lists the targets.
#
# Sources are picked up by wildcard so that a new rule or module needs no
# Makefile change: native/src/{,sql,rules,db}/*.c form libzdm.a,
# native/src/cli/*.c form bin/zdm, native/src/guard/*.c form bin/zdm-guard,
# and every tests/unit/test_*.c becomes one Criterion binary.

CC       ?= cc
CSTD     := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
OPT      ?= -O2 -g
SAN      ?=
CFLAGS   := $(CSTD) $(WARN) $(OPT) $(SAN) -Inative/include
LDFLAGS  := $(SAN) -Wl,--as-needed

BUILD    ?= build
# libpg_query is linked statically: the shared library costs about 1 ms of
# relocations on every start, which the guard cannot afford (DESIGN.md).
# Three libpg_query functions are wrapped (native/src/sql/pgwrap.c): the
# sizing and packing of its protobuf tree, so the front end walks the tree
# where libpg_query builds it, and appendStringInfo, which its JSON writer
# calls for every field (-u pulls pgwrap.o out of libzdm.a in time).
PGQUERY_A := -Wl,--wrap=pg_query__parse_result__get_packed_size \
	-Wl,--wrap=pg_query__parse_result__pack \
	-Wl,--wrap=appendStringInfo -Wl,-u,__wrap_appendStringInfo \
	$(shell $(CC) -print-file-name=libpg_query.a)
LIBS     := $(PGQUERY_A) -ljansson -lyaml -ldl -lpthread -lm
# The guard runs before every Bash call: link what it uses statically, so
# the dynamic loader has only libc to map.
# A position-dependent executable also skips the ~9,500 relative
# relocations the static libpg_query brings into a PIE (measured with
# callgrind: 296k instructions per run with PIE, 171k without, 126k for an
# empty program).
GUARD_LIBS := $(PGQUERY_A) -Wl,-Bstatic -ljansson -lyaml -Wl,-Bdynamic -lpthread -lm
GUARD_LDFLAGS := $(if $(SAN),,-no-pie)
# bin/zdm the same way: zdm lint of 1,000 files, peak RSS 5.37 MB -> 4.91 MB,
# the loader and the relocations being most of what a lint run maps.
# libsqlite3 and libpq stay the system's shared libraries (security updates
# apply without a rebuild), opened with dlopen when a database is
# (db/sqlite.c, db/pg.c), so lint and the commands that open no database
# never map them.
ZDM_LIBS := $(PGQUERY_A) -Wl,-Bstatic -ljansson -lyaml -Wl,-Bdynamic -ldl -lpthread

LIB_SRC   := $(wildcard native/src/*.c native/src/sql/*.c native/src/rules/*.c native/src/db/*.c native/src/run/*.c)
CLI_SRC   := $(wildcard native/src/cli/*.c)
GUARD_SRC := $(wildcard native/src/guard/*.c)
TEST_SRC  := $(wildcard tests/unit/test_*.c)
RULE_PAGES := $(sort $(wildcard skills/zero-downtime-migrations/references/rules/*.md))

RULE_SRC  := $(filter-out native/src/rules/registry.c,$(wildcard native/src/rules/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/rule_pages.o $(BUILD)/gen/rule_list.o
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
GUARD_OBJ := $(GUARD_SRC:%.c=$(BUILD)/%.o)
TEST_BIN  := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
DEPS      := $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(GUARD_OBJ:.o=.d)

BINS := bin/zdm $(if $(GUARD_SRC),bin/zdm-guard)

.PHONY: all deps check-deps test unit clitest demo bench asan torture valgrind fuzz clean clean-bin help
all: check-deps $(BINS)

help:
	@echo "make deps    install the Debian packages zdm needs (as root)"
	@echo "make         build bin/zdm and bin/zdm-guard"
	@echo "make test    build and run every test (unit, CLI, guard, PostgreSQL)"
	@echo "make demo    lint and run the sample migrations on an embedded SQLite db"
	@echo "make bench   benchmarks against squawk, dbmate and cc-safety-net"
	@echo "make asan    the test suite under AddressSanitizer + UBSan"
	@echo "make valgrind the unit tests under valgrind memcheck"
	@echo "make fuzz    build the libFuzzer targets, run each FUZZ_SECONDS (5)"
	@echo "make clean   remove build/ and bin/"

# ---- dependencies --------------------------------------------------------
deps:
	@tools/deps.sh install

check-deps:
	@tools/deps.sh check

# ---- build ---------------------------------------------------------------
# V=1 shows the full commands.
Q := $(if $(V),,@)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/gen/rule_pages.c: $(RULE_PAGES) tools/embed-pages.sh
	@mkdir -p $(dir $@)
	$(Q)tools/embed-pages.sh $(RULE_PAGES) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/rule_list.c: $(RULE_SRC) tools/gen-rule-list.sh
	@mkdir -p $(dir $@)
	$(Q)tools/gen-rule-list.sh $(RULE_SRC) /dev/null > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libzdm.a: $(LIB_OBJ)
	@rm -f $@
	@$(if $(Q),echo "  AR      $@")
	$(Q)ar rcs $@ $^

bin/zdm: $(CLI_OBJ) $(BUILD)/libzdm.a
	@mkdir -p bin
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) $(GUARD_LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libzdm.a $(ZDM_LIBS)

bin/zdm-guard: $(GUARD_OBJ) $(BUILD)/libzdm.a
	@mkdir -p bin
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) $(GUARD_LDFLAGS) -o $@ $(GUARD_OBJ) $(BUILD)/libzdm.a $(GUARD_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libzdm.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libzdm.a $(LIBS) -lcriterion

-include $(DEPS)

# ---- tests ---------------------------------------------------------------
# Every test runs from the repository root so fixtures resolve the same way.
# The fuzz smoke run (FUZZ_SMOKE seconds per target) is part of the plain
# suite; under make asan the fuzz targets are already sanitized builds.
FUZZ_SMOKE ?= 3
test: all $(TEST_BIN)
	@tools/run-tests.sh $(TEST_BIN)
	$(if $(SAN),,@$(MAKE) -s --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SMOKE))

unit: all $(TEST_BIN)
	@tools/run-tests.sh --unit-only $(TEST_BIN)

# bin/ is shared with the normal build: the sanitized binaries are removed
# whether the tests pass or not, so that the next `make` relinks them.
# tests/fuzz/lsan.supp lists the leaks inside libpg_query itself.
# -O1 changes what GCC's -Wformat-truncation sees: keep it a warning there.
ASAN_MAKE = $(MAKE) BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer -Wno-error=format-truncation" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
asan:
	$(MAKE) clean-bin
	$(ASAN_MAKE) all
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp \
	    $(ASAN_MAKE) test; rc=$$?; $(MAKE) clean-bin; exit $$rc

# Fault injection: SIGKILL at random moments, racing runners, a full disk,
# a read-only file, a server restart, a dropped connection, hostile guard
# input (TORTURE_TRIALS, default 100, per loop).
torture: all
	@tests/torture/run.sh

valgrind: all $(TEST_BIN)
	@tools/run-tests.sh --valgrind $(TEST_BIN)

clean-bin:
	rm -f bin/zdm bin/zdm-guard

# ---- fuzzing -------------------------------------------------------------
# libFuzzer targets (tests/fuzz/fuzz_*.c), built with clang and ASan+UBSan
# into build/fuzz/; `make fuzz` builds them and runs each for FUZZ_SECONDS
# on its corpus (tests/fuzz/corpus/<target>.tar.xz; new inputs go to
# build/fuzz/corpus/).  `make fuzz-build` only builds.  libpg_query.a and
# the other libraries are not instrumented.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 5
FUZZ_DIR     := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  := $(CSTD) -Wall -Wextra -Wno-unused-parameter -Wno-unused-function \
                -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) -Inative/include
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_DIR)/%)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o) $(FUZZ_DIR)/obj/gen/rule_pages.o \
                $(FUZZ_DIR)/obj/gen/rule_list.o
FUZZ_GUARD_OBJ := $(filter-out $(FUZZ_DIR)/obj/native/src/guard/main.o,$(GUARD_SRC:%.c=$(FUZZ_DIR)/obj/%.o))

.PHONY: fuzz-build
fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

fuzz-build: $(FUZZ_BIN)

$(FUZZ_DIR)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_DIR)/libzdm.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(FUZZ_DIR)/libguard.a: $(FUZZ_GUARD_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

# fuzz_guard includes guard/main.c itself; the guard targets link the guard.
$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DIR)/libguard.a $(FUZZ_DIR)/libzdm.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< \
	    $(FUZZ_DIR)/libguard.a $(FUZZ_DIR)/libzdm.a $(LIBS)

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_GUARD_OBJ:.o=.d) $(FUZZ_BIN:=.d)

demo: all
	@tools/demo.sh

bench: all
	@tests/bench/run.sh

clean:
	rm -rf build bin
