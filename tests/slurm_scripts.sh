#!/usr/bin/env bash
# slurm_scripts.sh -- --slurm without a cluster: --dry-run prints the array
# (size, flags passed, resources) and the merge job's dependency and writes
# nothing; --submit calls sbatch (a fake one here) twice with
# --dependency=afterany; the written scripts, run by bash as SLURM would run
# them, give one shard per task and a merged store with the node's name;
# --resume selects only the missing tasks; bad flags exit 2.
# Usage: slurm_scripts.sh POWERTRAIN
set -u
pt=$(readlink -f "$1")
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 (the CLI) is not installed (make deps)"; exit 77; }
tmp=$(mktemp -d /tmp/pt-slurm-scripts-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
export POWERTRAIN_CACHE_DIR="$tmp/cache"
fail=0
check() {
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=1; fi
}
q() { sqlite3 -batch -noheader "$1" "$2"; }
"$pt" synth pamap2 --out data --subjects 4 --seconds 4 --difficulty 0 >/dev/null || exit 1

# --- dry run: what the scripts say, nothing written ---------------------------
study=(regime --dataset pamap2 --data data --batch-sizes 16,64 --lrs 0.01,0.0001 --repeats 1 --max-epochs 2 --quiet)
"$pt" "${study[@]}" --db r.db --slurm --dry-run --partition gpu --account proj --time 01:00:00 \
  --gpus-per-task 1 --cpus-per-task 2 --sbatch-arg=--qos=high --sbatch-arg --mem=4G >dry.out 2>dry.err
check "dry run exits 0" test $? -eq 0
check "one task per setup x repeat" grep -qx '#SBATCH --array=0-3' dry.out
check "the merge job depends on the array" grep -q -- '--dependency=afterany:' dry.out
for line in "#SBATCH --partition='gpu'" "#SBATCH --account='proj'" "#SBATCH --time='01:00:00'" '#SBATCH --gpus-per-task=1' \
  '#SBATCH --cpus-per-task=2' '#SBATCH --qos=high' '#SBATCH --mem=4G' "pt='$pt'"; do
  check "dry run has $line" grep -qxF -- "$line" dry.out
done
cmd=$(grep -F '"$pt" ' dry.out)
check "tasks get the study's flags" grep -qF "'regime' '--dataset' 'pamap2' '--data' 'data' '--batch-sizes' '16,64' '--lrs' '0.01,0.0001' '--repeats' '1' '--max-epochs' '2' '--quiet'" <<<"$cmd"
check "tasks get their shard, index and --resume" grep -qF -- '--db "$db" --task-index "$i" --resume' <<<"$cmd"
check "tasks get --threads from --cpus-per-task" grep -qF -- "'--threads' '2'" <<<"$cmd"
check "tasks do not get the cluster's flags" test -z "$(grep -E -- "'--(slurm|partition|account|time|dry-run|db|sbatch-arg)'" <<<"$cmd")"
check "the merge job merges into the store's study" grep -qF -- "merge --into '$tmp/r.db' --study 1 --final" dry.out
check "a dry run writes nothing" test ! -e r.db -a ! -e r.db.slurm
"$pt" pretrain --data data --batch-sizes 16 --lrs 0.01,0.001 --repeats 2 --db p.db --slurm --dry-run >pre.out 2>&1
check "pretrain: a task per setup x repeat (4 phases each)" grep -qx '#SBATCH --array=0-3' pre.out
"$pt" multitask --data data --batch-sizes 16 --lrs 0.01 --repeats 3 --db m.db --slurm --dry-run >mt.out 2>&1
check "multitask: a task per setup x repeat (3 types each)" grep -qx '#SBATCH --array=0-2' mt.out

# --- bad flags ----------------------------------------------------------------
bad() { # bad EXPECTED-TEXT ARGS...
  local want=$1
  shift
  "$pt" "${study[@]}" --db bad.db "$@" >/dev/null 2>bad.err
  local rc=$?
  check "exit 2 and one line for $*" test $rc -eq 2 -a "$(wc -l <bad.err)" -eq 1
  check "the message names $want" grep -qF -- "$want" bad.err
}
bad --partition --partition gpu
bad --dry-run --slurm --submit --dry-run
bad --sbatch-arg --slurm --dry-run --sbatch-arg qos
bad --time --slurm --dry-run --time 'one hour'
bad --task-index --slurm --task-index 1
bad --task-index --task-index 9
check "bad flags wrote nothing" test ! -e bad.db
# one validation for both paths: what a run here refuses, --slurm refuses with the same line
same() { # same ARGS...
  "$pt" "${study[@]}" --db same.db "$@" >/dev/null 2>same-local.err
  local here=$?
  "$pt" "${study[@]}" --db same.db --slurm --dry-run "$@" >/dev/null 2>same-slurm.err
  local slurm=$?
  check "here and --slurm exit 2 for $*" test $here -eq 2 -a $slurm -eq 2
  check "with the same one line for $*" test "$(wc -l <same-local.err)" -eq 1 -a "$(cat same-local.err)" = "$(cat same-slurm.err)"
}
same --device nope
same --device cuda:x
same --batch-sizes 16,16
same --lrs 0.01,0.010
check "the duplicate is named" grep -qF -- "--lrs: learning rate 0.01 is given twice in '0.01,0.010'" same-slurm.err
check "refused grids trained nothing" test ! -e same.db

# --- submit through a fake sbatch -------------------------------------------------
mkdir bin
cat >bin/sbatch <<'EOF'
#!/bin/bash
n=$(( $(cat "$(dirname "$0")/n" 2>/dev/null || echo 100) + 1 ))
echo "$n" >"$(dirname "$0")/n"
echo "$*" >>"$(dirname "$0")/calls"
echo "$n;pttest"
EOF
cat >bin/squeue <<'EOF'
#!/bin/bash
exit 1
EOF
chmod +x bin/sbatch bin/squeue
PATH="$tmp/bin:$PATH" "$pt" "${study[@]}" --db r.db --slurm --submit >sub.out 2>sub.err
check "submit exits 0" test $? -eq 0
check "submit prints the job ids" test "$(cat sub.out)" = "$(printf 'array 101\nmerge 102')"
check "the array went first" grep -qx -- "--parsable $tmp/r.db.slurm/study1/task.sbatch" bin/calls
check "the merge job afterany the array" grep -qx -- "--parsable --dependency=afterany:101 $tmp/r.db.slurm/study1/merge.sbatch" bin/calls
check "the job ids are kept" grep -qx "array 101" r.db.slurm/study1/jobs
check "the study is in the store" test "$(q r.db 'SELECT count(*) FROM studies')" -eq 1
check "tasks.tsv lists the tasks" test "$(sed -n 3p r.db.slurm/study1/tasks.tsv)" = "$(printf '1\t2\t16\t0.0001\t1')"
check "the scripts are executable" test -x r.db.slurm/study1/task.sbatch -a -x r.db.slurm/study1/merge.sbatch
PATH="/nonexistent" "$pt" "${study[@]}" --db none.db --slurm --submit >/dev/null 2>none.err
check "--submit without sbatch exits 1" test $? -eq 1
check "and says so" grep -q "sbatch is not on PATH" none.err
check "and touches no store" test ! -e none.db

# --- the scripts as SLURM runs them (tasks 0, 1 and 3; task 2 never ran) --------
for i in 0 1 3; do
  SLURM_ARRAY_TASK_ID=$i SLURM_JOB_ID=$((200 + i)) SLURMD_NODENAME=fake-node TMPDIR="$tmp" \
    bash r.db.slurm/study1/task.sbatch >"task$i.log" 2>&1
  check "task $i exits 0" test $? -eq 0
done
check "one shard per task that ran" test "$(ls r.db.slurm/study1/shards/)" = "$(printf 'task-0.db\ntask-1.db\ntask-3.db')"
check "the node-local copies are gone" test -z "$(ls -d "$tmp"/powertrain-task-* 2>/dev/null)"
bash r.db.slurm/study1/merge.sbatch >merge.log 2>&1
check "the merge job exits 0" test $? -eq 0
check "3 finished runs merged" test "$(q r.db "SELECT count(*) FROM runs WHERE status IN ('done','not_reached','diverged') AND study_id = 1")" -eq 3
check "each run records the SLURM node" test "$(q r.db "SELECT count(*) FROM runs WHERE host = 'fake-node'")" -eq 3
check "each task ran its own setup" test "$(q r.db 'SELECT group_concat(setup || batch_size, ",") FROM (SELECT setup, batch_size FROM runs ORDER BY setup)')" = "116,216,464"

# --- --resume: only the missing task ------------------------------------------
"$pt" "${study[@]}" --db r.db --slurm --dry-run --resume >res.out 2>res.err
check "resume: only task 2" grep -qx '#SBATCH --array=2' res.out
check "resume: into the same study" grep -qF -- "--study 1 --final" res.out
SLURM_ARRAY_TASK_ID=2 SLURMD_NODENAME=fake-node TMPDIR="$tmp" bash r.db.slurm/study1/task.sbatch >task2.log 2>&1
"$pt" "${study[@]}" --db r.db --slurm --dry-run --resume >res2.out 2>res2.err
check "a task finished in its shard is not rerun" grep -q "nothing to submit" res2.err
check "and nothing is printed to submit" test ! -s res2.out
# --- paths a shell must not read as code: quoted, or refused ----------------------
# A folder name with blanks, both quotes, $(...), backticks, ;, # and %: the
# scripts parse (bash -n), every quoted path reads back exactly through sh,
# the task and merge run in it and nothing in the name is executed.
weird="$tmp/we ird'q\"dq \$(touch pwned1) \`touch pwned2\`; touch pwned3 #h %j"
mkdir -p "$weird" && ln -s "$tmp/data" "$weird/data"
wdir="$weird/r.db.slurm/study1"
(cd "$weird" && "$pt" "${study[@]}" --batch-sizes 16 --lrs 0.01 --db r.db --slurm >"$tmp/weird.out" 2>"$tmp/weird.err")
check "a weird folder: the scripts are written" test $? -eq 0 -a -f "$wdir/task.sbatch" -a -f "$wdir/merge.sbatch"
check "a weird folder: task.sbatch parses" bash -n "$wdir/task.sbatch"
check "a weird folder: merge.sbatch parses" bash -n "$wdir/merge.sbatch"
word() { # word FILE PREFIX [SUFFIX]: the quoted word between PREFIX and SUFFIX on its line, read back by sh
  local w
  while IFS= read -r w; do [[ $w == "$2"* ]] && break; w=; done <"$1"
  [ -n "$w" ] || return 1
  w=${w#"$2"}
  sh -c "printf '%s\n' ${w%"${3:-}"}"
}
check "#SBATCH --chdir reads back" test "$(word "$wdir/task.sbatch" '#SBATCH --chdir=')" = "$weird"
check "#SBATCH --output reads back (its % doubled)" \
  test "$(word "$wdir/task.sbatch" '#SBATCH --output=')" = "${weird//%/%%}/r.db.slurm/study1/logs/task-%a.out"
check "the task's dir= reads back" test "$(word "$wdir/task.sbatch" 'dir=')" = "$wdir"
into=$(sed -n 's/^exec .* merge --into \(.*\) --study 1 --final .*$/\1/p' "$wdir/merge.sbatch")
check "the merge's --into reads back" test "$(sh -c "printf '%s\n' $into")" = "$weird/r.db"
check "the printed submit command reads back" test "$(word "$tmp/weird.out" '  array=$(sbatch --parsable ' ')')" = "$wdir/task.sbatch"
if command -v sbatch >/dev/null; then # sbatch's own reading of the #SBATCH lines (no cluster: it stops at connecting)
  printf 'ClusterName=x\nSlurmctldHost=localhost(127.0.0.1)\nSlurmctldPort=1\nNodeName=localhost CPUs=1\nPartitionName=p Nodes=localhost Default=YES\n' >"$tmp/none.conf"
  SLURM_CONF="$tmp/none.conf" timeout 30 sbatch -vv "$wdir/task.sbatch" >"$tmp/sbatch.out" 2>&1
  check "sbatch reads --chdir as the folder" grep -qxF "sbatch: chdir               : $weird" "$tmp/sbatch.out"
  check "sbatch reads --output in the folder" \
    grep -qxF "sbatch: output              : ${weird//%/%%}/r.db.slurm/study1/logs/task-%a.out" "$tmp/sbatch.out"
fi
(cd "$weird" && SLURM_ARRAY_TASK_ID=0 SLURMD_NODENAME=fake-node TMPDIR="$tmp" bash "$wdir/task.sbatch" >"$tmp/weird-task.log" 2>&1)
check "a weird folder: the task writes its shard" test -f "$wdir/shards/task-0.db"
(cd "$weird" && bash "$wdir/merge.sbatch" >"$tmp/weird-merge.log" 2>&1)
check "a weird folder: the merge fills the store" test "$(q "$weird/r.db" "SELECT count(*) FROM runs WHERE host = 'fake-node'")" -eq 1
check "nothing in the folder's name ran" test -z "$(find "$tmp" -name 'pwned*')"
# a newline (any control character) or a backslash in a path is refused, one line naming it
bad '--db' --db "$(printf 'new\nline.db')" --slurm
check "the newline is shown, not written" grep -qF 'new\nline.db' bad.err
bad '--db' --db 'back\slash.db' --slurm --dry-run
mkdir "$(printf 'da\tta')"
bad '--data' --data "$(printf 'da\tta')" --slurm --dry-run
nldir="$tmp/$(printf 'nl\ndir')"
mkdir -p "$nldir" && ln -s "$tmp/data" "$nldir/data"
(cd "$nldir" && "$pt" "${study[@]}" --db nl.db --slurm >/dev/null 2>"$tmp/nl.err")
check "a working directory with a newline exits 2" test $? -eq 2 -a "$(wc -l <"$tmp/nl.err")" -eq 1
check "and is named" grep -qF "the working directory" "$tmp/nl.err"
check "and no store or script is written there" test ! -e "$nldir/nl.db" -a ! -e "$nldir/nl.db.slurm"
check "refused paths wrote nothing" test ! -e "$(printf 'new\nline.db')" -a ! -e 'back\slash.db'

echo "slurm_scripts: done"
exit $fail
