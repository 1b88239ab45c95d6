"""Text padded to 128 tokens against text cut to each batch's longest utterance (`trim_text_padding`).

What: MELD's real dev utterances (1,109; or the demo's) through the offline text encoder (all-MiniLM-L6-v2,
mean pooling), in batches as the feature cache runs it (no gradients) and as end-to-end fine-tuning runs it
(forward and backward through the encoder), padded to 128 and trimmed; seconds, texts/s, the speed-up, and
the largest difference between the two paths' features.
Why: MELD's median utterance is 12 tokens; attention and the feed-forward layers cost per token.

    python bench/text_padding.py [--meld-dir ../shared/meld] [--batch-size 32] [--train-batches 8]

Prints the machine and a table; --out writes JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch

from mm_sentiment.data import MELDDataset, collate_meld, load_tokenizer, trim_text_padding
from mm_sentiment.demo import demo_data_dir
from mm_sentiment.encoders import TextEncoder
from mm_sentiment.meld import SPLITS


def batches(ds, batch_size):
    for s in range(0, len(ds), batch_size): yield collate_meld([ds[i] for i in range(s, min(s + batch_size, len(ds)))])


def extract(enc, bs, trim):
    out, t = [], time.perf_counter()
    with torch.no_grad():
        for b in bs:
            b = trim_text_padding(b) if trim else b
            out.append(enc.features(b['text_input']['input_ids'], b['text_input']['attention_mask']))
    return time.perf_counter() - t, torch.cat(out)


def finetune(enc, bs, trim):
    opt = torch.optim.SGD(enc.parameters(), lr=0.0)             # a step that changes nothing: both paths see the same weights
    t = time.perf_counter()
    for b in bs:
        b = trim_text_padding(b) if trim else b
        enc(b['text_input']['input_ids'], b['text_input']['attention_mask']).sum().backward(); opt.step(); opt.zero_grad()
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--meld-dir', type=Path, default=None, help="a folder with MELD's dev_sent_emo.csv (default: the demo set)")
    ap.add_argument('--batch-size', type=int, default=32)
    ap.add_argument('--train-batches', type=int, default=8)
    ap.add_argument('--out', type=Path, default=None)
    args = ap.parse_args()
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
    machine = f'{cpu}, {torch.get_num_threads()} threads, torch {torch.__version__}, Python {platform.python_version()}'
    print(machine, flush=True)
    root = args.meld_dir or demo_data_dir(progress=False)
    ds = MELDDataset(root/SPLITS['dev'].csv, tokenizer=load_tokenizer(), modalities='text')
    bs = list(batches(ds, args.batch_size))
    lengths = [int(trim_text_padding(b)['text_input']['input_ids'].shape[1]) for b in bs]
    torch.manual_seed(0)
    enc = TextEncoder(train_backbone=True)
    enc.eval()                                                   # dropout off: the two paths must agree
    extract(enc, bs[:2], True)                                   # warm-up
    res = {'machine': machine, 'texts': len(ds), 'batch_size': args.batch_size,
           'batch_length_mean': sum(lengths) / len(lengths), 'batch_length_max': max(lengths)}
    t128, f128 = extract(enc, bs, False)
    ttrim, ftrim = extract(enc, bs, True)
    res |= {'extract_128_s': t128, 'extract_trimmed_s': ttrim, 'extract_speedup': t128 / ttrim,
            'max_feature_difference': (f128 - ftrim).abs().max().item()}
    k = bs[:args.train_batches]
    res |= {'finetune_128_s': finetune(enc, k, False), 'finetune_trimmed_s': finetune(enc, k, True), 'finetune_batches': len(k)}
    res['finetune_speedup'] = res['finetune_128_s'] / res['finetune_trimmed_s']
    print(f"{len(ds)} texts in batches of {args.batch_size}; trimmed batch length mean {res['batch_length_mean']:.1f}, max {res['batch_length_max']} (of 128)")
    print(f"features (no gradients):  128 tokens {t128:6.1f} s ({len(ds) / t128:6.1f} texts/s) | trimmed {ttrim:6.1f} s ({len(ds) / ttrim:6.1f} texts/s) | {res['extract_speedup']:.1f}x")
    print(f"fine-tuning, {len(k)} batches forward + backward: 128 tokens {res['finetune_128_s']:6.1f} s | trimmed {res['finetune_trimmed_s']:6.1f} s | {res['finetune_speedup']:.1f}x")
    print(f"largest feature difference between the two: {res['max_feature_difference']:.2e}")
    if args.out: args.out.write_text(json.dumps(res, indent=1))


if __name__ == '__main__':
    main()
