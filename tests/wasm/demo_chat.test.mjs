// The shipped demonstration chat model (models/chat-demo-q8_0.gguf) gives the same greedy answers
// from the wasm CLI (build-wasm/anyinfer.wasm under Node's WASI) as from the native CLI: the same
// token ids and text for held-out questions through `run --chat --temp 0`, and the same replies
// from `chat` over a pipe.
import { buildWasm, makeCounter, native, wasm } from './lib.mjs';

const t = makeCounter('demo_chat');
if (!process.env.ANYINFER_BIN) {
  t.check(false, 'ANYINFER_BIN is not set');
  t.finish();
}
buildWasm();

const model = 'models/chat-demo-q8_0.gguf'; // relative: the wasm CLI sees the preopened root
const same = (what, args, input) => {
  const n = native(args, { input }), w = wasm(args, { input });
  t.check(n.status === 0, `${what}: native exit ${n.status}: ${n.stderr}`);
  t.check(w.status === 0, `${what}: wasm exit ${w.status}: ${w.stderr}`);
  t.check(n.stdout.length > 0 && n.stdout.equals(w.stdout),
          `${what}: output differs\n native: ${n.stdout}\n   wasm: ${w.stdout}`);
  return String(n.stdout);
};
for (const [q, expect] of [['What is 32 plus 71?', '103'], ['4 hours is how many minutes?', '240'],
                           ["What's the capital city of Peru?", 'Lima']]) {
  const run = ['run', '-m', model, '--chat', '-p', q, '-n', '40', '--temp', '0'];
  same(`run --ids '${q}'`, [...run, '--ids']);
  const text = same(`run '${q}'`, run);
  t.check(text.includes(expect), `'${q}' -> ${text} (expected ${expect})`);
}
same('chat', ['chat', '-m', model, '--temp', '0'],
     'Hello!\nHow do you spell garden?\nWhat day comes after Friday?\n/exit\n');
t.finish();
