// Shared helpers of the server tests: fixture models (synthesized once per test file into a temp
// dir), an `anyinfer serve` child on a free port (--port 0; the bound port is read from its first
// stdout line), and SSE/raw-socket helpers. ANYINFER_BIN picks the build (the ASan build's under
// test-asan), so every server path below also runs under the sanitizers.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const BIN = process.env.ANYINFER_BIN;
if (!BIN) throw new Error('ANYINFER_BIN is not set (ctest sets it)');

export function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'anyinfer-server-test-'));
}

// Synthesizes NAME (a tiny test model) as TYPE into dir/file; returns the path.
export function synth(dir, name, file, type = 'Q8_0', seed = '3') {
  const out = path.join(dir, file);
  const r = spawnSync(BIN, ['synth', name, '--type', type, '--seed', seed, '-o', out]);
  if (r.status !== 0) throw new Error(`synth ${name}: ${r.stderr}`);
  return out;
}

// Token ids of text (no BOS).
export function tokenize(model, text) {
  const r = spawnSync(BIN, ['tokenize', '-m', model, '--no-bos', '-p', text]);
  if (r.status !== 0) throw new Error(`tokenize: ${r.stderr}`);
  return r.stdout.toString().trim().split(/\s+/).map(Number);
}

// Starts `anyinfer serve args...`; resolves to {url, port, proc, log(), stop()}.
export function startServer(args) {
  const proc = spawn(BIN, ['serve', '--port', '0', '-t', '2', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 60000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on http:\/\/[^:]+:(\d+)/);
      if (!m) return;
      clearTimeout(timer);
      const port = Number(m[1]);
      resolve({
        port,
        url: `http://127.0.0.1:${port}`,
        proc,
        exited,
        log: () => stderr,
        // SIGTERM, then the exit status (0 = clean shutdown, no sanitizer report); a server
        // still running after 60 s is killed and reported as {code: 'hung'}.
        stop: async () => {
          proc.kill('SIGTERM');
          let timer;
          const hung = new Promise((r) => (timer = setTimeout(() => {
            proc.kill('SIGKILL');
            r({ code: 'hung' });
          }, 60000)));
          const result = await Promise.race([exited, hung]);
          clearTimeout(timer);
          return result;
        },
      });
    });
    proc.on('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
}

// Parsed `data:` events of an SSE body.
export function sseEvents(text) {
  return text
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice(6));
}

// Sends raw bytes on a socket; resolves with everything the server answered until it closed
// (or timeout ms passed).
export function rawRequest(port, bytes, timeout = 5000) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      s.destroy();
      resolve(got);
    };
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('error', done);
    s.on('close', done);
    s.setTimeout(timeout, done);
    s.write(bytes);
  });
}

// A metric's value for the model from /metrics.
export async function metric(url, name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = text.match(new RegExp(`^anyinfer_${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
}
