#!/usr/bin/env bash
# no_cgroup.sh -- the cluster test (test_slurm.sh) on a host without a mounted
# cgroup filesystem, as in a chroot or a minimal container (issue 17, defect
# 15): run in a private mount namespace where every mount under /sys/fs/cgroup
# is taken away (an empty tmpfs covers it where one cannot be unmounted).
# It must pass, or skip (77) with the daemons' reason; never fail for the host.
# Usage: no_cgroup.sh POWERTRAIN. Skips (77) where a mount namespace cannot be
# made (not root, no CAP_SYS_ADMIN, a seccomp profile) or SLURM is missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
pt=$(readlink -f "$1")
export PATH="$PATH:/usr/sbin:/sbin"
command -v unshare >/dev/null || { echo "SKIP: unshare (util-linux) is not installed"; exit 77; }
if ! why=$(unshare --mount --propagation private true 2>&1); then
  echo "SKIP: cannot make a mount namespace here (unshare --mount: ${why:-refused})"
  exit 77
fi
# shellcheck disable=SC2016 # expanded by the inner shell
exec unshare --mount --propagation private bash -c '
  umount -R /sys/fs/cgroup 2>/dev/null
  if mountpoint -q /sys/fs/cgroup; then
    mount -t tmpfs -o ro,size=4k none /sys/fs/cgroup || { echo "SKIP: cannot hide /sys/fs/cgroup"; exit 77; }
  fi
  if grep -Eq " (cgroup|cgroup2) " /proc/self/mounts; then
    echo "SKIP: a cgroup filesystem is still mounted:"; grep -E " (cgroup|cgroup2) " /proc/self/mounts; exit 77
  fi
  echo "no cgroup filesystem mounted; /sys/fs/cgroup is $(stat -f -c %T /sys/fs/cgroup)"
  exec "$1/test_slurm.sh" "$2"' no_cgroup "$here" "$pt"
