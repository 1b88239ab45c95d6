"""The course's encoders alone, at the input sizes of the measured GPU ceilings, against those ceilings.

What: the video encoder (r3d_18, 16 frames at 112x112, weights in channels_last_3d as `prepare_for_device`
leaves them) and the text encoder (bert-base's architecture, 128 tokens, every position real), forward
passes without gradients on random inputs already on the device, batches of 32 and 128; in fp32 as the
library runs it (cuDNN's convolutions may use TF32, PyTorch's default; matmuls stay fp32) and in bf16
autocast; the text encoder also with its weights cast to bf16 and no autocast ('bf16 weights': no casts
in each step, which tells whether autocast's casts are what keeps bf16 text at a fifth of its ceiling).
Each rate against the ceiling of the same input size in `gpu-ceiling-h100.json` (r3d18_T16_112px_*,
bert_base_L128_*): fp32 against both the strict-fp32 and the TF32 ceilings, bf16 against bf16 with
channels_last (video) and bf16 (text).
Why: bench/epoch_cost.py times the encoders on real batches, text trimmed to each batch's longest
utterance, which is not the ceilings' input size (issue 11: 'goal >= 75% at the same input size').

    python bench/encoder_rates.py [--ceilings FILE] [--batch-sizes 32 128] [--out FILE]

Prints the machine and a table; --out writes JSON. Needs CUDA for the comparison (on a CPU it prints rates only).
"""
from __future__ import annotations

import argparse
import copy
import json
import platform
import time
from pathlib import Path

import torch

from mm_sentiment.devices import prepare_for_device
from mm_sentiment.encoders import RANDOM_BERT
from mm_sentiment.model import MultimodalSentimentModel

CEILINGS = {('video', 'fp32'): ('r3d18_T16_112px_fp32_clips_per_s', 'r3d18_T16_112px_tf32_clips_per_s'),
            ('video', 'bf16'): ('r3d18_T16_112px_bf16_cl_clips_per_s',),
            ('text', 'fp32'): ('bert_base_L128_fp32_texts_per_s', 'bert_base_L128_tf32_texts_per_s'),
            ('text', 'bf16'): ('bert_base_L128_bf16_texts_per_s',), ('text', 'bf16 weights'): ('bert_base_L128_bf16_texts_per_s',)}


def rate(fn, n, dev, seconds=1.5) -> float:
    "Items per second of `fn` (n items a call), after a warm-up, over at least `seconds`."
    fn(); fn()
    if dev.type == 'cuda': torch.cuda.synchronize()
    k, t = 0, time.perf_counter()
    while time.perf_counter() - t < seconds:
        fn(); k += 1
        if dev.type == 'cuda' and k % 5 == 0: torch.cuda.synchronize()
    if dev.type == 'cuda': torch.cuda.synchronize()
    return n * k / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve()
    ap.add_argument('--ceilings', type=Path, default=here.parents[2]/'shared'/'measurements'/'gpu-ceiling-h100.json')
    ap.add_argument('--batch-sizes', type=int, nargs='+', default=[32, 128])
    ap.add_argument('--seconds', type=float, default=1.5)
    ap.add_argument('--out', type=Path, default=None)
    args = ap.parse_args()
    dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    where = torch.cuda.get_device_name() if dev.type == 'cuda' else f'CPU, {torch.get_num_threads()} threads'
    print(f'{where}, torch {torch.__version__}, Python {platform.python_version()}; cuDNN TF32 allowed: '
          f'{torch.backends.cudnn.allow_tf32}, matmul TF32: {torch.backends.cuda.matmul.allow_tf32}', flush=True)
    ceil = json.loads(args.ceilings.read_text()) if args.ceilings.is_file() else {}
    torch.manual_seed(0)
    m = prepare_for_device(MultimodalSentimentModel(text_model=RANDOM_BERT, video_weights='random'), dev).eval()
    text16 = copy.deepcopy(m.text_encoder).to(torch.bfloat16) if dev.type == 'cuda' else None   # weights cast, no autocast
    rows = []
    for bs in args.batch_sizes:
        v = torch.randn(bs, 3, 16, 112, 112, device=dev).contiguous(memory_format=torch.channels_last_3d)
        ids = torch.randint(1000, 20000, (bs, 128), device=dev)
        mask = torch.ones_like(ids)
        runs = [('video', 'fp32', lambda: m.video_encoder.features(v)), ('video', 'bf16', lambda: m.video_encoder.features(v)),
                ('text', 'fp32', lambda: m.text_encoder.features(ids, mask)), ('text', 'bf16', lambda: m.text_encoder.features(ids, mask)),
                ('text', 'bf16 weights', lambda: text16.features(ids, mask))]
        for part, prec, fn in (r for r in runs if dev.type == 'cuda' or r[1] == 'fp32'):
            def go():
                with torch.no_grad(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=prec == 'bf16'): fn()
            r = rate(go, bs, dev, args.seconds)
            row = {'encoder': part, 'precision': prec, 'batch': bs, 'per_s': round(r, 1)}
            row |= {k: round(r / ceil[k], 2) for k in CEILINGS[part, prec] if k in ceil and dev.type == 'cuda'}
            rows.append(row)
            print(f"{part:5} {prec} batch {bs:4}: {r:9.1f}/s  " + '  '.join(f'{r / ceil[k]:.2f} of {k}' for k in CEILINGS[part, prec] if k in ceil and dev.type == 'cuda'), flush=True)
            if args.out: args.out.write_text(json.dumps({'device': where, 'torch': torch.__version__, 'rows': rows}, indent=1))
        del v, ids, mask


if __name__ == '__main__':
    main()
