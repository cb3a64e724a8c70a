#!/usr/bin/env python3
"""Reference fixtures for the Whisper parity test (tests/models/test_whisper_parity.c).

Builds two random-weight WhisperForConditionalGeneration models from configs (nothing is
downloaded), each with a byte-level BPE tokenizer trained on the spot with `tokenizers` (GPT-2
pre-tokenizer, as Whisper's) plus Whisper's special tokens (<|endoftext|>, <|startoftranscript|>,
the language tokens, <|translate|>, <|transcribe|>, <|startoflm|>, <|startofprev|>, <|nospeech|>,
<|notimestamps|> and the 1501 timestamp tokens <|0.00|> ... <|30.00|>), saves the Hugging Face
folder and records what `transformers` computes from that folder (reloaded, float64, CPU, eager
attention):

  tiny80    80 mel bins, 99 languages (Whisper v1/v2), d_model 64, 4 heads, 2 + 2 layers,
            max_source_positions 100 (200 mel frames), max_target_positions 48
  tiny128   128 mel bins, 100 languages (large-v3 / turbo: adds <|yue|>), d_model 48, 3 heads,
            2 encoder layers, 1 decoder layer, max_source_positions 60

The short encoder context (instead of Whisper's 1500) keeps the fixtures small; the engine reads
it from the model file like every other size. Weights are random (std 0.1, LayerNorm weights
1 +- 0.2, biases +- 0.1), so the check covers every parameter.

Each folder gets config.json, model.safetensors, generation_config.json, tokenizer.json,
tokenizer_config.json and reference.bin, all little-endian:
  char  magic[8]        "AIWHISPR"
  u32   version         1
  u32   n_mel
  u32   n_frames        = 2 * max_source_positions
  u32   n_audio_ctx     = max_source_positions (encoder output positions)
  u32   d_model
  u32   n_vocab
  u32   n_tok           forced decoder tokens
  u32   reserved        0
  f32   mel[n_mel * n_frames]            input features, row-major by mel bin
  f32   enc[n_audio_ctx * d_model]       encoder last_hidden_state, row t = position t
  i32   tokens[n_tok]
  f32   logits[n_tok * n_vocab]          row t: logits after tokens[0..t]
  char  end[8]          "AIWHEND!"

The mel input is WhisperFeatureExtractor's log-mel of a deterministic test signal (a chirp with
harmonics and a little noise), its first n_frames frames.

Regenerate (one device run; the device tool returns $OUT):
  run(command="set -o pipefail; PYTHONUNBUFFERED=1 python3 scripts/reference/make_whisper_fixtures.py "
               "--out /tmp/fx/whisper 2>&1 | tee $OUT/log.txt && tar -C /tmp/fx -cf $OUT/w.tar whisper")
then here: tar -C tests/fixtures -xf <files_at>/w.tar
It also runs on the CPU alone (a few seconds).
"""

import argparse
import json
import os
import struct

import numpy as np
import torch
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (PreTrainedTokenizerFast, WhisperConfig, WhisperFeatureExtractor,
                          WhisperForConditionalGeneration)

LANGS_V2 = ("en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu "
            "ta no th ur hr bg lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn "
            "bs kk sq sw gl mr pa si km sn yo so af oc ka be tg sd gu am yi lo uz fo ht ps tk nn "
            "mt sa lb my bo tl mg as tt haw ln ha ba jw su").split()
assert len(LANGS_V2) == 99

TEXT = """The quick brown fox jumps over the lazy dog. A speech recognizer turns sound into text.
Whisper listens to thirty seconds of audio at a time and writes what it hears, with timestamps.
Hello world, this is a test of the transcription engine. Numbers like 1, 22 and 333 appear too.
She sells sea shells by the sea shore; the shells she sells are surely sea shells!
"""

SPECS = [
    dict(name="tiny80", n_mel=80, langs=LANGS_V2, d_model=64, heads=4, enc_layers=2, dec_layers=2,
         ffn=160, n_audio_ctx=100, n_text_ctx=48, bpe_vocab=400, seed=1),
    dict(name="tiny128", n_mel=128, langs=LANGS_V2 + ["yue"], d_model=48, heads=3, enc_layers=2,
         dec_layers=1, ffn=96, n_audio_ctx=60, n_text_ctx=32, bpe_vocab=360, seed=2),
]


def special_tokens(langs):
    toks = ["<|endoftext|>", "<|startoftranscript|>"] + [f"<|{c}|>" for c in langs]
    toks += ["<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>",
             "<|notimestamps|>"]
    toks += [f"<|{i * 0.02:.2f}|>" for i in range(1501)]
    return toks


def make_tokenizer(spec):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=spec["bpe_vocab"], min_frequency=2,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(TEXT.splitlines() * 4, trainer)
    specials = special_tokens(spec["langs"])
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    ids = {s: tok.token_to_id(s) for s in specials}
    return tok, ids


def non_speech_tokens(tok):
    """Whisper's tokenizer.non_speech_tokens, over this vocabulary."""
    symbols = list('"#()*+/:;<=>@[\\]^_`{|}~「」『』')
    symbols += "<< >> <<< >>> -- --- -( -[ (' (\" (( )) ((( ))) [[ ]] {{ }} ♪♪ ♪♪♪".split()
    miscellaneous = set("♩♪♫♬♭♮♯")
    result = {tok.encode(" -").ids[0], tok.encode(" '").ids[0]}
    for symbol in symbols + list(miscellaneous):
        for s in (symbol, " " + symbol):
            ids = tok.encode(s).ids
            if len(ids) == 1 or (symbol in miscellaneous and ids):
                result.add(ids[0])
    return sorted(result)


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "embed_positions" in name and "encoder" in name:
                continue  # sinusoids, as Whisper's
            if "layer_norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * (2 * torch.rand(p.shape, generator=g) - 1))
            elif name.endswith("bias"):
                p.copy_(0.1 * (2 * torch.rand(p.shape, generator=g) - 1))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))


def test_signal(n_samples):
    t = np.arange(n_samples) / 16000.0
    f = 200 + 600 * t
    x = 0.3 * np.sin(2 * np.pi * f * t) + 0.1 * np.sin(2 * np.pi * 3 * f * t)
    x *= 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t)
    rng = np.random.default_rng(7)
    return (x + 0.01 * rng.standard_normal(n_samples)).astype(np.float32)


def build(spec, out_root):
    folder = os.path.join(out_root, spec["name"])
    os.makedirs(folder, exist_ok=True)
    tok, ids = make_tokenizer(spec)
    n_vocab = tok.get_vocab_size()
    eot, sot = ids["<|endoftext|>"], ids["<|startoftranscript|>"]
    cfg = WhisperConfig(
        vocab_size=n_vocab, num_mel_bins=spec["n_mel"], d_model=spec["d_model"],
        encoder_layers=spec["enc_layers"], decoder_layers=spec["dec_layers"],
        encoder_attention_heads=spec["heads"], decoder_attention_heads=spec["heads"],
        encoder_ffn_dim=spec["ffn"], decoder_ffn_dim=spec["ffn"],
        max_source_positions=spec["n_audio_ctx"], max_target_positions=spec["n_text_ctx"],
        pad_token_id=eot, bos_token_id=eot, eos_token_id=eot, decoder_start_token_id=sot,
        activation_function="gelu", scale_embedding=False, tie_word_embeddings=True)
    # Generation settings belong in generation_config.json (save_pretrained moves or refuses
    # them in config.json, depending on the transformers version).
    cfg.suppress_tokens = None
    cfg.begin_suppress_tokens = None
    torch.manual_seed(spec["seed"])
    model = WhisperForConditionalGeneration(cfg).eval()
    randomize(model, spec["seed"])
    gc = model.generation_config
    gc.decoder_start_token_id = sot
    gc.eos_token_id = eot
    gc.pad_token_id = eot
    gc.is_multilingual = True
    gc.lang_to_id = {f"<|{c}|>": ids[f"<|{c}|>"] for c in spec["langs"]}
    gc.task_to_id = {"transcribe": ids["<|transcribe|>"], "translate": ids["<|translate|>"]}
    gc.no_timestamps_token_id = ids["<|notimestamps|>"]
    gc.suppress_tokens = non_speech_tokens(tok)
    gc.begin_suppress_tokens = [tok.encode(" ").ids[0], eot]
    gc.max_initial_timestamp_index = 50
    model.save_pretrained(folder, safe_serialization=True)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|endoftext|>",
                                   eos_token="<|endoftext|>", unk_token="<|endoftext|>",
                                   pad_token="<|endoftext|>")
    fast.save_pretrained(folder)

    ref = WhisperForConditionalGeneration.from_pretrained(folder, torch_dtype=torch.float64,
                                                          attn_implementation="eager").eval()
    fe = WhisperFeatureExtractor(feature_size=spec["n_mel"])
    n_frames = 2 * spec["n_audio_ctx"]
    audio = test_signal(16000 * 3)
    mel = fe(audio, sampling_rate=16000, return_tensors="np").input_features[0][:, :n_frames]
    mel = np.ascontiguousarray(mel, dtype=np.float32)
    text = tok.encode(" Hello world, the quick brown fox.").ids
    tokens = [sot, ids["<|en|>"], ids["<|transcribe|>"], ids["<|0.00|>"]] + text
    tokens += [ids["<|1.24|>"], eot]
    with torch.no_grad():
        feats = torch.from_numpy(mel).to(torch.float64)[None]
        enc = ref.model.encoder(feats).last_hidden_state[0]
        out = ref(input_features=feats, decoder_input_ids=torch.tensor([tokens]))
        logits = out.logits[0]
    assert enc.shape == (spec["n_audio_ctx"], spec["d_model"]), enc.shape
    assert logits.shape == (len(tokens), n_vocab), logits.shape
    with open(os.path.join(folder, "reference.bin"), "wb") as f:
        f.write(b"AIWHISPR")
        f.write(struct.pack("<8I", 1, spec["n_mel"], n_frames, spec["n_audio_ctx"],
                            spec["d_model"], n_vocab, len(tokens), 0))
        f.write(mel.tobytes())
        f.write(enc.to(torch.float32).numpy().tobytes())
        f.write(np.asarray(tokens, dtype=np.int32).tobytes())
        f.write(logits.to(torch.float32).numpy().tobytes())
        f.write(b"AIWHEND!")
    print(f"{spec['name']}: n_vocab {n_vocab}, sot {sot}, eot {eot}, {len(tokens)} tokens, "
          f"enc |max| {enc.abs().max():.3f}, logits |max| {logits.abs().max():.3f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/fixtures/whisper")
    a = ap.parse_args()
    for spec in SPECS:
        build(spec, a.out)


if __name__ == "__main__":
    main()
