#!/usr/bin/env bash
# Cross-compiles the tensor kernel tests (tests/tensor/test_{quants,kquants,quant_bytes,fp}.c with
# src/base/*.c but threadpool.c, and src/tensor/*.c) for wasm32-wasip1 with SIMD128 and runs each .wasm under Node's
# WASI (preview1), so the SIMD128 kernels are checked against the references as the x86 ones are.
# Plain clang command lines, no CMake. Exit status: 0 all passed, 1 a test failed or did not
# build, 77 skipped because the toolchain is missing (Debian: clang-22 lld-22
# libclang-rt-22-dev-wasm32 wasi-libc). AI_TEST_SEED is passed through to the tests.
# Usage: scripts/wasm-test.sh [OUT_DIR]   (default: a temporary folder, removed at the end)
set -euo pipefail
cd "$(dirname "$0")/.."

llvm=${WASM_LLVM:-/usr/lib/llvm-22}
clang="$llvm/bin/clang"
wasi_inc=/usr/include/wasm32-wasi # Debian wasi-libc's layout (triple wasm32-wasi)
wasi_lib=/usr/lib/wasm32-wasi
builtins=$(ls "$llvm"/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a 2>/dev/null | head -1 || true)
missing=""
[ -x "$clang" ] || missing="$missing clang-22"
[ -x "$llvm/bin/wasm-ld" ] || missing="$missing lld-22"
[ -n "$builtins" ] || missing="$missing libclang-rt-22-dev-wasm32"
[ -f "$wasi_inc/stdio.h" ] && [ -f "$wasi_lib/libc.a" ] || missing="$missing wasi-libc"
command -v node >/dev/null || missing="$missing nodejs"
if [ -n "$missing" ]; then
  echo "skipped: no wasm toolchain (missing Debian packages:$missing)"
  exit 77
fi

if [ $# -ge 1 ]; then
  out=$1
  mkdir -p "$out"
else
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi

# clang looks for wasm32-wasip1 headers and libraries under <sysroot>/{include,lib}/wasm32-wasip1;
# Debian installs wasi-libc under the older triple's name, so a sysroot of two links bridges them.
mkdir -p "$out/sysroot/include" "$out/sysroot/lib" "$out/obj"
ln -sfn "$wasi_inc" "$out/sysroot/include/wasm32-wasip1"
ln -sfn "$wasi_lib" "$out/sysroot/lib/wasm32-wasip1"

cflags=(--target=wasm32-wasip1 "--sysroot=$out/sysroot" -msimd128 -O2 -std=c11 -Wall -Wextra
        -Werror -Wno-unused-parameter -fno-strict-aliasing -Iinclude -Isrc -Itests)

# threadpool.c is left out: it needs pthreads, which Debian's wasi-libc (no wasi-threads) lacks,
# and no tensor kernel or test uses it.
objs=()
for src in src/base/*.c src/tensor/*.c; do
  [ "$src" = src/base/threadpool.c ] && continue
  obj="$out/obj/$(echo "$src" | tr / _).o"
  "$clang" "${cflags[@]}" -c "$src" -o "$obj"
  objs+=("$obj")
done

# The runner: argv[0] is the module's path, the environment holds only AI_TEST_SEED (if set), and
# the process exits with the test's own status.
cat > "$out/run.mjs" <<'EOF'
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
const [file, ...args] = process.argv.slice(2);
const env = {};
if (process.env.AI_TEST_SEED !== undefined) env.AI_TEST_SEED = process.env.AI_TEST_SEED;
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
EOF

status=0
for name in test_quants test_kquants test_quant_bytes test_fp; do
  wasm="$out/$name.wasm"
  echo "== $name (wasm32-wasip1, simd128) =="
  if ! "$clang" "${cflags[@]}" "tests/tensor/$name.c" "${objs[@]}" -lm -o "$wasm"; then
    echo "$name: build failed"
    status=1
    continue
  fi
  if ! node --no-warnings "$out/run.mjs" "$wasm"; then
    echo "$name: FAILED"
    status=1
  fi
done
exit $status
