"""How much of a clip's time holds Python's GIL: what caps a pool of decoding threads (lesson 2c's `pool='threads'`).

What: one thread reads `MELDDataset` items (16 frames, audio, text; one decoder thread) for --seconds, twice,
each time under py-spy sampling at --rate Hz: once counting only the samples in which the thread holds the
GIL (`py-spy record --gil`), once counting every sample (`--idle`). Their ratio, inside `__getitem__` and
per part (demux, video, audio, text), is the share of a clip's time that no other thread can overlap.
Why: with a share s, threads of one process go at most 1/s times as fast as one thread, whatever the cores
(Amdahl); worker processes have no such ceiling.

    pip install py-spy        # the bench extra has it
    python bench/gil_share.py [--data-dir DIR] [--seconds 25] [--rate 100]

Prints the machine and a table. The default folder is the demo set; MELD-size clips are what matter
(`python bench/epoch_cost.py --clips 96 --root DIR --only-generate`). Linux only (py-spy reads the process).
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PARTS = ('demux_clip', '_load_video_frames', '_extract_audio_features', '_tokenize')


def work(data_dir: str, seconds: float):
    "The sampled program: one thread reading items for `seconds`; prints its clips/s."
    from mm_sentiment.data import MELDDataset, set_decoder_threads
    from mm_sentiment.demo import demo_data_dir
    set_decoder_threads(1)
    ds = MELDDataset.from_split(data_dir or demo_data_dir(progress=False), 'train')
    t, n = time.perf_counter(), 0
    while time.perf_counter() - t < seconds:
        ds[n % len(ds)]; n += 1
    print(f'clips/s {n / (time.perf_counter() - t):.2f}', flush=True)


def samples(raw: Path) -> dict:
    "Samples inside `__getitem__`, in all and per part, from py-spy's raw (collapsed stacks) output."
    out = dict.fromkeys(('all', *PARTS), 0)
    for line in raw.read_text().splitlines():
        if '__getitem__' not in line: continue
        stack, n = line.rsplit(' ', 1)
        out['all'] += int(n)
        for part in PARTS:
            if re.search(rf'\b{part}\b', stack): out[part] += int(n)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--data-dir', default='')
    ap.add_argument('--seconds', type=float, default=25)
    ap.add_argument('--rate', type=int, default=100)
    ap.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker: return work(args.data_dir, args.seconds)
    spy = shutil.which('py-spy') or str(Path(sys.executable).with_name('py-spy'))
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
    print(f'{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}', flush=True)
    res, rates = {}, {}
    for mode in ('gil', 'idle'):
        raw = Path(tempfile.mkdtemp())/f'{mode}.txt'
        cmd = [spy, 'record', f'--{mode}', '--nonblocking', '-r', str(args.rate), '-f', 'raw', '-o', str(raw), '--',
               sys.executable, __file__, '--worker', '--data-dir', args.data_dir, '--seconds', str(args.seconds)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        res[mode], rates[mode] = samples(raw), float(re.search(r'clips/s ([\d.]+)', out).group(1))
    print(f"one thread: {rates['idle']:.1f} clips/s (and {rates['gil']:.1f} in the GIL run)")
    print(f"{'part':26} {'share of a clip':>16} {'GIL held while in it':>21} {'share of a clip under the GIL':>30}")
    for part in ('all', *PARTS):
        g, a = res['gil'][part], res['idle'][part]
        print(f"{part:26} {a / res['idle']['all']:16.0%} {g / max(a, 1):21.0%} {g / res['idle']['all']:30.0%}")
    s = res['gil']['all'] / res['idle']['all']
    print(f'so threads of one process reach at most {1 / s:.1f}x one thread ({rates["idle"] / s:.0f} clips/s here), whatever the cores')


if __name__ == '__main__':
    main()
