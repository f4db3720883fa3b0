"""Deterministic test inputs, mirrored exactly by inputs.ts (same LCG, same float64 arithmetic)."""
import numpy as np


class Lcg:
    def __init__(self, seed):
        self.x = seed % 2147483647 or 1

    def u(self, n):
        out = np.empty(n)
        for i in range(n):
            self.x = (self.x * 48271) % 2147483647
            out[i] = self.x / 2147483647
        return out


def image_pair(kind, h, w, c, seed):
    """Two images in [0, 1], H x W x C, float64: a and a perturbed b."""
    g = Lcg(seed)
    n = h * w * c
    if kind == "noise":
        a = g.u(n)
    else:  # "gradient": a horizontal ramp plus 20% noise
        idx = np.arange(n)
        x = (idx // c) % w
        a = 0.8 * (x / (w - 1)) + 0.2 * g.u(n)
    b = np.clip(a + 0.2 * (g.u(n) - 0.5), 0, 1)
    return a.reshape(h, w, c), b.reshape(h, w, c)


def features(kind, rows, dim, seed):
    """rows x dim float64 features: i.i.d. uniform, or correlated (uniform @ mixing matrix)."""
    g = Lcg(seed)
    x = g.u(rows * dim).reshape(rows, dim)
    if kind == "correlated":
        m = g.u(dim * dim).reshape(dim, dim)
        y = np.zeros((rows, dim))
        for r in range(rows):  # explicit loop: the same summation order as inputs.ts
            for j in range(dim):
                s = 0.0
                for k in range(dim):
                    s += x[r, k] * m[k, j]
                y[r, j] = s
        x = y
    return x
