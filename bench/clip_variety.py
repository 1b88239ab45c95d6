"""Clips of many kinds, as users bring them, through the package's reading: what comes out of each.

    python bench/clip_variety.py [--only NAME ...] [--out FILE]

Writes two-second clips with PyAV (a moving test picture, a 0.3-amplitude tone in every channel) in about forty
combinations of container, video codec and pixel format, audio codec, rate and layout, odd sizes and frame rates,
into a temporary folder. Then for each: `demux_clip` (its `truncated` flag), `decode_frames` (16 frames, the shape and
mean), `decode_audio` (the samples at 16 kHz, where two seconds are 32,000, and their RMS: 0.212 for the tone in one
channel or in a layout FFmpeg mixes down at unit weight per channel). A kind the installed PyAV cannot write is
reported as such. Prints the machine and one line per clip; no result is asserted. To compare with the package of
another commit, run it with that commit's checkout first on PYTHONPATH.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
from pathlib import Path

import av
import numpy as np

from mm_sentiment.data import ClipError, decode_audio, decode_frames, demux_clip

V = dict(c='libx264', w=320, h=240, pix='yuv420p', fps=25, opts=None)       # the video most cases keep
CASES = {   # name: (container format or None for the suffix's, video overrides or None, audio (codec, rate, layout) or None, seconds)
    'h264 4:4:4, AAC stereo.mp4': (None, dict(pix='yuv444p'), ('aac', 44100, 'stereo'), 2),
    'h264 odd size 321x241 4:4:4.mp4': (None, dict(w=321, h=241, pix='yuv444p'), ('aac', 44100, 'mono'), 2),
    'h264 4:2:2 10-bit.mp4': (None, dict(pix='yuv422p10le'), ('aac', 44100, 'mono'), 2),
    'h264 interlaced.mp4': (None, dict(opts={'flags': '+ildct+ilme', 'x264-params': 'interlaced=1'}), ('aac', 48000, 'stereo'), 2),
    'h264 grey.mp4': (None, dict(pix='gray'), ('aac', 44100, 'mono'), 2),
    'h264 1 fps.mp4': (None, dict(fps=1), ('aac', 44100, 'mono'), 2),
    'h264 120 fps.mp4': (None, dict(fps=120), ('aac', 44100, 'mono'), 2),
    'h264 16x16.mp4': (None, dict(w=16, h=16), ('aac', 44100, 'mono'), 2),
    'h264 one frame, 40 ms.mp4': (None, {}, ('aac', 44100, 'mono'), 0.04),
    'hevc 12-bit.mp4': (None, dict(c='libx265', pix='yuv420p12le', opts={'x265-params': 'log-level=error'}), ('aac', 44100, 'mono'), 2),
    'mpeg4 part 2.mp4': (None, dict(c='mpeg4'), ('aac', 44100, 'mono'), 2),
    'av1, opus.webm': ('webm', dict(c='libsvtav1', w=192, h=144), ('libopus', 48000, 'stereo'), 2),
    'vp9, opus.webm': ('webm', dict(c='libvpx-vp9'), ('libopus', 48000, 'stereo'), 2),
    'ffv1, pcm f32.mkv': ('matroska', dict(c='ffv1'), ('pcm_f32le', 48000, 'stereo'), 2),
    'h264, flac.mkv': ('matroska', {}, ('flac', 44100, 'stereo'), 2),
    'h264, aac 44.1 kHz.mkv': ('matroska', {}, ('aac', 44100, 'stereo'), 2),
    'h264, aac 48 kHz.mkv': ('matroska', {}, ('aac', 48000, 'stereo'), 2),
    'h264, mp3.mkv': ('matroska', {}, ('libmp3lame', 44100, 'stereo'), 2),
    'prores 4:2:2 10-bit, pcm 24.mov': ('mov', dict(c='prores_ks', pix='yuv422p10le'), ('pcm_s24le', 48000, 'stereo'), 2),
    'h264, pcm 16.mov': ('mov', {}, ('pcm_s16le', 48000, 'stereo'), 2),
    'h264, a-law 8 kHz.mov': ('mov', {}, ('pcm_alaw', 8000, 'mono'), 2),
    'h264, aac.mov': ('mov', {}, ('aac', 44100, 'stereo'), 2),
    'mjpeg, ima adpcm.mov': ('mov', dict(c='mjpeg', pix='yuvj420p'), ('adpcm_ima_qt', 44100, 'stereo'), 2),
    'mjpeg, pcm 16.avi': ('avi', dict(c='mjpeg', pix='yuvj420p'), ('pcm_s16le', 48000, 'stereo'), 2),
    'mjpeg, ms adpcm.avi': ('avi', dict(c='mjpeg', pix='yuvj420p'), ('adpcm_ms', 44100, 'stereo'), 2),
    'mjpeg, mp3.avi': ('avi', dict(c='mjpeg', pix='yuvj420p'), ('libmp3lame', 44100, 'stereo'), 2),
    'mjpeg, aac.avi': ('avi', dict(c='mjpeg', pix='yuvj420p'), ('aac', 44100, 'stereo'), 2),
    'mpeg2 interlaced, ac3.ts': ('mpegts', dict(c='mpeg2video', opts={'flags': '+ildct+ilme'}), ('ac3', 48000, 'stereo'), 2),
    'h264, aac 44.1 kHz.ts': ('mpegts', {}, ('aac', 44100, 'stereo'), 2),
    'h264, aac.flv': ('flv', {}, ('aac', 44100, 'stereo'), 2),
    'h264, aac 8 kHz.mp4': (None, {}, ('aac', 8000, 'mono'), 2),
    'h264, aac 96 kHz.mp4': (None, {}, ('aac', 96000, 'stereo'), 2),
    'h264, mp3.mp4': (None, {}, ('libmp3lame', 44100, 'stereo'), 2),
    'h264, ac3 5.1.mp4': (None, {}, ('ac3', 48000, '5.1'), 2),
    'h264, eac3.mp4': (None, {}, ('eac3', 48000, 'stereo'), 2),
    'h264, opus mono.mp4': (None, {}, ('libopus', 48000, 'mono'), 2),
    'h264, flac.mp4': (None, {}, ('flac', 44100, 'stereo'), 2),
    'h264, alac.mp4': (None, {}, ('alac', 44100, 'stereo'), 2),
    'h264, pcm 16.mp4': (None, {}, ('pcm_s16le', 48000, 'stereo'), 2),
    'h264, no audio.mp4': (None, {}, None, 2),
    'aac only.m4a': ('mp4', None, ('aac', 44100, 'mono'), 2),
}


def write(path: Path, fmt, video, audio, seconds: float) -> Path:
    "A clip of `seconds`: `video` overrides of V (None: no video), `audio` (codec, rate, layout) or None."
    with av.open(str(path), 'w', format=fmt) as out:
        v = {**V, **video} if video is not None else None
        if v:                                                       # every stream added before the first packet is written
            vs = out.add_stream(v['c'], rate=v['fps'], options=v['opts'] or {}); vs.width, vs.height, vs.pix_fmt = v['w'], v['h'], v['pix']
        if audio:
            codec, rate, layout = audio
            a = out.add_stream(codec, rate=rate); a.layout = layout
        if v:
            for i in range(max(1, int(seconds * v['fps']))):
                img = np.zeros((v['h'], v['w'], 3), np.uint8); img[..., 0] = (7 * i) % 255; img[: v['h'] // 2, :, 1] = 200
                for p in vs.encode(av.VideoFrame.from_ndarray(img, format='rgb24')): out.mux(p)
            for p in vs.encode(): out.mux(p)
        if audio:
            n, channels = int(seconds * rate), len(av.AudioLayout(layout).channels)
            for k in range(0, n, 1024):
                x = (0.3 * np.sin(2 * np.pi * 440 * np.arange(k, min(n, k + 1024)) / rate)).astype(np.float32)
                f = av.AudioFrame.from_ndarray(np.ascontiguousarray(np.tile(x, (channels, 1))), format='fltp', layout=layout)
                f.sample_rate, f.pts = rate, k
                for p in a.encode(f): out.mux(p)
            for p in a.encode(): out.mux(p)
    return path


def read(path: Path) -> dict:
    "What the package makes of `path`: truncated flag, frames, samples at 16 kHz and their RMS, or the error of each."
    r = {}
    try:
        with demux_clip(path) as c: r['truncated'], fr = c.truncated, decode_frames(c)
        r['frames'] = f'{tuple(fr.shape)} mean {fr.mean():.1f}'
    except ClipError as e: r['frames'] = f'ClipError {e}'
    try:
        with demux_clip(path, video=False) as c: w = decode_audio(c)
        r['samples_16k'], r['rms'] = int(w.size), round(float(np.sqrt((w ** 2).mean())), 3) if w.size else 0.0
    except ClipError as e: r['audio'] = f'ClipError {e}'
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--only', nargs='*', default=None, help='case names (as listed) to run, all by default')
    ap.add_argument('--out', type=Path, default=None, help='also write the results as JSON here')
    args = ap.parse_args()
    os.environ.setdefault('SVT_LOG', '1')                      # the AV1 encoder: errors only
    import mm_sentiment
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor()) \
        if Path('/proc/cpuinfo').exists() else platform.processor()
    machine = {'cpu': cpu, 'cores': os.cpu_count(), 'python': platform.python_version(), 'pyav': av.__version__,
               'package': str(Path(mm_sentiment.__file__).parent)}
    print(json.dumps(machine))
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (fmt, video, audio, seconds) in CASES.items():
            if args.only and name not in args.only: continue
            path = Path(tmp)/name.replace(' ', '_').replace(',', '').replace(':', '')
            try: write(path, fmt, video, audio, seconds)
            except (av.FFmpegError, ValueError) as e: results[name] = {'written': f'not by this PyAV: {e}'}
            else: results[name] = read(path)
            r = results[name]
            print(f'{name:34}', ' | '.join(f'{k} {v}' for k, v in r.items()), flush=True)
    if args.out: args.out.write_text(json.dumps({'machine': machine, 'results': results}, indent=1))


if __name__ == '__main__':
    main()
