#!/usr/bin/env bash
# docs/report.png: the HTML build report of the recorded Go build (tests/data/report/go-emulated.rawjson,
# fixtures/go-hello/Dockerfile.emulated for linux/amd64,linux/arm64 on a 2-vCPU amd64 machine), rendered
# by headless Chromium at 1400x900. Needs xlint on PATH (pip install -e .) and Debian's chromium.
#   scripts/report-screenshot.sh [OUT.png]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/report.png}"
browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
  echo "report-screenshot: chromium not found (apt-get install chromium)" >&2
  exit 2
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
xlint report tests/data/report/go-emulated.rawjson -f fixtures/go-hello/Dockerfile.emulated \
  --format html -o "$tmp/report.html" >/dev/null
mkdir -p "$(dirname "$out")"
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --hide-scrollbars \
  --run-all-compositor-stages-before-draw --virtual-time-budget=5000 --user-data-dir="$tmp/profile" \
  --window-size=1400,900 --screenshot="$tmp/report.png" "file://$tmp/report.html" >/dev/null 2>&1 </dev/null
[ -s "$tmp/report.png" ] || { echo "report-screenshot: chromium wrote no screenshot" >&2; exit 1; }
mv "$tmp/report.png" "$out"
echo "wrote $out"
