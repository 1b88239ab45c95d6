#!/usr/bin/env bash
# One call on a lent GPU machine, everything logged under $OUT as it happens (a call cut off at its
# limit still returns what was measured). Prepare with bench/gpu_wheels.sh and carry "wheels".
#   bash bench/gpu_session.sh [N_ROWS] [WORKERS] [UNIQUE] [SECONDS]
#   (default 1000 rows made of 200 generated MELD-size clips, cores - 1 workers, 430 s in all)
# 1. generate UNIQUE clips at 1280x720 and repeat them (links) to N_ROWS rows;
# 2. bench/worker_start.py: the fork server with WORKERS, then the same with the model on the GPU and every module imported;
# 3. bench/epoch_cost.py: extraction, encoders alone vs the ceilings, the course's loop epoch, the cache epoch.
# Runs on a CPU too (a dry run with a few clips): the same steps, without bf16.
set -uo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
W=${2:-$(( $(nproc) - 1 ))}
U=${3:-200}
BUDGET=${4:-430}
OUT=${OUT:-bench/out}
mkdir -p "$OUT"
LOG="$OUT/log.txt"
PY=${PY:-python3}
END=$(( $(date +%s) + BUDGET ))
left() { echo $(( END - $(date +%s) )); }
{
  echo "== $(date -u +%FT%TZ) $(hostname) $(nproc) cores; $N rows from $U clips, $W workers, ${BUDGET} s"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 || echo "no nvidia-smi"
  if ! $PY -c "import av" 2>/dev/null; then
    $PY -m pip install --quiet --no-index --find-links wheels --target /tmp/pylibs av && echo "installed PyAV from wheels/"
  fi
  export PYTHONPATH="$PWD:$PWD/bench:/tmp/pylibs:${PYTHONPATH:-}"
  TOK=(); [ -d wheels/tok ] && TOK=(--tokenizer wheels/tok)
  CEIL=(); [ -f wheels/gpu-ceiling-h100.json ] && CEIL=(--ceilings wheels/gpu-ceiling-h100.json)
  $PY -c "import torch, av; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'av', av.__version__)"
  T=$(date +%s); timeout 120 $PY -u bench/epoch_cost.py --clips "$N" --unique "$U" --root /tmp/meldsize --only-generate "${TOK[@]}"
  echo "== generated in $(( $(date +%s) - T )) s; $(left) s left"
  timeout $(( $(left) > 200 ? 60 : 20 )) $PY -u bench/worker_start.py --data-dir /tmp/meldsize --workers "$W" --batch-size 32 --modes forkserver "${TOK[@]}" --out "$OUT/worker_start_$W.json"
  echo "== $(left) s left"
  timeout $(( $(left) > 200 ? 60 : 20 )) $PY -u bench/worker_start.py --data-dir /tmp/meldsize --workers "$W" --batch-size 32 --modes forkserver --cuda-model --import-all --heavy-main "${TOK[@]}" --out "$OUT/worker_start_${W}_cuda.json"
  echo "== $(left) s left"
  timeout $(( $(left) - 5 )) $PY -u bench/epoch_cost.py --data-dir /tmp/meldsize --workers "$W" "${TOK[@]}" "${CEIL[@]}" --out "$OUT/epoch_cost.json"
  echo "== exit $? at $(date -u +%FT%TZ)"
} > "$LOG" 2>&1
tail -c 4000 "$LOG"
