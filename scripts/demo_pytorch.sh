#!/bin/bash
# demo_pytorch.sh BUILD -- `make demo-pytorch`: a small regime study around
# examples/pytorch/train.py (4 setups, Fashion-MNIST slices, a few minutes on
# 2 cores) into results-pytorch.db, then its report. Installs Debian's
# python3-torch when it is missing (sudo when not root).
set -euo pipefail
build=${1:-build}
py=/usr/bin/python3
if ! "$py" -c 'import torch' 2>/dev/null; then
  echo "demo-pytorch: installing Debian's python3-torch"
  SUDO=
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "demo-pytorch: need root or sudo to install python3-torch" >&2; exit 1; }
    SUDO=sudo
  fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends python3-torch >/dev/null
fi
export PYTHONPATH="$PWD/bindings/python${PYTHONPATH:+:$PYTHONPATH}"
"$build/powertrain" regime --dataset fmnist-pytorch --batch-sizes 64,256 --lrs 0.01,0.001 --repeats 1 \
  --patience 2 --max-epochs 4 --db results-pytorch.db --resume \
  --exec -- "$py" examples/pytorch/train.py --batch-size {batch_size} --lr {lr} --seed {seed} \
  --epochs {max_epochs} --limit 10000 --threads 2
"$build/powertrain" report --db results-pytorch.db --out demo-pytorch-report
echo "demo-pytorch: the report is $PWD/demo-pytorch-report/report.html"
