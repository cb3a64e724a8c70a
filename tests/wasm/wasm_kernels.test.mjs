// The C tests built for wasm32-wasip1 with SIMD128 (scripts/wasm-test.sh: cmake/wasm32-wasip1.cmake
// into build-wasm/, run by ctest under Node's WASI): the SIMD128 rows of kernels.c against the
// reference kernels, the CPU ops, tokenizer, templates and sampler, as the native ctests check them.
// Prints "N passed, M failed" over the ctests. Skipped (exit 0) only when the wasm
// toolchain is not installed (the script's status 77).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = spawnSync('bash', [path.join(root, 'scripts/wasm-test.sh')], {
  cwd: root,
  encoding: 'utf8',
  env: process.env,
  maxBuffer: 64 << 20,
});
process.stdout.write(run.stdout ?? '');
process.stderr.write(run.stderr ?? '');
if (run.error) {
  console.log(`wasm_kernels: could not run scripts/wasm-test.sh: ${run.error.message}`);
  process.exit(1);
}
if (run.status === 77) {
  console.log('skipped: no wasm toolchain');
  process.exit(0);
}

// ctest's summary: "100% tests passed, 0 tests failed out of 11".
const MIN_TESTS = 13; // the list in CMakeLists.txt's WASI filter
const summary = /(\d+)% tests passed, (\d+) tests failed out of (\d+)/.exec(run.stdout);
let passed = 0, failed = 0;
if (!summary) {
  console.log('wasm_kernels: no ctest summary');
  failed++;
} else {
  const [total, bad] = [Number(summary[3]), Number(summary[2])];
  passed = total - bad;
  failed = bad;
  if (total < MIN_TESTS) {
    console.log(`wasm_kernels: ${total} wasm tests ran, expected at least ${MIN_TESTS}`);
    failed++;
  }
}
if (run.status !== 0 && failed === 0) failed++;
console.log(`wasm_kernels: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && run.status === 0 ? 0 : 1);
