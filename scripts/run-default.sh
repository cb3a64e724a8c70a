#!/usr/bin/env bash
# `make run`: the main job on the embedded default model, models/chat-demo-q8_0.gguf — a 10M
# parameter Llama-architecture DEMONSTRATION model trained from scratch on our own generated
# question-answer corpus (scripts/train/, issue 8): it answers simple arithmetic, day/month, unit,
# spelling and fact questions and knows nothing else. It shows the model, benchmarks it and
# answers a few questions that its training corpus never contained, then serves it over the
# OpenAI-compatible API (`anyinfer serve`) and prints a curl line to try it.
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
echo
echo "== anyinfer serve (OpenAI-compatible API; Ctrl-C stops it) =="
port=${PORT:-8080}
out=$(mktemp)
"$bin" serve -m "$model" --alias default --port "$port" > "$out" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; rm -f "$out"' INT TERM EXIT
for _ in $(seq 100); do grep -q listening "$out" && break; kill -0 $pid 2>/dev/null || exit 1; sleep 0.1; done
cat "$out"
echo "Try it:"
echo "  curl http://127.0.0.1:$port/v1/chat/completions -H 'Content-Type: application/json' \\"
echo "    -d '{\"model\": \"default\", \"messages\": [{\"role\": \"user\", \"content\": \"What is 2 plus 3?\"}], \"max_tokens\": 16}'"
wait $pid
