#!/usr/bin/env bash
# Builds the wasm32-wasip1 tree (scripts/wasm-build.sh) and runs its C tests under Node's WASI
# (ctest; the toolchain's emulator is web/bin/anyinfer-wasm.mjs): the SIMD128 kernels against the
# references, the tokenizer, templates, sampler and CPU ops, as in the native build. Exit status:
# 0 all passed, 1 a test failed or did not build, 77 skipped because the toolchain is missing.
# AI_TEST_SEED is passed through to the tests.
# Usage: scripts/wasm-test.sh [BUILD_DIR]   (default build-wasm)
set -uo pipefail
cd "$(dirname "$0")/.."

build=${1:-build-wasm}
command -v node >/dev/null || { echo "skipped: no nodejs"; exit 77; }
scripts/wasm-build.sh "$build"
status=$?
[ $status -eq 0 ] || exit $status
ctest --test-dir "$build" --output-on-failure -j "${JOBS:-2}" || exit 1
