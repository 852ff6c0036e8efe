#!/usr/bin/env python3
"""Derives the Winograd matrices of our kernels and compares interpolation points. Dev-only.

    python3 scripts/winograd_matrices.py             # 4×4 kernels (winograd_tile.h); needs numpy
    python3 scripts/winograd_matrices.py --kernel 2  # 2×2 kernels: the stride-2 phases (winograd_s2.c)

For interpolation points p0..p(n−2) and ∞ (Toom-Cook), Aᵀ and G follow from the points; Bᵀ is solved
from the bilinear identity Σ_t A[t][i]·G[t][k]·Bᵀ[t][j] = [j == i + k] (exact: the residual is
printed). For each candidate point set it prints the fp32 error of one n×n tile against float64
direct correlation.

4×4 kernels: F(2×2, 4×4) uses (0, 1, −1, ½) (tied best with (0, 1, −1, −2), ~3e-6 worst, 4e-7
mean, and with a Bᵀ of halves), F(3×3, 4×4) uses (0, 1, −1, 2, −½) (2.4e-6 worst, 5.4e-7 mean),
F(4×4, 4×4) uses (0, 1, −1, 2, −½, −2) (4.1e-6 worst, 1.2e-6 mean; the other sets 4.1–7.9e-6 worst).
2×2 kernels (each input phase of a 4×4 stride-2 layer): F(3×3, 2×2) with (0, 1, −1) is what
winograd_s2.c interpolates at (~3e-7 worst, 1e-7 mean; its matrices differ from these by signs
(the Bᵀ solved here absorbs them)); F(4×4, 2×2), the candidate for fewer products per
output (25 per 16 instead of 16 per 9) and no padding at power-of-two sides: best with
(0, 1, −1, −2), 1.8e-6 worst and 4.0e-7 mean (the other sets 2.9–5.1e-6 worst), the class of the
4×4-kernel ones above.
"""
from fractions import Fraction

import numpy as np


def matrices(points, m=2, r=4):
    n = m + r - 1
    pts = [Fraction(p) for p in points]
    a = [[p ** j for j in range(m)] for p in pts] + [[Fraction(0)] * (m - 1) + [Fraction(1)]]
    g = []
    for i, p in enumerate(pts):
        f = Fraction(1)
        for k, q in enumerate(pts):
            if k != i:
                f *= p - q
        g.append([p ** j / f for j in range(r)])
    g.append([Fraction(0)] * (r - 1) + [Fraction(1)])
    rows, rhs = [], []
    for i in range(m):
        for k in range(r):
            for j in range(n):
                row = [0.0] * (n * n)
                for t in range(n):
                    row[t * n + j] = float(a[t][i] * g[t][k])
                rows.append(row)
                rhs.append(1.0 if j == i + k else 0.0)
    system, target = np.array(rows), np.array(rhs)
    solution = np.linalg.lstsq(system, target, rcond=None)[0]
    residual = np.abs(system @ solution - target).max()
    return np.array(a, dtype=float).T, np.array(g, dtype=float), solution.reshape(n, n), residual


def tile_error(at, g, bt, trials=200):
    m, r = at.shape[0], g.shape[1]
    n = m + r - 1
    rng = np.random.default_rng(0)
    worst, total = 0.0, 0.0
    at32, g32, bt32 = at.astype(np.float32), g.astype(np.float32), bt.astype(np.float32)
    for _ in range(trials):
        d = rng.standard_normal((n, n)).astype(np.float32)
        w = rng.standard_normal((r, r)).astype(np.float32)
        ref = np.array([[(d[i:i + r, j:j + r].astype(np.float64) * w).sum() for j in range(m)] for i in range(m)])
        y = at32 @ ((g32 @ w @ g32.T) * (bt32 @ d @ bt32.T)) @ at32.T
        err = np.abs(y - ref).max() / np.abs(ref).max()
        worst, total = max(worst, err), total + err
    return worst, total / trials


if __name__ == "__main__":
    import sys

    r = 2 if sys.argv[1:] == ["--kernel", "2"] else 4
    if r == 4:
        candidates = {
            2: [(0, 1, -1, 2), (0, 1, -1, 0.5), (0, 1, -1, -2), (0, 0.5, -0.5, 1), (0, 1, -1, -0.5), (0, 2, -2, 1)],
            3: [(0, 1, -1, 0.5, -0.5), (0, 1, -1, 2, -2), (0, 1, -1, 2, 0.5), (0, 1, -1, -2, 0.5), (0, 1, -1, 0.5, -2),
                (0, 1, -1, 2, -0.5)],
            4: [(0, 1, -1, 2, -2, 0.5), (0, 1, -1, 2, -0.5, 0.5), (0, 1, -1, 0.5, -0.5, 2), (0, 1, -1, 2, -2, -0.5),
                (0, 1, -1, 0.5, -0.5, -2), (0, 1, -1, 2, -0.5, -2), (0, 1, -1, 0.5, -2, -0.5)],
        }
        chosen = {2: (0, 1, -1, 0.5), 3: (0, 1, -1, 2, -0.5), 4: (0, 1, -1, 2, -0.5, -2)}
    else:
        candidates = {
            3: [(0, 1, -1), (0, 1, 0.5), (0, 1, -1 / 2)],
            4: [(0, 1, -1, 2), (0, 1, -1, 0.5), (0, 1, -1, -2), (0, 1, -1, -0.5), (0, 0.5, -0.5, 1)],
        }
        chosen = {3: (0, 1, -1), 4: (0, 1, -1, -2)}
    np.set_printoptions(precision=6, suppress=True)
    for m, sets in candidates.items():
        for points in sets:
            at, g, bt, residual = matrices(points, m=m, r=r)
            worst, mean = tile_error(at, g, bt)
            print(f"F({m}x{m}, {r}x{r}) points {points}: residual {residual:.1e}, fp32 relative error max {worst:.2e} mean {mean:.2e}")
        at, g, bt, _ = matrices(chosen[m], m=m, r=r)
        print(f"F({m}x{m}, {r}x{r}) with {chosen[m]}:\nAT =\n", at, "\nG =\n", g, "\nBT =\n", bt)
