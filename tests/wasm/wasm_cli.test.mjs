// The CLI built for wasm32-wasip1 (build-wasm/anyinfer.wasm) under Node's WASI against the native
// CLI on the fixture models converted natively to F32 and Q4_0: byte-identical `info`, the same
// greedy token ids and text from `run --temp 0`, the same `tokenize` ids, the same chat replies
// from a pipe, the same Whisper transcript of a WAV, byte-identical `synth` output; `bench` works
// and reports one thread; the jansson-based commands say they are native-only; the module stays
// under its 1.5 MB budget.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildWasm, makeCounter, native, root, wasm, wasmModule } from './lib.mjs';

const t = makeCounter('wasm_cli');
if (!process.env.ANYINFER_BIN) {
  t.check(false, 'ANYINFER_BIN is not set');
  t.finish();
}
buildWasm();

const size = statSync(wasmModule).size;
console.log(`anyinfer.wasm: ${size} bytes (${(size / 1048576).toFixed(2)} MiB)`);
t.check(size < 1.5e6, `module size ${size} bytes under the 1.5 MB budget`);

const dir = mkdtempSync(path.join(tmpdir(), 'anyinfer-wasm-'));
const both = (args, input) => [native(args, { cwd: dir, input }), wasm(args, { cwd: dir, input })];
const same = (what, [n, w]) => {
  t.check(n.status === 0, `${what}: native exit ${n.status}: ${n.stderr}`);
  t.check(w.status === 0, `${what}: wasm exit ${w.status}: ${w.stderr}`);
  t.check(n.stdout.length > 0 && n.stdout.equals(w.stdout),
          `${what}: output differs\n native: ${n.stdout}\n   wasm: ${w.stdout}`);
};
try {
  for (const fixture of ['qwen2', 'llama3_gqa']) {
    for (const type of ['f32', 'q4_0']) {
      const model = `${fixture}-${type}.gguf`; // relative: the wasm CLI sees the preopened cwd
      const conv = native(['convert', path.join(root, 'tests/fixtures/hf', fixture), model,
                           '--type', type], { cwd: dir });
      if (!t.check(conv.status === 0, `convert ${model}: ${conv.stderr}`)) continue;
      const what = `${fixture} ${type}`;
      same(`${what} info`, both(['info', '-m', model]));
      for (const prompt of ['The quick brown fox', 'Once upon a time, in a land far away,']) {
        const run = ['run', '-m', model, '-p', prompt, '-n', '32', '--temp', '0'];
        same(`${what} run --ids '${prompt}'`, both([...run, '--ids']));
        same(`${what} run text '${prompt}'`, both(run));
      }
      same(`${what} tokenize`, both(['tokenize', '-m', model, '-p', 'Hello, wasm world! 123']));
      same(`${what} chat`, both(['chat', '-m', model, '-n', '12', '--temp', '0'],
                                'hi there\nwhat next?\n/exit\n'));
    }
  }

  // Whisper: the random-weight tiny fixture transcribes a WAV to the same (noise) text and
  // timestamps; compressed formats need libsndfile, which the wasm build lacks, and say so.
  const conv = native(['convert', path.join(root, 'tests/fixtures/whisper/tiny80'), 'tiny80.gguf',
                       '--type', 'f32'], { cwd: dir });
  if (t.check(conv.status === 0, `convert whisper tiny80: ${conv.stderr}`)) {
    for (const f of ['speech_16000.wav', 'speech_16000_1s.flac'])
      copyFileSync(path.join(root, 'tests/fixtures/audio', f), path.join(dir, f));
    for (const format of ['text', 'srt'])
      same(`transcribe ${format}`, both(['transcribe', '-m', 'tiny80.gguf', 'speech_16000.wav',
                                         '--format', format, '-t', '1']));
    const flac = wasm(['transcribe', '-m', 'tiny80.gguf', 'speech_16000_1s.flac'], { cwd: dir });
    t.check(flac.status === 1 && /WAV only/.test(flac.stderr), `transcribe flac in wasm: ${flac.stderr}`);
  }

  const synth = (o) => ['synth', 'test-qwen2', '--type', 'Q4_0', '-o', o, '--seed', '7'];
  const sn = native(synth('synth-native.gguf'), { cwd: dir });
  const sw = wasm(synth('synth-wasm.gguf'), { cwd: dir });
  t.check(sn.status === 0 && sw.status === 0, `synth exit ${sn.status}/${sw.status}: ${sw.stderr}`);
  if (sn.status === 0 && sw.status === 0) {
    t.check(readFileSync(path.join(dir, 'synth-native.gguf'))
              .equals(readFileSync(path.join(dir, 'synth-wasm.gguf'))), 'synth: files differ');
  }

  const bench = wasm(['bench', '-m', 'synth-wasm.gguf', '-p', '8', '-n', '4', '-r', '1', '--json'],
                     { cwd: dir });
  t.check(bench.status === 0, `bench exit ${bench.status}: ${bench.stderr}`);
  const rows = bench.status === 0 ? String(bench.stdout).trim().split('\n').map((l) => JSON.parse(l)) : [];
  t.check(rows.length === 2 && rows.every((r) => r.tok_s > 0 && r.threads === 1 &&
                                              r.peak_rss_mib > 0),
          `bench rows ${JSON.stringify(rows)}`);

  for (const args of [['convert', 'a', 'b.gguf'], ['template', '-m', 'synth-wasm.gguf']]) {
    const r = wasm(args, { cwd: dir });
    t.check(r.status === 1 && r.stderr.includes('native builds only'),
            `${args[0]} in wasm: exit ${r.status}, ${r.stderr.trim()}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
t.finish();
