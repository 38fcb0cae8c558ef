#!/usr/bin/env bash
# cluster.sh -- a throwaway single-node SLURM cluster from Debian's slurm-wlm and
# munge, for tests. Source it, then:
#   pt_cluster_start DIR   munged, slurmctld and slurmd (each in the foreground,
#                          -D, in the background) with everything under DIR;
#                          exports SLURM_CONF; returns 77 when SLURM is not installed
#   pt_cluster_stop        stops the daemons by pid (call it from a trap)
# Installs nothing: `make deps` installs scripts/deps.d/slurm.txt.

pt_cluster_pids=()

pt_cluster_missing() {
  local m=() b
  for b in munged slurmctld slurmd sbatch squeue scancel scontrol; do
    command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || m+=("$b")
  done
  echo "${m[*]}"
}

pt_cluster_start() {
  local dir=$1 host cpus port i
  export PATH="$PATH:/usr/sbin:/sbin"
  local missing; missing=$(pt_cluster_missing)
  if [ -n "$missing" ]; then
    echo "cluster: not installed: $missing (make deps installs slurm-wlm and munge)" >&2
    return 77
  fi
  host=$(hostname -s)
  cpus=$(nproc)
  port=$((20000 + ($$ % 20000)))
  mkdir -p "$dir"/{munge,state,spool,log,run}
  chmod 755 "$dir/munge"
  # munge: a fresh key, its own socket
  mkdir -p /run/munge 2>/dev/null || true
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1 count=1024 status=none
  chmod 400 "$dir/munge/munge.key"
  munged --foreground --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed" \
    >"$dir/log/munged.out" 2>&1 &
  pt_cluster_pids+=($!)
  for i in $(seq 50); do [ -S "$dir/munge/munge.socket" ] && break; sleep 0.1; done
  [ -S "$dir/munge/munge.socket" ] || { echo "cluster: munged did not start:" >&2; cat "$dir/log/munged."* >&2; return 1; }
  cat >"$dir/slurm.conf" <<CONF
ClusterName=pttest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/builtin
SchedulerParameters=sched_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=600
KillWait=5
InactiveLimit=0
MailProg=/bin/true
PlugStackConfig=$dir/plugstack.conf
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=256 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  : >"$dir/plugstack.conf"
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -D -i -f "$SLURM_CONF" >"$dir/log/slurmctld.out" 2>&1 &
  pt_cluster_pids+=($!)
  slurmd -D -N "$host" -f "$SLURM_CONF" >"$dir/log/slurmd.out" 2>&1 &
  pt_cluster_pids+=($!)
  # ready when the node takes jobs
  for i in $(seq 60); do
    local p
    for p in "${pt_cluster_pids[@]}"; do kill -0 "$p" 2>/dev/null || break 2; done
    if timeout 5 sinfo -h -N -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'; then return 0; fi
    sleep 0.5
  done
  echo "cluster: the node did not come up; logs:" >&2
  tail -n 20 "$dir"/log/* >&2
  return 1
}

pt_cluster_stop() {
  local p i
  for ((i = ${#pt_cluster_pids[@]} - 1; i >= 0; i--)); do
    p=${pt_cluster_pids[i]}
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in "${pt_cluster_pids[@]}"; do
    for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  pt_cluster_pids=()
}
