#!/usr/bin/env bash
# report_chromium.sh -- the report renders in a real browser: Debian's headless
# Chromium (installed with apt-get when missing; the test skips, saying why,
# only when it cannot be installed) opens report.html from a fixture store
# without console errors, and the screenshot is not blank (several distinct
# colours, a fair share of non-white pixels); the page shows no nan, NaN, inf
# or undefined, and every figure has data marks.
# usage: report_chromium.sh POWERTRAIN REPORT_FIXTURE PNG_COLORS
# PT_REPORT_SHOT=FILE keeps the screenshot there.
set -u
PT=$1
FIX=$2
PNG=$3
SKIP=77

find_chromium() { command -v chromium || command -v chromium-browser || true; }
browser=$(find_chromium)
if [ -z "$browser" ]; then
  echo "report_chromium: chromium missing, installing Debian's chromium" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo -n"
  if [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; then
    export DEBIAN_FRONTEND=noninteractive
    { $SUDO apt-get install -y -qq --no-install-recommends chromium ||
      { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends chromium; }; } >/dev/null 2>&1
  fi
  browser=$(find_chromium)
  if [ -z "$browser" ]; then
    echo "report_chromium: SKIP: chromium is not installed and could not be installed (need root or sudo and apt)" >&2
    exit $SKIP
  fi
fi

work=$(mktemp -d /tmp/pt-report-chromium-XXXXXX)
"$FIX" full "$work/full.db" || exit 1
"$PT" report --db "$work/full.db" --out "$work/out" --format html --region FR >/dev/null 2>"$work/report.err" ||
  { cat "$work/report.err" >&2; exit 1; }
shot=${PT_REPORT_SHOT:-$work/shot.png}
profile=$(mktemp -d /tmp/pt-chromium-profile-XXXXXX)
timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage \
  --user-data-dir="$profile" --enable-logging=stderr --v=0 \
  --hide-scrollbars --window-size=1200,2000 --screenshot="$shot" "file://$work/out/report.html" \
  >"$work/chromium.out" 2>"$work/chromium.err"
rc=$?
rm -rf "$profile"
fails=0
if [ $rc -ne 0 ] || [ ! -s "$shot" ]; then
  echo "FAIL: chromium exited $rc without a screenshot:" >&2
  tail -20 "$work/chromium.err" >&2
  fails=1
else
  if grep -E 'Uncaught|ERROR:CONSOLE|CONSOLE\(' "$work/chromium.err" >&2; then
    echo "FAIL: console errors while rendering the report" >&2
    fails=1
  fi
  read -r size colours permille < <("$PNG" "$shot") || { echo "FAIL: cannot read the screenshot" >&2; fails=1; }
  echo "report_chromium: screenshot $size, $colours colours, ${permille:-?} permille non-white" >&2
  if [ "${colours:-0}" -lt 12 ] || [ "${permille:-0}" -lt 30 ]; then
    echo "FAIL: the screenshot looks blank" >&2
    fails=1
  fi
fi
# what a person reads: no nan, NaN, inf or undefined anywhere in the page's
# text, and every figure has data marks (points, bars, lines or cells beyond its
# frame) -- checked on the full fixture and on one of every run end (ends)
"$FIX" ends "$work/ends.db" || exit 1
"$PT" report --db "$work/ends.db" --out "$work/ends" --format html >/dev/null 2>&1 || { echo "FAIL: report of ends" >&2; fails=1; }
for page in "$work/out/report.html" "$work/ends/report.html"; do
  python3 - "$page" <<'PY' || fails=1
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
text = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
text = re.sub(r"<[^>]+>", " ", text)
bad = re.findall(r"\b(nan|NaN|-?inf|undefined)\b", text)
ok = True
if bad:
    print(f"FAIL: {sys.argv[1]} shows {sorted(set(bad))}", file=sys.stderr); ok = False
svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
for i, svg in enumerate(svgs):
    body = svg.split("</title>", 1)[-1]
    marks = len(re.findall(r"<circle|<path|<line", body)) + max(0, len(re.findall(r"<rect", body)) - 1)
    title = re.search(r"<title>(.*?)</title>", svg, flags=re.S)
    if marks < 3:
        print(f"FAIL: figure {i + 1} ({title.group(1) if title else '?'}) has no data marks", file=sys.stderr); ok = False
if len(svgs) < 3:
    print(f"FAIL: {sys.argv[1]}: {len(svgs)} figures", file=sys.stderr); ok = False
print(f"report_chromium: {sys.argv[1].split('/')[-2]}: {len(svgs)} figures with data marks, no nan/inf/undefined text", file=sys.stderr)
sys.exit(0 if ok else 1)
PY
done
if [ $fails -eq 0 ]; then
  rm -rf "$work"
  echo "report_chromium: ok"
  exit 0
fi
echo "report_chromium: files kept in $work" >&2
exit 1
