// Shared helpers of the tests/compat/*.test.mjs tests: pass/fail counting, the anyinfer CLI,
// the tokenizer corpus, llama.cpp through node-llama-cpp (prebuilt CPU binary, never built or
// downloaded) and the logits_dump.c helper compiled against the engine of ANYINFER_BUILD.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const root = process.cwd();
export const BIN = process.env.ANYINFER_BIN;

export function makeCounter(name) {
  const c = { passed: 0, failed: 0, notes: [] };
  c.check = (ok, what) => {
    if (ok) c.passed++;
    else {
      c.failed++;
      if (c.failed <= 60) console.error(`FAIL ${name}: ${what}`);
    }
    return ok;
  };
  c.finish = () => {
    for (const n of c.notes) console.log(n);
    console.log(`${c.passed} passed, ${c.failed} failed`);
    process.exit(c.failed ? 1 : 0);
  };
  if (!BIN) {
    console.error(`${name}: ANYINFER_BIN is not set`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  return c;
}

// Runs the CLI; throws with its stderr on a non-zero exit. Returns stdout as a Buffer.
export function cli(args, input) {
  const r = spawnSync(BIN, args, { input, maxBuffer: 1 << 30, timeout: 120000 });
  if (r.status !== 0) {
    throw new Error(`anyinfer ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  }
  return r.stdout;
}

// tests/fixtures/tokenizer/corpus.txt: one record a line, '#' comments, escapes \n \r \t \\ \u{X}.
export function corpus() {
  const file = path.join(root, 'tests/fixtures/tokenizer/corpus.txt');
  const records = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    records.push(line.replace(/\\(n|r|t|\\|u\{([0-9A-Fa-f]+)\})/g, (m, c, hex) =>
      hex ? String.fromCodePoint(parseInt(hex, 16)) : { n: '\n', r: '\r', t: '\t', '\\': '\\' }[c]));
  }
  return records;
}

// Our ids for many texts in one `tokenize --nul` run.
export function ourTokenizeMany(tmp, gguf, texts, { bos = false, parseSpecial = false } = {}) {
  const file = path.join(tmp, 'records.bin');
  fs.writeFileSync(file, Buffer.concat(texts.map((r, i) =>
    Buffer.concat([Buffer.from(r, 'utf8'), Buffer.from(i + 1 < texts.length ? [0] : [])]))));
  const args = ['tokenize', '-m', gguf, '--nul', '-f', file];
  if (!bos) args.push('--no-bos');
  if (parseSpecial) args.push('--parse-special');
  const lines = cli(args).toString('utf8').split('\n');
  return texts.map((_, i) => (lines[i] || '').split(' ').filter((s) => s !== '').map(Number));
}

// llama.cpp through node-llama-cpp. Its log lines are kept and printed only when asked: a
// vocab-only GGUF makes node-llama-cpp's memory estimate log a hyperparameter error although
// llama.cpp itself loads the vocabulary (load_hparams returns early for vocab_only).
export async function llamaCpp() {
  const { getLlama } = await import('node-llama-cpp');
  const log = [];
  const llama = await getLlama({
    gpu: false, build: 'never', logLevel: 'error', maxThreads: 1,
    logger: (level, message) => log.push(`[llama.cpp ${level}] ${message}`),
  });
  return { llama, log };
}

function buildCache() {
  const build = process.env.ANYINFER_BUILD || path.dirname(BIN);
  return { build, cache: fs.readFileSync(path.join(build, 'CMakeCache.txt'), 'utf8') };
}

// True when ANYINFER_BUILD is an AddressSanitizer build (AI_SANITIZE=ON): several times slower.
export function isSanitizeBuild() {
  return /^AI_SANITIZE:BOOL=(ON|TRUE|1)$/m.test(buildCache().cache);
}

// Compiles tests/compat/logits_dump.c with the compiler and sanitizer setting of the build
// that made ANYINFER_BIN, linked with that build's static engine. Returns the executable path.
export function buildLogitsDump(tmp) {
  const { build, cache } = buildCache();
  const cc = /^CMAKE_C_COMPILER:FILEPATH=(.*)$/m.exec(cache)?.[1] || 'cc';
  const sanitize = isSanitizeBuild();
  const exe = path.join(tmp, 'logits_dump');
  const args = ['-std=c11', '-O2', '-Wall', '-Wextra', '-Werror', '-I', path.join(root, 'include'),
    path.join(root, 'tests/compat/logits_dump.c'), path.join(build, 'libanyinfer_static.a'),
    '-lm', '-lpthread', '-o', exe];
  if (sanitize) args.unshift('-fsanitize=address,undefined');
  const r = spawnSync(cc, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`compiling logits_dump with ${cc}: ${r.stderr}`);
  return exe;
}

// Our logits for every position of ids: Float32Array rows of n_vocab.
// nBatch: tokens per forward pass (default: all in one).
export function ourLogits(exe, tmp, gguf, ids, nVocab, nBatch) {
  const idsFile = path.join(tmp, 'ids.txt');
  const out = path.join(tmp, 'logits.bin');
  fs.writeFileSync(idsFile, ids.join(' '));
  const r = spawnSync(exe, [gguf, idsFile, out, ...(nBatch ? [String(nBatch)] : [])], { encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0) throw new Error(`logits_dump ${gguf}: exit ${r.status}: ${r.stderr}`);
  const buf = fs.readFileSync(out);
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  if (all.length !== ids.length * nVocab) {
    throw new Error(`logits_dump wrote ${all.length} floats, expected ${ids.length} x ${nVocab}`);
  }
  const rows = [];
  for (let i = 0; i < ids.length; i++) rows.push(all.subarray(i * nVocab, (i + 1) * nVocab));
  return rows;
}

// softmax in double precision
export function softmax(logits) {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const p = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += (p[i] = Math.exp(logits[i] - max));
  for (let i = 0; i < p.length; i++) p[i] /= sum;
  return p;
}

// Indices of the k largest values, largest first (ties: lower index first).
export function topK(values, k) {
  const idx = Array.from(values.keys());
  idx.sort((a, b) => values[b] - values[a] || a - b);
  return idx.slice(0, k);
}
