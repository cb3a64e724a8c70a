#!/usr/bin/env bash
# Measures `anyinfer bench` on random-weight GGUFs of real model shapes (made by `anyinfer synth`)
# and prints a markdown table beside llama.cpp's figures for the same shapes and machine kind
# (issue 2: llama.cpp b10309, CPU release build, GGML_NATIVE, `llama-bench -p 128 -n 32`).
# Usage: bench/cpu_vs_llamacpp.sh [BUILD_DIR] [REPS] > table.md   (models cached in $MODELS)
set -euo pipefail
build=${1:-build}
reps=${2:-5}
models=${MODELS:-/tmp/anyinfer-bench-models}
bin="$build/anyinfer"
mkdir -p "$models"

# shape type | llama.cpp pp128@2 tg32@2 pp128@1 tg32@1
cases="tinyllama-1.1b Q4_0 132 48 69 32
tinyllama-1.1b Q4_K_M 126 45 65 33
tinyllama-1.1b Q8_0 100 30 55 18
tinyllama-1.1b F16 89 24 47 13
qwen2.5-0.5b Q4_0 347 76 181 54
qwen2.5-0.5b Q8_0 241 49 141 38
qwen2.5-0.5b F16 219 35 115 25"

echo "| model (shape) | type | threads | pp128 t/s | llama.cpp | ratio | tg32 t/s | llama.cpp | ratio | peak RSS MiB | file MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
while read -r shape type lpp2 ltg2 lpp1 ltg1; do
  file="$models/$shape-$type.gguf"
  [ -f "$file" ] || "$bin" synth "$shape" --type "$type" -o "$file" >/dev/null 2>&1
  size=$(( $(stat -c %s "$file") / 1048576 ))
  for t in 2 1; do
    out=$("$bin" bench -m "$file" -t "$t" -p 128 -n 32 -r "$reps" --json)
    pp=$(echo "$out" | sed -n 's/.*"test": "pp128", "tok_s": \([0-9.]*\).*/\1/p')
    tg=$(echo "$out" | sed -n 's/.*"test": "tg32", "tok_s": \([0-9.]*\).*/\1/p')
    rss=$(echo "$out" | sed -n 's/.*"peak_rss_mib": \([0-9.]*\).*/\1/p' | tail -1)
    if [ "$t" = 2 ]; then lpp=$lpp2; ltg=$ltg2; else lpp=$lpp1; ltg=$ltg1; fi
    awk -v s="$shape" -v ty="$type" -v t="$t" -v pp="$pp" -v lpp="$lpp" -v tg="$tg" -v ltg="$ltg" \
        -v rss="$rss" -v size="$size" 'BEGIN {
      printf "| %s | %s | %d | %.1f | %d | %.2f | %.1f | %d | %.2f | %.0f | %d |\n",
             s, ty, t, pp, lpp, pp / lpp, tg, ltg, tg / ltg, rss, size }'
  done
done <<< "$cases"
