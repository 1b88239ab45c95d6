"""How many threads a pool of decoding threads starts per clip (counted by strace), for the package here or another.

    python bench/thread_starts.py --data-dir DIR [--workers 2] [--clips 24]     # needs strace; PYTHONPATH=OLD for another package

Reads the first --clips rows of DIR's train split with `make_dataloader(pool='threads')` once, and then three times,
each in a fresh Python process under `strace -f -c -e trace=clone,clone3`; the difference of the two counts over
the extra passes' clips is what reading a clip costs in threads started (the imports, the tokenizer and the pool's
own threads fall out). Why: PyAV's `frame.to_ndarray(width=..., height=...)` made a new FFmpeg scaler per frame,
each starting a thread per core (lesson 2c, `rgb_frame`). Prints the machine and the count. No result is asserted.
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
from pathlib import Path


def read(data_dir: str, clips: int, workers: int, passes: int):
    "The child: `passes` passes over the first `clips` rows with a pool of `workers` threads."
    from torch.utils.data import Subset
    from mm_sentiment.data import MELDDataset, make_dataloader
    ds = Subset(MELDDataset.from_split(data_dir, 'train'), range(clips))
    for _ in range(passes):
        for _ in make_dataloader(ds, 8, num_workers=workers, pool='threads', pin_memory=False): pass


def started(args, passes: int) -> int:
    "Threads (clone/clone3 calls) started by a child process making `passes` passes."
    with tempfile.NamedTemporaryFile('r', suffix='.txt') as out:
        subprocess.run(['strace', '-f', '-c', '-e', 'trace=clone,clone3', '-o', out.name, sys.executable, __file__,
                        '--data-dir', str(args.data_dir), '--clips', str(args.clips), '--workers', str(args.workers),
                        '--passes', str(passes)], check=True, capture_output=True)
        return sum(int(m.group(1)) for m in re.finditer(r'^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?clone3?$', out.read(), re.M))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--data-dir', type=Path, required=True)
    ap.add_argument('--clips', type=int, default=24)
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--passes', type=int, default=None, help=argparse.SUPPRESS)     # the child's
    args = ap.parse_args()
    if args.passes: return read(str(args.data_dir), args.clips, args.workers, args.passes)
    if not shutil.which('strace'): sys.exit('strace is not installed here')
    import mm_sentiment.data
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
    print(f'{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}; package {Path(mm_sentiment.data.__file__).parent}')
    one, three = started(args, 1), started(args, 3)
    print(f'{args.workers} decoding threads, {args.clips} clips: {one} threads started in one pass, {three} in three: '
          f'{(three - one) / (2 * args.clips):.2f} per clip')


if __name__ == '__main__':
    main()
