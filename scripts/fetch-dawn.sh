#!/usr/bin/env bash
# Fetches Dawn's C API library for the WebGPU backend into DIR (default build/dawn):
# `npm pack bun-webgpu-linux-x64@0.1.7` (the registry tarball; no install scripts run), then
# checks the tarball's and the library's sha256 (the backend's hand-written ABI,
# src/backend/webgpu/wgpu_abi.h, is pinned to this exact build). Never committed.
set -euo pipefail
dir=${1:-build/dawn}
pkg=bun-webgpu-linux-x64
ver=0.1.7
tgz_sha=8badfecdad4e726ac12be4f29771f4cbd7ce7683b4418316a547c5bda94fb798
so_sha=3190c3777f2c07fcf6a0640833cbf5d0cde859dc53aed6d9083946d093198788
mkdir -p "$dir"
cd "$dir"
if [ ! -f "$pkg-$ver.tgz" ] || [ "$(sha256sum "$pkg-$ver.tgz" | cut -d' ' -f1)" != "$tgz_sha" ]; then
  rm -f "$pkg-$ver.tgz"
  npm pack --silent "$pkg@$ver" >/dev/null
fi
got=$(sha256sum "$pkg-$ver.tgz" | cut -d' ' -f1)
if [ "$got" != "$tgz_sha" ]; then
  echo "fetch-dawn: $pkg-$ver.tgz has sha256 $got, expected $tgz_sha" >&2
  exit 1
fi
tar xzf "$pkg-$ver.tgz" package/libwebgpu_wrapper.so
got=$(sha256sum package/libwebgpu_wrapper.so | cut -d' ' -f1)
if [ "$got" != "$so_sha" ]; then
  echo "fetch-dawn: libwebgpu_wrapper.so has sha256 $got, expected $so_sha" >&2
  exit 1
fi
mv package/libwebgpu_wrapper.so libwebgpu_wrapper.so
rmdir package
