"""Saves a transformers model as a sharded safetensors folder (model-0000N-of-0000M.safetensors +
model.safetensors.index.json + config.json + generation_config.json from a dict) in bf16, shards at most
max_bytes each, tied copies (lm_head / proj_out) left out as transformers does."""
import json
import os


def save_sharded(model, out, tied, generation, max_bytes=12 << 20):
    import torch
    from safetensors.torch import save_file
    sd = {k: v.detach().to(torch.bfloat16).contiguous().clone()
          for k, v in model.state_dict().items() if k not in tied}
    shards, cur, size = [], {}, 0
    for k in sorted(sd):
        nb = sd[k].numel() * sd[k].element_size()
        if cur and size + nb > max_bytes:
            shards.append(cur)
            cur, size = {}, 0
        cur[k] = sd[k]
        size += nb
    shards.append(cur)
    weight_map, total = {}, 0
    for i, sh in enumerate(shards):
        name = "model-%05d-of-%05d.safetensors" % (i + 1, len(shards))
        save_file(sh, os.path.join(out, name), metadata={"format": "pt"})
        for k, v in sh.items():
            weight_map[k] = name
            total += v.numel() * v.element_size()
    with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    model.config.architectures = [type(model).__name__]  # config.save_pretrained leaves it out
    model.config.save_pretrained(out)
    with open(os.path.join(out, "generation_config.json"), "w") as f:
        json.dump(generation, f, indent=2)
