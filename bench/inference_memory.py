"""What prediction holds in memory: many clips at once, and a long video cut by its subtitles (lesson 9a).

    python bench/inference_memory.py [--run RUN_DIR] [--clips 96] [--minutes 10] [--package DIR] [--out FILE]

Each measurement runs in a fresh child process (so that one's peak does not hide another's) and reports its wall time
and the peak resident memory it added (Linux's VmHWM, read before and after; elsewhere not measured):
- `clips`: `--clips` clips of the demo data (test, dev, then train split) predicted in one batch (`predict_batch`; before
  it existed, `predict` ran one batch) and with `predict`'s batches of 16 (where the package has them);
- `cut`: `cut_utterances` on a generated video of `--minutes` (640x360 at 24 fps, H.264, AAC 48 kHz stereo; a subtitle
  line of 2.5 s every 3 s), every line's clip written;
- `subtitled`: `predict_subtitled` on that video and its subtitles.
`--run`: a run folder to predict with (default: one trained here for 2 epochs on the demo data, 16 frames, about
2 minutes on 2 cores). `--package DIR`: put DIR first on the children's import path, to measure another commit's
package (its checkout's root). Prints the machine and one line per measurement; no result is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

CHILD = r'''
import json, re, sys, time, tempfile, warnings
if sys.argv[1] != '-': sys.path.insert(0, sys.argv[1])
from pathlib import Path
def peak_mb():
    try: return int(re.search(r'VmHWM:\s+(\d+)', Path('/proc/self/status').read_text()).group(1)) / 1024
    except (OSError, AttributeError): return None
import mm_sentiment.inference as inf
what, run, arg = sys.argv[2], sys.argv[3], sys.argv[4]
warnings.simplefilter('ignore')
pred = inf.Predictor(run) if what != 'cut' else None
if what.startswith('clips'):
    from mm_sentiment.demo import demo_data_dir
    from mm_sentiment.meld import SPLITS, read_meld_csv
    demo, clips = demo_data_dir(progress=False), []
    for s in ('test', 'dev', 'train'): clips += [demo/SPLITS[s].clips/c for c in read_meld_csv(demo/SPLITS[s].csv)['clip']]
    clips = clips[:int(arg)]
    if what == 'clips-batches' and 'batch_size' not in inf.predict.__code__.co_varnames: print(json.dumps(None)); sys.exit()
    call = (lambda: getattr(inf, 'predict_batch', inf.predict)(pred, clips, [None] * len(clips))) if what == 'clips-one' else \
           (lambda: inf.predict(pred, clips, [None] * len(clips), batch_size=16))
elif what == 'cut':
    tmp = tempfile.mkdtemp()
    call = lambda: inf.cut_utterances(arg, inf.read_subtitles(Path(arg).with_suffix('.srt')), tmp)
else: call = lambda: inf.predict_subtitled(pred, arg, Path(arg).with_suffix('.srt'))
before, t0 = peak_mb(), time.perf_counter()
out = call()
took, after = time.perf_counter() - t0, peak_mb()
print(json.dumps({'took_s': round(took, 2), 'items': len(out), 'errors': sum('error' in r for r in out if isinstance(r, dict)),
                  'peak_added_mb': None if before is None else round(after - before)}))
'''


def write_video(path: Path, minutes: float, fps: int = 24, width: int = 640, height: int = 360, rate: int = 48000) -> Path:
    "A video of `minutes`: a square moving on black, a tone whose pitch changes every second; and its .srt, a 2.5 s line every 3 s."
    import av
    import numpy as np
    with av.open(str(path), 'w') as out:
        v = out.add_stream('libx264', rate=fps, options={'preset': 'ultrafast', 'crf': '28'})
        v.width, v.height, v.pix_fmt = width, height, 'yuv420p'
        a = out.add_stream('aac', rate=rate); a.layout = 'stereo'
        for k in range(int(minutes * 60 * fps)):
            img = np.zeros((height, width, 3), np.uint8); x = (k * 5) % (width - 60); img[100:160, x:x + 60] = (200, 80 * (k // 72 % 3), 50)
            f = av.VideoFrame.from_ndarray(img, format='rgb24'); f.pts, f.time_base = k, Fraction(1, fps)
            for p in v.encode(f): out.mux(p)
            if k % fps == 0:
                s, t = k // fps, np.arange(rate) / rate
                x = (0.2 * np.sin(2 * np.pi * (200 + s % 7 * 40) * t)).astype(np.float32)
                af = av.AudioFrame.from_ndarray(np.stack([x, x]), format='fltp', layout='stereo')
                af.sample_rate, af.pts, af.time_base = rate, s * rate, Fraction(1, rate)
                for p in a.encode(af): out.mux(p)
        for s in (v, a):
            for p in s.encode(): out.mux(p)
    stamp = lambda x: f'{int(x // 3600):02d}:{int(x % 3600 // 60):02d}:{int(x % 60):02d},{int(round(x % 1 * 1000)):03d}'
    starts = [0.5 + 3 * i for i in range(int((minutes * 60 - 3.5) // 3) + 1)]
    path.with_suffix('.srt').write_text(''.join(f'{i + 1}\n{stamp(s)} --> {stamp(s + 2.5)}\nLine number {i + 1}, said plainly.\n\n'
                                                for i, s in enumerate(starts)))
    return path


def train_quick_run(out: Path) -> Path:
    "A run to predict with: 2 epochs on the demo data, 16 frames, random video weights."
    code = ('import warnings; warnings.simplefilter("ignore")\nfrom mm_sentiment.demo import demo_data_dir\n'
            'from mm_sentiment.runs import train_run\nfrom mm_sentiment.training import TrainConfig\n'
            f'train_run(demo_data_dir(progress=False), {str(out)!r}, n_frames=16, video_weights="random", '
            'cfg=TrainConfig(epochs=2, lr=1e-3), progress=False)')
    subprocess.run([sys.executable, '-c', code], check=True)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--run', type=Path, default=None)
    ap.add_argument('--clips', type=int, default=96)
    ap.add_argument('--minutes', type=float, default=10.0)
    ap.add_argument('--package', type=Path, default=None, help="another checkout's root, first on the children's import path")
    ap.add_argument('--out', type=Path, default=None, help='also write the results as JSON here')
    args = ap.parse_args()
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor()) \
        if Path('/proc/cpuinfo').exists() else platform.processor()
    result = {'machine': {'cpu': cpu, 'cores': os.cpu_count(), 'python': platform.python_version()},
              'package': str(args.package or 'installed'), 'runs': {}}
    print(json.dumps(result['machine']), 'package:', result['package'])
    with tempfile.TemporaryDirectory() as tmp:
        run = args.run or train_quick_run(Path(tmp)/'run')
        t0 = time.perf_counter()
        video = write_video(Path(tmp)/'long.mp4', args.minutes)
        lines = video.with_suffix('.srt').read_text().count(' --> ')
        print(f'wrote {args.minutes} min of 640x360 video and {lines} subtitle lines in {time.perf_counter() - t0:.0f} s')
        for what, arg, label in (('clips-one', args.clips, f'{args.clips} clips, one batch'),
                                 ('clips-batches', args.clips, f'{args.clips} clips, batches of 16'),
                                 ('cut', video, f'cut_utterances, {args.minutes:g} min'),
                                 ('subtitled', video, f'predict_subtitled, {args.minutes:g} min')):
            p = subprocess.run([sys.executable, '-c', CHILD, str(args.package or '-'), what, str(run), str(arg)],
                               capture_output=True, text=True, cwd=tmp)
            if p.returncode:
                print(f'{label:34} failed: {p.stderr.strip().splitlines()[-1]}'); result['runs'][what] = {'failed': p.stderr[-2000:]}; continue
            r = json.loads(p.stdout.strip().splitlines()[-1]); result['runs'][what] = r
            if r is None: print(f'{label:34} not in this package'); continue
            peak = 'not measured' if r['peak_added_mb'] is None else f"{r['peak_added_mb']:,} MB"
            print(f"{label:34} {r['took_s']:7.1f} s  {r['items']} results ({r['errors']} errors)  peak memory added {peak}")
    if args.out: args.out.write_text(json.dumps(result, indent=1))


if __name__ == '__main__':
    main()
