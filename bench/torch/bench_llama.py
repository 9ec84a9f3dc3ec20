#!/usr/bin/python3
"""PyTorch peer of `rltrain bench train` and `rltrain bench generate`.

Builds the same Llama architecture as rltrain's nn package in plain torch
(token embedding, RMSNorm, rotate-half RoPE, causal multi-head attention,
SwiGLU MLP, final RMSNorm, LM head tied to the embedding), randomly
initialised (N(0, 0.02^2) matrices, norm weights 1), and times:

  train     one step = forward over batch x (seq-1) rows of random tokens,
            next-token cross-entropy, backward, grad-norm clip to 1, AdamW;
            tok/s counts batch x seq tokens per step (as rltrain does);
  generate  batch random prompts of PROMPT_LEN tokens, prefill in one
            forward, then NEW_TOKENS tokens with a preallocated KV cache,
            sampling at T=1 (or greedy) over the full vocabulary, no stop
            tokens; tok/s counts the generated tokens, prefill included.

Each invocation runs ONE measurement (so ru_maxrss is its own peak RSS) and
prints one TSV line in rltrain's format:

  kind config threads batch seq tok_s peak_rss_mb expected_mb

(expected_mb is 0: the estimate is rltrain's). Lines starting with '#' say
which torch, BLAS library (the one actually mapped into this process, read
from /proc/self/maps) and thread settings were used.

Usage: bench_llama.py {train|generate} CONFIG THREADS BATCH
         [--seq N] [--prompt-len 32] [--new-tokens 128] [--greedy]
         [--min-time 2] [--min-reps 2] [--seed 1]
       bench_llama.py info

Run it with Debian's /usr/bin/python3 (python3-torch). To get the OpenMP
OpenBLAS whatever the libblas.so.3 alternative says, put
/usr/lib/x86_64-linux-gnu/openblas-openmp first on LD_LIBRARY_PATH
(scripts/bench-model-compare.sh does) and set OMP_NUM_THREADS=THREADS.
"""

import argparse
import math
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {
    # name: (vocab, dim, layers, heads, ffn, max_seq)
    "S": (512, 256, 4, 4, 688, 256),
    "M": (2048, 512, 8, 8, 1376, 512),
    "T": (64, 32, 2, 2, 64, 64),
}
DEFAULT_TRAIN_BATCH = {"S": 8, "M": 4, "T": 2}
ROPE_THETA = 10000.0
NORM_EPS = 1e-5


class RMSNorm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + NORM_EPS) * self.weight


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def rope_tables(head_size, max_seq):
    inv = 1.0 / (ROPE_THETA ** (torch.arange(0, head_size, 2, dtype=torch.float32) / head_size))
    t = torch.arange(max_seq, dtype=torch.float32)
    f = torch.outer(t, inv)
    emb = torch.cat((f, f), dim=-1)
    return emb.cos(), emb.sin()  # (max_seq, head_size)


class Block(nn.Module):
    def __init__(self, dim, heads, ffn):
        super().__init__()
        self.heads, self.hs = heads, dim // heads
        self.input_layernorm = RMSNorm(dim)
        self.q_proj = nn.Linear(dim, dim, bias=False)
        self.k_proj = nn.Linear(dim, dim, bias=False)
        self.v_proj = nn.Linear(dim, dim, bias=False)
        self.o_proj = nn.Linear(dim, dim, bias=False)
        self.post_attention_layernorm = RMSNorm(dim)
        self.gate_proj = nn.Linear(dim, ffn, bias=False)
        self.up_proj = nn.Linear(dim, ffn, bias=False)
        self.down_proj = nn.Linear(ffn, dim, bias=False)

    def forward(self, x, cos, sin, cache=None, pos=0):
        """x: (B, T, C); cos/sin: (T, HS) for positions pos..pos+T-1;
        cache: (k, v) tensors (B, NH, maxLen, HS) filled at [pos, pos+T)."""
        B, T, C = x.shape
        h = self.input_layernorm(x)
        q = self.q_proj(h).view(B, T, self.heads, self.hs).transpose(1, 2)
        k = self.k_proj(h).view(B, T, self.heads, self.hs).transpose(1, 2)
        v = self.v_proj(h).view(B, T, self.heads, self.hs).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            ck, cv = cache
            ck[:, :, pos:pos + T] = k
            cv[:, :, pos:pos + T] = v
            k, v = ck[:, :, :pos + T], cv[:, :, :pos + T]
        att = (q @ k.transpose(-2, -1)) / math.sqrt(self.hs)
        if T > 1:
            S = k.shape[2]
            mask = torch.ones(T, S, dtype=torch.bool).tril(diagonal=S - T)
            att = att.masked_fill(~mask, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        x = x + self.o_proj(y)
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class Llama(nn.Module):
    def __init__(self, vocab, dim, layers, heads, ffn, max_seq):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, dim)
        self.layers = nn.ModuleList(Block(dim, heads, ffn) for _ in range(layers))
        self.norm = RMSNorm(dim)
        cos, sin = rope_tables(dim // heads, max_seq)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        for name, p in self.named_parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, tokens, caches=None, pos=0):
        T = tokens.shape[1]
        cos, sin = self.cos[pos:pos + T], self.sin[pos:pos + T]
        x = self.embed_tokens(tokens)
        for i, layer in enumerate(self.layers):
            x = layer(x, cos, sin, None if caches is None else caches[i], pos)
        return self.norm(x) @ self.embed_tokens.weight.t()  # tied LM head


def blas_library():
    """The BLAS/OpenBLAS shared objects mapped into this process."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.split()[-1]
                base = os.path.basename(p)
                if "blas" in base or "lapack" in base:
                    libs.add(os.path.realpath(p))
    except OSError:
        return "unknown"
    return ",".join(sorted(libs)) or "none mapped"


def time_reps(fn, min_time, min_reps):
    fn()  # warm-up
    start = time.perf_counter()
    reps = 0
    while reps < min_reps or time.perf_counter() - start < min_time:
        fn()
        reps += 1
    return time.perf_counter() - start, reps


def bench_train(model, cfg, batch, seq, args, gen):
    vocab = cfg[0]
    tokens = torch.randint(0, vocab, (batch, seq), generator=gen)
    x, y = tokens[:, :-1], tokens[:, 1:]
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0)

    def step():
        opt.zero_grad(set_to_none=True)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    secs, reps = time_reps(step, args.min_time, args.min_reps)
    return batch * seq * reps / secs


@torch.inference_mode()
def bench_generate(model, cfg, batch, args, gen):
    vocab, dim, layers, heads, _, _ = cfg
    hs = dim // heads
    max_len = args.prompt_len + args.new_tokens
    prompts = torch.randint(0, vocab, (batch, args.prompt_len), generator=gen)
    caches = [(torch.empty(batch, heads, max_len, hs), torch.empty(batch, heads, max_len, hs)) for _ in range(layers)]
    out = torch.empty(batch, args.new_tokens, dtype=torch.long)

    def pick(logits):
        if args.greedy:
            return logits.argmax(-1, keepdim=True)
        return torch.multinomial(F.softmax(logits, dim=-1), 1, generator=gen)

    def run():
        logits = model(prompts, caches, 0)[:, -1]
        pos = args.prompt_len
        for j in range(args.new_tokens):
            tok = pick(logits)
            out[:, j:j + 1] = tok
            if j + 1 == args.new_tokens:
                break
            logits = model(tok, caches, pos)[:, -1]
            pos += 1

    secs, reps = time_reps(run, args.min_time, args.min_reps)
    return batch * args.new_tokens * reps / secs


def info():
    print(f"# torch {torch.__version__} from {os.path.dirname(torch.__file__)}")
    for line in torch.__config__.parallel_info().splitlines():
        if line.strip():
            print("# " + line.strip())
    show = torch.__config__.show()
    for key in ("BLAS_INFO", "LAPACK_INFO", "USE_MKLDNN", "USE_OPENMP", "CPU capability"):
        i = show.find(key)
        if i >= 0:
            print("# " + show[i:].split(",")[0].split("\n")[0].strip())
    torch.ones(64, 64) @ torch.ones(64, 64)  # make sure the BLAS is loaded
    print(f"# BLAS mapped: {blas_library()}")
    print(f"# LD_LIBRARY_PATH={os.environ.get('LD_LIBRARY_PATH', '')} OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '')}")


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "info":
        info()
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("kind", choices=["train", "generate"])
    ap.add_argument("config", choices=sorted(CONFIGS))
    ap.add_argument("threads", type=int)
    ap.add_argument("batch", type=int, nargs="?", default=0, help="0 = 8 for S, 4 for M (train); 16 (generate)")
    ap.add_argument("--seq", type=int, default=0, help="training sequence length; 0 = the config's max")
    ap.add_argument("--prompt-len", type=int, default=32)
    ap.add_argument("--new-tokens", type=int, default=128)
    ap.add_argument("--greedy", action="store_true")
    ap.add_argument("--min-time", type=float, default=2.0)
    ap.add_argument("--min-reps", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.threads < 1:
        ap.error(f"threads {args.threads}: must be >= 1")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    cfg = CONFIGS[args.config]
    model = Llama(*cfg)
    if args.kind == "train":
        batch = args.batch or DEFAULT_TRAIN_BATCH[args.config]
        seq = args.seq or cfg[5]
        if not 2 <= seq <= cfg[5]:
            ap.error(f"--seq {seq}: config {args.config} needs 2 <= seq <= {cfg[5]}")
        tok_s = bench_train(model, cfg, batch, seq, args, gen)
    else:
        batch = args.batch or 16
        seq = args.new_tokens
        if args.prompt_len + args.new_tokens > cfg[5]:
            ap.error(f"--prompt-len + --new-tokens exceed config {args.config}'s {cfg[5]} positions")
        tok_s = bench_generate(model, cfg, batch, args, gen)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"# torch {torch.__version__} threads={torch.get_num_threads()} blas={blas_library()}")
    print(f"{args.kind}\t{args.config}\t{args.threads}\t{batch}\t{seq}\t{tok_s:.1f}\t{rss_mb:.1f}\t0")


if __name__ == "__main__":
    main()
