#!/usr/bin/env bash
# Server load benchmark (issue 4): `anyinfer serve` on `synth qwen2.5-0.5b` Q4_0 (random weights,
# real shapes), loopback only, with 1, 4 and 16 concurrent streaming clients (bench/serve_load.mjs).
# Bounded: a fixed number of requests per level, MAX_TOKENS each, and a time limit per level.
# Prints a markdown table: requests/s, time to first token, aggregate generation tokens/s, and the
# speed-up of aggregate generation over 1 client (continuous batching at work), medians of ROUNDS
# after one warm-up.
# Usage: [ROUNDS=3] [MAX_TOKENS=64] bench/serve_load.sh [BUILD_DIR] [THREADS] > table.md
# (model cached in $MODELS)
set -euo pipefail
build=${1:-build}
threads=${2:-2}
max_tokens=${MAX_TOKENS:-64}
rounds=${ROUNDS:-3}
models=${MODELS:-/tmp/anyinfer-bench-models}
bin="$build/anyinfer"
cd "$(dirname "$0")/.."
mkdir -p "$models"
model="$models/qwen2.5-0.5b-Q4_0.gguf"
[ -f "$model" ] || "$bin" synth qwen2.5-0.5b --type Q4_0 -o "$model" >/dev/null 2>&1
log=$(mktemp)
"$bin" serve -m "$model" --alias qwen --host 127.0.0.1 --port 0 -t "$threads" --parallel 16 \
  -c 256 -b 256 > "$log.out" 2> "$log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log" "$log.out"' EXIT
for _ in $(seq 100); do grep -q listening "$log.out" 2>/dev/null && break; sleep 0.2; done
port=$(sed -n 's/.*:\([0-9]*\) (models.*/\1/p' "$log.out")
url="http://127.0.0.1:$port"

# ROUNDS rounds of the three levels, interleaved, so a burst of load elsewhere on the machine
# hits every level alike; each column is the median over the rounds.
runs=$(mktemp)
# Warm-up, not counted: the first requests fault the mapped weights in and size every slot's
# buffers (the first round measured ~20 % slower than the others).
timeout 600 node bench/serve_load.mjs "$url" qwen 4 1 "$max_tokens" > /dev/null
for _ in $(seq "$rounds"); do
  for c in 1 4 16; do
    per=$(( c == 1 ? 4 : (c == 4 ? 2 : 1) ))
    timeout 600 node bench/serve_load.mjs "$url" qwen "$c" "$per" "$max_tokens" >> "$runs"
  done
done
node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
  const med = (xs) => { xs = [...xs].sort((a, b) => a - b); const m = xs.length >> 1;
                        return xs.length % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2; };
  const level = (c) => rows.filter((r) => r.clients === c);
  const base = med(level(1).map((r) => r.gen_tok_s));
  console.log("| clients | requests | req/s | TTFT mean ms | TTFT p50 ms | gen tokens | aggregate gen tok/s | vs 1 client | rounds (tok/s) |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const c of [1, 4, 16]) {
    const rs = level(c), m = (k) => med(rs.map((r) => r[k])), tok = m("gen_tok_s");
    console.log(`| ${c} | ${rs[0].requests} | ${m("req_s").toFixed(2)} | ${m("ttft_mean_ms").toFixed(0)} | ` +
                `${m("ttft_p50_ms").toFixed(0)} | ${rs[0].gen_tokens} | ${tok.toFixed(1)} | ` +
                `${(tok / base).toFixed(2)}x | ${rs.map((r) => r.gen_tok_s.toFixed(1)).join(", ")} |`);
  }' "$runs"
rm -f "$runs"
