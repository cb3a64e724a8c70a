// The two shipped demonstration models run identically (greedy) on the native CPU, native WebGPU
// (SwiftShader) and wasm (build-wasm/anyinfer.wasm under Node's WASI): the chat model gives the
// same token ids for a held-out question (`run --chat --temp 0 --ids`), and the speech model the
// same transcript of examples/hello.wav (`transcribe --format verbose_json`: text, segments,
// their times and token ids; the log-probabilities differ in the last digits between kernels).
// The WebGPU runs must really use the GPU: no "using the CPU backend" fallback warning.
import { existsSync } from 'node:fs';
import { buildWasm, makeCounter, native, wasm } from './lib.mjs';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const t = makeCounter('demo_backends');
if (!process.env.ANYINFER_BIN) {
  t.check(false, 'ANYINFER_BIN is not set');
  t.finish();
}
t.check(existsSync(ICD), `${ICD} is missing (Debian: chromium): no WebGPU device for the test`);
process.env.VK_ICD_FILENAMES = ICD;
buildWasm();

// Relative paths: the wasm CLI sees the preopened repository root.
const chat = 'models/chat-demo-q8_0.gguf', speech = 'models/speech-demo-q8_0.gguf';

// stdout of args on the three; each must exit 0 and the WebGPU run must not fall back.
function three(what, args) {
  const runs = {
    cpu: native(args),
    webgpu: native([...args, '--backend', 'webgpu']),
    wasm: wasm(args),
  };
  for (const [name, r] of Object.entries(runs))
    t.check(r.status === 0 && r.stdout.length > 0, `${what} on ${name}: exit ${r.status}: ${r.stderr}`);
  t.check(!/using the CPU backend/.test(runs.webgpu.stderr),
          `${what}: WebGPU fell back to the CPU: ${runs.webgpu.stderr}`);
  return Object.fromEntries(Object.entries(runs).map(([k, r]) => [k, String(r.stdout)]));
}

const ids = three('chat', ['run', '-m', chat, '--chat', '-p', 'What is 32 plus 71?', '-n', '24',
                           '--temp', '0', '--ids']);
console.log(`chat ids (cpu): ${ids.cpu.trim()}`);
for (const k of ['webgpu', 'wasm'])
  t.check(ids[k] === ids.cpu, `chat: ${k} ids differ\n   cpu: ${ids.cpu}\n  ${k}: ${ids[k]}`);

const json = three('speech', ['transcribe', '-m', speech, 'examples/hello.wav', '--format',
                              'verbose_json', '-t', '2']);
const strip = (s) => {
  const v = JSON.parse(s);
  return JSON.stringify({ text: v.text, segments: v.segments.map(({ start, end, text, tokens }) =>
    ({ start, end, text, tokens })) });
};
const want = strip(json.cpu);
console.log(`speech (cpu): ${want}`);
t.check(JSON.parse(want).text === 'Hello world this small model runs on your machine.',
        `speech: ${want}`);
for (const k of ['webgpu', 'wasm'])
  t.check(strip(json[k]) === want, `speech: ${k} differs\n   cpu: ${want}\n  ${k}: ${strip(json[k])}`);
t.finish();
