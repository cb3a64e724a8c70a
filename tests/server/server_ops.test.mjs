// Operations: API-key auth (401 in OpenAI's form, /health open), CORS, the body limit (413),
// malformed HTTP and huge headers (answered or closed, never a crash), a client that aborts
// mid-stream (its slot is free again), a full queue (429 + Retry-After), and graceful shutdown
// with a stream in flight (it ends with [DONE]; exit status 0, so no sanitizer report).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';

import { metric, rawRequest, sseEvents, startServer, synth, tempDir } from './lib.mjs';

let server, model;
const KEY = 'sk-test-123';

before(async () => {
  model = synth(tempDir(), 'test-qwen2', 'qwen.gguf');
  // A long context and long generations: the tests that need a stream still running (abort,
  // 429, shutdown) ask for 4000 tokens, seconds of work even for this tiny model, so they do not
  // depend on how fast a loaded machine runs it.
  server = await startServer(['-m', model, '-c', '8192', '--parallel', '2', '--api-key', KEY,
                              '--cors-origin', 'https://example.test', '--max-body', '4096']);
});

after(async () => {
  const { code } = await server.stop();
  assert.equal(code, 0, `server exit status; log:\n${server.log().slice(-4000)}`);
});

const messages = [{ role: 'user', content: 'hello there' }];
// The test model's special tokens (596..599, end-of-generation among them) banned, so a long
// generation really runs to max_tokens.
const noEnd = { logit_bias: { 596: -100, 597: -100, 598: -100, 599: -100 } };

async function until(what, cond) {
  for (let i = 0; i < 500; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('auth: wrong or missing key is a 401 in OpenAI form; the right key works', async () => {
  const bad = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
  await assert.rejects(bad.chat.completions.create({ model: 'qwen', messages }),
                       (e) => e.status === 401 && e.code === 'invalid_api_key');
  await assert.rejects(bad.models.list(), (e) => e.status === 401);
  const none = await fetch(`${server.url}/v1/models`);
  assert.equal(none.status, 401);
  assert.equal((await none.json()).error.type, 'invalid_request_error');
  const good = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY, maxRetries: 0 });
  const r = await good.chat.completions.create({ model: 'qwen', messages, max_tokens: 2 });
  assert.equal(r.choices.length, 1);
  assert.equal((await fetch(`${server.url}/health`)).status, 200);
  assert.match(server.log(), /"path":"\/v1\/chat\/completions","status":401/);
});

test('CORS: preflight and response headers', async () => {
  const pre = await fetch(`${server.url}/v1/chat/completions`, { method: 'OPTIONS' });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), 'https://example.test');
  assert.match(pre.headers.get('access-control-allow-headers'), /Authorization/);
  const h = await fetch(`${server.url}/health`);
  assert.equal(h.headers.get('access-control-allow-origin'), 'https://example.test');
});

test('oversize body: 413 in OpenAI form', async () => {
  const big = JSON.stringify({ model: 'qwen', messages: [{ role: 'user', content: 'x'.repeat(10000) }] });
  const r = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: big });
  assert.equal(r.status, 413);
  assert.match((await r.json()).error.message, /larger than 4096 bytes/);
  // Chunked (no Content-Length): the limit holds while reading.
  const chunked = await rawRequest(server.port,
    `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\n` +
    `Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n2710\r\n${'y'.repeat(10000)}\r\n0\r\n\r\n`);
  assert.match(chunked, /^HTTP\/1\.1 413/);
});

test('malformed HTTP and huge headers never crash the server', async () => {
  for (const bytes of [
    'GARBAGE\r\n\r\n',
    'GET\r\n\r\n',
    'GET / HTTP/9.9\r\n\r\n',
    'POST /v1/chat/completions HTTP/1.1\r\nContent-Length: -5\r\n\r\n',
    'POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n',
    `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(200000)}\r\n\r\n`,
    `GET /health HTTP/1.1\r\n${'X-H: 1\r\n'.repeat(20000)}\r\n`,
    '\x00\x01\x02\xff\xfe\r\n\r\n',
  ]) {
    const got = await rawRequest(server.port, bytes, 3000);
    assert.ok(got === '' || /^HTTP\/1\.[01] [45]\d\d/.test(got), JSON.stringify(got.slice(0, 80)));
  }
  const h = await fetch(`${server.url}/health`);
  assert.equal(h.status, 200);
});

test('a client that aborts mid-stream frees its slot', async () => {
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY, maxRetries: 0 });
  const ac = new AbortController();
  const stream = await client.chat.completions.create(
    { model: 'qwen', messages, max_tokens: 4000, stream: true, ...noEnd }, { signal: ac.signal });
  let n = 0;
  try {
    for await (const _ of stream) if (++n === 3) ac.abort();
  } catch (e) {
    assert.match(e.name, /Abort/);
  }
  assert.equal(n, 3);
  await until('the slot to be free', async () => (await metric(server.url, 'slots_busy')) === 0);
  const generated = await metric(server.url, 'generated_tokens_total');
  assert.ok(generated < 1000, `${generated} tokens: the aborted stream ran on toward 4000`);
  assert.equal(await metric(server.url, 'streams'), 0);
});

test('a full queue answers 429 with Retry-After; shutdown ends a live stream cleanly', async () => {
  const small = await startServer(['-m', model, '-c', '8192', '--parallel', '1', '--queue', '1']);
  try {
    const post = (body) => fetch(`${small.url}/v1/chat/completions`, {
      method: 'POST', body: JSON.stringify({ model: 'qwen', messages, ...body }) });
    // One generating, one queued: the third is refused.
    const firstRes = await post({ max_tokens: 4000, stream: true, ...noEnd });
    await until('the first to generate', async () => (await metric(small.url, 'slots_busy')) === 1);
    const second = post({ max_tokens: 5 });
    await until('the second to queue', async () => (await metric(small.url, 'queue_depth')) === 1);
    const third = await post({ max_tokens: 5 });
    assert.equal(third.status, 429);
    assert.equal(third.headers.get('retry-after'), '1');
    assert.equal((await third.json()).error.type, 'rate_limit_exceeded');
    // SIGTERM with the first stream running: it ends with [DONE], the queued one is answered.
    small.proc.kill('SIGTERM');
    const events = sseEvents(await firstRes.text());
    assert.equal(events.at(-1), '[DONE]');
    const last = JSON.parse(events.at(-2));
    assert.ok(last.choices[0].finish_reason);
    assert.equal((await second).status, 200);
    const { code } = await small.exited;
    assert.equal(code, 0, small.log().slice(-3000));
  } finally {
    small.proc.kill('SIGKILL');
  }
});
