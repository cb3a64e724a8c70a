// The demo page (web/demo/) in Debian's headless Chromium driven by playwright-core, against a
// local static server that counts requests: it loads a fixture model (qwen2 converted natively to
// Q4_0) by URL in a Web Worker, chats at temperature 0 and sees the reply streamed in several
// updates; the reply's token ids and text equal the native CLI's `run --chat --temp 0`. Reloaded
// (now on the page's own thread) it finds the model in the Cache API with no second download and
// gives the same reply again, and again from the same GGUF picked as a local file; a Whisper GGUF
// turns the page into a transcriber whose text is the native CLI's. A screenshot is kept at $ANYINFER_BUILD/artifacts/browser_demo.png.
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildWasm, launchChromium, makeCounter, native, root } from './lib.mjs';

const t = makeCounter('browser_demo');
if (!process.env.ANYINFER_BIN) {
  t.check(false, 'ANYINFER_BIN is not set');
  t.finish();
}
buildWasm();

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.wasm': 'application/wasm', '.gguf': 'application/octet-stream' };

// Serves web/ and build-wasm/ of the checkout and /models/ from dir, with byte ranges.
function serve(dir, counts) {
  return createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
    const rel = decodeURIComponent(url.pathname) + (url.pathname.endsWith('/') ? 'index.html' : '');
    const file = rel.startsWith('/models/') ? path.join(dir, path.basename(rel))
      : /^\/(web|build-wasm)\//.test(rel) && !rel.includes('..') ? path.join(root, rel) : null;
    let size;
    try {
      size = file && statSync(file).isFile() ? statSync(file).size : -1;
    } catch {
      size = -1;
    }
    if (size < 0) {
      if (!rel.endsWith('favicon.ico')) console.log(`static server: 404 ${rel}`);
      res.writeHead(404).end('not found');
      return;
    }
    const headers = { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
                      'Accept-Ranges': 'bytes', 'Cache-Control': 'no-store' };
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = Math.min(range[2] ? Number(range[2]) : size - 1, size - 1);
      if (start > end) {
        res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
        return;
      }
      res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${end}/${size}`,
                           'Content-Length': end - start + 1 });
      createReadStream(file, { start, end }).pipe(res);
    } else {
      res.writeHead(200, { ...headers, 'Content-Length': size });
      createReadStream(file).pipe(res);
    }
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'anyinfer-browser-'));
const counts = new Map();
const server = serve(dir, counts);
let browser, page;
const pageErrors = [];
try {
  const model = 'qwen2-q4_0.gguf';
  const conv = native(['convert', path.join(root, 'tests/fixtures/hf/qwen2'), model, '--type', 'q4_0'],
                      { cwd: dir });
  if (!t.check(conv.status === 0, `convert: ${conv.stderr}`)) throw new Error('no model');
  const prompt = 'Tell me about the lighthouse keeper.';
  const nTokens = 20;
  const chatArgs = ['run', '-m', model, '--chat', '-p', prompt, '-n', String(nTokens), '--temp', '0'];
  const nativeIds = String(native([...chatArgs, '--ids'], { cwd: dir }).stdout).trim();
  const nativeText = String(native(chatArgs, { cwd: dir }).stdout).replace(/\n$/, '');
  t.check(nativeIds.split(' ').length === nTokens, `native ids: '${nativeIds}'`);

  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 390, height: 844 } }); // a phone
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });

  // One chat turn; returns what the page shows and how often the reply changed while streaming.
  async function chat() {
    await page.fill('#temperature', '0');
    await page.fill('#max-tokens', String(nTokens));
    await page.fill('#prompt', prompt);
    await page.evaluate(() => {
      window.__updates = 0;
      new MutationObserver(() => window.__updates++).observe(document.getElementById('messages'),
        { subtree: true, characterData: true, childList: true });
    });
    await page.click('#send');
    const reply = page.locator('.msg.assistant[data-done="true"]').last();
    await reply.waitFor({ timeout: 60000 });
    return {
      text: await reply.locator('.text').textContent(),
      ids: await reply.getAttribute('data-token-ids'),
      updates: await page.evaluate(() => window.__updates),
      tps: await page.textContent('#tps'),
    };
  }

  const modelPath = `/models/${model}`;
  await page.goto(`${base}/web/demo/?model=${encodeURIComponent(modelPath)}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60000 });
  const first = await page.textContent('#status');
  t.check(/Model ready/.test(first) && !/cache/.test(first), `first load: '${first}'`);
  const downloads = counts.get(modelPath) ?? 0;
  t.check(downloads >= 1, `first load fetched the model (${downloads} requests)`);
  t.check(/CPU/.test(await page.textContent('#backend')), 'backend shown');

  const a = await chat();
  console.log(`worker reply: ${JSON.stringify(a.text)} (${a.updates} updates, ${a.tps})`);
  t.check(a.ids === nativeIds, `worker: token ids\n browser: ${a.ids}\n  native: ${nativeIds}`);
  t.check(a.text === nativeText, `worker: text\n browser: ${JSON.stringify(a.text)}\n  native: ${JSON.stringify(nativeText)}`);
  t.check(a.updates > 3, `streamed: the reply changed ${a.updates} times`);
  t.check(/tok\/s/.test(a.tps), `tokens/s shown: '${a.tps}'`);

  const shotDir = path.join(process.env.ANYINFER_BUILD ?? path.join(root, 'build'), 'artifacts');
  mkdirSync(shotDir, { recursive: true });
  const shot = path.join(shotDir, 'browser_demo.png');
  await page.screenshot({ path: shot, fullPage: true });
  t.check(statSync(shot).size > 1000, `screenshot at ${shot}`);
  console.log(`screenshot: ${shot}`);

  await page.goto(`${base}/web/demo/?worker=0&model=${encodeURIComponent(modelPath)}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60000 });
  const second = await page.textContent('#status');
  t.check(/from the cache/.test(second), `reload: '${second}'`);
  t.check((counts.get(modelPath) ?? 0) === downloads,
          `reload: no second download (${counts.get(modelPath)} requests, was ${downloads})`);
  const b = await chat();
  t.check(b.ids === nativeIds, `page thread: token ids\n browser: ${b.ids}\n  native: ${nativeIds}`);
  t.check(b.text === nativeText, 'page thread: text');

  // A GGUF picked from the device (File), in a worker again.
  await page.goto(`${base}/web/demo/`);
  await page.setInputFiles('#model-file', path.join(dir, model));
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60000 });
  t.check(/qwen2 · qwen2 · Q4_0/.test(await page.textContent('#model-info')), 'local file: model info');
  const c = await chat();
  t.check(c.ids === nativeIds, `local file: token ids ${c.ids}`);

  // A Whisper model: the page offers transcription instead of chat; the text is the CLI's.
  const wconv = native(['convert', path.join(root, 'tests/fixtures/whisper/tiny80'), 'tiny80.gguf',
                        '--type', 'f32'], { cwd: dir });
  if (t.check(wconv.status === 0, `convert whisper: ${wconv.stderr}`)) {
    const wav = path.join(root, 'tests/fixtures/audio/speech_16000.wav');
    const expected = JSON.parse(String(native(['transcribe', '-m', 'tiny80.gguf', wav, '--format', 'json',
                                               '-t', '1'], { cwd: dir }).stdout)).text.trim();
    await page.goto(`${base}/web/demo/`);
    await page.setInputFiles('#model-file', path.join(dir, 'tiny80.gguf'));
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60000 });
    t.check(await page.isVisible('#speech') && !(await page.isVisible('#prompt')), 'whisper: transcribe, no chat');
    await page.setInputFiles('#audio-file', wav);
    await page.click('#transcribe');
    await page.waitForFunction(() => /^Transcribed/.test(document.getElementById('status').textContent),
                               null, { timeout: 60000 });
    const got = await page.textContent('#transcript');
    t.check(got === expected, `whisper in the page: ${JSON.stringify(got)} vs ${JSON.stringify(expected)}`);
  }
  t.check(pageErrors.length === 0, `page errors: ${pageErrors.join('; ')}`);
} catch (e) {
  t.check(false, e.stack);
  if (page) console.log(`status: ${await page.textContent('#status').catch((x) => x.message)}`);
  console.log(`page errors: ${pageErrors.join('; ')}`);
} finally {
  await browser?.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
t.finish();
