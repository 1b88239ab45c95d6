"""One-time extraction of the frozen encoders' features vs the course's decode-and-encode-every-epoch loop.

    python bench/epoch_cost.py --clips 1000 [--workers 15] [--tokenizer DIR] [--root DIR]    # GPU, MELD-size clips
    python bench/epoch_cost.py --data-dir DIR --workers 1                                    # CPU, e.g. the demo set

Runs on CUDA when there is a GPU, else on the CPU.
On the train split of --data-dir, or on generated clips at MELD's size (1280x720, 23.976 fps, 2.5-4.7 s, H.264 + AAC), with the course's
encoders (r3d_18 at 16x112x112, bert-base-uncased's architecture at 128 tokens, the seed's audio CNN;
random weights: throughput does not depend on them):

1. extraction pass: a DataLoader (spawned workers) decodes every clip while the GPU computes the frozen
   features in bf16 (channels_last_3d for video); wall time, time spent waiting for data, GPU time;
2. GPU compute alone, on the decoded batches kept in memory: clips/s per encoder, fp32 and bf16, next
   to the ceilings of ../shared/measurements/gpu-ceiling-h100.json at the same input size;
3. the course's loop: one epoch that decodes and encodes every clip (fp32) and trains the heads;
4. the same epoch on the cached features (trainable parts only);
and projects a 20-epoch run on MELD's 9,989 training clips both ways. Prints the machine. No result
is asserted.

On a lent GPU machine, write the output to a file under $OUT as it goes (`> $OUT/log.txt 2>&1`), not
through a pipe that only flushes at the end: a run cut short then still returns what it measured,
and --out (also under $OUT) holds every stage finished so far.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from mm_sentiment.data import MELDDataset, collate_meld
from mm_sentiment.demo import MELD_SIZE, make_demo_dataset
from mm_sentiment.encoders import RANDOM_BERT
from mm_sentiment.model import MultimodalSentimentModel
from mm_sentiment.training import _frozen_features, forward_from_features, to_device

CEILING_KEYS = {'video_fp32': 'r3d18_T16_112px_fp32_clips_per_s', 'video_bf16': 'r3d18_T16_112px_bf16_cl_clips_per_s',
                'text_fp32': 'bert_base_L128_fp32_texts_per_s', 'text_bf16': 'bert_base_L128_bf16_texts_per_s'}


def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()


def features(model, b, dev, bf16: bool):
    "The frozen backbones' outputs for a batch (video 512, audio 128, text 768), in bf16 with channels_last_3d when asked."
    if bf16: b = {**b, 'video_frames': b['video_frames'].contiguous(memory_format=torch.channels_last_3d)}
    with torch.no_grad(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
        return {k: v.float() for k, v in _frozen_features(model, b).items()}


def train_step(model, opt, out, b):
    loss = F.cross_entropy(out['emotions'], b['emotion_label']) + F.cross_entropy(out['sentiments'], b['sentiment_label'])
    opt.zero_grad(set_to_none=True); loss.backward()
    torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0); opt.step()


def rate(fn, n_items, dev, repeat=3):
    fn(); sync(dev)                                   # warm-up (cudnn autotune)
    t = time.perf_counter()
    for _ in range(repeat): fn()
    sync(dev)
    return n_items * repeat / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--clips', type=int, default=1000)
    ap.add_argument('--workers', type=int, default=max(1, (os.cpu_count() or 2) - 1))
    ap.add_argument('--batch-size', type=int, default=32)
    ap.add_argument('--tokenizer', default=None, help='tokenizer folder (default: the offline encoder\'s)')
    ap.add_argument('--root', type=Path, default=None, help='where to generate the clips (default: a temporary folder)')
    ap.add_argument('--data-dir', type=Path, default=None, help='use the train split of this MELD-layout folder instead of generating clips')
    ap.add_argument('--n-frames', type=int, default=16)
    ap.add_argument('--ceilings', type=Path, default=Path(__file__).resolve().parents[2]/'shared'/'measurements'/'gpu-ceiling-h100.json')
    ap.add_argument('--out', type=Path, default=Path(__file__).parent/'out'/'epoch_cost.json')
    args = ap.parse_args()
    dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    torch.backends.cudnn.benchmark = True
    info = {'device': torch.cuda.get_device_name() if dev.type == 'cuda' else 'cpu', 'torch': torch.__version__,
            'cpus': os.cpu_count(), 'python': platform.python_version(), 'workers': args.workers, 'clips': args.clips}
    print(json.dumps(info), flush=True)
    if args.data_dir: root = args.data_dir
    else:
        root = args.root or Path(tempfile.mkdtemp())/'meldsize'
        cfg = replace(MELD_SIZE, n_train=args.clips, n_dev=0, n_test=0, min_seconds=2.5, max_seconds=4.7)
        t = time.perf_counter(); make_demo_dataset(root, cfg, workers=os.cpu_count(), progress=True)
        print(f'generated {args.clips} clips at 1280x720 in {time.perf_counter() - t:.0f} s', flush=True)
    ds = MELDDataset.from_split(root, 'train', tokenizer=args.tokenizer, n_frames=args.n_frames)
    info |= {'data': str(root), 'clips': len(ds), 'n_frames': args.n_frames}
    print(json.dumps(info), flush=True)
    torch.manual_seed(0)
    model = MultimodalSentimentModel(text_model=RANDOM_BERT, pooling='pooler', video_weights='random').to(dev).eval()
    model.video_encoder.backbone.to(memory_format=torch.channels_last_3d)
    res = {}

    def save():
        "Write what is measured so far: a run cut short by a time limit still leaves its numbers."
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({'machine': info, **res}, indent=1))

    def loader():
        return DataLoader(ds, batch_size=args.batch_size, num_workers=args.workers, collate_fn=collate_meld,
                          multiprocessing_context='spawn', pin_memory=dev.type == 'cuda', prefetch_factor=4,
                          persistent_workers=False)

    # 1. extraction pass, keeping the decoded batches for 2.
    kept, cache, wait_s, gpu_s, n = [], {'video': [], 'audio': [], 'text': [], 'emotion': [], 'sentiment': []}, 0.0, 0.0, 0
    t0 = time.perf_counter(); it = iter(loader()); t_first = None
    while True:
        tw = time.perf_counter()
        try: batch = next(it)
        except StopIteration: break
        if t_first is None: t_first = time.perf_counter() - t0
        wait_s += time.perf_counter() - tw
        batch.pop('skipped')
        tg = time.perf_counter(); b = to_device(batch, dev, non_blocking=True); f = features(model, b, dev, bf16=dev.type == 'cuda'); sync(dev); gpu_s += time.perf_counter() - tg
        for k in ('video', 'audio', 'text'): cache[k].append(f[k])
        cache['emotion'].append(b['emotion_label']); cache['sentiment'].append(b['sentiment_label'])
        kept.append(batch); n += len(batch['index'])
        if len(kept) % 8 == 0: print(f'  extraction: {n} clips after {time.perf_counter() - t0:.0f} s', flush=True)
    wall = time.perf_counter() - t0
    res['extraction'] = {'clips': n, 'wall_s': wall, 'clips_per_s': n / wall, 'worker_start_s': t_first,
                         'waiting_for_decode_s': wait_s, 'encode_s': gpu_s, 'encode_precision': 'bf16' if dev.type == 'cuda' else 'fp32',
                         'decode_clips_per_s_steady': (n - args.batch_size) / max(1e-9, wall - t_first)}
    print('extraction', json.dumps(res['extraction']), flush=True); save()
    cache = {k: torch.cat(v) for k, v in cache.items()}

    # 2. GPU compute alone, per encoder, on decoded batches already on the device
    gb = [to_device(b, dev, non_blocking=True) for b in kept[:4]]
    nb = sum(len(b['index']) for b in gb)
    comp = {}
    for prec, bf16 in (('fp32', False), ('bf16', True))[:2 if dev.type == 'cuda' else 1]:
        def run(part):
            def f():
                with torch.no_grad(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
                    for b in gb:
                        if part == 'video':
                            v = b['video_frames'].contiguous(memory_format=torch.channels_last_3d) if bf16 else b['video_frames']
                            model.video_encoder.features(v)
                        elif part == 'text': model.text_encoder.features(b['text_input']['input_ids'], b['text_input']['attention_mask'])
                        else: model.audio_encoder.features(b['audio_features'])
            return f
        if not bf16: model.video_encoder.backbone.to(memory_format=torch.contiguous_format)
        for part in ('video', 'text', 'audio'): comp[f'{part}_{prec}'] = rate(run(part), nb, dev)
        model.video_encoder.backbone.to(memory_format=torch.channels_last_3d)
    ceil = json.loads(args.ceilings.read_text()) if args.ceilings.is_file() else {}
    res['gpu_compute_clips_per_s'] = comp
    res['vs_ceiling'] = {k: comp[k] / ceil[v] for k, v in CEILING_KEYS.items() if v in ceil and k in comp and dev.type == 'cuda'}
    print('gpu compute', json.dumps(comp), '| fraction of ceiling', json.dumps(res['vs_ceiling']), flush=True); save()

    # 3. the course's loop: decode + encode (fp32) + train, every epoch
    model.video_encoder.backbone.to(memory_format=torch.contiguous_format)
    model.train()
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    t0 = time.perf_counter(); n = 0
    for batch in loader():
        batch.pop('skipped'); b = to_device(batch, dev, non_blocking=True)
        if len(b['index']) < 2: continue
        train_step(model, opt, model(b), b); n += len(b['index'])
    sync(dev); e2e = time.perf_counter() - t0
    res['epoch_course_loop'] = {'clips': n, 'seconds': e2e}
    print('course loop epoch', json.dumps(res['epoch_course_loop']), flush=True); save()

    # 4. one epoch on the cache
    N = len(cache['emotion'])
    def cache_epoch():
        perm = torch.randperm(N, device=dev)
        for i in range(0, N - 1, 32):
            idx = perm[i:i + 32]
            if len(idx) < 2: continue
            f = {k: cache[k][idx] for k in ('video', 'audio', 'text')}
            train_step(model, opt, forward_from_features(model, f), {'emotion_label': cache['emotion'][idx], 'sentiment_label': cache['sentiment'][idx]})
    cache_epoch(); sync(dev)
    t = time.perf_counter(); cache_epoch(); sync(dev); cache_s = time.perf_counter() - t
    res['epoch_on_cache'] = {'clips': N, 'seconds': cache_s}
    scale = 9989 / N
    e2e_20 = 20 * e2e * scale
    cached_20 = res['extraction']['wall_s'] * scale + 20 * cache_s * scale
    res['projection_meld_train_20_epochs_s'] = {'course_loop': e2e_20, 'extract_once_then_cache': cached_20, 'speedup': e2e_20 / cached_20}
    print('cache epoch', json.dumps(res['epoch_on_cache']), flush=True)
    print('projection', json.dumps(res['projection_meld_train_20_epochs_s']), flush=True)
    save()


if __name__ == '__main__':
    main()
