#!/usr/bin/env bash
# Whole-process classification throughput and peak memory of `stance` against the
# scikit-learn and fastText reference pipelines, on the same 1,000,000 sentences.
#
#   benches/compare.sh [N_SENTENCES]        (default 1000000)
#
# Builds an N-sentence CSV by cycling data/test.csv, times `stance classify --input csv`
# (CSV in, CSV out to /dev/null) as a whole process, then runs ../shared/baselines (when
# present) trained on data/train.csv and predicting the same CSV. Prints sentences per
# second, peak memory and the ratios. Needs python3 and /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
work=${STANCE_BENCH_DIR:-/tmp/stance-bench}
mkdir -p "$work"

cargo build --release --quiet
python3 - "$n" "$work/big.csv" <<'PY'
import csv, sys
n, out = int(sys.argv[1]), sys.argv[2]
rows = [(r["text"], r["label"]) for r in csv.DictReader(open("data/test.csv", encoding="utf-8"))]
with open(out, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["id", "text", "label"])
    for i in range(n):
        t, l = rows[i % len(rows)]
        w.writerow([i, t, l])
PY

measure() { # label, output file, command...; prints seconds and peak KiB
  local label=$1 out=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$work/$label.time" "$@" > "$out"
  cat "$work/$label.time"
}

read -r s_secs s_kib < <(measure stance /dev/null ./target/release/stance classify \
  --input csv --format csv "$work/big.csv")
s_rate=$(python3 -c "print(round($n / $s_secs))")
printf '%-34s %12s %14s %10s\n' "pipeline" "sentences/s" "peak memory" "seconds"
printf '%-34s %12s %11s MiB %10s\n' "stance classify (whole process)" "$s_rate" "$((s_kib / 1024))" "$s_secs"

baselines=../shared/baselines
if [ ! -d "$baselines" ]; then
  echo "(../shared/baselines not found: peers skipped)"
  exit 0
fi
venv=${STANCE_BASELINES_VENV:-/tmp/stance-baselines}
[ -x "$venv/bin/python" ] || "$baselines/setup.sh" "$venv" >/dev/null
for peer in sklearn fasttext; do
  read -r p_secs p_kib < <(measure "$peer" "$work/$peer.json" "$venv/bin/python" \
    "$baselines/baseline_$peer.py" --json data/train.csv "$work/big.csv")
  p_rate=$(python3 -c "import json; print(round(json.load(open('$work/$peer.json'))['predict_sentences_per_s']))")
  printf '%-34s %12s %11s MiB %10s\n' "$peer predict (in-process)" "$p_rate" "$((p_kib / 1024))" "$p_secs"
  python3 -c "print('  ratio: stance is %.1fx %s throughput, %.1fx less peak memory' % ($s_rate / $p_rate, '$peer', $p_kib / $s_kib))"
done
