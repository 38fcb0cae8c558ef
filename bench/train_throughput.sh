#!/usr/bin/env bash
# train_throughput.sh -- training samples/s of powertrain's cpu backend against
# PyTorch (Debian's python3-torch, installed when missing) as it ships and as a
# skilled user tunes it (jemalloc with decay off), same threads, one invocation:
# pamap2_cnn at batch 64/256/1024/4096, fmnist_cnn at 64/256/1024, resnet18 at
# 64x64 batch 32/64. Each repeat runs the three one after another; a timed window
# in which other processes used more than MAX_OTHER of the machine's CPU is run
# again once, then refused. Prints samples/s (median, min-max), both ratios
# (median and min-max of the per-repeat ratios) and peak RSS. Not a test:
# figures go to bench/README.md.
# usage: bench/train_throughput.sh [THREADS] [REPEATS] [MODEL[:BATCH]...]
#   env: MAX_OTHER (default 0.10), SAMPLES (samples per timed window, default 16384)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
repeats=${2:-3}
shift $(( $# > 2 ? 2 : $# ))
max_other=${MAX_OTHER:-0.10}
samples=${SAMPLES:-16384}
py=/usr/bin/python3
jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
if ! $py -c "import torch" 2>/dev/null || [ ! -e $jemalloc ]; then
  echo "installing python3-torch and libjemalloc2 (Debian) for the comparison..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get install -y -qq python3-torch libjemalloc2 >/dev/null
fi
[ -x build/train_throughput ] || make --no-print-directory build >/dev/null
specs=("$@")
[ ${#specs[@]} -gt 0 ] || specs=(pamap2_cnn:64 pamap2_cnn:256 pamap2_cnn:1024 pamap2_cnn:4096
                                 fmnist_cnn:64 fmnist_cnn:256 fmnist_cnn:1024 resnet18:32 resnet18:64)
raw=$(mktemp); trap 'rm -f "$raw"' EXIT

# one timed window: prints "samples_per_s other_cpu peak_rss_mb" (or fails)
window() { # variant model batch steps
  local shape=""; [ "$2" = resnet18 ] && shape="64x64x3"
  case $1 in
    powertrain) build/train_throughput "$2" "$3" "$4" "$threads" cpu $shape ;;
    pytorch) OMP_NUM_THREADS=$threads $py bench/train_throughput.py "$2" "$3" "$4" "$threads" ;;
    pytorch-jemalloc) OMP_NUM_THREADS=$threads LD_PRELOAD=$jemalloc \
        MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1 $py bench/train_throughput.py "$2" "$3" "$4" "$threads" ;;
  esac | sed -n 's/.*: \([0-9.]*\) samples\/s.*other_cpu \([0-9.]*\) peak_rss_mb \([0-9.]*\).*/\1 \2 \3/p'
}

echo "machine: $(hostname), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) logical CPUs; threads $threads; $(date -u +%F); torch $($py -c 'import torch; print(torch.__version__)')"
for spec in "${specs[@]}"; do
  model=${spec%%:*}; batch=${spec#*:}
  steps=$(( samples / batch )); [ "$model" = resnet18 ] && steps=$(( samples / 8 / batch ))
  [ $steps -ge 5 ] || steps=5
  for r in $(seq 1 "$repeats"); do
    for v in powertrain pytorch pytorch-jemalloc; do
      for try in 1 2; do
        out=$(window $v "$model" "$batch" "$steps" || true)
        [ -n "$out" ] || { echo "train_throughput: $v $model batch $batch failed" >&2; break; }
        set -- $out
        if awk -v o="$2" -v m="$max_other" 'BEGIN { exit !(o <= m) }'; then break; fi
        echo "  ($v $model $batch repeat $r: other processes used $(awk -v o="$2" 'BEGIN{printf "%.0f", o*100}')% of the CPU; $([ $try = 1 ] && echo "running it again" || echo "refused"))" >&2
      done
      echo "$model $batch $r $v $out" >> "$raw"
    done
  done
done
$py - "$raw" "$max_other" <<'PYEOF'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1]) if len(l.split()) == 7]
mx = float(sys.argv[2])
cell = {}
for m, b, r, v, sps, oth, rss in rows:
    cell.setdefault((m, int(b)), {}).setdefault(v, {})[int(r)] = (float(sps), float(oth), float(rss))
def fmt(xs): return f"{st.median(xs):,.1f} ({min(xs):,.1f}-{max(xs):,.1f})" if xs else "refused"
def ratio(a, b):
    rs = [a[r][0] / b[r][0] for r in a if r in b and a[r][1] <= mx and b[r][1] <= mx]
    return f"{st.median(rs):.2f}x ({min(rs):.2f}-{max(rs):.2f})" if rs else "refused"
print("| model | batch | powertrain samples/s | PyTorch | PyTorch + jemalloc | vs PyTorch | vs tuned PyTorch | peak RSS MB (ours / PyTorch / tuned) | max other CPU |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for (m, b), vs in cell.items():
    clean = {v: [x[0] for x in d.values() if x[1] <= mx] for v, d in vs.items()}
    rss = {v: max(x[2] for x in d.values()) for v, d in vs.items()}
    oth = max(x[1] for d in vs.values() for x in d.values())
    p, t, j = (vs.get(k, {}) for k in ("powertrain", "pytorch", "pytorch-jemalloc"))
    print(f"| {m} | {b} | {fmt(clean.get('powertrain', []))} | {fmt(clean.get('pytorch', []))} | "
          f"{fmt(clean.get('pytorch-jemalloc', []))} | {ratio(p, t)} | **{ratio(p, j)}** | "
          f"{rss.get('powertrain', 0):.0f} / {rss.get('pytorch', 0):.0f} / {rss.get('pytorch-jemalloc', 0):.0f} | {oth * 100:.1f}% |")
print(f"windows with other processes above {mx * 100:.0f}% of the CPU are refused (shown as 'refused'); ratios are per repeat, median (min-max)")
PYEOF
