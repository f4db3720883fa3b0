#!/usr/bin/python3
"""PyTorch reference for bench/tokenizer.ts: the same ViTok architecture and training step.

Builds the identical model (tubelet linear embedding, pre-norm LayerNorm blocks, q/k/v without bias, 3D axial RoPE
with the same t/h/w split, SwiGLU int(2.67 w), KL bottleneck with separate mean/logvar heads, linear head; MSE + 1e-3 KL;
AdamW 0.9/0.95, weight decay 1e-4 on matrices, clip 1.0) and times full training steps, fp32 and bf16 autocast.

Usage (Debian python3-torch): /usr/bin/python3 bench/torch_vitok.py CONFIG_JSON STEPS BATCH [fp32,bf16 [THREADS]]
Prints one JSON line per precision. Set OPENBLAS_CORETYPE / OPENBLAS_NUM_THREADS / torch threads from outside, as
../shared/cpu-engine-notes.md says, for a fair reference.
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def axis_dims(d):
    hw = 2 * (d // 6)
    return [d - 2 * hw, hw, hw]


def rope_tables(grid, d, theta=10000.0):
    gt, gh, gw = grid
    dims = axis_dims(d)
    ang = torch.zeros(gt * gh * gw, d)
    for l in range(gt * gh * gw):
        pos = [l // (gh * gw), (l // gw) % gh, l % gw]
        o = 0
        for a in range(3):
            half = dims[a] // 2
            for k in range(half):
                v = pos[a] * theta ** (-2 * k / dims[a])
                ang[l, o + k] = v
                ang[l, o + half + k] = v
            o += dims[a]
    rot = torch.zeros(d, d)
    o = 0
    for dd in dims:
        half = dd // 2
        for j in range(half):
            rot[o + j + half, o + j] = -1
            rot[o + j, o + j + half] = 1
        o += dd
    return ang.cos(), ang.sin(), rot


class Block(nn.Module):
    def __init__(self, w, heads, hidden):
        super().__init__()
        self.h = heads
        self.n1 = nn.LayerNorm(w, eps=1e-6)
        self.q = nn.Linear(w, w, bias=False)
        self.k = nn.Linear(w, w, bias=False)
        self.v = nn.Linear(w, w, bias=False)
        self.proj = nn.Linear(w, w)
        self.n2 = nn.LayerNorm(w, eps=1e-6)
        self.gate = nn.Linear(w, hidden)
        self.up = nn.Linear(w, hidden)
        self.down = nn.Linear(hidden, w)

    def forward(self, x, rope):
        h = self.n1(x.float())  # norms in fp32 (autocast leaves LayerNorm to its input dtype on CPU)
        x = x + rope_attention(self, h, rope)
        h = self.n2(x.float())
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


def rope_attention(m, h, rope):
    """Multi-head self-attention with RoPE on q and k, through module m's q/k/v/proj layers and m.h heads."""
    cos, sin, rot = rope
    B, L, C = h.shape
    D = C // m.h
    split = lambda t: t.view(B, L, m.h, D).transpose(1, 2)
    q, k, v = split(m.q(h)), split(m.k(h)), split(m.v(h))
    cos, sin, rot = cos.to(q.dtype), sin.to(q.dtype), rot.to(q.dtype)
    q = q * cos + (q @ rot) * sin
    k = k * cos + (k @ rot) * sin
    att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(D), -1)
    return m.proj((att @ v).transpose(1, 2).reshape(B, L, C))


class ViTok(nn.Module):
    def __init__(self, c):
        super().__init__()
        p, q = c["patch"], c["tubelet"]
        self.grid = [c["frames"] // q, c["size"] // p, c["size"] // p]
        self.L = self.grid[0] * self.grid[1] * self.grid[2]
        self.pd = q * p * p * c["channels"]
        e, d = c["encoder"], c["decoder"]
        hid = lambda w: int(w * c["mlpRatio"])
        self.embed = nn.Linear(self.pd, e["width"])
        self.enc = nn.ModuleList([Block(e["width"], e["heads"], hid(e["width"])) for _ in range(e["depth"])])
        self.enc_norm = nn.LayerNorm(e["width"], eps=1e-6)
        self.mean = nn.Linear(e["width"], c["codeWidth"])
        self.logvar = nn.Linear(e["width"], c["codeWidth"])
        self.from_code = nn.Linear(c["codeWidth"], d["width"])
        self.dec = nn.ModuleList([Block(d["width"], d["heads"], hid(d["width"])) for _ in range(d["depth"])])
        self.dec_norm = nn.LayerNorm(d["width"], eps=1e-6)
        self.head = nn.Linear(d["width"], self.pd)
        self.rope_e = [t for t in rope_tables(self.grid, e["width"] // e["heads"])]
        self.rope_d = [t for t in rope_tables(self.grid, d["width"] // d["heads"])]

    def forward(self, tokens, noise):
        h = self.embed(tokens)
        for b in self.enc:
            h = b(h, self.rope_e)
        h = self.enc_norm(h.float())
        mean, logvar = self.mean(h), self.logvar(h).clamp(-30, 20)
        z = mean + torch.exp(0.5 * logvar) * noise
        g = self.from_code(z)
        for b in self.dec:
            g = b(g, self.rope_d)
        out = self.head(self.dec_norm(g.float())).float()
        recon = F.mse_loss(out, tokens)
        mean, logvar = mean.float(), logvar.float()
        kl = 0.5 * torch.mean(mean ** 2 + logvar.exp() - 1 - logvar)
        return recon + 1e-3 * kl


def adamw(model):
    """AdamW as our stages set it: betas 0.9/0.95, weight decay 1e-4 on matrices only."""
    decay = [p for p in model.parameters() if p.dim() > 1]
    rest = [p for p in model.parameters() if p.dim() <= 1]
    return torch.optim.AdamW([{"params": decay, "weight_decay": 1e-4}, {"params": rest, "weight_decay": 0}], lr=1e-4, betas=(0.9, 0.95))


def run(cfg, steps, batch, bf16):
    torch.manual_seed(0)
    model = ViTok(cfg)
    opt = adamw(model)
    x = torch.rand(batch, model.L, model.pd) * 2 - 1
    noise_shape = (batch, model.L, cfg["codeWidth"])

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = model(x, torch.randn(noise_shape))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    return timed(step, steps, bf16, model)


def timed(step, steps, bf16, model):
    """Times `steps` calls of `step` after one warm-up; the result line bench/tokenizer.ts reads."""
    step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    ms = sorted(times)[len(times) // 2]  # median: robust to the noise of shared machines
    return {"precision": "bf16-autocast" if bf16 else "fp32", "msPerStep": ms, "stepsPerSec": 1000 / ms, "threads": torch.get_num_threads(), "torch": torch.__version__,
            "params": sum(p.numel() for p in model.parameters())}


def main(run):
    """Reads CONFIG_JSON STEPS BATCH [PRECISIONS [THREADS]] from argv and prints one JSON line per precision.

    PRECISIONS: comma-separated fp32 and/or bf16 (bf16 autocast), default both; THREADS: torch's intra-op
    threads (the caller sets OPENBLAS_NUM_THREADS to match), default torch's own choice.
    """
    cfg, steps, batch = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    precisions = sys.argv[4].split(",") if len(sys.argv) > 4 else ["fp32", "bf16"]
    if len(sys.argv) > 5:
        torch.set_num_threads(int(sys.argv[5]))
    for bf16 in [p == "bf16" for p in precisions]:
        try:
            print(json.dumps(run(cfg, steps, batch, bf16)), flush=True)
        except Exception as e:  # bf16 autocast may be unsupported on old CPUs
            print(json.dumps({"precision": "bf16-autocast" if bf16 else "fp32", "error": str(e)}), flush=True)


if __name__ == "__main__":
    main(run)
