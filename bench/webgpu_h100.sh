#!/usr/bin/env bash
# The WebGPU rows of bench/RESULTS.md, on the GPU machine (run from the repository root with the
# Vulkan loader debs in .gl/ and Dawn's libwebgpu_wrapper.so in .webgpu-carry/, both carried):
#   bench/webgpu_h100.sh OUT_DIR
# Unpacks the loaders, builds the CLI, the WebGPU op parity test and bench/webgpu_probe.c, runs the
# test on the device, then per model and type: `anyinfer synth`, `anyinfer bench
# --backend webgpu -p 512 -n 128` (pp512, tg128) and the probe (bandwidth, dispatches and ms per
# decode token, microseconds per matmul). MODELS / TYPES narrow the loops.
set -uo pipefail
out=${1:?usage: bench/webgpu_h100.sh OUT_DIR}
mkdir -p "$out"
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json XDG_RUNTIME_DIR=/tmp
export ANYINFER_WEBGPU_LIB=$PWD/.webgpu-carry/libwebgpu_wrapper.so
b=build-gpu
{ cmake -S . -B $b -DCMAKE_BUILD_TYPE=Release -DAI_WEBGPU_FETCH=OFF &&
  cmake --build $b -j"$(nproc)" --target anyinfer anyinfer_static test_webgpu_ops ||
  { cmake -S . -B $b -DAI_BUILD_TESTS=OFF && cmake --build $b -j"$(nproc)" --target anyinfer anyinfer_static; }
  cc -std=c11 -O2 -Iinclude -Isrc bench/webgpu_probe.c $b/libanyinfer_static.a -lm -lpthread -ldl \
    -o $b/webgpu_probe; } >"$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
$b/webgpu_probe --devices >"$out/devices.txt" 2>&1
nvidia-smi --query-gpu=name,memory.total,clocks.max.memory --format=csv >>"$out/devices.txt" 2>&1
models=${MODELS:-llama-3.2-1b tinyllama-1.1b} types=${TYPES:-Q4_0 Q4_K Q8_0}
for m in $models; do # the files, all at once on the CPU while the test runs
  for t in $types; do $b/anyinfer synth "$m" --type "$t" -o "/tmp/$m-$t.gguf" >/dev/null 2>&1 & done
done
timeout 120 $b/test_webgpu_ops >"$out/tests.txt" 2>&1
wait
for m in $models; do
  for t in $types; do
    f=/tmp/$m-$t.gguf
    [ -f "$f" ] || { echo "synth $m $t failed" >>"$out/errors.txt"; continue; }
    echo "## $m $t" >>"$out/bench.md"
    timeout 120 $b/anyinfer bench -m "$f" --backend webgpu -p 512 -n 128 -r 3 >>"$out/bench.md" \
      2>>"$out/errors.txt"
    timeout 120 $b/webgpu_probe "$f" >>"$out/bench.md" 2>>"$out/errors.txt"
    rm -f "$f"
  done
done
cat "$out/tests.txt" "$out/bench.md"
