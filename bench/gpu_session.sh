#!/usr/bin/env bash
# One call on a lent GPU machine that measures everything for issue 11 within BUDGET seconds (default 420: 7 minutes,
# inside the issue's 8; the machine's start comes on top). Every stage writes under $OUT as it goes and is stopped by its own
# time limit, so a stage that runs long still leaves what it measured and the next one starts.
# Prepare with bench/gpu_wheels.sh and carry "wheels".
#   bash bench/gpu_session.sh [N_ROWS] [WORKERS] [UNIQUE] [BUDGET]
#   (default 1000 rows made of 160 generated MELD-size clips, cores - 1 workers, 420 s)
# 1. generate UNIQUE clips at 1280x720 and repeat them (links) to N_ROWS rows;
# 2. bench/decode_pool.py: first batch and clips/s, worker processes (before / now) against threads, 480 rows;
# 3. bench/epoch_cost.py: extraction, encoders alone vs the ceilings, the course's original loop, the library's
#    end-to-end loop (fp32, bf16), the cache epoch, the 20-epoch projection (each epoch cut at 45 s and projected);
# 4. bench/nvdec.py: NVDEC (PyNvVideoCodec) against PyAV on the same clips, and its fallback;
# 5. bench/text_padding.py on the GPU: 128 tokens against each batch's longest utterance (MELD dev text);
# 6. bench/worker_start.py: the fork server's start with every module imported and the model on the GPU.
# Runs on a CPU too (a dry run with a few clips): the same steps, without bf16 or NVDEC.
set -uo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
W=${2:-$(( $(nproc) - 1 ))}
U=${3:-160}
BUDGET=${4:-420}
OUT=${OUT:-bench/out}
mkdir -p "$OUT"
LOG="$OUT/log.txt"
PY=${PY:-python3}
END=$(( $(date +%s) + BUDGET ))
left() { echo $(( END - $(date +%s) )); }
cap() { local l=$(( $(left) - 5 )); echo $(( $1 < l ? $1 : (l > 1 ? l : 1) )); }   # a stage's limit: its own, or what is left
stage() { echo "== $(date -u +%T) $1; $(left) s left"; }
{
  echo "== $(date -u +%FT%TZ) $(hostname) $(nproc) cores; $N rows from $U clips, $W workers, ${BUDGET} s"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 || echo "no nvidia-smi"
  for pkg in av PyNvVideoCodec; do
    if ! $PY -c "import $pkg" 2>/dev/null && ls wheels/*.whl >/dev/null 2>&1; then
      $PY -m pip install --quiet --no-index --no-deps --find-links wheels --target /tmp/pylibs "$pkg" && echo "installed $pkg from wheels/"
    fi
  done
  export PYTHONPATH="$PWD:$PWD/bench:/tmp/pylibs:${PYTHONPATH:-}"
  TOK=(); [ -d wheels/tok ] && TOK=(--tokenizer wheels/tok)
  CEIL=(); [ -f wheels/gpu-ceiling-h100.json ] && CEIL=(--ceilings wheels/gpu-ceiling-h100.json)
  MELD=(); [ -f wheels/meld/dev_sent_emo.csv ] && MELD=(--meld-dir wheels/meld)
  $PY -c "import torch, av; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'av', av.__version__)"
  stage "1. clips"
  timeout "$(cap 90)" $PY -u bench/epoch_cost.py --clips "$N" --unique "$U" --root /tmp/meldsize --only-generate "${TOK[@]}"
  stage "2. decode pool"
  timeout "$(cap 100)" $PY -u bench/decode_pool.py --data-dir /tmp/meldsize --rows 480 --workers "$W" --batch-size 32 \
    --budget 60 "${TOK[@]}" --out "$OUT/decode_pool.json"
  stage "3. epoch cost"
  timeout "$(cap $(( $(left) - 90 )))" $PY -u bench/epoch_cost.py --data-dir /tmp/meldsize --workers "$W" --stage-seconds 45 \
    "${TOK[@]}" "${CEIL[@]}" --out "$OUT/epoch_cost.json"
  stage "4. NVDEC"
  timeout "$(cap 45)" $PY -u bench/nvdec.py --data-dir /tmp/meldsize --rows 100 --threads "$W" --out "$OUT/nvdec.json"
  stage "5. text padding"
  timeout "$(cap 35)" $PY -u bench/text_padding.py "${MELD[@]}" "${TOK[@]}" --text-model random-bert-base --train-batches 8 \
    --out "$OUT/text_padding.json"
  stage "6. worker start"
  timeout "$(cap 30)" $PY -u bench/worker_start.py --data-dir /tmp/meldsize --workers "$W" --batch-size 32 --modes forkserver \
    --cuda-model --import-all --heavy-main "${TOK[@]}" --out "$OUT/worker_start_${W}_cuda.json"
  stage "done"
} > "$LOG" 2>&1
tail -c 6000 "$LOG"
