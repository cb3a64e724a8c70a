// The anyinfer CLI end to end on a synthesized model: every subcommand answers --help with exit
// 0 and a bad flag with usage and exit 2; info reports what synth wrote; run is deterministic
// with a seed and honours -n; bench --json prints llama-bench-like records (and batched
// generation with --parallel); chat works from a
// pipe; run refuses a prompt longer than the context.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = process.env.ANYINFER_BIN;
if (!bin) throw new Error('ANYINFER_BIN is not set');
let passed = 0, failed = 0;
function check(ok, what) {
  if (ok) passed++;
  else { failed++; console.error(`FAIL: ${what}`); }
}
const run = (args, input) => spawnSync(bin, args, { encoding: 'utf8', input, timeout: 120000 });

const dir = mkdtempSync(join(tmpdir(), 'anyinfer-cli-'));
try {
  const model = join(dir, 'test-llama.gguf');
  const synth = run(['synth', 'test-llama', '--type', 'Q8_0', '-o', model, '--seed', '3']);
  check(synth.status === 0, `synth exit ${synth.status}: ${synth.stderr}`);

  for (const cmd of ['run', 'chat', 'info', 'bench', 'tokenize', 'template', 'synth', 'quantize']) {
    const help = run([cmd, '--help']);
    check(help.status === 0 && help.stdout.includes('usage:'), `${cmd} --help`);
    const bad = run([cmd, '--no-such-flag']);
    check(bad.status === 2 && bad.stderr.includes('usage:'), `${cmd} bad flag -> exit 2 (${bad.status})`);
  }
  check(run(['no-such-command']).status === 2, 'unknown command -> exit 2');

  const info = run(['info', '-m', model]);
  check(info.status === 0, 'info exit 0');
  check(/architecture:\s+llama/.test(info.stdout), 'info: architecture llama');
  check(/type:\s+Q8_0/.test(info.stdout), 'info: type Q8_0');
  check(/llama\.block_count\s+2\b/.test(info.stdout), 'info: block_count 2');

  const args = ['run', '-m', model, '-p', 'hello world', '-n', '6', '--temp', '0.9', '--seed', '5'];
  const a = run(args), b = run(args);
  check(a.status === 0 && b.status === 0, 'run exit 0');
  check(a.stdout === b.stdout && a.stdout.length > 0, 'run: same seed, same text');
  const tokens = /generated (\d+) tokens/.exec(a.stderr);
  check(tokens && Number(tokens[1]) <= 6, `run -n 6 generated ${tokens && tokens[1]}`);
  const long = run(['run', '-m', model, '-c', '8', '-p', 'a b c d e f g h i j k l m n o p', '-n', '2']);
  check(long.status === 1 && /do(es)? not fit/.test(long.stderr), `run: prompt over context -> error (${long.stderr.trim()})`);
  check(run(['run', '-m', join(dir, 'missing.gguf'), '-p', 'x']).status === 1, 'run: missing model -> exit 1');

  const bench = run(['bench', '-m', model, '-t', '1', '-p', '8', '-n', '4', '-r', '1', '--json']);
  check(bench.status === 0, `bench exit ${bench.status}`);
  const rows = bench.stdout.trim().split('\n').map((l) => JSON.parse(l));
  check(rows.length === 2 && rows[0].test === 'pp8' && rows[1].test === 'tg4', 'bench: pp8 and tg4 rows');
  for (const r of rows) {
    check(r.model === 'test-llama.gguf' && r.type === 'Q8_0' && r.backend === 'cpu' && r.threads === 1,
          `bench row fields ${JSON.stringify(r)}`);
    check(r.tok_s > 0 && r.peak_rss_mib > 0, 'bench: positive speed and memory');
  }
  const par = run(['bench', '-m', model, '-t', '1', '-p', '0', '-n', '4', '-r', '1', '--parallel', '3', '--json']);
  check(par.status === 0, `bench --parallel exit ${par.status}: ${par.stderr}`);
  const prow = par.stdout.trim().split('\n').map((l) => JSON.parse(l));
  check(prow.length === 1 && prow[0].test === 'tg4x3' && prow[0].tok_s > 0, `bench --parallel 3: ${par.stdout}`);
  check(run(['bench', '-m', model, '--parallel', '65']).status === 2, 'bench --parallel 65 -> exit 2');

  const chat = run(['chat', '-m', model, '-n', '4', '--seed', '1'], 'first\nsecond\n/exit\n');
  check(chat.status === 0, `chat from a pipe: exit ${chat.status} ${chat.stderr}`);
  check(chat.stdout.split('\n').length >= 2, 'chat: one reply per line');

  const msgs = join(dir, 'msgs.json');
  writeFileSync(msgs, JSON.stringify([{ role: 'user', content: 'hi' }]));
  const tpl = run(['template', '-m', model, '--messages', msgs, '--add-generation-prompt']);
  check(tpl.status === 0 && tpl.stdout.includes('hi'), 'template renders the message');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
