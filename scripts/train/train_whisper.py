#!/usr/bin/env python3
"""Trains the demonstration speech model from scratch: espeak-ng speaks generated sentences
(speech_corpus.py; many voices, speeds, pitches) -> 16 kHz audio -> Whisper log-mel (on the GPU,
as transformers' WhisperFeatureExtractor) with added noise -> WhisperForConditionalGeneration
smaller than whisper-tiny (d_model 256, 4+4 layers, a 10 s window: 500 encoder positions instead
of Whisper's 1500, own byte-level BPE vocab followed by Whisper's special tokens in Whisper's
order; an auxiliary CTC loss on the encoder output while training) -> held-out word error rate
-> a Hugging Face folder.

    python3 scripts/train/train_whisper.py --out DIR --espeak DIR [--seconds 420] [--pack DIR]
                                           [--init DIR] [--smoke]

--espeak: a folder with bin/espeak-ng, lib/ (its shared libraries) and espeak-ng-data/ (the
Debian packages unpacked, see fetch_espeak.sh). Needs torch, transformers, tokenizers, numpy.
espeak-ng keeps speaking on the CPU cores while the GPU trains: training starts on the first
--start-utterances and samples from all that are ready (the corpus itself is fixed: the same
sentences and voices in the same order). --pack DIR: the folder as a tar split in 15 MiB pieces
(DIR/whisper.tar.00, ...), rewritten at every checkpoint, so a run cut short still returns one.
Fixed seeds; training runs on a time budget (learning rate schedule on elapsed time), so the
number of steps (and of utterances synthesized by then) depends on the machine.
"""
import argparse
import io
import json
import math
import multiprocessing
import os
import random
import re
import subprocess
import sys
import tarfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_save  # noqa: E402
import speech_corpus  # noqa: E402

SR = 16000
HOP = 160
LANGS = ("en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta "
         "no th ur hr bg lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk "
         "sq sw gl mr pa si km sn yo so af oc ka be tg sd gu am yi lo uz fo ht ps tk nn mt sa lb "
         "my bo tl mg as tt haw ln ha ba jw su").split()
MAX_TOKENS = 80
MAX_SHIFT = int(0.6 * SR)  # random start of the speech in the window (training)
CTC_CHARS = " abcdefghijklmnopqrstuvwxyz0123456789'"  # CTC classes 1..; 0 is the blank
PIECE = 15 << 20

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
    stft = torch.stft(audio, 400, HOP, window=window, return_complex=True)
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


def pack(folder, dest):
    """folder as one tar (arcname whisper/) split in PIECE-byte files dest/whisper.tar.NN; each
    piece written to a temporary name first, stale pieces of a longer earlier tar removed."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        tf.add(folder, arcname="whisper")
    data = buf.getvalue()
    n = (len(data) + PIECE - 1) // PIECE
    for i in range(n):
        name = os.path.join(dest, "whisper.tar.%02d" % i)
        with open(name + ".tmp", "wb") as f:
            f.write(data[i * PIECE:(i + 1) * PIECE])
        os.replace(name + ".tmp", name)
    i = n
    while os.path.exists(os.path.join(dest, "whisper.tar.%02d" % i)):
        os.remove(os.path.join(dest, "whisper.tar.%02d" % i))
        i += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--espeak", required=True)
    ap.add_argument("--seconds", type=float, default=420.0, help="training time budget")
    ap.add_argument("--utterances", type=int, default=160000, help="corpus size (synthesized "
                    "while training; training samples from those ready)")
    ap.add_argument("--start-utterances", type=int, default=8000)
    ap.add_argument("--heldout", type=int, default=300)
    ap.add_argument("--procs", type=int, default=max(1, (os.cpu_count() or 4) - 3))
    ap.add_argument("--audio-ctx", type=int, default=500,
                    help="encoder positions (max_source_positions); the window is 2*ctx*10 ms")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--warmup", type=int, default=500)
    ap.add_argument("--base-vocab", type=int, default=1024)
    ap.add_argument("--ctc", type=float, default=0.5,
                    help="weight of the auxiliary CTC loss on the encoder output (0: off)")
    ap.add_argument("--short-first", type=float, default=0.1,
                    help="the first fraction of training samples sentences of <= 5 words only")
    ap.add_argument("--checkpoint", type=float, default=90.0, help="seconds between checkpoints")
    ap.add_argument("--pack", help="folder for the tar pieces of each checkpoint")
    ap.add_argument("--init", help="continue from this folder (one this script saved): its "
                    "weights and tokenizer instead of new ones")
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args()
    if args.smoke:
        args.seconds, args.utterances, args.start_utterances = 12.0, 1500, 300
        args.heldout, args.checkpoint = 32, 5.0
    t0 = time.time()
    n_samples = 2 * args.audio_ctx * HOP
    max_len = n_samples - MAX_SHIFT - SR // 10  # longer utterances are not trained on
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
    # the pool forks before torch touches CUDA; held-out audio first, then the training corpus in
    # order, collected by a thread while the GPU trains
    pool = multiprocessing.get_context("fork").Pool(args.procs, _init_worker,
                                                    (os.path.abspath(args.espeak),))
    held_audio = pool.map(synth, held + held_default, chunksize=8)
    ready = []
    feeder_error = []

    def feed():
        try:
            for a in pool.imap(synth, train_items, chunksize=32):
                ready.append(a)
        except Exception as e:  # reported by the training loop
            feeder_error.append(e)

    threading.Thread(target=feed, daemon=True).start()

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
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True

    if args.init:
        from tokenizers import Tokenizer
        tok = Tokenizer.from_file(os.path.join(args.init, "tokenizer.json"))
    else:
        tok = build_tokenizer([" " + u["text"] for u in train_items], args.base_vocab)
    V = tok.get_vocab_size()
    tid = tok.token_to_id
    eot, sot, en = tid("<|endoftext|>"), tid("<|startoftranscript|>"), tid("<|en|>")
    transcribe, translate = tid("<|transcribe|>"), tid("<|translate|>")
    notimestamps, ts0 = tid("<|notimestamps|>"), tid("<|0.00|>")
    say("tokenizer: %d tokens (BPE %d, <|endoftext|> = %d, timestamps from %d)" % (V, eot, eot, ts0))
    text_ids = [tok.encode(" " + u["text"], add_special_tokens=False).ids for u in train_items]
    say("transcripts: mean %.1f tokens, %d over %d" % (
        sum(map(len, text_ids)) / len(text_ids), sum(len(t) + 7 > MAX_TOKENS for t in text_ids),
        MAX_TOKENS))
    ctc_ids = [[CTC_CHARS.index(c) + 1 for c in " ".join(normalize(u["text"]))]
               for u in train_items]
    n_words = [len(u["text"].split()) for u in train_items]

    fe = WhisperFeatureExtractor(feature_size=80, chunk_length=n_samples // SR)
    assert fe.n_samples == n_samples and fe.nb_max_frames == 2 * args.audio_ctx
    filters = torch.from_numpy(np.asarray(fe.mel_filters)).float().to(dev)
    window = torch.hann_window(400, device=dev)

    # the training audio on the GPU: one int16 buffer that grows as espeak-ng delivers
    cap = int(args.utterances * 4.0 * SR)
    flat = torch.zeros(cap, dtype=torch.int16, device=dev)
    offs, lens = [0] * args.utterances, [0] * args.utterances
    state = {"loaded": 0, "used": 0, "secs": 0.0, "skipped": 0}
    usable, usable_short = [], []

    def ingest():
        """moves the utterances espeak-ng has finished since the last call onto the GPU"""
        if feeder_error:
            raise feeder_error[0]
        a, b = state["loaded"], len(ready)
        if b == a:
            return
        fits = [i for i in range(a, b) if 0 < len(ready[i]) <= max_len]
        chunk = np.concatenate([ready[i] for i in fits]) if fits else np.zeros(0, np.int16)
        if state["used"] + len(chunk) > cap:
            return  # buffer full: train on what there is
        at = state["used"]
        flat[at:at + len(chunk)] = torch.from_numpy(chunk).to(dev)
        for i in fits:
            offs[i], lens[i] = at, len(ready[i])
            at += lens[i]
            usable.append(i)
            if n_words[i] <= 5:
                usable_short.append(i)
        state["skipped"] += (b - a) - len(fits)
        state["secs"] += len(chunk) / SR
        state["used"] = at
        for i in range(a, b):
            ready[i] = None
        state["loaded"] = b

    while len(ready) < args.start_utterances and not feeder_error:
        time.sleep(0.2)
    ingest()
    say("espeak-ng: %d held-out utterances, %d training ones (%.1f h) ready, %d too long for "
        "the %.1f s window, %d processes" % (len(held_audio), len(usable), state["secs"] / 3600,
                                              state["skipped"], n_samples / SR, args.procs))

    pos_row = torch.arange(n_samples, device=dev)

    def batch_audio(idx, shifts, augment):
        """rows of the window: utterance idx[r] starting at shifts[r], zeros elsewhere"""
        off = torch.tensor([offs[i] for i in idx], device=dev)
        n = torch.tensor([lens[i] for i in idx], device=dev)
        s = torch.tensor(shifts, device=dev)
        p = pos_row[None, :] - s[:, None]
        valid = (p >= 0) & (p < n[:, None])
        src = (off[:, None] + p.clamp(min=0)).clamp(max=cap - 1)
        x = torch.where(valid, flat[src].float() / 32768.0, torch.zeros((), device=dev))
        if augment:
            B = len(idx)
            x = x * torch.empty(B, 1, device=dev).uniform_(0.2, 1.0)
            rms = (x.pow(2).sum(1, keepdim=True) / n[:, None].float()).sqrt() + 1e-8
            snr_db = torch.empty(B, 1, device=dev).uniform_(8.0, 40.0)
            noisy = (torch.rand(B, 1, device=dev) < 0.6).float()
            x = x + noisy * torch.randn_like(x) * rms * torch.pow(10.0, -snr_db / 20.0)
        return log_mel(x, filters, window)

    def batch_tokens(idx, shifts, rng):
        seqs = []
        for i, s in zip(idx, shifts):
            body = text_ids[i][:MAX_TOKENS - 7]
            if rng.random() < 0.5:  # timestamp mode: <|t0|> text <|t1|>
                t_a = ts0 + min(1500, int(round(s / SR / 0.02)))
                t_b = ts0 + min(1500, int(round((s + lens[i]) / SR / 0.02)))
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
                        encoder_ffn_dim=1024, decoder_ffn_dim=1024,
                        max_source_positions=args.audio_ctx, max_target_positions=448,
                        activation_function="gelu", dropout=0.0, decoder_start_token_id=sot,
                        pad_token_id=eot, bos_token_id=eot, eos_token_id=eot,
                        begin_suppress_tokens=[tid("\u0120"), eot], suppress_tokens=[],
                        tie_word_embeddings=True, scale_embedding=False)
    model = WhisperForConditionalGeneration(cfg).to(dev)
    if args.init:
        from safetensors.torch import load_file
        with open(os.path.join(args.init, "model.safetensors.index.json")) as f:
            shards = sorted(set(json.load(f)["weight_map"].values()))
        sd = {}
        for name in shards:
            sd.update(load_file(os.path.join(args.init, name)))
        missing, unexpected = model.load_state_dict({k: v.float() for k, v in sd.items()},
                                                    strict=False)
        if unexpected or set(missing) - {"proj_out.weight"}:
            raise RuntimeError("--init %s: missing %s, unexpected %s" % (args.init, missing,
                                                                        unexpected))
        say("continuing from %s (%d tensors)" % (args.init, len(sd)))
    n_params = sum(p.numel() for p in model.parameters())
    say("model: %d parameters (%.2fM), window %d frames" % (n_params, n_params / 1e6,
                                                            2 * args.audio_ctx))
    # auxiliary CTC head over the encoder output, characters as targets: an alignment-free
    # signal for the encoder from the first step (training only, not saved)
    ctc_head = torch.nn.Linear(cfg.d_model, len(CTC_CHARS) + 1).to(dev)
    params = list(model.parameters()) + (list(ctc_head.parameters()) if args.ctc > 0 else [])
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.98), eps=1e-8, fused=dev == "cuda")

    def transcribe_all(clips):
        model.eval()
        hyps = []
        for b in range(0, len(clips), 64):
            chunk = clips[b:b + 64]
            x = torch.zeros(len(chunk), n_samples, device=dev)
            for r, a in enumerate(chunk):
                n = min(len(a), n_samples)
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

    def save(results):
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
        with open(os.path.join(args.out, "heldout_results.json"), "w") as f:
            json.dump(results, f, indent=1)
        if args.pack:
            os.makedirs(args.pack, exist_ok=True)
            pack(args.out, args.pack)

    n_h = len(held)
    quick = held_audio[:96]
    rng = random.Random(0)
    model.train()
    step, t_train, ema, next_ck = 0, time.time(), None, args.checkpoint
    while True:
        elapsed = time.time() - t_train
        frac = elapsed / args.seconds
        if frac >= 1.0:
            break
        if step % 50 == 0:
            ingest()
        if elapsed >= next_ck:
            w = wer([u["text"] for u in held[:96]], transcribe_all(quick))
            save({"checkpoint_step": step, "quick_wer": w, "params": n_params})
            say("checkpoint at step %d: WER %.2f%% on %d held-out; %d utterances (%.1f h) "
                "ready" % (step, 100 * w, len(quick), len(usable), state["secs"] / 3600))
            next_ck += args.checkpoint
        w_up = min(1.0, (step + 1) / args.warmup)
        lr = args.lr * w_up * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        pool_idx = usable_short if frac < args.short_first and usable_short else usable
        idx = [pool_idx[rng.randrange(len(pool_idx))] for _ in range(args.batch)]
        shifts = [rng.randint(0, MAX_SHIFT) for _ in idx]
        feats = batch_audio(idx, shifts, True)
        inp, tgt = batch_tokens(idx, shifts, rng)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=dev == "cuda"):
            out = model(input_features=feats, decoder_input_ids=inp)
        loss_ce = torch.nn.functional.cross_entropy(out.logits.float().reshape(-1, V),
                                                    tgt.reshape(-1), ignore_index=-100)
        loss = loss_ce
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
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        if step % 50 == 0:
            lv = loss_ce.item()
            ema = lv if ema is None else 0.8 * ema + 0.2 * lv
            if step % 250 == 0:
                say("step %d loss %.4f (ema %.4f)%s lr %.2e" % (
                    step, lv, ema, " ctc %.4f" % loss_ctc.item() if args.ctc > 0 else "", lr))
    train_s = time.time() - t_train
    pool.terminate()
    say("trained %d steps in %.1f s (%.0f utterances/s); final loss %.4f; %d training "
        "utterances (%.1f h) were ready" % (step, train_s, step * args.batch / train_s,
                                           ema if ema is not None else loss_ce.item(),
                                           len(usable), state["secs"] / 3600))

    hyp_h = transcribe_all(held_audio[:n_h])
    hyp_d = transcribe_all(held_audio[n_h:])
    w_h = wer([u["text"] for u in held], hyp_h)
    w_d = wer([u["text"] for u in held_default], hyp_d)
    say("held-out WER: %.2f%% (%d sentences, mixed voices), %.2f%% (%d, default voice)" %
        (100 * w_h, len(held), 100 * w_d, len(held_default)))
    for u, h in list(zip(held, hyp_h))[:15] + list(zip(held_default, hyp_d))[:10]:
        say("  REF %s | HYP %s | %s" % (u["text"], h, u["voice"]))
    save({"wer_mixed_voices": w_h, "wer_default_voice": w_d, "steps": step,
          "train_seconds": train_s, "final_loss_ema": ema, "params": n_params,
          "train_utterances_ready": len(usable), "train_hours_ready": state["secs"] / 3600,
          "mixed": [[u, h] for u, h in zip(held, hyp_h)],
          "default": [[u, h] for u, h in zip(held_default, hyp_d)]})
    say("saved to %s: %s" % (args.out, sorted(os.listdir(args.out))))


if __name__ == "__main__":
    main()
