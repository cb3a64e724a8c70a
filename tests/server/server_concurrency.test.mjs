// Continuous batching end to end: 8 streaming clients at once (different prompts, seeds and
// lengths, through the official `openai` SDK) get exactly the text each request gets when the
// same requests run one at a time — batching changes only how fast, never what.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';

import { metric, startServer, synth, tempDir } from './lib.mjs';

let server, client;

before(async () => {
  const model = synth(tempDir(), 'test-qwen2', 'qwen.gguf');
  server = await startServer(['-m', model, '-c', '256', '--parallel', '8']);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

after(async () => {
  const { code } = await server.stop();
  assert.equal(code, 0, `server exit status; log:\n${server.log().slice(-4000)}`);
});

const requests = Array.from({ length: 8 }, (_, i) => ({
  model: 'qwen',
  messages: [{ role: 'user', content: `Request number ${i}: ${'tell me more '.repeat(i + 1)}` }],
  max_tokens: 10 + 3 * i,
  seed: 100 + i,
  temperature: 0.8,
  stream: true,
}));

async function run(req) {
  let text = '';
  let finish = null;
  for await (const chunk of await client.chat.completions.create(req))
    for (const ch of chunk.choices) {
      text += ch.delta.content ?? '';
      finish = ch.finish_reason ?? finish;
    }
  return { text, finish };
}

test('8 concurrent streams equal the same requests one at a time', async () => {
  const alone = [];
  for (const r of requests) alone.push(await run(r));
  const stepsBefore = await metric(server.url, 'forward_passes_total');
  const together = await Promise.all(requests.map(run));
  const steps = (await metric(server.url, 'forward_passes_total')) - stepsBefore;
  for (let i = 0; i < requests.length; i++) {
    assert.ok(alone[i].text.length > 0);
    assert.deepEqual(together[i], alone[i], `request ${i}`);
  }
  // Batched: far fewer forward passes than the sum of every request's tokens.
  const tokens = requests.reduce((n, r) => n + r.max_tokens, 0);
  assert.ok(steps < tokens * 0.6, `${steps} passes for ${tokens} tokens`);
});
