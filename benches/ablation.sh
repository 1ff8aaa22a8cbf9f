#!/usr/bin/env bash
# Ablation table: macro-F1 of the default model and of models with each feature group
# (and document context) removed, on data/test.csv and (when present) ../shared/eval/dev.csv, beside the two
# reference baselines of ../shared/baselines trained on the same data/train.csv.
#
#   benches/ablation.sh            (prints a Markdown table)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${STANCE_BENCH_DIR:-/tmp/stance-ablation}
mkdir -p "$work"
cargo build --release --quiet
stance=./target/release/stance
dev=../shared/eval/dev.csv

f1() { # model, data -> macro-F1
  "$stance" evaluate --model "$1" --format json "$2" |
    python3 -c 'import json, sys; print("%.4f" % json.load(sys.stdin)["macro_f1"])'
}

echo "| model | test.csv macro-F1 | dev.csv macro-F1 |"
echo "| --- | --- | --- |"
while IFS='|' read -r name flags; do
  model="$work/$(echo "$name" | tr -c 'a-z0-9' _).json"
  # shellcheck disable=SC2086
  "$stance" train data/train.csv $flags --out "$model" > /dev/null
  dev_f1="-"; [ -f "$dev" ] && dev_f1=$(f1 "$model" "$dev")
  echo "| $name | $(f1 "$model" data/test.csv) | $dev_f1 |"
done <<'EOF_VARIANTS'
stance (defaults)|
without document context|--no-context
without lexicons|--no-lexicons
without structure (verbs, quotes)|--no-structure
without negation scope|--no-negation
without stemming|--no-stem
without name masking|--no-mask-names
unigrams only|--ngrams 1
with trigrams|--ngrams 3
with background marking|--mark-background
n-grams only (no cues)|--no-lexicons --no-structure
EOF_VARIANTS

baselines=../shared/baselines
if [ -d "$baselines" ]; then
  venv=${STANCE_BASELINES_VENV:-/tmp/stance-baselines}
  [ -x "$venv/bin/python" ] || "$baselines/setup.sh" "$venv" > /dev/null
  for peer in sklearn fasttext; do
    t=$("$venv/bin/python" "$baselines/baseline_$peer.py" --json data/train.csv data/test.csv |
      python3 -c 'import json, sys; print("%.4f" % json.load(sys.stdin)["macro_f1"])')
    d="-"
    [ -f "$dev" ] && d=$("$venv/bin/python" "$baselines/baseline_$peer.py" --json data/train.csv "$dev" |
      python3 -c 'import json, sys; print("%.4f" % json.load(sys.stdin)["macro_f1"])')
    echo "| baseline: $peer | $t | $d |"
  done
fi
