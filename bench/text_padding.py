"""Text padded to 128 tokens against text cut to each batch's longest utterance (`trim_text_padding`).

What: MELD's real dev utterances (1,109; or the demo's) through the offline text encoder (all-MiniLM-L6-v2,
mean pooling), in batches as the feature cache runs it (no gradients) and as end-to-end fine-tuning runs it
(forward and backward through the encoder), padded to 128 and trimmed; seconds, texts/s, the speed-up, and
the largest difference between the two paths' features. Each path is timed twice: a first pass, in which each new
batch length may pay one-time costs (on a GPU, a first pass over 1,109 texts was slower trimmed), and a second; the
speed-up is the second's.
Why: MELD's median utterance is 12 tokens; attention and the feed-forward layers cost per token.

    python bench/text_padding.py [--meld-dir ../shared/meld] [--batch-size 32] [--train-batches 8] [--device cuda]
                                 [--text-model offline random-bert-base] [--tokenizer DIR]

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


def extract(enc, bs, trim, dev):
    out, t = [], time.perf_counter()
    with torch.no_grad(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=dev.type == 'cuda'):
        for b in bs:
            b = trim_text_padding(b) if trim else b
            out.append(enc.features(b['text_input']['input_ids'].to(dev), b['text_input']['attention_mask'].to(dev)).float())
    sync(dev)
    return time.perf_counter() - t, torch.cat(out).cpu()


def finetune(enc, bs, trim, dev):
    opt = torch.optim.SGD(enc.parameters(), lr=0.0)             # a step that changes nothing: both paths see the same weights
    t = time.perf_counter()
    for b in bs:
        b = trim_text_padding(b) if trim else b
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=dev.type == 'cuda'):
            y = enc(b['text_input']['input_ids'].to(dev), b['text_input']['attention_mask'].to(dev))
        y.float().sum().backward(); opt.step(); opt.zero_grad()
    sync(dev)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--meld-dir', type=Path, default=None, help="a folder with MELD's dev_sent_emo.csv (default: the demo set)")
    ap.add_argument('--batch-size', type=int, default=32)
    ap.add_argument('--train-batches', type=int, default=8)
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--text-model', nargs='+', default=['offline'],
                    help='offline (the default: all-MiniLM-L6-v2), random-bert-base (its shapes only), a folder; several: one after another')
    ap.add_argument('--tokenizer', default=None, help="tokenizer folder (default: the offline encoder's)")
    ap.add_argument('--out', type=Path, default=None)
    args = ap.parse_args()
    dev = torch.device(args.device)
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
    where = torch.cuda.get_device_name(dev) + ', bf16' if dev.type == 'cuda' else f'{torch.get_num_threads()} threads'
    print(f'{cpu}, {where}, torch {torch.__version__}, Python {platform.python_version()}', flush=True)
    root = args.meld_dir or demo_data_dir(progress=False)
    ds = MELDDataset(root/SPLITS['dev'].csv, tokenizer=load_tokenizer(args.tokenizer), modalities='text')
    bs = list(batches(ds, args.batch_size))
    lengths = [int(trim_text_padding(b)['text_input']['input_ids'].shape[1]) for b in bs]
    print(f"{len(ds)} texts in batches of {args.batch_size}; trimmed batch length mean {sum(lengths) / len(lengths):.1f}, "
          f"max {max(lengths)} (of 128)", flush=True)
    out = {}
    for name in (None if m == 'offline' else m for m in args.text_model):
        res = out[name or 'all-MiniLM-L6-v2'] = {'machine': f'{cpu}, {where}, torch {torch.__version__}', 'texts': len(ds),
                                                  'batch_size': args.batch_size, 'batch_length_mean': sum(lengths) / len(lengths),
                                                  'batch_length_max': max(lengths)}
        def save():                                              # after every measurement: a run cut short keeps what it has
            if args.out: args.out.write_text(json.dumps(out, indent=1))
        torch.manual_seed(0)
        enc = TextEncoder(name, train_backbone=True).to(dev)
        enc.eval()                                               # dropout off: the two paths must agree
        extract(enc, bs[:2], True, dev)                          # warm-up
        cold = {'extract_128_cold_s': extract(enc, bs, False, dev)[0], 'extract_trimmed_cold_s': extract(enc, bs, True, dev)[0]}
        t128, f128 = extract(enc, bs, False, dev)                # again: every batch length seen once already
        ttrim, ftrim = extract(enc, bs, True, dev)
        res |= cold | {'extract_128_s': t128, 'extract_trimmed_s': ttrim, 'extract_speedup': t128 / ttrim,
                       'max_feature_difference': (f128 - ftrim).abs().max().item()}
        print(f"{name or 'all-MiniLM-L6-v2'}, features (no gradients): 128 tokens {t128:6.2f} s ({len(ds) / t128:6.0f} texts/s) | "
              f"trimmed {ttrim:6.2f} s ({len(ds) / ttrim:6.0f} texts/s) | {res['extract_speedup']:.1f}x "
              f"(first pass: {cold['extract_128_cold_s']:.2f} s vs {cold['extract_trimmed_cold_s']:.2f} s); "
              f"largest feature difference {res['max_feature_difference']:.2e}", flush=True); save()
        k = bs[:args.train_batches]
        finetune(enc, k[:1], True, dev)                          # warm-up of the backward pass
        res |= {'finetune_128_cold_s': finetune(enc, k, False, dev), 'finetune_trimmed_cold_s': finetune(enc, k, True, dev)}
        res |= {'finetune_128_s': finetune(enc, k, False, dev), 'finetune_trimmed_s': finetune(enc, k, True, dev), 'finetune_batches': len(k)}
        res['finetune_speedup'] = res['finetune_128_s'] / res['finetune_trimmed_s']
        print(f"{name or 'all-MiniLM-L6-v2'}, fine-tuning, {len(k)} batches forward + backward: 128 tokens {res['finetune_128_s']:6.2f} s | "
              f"trimmed {res['finetune_trimmed_s']:6.2f} s | {res['finetune_speedup']:.1f}x", flush=True); save()

if __name__ == '__main__':
    main()
