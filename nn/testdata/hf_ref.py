#!/usr/bin/python3
"""Logits reference for nn/hf_real_test.go: real-size Hugging Face layouts.

Usage: hf_ref.py DIR...

Each DIR holds a checkpoint as a Hugging Face tool would ship it —
config.json plus model.safetensors, or shards named by
model.safetensors.index.json; F32 or BF16 tensors — and prompt.json
({"tokens": [...]}). The forward pass is torch_ref.py's plain-PyTorch
Llama/Qwen2/Qwen3 model (no transformers package), run in float64 without
gradients; it writes DIR/logits.safetensors with "logits" (T, V) in F64:
the raw logits at every prompt position.
"""
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_ref  # noqa: E402


def read_tensors(path):
    """Tensors of one safetensors file as float64 torch tensors (F32, BF16, F16, F64)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n).decode("utf-8"))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)  # no second copy of a 2 GB file
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        buf = data[b:end]
        if e["dtype"] == "BF16":
            # bfloat16 is the top half of a float32
            a = (buf.view("<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            a = buf.view({"F32": "<f4", "F16": "<f2", "F64": "<f8"}[e["dtype"]])
        out[name] = torch.from_numpy(a.reshape(e["shape"]).astype(np.float64))
    return header.get("__metadata__", {}), out


def read_checkpoint(d):
    single = os.path.join(d, "model.safetensors")
    if os.path.exists(single):
        files = [single]
    else:
        with open(os.path.join(d, "model.safetensors.index.json")) as f:
            files = sorted({os.path.join(d, s) for s in json.load(f)["weight_map"].values()})
    p = {}
    for path in files:
        meta, t = read_tensors(path)
        assert meta.get("format") == "pt", (path, meta)
        p.update(t)
    return p


def main():
    torch.set_num_threads(1)
    for d in sys.argv[1:]:
        with open(os.path.join(d, "config.json")) as f:
            cfg = json.load(f)
        with open(os.path.join(d, "prompt.json")) as f:
            toks = json.load(f)["tokens"]
        p = read_checkpoint(d)
        if cfg["tie_word_embeddings"]:
            assert "lm_head.weight" not in p, "tied checkpoint stores lm_head.weight"
        with torch.no_grad():
            _, logits = torch_ref.forward(cfg, p, toks)
        del p
        torch_ref.write_safetensors(os.path.join(d, "logits.safetensors"), {"logits": logits})


if __name__ == "__main__":
    main()
