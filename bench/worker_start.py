"""How long DataLoader workers take to start, and to deliver a first batch: `spawn` against the course's fork server.

What: a DataLoader over the train split of a MELD-layout folder (the course's `MELDDataset`, 16 frames,
the offline tokenizer), started with `spawn` and with `mm_sentiment.data.worker_context()` (a fork server
that imported the program and `mm_sentiment.data` once); for each, the seconds until `iter()` returns
(the workers are started) and until the first batch arrives.
Why: a spawned worker imports torch & co. before it reads its pickled dataset from a pipe of 64 KiB; a
dataset that pickles to more (the tokenizer alone is ~830 KiB) makes the main process wait for each worker
in turn, so start-up grows with the number of workers (194 s for 15 on the lent H100 machine).

    python bench/worker_start.py [--data-dir DIR | --text-csv CSV] [--workers 2] [--modes forkserver spawn]
                                 [--cuda-model] [--import-all] [--heavy-main] [--old-preload]

Prints the machine and one line per mode, with the seconds each `Process.start()` took (a start that waits
for the worker shows there); --out writes the numbers as JSON. --cuda-model first puts the course's model on
the GPU (as an extraction does), --import-all imports every module of the package first: both to find what
else makes workers start slowly on a GPU machine (see bench/RESULTS.md).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import os
import pickle
import platform
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from mm_sentiment.data import MELDDataset, collate_meld, worker_context
from mm_sentiment.demo import demo_data_dir

if '--heavy-main' in sys.argv:                 # at the top level, as bench/epoch_cost.py imports: a worker that re-runs
    import mm_sentiment.runs                   # noqa: F401   the main module pays for these unless they were preloaded

STARTS: list[float] = []
_start = multiprocessing.process.BaseProcess.start
def _timed_start(self):
    t = time.perf_counter(); _start(self); STARTS.append(round(time.perf_counter() - t, 3))
multiprocessing.process.BaseProcess.start = _timed_start


def start(ds, workers: int, context, batch_size: int) -> dict:
    STARTS.clear(); t0 = time.perf_counter()
    it = iter(DataLoader(ds, batch_size=batch_size, num_workers=workers, collate_fn=collate_meld, multiprocessing_context=context,
                         prefetch_factor=2))
    t1 = time.perf_counter(); next(it); t2 = time.perf_counter()
    if (context if isinstance(context, str) else context.get_start_method()) == 'spawn':    # a spawned worker stopped mid-batch can abort in its shutdown (lesson 2c): read on
        for _ in it: pass
    del it
    return {'started_s': round(t1 - t0, 2), 'first_batch_s': round(t2 - t0, 2), 'each_start_s': list(STARTS)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--data-dir', type=Path, default=None, help='a MELD-layout folder (default: the demo set)')
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--batch-size', type=int, default=4)
    ap.add_argument('--tokenizer', default=None)
    ap.add_argument('--modes', nargs='+', default=['forkserver', 'spawn'])
    ap.add_argument('--cuda-model', action='store_true', help='put the course model on the GPU before starting workers')
    ap.add_argument('--import-all', action='store_true', help='import every module of mm_sentiment before starting workers')
    ap.add_argument('--heavy-main', action='store_true', help='this script imports mm_sentiment.runs at its top level (workers re-run it)')
    ap.add_argument('--text-csv', type=Path, default=None, help="a MELD label file: a text-only dataset of its rows (a large pickle, no clips)")
    ap.add_argument('--old-preload', action='store_true', help="the fork server preloads ['__main__', 'mm_sentiment.data'] (as before; "
                    "'__main__' never takes effect)")
    ap.add_argument('--out', type=Path, default=None)
    args = ap.parse_args()
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
    print(f'{cpu}, {os.cpu_count()} cores, torch {torch.__version__}, Python {platform.python_version()}', flush=True)
    if args.import_all:
        import mm_sentiment.cli, mm_sentiment.runs                                     # noqa: F401 (everything below them too)
    if args.cuda_model:
        from mm_sentiment.devices import prepare_for_device
        from mm_sentiment.encoders import RANDOM_BERT
        from mm_sentiment.model import MultimodalSentimentModel
        prepare_for_device(MultimodalSentimentModel(text_model=RANDOM_BERT, video_weights='random'), torch.device('cuda'))
    probe = "import sys, time; t = time.perf_counter(); import mm_sentiment.data; print(time.perf_counter() - t, 'torchvision' in sys.modules)"
    import subprocess
    secs, tv = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True, check=True).stdout.split()
    res_import = {'import_data_s': round(float(secs), 2), 'imports_torchvision': tv == 'True'}
    print(f"a fresh process imports mm_sentiment.data in {res_import['import_data_s']} s (torchvision imported: {tv})", flush=True)
    ds = (MELDDataset(args.text_csv, tokenizer=args.tokenizer, modalities='text') if args.text_csv else
          MELDDataset.from_split(args.data_dir or demo_data_dir(progress=False), 'train', tokenizer=args.tokenizer, n_frames=16))
    res = {'machine': {'cpu': cpu, 'cores': os.cpu_count(), 'torch': torch.__version__}, 'workers': args.workers,
           'dataset_pickle_kib': round(len(pickle.dumps(ds)) / 1024), 'clips': len(ds), **res_import}
    print(f"{len(ds)} clips; the dataset pickles to {res['dataset_pickle_kib']} KiB; {args.workers} workers, batches of {args.batch_size}")
    for mode in args.modes:
        if mode == 'forkserver' and args.old_preload:   # before worker_context() is called: it starts the server with its own preload
            ctx = multiprocessing.get_context('forkserver'); ctx.set_forkserver_preload(['__main__', 'mm_sentiment.data'])
        else: ctx = worker_context() if mode == 'forkserver' else mode
        res[mode] = start(ds, args.workers, ctx, args.batch_size)
        print(f"{mode:10}: workers started after {res[mode]['started_s']:6.1f} s, first batch after {res[mode]['first_batch_s']:6.1f} s; "
              f"each start: {res[mode]['each_start_s']}", flush=True)
        if args.out: args.out.parent.mkdir(parents=True, exist_ok=True); args.out.write_text(json.dumps(res, indent=1))


if __name__ == '__main__':
    main()
