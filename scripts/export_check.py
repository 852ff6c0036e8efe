#!/usr/bin/env python3
"""Runs Pix2PixZoo's exported files in the engines themselves, for Tests/ExportTests.

    export_check.py onnx-check MODEL.onnx
        onnx.checker (full check, with shape inference) and a JSON summary: IR version, opsets,
        graph inputs / outputs (dims: numbers or symbol names), operator counts, metadata_props.
    export_check.py onnx-run MODEL.onnx INPUT.f32 N C H W OUTPUT.f32
        Runs the model in ONNX Runtime (CPU) on a float32 NCHW input (raw little-endian) and writes
        the output raw; prints {"shape": [...], "metadata": {...}} (metadata as ONNX Runtime reads it).
    export_check.py safetensors-dump FILE.safetensors
        Loads the file with the safetensors package (numpy, no PyTorch) and prints
        {"metadata": {...}, "tensors": [{"name", "dtype", "shape", "hex"}]} (hex: the raw bytes).
    export_check.py safetensors-write OUT.safetensors SPEC.json
        Writes a file with safetensors.numpy.save_file from SPEC: {"metadata": {...}, "tensors":
        [{"name", "dtype" (numpy name), "shape", "values"}]}: files as PyTorch users' tools write them.

Needs numpy, onnx, onnxruntime and safetensors from PyPI (scripts/bootstrap installs them).
"""
import json
import sys

import numpy as np


def onnx_check(path):
    import onnx
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)

    def dims(value):
        return [d.dim_param if d.HasField('dim_param') else d.dim_value for d in value.type.tensor_type.shape.dim]

    ops = {}
    for node in model.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    print(json.dumps({
        'ir_version': model.ir_version,
        'opsets': {(o.domain or 'ai.onnx'): o.version for o in model.opset_import},
        'producer': model.producer_name,
        'inputs': [{'name': v.name, 'dims': dims(v)} for v in model.graph.input],
        'outputs': [{'name': v.name, 'dims': dims(v)} for v in model.graph.output],
        'operators': ops,
        'initializers': len(model.graph.initializer),
        'metadata': {p.key: p.value for p in model.metadata_props},
    }))


def onnx_run(path, input_path, n, c, h, w, output_path):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=['CPUExecutionProvider'])
    x = np.fromfile(input_path, dtype='<f4').reshape(int(n), int(c), int(h), int(w))
    (y,) = session.run(['output'], {'input': x})
    y.astype('<f4').tofile(output_path)
    print(json.dumps({'shape': list(y.shape), 'metadata': dict(session.get_modelmeta().custom_metadata_map)}))


def safetensors_dump(path):
    from safetensors import safe_open
    from safetensors.numpy import load_file
    tensors = load_file(path)
    with safe_open(path, framework='np') as f:
        metadata = f.metadata() or {}
        names = list(f.keys())
    rows = [{'name': k, 'dtype': str(tensors[k].dtype), 'shape': list(tensors[k].shape),
             'hex': np.ascontiguousarray(tensors[k]).astype(tensors[k].dtype.newbyteorder('<')).tobytes().hex()} for k in names]
    print(json.dumps({'metadata': metadata, 'tensors': rows}))


def safetensors_write(path, spec_path):
    from safetensors.numpy import save_file
    with open(spec_path) as f:
        spec = json.load(f)
    tensors = {t['name']: np.array(t['values'], dtype=t['dtype']).reshape(t['shape']) for t in spec['tensors']}
    save_file(tensors, path, metadata=spec.get('metadata') or None)


def main(argv):
    commands = {'onnx-check': (onnx_check, 1), 'onnx-run': (onnx_run, 7),
                'safetensors-dump': (safetensors_dump, 1), 'safetensors-write': (safetensors_write, 2)}
    if len(argv) < 2 or argv[1] not in commands or len(argv) - 2 != commands[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    commands[argv[1]][0](*argv[2:])
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
