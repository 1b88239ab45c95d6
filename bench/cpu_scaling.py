"""How far a machine's cores scale: decoding clips, memory copies and plain arithmetic, in 1, 2, 4 ... N processes at once.

    python bench/cpu_scaling.py [--data-dir DIR] [--procs 1 2 4 8 16] [--seconds 6] [--kinds arith memory decode]
                                [--torch-threads 1] [--out FILE]

Why: on the lent H100 machine (16 cores) PyAV decoded 10 clips/s in one thread and only ~40 in 15
threads or 15 processes: about 4x, whatever the pool (bench/RESULTS.md). Whether that is the machine
(a CPU quota, cores that are hyperthreads of each other, a shared host) or the work (memory bandwidth,
caches) shows by running, in N processes started together behind a barrier (spawned; the decoders forked
from a fork server that imported PyAV and torch once, so that their start is not timed):

- `decode`: lesson 2c's `decode_frames` + `decode_audio` over the clips of DIR's train split (one decoding
  thread and, unless --torch-threads says otherwise, one torch thread each), as a DataLoader worker does;
- `arith`: a pure-Python loop that touches no memory beyond a few cache lines (what the cores alone give);
- `memory`: numpy copying a 64 MB array into another, over and over (GB/s: what the memory gives).

For each N: the total rate and its ratio to one process; perfect scaling is N. Prints the machine's CPU
quota (cgroup `cpu.max`), the cores this process may run on, and how many logical cores share a physical
one. No result is asserted.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import time
from pathlib import Path


def machine() -> dict:
    "What the machine says about its cores."
    def read(p):
        try: return Path(p).read_text().strip()
        except OSError: return None
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
    siblings = read('/sys/devices/system/cpu/cpu0/topology/thread_siblings_list')
    return {'cpu': cpu, 'cores': os.cpu_count(), 'usable_cores': len(os.sched_getaffinity(0)),
            'cgroup_cpu_max': read('/sys/fs/cgroup/cpu.max') or read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'),
            'cpu0_thread_siblings': siblings, 'python': platform.python_version()}


def arith(deadline: float) -> int:
    n = 0
    while time.perf_counter() < deadline:
        x = 0
        for i in range(20000): x += i * i
        n += 1
    return n


def memory(deadline: float) -> float:
    import numpy as np
    src, dst = np.ones(8 << 20), np.empty(8 << 20)          # 64 MB each: far beyond any cache
    n = 0
    while time.perf_counter() < deadline: np.copyto(dst, src); n += 1
    return n * 2 * src.nbytes / 1e9                          # read once, written once


def decode(paths: list, deadline: float, torch_threads: int = 1) -> int:
    import torch
    from mm_sentiment.data import decode_audio, decode_frames, demux_clip, set_decoder_threads
    set_decoder_threads(1)
    if torch_threads: torch.set_num_threads(torch_threads)    # 1 as in a DataLoader worker; 0: torch's own pool, a thread per core
    n = 0
    while time.perf_counter() < deadline:
        with demux_clip(paths[n % len(paths)]) as c: decode_frames(c), decode_audio(c)
        n += 1
    return n


def worker(kind: str, paths: list, seconds: float, barrier, results, torch_threads: int = 1):
    if kind == 'decode':                      # warm up: imports and a first clip, outside the timed part
        from mm_sentiment.data import decode_frames, demux_clip
        with demux_clip(paths[0]) as c: decode_frames(c)
    barrier.wait()
    start = time.perf_counter()
    n = decode(paths, start + seconds, torch_threads) if kind == 'decode' else memory(start + seconds) if kind == 'memory' else arith(start + seconds)
    results.put(n / (time.perf_counter() - start))


def rate(kind: str, procs: int, paths: list, seconds: float, torch_threads: int = 1) -> float:
    ctx = mp.get_context('forkserver' if kind == 'decode' else 'spawn')     # decoders fork from a server that imported PyAV and torch once
    barrier, results = ctx.Barrier(procs), ctx.Queue()
    ps = [ctx.Process(target=worker, args=(kind, paths, seconds, barrier, results, torch_threads)) for _ in range(procs)]
    for p in ps: p.start()
    total = sum(results.get() for _ in ps)
    for p in ps: p.join()
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--data-dir', type=Path, default=None, help='a MELD-layout folder (default: the demo set)')
    ap.add_argument('--procs', type=int, nargs='+', default=None, help='process counts (default: 1, 2, 4 ... the cores)')
    ap.add_argument('--seconds', type=float, default=6)
    ap.add_argument('--kinds', nargs='+', default=['arith', 'memory', 'decode'], choices=['arith', 'memory', 'decode'])
    ap.add_argument('--torch-threads', type=int, default=1, help="torch's threads in each decoding process (0: torch's default)")
    ap.add_argument('--out', type=Path, default=None)
    args = ap.parse_args()
    info = machine()
    mp.set_forkserver_preload(['mm_sentiment.data'])
    print(json.dumps(info), flush=True)
    print(f"torch threads in each decoding process: {args.torch_threads or 'torch default (a thread per core)'}", flush=True)
    procs = args.procs or sorted({*(2 ** k for k in range(8) if 2 ** k < info['usable_cores']), info['usable_cores']})
    if args.data_dir is None:
        from mm_sentiment.demo import demo_data_dir
        args.data_dir = demo_data_dir(progress=False)
    from mm_sentiment.data import MELDDataset
    ds = MELDDataset.from_split(args.data_dir, 'train', modalities=('video', 'audio'))
    paths = [str(ds.clip_path(i)) for i in range(min(len(ds), 64))]
    res = {'machine': info, 'data': str(args.data_dir), 'seconds': args.seconds, 'torch_threads': args.torch_threads, 'runs': []}
    for kind in args.kinds:
        one = None
        for n in procs:
            r = rate(kind, n, paths, args.seconds, args.torch_threads)
            one = one or r / n
            res['runs'].append({'kind': kind, 'procs': n, 'per_s': round(r, 2), 'scaling': round(r / one, 2)})
            print(f"{kind:6} {n:3} processes: {r:9.1f} {dict(decode='clips', memory='GB', arith='loops')[kind]}/s, {r / one:5.2f}x one process", flush=True)
            if args.out: args.out.parent.mkdir(parents=True, exist_ok=True); args.out.write_text(json.dumps(res, indent=1))


if __name__ == '__main__':
    main()
