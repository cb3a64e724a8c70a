// The OpenAI-compatible API through the official `openai` npm SDK, unchanged: models list and
// lookup, non-streaming and streaming chat (same seed, same text; include_usage), completions
// (string and array prompts, echo, legacy logprobs; suffix refused), logprobs, n, stop strings,
// json_object, logit_bias, several models by id, unknown model, bad JSON and wrong types in
// OpenAI's error shape, context overflow.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';

import { metric, startServer, synth, tempDir, tokenize } from './lib.mjs';

let server, client, qwen;
const dir = tempDir();

before(async () => {
  qwen = synth(dir, 'test-qwen2', 'qwen.gguf');
  const llama = synth(dir, 'test-llama', 'llama.gguf');
  server = await startServer(['-m', qwen, '-m', llama, '--alias', 'tiny-llama', '-c', '256',
                              '--parallel', '4']);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

after(async () => {
  const { code } = await server.stop();
  assert.equal(code, 0, `server exit status; log:\n${server.log().slice(-4000)}`);
});

const messages = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: [{ type: 'text', text: 'Say ' }, { type: 'text', text: 'hello' }] },
];

test('models list and lookup', async () => {
  const list = [];
  for await (const m of client.models.list()) list.push(m);
  assert.deepEqual(list.map((m) => m.id), ['qwen', 'tiny-llama']);
  assert.equal(list[0].object, 'model');
  const one = await client.models.retrieve('tiny-llama');
  assert.equal(one.id, 'tiny-llama');
  await assert.rejects(client.models.retrieve('nope'), (e) => e.status === 404 && e.code === 'model_not_found');
});

test('non-streaming and streaming chat agree for one seed', async () => {
  const req = { model: 'qwen', messages, max_tokens: 12, seed: 42, temperature: 0.9 };
  const whole = await client.chat.completions.create(req);
  assert.equal(whole.object, 'chat.completion');
  assert.equal(whole.choices.length, 1);
  const c = whole.choices[0];
  assert.equal(c.message.role, 'assistant');
  assert.equal(typeof c.message.content, 'string');
  assert.ok(['stop', 'length'].includes(c.finish_reason));
  assert.ok(whole.usage.prompt_tokens > 5);
  assert.equal(whole.usage.total_tokens, whole.usage.prompt_tokens + whole.usage.completion_tokens);
  if (c.finish_reason === 'length') assert.equal(whole.usage.completion_tokens, 12);

  const stream = await client.chat.completions.create({ ...req, stream: true,
                                                        stream_options: { include_usage: true } });
  let text = '', role = null, finish = null, usage = null, chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.usage) usage = chunk.usage;
    for (const ch of chunk.choices) {
      role = role ?? ch.delta.role;
      text += ch.delta.content ?? '';
      finish = ch.finish_reason ?? finish;
    }
  }
  assert.ok(chunks >= 3);
  assert.equal(role, 'assistant');
  assert.equal(text, c.message.content);
  assert.equal(finish, c.finish_reason);
  assert.deepEqual(usage, whole.usage);
});

test('completions: prompt string with echo, prompt array, logprobs; suffix refused', async () => {
  const one = await client.completions.create({ model: 'qwen', prompt: 'Once upon', max_tokens: 5,
                                                echo: true, seed: 7, logprobs: 2 });
  assert.equal(one.object, 'text_completion');
  assert.ok(one.choices[0].text.startsWith('Once upon'));
  const lp = one.choices[0].logprobs;
  assert.equal(lp.tokens.length, one.usage.completion_tokens);
  assert.equal(lp.token_logprobs.length, lp.tokens.length);
  for (const t of lp.top_logprobs) assert.ok(Object.keys(t).length >= 1 && Object.keys(t).length <= 2);
  const two = await client.completions.create({ model: 'qwen', prompt: ['a b', 'c d'], max_tokens: 3,
                                                n: 2, seed: 1 });
  assert.deepEqual(two.choices.map((c) => c.index), [0, 1, 2, 3]);
  await assert.rejects(
    client.completions.create({ model: 'qwen', prompt: 'x', suffix: 'y' }),
    (e) => e.status === 400 && e.param === 'suffix' && /not supported/.test(e.message));
});

test('chat logprobs, n and stop strings', async () => {
  const r = await client.chat.completions.create({ model: 'qwen', messages, max_tokens: 6, seed: 3,
                                                   logprobs: true, top_logprobs: 3, n: 2 });
  assert.equal(r.choices.length, 2);
  assert.equal(r.choices[0].logprobs.content.length + r.choices[1].logprobs.content.length,
               r.usage.completion_tokens);
  for (const ch of r.choices) {
    for (const e of ch.logprobs.content) {
      assert.equal(e.top_logprobs.length, 3);
      assert.ok(e.logprob <= 0);
      assert.ok(e.top_logprobs[0].logprob >= e.top_logprobs[1].logprob);
      assert.ok(e.top_logprobs[0].logprob >= e.logprob - 1e-6);
      assert.ok(Array.isArray(e.bytes) && e.bytes.every((b) => b >= 0 && b < 256));
    }
  }
  // A stop string taken from a known output: the text ends right before it.
  const base = await client.chat.completions.create({ model: 'qwen', messages, max_tokens: 16, seed: 9,
                                                      temperature: 0 });
  const full = base.choices[0].message.content;
  const stop = full.slice(4, 6);
  assert.equal(stop.length, 2, `output too short for the stop test: ${JSON.stringify(full)}`);
  const cut = await client.chat.completions.create({ model: 'qwen', messages, max_tokens: 16, seed: 9,
                                                     temperature: 0, stop: ['never-seen', stop] });
  assert.equal(cut.choices[0].message.content, full.slice(0, full.indexOf(stop)));
  assert.equal(cut.choices[0].finish_reason, 'stop');
});

test('json_object: text is JSON; braces biased up give exactly {}', async () => {
  for (const seed of [1, 2, 3]) {
    const r = await client.chat.completions.create({ model: 'qwen', messages, max_tokens: 40, seed,
                                                     response_format: { type: 'json_object' } });
    const text = r.choices[0].message.content;
    assert.equal(text.trim()[0], '{');
    if (r.choices[0].finish_reason === 'stop') assert.doesNotThrow(() => JSON.parse(text), text);
  }
  const [open] = tokenize(qwen, '{'), [close] = tokenize(qwen, '}');
  const r = await client.chat.completions.create({ model: 'qwen', messages, max_tokens: 40,
                                                   response_format: { type: 'json_object' },
                                                   logit_bias: { [open]: 100, [close]: 100 } });
  assert.equal(r.choices[0].message.content, '{}');
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.deepEqual(JSON.parse(r.choices[0].message.content), {});
});

test('several models: each answers by id; unknown model is a 404', async () => {
  const r = await client.chat.completions.create({ model: 'tiny-llama', messages, max_tokens: 3 });
  assert.equal(r.model, 'tiny-llama');
  await assert.rejects(
    client.chat.completions.create({ model: 'gpt-9', messages }),
    (e) => e.status === 404 && e.code === 'model_not_found' && e.type === 'invalid_request_error');
});

test('bad JSON and wrong types: 400 in OpenAI error shape', async () => {
  const post = (body) => fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const bad = await post('{"model": "qwen", "messages": [');
  assert.equal(bad.status, 400);
  const j = await bad.json();
  assert.deepEqual(Object.keys(j), ['error']);
  assert.deepEqual(Object.keys(j.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(j.error.type, 'invalid_request_error');
  for (const [body, param] of [
    [{ messages, temperature: 'hot' }, 'temperature'],
    [{ messages, max_tokens: -1 }, 'max_tokens'],
    [{ messages, n: 1.5 }, 'n'],
    [{ messages, stop: [1] }, 'stop'],
    [{ messages, logit_bias: { x: 1 } }, 'logit_bias'],
    [{ messages: 'hi' }, 'messages'],
    [{ messages, top_logprobs: 2 }, 'top_logprobs'],
    [{ messages, response_format: { type: 'json_schema' } }, 'response_format'],
  ]) {
    const r = await post(JSON.stringify({ model: 'qwen', ...body }));
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal((await r.json()).error.param, param);
  }
  // Unknown fields are ignored.
  const ok = await post(JSON.stringify({ model: 'qwen', messages, max_tokens: 1, frobnicate: {} }));
  assert.equal(ok.status, 200);
  const unknownUrl = await fetch(`${server.url}/v1/nothing`);
  assert.equal(unknownUrl.status, 404);
  assert.ok((await unknownUrl.json()).error.message.includes('/v1/nothing'));
});

test('context overflow is a 400 context_length_exceeded', async () => {
  const prompt = 'word '.repeat(600);
  await assert.rejects(client.completions.create({ model: 'qwen', prompt, max_tokens: 4 }),
                       (e) => e.status === 400 && e.code === 'context_length_exceeded');
});

test('prefix reuse: a repeated prompt evaluates only its last token again', async () => {
  const req = { model: 'qwen', messages: [{ role: 'user', content: 'a prompt to reuse, word for word' }],
                max_tokens: 2, seed: 5 };
  const first = await client.chat.completions.create(req);
  const before = await metric(server.url, 'prompt_tokens_total');
  const again = await client.chat.completions.create(req);
  const after = await metric(server.url, 'prompt_tokens_total');
  assert.equal(after - before, 1);
  assert.equal(again.usage.prompt_tokens, first.usage.prompt_tokens);
  assert.equal(again.choices[0].message.content, first.choices[0].message.content);
});

test('a directory of models: every .gguf, by file stem, in name order', async () => {
  const models = tempDir();
  synth(models, 'test-qwen2', 'zeta.gguf');
  synth(models, 'test-llama', 'alpha.gguf');
  const s = await startServer(['-m', models, '-c', '64', '--parallel', '1']);
  try {
    const c = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const ids = [];
    for await (const m of c.models.list()) ids.push(m.id);
    assert.deepEqual(ids, ['alpha', 'zeta']);
    const r = await c.completions.create({ model: 'zeta', prompt: 'hi', max_tokens: 2 });
    assert.equal(r.model, 'zeta');
  } finally {
    assert.equal((await s.stop()).code, 0, s.log().slice(-3000));
  }
});
