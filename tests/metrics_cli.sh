#!/usr/bin/env bash
# metrics_cli.sh -- `powertrain measure --metrics FILE --metrics-port 0` on a
# replayed trace: /metrics scraped with curl while the command runs (200, the
# text passes `promtool check metrics`, power per component, the epoch moving
# on at the command's mark, job and machine energy growing), 404 elsewhere;
# FILE rewritten every second, atomically (no temp file left), passing
# promtool, and its last version holding the JSON's total; a taken port and
# an unwritable file refused with exit 2 before the command runs.
# usage: metrics_cli.sh POWERTRAIN
set -u
PT=$1
for tool in curl promtool python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "metrics_cli: SKIP: $tool is not installed (make deps installs curl and Debian's prometheus for promtool)"
    exit 77
  fi
done
work=$(mktemp -d /tmp/pt-metrics-XXXXXX)
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

printf 't_seconds,component,watts\n0,gpu-0,100\n0,package-0,50\n' >"$work/trace.csv"
"$PT" measure --trace "$work/trace.csv" --interval 50 --metrics "$work/out/m.prom" -- true 2>"$work/e0"
[ $? -eq 2 ] || fail "--metrics into a missing directory: expected exit 2"
grep -q "^powertrain measure: --metrics $work/out/m.prom: No such file or directory$" "$work/e0" || fail "message: $(cat "$work/e0")"

"$PT" measure --trace "$work/trace.csv" --interval 50 --metrics "$work/m.prom" --metrics-port 0 \
  --json "$work/run.json" -- sh -c '
    # an epoch ends when the test creates "mark"; the command ends at "done" (30 s at most)
    i=0; while [ ! -e "$0/mark" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
    echo epoch_end > "$POWERTRAIN_MARKS"; touch "$0/marked"
    while [ ! -e "$0/done" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done' "$work" 2>"$work/err" &
pid=$!
port=
for _ in $(seq 50); do
  port=$(sed -n 's|^powertrain: metrics at http://127\.0\.0\.1:\([0-9][0-9]*\)/metrics$|\1|p' "$work/err")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { fail "no 'metrics at' line: $(cat "$work/err")"; exit 1; }

sleep 1.3
code=$(curl --noproxy '*' -s -o "$work/s1" -w '%{http_code} %{content_type}' "http://127.0.0.1:$port/metrics")
[ "$code" = "200 text/plain; version=0.0.4; charset=utf-8" ] || fail "scrape 1: $code"
promtool check metrics <"$work/s1" || fail "scrape 1: promtool check metrics"
grep -qx 'powertrain_power_watts{component="gpu-0",source="trace",kind="gpu",method="eq1",billed="true"} 100' "$work/s1" ||
  fail "scrape 1: gpu-0's power: $(cat "$work/s1")"
grep -qx 'powertrain_epoch 1' "$work/s1" || fail "scrape 1: epoch 1"
grep -q '^# TYPE powertrain_energy_joules_total counter$' "$work/s1" || fail "scrape 1: energy counter type"
[ "$(curl --noproxy '*' -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" = 404 ] || fail "/ should be 404"

# the file: valid, rewritten every second, never a temp file left beside it
promtool check metrics <"$work/m.prom" || fail "file: promtool check metrics"
s_a=$(grep '^powertrain_seconds ' "$work/m.prom")
for _ in $(seq 25); do # rewritten every second (2.5 s allowed for a loaded machine)
  sleep 0.1
  s_b=$(grep '^powertrain_seconds ' "$work/m.prom")
  [ "$s_a" != "$s_b" ] && break
done
[ "$s_a" != "$s_b" ] || fail "file not rewritten in 2.5 s: $s_a"
[ "$(ls "$work" | grep -c 'm.prom.tmp')" = 0 ] || fail "temp file left: $(ls "$work")"

# "$port" taken: a second measure is refused before it runs its command
"$PT" measure --trace "$work/trace.csv" --metrics-port "$port" -- touch "$work/ran" 2>"$work/e2"
[ $? -eq 2 ] || fail "taken port: expected exit 2"
grep -q "^powertrain measure: --metrics-port $port: cannot listen on 127.0.0.1:$port: Address already in use$" "$work/e2" ||
  fail "taken port message: $(cat "$work/e2")"
[ ! -e "$work/ran" ] || fail "the command ran despite the taken port"

touch "$work/mark"
for _ in $(seq 50); do [ -e "$work/marked" ] && break; sleep 0.1; done
sleep 0.3 # the mark is read
curl --noproxy '*' -s -o "$work/s2" "http://127.0.0.1:$port/metrics" || fail "scrape 2"
promtool check metrics <"$work/s2" || fail "scrape 2: promtool"
grep -qx 'powertrain_epoch 2' "$work/s2" || fail "scrape 2: epoch 2: $(grep epoch "$work/s2")"
grep -qx 'powertrain_epochs_ended_total 1' "$work/s2" || fail "scrape 2: one epoch ended"
python3 - "$work/s1" "$work/s2" <<'PY' || fail "energies"
import re, sys
def val(path, name):
    m = re.search(r'^' + re.escape(name) + r'(?:\{[^}]*\})? (\S+)$', open(path).read(), re.M)
    return float(m.group(1))
j1, j2 = val(sys.argv[1], "powertrain_job_energy_joules_total"), val(sys.argv[2], "powertrain_job_energy_joules_total")
m2 = val(sys.argv[2], "powertrain_machine_energy_joules_total")
t2 = val(sys.argv[2], "powertrain_seconds")
assert 0 < j1 < j2, (j1, j2)
assert abs(j2 - 150 * t2) < 150 * 0.06, (j2, t2)  # 100 W + 50 W
assert m2 == j2, (m2, j2)  # every component is billed and there is no psys
PY
touch "$work/done"
wait "$pid" || fail "measure failed: $(tail -3 "$work/err")"
pid=

# the last file holds the final totals, as the JSON does
promtool check metrics <"$work/m.prom" || fail "final file: promtool"
python3 - "$work/m.prom" "$work/run.json" <<'PY' || fail "final file against the JSON"
import json, re, sys
text = open(sys.argv[1]).read()
j = float(re.search(r'^powertrain_job_energy_joules_total\{method="eq1"\} (\S+)$', text, re.M).group(1))
total = json.load(open(sys.argv[2]))["total_energy_j"]
assert abs(j - total) <= 1e-9 * total, (j, total)
PY
if [ "$fails" -ne 0 ]; then
  echo "metrics_cli: $fails failure(s)" >&2
  exit 1
fi
echo "metrics_cli: ok"
