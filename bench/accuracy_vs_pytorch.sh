#!/usr/bin/env bash
# accuracy_vs_pytorch.sh -- do powertrain's epochs learn as PyTorch's do? On the real
# Fashion-MNIST (Debian's files: 60,000 train, the 10,000 t10k images for validation)
# trains fmnist_cnn for EPOCHS epochs (Adam lr 1e-3, batch 256, THREADS threads) with
# `powertrain train` and the same network in PyTorch (bench/accuracy_vs_pytorch.py,
# PyTorch's defaults), one run after the other, for seeds 1..SEEDS; prints per-epoch
# validation accuracy per seed, the means, the seeds' standard deviation and
# powertrain - PyTorch in points. Not a test: figures go to bench/README.md.
# usage: bench/accuracy_vs_pytorch.sh [SEEDS (3)] [EPOCHS (3)] [THREADS (2)]
#   ENGINES="powertrain pytorch" (default both) runs one side only; KEEP=FILE keeps
#   the raw `ENGINE SEED EPOCH ACC` lines (appended: a second call adds seeds);
#   POWERTRAIN=BIN runs another build's binary (default build/powertrain); FIRST_SEED=K
#   runs seeds K..K+SEEDS-1 instead.
# PyTorch runs under jemalloc when Debian's libjemalloc2 is there (only faster; the
# figures are the same).
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-3}
epochs=${2:-3}
threads=${3:-2}
first=${FIRST_SEED:-1}
last=$((first + seeds - 1))
engines=${ENGINES:-powertrain pytorch}
data=${FMNIST_DIR:-/usr/share/datasets/fashion-mnist}
py=/usr/bin/python3
[ -f "$data/train-images-idx3-ubyte.gz" ] || { echo "accuracy_vs_pytorch: no Fashion-MNIST in $data (Debian's dataset-fashion-mnist, or FMNIST_DIR=DIR)" >&2; exit 1; }
"$py" -c "import torch" 2>/dev/null || { echo "accuracy_vs_pytorch: $py cannot import torch (Debian's python3-torch)" >&2; exit 1; }
pt=${POWERTRAIN:-build/powertrain}
[ -x "$pt" ] || { echo "accuracy_vs_pytorch: $pt missing: make build first" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
raw=${KEEP:-$tmp/raw.txt}
jem=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
echo "machine: $(hostname), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) logical CPUs;" \
     "threads $threads, seeds $first-$last, $epochs epochs, fmnist_cnn, Adam 1e-3, batch 256"
for s in $(seq "$first" "$last"); do
  for eng in $engines; do
    t0=$(date +%s)
    if [ "$eng" = powertrain ]; then
      # one run; threshold 0 and patience past the cap: it always trains EPOCHS epochs
      "$pt" train --dataset fmnist --data "$data" --batch-size 256 --lr 0.001 --seed "$s" \
        --threads "$threads" --max-epochs "$epochs" --patience "$epochs" --threshold 0 --chance-epochs 0 \
        --db "$tmp/pt$s.db" 2>&1 | sed -n 's/.*epoch \([0-9]*\): train loss.*val acc \([0-9.]*\),.*/\1 \2/p' >"$tmp/out"
    else
      if [ -f "$jem" ]; then
        LD_PRELOAD=$jem MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1 OMP_NUM_THREADS=$threads \
          "$py" bench/accuracy_vs_pytorch.py train "$s" "$epochs" "$threads" "$data"
      else
        OMP_NUM_THREADS=$threads "$py" bench/accuracy_vs_pytorch.py train "$s" "$epochs" "$threads" "$data"
      fi | sed -n 's/^epoch \([0-9]*\): val acc \([0-9.]*\)$/\1 \2/p' >"$tmp/out"
    fi
    [ "$(wc -l <"$tmp/out")" -eq "$epochs" ] || { echo "accuracy_vs_pytorch: $eng seed $s gave $(wc -l <"$tmp/out") of $epochs epochs" >&2; exit 1; }
    while read -r e a; do echo "$eng $s $e $a"; done <"$tmp/out" >>"$raw"
    echo "  $eng seed $s: $(awk '{printf "%s ", $2}' "$tmp/out")($(( $(date +%s) - t0 )) s)"
  done
done
"$py" bench/accuracy_vs_pytorch.py summary "$raw"
