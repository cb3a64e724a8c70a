#!/usr/bin/env python3
"""Reference fixtures for the model parity tests (tests/models/test_parity.c).

Builds four small Llama-family models from configs (nothing is downloaded), each with a tokenizer
trained on the spot with the `tokenizers` library on TEXT below, trains each model briefly on the
same text (so its predictions are confident, as a real model's are, and a greedy continuation is
not a chain of near-ties), saves the Hugging Face folder, and records what `transformers`
computes from that folder (reloaded, in float64 on the CPU, eager attention):

  llama3_gqa    LlamaForCausalLM, GQA 4/2, llama3 rope scaling, untied, byte-level BPE (llama-bpe
                regex), bf16 safetensors, legacy config keys (rope_theta + rope_scaling)
  llama_tied    LlamaForCausalLM, MHA, plain rope, tied embeddings, SentencePiece-style BPE with
                byte fallback (Prepend/Replace normalizer, like Llama 2's tokenizer.json), f16
  mistral       MistralForCausalLM, GQA 4/1, sliding_window null, SentencePiece-style BPE with
                byte fallback (Metaspace pre-tokenizer), f16 safetensors, legacy config keys
  qwen2         Qwen2ForCausalLM, QKV biases, tied, byte-level BPE (qwen2 regex, NFC), vocabulary
                padded to a multiple of 32 rows as Qwen2's is, f32

Each folder gets config.json, model.safetensors, generation_config.json, tokenizer.json,
tokenizer_config.json (with chat_template), reference.bin and reference.json.

reference.bin, all little-endian:
  char     magic[8]      "AIPARITY"
  u32      version       1
  u32      n_vocab       rows of the logits (the model's vocab_size)
  u32      n_embd
  u32      n_layer
  u32      n_seq
  u32      reserved      0
  n_seq times:
    u32    n_text        bytes of the prompt text
    u32    n_prompt      prompt tokens
    u32    n_cont        greedy continuation tokens (32)
    u32    flags         bit 0: the prompt was encoded with add_special_tokens=True
    u8     text[n_text]  UTF-8 prompt text
    i32    ids[n_prompt + n_cont]
    f32    logits[(n_prompt + n_cont) * n_vocab]   row t: logits after token t (predicts t + 1)
  hidden states of one sequence (its prompt positions only):
    u32    seq           index of the sequence
    u32    n_tok         = its n_prompt
    u32    n_states      = n_layer + 2: embeddings, the output of each decoder layer, final norm
    f32    h[n_states * n_tok * n_embd]
  char     end[8]        "AIPAREND"

The continuation is greedy (argmax, eos ignored) for 32 tokens; its step logits are rows
n_prompt - 1 ... n_prompt + n_cont - 2 of the sequence's logits, and the script checks that each
continuation token is the argmax of its row.

Regenerate (one device run, about a minute of GPU time; the device tool returns $OUT):
  run(command="set -o pipefail; PYTHONUNBUFFERED=1 python3 scripts/reference/make_fixtures.py "
               "--out /tmp/fx/hf 2>&1 | tee $OUT/log.txt && tar -C /tmp/fx -cf $OUT/fixtures.tar hf")
then here: tar -C tests/fixtures -xf <files_at>/fixtures.tar
Without a GPU it also runs on the CPU (slower). Weights depend on the seeds and on the training
run, so a regeneration changes the fixtures as a set; docs/parity.md holds the measured numbers.
"""

import argparse
import inspect
import json
import math
import os
import struct
import sys
import traceback

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import torch
import tokenizers
import transformers
from tokenizers import (AddedToken, Regex, Tokenizer, decoders, models, normalizers,
                        pre_tokenizers, processors, trainers)

TEXT = """\
The lighthouse keeper climbed the stairs every evening at seven. There were one hundred and
twelve steps, and he counted each of them out loud, because counting kept the wind out of his
head. At the top he lit the lamp, wiped the glass, and wrote three lines in the log: the time,
the weather, and the number of ships he could see.
On calm nights the sea was a sheet of dark glass, and the light swept across it like a slow
hand. On stormy nights the waves threw salt against the windows, and the whole tower hummed.
The keeper did not mind the storms. He made tea, opened his book, and listened.
His book was about bridges. It said that the oldest bridges were made of stone, that the
longest ones hang from cables, and that every bridge is a promise between two banks of a river.
He liked that sentence so much that he copied it into the log, between the weather and the ships.
In the spring a girl from the village came to help him. Her name was Lena, she was twelve years
old, and she wanted to know everything: why the lamp turns, why the glass is curved, why ships
need a light at all when they have maps. The keeper answered slowly. The lamp turns so that the
ships can tell our light from the next one. The glass is curved to gather the light into a beam.
And maps do not show you the rocks at night.
Lena wrote the answers in a small notebook. Later she drew the tower, the stairs, and the lamp,
and under the drawing she wrote: one hundred and twelve steps, one light, many ships.
Numbers were her favourite part. She measured the room (4.5 metres across), the window (1.2
metres high) and the walk from the village (3 km, or 45 minutes with a basket). She asked how
many ships had passed since 1990, and the keeper said: about 20,000, give or take a few hundred.
In the autumn they visited a café in the town, where the baker sold bread, cheese and honey.
The baker had lived in Zürich and in Kyoto, and he said "naïve" with two dots over the i.
Lena asked him to write a word in Japanese, and he wrote 日本語 on a paper napkin, with a small
smile 🙂 next to it. She kept the napkin in her notebook.
When winter came, the keeper grew tired, and Lena climbed the stairs with him, counting with him.
One hundred and twelve steps. One light. Many ships. The sea, the wind, the glass, the lamp.
"""

CHATML = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + "
          "message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
          "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
LLAMA3 = ("{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] "
          "+ '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}"
          "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
          "{% endif %}")
INST = ("{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}"
        "{{ '[INST] ' + message['content'] + ' [/INST]' }}{% else %}"
        "{{ ' ' + message['content'] + eos_token }}{% endif %}{% endfor %}")

LLAMA3_RE = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
             r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_RE = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
            r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")

# Prompts: plain text (encoded with the tokenizer's special tokens, e.g. BOS) of different
# lengths, one with characters the training text lacks (byte fallback / rare bytes), and one chat
# turn rendered with the model's template (encoded without adding specials: the template has them).
PROMPTS = [
    "The",
    "The lighthouse keeper climbed the stairs",
    "Lena measured 7.25 metres → and wrote Ωmega in her notebook, next to 42 ships.",
    "On calm nights the sea was a sheet of dark glass, and the light swept across it like a slow"
    " hand. On stormy nights the waves threw salt against the windows,",
]
CHAT_USER = "Why does the lamp turn?"
N_CONT = 32

SPECS = [
    dict(name="llama3_gqa", arch="llama", tok="llama3", vocab=448, hidden=128, ff=320, layers=2,
         heads=4, kv=2, theta=10000.0, eps=1e-5, tied=False, dtype="bfloat16", legacy=True,
         rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                       "high_freq_factor": 4.0, "original_max_position_embeddings": 64},
         max_pos=256, seed=1),
    dict(name="llama_tied", arch="llama", tok="spm_normalizer", vocab=640, hidden=128, ff=352,
         layers=2, heads=4, kv=4, theta=10000.0, eps=1e-6, tied=True, dtype="float16",
         legacy=False, rope_scaling=None, max_pos=256, seed=2),
    dict(name="mistral", arch="mistral", tok="spm_metaspace", vocab=448, hidden=128, ff=256,
         layers=2, heads=4, kv=1, theta=1000000.0, eps=1e-5, tied=False, dtype="float16",
         legacy=True, rope_scaling=None, max_pos=512, seed=3),
    dict(name="qwen2", arch="qwen2", tok="qwen2", vocab=432, hidden=96, ff=224, layers=2, heads=3,
         kv=1, theta=1000000.0, eps=1e-6, tied=True, dtype="float32", legacy=False,
         rope_scaling=None, max_pos=512, seed=4),
]


def log(*a):
    print(*a, flush=True)


def lines_of_text():
    return [line for line in TEXT.split("\n") if line.strip()]


# ---- tokenizers ------------------------------------------------------------------------------

def byte_level_tokenizer(kind, vocab_size):
    """Byte-level BPE as Llama 3 (kind "llama3") or Qwen2 (kind "qwen2") ship it."""
    if kind == "llama3":
        specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
                    "<|end_header_id|>", "<|eot_id|>"]
        regex = LLAMA3_RE
    else:
        specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
        regex = QWEN2_RE
    tok = Tokenizer(models.BPE())
    if kind == "qwen2":
        tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(regex), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size - len(specials), min_frequency=2,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False, special_tokens=[])
    tok.train_from_iterator(lines_of_text(), trainer)
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    if kind == "llama3":
        bos = "<|begin_of_text|>"
        tok.post_processor = processors.TemplateProcessing(
            single=f"{bos} $A", pair=f"{bos} $A {bos} $B",
            special_tokens=[(bos, tok.token_to_id(bos))])
        cfg = dict(bos_token=bos, eos_token="<|eot_id|>", add_bos_token=True, add_eos_token=False,
                   chat_template=LLAMA3, tokenizer_class="PreTrainedTokenizerFast")
    else:
        cfg = dict(bos_token=None, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                   add_bos_token=False, add_eos_token=False, chat_template=CHATML,
                   tokenizer_class="Qwen2Tokenizer")
    return tok, cfg


def spm_like_tokenizer(style, vocab_size):
    """SentencePiece-style BPE (llama.cpp's "llama" vocabulary): <unk> <s> </s>, 256 <0xXX> byte
    tokens, then pieces with "▁" for spaces; byte fallback. Merges are made SentencePiece-complete
    as HF's converter does for real SentencePiece models: every split (a, b) of a piece into two
    pieces is a merge, ranked by the piece's own rank."""
    trainer_tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    trainer_tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581",
                                                         prepend_scheme="always", split=True)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size - 259, min_frequency=2,
                                  show_progress=False, special_tokens=[])
    trainer_tok.train_from_iterator(lines_of_text(), trainer)
    trained = json.loads(trainer_tok.to_str())["model"]
    t_vocab = sorted(trained["vocab"].items(), key=lambda kv: kv[1])
    t_merges = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m)
                for m in trained["merges"]]
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab["<0x%02X>" % b] = 3 + b
    for piece, _ in t_vocab:
        if piece not in vocab:
            vocab[piece] = len(vocab)
    rank = {}
    for r, (a, b) in enumerate(t_merges):
        rank.setdefault(a + b, r)
    merges = []
    for piece in sorted(rank, key=lambda p: rank[p]):
        splits = [(piece[:k], piece[k:]) for k in range(1, len(piece))
                  if piece[:k] in vocab and piece[k:] in vocab]
        splits.sort(key=lambda ab: (vocab[ab[0]], vocab[ab[1]]))
        merges.extend(splits)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>", byte_fallback=True,
                               fuse_unk=True))
    if style == "spm_normalizer":  # Llama 2's tokenizer.json
        tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"),
                                               normalizers.Replace(" ", "\u2581")])
        tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(),
                                         decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    else:  # newer tokenizer.json files (Mistral): Metaspace pre-tokenizer, no split
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first",
                                                     split=False)
        tok.decoder = decoders.Sequence([decoders.Metaspace(replacement="\u2581",
                                                            prepend_scheme="first", split=False),
                                         decoders.ByteFallback(), decoders.Fuse()])
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False)
                            for s in ("<unk>", "<s>", "</s>")])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B",
                                                       special_tokens=[("<s>", 1)])
    cfg = dict(bos_token="<s>", eos_token="</s>", unk_token="<unk>", add_bos_token=True,
               add_eos_token=False, chat_template=INST,
               tokenizer_class="PreTrainedTokenizerFast")
    return tok, cfg


def make_tokenizer(spec):
    if spec["tok"] in ("llama3", "qwen2"):
        return byte_level_tokenizer(spec["tok"], spec["vocab"])
    return spm_like_tokenizer(spec["tok"], spec["vocab"])


# ---- models ----------------------------------------------------------------------------------

def make_config(spec, n_vocab, tok, tcfg):
    bos = tok.token_to_id(tcfg["bos_token"]) if tcfg.get("bos_token") else None
    eos = tok.token_to_id(tcfg["eos_token"])
    common = dict(vocab_size=n_vocab, hidden_size=spec["hidden"], intermediate_size=spec["ff"],
                  num_hidden_layers=spec["layers"], num_attention_heads=spec["heads"],
                  num_key_value_heads=spec["kv"], max_position_embeddings=spec["max_pos"],
                  rms_norm_eps=spec["eps"], rope_theta=spec["theta"],
                  tie_word_embeddings=spec["tied"], bos_token_id=bos, eos_token_id=eos,
                  hidden_act="silu", initializer_range=0.02)
    cls = {"llama": transformers.LlamaConfig, "mistral": transformers.MistralConfig,
           "qwen2": transformers.Qwen2Config}[spec["arch"]]
    if "rope_parameters" in inspect.signature(cls.__init__).parameters:  # transformers >= 5
        del common["rope_theta"]
        common["rope_parameters"] = dict(spec["rope_scaling"] or {"rope_type": "default"},
                                         rope_theta=spec["theta"])
    elif spec["rope_scaling"]:
        common["rope_scaling"] = spec["rope_scaling"]
    if spec["arch"] == "llama":
        return cls(attention_bias=False, mlp_bias=False, **common)
    if spec["arch"] == "mistral":
        return cls(sliding_window=None, **common)
    pad = tok.token_to_id(tcfg["pad_token"])
    return cls(use_sliding_window=False, sliding_window=None, pad_token_id=pad, **common)


def expected_inv_freq(spec):
    """RoPE inverse frequencies as the config asks for them (llama3: Llama 3.1's smoothing
    between the original and the scaled frequencies), computed here independently of
    transformers, to catch a config key that transformers silently ignored."""
    d = spec["hidden"] // spec["heads"]
    inv = 1.0 / spec["theta"] ** (np.arange(0, d, 2, dtype=np.float64) / d)
    rs = spec["rope_scaling"]
    if not rs:
        return inv
    factor, lo, hi = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
    orig = rs["original_max_position_embeddings"]
    out = []
    for f in inv:
        wavelen = 2 * math.pi / f
        if wavelen < orig / hi:
            out.append(f)
        elif wavelen > orig / lo:
            out.append(f / factor)
        else:
            smooth = (orig / wavelen - lo) / (hi - lo)
            out.append((1 - smooth) * f / factor + smooth * f)
    return np.array(out)


def check_rope(model, spec):
    rot = getattr(model.model, "rotary_emb", None)
    if rot is None or not hasattr(rot, "inv_freq"):
        log(f"[{spec['name']}] WARNING: no model.model.rotary_emb.inv_freq to check")
        return
    got = rot.inv_freq.detach().double().cpu().numpy()
    want = expected_inv_freq(spec)
    err = float(np.max(np.abs(got - want) / want))
    log(f"[{spec['name']}] rope inv_freq vs independent formula: max rel err {err:.2e}")
    if err > 1e-5:
        raise RuntimeError(f"{spec['name']}: rope frequencies {got} differ from {want}")


def train(model, ids, seed, device, steps=400, seq=48, batch=32, lr=3e-3):
    data = torch.tensor(ids, dtype=torch.long, device=device)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0, betas=(0.9, 0.95))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / 20) * 0.5 * (1 + math.cos(math.pi * s / steps)))
    model.train()
    first = last = None
    for step in range(steps):
        starts = torch.randint(0, len(ids) - seq - 1, (batch,), generator=gen)
        x = torch.stack([data[s:s + seq] for s in starts.tolist()])
        loss = model(input_ids=x, labels=x).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        if first is None:
            first = loss.item()
        last = loss.item()
    model.eval()
    return first, last


def rewrite_legacy_config(path):
    """Writes config.json with the keys most Hub models carry (rope_theta, rope_scaling) instead of
    transformers 5's rope_parameters, if that is what save_pretrained wrote."""
    with open(path) as f:
        cfg = json.load(f)
    rp = cfg.pop("rope_parameters", None)
    if rp is None:
        return False
    rp = dict(rp)
    cfg["rope_theta"] = rp.pop("rope_theta", cfg.get("rope_theta", 10000.0))
    cfg["rope_scaling"] = None if rp.get("rope_type", "default") == "default" else rp
    with open(path, "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    return True


def load_reference_model(folder):
    m = transformers.AutoModelForCausalLM.from_pretrained(folder, attn_implementation="eager")
    return m.to(device="cpu", dtype=torch.float64).eval()


@torch.no_grad()
def full_logits(model, ids):
    out = model(input_ids=torch.tensor([ids], dtype=torch.long))
    return out.logits[0].to(torch.float64)


@torch.no_grad()
def greedy(model, prompt_ids, n):
    ids = list(prompt_ids)
    for _ in range(n):
        logits = full_logits(model, ids)[-1]
        ids.append(int(torch.argmax(logits)))
    return ids[len(prompt_ids):]


@torch.no_grad()
def hidden_states(model, ids):
    """Embeddings, each decoder layer's output, final norm: by forward hooks (unambiguous across
    transformers versions)."""
    got = []

    def keep(_m, _i, out):
        t = out[0] if isinstance(out, (tuple, list)) else out
        got.append(t[0].detach().to(torch.float64).clone())

    inner = model.model
    hooks = [inner.embed_tokens.register_forward_hook(keep)]
    hooks += [layer.register_forward_hook(keep) for layer in inner.layers]
    hooks.append(inner.norm.register_forward_hook(keep))
    try:
        model(input_ids=torch.tensor([ids], dtype=torch.long))
    finally:
        for h in hooks:
            h.remove()
    return got


def render_chat(template, tcfg):
    import jinja2
    env = jinja2.Environment()
    return env.from_string(template).render(
        messages=[{"role": "user", "content": CHAT_USER}], add_generation_prompt=True,
        bos_token=tcfg.get("bos_token") or "", eos_token=tcfg.get("eos_token") or "")


def margins(logits_rows):
    top2 = torch.topk(logits_rows, 2, dim=-1).values
    scale = logits_rows.abs().max(dim=-1).values
    return ((top2[:, 0] - top2[:, 1]) / scale).tolist()


def build_one(spec, out_root, device):
    name = spec["name"]
    folder = os.path.join(out_root, name)
    os.makedirs(folder, exist_ok=True)
    tok, tcfg = make_tokenizer(spec)
    n_tok = tok.get_vocab_size(with_added_tokens=True)
    n_vocab = n_tok if spec["arch"] != "qwen2" else (n_tok + 31) // 32 * 32
    log(f"[{name}] tokenizer: {n_tok} tokens, model vocab {n_vocab}")
    tok.save(os.path.join(folder, "tokenizer.json"))
    tc = dict(tcfg)
    tc.update(model_max_length=spec["max_pos"], clean_up_tokenization_spaces=False)
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump(tc, f, indent=2, ensure_ascii=False)
        f.write("\n")

    train_ids = tok.encode(TEXT, add_special_tokens=False).ids
    config = make_config(spec, n_vocab, tok, tcfg)
    torch.manual_seed(spec["seed"])
    model = transformers.AutoModelForCausalLM.from_config(config).to(device=device,
                                                                    dtype=torch.float32)
    check_rope(model, spec)
    l0, l1 = train(model, train_ids, spec["seed"], device)
    log(f"[{name}] trained on {len(train_ids)} tokens: loss {l0:.3f} -> {l1:.3f}")
    model = model.to(device="cpu", dtype=getattr(torch, spec["dtype"]))
    model.save_pretrained(folder)
    cfg_path = os.path.join(folder, "config.json")
    with open(cfg_path) as f:
        saved_cfg = f.read()

    # The reference is the folder as saved, reloaded. (The in-memory model differs slightly:
    # Module.to(dtype) also rounded its rope inv_freq buffer to the storage dtype.)
    probe = train_ids[:40]
    ref = load_reference_model(folder)
    base = full_logits(ref, probe)
    diff = (base - full_logits(model.to(torch.float64).eval(), probe)).abs().max().item()
    log(f"[{name}] reloaded folder vs in-memory model: max |dlogit| {diff:.3g} (informative)")
    legacy = False
    if spec["legacy"] and rewrite_legacy_config(cfg_path):
        ref2 = load_reference_model(folder)
        diff = (full_logits(ref2, probe) - base).abs().max().item()
        log(f"[{name}] legacy config keys vs save_pretrained's: max |dlogit| {diff:.3g}")
        if diff > 1e-12:
            log(f"[{name}] the legacy config keys load differently: keeping save_pretrained's")
            with open(cfg_path, "w") as f:
                f.write(saved_cfg)
        else:
            ref, legacy = ref2, True
    check_rope(ref, spec)
    with open(cfg_path) as f:
        log(f"[{name}] config.json (legacy keys: {legacy}):\n{f.read()}")

    seqs = []
    texts = [(p, True) for p in PROMPTS] + [(render_chat(tcfg["chat_template"], tcfg), False)]
    for text, add_special in texts:
        ids = tok.encode(text, add_special_tokens=add_special).ids
        cont = greedy(ref, ids, N_CONT)
        all_ids = ids + cont
        logits = full_logits(ref, all_ids)
        steps = logits[len(ids) - 1:len(ids) - 1 + N_CONT]
        if [int(i) for i in torch.argmax(steps, dim=-1)] != cont:
            raise RuntimeError(f"{name}: teacher-forced argmax differs from the greedy loop")
        m = margins(steps)
        seqs.append(dict(text=text, add_special=add_special, ids=all_ids, n_prompt=len(ids),
                         logits=logits, min_margin=min(m)))
        log(f"[{name}] prompt {len(ids)} tokens, min top-1 margin {min(m):.4f}, "
            f"continuation: {tok.decode(cont, skip_special_tokens=False)!r}")
    try:  # cross-check with generate(); informative only
        p = seqs[1]
        g = ref.generate(torch.tensor([p["ids"][:p["n_prompt"]]]), max_new_tokens=N_CONT,
                         min_new_tokens=N_CONT, do_sample=False, eos_token_id=None,
                         pad_token_id=0)
        log(f"[{name}] generate() agrees with the greedy loop: "
            f"{g[0].tolist() == p['ids']}")
    except Exception as e:  # noqa: BLE001
        log(f"[{name}] generate() cross-check skipped: {e}")
    try:  # AutoTokenizer from the folder should agree with the raw tokenizer; informative only
        at = transformers.AutoTokenizer.from_pretrained(folder)
        ok = all(at(s["text"], add_special_tokens=s["add_special"])["input_ids"] ==
                 s["ids"][:s["n_prompt"]] for s in seqs)
        log(f"[{name}] AutoTokenizer agrees with tokenizer.json: {ok}")
    except Exception as e:  # noqa: BLE001
        log(f"[{name}] AutoTokenizer cross-check skipped: {e}")

    hs_seq = max(range(len(PROMPTS)), key=lambda i: seqs[i]["n_prompt"])
    hs = hidden_states(ref, seqs[hs_seq]["ids"][:seqs[hs_seq]["n_prompt"]])
    assert len(hs) == spec["layers"] + 2, len(hs)

    with open(os.path.join(folder, "reference.bin"), "wb") as f:
        f.write(b"AIPARITY")
        f.write(struct.pack("<6I", 1, n_vocab, spec["hidden"], spec["layers"], len(seqs), 0))
        for s in seqs:
            text = s["text"].encode("utf-8")
            f.write(struct.pack("<4I", len(text), s["n_prompt"], len(s["ids"]) - s["n_prompt"],
                                1 if s["add_special"] else 0))
            f.write(text)
            f.write(np.asarray(s["ids"], dtype="<i4").tobytes())
            f.write(s["logits"].numpy().astype("<f4").tobytes())
        f.write(struct.pack("<3I", hs_seq, seqs[hs_seq]["n_prompt"], len(hs)))
        for h in hs:
            f.write(h.numpy().astype("<f4").tobytes())
        f.write(b"AIPAREND")
    meta = dict(name=name, architecture=type(ref).__name__, storage_dtype=spec["dtype"],
                legacy_config_keys=bool(legacy), n_vocab=n_vocab, n_tokenizer=n_tok,
                seed=spec["seed"], train_loss=[l0, l1], hidden_state_seq=hs_seq,
                versions=dict(torch=torch.__version__, transformers=transformers.__version__,
                              tokenizers=tokenizers.__version__),
                sequences=[dict(text=s["text"], add_special=s["add_special"],
                                n_prompt=s["n_prompt"], ids=s["ids"],
                                min_top1_margin=s["min_margin"]) for s in seqs])
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump(meta, f, indent=1, ensure_ascii=False)
        f.write("\n")
    log(f"[{name}] done: {os.path.getsize(os.path.join(folder, 'reference.bin'))} bytes of reference")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="folder to write the model folders into")
    ap.add_argument("--only", default=None, help="comma-separated model names")
    args = ap.parse_args()
    log(f"torch {torch.__version__}, transformers {transformers.__version__}, "
        f"tokenizers {tokenizers.__version__}, cuda {torch.cuda.is_available()}")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = "cuda" if torch.cuda.is_available() else "cpu"
    os.makedirs(args.out, exist_ok=True)
    failed = []
    for spec in SPECS:
        if args.only and spec["name"] not in args.only.split(","):
            continue
        try:
            build_one(spec, args.out, device)
        except Exception:  # noqa: BLE001 -- report and go on with the other models
            traceback.print_exc()
            failed.append(spec["name"])
    if failed:
        log("FAILED: " + ", ".join(failed))
        return 1
    log("all fixtures written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
