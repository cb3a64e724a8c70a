// GGUF files written by our writer (`anyinfer synth`, `anyinfer quantize`), read by two independent
// parsers: @huggingface/gguf (JS) and ours (`anyinfer info --tensors --all`). Every metadata key
// and value, in file order, and every tensor's name, type, shape and absolute data offset must
// agree. Then the layout rules llama.cpp's reader enforces (ggml gguf.cpp, gguf_init_from_file_impl):
// the data section starts at the first multiple of general.alignment after the tensor infos, each
// tensor's offset equals the running sum of the previous tensors' sizes padded to the alignment,
// and the data lies inside the file; we also check that padding bytes are zero, as ggml's writer
// leaves them. Finally llama.cpp itself (node-llama-cpp) loads every file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gguf, GGMLQuantizationType, GGUFValueType } from '@huggingface/gguf';
import { makeCounter, cli, llamaCpp } from './lib.mjs';

const c = makeCounter('gguf_layout');

// Block size and bytes per block, from ggml's type traits (ggml.c type_traits[]).
const BLOCK = {
  F32: [1, 4], F16: [1, 2], BF16: [1, 2], Q4_0: [32, 18], Q4_1: [32, 20], Q5_0: [32, 22],
  Q5_1: [32, 24], Q8_0: [32, 34], Q8_1: [32, 36], Q2_K: [256, 84], Q3_K: [256, 110],
  Q4_K: [256, 144], Q5_K: [256, 176], Q6_K: [256, 210], Q8_K: [256, 292],
};

// C's printf("%g") for a finite double: 6 significant digits, exponent form below 1e-4 or from
// 1e6 on, trailing zeros dropped, exponent with at least two digits.
function fmtG(x) {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mant, expStr] = x.toExponential(5).split('e');
  const exp = Number(expStr);
  const strip = (s) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp < -4 || exp >= 6) {
    return `${strip(mant)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return strip(x.toFixed(5 - exp));
}

// One value as anyinfer_model_meta_value renders it (src/engine/meta.c): the format is ours,
// the value is what @huggingface/gguf read.
function renderScalar(type, v, quoted) {
  switch (type) {
    case GGUFValueType.STRING: return quoted ? `"${v}"` : v;
    case GGUFValueType.BOOL: return v ? 'true' : 'false';
    case GGUFValueType.FLOAT32: case GGUFValueType.FLOAT64: return fmtG(Number(v));
    default: return String(v);
  }
}
function renderValue(tv) {
  if (tv.type !== GGUFValueType.ARRAY) return renderScalar(tv.type, tv.value, false);
  const items = tv.value.map((v) => (tv.subType === GGUFValueType.ARRAY
    ? renderValue({ type: GGUFValueType.ARRAY, subType: undefined, value: v })
    : renderScalar(tv.subType, v, true)));
  return `[${items.join(', ')}]`;
}

function parseInfo(text) {
  const lines = text.split('\n');
  const m0 = lines.findIndex((l) => /^metadata \(\d+ keys\):$/.test(l));
  const t0 = lines.findIndex((l) => /^tensors: \d+$/.test(l));
  const meta = [];
  for (let i = m0 + 1; i < lines.length && lines[i] !== ''; i++) meta.push(lines[i]);
  const tensors = lines.slice(t0 + 1).filter((l) => l !== '');
  return { nKeys: Number(/\((\d+) keys/.exec(lines[m0])[1]), nTensors: Number(lines[t0].split(' ')[1]), meta, tensors };
}

async function checkFile(label, file) {
  const parsed = await gguf(file, { allowLocalFile: true, typedMetadata: true });
  const bytes = fs.readFileSync(file);
  const info = parseInfo(cli(['info', '-m', file, '--tensors', '--all']).toString('utf8'));
  const tm = parsed.typedMetadata;
  const keys = Object.keys(tm).filter((k) => !['version', 'tensor_count', 'kv_count'].includes(k));
  c.check(Number(tm.version.value) === 3, `${label}: GGUF version ${tm.version.value}`);
  c.check(BigInt(tm.kv_count.value) === BigInt(keys.length) && info.nKeys === keys.length,
    `${label}: kv_count ${tm.kv_count.value}, parsed ${keys.length}, ours ${info.nKeys}`);
  c.check(info.meta.length === keys.length, `${label}: ${info.meta.length} metadata lines, ${keys.length} keys`);
  keys.forEach((k, i) => {
    const want = `  ${k.padEnd(44)} ${renderValue(tm[k]).replace(/\n/g, ' ')}`;
    c.check(info.meta[i] === want, `${label}: metadata ${i}\n  @huggingface/gguf ${want.slice(0, 200)}\n  anyinfer info     ${(info.meta[i] ?? '').slice(0, 200)}`);
  });

  const align = Number(tm['general.alignment']?.value ?? 32);
  c.check(align > 0 && (align & (align - 1)) === 0, `${label}: general.alignment ${align} is a power of two`);
  const dataStart = Number(parsed.tensorDataOffset);
  const headerEnd = parsed.tensorInfoByteRange[1];
  c.check(dataStart % align === 0 && dataStart - headerEnd < align && dataStart >= headerEnd,
    `${label}: data section at ${dataStart}, tensor infos end at ${headerEnd}, alignment ${align}`);
  c.check(bytes.subarray(headerEnd, dataStart).every((b) => b === 0), `${label}: header padding is zero`);
  c.check(BigInt(tm.tensor_count.value) === BigInt(parsed.tensorInfos.length) &&
    info.nTensors === parsed.tensorInfos.length && info.tensors.length === parsed.tensorInfos.length,
    `${label}: tensor_count ${tm.tensor_count.value}, ours ${info.nTensors} (${info.tensors.length} lines)`);

  let expected = 0;
  parsed.tensorInfos.forEach((t, i) => {
    const type = GGMLQuantizationType[t.dtype];
    const shape = t.shape.map(Number);
    const want = `  ${t.name.padEnd(32)} ${String(type).padEnd(5)} [${shape.join(', ')}] @${dataStart + Number(t.offset)}`;
    c.check(info.tensors[i] === want, `${label}: tensor ${i}\n  @huggingface/gguf ${want}\n  anyinfer info     ${info.tensors[i]}`);
    const blk = BLOCK[type];
    if (!c.check(blk !== undefined, `${label}: ${t.name}: type ${type} has no size rule here`)) return;
    const n = shape.reduce((a, b) => a * b, 1);
    c.check(shape[0] % blk[0] === 0, `${label}: ${t.name}: ne0 ${shape[0]} not a multiple of ${type}'s block ${blk[0]}`);
    const size = (n / blk[0]) * blk[1];
    c.check(Number(t.offset) === expected,
      `${label}: ${t.name}: offset ${t.offset}, llama.cpp expects ${expected} (previous sizes padded to ${align})`);
    const end = dataStart + Number(t.offset) + size;
    c.check(end <= bytes.length, `${label}: ${t.name}: data ends at ${end}, file has ${bytes.length} bytes`);
    const padded = Math.ceil(size / align) * align;
    const gap = bytes.subarray(end, Math.min(dataStart + Number(t.offset) + padded, bytes.length));
    c.check(gap.every((b) => b === 0), `${label}: ${t.name}: padding after the data is zero`);
    expected += padded;
  });
  c.check(dataStart + expected === bytes.length || dataStart + expected - bytes.length < align,
    `${label}: file is ${bytes.length} bytes, data section needs ${dataStart + expected}`);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anyinfer-layout-'));
try {
  const { llama, log } = await llamaCpp();
  const files = [];
  for (const name of ['test-llama', 'test-qwen2']) {
    for (const type of ['F32', 'F16', 'Q8_0', 'Q4_0', 'Q4_K_M']) {
      const f = path.join(tmp, `${name}-${type}.gguf`);
      cli(['synth', name, '--type', type, '-o', f, '--seed', '11']);
      files.push([`synth ${name} ${type}`, f]);
    }
    for (const type of ['BF16', 'Q4_1', 'Q5_0', 'Q5_1', 'Q6_K', 'Q5_K_M']) {
      const f = path.join(tmp, `${name}-q-${type}.gguf`);
      cli(['quantize', path.join(tmp, `${name}-F32.gguf`), f, type]);
      files.push([`quantize ${name} F32 -> ${type}`, f]);
    }
  }
  for (const [label, f] of files) {
    await checkFile(label, f);
    let loaded = false;
    try {
      const model = await llama.loadModel({ modelPath: f, gpuLayers: 0 });
      loaded = true;
      await model.dispose();
    } catch (e) {
      c.check(false, `${label}: llama.cpp cannot load it: ${e.message}\n${log.slice(-5).join('\n')}`);
    }
    if (loaded) c.passed++;
  }
  c.notes.push(`${files.length} files checked`);
} catch (e) {
  c.check(false, `exception: ${e.stack}`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
c.finish();
