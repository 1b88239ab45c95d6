"""Check, in a real browser, that a widget of the course works in JupyterLab: lesson 2c's sample browser, or lesson 9a's prediction panel.

    apt-get install chromium            # Debian's browser
    python3 -m venv /tmp/pw && /tmp/pw/bin/pip install playwright   # the driver only: no browser download
    /tmp/pw/bin/python tools/lab_widget_check.py --python .venv/bin/python --out /tmp/lab
    /tmp/pw/bin/python tools/lab_widget_check.py --python .venv/bin/python --out /tmp/lab-panel --panel prediction

Starts JupyterLab (from the project's environment) on 127.0.0.1 over a scratch folder holding a
one-cell notebook that calls `mm_sentiment.data.sample_browser` on the demo set, opens it in
headless Chromium, runs the cell, checks that the slider and the sample's figure appear, moves the
slider one step with the keyboard and checks that a different sample is shown. With `--panel
prediction`: trains a short demo run, shows `prediction_panel` on a test clip, types the text,
presses Predict and checks that the bars appear. Screenshots go to
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

PANEL_CELL = """from mm_sentiment.demo import demo_data_dir
from mm_sentiment.inference import Predictor, prediction_panel
from mm_sentiment.meld import SPLITS
from mm_sentiment.runs import train_run
from mm_sentiment.training import TrainConfig
demo = demo_data_dir(progress=False)
train_run(demo, 'run', n_frames=4, video_weights='random', cfg=TrainConfig(epochs=5, lr=1e-3), progress=False)
prediction_panel(Predictor('run'), sorted((demo/SPLITS['test'].clips).glob('*.mp4'))[0])"""

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
    ap.add_argument('--panel', choices=('sample', 'prediction'), default='sample')
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright
    work = args.out/'lab'; work.mkdir(parents=True, exist_ok=True)
    nb = {'cells': [{'cell_type': 'code', 'execution_count': None, 'metadata': {}, 'outputs': [], 'source': PANEL_CELL if args.panel == 'prediction' else CELL}],
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
            if args.panel == 'prediction': return check_prediction_panel(page, browser, args.out)
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


def check_prediction_panel(page, browser, out: Path):
    "Type the clip's text into the panel, press Predict, and check that the two heads' bars appear."
    box = page.wait_for_selector('input[placeholder="what is said in the clip"]', timeout=300_000)
    box.fill('Well, I did not see that coming?!')
    page.screenshot(path=str(out/'panel_before.png'))
    page.click('button:has-text("Predict")')
    page.wait_for_selector('.jp-OutputArea-output .widget-output img, .widget-output img', timeout=120_000)
    time.sleep(2)
    page.screenshot(path=str(out/'panel_after.png'))
    n = page.eval_on_selector_all('.widget-output img', 'imgs => imgs.filter(i => i.complete && i.naturalWidth > 0).length')
    browser.close()
    if n < 1: sys.exit('the panel showed no figure after Predict')
    print(f'OK: the panel drew its bars ({n} figure); screenshots in {out}')


if __name__ == '__main__':
    main()
