# Rulestead: one non-recursive Makefile.  See README.md.
#
#   make            build build/rsc, build/librsl.a, build/librsl.so
#   make test       run the test suite (installs missing dependencies first)
#   make demo       compile the bundled flags/ and show what it does (likewise)
#   make deps       install missing build and test dependencies (ci/install-deps)
#   make asan       the tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   make tsan       the threaded tests under ThreadSanitizer
#   make fuzz       each fuzz target under libFuzzer for FUZZ_SECONDS (60; clang)
#   make bench      evaluation latency, raw and through the live client
#   make bindings   the language bindings in bindings/ (Python: build/python)
#   make bench-compile  peak memory of rsc compile/validate for N=100000 flags
#   make bench-peers    the same flag in librsl, a C floor and four other engines
#   make bench-simulate time and memory of rsc simulate, CONTEXTS=1000000
#   make bench-scale    rsc and librsl against ruleset size, SIZES="1000 10000 100000"
#   make install    PREFIX=/usr/local LIBDIR= PKGCONFIGDIR= DESTDIR= : rsc, librsl,
#                   rsl.h, rsl_testing.h, rsl.pc, the JSON Schemas under
#                   share/rulestead/schema/ (never installs packages)
#   make clean

# The version is defined once, in loader/rsl.h (RSL_VERSION_MAJOR/MINOR/PATCH).
VERSION   := $(shell awk '$$2 ~ /^RSL_VERSION_(MAJOR|MINOR|PATCH)$$/ { v = v s $$3; s = "." } \
                          END { print v }' loader/rsl.h)
.DEFAULT_GOAL := all
BUILD     ?= build
PREFIX    ?= /usr/local
LIBDIR    ?= $(PREFIX)/lib
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR   ?=
CC        ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS    ?= -O2 -g
LDFLAGS   ?=
WARN      := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wstrict-prototypes \
             -Wmissing-prototypes
ifeq ($(CI),true)
WARN      += -Werror
endif

PKGS_RSC  := yaml-0.1 libgit2 libcbor libsodium libxxhash libmicrohttpd libcurl jansson
PKGS_RSL  := libsodium libxxhash
PKGS_TEST := check libcurl

# Dependency flags are found once per build directory by pkg-config; make
# re-reads the Makefile when config.mk changes.  Only `make deps`, `make test`
# and `make demo` install missing packages (through ci/install-deps, which
# says what it installs); any other goal only checks, and says what is
# missing and how to get it.
NOCONFIG_GOALS := clean uninstall help deps
ifneq ($(filter-out $(NOCONFIG_GOALS),$(or $(MAKECMDGOALS),all)),)
-include $(BUILD)/config.mk
endif
INSTALL_GOALS := test demo deps
DEPS_MODE := $(if $(filter $(INSTALL_GOALS),$(MAKECMDGOALS)),,--check)

deps:
	@ci/install-deps

$(BUILD)/config.mk: ci/install-deps Makefile
	@mkdir -p $(BUILD)
	@ci/install-deps $(DEPS_MODE) || { \
	  echo "Run 'make deps' (or ci/install-deps) to install them, or 'make test'," >&2; \
	  echo "which installs what is missing first." >&2; exit 1; }
	@{ echo "RSC_CFLAGS := $$($(PKG_CONFIG) --cflags $(PKGS_RSC))"; \
	   echo "RSC_LIBS := $$($(PKG_CONFIG) --libs $(PKGS_RSC))"; \
	   echo "RSL_CFLAGS := $$($(PKG_CONFIG) --cflags $(PKGS_RSL))"; \
	   echo "RSL_LIBS := $$($(PKG_CONFIG) --libs $(PKGS_RSL))"; \
	   echo "RSL_REQUIRES := $(PKGS_RSL)"; \
	   echo "TEST_CFLAGS := $$($(PKG_CONFIG) --cflags $(PKGS_TEST))"; \
	   echo "TEST_LIBS := $$($(PKG_CONFIG) --libs $(PKGS_TEST))"; } > $@.tmp
	@mv $@.tmp $@

ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
             -MMD -MP -DRSC_VERSION='"$(VERSION)"' $(CFLAGS)

RSL_SRC   := $(sort $(wildcard loader/*.c))
RSC_SRC   := $(sort $(wildcard compiler/*.c))
TEST_SRC  := $(sort $(wildcard tests/check_*.c))
# While developing one module: make TEST_MODULES="ydoc" RSC_MODULES="arena diag ydoc" check
ifneq ($(TEST_MODULES),)
TEST_SRC  := $(TEST_MODULES:%=tests/check_%.c)
endif
BENCH_SRC := $(filter-out tests/bench/bench_client.c tests/bench/bench_scale.c,$(sort $(wildcard tests/bench/*.c)))

RSL_OBJ   := $(RSL_SRC:%.c=$(BUILD)/%.o)
RSC_OBJ   := $(RSC_SRC:%.c=$(BUILD)/%.o)
# The files rsc carries (rsc schema, rsc init): one generated C array.
SCHEMA_SRC := $(sort $(wildcard schema/*.schema.json))
EMBED_SRC := $(SCHEMA_SRC) $(sort $(shell find ci/templates -type f))
RSC_OBJ   += $(BUILD)/gen/embedded.o
RSC_LIBOBJ:= $(filter-out $(BUILD)/compiler/main.o,$(RSC_OBJ))
ifneq ($(RSC_MODULES),)
RSC_LIBOBJ:= $(RSC_MODULES:%=$(BUILD)/compiler/%.o)
endif
TEST_OBJ  := $(TEST_SRC:%.c=$(BUILD)/%.o) $(BUILD)/tests/runner.o $(BUILD)/tests/testutil.o \
             $(BUILD)/tests/ruleset_fixture.o

# Fuzz targets, one per phase that reads hostile input (tests/fuzz/): the
# YAML reader, a ruleset with one hostile file, the snapshot loader, and
# the context a caller passes (parsed, then evaluated against every flag).
# replay_<t> runs files through the target without libFuzzer (tests/fuzz/
# standalone.c), so `make test` replays the committed corpus with any
# compiler; fuzz_<t> is the libFuzzer build of `make fuzz`.
FUZZ_TARGETS := yaml ruleset snapshot context
FUZZ_SECONDS ?= 60
FUZZ_OBJ  := $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz/fuzz_%.o) $(BUILD)/tests/fuzz/standalone.o
fuzz_replay = for t in $(FUZZ_TARGETS); do \
	$(1)/replay_$$t tests/fuzz/corpus/$$t || exit 1; done
.SECONDARY: $(FUZZ_OBJ)

.PHONY: all check test demo deps asan tsan fuzz bench bench-compile install uninstall clean help
all: $(BUILD)/rsc $(BUILD)/librsl.a $(BUILD)/librsl.so

$(BUILD)/loader/%.o: loader/%.c $(BUILD)/config.mk
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden $(RSL_CFLAGS) -c $< -o $@

$(BUILD)/compiler/%.o: compiler/%.c $(BUILD)/config.mk
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Iloader $(RSC_CFLAGS) -c $< -o $@

# Regenerated when a file changes, or one is added or removed (the list).
$(BUILD)/gen/embedded.list: FORCE
	@mkdir -p $(@D)
	@echo $(EMBED_SRC) > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(BUILD)/gen/embedded.c: compiler/embed.sh $(EMBED_SRC) $(BUILD)/gen/embedded.list
	compiler/embed.sh $(EMBED_SRC) > $@.tmp
	@mv $@.tmp $@

$(BUILD)/gen/embedded.o: $(BUILD)/gen/embedded.c $(BUILD)/config.mk
	$(CC) $(ALL_CFLAGS) -Icompiler -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c $(BUILD)/config.mk $(BUILD)/tests/suites.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -I$(BUILD)/tests -Icompiler -Iloader $(RSC_CFLAGS) \
	      $(TEST_CFLAGS) -DRSC_BIN='"$(BUILD)/rsc"' -c $< -o $@

# The runner learns the suites from the file names: tests/check_<m>.c
# defines Suite *<m>_suite(void).
$(BUILD)/tests/suites.h: FORCE
	@mkdir -p $(@D)
	@for f in $(TEST_SRC); do m=$${f#tests/check_}; echo "SUITE($${m%.c})"; done > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(BUILD)/librsl.a: $(RSL_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/librsl.so: $(RSL_OBJ)
	$(CC) -shared -Wl,-soname,librsl.so.0 $(CFLAGS) $(LDFLAGS) -o $@ $^ $(RSL_LIBS)

$(BUILD)/rsc: $(RSC_OBJ) $(BUILD)/librsl.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(RSC_OBJ) $(BUILD)/librsl.a $(RSC_LIBS) -lm

$(BUILD)/check_rulestead: $(TEST_OBJ) $(RSC_LIBOBJ) $(BUILD)/librsl.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(TEST_OBJ) $(RSC_LIBOBJ) $(BUILD)/librsl.a \
	      $(RSC_LIBS) $(TEST_LIBS) -lm -lpthread

check: $(BUILD)/check_rulestead $(BUILD)/rsc
	$(BUILD)/check_rulestead

test: $(BUILD)/check_rulestead $(BUILD)/rsc $(FUZZ_TARGETS:%=$(BUILD)/replay_%) $(BUILD)/bench_scale
	$(BUILD)/check_rulestead
	tests/schema_test.sh $(BUILD)/rsc
	/usr/bin/python3 tests/ci_templates_test.py $(BUILD)/rsc
	tests/install_test.sh $(BUILD)
	bindings/fixtures/check.sh $(BUILD)/rsc
	bindings/node/make.sh test $(BUILD)
	tests/bench_scale_test.sh $(BUILD)
	tests/ofrep/run.sh $(BUILD)
	@$(call fuzz_replay,$(BUILD))

$(BUILD)/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/standalone.o \
                   $(RSC_LIBOBJ) $(BUILD)/librsl.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/tests/fuzz/standalone.o \
	      $(RSC_LIBOBJ) $(BUILD)/librsl.a $(RSC_LIBS) -lm

$(BUILD)/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(RSC_LIBOBJ) $(BUILD)/librsl.a
	$(CC) $(CFLAGS) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< \
	      $(RSC_LIBOBJ) $(BUILD)/librsl.a $(RSC_LIBS) -lm

# New inputs go to build/fuzz/corpus/<t>; crashes to build/fuzz/crash-<t>-*.
# To keep one: minimise it (build/fuzz/fuzz_<t> -minimize_crash=1 FILE),
# add it to tests/fuzz/corpus/<t>/ and fix the bug.
fuzz:
	@command -v clang >/dev/null 2>&1 || { \
	  echo "make fuzz needs clang with libFuzzer, which the build does not:" >&2; \
	  echo "  sudo apt-get install clang    (Debian, Ubuntu)" >&2; \
	  echo "  sudo dnf install clang compiler-rt    (Fedora)" >&2; exit 1; }
	$(MAKE) BUILD=build/fuzz CC=clang CFLAGS="-O1 -g -fsanitize=fuzzer-no-link $(SAN)" \
	        LDFLAGS="$(SAN)" $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus/$$t && \
	  echo "fuzz_$$t: $(FUZZ_SECONDS) s" && \
	  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix=build/fuzz/crash-$$t- \
	    $$(test -f tests/fuzz/$$t.dict && echo -dict=tests/fuzz/$$t.dict) \
	    build/fuzz/corpus/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

# The benchmark counts allocations by wrapping the allocator at link time.
BENCH_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
$(BUILD)/bench: $(BENCH_SRC) tests/bench/bench_util.h $(BUILD)/librsl.a $(BUILD)/config.mk
	$(CC) $(ALL_CFLAGS) -Iloader $(RSL_CFLAGS) -DRSC_BIN='"$(BUILD)/rsc"' $(LDFLAGS) \
	      $(BENCH_WRAP) -o $@ $(BENCH_SRC) $(BUILD)/librsl.a $(RSL_LIBS) -lm

# The live client's overhead over the raw snapshot: its own program.
$(BUILD)/bench_client: tests/bench/bench_client.c $(BUILD)/librsl.a $(BUILD)/config.mk
	$(CC) $(ALL_CFLAGS) -Iloader $(RSL_CFLAGS) -DRSC_BIN='"$(BUILD)/rsc"' $(LDFLAGS) \
	      -o $@ $< $(BUILD)/librsl.a $(RSL_LIBS) -lm -lpthread

bench: $(BUILD)/bench $(BUILD)/bench_client $(BUILD)/rsc
	$(BUILD)/bench
	$(BUILD)/bench_client
	bindings/node/make.sh bench $(BUILD)

# Not a test (it installs the peers from npm): the same flag over the same
# contexts in librsl, a hand-written C floor and four other engines
# (tests/bench/peers/, docs/benchmarks.md "Side by side").
PEERS_CONTEXTS ?= 1000000
PEERS_RUNS ?= 5
.PHONY: bench-peers
$(BUILD)/bench_peers_native: tests/bench/peers/native.c $(BUILD)/librsl.a $(BUILD)/config.mk
	$(CC) $(ALL_CFLAGS) -Iloader $(RSL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/librsl.a $(RSL_LIBS) -lm
bench-peers: $(BUILD)/bench_peers_native $(BUILD)/rsc $(BUILD)/librsl.a
	tests/bench/peers/run.sh $(BUILD) $(PEERS_CONTEXTS) $(PEERS_RUNS)

# The language bindings (bindings/<lang>/): `make bindings` builds them all;
# each prints "skipped: <why>" when its toolchain is missing.
.PHONY: bindings bindings-node test-bindings-node
bindings: bindings-node
bindings-node: $(BUILD)/librsl.a
	bindings/node/make.sh build $(BUILD)
test-bindings-node: $(BUILD)/librsl.a $(BUILD)/rsc
	bindings/node/make.sh test $(BUILD)

# Not a test: prints the YAML's size, peak RSS and time (docs/benchmarks.md).
N ?= 100000
bench-compile: $(BUILD)/rsc
	RSC=$(BUILD)/rsc tests/bench/compile_memory.sh $(N)

# Not a test: how rsc and librsl grow with the ruleset (docs/benchmarks.md,
# "Scale"); results, table and plot in $(BUILD)/bench-scale/.
$(BUILD)/bench_scale: tests/bench/bench_scale.c tests/bench/bench_util.h $(BUILD)/librsl.a $(BUILD)/config.mk
	$(CC) $(ALL_CFLAGS) -Iloader $(RSL_CFLAGS) $(LDFLAGS) \
	      -o $@ $< $(BUILD)/librsl.a $(RSL_LIBS) -lm
SIZES ?= 1000 10000 100000
.PHONY: bench-scale
bench-scale: $(BUILD)/bench_scale $(BUILD)/rsc
	RSC=$(BUILD)/rsc BENCH_SCALE=$(BUILD)/bench_scale OUT=$(BUILD)/bench-scale \
	  tests/bench/bench_scale.sh $(SIZES)

# Not a test: time and peak RSS of rsc simulate (docs/benchmarks.md).
CONTEXTS ?= 1000000
.PHONY: bench-simulate
bench-simulate: $(BUILD)/rsc
	RSC=$(BUILD)/rsc tests/bench/simulate_contexts.sh $(CONTEXTS)

# The Python binding (bindings/python): a cffi extension in API mode with
# build/librsl.a linked in, assembled with its modules into
# $(BUILD)/python/rulestead (PYTHONPATH=$(BUILD)/python to use it).  Debian's
# Python: python3-cffi, python3-dev, python3-pytest (ci/install-deps).
PYTHON    ?= /usr/bin/python3
PY_PKG    := $(BUILD)/python/rulestead
PY_SRC    := $(sort $(wildcard bindings/python/rulestead/*.py)) bindings/python/rulestead/py.typed
PY_MISSING := $(shell $(PYTHON) -c 'import cffi, pytest, sysconfig, os; \
	assert os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))' \
	>/dev/null 2>&1 || echo "$(PYTHON) lacks cffi, pytest or Python.h (ci/install-deps installs python3-cffi python3-dev python3-pytest)")
PY_ENV    := PYTHONPATH=$(BUILD)/python PYTHONDONTWRITEBYTECODE=1 RSC=$(BUILD)/rsc
.PHONY: bindings bindings-python test-bindings-python bench-python
bindings: bindings-python
test: test-bindings-python
bench: bench-python
bindings-python: $(PY_PKG)/.built
$(PY_PKG)/.built: $(PY_SRC) bindings/python/rulestead_build.py bindings/python/rulestead_guard.h \
                  loader/rsl.h $(BUILD)/librsl.a
	@mkdir -p $(PY_PKG)
	$(PYTHON) bindings/python/rulestead_build.py --include loader --static $(BUILD)/librsl.a \
	          --out $(BUILD)/python
	cp $(PY_SRC) $(PY_PKG)/
	@touch $@
ifeq ($(PY_MISSING),)
test-bindings-python: $(PY_PKG)/.built $(BUILD)/rsc
	$(PY_ENV) $(PYTHON) -m pytest -q -p no:cacheprovider bindings/python/tests
bench-python: $(PY_PKG)/.built $(BUILD)/rsc
	$(PY_ENV) $(PYTHON) bindings/python/bench/bench.py
else
test-bindings-python bench-python:
	@echo "skipped: $@: $(PY_MISSING)"
endif

demo: $(BUILD)/rsc
	@BUILD=$(BUILD) ci/demo

SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# What LeakSanitizer must not report: not ours (tests/lsan.supp says why).
LSAN_ENV := LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp):print_suppressions=0
asan:
	$(MAKE) BUILD=build/asan CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" \
	        $(if $(CI),CI=$(CI)) build/asan/check_rulestead build/asan/rsc \
	        $(FUZZ_TARGETS:%=build/asan/replay_%)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	CK_TIMEOUT_MULTIPLIER=$${CK_TIMEOUT_MULTIPLIER:-3} \
	        $(LSAN_ENV) build/asan/check_rulestead
	@export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	        $(LSAN_ENV); \
	$(call fuzz_replay,build/asan)

# ThreadSanitizer: the threaded tests (the live client's stress test).
TSAN := -fsanitize=thread -fno-omit-frame-pointer
tsan:
	$(MAKE) BUILD=build/tsan CFLAGS="-O1 -g $(TSAN)" LDFLAGS="$(TSAN)" \
	        $(if $(CI),CI=$(CI)) build/tsan/check_rulestead build/tsan/rsc
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" CK_RUN_SUITE=client \
	        build/tsan/check_rulestead

# rsl.pc for the uninstalled tree, from the installed one's template: the
# headers in loader/, the static library (so nothing needs LD_LIBRARY_PATH),
# and its private dependencies made public, since a static link needs them.
$(BUILD)/pkgconfig/rsl.pc: loader/rsl.pc.in $(BUILD)/config.mk
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(abspath .)|g' -e 's|@LIBDIR@|$(abspath $(BUILD))|g' \
	    -e 's|@VERSION@|$(VERSION)|g' -e 's|@REQUIRES_PRIVATE@|$(RSL_REQUIRES)|g' \
	    -e 's|^includedir=.*|includedir=$(abspath loader)|' \
	    -e 's|^Requires.private:|Requires:|' -e 's|-L$${libdir} -lrsl|$${libdir}/librsl.a|' \
	    -e '/^Libs:/{N;s/\nLibs.private://;}' loader/rsl.pc.in > $@

# The Go binding with Debian's Go: no module downloads, nothing written to
# $$HOME or the tree.  A checksum of the library and of rsl.pc is in
# CGO_CFLAGS because go's build cache knows neither: without it, a rebuilt
# librsl.a, or a package built before against an installed rsl.pc (-lrsl),
# could be reused.
GO        ?= go
GO_ENV     = cd bindings/go && export PKG_CONFIG_PATH=$(abspath $(BUILD))/pkgconfig \
             GOCACHE=$(abspath $(BUILD))/go/cache GOPATH=$(abspath $(BUILD))/go/path \
             GOPROXY=off GOTOOLCHAIN=local GOFLAGS= GO111MODULE=on \
             CGO_CFLAGS="-O2 -g -DRSL_LIB_SUM=$$(cat $(abspath $(BUILD))/librsl.a \
               $(abspath $(BUILD))/pkgconfig/rsl.pc | cksum | cut -d' ' -f1)";
GO_TIMEOUT ?= 600s
bindings-go: $(BUILD)/librsl.a $(BUILD)/pkgconfig/rsl.pc
	@command -v $(GO) >/dev/null 2>&1 || { echo "skipped: bindings-go: no go (ci/install-deps installs golang-go)"; exit 0; }; \
	$(GO_ENV) $(GO) vet ./... && $(GO) build ./...
# The tests twice: as they are, then the threaded ones under the race
# detector.  A timeout turns a hang (Close waiting for a callback) into a
# failure.
test-bindings-go: bindings-go
	@command -v $(GO) >/dev/null 2>&1 || { echo "skipped: test-bindings-go: no go (ci/install-deps installs golang-go)"; exit 0; }; \
	$(GO_ENV) $(GO) test -count=1 -timeout $(GO_TIMEOUT) $(GO_TEST_FLAGS) ./... && \
	$(GO) test -count=1 -race -timeout $(GO_TIMEOUT) -run 'Reload|Rollback|Close|Event' ./...
# make bench's row, on the three-rule flag that build/bench --prepare
# compiles (tests/bench/bench.c: one ruleset for every benchmark).
bench-go: bindings-go $(BUILD)/bench $(BUILD)/rsc
	@command -v $(GO) >/dev/null 2>&1 || { echo "skipped: bench-go: no go (ci/install-deps installs golang-go)"; exit 0; }; \
	$(BUILD)/bench --prepare && \
	$(GO_ENV) RULESTEAD_BENCH_SNAPSHOT=$(abspath tests/tmp/bench)/out-10/prod.rsnap \
	  RULESTEAD_BENCH_KEY=$(abspath tests/tmp/bench)/k.pub \
	  $(GO) test -run '^$$' -bench ThreeRules -benchtime 1000000x -count 5 ./...
.PHONY: bindings bindings-go test-bindings-go bench-go
bindings: bindings-go
test: test-bindings-go
bench: bench-go

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
	           $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/rulestead/schema
	install -m 0755 $(BUILD)/rsc $(DESTDIR)$(PREFIX)/bin/rsc
	install -m 0644 $(BUILD)/librsl.a $(DESTDIR)$(LIBDIR)/librsl.a
	install -m 0755 $(BUILD)/librsl.so $(DESTDIR)$(LIBDIR)/librsl.so.0
	ln -sf librsl.so.0 $(DESTDIR)$(LIBDIR)/librsl.so
	install -m 0644 loader/rsl.h $(DESTDIR)$(PREFIX)/include/rsl.h
	install -m 0644 loader/rsl_testing.h $(DESTDIR)$(PREFIX)/include/rsl_testing.h
	install -m 0644 $(SCHEMA_SRC) $(DESTDIR)$(PREFIX)/share/rulestead/schema/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@VERSION@|$(VERSION)|g' -e 's|@REQUIRES_PRIVATE@|$(RSL_REQUIRES)|g' \
	    loader/rsl.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/rsl.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/rsc $(DESTDIR)$(LIBDIR)/librsl.a \
	      $(DESTDIR)$(LIBDIR)/librsl.so $(DESTDIR)$(LIBDIR)/librsl.so.0 \
	      $(DESTDIR)$(PREFIX)/include/rsl.h $(DESTDIR)$(PREFIX)/include/rsl_testing.h \
	      $(DESTDIR)$(PKGCONFIGDIR)/rsl.pc
	rm -f $(SCHEMA_SRC:schema/%=$(DESTDIR)$(PREFIX)/share/rulestead/schema/%)

clean:
	rm -rf build

help:
	@sed -n '2,17p' Makefile | sed 's/^# \{0,1\}//'

FORCE:

-include $(RSL_OBJ:.o=.d) $(RSC_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d)
