#!/usr/bin/env bash
# The WebGPU rows of bench/RESULTS.md, on the GPU machine (run from the repository root with the
# Vulkan loader debs in .gl/ and Dawn's libwebgpu_wrapper.so in .webgpu-carry/, both carried):
#   bench/webgpu_h100.sh OUT_DIR
# Unpacks the loaders, builds without fetching Dawn, prints the adapter, then per model and type
# `anyinfer bench --backend webgpu` (pp512, tg128) and bench/webgpu_probe.c (bandwidth of the add
# kernel, dispatches and time per decode token).
set -uo pipefail
out=${1:?usage: bench/webgpu_h100.sh OUT_DIR}
mkdir -p "$out"
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json XDG_RUNTIME_DIR=/tmp
export ANYINFER_WEBGPU_LIB=$PWD/.webgpu-carry/libwebgpu_wrapper.so
cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DAI_WEBGPU_FETCH=OFF -DAI_BUILD_TESTS=OFF \
  >"$out/build.log" 2>&1 && cmake --build build-gpu -j"$(nproc)" --target anyinfer >>"$out/build.log" 2>&1
cc -std=c11 -O2 -Iinclude -Isrc bench/webgpu_probe.c build-gpu/libanyinfer_static.a -lm -lpthread \
  -o build-gpu/webgpu_probe >>"$out/build.log" 2>&1
bin=build-gpu/anyinfer
"$bin" info --devices >"$out/devices.txt" 2>&1
nvidia-smi --query-gpu=name,memory.total,clocks.max.memory --format=csv >>"$out/devices.txt" 2>&1
for m in ${MODELS:-llama-3.2-1b tinyllama-1.1b}; do
  for t in ${TYPES:-Q4_0 Q4_K Q8_0}; do
    f=/tmp/$m-$t.gguf
    "$bin" synth "$m" --type "$t" -o "$f" >/dev/null 2>&1
    "$bin" bench -m "$f" --backend webgpu -p 512 -n 128 -r 3 >>"$out/bench.txt" 2>&1
    build-gpu/webgpu_probe "$f" 128 >>"$out/probe.txt" 2>&1
    echo "$m $t: $(ls -l "$f" | awk '{print $5}') bytes" >>"$out/probe.txt"
    rm -f "$f"
  done
done
