#!/usr/bin/env bash
# Prepare the ignored folder wheels/ that a lent GPU machine needs (it has no network; its Python 3.12
# already holds torch, torchvision, torchaudio, transformers, pandas and OpenCV, but not PyAV):
#   PyAV and PyNvVideoCodec as cp312 wheels, the offline text encoder's tokenizer files, MELD's dev label file
#   (for bench/text_padding.py; carried, never committed) and the GPU ceilings to compare with. About 64 MB:
#   the most a call carries is 64 MiB.
# Run here (package registries reachable), then pass carry=["wheels"] to the device call of bench/gpu_session.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
mkdir -p wheels/tok
AV=$($PY -c "import av; print(av.__version__)")          # the PyAV these notebooks are tested with
rm -f wheels/av-*.whl
$PY -m pip download --quiet --python-version 3.12 --only-binary=:all: --no-deps -d wheels "av==$AV"
rm -f wheels/pynvvideocodec-*.whl
$PY -m pip download --quiet --python-version 3.12 --only-binary=:all: --no-deps -d wheels "PyNvVideoCodec==2.2.4"
mkdir -p wheels/meld
[ -f ../shared/meld/dev_sent_emo.csv ] && cp ../shared/meld/dev_sent_emo.csv wheels/meld/
TOK=$($PY -c "from mm_sentiment.data import default_text_model; print(default_text_model())")
cp "$TOK"/tokenizer.json "$TOK"/tokenizer_config.json "$TOK"/vocab.txt "$TOK"/special_tokens_map.json wheels/tok/ 2>/dev/null || cp "$TOK"/*tok* "$TOK"/vocab.txt wheels/tok/
CEIL=../shared/measurements/gpu-ceiling-h100.json
[ -f "$CEIL" ] && cp "$CEIL" wheels/
ls -la wheels wheels/tok wheels/meld
du -sh wheels

# The second folder, wheels-cells/, for bench/gpu_cells.sh (the lessons' `#| gpu` cells): fastcore (their tests) and
# the offline text encoder in float16 (45 MB: the float32 file and PyAV together are more than one call carries;
# gpu_cells.sh turns it back into float32 there, and relies on the PyAV that gpu_session.sh installed just before).
rm -rf wheels-cells && mkdir -p wheels-cells/minilm
FC=$($PY -c "import fastcore; print(fastcore.__version__)")
$PY -m pip download --quiet --no-deps --only-binary=:all: -d wheels-cells "fastcore==$FC"
$PY - "$TOK" wheels-cells/minilm <<'PY'
import shutil, sys
from pathlib import Path
import torch
from safetensors.torch import load_file, save_file
src, dst = Path(sys.argv[1]), Path(sys.argv[2])
for f in src.rglob('*'):
    if f.is_file() and f.name != 'model.safetensors' and f.suffix != '.md':
        (dst/f.relative_to(src)).parent.mkdir(parents=True, exist_ok=True); shutil.copy(f, dst/f.relative_to(src))
w = load_file(str(src/'model.safetensors'))
save_file({k: v.half() if v.is_floating_point() else v for k, v in w.items()}, str(dst/'model-fp16.safetensors'), metadata={'format': 'pt'})
PY
du -sh wheels-cells
