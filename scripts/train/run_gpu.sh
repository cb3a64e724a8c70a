#!/bin/bash
# Trains both demonstration models at once on one GPU machine (torch, transformers, tokenizers,
# numpy; no internet): the chat model (train_chat.py) and the speech model (train_whisper.py)
# share the GPU; espeak-ng runs on the CPU cores.
#
#   [ONLY=chat|speech] [CHAT_S=150] [SPEECH_S=420] scripts/train/run_gpu.sh ESPEAK_DIR OUT_DIR [--smoke]
#
# CHAT_S / SPEECH_S: training seconds of each (the values of the shipped runs; the speech model was
# trained alone: ONLY=speech); ONLY: one of them.
# ESPEAK_DIR: espeak-ng and its libraries unpacked from Debian 12 packages, made by
#   scripts/train/fetch_espeak.sh ESPEAK_DIR (on a Debian 12 machine; carry the folder over).
# OUT_DIR gets chat/ and whisper/ (Hugging Face folders), the logs and models.tar.* (the two
# folders and logs as one tar, split in 15 MiB pieces: `cat models.tar.* | tar x`).
set -u
ESPEAK=$1
OUT_DIR=$2
SMOKE=${3:-}
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
CHAT_S=${CHAT_S:-150}
SPEECH_S=${SPEECH_S:-420}
ONLY=${ONLY:-}
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader >"$W/gpu.txt" 2>&1
python3 -c "import torch, transformers, tokenizers, numpy; print('torch', torch.__version__, \
'transformers', transformers.__version__, 'tokenizers', tokenizers.__version__)" >>"$W/gpu.txt" 2>&1
cat "$W/gpu.txt"
start=$(date +%s)
chat_rc=skipped speech_rc=skipped
if [ "$ONLY" != speech ]; then
  python3 "$HERE/train_chat.py" --out "$W/chat" --seconds "$CHAT_S" $SMOKE >"$W/chat.log" 2>&1 &
  chat_pid=$!
fi
if [ "$ONLY" != chat ]; then
  python3 "$HERE/train_whisper.py" --out "$W/whisper" --espeak "$ESPEAK" --seconds "$SPEECH_S" \
    $SMOKE >"$W/whisper.log" 2>&1 &
  speech_pid=$!
fi
if [ "$ONLY" != speech ]; then
  wait $chat_pid
  chat_rc=$?
fi
if [ "$ONLY" != chat ]; then
  wait $speech_pid
  speech_rc=$?
fi
echo "chat rc $chat_rc, speech rc $speech_rc, $(($(date +%s) - start)) s" | tee "$W/rc.txt"
tail -n 60 "$W/chat.log" 2>/dev/null
tail -n 45 "$W/whisper.log" 2>/dev/null
mkdir -p "$OUT_DIR"
(cd "$W" && tar cf - --ignore-failed-read chat whisper chat.log whisper.log gpu.txt rc.txt) |
  split -b 15M - "$OUT_DIR/models.tar."
ls -la "$OUT_DIR"
