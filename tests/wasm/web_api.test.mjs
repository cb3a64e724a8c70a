// The JS host (web/src: the WASI shim, createEngine, the OpenAI-shaped API) under Node on the
// fixture models converted natively to F32 and Q4_0: greedy completions and chats give the native
// CLI's token ids and text; streamed chunks are shaped like OpenAI's; a second turn reuses the
// cached prefix and answers as a fresh engine does; stop strings, max_tokens, abort; Whisper's
// audio.transcriptions gives the native CLI's output in every format; every failure is an
// AnyinferError with its code and a message that names the problem.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AnyinferError, createEngine } from '../../web/src/engine.js';
import { buildWasm, makeCounter, native, root } from './lib.mjs';

const t = makeCounter('web_api');
if (!process.env.ANYINFER_BIN) {
  t.check(false, 'ANYINFER_BIN is not set');
  t.finish();
}
buildWasm();

const dir = mkdtempSync(path.join(tmpdir(), 'anyinfer-webapi-'));
const nativeRun = (args) => String(native(args, { cwd: dir }).stdout).replace(/\n$/, '');
async function expectError(code, pattern, fn, what) {
  try {
    await fn();
    t.check(false, `${what}: no error`);
  } catch (e) {
    t.check(e instanceof AnyinferError && e.code === code && pattern.test(e.message),
            `${what}: ${e.name} ${e.code}: ${e.message}`);
  }
}

try {
  for (const fixture of ['qwen2', 'llama3_gqa']) {
    for (const type of ['f32', 'q4_0']) {
      const model = `${fixture}-${type}.gguf`;
      const conv = native(['convert', path.join(root, 'tests/fixtures/hf', fixture), model, '--type', type],
                          { cwd: dir });
      if (!t.check(conv.status === 0, `convert ${model}: ${conv.stderr}`)) continue;
      const what = `${fixture} ${type}`;
      const progress = [];
      const engine = await createEngine({ model: pathToFileURL(path.join(dir, model)),
                                          onProgress: (p) => progress.push(p.phase) });
      t.check(engine.model.architecture === (fixture === 'qwen2' ? 'qwen2' : 'llama') &&
              engine.model.type.toLowerCase() === type, `${what}: model info ${JSON.stringify(engine.model)}`);
      t.check(progress.includes('read') && progress.at(-1) === 'load', `${what}: progress ${progress}`);

      const prompt = 'Once upon a time, in a land far away,';
      const c = await engine.completions.create({ prompt, max_tokens: 24, temperature: 0 });
      t.check(c.x_anyinfer.token_ids.join(' ') ===
              nativeRun(['run', '-m', model, '-p', prompt, '-n', '24', '--temp', '0', '--ids']),
              `${what}: completion ids ${c.x_anyinfer.token_ids.join(' ')}`);
      t.check(c.choices[0].text === nativeRun(['run', '-m', model, '-p', prompt, '-n', '24', '--temp', '0']),
              `${what}: completion text ${JSON.stringify(c.choices[0].text)}`);
      t.check(c.object === 'text_completion' && c.usage.completion_tokens === 24 &&
              c.choices[0].finish_reason === 'length', `${what}: completion shape`);

      const user = 'Where is the lighthouse?';
      const chunks = [];
      for await (const ch of engine.chat.completions.create({ messages: [{ role: 'user', content: user }],
                                                             stream: true, max_tokens: 16, temperature: 0 })) {
        chunks.push(ch);
      }
      const text = chunks.map((ch) => ch.choices[0].delta.content ?? '').join('');
      const last = chunks.at(-1);
      const chatArgs = ['run', '-m', model, '--chat', '-p', user, '-n', '16', '--temp', '0'];
      t.check(last.x_anyinfer.token_ids.join(' ') === nativeRun([...chatArgs, '--ids']),
              `${what}: chat ids ${last.x_anyinfer.token_ids.join(' ')}`);
      t.check(text === nativeRun(chatArgs), `${what}: chat text ${JSON.stringify(text)}`);
      t.check(chunks[0].choices[0].delta.role === 'assistant' &&
              chunks.every((ch) => ch.object === 'chat.completion.chunk' && ch.id === chunks[0].id) &&
              chunks.slice(0, -1).every((ch) => ch.choices[0].finish_reason === null) &&
              ['stop', 'length'].includes(last.choices[0].finish_reason) && last.usage.total_tokens > 0,
              `${what}: chunk shapes`);

      // A second turn: the cache keeps the first turn's prefix; the reply equals a fresh engine's.
      const turn2 = [{ role: 'user', content: user }, { role: 'assistant', content: text },
                     { role: 'user', content: 'And then?' }];
      const r2 = await engine.chat.completions.create({ messages: turn2, max_tokens: 12, temperature: 0 });
      t.check(r2.usage.prompt_tokens_details.cached_tokens > 0, `${what}: second turn reuses the cache`);
      const fresh = await createEngine({ model: pathToFileURL(path.join(dir, model)) });
      const f2 = await fresh.chat.completions.create({ messages: turn2, max_tokens: 12, temperature: 0 });
      t.check(f2.usage.prompt_tokens_details.cached_tokens === 0 &&
              r2.x_anyinfer.token_ids.join(' ') === f2.x_anyinfer.token_ids.join(' '),
              `${what}: cached ${r2.x_anyinfer.token_ids} vs fresh ${f2.x_anyinfer.token_ids}`);
      await fresh.unload();

      if (fixture === 'qwen2' && type === 'q4_0') {
        const ids = await engine.tokenize('Hello, wasm world! 123');
        t.check(ids.join(' ') === nativeRun(['tokenize', '-m', model, '-p', 'Hello, wasm world! 123']),
                `tokenize ${ids}`);
        // A stop string cuts the text before it; the native CLI agrees.
        const stopAt = c.choices[0].text.slice(6, 9);
        const s = await engine.completions.create({ prompt, max_tokens: 24, temperature: 0, stop: [stopAt] });
        t.check(s.choices[0].finish_reason === 'stop' &&
                s.choices[0].text === nativeRun(['run', '-m', model, '-p', prompt, '-n', '24', '--temp', '0',
                                                '--stop', stopAt]),
                `stop '${stopAt}': ${JSON.stringify(s.choices[0].text)}`);
        // Abort after the third chunk: the stream ends early, the engine is usable again.
        const ctl = new AbortController();
        let n = 0;
        for await (const ch of engine.chat.completions.create({ messages: [{ role: 'user', content: user }],
                                                               stream: true, max_tokens: 200, temperature: 0,
                                                               signal: ctl.signal })) {
          if (++n === 3) ctl.abort();
          if (ch.choices[0].finish_reason) t.check(ch.usage.completion_tokens < 10, 'abort stops early');
        }
        t.check(n < 12, `abort: ${n} chunks`);
        // One request at a time.
        const it = engine.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], stream: true,
                                                   max_tokens: 4 })[Symbol.asyncIterator]();
        await it.next();
        await it.next();
        await expectError('ERR_BUSY', /one request at a time/,
                          () => engine.completions.create({ prompt: 'y', max_tokens: 1 }), 'busy');
        await it.return();
        await expectError('ERR_ARGUMENT', /temperature: -1/,
                          () => engine.completions.create({ prompt: 'y', temperature: -1 }), 'bad temperature');
        await expectError('ERR_ARGUMENT', /messages/,
                          () => engine.chat.completions.create({ messages: [] }), 'no messages');
        await expectError('ERR_CONTEXT_FULL', /do not fit/, () => engine.completions.create(
          { prompt: 'word '.repeat(2000), max_tokens: 1 }), 'prompt over the context');
        const after = await engine.completions.create({ prompt, max_tokens: 24, temperature: 0 });
        t.check(after.choices[0].text === c.choices[0].text, 'usable after errors');
      }
      await engine.unload();
      await expectError('ERR_DISPOSED', /unloaded/, () => engine.tokenize('x'), `${what}: after unload`);
    }
  }

  // Whisper: audio.transcriptions.create gives what `anyinfer transcribe --format F` prints.
  const wconv = native(['convert', path.join(root, 'tests/fixtures/whisper/tiny80'), 'tiny80.gguf',
                        '--type', 'f32'], { cwd: dir });
  if (t.check(wconv.status === 0, `convert whisper: ${wconv.stderr}`)) {
    const wav = path.join(root, 'tests/fixtures/audio/speech_16000.wav');
    const w = await createEngine({ model: pathToFileURL(path.join(dir, 'tiny80.gguf')) });
    t.check(w.model.architecture === 'whisper', 'whisper model info');
    const cli = (f) => String(native(['transcribe', '-m', 'tiny80.gguf', wav, '--format', f, '-t', '1'],
                                     { cwd: dir }).stdout);
    const file = readFileSync(wav);
    const vj = await w.audio.transcriptions.create({ file, response_format: 'verbose_json' });
    t.check(JSON.stringify(vj) === JSON.stringify(JSON.parse(cli('verbose_json'))),
            `verbose_json ${JSON.stringify(vj).slice(0, 200)}`);
    for (const f of ['text', 'srt', 'vtt']) {
      t.check(await w.audio.transcriptions.create({ file: new Blob([file]), response_format: f }) === cli(f),
              `transcription ${f}`);
    }
    const j = await w.audio.transcriptions.create({ file });
    t.check(typeof j.text === 'string' && j.text === JSON.parse(cli('json')).text, 'json (default format)');
    await expectError('ERR_ARGUMENT', /WAV only/, () => w.audio.transcriptions.create(
      { file: readFileSync(path.join(root, 'tests/fixtures/audio/speech_16000_1s.flac')) }), 'flac without WebAudio');
    await expectError('ERR_ARGUMENT', /response_format/, () => w.audio.transcriptions.create(
      { file, response_format: 'xml' }), 'bad response_format');
    await expectError('ERR_ARGUMENT', /Whisper model: use audio/, () => w.chat.completions.create(
      { messages: [{ role: 'user', content: 'hi' }] }), 'chat on a Whisper model');
    await w.unload();
  }

  writeFileSync(path.join(dir, 'junk.gguf'), 'this is not a GGUF file at all, just text');
  await expectError('ERR_MODEL_LOAD', /magic|GGUF|format/i,
                    () => createEngine({ model: pathToFileURL(path.join(dir, 'junk.gguf')) }), 'junk file');
  await expectError('ERR_MODEL_LOAD', /magic|GGUF|format|truncated/i,
                    () => createEngine({ model: new Uint8Array([71, 71, 85, 70, 3, 0, 0, 0]) }), 'truncated bytes');
  await expectError('ERR_ARGUMENT', /model is required/, () => createEngine({}), 'no model');
  await expectError('ERR_WASM', /cannot load the anyinfer module/,
                    () => createEngine({ model: new Uint8Array(8), wasmUrl: pathToFileURL(path.join(dir, 'none.wasm')) }),
                    'missing module');
} catch (e) {
  t.check(false, e.stack);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
t.finish();
