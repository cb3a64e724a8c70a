#!/usr/bin/env python3
"""Held-out accuracy of a chat GGUF through the anyinfer CLI (greedy, one user turn), as
train_chat.py measures it in PyTorch: a question counts when its expected text appears in the
answer (chat_corpus.answer_ok). Standard library only.

    python3 scripts/train/eval_chat.py build/anyinfer models/chat-demo-q8_0.gguf [--limit N]
"""
import argparse
import collections
import subprocess

import chat_corpus


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("model")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    items = chat_corpus.heldout()
    if args.limit:
        items = items[:args.limit]
    by = collections.defaultdict(lambda: [0, 0])
    for it in items:
        out = subprocess.run([args.bin, "run", "-m", args.model, "--chat", "-p", it["q"], "-n", "40",
                              "--temp", "0", "-t", "1"], capture_output=True, text=True,
                             check=True).stdout.strip()
        ok = chat_corpus.answer_ok(it["expect"], out)
        by[it["topic"]][0] += ok
        by[it["topic"]][1] += 1
        if not ok:
            print("MISS %s -> %s (expected %s)" % (it["q"], out, it["expect"]))
    n_ok, n = sum(v[0] for v in by.values()), sum(v[1] for v in by.values())
    print("held-out accuracy %.1f%% (%d/%d): %s" % (100.0 * n_ok / n, n_ok, n, ", ".join(
        "%s %d/%d" % (k, v[0], v[1]) for k, v in sorted(by.items()))))


if __name__ == "__main__":
    main()
