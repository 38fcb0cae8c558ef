#!/usr/bin/env bash
# rapl_access.sh -- `powertrain rapl-access` on a fake root (POWERTRAIN_SYSFS_ROOT)
# whose energy_uj files have the real modes (0400 root:root), the unprivileged
# side run as nobody through setpriv: before --install, `devices` and --check
# (as nobody, and for --user nobody) say permission denied and name the
# command; --install creates the group (groupadd --prefix), opens the files to
# it and writes the udev rule and tmpfiles entry; nobody with the group reads
# RAPL (`devices`: rapl ok), without it is told to join; --uninstall leaves the
# tree exactly as before. Needs root (to chown and to become nobody).
# usage: rapl_access.sh POWERTRAIN
set -u
PT=$(readlink -f "$1")
if [ "$(id -u)" -ne 0 ]; then
  echo "rapl_access: SKIP: needs root (it chowns files and runs commands as nobody)"
  exit 77
fi
for tool in setpriv groupadd groupdel; do
  command -v "$tool" >/dev/null 2>&1 || { echo "rapl_access: SKIP: $tool is not installed"; exit 77; }
done
work=$(mktemp -d /tmp/pt-rapl-access-XXXXXX)
chmod 755 "$work"
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
R=$work/root
export POWERTRAIN_SYSFS_ROOT=$R
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
as_nobody_in() { local g=$1; shift; setpriv --reuid=nobody --regid=nogroup --groups="$g" -- "$@"; }

# the fake root: one package with a dram subzone, as the kernel lays them out
zone() { # DIR NAME ENERGY_UJ
  mkdir -p "$1"
  echo "$2" >"$1/name"
  echo "$3" >"$1/energy_uj"
  echo 262143328850 >"$1/max_energy_range_uj"
  chmod 0444 "$1/name" "$1/max_energy_range_uj"
  chmod 0400 "$1/energy_uj" # root-only since 2020
}
pc=$R/sys/class/powercap
zone "$pc/intel-rapl:0" package-0 1000000
zone "$pc/intel-rapl:0/intel-rapl:0:0" dram 2000000
ln -s "intel-rapl:0/intel-rapl:0:0" "$pc/intel-rapl:0:0"
mkdir -p "$R/etc"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$R/etc/group"
printf 'root:*::\nnogroup:*::\n' >"$R/etc/gshadow"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$R/etc/passwd"
: >"$R/etc/shadow"
for f in group gshadow passwd shadow; do cp -p "$R/etc/$f" "$R/etc/$f-"; done # groupadd's backups
find "$R" -type d -exec chmod 755 {} +
snapshot() { (cd "$R" && find . -printf '%p %m %u %g\n' | sort; cat etc/group etc/gshadow); }
snapshot >"$work/before"

# 1. before: permission denied, and the messages name the command
as_nobody "$PT" devices --period-s 0.05 >"$work/dev1" 2>&1
grep -q 'rapl .*unavailable: permission denied reading .*energy_uj.*sudo powertrain rapl-access --install' "$work/dev1" ||
  fail "devices as nobody: $(grep rapl "$work/dev1")"
# measure and the studies (any meter user) get it once as a warning
as_nobody "$PT" measure -- true >/dev/null 2>"$work/m1"
grep -q '^powertrain-meter: warning: rapl unavailable: permission denied reading .*sudo powertrain rapl-access --install' "$work/m1" ||
  fail "measure as nobody: $(cat "$work/m1")"
as_nobody "$PT" rapl-access --check >"$work/c1" 2>&1
[ $? -eq 1 ] || fail "--check as nobody before --install: expected exit 1"
grep -q '^user nobody (uid 65534); the group does not exist yet$' "$work/c1" || fail "--check header: $(head -1 "$work/c1")"
grep -q "^  /sys/class/powercap/intel-rapl:0/energy_uj  mode 0400 0:0  not readable: only root reads it: sudo powertrain rapl-access --install, then sudo usermod -aG powercap nobody$" "$work/c1" ||
  fail "--check as nobody: $(cat "$work/c1")"
"$PT" rapl-access --check --user nobody >"$work/c1u" 2>&1
[ $? -eq 1 ] || fail "--check --user nobody before --install: expected exit 1"
diff <(sed 1d "$work/c1") <(sed 1d "$work/c1u") >/dev/null || fail "--check --user nobody differs from nobody's own check"
"$PT" rapl-access --check >"$work/c1r" 2>&1 || fail "--check as root: root reads everything: $(cat "$work/c1r")"
as_nobody "$PT" rapl-access --install >"$work/i0" 2>&1
[ $? -eq 1 ] || fail "--install as nobody: expected exit 1"
grep -q 'must run as root' "$work/i0" || fail "--install as nobody: $(cat "$work/i0")"

# 2. install (as root)
"$PT" rapl-access --install >"$work/i1" 2>&1 || fail "--install: $(cat "$work/i1")"
grep -q '^2 RAPL energy files are now readable by group powercap' "$work/i1" || fail "--install output: $(cat "$work/i1")"
grep -q 'sudo usermod -aG powercap USER' "$work/i1" || fail "--install says how to join"
gid=$(awk -F: '$1 == "powercap" { print $3 }' "$R/etc/group")
[ -n "$gid" ] || fail "no powercap group in $R/etc/group"
for z in "intel-rapl:0" "intel-rapl:0/intel-rapl:0:0"; do
  [ "$(stat -c '%a %u %g' "$pc/$z/energy_uj")" = "440 0 $gid" ] || fail "$z: $(stat -c '%a %u %g' "$pc/$z/energy_uj")"
done
grep -q 'SUBSYSTEM=="powercap".*RUN+="/bin/chgrp powercap /sys%p/energy_uj"' "$R/etc/udev/rules.d/70-powertrain-rapl.rules" ||
  fail "udev rule"
grep -qx 'z /sys/class/powercap/intel-rapl:\*/energy_uj 0440 root powercap -' "$R/etc/tmpfiles.d/powertrain-rapl.conf" ||
  fail "tmpfiles entry"
"$PT" rapl-access --install >"$work/i2" 2>&1
[ $? -eq 1 ] && grep -q 'already installed' "$work/i2" || fail "second --install: $(cat "$work/i2")"

# 3. nobody without the group: told to join; with it: reads RAPL
as_nobody "$PT" rapl-access --check >"$work/c2" 2>&1
[ $? -eq 1 ] || fail "--check as nobody outside the group: expected exit 1"
grep -q "not readable: nobody is not in group powercap: sudo usermod -aG powercap nobody, then log in again" "$work/c2" ||
  fail "--check outside the group: $(cat "$work/c2")"
as_nobody_in "$gid" "$PT" rapl-access --check >"$work/c3" 2>&1 || fail "--check in the group: $(cat "$work/c3")"
[ "$(grep -c '  readable$' "$work/c3")" = 2 ] || fail "--check in the group: $(cat "$work/c3")"
as_nobody_in "$gid" "$PT" devices --period-s 0.05 >"$work/dev2" 2>&1
grep -q '^  rapl      ok: 2 components$' "$work/dev2" || fail "devices in the group: $(grep rapl "$work/dev2")"
sed -i "s/^powercap:x:$gid:\$/powercap:x:$gid:nobody/" "$R/etc/group" # usermod -aG, by hand
"$PT" rapl-access --check --user nobody >"$work/c4" 2>&1 || fail "--check --user nobody in the group: $(cat "$work/c4")"
sed -i "s/^powercap:x:$gid:nobody\$/powercap:x:$gid:/" "$R/etc/group"

# 4. uninstall: exactly as before
"$PT" rapl-access --uninstall >"$work/u1" 2>&1 || fail "--uninstall: $(cat "$work/u1")"
grep -q '^removed group powercap$' "$work/u1" || fail "--uninstall output: $(cat "$work/u1")"
snapshot >"$work/after"
diff "$work/before" "$work/after" >&2 || fail "the tree after --uninstall differs from before --install"
"$PT" rapl-access --uninstall >"$work/u2" 2>&1 || fail "second --uninstall"
grep -q '^nothing to uninstall' "$work/u2" || fail "second --uninstall: $(cat "$work/u2")"
"$PT" rapl-access --check --group 'Bad Name' >/dev/null 2>"$work/e1"
[ $? -eq 2 ] && grep -q "^powertrain rapl-access: --group 'Bad Name': not a group name" "$work/e1" || fail "bad --group"

if [ "$fails" -ne 0 ]; then
  echo "rapl_access: $fails failure(s)" >&2
  exit 1
fi
echo "rapl_access: ok"
