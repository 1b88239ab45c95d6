#!/usr/bin/env bash
# Prepare the ignored folder wheels/ that the lent GPU machine needs for bench/gpu_session.sh (it has no network; its
# Python 3.12 already holds torch, torchvision, torchaudio, transformers, pandas, matplotlib and OpenCV):
#   PyAV and PyNvVideoCodec, unpacked from their cp312 wheels into xz tarballs (a call carries at most 64 MiB,
#   the working tree included, and the two wheels alone are 61 MB; as xz, and PyNvVideoCodec without the FFmpeg
#   source, samples and copied libraries it ships, about 30 MB), fastcore (the lessons' tests), the offline text
#   encoder with its weights as int8 and one scale per row (20 MB instead of 90; bench/minilm_int8.py, which
#   gpu_session.sh runs again there to turn them back into float32), its tokenizer files, MELD's dev label file (for bench/text_padding.py; carried, never committed)
#   and the GPU ceilings to compare with; and wheels/before/mm_sentiment, the package as it was before lesson 2c
#   skipped frames, kept one scaler per thread and stopped the probe of av.open decoding (commit d374d94), for
#   gpu_session.sh's stage `before`.
# Run here (package registries reachable), then pass carry=["wheels"] to the device call of bench/gpu_session.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
rm -rf wheels wheels-cells && mkdir -p wheels/meld wheels/minilm
T=$(mktemp -d)
AV=$($PY -c "import av; print(av.__version__)")          # the PyAV these notebooks are tested with
FC=$($PY -c "import fastcore; print(fastcore.__version__)")
$PY -m pip download --quiet --python-version 3.12 --only-binary=:all: --no-deps -d "$T" "av==$AV" "PyNvVideoCodec==2.2.4"
$PY -m pip download --quiet --no-deps --only-binary=:all: -d wheels "fastcore==$FC"
pack() {                                                   # pack NAME WHEEL: the wheel unpacked, as wheels/NAME.tar.xz
  local d="$T/$1"; mkdir -p "$d"; (cd "$d" && unzip -q "$2")
  rm -rf "$d"/*.data "$d"/samples "$d"/benchmarks           # PyNvVideoCodec's FFmpeg source tarball, notebooks, scripts
  (cd "$d" && for f in $(find . -name '*.so.*.*' -type f); do  # libfoo.so and libfoo.so.N: links to libfoo.so.N.M.K again
     for l in "${f%.*.*}" "${f%.*.*.*}"; do
       if [ "$l" != "$f" ] && [ -f "$l" ] && cmp -s "$l" "$f"; then ln -sf "$(basename "$f")" "$l"; fi
     done
   done)
  tar -cJf "wheels/$1.tar.xz" -C "$d" .
}
pack av "$T"/av-*.whl
pack pynvvideocodec "$T"/pynvvideocodec-*.whl
[ -f ../shared/meld/dev_sent_emo.csv ] && cp ../shared/meld/dev_sent_emo.csv wheels/meld/
TOK=$($PY -c "from mm_sentiment.data import default_text_model; print(default_text_model())")
CEIL=../shared/measurements/gpu-ceiling-h100.json
[ -f "$CEIL" ] && cp "$CEIL" wheels/
$PY bench/minilm_int8.py pack "$TOK" wheels/minilm
mkdir -p wheels/before && git archive d374d94 mm_sentiment | tar -x -C wheels/before
rm -rf "$T"
ls -la wheels wheels/minilm
du -sh wheels
