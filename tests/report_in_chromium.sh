#!/usr/bin/env bash
# The HTML report of a (small) run opens in headless Chromium without errors and shows every
# section: training curves, classification report, confusion matrix, ROC curves, misclassified
# images. Exit 77 (CTest "skipped") only when Chromium is not installed.
set -euo pipefail
strata=$1
command -v chromium >/dev/null || { echo "chromium is not installed (scripts/install-deps.sh installs it)"; exit 77; }
out=$(mktemp -d)
"$strata" train --limit 1200 --epochs 2 --verbose 0 --output "$out/model.strata" >/dev/null
"$strata" report "$out" --limit 1200
test -s "$out/plots/roc_curves.svg" && test -s "$out/plots/confusion_matrix.svg" && test -s "$out/evaluation.json"
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$out/profile" --enable-logging=stderr --v=0 \
  --dump-dom "file://$out/report.html" >"$out/dom.html" 2>"$out/chromium.log"
if grep -E "Uncaught|Failed to load|net::ERR_|CONSOLE\(.*\)] \"(Error|Uncaught)" "$out/chromium.log"; then
  echo "the page logged errors"; exit 1
fi
for section in curves classification-report confusion-matrix roc-curves misclassified; do
  grep -q "id=\"$section\"" "$out/dom.html" || { echo "section $section missing"; exit 1; }
done
svgs=$(grep -o "<svg" "$out/dom.html" | wc -l)
images=$(grep -o "<img" "$out/dom.html" | wc -l)
echo "report loaded: 5 sections, $svgs plots, $images misclassified images"
test "$svgs" -ge 5 && test "$images" -ge 1
