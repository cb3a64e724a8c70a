#!/usr/bin/env node
// Runs anyinfer.wasm (or another WASI command module) under Node's WASI (preview1) with the current
// directory preopened, so `node web/bin/anyinfer-wasm.mjs info -m model.gguf` works as the native
// `anyinfer info -m model.gguf` does for paths under the current directory.
//   anyinfer-wasm.mjs [--module FILE.wasm] [--dir HOST_DIR]... ARGS...
// --module: the module (default $ANYINFER_WASM, else build-wasm/anyinfer.wasm of this checkout).
// --dir: one more folder to preopen, under its own absolute path. The process environment is
// passed through; the exit status is the module's. The module imports wasi_snapshot_preview1 only.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

const here = path.dirname(fileURLToPath(import.meta.url));
let modulePath = process.env.ANYINFER_WASM || path.resolve(here, '../../build-wasm/anyinfer.wasm');
const preopens = { '.': process.cwd() };
let args = process.argv.slice(2);
while (args.length >= 2 && (args[0] === '--module' || args[0] === '--dir')) {
  if (args[0] === '--module') modulePath = args[1];
  else preopens[path.resolve(args[1])] = path.resolve(args[1]);
  args = args.slice(2);
}

let bytes;
try {
  bytes = await readFile(modulePath);
} catch (e) {
  process.stderr.write(`anyinfer-wasm: cannot read the module ${modulePath}: ${e.message}` +
                       ' (build it with `make wasm`)\n');
  process.exit(1);
}
const name = path.basename(modulePath, '.wasm');
// node:wasi warns that it is experimental when first imported (Node 20); other warnings print.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'ExperimentalWarning') process.stderr.write(`${w.name}: ${w.message}\n`);
});
// Node 20's WASI syscalls as V8 fast API calls crash the process (SIGSEGV, at exit or later)
// once a write follows a memory.grow; the slow path is correct, and a syscall costs the same.
v8.setFlagsFromString('--no-turbo-fast-api-calls');
const { WASI } = await import('node:wasi');
const wasi = new WASI({ version: 'preview1', args: [name, ...args], env: process.env, preopens,
                        returnOnExit: true });
const module = await WebAssembly.compile(bytes);
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
