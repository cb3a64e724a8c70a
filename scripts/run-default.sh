#!/usr/bin/env bash
# `make run`: the main job on the embedded default models, two DEMONSTRATION models trained from
# scratch on data we generate (scripts/train/, issue 8):
#   models/chat-demo-q8_0.gguf   — a 10M-parameter Llama-architecture chat model that answers
#     simple arithmetic, day/month, unit, spelling and fact questions and knows nothing else;
#   models/speech-demo-q8_0.gguf — an 8.5M-parameter Whisper that transcribes English spoken by
#     espeak-ng, in sentences of the 3,000 words of scripts/train/words.txt and numbers.
# It shows the chat model, benchmarks it and answers a few questions that its training corpus never
# contained, transcribes examples/hello.wav, then serves both over the OpenAI-compatible API
# (`anyinfer serve`) and prints curl lines to try them.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
bin="$build/anyinfer"
model=models/chat-demo-q8_0.gguf
speech=models/speech-demo-q8_0.gguf
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
echo "== anyinfer transcribe examples/hello.wav (espeak-ng: \"Hello world this small model runs on your machine.\") =="
"$bin" transcribe -m "$speech" examples/hello.wav
echo
echo "== anyinfer serve (OpenAI-compatible API; Ctrl-C stops it) =="
port=${PORT:-8080}
out=$(mktemp)
"$bin" serve -m "$model" -m "$speech" --port "$port" > "$out" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; rm -f "$out"' INT TERM EXIT
for _ in $(seq 100); do grep -q listening "$out" && break; kill -0 $pid 2>/dev/null || exit 1; sleep 0.1; done
cat "$out"
echo "Try them:"
echo "  curl http://127.0.0.1:$port/v1/chat/completions -H 'Content-Type: application/json' \\"
echo "    -d '{\"model\": \"chat-demo-q8_0\", \"messages\": [{\"role\": \"user\", \"content\": \"What is 2 plus 3?\"}], \"max_tokens\": 16}'"
echo "  curl http://127.0.0.1:$port/v1/audio/transcriptions -F model=speech-demo-q8_0 -F file=@examples/hello.wav"
wait $pid
