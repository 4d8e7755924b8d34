#!/bin/sh
# Keeps only the linux-x64 CPU build of onnxruntime-node in a deployed tree (the
# image runs on linux/amd64 nodes). The npm package ships darwin, win32 and
# linux-arm64 libraries too: about 245 MB of the package's 290 MB.
# Usage: prune-ort-binaries.sh DEPLOYED_DIR
set -eu
root="$1"
found=0
for bin in "$root"/node_modules/.pnpm/onnxruntime-node@*/node_modules/onnxruntime-node/bin/napi-v*; do
  [ -d "$bin/linux/x64" ] || { echo "no linux/x64 runtime in $bin" >&2; exit 1; }
  find "$bin" -mindepth 2 -maxdepth 2 -type d ! -path "$bin/linux/x64" -exec rm -rf {} +
  find "$bin" -mindepth 1 -maxdepth 1 -type d ! -name linux -exec rm -rf {} +
  found=1
done
[ "$found" = 1 ] || { echo "onnxruntime-node not found under $root" >&2; exit 1; }
# The binding is loaded on require: this fails if the kept library cannot load.
(cd "$root" && node -e "require('onnxruntime-node')")
du -sh "$root"/node_modules/.pnpm/onnxruntime-node@*/node_modules/onnxruntime-node
