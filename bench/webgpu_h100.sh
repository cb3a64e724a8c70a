#!/usr/bin/env bash
# The WebGPU rows of bench/RESULTS.md, on the GPU machine (run from the repository root with the
# Vulkan loader debs in .gl/ and Dawn's libwebgpu_wrapper.so in .webgpu-carry/, both carried):
#   bench/webgpu_h100.sh OUT_DIR
# Unpacks the loaders, builds the engine without fetching Dawn, then bench/webgpu_probe.c prints
# the adapter and one table row per model and type (pp512, tg128, bandwidth, dispatches).
set -uo pipefail
out=${1:?usage: bench/webgpu_h100.sh OUT_DIR}
mkdir -p "$out"
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json XDG_RUNTIME_DIR=/tmp
export ANYINFER_WEBGPU_LIB=$PWD/.webgpu-carry/libwebgpu_wrapper.so
cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DAI_WEBGPU_FETCH=OFF -DAI_BUILD_TESTS=OFF \
  >"$out/build.log" 2>&1 && cmake --build build-gpu -j"$(nproc)" --target anyinfer_static >>"$out/build.log" 2>&1
cc -std=c11 -O2 -Iinclude -Isrc bench/webgpu_probe.c build-gpu/libanyinfer_static.a -lm -lpthread \
  -o build-gpu/webgpu_probe >>"$out/build.log" 2>&1
probe=build-gpu/webgpu_probe
"$probe" --devices >"$out/devices.txt" 2>&1
nvidia-smi --query-gpu=name,memory.total,clocks.max.memory --format=csv >>"$out/devices.txt" 2>&1
echo "| model | type | size | add GB/s | pp512 t/s | tg128 t/s | dispatches/token | submits/token | ms/token | tg bandwidth fraction | us/dispatch |" >"$out/table.md"
for m in ${MODELS:-llama-3.2-1b tinyllama-1.1b}; do
  for t in ${TYPES:-Q4_0 Q4_K Q8_0}; do
    "$probe" "$m" "$t" >>"$out/table.md" 2>>"$out/errors.txt"
  done
done
