#!/usr/bin/env bash
# cluster.sh -- a throwaway single-node SLURM cluster from Debian's slurm-wlm and
# munge, for tests. Source it, then:
#   pt_cluster_start DIR   munged, slurmctld and slurmd (each in the foreground,
#                          -D, in the background) with everything under DIR;
#                          exports SLURM_CONF; returns 77 with the reason in
#                          pt_cluster_skip when SLURM is not installed or a daemon
#                          cannot start on this host (the daemon's own error lines)
#   pt_cluster_stop        stops the daemons by pid (call it from a trap)
# Installs nothing: `make deps` installs scripts/deps.d/slurm.txt.
#
# No cgroups: proctrack/linuxproc, task/none and jobacct_gather/none use none,
# but Debian 12's slurmd (22.05) initialises a cgroup plugin at start whatever
# the plugins (it has no "disabled" one before 24.05), and its default,
# autodetect, refuses a host without a cgroup filesystem on /sys/fs/cgroup (a
# chroot, a minimal container): "No filesystem mounted on /sys/fs/cgroup". The
# cluster's cgroup.conf names cgroup/v1, whose init touches no file system.

pt_cluster_pids=()
pt_cluster_names=()
pt_cluster_skip=""

# The error lines of daemon NAME's output in DIR/log (its log file when the
# output has none), less the harmless ones of a throwaway cluster.
pt_cluster_errors() {
  local dir=$1 name=$2 f lines
  for f in "$dir/log/$name.out" "$dir/log/$name.log"; do
    lines=$(grep -Ei 'error|fatal' "$f" 2>/dev/null |
      grep -Ev 'state file|NOTE: Trying|mpi/pmix|MPI: Cannot create|configuration differs' | tail -n 4)
    [ -n "$lines" ] && break
  done
  [ -n "$lines" ] || lines=$(tail -n 4 "$dir/log/$name.out" "$dir/log/$name.log" 2>/dev/null)
  echo "$lines"
}

# Sets pt_cluster_skip to WHAT and the errors of daemon NAME, prints it; 77.
pt_cluster_cannot() {
  local dir=$1 name=$2 what=$3
  pt_cluster_skip="the test cluster cannot run on this host: $what; $name said:
$(pt_cluster_errors "$dir" "$name" | sed 's/^/    /')"
  echo "cluster: $pt_cluster_skip" >&2
  return 77
}

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
    pt_cluster_skip="SLURM is not installed: $missing (make deps installs slurm-wlm and munge)"
    echo "cluster: $pt_cluster_skip" >&2
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
  pt_cluster_names+=(munged)
  for i in $(seq 50); do [ -S "$dir/munge/munge.socket" ] && break; sleep 0.1; done
  [ -S "$dir/munge/munge.socket" ] || { pt_cluster_cannot "$dir" munged "munged did not start"; return 77; }
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
  printf "CgroupPlugin=cgroup/v1\nCgroupAutomount=no\n" >"$dir/cgroup.conf"
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -D -i -f "$SLURM_CONF" >"$dir/log/slurmctld.out" 2>&1 &
  pt_cluster_pids+=($!)
  pt_cluster_names+=(slurmctld)
  slurmd -D -N "$host" -f "$SLURM_CONF" >"$dir/log/slurmd.out" 2>&1 &
  pt_cluster_pids+=($!)
  pt_cluster_names+=(slurmd)
  # ready when the node takes jobs; a daemon that exits cannot run here
  for i in $(seq 60); do
    local k
    for k in "${!pt_cluster_pids[@]}"; do
      kill -0 "${pt_cluster_pids[k]}" 2>/dev/null && continue
      pt_cluster_cannot "$dir" "${pt_cluster_names[k]}" "${pt_cluster_names[k]} exited at start"
      return 77
    done
    if timeout 5 sinfo -h -N -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'; then return 0; fi
    sleep 0.5
  done
  pt_cluster_cannot "$dir" slurmd "the node did not come up in 30 s (sinfo: $(timeout 5 sinfo -h -N -o '%T %E' 2>&1 | head -n 1))"
  return 77
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
  pt_cluster_names=()
}
