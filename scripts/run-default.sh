#!/usr/bin/env bash
# `make run`: the main job on the embedded default model, models/chat-demo-q8_0.gguf — a 10M
# parameter Llama-architecture DEMONSTRATION model trained from scratch on our own generated
# question-answer corpus (scripts/train/, issue 8): it answers simple arithmetic, day/month, unit,
# spelling and fact questions and knows nothing else. It shows the model, benchmarks it and
# answers a few questions that its training corpus never contained.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
bin="$build/anyinfer"
model=models/chat-demo-q8_0.gguf
echo "== anyinfer info =="
"$bin" info -m "$model" | head -8
echo
echo "== anyinfer bench (2 threads) =="
"$bin" bench -m "$model" -t 2 -p 128 -n 32 -r 3
echo
echo "== anyinfer run --chat (greedy; questions held out of the training corpus) =="
for q in "What is 32 plus 71?" "4 hours is how many minutes?" "What's the capital city of Peru?" \
  "Spell grass letter by letter."; do
  printf '> %s\n' "$q"
  "$bin" run -m "$model" --chat -p "$q" -n 48 --temp 0 2>/dev/null
  echo
done
