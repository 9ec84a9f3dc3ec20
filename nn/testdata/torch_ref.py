#!/usr/bin/python3
"""PyTorch reference for nn/torch_test.go.

Usage: torch_ref.py DIR...

Each DIR holds what the Go test wrote: config.json and model.safetensors (a
checkpoint in the Hugging Face Llama/Qwen2/Qwen3 layout) and batch.json
({"seqs": [[tok, ...], ...], "start": [..], "temperature": T,
"entropy_coef": a, "value_coef": b}). This script rebuilds the same
architecture in plain PyTorch (no transformers package: embedding, RMSNorm,
rotate_half RoPE, grouped-query causal attention with optional q/k/v bias
(Qwen2), per-head q/k RMSNorm before RoPE (Qwen3), an explicit head_dim,
SwiGLU MLP, final norm, tied or untied LM head, optional value head on the
normed final hidden state), runs it in float64, and writes DIR/ref.safetensors
(F64) with

    logits.I      (T_I, V)  raw logits of sequence I at every position
    loss          ()        L = sum over scored positions of
                            -logp_T(tok) - a*H_T + b*value, divided by their count
    grad.NAME     (shape)   dL/dNAME for every tensor in model.safetensors

where logp_T and H_T are the log-probability and the entropy under
softmax(logits / T). The safetensors files are read and written with
struct + json + numpy, since the safetensors package is not installed.
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch

DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        arr = np.frombuffer(data[b:end], dtype=DTYPES[e["dtype"]]).reshape(e["shape"])
        out[name] = arr.copy()
    return header.get("__metadata__", {}), out


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy().astype("<f8"))
        b = a.tobytes()
        header[name] = {"dtype": "F64", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    js = json.dumps(header, separators=(",", ":")).encode("utf-8")
    js += b" " * ((8 - len(js) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def rmsnorm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def rope_cos_sin(T, hs, theta):
    # As transformers' LlamaRotaryEmbedding: inv_freq and the angles in
    # float32, duplicated across the two halves; cos/sin then taken in float64.
    inv_freq = 1.0 / (theta ** (torch.arange(0, hs, 2, dtype=torch.int64).float() / hs))
    t = torch.arange(T, dtype=torch.float32)
    freqs = torch.outer(t, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1).double()
    return emb.cos(), emb.sin()


def linear(x, p, name, bias=False):
    y = x @ p[name + ".weight"].T
    if bias:
        y = y + p[name + ".bias"]
    return y


def forward(cfg, p, tokens):
    """Returns (hidden after the final norm (T, C), logits (T, V)) for one sequence."""
    C = cfg["hidden_size"]
    NH = cfg["num_attention_heads"]
    NKV = cfg.get("num_key_value_heads", NH)
    HS = cfg.get("head_dim") or C // NH
    G = NH // NKV
    eps = cfg["rms_norm_eps"]
    qwen = cfg["model_type"] == "qwen2"
    qknorm = cfg["model_type"] == "qwen3"
    T = len(tokens)
    cos, sin = rope_cos_sin(T, HS, cfg["rope_theta"])
    x = p["model.embed_tokens.weight"][torch.tensor(tokens, dtype=torch.int64)]
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    for l in range(cfg["num_hidden_layers"]):
        pre = "model.layers.%d." % l
        h = rmsnorm(x, p[pre + "input_layernorm.weight"], eps)
        q = linear(h, p, pre + "self_attn.q_proj", qwen).view(T, NH, HS).transpose(0, 1)
        k = linear(h, p, pre + "self_attn.k_proj", qwen).view(T, NKV, HS).transpose(0, 1)
        v = linear(h, p, pre + "self_attn.v_proj", qwen).view(T, NKV, HS).transpose(0, 1)
        if qknorm:  # Qwen3: RMSNorm over each head vector, then RoPE
            q = rmsnorm(q, p[pre + "self_attn.q_norm.weight"], eps)
            k = rmsnorm(k, p[pre + "self_attn.k_norm.weight"], eps)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        # transformers' repeat_kv: kv head j serves query heads j*G .. j*G+G-1
        k = torch.repeat_interleave(k, G, dim=0)
        v = torch.repeat_interleave(v, G, dim=0)
        att = (q @ k.transpose(1, 2)) / math.sqrt(HS)
        att = att.masked_fill(mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(0, 1).reshape(T, NH * HS)
        x = x + linear(y, p, pre + "self_attn.o_proj")
        h = rmsnorm(x, p[pre + "post_attention_layernorm.weight"], eps)
        g = linear(h, p, pre + "mlp.gate_proj")
        u = linear(h, p, pre + "mlp.up_proj")
        x = x + linear(torch.nn.functional.silu(g) * u, p, pre + "mlp.down_proj")
    xf = rmsnorm(x, p["model.norm.weight"], eps)
    head = p["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else p["lm_head.weight"]
    return xf, xf @ head.T


def run(d):
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(d, "batch.json")) as f:
        batch = json.load(f)
    meta, arrays = read_safetensors(os.path.join(d, "model.safetensors"))
    assert meta.get("format") == "pt", meta
    arch = cfg["architectures"][0]
    assert arch == {"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM",
                    "qwen3": "Qwen3ForCausalLM"}[cfg["model_type"]], arch
    if cfg["tie_word_embeddings"]:
        assert "lm_head.weight" not in arrays, "tied checkpoint stores lm_head.weight"
    p = {n: torch.tensor(a, dtype=torch.float64, requires_grad=True) for n, a in arrays.items()}

    T_ = batch["temperature"]
    a, b = batch["entropy_coef"], batch["value_coef"]
    out, total, count = {}, 0.0, 0
    for i, (toks, start) in enumerate(zip(batch["seqs"], batch["start"])):
        xf, logits = forward(cfg, p, toks)
        out["logits.%d" % i] = logits
        # position t predicts token t+1; score tokens start .. T-1
        pred = torch.arange(start - 1, len(toks) - 1)
        tgt = torch.tensor(toks[start:], dtype=torch.int64)
        lp = torch.log_softmax(logits[pred] / T_, dim=-1)
        logp = lp.gather(1, tgt[:, None])[:, 0]
        ent = -(lp.exp() * lp).sum(-1)
        term = -logp - a * ent
        if b != 0:
            val = xf[pred] @ p["value_head.weight"][0] + p["value_head.bias"][0]
            term = term + b * val
        total = total + term.sum()
        count += len(toks) - start
    loss = total / count
    loss.backward()
    out["loss"] = loss
    for n, t in p.items():
        out["grad." + n] = t.grad
    write_safetensors(os.path.join(d, "ref.safetensors"), out)


if __name__ == "__main__":
    torch.set_num_threads(1)
    for d in sys.argv[1:]:
        run(d)
