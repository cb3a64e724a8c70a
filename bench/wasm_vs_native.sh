#!/usr/bin/env bash
# wasm CPU (build-wasm/anyinfer.wasm under Node's WASI: SIMD128, one thread) against the native CLI
# on one thread, `anyinfer bench` on a random-weight GGUF of a real shape (`anyinfer synth`).
# Prints a markdown table with the wasm/native ratio (issue 6's goal: >= 0.6 on qwen2.5-0.5b Q4_0).
# Usage: bench/wasm_vs_native.sh [BUILD_DIR] [REPS] [SHAPE TYPE]... > table.md
#   (default: build 3 qwen2.5-0.5b Q4_0; models cached in $MODELS; run `make build wasm` first)
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath "${1:-build}")
reps=${2:-3}
shift $(( $# > 2 ? 2 : $# ))
[ $# -gt 0 ] || set -- qwen2.5-0.5b Q4_0
models=${MODELS:-/tmp/anyinfer-bench-models}
bin="$build/anyinfer"
runner=$(realpath web/bin/anyinfer-wasm.mjs)
module=$(realpath build-wasm/anyinfer.wasm)
mkdir -p "$models"

field() { sed -n "s/.*\"test\": \"$1\", \"tok_s\": \([0-9.]*\).*/\1/p"; }

echo "| model (shape) | type | pp64 native t/s | pp64 wasm t/s | ratio | tg32 native t/s | tg32 wasm t/s | ratio |"
echo "|---|---|---|---|---|---|---|---|"
while [ $# -ge 2 ]; do
  shape=$1 type=$2
  shift 2
  file="$shape-$type.gguf" # relative: the wasm CLI sees the preopened current folder
  (cd "$models" && { [ -f "$file" ] || "$bin" synth "$shape" --type "$type" -o "$file" >/dev/null; })
  args=(bench -m "$file" -t 1 -p 64 -n 32 -r "$reps" --json)
  nat=$(cd "$models" && "$bin" "${args[@]}")
  was=$(cd "$models" && node "$runner" --module "$module" "${args[@]}")
  awk -v s="$shape" -v ty="$type" -v np="$(echo "$nat" | field pp64)" \
      -v wp="$(echo "$was" | field pp64)" -v nt="$(echo "$nat" | field tg32)" \
      -v wt="$(echo "$was" | field tg32)" 'BEGIN {
    printf "| %s | %s | %.1f | %.1f | %.2f | %.1f | %.1f | %.2f |\n", s, ty, np, wp, wp / np, nt, wt, wt / nt }'
done
