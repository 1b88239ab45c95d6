"""Where the first batch of worker processes goes: a timeline of the fork server, each worker and the main process.

What: `make_dataloader(pool='processes')` (the library's loader: fork server, decoder share, 2 prefetched
batches) over the train split of a MELD-layout folder, with a dataset that notes, in each worker, when the
worker was forked, when its dataset arrived (unpickled, after the worker re-ran this script's top level),
its first item's start and end (and how long its first tokenizer load took inside it), and when each of
its items was done. The main process notes when `make_dataloader` returned (it starts the fork server,
which imports in the background), when `iter()` returned and when the first batch arrived. All times are
seconds from just before `make_dataloader`, on the boot clock that /proc uses for process start times
(10 ms resolution for the forks).
Why: on the lent H100 machine the extraction's first batch came after 22.8 s and how that split between
starting and decoding was not measured (bench/RESULTS.md, `worker_start.py`).

    python bench/first_batch.py [--data-dir DIR] [--workers 2] [--batch-size 16] [--split-batches 0 1]
                                [--late-import] [--preload now|package] [--gap SECONDS] [--rows N] [--out FILE]

--late-import imports the whole package inside main(), as `mm-sentiment train` does inside its command (for
a program that imports it at its top level, time `bench/epoch_cost.py --only-extract`). --preload package
starts the fork server as before it preloaded what the main module imports: every module of this package
the program has imported. --gap keeps the main process busy (asleep) between making the loader and
`iter()`, as an extraction is while it moves its model to the GPU. --split-batches 1 lets
`make_dataloader` cut each batch between the workers (0: each worker makes whole batches). Each setting
runs a fresh Python process (the fork server is started once per program); prints the machine and a
timeline per setting; no result is asserted.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing import forkserver
from pathlib import Path

import torch
from torch.utils.data import Subset

from mm_sentiment.data import MELDDataset, make_dataloader, worker_preload
from mm_sentiment.demo import demo_data_dir

TRACE = os.environ.get('FIRST_BATCH_TRACE')


def now() -> float: return time.clock_gettime(time.CLOCK_BOOTTIME)


def note(event: str, **kw):
    "Append one event of this process to the trace folder."
    with open(Path(TRACE)/f'{os.getpid()}.jsonl', 'a') as f: f.write(json.dumps({'event': event, 't': now(), **kw}) + '\n')


def forked_at(pid: int) -> float:
    "When process `pid` started, on the boot clock (field 22 of /proc/PID/stat, in clock ticks)."
    fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    return int(fields[19]) / os.sysconf('SC_CLK_TCK')


class TracedDataset(MELDDataset):
    "The course's dataset, noting in each worker when it arrived and what its first item cost."
    def __setstate__(self, state: dict):
        super().__setstate__(state)
        note('received', forked=forked_at(os.getpid()))
        self._first = True

    def _tokenize(self, text: str) -> dict:
        if not isinstance(self.tokenizer, Path): return super()._tokenize(text)
        t = now(); out = super()._tokenize(text); note('tokenizer_loaded', seconds=now() - t)
        return out

    def __getitem__(self, idx: int):
        first, self._first = getattr(self, '_first', False), False
        if first: note('first_item_start')
        item = super().__getitem__(idx)
        if first: note('first_item_end')
        note('item', idx=idx)
        return item


def run_one(args) -> dict:
    "One loader in this process: the trace of every worker and of the main process."
    ds = TracedDataset.from_split(args.data_dir or demo_data_dir(progress=False), 'train', tokenizer=args.tokenizer, n_frames=16)
    rows = Subset(ds, range(min(args.rows, len(ds)))) if args.rows else ds
    if args.late_import: import mm_sentiment.runs    # noqa: F401   as `mm-sentiment train` does, inside its command
    t0 = now()                      # making the loader starts its fork server (lesson 2c), which imports in the background
    if args.preload == 'package':   # as before the server preloaded the main module's imports: this package's modules imported
        ctx = multiprocessing.get_context('forkserver')
        ctx.set_forkserver_preload(worker_preload())   # no main file given: the package's modules, as before
        forkserver.ensure_running()  # make_dataloader keeps a running server
    dl = make_dataloader(rows, args.batch_size, num_workers=args.workers, pin_memory=False, persistent=False, pool='processes',
                         split_batches=bool(args.split_batches[0]))
    t_made = now()
    time.sleep(args.gap)            # the main process busy elsewhere (an extraction moves its model to the GPU here)
    it = iter(dl); t_iter = now()
    first = next(it); t_first = now()
    n = len(first['index']) + sum(len(b['index']) for b in it); t_all = now()
    workers = []
    for f in Path(TRACE).glob('*.jsonl'):
        ev = [json.loads(l) for l in f.read_text().splitlines()]
        w = {e['event']: e['t'] - t0 for e in ev}
        w['forked'] = next(e['forked'] for e in ev if e['event'] == 'received') - t0
        w['tokenizer_s'] = next((e['seconds'] for e in ev if e['event'] == 'tokenizer_loaded'), None)
        w['items_by_first_batch'] = sum(e['event'] == 'item' and e['t'] - t0 <= t_first - t0 for e in ev)
        w['items'] = [round(e['t'] - t0, 3) for e in ev if e['event'] == 'item']
        workers.append(w)
    return {'made_s': t_made - t0, 'iter_s': t_iter - t0, 'first_batch_s': t_first - t0, 'first_batch_clips': len(first['index']),
            'all_s': t_all - t0, 'clips': n, 'workers': workers}


def summary(r: dict) -> str:
    def span(k):
        v = [w[k] for w in r['workers'] if w.get(k) is not None]
        return f'{min(v):5.2f}–{max(v):5.2f}' if v else '   —'
    tok = [w['tokenizer_s'] for w in r['workers'] if w.get('tokenizer_s') is not None]
    return '\n'.join([
        f"  loader made              {r['made_s']:5.2f} s  (its fork server started, importing)",
        f"  iter() returned          {r['iter_s']:5.2f} s  (the workers started, once the server is ready)",
        f"  workers forked           {span('forked')} s",
        f"  datasets arrived         {span('received')} s  (unpickled in each worker)",
        f"  first items started      {span('first_item_start')} s",
        f"  first items done         {span('first_item_end')} s  (tokenizer's first load in them: "
        f"{statistics.median(tok) if tok else 0:.2f} s median)",
        f"  first batch ({r['first_batch_clips']} clips)  {r['first_batch_s']:5.2f} s  (clips each worker had decoded by then: "
        f"{sorted(w['items_by_first_batch'] for w in r['workers'])})",
        f"  all {r['clips']} clips            {r['all_s']:5.2f} s"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--data-dir', type=Path, default=None)
    ap.add_argument('--rows', type=int, default=None)
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--batch-size', type=int, default=16)
    ap.add_argument('--tokenizer', default=None)
    ap.add_argument('--split-batches', type=int, nargs='+', default=[0, 1], choices=[0, 1])
    ap.add_argument('--gap', type=float, default=0.0, help="seconds between making the loader and iter() (the main process busy)")
    ap.add_argument('--late-import', action='store_true', help='import the whole package inside main(), as the command line does')
    ap.add_argument('--preload', default='now', choices=('now', 'package'), help="the fork server's preload: now (what the main "
                    "module imports at its top level), or this package's modules imported so far (before)")
    ap.add_argument('--one', action='store_true', help=argparse.SUPPRESS)    # a child: one setting, JSON on stdout
    ap.add_argument('--out', type=Path, default=None)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args))); return
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
    res = {'machine': {'cpu': cpu, 'cores': os.cpu_count(), 'torch': torch.__version__, 'python': platform.python_version()},
           'workers': args.workers, 'batch_size': args.batch_size, 'late_import': args.late_import, 'preload': args.preload, 'gap_s': args.gap, 'runs': []}
    print(f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__}, Python {platform.python_version()}; "
          f"{args.workers} workers, batches of {args.batch_size}"
          f"{f', main busy {args.gap} s before iter()' if args.gap else ''}{', package imported in main()' if args.late_import else ''}"
          f"; fork server preload: {args.preload}", flush=True)
    for split in args.split_batches:
        with tempfile.TemporaryDirectory() as trace:
            cmd = [sys.executable, __file__, '--one', '--workers', str(args.workers), '--batch-size', str(args.batch_size), '--gap', str(args.gap), '--preload', args.preload,
                   '--split-batches', str(split)] + (['--late-import'] if args.late_import else [])
            cmd += [a for k, v in (('--data-dir', args.data_dir), ('--rows', args.rows), ('--tokenizer', args.tokenizer)) if v
                    for a in (k, str(v))]
            out = subprocess.run(cmd, env=os.environ | {'FIRST_BATCH_TRACE': trace}, capture_output=True, text=True)
            if out.returncode: print(out.stderr[-3000:]); sys.exit(out.returncode)
            r = json.loads(out.stdout.strip().splitlines()[-1]) | {'split_batches': bool(split)}
        res['runs'].append(r)
        print(f"{'batches cut between the workers' if split else 'whole batches per worker'}:\n{summary(r)}", flush=True)
        if args.out: args.out.parent.mkdir(parents=True, exist_ok=True); args.out.write_text(json.dumps(res, indent=1))


if __name__ == '__main__':
    main()
