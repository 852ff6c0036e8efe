#!/usr/bin/env python3
"""ONNX Runtime and OpenVINO peers for `pix2pix bench infer`: the reference generator, exported to ONNX.

Runs the ONNX file that `benchmarks/torch_reference.py --prepare DIR --onnx` exported from the
PyTorch reference's UnetGenerator (eval mode, static shape) in one engine, in its own process, and
prints one JSON line like `pix2pix bench infer --json`: median and minimum seconds per forward
pass after warm-up, peak RSS (ru_maxrss, the whole process: loading and compiling the model
included, as for every engine in make bench-compare) and the RSS after loading.

Engines (all from PyPI, in the same throwaway venv as torch):
    onnxruntime       ONNX Runtime, CPU execution provider, fp32; intra-op threads = --threads,
                      inter-op 1, all graph optimisations (the default level).
    openvino-f32      OpenVINO CPU plugin with INFERENCE_PRECISION_HINT=f32.
    openvino-default  OpenVINO CPU plugin at its default precision (bf16 where the CPU has native
                      bf16, e.g. AMX; the precision it picked is reported as "engine_precision").
    Both OpenVINO runs: INFERENCE_NUM_THREADS = --threads, one stream, PERFORMANCE_HINT=LATENCY.

    onnx_engines.py --engine onnxruntime --model unet_256-256-b1.onnx --input unet_256-256-b1.input.f32 \
        --batch 1 --size 256 --threads 2 --iters 10 --warmup 2 --output out.f32
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

ENGINES = ('onnxruntime', 'openvino-f32', 'openvino-default')


def rss_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def onnxruntime_runner(args):
    import numpy as np
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = args.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(args.model, sess_options=so, providers=['CPUExecutionProvider'])
    name = session.get_inputs()[0].name

    def run(x):
        return session.run(None, {name: x})[0]
    return run, {'engine_version': ort.__version__, 'engine_precision': 'f32', 'onnxruntime': ort.__version__}, np


def openvino_runner(args):
    import numpy as np
    import openvino as ov
    core = ov.Core()
    model = core.read_model(args.model)
    config = {'INFERENCE_NUM_THREADS': args.threads, 'NUM_STREAMS': 1, 'PERFORMANCE_HINT': 'LATENCY'}
    if args.engine == 'openvino-f32':
        config['INFERENCE_PRECISION_HINT'] = 'f32'
    compiled = core.compile_model(model, 'CPU', config)
    del model
    request = compiled.create_infer_request()
    hint = compiled.get_property('INFERENCE_PRECISION_HINT')  # what the plugin picked: f32 or bf16
    precision = hint.get_type_name() if hasattr(hint, 'get_type_name') else str(hint)

    def run(x):
        request.infer({0: x})
        return request.get_output_tensor(0).data
    return run, {'engine_version': ov.get_version(), 'engine_precision': precision, 'openvino': ov.get_version()}, np


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--engine', choices=ENGINES, required=True)
    ap.add_argument('--model', required=True, help='the ONNX file (torch_reference.py --prepare DIR --onnx)')
    ap.add_argument('--input', help='the input batch, float32 NCHW; default uniform in [-1, 1] (seed 0)')
    ap.add_argument('--output', help="write the last timed pass's output, float32 NCHW")
    ap.add_argument('--generator', default='unet_256', help='for the JSON line only (the ONNX file fixes the network)')
    ap.add_argument('--size', type=int, default=256)
    ap.add_argument('--batch', type=int, default=1)
    ap.add_argument('--channels', type=int, default=3)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--iters', type=int, default=10)
    ap.add_argument('--warmup', type=int, default=2)
    args = ap.parse_args(argv)
    if args.batch < 1 or args.iters < 1 or args.warmup < 0 or args.threads < 1 or args.size < 1:
        raise SystemExit('onnx_engines.py: --batch, --iters, --threads, --size must be ≥ 1 and --warmup ≥ 0')

    make = onnxruntime_runner if args.engine == 'onnxruntime' else openvino_runner
    run, info, np = make(args)
    shape = (args.batch, args.channels, args.size, args.size)
    if args.input:
        x = np.fromfile(args.input, dtype='<f4')
        if x.size != int(np.prod(shape)):
            raise SystemExit(f"onnx_engines.py: --input {args.input} holds {x.size} floats, {list(shape)} needs {int(np.prod(shape))}")
        x = x.reshape(shape)
    else:
        x = (np.random.default_rng(0).random(shape, dtype=np.float32) * 2 - 1)
    after_load = rss_mb()

    times, y = [], None
    for i in range(args.warmup + args.iters):
        t0 = time.perf_counter()
        y = run(x)
        dt = time.perf_counter() - t0
        if i >= args.warmup:
            times.append(dt)
    peak = rss_mb()
    print(json.dumps({
        'impl': args.engine, **info, 'mode': 'infer', 'generator': args.generator, 'size': args.size,
        'batch': args.batch, 'threads': args.threads, 'iters': args.iters, 'warmup': args.warmup,
        'median_s': statistics.median(times), 'min_s': min(times), 'peak_rss_mb': peak,
        'rss_after_load_mb': after_load, 'losses': [round(float(np.mean(y)), 5), 0.0], 'weights': 'file',
    }))
    sys.stdout.flush()
    if args.output:
        tmp = f"{args.output}.tmp-{os.getpid()}"
        with open(tmp, 'wb') as f:
            f.write(np.ascontiguousarray(y, dtype='<f4').tobytes())
        os.replace(tmp, args.output)


if __name__ == '__main__':
    main()
