"""Text padded to 128 tokens against text cut to each batch's longest utterance (`trim_text_padding`), exactly or rounded up.

What: MELD's real dev utterances (1,109; or the demo's) through the offline text encoder (all-MiniLM-L6-v2,
mean pooling), in batches as the feature cache runs it (no gradients) and as end-to-end fine-tuning runs it
(forward and backward through the encoder): padded to 128, and trimmed to each batch's longest utterance
rounded up to each of --multiples (1: exact; 16: what `text_length_multiple` gives on CUDA); seconds, texts/s,
the speed-up against 128, the number of text shapes each pass met for the first time in this process, and the
largest difference between the paths' features. Each path is timed twice: a first pass, in which each new
shape may pay one-time costs, and a second; the speed-ups are the second's, and the first's are printed beside.
Why: MELD's median utterance is 12 tokens; attention and the feed-forward layers cost per token. On a GPU a
first pass over 1,109 texts was slower trimmed exactly (19 lengths) than padded (one): PyTorch 2.11 sends
attention with a padding mask to cuDNN on an H100, which builds a plan per new shape (modelscope/FunASR#3704).
--no-cudnn-sdp turns cuDNN's attention off (`torch.backends.cuda.enable_cudnn_sdp(False)`) to test that reading.

    python bench/text_padding.py [--meld-dir ../shared/meld] [--batch-size 32] [--train-batches 8] [--device cuda]
                                 [--multiples 1 16] [--no-cudnn-sdp] [--text-model offline random-bert-base]
                                 [--tokenizer DIR]

On CUDA (the default where there is one) in bf16 autocast, as the cache and end-to-end training run it there;
--text-model random-bert-base times bert-base's architecture (the seed's encoder) with random weights;
`--text-model offline random-bert-base` measures both, one after the other.

Prints the machine and a line per measurement; --out writes JSON, rewritten after each.
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


def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()


def cut(b, multiple):
    "The batch as a path gives it to the encoder: padded to 128 (None) or trimmed to a multiple."
    return b if multiple is None else trim_text_padding(b, multiple)


SEEN = {'extract': set(), 'finetune': set()}                    # text shapes this process has run, apart for each kind of pass


def new_shapes(kind, bs, multiple) -> int:
    "How many of the shapes the batches will have under `multiple` this process has not run yet in a `kind` pass."
    shapes = {tuple(cut(b, multiple)['text_input']['input_ids'].shape) for b in bs}
    n = len(shapes - SEEN[kind]); SEEN[kind].update(shapes)
    return n


def extract(enc, bs, multiple, dev):
    out, t = [], time.perf_counter()
    with torch.no_grad(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=dev.type == 'cuda'):
        for b in bs:
            b = cut(b, multiple)
            out.append(enc.features(b['text_input']['input_ids'].to(dev), b['text_input']['attention_mask'].to(dev)).float())
    sync(dev)
    return time.perf_counter() - t, torch.cat(out).cpu()


def finetune(enc, bs, multiple, dev):
    opt = torch.optim.SGD(enc.parameters(), lr=0.0)             # a step that changes nothing: every path sees the same weights
    t = time.perf_counter()
    for b in bs:
        b = cut(b, multiple)
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=dev.type == 'cuda'):
            y = enc(b['text_input']['input_ids'].to(dev), b['text_input']['attention_mask'].to(dev))
        y.float().sum().backward(); opt.step(); opt.zero_grad()
    sync(dev)
    return time.perf_counter() - t


def label(m): return '128 tokens' if m is None else ('trimmed' if m == 1 else f'trimmed to x{m}')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--meld-dir', type=Path, default=None, help="a folder with MELD's dev_sent_emo.csv (default: the demo set)")
    ap.add_argument('--batch-size', type=int, default=32)
    ap.add_argument('--train-batches', type=int, default=8)
    ap.add_argument('--multiples', type=int, nargs='+', default=[1, 16], help='trimmed lengths rounded up to each (1: exact)')
    ap.add_argument('--no-cudnn-sdp', action='store_true', help="turn cuDNN's attention off (CUDA)")
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--text-model', nargs='+', default=['offline'],
                    help='offline (the default: all-MiniLM-L6-v2), random-bert-base (its shapes only), a folder; several: one after another')
    ap.add_argument('--tokenizer', default=None, help="tokenizer folder (default: the offline encoder's)")
    ap.add_argument('--out', type=Path, default=None)
    args = ap.parse_args()
    dev = torch.device(args.device)
    if args.no_cudnn_sdp: torch.backends.cuda.enable_cudnn_sdp(False)
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
    where = (torch.cuda.get_device_name(dev) + f', bf16, cuDNN attention {"off" if args.no_cudnn_sdp else "allowed"}'
             if dev.type == 'cuda' else f'{torch.get_num_threads()} threads')
    print(f'{cpu}, {where}, torch {torch.__version__}, Python {platform.python_version()}', flush=True)
    root = args.meld_dir or demo_data_dir(progress=False)
    ds = MELDDataset(root/SPLITS['dev'].csv, tokenizer=load_tokenizer(args.tokenizer), modalities='text')
    bs = list(batches(ds, args.batch_size))
    paths = [None] + args.multiples
    lengths = {label(m): [int(cut(b, m)['text_input']['input_ids'].shape[1]) for b in bs] for m in paths}
    print(f"{len(ds)} texts in {len(bs)} batches of {args.batch_size}; " + '; '.join(
        f'{k}: mean length {sum(v) / len(v):.1f}, {len(set(v))} lengths' for k, v in lengths.items()), flush=True)
    out = {}
    for name in (None if m == 'offline' else m for m in args.text_model):
        model = name or 'all-MiniLM-L6-v2'
        res = out[model] = {'machine': f'{cpu}, {where}, torch {torch.__version__}', 'texts': len(ds), 'batch_size': args.batch_size,
                            'lengths': {k: {'mean': sum(v) / len(v), 'distinct': len(set(v)), 'max': max(v)} for k, v in lengths.items()}}
        def save():                                              # after every measurement: a run cut short keeps what it has
            if args.out: args.out.write_text(json.dumps(out, indent=1))
        torch.manual_seed(0)
        enc = TextEncoder(name, train_backbone=True).to(dev)
        enc.eval()                                               # dropout off: the paths must agree
        for seen in SEEN.values(): seen.clear()                 # another model: other kernels, other plans
        new_shapes('extract', bs[:1], None); extract(enc, bs[:1], None, dev)   # warm-up (CUDA's context, the first kernels)
        feats = {}
        for m in paths:                                          # each path's first pass, then its second
            n_new = new_shapes('extract', bs, m)
            cold, _ = extract(enc, bs, m, dev)
            warm, feats[m] = extract(enc, bs, m, dev)
            res[f'extract {label(m)}'] = r = {'first_pass_s': cold, 'new_shapes': n_new, 'second_pass_s': warm}
            if m is not None:
                r |= {'speedup': res['extract 128 tokens']['second_pass_s'] / warm, 'first_pass_speedup': res['extract 128 tokens']['first_pass_s'] / cold,
                      'max_feature_difference': (feats[None] - feats[m]).abs().max().item()}
            print(f"{model}, features (no gradients), {label(m):16}: {warm:6.2f} s ({len(ds) / warm:6.0f} texts/s)"
                  + (f" {r['speedup']:.1f}x" if m is not None else '') + f" | first pass {cold:6.2f} s, {n_new} new shapes"
                  + (f" {r['first_pass_speedup']:.1f}x; largest feature difference {r['max_feature_difference']:.2e}" if m is not None else ''), flush=True); save()
        k = bs[:args.train_batches]
        new_shapes('finetune', k[:1], None); finetune(enc, k[:1], None, dev)   # warm-up of the backward pass
        for m in paths:
            n_new = new_shapes('finetune', k, m)
            cold, warm = finetune(enc, k, m, dev), finetune(enc, k, m, dev)
            res[f'finetune {label(m)}'] = r = {'first_pass_s': cold, 'new_shapes': n_new, 'second_pass_s': warm, 'batches': len(k)}
            if m is not None: r |= {'speedup': res['finetune 128 tokens']['second_pass_s'] / warm, 'first_pass_speedup': res['finetune 128 tokens']['first_pass_s'] / cold}
            print(f"{model}, fine-tuning {len(k)} batches, {label(m):16}: {warm:6.2f} s" + (f" {r['speedup']:.1f}x" if m is not None else '')
                  + f" | first pass {cold:6.2f} s, {n_new} new shapes" + (f" {r['first_pass_speedup']:.1f}x" if m is not None else ''), flush=True); save()

if __name__ == '__main__':
    main()
