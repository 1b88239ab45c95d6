#!/usr/bin/env bash
# One call on a lent GPU machine: install the carried wheels, generate N clips at MELD's size, run
# bench/epoch_cost.py, everything logged under $OUT as it happens (a call cut off at its limit still
# returns what was measured). Prepare with bench/gpu_wheels.sh and carry "wheels".
#   bash bench/gpu_session.sh [N_CLIPS] [WORKERS]      (default 1000 clips, cores - 1 workers)
# Runs on a CPU too (for a dry run with a few clips): the same steps, without bf16.
set -uo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
W=${2:-$(( $(nproc) - 1 ))}
OUT=${OUT:-bench/out}
mkdir -p "$OUT"
LOG="$OUT/log.txt"
PY=${PY:-python3}
{
  echo "== $(date -u +%FT%TZ) $(hostname) $(nproc) cores; $N clips, $W workers"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 || echo "no nvidia-smi"
  if ! $PY -c "import av" 2>/dev/null; then
    $PY -m pip install --quiet --no-index --find-links wheels --target /tmp/pylibs av && echo "installed PyAV from wheels/"
  fi
  export PYTHONPATH="$PWD:/tmp/pylibs:${PYTHONPATH:-}"
  TOK=()
  [ -d wheels/tok ] && TOK=(--tokenizer wheels/tok)
  CEIL=()
  [ -f wheels/gpu-ceiling-h100.json ] && CEIL=(--ceilings wheels/gpu-ceiling-h100.json)
  $PY -c "import torch, av; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'av', av.__version__)"
  timeout 560 $PY -u bench/epoch_cost.py --clips "$N" --workers "$W" --root /tmp/meldsize "${TOK[@]}" "${CEIL[@]}" --out "$OUT/epoch_cost.json"
  echo "== exit $? at $(date -u +%FT%TZ)"
} > "$LOG" 2>&1
tail -c 3000 "$LOG"
