#!/usr/bin/env python3
"""Runs `pix2pix bench train|infer` and its peers alternately, prints the ratios and keeps the raw lines.

Absolute times on shared machines swing by ±30–50 %, so every engine of a case runs in the same
invocation, one after the other (the order reversed every other round), --rounds times, each in
its own process (so that peak RSS, ru_maxrss, is measured the same way for all). The report gives
each engine's median and minimum over all rounds and the ratios ours / peer (below 1: ours is
faster), the issue's target and pass / miss.

Peers: PyTorch (benchmarks/torch_reference.py, training and inference) and, for inference, the
reference generator exported to ONNX (torch.onnx.export) in ONNX Runtime (fp32) and in OpenVINO
(f32, and its default precision) (benchmarks/onnx_engines.py). Inference runs the same weights on
the same input in every engine: torch_reference.py --prepare writes the reference generator's state
dict, the input and PyTorch's fp32 eval-mode output; ours reads the state dict through TorchImport
(`pix2pix bench infer --weights`), and each engine's max abs difference from PyTorch's output is
reported, so that speed is never bought with wrong results.

A case is mode:generator:size:batch:precision[:peer,peer…]; the default peers are torch for
training, torch, onnxruntime and openvino-f32 for fp32 inference, torch and openvino-default for
bf16 inference.

Every run writes its raw JSON lines (a header with date, commit, CPU and versions; each engine's
line per round; the summary rows) to benchmarks/results/<date>-<commit>.jsonl (never overwriting:
-2, -3… are appended to the name).

    benchmarks/bench_compare.py --pix2pix .build-bench/release/pix2pix --python .venv-bench/bin/python \
        --case train:unet_256:256:1:fp32 --case infer:unet_256:256:1:fp32 --iters 2 --warmup 1 --rounds 1
    benchmarks/bench_compare.py --only infer          # the inference cases of the default list
"""
import argparse
import array
import datetime
import fnmatch
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# What the targets need (issue 17): training at batch 1 (four networks and precisions), the
# batches that must scale, and inference against PyTorch, ONNX Runtime and OpenVINO.
DEFAULT_CASES = [
    'train:unet_256:256:1:fp32', 'train:unet_256:256:1:bf16', 'train:unet_128:128:1:fp32',
    'train:unet_64:64:1:fp32',
    'train:unet_128:128:4:fp32', 'train:unet_128:128:16:fp32', 'train:unet_256:256:4:fp32',
    'infer:unet_256:256:1:fp32', 'infer:unet_256:256:1:bf16',
    'infer:unet_256:512:1:bf16:openvino-default', 'infer:unet_256:1024:1:bf16:openvino-default',
]
PEERS = ('torch', 'onnxruntime', 'openvino-f32', 'openvino-default')
PEER_NAMES = {'torch': 'PyTorch', 'onnxruntime': 'ONNX Runtime', 'openvino-f32': 'OpenVINO f32',
              'openvino-default': 'OpenVINO default'}

# (mode, generator, size, batch, precision, peer) → (time ratio ≤, RSS ratio ≤ or None, where from).
TARGETS = {
    ('train', 'unet_256', 256, 1, 'fp32', 'torch'): (0.45, None),
    ('train', 'unet_256', 256, 1, 'bf16', 'torch'): (0.35, None),
    ('train', 'unet_128', 128, 1, 'fp32', 'torch'): (0.35, None),
    ('train', 'unet_64', 64, 1, 'fp32', 'torch'): (0.35, None),
    ('train', 'unet_128', 128, 4, 'fp32', 'torch'): (0.45, 1.0),
    ('train', 'unet_128', 128, 16, 'fp32', 'torch'): (0.45, 1.0),
    # Item 2: batch 4 at 256² at or below batch 1's target, RSS at or below PyTorch's.
    ('train', 'unet_256', 256, 4, 'fp32', 'torch'): (0.45, 1.0),
    ('infer', 'unet_256', 256, 1, 'fp32', 'onnxruntime'): (0.8, None),
    ('infer', 'unet_256', 256, 1, 'fp32', 'openvino-f32'): (0.85, None),
    ('infer', 'unet_256', 256, 1, 'bf16', 'openvino-default'): (0.7, None),
    ('infer', 'unet_256', 512, 1, 'bf16', 'openvino-default'): (0.8, None),
    ('infer', 'unet_256', 1024, 1, 'bf16', 'openvino-default'): (0.8, None),
}


class Case:
    def __init__(self, text):
        parts = text.split(':')
        if len(parts) not in (5, 6) or parts[0] not in ('train', 'infer') or parts[4] not in ('fp32', 'bf16'):
            raise SystemExit(f"bench_compare: --case {text!r}: want mode:generator:size:batch:precision[:peer,…] "
                             f"with mode train|infer and precision fp32|bf16")
        self.text = text
        self.mode, self.generator, self.precision = parts[0], parts[1], parts[4]
        self.size, self.batch = int(parts[2]), int(parts[3])
        if len(parts) == 6:
            self.peers = parts[5].split(',')
        elif self.mode == 'train':
            self.peers = ['torch']
        elif self.precision == 'fp32':
            self.peers = ['torch', 'onnxruntime', 'openvino-f32']
        else:
            self.peers = ['torch', 'openvino-default']
        bad = [p for p in self.peers if p not in PEERS or (self.mode == 'train' and p != 'torch')]
        if bad:
            raise SystemExit(f"bench_compare: --case {text!r}: {bad[0]!r} is not a peer for {self.mode}; training has "
                             f"torch, inference {', '.join(PEERS)}")
        self.name = ':'.join(parts[:5])

    @property
    def stem(self):
        return f"{self.generator}-{self.size}-b{self.batch}"


def run_json(cmd, env):
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"bench_compare: {' '.join(short(c) for c in cmd)} exited {proc.returncode}:\n"
                         f"{proc.stdout[-2000:]}{proc.stderr[-4000:]}")
    lines = [l for l in proc.stdout.splitlines() if l.startswith('{')]
    if not lines:
        raise SystemExit(f"bench_compare: no JSON line from {' '.join(cmd)}:\n{proc.stdout}")
    return json.loads(lines[-1])


def short(path):
    """A path as it may appear in results: relative to the repository when inside it, else its name."""
    if not isinstance(path, str) or os.sep not in path:
        return path
    full = os.path.abspath(path)
    if full.startswith(ROOT + os.sep):
        return os.path.relpath(full, ROOT)
    return os.path.basename(full)


def read_f32(path):
    a = array.array('f')
    with open(path, 'rb') as f:
        a.frombytes(f.read())
    if sys.byteorder != 'little':
        a.byteswap()
    return a


def max_abs_diff(path, reference):
    y = read_f32(path)
    if len(y) != len(reference):
        raise SystemExit(f"bench_compare: {short(path)} holds {len(y)} values, the reference {len(reference)}")
    return max(abs(a - b) for a, b in zip(y, reference))


def git(*args):
    try:
        return subprocess.run(['git', *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def cpu_info():
    model, flags = None, []
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                key, _, value = line.partition(':')
                if key.strip() == 'model name' and model is None:
                    model = value.strip()
                elif key.strip() == 'flags' and not flags:
                    flags = value.split()
    except OSError:
        pass
    wanted = ('avx2', 'avx512f', 'avx512_vnni', 'avx512_bf16', 'amx_tile', 'amx_bf16', 'amx_int8')
    return model or platform.processor() or 'unknown', [f for f in wanted if f in flags]


def write_results(directory, lines):
    """Writes the JSON lines to DIR/<date>-<commit>.jsonl atomically, never over an existing file."""
    os.makedirs(directory, exist_ok=True)
    header = lines[0]
    base = f"{header['date']}-{header['commit'] or 'nogit'}"
    fd, tmp = tempfile.mkstemp(prefix='.results-', suffix='.tmp', dir=directory)
    try:
        with os.fdopen(fd, 'w') as f:
            for line in lines:
                f.write(json.dumps(line) + '\n')
            f.flush()
            os.fsync(f.fileno())
        for k in range(1, 1000):
            path = os.path.join(directory, base + ('' if k == 1 else f'-{k}') + '.jsonl')
            try:
                os.link(tmp, path)  # fails if the name exists: nothing is overwritten
                return path
            except FileExistsError:
                continue
        raise SystemExit(f"bench_compare: {short(directory)}: 999 result files for {base} already")
    finally:
        os.unlink(tmp)


def row_for(case, peer, ours, theirs, diffs, scale):
    o_med = statistics.median(x['median_s'] for x in ours)
    t_med = statistics.median(x['median_s'] for x in theirs)
    o_min = min(x['min_s'] for x in ours)
    t_min = min(x['min_s'] for x in theirs)
    o_rss = max(x['peak_rss_mb'] for x in ours)
    t_rss = max(x['peak_rss_mb'] for x in theirs)
    ratio, rss_ratio = o_med / t_med, o_rss / t_rss
    target = TARGETS.get((case.mode, case.generator, case.size, case.batch, case.precision, peer))
    verdict = None
    if target:
        verdict = 'pass' if ratio <= target[0] and (target[1] is None or rss_ratio <= target[1]) else 'miss'
    row = {'kind': 'row', 'case': case.name, 'peer': peer, 'ours_median_s': round(o_med, 4),
           'peer_median_s': round(t_med, 4), 'ratio_median': round(ratio, 3), 'ours_min_s': round(o_min, 4),
           'peer_min_s': round(t_min, 4), 'ratio_min': round(o_min / t_min, 3), 'ours_rss_mb': o_rss,
           'peer_rss_mb': t_rss, 'ratio_rss': round(rss_ratio, 3),
           'target_ratio': target[0] if target else None, 'target_rss': target[1] if target else None,
           'verdict': verdict, 'rounds': len(ours)}
    if case.mode == 'infer':
        row['ours_max_abs_diff'] = diffs.get('ours')
        row['peer_max_abs_diff'] = diffs.get(peer)
        row['reference_max_abs'] = scale
        row['peer_precision'] = theirs[-1].get('engine_precision', 'bf16 autocast' if case.precision == 'bf16' and peer == 'torch' else 'f32')
    return row


def fmt_diff(v):
    return '—' if v is None else f"{v:.1e}"


def print_table(rows):
    head = (f"{'case':27} {'peer':16} {'ours s':>8} {'peer s':>8} {'ratio':>6} {'min r':>6} {'RSS r':>6} "
            f"{'ours MB':>8} {'target':>14} {'':4} {'diff ours':>9} {'diff peer':>9}")
    print(head)
    for r in rows:
        if r['target_ratio'] is None:
            target = '—'
        else:
            target = f"≤{r['target_ratio']:g}" + (f", RSS≤{r['target_rss']:g}" if r['target_rss'] is not None else '')
        print(f"{r['case']:27} {PEER_NAMES[r['peer']]:16} {r['ours_median_s']:8.3f} {r['peer_median_s']:8.3f} "
              f"{r['ratio_median']:6.2f} {r['ratio_min']:6.2f} {r['ratio_rss']:6.2f} {r['ours_rss_mb']:8.0f} "
              f"{target:>14} {r['verdict'] or '':4} {fmt_diff(r.get('ours_max_abs_diff')):>9} "
              f"{fmt_diff(r.get('peer_max_abs_diff')):>9}")


def scaling(rows):
    """Issue 17 item 2: a batch > 1 training row's ratios against batch 1's of the same network and size."""
    notes = []
    for r in rows:
        mode, gen, size, batch, precision = r['case'].split(':')
        if mode != 'train' or batch == '1':
            continue
        one = next((b for b in rows if b['case'] == f"{mode}:{gen}:{size}:1:{precision}" and b['peer'] == r['peer']), None)
        if one is None:
            continue
        r['batch1_ratio_median'], r['batch1_ratio_rss'] = one['ratio_median'], one['ratio_rss']
        ok = r['ratio_median'] <= one['ratio_median'] and r['ratio_rss'] <= one['ratio_rss']
        notes.append(f"{r['case']}: ratio {r['ratio_median']:.2f} (batch 1: {one['ratio_median']:.2f}), RSS ratio "
                     f"{r['ratio_rss']:.2f} (batch 1: {one['ratio_rss']:.2f}): {'at or below' if ok else 'above'} batch 1's")
    return notes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--pix2pix', default='.build-bench/release/pix2pix')
    ap.add_argument('--python', default=sys.executable, help='the Python with torch (and onnxruntime, openvino)')
    ap.add_argument('--case', action='append', help='mode:generator:size:batch:precision[:peer,…] (repeatable)')
    ap.add_argument('--only', action='append', metavar='PATTERN',
                    help='keep the cases that contain PATTERN or match it as a glob (repeatable), e.g. infer, '
                         "'train:unet_128:*', ':bf16'")
    ap.add_argument('--peers', help='comma-separated: keep only these peers in every case')
    ap.add_argument('--list', action='store_true', help='print the cases with their peers and targets, then exit')
    ap.add_argument('--discriminator', default='patchgan_70')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--iters', type=int, default=10)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--rounds', type=int, default=2)
    ap.add_argument('--results', default=os.path.join(ROOT, 'benchmarks', 'results'),
                    help='folder for the raw JSON lines (default benchmarks/results)')
    ap.add_argument('--work', help='folder for the weights, inputs, outputs and ONNX files (default: a temporary '
                    'one, removed at the end)')
    args = ap.parse_args()

    cases = [Case(c) for c in (args.case or DEFAULT_CASES)]
    if args.only:
        cases = [c for c in cases if any(p in c.text or fnmatch.fnmatch(c.text, p) for p in args.only)]
    if args.peers:
        keep = args.peers.split(',')
        for c in cases:
            c.peers = [p for p in c.peers if p in keep]
        cases = [c for c in cases if c.peers]
    if not cases:
        raise SystemExit('bench_compare: no case left after --only / --peers')
    if args.list:
        for c in cases:
            for p in c.peers:
                t = TARGETS.get((c.mode, c.generator, c.size, c.batch, c.precision, p))
                print(f"{c.name:27} vs {PEER_NAMES[p]:16} target {'—' if not t else f'≤{t[0]:g}' + (f', RSS≤{t[1]:g}' if t[1] else '')}")
        return

    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), PIX2PIX_THREADS=str(args.threads))
    # bf16 needs AVX-512 (oneDNN 2.6 has no bf16 convolutions below it): where pix2pix refuses
    # --precision bf16, its cases are left out and the header says so.
    skipped, reason = [], None
    if any(c.precision == 'bf16' for c in cases):
        probe = subprocess.run([args.pix2pix, 'bench', 'infer', '--generator', 'unet_64', '--size', '64', '--iters', '1',
                                '--warmup', '0', '--precision', 'bf16', '--json'],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if probe.returncode != 0 and 'is not available' in probe.stdout + probe.stderr:
            lines = (probe.stdout + probe.stderr).strip().splitlines()
            reason = next((line for line in lines if 'is not available' in line), lines[-1])
            skipped = [c.text for c in cases if c.precision == 'bf16']
            cases = [c for c in cases if c.precision != 'bf16']
            print(f"bench_compare: leaving out the bf16 cases: {reason}")
            if not cases:
                raise SystemExit('bench_compare: no case left: this CPU has no bf16 kernels')
    work = args.work or tempfile.mkdtemp(prefix='bench-compare-')
    os.makedirs(work, exist_ok=True)
    started = time.time()
    cpu, flags = cpu_info()
    commit = git('rev-parse', '--short', 'HEAD')
    dirty = bool(git('status', '--porcelain', '--untracked-files=no'))
    lines = [{'kind': 'header', 'date': datetime.date.today().isoformat(), 'commit': commit, 'dirty': dirty,
              'cpu': cpu, 'cpu_flags': flags, 'threads': args.threads, 'nproc': os.cpu_count(),
              'python': platform.python_version(), 'iters': args.iters, 'warmup': args.warmup,
              'rounds': args.rounds, 'cases': [c.text for c in cases], 'skipped_cases': skipped, 'skipped_reason': reason,
              'pix2pix': short(args.pix2pix),
              'omp_wait_policy': os.environ.get('OMP_WAIT_POLICY'), 'loadavg_start': os.getloadavg(),
              'versions': {}, 'complete': False}]
    versions = lines[0]['versions']
    rows = []
    prepared = set()
    try:
        for case in cases:
            common = ['--generator', case.generator, '--size', str(case.size), '--batch', str(case.batch),
                      '--iters', str(args.iters), '--warmup', str(args.warmup)]
            engines = {}  # name → command
            ours_cmd = [args.pix2pix, 'bench', case.mode, *common, '--precision', case.precision,
                        '--threads', str(args.threads), '--json']
            torch_cmd = [args.python, os.path.join(HERE, 'torch_reference.py'), '--mode', case.mode, *common,
                         '--precision', case.precision, '--threads', str(args.threads)]
            if case.mode == 'train':
                ours_cmd += ['--discriminator', args.discriminator]
                torch_cmd += ['--discriminator', args.discriminator]
            reference = None
            if case.mode == 'infer':
                stem = os.path.join(work, case.stem)
                weights = os.path.join(work, f"{case.generator}.pth")
                onnx = any(p != 'torch' for p in case.peers)
                key = (case.stem, onnx)
                if key not in prepared and (case.stem, True) not in prepared:
                    prep = [args.python, os.path.join(HERE, 'torch_reference.py'), '--prepare', work,
                            '--generator', case.generator, '--size', str(case.size), '--batch', str(case.batch)]
                    info = run_json(prep + (['--onnx'] if onnx else []), env)
                    lines.append({'kind': 'prepare', 'case': case.name, **info})
                    prepared.add(key)
                reference = read_f32(stem + '.torch-fp32.f32')
                ours_cmd += ['--weights', weights, '--input', stem + '.input.f32', '--output', stem + '.ours.f32']
                torch_cmd += ['--weights', weights, '--input', stem + '.input.f32', '--output', stem + '.torch.f32']
            engines['ours'] = ours_cmd
            for peer in case.peers:
                if peer == 'torch':
                    engines[peer] = torch_cmd
                else:
                    engines[peer] = [args.python, os.path.join(HERE, 'onnx_engines.py'), '--engine', peer,
                                     '--model', stem + '.onnx', '--input', stem + '.input.f32',
                                     '--output', f"{stem}.{peer}.f32", *common, '--threads', str(args.threads)]
            results = {name: [] for name in engines}
            order = list(engines)
            for r in range(args.rounds):
                # Alternate the order, so that drifting machine load hits every engine alike.
                for name in (order if r % 2 == 0 else order[::-1]):
                    out = run_json(engines[name], env)
                    results[name].append(out)
                    lines.append({'kind': 'run', 'case': case.name, 'engine': name, 'round': r, **out})
                    for key in ('torch', 'onnxruntime', 'openvino', 'onednn'):
                        if key in out:
                            versions[key] = out[key]
                    if 'isa' in out:
                        versions['onednn_isa'] = out['isa']
            diffs = {}
            if reference is not None:
                for name in engines:
                    path = stem + ('.ours.f32' if name == 'ours' else f'.{name}.f32')
                    diffs[name] = max_abs_diff(path, reference)
            for peer in case.peers:
                row = row_for(case, peer, results['ours'], results[peer], diffs,
                              max(map(abs, reference)) if reference is not None else None)
                rows.append(row)
                lines.append(row)
                print(json.dumps(row), flush=True)
        notes = scaling(rows)
        lines[0]['complete'] = True
    finally:
        lines[0]['elapsed_s'] = round(time.time() - started, 1)
        lines[0]['loadavg_end'] = os.getloadavg()
        if len(lines) > 1:
            path = write_results(args.results, lines)
            print(f"raw lines: {short(path)}", flush=True)
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print_table(rows)
    for note in notes:
        print(note)


if __name__ == '__main__':
    main()
