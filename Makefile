# The README's commands. CMake is the build; this file only names the steps.
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc)

.PHONY: all build deps test test-asan wasm run fuzz format clean

all: build

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

# Installs missing Debian and npm packages (scripts/install-deps.sh), builds, runs every test.
deps:
	scripts/install-deps.sh

test: deps build wasm
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	$(MAKE) test-asan

# The same tests under AddressSanitizer + UndefinedBehaviorSanitizer (clang).
test-asan:
	CC=clang cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DAI_SANITIZE=ON
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 ctest --test-dir $(BUILD_ASAN) --output-on-failure -j $(JOBS) -LE slow

# The WebAssembly build (cmake/wasm32-wasip1.cmake): build-wasm/anyinfer.wasm, the CLI as a WASI
# module (node web/bin/anyinfer-wasm.mjs ARGS... runs it), and the C tests that run under WASI.
wasm:
	JOBS=$(JOBS) scripts/wasm-build.sh build-wasm

# Builds libFuzzer targets (fuzz/fuzz_*.c) into build-fuzz/.
fuzz:
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DAI_SANITIZE=ON -DAI_FUZZ=ON \
	  -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link
	cmake --build build-fuzz -j $(JOBS)

run: build
	scripts/run-default.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) build-fuzz build-wasm
