#!/usr/bin/env bash
# Speech-like test audio for the log-mel parity test (tests/audio/test_mel.c): two espeak-ng
# sentences (22050 Hz, 16-bit mono, espeak-ng's native output), trimmed to 2.5 s, converted by sox
# (no dither, so the integer files follow from the text alone) to 8, 16, 22.05, 44.1 and 48 kHz
# 16-bit mono, plus a float32 stereo file at 16 kHz (WAVE_FORMAT_EXTENSIBLE) and a 24-bit stereo
# file at 22.05 kHz, and short FLAC / Ogg / MP3 copies. The reference features come from
# scripts/reference/make_mel_fixtures.py.
# Usage: scripts/reference/make_speech_wavs.sh [OUT_DIR]   (default tests/fixtures/audio)
set -euo pipefail
out=${1:-"$(dirname "$0")/../../tests/fixtures/audio"}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
espeak-ng -w "$tmp/a.wav" "The quick brown fox jumps over the lazy dog, while seven wizards quietly hum."
espeak-ng -v en-us -p 70 -s 190 -w "$tmp/b.wav" "Speech recognition turns spoken words into text."
sox "$tmp/a.wav" "$tmp/at.wav" trim 0.15 2.5
sox "$tmp/b.wav" "$tmp/bt.wav" trim 0.1 2.5
for rate in 8000 16000 22050 44100 48000; do
  sox -D "$tmp/at.wav" -r "$rate" -b 16 "$out/speech_$rate.wav"
done
sox -D -M "$tmp/at.wav" "$tmp/bt.wav" -r 16000 -e floating-point -b 32 "$out/speech_16000_f32_stereo.wav"
sox -D -M "$tmp/bt.wav" "$tmp/at.wav" -b 24 "$out/speech_22050_s24_stereo.wav"
# Compressed copies for tests/tools/test_audio_file.c (decoded by libsndfile). Ogg Vorbis is lossy,
# so its bytes depend on the encoder version; the test checks length and loudness only.
sox "$out/speech_16000.wav" "$out/speech_16000_1s.flac" trim 0 1
sox "$out/speech_16000.wav" -C 3 "$out/speech_16000_1s.ogg" trim 0 1
sox "$out/speech_22050_s24_stereo.wav" "$out/speech_22050_s24_stereo_0.5s.flac" trim 0 0.5
# speech_16000_1s.mp3 (sox here has no MP3 writer) was written by libsndfile 1.2.0 with LAME:
# sf_open(..., SFM_WRITE) with format SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 16 kHz mono, then
# sf_writef_float of the first 16000 samples of speech_16000.wav.
