# powertrain -- a thin wrapper over CMake. See README.md.
#   make        Release build into build/ (installs missing Debian packages first)
#   make test   build + ctest, then the same suite under ASan+UBSan (clang) in build-san/
#   make demo   the regime study on Fashion-MNIST (quick) into results.db, then the HTML report
#   make deps   install the missing Debian packages only
#   make fuzz   libFuzzer harnesses (tests/fuzz) built with clang into build-fuzz/, each run SECONDS=15
JOBS ?= 2
BUILD ?= build
ASAN_BUILD ?= build-san
ASAN_CC ?= $(shell command -v clang >/dev/null 2>&1 && echo clang || echo gcc)

.PHONY: all deps build test test-release test-asan demo demo-pytorch bench clean fuzz

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >$(BUILD).configure.log 2>&1 || { cat $(BUILD).configure.log; exit 1; }
	@grep "powertrain:" $(BUILD).configure.log | sed 's/^-- //'
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory test-asan

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_C_COMPILER=$(ASAN_CC) -DCMAKE_BUILD_TYPE=Debug -DPT_SANITIZE=ON >$(ASAN_BUILD).configure.log 2>&1 || { cat $(ASAN_BUILD).configure.log; exit 1; }
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

# Fuzzing (not part of `make test`): every harness over a copy of its checked-in corpus
# for SECONDS seconds; fails on the first crash (the reproducer is left in build-fuzz/).
SECONDS ?= 15
FUZZ_BUILD ?= build-fuzz
FUZZERS = idx pamap2 safetensors trace store celeba powermetrics
fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DPT_SANITIZE=ON -DPT_FUZZ=ON \
	  -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link >$(FUZZ_BUILD).configure.log 2>&1 || { cat $(FUZZ_BUILD).configure.log; exit 1; }
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(addprefix fuzz_,$(FUZZERS))
	@for h in $(FUZZERS); do \
	  rm -rf $(FUZZ_BUILD)/corpus-$$h && cp -r tests/fuzz/corpus/$$h $(FUZZ_BUILD)/corpus-$$h || exit 1; \
	  ( cd $(FUZZ_BUILD) && ASAN_OPTIONS=detect_leaks=1 ./tests/fuzz_$$h -max_total_time=$(SECONDS) -print_final_stats=1 \
	      -artifact_prefix=crash-$$h- corpus-$$h >fuzz-$$h.log 2>&1 ); rc=$$?; \
	  echo "fuzz_$$h: $$(grep -o 'stat::number_of_executed_units: *[0-9]*' $(FUZZ_BUILD)/fuzz-$$h.log | grep -o '[0-9]*$$') executions," \
	    "$$(grep -o 'cov: [0-9]*' $(FUZZ_BUILD)/fuzz-$$h.log | tail -1)"; \
	  if [ $$rc -ne 0 ]; then tail -40 $(FUZZ_BUILD)/fuzz-$$h.log; echo "fuzz_$$h: crashed (see $(FUZZ_BUILD)/fuzz-$$h.log)"; exit 1; fi; \
	done

# The real study: the regime grid on Fashion-MNIST (quick preset: 16 setups x 2
# repeats on data slices), every epoch's energy measured into results.db, then the
# HTML report. Rerunning continues the same study (--resume): finished runs are kept.
demo: build
	$(BUILD)/powertrain devices --period-s 0.5
	$(BUILD)/powertrain regime --dataset fmnist --preset quick --db results.db --resume
	$(BUILD)/powertrain report --db results.db --out demo-report
	@echo "demo: the report is $(CURDIR)/demo-report/report.html"

# The regime study around a PyTorch trainer (powertrain regime --exec; installs python3-torch)
demo-pytorch: build
	scripts/demo_pytorch.sh $(BUILD)

# Timing goals live here, never in tests (figures in bench/README.md).
bench: build
	$(BUILD)/meter_overhead
	$(BUILD)/data_bench
	bench/train_throughput.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(BUILD).configure.log $(ASAN_BUILD).configure.log
