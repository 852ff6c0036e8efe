#!/usr/bin/env python3
"""Runs `pix2pix bench train|infer` and benchmarks/torch_reference.py alternately and prints ratios.

Absolute times on shared machines swing by ±30–50 %, so both run in the same invocation, one after
the other, --rounds times; the report gives each side's median and minimum over all rounds and
the ratios ours / PyTorch (below 1: ours is faster).

    benchmarks/bench_compare.py --pix2pix .build-bench/release/pix2pix --python .venv-bench/bin/python \
        --case train:unet_256:256:1:fp32 --case infer:unet_256:256:1:fp32
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CASES = [
    'train:unet_256:256:1:fp32', 'train:unet_256:256:1:bf16', 'train:unet_128:128:1:fp32',
    'train:unet_64:64:1:fp32', 'infer:unet_256:256:1:fp32',
]


def run_json(cmd, env):
    out = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
    lines = [l for l in out.splitlines() if l.startswith('{')]
    if not lines:
        raise SystemExit(f"bench_compare: no JSON line from {' '.join(cmd)}:\n{out}")
    return json.loads(lines[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--pix2pix', default='.build-bench/release/pix2pix')
    ap.add_argument('--python', default=sys.executable)
    ap.add_argument('--case', action='append', help='mode:generator:size:batch:precision (repeatable)')
    ap.add_argument('--discriminator', default='patchgan_70')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--iters', type=int, default=10)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--rounds', type=int, default=2)
    args = ap.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), PIX2PIX_THREADS=str(args.threads))
    rows = []
    for case in args.case or DEFAULT_CASES:
        mode, gen, size, batch, precision = case.split(':')
        common = ['--generator', gen, '--size', size, '--batch', batch, '--precision', precision,
                  '--iters', str(args.iters), '--warmup', str(args.warmup)]
        if mode == 'train':
            common += ['--discriminator', args.discriminator]
        ours_cmd = [args.pix2pix, 'bench', mode, *common, '--threads', str(args.threads), '--json']
        torch_cmd = [args.python, os.path.join(HERE, 'torch_reference.py'), '--mode', mode, *common,
                     '--threads', str(args.threads)]
        ours, theirs = [], []
        for r in range(args.rounds):
            # Alternate which side goes first, so that drifting machine load hits both alike.
            pair = [(ours, ours_cmd), (theirs, torch_cmd)]
            for sink, cmd in (pair if r % 2 == 0 else pair[::-1]):
                sink.append(run_json(cmd, env))
        o_med = statistics.median(x['median_s'] for x in ours)
        t_med = statistics.median(x['median_s'] for x in theirs)
        o_min = min(x['min_s'] for x in ours)
        t_min = min(x['min_s'] for x in theirs)
        o_rss = max(x['peak_rss_mb'] for x in ours)
        t_rss = max(x['peak_rss_mb'] for x in theirs)
        row = {'case': case, 'ours_median_s': round(o_med, 4), 'torch_median_s': round(t_med, 4),
               'ratio_median': round(o_med / t_med, 3), 'ours_min_s': round(o_min, 4), 'torch_min_s': round(t_min, 4),
               'ratio_min': round(o_min / t_min, 3), 'ours_rss_mb': o_rss, 'torch_rss_mb': t_rss,
               'ratio_rss': round(o_rss / t_rss, 3)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(f"{'case':34} {'ours s':>8} {'torch s':>8} {'ratio':>6} {'min ratio':>9} {'RSS ratio':>9}")
    for r in rows:
        print(f"{r['case']:34} {r['ours_median_s']:8.3f} {r['torch_median_s']:8.3f} {r['ratio_median']:6.2f} "
              f"{r['ratio_min']:9.2f} {r['ratio_rss']:9.2f}")


if __name__ == '__main__':
    main()
