# wechatpay-cpp front door. `make demo` runs the main job, `make test` the whole suite.
# Both install missing Debian packages first (when run as root), then configure and build.

MAKEFLAGS += --no-print-directory
BUILD_DIR ?= build/dev
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
DEB_PACKAGES := g++ make cmake pkg-config python3 openssl ca-certificates \
  libssl-dev libcurl4-openssl-dev nlohmann-json3-dev libpugixml-dev libcli11-dev \
  libcpp-httplib-dev libgtest-dev libgmock-dev libbenchmark-dev

.PHONY: all deps configure build test demo bench asan install-test format clean

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

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf build
