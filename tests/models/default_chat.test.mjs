// The shipped demonstration chat model (models/chat-demo-q8_0.gguf, trained by
// scripts/train/train_chat.py) answers held-out templated questions: questions the training
// corpus never contains (scripts/train/chat_corpus.py --heldout lists them; checked below when
// python3 is present). Greedy, through the CLI (`run --chat`, `chat` from a pipe) and through
// `anyinfer serve` with the openai SDK.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';

import { BIN, startServer } from '../server/lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const model = path.join(root, 'models/chat-demo-q8_0.gguf');
const questions = [
  { q: 'What is 32 plus 71?', expect: '103' },
  { q: '4 hours is how many minutes?', expect: '240' },
  { q: "What's the capital city of Peru?", expect: 'Lima' },
];

test('the questions are held out of the training corpus', (t) => {
  const py = spawnSync('python3', [path.join(root, 'scripts/train/chat_corpus.py'), '--heldout'],
                       { encoding: 'utf8' });
  if (py.error) return t.skip('python3 is not installed');
  assert.equal(py.status, 0, py.stderr);
  const held = py.stdout.trim().split('\n').map((l) => JSON.parse(l));
  for (const { q, expect } of questions)
    assert.ok(held.some((h) => h.q === q && h.expect === expect), `${q} is not held out`);
});

test('anyinfer run --chat answers them (greedy)', () => {
  assert.ok(fs.existsSync(model), `${model} is missing`);
  for (const { q, expect } of questions) {
    const r = spawnSync(BIN, ['run', '-m', model, '--chat', '-p', q, '-n', '40', '--temp', '0'],
                        { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, r.stderr);
    console.log(`run --chat: ${q} -> ${r.stdout.trim()}`);
    assert.ok(r.stdout.includes(expect), `${q} -> ${r.stdout} (expected ${expect})`);
  }
});

test('anyinfer chat answers them from a pipe, one turn after another', () => {
  const r = spawnSync(BIN, ['chat', '-m', model, '--temp', '0'],
                      { encoding: 'utf8', input: questions.map((x) => x.q).join('\n') + '\n',
                        timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  let at = 0;
  for (const { expect } of questions) {
    const i = r.stdout.indexOf(expect, at);
    assert.ok(i >= 0, `chat transcript lacks ${expect} in order:\n${r.stdout}`);
    at = i + expect.length;
  }
});

let server, client;
before(async () => {
  server = await startServer(['-m', model, '-c', '512']);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
after(async () => {
  const { code } = await server.stop();
  assert.equal(code, 0, `server exit status; log:\n${server.log().slice(-4000)}`);
});

test('the server answers them through the openai SDK', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.equal(ids.length, 1);
  for (const { q, expect } of questions) {
    const r = await client.chat.completions.create({
      model: ids[0], messages: [{ role: 'user', content: q }], temperature: 0, max_tokens: 40,
    });
    const text = r.choices[0].message.content;
    console.log(`server: ${q} -> ${text}`);
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.ok(text.includes(expect), `${q} -> ${text} (expected ${expect})`);
  }
});
