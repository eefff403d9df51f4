# wechatpay-cpp front door. `make demo` runs the main job, `make test` the whole suite.
# Both install missing Debian packages first (when run as root), then configure and build.

MAKEFLAGS += --no-print-directory
BUILD_DIR ?= build/dev
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
DEB_PACKAGES := g++ make cmake pkg-config python3 openssl ca-certificates \
  libssl-dev libcurl4-openssl-dev nlohmann-json3-dev libpugixml-dev libcli11-dev \
  libcpp-httplib-dev libgtest-dev libgmock-dev libbenchmark-dev

.PHONY: all deps configure build test demo bench asan fuzz fuzz-build fuzz-merge install-test format \
  clean

all: build

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "missing Debian packages (run as root or install them):" $$missing; exit 1; \
	  fi; \
	fi

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 300

demo: build
	@if [ -x $(BUILD_DIR)/apps/wxpay/wxpay ]; then \
	  $(BUILD_DIR)/apps/wxpay/wxpay demo; \
	else \
	  $(BUILD_DIR)/examples/sign_and_verify; \
	fi

# Micro-benchmarks (Google Benchmark), then the load tool's table. BENCH_SECONDS and
# BENCH_REPEATS set the length of each load scenario and how many times each runs.
BENCH_SECONDS ?= 2
BENCH_REPEATS ?= 3
bench: deps
	@cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DWECHATPAY_BUILD_TESTS=OFF \
	  -DWECHATPAY_BUILD_BENCH=ON >/dev/null
	@cmake --build build/release -j $(JOBS) --target bench_core bench_load
	@build/release/bench/bench_core --benchmark_min_time=1
	@build/release/bench/bench_load --seconds $(BENCH_SECONDS) --repeats $(BENCH_REPEATS)

asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build build/asan -j $(JOBS)
	cd build/asan && ctest --output-on-failure -j $(JOBS) --timeout 600

# libFuzzer (docs/fuzzing.md): builds the `fuzz` preset (clang, library instrumented, ASan+UBSan)
# into build/fuzz, then fuzzes every target FUZZ_SECONDS seconds, FUZZ_JOBS at a time (or only
# FUZZ_TARGETS, e.g. "url headers"). Crash inputs land in build/fuzz/artifacts/<target>/; the run
# fails if there are any. `make fuzz-merge` adds what raised coverage to tests/fuzz/corpus/.
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
FUZZ_TARGETS ?=
FUZZ_LAUNCHER := $(if $(shell command -v ccache 2>/dev/null),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

fuzz-build:
	@$(MAKE) deps DEB_PACKAGES="$(DEB_PACKAGES) clang libclang-rt-dev"
	@cmake --preset fuzz $(FUZZ_LAUNCHER) >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)

fuzz: fuzz-build
	@tools/run_fuzz.sh run $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_TARGETS)

fuzz-merge: fuzz-build
	@tools/run_fuzz.sh merge $(FUZZ_TARGETS)

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf build
