"""What decoding a long clip's whole sound costs, against decoding only what the features keep (`decode_audio`'s `seconds`).

    python bench/long_audio.py [--minutes 10] [--rate 48000] [--layout stereo] [--seconds 10.6] [--out FILE]

Writes one AAC track of `--minutes` (a tone, in an .m4a, in a temporary folder), then, each in a fresh child process
(so that one's peak memory does not hide the other's), opens it with `demux_clip` and runs `decode_audio` on it:
whole, and with `seconds` (10.6: the 9.6 s that `log_mel` keeps, 300 hops of 512 at 16 kHz, and the second more that
`MELDDataset` asks for). Prints the machine and, for each: the time, the samples returned, and the peak resident memory
the call added (Linux's VmHWM, read before and after it; elsewhere not measured). No result is asserted.
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
import json, re, sys, time
from pathlib import Path
def peak_mb():
    try: return int(re.search(r'VmHWM:\s+(\d+)', Path('/proc/self/status').read_text()).group(1)) / 1024
    except (OSError, AttributeError): return None
from mm_sentiment.data import decode_audio, demux_clip
path, seconds = sys.argv[1], (float(sys.argv[2]) if sys.argv[2] != 'none' else None)
with demux_clip(path, video=False) as clip:
    before, t0 = peak_mb(), time.perf_counter()
    wave = decode_audio(clip, 16000, seconds)
    took, after = time.perf_counter() - t0, peak_mb()
print(json.dumps({'seconds': seconds, 'took_s': round(took, 3), 'samples_16k': int(wave.size),
                  'peak_added_mb': None if before is None else round(after - before, 1)}))
'''


def write_track(path: Path, minutes: float, rate: int, layout: str) -> Path:
    "An AAC track of `minutes`: a slowly rising tone, the same in every channel."
    import av
    import numpy as np
    with av.open(str(path), 'w') as out:
        s = out.add_stream('aac', rate=rate); s.layout = layout
        n, channels = int(minutes * 60 * rate), len(av.AudioLayout(layout).channels)
        for k in range(0, n, rate):
            t = np.arange(k, min(n, k + rate)) / rate
            x = (0.2 * np.sin(2 * np.pi * 220 * (1 + t / 600) * t)).astype(np.float32)
            f = av.AudioFrame.from_ndarray(np.ascontiguousarray(np.tile(x, (channels, 1))), format='fltp', layout=layout)
            f.sample_rate, f.pts, f.time_base = rate, k, Fraction(1, rate)
            for p in s.encode(f): out.mux(p)
        for p in s.encode(): out.mux(p)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--minutes', type=float, default=10.0)
    ap.add_argument('--rate', type=int, default=48000)
    ap.add_argument('--layout', default='stereo')
    ap.add_argument('--seconds', type=float, default=10.6)
    ap.add_argument('--out', type=Path, default=None, help='also write the results as JSON here')
    args = ap.parse_args()
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor()) \
        if Path('/proc/cpuinfo').exists() else platform.processor()
    result = {'machine': {'cpu': cpu, 'cores': os.cpu_count(), 'python': platform.python_version()},
              'track': {'minutes': args.minutes, 'rate': args.rate, 'layout': args.layout, 'codec': 'aac'}, 'runs': []}
    print(json.dumps(result['machine']))
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        track = write_track(Path(tmp)/'long.m4a', args.minutes, args.rate, args.layout)
        print(f'wrote {args.minutes} min of {args.layout} AAC at {args.rate} Hz in {time.perf_counter() - t0:.1f} s')
        for seconds in (None, args.seconds):
            out = subprocess.run([sys.executable, '-c', CHILD, str(track), 'none' if seconds is None else str(seconds)],
                                 capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
            run = json.loads(out); result['runs'].append(run)
            what = 'whole track' if seconds is None else f'seconds={seconds}'
            peak = 'not measured' if run['peak_added_mb'] is None else f"{run['peak_added_mb']:.0f} MB"
            print(f"{what:15} {run['took_s']:7.2f} s  {run['samples_16k'] / 16000:8.1f} s of sound returned  peak memory added {peak}")
    if args.out: args.out.write_text(json.dumps(result, indent=1))


if __name__ == '__main__':
    main()
