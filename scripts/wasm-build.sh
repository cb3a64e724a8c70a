#!/usr/bin/env bash
# Builds the wasm32-wasip1 tree with cmake/wasm32-wasip1.cmake (SIMD128, no threads): the CLI
# module BUILD_DIR/anyinfer.wasm and the C tests that run under WASI. Exit status: 0 built,
# 1 the build failed, 77 the toolchain is missing (Debian: clang-22 lld-22
# libclang-rt-22-dev-wasm32 wasi-libc, and nodejs for the tests).
# Usage: scripts/wasm-build.sh [BUILD_DIR]   (default build-wasm); JOBS (default 2) parallel jobs.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build-wasm}
llvm=${WASM_LLVM:-/usr/lib/llvm-22}
missing=""
[ -x "$llvm/bin/clang" ] || missing="$missing clang-22"
[ -x "$llvm/bin/wasm-ld" ] || missing="$missing lld-22"
ls "$llvm"/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a >/dev/null 2>&1 ||
  missing="$missing libclang-rt-22-dev-wasm32"
[ -f /usr/include/wasm32-wasi/stdio.h ] && [ -f /usr/lib/wasm32-wasi/libc.a ] ||
  missing="$missing wasi-libc"
if [ -n "$missing" ]; then
  echo "skipped: no wasm toolchain (missing Debian packages:$missing)"
  exit 77
fi

cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE=cmake/wasm32-wasip1.cmake \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "${JOBS:-2}"
