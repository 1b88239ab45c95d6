#!/usr/bin/env bash
# The lessons' `#| gpu` cells on a lent GPU machine, as `nbdev_test --flags gpu` runs them (bench/run_cells.py: the
# machine has no nbdev), with their output kept in $OUT/gpu_cells.json and .txt.
# Run it in the call right after bench/gpu_session.sh, on the same warm machine (that call installed PyAV), with
# carry=["wheels-cells"] (prepared by bench/gpu_wheels.sh: fastcore and the offline text encoder in float16).
#   bash bench/gpu_cells.sh [SECONDS]   (default 240)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-bench/out}
mkdir -p "$OUT"
PY=${PY:-python3}
export PYTHONPATH="$PWD:/tmp/pylibs:${PYTHONPATH:-}"
{
  if ! $PY -c "import av" 2>/dev/null; then echo "PyAV is missing: run this right after bench/gpu_session.sh on the same machine"; exit 3; fi
  $PY -c "import fastcore" 2>/dev/null || $PY -m pip install --quiet --no-index --no-deps --target /tmp/pylibs wheels-cells/fastcore-*.whl
  # the text encoder back in float32, where the lessons look for it (MM_SENTIMENT_TEXT_MODEL)
  $PY - wheels-cells/minilm /tmp/minilm <<'PY'
import shutil, sys
from pathlib import Path
from safetensors.torch import load_file, save_file
src, dst = Path(sys.argv[1]), Path(sys.argv[2])
shutil.copytree(src, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns('model-fp16.safetensors'))
w = load_file(str(src/'model-fp16.safetensors'))
save_file({k: v.float() if v.is_floating_point() else v for k, v in w.items()}, str(dst/'model.safetensors'), metadata={'format': 'pt'})
print('text encoder restored to float32 in', dst)
PY
  export MM_SENTIMENT_TEXT_MODEL=/tmp/minilm MM_SENTIMENT_CACHE=/tmp/mmcache
  timeout "${1:-240}" $PY -u bench/run_cells.py nbs/07a_devices.ipynb nbs/07d_end_to_end.ipynb --flags gpu --out "$OUT/gpu_cells.json"
  echo "== exit $?"
} > "$OUT/gpu_cells.txt" 2>&1
tail -c 6000 "$OUT/gpu_cells.txt"
