#!/usr/bin/env python3
"""Reference log-mel fixtures for tests/audio/test_mel.c.

Reads every tests/fixtures/audio/speech_*.wav (espeak-ng speech made with scripts/reference/
make_speech_wavs.sh), and records what transformers' WhisperFeatureExtractor computes from it:

  1. decode: the WAV bytes are parsed here with numpy (an independent reader, not ours); integers
     are divided by 2^(bits-1) as soundfile/libsndfile do; channels are averaged (down-mix);
  2. resample to 16 kHz (files not already at 16 kHz) with torchaudio.functional.resample,
     resampling_method "sinc_interp_kaiser", lowpass_filter_width 16, rolloff 0.97, beta 9.0: a
     Kaiser-windowed sinc with FFmpeg libswresample's default filter (filter_size 32 = 16 zero
     crossings a side, cutoff 0.97, Kaiser beta 9), which is what openai/whisper's load_audio
     runs through `ffmpeg -ar 16000`;
  3. WhisperFeatureExtractor(feature_size=n_mel)(audio, sampling_rate=16000) — the 30 s window
     (zero-padded to 480000 samples) → input_features [n_mel][3000].

Only the frames that hold audio are kept: n_frames = min(3000, n16 // 160 + 3) (the last ones
include the tail that reaches into the padding). Everything is written as little-endian float32
into OUT_DIR (default tests/fixtures/audio):

  <name>.mel<n_mel>.f32   [n_mel][n_frames] row-major by mel
  mel_filters<n_mel>.f32  [n_mel][201]      the extractor's slaney filters (transposed)
  speech_44100.16k.f32    [n16]             the reference resampler's output for that file
  mel_ref.txt             one line per mel file: "<wav name> <n_mel> <n_frames> <n16>", then
                          '#' lines with the versions used and the max |x| of each signal

Run on a machine with torch, torchaudio and transformers (no downloads): python3
scripts/reference/make_mel_fixtures.py [IN_DIR] [OUT_DIR].
"""
import os
import struct
import sys

import numpy as np
import torch
import torchaudio
import transformers
from transformers import WhisperFeatureExtractor

MEL128 = {"speech_16000.wav", "speech_48000.wav"}  # 128-mel references for these only (size)


def read_wav(path):
    """Returns (float64 samples [n_frames][n_channels], sample rate)."""
    b = open(path, "rb").read()
    assert b[:4] == b"RIFF" and b[8:12] == b"WAVE", path
    pos, fmt, data = 12, None, None
    while pos + 8 <= len(b):
        cid, size = b[pos:pos + 4], struct.unpack_from("<I", b, pos + 4)[0]
        body = b[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            tag, ch, rate, _, align, bits = struct.unpack_from("<HHIIHH", body)
            if tag == 0xFFFE:
                tag = struct.unpack_from("<H", body, 24)[0]
            fmt = (tag, ch, rate, align, bits)
        elif cid == b"data":
            data = body
        pos += 8 + size + (size & 1)
    tag, ch, rate, align, bits = fmt
    n = len(data) // align
    raw = np.frombuffer(data[:n * align], dtype=np.uint8).reshape(n * ch, bits // 8)
    if tag == 3 and bits == 32:
        x = raw.copy().view("<f4").astype(np.float64).ravel()
    elif tag == 1 and bits == 16:
        x = raw.copy().view("<i2").astype(np.float64).ravel() / 32768.0
    elif tag == 1 and bits == 24:
        v = raw[:, 0].astype(np.int32) | (raw[:, 1].astype(np.int32) << 8) | (
            raw[:, 2].astype(np.int32) << 16)
        v = np.where(v >= 1 << 23, v - (1 << 24), v)
        x = v.astype(np.float64) / float(1 << 23)
    else:
        raise ValueError(f"{path}: format tag {tag}, {bits} bits not handled here")
    return x.reshape(n, ch), rate


def resample(mono, rate):
    t = torch.from_numpy(mono.astype(np.float32))
    kw = dict(lowpass_filter_width=16, rolloff=0.97, beta=9.0)
    try:
        y = torchaudio.functional.resample(t, rate, 16000, resampling_method="sinc_interp_kaiser",
                                           **kw)
    except ValueError:  # torchaudio < 2.0 named it "kaiser_window"
        y = torchaudio.functional.resample(t, rate, 16000, resampling_method="kaiser_window", **kw)
    return y.numpy()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "tests", "fixtures", "audio")
    in_dir = sys.argv[1] if len(sys.argv) > 1 else default
    out_dir = sys.argv[2] if len(sys.argv) > 2 else in_dir
    os.makedirs(out_dir, exist_ok=True)
    lines, notes = [], []
    for n_mel in (80, 128):
        fe = WhisperFeatureExtractor(feature_size=n_mel)
        np.asarray(fe.mel_filters, dtype="<f4").T.tofile(
            os.path.join(out_dir, f"mel_filters{n_mel}.f32"))
    for name in sorted(os.listdir(in_dir)):
        if not (name.startswith("speech_") and name.endswith(".wav")):
            continue
        x, rate = read_wav(os.path.join(in_dir, name))
        mono = x.astype(np.float32).mean(axis=1, dtype=np.float32)
        y = mono if rate == 16000 else resample(mono, rate)
        if name == "speech_44100.wav":
            y.astype("<f4").tofile(os.path.join(out_dir, "speech_44100.16k.f32"))
        n16 = len(y)
        n_frames = min(3000, n16 // 160 + 3)
        notes.append(f"# {name}: rate {rate}, {x.shape[1]} channel(s), {x.shape[0]} frames, "
                     f"n16 {n16}, max|x| {np.abs(y).max():.6f}")
        for n_mel in (80, 128) if name in MEL128 else (80,):
            fe = WhisperFeatureExtractor(feature_size=n_mel)
            feats = fe(y, sampling_rate=16000, return_tensors="np").input_features[0]
            assert feats.shape == (n_mel, 3000), feats.shape
            base = name[:-4]
            np.ascontiguousarray(feats[:, :n_frames], dtype="<f4").tofile(
                os.path.join(out_dir, f"{base}.mel{n_mel}.f32"))
            lines.append(f"{name} {n_mel} {n_frames} {n16}")
    with open(os.path.join(out_dir, "mel_ref.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
        f.write(f"# transformers {transformers.__version__}, torch {torch.__version__}, "
                f"torchaudio {torchaudio.__version__}, numpy {np.__version__}\n")
        f.write("\n".join(notes) + "\n")
    print(open(os.path.join(out_dir, "mel_ref.txt")).read())


if __name__ == "__main__":
    main()
