// Load client for bench/serve_load.sh: C concurrent clients, each sending R streaming chat
// requests back to back to an `anyinfer serve` on loopback. Prints one JSON line: requests/s,
// time to first token (mean and p50, ms), aggregate generated tokens/s over the run's wall time.
// Usage: node bench/serve_load.mjs URL MODEL CLIENTS REQUESTS_PER_CLIENT MAX_TOKENS
const [url, model, clients, perClient, maxTokens] = process.argv.slice(2);
const C = Number(clients), R = Number(perClient), N = Number(maxTokens);

async function one(i) {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model, max_tokens: N, temperature: 0.8, seed: i, stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: `Client request ${i}: write a short story.` }],
    }),
    signal: AbortSignal.timeout(300000),
  });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  let ttft = null, tokens = 0, buf = '';
  const dec = new TextDecoder();
  for await (const part of res.body) {
    buf += dec.decode(part, { stream: true });
    let k;
    while ((k = buf.indexOf('\n\n')) >= 0) {
      const ev = buf.slice(0, k);
      buf = buf.slice(k + 2);
      if (!ev.startsWith('data: ') || ev === 'data: [DONE]') continue;
      const j = JSON.parse(ev.slice(6));
      if (ttft === null && j.choices?.[0]?.delta?.content) ttft = performance.now() - t0;
      if (j.usage) tokens = j.usage.completion_tokens;
    }
  }
  return { ttft: ttft ?? performance.now() - t0, tokens };
}

const t0 = performance.now();
const results = (await Promise.all(Array.from({ length: C }, async (_, c) => {
  const out = [];
  for (let r = 0; r < R; r++) out.push(await one(c * R + r));
  return out;
}))).flat();
const wall = (performance.now() - t0) / 1000;
const ttfts = results.map((r) => r.ttft).sort((a, b) => a - b);
const tokens = results.reduce((n, r) => n + r.tokens, 0);
console.log(JSON.stringify({
  clients: C, requests: results.length, wall_s: wall, req_s: results.length / wall,
  ttft_mean_ms: ttfts.reduce((a, b) => a + b, 0) / ttfts.length,
  ttft_p50_ms: ttfts[Math.floor(ttfts.length / 2)], gen_tokens: tokens, gen_tok_s: tokens / wall,
}));
