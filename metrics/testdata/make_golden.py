#!/usr/bin/python3
"""Reference values for the metric tests, from the implementations the field trusts.

Run with Debian's Python and packages (apt-get install python3-scipy python3-skimage):
    /usr/bin/python3 metrics/testdata/make_golden.py > metrics/testdata/golden.json
`deno test` compares against golden.json; it never needs Python.
"""
import json
import sys

import numpy as np
import scipy
import skimage
from scipy import linalg
from skimage.metrics import structural_similarity

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from inputs import features, image_pair  # noqa: E402


def fid(mu1, s1, mu2, s2, eps=1e-6):
    """pytorch-fid's calculate_frechet_distance."""
    diff = mu1 - mu2
    covmean, _ = linalg.sqrtm(s1.dot(s2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(s1.shape[0]) * eps
        covmean = linalg.sqrtm((s1 + offset).dot(s2 + offset))
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


out = {"versions": {"numpy": np.__version__, "scipy": scipy.__version__, "skimage": skimage.__version__}, "ssim": [], "psnr": [], "fd": []}
for kind, h, w, c, seed in [("noise", 32, 32, 1, 1), ("gradient", 32, 32, 1, 2), ("noise", 24, 20, 3, 3), ("gradient", 16, 40, 3, 4), ("gradient", 11, 11, 1, 5)]:
    a, b = image_pair(kind, h, w, c, seed)
    kw = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0)
    if c == 1:
        s = structural_similarity(a[:, :, 0], b[:, :, 0], **kw)
    else:
        s = structural_similarity(a, b, channel_axis=2, **kw)
    out["ssim"].append({"kind": kind, "h": h, "w": w, "c": c, "seed": seed, "ssim": float(s)})
    mse = float(np.mean((a - b) ** 2))
    out["psnr"].append({"kind": kind, "h": h, "w": w, "c": c, "seed": seed, "psnr": 10 * np.log10(1 / mse)})
for kind, rows, dim, s1, s2 in [("uniform", 300, 8, 11, 12), ("correlated", 200, 16, 13, 14), ("correlated", 400, 32, 15, 16)]:
    x, y = features(kind, rows, dim, s1), features(kind, rows, dim, s2) * 1.1 + 0.05
    d = fid(x.mean(0), np.cov(x, rowvar=False), y.mean(0), np.cov(y, rowvar=False))
    out["fd"].append({"kind": kind, "rows": rows, "dim": dim, "seeds": [s1, s2], "scale": 1.1, "shift": 0.05, "fd": d})
json.dump(out, sys.stdout, indent=1)
print()
