// POST /v1/audio/transcriptions and /v1/audio/translations through the official `openai` npm
// SDK, unchanged, on a server that holds a Whisper model (the random-weight tiny80 fixture,
// converted here) next to a text model: every response_format (json, text, srt, vtt,
// verbose_json), language and prompt fields, translations, and OpenAI's error shape for a
// non-audio upload, a truncated WAV, the wrong kind of model each way, a bad response_format and
// a missing file. (The body limit itself is server_ops' test.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import OpenAI, { toFile } from 'openai';

import { BIN, startServer, synth, tempDir } from './lib.mjs';

let server, client;
const dir = tempDir();
const wav = fs.readFileSync('tests/fixtures/audio/speech_16000.wav');

before(async () => {
  const whisper = path.join(dir, 'whisper-tiny80.gguf');
  const r = spawnSync(BIN, ['convert', 'tests/fixtures/whisper/tiny80', whisper, '--type', 'f32']);
  assert.equal(r.status, 0, `convert: ${r.stderr}`);
  const llama = synth(dir, 'test-llama', 'llama.gguf');
  server = await startServer(['-m', whisper, '-m', llama, '--max-body', String(4 << 20)]);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

after(async () => {
  const { code } = await server.stop();
  assert.equal(code, 0, `server exit status; log:\n${server.log().slice(-4000)}`);
});

const file = () => toFile(wav, 'speech.wav', { type: 'audio/wav' });

test('json (default) and text', async () => {
  const j = await client.audio.transcriptions.create({ file: await file(), model: 'whisper-tiny80' });
  assert.equal(typeof j.text, 'string');
  assert.ok(j.text.length > 0);
  const t = await client.audio.transcriptions.create({
    file: await file(), model: 'whisper-tiny80', response_format: 'text', language: 'en',
  });
  assert.equal(typeof t, 'string');
  assert.ok(t.endsWith('\n'));
});

test('verbose_json: language, duration and ordered segments', async () => {
  const v = await client.audio.transcriptions.create({
    file: await file(), model: 'whisper-tiny80', response_format: 'verbose_json', language: 'de',
    prompt: 'Guten Tag.', temperature: 0, timestamp_granularities: ['segment'],
  });
  assert.equal(v.task, 'transcribe');
  assert.equal(v.language, 'german');
  assert.ok(Math.abs(v.duration - wav.length / 32000) < 0.1, `duration ${v.duration}`);
  assert.ok(Array.isArray(v.segments) && v.segments.length > 0);
  let last = 0;
  for (const [i, s] of v.segments.entries()) {
    assert.equal(s.id, i);
    assert.ok(s.start >= last - 1e-9 && s.end >= s.start, JSON.stringify(s));
    assert.ok(Array.isArray(s.tokens) && s.tokens.length > 0);
    for (const k of ['temperature', 'avg_logprob', 'compression_ratio', 'no_speech_prob'])
      assert.equal(typeof s[k], 'number');
    last = s.start;
  }
});

test('srt and vtt', async () => {
  const srt = await client.audio.transcriptions.create({
    file: await file(), model: 'whisper-tiny80', response_format: 'srt',
  });
  assert.match(srt, /^1\n\d\d:\d\d:\d\d,\d\d\d --> \d\d:\d\d:\d\d,\d\d\d\n/);
  const vtt = await client.audio.transcriptions.create({
    file: await file(), model: 'whisper-tiny80', response_format: 'vtt',
  });
  assert.match(vtt, /^WEBVTT\n\n\d\d:\d\d:\d\d\.\d\d\d --> \d\d:\d\d:\d\d\.\d\d\d\n/);
});

test('translations', async () => {
  const v = await client.audio.translations.create({
    file: await file(), model: 'whisper-tiny80', response_format: 'verbose_json',
  });
  assert.equal(v.task, 'translate');
  assert.equal(typeof v.text, 'string');
  const t = await client.audio.translations.create({ file: await file(), model: 'whisper-tiny80' });
  assert.equal(typeof t.text, 'string');
});

test('errors in OpenAI shape', async () => {
  const bad = (e, status, param) => e.status === status && e.type === 'invalid_request_error' &&
                                    (param === undefined || e.param === param) && e.message.length > 0;
  await assert.rejects(
    client.audio.transcriptions.create({ file: await toFile(Buffer.from('not audio at all'), 'x.txt'), model: 'whisper-tiny80' }),
    (e) => bad(e, 400, 'file') && /decoded/.test(e.message));
  await assert.rejects(
    client.audio.transcriptions.create({ file: await toFile(wav.subarray(0, 30), 'cut.wav'), model: 'whisper-tiny80' }),
    (e) => bad(e, 400, 'file'));
  await assert.rejects(
    client.audio.transcriptions.create({ file: await file(), model: 'llama' }),
    (e) => bad(e, 400, 'model'));
  await assert.rejects(
    client.chat.completions.create({ model: 'whisper-tiny80', messages: [{ role: 'user', content: 'hi' }] }),
    (e) => bad(e, 400, 'model'));
  await assert.rejects(
    client.audio.transcriptions.create({ file: await file(), model: 'whisper-tiny80', response_format: 'xml' }),
    (e) => bad(e, 400, 'response_format'));
  await assert.rejects(
    client.audio.transcriptions.create({ file: await file(), model: 'nope' }),
    (e) => e.status === 404 && e.code === 'model_not_found');
  const noFile = await fetch(`${server.url}/v1/audio/transcriptions`, {
    method: 'POST', body: (() => { const f = new FormData(); f.append('model', 'whisper-tiny80'); return f; })(),
  });
  assert.equal(noFile.status, 400);
  assert.equal((await noFile.json()).error.param, 'file');
});
