"""Run lessons' code cells as `nbdev_test --flags gpu` does, on a machine without nbdev (the lent GPU one).

Each notebook's code cells run top to bottom in one namespace, from the notebook's folder: the cells
flagged with one of --flags too, the cells flagged with another flag (aws, slow) or `#| eval: false` not.
Prints each cell's number, flags and seconds; the output of every flagged cell is printed in full and
kept in --out (JSON, rewritten after each cell), so it can be recorded. Stops a notebook at its first
error (with its traceback; with --keep-going, only at a flagged cell's) and goes on with the next; the exit status is the number of notebooks that
failed. Needs fastcore (the lessons' tests) and matplotlib (drawn off screen).

    python bench/run_cells.py nbs/07a_devices.ipynb nbs/07d_end_to_end.ipynb --flags gpu [--out FILE] [--keep-going]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time
import traceback
from pathlib import Path

KNOWN_FLAGS = {'gpu', 'aws', 'slow'}


def directives(src: str) -> tuple[set, bool]:
    "The flags of a cell's first `#|` lines, and whether it is `#| eval: false`."
    flags, skip = set(), False
    for line in src.splitlines():
        if not line.startswith('#|'): break
        words = line[2:].split()
        if words[:2] == ['eval:', 'false']: skip = True
        flags |= set(words) & KNOWN_FLAGS
    return flags, skip


def run_notebook(path: Path, flags: set, record: dict, keep_going: bool = False) -> bool:
    cells = [''.join(c['source']) for c in json.loads(path.read_text())['cells'] if c['cell_type'] == 'code']
    ns, here = {'__name__': '__main__'}, os.getcwd()
    os.chdir(path.parent)
    sys.path.insert(0, str(path.parent))
    ok = True
    try:
        for i, src in enumerate(cells):
            fl, skip = directives(src)
            if skip or fl - flags: continue
            t, buf = time.perf_counter(), io.StringIO()
            try:
                with contextlib.redirect_stdout(buf): exec(compile(src, f'{path.name} cell {i}', 'exec'), ns)
            except BaseException:
                print(f'{path.name} cell {i} FAILED:\n{src}\n{buf.getvalue()}{traceback.format_exc()}', flush=True)
                record[f'{path.name} cell {i}'] = {'source': src, 'output': buf.getvalue(), 'error': traceback.format_exc()}
                ok = False
                if keep_going and not fl: continue              # an unflagged cell's test failed: say so, run on to the flagged ones
                return False
            if fl: record[f'{path.name} cell {i}'] = {'source': src, 'output': buf.getvalue(), 'seconds': round(time.perf_counter() - t, 2)}
            print(f'{path.name} cell {i:3} {",".join(sorted(fl)) or "-":5} {time.perf_counter() - t:7.2f} s', flush=True)
            if fl: print(buf.getvalue(), end='', flush=True)
        return ok
    finally: os.chdir(here); sys.path.remove(str(path.parent))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='+', type=Path)
    ap.add_argument('--flags', nargs='*', default=['gpu'])
    ap.add_argument('--out', type=Path, default=None)
    ap.add_argument('--keep-going', action='store_true', help='after a failed cell without a flag, go on (the notebook still counts as failed)')
    args = ap.parse_args()
    os.environ.setdefault('MPLBACKEND', 'Agg')
    record, failed = {}, 0
    for nb in args.notebooks:
        t = time.perf_counter(); ok = run_notebook(nb.resolve(), set(args.flags), record, args.keep_going)
        failed += not ok
        print(f'== {nb.name}: {"ok" if ok else "FAILED"} in {time.perf_counter() - t:.0f} s', flush=True)
        if args.out: args.out.parent.mkdir(parents=True, exist_ok=True); args.out.write_text(json.dumps(record, indent=1))
    sys.exit(failed)


if __name__ == '__main__':
    main()
