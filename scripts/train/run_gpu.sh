#!/bin/bash
# Trains both demonstration models at once on one GPU machine (torch, transformers, tokenizers,
# numpy; no internet): the chat model (train_chat.py) and the speech model (train_whisper.py)
# share the GPU; espeak-ng runs on the CPU cores.
#
#   scripts/train/run_gpu.sh ESPEAK_DIR OUT_DIR [--smoke]
#
# ESPEAK_DIR: espeak-ng and its libraries unpacked from Debian 12 packages (no root needed):
#   apt-get download espeak-ng espeak-ng-data libespeak-ng1 libpcaudio0 libsonic0 \
#     $(the packages of the other libraries `ldd $(which espeak-ng)` lists)
#   for d in *.deb; do dpkg -x $d root; done
#   then ESPEAK_DIR/bin/espeak-ng, ESPEAK_DIR/lib/*.so* (all of root's libraries, flat) and
#   ESPEAK_DIR/espeak-ng-data/ (en_dict, phon*, intonations, voices/, lang/gmw/ suffice).
# OUT_DIR gets chat/ and whisper/ (Hugging Face folders), the logs and models.tar.* (the two
# folders and logs as one tar, split in 15 MiB pieces: `cat models.tar.* | tar x`).
set -u
ESPEAK=$1
OUT_DIR=$2
SMOKE=${3:-}
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
CHAT_S=150
SPEECH_S=210
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader >"$W/gpu.txt" 2>&1
python3 -c "import torch, transformers, tokenizers, numpy; print('torch', torch.__version__, \
'transformers', transformers.__version__, 'tokenizers', tokenizers.__version__)" >>"$W/gpu.txt" 2>&1
cat "$W/gpu.txt"
start=$(date +%s)
python3 "$HERE/train_chat.py" --out "$W/chat" --seconds $CHAT_S $SMOKE >"$W/chat.log" 2>&1 &
chat_pid=$!
python3 "$HERE/train_whisper.py" --out "$W/whisper" --espeak "$ESPEAK" --seconds $SPEECH_S \
  $SMOKE >"$W/whisper.log" 2>&1 &
speech_pid=$!
wait $chat_pid
chat_rc=$?
wait $speech_pid
speech_rc=$?
echo "chat rc $chat_rc, speech rc $speech_rc, $(($(date +%s) - start)) s" | tee "$W/rc.txt"
tail -n 60 "$W/chat.log"
tail -n 45 "$W/whisper.log"
mkdir -p "$OUT_DIR"
(cd "$W" && tar cf - chat whisper chat.log whisper.log gpu.txt rc.txt) |
  split -b 15M - "$OUT_DIR/models.tar."
ls -la "$OUT_DIR"
