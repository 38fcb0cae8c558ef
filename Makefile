# powertrain -- a thin wrapper over CMake. See README.md.
#   make        Release build into build/ (installs missing Debian packages first)
#   make test   build + ctest, then the same suite under ASan+UBSan (clang) in build-san/,
#               then every fuzzer for FUZZ_SECONDS=15 s each (where clang has libFuzzer)
#   make demo   builds powertrain only, the regime study on Fashion-MNIST (quick) into results.db,
#               then the HTML report; prints the headline and the report's path
#   make deps   install the missing Debian packages only
#   make fuzz   libFuzzer harnesses (tests/fuzz) built with clang into build-fuzz/, each run SECONDS=15
#   make test-fuzz  the same, FUZZ_SECONDS=15, where clang has libFuzzer (make test's last step)
JOBS ?= 2
BUILD ?= build
ASAN_BUILD ?= build-san
ASAN_CC ?= $(shell command -v clang >/dev/null 2>&1 && echo clang || echo gcc)

.PHONY: all deps build build-tool configure test test-release test-asan test-fuzz demo demo-pytorch bench clean fuzz

all: build

deps:
	@scripts/deps.sh

# One line per stage; the compiler's full output goes to $(BUILD)/build.log, its
# tail is shown when the build fails.
build: deps
	@$(MAKE) --no-print-directory configure
	@echo "build: compiling everything (log: $(BUILD)/build.log)"
	@cmake --build $(BUILD) -j $(JOBS) >$(BUILD)/build.log 2>&1 || { tail -40 $(BUILD)/build.log; echo "build: failed (full log: $(BUILD)/build.log)"; exit 1; }
	@echo "build: done"

configure:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >$(BUILD).configure.log 2>&1 || { cat $(BUILD).configure.log; exit 1; }
	@grep "powertrain:" $(BUILD).configure.log | sed 's/^-- //'

# Only the powertrain binary: what the demo needs (no tests, no benchmarks).
build-tool: deps
	@$(MAKE) --no-print-directory configure
	@echo "build: compiling powertrain (log: $(BUILD)/build.log)"
	@cmake --build $(BUILD) -j $(JOBS) --target powertrain >$(BUILD)/build.log 2>&1 || { tail -40 $(BUILD)/build.log; echo "build: failed (full log: $(BUILD)/build.log)"; exit 1; }
	@echo "build: done"

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory test-fuzz

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_C_COMPILER=$(ASAN_CC) -DCMAKE_BUILD_TYPE=Debug -DPT_SANITIZE=ON >$(ASAN_BUILD).configure.log 2>&1 || { cat $(ASAN_BUILD).configure.log; exit 1; }
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

# Fuzzing: every harness (tests/fuzz) over a copy of its checked-in corpus for SECONDS
# seconds; fails on the first crash, leak, UB or input slower than 25 s (the reproducer
# is left in build-fuzz/). The build goes through ccache when there is one (paths
# relative to the checkout: a fresh clone elsewhere hits the same cache).
SECONDS ?= 15
FUZZ_BUILD ?= build-fuzz
FUZZERS = idx pamap2 safetensors trace store celeba powermetrics image marks checkpoint resume cli
FUZZ_LAUNCHER = $(if $(shell command -v ccache 2>/dev/null),-DCMAKE_C_COMPILER_LAUNCHER=ccache)
fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DPT_SANITIZE=ON -DPT_FUZZ=ON \
	  $(FUZZ_LAUNCHER) -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link >$(FUZZ_BUILD).configure.log 2>&1 || { cat $(FUZZ_BUILD).configure.log; exit 1; }
	@CCACHE_BASEDIR=$${CCACHE_BASEDIR:-$(CURDIR)} CCACHE_NOHASHDIR=1 cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(addprefix fuzz_,$(FUZZERS))
	@for h in $(FUZZERS); do \
	  rm -rf $(FUZZ_BUILD)/corpus-$$h && cp -r tests/fuzz/corpus/$$h $(FUZZ_BUILD)/corpus-$$h || exit 1; \
	  ( cd $(FUZZ_BUILD) && ASAN_OPTIONS=detect_leaks=1 ./tests/fuzz_$$h -max_total_time=$(SECONDS) -print_final_stats=1 \
	      -timeout=25 -close_fd_mask=3 -artifact_prefix=crash-$$h- corpus-$$h >fuzz-$$h.log 2>&1 ); rc=$$?; \
	  echo "fuzz_$$h: $$(grep -o 'stat::number_of_executed_units: *[0-9]*' $(FUZZ_BUILD)/fuzz-$$h.log | grep -o '[0-9]*$$') executions," \
	    "$$(grep -o 'cov: [0-9]*' $(FUZZ_BUILD)/fuzz-$$h.log | tail -1)"; \
	  if [ $$rc -ne 0 ]; then tail -40 $(FUZZ_BUILD)/fuzz-$$h.log; echo "fuzz_$$h: crashed (see $(FUZZ_BUILD)/fuzz-$$h.log)"; exit 1; fi; \
	done

# make test's last step: every fuzzer for FUZZ_SECONDS s, where clang links libFuzzer
# (Debian: libclang-rt-dev, which make deps installs); else one line says they did not run.
FUZZ_SECONDS ?= 15
LIBFUZZER_CHECK = printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
	| clang -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1
test-fuzz: deps
	@if command -v clang >/dev/null 2>&1 && $(LIBFUZZER_CHECK); then \
	  $(MAKE) --no-print-directory fuzz SECONDS=$(FUZZ_SECONDS); \
	else echo "test: clang with libFuzzer not found: the fuzzers did not run (make deps installs them)"; fi

# The real study: the regime grid on Fashion-MNIST (quick preset: 16 setups x 2
# repeats on data slices), every epoch's energy measured into results.db, then the
# HTML report. Rerunning continues the same study (--resume): finished runs are kept.
# About 3 to 5 minutes on 2 cores from a clean clone (README, "How long the demo takes").
demo: build-tool
	@$(BUILD)/powertrain devices --period-s 0.5
	@$(BUILD)/powertrain regime --dataset fmnist --preset quick --db results.db --resume | tee $(BUILD)/demo-regime.txt
	@$(BUILD)/powertrain report --db results.db --out demo-report >$(BUILD)/demo-summary.md
	@echo "demo: $$(head -1 $(BUILD)/demo-regime.txt | sed 's/ in at least.*//'), $$(sed -n 2p $(BUILD)/demo-regime.txt | sed 's/; grid.*//'); the report, opening with the paper vs this run: $(CURDIR)/demo-report/report.html"

# The regime study around a PyTorch trainer (powertrain regime --exec; installs python3-torch)
demo-pytorch: build
	scripts/demo_pytorch.sh $(BUILD)

# Timing goals live here, never in tests (figures in bench/README.md).
bench: build
	$(BUILD)/meter_overhead
	$(BUILD)/data_bench
	bench/train_throughput.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(BUILD).configure.log $(ASAN_BUILD).configure.log $(FUZZ_BUILD).configure.log
