#!/bin/sh
# tune_bench.sh -- issue 8's goals: tune's exact and fast modes against the
# full regime grid on the same seeds, same store, same machine.
#   bench/tune_bench.sh [BIN] [DATASET] [DATA_DIR] [DB]
# Runs `regime` (the grid), then `tune --mode exact` and `tune --mode fast`
# with the same flags into the same store; each tune prints the grid's best
# setup, its chosen setup, the regret and the savings (search energy / grid
# energy). Energy is whatever the meter has here (estimated on a VM).
set -eu
BIN=${1:-build/powertrain}
DATASET=${2:-pamap2}
DATA=${3:-}
DB=${4:-/tmp/tune-bench-$DATASET.db}
DATAFLAG=""
if [ "$DATASET" = pamap2 ] && [ -z "$DATA" ]; then
    DATA=/tmp/tune-bench-pamap2-data
    [ -d "$DATA/Protocol" ] || "$BIN" synth pamap2 --out "$DATA" >/dev/null
fi
[ -n "$DATA" ] && DATAFLAG="--data $DATA"
echo "machine: $(uname -n), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "== regime (the full grid) =="
"$BIN" regime --dataset "$DATASET" $DATAFLAG --preset quick --db "$DB" --resume --quiet
for mode in exact fast; do
    echo "== tune --mode $mode =="
    "$BIN" tune --dataset "$DATASET" $DATAFLAG --preset quick --mode $mode --db "$DB" --resume --quiet
done
