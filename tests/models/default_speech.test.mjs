// The shipped demonstration speech model (models/speech-demo-q8_0.gguf, trained by
// scripts/train/train_whisper.py) transcribes sentences that its training corpus never contains
// (scripts/train/speech_corpus.py --heldout lists them; checked below when python3 is present):
// espeak-ng speaks them (its default voice) into WAV files, `anyinfer serve` transcribes them at
// /v1/audio/transcriptions through the openai SDK, and the word error rate (printed) is at most
// 15%. The CLI's `transcribe` gives the server's text.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import OpenAI, { toFile } from 'openai';

import { BIN, startServer, tempDir } from '../server/lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const model = path.join(root, 'models/speech-demo-q8_0.gguf');
const TRAIN_SIZE = '160000'; // train_whisper.py's --utterances of the shipped run
const sentences = [
  '1992 annoying solution.',
  'Texts patterns basename describes indicating encode.',
  'User alpha anywhere rejected am that like.',
];

// Words as scripts/train/train_whisper.py's normalize: lower case, [a-z0-9'] runs.
const words = (s) => s.toLowerCase().replace(/[^a-z0-9' ]/g, ' ').split(/\s+/).filter(Boolean);

function editDistance(a, b) {
  let d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(d[j] + 1, next[j - 1] + 1, d[j - 1] + (a[i - 1] !== b[j - 1] ? 1 : 0));
    d = next;
  }
  return d[b.length];
}

// Word error rate of hyps against refs: word edits over reference words.
function wordErrorRate(refs, hyps) {
  let errors = 0, n = 0;
  refs.forEach((r, i) => {
    errors += editDistance(words(r), words(hyps[i]));
    n += words(r).length;
  });
  return errors / n;
}

const dir = tempDir();
const wavs = sentences.map((s, i) => {
  const file = path.join(dir, `heldout${i}.wav`);
  const r = spawnSync('espeak-ng', ['-v', 'en', '-w', file, s], { encoding: 'utf8' });
  assert.equal(r.status, 0, `espeak-ng: ${r.error ?? r.stderr}`);
  return file;
});

test('the word error rate counts substitutions, insertions and deletions', () => {
  assert.equal(wordErrorRate(['a b c d'], ['A b, c d.']), 0);
  assert.equal(wordErrorRate(['a b c d'], ['a x c']), 0.5);
  assert.equal(wordErrorRate(['a b', 'c d'], ['a b e f', '']), 1);
});

test('the sentences are held out of the training corpus', (t) => {
  const py = spawnSync('python3', [path.join(root, 'scripts/train/speech_corpus.py'), '--heldout',
                                   '--n', String(sentences.length), '--train-size', TRAIN_SIZE],
                       { encoding: 'utf8' });
  if (py.error) return t.skip('python3 is not installed');
  assert.equal(py.status, 0, py.stderr);
  const held = py.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(held.map((h) => h.text), sentences);
});

let server, client;
before(async () => {
  assert.ok(fs.existsSync(model), `${model} is missing`);
  server = await startServer(['-m', model]);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
after(async () => {
  const { code } = await server.stop();
  assert.equal(code, 0, `server exit status; log:\n${server.log().slice(-4000)}`);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the server transcribes them through the openai SDK: WER <= 15%', async () => {
  const hyps = [];
  for (const [i, wav] of wavs.entries()) {
    const r = await client.audio.transcriptions.create({
      file: await toFile(fs.readFileSync(wav), path.basename(wav), { type: 'audio/wav' }),
      model: 'speech-demo-q8_0', language: 'en', temperature: 0,
    });
    console.log(`server: ${sentences[i]} -> ${r.text}`);
    hyps.push(r.text);
  }
  const wer = wordErrorRate(sentences, hyps);
  console.log(`word error rate: ${(100 * wer).toFixed(1)}% over ${sentences.length} held-out sentences`);
  assert.ok(wer <= 0.15, `WER ${wer}`);
  for (const [i, wav] of wavs.entries()) {
    const r = spawnSync(BIN, ['transcribe', '-m', model, wav, '-t', '2'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), hyps[i].trim(), `CLI and server differ on ${wav}`);
  }
});
