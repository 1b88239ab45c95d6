"""Check, in a real browser, that the sample browser widget of lesson 2c works in JupyterLab.

    apt-get install chromium            # Debian's browser
    python3 -m venv /tmp/pw && /tmp/pw/bin/pip install playwright   # the driver only: no browser download
    /tmp/pw/bin/python tools/lab_widget_check.py --python .venv/bin/python --out /tmp/lab

Starts JupyterLab (from the project's environment) on 127.0.0.1 over a scratch folder holding a
one-cell notebook that calls `mm_sentiment.data.sample_browser` on the demo set, opens it in
headless Chromium, runs the cell, checks that the slider and the sample's figure appear, moves the
slider one step with the keyboard and checks that a different sample is shown. Screenshots go to
--out. Exits non-zero with the reason when a check fails. Not part of the test suite: it needs
Chromium and Playwright, which the course does not depend on.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CELL = """from mm_sentiment.demo import demo_data_dir
from mm_sentiment.data import MELDDataset, sample_browser
ds = MELDDataset.from_split(demo_data_dir(progress=False), 'train', n_frames=8)
sample_browser(ds)"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--python', default=sys.executable, help="the project's Python (with jupyterlab and mm_sentiment)")
    ap.add_argument('--out', type=Path, default=Path('/tmp/lab_widget_check'))
    ap.add_argument('--chromium', default='/usr/bin/chromium')
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright
    work = args.out/'lab'; work.mkdir(parents=True, exist_ok=True)
    nb = {'cells': [{'cell_type': 'code', 'execution_count': None, 'metadata': {}, 'outputs': [], 'source': CELL}],
          'metadata': {'kernelspec': {'display_name': 'Python 3', 'language': 'python', 'name': 'python3'}},
          'nbformat': 4, 'nbformat_minor': 5}
    (work/'browser.ipynb').write_text(json.dumps(nb))
    port = free_port()
    lab = subprocess.Popen([args.python, '-m', 'jupyterlab', '--no-browser', '--allow-root', '--ip=127.0.0.1', f'--port={port}',
                            '--IdentityProvider.token=', '--ServerApp.password=', f'--ServerApp.root_dir={work}',
                            '--LabApp.news_url=', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate'],
                           stdout=open(args.out/'lab.log', 'w'), stderr=subprocess.STDOUT)
    try:
        for _ in range(60):
            try: urllib.request.urlopen(f'http://127.0.0.1:{port}/api', timeout=2); break
            except OSError: time.sleep(1)
        else: sys.exit('JupyterLab did not start: see lab.log')
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, headless=True, args=[
                '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                '--disable-component-update', '--disable-sync'])
            page = browser.new_page(viewport={'width': 1400, 'height': 1000})
            page.goto(f'http://127.0.0.1:{port}/lab/tree/browser.ipynb')
            page.wait_for_selector('.jp-Notebook .jp-Cell .cm-content', timeout=90_000)
            page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"], .jp-KernelStatus', timeout=90_000)
            time.sleep(3)
            page.click('.jp-Notebook .jp-Cell .cm-content')
            page.keyboard.press('Shift+Enter')
            slider = page.wait_for_selector('.widget-slider, .jupyter-widgets.widget-slider', timeout=180_000)
            page.wait_for_selector('.jp-OutputArea-output img', timeout=120_000)
            time.sleep(2)
            page.screenshot(path=str(args.out/'widget_sample0.png'))
            first = page.inner_text('.widget-readout')
            img0 = page.get_attribute('.jp-OutputArea-output img', 'src')
            handle = page.wait_for_selector('.widget-slider .noUi-handle, .widget-slider .ui-slider-handle, .widget-slider [role="slider"]')
            handle.focus(); page.keyboard.press('ArrowRight')
            page.wait_for_function("() => document.querySelector('.widget-readout') && document.querySelector('.widget-readout').innerText.trim() !== '%s'" % first.strip(), timeout=30_000)
            time.sleep(4)
            page.screenshot(path=str(args.out/'widget_sample1.png'))
            second = page.inner_text('.widget-readout')
            img1 = page.get_attribute('.jp-OutputArea-output img', 'src')
            browser.close()
        print(f'slider readout {first.strip()} -> {second.strip()}; figure changed: {img0 != img1}')
        if img0 == img1: sys.exit('the figure did not change when the slider moved')
        print(f'OK: screenshots in {args.out}')
    finally:
        lab.terminate(); lab.wait(timeout=20)


if __name__ == '__main__':
    main()
