#!/usr/bin/env bash
# Quantization quality: `anyinfer perplexity` (llama.cpp's definition) of each trained fixture
# model (tests/fixtures/hf) converted to F16, Q8_0, Q4_0 and Q4_K, and of a synthetic
# random-weight model of real shapes (synth smollm2-135m, F16 quantized to each type), on the text
# the fixtures were trained on (the TEXT constant of scripts/reference/make_fixtures.py). Prints a
# markdown table.
# Usage: bench/perplexity_table.sh [BUILD_DIR] [CTX]
set -euo pipefail
build=${1:-build}
ctx=${2:-64}
cd "$(dirname "$0")/.."
bin="$build/anyinfer"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp/text.txt" <<'PY'
import ast, sys
src = open("scripts/reference/make_fixtures.py").read()
tree = ast.parse(src)
text = next(n.value.value for n in tree.body
            if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "TEXT")
open(sys.argv[1], "w").write(text)
PY
types="f16 q8_0 q4_0 q4_k"
ppl_of() {
  "$bin" perplexity -m "$1" -f "$tmp/text.txt" -c "$ctx" -t 2 2>/dev/null |
    sed -n 's/^Final estimate: PPL = \([0-9.]*\).*/\1/p'
}
printf '| fixture |'; for t in $types; do printf ' %s |' "$t"; done; printf '\n|---|'
for t in $types; do printf -- '---|'; done; printf '\n'
for dir in tests/fixtures/hf/*/; do
  name=$(basename "$dir")
  printf '| %s |' "$name"
  for t in $types; do
    "$bin" convert "$dir" "$tmp/m.gguf" --type "$t" >/dev/null 2>&1
    printf ' %s |' "$(ppl_of "$tmp/m.gguf")"
  done
  printf '\n'
done
"$bin" synth smollm2-135m --type F16 -o "$tmp/synth-f16.gguf" >/dev/null 2>&1
printf '| synth smollm2-135m (random) |'
for t in $types; do
  [ "$t" = f16 ] || "$bin" quantize "$tmp/synth-f16.gguf" "$tmp/synth-$t.gguf" "$t" >/dev/null 2>&1
  printf ' %s |' "$(ppl_of "$tmp/synth-$t.gguf")"
done
printf '\n'
