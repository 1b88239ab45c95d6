"""Decoding clips in worker processes or in threads of one process: first batch and clips per second.

What: the course's `MELDDataset` (16 frames, audio, the offline tokenizer) over the train split of a
MELD-layout folder, read through a loader made three ways, each fresh (so each pays its start):

- `processes, before`: a DataLoader as lessons 7b/7d made it until now: forked from the fork server,
  4 batches prefetched by each worker, every clip's H.264 decoder left to FFmpeg's thread count (a
  thread per core, in every worker);
- `whole`: worker processes as `make_dataloader(pool='processes')` made them until batches were cut: 2
  batches prefetched by each worker, each worker's decoders given an even share of the cores
  (`decoder_share`), each batch made by one worker;
- `processes`: `make_dataloader(pool='processes')` now: the same, with each batch cut between the workers
  (`split_batches`, lesson 2c);
- `threads`: `make_dataloader(pool='threads')`: a pool of threads of this process (PyAV and torch
  release the GIL while they decode, resample and transform), nothing started or pickled;
- `handover`: `make_dataloader(pool='handover')` (the default): threads of this process until the worker
  processes have started, then those (lesson 2c); `by_threads` says how many batches the threads read;
- `threads-1`: the same, each decoding thread running torch's ops on one thread (`torch.set_num_threads(1)`
  in its initializer), not torch's whole intra-op pool in each of them.

For each: seconds until the first batch, wall seconds for all rows, clips/s overall and after the first
batch, when each batch arrived (`arrivals_s` in --out) and the longest wait between two batches (for the
handover: is there a flat where the processes take over from the threads?). With --cold each run is a fresh Python process, so the processes also wait for their fork server's
imports, as a program's first loader does (without it the first run starts the server and the others find
it running). Why: the issue's 1,000 MELD-size clips took 224 s on the lent H100 machine, 194 s of it before
the first batch (bench/RESULTS.md).

    python bench/decode_pool.py [--data-dir DIR] [--rows 200] [--workers 2 4] [--batch-size 32]
                                [--modes before processes threads threads-1 handover] [--cold] [--budget 300] [--out FILE]

The default folder is the demo set (small clips); for MELD's clip size generate one with
`python bench/epoch_cost.py --clips 200 --root DIR --only-generate`. Stops starting new runs once
--budget seconds are spent; --out is rewritten after every run. Prints the machine. No result is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

# The fork server and `--cold`'s children are new Pythons: with `-c` (the server) the working directory comes first on
# their path, and where it holds a checkout's `mm_sentiment/` their workers would import that one, not the package this
# process imported from PYTHONPATH (a comparison of two versions then measured one twice: bench/RESULTS.md). Lesson 2c's
# `worker_context` now starts its server with this process's path; a package from before that change does not, so
# safe paths for them all here:
os.environ['PYTHONSAFEPATH'] = '1'

import torch
from torch.utils.data import DataLoader, Subset

from mm_sentiment import data
from mm_sentiment.data import MELDDataset, collate_meld, make_dataloader, worker_context
from mm_sentiment.demo import demo_data_dir

ORIGINAL_INIT = data.set_decoder_threads


def loader(ds, mode: str, workers: int, batch_size: int):
    if mode == 'before':
        return DataLoader(ds, batch_size=batch_size, num_workers=workers, collate_fn=collate_meld,
                          multiprocessing_context=worker_context(), prefetch_factor=4)
    if mode == 'whole':                # worker processes, each making whole batches (as before lesson 2c cut them)
        return make_dataloader(ds, batch_size, num_workers=workers, persistent=False, pin_memory=False, split_batches=False,
                               pool='processes')
    return make_dataloader(ds, batch_size, num_workers=workers, pool=mode, persistent=False, pin_memory=False)


def one_torch_thread(n: int):
    "Each decoding thread's initializer for mode `threads-1`: its FFmpeg share, and torch's ops in it on one thread."
    ORIGINAL_INIT(n); torch.set_num_threads(1)


def _report_package(q): q.put(str(Path(data.__file__).parent))


def workers_package() -> str:
    "The folder of the `mm_sentiment` that a worker process (forked from the same fork server) imports."
    ctx = worker_context(); q = ctx.Queue(); p = ctx.Process(target=_report_package, args=(q,)); p.start()
    try: return q.get(timeout=120)
    finally: p.join()


def run(ds, mode: str, workers: int, batch_size: int) -> dict:
    t0 = time.perf_counter()
    if mode == 'threads-1': data.set_decoder_threads = one_torch_thread      # ThreadBatches looks it up when it starts
    try:
        dl = loader(ds, mode.split('-')[0], workers, batch_size)
        n, arrivals = 0, []
        for b in dl: n += len(b['index']); arrivals.append(time.perf_counter() - t0)
    finally: data.set_decoder_threads = ORIGINAL_INIT
    wall, first = time.perf_counter() - t0, arrivals[0]
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])] or [0.0]
    k = max(range(len(gaps)), key=gaps.__getitem__)
    where = workers_package() if mode in ('before', 'whole', 'processes', 'handover') else None
    if where not in (None, str(Path(data.__file__).parent)): sys.exit(f'the workers imported {where}, this process {Path(data.__file__).parent}')
    return {'first_batch_s': round(first, 2), 'wall_s': round(wall, 2), 'clips': n, 'clips_per_s': round(n / wall, 2),
            'clips_per_s_after_first': round((n - batch_size) / (wall - first), 2) if wall > first and n > batch_size else None,
            'arrivals_s': [round(a, 3) for a in arrivals], 'longest_gap_s': round(gaps[k], 2), 'longest_gap_after_batch': k + 1,
            **({'by_threads': dl.dl.by_threads, 'batches': len(dl)} if mode == 'handover' else {})}


def run_cold(args, mode: str, workers: int) -> dict:
    "`run` in a fresh Python process: its loader's fork server starts from nothing."
    cmd = [sys.executable, __file__, '--one', mode, '--workers', str(workers), '--batch-size', str(args.batch_size)]
    cmd += [a for k, v in (('--data-dir', args.data_dir), ('--rows', args.rows), ('--tokenizer', args.tokenizer)) if v for a in (k, str(v))]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode: sys.exit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--data-dir', type=Path, default=None, help='a MELD-layout folder (default: the demo set)')
    ap.add_argument('--rows', type=int, default=None, help='the first ROWS rows of the train split (default: all)')
    ap.add_argument('--workers', type=int, nargs='+', default=[2])
    ap.add_argument('--batch-size', type=int, default=32)
    ap.add_argument('--tokenizer', default=None)
    ap.add_argument('--modes', nargs='+', default=['before', 'processes', 'threads'],
                    choices=['before', 'whole', 'processes', 'threads', 'threads-1', 'handover'])
    ap.add_argument('--cold', action='store_true', help='each run in a fresh process (its fork server started from nothing)')
    ap.add_argument('--one', default=None, help=argparse.SUPPRESS)        # a child of --cold: one run, JSON on stdout
    ap.add_argument('--budget', type=float, default=300, help='start no new run after this many seconds')
    ap.add_argument('--out', type=Path, default=None)
    args = ap.parse_args()
    if args.one:
        ds = MELDDataset.from_split(args.data_dir or demo_data_dir(progress=False), 'train', tokenizer=args.tokenizer, n_frames=16)
        if args.rows: ds = Subset(ds, range(min(args.rows, len(ds))))
        print(json.dumps(run(ds, args.one, args.workers[0], args.batch_size))); return
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
    machine = {'cpu': cpu, 'cores': os.cpu_count(), 'torch': torch.__version__, 'python': platform.python_version(),
               'package': str(Path(data.__file__).parent)}
    print(f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__}, Python {platform.python_version()}; "
          f"package {Path(data.__file__).parent}", flush=True)
    ds = MELDDataset.from_split(args.data_dir or demo_data_dir(progress=False), 'train', tokenizer=args.tokenizer, n_frames=16)
    if args.rows: ds = Subset(ds, range(min(args.rows, len(ds))))
    res = {'machine': machine, 'rows': len(ds), 'batch_size': args.batch_size, 'cold': args.cold, 'runs': []}
    print(f'{len(ds)} rows, batches of {args.batch_size}', flush=True)
    t_all = time.perf_counter()
    for w in args.workers:
        for mode in args.modes:
            if time.perf_counter() - t_all > args.budget: print('budget spent: stopping', flush=True); break
            r = {'mode': mode, 'workers': w, **(run_cold(args, mode, w) if args.cold else run(ds, mode, w, args.batch_size))}
            res['runs'].append(r)
            print(f"{mode:10} {w:3} workers: first batch {r['first_batch_s']:6.2f} s, all {r['wall_s']:6.1f} s, "
                  f"{r['clips_per_s']:6.1f} clips/s ({r['clips_per_s_after_first']} after the first batch), "
                  f"longest wait {r['longest_gap_s']:.2f} s after batch {r['longest_gap_after_batch']}"
                  + (f", {r['by_threads']} of {r['batches']} batches by threads" if 'by_threads' in r else ''), flush=True)
            if args.out: args.out.parent.mkdir(parents=True, exist_ok=True); args.out.write_text(json.dumps(res, indent=1))


if __name__ == '__main__':
    main()
