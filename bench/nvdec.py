"""GPU decoding (NVDEC through PyNvVideoCodec) against the course's CPU path (PyAV) on the same clips.

What: for each clip of a MELD-layout folder's train split, the 16 frames the course samples across the
whole utterance (`frame_indices`), as RGB at 128x171:

- CPU: `demux_clip` + `decode_frames` (PyAV, FFmpeg's threads) in a pool of threads (`--threads`), and,
  last, one clip after another;
- NVDEC: `PyNvVideoCodec.SimpleDecoder` (one decoder, `reconfigure_decoder` for each next clip), the
  sampled frames fetched by index as planar RGB on the GPU, resized there (`F.interpolate`, area); then
  with several decoders at once (`--decoders`, each in a thread of its own with its share of the clips,
  its creation included: an H100 has 7 NVDEC engines, and one decoder used a third of what 15 CPU threads did).

Reports clips/s each way, the first decoder's creation time, and how far the frames differ (mean and
largest absolute difference, 0-255). Then the fallback: a 10-bit H.264 clip (which NVDEC does not
decode) and a VP9 one are tried with NVDEC and, where it fails, decoded by PyAV; each outcome is listed.
Nothing is installed: PyNvVideoCodec comes from a carried wheel (bench/gpu_wheels.sh). Not asserted.

    python bench/nvdec.py --data-dir DIR [--rows 100] [--threads 15] [--decoders 2 4 7] [--tokenizer DIR] [--out FILE]

Needs an NVIDIA GPU with NVDEC and the driver's libnvcuvid (the lent H100 machine); results in bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from mm_sentiment.data import MELDDataset, decode_frames, demux_clip, frame_indices, set_decoder_threads, decoder_share

SIZE = (128, 171)


def cpu_frames(path: Path) -> np.ndarray:
    with demux_clip(path, audio=False) as c: return decode_frames(c, 16, SIZE)


class Nvdec:
    "One NVDEC decoder reused for every clip; the 16 sampled frames of a clip as (16, H, W, 3) uint8 on the GPU."
    def __init__(self):
        import PyNvVideoCodec as nvc
        self.nvc, self.dec, self.create_s = nvc, None, None
    def __call__(self, path: Path) -> torch.Tensor:
        if self.dec is None:
            t = time.perf_counter()
            self.dec = self.nvc.SimpleDecoder(str(path), gpu_id=0, use_device_memory=True,
                                              output_color_type=self.nvc.OutputColorType.RGBP)
            self.create_s = time.perf_counter() - t
        else: self.dec.reconfigure_decoder(str(path))
        want = frame_indices(len(self.dec), 16)
        uniq = sorted(set(want.tolist()))
        got = dict(zip(uniq, (torch.from_dlpack(f) for f in self.dec.get_batch_frames_by_index(uniq))))
        x = torch.stack([got[i] for i in want.tolist()])                      # (16, 3, H, W) or (16, H, W, 3)
        if x.shape[-1] == 3: x = x.permute(0, 3, 1, 2)
        x = F.interpolate(x.float(), size=SIZE, mode='area')
        return x.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1)


def rate(fn, paths) -> tuple[float, list]:
    t = time.perf_counter(); out = [fn(p) for p in paths]
    if torch.cuda.is_available(): torch.cuda.synchronize()
    return len(paths) / (time.perf_counter() - t), out


def nvdec_pool(paths, n: int) -> float:
    "Clips/s of `n` NVDEC decoders at once, each in its own thread on every n-th clip (creating each decoder included)."
    def part(ps): nv = Nvdec(); return [nv(p) for p in ps]
    t = time.perf_counter()
    with ThreadPoolExecutor(n) as ex: list(ex.map(part, [paths[i::n] for i in range(n)]))
    torch.cuda.synchronize()
    return len(paths) / (time.perf_counter() - t)


def odd_clips(folder: Path) -> dict:
    "A 10-bit H.264 clip and a VP9 one, written by PyAV: formats a GPU decoder may refuse."
    import av
    made = {}
    for name, codec, fmt, ext in (('h264_10bit', 'libx264', 'yuv420p10le', 'mp4'), ('vp9', 'libvpx-vp9', 'yuv420p', 'webm')):
        path = folder/f'{name}.{ext}'
        with av.open(str(path), 'w') as out:
            s = out.add_stream(codec, rate=24); s.width, s.height, s.pix_fmt = 320, 240, fmt
            for i in range(24):
                img = np.full((240, 320, 3), (i * 10) % 256, np.uint8)
                for pkt in s.encode(av.VideoFrame.from_ndarray(img, format='rgb24')): out.mux(pkt)
            for pkt in s.encode(): out.mux(pkt)
        made[name] = path
    return made


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--data-dir', type=Path, required=True)
    ap.add_argument('--rows', type=int, default=100)
    ap.add_argument('--threads', type=int, default=max(1, (os.cpu_count() or 2) - 1))
    ap.add_argument('--decoders', type=int, nargs='*', default=[], help='also time this many NVDEC decoders at once (each)')
    ap.add_argument('--tokenizer', default=None, help="tokenizer folder (default: the offline encoder's)")
    ap.add_argument('--out', type=Path, default=Path(__file__).parent/'out'/'nvdec.json')
    args = ap.parse_args()
    ds = MELDDataset.from_split(args.data_dir, 'train', modalities='video', tokenizer=args.tokenizer)
    paths = list(dict.fromkeys(ds.clip_path(i).resolve() for i in range(len(ds))))[:args.rows]   # distinct files (links resolved)
    res = {'gpu': torch.cuda.get_device_name() if torch.cuda.is_available() else None, 'cores': os.cpu_count(), 'clips': len(paths)}
    def save(): args.out.parent.mkdir(parents=True, exist_ok=True); args.out.write_text(json.dumps(res, indent=1))
    def pooled(ps):
        with ThreadPoolExecutor(args.threads, initializer=set_decoder_threads, initargs=(decoder_share(args.threads),)) as ex:
            return list(ex.map(cpu_frames, ps))
    try:                                                                    # NVDEC first: the number this script is for
        nv = Nvdec()
        nv(paths[0])                                                        # creates the decoder (timed apart)
        gpu, frames = rate(nv, paths)
        frames = [f.cpu().numpy() for f in frames]
        res['nvdec'] = {'clips_per_s': round(gpu, 1), 'decoder_create_s': round(nv.create_s, 3)}
    except Exception as e:                                                  # no NVDEC, no driver library, no wheel
        frames, res['nvdec'] = None, {'error': f'{type(e).__name__}: {e}'}
    print('NVDEC:', res['nvdec'], flush=True); save()
    for n in args.decoders if frames is not None else []:
        res['nvdec'][f'{n}_decoders_clips_per_s'] = round(nvdec_pool(paths, n), 1)
        print(f'NVDEC, {n} decoders at once:', res['nvdec'][f'{n}_decoders_clips_per_s'], 'clips/s', flush=True); save()
    t = time.perf_counter(); ref = pooled(paths); cpu_t = len(paths) / (time.perf_counter() - t)
    res['cpu_clips_per_s'] = {f'{args.threads}_threads': round(cpu_t, 1)}
    if frames is not None:
        diff = [np.abs(f.astype(int) - r.astype(int)) for f, r in zip(frames, ref)]
        res['nvdec'] |= {'mean_abs_diff': round(float(np.mean([d.mean() for d in diff])), 2), 'max_abs_diff': int(max(d.max() for d in diff))}
    print('PyAV:', res['cpu_clips_per_s'], '| NVDEC against PyAV:', res['nvdec'], flush=True); save()
    res['fallback'] = {}
    for name, path in odd_clips(Path(tempfile.mkdtemp())).items():
        try: Nvdec()(path); outcome = 'NVDEC decoded it'
        except Exception as e: outcome = f'NVDEC refused ({type(e).__name__}: {str(e)[:120]}); PyAV: {cpu_frames(path).shape}'
        res['fallback'][name] = outcome
        print(name, '->', outcome, flush=True); save()
    cpu1, _ = rate(cpu_frames, paths)                                       # last: one thread of calls, for the record
    res['cpu_clips_per_s']['one_thread_of_calls'] = round(cpu1, 1)
    print('PyAV, one thread:', cpu1, flush=True); save()


if __name__ == '__main__':
    main()
