// Shared by tests/wasm/*.test.mjs: builds build-wasm/ (scripts/wasm-build.sh; these tests hold the
// ctest resource lock build-wasm, so one builds at a time), runs the native CLI and the wasm CLI
// (web/bin/anyinfer-wasm.mjs under Node's WASI), counts checks.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const wasmBuild = path.join(root, 'build-wasm');
export const wasmModule = path.join(wasmBuild, 'anyinfer.wasm');
const runner = path.join(root, 'web/bin/anyinfer-wasm.mjs');

export function makeCounter(name) {
  const c = { passed: 0, failed: 0 };
  c.check = (ok, what) => {
    if (ok) c.passed++;
    else {
      c.failed++;
      console.error(`FAIL ${name}: ${what}`);
    }
    return ok;
  };
  c.finish = () => {
    console.log(`${c.passed} passed, ${c.failed} failed`);
    process.exit(c.failed ? 1 : 0);
  };
  return c;
}

// Builds the wasm tree; exits the test as skipped when the toolchain is missing (status 77).
export function buildWasm() {
  const r = spawnSync('bash', [path.join(root, 'scripts/wasm-build.sh'), wasmBuild], {
    cwd: root, encoding: 'utf8', maxBuffer: 64 << 20,
  });
  if (r.status === 77) {
    console.log(`skipped: ${r.stdout.trim()}`);
    process.exit(0);
  }
  if (r.status !== 0) {
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

const opts = (cwd, input, env) => ({ cwd, input, maxBuffer: 1 << 28, timeout: 300000,
                                     env: { ...process.env, ...env } });

// The native CLI (ANYINFER_BIN): {status, stdout (Buffer), stderr (string)}.
export function native(args, { cwd = root, input } = {}) {
  const r = spawnSync(process.env.ANYINFER_BIN, args, opts(cwd, input));
  return { status: r.status, stdout: r.stdout, stderr: String(r.stderr) };
}

// The wasm CLI with cwd preopened: the same arguments as native() gets; module (default
// anyinfer.wasm) and env (added to this process's) as given.
export function wasm(args, { cwd = root, input, module = wasmModule, env } = {}) {
  const r = spawnSync(process.execPath, [runner, '--module', module, ...args],
                      opts(cwd, input, env));
  return { status: r.status, stdout: r.stdout, stderr: String(r.stderr) };
}

// Debian's headless Chromium ($CHROMIUM, default /usr/bin/chromium) through playwright-core,
// launched with the extra args; exits the test as skipped when either is missing.
export async function launchChromium(args = []) {
  const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
  let chromium;
  try {
    statSync(executablePath);
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    console.log(`skipped: no ${executablePath} or playwright-core (${e.message})`);
    process.exit(0);
  }
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', ...args] });
}
