#!/usr/bin/env bash
# A store on a full disk: a study whose writes hit the file-size limit
# (RLIMIT_FSIZE, `ulimit -f`; SIGXFSZ ignored so a write fails with EFBIG as
# on a full disk) stops with a clear error naming the store, exits non-zero
# without a crash, and the store still opens with everything written before.
# $1 is the powertrain binary.
set -u
bin=$1
dir=$(mktemp -d /tmp/pt-fulldisk-XXXXXX)
trap 'rm -rf "$dir"' EXIT
export POWERTRAIN_CACHE_DIR=$dir/cache
fail=0
check() { if ! eval "$1"; then echo "FAIL: $1" >&2; fail=1; fi; }
q() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$@"; }
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to read the store"; exit 77; }

"$bin" synth pamap2 --out "$dir/pamap2" --subjects 4 --seconds 4 --difficulty 0 >/dev/null 2>&1 || { echo "FAIL: synth"; exit 1; }
db=$dir/r.db
common=(--dataset pamap2 --data "$dir/pamap2" --batch-sizes 16 --threads 1 --device cpu --db "$db" --quiet
        --max-epochs 2 --patience 2 --threshold 1.0 --repeats 1)
# 1: a finished study (and the data cache filled, so the next one writes only the store)
"$bin" regime "${common[@]}" --lrs 0.01 2>"$dir/first.txt" || { cat "$dir/first.txt"; echo "FAIL: first study"; exit 1; }
runs=$(q "$db" "SELECT count(*) FROM runs WHERE status != 'running'")
energy=$(q "$db" "SELECT sum(energy_j) FROM runs")
check '[ "$runs" = 1 ]'
# 2: the next study with every file this process writes capped at 48 KiB
( trap '' XFSZ; ulimit -f 48; exec "$bin" regime "${common[@]}" --lrs 0.001,0.0001,0.00001 --max-epochs 30 \
    --patience 30 ) 2>"$dir/full.txt"
rc=$?
echo "exit $rc; stderr:"; cat "$dir/full.txt"
check '[ $rc -ne 0 ] && [ $rc -lt 128 ]'                       # an error, not a crash or a signal
check 'grep "$db:" "$dir/full.txt" | grep -Eqi "full|too large|space"' # names the store and says why
check '! grep -Eqi "segmentation|sanitizer|abort" "$dir/full.txt"'
# 3: the store opens, whole, with the first study as it was and the second's stored epochs whole
check '[ "$(q "$db" "PRAGMA integrity_check")" = ok ]'
check '[ "$(q "$db" "SELECT count(*) FROM runs WHERE study_id = 1 AND status != '"'"'running'"'"'")" = "$runs" ]'
check '[ "$(q "$db" "SELECT sum(energy_j) FROM runs WHERE study_id = 1")" = "$energy" ]'
check '[ "$(q "$db" "SELECT count(*) FROM runs r WHERE (SELECT count(*) FROM epochs e WHERE e.run_id = r.id) != r.epochs")" = 0 ]'
"$bin" report --db "$db" --out "$dir/report" >"$dir/report.txt" 2>&1
check '[ $? -eq 0 ]'
# 4: with room again, --resume finishes the second study
"$bin" regime "${common[@]}" --lrs 0.001,0.0001,0.00001 --max-epochs 30 --patience 30 --resume 2>"$dir/resume.txt"
check '[ $? -eq 0 ]'
check '[ "$(q "$db" "SELECT count(*) FROM runs WHERE status = '"'"'running'"'"'")" = 0 ]'
check '[ "$(q "$db" "SELECT count(*) FROM studies")" = 2 ]'
[ $fail = 0 ] && echo "fault_full_disk: ok"
exit $fail
