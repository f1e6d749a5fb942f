#!/usr/bin/env bash
# `strata tune` as a user runs it, on a small CSV written here: a search, then a longer one
# with the same results folder that reuses the finished trials; and a bad space file.
set -euo pipefail
strata=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Two noisy classes in 3 features (the label follows the sum), with a one-line preamble.
awk 'BEGIN { srand(5); print "120,3,neg,pos"; for (i = 0; i < 120; i++) { a = rand(); b = rand(); c = rand();
     printf "%.4f,%.4f,%.4f,%d\n", a, b * 100, c, (a + b + 0.3 * rand() > 1.15) } }' > "$dir/data.csv"
cat > "$dir/space.json" <<'JSON'
{"optimizer": {"choice": ["adam", "sgd"]},
 "momentum": {"float": [0.0, 0.9], "when": {"optimizer": "sgd"}},
 "learning_rate": {"float": [0.001, 0.1], "log": true},
 "units": {"int": [4, 32], "log": true}}
JSON
run() { "$strata" tune --space "$dir/space.json" --data "$dir/data.csv" --skip-rows 1 --no-header \
          --class-names neg,pos --epochs 4 --folds 3 --output "$dir/out" "$@"; }
run --trials 3 > "$dir/first.txt"
grep -q '^\[trial 3\]' "$dir/first.txt"
grep -q 'best configuration: {' "$dir/first.txt"
grep -q 'default configuration: ' "$dir/first.txt"
test -s "$dir/out/best.strata" && test -s "$dir/out/report.html" && grep -q '"params"' "$dir/out/best.json"
test "$(wc -l < "$dir/out/results.jsonl")" -eq 5   # the signature, 3 trials, the baseline
# Five trials with the same seed: the first three (and the baseline) come from the file.
run --trials 5 > "$dir/second.txt"
test "$(grep -c 'from the results file' "$dir/second.txt")" -eq 4
test "$(wc -l < "$dir/out/results.jsonl")" -eq 7
# Another objective is another search: the results file is refused.
if run --trials 2 --objective val_loss > "$dir/third.txt" 2>&1; then echo "expected a refusal"; exit 1; fi
grep -q 'belongs to a different search' "$dir/third.txt"
# A mistake in the space names itself and exits 2.
echo '{"units": {"int": [4, 32], "logg": true}}' > "$dir/bad.json"
set +e
"$strata" tune --space "$dir/bad.json" --data "$dir/data.csv" --skip-rows 1 --no-header > "$dir/bad.txt" 2>&1
code=$?
set -e
grep -q 'error: search space: "units" has an unknown key "logg"' "$dir/bad.txt" && test $code -eq 2
echo "tune CLI: OK"
