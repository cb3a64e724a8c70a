// The tensor kernel tests built for wasm32-wasip1 with SIMD128 and run under Node's WASI
// (scripts/wasm-test.sh): the SIMD128 rows of kernels.c against the reference kernels, as the
// native ctests check the x86 rows. Prints each test's own "N passed, M failed" line and their
// sum. Skipped (exit 0) only when the wasm toolchain is not installed (the script's status 77).
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

const EXPECTED = 4; // test_quants, test_kquants, test_quant_bytes, test_fp
let passed = 0, failed = 0, reports = 0;
for (const m of run.stdout.matchAll(/^(\d+) passed, (\d+) failed$/gm)) {
  passed += Number(m[1]);
  failed += Number(m[2]);
  reports++;
}
if (reports !== EXPECTED) {
  console.log(`wasm_kernels: ${reports} of ${EXPECTED} tests reported a result`);
  failed++;
}
if (run.status !== 0 && failed === 0) failed++; // a test exited non-zero without a failed check
console.log(`wasm_kernels: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && run.status === 0 ? 0 : 1);
