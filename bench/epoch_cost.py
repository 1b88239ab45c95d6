"""One-time extraction of the frozen encoders' features vs the course's decode-and-encode-every-epoch loop.

    python bench/epoch_cost.py --clips 1000 [--workers 15] [--tokenizer DIR] [--root DIR]    # GPU, MELD-size clips
    python bench/epoch_cost.py --data-dir DIR --workers 1                                    # CPU, e.g. the demo set

Runs on CUDA when there is a GPU, else on the CPU.
On the train split of --data-dir, or on generated clips at MELD's size (1280x720, 23.976 fps, 2.5-4.7 s, H.264 + AAC), with the course's
encoders (r3d_18 at 16x112x112, bert-base-uncased's architecture at 128 tokens, the seed's audio CNN;
random weights: throughput does not depend on them):

1. the library's one-time extraction (`mm_sentiment.features.extract_features`): lesson 2c's loader (workers
   forked from the fork server, with threads reading while they start: --pool handover, the default; or
   --pool processes or threads alone; pinned memory) decodes every clip while the GPU computes the frozen features in bf16
   (channels_last_3d for video); wall time, time spent waiting for decoded batches, encode time;
2. GPU compute alone, on a few decoded batches kept on the device: clips/s per encoder, fp32 and bf16,
   next to the ceilings of ../shared/measurements/gpu-ceiling-h100.json at the same input size;
3. one epoch that decodes and encodes every clip and trains the heads: first the course's loop as the course
   runs it (bench/getitem.py's loader: OpenCV's first 30 frames at 224x224, audio through ffmpeg; r3d_18 at
   30x224x224, fp32), then the library's end-to-end loop (`ClipBatches`, what `train_end_to_end` uses), fp32
   and on CUDA bf16; --stage-seconds cuts an epoch short and projects it from the clips it did;
4. the same epoch on the cached features (`FeatureBatches`, trainable parts only);
and projects a 20-epoch run on MELD's 9,989 training clips each way. --pool picks lesson 2c's pool. Prints the machine. No result
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
from itertools import islice
from pathlib import Path

import pandas as pd
import torch
import torch.nn.functional as F

from torch.utils.data import DataLoader, Subset

from mm_sentiment.data import POOLS, MELDDataset, worker_context
from mm_sentiment.demo import MELD_SIZE, make_demo_dataset
from mm_sentiment.encoders import RANDOM_BERT
from mm_sentiment.end_to_end import ClipBatches
from mm_sentiment.model import MultimodalSentimentModel
from mm_sentiment.devices import batch_for_device, prepare_for_device
import mm_sentiment.features
from mm_sentiment.features import CachedFeatures, extract_features
from mm_sentiment.training import FeatureBatches, epoch_batches, train_step

CEILING_KEYS = {'video_fp32': 'r3d18_T16_112px_fp32_clips_per_s', 'video_bf16': 'r3d18_T16_112px_bf16_cl_clips_per_s',
                'text_fp32': 'bert_base_L128_fp32_texts_per_s', 'text_bf16': 'bert_base_L128_bf16_texts_per_s'}


class TimedBar(mm_sentiment.features.tqdm):
    "The extraction's progress bar, noting when each batch arrived: (seconds since `TimedBar.t_call`, clips so far)."
    t_call, points = 0.0, []
    def update(self, n=1):
        super().update(n)
        TimedBar.points.append((round(time.perf_counter() - TimedBar.t_call, 3), self.n))

def repeat_rows(root: Path, n: int):
    "Grow the train split of `root` to `n` rows by repeating its rows under new dialogue ids; each new clip is a link to its original."
    from mm_sentiment.meld import SPLITS
    csv, clips = root/SPLITS['train'].csv, root/SPLITS['train'].clips
    df = pd.read_csv(csv)
    step, parts = int(df['Dialogue_ID'].max()) + 1, [df]
    for k in range(1, -(-n // len(df))):
        d = df.assign(Dialogue_ID=df['Dialogue_ID'] + k * step)
        for (od, ou), nd in zip(df[['Dialogue_ID', 'Utterance_ID']].to_numpy(), d['Dialogue_ID']):
            (clips/f'dia{nd}_utt{ou}.mp4').symlink_to(clips/f'dia{od}_utt{ou}.mp4')
        parts.append(d)
    pd.concat(parts).head(n).to_csv(csv, index=False)
    print(f'{n} rows from {len(df)} clips (the others are links)', flush=True)


def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()


def machine(dev) -> dict:
    cpu = next((l.split(':', 1)[1].strip() for l in Path('/proc/cpuinfo').read_text().splitlines() if l.startswith('model name')),
               platform.processor()) if Path('/proc/cpuinfo').exists() else platform.processor()
    return {'device': torch.cuda.get_device_name() if dev.type == 'cuda' else 'cpu', 'cpu': cpu, 'cores': os.cpu_count(),
            'torch': torch.__version__, 'python': platform.python_version()}


def epoch(model, opt, source, n, batch_size, limit_s=None) -> dict:
    """One training epoch of the trainable parts over `source` (as `fit` runs it, without validation or checkpoints).
    Stops by itself after `limit_s` seconds; returns the seconds, the clips trained on and the projected seconds for all `n`."""
    model.train(); t = time.perf_counter(); done = 0
    params = [p for p in model.parameters() if p.requires_grad]
    for x, ye, ys in source.batches(epoch_batches(n, batch_size, 0, 0)):
        if len(ye) < 2: continue
        train_step(model, source, x, ye, ys, opt, (F.cross_entropy, F.cross_entropy), params, 1.0)
        done += len(ye)
        if limit_s and time.perf_counter() - t > limit_s: break
    sync(ye.device)
    s = time.perf_counter() - t
    return {'seconds': s, 'clips': done, 'of': n, 'cut_short': done < n, 'projected_s': s * n / max(done, 1)}


class CourseLoop:
    "The course's original loop as the course runs it: OpenCV's first 30 frames at 224x224 and audio through ffmpeg, every epoch, fp32."
    bf16 = False
    def __init__(self, ds: MELDDataset, device, batch_size: int, workers: int):
        from getitem import CourseBaselineDataset                       # bench/getitem.py: the course's own loader
        self.cds, self.device, self.batch_size, self.workers = CourseBaselineDataset(ds), device, batch_size, workers
    def batches(self, chunks):
        idx = [i for c in chunks for i in c.tolist()]
        extra = dict(multiprocessing_context=worker_context(), prefetch_factor=2) if self.workers else {}
        dl = DataLoader(Subset(self.cds, idx), batch_size=self.batch_size, num_workers=self.workers, pin_memory=self.device.type == 'cuda', **extra)
        for b in dl:
            b = {'video_frames': b['video_frames'].permute(0, 2, 1, 3, 4),          # (B, 30, 3, 224, 224) -> (B, 3, 30, 224, 224)
                 'audio_features': b['audio_features'].squeeze(1), 'text_input': b['text_input'],
                 'emotion_label': b['emotion_label'], 'sentiment_label': b['sentiment_label']}
            b = batch_for_device(b, self.device)
            yield b, b['emotion_label'], b['sentiment_label']
    def forward(self, model, batch): return model(batch)


def rate(fn, n_items, dev, repeat=3):
    fn(); sync(dev)                                   # warm-up (cudnn autotune)
    t = time.perf_counter()
    for _ in range(repeat): fn()
    sync(dev)
    return n_items * repeat / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--clips', type=int, default=1000)
    ap.add_argument('--unique', type=int, default=None, help='generate only this many clips and repeat them (links) up to --clips rows')
    ap.add_argument('--workers', type=int, default=max(1, (os.cpu_count() or 2) - 1))
    ap.add_argument('--batch-size', type=int, default=32)
    ap.add_argument('--tokenizer', default=None, help='tokenizer folder (default: the offline encoder\'s)')
    ap.add_argument('--root', type=Path, default=None, help='where to generate the clips (default: a temporary folder)')
    ap.add_argument('--data-dir', type=Path, default=None, help='use the train split of this MELD-layout folder instead of generating clips')
    ap.add_argument('--n-frames', type=int, default=16)
    ap.add_argument('--ceilings', type=Path, default=Path(__file__).resolve().parents[2]/'shared'/'measurements'/'gpu-ceiling-h100.json')
    ap.add_argument('--out', type=Path, default=Path(__file__).parent/'out'/'epoch_cost.json')
    ap.add_argument('--only-generate', action='store_true', help='generate the clips into --root and stop')
    ap.add_argument('--preset', default=MELD_SIZE.preset, help="x264 preset of the generated clips (default: MELD_SIZE's, x264's own default)")
    ap.add_argument('--pool', default='handover', choices=POOLS, help="lesson 2c's pool (default: threads until the processes start)")
    ap.add_argument('--stage-seconds', type=float, default=None, help='cut each timed epoch short after this many seconds (projected)')
    ap.add_argument('--skip', nargs='*', default=[], choices=('course',), help='stages to leave out')
    ap.add_argument('--only-extract', action='store_true', help='stop after the extraction (stage 1)')
    args = ap.parse_args()
    dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    cuda = dev.type == 'cuda'
    torch.backends.cudnn.benchmark = True
    info = {**machine(dev), 'workers': args.workers, 'batch_size': args.batch_size}
    print(json.dumps(info), flush=True)
    if args.data_dir: root = args.data_dir
    else:
        root = args.root or Path(tempfile.mkdtemp())/'meldsize'
        n_unique = min(args.unique or args.clips, args.clips)
        cfg = replace(MELD_SIZE, n_train=n_unique, n_dev=0, n_test=0, min_seconds=2.5, max_seconds=4.7, preset=args.preset)
        t = time.perf_counter(); make_demo_dataset(root, cfg, workers=os.cpu_count(), progress=True)
        print(f'generated {n_unique} clips at 1280x720 (x264 {args.preset}) in {time.perf_counter() - t:.0f} s', flush=True)
        if n_unique < args.clips: repeat_rows(root, args.clips)
        if args.only_generate: return
    ds = MELDDataset.from_split(root, 'train', tokenizer=args.tokenizer, n_frames=args.n_frames)
    info |= {'data': str(root), 'clips': len(ds), 'n_frames': args.n_frames}
    print(json.dumps(info), flush=True)
    torch.manual_seed(0)
    model = prepare_for_device(MultimodalSentimentModel(text_model=RANDOM_BERT, pooling='pooler', video_weights='random'), dev).eval()
    res = {}

    def save():
        "Write what is measured so far: a run cut short by a time limit still leaves its numbers."
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({'machine': info, **res}, indent=1))

    # 1. the one-time extraction, as training runs it (a fresh cache folder, so nothing is reused)
    mm_sentiment.features.tqdm, TimedBar.t_call, TimedBar.points = TimedBar, time.perf_counter(), []   # the timeline, in the JSON
    cache = CachedFeatures(extract_features(model, ds, Path(tempfile.mkdtemp()), 'train', batch_size=args.batch_size,
                                            num_workers=args.workers, device=dev, progress=True, pool=args.pool))
    tm = cache.timing
    res['extraction'] = {**tm, 'clips_per_s': tm['clips'] / tm['wall_s'],
                         'clips_per_s_after_first_batch': (tm['clips'] - args.batch_size) / (tm['wall_s'] - tm['first_batch_s'])
                         if tm['clips'] > args.batch_size else None}
    print('extraction', json.dumps(res['extraction']), flush=True)
    res['extraction']['arrivals'] = TimedBar.points; save()
    if args.only_extract: return

    # 2. GPU compute alone, per encoder, on a few decoded batches already on the device; the same loader (one pool) serves stage 3
    src = ClipBatches(ds, dev, args.batch_size, args.workers, 'fp32', pool=args.pool)
    gb = [x for x, _, _ in islice(src.batches(), 4)]
    nb = sum(len(b['emotion_label']) for b in gb)
    comp = {}
    for prec, bf16 in (('fp32', False), ('bf16', True))[:2 if cuda else 1]:
        def run(part):
            def f():
                with torch.no_grad(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
                    for b in gb:
                        if part == 'video': model.video_encoder.features(b['video_frames'])
                        elif part == 'text': model.text_encoder.features(b['text_input']['input_ids'], b['text_input']['attention_mask'])
                        else: model.audio_encoder.features(b['audio_features'])
            return f
        for part in ('video', 'text', 'audio'): comp[f'{part}_{prec}'] = rate(run(part), nb, dev)
    ceil = json.loads(args.ceilings.read_text()) if args.ceilings.is_file() else {}
    res['gpu_compute_clips_per_s'] = comp
    res['vs_ceiling'] = {k: comp[k] / ceil[v] for k, v in CEILING_KEYS.items() if v in ceil and k in comp and cuda}
    res['compute_note'] = 'text at each batch\'s longest utterance (trim_text_padding), the ceilings at 128 tokens'
    print('compute alone', json.dumps(comp), '| fraction of ceiling', json.dumps(res['vs_ceiling']), flush=True); save()
    del gb

    # 3. decode + encode + train, every epoch: the course's original loop, then the library's end-to-end loop (fp32; on CUDA also bf16)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    res['epoch_course_original'] = res['epoch_end_to_end'] = None
    if 'course' not in args.skip:
        try:
            loop = CourseLoop(ds, dev, args.batch_size, args.workers)
            res['epoch_course_original'] = {**epoch(model, opt, loop, len(ds), args.batch_size, args.stage_seconds),
                                            'audio_via': loop.cds.audio_via}
        except Exception as e:                                          # e.g. no OpenCV or no ffmpeg there: say so, go on
            res['epoch_course_original'] = {'error': f'{type(e).__name__}: {e}'}
        print('course loop epoch (OpenCV, 30 frames at 224, fp32)', json.dumps(res['epoch_course_original']), flush=True); save()
    res['epoch_end_to_end'] = {}
    for prec in ('fp32', 'bf16')[:2 if cuda else 1]:
        src.bf16 = prec == 'bf16'
        res['epoch_end_to_end'][prec] = epoch(model, opt, src, len(ds), args.batch_size, args.stage_seconds)
        print('end-to-end epoch', prec, json.dumps(res['epoch_end_to_end'][prec]), flush=True); save()
    del src

    # 4. one epoch on the cache, and 20 epochs on MELD's 9,989 training clips each way
    fb = FeatureBatches(cache, dev, args.batch_size)
    epoch(model, opt, fb, len(fb), args.batch_size)                     # warm-up
    cache_s = min(epoch(model, opt, fb, len(fb), args.batch_size)['seconds'] for _ in range(3))
    res['epoch_on_cache'] = {'clips': len(fb), 'seconds': cache_s}
    scale = 9989 / len(fb)
    cached_20 = tm['wall_s'] * scale + 20 * cache_s * scale
    loops = {'end_to_end_fp32': res['epoch_end_to_end']['fp32']}
    if isinstance(res['epoch_course_original'], dict) and 'projected_s' in res['epoch_course_original']:
        loops['course_original'] = res['epoch_course_original']
    res['projection_meld_train_20_epochs_s'] = {'extract_once_then_cache': cached_20}
    for name, e in loops.items():
        e20 = 20 * e['projected_s'] * 9989 / e['of']
        res['projection_meld_train_20_epochs_s'] |= {name: e20, f'speedup_vs_{name}': e20 / cached_20}
    print('cache epoch', json.dumps(res['epoch_on_cache']), flush=True)
    print('projection', json.dumps(res['projection_meld_train_20_epochs_s']), flush=True)
    save()


if __name__ == '__main__':
    main()
