// WebGPU inside wasm in Debian's headless Chromium (playwright-core) on SwiftShader
// (--enable-unsafe-webgpu --use-webgpu-adapter=swiftshader): createEngine on a fixture model picks
// WebGPU by itself, names the adapter, and its greedy completion has the native CPU CLI's token
// ids and text, on the page's thread and in a Web Worker; backend: 'cpu' gives the same on the wasm
// CPU. The demo page shows the WebGPU adapter as its backend (screenshot:
// $ANYINFER_BUILD/artifacts/browser_webgpu.png). The page is served by request interception (http://localhost counts as a secure context,
// which WebGPU needs).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildWasm, launchChromium, makeCounter, native, root } from './lib.mjs';

const t = makeCounter('browser_webgpu');
if (!process.env.ANYINFER_BIN) {
  t.check(false, 'ANYINFER_BIN is not set');
  t.finish();
}
buildWasm();

const BASE = 'http://localhost:8123';
const TYPES = { '.html': 'text/html', '.css': 'text/css', '.js': 'text/javascript',
                '.wasm': 'application/wasm' };
const dir = mkdtempSync(path.join(tmpdir(), 'anyinfer-browser-webgpu-'));
let browser;
try {
  const model = 'qwen2-q4_0.gguf';
  const conv = native(['convert', path.join(root, 'tests/fixtures/hf/qwen2'), model, '--type', 'q4_0'],
                      { cwd: dir });
  if (!t.check(conv.status === 0, `convert: ${conv.stderr}`)) t.finish();
  const prompt = 'Once upon a time, in a land far away,';
  const nTokens = 8;
  const run = ['run', '-m', model, '-p', prompt, '-n', String(nTokens), '--temp', '0'];
  const nativeIds = String(native([...run, '--ids'], { cwd: dir }).stdout).trim();
  const nativeText = String(native(run, { cwd: dir }).stdout).replace(/\n$/, '');
  t.check(nativeIds.split(' ').length === nTokens, `native ids: '${nativeIds}'`);

  browser = await launchChromium(['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader']);
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.route(`${BASE}/**`, (route) => {
    const { pathname } = new URL(route.request().url());
    const rel = decodeURIComponent(pathname) + (pathname.length > 1 && pathname.endsWith('/') ? 'index.html' : '');
    const file = rel === '/' ? null : rel.startsWith('/models/') ? path.join(dir, path.basename(rel))
      : /^\/(web|build-wasm)\//.test(rel) && !rel.includes('..') ? path.join(root, rel) : undefined;
    if (file === null) return route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>t</title>' });
    try {
      return route.fulfill({ body: readFileSync(file),
                             contentType: TYPES[path.extname(file)] ?? 'application/octet-stream' });
    } catch {
      return route.fulfill({ status: 404, body: 'not found' });
    }
  });
  await page.goto(`${BASE}/`);
  t.check(await page.evaluate(() => !!navigator.gpu && typeof WebAssembly.Suspending === 'function'),
          'the page has navigator.gpu and JSPI');

  for (const [what, options] of [['page', {}], ['worker', { worker: true }], ['cpu', { backend: 'cpu' }]]) {
    const r = await page.evaluate(async ({ options, prompt, nTokens }) => {
      const { createEngine } = await import('/web/src/engine.js');
      const engine = await createEngine({ model: '/models/qwen2-q4_0.gguf', cache: false, ...options });
      const c = await engine.completions.create({ prompt, max_tokens: nTokens, temperature: 0 });
      await engine.unload();
      return { backend: engine.backend, note: engine.backendNote, ids: c.x_anyinfer.token_ids.join(' '),
               text: c.choices[0].text, extra: c.x_anyinfer.backend };
    }, { options, prompt, nTokens });
    console.log(`${what}: ${r.backend} (${r.note}): ${r.ids}`);
    const gpu = what !== 'cpu';
    t.check(r.backend === (gpu ? 'webgpu' : 'cpu') && r.extra === r.backend, `${what}: backend ${r.backend}`);
    t.check(gpu ? /^WebGPU: .*swiftshader/i.test(r.note) : /^wasm CPU/.test(r.note), `${what}: note '${r.note}'`);
    t.check(r.ids === nativeIds, `${what}: ids '${r.ids}', native '${nativeIds}'`);
    t.check(r.text === nativeText, `${what}: text ${JSON.stringify(r.text)}, native ${JSON.stringify(nativeText)}`);
  }

  await page.goto(`${BASE}/web/demo/?model=${encodeURIComponent('/models/qwen2-q4_0.gguf')}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 120000 });
  const shown = await page.textContent('#backend');
  t.check(/^backend: WebGPU: .*swiftshader/i.test(shown), `demo page backend: '${shown}'`);
  const shotDir = path.join(process.env.ANYINFER_BUILD ?? path.join(root, 'build'), 'artifacts');
  mkdirSync(shotDir, { recursive: true });
  await page.screenshot({ path: path.join(shotDir, 'browser_webgpu.png') });
  t.check(pageErrors.length === 0, `page errors: ${pageErrors.join('; ')}`);
} catch (e) {
  t.check(false, `${e.stack ?? e}`);
} finally {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
}
t.finish();
