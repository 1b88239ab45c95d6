"""What skipping the frames nothing refers to saves, per clip, for clips encoded with and without B-frames.

    python bench/skip_frames.py [--clips 24] [--presets ultrafast medium] [--root DIR] [--repeats 3] [--out FILE]

Generates (or reuses, in --root) MELD-size clips (1280x720, 23.976 fps, 2.5-4.7 s, H.264 + AAC, lesson 2b's
`MELD_SIZE`) once per x264 preset: `ultrafast` (the demo's and, before, the benchmarks' clips: no B-frames)
and `medium` (x264's default: B-frames, CABAC). Then, in one process, one decoding thread (a worker's share of
the cores when every core decodes), each clip in turn, the two ways alternating:

- `plain`: every frame decoded and the 16 picked ones converted (by the same `rgb_frame`), as `decode_frames` did
  before lesson 2c's `decoded_frames` (written out here, the baseline measured in the same run);
- `skipping`: `decode_frames` now (non-reference frames that are not picked are skipped; it decodes to the
  end, as a first version that stopped at the last picked frame deadlocked once: bench/RESULTS.md);
- and a whole `MELDDataset.__getitem__` (video, audio, text) with skipping turned off and on;
- opening the file: `av.open` as PyAV does it (its probe decodes each stream's first frames) and as `demux_clip`
  does it (`PROBE_OPTIONS`: the probe decodes nothing).

Prints the machine and, per preset: frames per clip, frames decoded, median ms per clip each way and the
ratios, the frames compared pixel for pixel. No result is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from dataclasses import replace
from pathlib import Path
from unittest.mock import patch

import numpy as np
import torch

from mm_sentiment import data
import av

from mm_sentiment.data import PROBE_OPTIONS, MELDDataset, decode_frames, decoded_frames, demux_clip, frame_indices, rgb_frame, set_decoder_threads
from mm_sentiment.demo import MELD_SIZE, make_demo_dataset

SIZE = (128, 171)


def plain_frames(clip, n_frames: int = 16) -> np.ndarray:
    "The baseline: decode every frame, convert the picked ones as they pass (what `decode_frames` did before it skipped)."
    wanted = frame_indices(len(clip.video_packets), n_frames).tolist()
    ctx = clip.video.codec_context
    ctx.thread_type, ctx.thread_count = 'AUTO', 1
    got, i = {}, 0
    for p in (*clip.video_packets, None):
        for f in ctx.decode(p):
            if i in wanted: got[i] = rgb_frame(f, *SIZE)
            i += 1
    return np.stack([got.get(k, got[max(got)]) for k in wanted])


def timed(fn) -> tuple[float, object]:
    t = time.perf_counter(); out = fn(); return time.perf_counter() - t, out


def clips_for(root: Path, preset: str, n: int) -> Path:
    cfg = replace(MELD_SIZE, n_train=n, n_dev=0, n_test=0, min_seconds=2.5, max_seconds=4.7, preset=preset)
    return make_demo_dataset(root/f'meldsize-{preset}-{n}', cfg, workers=os.cpu_count(), progress=False)


def measure(folder: Path, repeats: int) -> dict:
    ds = MELDDataset.from_split(folder, 'train', n_frames=16)
    paths = [ds.clip_path(i) for i in range(len(ds))]
    t = {k: [] for k in ('plain', 'skipping', 'item_plain', 'item_skipping', 'open_probe', 'open')}
    frames = decoded = 0; same = True
    for _ in range(repeats):
        for i, p in enumerate(paths):
            with demux_clip(p, audio=False) as c:
                dt, a = timed(lambda: plain_frames(c)); t['plain'].append(dt)
            with demux_clip(p, audio=False) as c:
                dt, b = timed(lambda: decode_frames(c, 16, SIZE)); t['skipping'].append(dt)
            same &= np.array_equal(a, b)
            with patch.object(data, '_SKIPS_NONREF', set()): t['item_plain'].append(timed(lambda: ds[i])[0])
            t['item_skipping'].append(timed(lambda: ds[i])[0])
            t['open_probe'].append(timed(lambda: av.open(str(p)).close())[0])
            t['open'].append(timed(lambda: av.open(str(p), options=PROBE_OPTIONS).close())[0])
    for p in paths:
        with demux_clip(p, audio=False) as c:
            frames += len(c.video_packets)
            decoded += sum(1 for _ in decoded_frames(c, set(frame_indices(len(c.video_packets), 16).tolist())))
    ms = {k: round(1000 * statistics.median(v), 1) for k, v in t.items()}
    return {'clips': len(paths), 'frames_per_clip': round(frames / len(paths), 1), 'decoded_per_clip': round(decoded / len(paths), 1),
            'same_frames': bool(same), 'ms': ms, 'video_ratio': round(ms['plain'] / ms['skipping'], 3),
            'item_ratio': round(ms['item_plain'] / ms['item_skipping'], 3)}


def show(preset: str, r: dict):
    m = r['ms']
    print(f"{preset:10} {r['frames_per_clip']:6.1f} {r['decoded_per_clip']:7.1f} {m['plain']:8.1f} ms {m['skipping']:6.1f} ms "
          f"{r['video_ratio']:5.2f}x {m['item_plain']:7.1f} ms {m['item_skipping']:6.1f} ms {r['item_ratio']:5.2f}x  "
          f"{m['open_probe']:6.2f} ms {m['open']:5.2f} ms  {r['same_frames']}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--clips', type=int, default=24)
    ap.add_argument('--presets', nargs='+', default=['ultrafast', 'medium'])
    ap.add_argument('--root', type=Path, default=Path('/tmp/mm-skip-frames'), help='where the generated clips are kept')
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--out', type=Path, default=None)
    args = ap.parse_args()
    torch.set_num_threads(1); set_decoder_threads(1)
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
    res = {'machine': {'cpu': cpu, 'cores': os.cpu_count(), 'torch': torch.__version__, 'python': platform.python_version()}, 'presets': {}}
    print(f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__}, Python {platform.python_version()}; one decoding thread", flush=True)
    print(f"{'preset':10} {'frames':>6} {'decoded':>7} {'video plain':>11} {'skipping':>9} {'ratio':>6} "
          f"{'item plain':>10} {'skipping':>9} {'ratio':>6}  {'open: probe':>11} {'none':>8}  same frames", flush=True)
    for preset in args.presets:
        t = time.perf_counter(); folder = clips_for(args.root, preset, args.clips); made = time.perf_counter() - t
        r = res['presets'][preset] = {'generated_s': round(made, 1), **measure(folder, args.repeats)}
        show(preset, r)
        if args.out: args.out.parent.mkdir(parents=True, exist_ok=True); args.out.write_text(json.dumps(res, indent=1))


if __name__ == '__main__':
    main()
