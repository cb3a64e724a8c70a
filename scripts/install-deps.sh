#!/usr/bin/env bash
# Installs what the build and the tests need, only where it is missing: Debian packages through
# apt-get (as root, or with sudo), npm packages into ./node_modules from package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

# clang-22, lld-22, its wasm32 builtins and wasi-libc build the wasm32-wasip1 module and its tests.
# libmicrohttpd + jansson: the server. libsndfile: audio formats beyond WAV. espeak-ng: speech for
# the Whisper tests. chromium: the browser tests, and its SwiftShader Vulkan ICD gives WebGPU a
# CPU device on machines without a GPU; libvulkan1 is the Vulkan loader Dawn opens.
debs=(cmake make gcc clang pkg-config libjansson-dev libmicrohttpd-dev libsndfile1-dev espeak-ng
  chromium libvulkan1 clang-22 lld-22 libclang-rt-22-dev-wasm32 wasi-libc)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node may come from elsewhere than Debian (nodesource, nvm): look for the commands.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
# clang's sanitizer runtime ships in a separate package on Debian 12.
if ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.asan-x86_64.a >/dev/null 2>&1 &&
   ! ls /usr/lib/llvm-*/lib/clang/*/lib/x86_64-pc-linux-gnu/libclang_rt.asan.a >/dev/null 2>&1; then
  v=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
  missing+=("libclang-rt-${v:-14}-dev")
fi
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  echo "install-deps: apt-get install ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install-deps: npm install"
  # Optional packages are GPU builds of llama.cpp (CUDA, Vulkan) we never load: skip ~700 MB.
  # `npm ci` refuses this lock file because node-llama-cpp's optional builds for other platforms
  # are not in the registry we reach; `npm install` installs the locked versions and leaves the
  # lock file as it is.
  # --ignore-scripts: node-llama-cpp's postinstall may try to fetch or build llama.cpp; the
  # prebuilt CPU binary it ships needs no script (npm 11 skips unapproved scripts anyway).
  npm install --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error
fi
