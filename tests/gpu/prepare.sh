#!/usr/bin/env bash
# tests/gpu/prepare.sh -- fills .gpu-carry/ (git-ignored) with what
# tests/gpu/run.sh may not find on a bare GPU machine that reaches no network:
# the Debian packages the build needs (headers + libraries, unpacked there
# into a private prefix, never into /) and Fashion-MNIST's four files.
# Run it on a Debian 12 machine with apt (this project's CI image), then pass
# carry [".gpu-carry"] to the device tool's run (about 40 MiB).
set -euo pipefail
cd "$(dirname "$0")/../.."
dest=.gpu-carry
mkdir -p "$dest/debs" "$dest/fashion-mnist"
pkgs=(libcjson-dev libcjson1 libsqlite3-dev libsqlite3-0 libturbojpeg0-dev libturbojpeg0 zlib1g-dev zlib1g
      libdnnl-dev libdnnl2 ocl-icd-libopencl1)
(cd "$dest/debs" && apt-get download "${pkgs[@]}" >/dev/null 2>&1)
# plain file names (letters, digits, '.', '_', '-') travel anywhere
for f in "$dest"/debs/*.deb; do
  g=$(basename "$f" | sed 's/%3a/_/g; s/[^A-Za-z0-9._-]/_/g')
  [ "$g" = "$(basename "$f")" ] || mv "$f" "$dest/debs/$g"
done
src=/usr/share/datasets/fashion-mnist
if [ -d "$src" ]; then
  cp "$src"/*-ubyte.gz "$dest/fashion-mnist/"
else
  echo "prepare: $src missing (apt-get install dataset-fashion-mnist); fmnist checks will be skipped there" >&2
fi
du -sh "$dest"
