"""What skipping H.264's deblocking filter would save, and what it would cost in pixels.

    python bench/loop_filter.py [--clips 24] [--repeats 3] [--root DIR] [--out FILE]

H.264's in-loop deblocking filter smooths the edges of the 4x4 and 8x8 blocks of every decoded frame; frames
predicted from it see the smoothed picture. FFmpeg can leave it out (`skip_loop_filter='all'`): faster decoding,
frames that are no longer exactly what the encoder meant, and the difference carried from frame to frame until the
next keyframe. Is that worth it for frames shrunk from 720p to 171x128 for a frozen video encoder?

Two kinds of clips, x264 `medium` (deblocking on, as `ffmpeg` writes when told nothing; `ultrafast` turns it off,
so those clips have nothing to skip):
- lesson 2b's MELD-size clips (`MELD_SIZE`, generated or reused in --root, as `bench/skip_frames.py` makes them);
- natural pictures: scikit-learn's two sample photographs, scaled up 3x and panned across at 1280x720, 96 frames,
  at four quality settings (x264's CRF 18, 23, 28, 33: from nearly transparent to visibly blocky). Their source
  frames are known, so the decoder's error against what was encoded is measured with and without the filter.

Then, one decoding thread, each clip in turn, the two ways alternating: lesson 2c's `decode_frames` (16 frames
picked, the non-reference ones not picked skipped, area-scaled to 128x171) as it is, and with the filter skipped.
Prints the machine and, per kind of clip: median ms per clip each way and their ratio, the mean and 99th
percentile absolute difference between the two ways' frames (0-255), and for the photographs the mean error of
each way against the source frames shrunk the same way. No result is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import av
import numpy as np
import torch
from sklearn.datasets import load_sample_images

from mm_sentiment.data import MELDDataset, decode_frames, demux_clip, frame_indices, rgb_frame, set_decoder_threads
from skip_frames import SIZE, clips_for

CRFS = (18, 23, 28, 33)


def panned(photo: np.ndarray, n: int = 96) -> list[np.ndarray]:
    "`n` 1280x720 RGB frames moving across `photo` scaled up 3x (2 px down, 3 px right a frame)."
    big = np.kron(photo, np.ones((3, 3, 1), np.uint8))
    return [np.ascontiguousarray(big[2 * i:2 * i + 720, 3 * i:3 * i + 1280]) for i in range(n)]


def encode(frames: list[np.ndarray], path: Path, crf: int) -> Path:
    with av.open(str(path), 'w') as out:
        s = out.add_stream('libx264', rate=24)
        s.width, s.height, s.pix_fmt, s.options = 1280, 720, 'yuv420p', {'crf': str(crf), 'preset': 'medium'}
        for a in frames:
            for p in s.encode(encoded_as(a)): out.mux(p)
        for p in s.encode(): out.mux(p)
    return path


def encoded_as(rgb: np.ndarray) -> av.VideoFrame:
    "A source frame as the encoder received it (YUV 4:2:0, colour at half resolution), so only the codec's error is counted."
    return av.VideoFrame.from_ndarray(rgb, format='rgb24').reformat(format='yuv420p')


def picks(path: Path, deblock: bool) -> tuple[float, np.ndarray]:
    "Seconds and frames of `decode_frames` on a video-only clip, with or without the deblocking filter."
    with demux_clip(path, audio=False) as c:
        if not deblock: c.video.codec_context.options = {'skip_loop_filter': 'all'}     # read when the decoder opens
        t = time.perf_counter(); out = decode_frames(c, 16, SIZE)
        return time.perf_counter() - t, out


def measure(paths: list[Path], repeats: int, sources: list[np.ndarray] | None = None) -> dict:
    t = {True: [], False: []}; frames = {}
    for _ in range(repeats):
        for i, p in enumerate(paths):
            for deblock in ((True, False) if i % 2 else (False, True)):     # alternate which way goes first
                dt, frames[i, deblock] = picks(p, deblock); t[deblock].append(dt)
    diff = np.concatenate([np.abs(frames[i, True].astype(int) - frames[i, False]).ravel() for i in range(len(paths))])
    ms = {k: round(1000 * statistics.median(v), 1) for k, v in (('deblocked', t[True]), ('skipped', t[False]))}
    r = {'clips': len(paths), 'ms': ms, 'ratio': round(ms['deblocked'] / ms['skipped'], 3),
         'difference_mean': round(float(diff.mean()), 3), 'difference_p99': float(np.percentile(diff, 99)), 'difference_max': int(diff.max())}
    if sources is not None:
        at = frame_indices(len(sources[0]), 16)
        ref = [np.stack([rgb_frame(encoded_as(src[k]), *SIZE) for k in at]).astype(int) for src in sources]
        for deblock, name in ((True, 'error_deblocked'), (False, 'error_skipped')):
            r[name] = round(float(np.mean([np.abs(frames[i, deblock] - ref[i]).mean() for i in range(len(paths))])), 3)
    return r


def show(name: str, r: dict):
    m = r['ms']
    err = f"{r['error_deblocked']:9.3f} {r['error_skipped']:8.3f}" if 'error_skipped' in r else f"{'':9} {'':8}"
    print(f"{name:22} {r['clips']:5} {m['deblocked']:7.1f} ms {m['skipped']:6.1f} ms {r['ratio']:5.2f}x "
          f"{r['difference_mean']:9.3f} {r['difference_p99']:4.0f} {r['difference_max']:4}  {err}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--clips', type=int, default=24, help='MELD-size clips')
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--root', type=Path, default=Path('/tmp/mm-skip-frames'), help='where the MELD-size clips are kept')
    ap.add_argument('--out', type=Path, default=None)
    args = ap.parse_args()
    torch.set_num_threads(1); set_decoder_threads(1)
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
    res = {'machine': {'cpu': cpu, 'cores': os.cpu_count(), 'torch': torch.__version__, 'python': platform.python_version(),
                       'pyav': av.__version__}, 'clips': {}}
    print(f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__}, PyAV {av.__version__}, Python {platform.python_version()}; "
          f"one decoding thread", flush=True)
    print(f"{'clips':22} {'count':>5} {'deblocked':>10} {'skipped':>9} {'ratio':>6} {'diff mean':>9} {'p99':>4} {'max':>4}  "
          f"{'error: on':>9} {'skipped':>8}", flush=True)
    def record(name, r):
        res['clips'][name] = r; show(name, r)
        if args.out: args.out.parent.mkdir(parents=True, exist_ok=True); args.out.write_text(json.dumps(res, indent=1))
    ds = MELDDataset.from_split(clips_for(args.root, 'medium', args.clips), 'train', n_frames=16)
    record('MELD-size, medium', measure([ds.clip_path(i) for i in range(len(ds))], args.repeats))
    sources = [panned(photo) for photo in load_sample_images().images]
    with tempfile.TemporaryDirectory() as tmp:
        for crf in CRFS:
            paths = [encode(src, Path(tmp)/f'photo{k}-crf{crf}.mp4', crf) for k, src in enumerate(sources)]
            record(f'photographs, CRF {crf}', measure(paths, args.repeats, sources))


if __name__ == '__main__':
    main()
