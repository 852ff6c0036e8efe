#!/usr/bin/env python3
"""Dev-only: writes Tests/ImagingTests/Fixtures/metrics/cases.json, the reference values for
Sources/Imaging/Metrics/ImageMetrics.swift.

Each case is a deterministic image pair (HWC, values in [0, 1]) and scikit-image's
L1 (mean absolute error), PSNR and SSIM for it, computed as

    structural_similarity(a, b, data_range=1, gaussian_weights=True, sigma=1.5,
                          use_sample_covariance=False, channel_axis=-1)
    peak_signal_noise_ratio(a, b, data_range=1)
    np.mean(np.abs(a - b))

Inputs are rounded (float cases: 3 decimals; "bytes" cases: uint8, compared as b / 255) before
the expected values are computed, so the committed JSON is exactly what was measured.
An infinite PSNR (identical images) is written as the string "inf".

Usage: python scripts/make_metric_fixtures.py   (needs numpy, scipy and scikit-image)
"""
import json
import math
import os
import sys

import numpy as np
from scipy import ndimage
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "ImagingTests", "Fixtures", "metrics", "cases.json")
DECIMALS = 3


def pattern(h, w, c, rng):
    """Smooth structure (gradients, a disc, a sinusoid) plus mild texture, in [0, 1]."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    planes = []
    for ch in range(c):
        g = 0.2 + 0.5 * (x / max(1, w - 1)) * (0.6 + 0.4 * ch / max(1, c - 1)) + 0.2 * (y / max(1, h - 1))
        disc = ((x - w * 0.55) ** 2 + (y - h * 0.45) ** 2) < (min(h, w) * 0.3) ** 2
        g = g + 0.25 * disc * (1 if ch % 2 == 0 else -1)
        g = g + 0.08 * np.sin(x * 0.9 + ch) * np.cos(y * 0.7)
        g = g + 0.03 * rng.standard_normal((h, w))
        planes.append(g)
    return np.clip(np.stack(planes, axis=-1), 0.0, 1.0)


def rounded(a):
    return np.round(np.clip(a, 0.0, 1.0), DECIMALS)


def metrics(a, b):
    ssim = structural_similarity(a, b, data_range=1, gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False, channel_axis=-1)
    with np.errstate(divide="ignore"):
        psnr = peak_signal_noise_ratio(a, b, data_range=1)
    l1 = float(np.mean(np.abs(a - b)))
    # per-channel SSIM, so a failure can be traced to one channel
    per_channel = [float(structural_similarity(a[..., k], b[..., k], data_range=1, gaussian_weights=True,
                                               sigma=1.5, use_sample_covariance=False))
                   for k in range(a.shape[-1])]
    return {"l1": l1, "psnr": "inf" if math.isinf(psnr) else float(psnr), "ssim": float(ssim),
            "ssim_per_channel": per_channel}


def float_case(name, note, a, b):
    a, b = rounded(a), rounded(b)
    h, w, c = a.shape
    case = {"name": name, "note": note, "kind": "float", "height": h, "width": w, "channels": c,
            "a": [float(v) for v in a.reshape(-1)], "b": [float(v) for v in b.reshape(-1)]}
    case.update(metrics(a, b))
    return case


def bytes_case(name, note, a, b):
    a8 = np.clip(np.rint(a * 255), 0, 255).astype(np.uint8)
    b8 = np.clip(np.rint(b * 255), 0, 255).astype(np.uint8)
    h, w, c = a8.shape
    case = {"name": name, "note": note, "kind": "bytes", "height": h, "width": w, "channels": c,
            "a": [int(v) for v in a8.reshape(-1)], "b": [int(v) for v in b8.reshape(-1)]}
    case.update(metrics(a8.astype(np.float64) / 255.0, b8.astype(np.float64) / 255.0))
    return case


def main():
    rng = np.random.default_rng(20240611)
    cases = []

    a = pattern(16, 16, 1, rng)
    cases.append(float_case("gray_noise_16x16", "additive Gaussian noise sigma 0.05, clipped",
                            a, a + 0.05 * rng.standard_normal(a.shape)))

    a = pattern(24, 20, 3, rng)
    cases.append(float_case("rgb_blur_24x20", "Gaussian blur sigma 1.2 per channel (non-square)",
                            a, ndimage.gaussian_filter(a, sigma=(1.2, 1.2, 0), mode="nearest")))

    a = pattern(32, 32, 3, rng)
    cases.append(float_case("rgb_shift_32x32", "shifted by (1, 2) pixels with wrap-around",
                            a, np.roll(a, shift=(1, 2), axis=(0, 1))))

    a = pattern(11, 13, 3, rng)
    cases.append(float_case("rgb_minimal_11x13", "smallest height SSIM accepts: one cropped row",
                            a, 1.0 - a))

    a = np.full((14, 12, 1), 0.5)
    cases.append(float_case("gray_flat_vs_noise_14x12", "a flat image against slight noise (C1/C2 dominate)",
                            a, a + 0.01 * rng.standard_normal(a.shape)))

    a = pattern(12, 14, 3, rng)
    cases.append(float_case("rgb_identical_12x14", "identical images: L1 0, PSNR inf, SSIM 1", a, a.copy()))

    a = pattern(20, 18, 3, rng)
    cases.append(bytes_case("rgb_bytes_jpeglike_20x18", "uint8 images compared as b / 255",
                            a, a + 0.04 * rng.standard_normal(a.shape) + 0.02))

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    doc = {"generator": "scripts/make_metric_fixtures.py",
           "reference": "skimage.metrics structural_similarity(data_range=1, gaussian_weights=True, sigma=1.5, "
                        "use_sample_covariance=False, channel_axis=-1); peak_signal_noise_ratio(data_range=1); "
                        "mean(|a - b|)",
           "layout": "HWC row-major; kind float: values in [0, 1]; kind bytes: uint8, metrics on b / 255",
           "cases": cases}
    text = json.dumps(doc, separators=(",", ":"))
    tmp = OUT + ".tmp"
    with open(tmp, "w") as f:
        f.write(text + "\n")
    os.replace(tmp, OUT)
    print(f"wrote {OUT} ({len(text)} bytes, {len(cases)} cases)", file=sys.stderr)
    for c in cases:
        print(f"  {c['name']}: l1 {c['l1']:.6f} psnr {c['psnr']} ssim {c['ssim']:.6f}", file=sys.stderr)


if __name__ == "__main__":
    main()
