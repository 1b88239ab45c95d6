"""Text-only training on MELD's real train/dev labels: the seed's configuration, the best one found, and class weights.

What: `mm_sentiment.runs.train_run` on MELD's train split with the offline all-MiniLM-L6-v2 (frozen, mean
pooling) and the seed's fusion layer and heads, the best epoch chosen on dev; then `evaluate_run` on dev.
Why: the course has MELD's label files but not its clips; these are its real-data results, shown in
lesson 7f. Writes `bench/meld_text.json` (metrics, confusion matrices, configuration, machine, times).

    python bench/meld_text.py --meld-dir ../shared/meld [--out bench/meld_text.json]

The first configuration encodes the 11,098 utterances once (minutes on a 2-core CPU); the others reuse
the feature cache.
"""
from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path

import torch

from mm_sentiment.meld import SPLITS, read_meld_csv
from mm_sentiment.runs import evaluate_run, train_run
from mm_sentiment.training import TrainConfig, head_metrics

CONFIGS = {
    'seed configuration': TrainConfig(),
    'seed configuration + class weights': TrainConfig(class_weights=True),
    'best found': TrainConfig(lr=1e-3, label_smoothing=0.1),
    'best found + class weights': TrainConfig(lr=1e-3, label_smoothing=0.1, class_weights=True),
}

def machine() -> str:
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
    return f'{cpu}, {torch.get_num_threads()} threads, torch {torch.__version__}, Python {platform.python_version()}'

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--meld-dir', type=Path, required=True, help='a folder holding train_sent_emo.csv and dev_sent_emo.csv')
    ap.add_argument('--out', type=Path, default=Path(__file__).with_name('meld_text.json'))
    ap.add_argument('--runs', type=Path, default=None, help='where the run folders go (default: a temporary folder)')
    args = ap.parse_args()
    runs = args.runs or Path(tempfile.mkdtemp())
    tr, dev = read_meld_csv(args.meld_dir/SPLITS['train'].csv), read_meld_csv(args.meld_dir/SPLITS['dev'].csv)
    record = {'date': str(date.today()), 'machine': machine(), 'command': 'python bench/meld_text.py --meld-dir MELD',
              'n_train': len(tr), 'n_dev': len(dev),
              'majority': {h: head_metrics(dev[f'{h}_id'], [tr[f'{h}_id'].mode()[0]] * len(dev)) for h in ('emotion', 'sentiment')},
              'runs': {}}
    for name, cfg in CONFIGS.items():
        t0 = time.time()
        out = runs/name.replace(' ', '_').replace('+', 'and')
        state = train_run(args.meld_dir, out, modalities='text', cfg=cfg, progress=False)
        res = evaluate_run(out, split='dev', progress=False)
        record['encoders'] = res['encoders']
        record['runs'][name] = {'config': asdict(cfg), 'best_epoch': state['best_epoch'], 'epochs': state['epoch'],
                                'dev': {h: res[h] for h in ('emotion', 'sentiment')},
                                'confusion': {h: c['matrix'] for h, c in json.loads((out/'confusion_dev.json').read_text()).items()},
                                'seconds': round(time.time() - t0, 1)}
        print(f"{name:36} emotion wF1 {res['emotion']['weighted_f1']:.3f}  sentiment wF1 {res['sentiment']['weighted_f1']:.3f}  "
              f"best epoch {state['best_epoch']}  {time.time() - t0:.0f} s", flush=True)
        args.out.write_text(json.dumps(record, indent=1))
    print(f"{record['machine']}\nwritten to {args.out}")

if __name__ == '__main__':
    main()
