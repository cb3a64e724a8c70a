#!/usr/bin/env bash
# `make run`: the main job on the embedded default model. Until a trained demo model ships
# (issue 8), that model is synthesized once — SmolLM2-135M's exact shapes and vocabulary size in
# Q8_0, with RANDOM weights — and cached under the build folder. It runs the benchmark and a short
# generation, whose text is meaningless because the weights are random.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
bin="$build/anyinfer"
model="$build/models/smollm2-135m-q8_0-random.gguf"
if [ ! -f "$model" ]; then
  mkdir -p "$build/models"
  echo "== synthesizing $model (random weights, real shapes) =="
  "$bin" synth smollm2-135m --type Q8_0 -o "$model"
fi
echo "== anyinfer info =="
"$bin" info -m "$model" | head -8
echo
echo "== anyinfer bench (2 threads) =="
"$bin" bench -m "$model" -t 2 -p 128 -n 32 -r 3
echo
echo "== anyinfer run (RANDOM weights: the text below is noise, the speed is real) =="
"$bin" run -m "$model" -p "The quick brown fox" -n 32 --temp 0.8 --seed 1
