#!/usr/bin/env python3
"""Trains the demonstration chat model from scratch: corpus (chat_corpus.py) -> byte-level BPE
tokenizer with ChatML tokens -> LlamaForCausalLM (~10M parameters) -> held-out accuracy -> a
Hugging Face folder that `anyinfer convert` reads.

    python3 scripts/train/train_chat.py --out DIR [--seconds 280] [--smoke]

Needs torch, transformers, tokenizers (the GPU machine). Fixed seeds; the number of steps follows
the time budget (the learning rate schedule runs on elapsed time), so a faster GPU trains longer.
--smoke: a few seconds on a small corpus, to check the whole pipeline.
"""
import argparse
import json
import math
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chat_corpus  # noqa: E402
import hf_save  # noqa: E402

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CHAT_TEMPLATE = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + "
                 "message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
                 "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")


def segments(msgs):
    """The ChatML text of a dialogue as (text, is_trained) pieces: the assistant's words and
    its <|im_end|> are trained, the rest is context. Pieces end at token boundaries (special
    tokens and newlines), so tokenizing them apart equals tokenizing the whole."""
    out = []
    for m in msgs:
        out.append(("<|im_start|>" + m["role"] + "\n", False))
        if m["role"] == "assistant":
            out.append((m["content"] + "<|im_end|>", True))
            out.append(("\n", False))
        else:
            out.append((m["content"] + "<|im_end|>\n", False))
    return out


def train_tokenizer(texts, vocab_size):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    tok = Tokenizer(models.BPE())
    # SmolLM's pre-tokenizer (one digit per token: arithmetic stays learnable)
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)])
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(texts, trainer)
    return tok


def build_stream(tok, dialogues):
    """Token ids and loss mask of all dialogues, concatenated."""
    pieces, flags = [], []
    for d in dialogues:
        for text, trained in segments(d):
            pieces.append(text)
            flags.append(trained)
    ids, mask = [], []
    for enc, trained in zip(tok.encode_batch(pieces, add_special_tokens=False), flags):
        ids.extend(enc.ids)
        mask.extend([trained] * len(enc.ids))
    return ids, mask


def lr_at(frac, step, peak, warmup):
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(frac, 1.0))))


def evaluate(model, tok, items, device, max_new=40, batch=256):
    """Greedy answers to held-out questions (single user turn, no system prompt, as
    `anyinfer run --chat` sends them); a question counts when its expected text appears."""
    import torch
    im_end, pad = tok.token_to_id("<|im_end|>"), tok.token_to_id("<|endoftext|>")
    model.eval()
    results = []
    for i in range(0, len(items), batch):
        chunk = items[i:i + batch]
        prompts = [tok.encode("<|im_start|>user\n" + it["q"] + "<|im_end|>\n<|im_start|>assistant\n",
                              add_special_tokens=False).ids for it in chunk]
        n = max(len(p) for p in prompts)
        ids = torch.tensor([[pad] * (n - len(p)) + p for p in prompts], device=device)
        att = torch.tensor([[0] * (n - len(p)) + [1] * len(p) for p in prompts], device=device)
        with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16,
                                             enabled=device == "cuda"):
            out = model.generate(input_ids=ids, attention_mask=att, max_new_tokens=max_new,
                                 do_sample=False, eos_token_id=im_end, pad_token_id=pad)
        for it, row in zip(chunk, out[:, n:].tolist()):
            if im_end in row:
                row = row[:row.index(im_end)]
            ans = tok.decode(row)
            results.append(dict(it, answer=ans, ok=chat_corpus.answer_ok(it["expect"], ans)))
    model.train()
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=float, default=280.0, help="training time budget")
    ap.add_argument("--dialogues", type=int, default=600000)
    ap.add_argument("--vocab", type=int, default=3072)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args()
    if args.smoke:
        args.seconds, args.dialogues = 15.0, 20000
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    log = open(os.path.join(args.out, "train_chat.log"), "w")

    def say(*a):
        s = " ".join(str(x) for x in a)
        print("[chat %6.1fs] %s" % (time.time() - t0, s), flush=True)
        log.write(s + "\n")
        log.flush()

    import torch
    from transformers import LlamaConfig, LlamaForCausalLM
    random.seed(0)
    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    rng = random.Random(1)
    dialogues = [chat_corpus.dialogue(rng) for _ in range(args.dialogues)]
    heldout = chat_corpus.heldout()
    say("corpus: %d dialogues, %d held-out questions" % (len(dialogues), len(heldout)))
    texts = ("".join(t for t, _ in segments(d)) for d in dialogues[:200000])
    tok = train_tokenizer(texts, args.vocab)
    V = tok.get_vocab_size()
    ids, mask = build_stream(tok, dialogues)
    say("tokenizer: %d tokens; stream: %d tokens (%.1f%% trained)" %
        (V, len(ids), 100.0 * sum(mask) / len(mask)))

    rows = len(ids) // (args.seq + 1)
    data = torch.tensor(ids[:rows * (args.seq + 1)], dtype=torch.int32).view(rows, args.seq + 1)
    lmask = torch.tensor(mask[:rows * (args.seq + 1)], dtype=torch.bool).view(rows, args.seq + 1)
    data, lmask = data.to(device), lmask.to(device)

    eot, im_end = tok.token_to_id("<|endoftext|>"), tok.token_to_id("<|im_end|>")
    cfg = LlamaConfig(vocab_size=V, hidden_size=384, intermediate_size=1024,
                      num_hidden_layers=6, num_attention_heads=6, num_key_value_heads=2,
                      max_position_embeddings=1024, rms_norm_eps=1e-5, rope_theta=10000.0,
                      tie_word_embeddings=True, bos_token_id=eot, eos_token_id=im_end,
                      pad_token_id=eot)
    model = LlamaForCausalLM(cfg).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    say("model: %d parameters (%.2fM), %d rows of %d tokens" % (n_params, n_params / 1e6, rows,
                                                                args.seq))
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8,
                            fused=device == "cuda")
    gen = torch.Generator(device=device)
    gen.manual_seed(0)
    model.train()
    step, t_train, ema = 0, time.time(), None
    while True:
        frac = (time.time() - t_train) / args.seconds
        if frac >= 1.0:
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(frac, step, args.lr, 200)
        idx = torch.randint(0, rows, (args.batch,), device=device, generator=gen)
        x = data[idx, :-1].long()
        y = data[idx, 1:].long()
        m = lmask[idx, 1:]
        y = torch.where(m, y, torch.full_like(y, -100))
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device == "cuda"):
            logits = model(input_ids=x).logits
        loss = torch.nn.functional.cross_entropy(logits.float().view(-1, V), y.view(-1),
                                                 ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 100 == 0:
            lv = loss.item()
            ema = lv if ema is None else 0.9 * ema + 0.1 * lv
            if step % 500 == 0:
                say("step %d loss %.4f (ema %.4f) lr %.2e" % (step, lv, ema, opt.param_groups[0]["lr"]))
    train_s = time.time() - t_train
    say("trained %d steps in %.1f s (%.0f tokens/s); final loss %.4f" %
        (step, train_s, step * args.batch * args.seq / train_s, ema if ema is not None else loss.item()))

    hf_save.save_sharded(model, args.out, tied={"lm_head.weight"}, generation={
        "bos_token_id": eot, "eos_token_id": im_end, "pad_token_id": eot, "do_sample": False,
        "max_new_tokens": 128})
    tok.save(os.path.join(args.out, "tokenizer.json"))
    with open(os.path.join(args.out, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": "<|im_end|>",
                   "pad_token": "<|endoftext|>", "bos_token": None, "unk_token": None,
                   "model_max_length": 1024, "add_prefix_space": False,
                   "chat_template": CHAT_TEMPLATE}, f, indent=2)
    with open(os.path.join(args.out, "chat_template.jinja"), "w") as f:
        f.write(CHAT_TEMPLATE)

    items = heldout if not args.smoke else heldout[:64]
    res = evaluate(model, tok, items, device)
    by = {}
    for r in res:
        b = by.setdefault(r["topic"], [0, 0])
        b[0] += r["ok"]
        b[1] += 1
    acc = sum(r["ok"] for r in res) / max(1, len(res))
    say("held-out accuracy %.1f%% (%d questions): %s" % (100 * acc, len(res), ", ".join(
        "%s %d/%d" % (k, v[0], v[1]) for k, v in sorted(by.items()))))
    for r in res[:40]:
        say("  %s Q: %s | A: %s" % ("ok " if r["ok"] else "BAD", r["q"], r["answer"]))

    with open(os.path.join(args.out, "heldout_results.json"), "w") as f:
        json.dump({"accuracy": acc, "by_topic": by, "steps": step, "train_seconds": train_s,
                   "final_loss_ema": ema, "params": n_params, "results": res}, f, indent=1)
    say("saved to %s: %s" % (args.out, sorted(os.listdir(args.out))))


if __name__ == "__main__":
    main()
