"""Page-locked (pinned) memory against ordinary memory for the batches an extraction sends to the GPU.

What: the main thread's work for each batch of the feature cache's extraction (lesson 7b), as the library does it
when two worker processes each made half of a batch (lesson 2c): `merge_parts` joins the halves (into page-locked
memory or not), `trim_text_padding`, `batch_for_device` copies to the device (non-blocking from page-locked
memory), `frozen_features` in bf16, `.cpu()` (which waits for the GPU). The batch is 32 real clips of a MELD-layout
folder's train split (16 frames at 112x112, log-mel, text), decoded once and reused, so no decoding is timed.
Per setting: milliseconds a step, split into the join, the copy call and the rest (encoders and the wait), and
GB/s of the copy alone (pageable: a blocking copy; pinned: non-blocking, then a synchronize). A first round of
each setting is a warm-up (page-locked blocks are allocated once, then reused by PyTorch's host allocator).
Why: DataLoader pins every batch where there is a GPU, `merge_parts` joins into page-locked memory and
`ThreadBatches` pins in a thread of its own; what that gives on a GPU was never measured (issue 11).

    python bench/pinned.py [--data-dir DIR] [--steps 20] [--batch-size 32] [--tokenizer DIR] [--out FILE]

Needs CUDA for the page-locked path (on a CPU it times the pageable path only, as a dry run). Prints the machine
and a line per setting; --out writes JSON. No result is asserted.
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch

from mm_sentiment.data import MELDDataset, collate_meld, load_tokenizer, merge_parts, trim_text_padding
from mm_sentiment.demo import demo_data_dir
from mm_sentiment.devices import batch_for_device, prepare_for_device, text_length_multiple, use_bf16
from mm_sentiment.features import frozen_features
from mm_sentiment.model import MultimodalSentimentModel


def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()


def step(model, parts, pin, dev, bf16) -> dict:
    "One batch's main-thread work; seconds of each part."
    t0 = time.perf_counter()
    batch = merge_parts(parts, pin_memory=pin)
    t1 = time.perf_counter()
    b = batch_for_device(trim_text_padding(batch, text_length_multiple(dev)), dev)
    t2 = time.perf_counter()
    with torch.no_grad(): feats = {k: v.cpu() for k, v in frozen_features(model, b, bf16).items()}
    t3 = time.perf_counter()
    assert all(torch.isfinite(f).all() for f in feats.values())
    return {'join_s': t1 - t0, 'copy_call_s': t2 - t1, 'rest_s': t3 - t2, 'step_s': t3 - t0}


def copy_rate(batch, dev, pin) -> float:
    "GB/s of copying the batch's tensors (video, audio, labels) to the device alone."
    src = {k: (v.pin_memory() if pin else v) for k, v in batch.items() if torch.is_tensor(v)}
    nbytes = sum(v.numel() * v.element_size() for v in src.values())
    for _ in range(2): [v.to(dev, non_blocking=pin) for v in src.values()]; sync(dev)
    t = time.perf_counter()
    for _ in range(5): [v.to(dev, non_blocking=pin) for v in src.values()]
    sync(dev)
    return 5 * nbytes / (time.perf_counter() - t) / 1e9


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--data-dir', type=Path, default=None, help='a MELD-layout folder (default: the demo set)')
    ap.add_argument('--steps', type=int, default=20)
    ap.add_argument('--batch-size', type=int, default=32)
    ap.add_argument('--tokenizer', default=None)
    ap.add_argument('--out', type=Path, default=None)
    args = ap.parse_args()
    dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
    where = torch.cuda.get_device_name() if dev.type == 'cuda' else f'no GPU, {torch.get_num_threads()} threads'
    print(f'{cpu}, {where}, torch {torch.__version__}, Python {platform.python_version()}', flush=True)
    ds = MELDDataset.from_split(args.data_dir or demo_data_dir(progress=False), 'train', tokenizer=load_tokenizer(args.tokenizer))
    items = [ds[i % len(ds)] for i in range(args.batch_size)]
    half = args.batch_size // 2
    parts = [collate_meld(items[:half]), collate_meld(items[half:])]       # what two workers send of one batch
    model = prepare_for_device(MultimodalSentimentModel(video_weights='random'), dev).eval()
    bf16 = use_bf16(dev)
    mb = sum(v.numel() * v.element_size() for v in merge_parts(parts).values() if torch.is_tensor(v)) / 2**20
    print(f'{args.batch_size} clips a batch, {mb:.0f} MiB of tensors; {args.steps} steps a setting after a warm-up round', flush=True)
    res = {'machine': f'{cpu}, {where}, torch {torch.__version__}', 'batch_mib': mb, 'steps': args.steps, 'settings': {}}
    for pin in ((False, True) if dev.type == 'cuda' else (False,)):
        name = 'pinned' if pin else 'pageable'
        for _ in range(3): step(model, parts, pin, dev, bf16)                 # warm-up
        runs = [step(model, parts, pin, dev, bf16) for _ in range(args.steps)]
        r = {k: 1000 * sum(x[k] for x in runs) / len(runs) for k in ('join_s', 'copy_call_s', 'rest_s', 'step_s')}
        r['copy_gb_per_s'] = copy_rate(merge_parts(parts), dev, pin) if dev.type == 'cuda' else None
        res['settings'][name] = r
        print(f"{name:8}: {r['step_s']:7.1f} ms a step (join {r['join_s']:6.1f}, copy call {r['copy_call_s']:6.1f}, "
              f"encoders and wait {r['rest_s']:6.1f})" + (f"; the copy alone {r['copy_gb_per_s']:5.1f} GB/s" if r['copy_gb_per_s'] else ''), flush=True)
        if args.out: args.out.write_text(json.dumps(res, indent=1))


if __name__ == '__main__':
    main()
