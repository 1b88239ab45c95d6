"""r3d_18 inference in the default (contiguous) memory layout vs channels_last_3d, on this machine's device.

    python bench/channels_last.py [--frames 8] [--batch 16] [--repeat 3]

Why: `mm_sentiment.devices.prepare_for_device` puts the video backbone in channels_last_3d on every
device, not only on CUDA; this measures whether that is right here. Random weights (speed does not
depend on them), inference mode, float32 (and bf16 autocast on CUDA). Prints the machine and seconds
per clip for each layout, each measured after a warm-up pass. No result is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time

import torch
from torchvision.models.video import r3d_18


def per_clip(model, x, repeat: int, bf16: bool) -> float:
    dev = x.device
    with torch.inference_mode(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
        model(x)
        if dev.type == 'cuda': torch.cuda.synchronize()
        t = time.perf_counter()
        for _ in range(repeat): model(x)
        if dev.type == 'cuda': torch.cuda.synchronize()
    return (time.perf_counter() - t) / repeat / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--frames', type=int, default=8)
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--repeat', type=int, default=3)
    args = ap.parse_args()
    dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    print(json.dumps({'device': torch.cuda.get_device_name() if dev.type == 'cuda' else 'cpu', 'cores': os.cpu_count(),
                      'torch_threads': torch.get_num_threads(), 'torch': torch.__version__, 'python': platform.python_version(),
                      'frames': args.frames, 'batch': args.batch}))
    torch.manual_seed(0)
    model = r3d_18().eval().to(dev)
    x = torch.randn(args.batch, 3, args.frames, 112, 112, device=dev)
    for prec, bf16 in (('fp32', False), ('bf16', True))[:2 if dev.type == 'cuda' else 1]:
        model.to(memory_format=torch.contiguous_format)
        a = per_clip(model, x.contiguous(), args.repeat, bf16)
        model.to(memory_format=torch.channels_last_3d)
        b = per_clip(model, x.contiguous(memory_format=torch.channels_last_3d), args.repeat, bf16)
        print(f'{prec}: contiguous {a:.4f} s/clip, channels_last_3d {b:.4f} s/clip, ratio {a / b:.2f}x')


if __name__ == '__main__':
    main()
