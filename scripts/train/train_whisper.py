#!/usr/bin/env python3
"""Trains the demonstration speech model from scratch: espeak-ng speaks generated sentences
(speech_corpus.py; many voices, speeds, pitches) -> 16 kHz audio -> Whisper log-mel (on the GPU,
as transformers' WhisperFeatureExtractor) with added noise -> WhisperForConditionalGeneration
smaller than whisper-tiny (d_model 256, 4+4 layers, own byte-level BPE vocab followed by Whisper's
special tokens in Whisper's order; an auxiliary CTC loss on the encoder output while training)
-> held-out word error rate -> a Hugging Face folder.

    python3 scripts/train/train_whisper.py --out DIR --espeak DIR [--seconds 330] [--smoke]

--espeak: a folder with bin/espeak-ng, lib/ (its shared libraries) and espeak-ng-data/ (the
Debian packages unpacked, see run_gpu.sh). Needs torch, transformers, tokenizers, numpy.
Fixed seeds; training runs on a time budget (learning rate schedule on elapsed time).
"""
import argparse
import json
import math
import multiprocessing
import os
import random
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_save  # noqa: E402
import speech_corpus  # noqa: E402

SR = 16000
N_SAMPLES = 30 * SR
LANGS = ("en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta "
         "no th ur hr bg lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk "
         "sq sw gl mr pa si km sn yo so af oc ka be tg sd gu am yi lo uz fo ht ps tk nn mt sa lb "
         "my bo tl mg as tt haw ln ha ba jw su").split()
MAX_TOKENS = 80
CTC_CHARS = " abcdefghijklmnopqrstuvwxyz0123456789'"  # CTC classes 1..; 0 is the blank

_ESPEAK = None


def _init_worker(espeak_dir):
    global _ESPEAK
    _ESPEAK = espeak_dir


def synth(u):
    """One utterance -> int16 numpy array at 16 kHz (espeak-ng speaks at 22050 Hz; resampled by
    FFT truncation, an ideal low-pass)."""
    import numpy as np
    env = {"LD_LIBRARY_PATH": os.path.join(_ESPEAK, "lib"), "ESPEAK_DATA_PATH": _ESPEAK,
           "PATH": "/usr/bin:/bin"}
    wav = subprocess.run([os.path.join(_ESPEAK, "bin", "espeak-ng")] + speech_corpus.espeak_args(u),
                         env=env, capture_output=True, check=True).stdout
    pos = wav.find(b"data")
    if wav[:4] != b"RIFF" or pos < 0:
        raise RuntimeError("espeak-ng gave no WAV for %r" % u)
    rate = int.from_bytes(wav[24:28], "little")
    pcm = wav[pos + 8:]
    x = np.frombuffer(pcm[:len(pcm) // 2 * 2], dtype="<i2").astype(np.float64)
    n_out = int(round(len(x) * SR / rate))
    y = np.fft.irfft(np.fft.rfft(x)[:n_out // 2 + 1], n_out) * (n_out / len(x))
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def synth_all(items, espeak_dir, procs):
    with multiprocessing.get_context("fork").Pool(procs, _init_worker, (espeak_dir,)) as pool:
        return pool.map(synth, items, chunksize=64)


def build_tokenizer(texts, base_vocab):
    """Byte-level BPE (GPT-2 pre-tokenizer, as Whisper's) trained on the transcripts, then
    <|endoftext|>, <|startoftranscript|>, 99 languages, task and control tokens and 1501
    timestamps, in Whisper's order (so ids relative to <|endoftext|> are Whisper's)."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=base_vocab, min_frequency=2, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer)
    specials = (["<|endoftext|>", "<|startoftranscript|>"] + ["<|%s|>" % l for l in LANGS] +
                ["<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>",
                 "<|nospeech|>", "<|notimestamps|>"] +
                ["<|%.2f|>" % (i * 0.02) for i in range(1501)])
    n0 = tok.get_vocab_size()
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    for i, s in enumerate(specials):
        assert tok.token_to_id(s) == n0 + i, s
    return tok


def log_mel(audio, filters, window):
    """transformers' WhisperFeatureExtractor._torch_extract_fbank_features for a batch."""
    import torch
    stft = torch.stft(audio, 400, 160, window=window, return_complex=True)
    mag = stft[..., :-1].abs() ** 2
    mel = filters.T @ mag
    log_spec = torch.clamp(mel, min=1e-10).log10()
    mx = log_spec.amax(dim=(1, 2), keepdim=True)
    log_spec = torch.maximum(log_spec, mx - 8.0)
    return (log_spec + 4.0) / 4.0


def normalize(s):
    return re.sub(r"[^a-z0-9' ]", " ", s.lower()).split()


def edit_distance(a, b):
    d = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(b) + 1):
            cur = d[j]
            d[j] = min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] != b[j - 1]))
            prev = cur
    return d[len(b)]


def wer(refs, hyps):
    errs = sum(edit_distance(normalize(r), normalize(h)) for r, h in zip(refs, hyps))
    return errs / max(1, sum(len(normalize(r)) for r in refs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--espeak", required=True)
    ap.add_argument("--seconds", type=float, default=330.0, help="training time budget")
    ap.add_argument("--utterances", type=int, default=20000)
    ap.add_argument("--heldout", type=int, default=300)
    ap.add_argument("--procs", type=int, default=12)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--base-vocab", type=int, default=2000)
    ap.add_argument("--ctc", type=float, default=0.3,
                    help="weight of the auxiliary CTC loss on the encoder output (0: off)")
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args()
    if args.smoke:
        args.seconds, args.utterances, args.heldout = 15.0, 600, 32
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    log = open(os.path.join(args.out, "train_whisper.log"), "w")

    def say(*a):
        s = " ".join(str(x) for x in a)
        print("[whisper %6.1fs] %s" % (time.time() - t0, s), flush=True)
        log.write(s + "\n")
        log.flush()

    train_items = speech_corpus.training(args.utterances)
    train_texts = {u["text"] for u in train_items}
    held = speech_corpus.heldout(args.heldout, train_texts)
    held_default = speech_corpus.heldout(args.heldout // 3, train_texts | {u["text"] for u in held},
                                         default_voice=True)
    audio = synth_all(train_items + held + held_default, os.path.abspath(args.espeak), args.procs)
    n_train = len(train_items)
    secs = sum(len(a) for a in audio[:n_train]) / SR
    say("espeak-ng: %d training utterances (%.1f h), %d + %d held-out" %
        (n_train, secs / 3600, len(held), len(held_default)))

    import numpy as np
    import torch
    from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration
    try:
        from transformers.models.whisper.tokenization_whisper import LANGUAGES
        if list(LANGUAGES)[:99] != LANGS:
            say("note: transformers' LANGUAGES differ from ours in the first 99")
    except ImportError:
        pass
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    dev = "cuda" if torch.cuda.is_available() else "cpu"

    tok = build_tokenizer([" " + u["text"] for u in train_items], args.base_vocab)
    V = tok.get_vocab_size()
    tid = tok.token_to_id
    eot, sot, en = tid("<|endoftext|>"), tid("<|startoftranscript|>"), tid("<|en|>")
    transcribe, translate = tid("<|transcribe|>"), tid("<|translate|>")
    notimestamps, ts0 = tid("<|notimestamps|>"), tid("<|0.00|>")
    say("tokenizer: %d tokens (BPE %d, <|endoftext|> = %d, timestamps from %d)" % (V, eot, eot, ts0))

    # all training audio on the GPU, one int16 buffer
    lens = [len(a) for a in audio[:n_train]]
    offs = [0] * n_train
    for i in range(1, n_train):
        offs[i] = offs[i - 1] + lens[i - 1]
    flat = torch.from_numpy(np.concatenate(audio[:n_train])).to(dev)
    text_ids = [tok.encode(" " + u["text"], add_special_tokens=False).ids for u in train_items]
    too_long = sum(len(t) + 6 > MAX_TOKENS for t in text_ids)
    say("transcripts: mean %.1f tokens, %d over %d" % (
        sum(map(len, text_ids)) / n_train, too_long, MAX_TOKENS))

    fe = WhisperFeatureExtractor(feature_size=80)
    filters = torch.from_numpy(np.asarray(fe.mel_filters)).float().to(dev)
    window = torch.hann_window(400, device=dev)

    def batch_audio(idx, rng, augment):
        x = torch.zeros(len(idx), N_SAMPLES, device=dev)
        starts = []
        for r, i in enumerate(idx):
            n = min(lens[i], N_SAMPLES - SR)
            s = rng.randint(0, int(0.6 * SR)) if augment else 0
            x[r, s:s + n] = flat[offs[i]:offs[i] + n].float() / 32768.0
            starts.append((s, n))
        if augment:
            gain = torch.empty(len(idx), 1, device=dev).uniform_(0.2, 1.0)
            x = x * gain
            n_speech = torch.tensor([[float(n)] for _, n in starts], device=dev)
            rms = (x.pow(2).sum(1, keepdim=True) / n_speech).sqrt() + 1e-8
            snr_db = torch.empty(len(idx), 1, device=dev).uniform_(8.0, 40.0)
            noisy = (torch.rand(len(idx), 1, device=dev) < 0.6).float()
            x = x + noisy * torch.randn_like(x) * rms * torch.pow(10.0, -snr_db / 20.0)
        return log_mel(x, filters, window), starts

    def batch_tokens(idx, starts, rng):
        seqs = []
        for i, (s, n) in zip(idx, starts):
            body = text_ids[i][:MAX_TOKENS - 7]
            if rng.random() < 0.3:  # timestamp mode: <|t0|> text <|t1|>
                t_a = ts0 + min(1500, int(round(s / SR / 0.02)))
                t_b = ts0 + min(1500, int(round((s + n) / SR / 0.02)))
                seqs.append([sot, en, transcribe, t_a] + body + [t_b, eot])
            else:
                seqs.append([sot, en, transcribe, notimestamps] + body + [eot])
        L = max(len(q) for q in seqs) - 1
        inp = torch.full((len(seqs), L), eot, dtype=torch.long)
        tgt = torch.full((len(seqs), L), -100, dtype=torch.long)
        for r, q in enumerate(seqs):
            inp[r, :len(q) - 1] = torch.tensor(q[:-1])
            tgt[r, :len(q) - 1] = torch.tensor(q[1:])
        return inp.to(dev), tgt.to(dev)

    cfg = WhisperConfig(vocab_size=V, num_mel_bins=80, d_model=256, encoder_layers=4,
                        encoder_attention_heads=4, decoder_layers=4, decoder_attention_heads=4,
                        encoder_ffn_dim=1024, decoder_ffn_dim=1024, max_source_positions=1500,
                        max_target_positions=448, activation_function="gelu", dropout=0.0,
                        decoder_start_token_id=sot, pad_token_id=eot, bos_token_id=eot,
                        eos_token_id=eot, begin_suppress_tokens=[tid("\u0120"), eot],
                        suppress_tokens=[], tie_word_embeddings=True, scale_embedding=False)
    model = WhisperForConditionalGeneration(cfg).to(dev)
    n_params = sum(p.numel() for p in model.parameters())
    say("model: %d parameters (%.2fM)" % (n_params, n_params / 1e6))
    # auxiliary CTC head over the encoder output, characters as targets: an alignment-free
    # signal for the encoder from the first step (training only, not saved)
    ctc_head = torch.nn.Linear(cfg.d_model, len(CTC_CHARS) + 1).to(dev)
    ctc_ids = [[CTC_CHARS.index(c) + 1 for c in " ".join(normalize(u["text"]))]
               for u in train_items]
    params = list(model.parameters()) + (list(ctc_head.parameters()) if args.ctc > 0 else [])
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.98), eps=1e-8, fused=dev == "cuda")
    rng = random.Random(0)
    model.train()
    step, t_train, ema = 0, time.time(), None
    while True:
        frac = (time.time() - t_train) / args.seconds
        if frac >= 1.0:
            break
        lr = args.lr * ((step + 1) / 300 if step < 300 else
                        0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        idx = [rng.randrange(n_train) for _ in range(args.batch)]
        feats, starts = batch_audio(idx, rng, True)
        inp, tgt = batch_tokens(idx, starts, rng)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=dev == "cuda"):
            out = model(input_features=feats, decoder_input_ids=inp)
        loss = torch.nn.functional.cross_entropy(out.logits.float().reshape(-1, V),
                                                 tgt.reshape(-1), ignore_index=-100)
        if args.ctc > 0:
            enc = out.encoder_last_hidden_state.float()
            logp = ctc_head(enc).log_softmax(-1).transpose(0, 1)  # (T, B, C)
            targets = [ctc_ids[i] for i in idx]
            loss_ctc = torch.nn.functional.ctc_loss(
                logp, torch.tensor([c for t in targets for c in t], device=dev),
                torch.full((len(idx),), logp.shape[0], dtype=torch.long, device=dev),
                torch.tensor([len(t) for t in targets], device=dev), blank=0, zero_infinity=True)
            loss = loss + args.ctc * loss_ctc
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 50 == 0:
            lv = loss.item() - (args.ctc * loss_ctc.item() if args.ctc > 0 else 0.0)
            ema = lv if ema is None else 0.8 * ema + 0.2 * lv
            if step % 250 == 0:
                say("step %d loss %.4f (ema %.4f)%s lr %.2e" % (
                    step, lv, ema, " ctc %.4f" % loss_ctc.item() if args.ctc > 0 else "", lr))
    train_s = time.time() - t_train
    say("trained %d steps in %.1f s (%.0f utterances/s); final loss %.4f" %
        (step, train_s, step * args.batch / train_s, ema if ema is not None else loss.item()))

    hf_save.save_sharded(model, args.out, tied={"proj_out.weight"}, generation={
        "decoder_start_token_id": sot, "bos_token_id": eot, "eos_token_id": eot,
        "pad_token_id": eot, "max_length": 448, "no_timestamps_token_id": notimestamps,
        "is_multilingual": True, "lang_to_id": {"<|%s|>" % l: tid("<|%s|>" % l) for l in LANGS},
        "task_to_id": {"transcribe": transcribe, "translate": translate},
        "suppress_tokens": [], "begin_suppress_tokens": [tid("\u0120"), eot],
        "forced_decoder_ids": [[1, en], [2, transcribe], [3, notimestamps]]})
    tok.save(os.path.join(args.out, "tokenizer.json"))
    with open(os.path.join(args.out, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "WhisperTokenizer", "bos_token": "<|endoftext|>",
                   "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
                   "pad_token": "<|endoftext|>", "model_max_length": 448,
                   "add_prefix_space": False, "language": "en", "task": "transcribe",
                   "predict_timestamps": False}, f, indent=2)
    fe.save_pretrained(args.out)

    def transcribe_all(items, clips):
        model.eval()
        hyps = []
        for b in range(0, len(items), 64):
            chunk = clips[b:b + 64]
            x = torch.zeros(len(chunk), N_SAMPLES, device=dev)
            for r, a in enumerate(chunk):
                n = min(len(a), N_SAMPLES)
                x[r, :n] = torch.from_numpy(a[:n].astype(np.float32) / 32768.0).to(dev)
            feats = log_mel(x, filters, window)
            ids = torch.tensor([[sot, en, transcribe, notimestamps]] * len(chunk), device=dev)
            done = torch.zeros(len(chunk), dtype=torch.bool, device=dev)
            with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=dev == "cuda"):
                enc = model.model.encoder(feats).last_hidden_state
                for _ in range(MAX_TOKENS):
                    out = model.model.decoder(input_ids=ids, encoder_hidden_states=enc, use_cache=False)
                    nxt = model.proj_out(out.last_hidden_state[:, -1]).float().argmax(-1)
                    nxt = torch.where(done, torch.full_like(nxt, eot), nxt)
                    ids = torch.cat([ids, nxt[:, None]], 1)
                    done |= nxt == eot
                    if bool(done.all()):
                        break
            for row in ids[:, 4:].tolist():
                row = row[:row.index(eot)] if eot in row else row
                hyps.append(tok.decode([t for t in row if t < eot]).strip())
        model.train()
        return hyps

    n_h = len(held)
    hyp_h = transcribe_all(held, audio[n_train:n_train + n_h])
    hyp_d = transcribe_all(held_default, audio[n_train + n_h:])
    w_h = wer([u["text"] for u in held], hyp_h)
    w_d = wer([u["text"] for u in held_default], hyp_d)
    say("held-out WER: %.2f%% (%d sentences, mixed voices), %.2f%% (%d, default voice)" %
        (100 * w_h, len(held), 100 * w_d, len(held_default)))
    for u, h in list(zip(held, hyp_h))[:15] + list(zip(held_default, hyp_d))[:10]:
        say("  REF %s | HYP %s | %s" % (u["text"], h, u["voice"]))

    with open(os.path.join(args.out, "heldout_results.json"), "w") as f:
        json.dump({"wer_mixed_voices": w_h, "wer_default_voice": w_d, "steps": step,
                   "train_seconds": train_s, "final_loss_ema": ema, "params": n_params,
                   "train_utterances": n_train, "train_hours": secs / 3600,
                   "mixed": [[u, h] for u, h in zip(held, hyp_h)],
                   "default": [[u, h] for u, h in zip(held_default, hyp_d)]}, f, indent=1)
    say("saved to %s: %s" % (args.out, sorted(os.listdir(args.out))))


if __name__ == "__main__":
    main()
