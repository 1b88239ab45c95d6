"""Run lessons in place, as their committed outputs must be made: each from an empty cache, nothing stale.

    .venv/bin/python tools/run_notebooks.py nbs/02c_dataset.ipynb nbs/09a_inference.ipynb
    .venv/bin/nbdev_clean                                          # then commit the notebooks

Each notebook runs top to bottom in a fresh `execnb` shell (the one `nbdev_test` uses) in a Python process of its
own (as a learner's kernel: warnings shown once per process, imports and caches all start anew), in its folder,
with `MM_SENTIMENT_CACHE` set to a new empty folder (deleted after), so that every output shows what a
learner meets on a first run: the demo data generated, no feature cache to find. Cells flagged with one
of `settings.ini`'s `tst_flags` (gpu, aws, slow) are skipped, as `nbdev_test` skips them, and keep the
outputs they had. `MELD_CSV_DIR` defaults to `../shared/meld` where that folder exists, as in `.ci/run`.

Outside a Jupyter front end, IPython's `clear_output` (which ipywidgets' `interactive` and `Output` call)
prints the terminal codes `ESC[2K` and a carriage return instead of clearing anything; a learner's notebook
never shows them, so they are taken out of the stream outputs here. A notebook that fails is not written
over: its outputs, traceback included, go to `/tmp/failed_<name>` and the exit status is 1.
"""
from __future__ import annotations

import argparse
import configparser
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLEAR = '\x1b[2K\r'                                     # what IPython's clear_output prints with no front end


def skip_flags(settings: Path = ROOT/'settings.ini') -> set[str]:
    "The test flags `nbdev_test` skips unless asked for (`tst_flags` in settings.ini)."
    cfg = configparser.ConfigParser(); cfg.read(settings)
    return set(cfg.get('DEFAULT', 'tst_flags', fallback='').split())


def cell_flags(source: str) -> set[str]:
    "The flags of a cell's leading `#|` lines (`#| gpu`, `#| slow` ...)."
    out = set()
    for line in source.splitlines():
        if not line.startswith('#|'): break
        out |= set(line[2:].split())
    return out


def drop_clear_codes(nb) -> int:
    "Take `clear_output`'s terminal codes out of `nb`'s stream outputs (dropping outputs left empty); how many went."
    n = 0
    for cell in nb.cells:
        if cell.cell_type != 'code': continue
        keep = []
        for o in cell.get('outputs', []):
            if o.get('output_type') == 'stream':
                text = ''.join(o['text']) if isinstance(o['text'], list) else o['text']
                n += text.count(CLEAR); text = text.replace(CLEAR, '')
                if not text: continue
                o['text'] = text.splitlines(keepends=True)          # as Jupyter writes it: a list of lines
            keep.append(o)
        cell['outputs'] = keep
    return n


def run_notebook(path: Path, skip: set[str]) -> bool:
    "Run `path` in place from an empty cache; False (and its outputs in /tmp/failed_<name>) when a cell raised."
    from execnb.nbio import read_nb, write_nb
    from execnb.shell import CaptureShell
    path = path.resolve()
    cache = tempfile.mkdtemp(prefix='mmcache-'); os.environ['MM_SENTIMENT_CACHE'] = cache
    here, t0 = os.getcwd(), time.time()
    nb = read_nb(path); os.chdir(path.parent)
    try:
        shell = CaptureShell(path)
        try: shell.run_all(nb, exc_stop=True, preproc=lambda c: c.cell_type != 'code' or bool(cell_flags(c.source) & skip)); ok = True
        except Exception: print(shell.prettytb(fname=path)); ok = False
        dropped = drop_clear_codes(nb)
        write_nb(nb, path if ok else Path(tempfile.gettempdir())/f'failed_{path.name}')
    finally:
        os.chdir(here); shutil.rmtree(cache, ignore_errors=True)
    print(f'{path.name}: {"ok" if ok else "FAILED"} in {time.time() - t0:.0f} s'
          + (f' ({dropped} clear_output codes taken out)' if dropped else ''), flush=True)
    return ok


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('notebooks', nargs='+', type=Path)
    args = p.parse_args(argv)
    meld = ROOT.parent/'shared'/'meld'
    if meld.is_dir(): os.environ.setdefault('MELD_CSV_DIR', str(meld))
    if len(args.notebooks) > 1:                          # each in a process of its own, as each lesson gets a fresh kernel
        return 0 if all([subprocess.run([sys.executable, __file__, str(nb)]).returncode == 0 for nb in args.notebooks]) else 1
    return 0 if run_notebook(args.notebooks[0], skip_flags()) else 1


if __name__ == '__main__':
    sys.exit(main())
