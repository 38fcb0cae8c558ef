#!/usr/bin/env bash
# test_slurm.sh -- a study on a real single-node SLURM cluster (Debian's
# slurm-wlm and munge, started by cluster.sh under a temporary folder):
#   1. a tiny regime study through --slurm --submit (a job array and a merge
#      job, waited for with squeue) gives the same finished runs as the same
#      study run locally, with the node's name as host;
#   2. a task killed with scancel shows as cancelled in SLURM and its run as
#      failed in the store; --resume --slurm --submit reruns only that task and
#      leaves the other task's run untouched.
# Usage: test_slurm.sh POWERTRAIN. Exit 77 (skip), with the reason, when SLURM
# is not installed (make deps installs scripts/deps.d/slurm.txt) or its daemons
# cannot start on this host (their error lines): the host never fails it.
set -u
pt=$(readlink -f "$1")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=cluster.sh
source "$here/cluster.sh"
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 (the CLI) is not installed (make deps)"; exit 77; }

tmp=$(mktemp -d /tmp/pt-slurm-XXXXXX)
cleanup() {
  pt_cluster_stop
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
t0=$(date +%s)

pt_cluster_start "$tmp/cluster"
rc=$?
if [ $rc -eq 77 ]; then echo "SKIP: $pt_cluster_skip"; exit 77; fi
[ $rc -eq 0 ] || { echo "FAIL: the test cluster did not start"; exit 1; }
echo "cluster up after $(($(date +%s) - t0)) s (SLURM_CONF=$SLURM_CONF)"

fail=0
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=1; fi
}
q() { sqlite3 -batch -noheader "$1" "$2"; }

# waits until none of the jobs is queued or running (at most $2 s)
wait_jobs() {
  local jobs=$1 limit=$2 i
  for ((i = 0; i < limit * 2; i++)); do
    [ -z "$(squeue -h -j "$jobs" -t PENDING,RUNNING,CONFIGURING,COMPLETING -o %i 2>/dev/null)" ] && return 0
    sleep 0.5
  done
  echo "jobs $jobs still running after $limit s:"
  squeue -j "$jobs"
  return 1
}
# the state of every job of the array/merge ids, e.g. "4_0 COMPLETED"
states() { squeue -h -t all -j "$1" -o '%i %T' | sort; }
job_id() { sed -n "s/^$1 \([0-9][0-9]*\)$/\1/p" "$2"; }

cd "$tmp" || exit 1
export POWERTRAIN_CACHE_DIR="$tmp/cache"
"$pt" synth pamap2 --out "$tmp/data" --subjects 4 --seconds 4 --difficulty 0 >/dev/null || exit 1

# --- 1. the same study, locally and as a job array --------------------------
study=(regime --dataset pamap2 --data data --batch-sizes 16,64 --lrs 0.01,0.0001 --repeats 1
       --max-epochs 2 --threads 1 --quiet)
"$pt" "${study[@]}" --db local.db 2>local.log || { cat local.log; exit 1; }
"$pt" "${study[@]}" --db cluster.db --slurm --submit --cpus-per-task 1 >submit.out 2>submit.err
check "submit exits 0" test $? -eq 0
cat submit.out submit.err
array=$(job_id array submit.out)
merge=$(job_id merge submit.out)
check "sbatch gave an array and a merge job id" test -n "$array" -a -n "$merge"
wait_jobs "$array,$merge" 90 || fail=1
states "$array,$merge" >states1.txt
cat states1.txt
check "4 array tasks completed" test "$(grep -c "^${array}_[0-3] COMPLETED" states1.txt)" -eq 4
check "the merge job completed after them" grep -q "^$merge COMPLETED" states1.txt
runs() { q "$1" "SELECT setup, repeat, phase, status, epochs FROM runs ORDER BY setup, repeat, phase"; }
runs local.db >local.runs
runs cluster.db >cluster.runs 2>&1
check "4 finished runs locally" test "$(grep -cE '\|(done|not_reached|diverged)\|' local.runs)" -eq 4
check "the cluster gave the same runs as the local study" diff local.runs cluster.runs
check "one study in the cluster store" test "$(q cluster.db 'SELECT count(*) FROM studies')" -eq 1
check "the same study identity" test "$(q cluster.db 'SELECT kind, dataset, preset, config_json FROM studies')" = \
  "$(q local.db 'SELECT kind, dataset, preset, config_json FROM studies')"
check "every cluster run names the node" \
  test "$(q cluster.db "SELECT count(*) FROM runs WHERE host = '$(hostname -s)'")" -eq 4
check "epochs merged whole" test "$(q cluster.db 'SELECT count(*) FROM epochs')" -eq "$(q cluster.db 'SELECT sum(epochs) FROM runs')"
check "4 shards" test "$(ls cluster.db.slurm/study1/shards/task-*.db | wc -l)" -eq 4
# merging again adds nothing
"$pt" merge --into cluster.db --study 1 cluster.db.slurm/study1/shards/task-*.db >remerge.out
check "a second merge adds nothing" grep -q "0 runs added, 0 replaced, 4 unchanged; 0 epochs" remerge.out
echo "part 1 done after $(($(date +%s) - t0)) s"

# --- 2. scancel one task, then --resume reruns only it ----------------------
long=(regime --dataset pamap2 --data data --batch-sizes 16 --lrs 0.01,0.0001 --repeats 1
      --max-epochs 30 --patience 1000 --threads 1)
"$pt" "${long[@]}" --db kill.db --slurm --submit --cpus-per-task 1 >submit2.out 2>submit2.err
check "second submit exits 0" test $? -eq 0
array=$(job_id array submit2.out)
merge=$(job_id merge submit2.out)
log=kill.db.slurm/study1/logs/task-1.out
# cancel task 1 once it has stored two epochs
for ((i = 0; i < 240; i++)); do
  grep -q "epoch 2:" "$log" 2>/dev/null && break
  sleep 0.25
done
check "task 1 was training when cancelled" grep -q "epoch 2:" "$log"
scancel "${array}_1"
wait_jobs "$array,$merge" 120 || fail=1
states "$array,$merge" >states2.txt
cat states2.txt
check "task 1 shows as cancelled in SLURM" grep -q "^${array}_1 CANCELLED" states2.txt
check "task 0 completed" grep -q "^${array}_0 COMPLETED" states2.txt
check "the merge job ran after the cancel" grep -q "^$merge COMPLETED" states2.txt
q kill.db "SELECT id, setup, status, epochs FROM runs ORDER BY setup"
check "task 1's run is stored as failed" test "$(q kill.db "SELECT status FROM runs WHERE setup = 2")" = failed
fin="status IN ('done', 'not_reached', 'diverged') AND epochs = 30"
check "task 0's run finished (30 epochs)" test "$(q kill.db "SELECT $fin FROM runs WHERE setup = 1")" = 1
before=$(q kill.db "SELECT id, energy_j, started_at, finished_at FROM runs WHERE setup = 1")

"$pt" "${long[@]}" --db kill.db --slurm --submit --resume --cpus-per-task 1 >submit3.out 2>submit3.err
check "resume submit exits 0" test $? -eq 0
cat submit3.out submit3.err
check "the resumed array holds only task 1" grep -qx "#SBATCH --array=1" kill.db.slurm/study1/task.sbatch
array=$(job_id array submit3.out)
merge=$(job_id merge submit3.out)
wait_jobs "$array,$merge" 120 || fail=1
states "$array,$merge" >states3.txt
cat states3.txt
check "only task 1 ran again" test "$(grep -c "^${array}_" states3.txt)" -eq 1 -a "$(grep -c "^${array}_1 COMPLETED" states3.txt)" -eq 1
check "the merge completed" grep -q "^$merge COMPLETED" states3.txt
q kill.db "SELECT id, setup, status, epochs FROM runs ORDER BY setup"
check "task 1's run is finished now (30 epochs)" test "$(q kill.db "SELECT $fin FROM runs WHERE setup = 2")" = 1
check "task 0's run is untouched" test "$(q kill.db "SELECT id, energy_j, started_at, finished_at FROM runs WHERE setup = 1")" = "$before"
check "two runs, one study" test "$(q kill.db 'SELECT count(*) || count(DISTINCT study_id) FROM runs')" = 21
check "task 1's epochs are whole (1..30)" test "$(q kill.db 'SELECT count(*) || max(epoch) FROM epochs e JOIN runs r ON r.id = e.run_id WHERE r.setup = 2')" = 3030
# nothing is left to submit
"$pt" "${long[@]}" --db kill.db --slurm --submit --resume >submit4.out 2>submit4.err
check "a finished study submits nothing" grep -q "nothing to submit" submit4.err
check "no job submitted then" test ! -s submit4.out

echo "test_slurm: $(($(date +%s) - t0)) s"
if [ $fail -ne 0 ]; then
  echo "--- logs"
  tail -n 5 "$tmp"/*.db.slurm/study1/logs/* 2>/dev/null
  tail -n 20 "$tmp"/cluster/log/slurmctld.log
fi
exit $fail
