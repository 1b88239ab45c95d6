"""Per-clip cost of `MELDDataset.__getitem__` at MELD's clip size, next to the course's original loader.

    python bench/getitem.py [--clips 24] [--repeats 2]

Both loaders read the same generated clips (1280x720, 23.976 fps, 2.5-4.7 s, H.264 + AAC):

- ours: `mm_sentiment.data.MELDDataset` (PyAV, one pass over the file, 16 frames sampled across the
  whole utterance at 128x171 -> r3d_18 transforms, audio resampled in-process, log-mel);
- baseline, the course's original method: OpenCV reads the first 30 frames, each resized to 224x224;
  an `ffmpeg` subprocess writes a temporary 16 kHz WAV, which is loaded back and turned into a
  normalised mel spectrogram. (The original loaded the WAV with torchaudio.load, which needs
  torchcodec and system FFmpeg libraries; the stdlib `wave` module reads the same file here.)

Prints the machine, a table (median ms per clip in-process, samples/s with 0 and 2 DataLoader
workers, peak RSS) and the ratio baseline / ours. No result is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
import torchaudio
from torch.utils.data import DataLoader, Dataset

from mm_sentiment.data import MELDDataset, decode_audio, demux_clip, load_tokenizer
from mm_sentiment.demo import MELD_SIZE, demo_data_dir


class CourseBaselineDataset(Dataset):
    "The course's original loader: OpenCV's first 30 frames at 224x224, audio through an ffmpeg subprocess and a WAV."
    def __init__(self, ds: MELDDataset):
        try:
            import imageio_ffmpeg
            self.ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
        except ImportError: self.ffmpeg = shutil.which('ffmpeg')      # a machine without imageio-ffmpeg (the lent GPU one)
        self.audio_via = 'ffmpeg subprocess + WAV' if self.ffmpeg else 'PyAV (no ffmpeg executable here)'
        self.ds = ds
        self.mel = torchaudio.transforms.MelSpectrogram(sample_rate=16000, n_mels=64, n_fft=1024, hop_length=512)
    def __len__(self): return len(self.ds)
    def _load_video_frames(self, path):
        import cv2
        cap, frames = cv2.VideoCapture(str(path)), []
        try:
            while len(frames) < 30 and cap.isOpened():
                ok, frame = cap.read()
                if not ok: break
                frames.append(cv2.resize(frame, (224, 224)) / 255.0)
        finally: cap.release()
        frames += [np.zeros_like(frames[0])] * (30 - len(frames))
        return torch.FloatTensor(np.array(frames)).permute(0, 3, 1, 2)
    def _wave(self, path) -> np.ndarray:
        "16 kHz mono samples in [-1, 1]: from an ffmpeg subprocess's WAV as the course does, or the dataset's PyAV decoder where there is no ffmpeg."
        if not self.ffmpeg:
            with demux_clip(path, video=False) as c: return decode_audio(c)
        with tempfile.TemporaryDirectory() as d:
            wav = Path(d)/'audio.wav'
            subprocess.run([self.ffmpeg, '-y', '-loglevel', 'error', '-i', str(path), '-vn', '-acodec', 'pcm_s16le',
                            '-ar', '16000', '-ac', '1', str(wav)], check=True, capture_output=True)
            with wave.open(str(wav)) as w: return np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768
    def _extract_audio_features(self, path):
        mel = self.mel(torch.from_numpy(self._wave(path))[None])
        mel = (mel - mel.mean()) / mel.std()
        return torch.nn.functional.pad(mel, (0, max(0, 300 - mel.shape[2])))[:, :, :300]
    def __getitem__(self, i):
        path, row = self.ds.clip_path(i), self.ds.df.iloc[i]
        return {'text_input': self.ds._tokenize(row['Utterance']),                # 128 tokens, as the course (a worker reloads the tokenizer)
                'video_frames': self._load_video_frames(path), 'audio_features': self._extract_audio_features(path),
                'emotion_label': torch.tensor(row['emotion_id']), 'sentiment_label': torch.tensor(row['sentiment_id'])}


def machine() -> dict:
    cpu = next((l.split(':', 1)[1].strip() for l in Path('/proc/cpuinfo').read_text().splitlines() if l.startswith('model name')), platform.processor()) \
        if Path('/proc/cpuinfo').exists() else platform.processor()
    import av
    return {'cpu': cpu, 'cores': os.cpu_count(), 'torch_threads': torch.get_num_threads(), 'python': platform.python_version(),
            'torch': torch.__version__, 'av': av.__version__, 'platform': platform.platform()}


def per_item_ms(ds, repeats: int) -> list[float]:
    times = []
    for r in range(repeats + 1):                      # pass 0 warms the page cache and lazy imports
        for i in range(len(ds)):
            t = time.perf_counter(); ds[i]; dt = (time.perf_counter() - t) * 1000
            if r: times.append(dt)
    return times


def loader_rate(ds, workers: int) -> tuple[float, float]:
    "Samples/s over one epoch after a warm-up epoch, and the seconds the workers took to start."
    from mm_sentiment.data import collate_meld
    extra = dict(multiprocessing_context='spawn', persistent_workers=True) if workers else {}
    dl = DataLoader(ds, batch_size=4, num_workers=workers, collate_fn=collate_meld, **extra)
    t = time.perf_counter(); it = iter(dl); next(it); start = time.perf_counter() - t
    for _ in it: pass
    t = time.perf_counter(); n = sum(len(b['emotion_label']) for b in dl); rate = n / (time.perf_counter() - t)
    del dl, it
    return rate, start


def measure(name: str, root: Path, repeats: int) -> dict:
    "All numbers for one loader, in this (fresh) process."
    ours = MELDDataset.from_split(root, 'train', tokenizer=load_tokenizer())
    ds = ours if name == 'ours' else CourseBaselineDataset(ours)
    ds[0]
    idle = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ms = per_item_ms(ds, repeats)
    r0, _ = loader_rate(ds, 0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    r2, start2 = loader_rate(ds, 2)
    return {'median_ms': statistics.median(ms), 'p90_ms': float(np.percentile(ms, 90)), 'samples_per_s_0w': r0,
            'samples_per_s_2w': r2, 'worker_start_s': start2, 'peak_rss_mb': peak, 'peak_rss_over_idle_mb': peak - idle,
            'worker_peak_rss_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


LABELS = {'baseline': 'baseline (course: OpenCV 30 frames + ffmpeg WAV)', 'ours': 'ours (PyAV, whole utterance)'}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--clips', type=int, default=24)
    ap.add_argument('--repeats', type=int, default=2)
    ap.add_argument('--only', choices=list(LABELS), help='measure one loader in this process and print its JSON')
    ap.add_argument('--out', type=Path, default=Path(__file__).parent/'out'/'getitem.json')
    args = ap.parse_args()
    cfg = replace(MELD_SIZE, n_train=args.clips, n_dev=0, n_test=0, min_seconds=2.5, max_seconds=4.7)
    t = time.perf_counter(); root = demo_data_dir(cfg, progress=not args.only); gen_s = time.perf_counter() - t
    if args.only: return print(json.dumps(measure(args.only, root, args.repeats)))
    info = machine()
    print(json.dumps(info))
    print(f'{args.clips} clips at {cfg.width}x{cfg.height}, mean {sum(r["seconds"] for r in __import__("mm_sentiment.demo", fromlist=["x"]).plan_split(cfg, "train")) / args.clips:.2f} s, '
          f'{root} (generated/reused in {gen_s:.0f} s)')
    rows = {}
    for name in LABELS:        # each loader in a fresh process, one after the other, so peak memory is its own
        out = subprocess.run([sys.executable, __file__, '--only', name, '--clips', str(args.clips), '--repeats', str(args.repeats)],
                             check=True, capture_output=True, text=True).stdout
        rows[name] = json.loads(out.strip().splitlines()[-1])
    ratio = rows['baseline']['median_ms'] / rows['ours']['median_ms']
    print(f"\n{'loader':50} {'median ms':>9} {'p90 ms':>7} {'samples/s 0w':>12} {'samples/s 2w':>12} {'peak RSS MB':>11} {'(over idle)':>11} {'worker RSS MB':>13}")
    for name, r in rows.items():
        print(f"{LABELS[name]:50} {r['median_ms']:9.1f} {r['p90_ms']:7.1f} {r['samples_per_s_0w']:12.2f} {r['samples_per_s_2w']:12.2f} "
              f"{r['peak_rss_mb']:11.0f} {r['peak_rss_over_idle_mb']:11.0f} {r['worker_peak_rss_mb']:13.0f}")
    print(f'\nratio baseline / ours, median ms per clip: {ratio:.2f}; samples/s with 2 workers: '
          f"{rows['ours']['samples_per_s_2w'] / rows['baseline']['samples_per_s_2w']:.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({'machine': info, 'clips': args.clips, 'results': rows, 'ratio': ratio}, indent=1))


if __name__ == '__main__':
    main()
