#!/usr/bin/python3
"""PyTorch reference for the latent DiT in bench/tokenizer.ts: the same architecture and training step.

Builds the identical model as models/dit.ts (linear latent embedding, sinusoidal timestep MLP, class table with a
"no class" row, adaLN-Zero blocks with parameter-free LayerNorm, q/k/v without bias, 3D axial RoPE with the same t/h/w
split, SwiGLU int(2.67 w), final adaLN + linear) and times full training steps (epsilon MSE at random timesteps of the
linear-beta schedule; AdamW 0.9/0.95, weight decay 1e-4 on matrices, clip 1.0; EMA 0.999), fp32 and bf16 autocast.

Usage (Debian python3-torch): /usr/bin/python3 bench/torch_dit.py CONFIG_JSON STEPS BATCH [fp32,bf16 [THREADS]]
Prints one JSON line per precision, like bench/torch_vitok.py.
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_vitok import adamw, main, rope_attention, rope_tables, timed  # noqa: E402  (same attention, timing, output)


def plain_norm(x):
    return F.layer_norm(x.float(), x.shape[-1:], eps=1e-6)


def modulate(x, shift, scale):
    return x * (1 + scale[:, None]) + shift[:, None]


class DiTBlock(nn.Module):
    def __init__(self, w, heads, hidden):
        super().__init__()
        self.h = heads
        self.q = nn.Linear(w, w, bias=False)
        self.k = nn.Linear(w, w, bias=False)
        self.v = nn.Linear(w, w, bias=False)
        self.proj = nn.Linear(w, w)
        self.gate = nn.Linear(w, hidden)
        self.up = nn.Linear(w, hidden)
        self.down = nn.Linear(hidden, w)
        self.ada = nn.Linear(w, 6 * w)

    def forward(self, x, c, rope):
        sh1, sc1, g1, sh2, sc2, g2 = self.ada(c).chunk(6, -1)
        x = x + g1[:, None] * rope_attention(self, modulate(plain_norm(x), sh1, sc1), rope)
        h = modulate(plain_norm(x), sh2, sc2)
        return x + g2[:, None] * self.down(F.silu(self.gate(h)) * self.up(h))


class DiT(nn.Module):
    def __init__(self, c):
        super().__init__()
        s, w = c["size"], c["size"]["width"]
        self.grid = c["grid"]
        self.L = self.grid[0] * self.grid[1] * self.grid[2]
        self.ch = c["channels"]
        self.freq = c["freqDim"]
        self.embed = nn.Linear(self.ch, w)
        self.t1, self.t2 = nn.Linear(self.freq, w), nn.Linear(w, w)
        self.y = nn.Linear(c["classes"] + 1, w, bias=False)
        self.classes = c["classes"]
        self.blocks = nn.ModuleList([DiTBlock(w, s["heads"], int(w * c["mlpRatio"])) for _ in range(s["depth"])])
        self.final_ada = nn.Linear(w, 2 * w)
        self.head = nn.Linear(w, self.ch)
        self.rope = rope_tables(self.grid, w // s["heads"])

    def t_features(self, t):
        half = self.freq // 2
        f = torch.exp(-math.log(10000) * torch.arange(half) / half)
        a = t[:, None].float() * f[None]
        return torch.cat([a.cos(), a.sin()], -1)

    def forward(self, x, t, y):
        te = self.t1(self.t_features(t))
        cond = self.t2(F.silu(te)) + self.y(F.one_hot(y, self.classes + 1).float())
        c = F.silu(cond)
        h = self.embed(x)
        for b in self.blocks:
            h = b(h, c, self.rope)
        shift, scale = self.final_ada(c).chunk(2, -1)
        return self.head(modulate(plain_norm(h), shift, scale))


def run(cfg, steps, batch, bf16):
    torch.manual_seed(0)
    model = DiT(cfg)
    opt = adamw(model)
    betas = torch.linspace(cfg["betaStart"], cfg["betaEnd"], cfg["timesteps"], dtype=torch.float64)
    ab = torch.cumprod(1 - betas, 0).float()
    x0 = torch.randn(batch, model.L, model.ch)
    ema = [p.detach().clone() for p in model.parameters()]

    def step():
        opt.zero_grad(set_to_none=True)
        t = torch.randint(0, cfg["timesteps"], (batch,))
        y = torch.randint(0, cfg["classes"] + 1, (batch,))
        eps = torch.randn_like(x0)
        xt = ab[t].sqrt()[:, None, None] * x0 + (1 - ab[t]).sqrt()[:, None, None] * eps
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = F.mse_loss(model(xt, t, y).float(), eps)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        with torch.no_grad():  # the EMA of the sampling weights, as the dit stage keeps it
            for e, p in zip(ema, model.parameters()):
                e.mul_(0.999).add_(p, alpha=0.001)
        return loss.item()

    return timed(step, steps, bf16, model)


if __name__ == "__main__":
    main(run)
