#!/usr/bin/env bash
# train_throughput.sh -- training samples/s of pamap2_cnn (batch 256), fmnist_cnn
# (batch 256) and resnet18 at 64x64 (batch 64) on powertrain's cpu backend and in
# PyTorch (Debian's python3-torch, installed when missing), with the same thread
# count, in one run; prints each ratio. Not a test: figures go to bench/README.md.
# usage: bench/train_throughput.sh [THREADS] [STEPS]
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
steps=${2:-20}
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "installing python3-torch (Debian) for the comparison..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get install -y -qq python3-torch >/dev/null
fi
[ -x build/train_throughput ] || make --no-print-directory build >/dev/null
echo "machine: $(hostname), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) logical CPUs; threads $threads"
printf "%-11s %6s %14s %14s %7s\n" model batch powertrain pytorch ratio
for spec in "pamap2_cnn 256" "fmnist_cnn 256" "resnet18 64"; do
  set -- $spec
  shape=""; [ "$1" = resnet18 ] && shape="64x64x3"
  ours=$(build/train_throughput "$1" "$2" "$steps" "$threads" cpu $shape | sed -n 's/.*: \([0-9.]*\) samples\/s.*/\1/p')
  theirs=$(OMP_NUM_THREADS=$threads /usr/bin/python3 bench/train_throughput.py "$1" "$2" "$steps" "$threads" \
           | sed -n 's/.*: \([0-9.]*\) samples\/s.*/\1/p')
  ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2fx", a / b }')
  printf "%-11s %6s %14s %14s %7s\n" "$1" "$2" "$ours" "$theirs" "$ratio"
done
