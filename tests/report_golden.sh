#!/usr/bin/env bash
# report_golden.sh -- the report of a store written by an earlier powertrain is
# the same, file for file, as the one that version wrote (tests/golden/NAME.db
# and its report in tests/golden/NAME/). Stores: the fixtures full, failed and
# tune (report_fixture.h) and `real`, a real regime + tune study on synthetic
# PAMAP2, all written by the code of commit ffdf6f6 (store schema 2).
# Each store is copied first and made read-only: reporting must not write it.
# The time of writing in report.html is masked on both sides.
# When a change means to alter the report, regenerate with tests/golden/update.sh
# and say so in the commit.
# usage: report_golden.sh POWERTRAIN
set -u
PT=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/pt-golden-XXXXXX)
trap 'rm -rf "$work"' EXIT
fails=0
for db in "$here"/golden/*.db; do
  name=$(basename "$db" .db)
  cp "$db" "$work/$name.db"
  chmod a-w "$work/$name.db"
  if ! (cd "$work" && "$PT" report --db "$name.db" --out "$name" >"$name.stdout" 2>"$name.err"); then
    echo "FAIL: report of $name.db exited non-zero: $(head -3 "$work/$name.err")" >&2
    fails=$((fails + 1)); continue
  fi
  # the one line that names the time of writing
  sed -i 's/generated [0-9-]* [0-9:]* UTC/generated (time) UTC/' "$work/$name/report.html"
  if ! diff -r "$here/golden/$name" "$work/$name" >"$work/$name.diff"; then
    echo "FAIL: the report of $name.db differs from tests/golden/$name:" >&2
    head -40 "$work/$name.diff" >&2
    fails=$((fails + 1))
  fi
  cmp -s "$work/$name.stdout" "$here/golden/$name/summary.md" || {
    echo "FAIL: $name: stdout differs from the golden summary.md" >&2; fails=$((fails + 1)); }
  cmp -s "$db" "$work/$name.db" || { echo "FAIL: reporting changed $name.db" >&2; fails=$((fails + 1)); }
done
[ $fails -eq 0 ] && echo "report_golden: 4 stores, reports identical" || exit 1
