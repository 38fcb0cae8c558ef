#!/usr/bin/env bash
# report_cli.sh -- `powertrain report` end to end on fixture stores: files
# written, HTML and SVG well-formed (xmllint, else python3's html.parser), no
# http(s) reference and no script in the HTML, the Markdown summary on stdout,
# and one clear line with exit 1/2 for an empty store, another schema version,
# a missing file and bad flags; a study of only failed runs still reports.
# usage: report_cli.sh POWERTRAIN REPORT_FIXTURE
set -u
PT=$1
FIX=$2
work=$(mktemp -d /tmp/pt-report-cli-XXXXXX)
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

wellformed() { # FILE: XML well-formedness (our HTML is written as XHTML-compatible markup)
  if command -v xmllint >/dev/null 2>&1; then
    xmllint --noout "$1"
  elif command -v python3 >/dev/null 2>&1; then
    python3 - "$1" <<'PY'
import sys, html.parser
void = {"meta", "br", "img", "hr", "input", "link"}
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.stack = []
    def handle_starttag(self, t, a):
        if t not in void: self.stack.append(t)
    def handle_startendtag(self, t, a): pass
    def handle_endtag(self, t):
        if not self.stack or self.stack[-1] != t:
            sys.exit("mismatched </%s> (open: %s)" % (t, self.stack[-3:]))
        self.stack.pop()
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read()); p.close()
if p.stack: sys.exit("unclosed: %s" % p.stack)
PY
  else
    echo "report_cli: neither xmllint nor python3: well-formedness not checked" >&2
  fi
}

# 1. a full report
"$FIX" full "$work/full.db" || { echo "fixture failed" >&2; exit 1; }
"$PT" report --db "$work/full.db" --out "$work/out" --region de --pue 1.1 >"$work/md" 2>"$work/err"
rc=$?
[ $rc -eq 0 ] || fail "report exited $rc: $(cat "$work/err")"
for f in report.html fig3-1.svg fig4-1.svg fig5-1.svg report.json summary.md regime-summary.csv table2.csv table3.csv runs.csv; do
  [ -s "$work/out/$f" ] || fail "missing $f"
done
ls "$work/out" | grep -q '\.tmp\.' && fail "temporary files left"
wellformed "$work/out/report.html" || fail "report.html is not well-formed"
for s in "$work"/out/*.svg; do wellformed "$s" || fail "$s is not well-formed"; done
grep -Eq 'https?://' "$work/out/report.html" && fail "report.html holds an http(s) reference"
grep -qi '<script' "$work/out/report.html" && fail "report.html holds a script"
grep -q '^# powertrain report' "$work/md" || fail "no Markdown summary on stdout"
grep -q 'open .*report.html' "$work/err" || fail "the HTML path is not printed"
cmp -s "$work/md" "$work/out/summary.md" || fail "stdout differs from summary.md"

# 2. only some formats
"$PT" report --db "$work/full.db" --out "$work/svgonly" --format svg >/dev/null 2>&1 || fail "--format svg failed"
[ -e "$work/svgonly/report.html" ] && fail "--format svg wrote HTML"
[ -s "$work/svgonly/fig4-1.svg" ] || fail "--format svg wrote no fig4"

# 3. a study of only failed runs: a report and a clear line
"$FIX" failed "$work/failed.db"
"$PT" report --db "$work/failed.db" --out "$work/fout" >/dev/null 2>"$work/err"
rc=$?
[ $rc -eq 0 ] || fail "failed-only store: exit $rc"
grep -q 'all 4 runs failed' "$work/err" || fail "failed-only store: no clear message: $(cat "$work/err")"

# 4. `powertrain tune` beside its grid: the search section in every format, no figure of its own
"$FIX" tune "$work/tune.db" || fail "tune fixture failed"
"$PT" report --db "$work/tune.db" --out "$work/tout" >"$work/tmd" 2>"$work/err" || fail "tune store: $(cat "$work/err")"
wellformed "$work/tout/report.html" || fail "tune: report.html is not well-formed"
for f in tune-figures-1.csv tune-setups-1.csv tune-probes-1.csv tune-setups-2.csv fig3-2.svg; do
  [ -s "$work/tout/$f" ] || fail "tune: missing $f"
done
[ -e "$work/tout/fig3-3.svg" ] && fail "tune: a tune study got a regime figure"
grep -q 'Search (powertrain tune): study 1' "$work/tout/report.html" || fail "tune: no search section in the HTML"
grep -q '^- regret: 50.0%' "$work/tmd" || fail "tune: no regret in the Markdown"
grep -q 'the search spent 23.5% of the grid' "$work/tmd" || fail "tune: no savings in the Markdown"
grep -q '^5,256,0.01,evaluated,300,300,600,2,12,counter$' "$work/tout/tune-setups-1.csv" || fail "tune: setups CSV"
# only the tune study: the grid is still found in the store
"$PT" report --db "$work/tune.db" --out "$work/tonly" --study 1 --format md >"$work/tmd" 2>/dev/null || fail "tune --study 1"
grep -q '^- regret: 50.0%' "$work/tmd" || fail "tune --study 1: no regret"

# expect CODE PATTERN ARGS...: exit code and one line on stderr matching PATTERN
expect() {
  local code=$1 pat=$2
  shift 2
  "$PT" report "$@" >/dev/null 2>"$work/err"
  local rc=$?
  [ $rc -eq "$code" ] || fail "report $*: exit $rc, expected $code"
  [ "$(wc -l <"$work/err")" -eq 1 ] || fail "report $*: expected one line, got: $(cat "$work/err")"
  grep -q "^powertrain report: .*$pat" "$work/err" || fail "report $*: '$(cat "$work/err")' lacks '$pat'"
}
"$FIX" empty "$work/empty.db"
"$FIX" other-version "$work/v2.db"
expect 1 "no studies" --db "$work/empty.db" --out "$work/e"
[ -e "$work/e/report.html" ] && fail "empty store wrote a report"
expect 2 "schema version 9" --db "$work/v2.db" --out "$work/e"
expect 2 "cannot open" --db "$work/missing.db" --out "$work/e"
expect 2 "no study 42" --db "$work/full.db" --out "$work/e" --study 42
expect 2 "--db FILE is required" --out "$work/e"
expect 2 "--out DIR is required" --db "$work/full.db"
expect 2 "unknown code 'XX'" --db "$work/full.db" --out "$work/e" --region XX
expect 2 "not both" --db "$work/full.db" --out "$work/e" --region DE --carbon-intensity 300
expect 2 "--pue" --db "$work/full.db" --out "$work/e" --pue 0.5
expect 2 "--format" --db "$work/full.db" --out "$work/e" --format pdf
expect 2 "unknown argument" --db "$work/full.db" --out "$work/e" --bogus
"$PT" report --help | grep -q 'usage: powertrain report' || fail "--help"

if [ $fails -eq 0 ]; then
  rm -rf "$work"
  echo "report_cli: ok"
  exit 0
fi
echo "report_cli: $fails failures (files kept in $work)" >&2
exit 1
