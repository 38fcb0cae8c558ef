#!/usr/bin/env bash
# deps.sh -- installs the Debian packages powertrain needs, only those missing.
# Idempotent and silent when nothing is missing. Uses sudo when not root.
set -euo pipefail
pkgs=(cmake make gcc clang pkg-config libdnnl-dev libsqlite3-dev libturbojpeg0-dev zlib1g-dev
      libcjson-dev dataset-fashion-mnist)
# Each area may list more packages, one a line, in scripts/deps.d/*.txt.
for f in "$(dirname "$0")"/deps.d/*.txt; do
  [ -f "$f" ] || continue
  while read -r p _; do
    case "$p" in ""|\#*) ;; *) pkgs+=("$p") ;; esac
  done < "$f"
done
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
