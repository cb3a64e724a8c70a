#!/usr/bin/env python3
"""Sentences and espeak-ng voices of the speech corpus (standard library only).

Sentences are 3-10 words drawn from words.txt (make_wordlist.py), with numbers written as
digits; each utterance gets an espeak-ng voice, variant, speed and pitch. Training and held-out
sentences come from different seeds and a held-out sentence never equals a training one.

    python3 scripts/train/speech_corpus.py --n 5            # training utterances (JSON lines)
    python3 scripts/train/speech_corpus.py --heldout --n 3  # held-out ones, default voice
"""
import argparse
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
VOICES = ["en", "en-us", "en-gb-x-rp", "en-gb-scotland", "en-029", "en-gb-x-gbclan",
          "en-gb-x-gbcwmd"]
VARIANTS = ["", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "klatt",
            "klatt2", "klatt3", "Andy", "Annie", "Denis", "Michael", "linda", "steph", "robert"]
TRAIN_SEED, HELDOUT_SEED = 1, 2


def words():
    with open(os.path.join(HERE, "words.txt"), encoding="utf-8") as f:
        return [w.strip() for w in f if w.strip()]


def sentence(rng, vocab):
    n = rng.randint(3, 10)
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.08:
            out.append(str(rng.randint(0, 100)))
        elif r < 0.10:
            out.append(str(rng.randint(1900, 2030)))
        elif r < 0.35:
            out.append(rng.choice(vocab[:300]))  # frequent words, as in real text
        else:
            out.append(rng.choice(vocab))
    s = " ".join(out)
    return s[0].upper() + s[1:] + "."


def utterance(rng, vocab, default_voice=False):
    """{"text", "voice", "speed", "pitch"}; default_voice: espeak-ng's defaults (en, 175, 50)."""
    text = sentence(rng, vocab)
    if default_voice or rng.random() < 0.2:
        return {"text": text, "voice": "en", "speed": 175, "pitch": 50}
    v, var = rng.choice(VOICES), rng.choice(VARIANTS)
    return {"text": text, "voice": v + ("+" + var if var else ""),
            "speed": rng.randint(130, 220), "pitch": rng.randint(25, 75)}


def training(n):
    rng, vocab = random.Random(TRAIN_SEED), words()
    return [utterance(rng, vocab) for _ in range(n)]


def heldout(n, train_texts, default_voice=False):
    rng, vocab = random.Random(HELDOUT_SEED), words()
    out = []
    while len(out) < n:
        u = utterance(rng, vocab, default_voice)
        if u["text"] not in train_texts:
            out.append(u)
    return out


def espeak_args(u):
    return ["-v", u["voice"], "-s", str(u["speed"]), "-p", str(u["pitch"]), "--stdout", u["text"]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5)
    ap.add_argument("--heldout", action="store_true")
    ap.add_argument("--train-size", type=int, default=160000)
    args = ap.parse_args()
    if args.heldout:
        train = {u["text"] for u in training(args.train_size)}
        items = heldout(args.n, train, default_voice=True)
    else:
        items = training(args.n)
    for u in items:
        print(json.dumps(u))


if __name__ == "__main__":
    main()
